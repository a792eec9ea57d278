"""Solver strategies (solvers.strategies) on an LP whose optimum is derived by hand.

The LP: max x + y  s.t.  x + 2y <= 4,  3x + y <= 6,  0 <= x, y <= 10.  Both rows bind at
the optimum: x + 2y = 4 and 3x + y = 6 give x = 8/5, y = 6/5, value 14/5; the duals solve
u + 3v = 1, 2u + v = 1: u = 2/5, v = 1/5 (dual value 4u + 6v = 14/5).
"""

import numpy as np
import pytest

from solvers import LinearProgram, Solution, get_backend, solve_with_row_generation
from solvers.strategies import (
    ColdRetry,
    IpmThenSimplex,
    NoCrossover,
    NoPresolve,
    StrategyBackend,
    with_strategy,
)

ROWS = np.array([[1.0, 2.0], [3.0, 1.0]])
RHS = np.array([4.0, 6.0])


def lp(rows=True):
    p = LinearProgram("max", "hand")
    xy = p.add_variables("xy", (2,), lb=0.0, ub=10.0, cost=1.0)
    if rows:
        p.add_constraints("r", [(xy[None, :], ROWS)], ub=RHS, shape=(2,))
    return p


def separate(sol, p):
    """Adds every violated one of the two rows; returns the largest violation."""
    v = ROWS @ sol.x["xy"] - RHS
    hit = np.flatnonzero(v > 1e-9)
    if hit.size:
        xy = p.variables["xy"].indices
        p.add_constraints(
            "r", [(xy[None, :], ROWS[hit])], ub=RHS[hit], shape=(hit.size,), append=True
        )
    return max(0.0, float(v.max()))


@pytest.mark.parametrize(
    "strategy,note",
    [
        (IpmThenSimplex(), "ipm, then simplex warm"),
        (ColdRetry(), "cold retry"),
        (NoCrossover(), "ipm, no crossover"),
        (NoPresolve(), "presolve off"),
    ],
)
def test_each_strategy_reaches_the_hand_optimum_in_row_generation(strategy, note):
    be = with_strategy(get_backend("highs", threads=1), strategy)
    res = solve_with_row_generation(lp(rows=False), separate, be)
    sol = res.solution
    assert sol.ok and sol.objective == pytest.approx(14 / 5, abs=1e-8)
    assert sol.x["xy"] == pytest.approx([8 / 5, 6 / 5], abs=1e-7)
    assert sol.dual["r"] == pytest.approx([2 / 5, 1 / 5], abs=1e-7)
    assert res.rounds >= 2 and sol.strategy == note


def test_ipm_then_simplex_switches_method_after_the_first_solve():
    """The first solve runs interior point (IPM iterations), the warm re-solve simplex
    (presolve off, so that HiGHS does not solve the small LP in presolve)."""
    be = with_strategy(get_backend("highs", threads=1, presolve="off"), IpmThenSimplex())
    p = lp(rows=False)
    p.add_constraints("r", [(p.variables["xy"].indices[None, :], ROWS[:1])], ub=RHS[:1], shape=(1,))
    sess = be.session(p)
    first = sess.solve()
    assert first.iterations["ipm"] > 0
    xy = p.variables["xy"].indices
    p.add_constraints("r", [(xy[None, :], ROWS[1:])], ub=RHS[1:], shape=(1,), append=True)
    second = sess.solve()
    assert second.iterations["ipm"] == 0 and second.objective == pytest.approx(14 / 5)


def test_ipm_then_simplex_leaves_a_chosen_method_and_small_lps_alone():
    simplex = with_strategy(get_backend("highs", method="simplex"), IpmThenSimplex())
    assert simplex.solve(lp()).strategy == ""
    small = with_strategy(get_backend("highs"), IpmThenSimplex(min_size=3))
    assert small.solve(lp()).strategy == ""


def test_strategies_run_on_a_backend_without_a_live_model():
    """Clarabel (independent of HiGHS) re-solves cold: the presolve switch is skipped and
    reported; the optimum is the hand value."""
    be = with_strategy(get_backend("clarabel"), NoPresolve(), ColdRetry())
    res = solve_with_row_generation(lp(rows=False), separate, be)
    sol = res.solution
    assert sol.objective == pytest.approx(14 / 5, abs=1e-7)
    assert "not applicable to backend clarabel" in sol.strategy
    assert sol.backend == "clarabel"


class _Flaky:
    """A backend whose first solve stalls (status numerical_trouble), then solves."""

    name = "flaky"
    incremental = False

    def __init__(self):
        self.calls = 0
        self.inner = get_backend("highs", threads=1)

    def solve(self, p):
        self.calls += 1
        if self.calls == 1:
            return Solution(status="numerical_trouble", backend="flaky")
        return self.inner.solve(p)


def test_cold_retry_solves_a_stalled_round_again():
    flaky = _Flaky()
    sol = with_strategy(flaky, ColdRetry()).solve(lp())
    assert flaky.calls == 2 and sol.objective == pytest.approx(14 / 5)
    assert sol.strategy == "cold retry; 1 cold retry"
    plain = _Flaky()
    assert plain.solve(lp()).status == "numerical_trouble"


def test_with_strategy_without_strategies_is_the_backend_and_nests_flat():
    be = get_backend("highs")
    assert with_strategy(be) is be and with_strategy(be, None) is be
    two = with_strategy(with_strategy(be, ColdRetry()), NoPresolve())
    assert isinstance(two, StrategyBackend) and two.inner is be
    assert two.strategies == (ColdRetry(), NoPresolve())
    assert two.name == "highs" and two.threads == be.threads
