"""bilateral_trade against Myerson and Satterthwaite (1983), "Efficient mechanisms for
bilateral trading" (J. Econ. Theory 29), exact fractions derived below by hand, rational
verification of the LP optimum, and a mechanism checker written here from the definitions.
"""

from fractions import Fraction

import numpy as np
import pytest

from mdlp.compare import fit_order
from mdlp.config import load_config
from mdlp.run import solve
from mdlp.theory import bilateral_trade as T

U01 = {"distribution": "uniform", "low": 0, "high": 1}


def cfg(K, objective="gains_from_trade", buyer=U01, seller=U01, **grid):
    return load_config(
        {
            "kind": "bilateral_trade",
            "params": {"buyer": buyer, "seller": seller, "objective": objective},
            "grid": {"points": K, **grid},
        }
    )


def check_table(df, objective):
    """Largest violation of BIC (all pairs), interim IR and ex-post budget balance, from the
    mechanism table alone: the buyer's utility of reporting b' is ``b E_s q(b', s) -
    E_s buyer_pays(b', s)``, the seller's of reporting s' is ``E_b seller_gets(b, s') - s
    E_b q(b, s')`` (independent types: the table's ``prob`` is a product)."""
    b = np.unique(df["b"].to_numpy())
    s = np.unique(df["s"].to_numpy())
    shape = (b.size, s.size)
    w = df["prob"].to_numpy().reshape(shape)
    pb, ps = w.sum(axis=1), w.sum(axis=0)
    assert np.allclose(w, np.outer(pb, ps), atol=1e-15)
    q = df["q"].to_numpy().reshape(shape)
    pay = df["buyer_pays"].to_numpy().reshape(shape)
    get = df["seller_gets"].to_numpy().reshape(shape)
    Qb, Pb = q @ ps, pay @ ps
    Qs, Gs = pb @ q, pb @ get
    ub = b[:, None] * Qb[None, :] - Pb[None, :]  # [true, report]
    us = Gs[None, :] - s[:, None] * Qs[None, :]
    ic = max((ub - np.diag(ub)[:, None]).max(), (us - np.diag(us)[:, None]).max())
    ir = max((-np.diag(ub)).max(), (-np.diag(us)).max())
    surplus = pay - get
    budget = -surplus.min()  # the broker never pays
    if objective == "gains_from_trade":
        budget = max(budget, np.abs(surplus).max())  # trade is exactly balanced
    return {"ic": ic, "ir": ir, "budget": budget, "q": max(-q.min(), q.max() - 1)}


def test_uniform_grid_k6_exact_fractions():
    """K = 6 midpoint grid, b, s ~ U[0,1]: points (2k+1)/12, mass 1/6 each.  Discrete
    virtual values psi_b(i) = b_i - (5 - i)/6, virtual costs psi_s(j) = s_j + j/6, so with
    d = i - j the K - d cells of diagonal d have gain d/6 and budget weight h = (2d - 5)/6:
    -3/6, -1/6, 1/6, 3/6, 5/6 for d = 1..5.  First best (all d >= 1) has budget
    (5(-3) + 4(-1) + 3 + 2(3) + 5)/216 = -5/216 < 0; the second best drops 1/3 of the d = 1
    diagonal (theta = 2/3: 10 - 15 theta = 0) and earns
    (5 * 1/6 * 2/3 + 4 * 2/6 + 3 * 3/6 + 2 * 4/6 + 5/6)/36 = (10/3 + 8 + 9 + 8 + 5)/216
    = 25/162.  The broker trades where h > 0 (d >= 3) and earns
    (3*1 + 2*3 + 1*5)/216 = 7/108."""
    assert T.uniform_midpoint_value(6) == Fraction(25, 162)
    assert T.uniform_midpoint_value(6, "profit") == Fraction(7, 108)
    for objective, frac in (("gains_from_trade", "25/162"), ("profit", "7/108")):
        res = solve(cfg(6, objective), exact=True)
        assert res.exact["verified"], res.exact
        assert res.exact["objective"] == frac  # rational arithmetic, not HiGHS's float
        assert res.objective == pytest.approx(float(Fraction(frac)), abs=1e-12)


def test_grid_dual_agrees_with_the_closed_form():
    """Two derivations of the uniform grid optimum, written separately in the theory module
    (the knapsack by diagonals in exact fractions; the dual minimum over lambda with a
    checked primal): they must agree on every grid."""
    for K in range(2, 60):
        prior = cfg(K).make_problem().priors()[0]
        for objective in ("gains_from_trade", "profit"):
            value, certified = T.grid_value(prior, prior, objective)
            assert certified
            assert value == pytest.approx(float(T.uniform_midpoint_value(K, objective)), abs=1e-14)


def test_continuum_values():
    """Hand derivations (theory module docstring): 9/64, 1/24 and the first best 1/6; the
    profit's grid closed form minus 1/24 is (12 n^2 - 14 n + 1)/(24 K^3) for K = 2n - 1."""
    assert T.uniform_same_interval(0, 1) == pytest.approx(9 / 64)
    assert T.uniform_same_interval(0, 1, "profit") == pytest.approx(1 / 24)
    assert T.uniform_same_interval(2, 4, "profit") == pytest.approx(2 / 24)
    for n in (2, 5, 50):
        K = 2 * n - 1
        gap = T.uniform_midpoint_value(K, "profit") - Fraction(1, 24)
        assert gap == Fraction(12 * n * n - 14 * n + 1, 24 * K**3)
    prior = cfg(2001).make_problem().priors()[0]
    assert T.first_best(prior, prior) == pytest.approx(1 / 6, abs=1e-6)


@pytest.mark.parametrize(
    ("objective", "limit"), [("gains_from_trade", 9 / 64), ("profit", 1 / 24)]
)
def test_convergence_from_above_at_first_order(objective, limit):
    """LP optima on midpoint grids lie above the continuum value and approach it at order
    about 1 (profit: the gap is ~ 1/(8K) by the closed form)."""
    Ks = (21, 41, 81)
    gaps = []
    for K in Ks:
        res = solve(cfg(K, objective))
        assert res.ok and res.certified
        gaps.append(res.objective - limit)
    assert all(g > 0 for g in gaps) and gaps[0] > gaps[1] > gaps[2]
    assert 0.85 <= fit_order([1 / K for K in Ks], gaps) <= 1.15


@pytest.mark.parametrize("objective", ["gains_from_trade", "profit"])
def test_mechanism_checked_from_the_table(objective):
    res = solve(cfg(15, objective))
    worst = check_table(res.mechanism, objective)
    assert max(worst.values()) <= 1e-9, worst
    assert max(res.certificate.values()) <= 1e-7


def test_broker_trades_where_virtual_value_exceeds_virtual_cost():
    """Profit on the K = 9 uniform grid: h = (2d + 1 - 9)/9 with d = i - j, so trade iff
    d >= 5 (h > 0), never for d <= 3 (h < 0); d = 4 (h = 0) is left to the solver.  In the
    continuum this is b - s >= 1/2."""
    res = solve(cfg(9, "profit"))
    df = res.mechanism
    d = np.rint((df["b"] - df["s"]).to_numpy() * 9).astype(int)
    q = df["q"].to_numpy()
    assert np.all(q[d >= 5] >= 1 - 1e-9) and np.all(q[d <= 3] <= 1e-9)


def test_first_best_is_not_budget_balanced():
    """Myerson and Satterthwaite's impossibility on the grid: the second best stays below
    the grid first best E[(b - s)^+] (for K = 6: 25/162 < 35/216)."""
    res = solve(cfg(6))
    first = [t for t in res.theory if t.label == "first best on the grid"][0]
    assert first.value == pytest.approx(35 / 216)
    assert res.objective < first.value - 1e-3


def test_other_priors_against_the_grid_dual():
    """b ~ Beta(2,2), s ~ U[0,1]: the dual bound of the theory module (no LP involved) is
    attained, and the LP (solved by Clarabel, independent of HiGHS) reaches it."""
    beta = {"distribution": "beta", "a": 2, "b": 2, "low": 0, "high": 1}
    c = load_config(
        {"kind": "bilateral_trade", "params": {"buyer": beta, "seller": U01},
         "grid": {"points": 15}, "solver": {"backend": "clarabel"}}
    )
    pb, ps = c.make_problem().priors()
    value, certified = T.grid_value(pb, ps)
    assert certified
    res = solve(c)
    assert res.ok and res.objective == pytest.approx(value, abs=1e-6)
    assert res.reference.relation == "equal"


def test_a_pmf_where_the_first_best_is_feasible():
    """b in {1, 3}, s in {0, 2}, each with mass 1/2: psi_b = (-1, 3), psi_s = (0, 4).  The
    first best trades at (1,0), (3,0), (3,2) (gains 1, 3, 1: 5/4 in expectation) with budget
    (-1 + 3 - 1)/4 = 1/4 >= 0, so it is the second best: 5/4; the broker earns
    max(0, 3 - 0)/4 = 3/4 (only (3, 0) has psi_b > psi_s)."""
    buyer = {"values": [1, 3], "probs": [0.5, 0.5]}
    seller = {"values": [0, 2], "probs": [0.5, 0.5]}
    assert solve(cfg(2, buyer=buyer, seller=seller)).objective == pytest.approx(1.25, abs=1e-9)
    res = solve(cfg(2, "profit", buyer=buyer, seller=seller))
    assert res.objective == pytest.approx(0.75, abs=1e-9)
    assert res.reference.relation == "equal"


def test_reused_problem_is_stateless():
    c = cfg(9)
    prob = c.make_problem()
    backend = c.solver.backend_object()
    lp1 = prob.build()
    sol1 = backend.solve(lp1)
    prob.build()
    a = prob.interpret(lp1, sol1)
    b = c.make_problem().interpret(lp1, sol1)
    assert a.extras == b.extras and a.certificate == b.certificate
