"""mdlp bench: sweep table, convergence fits, resume after an interruption, and the Dask
executor returning the same table as the local pool."""

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from mdlp.bench import parse_sweep, run_bench
from mdlp.cli import main

CONFIG = str(Path(__file__).resolve().parents[1] / "configs" / "myerson_uniform.yaml")
SWEEP = [("params.objective", ["revenue", "welfare"])]


def test_sweep_table_and_rates(tmp_path):
    """Revenue converges to 5/12 at order 1 (midpoint bias), welfare to 2/3 at order 2."""
    runs, conv = run_bench(CONFIG, [11, 21, 41], SWEEP, out=tmp_path, workers=2)
    assert len(runs) == 6 and (runs["status"] == "optimal").all()
    assert (runs["gap"].abs() < 1e-7).all()  # each grid hits its discrete closed form
    c = conv.set_index("params.objective")
    assert c.loc["revenue", "theorem"] == pytest.approx(5 / 12)
    assert 0.8 < c.loc["revenue", "order"] < 1.2
    assert 1.8 < c.loc["welfare", "order"] < 2.2
    assert abs(c.loc["welfare", "extrapolated_minus_theorem"]) < 1e-5
    for name in ("convergence.csv", "report.md", "runs.jsonl"):
        assert (tmp_path / name).exists()
    assert (tmp_path / "runs.parquet").exists() or (tmp_path / "runs.csv").exists()


def test_resume_skips_finished_rows(tmp_path):
    """Interrupt = a log with 2 finished rows and a torn third line; the re-run solves
    exactly the 4 missing tasks and keeps the finished rows untouched."""
    runs, _ = run_bench(CONFIG, [11, 21, 31], SWEEP, out=tmp_path, workers=1)
    log = tmp_path / "runs.jsonl"
    lines = log.read_text().splitlines()
    log.write_text("\n".join(lines[:2]) + "\n" + lines[2][:25])  # torn write
    kept = [json.loads(x) for x in lines[:2]]
    again, _ = run_bench(CONFIG, [11, 21, 31], SWEEP, out=tmp_path, workers=1)
    assert len(again) == 6
    new_lines = [ln for ln in log.read_text().splitlines() if ln.startswith("{")]
    parsed = []
    for ln in new_lines:
        try:
            parsed.append(json.loads(ln))
        except json.JSONDecodeError:
            pass
    assert len(parsed) == 6  # 2 kept + 4 new, nothing repeated
    assert len({r["task"] for r in parsed}) == 6
    for row in kept:
        match = again[again["task"] == row["task"]].iloc[0]
        assert match["seconds"] == row["seconds"]  # not recomputed
    merged = again.set_index("task")["objective"]
    first = runs.set_index("task")["objective"]
    assert (merged.sort_index() - first.sort_index()).abs().max() < 1e-9


def test_dask_local_cluster_matches_local_pool():
    pytest.importorskip("dask.distributed")
    local, _ = run_bench(CONFIG, [11, 21], SWEEP, workers=1)
    dask, _ = run_bench(CONFIG, [11, 21], SWEEP, executor="dask", workers=2)
    a = local.set_index("task")[["objective", "status", "rows", "nnz"]].sort_index()
    b = dask.set_index("task")[["objective", "status", "rows", "nnz"]].sort_index()
    pd.testing.assert_frame_equal(a, b, check_exact=False, atol=1e-9)


def test_parse_sweep_forms():
    assert parse_sweep("params.mean=0.1:0.9:9")[1][0] == pytest.approx(0.1)
    assert len(parse_sweep("params.mean=0.1:0.9:9")[1]) == 9
    assert parse_sweep("params.bidders=2,3") == ("params.bidders", [2, 3])


@pytest.mark.parametrize(
    "args,field",
    [
        (["--grid", "1,2"], "--grid"),
        (["--grid", "a,b"], "--grid"),
        (["--grid", "11", "--sweep", "params.objective=profit"], "params.objective"),
        (["--grid", "11", "--sweep", "params.x=1:2"], "--sweep"),
    ],
)
def test_bench_bad_input(tmp_path, args, field):
    out = tmp_path / "o"
    r = CliRunner().invoke(main, ["bench", CONFIG, *args, "--out", str(out)])
    assert r.exit_code == 2 and field in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_bench_cli_json(tmp_path):
    r = CliRunner().invoke(main, ["bench", CONFIG, "--grid", "11,21", "--json", "--workers", "1"])
    assert r.exit_code == 0
    rows = json.loads(r.output)
    assert rows[0]["grids"] == "11,21"
