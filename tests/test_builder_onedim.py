"""The one-dimensional builder blocks against hand-derived LPs (exact fractions)."""

import numpy as np
import pytest

from mdlp.builder import adjacent_ic, envelope_rows, others_pmf
from solvers import LinearProgram, get_backend


def _one_buyer(values, probs, block):
    """One buyer, one good: max E[m] s.t. the block's IC rows, IR at the lowest type."""
    lp = LinearProgram("max", "t")
    K = len(values)
    x = np.asarray(values, float)
    q = lp.add_variables("q", (K,), lb=0.0, ub=1.0)
    m = lp.add_variables("m", (K,), lb=-np.inf)
    block(lp, "", q, m, x, axis=0)
    lp.add_constraints("ir", [(q[0], x[0]), (m[0], -1.0)], lb=0.0)
    lp.add_objective(m, np.asarray(probs, float))
    return get_backend("clarabel").solve(lp)  # independent of HiGHS


@pytest.mark.parametrize("block", [adjacent_ic, envelope_rows])
def test_posted_price_value_on_two_points(block):
    """Values 1 and 2 with probabilities 1/2, 1/2: the best posted price is 1 or 2, both earn
    1 (price 1 sells always; price 2 sells half the time, 2 * 1/2 = 1). Every IC mechanism
    is a lottery over posted prices (Riley and Zeckhauser 1983), so the optimum is 1."""
    sol = _one_buyer([1.0, 2.0], [0.5, 0.5], block)
    assert sol.objective == pytest.approx(1.0, abs=1e-9)


@pytest.mark.parametrize("block", [adjacent_ic, envelope_rows])
def test_posted_price_value_on_three_points(block):
    """Values 1, 2, 3 with probabilities 1/2, 1/4, 1/4: price 1 earns 1, price 2 earns
    2 * 1/2 = 1, price 3 earns 3/4; the optimum is 1 (Riley and Zeckhauser 1983)."""
    sol = _one_buyer([1.0, 2.0, 3.0], [0.5, 0.25, 0.25], block)
    assert sol.objective == pytest.approx(1.0, abs=1e-9)


def test_envelope_payments_are_the_largest_ic_payments():
    """With the envelope rows the payment of type k is sum_j x_j (q_j - q_{j-1}) up to k:
    for the optimum q = (0, 1) on values (1, 3) with probs (1/2, 1/2), m = (0, 3)."""
    sol = _one_buyer([1.0, 3.0], [0.5, 0.5], envelope_rows)
    assert sol.objective == pytest.approx(1.5, abs=1e-9)
    assert np.allclose(sol.x["m"], [0.0, 3.0], atol=1e-9)


def test_others_pmf_is_the_product_of_the_remaining_pmfs():
    p = [np.array([0.5, 0.5]), np.array([0.2, 0.8]), np.array([0.1, 0.3, 0.6])]
    w = others_pmf(p, 1)
    assert np.allclose(w, [0.05, 0.15, 0.3, 0.05, 0.15, 0.3])
