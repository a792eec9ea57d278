"""Hardening (issue 9): the size guard, every solver-trouble status with exit code 3,
warm versus cold row generation, and Ctrl-C during a solve or a sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from mdlp.cli import main
from mdlp.config import ConfigError, load_config
from mdlp.problems import REGISTRY, Problem
from mdlp.run import solve
from mdlp.sizing import SizeEstimate, check_size, estimate_size, largest_fitting_points
from solvers import LinearProgram, get_backend
from solvers.highs import HighsBackend

ROOT = Path(__file__).resolve().parents[1]
MYERSON3 = str(ROOT / "configs" / "myerson_revenue_equivalence.yaml")  # 3 bidders, BIC
MYERSON = str(ROOT / "configs" / "myerson_uniform.yaml")


def run(*args):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# --- the size guard ------------------------------------------------------------------
def test_estimate_matches_the_real_build():
    """Trial builds on small grids extrapolate to the real size of a large LP (3 bidders,
    BIC, K=41: 69,287 rows, 207,009 columns, 414,615 nonzeros when built)."""
    cfg = load_config(MYERSON3, ["grid.points=41"])
    est = estimate_size(cfg)
    real = cfg.make_problem().build().stats()
    for key, value in (("rows", est.rows), ("cols", est.cols), ("nnz", est.nnz)):
        assert value == pytest.approx(real[key], rel=0.05), key


def test_guard_refuses_with_estimate_and_largest_grid(tmp_path):
    out = tmp_path / "out"
    r = run("solve", MYERSON3, "--set", "grid.points=2001", "--out", str(out))
    assert r.exit_code == 2
    msg = r.output.strip()
    assert len(msg.splitlines()) == 1 and "Traceback" not in msg
    assert msg.startswith("error: grid.points:") and "--force" in msg
    assert not out.exists()
    best = int(msg.split("largest grid that fits is grid.points=")[1].split(";")[0])
    # the suggestion is consistent: it fits, one more point does not
    cfg = load_config(MYERSON3, [f"grid.points={best}"])
    assert check_size(cfg) is not None
    with pytest.raises(ConfigError):
        check_size(load_config(MYERSON3, [f"grid.points={best + 1}"]))


def test_budget_field_and_force(tmp_path):
    """A 0.2 GiB budget refuses the 101-point two-bidder LP (~0.215 GiB by the memory
    model); --force builds it anyway and solves it."""
    r = run("solve", MYERSON, "--set", "solver.memory_budget_gb=0.2")
    assert r.exit_code == 2 and "largest grid that fits is grid.points=" in r.output
    r = run("solve", MYERSON, "--set", "solver.memory_budget_gb=0.2", "--force", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["status"] == "optimal"
    r = run("solve", MYERSON, "--set", "solver.memory_budget_gb=-1")
    assert r.exit_code == 2 and "solver.memory_budget_gb" in r.output


def test_no_grid_fits_and_bench_checks_before_any_work(tmp_path):
    cfg = load_config(MYERSON, ["solver.memory_budget_gb=0.05"])
    assert largest_fitting_points(cfg, 0.05 * 2**30) is None
    with pytest.raises(ConfigError, match="no grid of this family fits"):
        check_size(cfg)
    out = tmp_path / "bench"
    r = run("bench", MYERSON3, "--grid", "5,2001", "--out", str(out))
    assert r.exit_code == 2 and "grid.points" in r.output and "Traceback" not in r.output
    assert not out.exists()


def test_estimate_reports_units():
    """The documented memory model, 200 MB + 500 B per nonzero + 300 B per row or column:
    1e6 rows, 2e6 columns, 1e7 nonzeros -> 2e8 + 5e9 + 9e8 = 6.1e9 B = 5.68 GiB, printed
    with three significant digits after the sizes."""
    est = SizeEstimate(10, 1e6, 2e6, 1e7)
    assert est.bytes == pytest.approx(6.1e9, rel=1e-12)
    assert est.describe() == "~1e+06 rows, ~2e+06 columns, ~1e+07 nonzeros, ~5.68 GiB"
    exact = SizeEstimate(10, 1e6, 2e6, 1e7, exact=True)
    assert exact.describe() == "1e+06 rows, 2e+06 columns, 1e+07 nonzeros, 5.68 GiB"


# --- solver trouble: own status, exit code 3, never a number -------------------------
class _Contradict(REGISTRY["myerson_auction"]):
    """The Myerson LP plus a deliberately contradictory extra row: the first allocation
    variable >= 2 although it is bounded by 1 (infeasible), or a free column with a
    positive revenue coefficient and no row (unbounded)."""

    mode = "infeasible"

    def build(self):
        lp = super().build()
        first = next(iter(lp.variables))
        col = np.asarray(lp.variables[first].indices).ravel()[:1]
        if self.mode == "infeasible":
            lp.add_constraints("contradiction", [(col, 1.0)], lb=2.0, shape=(1,))
        else:
            free = lp.add_variables("free", (1,), lb=0.0, ub=np.inf)
            lp.add_objective(free, 1.0 if lp.sense == "max" else -1.0)
        return lp


@pytest.mark.parametrize("mode", ["infeasible", "unbounded"])
def test_contradictory_lp_is_reported_not_numbered(mode):
    cfg = load_config(MYERSON, ["grid.points=5"])
    prob = _Contradict(cfg.params, cfg.grid, cfg.solver)
    prob.mode = mode
    res = solve(cfg, problem=prob)
    assert res.status == mode and res.objective is None and res.exit_code == 3
    assert res.summary()["objective"] is None and res.summary()["gap"] is None


@pytest.mark.parametrize(
    "setting, status",
    [("solver.iteration_limit=1", "iteration_limit"), ("solver.time_limit=1e-9", "time_limit")],
)
def test_limits_from_the_cli(setting, status):
    r = run("solve", MYERSON, "--json", "--set", setting, "--set", "solver.presolve=off")
    assert r.exit_code == 3
    d = json.loads(r.output)
    assert d["status"] == status and d["objective"] is None and d["gap"] is None


def _badly_scaled_lp(seed=1, scale=7):
    rng = np.random.default_rng(seed)
    A = rng.random((40, 60)) * 10.0 ** rng.uniform(-scale, scale, (40, 60))
    lp = LinearProgram("min")
    x = lp.add_variables("x", (60,), lb=0.0, ub=1.0)
    lp.add_constraints("rows", [(x[None, :], A)], ub=A.sum(axis=1) / 3, shape=(40,))
    lp.add_objective(x, -rng.random(60))
    return lp


def test_numerical_trouble_is_a_status():
    """PDLP stops at a relative tolerance and calls a solution violating rows by ~7e-3
    (coefficients spanning 1e-7..1e7) "optimal"; mdlp reports numerical trouble.  Simplex
    on the same LP is fine, which shows the LP itself is not the problem."""
    lp = _badly_scaled_lp()
    bad = HighsBackend(method="pdlp").solve(lp)
    assert bad.status == "numerical_trouble" and bad.objective is None
    assert "violates the constraints" in bad.message
    good = HighsBackend(method="simplex").solve(_badly_scaled_lp())
    assert good.ok


@pytest.mark.parametrize("backend", ["highs", "scipy", "cvxpy"])
def test_rejected_model_is_a_status(backend):
    """A coefficient of 1e20 is outside what HiGHS accepts (1e15): a model error, not a
    crash and not 'optimal' with no solution."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (3,), lb=0.0, ub=np.inf)
    lp.add_constraints("c", [(x[None, :], np.array([[1e20, 1.0, 1e-20]]))], ub=1.0, shape=(1,))
    lp.add_objective(x, np.ones(3))
    sol = get_backend(backend).solve(lp)
    assert sol.status == "model_error" and sol.objective is None


# --- warm versus cold row generation -------------------------------------------------
class _Cold:
    """HiGHS without the warm session: every round is a fresh model solved from scratch."""

    incremental = False
    name = "highs-cold"

    def solve(self, lp):
        return HighsBackend().solve(lp)


ROWGEN = sorted(k for k, cls in REGISTRY.items() if cls.solve_lp is not Problem.solve_lp)


@pytest.mark.parametrize("kind", ROWGEN)
def test_warm_and_cold_solves_agree(kind):
    """Families that override solve_lp (row generation, method switches) give the same
    optimum from warm re-solves on one HiGHS object and from cold solves, to 1e-8, and
    both certify over all constraints."""
    cfg = load_config(REGISTRY[kind].template, ["grid.points=7"])
    objs = []
    for backend in (HighsBackend(), _Cold()):
        prob = cfg.make_problem()
        lp = prob.build()
        sol = prob.solve_lp(lp, backend)
        assert sol.ok, sol.message
        cert = prob.interpret(lp, sol).certificate
        assert max(cert.values(), default=0.0) <= 1e-7, cert
        objs.append(sol.objective)
    assert objs[0] == pytest.approx(objs[1], abs=1e-8)


def test_warm_start_really_happens_and_agrees():
    """Unit-demand pricing of two U[0,1] items needs several row-generation rounds at
    K=9 (the oracle adds rows), so the warm path re-solves a grown model."""
    cfg = load_config(
        REGISTRY["bayesian_pricing"].template,
        ["grid.points=9", "params.unit_demand=true"],
    )
    vals = []
    for backend in (HighsBackend(), _Cold()):
        prob = cfg.make_problem()
        lp = prob.build()
        sol = prob.solve_lp(lp, backend)
        assert sol.ok and prob.interpret(lp, sol).certificate["ic"] <= 1e-9
        vals.append((sol.objective, sol.rounds))
    assert vals[0][1] >= 2
    assert vals[0][0] == pytest.approx(vals[1][0], abs=1e-8)


# --- Ctrl-C ----------------------------------------------------------------------------
def _interrupt_when(cmd, ready, cwd, timeout=120):
    """Start ``cmd``, send SIGINT once ``ready()`` is true, return (rc, stderr)."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    p = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    t0 = time.time()
    while not ready() and p.poll() is None and time.time() - t0 < timeout:
        time.sleep(0.05)
    assert p.poll() is None, "finished before it could be interrupted"
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=timeout)
    return p.returncode, err.decode()


MDLP = [sys.executable, "-m", "mdlp"]


def test_ctrl_c_during_a_solve_writes_nothing(tmp_path):
    """SIGINT while HiGHS works on a 3-bidder LP (K=81, ~10 s): exit 130 within seconds,
    one line on stderr, no traceback and no --out directory."""
    out = tmp_path / "out"
    flag = tmp_path / "started"
    args = ["solve", MYERSON3, "--set", "grid.points=81", "--out", str(out)]
    # the flag file appears once the imports are done; two seconds later HiGHS is working
    cmd = [
        sys.executable,
        "-c",
        "import mdlp.run, mdlp.problems.myerson, solvers.highs; "  # the CLI imports lazily
        f"import pathlib; from mdlp.cli import main; pathlib.Path({str(flag)!r}).touch(); "
        f"main(args={args!r}, prog_name='mdlp')",
    ]
    started = {}

    def ready():
        if flag.exists():
            started.setdefault("t", time.time())
            return time.time() - started["t"] > 2.0
        return False

    t = time.time()
    rc, err = _interrupt_when(cmd, ready, ROOT)
    assert rc == 130, err
    assert "Traceback" not in err and "interrupted" in err
    assert not out.exists()
    assert time.time() - t < 60


def test_ctrl_c_during_a_sweep_keeps_finished_rows(tmp_path):
    """SIGINT after the first sweep rows: exit 130, runs.jsonl holds whole rows only, no
    report or temporary file is left, and re-running resumes to the full table."""
    out = tmp_path / "bench"
    log = out / "runs.jsonl"
    cmd = MDLP + [
        "bench",
        MYERSON3,
        "--grid",
        "5,7,9,61,81",
        "--workers",
        "1",
        "--out",
        str(out),
        "--quiet",
    ]

    def ready():
        return log.exists() and log.read_text().count("\n") >= 3

    rc, err = _interrupt_when(cmd, ready, ROOT)
    assert rc == 130, err
    assert "Traceback" not in err and "interrupted" in err
    lines = log.read_text().splitlines()
    rows = [json.loads(line) for line in lines]  # every line is a whole row
    assert 3 <= len(rows) < 5 and all(r["status"] == "optimal" for r in rows)
    assert sorted(p.name for p in out.iterdir()) == ["runs.jsonl"]
    # resume: only the missing grids are solved, the finished rows are kept verbatim
    r = subprocess.run(
        MDLP
        + ["bench", MYERSON3, "--grid", "5,7,9,61", "--workers", "1", "--out", str(out), "--json"],
        cwd=ROOT,
        capture_output=True,
    )
    assert r.returncode == 0, r.stderr.decode()
    again = log.read_text().splitlines()
    assert again[: len(lines)] == lines and len(again) == 4


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_family_refuses_a_grid_beyond_the_budget(kind, tmp_path):
    """grid.points = 1,000,000 with a 1 GiB budget on any family's template (a one-item
    family needs ~12 nonzeros per point, ~6 GiB): one line naming grid.points, exit 2,
    nothing written -- unless the family's size does not depend on the grid (pmf priors),
    when the estimate is None."""
    sets = ["grid.points=1000000", "solver.memory_budget_gb=1"]
    cfg = load_config(REGISTRY[kind].template, sets)
    if estimate_size(cfg) is None:
        pytest.skip("the template's LP size does not depend on grid.points")
    path = tmp_path / "c.yaml"
    path.write_text(REGISTRY[kind].template)
    out = tmp_path / "out"
    r = run("solve", str(path), "--set", sets[0], "--set", sets[1], "--out", str(out))
    assert r.exit_code == 2, r.output
    assert r.output.startswith("error: grid.points:") and len(r.output.splitlines()) == 1
    assert not out.exists()


def test_extra_highs_options():
    """solver.options reaches HiGHS unchanged (an iteration limit of 1 stops the solve);
    an unknown option is bad input naming solver.options."""
    r = run(
        "solve",
        MYERSON,
        "--json",
        "--set",
        "solver.options={simplex_iteration_limit: 1}",
        "--set",
        "solver.presolve=off",
        "--set",
        "solver.method=simplex",
    )
    assert r.exit_code == 3 and json.loads(r.output)["status"] == "iteration_limit"
    r = run("solve", MYERSON, "--set", "solver.options.nosuch=1")
    assert r.exit_code == 2 and r.output.startswith("error: solver.options:")
