"""bayesian_pricing: one buyer, independent item values, expected revenue.

Oracles from outside the code under test: Myerson's discrete (ironed) optimum of
:mod:`mdlp.theory.myerson` and hand-computed posted prices; the Manelli-Vincent revenue
``(12 + 2 sqrt 2)/27`` (exact integration, re-derived below and checked by quadrature);
a second backend (SciPy's HiGHS) and the all-pairs LP handed to HiGHS at once.
"""

import math

import independent as chk
import numpy as np
import pytest

from mdlp.compare import fit_order, richardson
from mdlp.config import ConfigError, load_config
from mdlp.problems import REGISTRY
from mdlp.run import solve
from mdlp.theory import bayesian_pricing as T
from mdlp.theory import myerson as TM
from solvers import get_backend

KIND = "bayesian_pricing"
UNI = {"distribution": "uniform", "low": 0, "high": 1}
MV = (12 + 2 * math.sqrt(2)) / 27  # Manelli and Vincent (2006): 0.5492010046...
# their menu: each item alone at 2/3, the bundle at (4 - sqrt 2)/3
MV_PRICE, MV_BUNDLE = 2 / 3, (4 - math.sqrt(2)) / 3


def mv_choice(values):
    """Each type's best option of the Manelli-Vincent menu, written out here: nothing,
    item 1 at 2/3, item 2 at 2/3, both at (4 - sqrt 2)/3.  Returns (q, m) per type."""
    options_q = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], float)
    options_m = np.array([0.0, MV_PRICE, MV_PRICE, MV_BUNDLE])
    best = np.argmax(values @ options_q.T - options_m, axis=1)
    return options_q[best], options_m[best]


def cfg(K=11, placement="midpoint", **params):
    params.setdefault("items", [UNI, UNI])
    return {
        "kind": KIND,
        "params": params,
        "grid": {"points": K, "placement": placement},
        "solver": {"threads": 1},
    }


def run(**kw):
    res = solve(cfg(**kw))
    assert res.status == "optimal", res.message
    assert res.certified, res.certificate
    return res


# --- theory ------------------------------------------------------------------------------
def test_manelli_vincent_closed_form():
    """Menu: items at p = 2/3, bundle at P = (4 - sqrt 2)/3, d = P - p = (2 - sqrt 2)/3.
    Item j alone: v_j >= p, v_-j < d: area (1/3) d.  Bundle: v_1, v_2 >= d and v_1 + v_2
    >= P: area (1 - d)^2 - (P - 2d)^2/2 = (3 + 2 sqrt 2)/9 - 1/9 = (2 + 2 sqrt 2)/9.
    Revenue = (4/9) d + P (2 + 2 sqrt 2)/9 = (12 + 2 sqrt 2)/27 = 0.549201..."""
    assert T.manelli_vincent_revenue() == pytest.approx(MV, abs=1e-15)
    assert T.manelli_vincent_revenue_regions() == pytest.approx(MV, abs=1e-15)
    assert T.manelli_vincent_revenue_quadrature() == pytest.approx(MV, abs=1e-12)
    assert T.manelli_vincent_revenue_quadrature(2.5) == pytest.approx(2.5 * MV, abs=1e-11)
    # the literature's number from its menu, by the region areas of the docstring
    p, P = MV_PRICE, MV_BUNDLE
    d = P - p
    alone = (1 - p) * d  # v_j >= p, v_-j < d
    bundle = (1 - d) ** 2 - (P - 2 * d) ** 2 / 2  # v_1, v_2 >= d, v_1 + v_2 >= P
    assert 2 * p * alone + P * bundle == pytest.approx(MV, abs=1e-15)
    # Monte Carlo of the menu's choices by the test's own argmax (4 sigma ~ 1.4e-3)
    V = np.random.default_rng(1).random((400_000, 2))
    assert float(mv_choice(V)[1].mean()) == pytest.approx(MV, abs=2e-3)
    # the library's menu is that menu
    q, m = T.manelli_vincent_menu()
    assert sorted(np.round(m, 12)) == sorted(np.round([p, p, P], 12))


# --- one item: Myerson ------------------------------------------------------------------
@pytest.mark.parametrize(
    "item, K",
    [
        (UNI, 51),
        ({"distribution": "expon", "scale": 1.0, "low": 0, "high": 4}, 41),
        ({"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}, None),
    ],
)
def test_one_item_equals_myerson(item, K):
    res = run(items=[item], K=K or 2)
    prob = res.problem
    assert res.theory[0].label == "grid-exact Myerson value"
    assert res.objective == pytest.approx(TM.optimal_revenue_discrete(prob.priors()), abs=1e-9)
    det = run(items=[item], K=K or 2, mechanism="deterministic")
    assert det.objective == pytest.approx(res.objective, abs=1e-9)


def test_one_item_pmf_by_hand():
    """pmf (.1, .4, .1, .4) on 1..4 (irregular): posted prices earn 1, 0.9 * 2 = 1.8,
    0.5 * 3 = 1.5, 0.4 * 4 = 1.6, so the optimum is 1.8 (price 2); the menu is
    {nothing, the item at 2} with masses 0.1 and 0.9."""
    res = run(items=[{"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}])
    assert res.objective == pytest.approx(1.8, abs=1e-9)
    menu = res.extras["menu"]
    sold = [o for o in menu if o["mass"] > 1e-12 and o["q"][0] > 0]
    assert len(sold) == 1 and sold[0]["price"] == pytest.approx(2.0, abs=1e-7)
    assert sold[0]["q"] == [1.0] and sold[0]["mass"] == pytest.approx(0.9)


# --- two additive items U[0,1]: Manelli-Vincent -----------------------------------------
def test_manelli_vincent_convergence():
    """Midpoint grids over-estimate and left-edge grids under-estimate the continuum value
    (one item, derived: the midpoint price x_k = (k + 1/2) h earns x_k (1 - k h), i.e. the
    continuum revenue at x_k plus x_k h / 2; the left-edge price k h earns exactly k h (1 -
    k h)); measured here for two items on K = 11, 21, 41: first order on both, MV bracketed,
    and the order-1 Richardson value within 5e-4 of MV, 20x closer than the finest grid."""
    Ks = (11, 21, 41)
    mid = [run(K=K).objective for K in Ks]
    left = [run(K=K, placement="left").objective for K in Ks]
    h = [1 / K for K in Ks]
    gaps = np.array(mid) - MV
    assert np.all(gaps > 0) and np.all(np.diff(gaps) < 0)
    assert np.all(np.array(left) < MV)
    assert 0.9 <= fit_order(h, gaps) <= 1.1
    assert 0.8 <= fit_order(h, np.array(left) - MV) <= 1.3
    est, _ = richardson(mid, h, 1.0)
    assert abs(est - MV) < 5e-4 and abs(est - MV) < gaps[-1] / 20


def test_manelli_vincent_menu_on_grid_is_ic_ir_and_below_optimum():
    """The MV menu, each grid type (read from the result's table) taking its best option by
    the test's own argmax, is IC over all pairs and IR on the grid (independent checker),
    so its revenue is a lower bound on the grid optimum; the library's reported
    ``manelli_vincent_on_grid`` must equal this independently computed revenue.  (No grid
    point is a tie: 2/3 and (4 - sqrt 2)/3 are not sums of grid points.)"""
    for K, placement in ((21, "midpoint"), (20, "endpoints")):
        res = run(K=K, placement=placement)
        X = res.mechanism[["v1", "v2"]].to_numpy()
        f = res.mechanism["prob"].to_numpy()
        q, m = mv_choice(X)
        assert chk.worst(chk.one_buyer(X, q, m)) <= 1e-12
        rev = float(f @ m)
        assert rev == pytest.approx(res.extras["manelli_vincent_on_grid"], abs=1e-12)
        assert rev <= res.objective + 1e-9


def test_certificate_over_all_pairs_and_menu():
    res = run(K=21)
    q = res.mechanism[["q1", "q2"]].to_numpy()
    X = res.mechanism[["v1", "v2"]].to_numpy()
    m = res.mechanism["m"].to_numpy()
    assert chk.worst(chk.one_buyer(X, q, m)) <= 1e-9
    menu = res.extras["menu"]
    assert sum(o["mass"] for o in menu) == pytest.approx(1.0)
    assert sum(o["mass"] * o["price"] for o in menu) == pytest.approx(res.objective, abs=1e-6)


# --- cross-checks ---------------------------------------------------------------------------
@pytest.mark.parametrize("unit_demand", [False, True])
def test_second_backend_and_all_pairs_agree(unit_demand):
    c = load_config(cfg(K=9, unit_demand=unit_demand))
    p1 = c.make_problem()
    s1 = p1.solve_lp(p1.build(), get_backend("highs", threads=1))
    p2 = c.make_problem()
    s2 = p2.solve_lp(p2.build(), get_backend("clarabel"))  # independent of HiGHS
    c3 = load_config(cfg(K=9, unit_demand=unit_demand, ic="all_pairs"))
    p3 = c3.make_problem()
    s3 = p3.solve_lp(p3.build(), get_backend("highs", threads=1))
    assert s1.objective == pytest.approx(s2.objective, abs=1e-6)
    assert s1.objective == pytest.approx(s3.objective, abs=1e-8)


def test_deterministic_below_randomized():
    """Additive U[0,1]^2: the grid optimum is a deterministic menu (gap 0).  Unit demand,
    iid U[3,4] (Pavlov's regime with lotteries): randomization strictly helps."""
    r = run(K=11).objective
    d = run(K=11, mechanism="deterministic").objective
    assert d <= r + 1e-9 and d == pytest.approx(r, abs=1e-7)
    u = {"distribution": "uniform", "low": 3, "high": 4}
    rr = run(K=9, items=[u, u], unit_demand=True)
    dd = run(K=9, items=[u, u], unit_demand=True, mechanism="deterministic")
    assert dd.objective <= rr.objective - 1e-3
    assert dd.certificate["integrality"] <= 1e-9
    lotteries = [o for o in rr.extras["menu"] if o["mass"] > 1e-9 and 0 < max(o["q"]) < 1]
    assert lotteries  # the randomized optimum sells a lottery


def test_unit_demand_posted_price():
    """Unit demand, U[0,1]^2: feasible grid posted price <= LP; the gap to the continuum
    posted-price value 2/(3 sqrt 3) shrinks at first order from above (midpoint)."""
    ref = 2 / (3 * math.sqrt(3))
    vals = []
    for K in (11, 21):
        res = run(K=K, unit_demand=True)
        assert res.certificate["unit_demand"] <= 1e-9
        assert res.objective >= res.theory[0].value - 1e-9
        vals.append(res.objective)
    gaps = np.array(vals) - ref
    assert np.all(gaps > 0) and 0.8 <= fit_order([1 / 11, 1 / 21], gaps) <= 1.2


def test_deterministic_size_limit():
    with pytest.raises(ConfigError, match="mechanism"):
        solve(cfg(K=21, mechanism="deterministic"))
    with pytest.raises(ConfigError, match="items"):
        load_config(cfg(items=[{"distribution": "expon", "scale": 1.0}]))


def test_template_is_two_items():
    c = load_config(REGISTRY[KIND].template)
    assert len(c.params.items) == 2
