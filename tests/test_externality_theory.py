"""Closed forms of the externality-auction family (seed 000, chapters 3-4) against exact
fractions derived here, and the grid forms against tiny LPs written in this file
(independently of mdlp/problems/externality.py).

Reference instance R: n = 2, v ~ U[0,1], eta ~ U[0,1/2] (all components), midpoint grids.
"""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import grids
from mdlp.compare import successive_orders
from mdlp.theory import externality as E


def inst(K, eta_high=0.5, n=2, v_high=1.0, eta_low=0.0):
    v = grids.continuous_prior("uniform", K, low=0, high=v_high)
    e = grids.continuous_prior("uniform", K, low=eta_low, high=eta_high)
    return [v] * n, {(i, j): e for i in range(n) for j in range(n) if i != j}


# --- an independent brute-force LP (n = 2) ------------------------------------------
def brute_lp(setting, objective, values, ext, restrict=None):
    """Revenue or welfare optimum over BNIC + interim IR (threat outside option) for two
    bidders, ex-post allocations x_k(profile) in [0,1], interim payments free.  Types:
    (v_i, eta_i) with eta_i = eta_{i<-j} (setting 1) or eta_{j<-i} (setting 2).
    ``restrict``: None, "separable" (setting 1: x_k depends on v_k and eta_{m<-k} only) or
    ("fixed", f) with f(k, v_idx, eta_idx) the 0/1 allocation of a separable rule."""
    comp = [(values[i], ext[(i, 1 - i)] if setting == 1 else ext[(1 - i, i)]) for i in range(2)]
    K = [(len(c[0]), len(c[1])) for c in comp]
    cols, lb, ub = {}, [], []

    def var(key, lo=0.0, hi=1.0):
        if key not in cols:
            cols[key] = len(cols)
            lb.append(lo)
            ub.append(hi)
        return cols[key]

    X = {}
    for a0, b0, a1, b1 in itertools.product(*(range(k) for k in K[0] + K[1])):
        for k in range(2):
            ak, bm = (a0, b1) if k == 0 else (a1, b0)  # setting-1 column of k
            if restrict is None:
                X[k, a0, b0, a1, b1] = var(("x", k, a0, b0, a1, b1))
            elif restrict == "separable":
                X[k, a0, b0, a1, b1] = var(("x", k, ak, bm))
            else:
                val = float(restrict[1](k, ak, bm))
                X[k, a0, b0, a1, b1] = var(("x", k, ak, bm), val, val)
    Q = {
        (i, a, b): var(("q", i, a, b), -np.inf, np.inf)
        for i in range(2)
        for a in range(K[i][0])
        for b in range(K[i][1])
    }
    nv = len(cols)

    def pr(i, a, b):
        return comp[i][0].probs[a] * comp[i][1].probs[b]

    def key(i, a, b, ao, bo):
        return (a, b, ao, bo) if i == 0 else (ao, bo, a, b)

    rows, rhs, obj = [], [], np.zeros(nv)
    for i in range(2):
        j = 1 - i
        vp, ep, op = comp[i][0].points, comp[i][1].points, comp[j][1].points
        others = list(itertools.product(range(K[j][0]), range(K[j][1])))
        types = list(itertools.product(range(K[i][0]), range(K[i][1])))

        def util(true, rep, i=i, j=j, vp=vp, ep=ep, op=op, others=others):
            r = np.zeros(nv)
            for ao, bo in others:
                p, pk = pr(j, ao, bo), key(i, rep[0], rep[1], ao, bo)
                r[X[(i, *pk)]] += p * vp[true[0]]
                r[X[(j, *pk)]] -= p * (ep[true[1]] if setting == 1 else op[bo])
            r[Q[(i, *rep)]] -= 1.0
            return r

        for t in types:
            ut = util(t, t)
            for s in types:
                if s != t:
                    rows.append(util(t, s) - ut)
                    rhs.append(0.0)
            threat = ep[t[1]] if setting == 1 else comp[j][1].mean()
            rows.append(-ut)
            rhs.append(threat)
            if objective == "revenue":
                obj[Q[(i, *t)]] += pr(i, *t)
    if objective == "welfare":
        for a0, b0, a1, b1 in itertools.product(*(range(k) for k in K[0] + K[1])):
            p, a, b = pr(0, a0, b0) * pr(1, a1, b1), (a0, a1), (b0, b1)
            for k in range(2):
                m = 1 - k
                eta = comp[m][1].points[b[m]] if setting == 1 else comp[k][1].points[b[k]]
                obj[X[k, a0, b0, a1, b1]] += p * (comp[k][0].points[a[k]] - eta)
    res = linprog(
        -obj, A_ub=np.array(rows), b_ub=np.array(rhs), bounds=list(zip(lb, ub, strict=True))
    )
    assert res.status == 0, res.message
    return -res.fun


# --- continuum: exact fractions --------------------------------------------------------
def test_continuum_reference_fractions():
    """Instance R.  phi_v = 2v - 1, phi_eta = 2 eta - 1/2, w = v - eta has density 1 on
    [0, 1/2] (and 2(1 - w) on [1/2, 1]).
    * VCG welfare: 2 E[(v - eta)^+] = 2 int_0^{1/2} 2 (1 - e)^2/2 de = 2 (1 - 1/8)/3 = 7/12.
    * Setting 2 revenue: 2 tau - 1 = E[eta] = 1/4 -> tau = 5/8; 2 (5/8 * 3/8 + 1/4 * 5/8)
      = 25/32.
    * Setting 2 welfare (thesis rule, tau = 1/4): 2 * (3/4)^2 / 2 = 9/16.
    * Setting 1, revenue by (*): 4 E[1{w >= c}(w - 1/4)] (eta_low = 0).  Separable optimum
      c = 1/4: 4 int_0^{1/2} (3/4 - e)^2 de = 4 * 13/96 = 13/24.  Thesis rule c = 1/2:
      4 (13/96 - 1/32) = 5/12.  Efficient c = 0: w uniform on [0,1/2] contributes 0, so 5/12.
    """
    vals, ext = inst(3)
    assert E.s1_welfare_vcg(vals, ext, grid=False) == pytest.approx(7 / 12, abs=1e-8)
    rev, tau = E.s2_revenue_optimal(vals, ext, grid=False)
    assert rev == pytest.approx(25 / 32, abs=1e-8) and tau == pytest.approx([5 / 8] * 2, abs=1e-9)
    wel, tau = E.s2_welfare_thesis(vals, ext, grid=False)
    assert wel == pytest.approx(9 / 16, abs=1e-8) and tau == pytest.approx([1 / 4] * 2, abs=1e-9)
    for rule, ref in [("separable", 13 / 24), ("thesis", 5 / 12), ("efficient", 5 / 12)]:
        assert E.s1_revenue_of_rule(rule, vals, ext, grid=False) == pytest.approx(ref, abs=1e-8)


def test_continuum_shifted_supports():
    """v ~ U[0,1], eta ~ U[1/4, 1/2] (eta_low > 0 enters as the IR constant), n = 2.
    phi_eta = 2 eta - 1/2, so the separable rule is again v - eta >= 1/4 and
    Rev = 2 E[(2(v - eta) - 1/2)^+] + 2 * 1/4.  With u = 3/4 - eta uniform on [1/4, 1/2]
    (density 4): E[(v - eta - 1/4)^+] = E[u^2/2] = 2 int_{1/4}^{1/2} u^2 du = 7/96, so
    Rev = 2 * 2 * 7/96 + 1/2 = 7/24 + 1/2 = 19/24.  Welfare: 2 E[(1 - eta)^2/2] with
    1 - eta uniform on [1/2, 3/4]: 4 int_{1/2}^{3/4} s^2 ds = 19/48 = E[(1-eta)^2], so 19/48."""
    vals, ext = inst(3, eta_low=0.25)
    assert E.s1_revenue_of_rule("separable", vals, ext, grid=False) == pytest.approx(
        19 / 24, abs=1e-8
    )
    assert E.s1_welfare_vcg(vals, ext, grid=False) == pytest.approx(19 / 48, abs=1e-8)


def test_continuum_three_bidders_welfare():
    """n = 3, instance R's laws: S = eta_1 + eta_2 has mean 1/2 and variance 2/48, so
    E[(v - S)^+] = E[(1 - S)^2]/2 = (1/24 + 1/4)/2 = 7/48 and the welfare is 3 * 7/48 = 7/16."""
    vals, ext = inst(3, n=3)
    assert E.s1_welfare_vcg(vals, ext, grid=False) == pytest.approx(7 / 16, abs=1e-8)


# --- grids: values by hand ---------------------------------------------------------------
def test_two_point_grid_by_hand():
    """K = 2 midpoint grids of R: v in {1/4, 3/4}, eta in {1/8, 3/8}, all masses 1/2.
    * VCG: E[(v - eta)^+] = (1/8 + 0 + 5/8 + 3/8)/4 = 9/32 per bidder -> 9/16.
    * Discrete virtual values psi(z_k) = z_k - (z_{k+1} - z_k) P(Z > z_k)/p_k:
      psi_v = (-1/4, 3/4), psi_eta = (-1/8, 3/8).  Separable optimum:
      E[(psi_v - psi_eta)^+] = (7/8 + 3/8)/4 = 5/16 per column, plus eta_1 = 1/8 per
      ordered pair: 2 * 5/16 + 2/8 = 7/8.
    * Setting 2: psi_v - E[eta] = (-1/2, 1/2): 1/4 per bidder, plus E[eta] = 1/4: total 1.
    """
    vals, ext = inst(2)
    assert E.s1_welfare_vcg(vals, ext) == pytest.approx(9 / 16, abs=1e-12)
    assert E.s1_revenue_of_rule("separable", vals, ext, grid=True) == pytest.approx(
        7 / 8, abs=1e-12
    )
    rev, tau = E.s2_revenue_optimal(vals, ext)
    assert rev == pytest.approx(1.0, abs=1e-12) and tau == [0.75, 0.75]
    rule = E.s1_separable_rule(vals, ext)
    np.testing.assert_allclose(rule.v_score[0], [-1 / 4, 3 / 4])
    np.testing.assert_allclose(rule.eta_score[(1, 0)], [1 / 8, -3 / 8])
    a, b = np.meshgrid([0, 1], [0, 1], indexing="ij")
    np.testing.assert_array_equal(rule.allocate(0, a, {1: b}), [[0, 0], [1, 1]])
    np.testing.assert_allclose(rule.thresholds[0], [0.75, 0.75])


def test_setting2_grid_lp_exceeds_discrete_virtual_values():
    """Discrepancy D2.  v in {1, 2}, eta in {0, 3} (masses 1/2), n = 2, so S_i = eta with
    E[S] = 3/2.  Discrete vv: psi = (0, 2); p (psi - 3/2) = (-3/4, 1/4): 1/4 per bidder, plus
    the threat constant E[eta] = 3/2: 2 (1/4 + 3/2) = 7/2.  The grid LP may serve (v=2, eta=0)
    and not (v=2, eta=3) (utility constant at v = 2, the v = 1 type does not mimic since
    hi_1 = 0): p(v=2, eta=0) * (2 - 0) = 1/2 per bidder -> 2 (1/2 + 3/2) = 4."""
    v, e = grids.pmf_prior([1, 2], [0.5, 0.5]), grids.pmf_prior([0, 3], [0.5, 0.5])
    vals, ext = [v, v], {(0, 1): e, (1, 0): e}
    assert E.s2_revenue_optimal(vals, ext)[0] == pytest.approx(3.5, abs=1e-12)
    assert E.s2_revenue_grid(vals, ext)[0] == pytest.approx(4.0, abs=1e-12)
    assert brute_lp(2, "revenue", vals, ext) == pytest.approx(4.0, abs=1e-7)


# --- grids: against the independent LP --------------------------------------------------
IRREG_V = grids.pmf_prior([1, 2, 3, 4], [0.1, 0.4, 0.1, 0.4])  # needs ironing (seed 001)
IRREG_E = grids.pmf_prior([0.0, 0.5, 2.0], [0.5, 0.1, 0.4])


@pytest.mark.parametrize("case", ["R2", "R3", "wide3", "irregular"])
def test_grid_closed_forms_equal_brute_force_lp(case):
    if case == "irregular":
        vals, ext = [IRREG_V, IRREG_V], {(0, 1): IRREG_E, (1, 0): IRREG_E}
    else:
        K = int(case[-1])
        vals, ext = inst(K, eta_high=1.0 if case.startswith("wide") else 0.5)
    tol = 1e-7
    assert brute_lp(1, "welfare", vals, ext) == pytest.approx(E.s1_welfare_vcg(vals, ext), abs=tol)
    sep = E.s1_revenue_of_rule("separable", vals, ext, grid=True)
    assert brute_lp(1, "revenue", vals, ext, "separable") == pytest.approx(sep, abs=tol)
    rules = ["efficient"] if case == "irregular" else ["thesis", "efficient"]
    fixed = []
    for name in rules:
        rule = E.RULES[name](vals, ext)
        f = lambda k, a, b, rule=rule: rule.allocate(k, a, {1 - k: b})  # noqa: E731
        fixed.append(brute_lp(1, "revenue", vals, ext, ("fixed", f)))
        assert fixed[-1] == pytest.approx(E.s1_revenue_of_rule(name, vals, ext, grid=True), abs=tol)
    full = brute_lp(1, "revenue", vals, ext)
    assert full >= sep - tol and sep >= max(fixed) - tol
    assert brute_lp(2, "revenue", vals, ext) == pytest.approx(
        E.s2_revenue_grid(vals, ext)[0], abs=tol
    )
    assert E.s2_revenue_grid(vals, ext)[0] >= E.s2_revenue_optimal(vals, ext)[0] - 1e-12
    assert brute_lp(2, "welfare", vals, ext) == pytest.approx(
        E.s2_welfare_grid(vals, ext)[0], abs=tol
    )
    assert E.s2_welfare_grid(vals, ext)[0] >= E.s2_welfare_thesis(vals, ext)[0] - 1e-12


# --- grids: convergence at the derived rates -----------------------------------------------
KS = [10, 20, 40, 80]


def _gaps(fn, ref):
    return np.array([fn(*inst(K)) - ref for K in KS])


@pytest.mark.parametrize(
    "name,fn,ref,c",
    [
        ("s2 revenue", lambda v, e: E.s2_revenue_optimal(v, e)[0], 25 / 32, 3 / 8),
        (
            "separable",
            lambda v, e: E.s1_revenue_of_rule("separable", v, e, grid=True),
            13 / 24,
            3 / 4,
        ),
        ("thesis", lambda v, e: E.s1_revenue_of_rule("thesis", v, e, grid=True), 5 / 12, 5 / 8),
        (
            "efficient",
            lambda v, e: E.s1_revenue_of_rule("efficient", v, e, grid=True),
            5 / 12,
            7 / 8,
        ),
    ],
)
def test_revenue_converges_at_first_order(name, fn, ref, c):
    """Midpoint grids, K cells per axis (h = 1/K on v, h/2 on eta).  Uniform laws: psi_v =
    phi_v + h/2, psi_eta = phi_eta + h/4, eta_1 = h/4; the rule regions move by O(h^2) in
    mass terms, so to first order the gap is the virtual-value shift times P(served) plus
    the IR constant:
    * Setting 2: n (h/2) P(v >= 5/8) = 2 (h/2)(3/8) = 3h/8 (E[eta] is exact on the grid).
    * Setting 1, rule region {w >= c}: per column (h/2 - h/4) P(w >= c), plus 2 * h/4:
      P(w >= 1/4) = 1/2 -> 3h/4;  thesis P(w >= 1/2) = 1/4 -> 5h/8;  efficient 3/4 -> 7h/8.
    The grid is above the continuum (positive gaps), order 1, and K * gap -> c."""
    g = _gaps(fn, ref)
    assert np.all(g > 0)
    assert all(0.95 <= o <= 1.05 for o in successive_orders([1 / K for K in KS], g))
    assert KS[-1] * g[-1] == pytest.approx(c, rel=0.01)


def test_vcg_welfare_converges_at_second_order():
    """The VCG welfare is a midpoint-rule sum of a piecewise-linear function with a kink
    (v = eta): the grid is below 7/12 and the error is O(h^2) (measured: exactly
    -1/(12 K^2) on R, e.g. K = 2 gives 9/16 = 7/12 - 1/48)."""
    g = _gaps(E.s1_welfare_vcg, 7 / 12)
    assert np.all(g < 0)
    assert all(1.95 <= o <= 2.05 for o in successive_orders([1 / K for K in KS], g))


def test_setting2_welfare_grid_lp_converges():
    """The grid LP's welfare (chain form) is above the thesis rule and tends to 9/16."""
    g = _gaps(lambda v, e: E.s2_welfare_grid(v, e)[0], 9 / 16)
    assert np.all(g > 0) and np.all(np.diff(g) < 0) and g[-1] < 2e-3


# --- chapter 4 ------------------------------------------------------------------------------
def test_theorem_431_bound_arguments():
    """gamma is the smallest constant with E[eta] <= gamma * eta_low (E[T] >= gamma T_crit
    with T = -eta).  eta ~ U[1/4, 1/2]: E = 3/8, low = 1/4 -> gamma = 3/2; U[0, 1/2] has
    eta_low = 0 -> gamma = inf (the theorem does not apply); on a K = 10 midpoint grid of
    U[0, 1/2], eta_1 = 1/40 and the mean is 1/4 -> gamma = 10.  Bound for n = 2, item
    revenues 0.5 and 0.25, gamma = 3/2: (0.75, (1 + 2 + 3/2) * 0.75 = 3.375)."""
    _, ext = inst(3, eta_low=0.25)
    assert E.theorem_431_gamma([ext, ext], grid=False) == pytest.approx(1.5, abs=1e-9)
    _, ext0 = inst(10)
    assert E.theorem_431_gamma([ext0], grid=False) == float("inf")
    assert E.theorem_431_gamma([ext0], grid=True) == pytest.approx(10.0)
    lo, hi = E.multi_item_revenue_bound([0.5, 0.25], n=2, gamma=1.5)
    assert (lo, hi) == pytest.approx((0.75, 3.375))
    with pytest.raises(ValueError):
        E.multi_item_revenue_bound([1, 1], n=2, gamma=0.5)
    vals, ext = inst(4)
    assert E.multi_item_welfare([vals, vals], [ext, ext]) == pytest.approx(
        2 * E.s1_welfare_vcg(vals, ext)
    )


def test_irregular_thesis_rule_is_rejected():
    """The thesis rule uses the continuous laws; a pmf has none."""
    vals, ext = [IRREG_V, IRREG_V], {(0, 1): IRREG_E, (1, 0): IRREG_E}
    with pytest.raises(NotImplementedError):
        E.s1_thesis_rule(vals, ext)
