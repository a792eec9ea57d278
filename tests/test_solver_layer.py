"""Regression tests of the solver layer: per-column integrality through cvxpy, the scipy
backend's options, the list of statuses, re-used row-block names, and the dual sign
convention of every backend (Clarabel included) on LPs solved by hand."""

import subprocess
import sys

import numpy as np
import pytest

from mdlp.config import load_config
from mdlp.run import solve
from solvers import STATUSES, BackendOptionError, LinearProgram, Solution, get_backend

ALL_LP_BACKENDS = [
    ("highs", {}),
    ("scipy", {}),
    ("cvxpy", {}),
    ("cvxpy", {"solver": "CLARABEL"}),
    ("clarabel", {}),
]
IDS = ["highs", "scipy", "cvxpy-highs", "cvxpy-clarabel", "clarabel"]


# --- the dual sign convention on LPs solved by hand -----------------------------------------
def _check_convention(lp, sol, tol):
    """c = A^T y + d, and primal objective = sum y b + sum d l + offset with the active
    bounds b, l chosen by the sign of each dual (written here, not taken from solvers.lp)."""
    A = lp.matrix("csr").toarray()
    assert np.abs(lp.cost - A.T @ sol.y_flat - sol.d_flat).max() < tol
    up_is_pos = lp.sense == "max"
    rb = np.where((sol.y_flat > 0) == up_is_pos, lp.row_ub, lp.row_lb)
    rb = np.where(np.abs(sol.y_flat) < 1e-7, 0.0, rb)
    cb = np.where((sol.d_flat > 0) == up_is_pos, lp.col_ub, lp.col_lb)
    cb = np.where(np.abs(sol.d_flat) < 1e-7, 0.0, cb)
    assert sol.y_flat @ rb + sol.d_flat @ cb + lp.offset == pytest.approx(sol.objective, abs=tol)


@pytest.mark.parametrize(("name", "opts"), ALL_LP_BACKENDS, ids=IDS)
def test_max_lp_by_hand(name, opts):
    """max 3 x1 + 2 x2  s.t.  x1 + x2 <= 4,  x1 + 3 x2 <= 7,  x >= 0.

    At x = (4, 0) (objective 12) only the first row binds: raising its bound by e lets
    x1 grow by e, so its dual is 3; the second row is slack (dual 0).  Reduced costs
    c - A^T y = (3 - 3, 2 - 3) = (0, -1): forcing x2 up by e costs e."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[3, 2])
    lp.add_constraints("cap", [(x[None, :], np.array([[1, 1], [1, 3]]))], ub=[4, 7], shape=(2,))
    sol = get_backend(name, **opts).solve(lp)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(12.0, abs=1e-7)
    np.testing.assert_allclose(sol.x["x"], [4.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(sol.dual["cap"], [3.0, 0.0], atol=1e-6)
    np.testing.assert_allclose(sol.reduced_cost["x"], [0.0, -1.0], atol=1e-6)
    _check_convention(lp, sol, 1e-6)


@pytest.mark.parametrize(("name", "opts"), ALL_LP_BACKENDS, ids=IDS)
def test_min_lp_with_every_kind_of_bound(name, opts):
    """min x + 2 y + 3 z - w  s.t.  x + y + w >= 2.5 (r1),  -5 <= x <= 0.75 (r2, ranged),
    z = 2 (r3),  x, y, z >= 0,  y <= 10,  w fixed at 1.5.

    With w = 1.5, r1 reads x + y >= 1, and x is the cheaper: x = 0.75, y = 0.25, z = 2,
    objective 0.75 + 0.5 + 6 - 1.5 = 5.75.  Duals (d objective / d active bound):
    r1 +2 (one more unit of y), r2 -1 (x replaces y: 1 - 2), r3 +3; reduced costs
    c - A^T y: x 1 - (2 - 1) = 0, y 2 - 2 = 0, z 3 - 3 = 0, w -1 - 2 = -3 (raising w
    saves its cost 1 and relaxes r1 by one unit of y).  Dual objective:
    2 * 2.5 - 0.75 + 3 * 2 - 3 * 1.5 = 5.75."""
    lp = LinearProgram("min")
    v = lp.add_variables("v", (3,), lb=0.0, ub=[np.inf, 10.0, np.inf], cost=[1, 2, 3])
    w = lp.add_variables("w", (), lb=1.5, ub=1.5, cost=-1.0)
    lp.add_constraints("r1", [(v[:2], 1.0), (w[None], 1.0)], lb=2.5, shape=(1,))
    lp.add_constraints("r2", [(v[:1], 1.0)], lb=-5.0, ub=0.75, shape=(1,))
    lp.add_constraints("r3", [(v[2:], 1.0)], lb=2.0, ub=2.0, shape=(1,))
    sol = get_backend(name, **opts).solve(lp)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(5.75, abs=1e-7)
    np.testing.assert_allclose(sol.x["v"], [0.75, 0.25, 2.0], atol=1e-6)
    duals = np.concatenate([sol.dual["r1"], sol.dual["r2"], sol.dual["r3"]])
    np.testing.assert_allclose(duals, [2, -1, 3], atol=1e-6)
    np.testing.assert_allclose(sol.reduced_cost["v"], [0, 0, 0], atol=1e-6)
    assert float(sol.reduced_cost["w"]) == pytest.approx(-3.0, abs=1e-6)
    _check_convention(lp, sol, 1e-6)


@pytest.mark.parametrize(("name", "opts"), ALL_LP_BACKENDS, ids=IDS)
def test_max_lp_with_binding_lower_row(name, opts):
    """max y - 2 x  s.t.  y - x <= 2 (r1),  3 <= x + y <= 100 (r2),  x >= 0, 0 <= y <= 10.

    Along y = x + 2 the objective is 2 - x, and r2 needs 2 x + 2 >= 3: x = 1/2, y = 5/2,
    objective 3/2.  Raising r1's bound by e: y = x + 2 + e, x = (1 - e)/2, objective
    3/2 + 3e/2, so y1 = 3/2; raising r2's lower bound by e: x = (1 + e)/2, objective
    3/2 - e/2, so y2 = -1/2.  Reduced costs (-2 - (-3/2 - 1/2), 1 - (3/2 - 1/2)) = 0."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, ub=[np.inf, 10.0], cost=[-2.0, 1.0])
    A = np.array([[-1, 1], [1, 1]])
    lp.add_constraints("r", [(x[None, :], A)], lb=[-np.inf, 3.0], ub=[2.0, 100.0], shape=(2,))
    sol = get_backend(name, **opts).solve(lp)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(1.5, abs=1e-7)
    np.testing.assert_allclose(sol.x["x"], [0.5, 2.5], atol=1e-6)
    np.testing.assert_allclose(sol.dual["r"], [1.5, -0.5], atol=1e-6)
    np.testing.assert_allclose(sol.reduced_cost["x"], [0.0, 0.0], atol=1e-6)
    _check_convention(lp, sol, 1e-6)


@pytest.mark.parametrize("name", ["clarabel", "highs", "scipy"])
def test_infeasible_and_unbounded(name):
    """x + y <= 1 and x + y >= 2 cannot both hold; max x with x - y <= 1 is unbounded."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1, 1])
    lp.add_constraints("a", [(x, 1.0)], ub=1.0, shape=())
    lp.add_constraints("b", [(x, 1.0)], lb=2.0, shape=())
    bad = get_backend(name).solve(lp)
    assert bad.status == "infeasible" and bad.objective is None
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1, 0])
    lp.add_constraints("a", [(x[0], 1.0), (x[1], -1.0)], ub=1.0)
    assert get_backend(name).solve(lp).status == "unbounded"


def test_clarabel_refuses_integer_columns():
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, ub=1.0, cost=1.0, integer=True)
    lp.add_constraints("a", [(x, 1.0)], ub=1.5, shape=())
    sol = get_backend("clarabel").solve(lp)
    assert sol.status == "model_error" and "integer" in sol.message


def test_deterministic_mechanism_with_clarabel_is_bad_input(tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(
        "kind: regret_pricing\nparams: {upper: [1.0], mechanism: deterministic}\n"
        "grid: {points: 5}\nsolver: {backend: clarabel}\n"
    )
    out = tmp_path / "out"
    args = [sys.executable, "-m", "mdlp", "solve", str(cfg), "--out", str(out)]
    p = subprocess.run(args, capture_output=True, text=True)
    assert p.returncode == 2 and "solver.backend" in p.stderr and "integer" in p.stderr
    assert "Traceback" not in p.stderr and not out.exists()


def test_clarabel_retries_once_without_equilibration(monkeypatch):
    """A solve that ends in numerical trouble is repeated without equilibration; here the
    first attempt is made to fail, the second solves the LP of test_max_lp_by_hand (12)."""
    from types import SimpleNamespace

    import clarabel

    real, calls = clarabel.DefaultSolver, []

    class FirstAttemptFails:
        def __init__(self, P, q, A, b, cones, settings):
            calls.append(settings.equilibrate_enable)
            self.inner = real(P, q, A, b, cones, settings)

        def solve(self):
            res = self.inner.solve()
            if len(calls) == 1:
                return SimpleNamespace(status=clarabel.SolverStatus.NumericalError, iterations=3)
            return res

    monkeypatch.setattr(clarabel, "DefaultSolver", FirstAttemptFails)
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[3, 2])
    lp.add_constraints("cap", [(x[None, :], np.array([[1, 1], [1, 3]]))], ub=[4, 7], shape=(2,))
    sol = get_backend("clarabel").solve(lp)
    assert calls == [True, False]
    assert sol.status == "optimal" and sol.objective == pytest.approx(12.0, abs=1e-7)
    assert "without equilibration" in sol.message
    # with equilibration chosen explicitly there is no second attempt
    calls.clear()
    sol = get_backend("clarabel", equilibrate_enable=True).solve(lp)
    assert calls == [True] and sol.status == "numerical_trouble"


# --- cvxpy: integrality per column ------------------------------------------------------------
def test_cvxpy_integrality_is_per_column():
    """max x + y  s.t.  x + y <= 1.5,  x in {0, 1} (integer),  0 <= y <= 1 (continuous):
    the optimum is 3/2 at x = 1, y = 1/2 (x = 0 gives at most 1).  Were y integer too, as
    when every column is marked integer, the optimum would be 1."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (), lb=0.0, ub=1.0, cost=1.0, integer=True)
    y = lp.add_variables("y", (), lb=0.0, ub=1.0, cost=1.0)
    lp.add_constraints("a", [(x[None], 1.0), (y[None], 1.0)], ub=1.5, shape=(1,))
    sol = get_backend("cvxpy").solve(lp)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(1.5, abs=1e-7)
    assert float(sol.x["x"]) == pytest.approx(1.0) and float(sol.x["y"]) == pytest.approx(0.5)


def test_deterministic_regret_pricing_through_cvxpy():
    """One item, values on the endpoints grid {0, 1/4, 1/2, 3/4, 1}, cost 0, binary q:
    selling to the types v >= v_t at price p <= v_t leaves regret max(v_{t-1}, 1 - p), best
    at p = v_t: max(v_{t-1}, 1 - v_t) = 1/2 for v_t = 1/2 or 3/4, the minimum.  Payments
    are continuous; were they integer (every column marked integer), the optimum would be 1
    (no sale: regret max v = 1)."""
    cfg = {
        "kind": "regret_pricing",
        "params": {"upper": [1.0], "mechanism": "deterministic"},
        "grid": {"points": 5, "placement": "endpoints"},
        "solver": {"backend": "cvxpy"},
    }
    res = solve(cfg)
    assert res.ok and res.solver["backend"] == "cvxpy"
    assert res.objective == pytest.approx(0.5, abs=1e-5)


# --- scipy: options passed through or refused ------------------------------------------------
def _tight_lp():
    """x + y <= 1 and x + y >= 1 + 3e-8: feasible within a 1e-7 tolerance, not 1e-9."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1, 1])
    lp.add_constraints("a", [(x, [1.0, 1.0])], ub=1.0, shape=())
    lp.add_constraints("b", [(x, [1.0, 1.0])], lb=1.0 + 3e-8, shape=())
    return lp


def test_scipy_honours_tolerance():
    assert get_backend("scipy", tolerance=1e-7).solve(_tight_lp()).status == "optimal"
    assert get_backend("scipy", tolerance=1e-9).solve(_tight_lp()).status == "infeasible"
    # the default is the highs backend's 1e-9
    assert get_backend("scipy").solve(_tight_lp()).status == "infeasible"


def test_scipy_honours_presolve_and_iteration_limit():
    """max x + y s.t. x + y <= 1: presolve solves it outright (0 simplex iterations),
    without presolve simplex needs at least one; one iteration is too few for 20 rows."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1, 1])
    lp.add_constraints("c", [(x, 1.0)], ub=1.0, shape=())
    assert get_backend("scipy", presolve="on").solve(lp).iterations["total"] == 0
    assert get_backend("scipy", presolve="off").solve(lp).iterations["total"] >= 1
    rng = np.random.default_rng(0)
    lp = LinearProgram("max")
    x = lp.add_variables("x", (30,), lb=0.0, ub=1.0, cost=rng.uniform(1, 2, 30))
    lp.add_constraints(
        "c", [(x[None, :], rng.uniform(0, 1, (20, 30)))], ub=rng.uniform(1, 2, 20), shape=(20,)
    )
    sol = get_backend("scipy", presolve="off", iteration_limit=1).solve(lp)
    assert sol.status == "iteration_limit"


@pytest.mark.parametrize(
    ("backend", "kwargs", "option"),
    [
        ("scipy", {"method": "pdlp"}, "method"),
        ("scipy", {"threads": 4}, "threads"),
        ("scipy", {"simplex_strategy": 4}, "simplex_strategy"),
        ("clarabel", {"method": "simplex"}, "method"),
        ("clarabel", {"no_such_setting": 1}, "no_such_setting"),
    ],
)
def test_backends_refuse_what_they_cannot_do(backend, kwargs, option):
    with pytest.raises(BackendOptionError) as err:
        get_backend(backend, **kwargs)
    assert err.value.option == option


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        (["solver.backend=scipy", "solver.method=pdlp"], "solver.method"),
        (["solver.backend=scipy", "solver.threads=2"], "solver.threads"),
        (["solver.backend=clarabel", "solver.method=simplex"], "solver.method"),
        (["solver.backend=clarabel", "solver.options={presolve: off}"], "solver.options"),
    ],
)
def test_unsupported_option_is_bad_input(overrides, field, tmp_path):
    cfg = tmp_path / "c.yaml"
    cfg.write_text("kind: regret_pricing\nparams: {upper: [1.0]}\ngrid: {points: 5}\n")
    out = tmp_path / "out"
    args = [sys.executable, "-m", "mdlp", "solve", str(cfg), "--out", str(out)]
    for o in overrides:
        args += ["--set", o]
    p = subprocess.run(args, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert field in p.stderr and "Traceback" not in p.stderr
    assert not out.exists()


def test_config_passes_options_to_scipy_and_clarabel():
    cfg = load_config(
        "kind: regret_pricing\nparams: {upper: [1]}\n"
        "solver: {backend: scipy, presolve: 'off', tolerance: 1e-8}\n"
    )
    be = cfg.solver.backend_object()
    assert be.presolve == "off" and be.tolerance == 1e-8
    cfg = load_config(
        "kind: regret_pricing\nparams: {upper: [1]}\nsolver: {backend: clarabel, tolerance: 1e-8}\n"
    )
    assert cfg.solver.backend_object().tolerance == 1e-8


# --- statuses -------------------------------------------------------------------------------
def test_every_backend_status_is_listed():
    import solvers.clarabel_backend as cl
    import solvers.cvxpy_backend as cv
    import solvers.highs as hi
    import solvers.scipy_backend as sc

    returned = set(hi._STATUS.values()) | set(cv._STATUS.values()) | set(sc._STATUS.values())
    returned |= set(cl._status_map().values())
    returned |= {"model_error", "error", "iteration_limit"}  # set by the adapters / rowgen
    assert returned <= set(STATUSES), returned - set(STATUSES)
    for s in ("numerical_trouble", "model_error", "memory_limit"):
        assert s in STATUSES
    with pytest.raises(ValueError, match="unknown solve status"):
        Solution(status="not_a_status", backend="highs")


# --- row blocks: re-used names ---------------------------------------------------------------
def test_reusing_a_row_block_name_is_an_error():
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2, 3), lb=0.0, ub=1.0, cost=1.0)
    lp.add_constraints("cap", [(x, 1.0)], ub=1.0, shape=(2,))
    with pytest.raises(ValueError, match="'cap' exists already"):
        lp.add_constraints("cap", [(x, 1.0)], ub=2.0, shape=(2,))
    assert lp.num_rows == 2 and lp.rows["cap"].shape == (2,)


def test_appended_rows_stack_along_the_first_axis():
    """Block "c" of shape (2, 3) (x[i, j] <= 1 + i) gets rows of shape (1, 3)
    (x[0, j] + x[1, j] <= 3/2): the block becomes (3, 3).  Maximising the sum of x, each
    column j reaches 3/2, objective 9/2.  The dual, min sum_j (y0j + 2 y1j + 3/2 yaj) over
    y0j + yaj >= 1, y1j + yaj >= 1, y >= 0, has the unique optimum yaj = 1, y0j = y1j = 0,
    so the duals read back shaped (3, 3) as [[0, 0, 0], [0, 0, 0], [1, 1, 1]].  Rows of
    another trailing shape are refused."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2, 3), lb=0.0, cost=1.0)
    lp.add_constraints("c", [(x, 1.0)], ub=np.array([[1.0], [2.0]]), shape=(2, 3))
    lp.add_constraints("c", [(x[None, 0, :], 1.0), (x[None, 1, :], 1.0)], ub=1.5, append=True)
    assert lp.rows["c"].shape == (3, 3)
    sol = get_backend("highs").solve(lp)
    assert sol.objective == pytest.approx(4.5)
    assert sol.dual["c"].shape == (3, 3)
    np.testing.assert_allclose(sol.dual["c"], [[0, 0, 0], [0, 0, 0], [1, 1, 1]], atol=1e-9)
    with pytest.raises(ValueError, match="trailing axes"):
        lp.add_constraints("c", [(x[0], 1.0)], ub=1.0, shape=(3, 1), append=True)
    # a 1-D block takes any number of rows, one append after another
    lp.add_constraints("pairs", [(x[0, :2], 1.0)], ub=5.0, shape=(2,), append=True)
    lp.add_constraints("pairs", [(x[1, :1], 1.0)], ub=5.0, shape=(1,), append=True)
    assert lp.rows["pairs"].shape == (3,)


def test_summary_names_the_backend_that_ran():
    """The saddle-point path of two-item regret pricing reports the backend it ran on."""
    cfg = {
        "kind": "regret_pricing",
        "params": {"upper": [1.0, 1.0]},
        "grid": {"points": 4, "placement": "endpoints"},
        "solver": {"backend": "clarabel"},
    }
    res = solve(cfg)
    assert res.ok and res.solver["method"] == "saddle", res.solver
    assert res.solver["backend"] == "clarabel"
