"""Every family against an independent solver.

HiGHS (the default backend) and Clarabel (an interior-point conic solver whose algorithm
and code share nothing with HiGHS; Goulart and Chen, 2024) solve the same small-grid case,
each through the family's own solve path (row generation, saddle point, reserve scan ...);
their optima must agree to 1e-6 and both mechanisms must pass the family's feasibility
certificate.  The Clarabel solution's duals are also checked against the LP they belong
to: stationarity c = A^T y + d and primal = dual objective, recomputed here from the
arrays.  A family registered without a case here fails ``test_every_family_has_a_case``.
"""

import numpy as np
import pytest

from mdlp.config import load_config
from mdlp.problems import REGISTRY
from solvers import get_backend

U01 = {"distribution": "uniform", "low": 0, "high": 1}
EXT = {"values": U01, "externalities": {"distribution": "uniform", "low": 0, "high": 0.5}}

# (id, kind, params, grid): small grids, a few seconds at most per family
CASES = [
    ("myerson", "myerson_auction", {"bidders": [U01, U01]}, {"points": 6}),
    (
        "myerson-dominant-pmf",
        "myerson_auction",
        {
            "bidders": [{"values": [1, 2, 3], "probs": [0.5, 0.3, 0.2]}] * 2,
            "constraints": "dominant",
        },
        {},
    ),
    ("regret-pricing-1item", "regret_pricing", {"upper": [1.0], "cost": [0.2]}, {"points": 7}),
    (
        "regret-pricing-saddle",
        "regret_pricing",
        {"upper": [1.0, 2.0], "cost": [0.2, 0.5], "grid_from": "cost"},
        {"points": 5, "placement": "endpoints"},
    ),
    (
        "regret-pricing-rowgen",
        "regret_pricing",
        {"upper": [1.0, 1.0], "ic": "rowgen"},
        {"points": 5, "placement": "endpoints"},
    ),
    (
        "regret-pricing-dual",
        "regret_pricing",
        {"upper": [1.0], "formulation": "dual"},
        {"points": 6, "placement": "endpoints"},
    ),
    ("regret-auction", "regret_auction", {"bidders": 2, "upper": [1.0]}, {"points": 5}),
    ("bayesian-pricing-rowgen", "bayesian_pricing", {"items": [U01, U01]}, {"points": 5}),
    (
        "bayesian-auction-border",
        "bayesian_auction",
        {"bidders": 2, "items": [U01, U01], "unit_demand": True, "discretization": "trapezoid"},
        {"points": 5},
    ),
    (
        "bayesian-auction-dominant",
        "bayesian_auction",
        {"bidders": 2, "items": [U01, U01], "unit_demand": False, "constraints": "dominant"},
        {"points": 3},
    ),
    (
        "bayesian-pricing-unit-demand",
        "bayesian_pricing",
        {"items": [U01, U01], "unit_demand": True, "ic": "all_pairs"},
        {"points": 4},
    ),
    ("markov", "markov_auction", {"bidders": 2, "mean": 0.5}, {"points": 6}),
    (
        "markov-second-price-reserve-scan",
        "markov_auction",
        {"bidders": 2, "mean": 0.5, "mechanism": "second_price", "reserve": "optimize"},
        {"points": 6},
    ),
    (  # two bidders, setting 1, BNIC: the marginal formulation, cut rows, transport LPs
        "externality-s1-revenue",
        "externality_auction",
        {**EXT, "bidders": 2, "setting": 1, "objective": "revenue"},
        {"points": 4},
    ),
    (
        "externality-s2-welfare-dominant",
        "externality_auction",
        {**EXT, "bidders": 2, "setting": 2, "objective": "welfare", "constraints": "dominant"},
        {"points": 3},
    ),
    ("information-welfare", "information_selling", {"prior": 0.5, "alpha": 0.5}, {"points": 5}),
    (
        "information-revenue",
        "information_selling",
        {"prior": 0.7, "alpha": 1.0, "objective": "revenue"},
        {"points": 5},
    ),
    ("guarantee-second-price", "revenue_guarantee", {"bidders": 2}, {"points": 6}),
    ("bilateral-trade-gains", "bilateral_trade", {"buyer": U01, "seller": U01}, {"points": 7}),
    (
        "guarantee-sequential",
        "revenue_guarantee",
        {"bidders": 2, "mechanism": "sequential"},
        {"points": 6},
    ),
]


def _solve(kind, params, grid, backend):
    cfg = load_config({"kind": kind, "params": params, "grid": grid})
    problem = cfg.make_problem()
    lp = problem.build()
    sol = problem.solve_lp(lp, get_backend(backend))
    assert sol.ok, f"{backend}: {sol.status} {sol.message}"
    cert = problem.interpret(lp, sol).certificate
    return problem, lp, sol, cert


def _strong_duality(lp, sol, tol):
    """Stationarity and primal = dual objective for ``sol`` on ``lp``, with the active
    bound of each dual read off its sign (min: y > 0 on a lower bound; max: on an upper)."""
    A = lp.matrix("csr")
    assert np.abs(lp.cost - A.T @ sol.y_flat - sol.d_flat).max() <= tol
    up = lp.sense == "max"

    def bound_terms(dual, lo, hi):
        b = np.where((dual > 0) == up, hi, lo)
        small = np.abs(dual) <= 1e-9
        assert np.all(np.isfinite(b[~small])), "a dual sits on an infinite bound"
        return float(np.dot(dual[~small], b[~small]))

    dual_obj = bound_terms(sol.y_flat, lp.row_lb, lp.row_ub)
    dual_obj += bound_terms(sol.d_flat, lp.col_lb, lp.col_ub) + lp.offset
    assert dual_obj == pytest.approx(sol.objective, abs=tol * max(1.0, abs(sol.objective)))


def test_every_family_has_a_case():
    assert {c[1] for c in CASES} >= set(REGISTRY), set(REGISTRY) - {c[1] for c in CASES}


@pytest.mark.parametrize(
    ("kind", "params", "grid"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_highs_and_clarabel_agree(kind, params, grid):
    _, _, ref, ref_cert = _solve(kind, params, grid, "highs")
    problem, lp, sol, cert = _solve(kind, params, grid, "clarabel")
    assert ref.backend == "highs" and sol.backend == "clarabel"
    assert sol.objective == pytest.approx(ref.objective, abs=1e-6)
    tol = problem.certificate_tolerance
    assert max(ref_cert.values(), default=0.0) <= tol, ref_cert
    assert max(cert.values(), default=0.0) <= tol, cert
    if params.get("reserve") == "optimize":
        return  # the reserve scan returns the adversary LP of the best reserve, not ``lp``
    if sol.y_flat is not None:
        _strong_duality(lp, sol, 1e-6)
