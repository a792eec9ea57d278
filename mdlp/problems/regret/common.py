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


def utility_pricing_lp(X, c, shape=None, name: str = "regret_pricing"):
    """LP (2.6) in utility form, without IC: columns ``q[v, j] in [0, 1]``, the truthful
    utility ``u[v] = v.q(v) - m(v)`` and ``r``; regret rows ``r + (v - c).q(v) - u(v) >=
    sum_j (v_j - c_j)^+`` (block ``regret``) and IR ``u >= 0`` (block ``ir``).  IC rows
    ``u(a) - u(b) - (a - b).q(b) >= 0`` are added by the caller
    (:class:`mdlp.builder.oracle_utility.LazyICUtility`); the payment is ``v.q - u``.

    ``shape`` (the grid's shape, all axes equal, equal costs) applies the symmetric
    reduction of permuting identical items: permuting the items together with the value
    coordinates maps a feasible mechanism to a feasible one of the same worst-case regret
    (the benchmark, the profit ``m - q.c`` with equal costs, IR and IC are invariant); the
    LP is convex, so the average of an optimum over the permutations is optimal and
    symmetric.  :func:`mdlp.builder.orbit_blocks` then gives columns to the orbit
    representatives (sorted coordinates) only, ``q`` and ``u`` are views, and the rows of
    a type equal those of its representative, so they are built for the representatives
    only.  Returns ``(lp, q, u, types)``: ``types`` the flat indices of the types that
    have rows (all, or the representatives)."""
    X = np.asarray(X, dtype=float)
    c = np.asarray(c, dtype=float)
    n, J = X.shape
    bench = np.maximum(X - c, 0.0).sum(1)
    lp = LinearProgram("min", name)
    if shape is not None:
        from mdlp.builder.symmetry import orbit_blocks

        if not np.all(c == c[0]):
            raise ValueError("the symmetric reduction needs equal costs")
        qv, uv, types = orbit_blocks(lp, "_sym", shape, J, [(d, d + 1) for d in range(J - 1)])
        q = lp.add_alias("q", qv)
        u = lp.add_alias("u", uv)
    else:
        q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0)
        u = lp.add_variables("u", (n,), lb=-np.inf)
        types = np.arange(n)
    r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
    k = types.size
    lp.add_constraints(
        "regret",
        [(np.full(k, int(r)), 1.0), (q[types], X[types] - c[None, :]), (u[types], -1.0)],
        lb=bench[types],
        shape=(k,),
    )
    lp.add_constraints("ir", [(u[types], 1.0)], lb=0.0, shape=(k,))
    return lp, q, u, types


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
