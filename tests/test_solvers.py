"""solvers: the dual sign convention on hand-solved LPs, backend agreement, strong
duality, failure statuses and the row-generation loop (checked against a full solve)."""

import numpy as np
import pytest

from solvers import LinearProgram, get_backend, solve_with_row_generation

BACKENDS = ["highs", "cvxpy", "scipy"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_shadow_prices_by_hand(backend):
    """max 3x + 2y s.t. x + y <= 4, x + 3y <= 7, x <= 3 (x, y >= 0).

    Vertices: (3, 1) -> 11, (2.5, 1.5) -> 10.5, (0, 7/3) -> 14/3: optimum x = 3, y = 1,
    with x + 3y = 6 < 7 slack.  Binding: x + y <= 4 (dual 2: one more unit of it buys one
    more y) and the bound x <= 3 (reduced cost 3 - 2 = 1).  The convention: dual =
    d(optimum)/d(active bound)."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0, ub=[3, np.inf], cost=[3, 2])
    lp.add_constraints("cap", [(x[None, :], np.array([[1, 1], [1, 3]]))], ub=[4, 7], shape=(2,))
    sol = get_backend(backend).solve(lp)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(11)
    assert np.allclose(sol.dual["cap"], [2, 0], atol=1e-7)
    assert np.allclose(sol.reduced_cost["x"], [1, 0], atol=1e-7)


@pytest.mark.parametrize("backend", BACKENDS)
def test_min_problem_dual_sign(backend):
    """min x + 2y s.t. x + y >= 1, y - x >= -0.5, x, y >= 0: optimum x = 0.75, y = 0.25,
    value 1.25.  Raising the first bound by t moves both rows' solution to x = 0.75 +
    t/2, y = 0.25 + t/2: d(opt)/d(b1) = 1.5; for the second, d(opt)/d(b2) = 0.5."""
    lp = LinearProgram("min")
    v = lp.add_variables("v", (2,), lb=0, cost=[1, 2])
    lp.add_constraints("r", [(v[None, :], np.array([[1, 1], [-1, 1]]))], lb=[1, -0.5], shape=(2,))
    sol = get_backend(backend).solve(lp)
    assert sol.objective == pytest.approx(1.25)
    assert np.allclose(sol.dual["r"], [1.5, 0.5], atol=1e-7)


def _random_lp(sense, seed=0, m=30, n=20):
    rng = np.random.default_rng(seed)
    lp = LinearProgram(sense)
    x = lp.add_variables("x", (n,), lb=-1, ub=rng.uniform(0.5, 2, n), cost=rng.normal(size=n))
    A = rng.normal(size=(m, n)) * (rng.random((m, n)) < 0.3)
    lp.add_constraints("ineq", [(x[None, :], A)], lb=-rng.uniform(1, 2, m), ub=rng.uniform(1, 2, m),
                       shape=(m,))
    lp.add_constraints("eq", [(x[:3], 1.0)], lb=0.25, ub=0.25, shape=())
    return lp


@pytest.mark.parametrize("sense", ["min", "max"])
def test_backends_agree_and_strong_duality(sense):
    lp = _random_lp(sense)
    A = lp.matrix().toarray()
    objs = []
    for name in BACKENDS:
        sol = get_backend(name).solve(lp)
        assert sol.ok
        objs.append(sol.objective)
        # stationarity c = A^T y + d and primal = dual objective, in every backend
        assert np.abs(lp.cost - A.T @ sol.y_flat - sol.d_flat).max() < 1e-7
        assert lp.dual_objective(sol.y_flat, sol.d_flat) == pytest.approx(sol.objective, abs=1e-7)
    assert max(objs) - min(objs) < 1e-7


@pytest.mark.parametrize("backend", BACKENDS)
def test_infeasible_and_unbounded_statuses(backend):
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0)
    lp.add_constraints("a", [(x, 1.0)], ub=1.0, shape=())
    lp.add_constraints("b", [(x, 1.0)], lb=2.0, shape=())
    sol = get_backend(backend).solve(lp)
    assert sol.status == "infeasible" and sol.objective is None
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0, cost=1.0)
    lp.add_constraints("a", [(x[0], 1.0), (x[1], -1.0)], ub=1.0)
    sol = get_backend(backend).solve(lp)
    assert sol.status == "unbounded" and sol.objective is None


def test_mip_highs_and_scipy_agree():
    """Knapsack: values (10, 13, 7, 8), weights (3, 4, 2, 3), capacity 7 -> best is
    items 1 and 2 (value 23) since 13 + 7 = 20 and 10 + 7 + ... fit checks give less."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (4,), lb=0, ub=1, cost=[10, 13, 7, 8], integer=True)
    lp.add_constraints("w", [(x, [3, 4, 2, 3])], ub=7, shape=())
    for name in ("highs", "scipy"):
        assert get_backend(name).solve(lp).objective == pytest.approx(23)


def test_row_generation_matches_full_solve():
    """A random polytope: lazily adding the violated rows reaches the full LP's optimum
    (a second, independent solve of the whole LP), and the certificate covers every row."""
    rng = np.random.default_rng(3)
    n, m = 15, 400
    A = rng.normal(size=(m, n))
    b = rng.uniform(1, 2, m)
    c = rng.normal(size=n)

    def fresh():
        lp = LinearProgram("max")
        lp.add_variables("x", (n,), lb=-5, ub=5, cost=c)
        return lp

    full = fresh()
    full.add_constraints("all", [(full.variables["x"].indices[None, :], A)], ub=b, shape=(m,))
    ref = get_backend("highs").solve(full).objective

    def separate(sol, lp):
        viol = A @ sol.x["x"] - b
        bad = np.argsort(viol)[::-1][:10]
        bad = bad[viol[bad] > 1e-9]
        if bad.size:
            cols = lp.variables["x"].indices[None, :]
            lp.add_constraints("cuts", [(cols, A[bad])], ub=b[bad], shape=(bad.size,), append=True)
        return max(0.0, float(viol.max()))

    lazy = fresh()
    res = solve_with_row_generation(lazy, separate, get_backend("highs"), tol=1e-9)
    assert res.solution.ok and res.certificate <= 1e-9
    assert res.solution.objective == pytest.approx(ref, abs=1e-8)
    assert res.rows_added < m and res.rounds >= 2
    assert lazy.rows["cuts"].size == res.rows_added


def test_thread_count_can_change_between_solves():
    """HiGHS fixes its thread count when its scheduler starts; a later solve asking for
    another count used to fail with status 'Not Set'.  All three must solve: max x + y
    with x + y <= 1 has optimum 1."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0, cost=1.0)
    lp.add_constraints("c", [(x, 1.0)], ub=1.0, shape=())
    for threads in (None, 1, 2, 1):
        sol = get_backend("highs", threads=threads).solve(lp)
        assert sol.ok and sol.objective == pytest.approx(1.0)
