"""Minimax regret on the shared builder: stateless problems, the backend a saddle-point
solution names, and the auction's reduced formulation (envelope form, symmetric reduction,
lazy IC) against a full LP written here and solved by Clarabel (an interior-point solver
that shares no code with HiGHS).

Reference numbers: the thesis grid values of Koçyiğit (2020), Distributional Robustness in
Mechanism Design (on {0, 1/4, ..., 1}: z_4 = 7/24, derived in test_regret.py; a grid
containing 0 gives the auction the single-buyer value, Chapter 3), or the full LP below.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from mdlp.config import load_config
from solvers import LinearProgram, get_backend

Z4 = float(Fraction(7, 24))  # z_n on the thesis grid, n = 4 (K = 5), u = 1, c = 0


def problem(kind, points, placement="endpoints", **params):
    cfg = {"kind": kind, "params": params, "grid": {"points": points, "placement": placement}}
    return load_config(cfg).make_problem()


# (kind, params, K, value of the LP that build() returns, solved as it stands, or None where
# build() leaves IC to row generation)
CASES = [
    ("regret_pricing", {"upper": [1.0]}, 5, Z4),  # ic auto = adjacent (one item)
    ("regret_pricing", {"upper": [1.0], "ic": "all_pairs"}, 5, Z4),
    ("regret_pricing", {"upper": [1.0], "ic": "rowgen"}, 5, None),
    ("regret_pricing", {"upper": [1.0], "formulation": "dual"}, 5, Z4),
    ("regret_pricing", {"upper": [1.0, 1.0]}, 5, None),  # saddle point, then row generation
    ("regret_pricing", {"upper": [1.0, 1.0], "mechanism": "deterministic"}, 3, None),
    ("regret_auction", {"bidders": 3, "upper": [1.0]}, 5, Z4),
    ("regret_auction", {"bidders": 2, "upper": [1.0], "mechanism": "deterministic"}, 5, None),
    ("regret_auction", {"bidders": 2, "upper": [1.0, 1.0]}, 3, None),
]


@pytest.mark.parametrize("kind,params,K,value", CASES)
def test_interpret_a_plain_solve_on_a_fresh_and_a_reused_problem(kind, params, K, value):
    """``prob.interpret(lp, backend.solve(lp))`` works for every ic mode, on a fresh problem
    and on one that solved before (``solve_lp``: saddle point / row generation); the
    problem object gains no attribute from build, solve or interpret."""
    be = get_backend("highs", threads=1)
    prob = problem(kind, K, **params)
    before = dict(vars(prob))
    lp = prob.build()
    sol = be.solve(lp)
    assert sol.ok
    interp = prob.interpret(lp, sol)
    assert interp.mechanism is not None
    if value is not None:
        assert sol.objective == pytest.approx(value, abs=1e-9)
    # reuse: a full solve, then a plain solve of a fresh LP again
    lp2 = prob.build()
    full = prob.solve_lp(lp2, be)
    assert full.ok
    prob.interpret(lp2, full)
    lp3 = prob.build()
    again = be.solve(lp3)
    prob.interpret(lp3, again)
    assert again.objective == pytest.approx(sol.objective, abs=1e-9)
    assert vars(prob).keys() == before.keys()


class _Unnamed:
    """A backend object without a ``name``: it hands every LP to Clarabel."""

    incremental = False

    def __init__(self):
        self.inner = get_backend("clarabel")

    def solve(self, lp):
        return self.inner.solve(lp)


def test_saddle_point_names_the_backend_that_ran():
    """The saddle-point solution is labelled with the backend its LPs were solved by (the
    label the solutions carry), not with a default.  Value: 2 z_4 = 7/12 (the thesis
    grid of two unit items, Theorem 2.3.2's separable value on the grid)."""
    prob = problem("regret_pricing", 5, upper=[1.0, 1.0])
    lp = prob.build()
    sol = prob.solve_lp(lp, _Unnamed())
    assert sol.method == "saddle"
    assert sol.backend == "clarabel"
    assert sol.objective == pytest.approx(2 * Z4, abs=1e-6)


def _full_auction_lp(V, upper_K, det=False):
    """The regret auction LP written out in full here: ex-post q[v, i, j], m[v, i] at every
    profile, IC between ALL pairs of own types for every opponent profile and bidder, IR,
    supply, regret rows (no envelope form, no symmetric reduction, no row generation)."""
    n, I, J = V.shape
    K = upper_K
    lp = LinearProgram("min", "full")
    q = lp.add_variables("q", (n, I, J), lb=0.0, ub=1.0)
    m = lp.add_variables("m", (n, I), lb=-np.inf)
    r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
    lp.add_constraints(
        "regret", [(np.full(n, int(r)), 1.0), (m, 1.0)], lb=V.max(1).sum(1), shape=(n,)
    )
    lp.add_constraints("ir", [(q, V), (m, -1.0)], lb=0.0, shape=(n, I))
    lp.add_constraints("supply", [(np.swapaxes(q, 1, 2), 1.0)], ub=1.0, shape=(n, J))
    grid = np.arange(n).reshape((K**J,) * I)
    for i in range(I):
        blk = np.moveaxis(grid, i, -1).reshape(-1, K**J)  # (opponents, own)
        a_own, b_own = np.nonzero(~np.eye(K**J, dtype=bool))
        a = blk[:, a_own].ravel()  # true profile
        b = blk[:, b_own].ravel()  # profile after bidder i's misreport
        x = V[a, i, :]
        lp.add_constraints(
            f"ic{i}",
            [(q[a, i, :], x), (q[b, i, :], -x), (m[a, i], -1.0), (m[b, i], 1.0)],
            lb=0.0,
            shape=(a.size,),
        )
    return lp


@pytest.mark.parametrize(
    "I,upper,K,placement",
    [(3, [1.0], 4, "midpoint"), (2, [1.0], 6, "midpoint"), (2, [1.0, 2.0], 3, "midpoint")],
)
def test_reduced_auction_equals_the_full_lp_solved_by_clarabel(I, upper, K, placement):
    """Midpoint grids (no 0 on the grid, so no closed form): the family's LP (envelope
    form for one item, the symmetric reduction, lazy IC for two items) has the optimum of
    the full LP above, solved by Clarabel, to the solvers' tolerance; the family's
    certificate covers every own pair and opponent profile."""
    prob = problem("regret_auction", K, placement, bidders=I, upper=upper)
    lp = prob.build()
    sol = prob.solve_lp(lp, get_backend("highs", threads=1))
    assert sol.ok
    sp, V, _, _ = prob._arrays()
    ref = get_backend("clarabel").solve(_full_auction_lp(V, K))
    assert ref.ok
    assert sol.objective == pytest.approx(ref.objective, abs=1e-6)
    cert = prob.interpret(lp, sol).certificate
    assert max(cert.values()) <= 1e-8
