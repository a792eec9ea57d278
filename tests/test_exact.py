"""``mdlp solve --exact``: grid optima confirmed in rational arithmetic, against fractions
that come from the literature or are derived by hand in the docstrings below."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

import mdlp
from mdlp.config import ConfigError
from solvers import LinearProgram
from solvers.exact import MAX_ROWS, rational, verify_lp

PMF = "configs/myerson_irregular_pmf.yaml"


def run_cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "mdlp", "solve", *args], capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("bidders, value", [(1, "9/5"), (2, "27/10"), (3, "1611/500")])
def test_ironed_pmf_optimum_is_exact(bidders, value):
    """Myerson (1981), optimal auction with ironing, on the pmf v in {1, 2, 3, 4} with
    probabilities (1/10, 2/5, 1/10, 2/5).  F = (1/10, 1/2, 3/5, 1); the discrete virtual
    values v_k - (v_{k+1} - v_k)(1 - F_k)/f_k are (-8, 3/4, -1, 4): not monotone, so values
    2 and 3 are ironed to (3/4 * 2/5 - 1 * 1/10) / (1/2) = 2/5.  Revenue = E[max_i of the
    ironed virtual values, positive part]:
    one bidder   4 * 2/5 + 2/5 * 1/2                                     = 9/5,
    two bidders  4 * (1 - (3/5)^2) + 2/5 * ((3/5)^2 - (1/10)^2)          = 64/25 + 7/50 = 27/10,
    three        4 * (1 - (3/5)^3) + 2/5 * ((3/5)^3 - (1/10)^3)          = 392/125 + 43/500
                                                                         = 1611/500 = 3.222.
    """
    out = run_cli(PMF, "--exact", "--json", "--set", f"params.bidders={bidders}")
    assert out.returncode == 0, out.stderr
    d = json.loads(out.stdout)
    assert d["exact"]["verified"] is True, d["exact"]
    assert d["exact"]["objective"] == value
    assert Fraction(value) == Fraction(d["objective"]).limit_denominator(1000)
    assert set(d["exact"]) == {"verified", "objective", "message"}


def test_exact_from_python_and_in_summary_files(tmp_path):
    res = mdlp.solve(mdlp.load_config(PMF, ["params.bidders=2"]), exact=True)
    assert res.exact["verified"] and res.exact["objective"] == "27/10"
    out = run_cli(PMF, "--exact", "--set", "params.bidders=1", "--out", str(tmp_path / "o"))
    assert out.returncode == 0, out.stderr
    assert "exact        verified, objective 9/5" in out.stdout
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["exact"]["objective"] == "9/5" and summary["exact"]["verified"]


def test_regret_pricing_three_point_grid():
    """One item, zero cost, types {0, 1/2, 1} (grid endpoints on [0, 1]); minimize the
    largest regret v - m(v) (the benchmark is v).  IR at 0 gives m(0) <= 0 and downward
    adjacent IC gives m(v_k) <= m(v_{k-1}) + v_k (q(v_k) - q(v_{k-1})), so with q(0) >= 0:
    m(1/2) <= q(1/2)/2 and m(1) <= q(1) - q(1/2)/2 <= 1 - q(1/2)/2.  The regrets are then
    at least 1/2 - q(1/2)/2 and q(1/2)/2, whose maximum is >= 1/4, with equality at
    q(1/2) = 1/2, q(1) = 1 (a price uniform on {1/2, 1}).  Optimum: 1/4."""
    res = mdlp.solve(
        {
            "kind": "regret_pricing",
            "params": {"upper": [1.0]},
            "grid": {"points": 3, "placement": "endpoints"},
        },
        exact=True,
    )
    assert res.exact["verified"] and res.exact["objective"] == "1/4", res.exact
    assert "IC on all 6 ordered type pairs checked exactly" in res.exact["message"]


def test_regret_pricing_two_items_row_generation_is_exact():
    """Two items on the 5 x 5 endpoints grid: the LP solved last has only part of the 600
    IC pairs; --exact adds the pairs its exact vertex violates until none is, so the
    verified fraction is the optimum of the full LP.  Its value is checked against the
    full all-pairs LP solved in rationals too (an independent, row-generation-free LP)."""
    spec = {
        "kind": "regret_pricing",
        "params": {"upper": [1.0, 1.0]},
        "grid": {"points": 5, "placement": "endpoints"},
    }
    res = mdlp.solve(spec, exact=True)
    assert res.exact["verified"], res.exact
    full = mdlp.load_config({**spec, "params": {"upper": [1.0, 1.0], "ic": "all_pairs"}})
    ref = verify_lp(full.make_problem().build())
    assert ref.verified and res.exact["objective"] == f"{ref.objective.numerator}/" + str(
        ref.objective.denominator
    )


def test_bayesian_pricing_one_item_is_a_posted_price():
    """One buyer, one item, v in {1, 2, 3} w.p. (3/10, 3/10, 2/5).  The optimal mechanism
    for one item is a posted price (Riley and Zeckhauser 1983): price 1 earns 1, price 2
    earns 2 * 7/10 = 7/5, price 3 earns 3 * 2/5 = 6/5.  Optimum: 7/5."""
    res = mdlp.solve(
        {
            "kind": "bayesian_pricing",
            "params": {"items": [{"values": [1, 2, 3], "probs": [0.3, 0.3, 0.4]}]},
        },
        exact=True,
    )
    assert res.exact["verified"] and res.exact["objective"] == "7/5", res.exact


def test_bayesian_pricing_two_by_two_bundle():
    """Two additive items, values iid uniform on {1, 2}: types 11, 12, 21, 22 (value of
    item 1, item 2), each 1/4; a, b are the two allocation probabilities, m the payment.
    Lower bound 9/4: the bundle at price 3 (types 12, 21, 22 buy, 11 does not).
    Upper bound: add 3 x IR(11), IR(12), IC(12 not as 11), IC(21 not as 11) and
    IC(22 not as 12):
      3 (a11 + b11 - m11) + (a12 + 2 b12 - m12) + (a12 + 2 b12 - m12 - a11 - 2 b11 + m11)
      + (2 a21 + b21 - m21 - 2 a11 - b11 + m11) + (2 a22 + 2 b22 - m22 - 2 a12 - 2 b12 + m12)
      = 2 b12 + 2 a21 + b21 + 2 a22 + 2 b22 - (m11 + m12 + m21 + m22) >= 0,
    so 4 * revenue = m11 + m12 + m21 + m22 <= 2 + 2 + 1 + 2 + 2 = 9.  Optimum: 9/4."""
    res = mdlp.solve(
        {
            "kind": "bayesian_pricing",
            "params": {"items": [{"values": [1, 2], "probs": [0.5, 0.5]}] * 2},
        },
        exact=True,
    )
    assert res.exact["verified"] and res.exact["objective"] == "9/4", res.exact
    assert "IC on all 12 ordered type pairs checked exactly: no violation" in res.exact["message"]


def test_rational_reading_of_floats():
    """0.1 is read as 1/10, a grid mass 0.1 * 0.4 * 0.1 = 0.004000000000000001 as 1/250
    (it reproduces the float to 1e-14 relative); pi has no small-denominator reading and
    stays its exact binary value."""
    assert rational(0.1) == Fraction(1, 10)
    assert rational(0.1 * 0.4 * 0.1) == Fraction(1, 250)
    assert rational(1 / 3) == Fraction(1, 3)
    assert rational(math.pi) == Fraction(math.pi)


def test_a_basis_that_is_not_optimal_is_not_verified():
    """min x1 + 2 x2 s.t. x1 + x2 >= 1, x >= 0 (optimum x = (1, 0)).  The basis "x2 basic,
    x1 at its lower bound, row at its lower bound" gives x = (0, 1), y = 2 and reduced cost
    d1 = 1 - 2 = -1 < 0 on a lower bound: that prices x1's (infinite) upper bound, so the
    vertex is feasible but not optimal and must not be verified.  From it, one exact
    simplex pivot (x1 enters: d1 < 0; x2 leaves at its lower bound 0) reaches the
    optimum x = (1, 0), objective 1."""
    lp = LinearProgram("min")
    x = lp.add_variables("x", (2,), lb=0.0, cost=[1.0, 2.0])
    lp.add_constraints("cover", [(x, 1.0)], lb=1.0, shape=(1,))
    bad = verify_lp(lp, (np.array([0, 1]), np.array([0])), polish=False)
    assert not bad.verified and bad.objective == 2
    assert "infinite bound" in bad.message
    polished = verify_lp(lp, (np.array([0, 1]), np.array([0])))
    assert polished.verified and polished.objective == 1
    assert "after 1 exact simplex pivots" in polished.message
    good = verify_lp(lp, (np.array([1, 0]), np.array([0])))
    assert good.verified and good.objective == 1
    assert verify_lp(lp).objective == 1  # HiGHS's own basis


def test_exact_refuses_a_large_lp_and_writes_nothing(tmp_path):
    out = run_cli(
        "configs/myerson_uniform.yaml",
        "--exact",
        "--set",
        "grid.points=200",
        "--out",
        str(tmp_path / "o"),
    )
    assert out.returncode == 2
    assert out.stderr.startswith("error: --exact:") and f"{MAX_ROWS:,}" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "o").exists() and out.stdout == ""


def test_exact_refuses_a_mixed_integer_program():
    with pytest.raises(ConfigError, match="integer"):
        mdlp.solve(
            {
                "kind": "regret_pricing",
                "params": {"upper": [1.0], "mechanism": "deterministic"},
                "grid": {"points": 3, "placement": "endpoints"},
            },
            exact=True,
        )


def test_basis_optimal_only_within_tolerance_is_polished_exactly():
    """markov_auction evaluating the lottery: the costs are irrational (their exact binary
    values are used), ties between profiles are broken at 1e-17, and HiGHS's basis has
    reduced costs of the wrong sign at that level.  Exact simplex pivots from it reach an
    exactly optimal basis, whose value agrees with the float optimum to 1e-12."""
    res = mdlp.solve(
        mdlp.load_config("configs/markov_evaluate.yaml", ["grid.points=5"]), exact=True
    )
    assert res.exact["verified"], res.exact
    assert "exact simplex pivots" in res.exact["message"]
    assert float(Fraction(res.exact["objective"])) == pytest.approx(res.objective, abs=1e-12)


def test_exact_value_must_confirm_the_reported_optimum():
    """1/3 confirms 0.3333333333 (within 1e-7 * (1 + 1/3)) but not 0.34."""
    from mdlp.run import _compare_exact

    ok = {"verified": True, "objective": "1/3", "message": "m"}
    _compare_exact(ok, 0.3333333333, 1e-7)
    assert ok["verified"]
    bad = {"verified": True, "objective": "1/3", "message": "m"}
    _compare_exact(bad, 0.34, 1e-7)
    assert not bad["verified"] and "differs from the exact one by -0.00667" in bad["message"]


@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_externality_row_generation_checked_exactly_against_all_pairs(constraints):
    """Setting 1, two bidders, 3 points per type component, full ex-post formulation with
    IC by row generation: --exact checks IC on every pair of own types exactly at the exact
    vertex, and the verified fraction equals the rational optimum of the LP with every IC
    pair imposed up front (``ic: all``), solved and verified separately."""
    over = ["grid.points=3", "params.formulation=full", f"params.constraints={constraints}"]
    res = mdlp.solve(mdlp.load_config("configs/externality_s1_revenue.yaml", over), exact=True)
    assert res.exact["verified"], res.exact
    assert "own-type pairs checked exactly: no violation" in res.exact["message"]
    full = mdlp.load_config("configs/externality_s1_revenue.yaml", [*over, "params.ic=all"])
    ref = verify_lp(full.make_problem().build())
    assert ref.verified
    assert Fraction(res.exact["objective"]) == ref.objective


def test_failed_solve_still_reports_exact_as_not_verified():
    """A solve that does not end optimal keeps the contract's key, with no objective."""
    from solvers import Solution

    class Infeasible:
        def solve(self, lp):
            return Solution(status="infeasible", backend="stub", message="stub")

    res = mdlp.solve(mdlp.load_config(PMF), backend=Infeasible(), exact=True)
    assert res.status == "infeasible" and res.exit_code == 3
    assert res.summary()["exact"] == {
        "verified": False,
        "objective": None,
        "message": "the solve ended infeasible",
    }
