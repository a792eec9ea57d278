"""The HTML report's content without a browser: a hand-written summary.json shows up as
written, the ``figures`` list of a summary is honoured, text is escaped, and the page
fetches nothing."""

from __future__ import annotations

import base64
import json
import re

import pytest

from mdlp.htmlreport import ReportError, report_html, theorem_html

# the smallest valid PNG: one transparent pixel (PNG specification: signature, IHDR 1x1
# RGBA, one IDAT, IEND)
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)

SUMMARY = {
    "kind": "myerson_auction",
    "name": "two <uniform> bidders",
    "status": "optimal",
    "message": None,
    "objective": 0.4166,
    "theory": {
        "value": 0.4167,
        "source": "Myerson (1981), Optimal Auction Design, Theorem 3",
        "label": "continuum optimum",
        "relation": "upper",
        "tolerance": 1e-3,
    },
    "gap": -1e-4,
    "within_tolerance": True,
    "references": [{"value": 0.3333, "label": "second price", "gap": 0.0833}],
    "certificate": {"ic": 2e-12, "ir": 0.0},
    "certificate_tolerance": 1e-7,
    "lp": {"rows": 10805, "cols": 20806, "nnz": 42610},
    "timings": {"build_s": 0.011, "solve_s": 0.45, "total_s": 0.61},
    "solver": {"backend": "highs", "method": "ipm", "rounds": 3, "rows_added": 120},
}


def write_dir(path, summary, files=()):
    path.mkdir()
    (path / "summary.json").write_text(json.dumps(summary))
    for name in files:
        (path / name).write_bytes(PIXEL if name.endswith(".png") else b"<svg/>")
    return path


def test_solve_section_shows_the_summary(tmp_path):
    d = write_dir(tmp_path / "run", SUMMARY, ["allocation.png"])
    page = report_html([d])
    for text in [
        "myerson_auction (two &lt;uniform&gt; bidders)",
        "0.4166",
        "0.4167 — continuum optimum",
        "Myerson (1981), Optimal Auction Design, Theorem 3",
        "upper: closed form is an upper bound",
        "-1.000e-04 (tolerance 0.001)",
        "within tolerance",
        "0.3333 — second price — gap +8.330e-02",
        "ic 2.0e-12, ir 0.0e+00 (≤ 1e-07)",
        "certified",
        "rows 10,805, cols 20,806, nnz 42,610",
        "highs ipm, 3 rounds, 120 rows added",
        "build 0.011 s, solve 0.45 s, total 0.61 s",
    ]:
        assert text in page, text
    assert "<uniform>" not in page
    assert page.count("<img ") == 1 and base64.b64encode(PIXEL).decode() in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", page)


def test_violated_certificate_and_failed_status_are_flagged(tmp_path):
    bad = dict(SUMMARY, certificate={"ic": 1e-3}, within_tolerance=False)
    page = report_html([write_dir(tmp_path / "a", bad)])
    assert "VIOLATED" in page and "OUTSIDE TOLERANCE" in page
    failed = dict(SUMMARY, status="infeasible", message="no mechanism", objective=None)
    page = report_html([write_dir(tmp_path / "b", failed)])
    assert "infeasible" in page and "no mechanism" in page and "objective" not in page


def test_summary_figures_list_is_used_and_png_preferred(tmp_path):
    listed = dict(
        SUMMARY,
        figures=[
            {"file": "allocation.svg", "caption": "Allocation against value"},
            {"file": "allocation.png", "caption": "Allocation against value"},
            "payments.svg",
        ],
    )
    d = write_dir(
        tmp_path / "run", listed, ["allocation.svg", "allocation.png", "payments.svg", "stray.png"]
    )
    page = report_html([d])
    assert page.count("<img ") == 2  # allocation (as PNG) and payments; not the stray PNG
    assert page.count("data:image/png;base64") == 1
    assert page.count("data:image/svg+xml;base64") == 1
    assert "<figcaption>Allocation against value</figcaption>" in page


def test_missing_listed_figure_is_bad_input(tmp_path):
    d = write_dir(tmp_path / "run", dict(SUMMARY, figures=["gone.png"]))
    with pytest.raises(ReportError, match="gone.png"):
        report_html([d])


def test_bad_summary_is_bad_input(tmp_path):
    d = tmp_path / "run"
    d.mkdir()
    (d / "summary.json").write_text("{not json")
    with pytest.raises(ReportError, match="summary.json"):
        report_html([d])


def test_bench_section_lists_orders(tmp_path):
    d = tmp_path / "bench"
    d.mkdir()
    (d / "convergence.csv").write_text('params.objective,grids,order\nrevenue,"11,21",0.98\n')
    (d / "report.md").write_text("# Convergence report: myerson_auction\n")
    (d / "convergence.png").write_bytes(PIXEL)
    page = report_html([d])
    assert "Convergence benchmark: myerson_auction" in page
    assert "fitted order of convergence: 0.98" in page and page.count("<img ") == 1


def test_theorem_page_escapes_and_marks_failures():
    rows = [{"theorem": "x<y", "verdict": "pass"}, {"theorem": "z", "verdict": "FAIL: gap"}]
    page = theorem_html(rows)
    assert "x&lt;y" in page and "1 of 2 closed forms pass" in page
    assert page.count('<tr class="fail">') == 1
