"""The information-selling LP (seed 002) against the thesis's closed forms.

sigma itself, its split across states and the LP's duals are not unique, so the tests
compare objective values, interim quantities (P[A_i = theta | V_i], the interim share) and
binding sets.  References come from outside the LP: the closed forms of Propositions 5 and
7 for U[0,1] (re-derived in mdlp/theory/information.py and checked against quadrature in
test_information_theory.py), the discrete Proposition 4 knapsack, hand-derived relations
(chapter 5's remark) and a second solver.
"""

from functools import cache

import numpy as np
import pytest

import grids
from mdlp.compare import fit_order, richardson
from mdlp.config import ConfigError, load_config
from mdlp.run import solve
from mdlp.theory import information as T

KIND = "information_selling"


def cfg(objective="welfare", prior=0.7, alpha=0.5, points=21, **params):
    return {
        "kind": KIND,
        "params": {"prior": prior, "alpha": alpha, "objective": objective, **params},
        "grid": {"points": points},
        "solver": {"threads": 1},
    }


@cache
def run(objective, prior, alpha, points):
    res = solve(cfg(objective, prior, alpha, points))
    assert res.status == "optimal"
    return res


def _uniform_rule(prior, alpha, objective):
    law = grids.continuous_prior("uniform", 3, low=0, high=1).continuous
    return T._Rule(law, prior, alpha, objective)


# --- grid-exact optimum and certificate -----------------------------------------------
@pytest.mark.parametrize("objective", ["welfare", "revenue"])
@pytest.mark.parametrize("prior,alpha", [(0.5, 0.0), (0.5, 0.5), (0.7, 0.5), (0.7, 1.0)])
def test_lp_equals_discrete_proposition_4(objective, prior, alpha):
    res = run(objective, prior, alpha, 21)
    ref = res.theory[0]
    assert ref.relation == "equal" and "discrete Prop. 4" in ref.label
    assert abs(res.gap) <= 1e-8
    assert res.exit_code == 0
    for name, v in res.certificate.items():
        assert v <= 1e-8, name
    # the grid first best (no obedience) bounds the LP from above
    fb = res.theory[1]
    assert res.objective <= fb.value + 1e-9


def test_revenue_can_exceed_welfare_when_K_is_negative():
    """alpha = 1 > mu = 0.7: K = -0.3 < 0, so buyers pay to avoid the outside option.
    Continuum: R = 0.438 > W = 0.219 (closed forms)."""
    W, R = run("welfare", 0.7, 1.0, 21), run("revenue", 0.7, 1.0, 21)
    assert R.extras["K"] == pytest.approx([-0.3, -0.3])
    assert R.objective > W.objective
    assert T.revenue_uniform(0.7, 1.0) > T.welfare_uniform(0.7, 1.0)


def test_second_solver_agrees():
    """Clarabel (interior point, independent of HiGHS) finds the same optimum."""
    from solvers import get_backend

    res = solve(cfg("revenue", 0.7, 0.5, 11))
    other = solve(load_config(cfg("revenue", 0.7, 0.5, 11)), backend=get_backend("clarabel"))
    assert other.solver["backend"] == "clarabel"
    assert other.objective == pytest.approx(res.objective, abs=1e-6)


def test_strong_duality():
    cfgd = load_config(cfg("revenue", 0.7, 0.5, 11))
    prob = cfgd.make_problem()
    lp = prob.build()
    from solvers import get_backend

    sol = get_backend("highs", threads=1).solve(lp)
    assert lp.dual_objective(sol.y_flat, sol.d_flat) == pytest.approx(sol.objective, abs=1e-8)


# --- convergence to the continuum closed forms ------------------------------------------
def test_welfare_gap_shrinks_like_h_squared_from_below():
    """Proposition 5, U[0,1], P[theta=1] = 0.7, alpha = 1/2: W = 0.55475.  The midpoint grid
    lies below the continuum value and the gap falls at order ~2."""
    W = T.welfare_uniform(0.7, 0.5)
    Ks = (21, 41, 81)
    objs = [run("welfare", 0.7, 0.5, K).objective for K in Ks]
    gaps = [o - W for o in objs]
    assert all(g < 0 for g in gaps)
    assert abs(gaps[0]) > abs(gaps[1]) > abs(gaps[2])
    order = fit_order([1 / K for K in Ks], gaps)
    assert 1.7 <= order <= 2.3
    est, _ = richardson(objs, [1 / K for K in Ks], 2)
    assert abs(est - W) < 0.1 * abs(gaps[-1])


def test_revenue_biased_upward_like_h():
    """Proposition 7 + Lemma 3, U[0,1], P[theta=1] = 0.7, alpha = 1/2: R = 0.2745.  The grid
    revenue lies above (the discrete virtual value exceeds phi by h/2 on a midpoint grid)
    and the bias falls at order ~1; Richardson with order 1 removes most of it."""
    R = T.revenue_uniform(0.7, 0.5)
    Ks = (21, 41, 81)
    objs = [run("revenue", 0.7, 0.5, K).objective for K in Ks]
    gaps = [o - R for o in objs]
    assert all(g > 0 for g in gaps)
    order = fit_order([1 / K for K in Ks], gaps)
    assert 0.85 <= order <= 1.2
    est, _ = richardson(objs, [1 / K for K in Ks], 1)
    assert abs(est - R) < 0.1 * gaps[-1]


# --- interim quantities (Propositions 3, 5-8) -------------------------------------------
def _interim(res, i=0):
    it = res.extras["interim"][i]
    return np.array(it["v"]), np.array(it["correct"]), np.array(it["share"])


@pytest.mark.parametrize("objective", ["welfare", "revenue"])
@pytest.mark.parametrize("K", [41, 81])
def test_interim_quantities_match_thesis_away_from_thresholds(objective, K):
    """P[A_i = theta | V_i] = max(F(v*), F(v_j*(V_i))) (section 4.2 / Prop. 7) and the
    interim share of Propositions 6 / 8, on grid points at least 1.5 steps away from the
    share's jump at v* (elsewhere the formulas are Lipschitz, so the grid is within O(h))."""
    res = run(objective, 0.7, 0.5, K)
    rule = _uniform_rule(0.7, 0.5, objective)
    h = 1.0 / K
    for i in range(2):
        v, corr, share = _interim(res, i)
        away = np.abs(v - rule.vstar) > 1.5 * h
        f_corr = np.array([rule.correct(x) for x in v])
        f_share = np.array([rule.share(x) for x in v])
        assert np.abs(corr - f_corr)[away].max() <= 1.01 * h
        assert np.abs(share - f_share)[away].max() <= 1.01 * h
        # Proposition 3 on the LP's solution: P[A_i = theta | V_i] >= mu everywhere
        assert corr.min() >= 0.7 - 1e-9
        # Propositions 6 / 8: the share is non-decreasing
        assert np.all(np.diff(share) >= -1e-9)


def test_obedience_binds_where_the_thesis_says():
    """Second best (section 4.2): P[A_i = theta | V_i] = max(F(v*), F(V_i / alpha)), so
    obedience binds exactly for V_i <= alpha v* (= 0.35 here).  Revenue (U[0,1], v0 = 1/2 <
    v* = 0.7): binds for V_i < v~ = phi^{-1}(alpha phi(v*)) = (1 + 0.5 * 0.4) / 2 = 0.6."""
    for objective, cut in (("welfare", 0.35), ("revenue", 0.6)):
        res = run(objective, 0.7, 0.5, 81)
        h = 1 / 81
        v, corr, _ = _interim(res)
        binds = np.abs(corr - 0.7) <= 1e-9
        assert np.all(binds[v < cut - h])
        assert not np.any(binds[v > cut + h])
        slack = np.array(res.extras["interim"][0]["obedience_slack"])
        assert np.all(slack[v < cut - h] <= 1e-9)


# --- other games -------------------------------------------------------------------------
def test_explicit_table_reproduces_example_3():
    a = 0.5
    table = T.example3_payoffs(a).tolist()
    for objective in ("welfare", "revenue"):
        ref = run(objective, 0.7, a, 21)
        res = solve(cfg(objective, 0.7, a, 21, payoffs=table))
        assert res.objective == pytest.approx(ref.objective, abs=1e-9)
        assert res.exit_code == 0


@pytest.mark.parametrize("objective", ["welfare", "revenue"])
def test_chapter5_alpha_equals_beta_maps_to_main_game(objective):
    """Chapter 5 remark: with alpha = beta = a, pi_new = a pi_old(alpha_old) + (1 - a) and
    alpha_old = (1 - a)/a.  Then obedience and truthfulness scale by a, K_new = a K_old +
    1 - a, so W_new = a W_old + (1 - a) E[V1 + V2] and (Lemma 3, E[psi] = v_lo on the grid)
    R_new = a R_old.  a = 0.8 gives alpha_old = 0.25."""
    a = 0.8
    new = solve(cfg(objective, 0.6, a, 21, beta=a))
    old = solve(cfg(objective, 0.6, 0.25, 21))
    shift = (1 - a) * 1.0 if objective == "welfare" else 0.0  # E[V1 + V2] = 1 on U[0,1]
    assert new.objective == pytest.approx(a * old.objective + shift, abs=1e-9)
    assert new.exit_code == 0


def test_alpha_beta_game_without_closed_form_is_bounded():
    res = solve(cfg("revenue", 0.5, 0.7, 15, beta=0.6))
    assert res.status == "optimal"
    assert res.theory[0].relation == "upper"
    assert res.objective <= res.theory[0].value + 1e-9
    assert max(res.certificate.values()) <= 1e-8
    assert res.extras["K"] == pytest.approx([0.35, 0.35])


def test_exponential_figure_4_2():
    """Exp(1) truncated to [0, 8], alpha = 1/2, equal states: LP = discrete Prop. 4, and
    revenue above its continuum value (numerical integration) by a gap that halves."""
    c = cfg("revenue", 0.5, 0.5, 41, values={"distribution": "expon", "low": 0, "high": 8})
    r41 = solve(c)
    r81 = solve(c, ["grid.points=81"])
    assert abs(r41.gap) < 1e-8 and abs(r81.gap) < 1e-8
    cont = [t for t in r81.theory if t.label == "continuum optimum"][0].value
    g41, g81 = r41.objective - cont, r81.objective - cont
    assert 0 < g81 < g41
    assert 1.6 < g41 / g81 < 2.4


# --- configs and plotting ----------------------------------------------------------------
def test_config_errors_name_the_field():
    with pytest.raises(ConfigError, match="params.alpha"):
        load_config({"kind": KIND, "params": {"alpha": 1.5}})
    with pytest.raises(ConfigError, match="params.payoffs"):
        load_config({"kind": KIND, "params": {"payoffs": [[1, 2], [3, 4]]}})
    with pytest.raises(ConfigError, match="params"):
        load_config(
            {"kind": KIND, "params": {"beta": 0.5, "payoffs": T.example3_payoffs(0.2).tolist()}}
        )


def test_template_is_valid_and_configs_load():
    from pathlib import Path

    from mdlp.problems import get_family

    load_config(get_family(KIND).template)
    files = sorted(Path(__file__).resolve().parents[1].glob("configs/information_*.yaml"))
    assert len(files) >= 4
    for f in files:
        c = load_config(f)
        assert c.kind == KIND


def test_plot_is_guarded(tmp_path):
    res = run("welfare", 0.7, 0.5, 21)
    from mdlp.plots import write_figures

    figs = write_figures(res, tmp_path)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        assert figs == []
    else:
        assert figs and (tmp_path / figs[0]["file"]).exists()


def test_second_best_regions_match_figure_4_1():
    """Proposition 5's partition: (theta, theta) on the square v <= v*, (theta, 1 - theta)
    where V1 >= max(v*, V2/alpha), the mirror image, and (theta, theta) between the rays."""
    res = run("welfare", 0.7, 0.5, 41)
    df = res.mechanism
    h = 1 / 41
    v1, v2, reg = df["v1"].to_numpy(), df["v2"].to_numpy(), df["region"].to_numpy()
    far = (np.abs(v1 - 0.7) > h) & (np.abs(v2 - 0.7) > h)
    far &= (np.abs(v1 - v2 / 0.5) > 2 * h) & (np.abs(v2 - v1 / 0.5) > 2 * h)
    expect = np.where(
        (v1 <= 0.7) & (v2 <= 0.7),
        "rr",
        np.where(
            v1 >= np.maximum(0.7, v2 / 0.5),
            "rw",
            np.where(v2 >= np.maximum(0.7, v1 / 0.5), "wr", "rr"),
        ),
    )
    assert np.all(reg[far] == expect[far])


def test_certificate_arrays_on_hand_made_rules():
    """Example 3, alpha = 1/2, P[theta=1] = 0.7, a 3-point grid.
    sigma = (theta, theta) always: P[A_i = theta | V_i] = 1, share 1 - alpha = 0.5.
    sigma = (1 - theta, theta) always (buyer 1 always misled): recommended r happens only
    in state 1 - r, so buyer 1's obedience gain is -P(theta = 1 - r) = (-0.7, -0.3) and
    buyer 2's is P(theta = r) = (0.3, 0.7); buyer 1's share is -alpha, and his
    best double deviation (flip) earns 1 - alpha = 0.5 against the obedient -alpha."""
    prob = load_config(cfg("welfare", 0.7, 0.5, 3)).make_problem()
    sig = np.zeros((2, 3, 3, 4))
    sig[0, :, :, 0] = 1.0  # theta = 0: profile 00
    sig[1, :, :, 3] = 1.0  # theta = 1: profile 11
    A = prob.arrays(sig)
    np.testing.assert_allclose(A["correct"][0], 1.0)
    np.testing.assert_allclose(A["share"][1], 0.5)
    bad = np.zeros((2, 3, 3, 4))
    bad[0, :, :, 2] = 1.0  # theta = 0: (a1, a2) = (1, 0)
    bad[1, :, :, 1] = 1.0  # theta = 1: (0, 1)
    B = prob.arrays(bad)
    np.testing.assert_allclose(B["obedience"][0], np.tile([-0.7, -0.3], (3, 1)))
    # buyer 2 is told the truth: recommended r only in state r, gain P(theta = r)
    np.testing.assert_allclose(B["obedience"][1], np.tile([0.3, 0.7], (3, 1)))
    np.testing.assert_allclose(B["share"][0], -0.5)
    G = B["deviation_payoffs"][0]
    np.testing.assert_allclose(G.max(axis=2).sum(axis=1), 0.5)
