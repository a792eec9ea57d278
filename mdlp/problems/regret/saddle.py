"""The saddle-point certificate of multi-item minimax-regret pricing: the structure of the
proof of Theorem 2.3.2 (Koçyiğit 2020, *Distributional Robustness in Mechanism Design*)
carried to a grid, with type generation for nature.

It is an algorithm for one LP family, not a family: :class:`.pricing.RegretPricing` calls
:func:`solve_by_saddle_point` first for ``ic: auto`` with two or more items and falls back
to row generation when the two bounds do not meet.  It is specific to regret pricing (the
upper bound is the separable mechanism of the one-item grid optima, the lower bound
nature's comonotone law), so it lives beside the family rather than in the builder.
"""

from __future__ import annotations

import time

import numpy as np

from mdlp.builder import adjacent_ic, ic_certificate, ic_rows
from mdlp.problems.regret.common import pricing_lp
from solvers import LinearProgram, Solution

TYPEGEN_ROUNDS = 20  # rounds of type generation before giving up (the caller row-generates)
TYPEGEN_BATCH = 40  # types added per round
TYPEGEN_MAX_TYPES = 600  # the restricted LP keeps all |S| (|S| - 1) IC pairs


def one_item_lp(x, c, backend):
    """One item's grid optimum on the sorted points ``x`` with adjacent IC (exact for one
    item, see :mod:`.pricing`): ``{"q", "m", "alpha", "value", "backend"}`` or ``None`` if
    the solve fails."""
    X = np.asarray(x, dtype=float)[:, None]
    lp, q, m = pricing_lp(X, np.array([c]))
    adjacent_ic(lp, "", q[:, 0], m, X[:, 0])  # exact for one item (see .pricing)
    sol = backend.solve(lp)
    if not sol.ok or "regret" not in sol.dual:
        return None
    return {
        "q": sol.x["q"][:, 0],
        "m": sol.x["m"],
        "alpha": np.maximum(sol.dual["regret"], 0.0),
        "value": float(sol.objective),
        "backend": sol.backend,
    }


def menu_extension(X, qS, mS, c):
    """Extend a menu ``(qS, mS)`` to the profiles ``X`` by the taxation principle: each
    profile takes its best entry of the menu plus the outside option ``(0, 0)``, ties broken
    toward the seller's larger profit ``m - q.c``.  IC on all pairs and IR by construction
    (up to the 1e-12 tie window)."""
    qS = np.vstack([qS, np.zeros((1, qS.shape[1]))])
    mS = np.append(mS, 0.0)
    U = X @ qS.T - mS[None, :]
    best = U.max(1, keepdims=True)
    profit = mS - qS @ c
    score = np.where(U >= best - 1e-12, profit[None, :], -np.inf)
    k = score.argmax(1)
    return qS[k], mS[k]


def comonotone_support(alphas, shape) -> np.ndarray:
    """Flat grid indices of the support of the comonotone (quantile) coupling of the laws
    ``alphas[j]`` on the axes of a grid of ``shape``: for every level ``t`` in (0, 1], the
    profile of the per-item ``t``-quantiles (at most ``sum_j K_j`` distinct profiles)."""
    cdfs = [np.cumsum(a) / max(float(a.sum()), 1e-300) for a in alphas]
    cuts = np.unique(np.concatenate([np.clip(F, 0.0, 1.0) for F in cdfs] + [[0.0, 1.0]]))
    mids = 0.5 * (cuts[:-1] + cuts[1:])
    mids = mids[cuts[1:] - cuts[:-1] > 1e-13]
    idx = [np.minimum(np.searchsorted(F, mids), F.size - 1) for F in cdfs]
    return np.unique(np.ravel_multi_index(tuple(idx), shape))


def solve_by_saddle_point(
    lp: LinearProgram, X, shape, axes_points, c, backend, *, rounds: int | None = None
) -> tuple[Solution | None, list[dict]]:
    """Certify the grid optimum of the full LP ``lp`` (the primal (2.6) on the profiles
    ``X`` of a grid of ``shape``, per-item points ``axes_points``, costs ``c``) by a saddle
    point.  Returns ``(solution, history)``; the solution is ``None`` when the two bounds
    do not meet (the caller then row-generates), else a full primal-dual pair of ``lp``
    labelled with the backend that solved the small LPs and ``method="saddle"``.

    Upper bound: the separable mechanism made of each item's own one-item grid optimum
    (one-item LPs with adjacent IC, exact for one item).  Its regret is ``sum_j z_j``
    because benchmark and payment are both sums over items, and it is IC on ALL pairs
    because utility is a sum of per-item utilities, each IC; both facts are re-checked
    numerically on the whole grid here (and again, from the arrays, in ``interpret``).

    Lower bound: drop every type outside a set ``S`` (its variables and rows).  That is a
    relaxation - a dual solution of the restricted LP, extended by zeros, is dual feasible
    for the full LP, because a dropped type's columns ``q(v), m(v)`` have cost 0 and meet
    only rows whose multipliers are 0.  ``S`` is the support of the comonotone (quantile)
    coupling of the per-item worst-case laws ``alpha_j`` (the regret-row duals of the
    one-item LPs) - nature's strategy of Theorem 2.3.2 on the grid - and the restricted LP
    keeps IC between ALL pairs of ``S`` (``|S| <= sum_j K_j``).  When ``value(S) >= sum_j
    z_j - tol`` the separable mechanism is optimal for the full LP; the IC rows of ``S``
    with nonzero multipliers are appended to ``lp`` (block ``ic``) so that the returned
    solution carries a full primal-dual pair (``sol.dual["regret"]`` is nature's comonotone
    ``alpha``).  This happens on every grid where the thesis's argument goes through (e.g.
    ``grid_from: cost`` endpoints grids, and the box grid with zero costs); elsewhere the
    bounds may differ and row generation decides.
    """
    rounds = TYPEGEN_ROUNDS if rounds is None else int(rounds)
    t0 = time.perf_counter()
    c = np.asarray(c, dtype=float)
    n, J = X.shape
    bench = np.maximum(X - c, 0.0).sum(1)
    history: list[dict] = []
    items = [one_item_lp(x, float(cj), backend) for x, cj in zip(axes_points, c, strict=True)]
    if any(it is None for it in items):
        return None, history
    t_items = time.perf_counter() - t0
    # the separable mechanism on the full grid
    multi = np.unravel_index(np.arange(n), shape)
    q = np.stack([items[j]["q"][multi[j]] for j in range(J)], axis=1)
    m = np.sum([items[j]["m"][multi[j]] for j in range(J)], axis=0)
    regret = bench - (m - q @ c)
    upper = float(regret.max())
    ic = max(0.0, ic_certificate(X, q, m)[0])
    ir = float((m - (q * X).sum(1)).max())
    t_ub = time.perf_counter() - t0 - t_items
    # nature: comonotone coupling of the one-item worst-case laws, then type generation
    S = comonotone_support([it["alpha"] for it in items], shape)
    tol = 1e-9 * max(1.0, abs(upper))
    for rnd in range(1, rounds + 1):
        t1 = time.perf_counter()
        XS = X[S]
        rlp, rq, rm = pricing_lp(XS, c)
        A, B = np.nonzero(~np.eye(S.size, dtype=bool))
        ic_rows(rlp, "ic", rq, rm, XS, A, B)
        rsol = backend.solve(rlp)
        if not rsol.ok:
            return None, history
        lower = float(rsol.objective)
        entry = {
            "round": rnd,
            "path": "saddle",
            "rows": lp.num_rows,
            "added": 0,
            "objective": upper,
            "lower_bound": lower,
            "support": int(S.size),
            "violation": ic,
            "items_s": t_items,
            "upper_s": t_ub,
            "lower_s": time.perf_counter() - t1,
        }
        history.append(entry)
        if upper - lower <= tol:
            break
        # taxation principle: every grid type picks its best menu of S (or (0, 0));
        # IC on all pairs and IR by construction, so its regret is an upper bound
        qe, me = menu_extension(X, rsol.x["q"], rsol.x["m"], c)
        reg_e = bench - (me - qe @ c)
        if reg_e.max() < upper:
            ic_e = max(0.0, ic_certificate(X, qe, me)[0])
            if ic_e <= 1e-9:
                q, m, regret, upper, ic = qe, me, reg_e, float(reg_e.max()), ic_e
                ir = float((m - (q * X).sum(1)).max())
                entry["objective"] = upper
                if upper - lower <= tol:
                    break
        # add the types the extension serves worst (they bound the relaxation)
        order = np.argsort(-reg_e)
        new = np.setdiff1d(order[: TYPEGEN_BATCH * 2], S)[:TYPEGEN_BATCH]
        new = new[reg_e[new] > lower + tol]
        if new.size == 0 or S.size + new.size > TYPEGEN_MAX_TYPES:
            return None, history
        S = np.union1d(S, new)
    else:
        return None, history
    if ic > 1e-9 or ir > 1e-9:
        return None, history
    # a full primal-dual pair: append the IC rows of S that carry a multiplier
    y_ic = rsol.dual["ic"]
    act = np.abs(y_ic) > 0
    a, b = S[A[act]], S[B[act]]
    before = lp.num_rows
    qc, mc = lp.variables["q"].indices.reshape(n, J), lp.variables["m"].indices
    ic_rows(lp, "ic", qc, mc, X, a, b, append=True)
    y = np.zeros(lp.num_rows)
    y[lp.rows["regret"].indices[S]] = rsol.dual["regret"]
    y[lp.rows["ir"].indices[S]] = rsol.dual["ir"]
    y[np.arange(before, lp.num_rows)] = y_ic[act]
    d = lp.cost - lp.rmatvec(y)
    x = np.zeros(lp.num_cols)
    x[lp.variables["q"].indices.reshape(n, J)] = q
    x[lp.variables["m"].indices] = m
    x[lp.variables["r"].indices] = upper
    entry["added"] = lp.num_rows - before
    entry["solve_s"] = time.perf_counter() - t0
    sol = Solution.from_flat(
        lp,
        "optimal",
        rsol.backend,  # the backend that actually solved the one-item and restricted LPs
        upper,
        x,
        y,
        d,
        solve_s=entry["solve_s"],
        method="saddle",
        message=f"saddle point: nature's support {S.size} types after {len(history)} round(s)",
    )
    sol.rounds = len(history)
    sol.rows_added = entry["added"]
    return sol, history
