"""The HTML report as a person sees it: opened in headless Chromium (Debian's ``chromium``).

A copy of each page gets a small script that, once the page has loaded, records for every
``<img>`` whether it decoded (``complete`` and a non-zero natural size) and counts the rows
of the theorem table; Chromium's ``--dump-dom`` returns the document with that record in it.
The expected numbers come from outside the page: the PNG files in the result directories
and the theorems registered for the family.

Without Chromium the test skips locally with the reason, and FAILS when ``CI`` is set
(``.ci/run`` installs the package and sets it), so the browser check cannot silently vanish.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from mdlp.compare import theorems
from mdlp.htmlreport import ReportError, report_html, theorem_html

ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "benchmarks" / "convergence" / "myerson"  # a committed `mdlp bench --out`
FAMILY = "regret_pricing"  # four theorems, each solved in well under a second

PROBE = """<script>
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var out = {
    images: imgs.map(function (im) {
      return {alt: im.alt, complete: im.complete, w: im.naturalWidth, h: im.naturalHeight};
    }),
    theorem_rows: document.querySelectorAll("table.theorems tbody tr").length,
    sections: document.querySelectorAll("section").length
  };
  var pre = document.createElement("pre");
  pre.id = "mdlp-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>"""


def find_chromium() -> str | None:
    """The Chromium executable: ``MDLP_CHROMIUM`` or the usual names on PATH."""
    env = os.environ.get("MDLP_CHROMIUM")
    if env:
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.fixture(scope="module")
def chromium():
    exe = find_chromium()
    if exe is None:
        reason = (
            "headless Chromium not found (Debian: apt-get install chromium; or set "
            "MDLP_CHROMIUM to the executable)"
        )
        if os.environ.get("CI", "").lower() not in ("", "0", "false", "no"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    return exe


def run_chromium(exe: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",  # root in containers; the page is our own file
        "--disable-gpu",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--virtual-time-budget=10000",
        *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)


def probe(exe: str, page: Path, tmp: Path) -> dict:
    """Load a copy of ``page`` with the probe script; return what the script recorded."""
    text = page.read_text()
    copy = tmp / f"probe-{page.name}"
    copy.write_text(text.replace("</body>", PROBE + "</body>"))
    proc = run_chromium(exe, tmp, "--dump-dom", copy.as_uri())
    m = re.search(r'<pre id="mdlp-probe">(.*?)</pre>', proc.stdout, re.S)
    assert m, f"no probe output from Chromium (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&"))


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (PNG specification, section 11.2.2)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


def mdlp(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mdlp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """Two real solves with their figures (information selling's recommendation regions,
    Myerson's allocation and payment rules), the committed bench run, and the report page
    written by the CLI."""
    tmp = tmp_path_factory.mktemp("report")
    r1 = mdlp(
        "solve",
        str(ROOT / "configs" / "information_alpha_beta.yaml"),
        "--set",
        "grid.points=9",
        "--out",
        str(tmp / "info"),
        "--quiet",
        cwd=tmp,
    )
    assert r1.returncode == 0, r1.stderr
    r2 = mdlp(
        "solve",
        str(ROOT / "configs" / "myerson_uniform.yaml"),
        "--set",
        "grid.points=11",
        "--out",
        str(tmp / "myerson"),
        "--quiet",
        cwd=tmp,
    )
    assert r2.returncode == 0, r2.stderr
    r3 = mdlp(
        "report", "info", "myerson", str(BENCH_DIR), "-o", "report.html", cwd=tmp
    )
    assert r3.returncode == 0, r3.stderr
    return tmp


def test_report_page_figures_decode_in_chromium(chromium, report_dir):
    tmp = report_dir
    page = tmp / "report.html"
    text = page.read_text()
    # self-contained: nothing is fetched from anywhere
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", text)
    assert "url(http" not in text
    pngs = [
        *sorted((tmp / "info").glob("*.png")),
        *sorted((tmp / "myerson").glob("*.png")),
        *sorted(BENCH_DIR.glob("*.png")),
    ]
    assert len(pngs) >= 4  # regions + Myerson's rules + convergence + scaling
    result = probe(chromium, page, tmp)
    assert result["sections"] == 3
    imgs = result["images"]
    assert len(imgs) == len(pngs), imgs
    for im in imgs:
        assert im["complete"] and im["w"] > 0 and im["h"] > 0, im
    # a decoded image has the pixel size of the file it came from
    assert sorted((im["w"], im["h"]) for im in imgs) == sorted(png_size(p) for p in pngs)
    shot = tmp / "report.png"
    proc = run_chromium(
        chromium, tmp, "--hide-scrollbars", "--window-size=1200,2400", f"--screenshot={shot}",
        page.as_uri(),
    )
    assert shot.is_file(), proc.stderr[-2000:]
    assert png_size(shot) == (1200, 2400)


def test_theorem_table_page_has_one_row_per_theorem(chromium, tmp_path):
    expected = len(theorems(FAMILY))
    assert expected >= 2
    r = mdlp("check", "--family", FAMILY, "--html", "theorems.html", "--quiet", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    result = probe(chromium, tmp_path / "theorems.html", tmp_path)
    assert result["theorem_rows"] == expected
    assert result["images"] == []


def test_theorem_table_rows_are_rows_in_the_browser(chromium, tmp_path):
    """Three hand-made rows, one failing: three rows, whatever their contents."""
    rows = [
        {"theorem": "a", "theory": 0.5, "objective": 0.5, "verdict": "pass"},
        {"theorem": "b <i>", "theory": float("nan"), "verdict": "FAIL: gap does not shrink"},
        {"theorem": "c", "source": "x | y", "verdict": "pass"},
    ]
    page = tmp_path / "t.html"
    page.write_text(theorem_html(rows))
    assert probe(chromium, page, tmp_path)["theorem_rows"] == 3


def test_probe_sees_a_broken_figure(chromium, tmp_path):
    """The probe can fail: a PNG cut short after its header does not decode."""
    good = BENCH_DIR / "convergence.png"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "summary.json").write_text('{"kind": "myerson_auction", "status": "optimal"}')
    (broken / "cut.png").write_bytes(good.read_bytes()[:64])
    page = tmp_path / "b.html"
    page.write_text(report_html([broken]))
    (im,) = probe(chromium, page, tmp_path)["images"]
    assert im["w"] == 0 and im["h"] == 0


def test_bad_directory_is_named_and_nothing_is_written(tmp_path):
    (tmp_path / "empty").mkdir()
    for bad in ("missing", "empty"):
        r = mdlp("report", bad, "-o", "out.html", cwd=tmp_path)
        assert r.returncode == 2
        lines = r.stderr.strip().splitlines()
        assert len(lines) == 1 and bad in lines[0] and "Traceback" not in r.stderr
        assert not (tmp_path / "out.html").exists()
    with pytest.raises(ReportError, match="empty"):
        report_html([tmp_path / "empty"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"]
