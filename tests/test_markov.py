"""Markov-ambiguity auctions (Koçyiğit 2020, chapter 1, section 1.5).

Every expected number comes from the seed's closed forms (mdlp.theory.markov, cross-checked
here against the defining equations) or from an argument written in the test's docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdlp.compare import fit_order
from mdlp.config import ConfigError, load_config
from mdlp.run import solve
from mdlp.theory import markov as T


def cfg(K=21, placement="endpoints", **params):
    return {
        "kind": "markov_auction",
        "params": params,
        "grid": {"points": K, "placement": placement},
        "solver": {"backend": "highs", "threads": 1},
    }


def run(K=21, **params):
    res = solve(cfg(K, **params))
    assert res.ok, res.message
    assert res.certified, res.certificate
    return res


# --- theory -------------------------------------------------------------------------------
@pytest.mark.parametrize("I", [2, 3, 4, 6])
@pytest.mark.parametrize("mu", [0.05, 0.3, 0.5, 0.9, 0.99])
def test_lottery_sigma_solves_equation_1_30(I, mu):
    """Lemma 1.7.8: sigma* is the unique root of ((1 + s)/(I s)) e^(I - 1 - 1/s) = mu in
    (0, 1/(I - 1)); r = e^(I - 1 - 1/sigma*)."""
    s = T.lottery_sigma(I, mu)
    assert 0 < s < 1 / (I - 1)
    assert (1 + s) / (I * s) * math.exp(I - 1 - 1 / s) == pytest.approx(mu, rel=1e-12)
    assert T.lottery_value(I, mu) == pytest.approx(math.exp(I - 1 - 1 / s), rel=1e-12)
    assert T.lottery_value(I, mu) <= mu  # Prop. 1.5.3


def _bisect(f, lo, hi, n=200):
    """The test's own root finder (no scipy): f(lo) and f(hi) of opposite signs."""
    flo = f(lo)
    for _ in range(n):
        mid = (lo + hi) / 2
        if (f(mid) > 0) == (flo > 0):
            lo, flo = mid, f(mid)
        else:
            hi = mid
    return (lo + hi) / 2


def test_lottery_value_i2_half():
    """Theorem 1.5.3 / Lemma 1.7.8 for I = 2, mu = 0.5, solved here by bisection on the
    defining equation ((1 + s)/(2 s)) e^(1 - 1/s) = 1/2 for s in (0, 1) (the left side
    increases from 0 to 1 there), then r = e^(1 - 1/s): r = 0.3178444..."""
    s = _bisect(lambda t: (1 + t) / (2 * t) * math.exp(1 - 1 / t) - 0.5, 1e-3, 1 - 1e-12)
    r = math.exp(1 - 1 / s)
    assert 0.3178 < r < 0.3179
    assert T.lottery_value(2, 0.5) == pytest.approx(r, abs=1e-12)


def test_lottery_log_domain_for_large_I():
    """For I = 800 the Lambert-W argument mu I e^-I is below the smallest double, so r comes
    from the log-domain equation ln y - y = ln(mu I) - I with y = mu I / r: checked here in
    logs, and Prop. 1.5.10's limit r -> mu (I sigma* -> 1) holds."""
    I, mu = 800, 0.5
    r = T.lottery_value(I, mu)
    y = mu * I / r
    assert math.log(y) - y == pytest.approx(math.log(mu * I) - I, rel=1e-13)
    assert 0.499 < r < 0.5
    assert I * T.lottery_sigma(I, mu) == pytest.approx(1.0, abs=2e-3)


def test_second_price_regions_continuous():
    """Props 1.5.5-1.5.7 agree at the region boundaries r = (I mu - 1)/(I - 1) and r = 1/I
    (Thm 1.5.2's proof), and the best reserve beats a fine scan of reserves."""
    for I, mu in [(2, 0.5), (2, 0.7), (3, 0.4), (3, 0.6), (4, 0.2)]:
        for b in [(I * mu - 1) / (I - 1), 1 / I]:
            if 0 <= b <= mu:
                assert T.sp_worst_case(I, mu, b - 1e-9) == pytest.approx(
                    T.sp_worst_case(I, mu, b + 1e-9), abs=1e-6
                )
        _, z = T.sp_best(I, mu)
        scan = max(T.sp_worst_case(I, mu, r) for r in np.linspace(0, 1, 20001))
        assert z == pytest.approx(scan, abs=1e-6) and z >= scan - 1e-12


# --- exact grid facts ---------------------------------------------------------------------
@pytest.mark.parametrize("I,mu,K", [(2, 0.5, 21), (2, 0.2, 33), (3, 0.3, 13)])
def test_closed_form_lottery_on_grid_is_exact(I, mu, K):
    """(1.12)-(1.13) sampled on the grid: (sigma* e, -sigma* r) stays feasible in (1.8) and
    the adversary reaches r on the tight points (winner >= r, all losers equal), so the
    adversary LP returns r exactly."""
    res = run(K, bidders=I, mean=mu, mechanism="lottery")
    assert res.objective == pytest.approx(T.lottery_value(I, mu), abs=1e-7)
    assert res.within_tolerance


@pytest.mark.parametrize("I,mu,r,K", [(2, 0.7, 0.0, 11), (2, 0.7, 0.3, 11), (3, 0.8, 0.2, 11)])
def test_second_price_R1_exact_and_Q1_optimal(I, mu, r, K):
    """Prop. 1.5.5: reserve in R1 -> (I mu - 1)/(I - 1) exactly on a grid holding r and 1.
    Q(1) (atoms on the grid) is an optimal solution of the grid adversary LP, and every
    atom the LP returns lies where Lemma 1.7.3's dual (sigma = 1/(I-1), lambda = 1 -
    I/(I-1)) is tight."""
    assert T.sp_region(I, mu, r) == 1
    res = run(K, bidders=I, mean=mu, mechanism="second_price", reserve=r)
    z = (I * mu - 1) / (I - 1)
    assert res.objective == pytest.approx(z, abs=1e-9)
    mech = res.mechanism
    V = mech[[f"v{i + 1}" for i in range(I)]].to_numpy()
    rev = mech["revenue"].to_numpy()
    q1 = T.q1_distribution(I, mu, r)
    value = 0.0
    for atom, prob in q1:
        hit = np.flatnonzero(np.all(np.isclose(V, atom), axis=1))
        assert hit.size == 1
        value += prob * rev[hit[0]]
    assert value == pytest.approx(z, abs=1e-12)
    lam, sig = 1 - I / (I - 1), 1 / (I - 1)
    wc = res.worst_case
    Vw = wc[[f"v{i + 1}" for i in range(I)]].to_numpy()
    assert np.allclose(wc["revenue"].to_numpy(), lam + sig * Vw.sum(axis=1), atol=1e-9)


def test_Q1_atoms_when_unique():
    """I = 2, reserve at the edge r = 2 mu - 1 of R1 (mu = 0.7, r = 0.4): Q(1) puts mass
    0 on e and 1/2 on (1, r), (r, 1).  It is the unique worst case: tight points are (1, t)
    with t >= r (Lemma 1.7.3), revenue there is t, and E v1 + E v2 = 1 + E[t] >= 2 mu
    forces E[t] = 2 mu - 1 = r, so t = r a.s., and the two moment rows force 1/2 each."""
    res = run(11, bidders=2, mean=0.7, mechanism="second_price", reserve=0.4)
    wc = res.worst_case.sort_values("v1").reset_index(drop=True)
    expected = {(a, p) for a, p in T.q1_distribution(2, 0.7, 0.4) if p > 1e-12}
    got = {((round(a, 9), round(b, 9)), round(p, 9)) for a, b, p in wc[["v1", "v2", "prob"]].values}
    assert got == {(tuple(round(c, 9) for c in a), round(p, 9)) for a, p in expected}


@pytest.mark.parametrize("I,K", [(2, 15), (3, 7)])
def test_grid_full_surplus_is_mu(I, K):
    """Prop. 1.5.3 on the grid: min_p E_p[max_i v_i] over grid distributions with E v_i >=
    mu equals mu (lower bound E max >= E v_1 >= mu; mixing two diagonal points around mu
    attains it), so it bounds every grid LP value."""
    from mdlp.config import load_config as lc

    c = lc(cfg(K, bidders=I, mean=0.37, mechanism="vickrey"))
    prob = c.make_problem()
    x, n, shape, X = prob._setup()
    from solvers import get_backend

    sol = get_backend("highs", threads=1).solve(prob.adversary_lp(X.max(axis=0)))
    assert sol.objective == pytest.approx(0.37, abs=1e-9)


# --- the highest-bidder lottery LP converges to Theorem 1.5.3 -------------------------------
def test_lottery_lp_converges_to_r():
    """I = 2, mu = 0.5: the grid relaxes IC and the adversary, so LP(K) >= r; the gap is
    O(h) (fitted order ~1), and Richardson 2 LP(81) - LP(41) recovers r within 1e-3."""
    Ks = (21, 41, 81)
    vals = [run(K, mean=0.5, mechanism="highest_bidder_lottery").objective for K in Ks]
    r = T.lottery_value(2, 0.5)
    gaps = np.array(vals) - r
    assert np.all(gaps > 0)
    assert np.all(np.diff(gaps) < 0)
    order = fit_order([1 / (K - 1) for K in Ks], gaps)
    assert 0.85 < order < 1.2
    assert abs(2 * vals[-1] - vals[-2] - r) < 1e-3


# --- the best second-price auction (evaluate mode, optimized reserve) ------------------------
@pytest.mark.parametrize("I,mu", [(2, 0.5), (3, 0.3), (2, 0.9)])
def test_best_second_price_matches_theorem_1_5_2(I, mu):
    """Regimes M1 u M2 (r* = 1 - sqrt(1 - mu)) and M3 (r* in R1): the best grid reserve is
    at least z* (the grid restricts the adversary) and within O(h), shrinking with h; in M3
    the grid value is exact (reserve 0 in R1, Q(1) on the grid)."""
    _, z = T.sp_best(I, mu)
    Ks = (21, 41) if I == 2 else (11, 21)
    vals = [
        run(K, bidders=I, mean=mu, mechanism="second_price", reserve="optimize").objective
        for K in Ks
    ]
    gaps = np.array(vals) - z
    assert np.all(gaps >= -1e-9)
    if mu > (2 * I - 1) / I**2:
        assert np.all(np.abs(gaps) < 1e-9)
    else:
        assert gaps[1] < gaps[0] and gaps[1] <= 1.0 / (Ks[1] - 1)


# --- the optimal mechanism ------------------------------------------------------------------
@pytest.mark.parametrize("I,mu,K", [(2, 0.3, 31), (2, 0.7, 31), (3, 0.5, 11)])
def test_optimal_between_lottery_and_bound(I, mu, K):
    """Thm 1.5.4 / Lemma 1.7.15: r <= optimum <= min(mu, r(2 - r)); the grid value is at
    least r (it relaxes the continuum and contains the lottery class), at most mu exactly
    (grid full surplus), and at most the bound + O(h).  The worst case has E v_i >= mu,
    total mass 1, and complementary slackness (certificate)."""
    res = run(K, bidders=I, mean=mu, mechanism="optimal", symmetric=True)
    r = T.lottery_value(I, mu)
    h = 1 / (K - 1)
    assert r - 1e-9 <= res.objective <= mu + 1e-9
    assert res.objective <= T.approximation_upper_bound(I, mu) + 2 * h
    hbl = run(K, bidders=I, mean=mu, mechanism="highest_bidder_lottery", symmetric=True)
    assert res.objective >= hbl.objective - 1e-9  # a larger class
    assert res.within_tolerance
    assert res.certificate["complementary_slackness"] < 1e-7


TABLE_MUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
COARSE_K = {2: 21, 3: 11, 4: 7}  # h = 1/20, 1/10, 1/6


@pytest.mark.parametrize("I", [2, 3, 4])
def test_optimal_in_theorem_1_5_4_interval_every_table_case(I):
    """Every (I, mu) row of the README table: r <= LP(K) <= min(mu, r(2 - r)) + h sum sigma.

    Lower end: the closed-form lottery (1.12)-(1.13) restricted to the grid is grid IC/IR
    and earns exactly r against the grid adversary (test above), so LP(K) >= r.
    Upper end, the O(h) slack derived from the grid relaxation (endpoints grid, x_0 = 0,
    step h): take the grid optimum (q, m, lambda, sigma) and round every value down to the
    grid, Q(v) = q(floor v).  Q_i is a non-decreasing step function of v_i (adjacent IC),
    so the envelope payments M_i(v) = v Q_i(v) - int_0^{v_i} Q_i make it IC/IR on [0,1]^I,
    and M_i(v) = x_k q_k - sum_{j<k} h q_j >= m_i(floor v) (IR at x_0 = 0 and 'type k+1
    does not report k' bound every payment step by x_{k+1} dq).  Hence
    Rev(v) >= lambda + sigma.floor(v) >= (lambda - h sum_i sigma_i) + sigma.v, so by weak
    duality the continuum mechanism guarantees LP(K) - h sum sigma_i <= OPT <= min(mu,
    r(2 - r)) (Thm 1.5.4).  A priori, sum sigma <= (1 - LP(K)) / (1 - mu): at v = e the
    robust row gives lambda + sum sigma <= Rev(e) <= 1 and lambda + mu sum sigma = LP(K).
    Also LP(K) <= mu exactly (grid full surplus)."""
    K = COARSE_K[I]
    h = 1.0 / (K - 1)
    for mu in TABLE_MUS:
        res = run(K, bidders=I, mean=mu, mechanism="optimal", symmetric=True)
        v = res.objective
        r = T.lottery_value(I, mu)
        bound = T.approximation_upper_bound(I, mu)
        ssum = float(np.sum(res.extras["sigma"]))
        assert res.extras["grid_step"] == pytest.approx(h)
        assert r - 1e-9 <= v <= mu + 1e-9, (I, mu, v, r)
        assert ssum <= (1 - v) / (1 - mu) + 1e-7, (I, mu, ssum)
        assert v - h * ssum <= bound + 1e-7, (I, mu, v, h * ssum, bound)
        assert v <= bound + h * (1 - r) / (1 - mu) + 1e-7


def test_optimal_rigorous_bracket_shrinks():
    """I = 2, mu = 0.5: the bracket [LP(K) - h sum sigma, LP(K)] of the test above holds
    the continuum optimum on every grid; LP(K) falls with h (one-sided bias) and the
    bracket's width h sum sigma shrinks like h; at K = 81 its lower end already exceeds
    the lottery's r, a proof that the optimum is not a highest-bidder lottery here."""
    vals, lows = [], []
    for K in (41, 81):
        c = cfg(K, bidders=2, mean=0.5, mechanism="optimal", symmetric=True)
        c["solver"]["method"] = "ipm"  # dual simplex needs ~70 s at K = 81, IPM ~2 s
        res = solve(c)
        assert res.ok and res.certified, res.certificate
        h = 1.0 / (K - 1)
        vals.append(res.objective)
        lows.append(res.objective - h * float(np.sum(res.extras["sigma"])))
    assert vals[1] < vals[0]
    widths = np.array(vals) - np.array(lows)
    assert 1.6 < widths[0] / widths[1] < 2.4
    assert T.lottery_value(2, 0.5) < lows[1]  # the optimum beats the lottery, rigorously


def test_envelope_payments_same_optimum():
    """``payments: envelope`` (q monotone, maximal payments) and ``adjacent_ic`` (both
    adjacent IC rows, IR inequality) have the same optimum: payments only help the robust
    rows, so raising them to the top of the IC interval loses nothing."""
    for I, K, mech in [(2, 15, "optimal"), (3, 7, "optimal"), (2, 15, "highest_bidder_lottery")]:
        a = run(K, bidders=I, mean=0.45, mechanism=mech, symmetric=True)
        b = run(K, bidders=I, mean=0.45, mechanism=mech, symmetric=True, payments="adjacent_ic")
        assert a.objective == pytest.approx(b.objective, abs=1e-8)


def test_symmetric_reduction_same_optimum_fewer_columns():
    """The Markov set is permutation symmetric, so averaging an optimal mechanism over
    permutations keeps it optimal: the symmetric LP has the same optimum."""
    for I, K, mech in [(2, 21, "optimal"), (3, 9, "optimal"), (2, 21, "highest_bidder_lottery")]:
        full = run(K, bidders=I, mean=0.4, mechanism=mech)
        sym = run(K, bidders=I, mean=0.4, mechanism=mech, symmetric=True)
        assert sym.objective == pytest.approx(full.objective, abs=1e-8)
        assert sym.lp["cols"] < 0.75 * full.lp["cols"]
        assert sym.lp["rows"] < 0.75 * full.lp["rows"]


def test_second_solver_agrees():
    """An independent solver (Clarabel, interior point, no HiGHS code) finds the same optimum."""
    a = run(9, mean=0.5, mechanism="optimal")
    c = load_config(cfg(9, mean=0.5, mechanism="optimal") | {"solver": {"backend": "clarabel"}})
    b = solve(c)
    assert b.ok
    assert b.objective == pytest.approx(a.objective, abs=1e-6)


# --- support-only ambiguity (section 1.3) ----------------------------------------------------
@pytest.mark.parametrize("mech", ["optimal", "vickrey", "highest_bidder_lottery"])
def test_support_only_value_is_lowest_point(mech):
    """Support-only: the adversary picks the lowest profile x0 e, where IR caps the revenue
    at x0 and Vickrey earns x0.  Midpoint grid with K = 10: x0 = 0.05."""
    res = run(10, placement="midpoint", mechanism=mech, ambiguity="support")
    assert res.objective == pytest.approx(0.05, abs=1e-9)
    assert res.within_tolerance


# --- evaluate mode on a table ----------------------------------------------------------------
def test_table_round_trip(tmp_path):
    """By LP duality the adversary's value of the LP's own optimal mechanism equals the LP
    optimum; the table's worst-case distribution is a feasible one."""
    a = run(11, mean=0.6, mechanism="optimal")
    path = tmp_path / "mech.csv"
    a.mechanism.to_csv(path, index=False)
    b = run(11, mean=0.6, mechanism="table", table=str(path))
    assert b.objective == pytest.approx(a.objective, abs=1e-7)


def test_scaled_upper():
    """Revenues are homogeneous in the value scale: upper = 2, mean = 1 doubles r."""
    res = run(11, mean=1.0, upper=2.0, mechanism="lottery")
    assert res.objective == pytest.approx(2 * T.lottery_value(2, 0.5), abs=1e-7)


def test_bad_config():
    with pytest.raises(ConfigError, match="mean"):
        load_config(cfg(mean=1.5))
    with pytest.raises(ConfigError, match="reserve"):
        load_config(cfg(mechanism="optimal", reserve=0.2))
    with pytest.raises(ConfigError, match="symmetric"):
        load_config(cfg(mechanism="vickrey", symmetric=True))


# --- one buyer: robust pricing with a known mean ---------------------------------------------
@pytest.mark.parametrize("mu", [0.2, 0.5, 0.8])
def test_one_buyer_closed_form(mu):
    """Carrasco, Luz, Kos, Messner, Monteiro and Moreira (2018), JET 177, known mean: the
    maxmin revenue r solves r (1 - ln r) = mu.  Re-derived here from its certificate: the
    seller's lottery over prices with density sigma/p on [r, 1] (sigma = 1/ln(1/r))
    guarantees sigma (mu - r) against every law with mean >= mu, and nature's equal-revenue
    law P(v >= p) = r/p on [r, 1] has mean r (1 + ln(1/r)) = mu and yields at most r to any
    posted price; the two meet exactly when r (1 - ln r) = mu.  Bisection here, and the
    same r is Theorem 1.5.3's at I = 1."""
    r = _bisect(lambda t: t * (1 - math.log(t)) - mu, 1e-12, mu)
    sigma = 1 / math.log(1 / r)
    assert sigma * (mu - r) == pytest.approx(r, abs=1e-12)  # guarantee = nature's cap
    assert r + r * math.log(1 / r) == pytest.approx(mu, abs=1e-12)  # nature's mean
    assert T.one_buyer_value(mu) == pytest.approx(r, abs=1e-12)
    assert T.lottery_value(1, mu) == pytest.approx(r, abs=1e-10)


def test_one_buyer_lp_converges_and_brackets_the_closed_form():
    """bidders: 1, mu = 0.5 (the thesis's LP (1.11) with I = 1): the grid relaxes IC and
    nature, so LP(K) >= r; rounding values down to the grid and charging envelope
    payments turns the grid optimum into a continuum mechanism guaranteeing
    LP(K) - h sigma, so r >= LP(K) - h sigma (module docstring of mdlp.problems.markov);
    the gap shrinks at first order."""
    mu = 0.5
    r = _bisect(lambda t: t * (1 - math.log(t)) - mu, 1e-12, mu)
    Ks = (21, 41, 81)
    res = [run(K, bidders=1, mean=mu) for K in Ks]
    vals = np.array([x.objective for x in res])
    assert res[0].status == "optimal" and res[0].scope[0] == "optimum"
    for K, x in zip(Ks, res, strict=True):
        h = 1 / (K - 1)
        assert x.objective - h * x.extras["sigma"][0] - 1e-9 <= r <= x.objective + 1e-9
        assert x.within_tolerance
    order = fit_order([1 / (K - 1) for K in Ks], vals - r)
    assert 0.85 < order < 1.2


def test_one_buyer_posted_price_by_hand():
    """bidders: 1, second price with reserve 0.3 = a posted price of 0.3, mu = 0.5, grid
    k/20.  Nature minimizes P(v >= 0.3) subject to E[v] >= 0.5: the best it can do is the
    grid point 0.25 just below the price and the top value 1, with P(v = 1) = p where
    0.25 (1 - p) + p = 0.5, i.e. p = 1/3: worst-case revenue 0.3 / 3 = 1/10 exactly.  In
    the continuum nature goes just below 0.3: p = 0.2 / 0.7, revenue 0.06 / 0.7 (the grid
    value is above it, as a fixed mechanism's worst case over a smaller set of laws)."""
    res = run(21, bidders=1, mean=0.5, mechanism="second_price", reserve=0.3)
    assert res.status == "evaluated"
    assert res.objective == pytest.approx(0.1, abs=1e-9)
    assert res.within_tolerance
    cont = next(t for t in res.theory if t.limit)
    assert cont.value == pytest.approx(0.06 / 0.7, abs=1e-12)
