"""The one-dimensional builder blocks added for the myerson / markov / guarantee /
information families (``ir_lowest``, ``monotone_ic``, ``interim_rows`` with general
weights, ``supply_rows``, ``joint_pmf``, ``profile_values``, ``own_first``) and the
correlated priors of :mod:`grids.correlated`.  Every expected number is derived by hand in
the test's docstring."""

from __future__ import annotations

import numpy as np
import pytest

from grids import Axis, pmf_prior
from grids.correlated import CorrelatedPrior
from mdlp.builder import (
    interim_rows,
    joint_pmf,
    monotone_ic,
    own_first,
    profile_values,
    supply_rows,
)
from solvers import LinearProgram
from solvers.highs import HighsBackend


def _posted_price_lp(x, p, payments, outside=0.0):
    lp = LinearProgram("max")
    Q = lp.add_variables("Q", (len(x),), lb=0.0, ub=1.0)
    M = lp.add_variables("M", (len(x),), lb=-np.inf, cost=p)
    monotone_ic(lp, 1, Q, M, np.asarray(x, float), payments=payments, outside=outside)
    return lp


@pytest.mark.parametrize("payments", ["adjacent", "envelope"])
def test_monotone_ic_one_buyer_revenue(payments):
    """One buyer, values 1 or 3 with probability 1/2 each: every IC/IR mechanism is a
    lottery over posted prices (Myerson 1981), so the best revenue is max(1 * 1, 3 * 1/2)
    = 3/2 (price 3).  Values 1, 2, 4 with probabilities 1/2, 1/4, 1/4: prices 1, 2, 4 earn
    1, 2 * 1/2 = 1 and 4 * 1/4 = 1, so the optimum is 1."""
    sol = HighsBackend().solve(_posted_price_lp([1.0, 3.0], [0.5, 0.5], payments))
    assert sol.ok and sol.objective == pytest.approx(1.5, abs=1e-9)
    sol = HighsBackend().solve(_posted_price_lp([1.0, 2.0, 4.0], [0.5, 0.25, 0.25], payments))
    assert sol.ok and sol.objective == pytest.approx(1.0, abs=1e-9)


def test_monotone_ic_outside_option_and_rows():
    """An outside option 0.5 at the lowest type: with values 1, 3 (1/2 each) the price-3
    mechanism now pays the low type 0.5 (M_0 = -0.5, revenue 0.5 (3 - 0.5) - 0.25 =
    1.0); selling to both at price 1 earns 1 - 0.5 = 0.5; the optimum is 1.0.  The envelope
    form names its rows monotone1 / payment1 / ir1, the adjacent form ic_down1 / ic_up1 /
    ir1, with K - 1 rows per IC block."""
    lp = _posted_price_lp([1.0, 3.0], [0.5, 0.5], "envelope", outside=0.5)
    assert set(lp.rows) == {"monotone1", "payment1", "ir1"}
    sol = HighsBackend().solve(lp)
    assert sol.objective == pytest.approx(1.0, abs=1e-9)
    lp = _posted_price_lp([1.0, 2.0, 3.0], [0.2, 0.3, 0.5], "adjacent")
    assert {k: lp.rows[k].size for k in lp.rows} == {"ic_down1": 2, "ic_up1": 2, "ir1": 1}
    with pytest.raises(ValueError, match="payments"):
        _posted_price_lp([1.0, 2.0], [0.5, 0.5], "other")


def test_interim_rows_general_weights():
    """q[k, a, b] fixed to k + a + 2 b on a 2 x 2 x 3 array; weights w[a, b] = (a + 1) b.
    Q[0] = sum_{a,b} (a + 1) b (a + 2 b) = (b=1: 1*1*(0+2) + 2*1*(1+2) = 8) + (b=2: 1*2*4 +
    2*2*5 = 28) = 36; Q[1] adds sum_{a,b} (a + 1) b = 3 * (1 + 2) = 9 more: 45."""
    lp = LinearProgram("max")
    k, a, b = np.indices((2, 2, 3))
    val = (k + a + 2 * b).astype(float)
    q = lp.add_variables("q", (2, 2, 3), lb=val, ub=val)
    Q = lp.add_variables("Q", (2,), lb=-np.inf, cost=1.0)
    w = (np.arange(2)[:, None] + 1.0) * np.arange(3)[None, :]
    interim_rows(lp, "interim", Q, q, w)
    sol = HighsBackend().solve(lp)
    np.testing.assert_allclose(sol.x["Q"], [36.0, 45.0], atol=1e-9)


def test_supply_rows():
    """Two agents on a 2 x 2 profile grid, objective 2 q_0 + q_1 at every profile: with
    supply at most one the best is 2 per profile (8 in all); with a supply of exactly 1/2
    it is 2 * 1/2 = 1 per profile (4)."""
    for supply, exact, value in ((1.0, False, 8.0), (0.5, True, 4.0)):
        lp = LinearProgram("max")
        q = lp.add_variables("q", (2, 2, 2), lb=0.0, ub=1.0)
        lp.add_objective(q, np.array([2.0, 1.0])[:, None, None])
        rows = supply_rows(lp, "supply", q, supply=supply, exact=exact)
        assert rows.shape == (2, 2)
        assert HighsBackend().solve(lp).objective == pytest.approx(value, abs=1e-9)


def test_profile_grids():
    """Axes (0, 1) and (10, 20, 30): X[0][i, j] = (0, 1)[i], X[1][i, j] = (10, 20, 30)[j];
    the joint pmf of (1/4, 3/4) and (1/2, 1/4, 1/4) at (1, 2) is 3/4 * 1/4 = 3/16; agent
    1's array own type first is its transpose."""
    X = profile_values([Axis.custom([0.0, 1.0]), np.array([10.0, 20.0, 30.0])])
    assert X.shape == (2, 2, 3)
    assert X[0, 1, 2] == 1.0 and X[1, 1, 2] == 30.0 and X[1, 0, 0] == 10.0
    P = joint_pmf([[0.25, 0.75], [0.5, 0.25, 0.25]])
    assert P.shape == (2, 3) and P[1, 2] == pytest.approx(3 / 16) and P.sum() == pytest.approx(1)
    np.testing.assert_array_equal(own_first(X[1], 1), X[1].T)


def test_correlated_prior_forms():
    """``from_joint`` sorts the values and the axes with them: values (1, 0) with P[0, 1] =
    0.1 means P(v_1 = 1, v_2 = 0) = 0.1, i.e. entry [1, 0] after sorting.  A mixture of two
    independent laws on {0, 1} and {1, 2} lives on {0, 1, 2}; with weight 1/2 each and
    pmfs (1/2, 1/2), (1/4, 3/4) for both bidders P(1, 1) = 1/2 * 1/4 + 1/2 * 1/16 = 5/32."""
    gp = CorrelatedPrior.from_joint([1.0, 0.0], [[0.4, 0.1], [0.2, 0.3]])
    np.testing.assert_array_equal(gp.points, [0.0, 1.0])
    P = gp.joint(2)
    assert P[1, 0] == pytest.approx(0.1) and P[0, 1] == pytest.approx(0.2)
    assert P[0, 0] == pytest.approx(0.3) and not gp.independent

    lo, hi = pmf_prior([0.0, 1.0], [0.5, 0.5]), pmf_prior([1.0, 2.0], [0.25, 0.75])
    mix = CorrelatedPrior.mixture([(0.5, [lo, lo]), (0.5, [hi, hi])])
    np.testing.assert_array_equal(mix.points, [0.0, 1.0, 2.0])
    P = mix.joint(2)
    assert P[1, 1] == pytest.approx(5 / 32) and P.sum() == pytest.approx(1.0)
    assert not mix.independent and not mix.iid_agents

    iid = CorrelatedPrior.iid([0.0, 1.0], [0.25, 0.75], 3)
    assert iid.independent and iid.iid_agents
    assert iid.joint(3)[1, 0, 1] == pytest.approx(0.75 * 0.25 * 0.75)
    with pytest.raises(ValueError, match="too large"):
        CorrelatedPrior.iid(np.arange(100.0), np.full(100, 0.01), 4).joint(4)
    with pytest.raises(ValueError, match="either"):
        CorrelatedPrior([0.0, 1.0])
