"""Optimality certificates: dual feasibility and the primal-dual gap.

The test's own checker (``kkt`` below) is written here from the LP's arrays with
scipy.sparse, independently of ``solvers/certificate.py``: it forms the dual objective as
``sum_r y_r * (bound of row r picked by the sign of y_r)`` (the rule of linear programming
duality: for a minimisation a row's multiplier is >= 0 on its lower bound and <= 0 on its
upper bound; for a maximisation the reverse), and the residual of ``c = A^T y + d``.
"""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import mdlp
from solvers import LinearProgram, get_backend
from solvers.certificate import optimality_certificate

TOL = 1e-7


def kkt(lp: LinearProgram, x, y, d) -> tuple[float, float]:
    """(dual infeasibility, |primal - dual| / (1 + |primal|)) of ``(x, y, d)`` on ``lp``,
    computed independently of the library: multipliers of the wrong sign for the bounds
    that exist count as infeasibility, and the dual objective uses the priced bounds."""
    A = lp.matrix("csr").tocoo()
    y = np.concatenate([np.asarray(y, float), np.zeros(lp.num_rows - len(y))])
    d = np.asarray(d, float)
    c = lp.cost
    aty = np.zeros(lp.num_cols)
    np.add.at(aty, A.col, A.data * y[A.row])
    worst = float(np.max(np.abs(c - aty - d), initial=0.0))
    sign = 1.0 if lp.sense == "min" else -1.0
    dual = lp.offset
    for mult, lo, hi in ((y, lp.row_lb, lp.row_ub), (d, lp.col_lb, lp.col_ub)):
        on_lower = sign * mult > 0  # the multiplier prices the lower bound
        on_upper = sign * mult < 0
        bad = (on_lower & ~np.isfinite(lo)) | (on_upper & ~np.isfinite(hi))
        worst = max(worst, float(np.max(np.abs(mult[bad]), initial=0.0)))
        bound = np.where(on_lower, lo, np.where(on_upper, hi, 0.0))
        bound = np.where(np.isfinite(bound), bound, 0.0)
        dual += float(mult @ bound)
    primal = float(c @ np.asarray(x, float) + lp.offset)
    return worst, abs(primal - dual) / (1.0 + abs(primal))


# --- hand-solved LPs ----------------------------------------------------------------------
def lp_min_covering():
    """min x1 + 2 x2 + 5  s.t.  x1 + x2 >= 1,  x >= 0.

    The row forces x1 + x2 >= 1 and x1 is the cheaper column: x = (1, 0), objective
    1 + 5 = 6.  Dual: y = 1 (>= 0 on the lower bound 1 of a minimisation), reduced costs
    d = c - A^T y = (0, 1) (d2 >= 0 on x2's lower bound 0); dual objective 1*1 + 0 + 5 = 6.
    """
    lp = LinearProgram("min")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1.0, 2.0])
    lp.add_constraints("cover", [(x, 1.0)], lb=1.0, shape=(1,))
    lp.offset = 5.0
    return lp, 6.0, [1.0], [0.0, 1.0]


def lp_max_ranged_free():
    """max 2 x1 + x2  s.t.  x1 + x2 <= 4,  -2 <= x1 - x2 <= 1,  0 <= x1 <= 10,  x2 free.

    Both rows bind at their upper bounds: x1 + x2 = 4, x1 - x2 = 1, so x = (5/2, 3/2) and
    the objective is 5 + 3/2 = 13/2 (x1 = 5/2 is strictly inside its box).  Dual: c = A^T y
    with d = 0 gives y1 + y2 = 2, y1 - y2 = 1: y = (3/2, 1/2), both > 0, i.e. on the upper
    bounds in a maximisation; dual objective 3/2 * 4 + 1/2 * 1 = 13/2.  A free column
    (x2) must have d = 0, and it has.
    """
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=[0.0, -np.inf], ub=[10.0, np.inf], cost=[2.0, 1.0])
    lp.add_constraints("sum", [(x, 1.0)], ub=4.0, shape=(1,))
    lp.add_constraints("diff", [(x, [1.0, -1.0])], lb=-2.0, ub=1.0, shape=(1,))
    return lp, 6.5, [1.5, 0.5], [0.0, 0.0]


def lp_min_equality_bounds():
    """min -x1 - x2 + x3  s.t.  x1 + 2 x2 = 2,  0 <= x1 <= 1,  x2 >= 0,  x3 >= -1.

    x3 appears in no row and costs 1: x3 = -1 (its lower bound).  Per unit of the equality
    row, x1 gains 1 and x2 gains 1/2: x1 = 1 (its upper bound), then x2 = 1/2; objective
    -1 - 1/2 - 1 = -5/2.  Dual: x2 is basic, so d2 = 0 = -1 - 2 y, y = -1/2 (an equality
    row takes either sign); d1 = -1 - y = -1/2 < 0 prices x1's upper bound 1 (minimisation);
    d3 = 1 > 0 prices x3's lower bound -1.  Dual objective -1/2 * 2 - 1/2 * 1 + 1 * (-1)
    = -5/2.
    """
    lp = LinearProgram("min")
    x = lp.add_variables("x", (3,), lb=[0.0, 0.0, -1.0], ub=[1.0, np.inf, np.inf])
    lp.add_objective(x, [-1.0, -1.0, 1.0])
    lp.add_constraints("eq", [(x[:2], [1.0, 2.0])], lb=2.0, ub=2.0, shape=(1,))
    return lp, -2.5, [-0.5], [-0.5, 0.0, 1.0]


HAND = [lp_min_covering, lp_max_ranged_free, lp_min_equality_bounds]


@pytest.mark.parametrize("make", HAND, ids=lambda f: f.__name__)
def test_hand_solved_lp_strong_duality(make):
    lp, value, y_hand, d_hand = make()
    sol = get_backend("highs", method="simplex", threads=1).solve(lp)
    assert sol.ok and sol.objective == pytest.approx(value, abs=1e-12)
    # the solver's duals are the hand-derived ones (sign convention of solvers.lp)
    np.testing.assert_allclose(sol.y_flat, y_hand, atol=1e-12)
    np.testing.assert_allclose(sol.d_flat, d_hand, atol=1e-12)
    # the hand-derived pair certifies itself under the test's checker ...
    x_hand = sol.x_flat
    feas, gap = kkt(lp, x_hand, y_hand, d_hand)
    assert feas <= 1e-12 and gap <= 1e-12
    # ... and the library's certificate agrees
    cert = optimality_certificate(lp, sol)
    assert cert.dual_feasibility <= 1e-12 and cert.duality_gap <= 1e-12
    assert cert.primal_objective == pytest.approx(value, abs=1e-12)
    assert cert.dual_objective == pytest.approx(value, abs=1e-12)


@pytest.mark.parametrize("make", HAND, ids=lambda f: f.__name__)
def test_corrupted_duals_are_flagged(make):
    """Two corruptions a certificate must see: a row dual off by 1e-3 (the equation
    c = A^T y + d breaks) and a primal moved off the optimum (the gap opens)."""
    lp, value, y_hand, d_hand = make()
    sol = get_backend("highs", method="simplex", threads=1).solve(lp)
    sol.y_flat = sol.y_flat + 1e-3
    assert optimality_certificate(lp, sol).dual_feasibility >= 1e-3 - 1e-12
    assert kkt(lp, sol.x_flat, sol.y_flat, sol.d_flat)[0] >= 1e-3 - 1e-12

    sol = get_backend("highs", method="simplex", threads=1).solve(lp)
    sol.x_flat = sol.x_flat + 0.25  # no longer the optimum
    assert optimality_certificate(lp, sol).duality_gap > 1e-3
    assert kkt(lp, sol.x_flat, sol.y_flat, sol.d_flat)[1] > 1e-3


@pytest.mark.parametrize("t", [1.0, -0.25])
def test_dual_that_prices_an_infinite_bound_is_flagged(t):
    """In lp_max_ranged_free, y = (3/2 + t, 1/2 - t), d = (0, -2 t) still satisfies
    c = A^T y + d exactly (d1 = 2 - (y1 + y2) = 0, d2 = 1 - (y1 - y2) = -2 t), but x2 is
    free, so d2 != 0 prices an infinite bound: dual infeasible by 2 |t|.  (For t = 1,
    y2 = -1/2 prices row 2's finite lower bound -2, which is allowed.)"""
    lp, *_ = lp_max_ranged_free()
    sol = get_backend("highs", method="simplex", threads=1).solve(lp)
    sol.y_flat = np.array([1.5 + t, 0.5 - t])
    sol.d_flat = np.array([0.0, -2.0 * t])
    assert optimality_certificate(lp, sol).dual_feasibility == pytest.approx(2 * abs(t))
    assert kkt(lp, sol.x_flat, sol.y_flat, sol.d_flat)[0] == pytest.approx(2 * abs(t))


def test_rows_added_after_the_solve_get_zero_dual():
    """Row generation: the certificate of the restricted LP holds for the LP with more
    rows when their duals are zero (they enter A^T y and the dual objective with weight
    0).  Here a slack row x1 <= 7 is appended after the solve of lp_min_covering."""
    lp, value, _, _ = lp_min_covering()
    sol = get_backend("highs", threads=1).solve(lp)
    lp.add_constraints("late", [(lp.variables["x"].indices[:1], 1.0)], ub=7.0, shape=(1,))
    cert = optimality_certificate(lp, sol)
    assert cert.dual_feasibility <= 1e-12 and cert.duality_gap <= 1e-12
    feas, gap = kkt(lp, sol.x_flat, sol.y_flat, sol.d_flat)
    assert feas <= 1e-12 and gap <= 1e-12


def test_mixed_integer_program_is_not_given_a_dual_certificate():
    """A MIP has no LP dual: the entries are nan with a message, never a fake 0."""
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,), lb=0.0, ub=1.0, cost=[1.0, 1.0], integer=True)
    lp.add_constraints("r", [(x, [2.0, 2.0])], ub=3.0, shape=(1,))
    sol = get_backend("highs", threads=1).solve(lp)
    assert sol.ok and sol.objective == pytest.approx(1.0)
    cert = optimality_certificate(lp, sol)
    assert math.isnan(cert.dual_feasibility) and math.isnan(cert.duality_gap)
    assert "mixed-integer" in cert.message and not cert.holds(1.0)


# --- every family through mdlp.run.solve ----------------------------------------------------
FAMILY_CASES = {
    "myerson": {
        "kind": "myerson_auction",
        "params": {"bidders": 2, "values": {"distribution": "uniform", "low": 0, "high": 1}},
        "grid": {"points": 6},
    },
    "regret_pricing_adjacent": {
        "kind": "regret_pricing",
        "params": {"upper": [1.0]},
        "grid": {"points": 7, "placement": "endpoints"},
    },
    "regret_pricing_saddle": {
        "kind": "regret_pricing",
        "params": {"upper": [1.0, 1.0]},
        "grid": {"points": 5, "placement": "endpoints"},
    },
    "regret_pricing_rowgen": {
        "kind": "regret_pricing",
        "params": {"upper": [1.0, 1.0], "cost": [0.2, 0.1], "ic": "rowgen"},
        "grid": {"points": 5, "placement": "midpoint"},
    },
    "regret_pricing_dual": {
        "kind": "regret_pricing",
        "params": {"upper": [1.0], "formulation": "dual"},
        "grid": {"points": 7, "placement": "endpoints"},
    },
    "regret_auction": {
        "kind": "regret_auction",
        "params": {"bidders": 2, "upper": [1.0]},
        "grid": {"points": 4, "placement": "endpoints"},
    },
    "bayesian_pricing_rowgen": {
        "kind": "bayesian_pricing",
        "params": {"items": [{"distribution": "uniform", "low": 0, "high": 1}] * 2},
        "grid": {"points": 5},
    },
    "externality_s1_marginal": "configs/externality_s1_revenue.yaml",
    "externality_s2": "configs/externality_s2_revenue.yaml",
    "revenue_guarantee": "configs/guarantee_uniform.yaml",
    "information_selling": "configs/information_payoff_table.yaml",
    "markov_optimal": "configs/markov_optimal.yaml",
    "markov_reserve_scan": "configs/markov_second_price.yaml",
}
SMALL = {"externality_auction": 3, "information_selling": 5}
# the solve paths whose certificate must cover more than the LP first built
PATHS = {
    "regret_pricing_saddle": lambda s: s["method"] == "saddle" and s["rows_added"] > 0,
    "regret_pricing_rowgen": lambda s: s["rounds"] > 1 and s["rows_added"] > 0,
    "externality_s1_marginal": lambda s: s["rounds"] > 1 and s["rows_added"] > 0,
}


@pytest.mark.parametrize("case", sorted(FAMILY_CASES))
def test_every_family_carries_a_certified_optimum(case):
    spec = FAMILY_CASES[case]
    cfg = mdlp.load_config(spec)
    k = SMALL.get(cfg.kind, cfg.grid.points if isinstance(spec, dict) else 6)
    cfg = mdlp.load_config(spec, [f"grid.points={k}"])
    res = mdlp.solve(cfg)
    assert res.ok
    assert res.certificate["dual_feasibility"] <= TOL, res.certificate
    assert res.certificate["duality_gap"] <= TOL, res.certificate
    assert res.optimality_certified is True and res.certified
    assert PATHS.get(case, lambda s: True)(res.solver), res.solver
    # the same solve, checked by the test's own checker on the LP the solution solves
    prob = cfg.make_problem()
    lp = prob.build()
    sol = prob.solve_lp(lp, cfg.solver.backend_object())
    assert sol.ok and sol.lp is not None
    if getattr(prob, "_scan_solutions", None):  # markov reserve scan: every LP
        pairs = prob._scan_solutions
    else:
        pairs = [(sol.lp, sol)]
    for s_lp, s in pairs:
        feas, gap = kkt(s_lp, s.x_flat, s.y_flat, s.d_flat)
        assert feas <= TOL and gap <= TOL, (feas, gap)


def test_deterministic_mechanism_says_optimality_is_not_certified():
    res = mdlp.solve(
        {
            "kind": "regret_pricing",
            "params": {"upper": [1.0], "mechanism": "deterministic"},
            "grid": {"points": 5, "placement": "endpoints"},
        }
    )
    assert res.ok and res.optimality_certified is None
    assert math.isnan(res.certificate["duality_gap"])
    assert "mixed-integer" in res.summary()["optimality"]["message"]


def test_cli_prints_certified_only_when_both_hold():
    out = subprocess.run(
        [sys.executable, "-m", "mdlp", "solve", "configs/myerson_irregular_pmf.yaml"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert "optimal (certified)" in out.stdout
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "mdlp",
            "solve",
            "configs/regret_pricing_deterministic.yaml",
            "--set",
            "grid.points=5",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "optimality not certified: mixed-integer program" in out.stdout
    assert "optimal (certified)" not in out.stdout
