"""The solver a mid-sized Markov-auction LP gets: the interior point method followed by
crossover (solvers.strategies.IpmCrossover), a vertex solution as simplex gives.

Expected numbers come from outside the code under test: a two-variable LP solved by hand
(below), and Clarabel (an interior point method with a sparse LDL^T factorisation, no HiGHS
code) on the same mechanism LP.  Feasibility is re-checked here with the test's own
matrix product, not the library's certificate.

The hand LP: max x + y  s.t.  x + 2y <= 4,  3x + y <= 6,  0 <= x, y <= 10.  Both rows bind:
x = 8/5, y = 6/5, value 14/5; the duals solve u + 3v = 1, 2u + v = 1: u = 2/5, v = 1/5.
"""

from __future__ import annotations

import numpy as np
import pytest

from mdlp.config import load_config
from mdlp.theory import markov as T
from solvers import LinearProgram, get_backend
from solvers.strategies import IpmCrossover, with_strategy


def hand_lp():
    p = LinearProgram("max", "hand")
    xy = p.add_variables("xy", (2,), lb=0.0, ub=10.0, cost=1.0)
    rows = np.array([[1.0, 2.0], [3.0, 1.0]])
    p.add_constraints("r", [(xy[None, :], rows)], ub=np.array([4.0, 6.0]), shape=(2,))
    return p


@pytest.mark.parametrize(
    "dual,note", [(False, "ipm, crossover"), (True, "ipm on the dual, crossover")]
)
def test_ipm_crossover_reaches_the_hand_vertex(dual, note):
    be = with_strategy(get_backend("highs", threads=1), IpmCrossover(dual=dual))
    sol = be.solve(hand_lp())
    assert sol.ok and sol.strategy == note
    assert sol.objective == pytest.approx(14 / 5, abs=1e-9)
    # crossover ends at the vertex itself, not near it
    assert sol.x["xy"] == pytest.approx([8 / 5, 6 / 5], abs=1e-9)
    assert sol.dual["r"] == pytest.approx([2 / 5, 1 / 5], abs=1e-9)


def test_ipm_crossover_is_skipped_below_min_size_and_for_other_methods():
    small = with_strategy(get_backend("highs", threads=1), IpmCrossover(min_size=3))
    assert small.solve(hand_lp()).strategy == ""  # 2 columns < 3: the backend as configured
    simplex = with_strategy(
        get_backend("highs", threads=1, method="simplex"), IpmCrossover(dual=True)
    )
    sol = simplex.solve(hand_lp())
    assert sol.strategy == "" and sol.objective == pytest.approx(14 / 5, abs=1e-9)


def test_ipm_crossover_on_a_backend_without_a_live_model_says_so():
    """cvxpy leaves the method to its solver (no ``method`` attribute, read as ``auto``)
    and has no live model: the strategy is skipped and the result says so."""
    be = with_strategy(get_backend("cvxpy"), IpmCrossover())
    sol = be.solve(hand_lp())
    assert sol.ok and sol.objective == pytest.approx(14 / 5, abs=1e-7)
    assert "not applicable" in sol.strategy


def _problem(K, **thresholds):
    c = load_config(
        {
            "kind": "markov_auction",
            "params": {"bidders": 2, "mean": 0.5, "mechanism": "optimal", "symmetric": True},
            "grid": {"points": K, "placement": "endpoints"},
            "solver": {"backend": "highs", "threads": 1},
        }
    )
    prob = c.make_problem()
    for k, v in thresholds.items():
        setattr(prob, k, v)
    return prob


def test_the_lp_size_picks_the_strategy():
    """Below the vertex tier: the backend as configured; between the tiers: interior point
    with crossover; above: without crossover (thresholds lowered to test sizes)."""
    prob = _problem(21, vertex_ipm_from_columns=500, ipm_from_columns=1000)
    lp = prob.build()  # 2 * 21 * 21 columns of q, m + lambda, sigma = 884
    hs = get_backend("highs", threads=1)
    assert prob.solver_strategy(lp, hs).session(lp).notes == ["ipm on the dual, crossover"]
    prob.ipm_from_columns = 800
    assert prob.solver_strategy(lp, hs).session(lp).notes == ["ipm on the dual, no crossover"]
    prob.vertex_ipm_from_columns, prob.ipm_from_columns = 900, 1000
    assert prob.solver_strategy(lp, hs).session(lp).notes == []


def test_mid_sized_markov_lp_through_crossover_matches_clarabel():
    """The mechanism LP (I = 2, mu = 0.5, K = 21, symmetric) through the vertex tier: the
    same optimum as Clarabel's on the same LP, a primal point feasible by the test's own
    product A x, and between the closed-form bounds r (optimal highest-bidder lottery,
    Thm 1.5.3) and mu (worst-case full surplus, Prop. 1.5.3) that hold on every grid."""
    prob = _problem(21, vertex_ipm_from_columns=500)
    lp = prob.build()
    sol = prob.solve_lp(lp, get_backend("highs", threads=1))
    assert sol.ok and sol.strategy == "ipm on the dual, crossover"
    ref = get_backend("clarabel").solve(lp)
    assert ref.ok
    assert sol.objective == pytest.approx(ref.objective, abs=1e-7)
    x = sol.x_flat
    Ax = lp.matrix("csr") @ x
    assert (Ax >= lp.row_lb - 1e-9).all() and (Ax <= lp.row_ub + 1e-9).all()
    assert (x >= lp.col_lb - 1e-9).all() and (x <= lp.col_ub + 1e-9).all()
    assert x @ lp.cost + lp.offset == pytest.approx(sol.objective, abs=1e-9)
    assert T.lottery_value(2, 0.5) - 1e-9 <= sol.objective <= 0.5 + 1e-9
