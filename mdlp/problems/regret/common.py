"""The one-buyer minimax-regret menu LP (Koçyiğit 2020, *Distributional Robustness in
Mechanism Design*, LP (2.6)) without its IC rows, and the Bayesian-profit LP that checks
its dual; shared by :mod:`.pricing` and the saddle-point algorithm :mod:`.saddle`."""

from __future__ import annotations

import numpy as np

from mdlp.builder import ic_rows, ir_rows, pair_set
from solvers import LinearProgram


def pricing_lp(X, c, integer: bool = False, name: str = "regret_pricing"):
    """Variables ``q[v, j] in [0, 1]`` (binary if ``integer``), ``m[v]`` and ``r`` free;
    minimise ``r`` subject to the regret rows ``r + m(v) - q(v).c >= sum_j (v_j - c_j)^+``
    (block ``regret``; its duals are nature's mixed strategy ``alpha``) and IR (block
    ``ir``) on the profiles ``X`` (shape ``(n, J)``).  Returns ``(lp, q, m)`` (column
    indices); IC is added by the caller."""
    X = np.asarray(X, dtype=float)
    c = np.asarray(c, dtype=float)
    n, J = X.shape
    bench = np.maximum(X - c, 0.0).sum(1)
    lp = LinearProgram("min", name)
    q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, integer=integer)
    m = lp.add_variables("m", (n,), lb=-np.inf)
    r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
    lp.add_constraints(
        "regret", [(np.full(n, int(r)), 1.0), (m, 1.0), (q, -c[None, :])], lb=bench, shape=(n,)
    )
    ir_rows(lp, "ir", q, m, X)
    return lp, q, m


def symmetric_pricing_lp(X, c, shape, name: str = "regret_pricing"):
    """:func:`pricing_lp` reduced by the symmetry of permuting identical items (equal
    bounds and costs on equal axes, grid ``shape``, flat C-ordered profiles ``X``).

    Permuting the items together with the value coordinates maps a feasible mechanism to
    a feasible one of the same worst-case regret: the benchmark ``sum_j (v_j - c_j)^+``,
    the seller's profit ``m - q.c`` (equal costs), IR and IC are invariant.  The LP is
    convex, so the average of an optimum over the permutations is optimal and symmetric;
    hence :func:`mdlp.builder.orbit_blocks` gives columns to the orbit representatives
    (sorted coordinates) only, ``q`` and ``m`` are views, and the regret and IR rows of a
    type equal those of its representative, so they are built for the representatives
    only.  Returns ``(lp, q, m, reps)``."""
    from mdlp.builder.symmetry import orbit_blocks

    X = np.asarray(X, dtype=float)
    c = np.asarray(c, dtype=float)
    n, J = X.shape
    if not np.all(c == c[0]):
        raise ValueError("the symmetric reduction needs equal costs")
    bench = np.maximum(X - c, 0.0).sum(1)
    lp = LinearProgram("min", name)
    q, m, reps = orbit_blocks(lp, "", shape, J, [(d, d + 1) for d in range(J - 1)])
    r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
    k = reps.size
    lp.add_constraints(
        "regret",
        [(np.full(k, int(r)), 1.0), (m[reps], 1.0), (q[reps], -c[None, :])],
        lb=bench[reps],
        shape=(k,),
    )
    ir_rows(lp, "ir", q, m, X, types=reps)
    return lp, q, m, reps


def bayesian_profit(X, alpha, cost, backend=None) -> float:
    """The seller's best expected profit ``E_alpha[m - q.c]`` over IC (all pairs) and IR
    mechanisms on the profiles ``X`` - a separate LP used to check the minimax dual:
    ``E_alpha[benchmark] - bayesian_profit(alpha)`` must equal the regret optimum."""
    from solvers import get_backend

    X = np.asarray(X, dtype=float)
    n, J = X.shape
    lp = LinearProgram("max", "bayes_profit")
    q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, cost=-alpha[:, None] * cost[None, :])
    m = lp.add_variables("m", (n,), lb=-np.inf, cost=alpha)
    ir_rows(lp, "ir", q, m, X)
    ic_rows(lp, "ic", q, m, X, *pair_set((n,), "all"))
    sol = (backend or get_backend("highs", threads=1)).solve(lp).require_optimal()
    return float(sol.objective)


def theorem_config(kind: str, **params) -> dict:
    """The config of a theorem-table row of the regret families (the thesis's endpoint
    grids, one thread)."""
    return {
        "kind": kind,
        "params": params,
        "grid": {"placement": "endpoints"},
        "solver": {"threads": 1},
    }
