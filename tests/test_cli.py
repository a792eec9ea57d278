"""The mdlp command through click's CliRunner: output contract, result files, exit codes
and bad input (exit 2, one line naming the field, no traceback, nothing written)."""

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from mdlp.cli import main
from mdlp.config import load_config
from mdlp.problems import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
CONFIG = str(ROOT / "configs" / "myerson_uniform.yaml")


@pytest.fixture
def run():
    runner = CliRunner()

    def _run(*args):
        return runner.invoke(main, list(args), catch_exceptions=False)

    return _run


def test_list_and_templates(run):
    r = run("list")
    assert r.exit_code == 0 and "myerson_auction" in r.output
    for kind in REGISTRY:
        r = run("template", kind)
        assert r.exit_code == 0
        cfg = load_config(r.output)  # every template is a valid config
        assert cfg.kind == kind


def test_solve_json_contract(run):
    r = run("solve", CONFIG, "--json", "--set", "grid.points=21")
    assert r.exit_code == 0
    d = json.loads(r.output)  # exactly one JSON object on stdout
    for key in ("kind", "status", "objective", "theory", "gap", "certificate", "lp", "timings"):
        assert key in d
    assert d["status"] == "optimal" and d["kind"] == "myerson_auction"
    assert "Makarin (2021)" in d["theory"]["source"]
    assert abs(d["gap"]) < 1e-7 and d["gap"] == pytest.approx(d["objective"] - d["theory"]["value"])
    assert set(d["lp"]) == {"rows", "cols", "nnz"}
    assert set(d["timings"]) == {"build_s", "solve_s", "total_s"}
    assert max(d["certificate"].values()) <= 1e-7


def test_solve_out_files_round_trip(run, tmp_path):
    out = tmp_path / "run1"
    r = run("solve", CONFIG, "--set", "grid.points=21", "--out", str(out), "--quiet")
    assert r.exit_code == 0 and r.output == ""
    files = sorted(p.name for p in out.iterdir())
    assert "summary.json" in files and "config.yaml" in files
    table = [f for f in files if f.startswith("mechanism.")]
    assert table
    path = out / table[0]
    df = pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)
    assert {"v1", "v2", "prob", "q1", "q2"} <= set(df.columns) and len(df) == 21 * 21
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp leftovers
    # the resolved config solves to the same value
    again = run("solve", str(out / "config.yaml"), "--json")
    s1 = json.loads((out / "summary.json").read_text())
    assert json.loads(again.output)["objective"] == pytest.approx(s1["objective"], abs=1e-12)
    assert yaml.safe_load((out / "config.yaml").read_text())["grid"]["points"] == 21


def test_set_overrides_change_the_lp(run):
    a = json.loads(run("solve", CONFIG, "--json", "--set", "grid.points=11").output)
    b = json.loads(
        run("solve", CONFIG, "--json", "--set", "grid.points=11",
            "--set", "params.constraints=dominant").output
    )
    assert a["lp"]["rows"] != b["lp"]["rows"]
    assert a["objective"] == pytest.approx(b["objective"], abs=1e-7)


def test_solver_failure_exit_3(run, tmp_path):
    """A time limit far below what the LP needs is a solver failure, not a number."""
    r = run("solve", CONFIG, "--json", "--set", "solver.time_limit=1e-9",
            "--set", "grid.points=151")
    assert r.exit_code == 3
    d = json.loads(r.output)
    assert d["status"] == "time_limit" and d["objective"] is None


def test_outside_tolerance_exit_1():
    from mdlp.problems.base import TheoryValue
    from mdlp.run import solve

    res = solve(CONFIG, ["grid.points=11"])
    assert res.exit_code == 0
    res.theory[0] = TheoryValue(res.objective + 1e-3, "test", "shifted", tolerance=1e-7)
    assert res.exit_code == 1


def test_check_command(run):
    r = run("check", "--family", "myerson_auction")
    assert r.exit_code == 0, r.output
    assert "0 failed" in r.output


BAD = [
    ("grid.points=1", "grid.points"),
    ("grid.points=abc", "grid.points"),
    ("grid.placement=center", "grid.placement"),
    ("params.objective=profit", "params.objective"),
    ("params.constraints=bic", "params.constraints"),
    ("params.bidders=[]", "params.bidders"),
    ("params.bidders.0.high=-1", "params.bidders[0]"),
    ("params.bidders.0.distribution=nosuchlaw", "params.bidders[0]"),
    ("params.bidders.0={distribution: expon}", "params.bidders[0]"),
    ("params.colour=red", "params.colour"),
    ("solver.backend=gurobi", "solver.backend"),
    ("solver.method=barrier", "solver.method"),
    ("solver.time_limit=-5", "solver.time_limit"),
    ("kind=nosuchfamily", "kind"),
    ("nonsense", "--set"),
]


@pytest.mark.parametrize("override,field", BAD)
def test_bad_overrides(run, tmp_path, override, field):
    out = tmp_path / "out"
    r = run("solve", CONFIG, "--set", override, "--out", str(out))
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln]
    assert len(lines) == 1 and field in lines[0], r.output
    assert "Traceback" not in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_files(run, tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("kind: myerson_auction\nparams: {bidders: [\n")
    not_mapping = tmp_path / "list.yaml"
    not_mapping.write_text("- 1\n- 2\n")
    missing_kind = tmp_path / "nokind.yaml"
    missing_kind.write_text("params: {}\n")
    for path, needle in [
        (tmp_path / "missing.yaml", "does not exist"),
        (tmp_path, "directory"),
        (bad_yaml, "not valid YAML"),
        (not_mapping, "mapping"),
        (missing_kind, "kind"),
    ]:
        r = run("solve", str(path))
        assert r.exit_code == 2 and needle in r.output and "Traceback" not in r.output
    r = run("template", "nosuch")
    assert r.exit_code == 2 and "unknown family" in r.output
