"""Minimax-regret pricing by row generation with the symmetric reduction (identical items)
and grid continuation, against values that do not come from HiGHS.

* The all-pairs LP (2.6) of Koçyiğit (2020), *Distributional Robustness in Mechanism
  Design*, written out here in cvxpy (every ordered IC pair, no reduction, no row
  generation) and solved by Clarabel, an interior-point solver sharing no code with HiGHS.
* The exact grid value: on the thesis grid ``{0, 1/n, ..., 1}^J`` with ``c = 0`` the
  separable mechanism is optimal on the grid (the structure of the proof of Theorem 2.3.2),
  so the value is ``J z_n`` with ``z_n = max_k (k/n)(H_n - H_k)``, the exact value of the
  one-item grid problem (2.5).  It is computed here in exact rationals.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mdlp.config import load_config
from mdlp.problems.regret import pricing


def z_exact(n: int) -> Fraction:
    """``max_{1 <= k < n} (k/n) (H_n - H_k)`` in exact rationals (one item, u = 1, c = 0;
    H_k the harmonic numbers), the thesis's grid value (2.5)."""
    H = [Fraction(0)]
    for i in range(1, n + 1):
        H.append(H[-1] + Fraction(1, i))
    return max(Fraction(k, n) * (H[n] - H[k]) for k in range(1, n))


def test_z_exact_small_grid():
    """n = 4: k = 1: (1/4)(1/2 + 1/3 + 1/4) = 13/48; k = 2: (1/2)(1/3 + 1/4) = 7/24;
    k = 3: (3/4)(1/4) = 3/16, so z_4 = 7/24."""
    assert z_exact(4) == Fraction(7, 24)


def solve(points, **params):
    from mdlp.run import solve as run

    cfg = {
        "kind": "regret_pricing",
        "params": {"ic": "rowgen", **params},
        "grid": {"points": points, "placement": "endpoints"},
        "solver": {"threads": 1},
    }
    return run(load_config(cfg))


def clarabel_all_pairs(points, J, upper=1.0, cost=0.0) -> float:
    """LP (2.6) with IC between all ordered pairs, IR and ``q in [0, 1]``, written out here
    and solved by Clarabel through cvxpy."""
    import cvxpy as cp

    axis = np.linspace(0.0, upper, points)
    X = np.array(np.meshgrid(*[axis] * J, indexing="ij")).reshape(J, -1).T
    n = X.shape[0]
    c = np.full(J, cost)
    bench = np.maximum(X - c, 0.0).sum(1)
    q = cp.Variable((n, J))
    m = cp.Variable(n)
    r = cp.Variable()
    a, b = np.nonzero(~np.eye(n, dtype=bool))
    own = cp.sum(cp.multiply(X, q), axis=1) - m  # utility of truthful reports
    dev = cp.sum(cp.multiply(X[a], q[b]), axis=1) - m[b]
    cons = [
        r + m - q @ c >= bench,
        own >= 0,
        own[a] >= dev,
        q >= 0,
        q <= 1,
    ]
    prob = cp.Problem(cp.Minimize(r), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    assert prob.status == "optimal"
    return float(prob.value)


@pytest.fixture
def continued(monkeypatch):
    """Grid continuation from 5 points per axis on (so that small grids exercise it)."""
    monkeypatch.setattr(pricing, "CONTINUATION_MIN_POINTS", 5)


@pytest.mark.parametrize("points,J,cost", [(7, 2, 0.0), (6, 2, 0.3), (4, 3, 0.0)])
def test_symmetric_continued_rowgen_equals_clarabel_all_pairs(continued, points, J, cost):
    """Row generation on the reduced LP (sorted types only, continued from the coarser
    grid) reaches the optimum of the full all-pairs LP solved by Clarabel."""
    res = solve(points, upper=[1.0] * J, cost=[cost] * J, continuation=True)
    assert res.status == "optimal"
    assert res.problem._symmetric()
    ref = clarabel_all_pairs(points, J, cost=cost)
    assert res.objective == pytest.approx(ref, abs=1e-7)
    assert max(res.certificate.values()) <= 1e-7
    # nature's law on all types (orbit masses spread over the orbits) sums to one
    assert res.extras["alpha_sum"] == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("points", [21, 41])
def test_symmetric_continued_rowgen_equals_exact_grid_value(continued, points):
    """Two unit items on {0, 1/n, ..., 1}^2: the value is 2 z_n exactly (n = K - 1)."""
    exact = 2 * z_exact(points - 1)
    res = solve(points, upper=[1.0, 1.0], continuation=True)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(float(exact), abs=1e-9)
    assert res.certificate["ic"] <= 1e-9


def test_symmetry_and_continuation_off_give_the_same_value():
    """Switching the reduction and the continuation off does not change the optimum
    (two items with equal cost 0.2, K = 9: the value is checked against Clarabel)."""
    on = solve(9, upper=[1.0, 1.0], cost=[0.2, 0.2], continuation=True)
    off = solve(9, upper=[1.0, 1.0], cost=[0.2, 0.2], symmetry=False, continuation=False)
    ref = clarabel_all_pairs(9, 2, cost=0.2)
    assert on.objective == pytest.approx(ref, abs=1e-7)
    assert off.objective == pytest.approx(ref, abs=1e-7)
    assert not off.problem._symmetric()


def test_utility_form_exact_check_finds_a_violation():
    """The exact all-pairs IC check of the utility form, one item on {0, 1/2, 1}, u = 0:
    q = (0, 1, 0) gives m = v.q - u = (0, 1/2, 0), and type 1 reporting 1/2 gets
    1 * 1 - 1/2 = 1/2 > u = 0, a violation of exactly 1/2; q = (0, 0, 1) (m = (0, 0, 1),
    the posted price 1) is IC: type 1/2 reporting 1 gets 1/2 - 1 < 0."""
    from mdlp.builder.oracle_utility import exact_ic_check_utility
    from solvers import LinearProgram

    lp = LinearProgram("min", "t")
    lp.add_variables("q", (3, 1), lb=0.0, ub=1.0)
    lp.add_variables("u", (3,), lb=0.0)
    X = np.array([[0.0], [0.5], [1.0]])
    ok, msg, _ = exact_ic_check_utility(lp, X, [0, 1, 0, 0, 0, 0])
    assert not ok and "1/2" in msg
    ok, _, _ = exact_ic_check_utility(lp, X, [0, 0, 1, 0, 0, 0])
    assert ok


def test_unequal_items_are_not_reduced():
    """Different upper bounds or costs: no symmetric reduction (the LP is not invariant)."""
    res = solve(5, upper=[1.0, 2.0])
    assert not res.problem._symmetric()
    res = solve(5, upper=[1.0, 1.0], cost=[0.0, 0.1])
    assert not res.problem._symmetric()
