"""Myerson's optimal auction (seed 001) against closed forms and a second solver."""

import pytest

import grids
from mdlp.compare import fit_order
from mdlp.config import load_config
from mdlp.run import solve
from mdlp.theory import myerson as T
from solvers import get_backend

UNIFORM = {"distribution": "uniform", "low": 0, "high": 1}
PMF = {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}


def cfg(n, values=UNIFORM, points=None, **params):
    c = {"kind": "myerson_auction", "params": {"bidders": n, "values": values} | params}
    if points is not None:
        c["grid"] = {"points": points}
    return c


@pytest.mark.parametrize("n,expected", [(1, 1 / 4), (2, 5 / 12), (3, 17 / 32)])
def test_continuum_closed_form(n, expected):
    """E[max(2v-1)^+] over n iid U[0,1]: 1 - int_0^1 ((1+t)/2)^n dt = 1 - (2 - 2^(-n))/(n+1)
    -> 1/4, 5/12, 17/32 (the seed's Myerson revenue for 1, 2, 3 bidders)."""
    law = grids.continuous_prior("uniform", 3, low=0, high=1).continuous
    assert T.optimal_revenue_continuum([law] * n) == pytest.approx(expected, abs=1e-10)


@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
@pytest.mark.parametrize("n,ironed,unironed", [(1, 1.8, 1.9), (2, 2.7, 2.8), (3, 3.222, 3.292)])
def test_irregular_pmf_needs_ironing(constraints, n, ironed, unironed):
    """pmf (.1,.4,.1,.4) on 1..4.  One bidder: posted prices earn 1, 1.8, 1.5, 1.6 -> 1.8.
    Revenue curve (quantile, revenue): (.4, 1.6), (.5, 1.5), (.9, 1.8): (.5, 1.5) lies
    under the chord, so values 2 and 3 are ironed to slope 0.2/0.5 = 0.4, value 4 keeps 4.
    Two bidders: E[max] with psibar in {0.4 w.p. .5, 4 w.p. .4}: 4*(1-.6^2) + .4*(.6^2-.1^2)
    = 2.56 + .14 = 2.7; three: 4*(1-.216) + .4*(.216-.001) = 3.136 + .086 = 3.222.  Without
    ironing (psi_2 = .75, psi_3 = -1): 2.8 and 3.292, which no mechanism attains."""
    res = solve(cfg(n, PMF, constraints=constraints))
    assert res.ok and res.certified
    assert res.objective == pytest.approx(ironed, abs=1e-7)
    assert res.objective < unironed - 0.05
    assert T.unironed_revenue_discrete([grids.pmf_prior(**PMF)] * n) == pytest.approx(unironed)


@pytest.mark.parametrize("n,K", [(1, 41), (2, 21), (3, 9)])
@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_lp_equals_discrete_closed_form(n, K, constraints):
    res = solve(cfg(n, points=K, constraints=constraints))
    assert res.ok and res.certified
    assert abs(res.gap) <= 1e-7
    assert res.exit_code == 0


@pytest.mark.parametrize("n,expected", [(1, 1 / 4), (2, 5 / 12)])
def test_convergence_rate_to_continuum(n, expected):
    """Midpoint cells bias revenue upward by O(h): for one bidder the grid optimum is
    max_k (k + 1/2)/K * (K - k)/K = 1/4 + 1/(4K) + O(1/K^2) at k = K/2; assert the sign
    and an order in [0.8, 1.2] over three grids."""
    Ks = [21, 41, 81]
    gaps = [solve(cfg(n, points=K)).objective - expected for K in Ks]
    assert all(g > 0 for g in gaps)
    assert 0.8 <= fit_order([1 / K for K in Ks], gaps) <= 1.2


def test_left_placement_is_a_lower_bound():
    """Points at lower cell edges: rounding a continuous type down to its point keeps
    the grid optimum IC in the continuum, so its revenue cannot exceed 1/4; with K even
    the price 1/2 is a point and the grid earns exactly 1/4."""
    for K in (10, 15, 31):
        res = solve(cfg(1, points=K), overrides=["grid.placement=left"])
        assert res.objective <= 0.25 + 1e-12
    assert solve(cfg(1, points=10), overrides=["grid.placement=left"]).objective == pytest.approx(
        0.25, abs=1e-12
    )


def test_left_placement_converges_at_second_order():
    """Two bidders, points at lower cell edges: the grid value stays below 5/12 and the
    gap falls like h^2 (measured in benchmarks/convergence/grid_placement.py: -6.7e-5 at K = 50,
    -1.7e-5 at K = 100)."""
    Ks = [21, 41, 81]
    gaps = [
        solve(cfg(2, points=K), overrides=["grid.placement=left"]).objective - 5 / 12 for K in Ks
    ]
    assert all(g < 0 for g in gaps)
    assert 1.8 <= fit_order([1 / K for K in Ks], gaps) <= 2.4


def test_welfare_is_expected_max():
    """Welfare optimum E[max v] = n/(n+1) in the continuum; midpoint grid error O(h^2)."""
    Ks = [11, 21, 41]
    gaps = []
    for K in Ks:
        res = solve(cfg(2, points=K, objective="welfare"))
        assert abs(res.gap) < 1e-7
        gaps.append(res.objective - 2 / 3)
    assert 1.8 <= fit_order([1 / K for K in Ks], gaps) <= 2.2


def test_revenue_equivalence_efficient_allocation():
    """Efficient allocation with the lowest type at zero utility earns E[v_(2)]: for two
    U[0,1] bidders 1/3, for three 1/2 (the second-price auction's revenue)."""
    for n, second in ((2, 1 / 3), (3, 1 / 2)):
        Ks = [11, 21, 41]
        gaps = []
        for K in Ks:
            res = solve(cfg(n, points=K, allocation="efficient"))
            assert res.ok and abs(res.gap) < 1e-7
            gaps.append(res.objective - second)
        assert all(g > 0 for g in gaps) and fit_order([1 / K for K in Ks], gaps) > 0.8
    law = grids.continuous_prior("uniform", 3, low=0, high=1).continuous
    assert T.second_highest_continuum_iid(law, 4) == pytest.approx(3 / 5)


@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_backends_agree(constraints):
    config = load_config(cfg(2, points=11, constraints=constraints))
    values = []
    for backend in ("highs", "cvxpy", "scipy", "clarabel"):  # clarabel: independent of HiGHS
        res = solve(config, backend=get_backend(backend))
        assert res.ok and res.certified
        values.append(res.objective)
    assert max(values) - min(values) < 1e-7


def test_strong_duality_and_dual_signs():
    """Convention: dual = d(revenue)/d(bound).  Loosening supply (sum q <= 1 -> 1 + t)
    cannot lower revenue, so feasibility duals are >= 0; raising an IR row's lower bound
    (0 -> t) tightens it, so IR duals are <= 0."""
    problem = load_config(cfg(2, points=15)).make_problem()
    lp = problem.build()
    sol = get_backend("highs").solve(lp)
    assert lp.dual_objective(sol.y_flat, sol.d_flat) == pytest.approx(sol.objective, abs=1e-9)
    assert sol.dual["feasibility"].min() >= -1e-9
    assert sol.dual["ir1"].max() <= 1e-9 and sol.dual["ir2"].max() <= 1e-9


def test_asymmetric_bidders_match_closed_form():
    """U[0,1] and U[0,2]: a regular asymmetric pair; grid LP = discrete closed form, and
    the continuum value by quadrature sits within the O(h) band below it."""
    c = {
        "kind": "myerson_auction",
        "params": {"bidders": [UNIFORM, {"distribution": "uniform", "low": 0, "high": 2}]},
        "grid": {"points": 41},
    }
    res = solve(c)
    assert abs(res.gap) < 1e-7 and res.certified
    cont = res.theory[1].value
    assert 0 < res.objective - cont < 0.05


def test_certificate_detects_a_broken_mechanism():
    """Corrupt one payment of an optimal mechanism: the recomputed certificate sees it."""
    problem = load_config(cfg(2, points=11, constraints="dominant")).make_problem()
    lp = problem.build()
    sol = get_backend("highs").solve(lp)
    sol.x["m"][0, 5, 5] += 0.05
    cert = problem.interpret(lp, sol).certificate
    assert cert["ic"] >= 0.05 - 1e-9 or cert["ir"] >= 0.05 - 1e-9
