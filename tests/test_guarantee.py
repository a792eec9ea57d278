"""Revenue guarantees (seed 004) and VCG (seed 001): family ``revenue_guarantee``.

Reference numbers come from outside the LPs: the seeds' closed forms (E[v(2)] = (N-1)/(N+1),
R_1 = 25/64, ...), hand-derived fractions in the docstrings, independent formulas in
``mdlp.theory`` (order-statistic cdfs, ironed virtual values, backward induction) and, for
the theta-public bound, the separately built Myerson LP of ``myerson_auction``.
"""

from __future__ import annotations

import numpy as np
import pytest

from mdlp.compare import fit_order
from mdlp.config import ConfigError, load_config
from mdlp.problems.guarantee import CORRELATED_PMF, clarke_payments, efficient_split
from mdlp.run import solve
from mdlp.theory import guarantee as T

UNIF = {"iid": {"distribution": "uniform", "low": 0, "high": 1}}
# exchangeable mixture over theta of two beta laws (de Finetti form of Assumption 1)
MIX = {
    "mixture": [
        {"weight": 0.4, "values": {"distribution": "beta", "a": 1.5, "b": 1, "low": 0, "high": 1}},
        {"weight": 0.6, "values": {"distribution": "beta", "a": 1, "b": 1.5, "low": 0, "high": 1}},
    ]
}
ASYM_MIX = {
    "mixture": [
        {
            "weight": 0.5,
            "bidders": [
                {"values": [0.25, 0.5, 1.0], "probs": [0.5, 0.3, 0.2]},
                {"values": [0.25, 0.5, 1.0], "probs": [0.2, 0.3, 0.5]},
            ],
        },
        {"weight": 0.5, "values": {"values": [0.25, 0.5, 1.0], "probs": [0.1, 0.4, 0.5]}},
    ]
}


def run(mechanism, prior=UNIF, n=2, points=21, **params):
    cfg = {
        "kind": "revenue_guarantee",
        "params": {"bidders": n, "prior": prior, "mechanism": mechanism} | params,
        "grid": {"points": points},
        "solver": {"threads": 1},
    }
    r = solve(cfg)
    # second price fixes q and m (a dot product): reported as an evaluation, not an optimum
    assert r.status == ("evaluated" if mechanism == "second_price" else "optimal")
    assert max(r.certificate.values()) <= 1e-7, r.certificate
    return r


# --- (1) the prior spec ---------------------------------------------------------------
def test_prior_spec_routes_agree():
    """iid, a mixture of identical components and the equivalent joint table give the same
    E[v(2)]; the cdf route (mixture) and the sorting route (joint) agree."""
    h = [0.2, 0.5, 0.3]
    vals = [0.1, 0.4, 0.9]
    iid = {"iid": {"values": vals, "probs": h}}
    mix = {
        "mixture": [{"weight": 0.5, "values": iid["iid"]}, {"weight": 0.5, "values": iid["iid"]}]
    }
    joint = {"joint": {"values": vals, "probs": np.outer(h, h).tolist()}}
    vs = [run("second_price", p).objective for p in (iid, mix, joint)]
    assert np.allclose(vs, vs[0], atol=1e-12)
    # E[v(2)] by hand: P(v2 >= 0.4) = P(both >= .4) = .8^2, P(v2 = .9) = .09
    assert vs[0] == pytest.approx(0.1 + 0.3 * 0.64 + 0.5 * 0.09, abs=1e-12)
    P = (
        np.einsum("a,b,c->abc", h, h, h) * 0.3
        + np.einsum("a,b,c->abc", *([[0.6, 0.2, 0.2]] * 3)) * 0.7
    )
    comps = [(0.3, [np.array(h)] * 3), (0.7, [np.array([0.6, 0.2, 0.2])] * 3)]
    assert np.allclose(T.order_stats_mixture(vals, comps), T.order_stats_joint(vals, P), atol=1e-13)


@pytest.mark.parametrize(
    "params, field",
    [
        (
            {"prior": {"mixture": [{"weight": 0.3, "values": {"low": 0, "high": 1}}]}},
            "params.prior",
        ),
        ({"prior": {"joint": {"values": [0, 1], "probs": [0.5, 0.5]}}}, "params"),
        ({"prior": CORRELATED_PMF, "mechanism": "theta_public"}, "params"),
        (
            {"prior": {"iid": {"low": 0, "high": 1}, "joint": CORRELATED_PMF["joint"]}},
            "params.prior",
        ),
    ],
)
def test_bad_priors_name_the_field(params, field):
    with pytest.raises(ConfigError) as exc:
        load_config({"kind": "revenue_guarantee", "params": params})
    assert exc.value.field.startswith(field)


# --- second price / VCG (001) --------------------------------------------------------
def test_clarke_pivot_spot_checks():
    """001 Lemma 1 (alpha = 0): VCG = second price.  (0.3, 0.7, 0.5): bidder 2 wins and
    pays W(0, v_-2) - W_-2 = 0.5 - 0; losers pay 0.5 - 0.5 = 0.  Tie (0.7, 0.7, 0.2) split
    evenly: each tied bidder pays 0.7 - 0.35 = 0.35.  One bidder pays W(0) = 0."""
    for v, want in (
        ([0.3, 0.7, 0.5], [0, 0.5, 0]),
        ([0.7, 0.7, 0.2], [0.35, 0.35, 0]),
        ([0.2, 0.2, 0.2], [0.2 / 3] * 3),
    ):
        X = np.array(v, float)[:, None]
        np.testing.assert_allclose(clarke_payments(X, efficient_split(X))[:, 0], want, atol=1e-15)
    X = np.array([[0.8]])
    assert clarke_payments(X, efficient_split(X))[0, 0] == 0.0


def test_second_price_guarantee_converges_to_E_v2():
    """Grid E[v(2)] (LP of the fixed Clarke mechanism, DSIC certified over all pairs) ->
    (N-1)/(N+1) = 1/3 from above, midpoint rule order 2 (gap = h^2/6 for N = 2)."""
    Ks = (11, 21, 41)
    gaps = [run("second_price", points=K).objective - 1 / 3 for K in Ks]
    assert all(g > 0 for g in gaps)
    assert fit_order([1 / K for K in Ks], gaps) > 1.8
    assert gaps[-1] == pytest.approx(1 / (6 * 41**2), rel=1e-6)
    r = run("second_price", n=3, points=11)
    assert r.objective == pytest.approx(r.theory[0].value, abs=1e-12)


def test_revenue_equivalence_efficient_myerson_vs_second_price():
    """001 revenue equivalence: the Myerson LP restricted to efficient allocations (lowest
    type's utility 0) and the second-price auction both tend to 1/3; on a grid the LP
    charges the discrete threshold, so it lies above the Clarke revenue by O(h)."""
    diffs = []
    for K in (21, 41):
        cfg = {
            "kind": "myerson_auction",
            "params": {"bidders": 2, "values": UNIF["iid"], "allocation": "efficient"},
            "grid": {"points": K},
        }
        lpv = solve(cfg).objective
        sp = run("second_price", points=K).objective
        assert lpv >= sp - 1e-12
        diffs.append(lpv - sp)
    assert diffs[1] < 0.6 * diffs[0]


# --- theta public / dominant (Theorem 2's sandwich) ------------------------------------
def test_theta_public_equals_per_theta_myerson_lps():
    """Theorem 2's bound sum_theta mu Myerson(H^theta): one LP over all theta equals the
    weighted optima of separate myerson_auction LPs (a second, independent builder)."""
    r = run("theta_public", ASYM_MIX)
    comps = ASYM_MIX["mixture"]
    sep = 0.0
    for c in comps:
        bidders = c.get("bidders") or [c["values"]] * 2
        cfg = {"kind": "myerson_auction", "params": {"bidders": bidders}}
        sep += c["weight"] * solve(cfg).objective
    assert r.objective == pytest.approx(sep, abs=1e-9)
    assert r.objective == pytest.approx(r.theory[0].value, abs=1e-9)


def test_dominant_sandwich_mixture():
    """E[v(2)] <= DSIC optimum <= theta-public bound <= E[v(1)], strictly for a mixture."""
    dom = run("dominant", MIX)
    th = run("theta_public", MIX)
    e1, e2 = dom.extras["E_v1"], dom.extras["E_v2"]
    assert e2 + 1e-3 < dom.objective < th.objective - 1e-4 < e1
    assert dom.extras["sandwich"]["theta_public (upper)"] == pytest.approx(th.objective, abs=1e-9)


def test_dominant_iid_is_myerson():
    """Independent prior: the DSIC optimum is Myerson's; 2 U[0,1] bidders -> 5/12 from
    above (the midpoint grid relaxes the continuum)."""
    vals = [run("dominant", points=K).objective for K in (11, 21)]
    assert all(v > 5 / 12 for v in vals) and vals[1] - 5 / 12 < 0.6 * (vals[0] - 5 / 12)


# --- Theorem 1 ----------------------------------------------------------------------------
def test_theorem1_discrete_counterpart_by_hand():
    """Values {1, 2} iid 1/2 each.  Ties (1,1), (2,2) reveal everything: revenue 1, 2.
    Unique top (1,2), (2,1): the winner's class is {2}, so he pays m+ = 2.
    Value (1 + 2 + 2 + 2)/4 = 7/4 against E[v(2)] = (1 + 1 + 1 + 2)/4 = 5/4."""
    r = run("efficient", {"iid": {"values": [1, 2], "probs": [0.5, 0.5]}})
    assert r.objective == pytest.approx(7 / 4, abs=1e-12)
    assert r.extras["E_v2"] == pytest.approx(5 / 4, abs=1e-12)


def test_theorem1_converges_to_E_v2_from_above():
    """On U[0,1] grids the excess over E[v(2)] is one grid step for a unique top: the LP
    equals the closed form, lies above E[v(2)] and the gap to 1/3 is O(h)."""
    Ks = (11, 21, 41)
    rs = [run("efficient", points=K) for K in Ks]
    for r in rs:
        assert r.objective == pytest.approx(r.theory[0].value, abs=1e-9)
        assert r.objective >= r.extras["E_v2"] - 1e-12
    gaps = [r.objective - 1 / 3 for r in rs]
    assert all(g > 0 for g in gaps)
    assert 0.8 < fit_order([1 / K for K in Ks], gaps) < 1.3
    r3 = run("efficient", MIX, n=3, points=9)
    assert r3.objective == pytest.approx(r3.theory[0].value, abs=1e-9)


# --- Theorem 3 -------------------------------------------------------------------------
def test_sequential_N2_uniform_25_64():
    """R_1 for 2 iid U[0,1]: the last bidder is worth 1/4 per unit of remaining good
    (posted price 1/2); the first is served iff psi = 2v - 1 >= 1/4, i.e. v >= 5/8:
    1/4 + int_{5/8}^1 (2v - 5/4) dv = 1/4 + 9/64 = 25/64.  LP = grid backward induction,
    converging to 25/64 from above (midpoint grid)."""
    Ks = (21, 41, 81)
    rs = [run("sequential", points=K) for K in Ks]
    for r in rs:
        assert r.objective == pytest.approx(r.theory[0].value, abs=1e-9)
    gaps = [r.objective - 25 / 64 for r in rs]
    assert all(g > 0 for g in gaps)
    assert fit_order([1 / K for K in Ks], gaps) > 0.8


def test_sequential_N3_uniform():
    """N = 3: V_3 = 1/4, V_2 = 25/64, V_1 = V_2 + ((1 - V_2)/2)^2 = 7921/16384."""
    assert T.sequential_uniform(3) == 7921 / 16384
    rs = [run("sequential", n=3, points=K) for K in (11, 21)]
    for r in rs:
        assert r.objective == pytest.approx(r.theory[0].value, abs=1e-9)
    gaps = [r.objective - 7921 / 16384 for r in rs]
    assert 0 < gaps[1] < 0.6 * gaps[0]


def test_sequential_correlated_and_below_guarantee_bounds():
    """Correlated pmf: LP = backward induction; one bidder = best posted price."""
    r = run("sequential", CORRELATED_PMF)
    assert r.objective == pytest.approx(r.theory[0].value, abs=1e-9)
    one = run("sequential", {"iid": {"values": [0.2, 0.6, 1.0], "probs": [0.3, 0.35, 0.35]}}, n=1)
    assert one.objective == pytest.approx(max(0.2, 0.6 * 0.7, 0.35), abs=1e-12)


# --- Cremer-McLean ---------------------------------------------------------------------
def test_full_surplus_extraction_without_information():
    """Correlated 3x3 pmf with full-rank conditional beliefs: with |m| <= 10 the BIC +
    interim IR optimum is E[v(1)] = 0.696 (hand: sum P max); shrinking the bound lowers
    it, monotonically; an independent prior gives Myerson (no side bets)."""
    v = np.array([0.2, 0.6, 1.0])
    P = np.array(CORRELATED_PMF["joint"]["probs"])
    e1 = float((P * np.maximum.outer(v, v)).sum())
    assert e1 == pytest.approx(0.696, abs=1e-12)
    r = run("no_information", CORRELATED_PMF, payment_bound=10)
    assert r.objective == pytest.approx(e1, abs=1e-8)
    vals = [run("no_information", CORRELATED_PMF, payment_bound=B).objective for B in (0.3, 1, 3)]
    assert vals[0] < vals[1] - 1e-6 and vals[1] <= vals[2] + 1e-9 and vals[2] <= e1 + 1e-9
    ind = run("no_information", {"iid": {"values": [0.2, 0.6, 1.0], "probs": [0.3, 0.35, 0.35]}})
    assert ind.objective == pytest.approx(ind.theory[0].value, abs=1e-9)
    assert ind.objective < ind.extras["E_v1"] - 0.05


# --- Theorem 2 ---------------------------------------------------------------------------
def test_theorem2_rate_and_corrected_constants():
    """Density h(x) = 1 + c (x - 1/2), a = 1 - c/2, b = 1 + c/2.  E[v(1) - v(2)] lies within
    the re-derived bounds a/(b^2 (N+1)) .. b/(a^2 (N+1)) and decays at rate 1/N."""
    c = 0.8
    a, b = 1 - c / 2, 1 + c / 2
    Ns = (2, 4, 8, 16)
    gaps = [T.gap_v1_v2_density(lambda x: 1 + c * (x - 0.5), n) for n in Ns]
    for n, g in zip(Ns, gaps, strict=True):
        lo, hi = T.thm2_bounds(a, b, n)
        assert lo <= g <= hi
    slope = np.polyfit(np.log(Ns[1:]), np.log(gaps[1:]), 1)[0]
    assert -1.1 < slope < -0.9
    # uniform: both bounds are exact, 1/(N+1)
    assert T.thm2_bounds(1, 1, 5) == (1 / 6, 1 / 6)
    t = T.uniform_table(5)
    assert t["E_v1"] - t["E_v2"] == pytest.approx(1 / 6)
    assert t["E_v1"] - t["myerson"] == pytest.approx((1 - 2**-5) / 6)
