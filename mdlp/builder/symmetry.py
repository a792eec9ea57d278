"""Symmetric reduction for identical agents.

If agents ``i`` and ``k`` have the same type space, the same prior and enter objective and
constraints symmetrically, permuting them maps feasible mechanisms to feasible mechanisms
of the same value; the LP is convex, so the average of an optimal mechanism over all
permutations is feasible and optimal, and it is symmetric.  Hence one block of variables
can stand for all identical agents without losing the optimum.
"""

from __future__ import annotations

import numpy as np


def identical_groups(keys) -> list[list[int]]:
    """Group agent indices whose ``keys`` (any comparable description) are equal, in order
    of first appearance."""
    groups: list[list[int]] = []
    seen: list = []
    for i, k in enumerate(keys):
        for g, s in zip(groups, seen, strict=True):
            if s == k:
                g.append(i)
                break
        else:
            groups.append([i])
            seen.append(k)
    return groups


def own_first_profiles(sizes, i: int) -> np.ndarray:
    """Flat index, in the layout ``(own type of agent i, the others in agent order)``, of
    every joint profile of the C-ordered grid ``sizes`` (one axis per agent): the map that
    lets one ex-post block ``q[own, others]`` serve every identical agent."""
    sizes = tuple(int(s) for s in sizes)
    idx = np.indices(sizes)
    order = [i] + [k for k in range(len(sizes)) if k != i]
    moved = tuple(idx[k] for k in order)
    shape = tuple(sizes[k] for k in order)
    return np.ravel_multi_index(moved, shape)


def swap_axes_rows(lp, name: str, q, m, shape, d1: int, d2: int) -> None:
    """Rows making an interim rule invariant under swapping type dimensions ``d1`` and
    ``d2`` together with goods ``d1`` and ``d2``: ``Q[s(t), s(j)] = Q[t, j]``,
    ``M[s(t)] = M[t]`` (``s`` swaps the two coordinates; the grid's two axes must be
    equal).  Valid when priors, costs and constraints are invariant under the swap: the
    average of an optimum and its swapped copy is feasible and optimal."""
    idx = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    sw = np.swapaxes(idx, d1, d2).ravel()  # sw[t]: the flat index of the swapped type
    t = np.arange(sw.size)
    keep = t < sw  # each orbit {t, s(t)} once
    J = q.shape[-1]
    perm = np.arange(J)
    perm[[d1, d2]] = perm[[d2, d1]]
    a, b = t[keep], sw[keep]
    lp.add_constraints(f"{name}_q", [(q[a], 1.0), (q[b][:, perm], -1.0)], lb=0.0, ub=0.0)
    lp.add_constraints(f"{name}_m", [(m[a], 1.0), (m[b], -1.0)], lb=0.0, ub=0.0)
    fixed = t[t == sw]
    if fixed.size:
        lp.add_constraints(
            f"{name}_diag", [(q[fixed, d1], 1.0), (q[fixed, d2], -1.0)], lb=0.0, ub=0.0
        )


def _swap_runs(ndim: int, swaps) -> list[list[int]]:
    """The axes connected by the adjacent transpositions ``swaps`` (pairs ``(d, d + 1)``),
    as runs of consecutive axes; every run's axes are permuted freely."""
    linked = np.zeros(max(ndim - 1, 0), dtype=bool)
    for d1, d2 in swaps:
        d1, d2 = sorted((int(d1), int(d2)))
        if d2 != d1 + 1 or not 0 <= d1 < ndim - 1:
            raise ValueError(f"swaps must be adjacent axes of a {ndim}-axis grid, got {(d1, d2)}")
        linked[d1] = True
    runs, cur = [], [0]
    for d in range(1, ndim):
        if linked[d - 1]:
            cur.append(d)
        else:
            runs.append(cur)
            cur = [d]
    runs.append(cur)
    return [r for r in runs if len(r) > 1]


def orbit_map(shape, swaps) -> tuple[np.ndarray, np.ndarray]:
    """Orbits of a product grid's types under permuting the axes of each run linked by the
    adjacent transpositions ``swaps`` (the run's axes must have equal length).

    Returns ``(rep, perm)``: ``rep[t]`` is the flat index of the orbit's representative
    (coordinates sorted non-increasing within each run, the canonical type), and
    ``perm[t, j]`` the axis that axis ``j`` of ``t`` moves to when ``t`` is sorted (ties
    keep their order).  An interim rule invariant under the group satisfies
    ``Q[t, j] = Q[rep[t], perm[t, j]]``."""
    shape = tuple(int(s) for s in shape)
    D = len(shape)
    idx = np.indices(shape).reshape(D, -1).T  # (n, D)
    n = idx.shape[0]
    perm = np.tile(np.arange(D), (n, 1))
    canon = idx.copy()
    for run in _swap_runs(D, swaps):
        if len({shape[d] for d in run}) != 1:
            raise ValueError(f"axes {run} have different lengths; they cannot be permuted")
        r = np.asarray(run)
        sub = idx[:, r]
        order = np.argsort(-sub, axis=1, kind="stable")  # order[t, k]: axis going to slot k
        canon[:, r] = np.take_along_axis(sub, order, axis=1)
        pos = np.empty_like(order)
        np.put_along_axis(pos, order, np.broadcast_to(np.arange(r.size), order.shape), axis=1)
        perm[:, r] = r[pos]
    rep = np.ravel_multi_index(tuple(canon.T), shape)
    return rep, perm


def orbit_blocks(lp, tag: str, shape, J: int, swaps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Interim blocks ``q{tag}`` (``(n, J)`` in ``[0, 1]``) and ``m{tag}`` (``(n,)``, free)
    whose entries are tied by the symmetry of permuting type axes together with goods
    (``swaps``: adjacent transpositions ``(d, d + 1)`` of axes = goods, as for
    :func:`swap_axes_rows`), with LP columns only for the orbit representatives.

    Where :func:`swap_axes_rows` adds equality rows ``Q[s(t), s(j)] = Q[t, j]`` (which
    presolve keeps: the LP stays twice as large), this adds columns ``q{tag}_orbit`` and
    ``m{tag}_orbit`` for the representatives only and names the full rules as views
    (:meth:`solvers.LinearProgram.add_alias`): ``q{tag}[t, j]`` is column
    ``q{tag}_orbit[rep(t), perm(t, j)]`` (:func:`orbit_map`), goods whose coordinates tie
    sharing one column (invariance at the types a transposition fixes).  Rows built on the views use
    the shared columns.  Valid whenever priors, costs and constraints are invariant under
    the permutations: the average of an optimum over the group is feasible, optimal and of
    this form.  Every row is then the same for all types of an orbit, so IR, IC (true
    type) and similar per-type rows are needed for the representatives only.

    Returns ``(q, m, reps)``: the full index arrays and the representatives' flat indices
    (ascending)."""
    shape = tuple(int(s) for s in shape)
    n = int(np.prod(shape))
    if len(shape) != J:
        raise ValueError(f"orbit_blocks needs one type axis per good ({J}), got shape {shape}")
    rep, perm = orbit_map(shape, swaps)
    reps = np.flatnonzero(rep == np.arange(n))
    rank = np.full(n, -1, dtype=np.int64)
    rank[reps] = np.arange(reps.size)
    # tied coordinates of a type share a column (the first slot of their tie group in the
    # sorted type), so that the rule is invariant at types fixed by a transposition too
    canon = np.array(np.unravel_index(rep, shape)).T  # (n, D), sorted within runs
    first = np.tile(np.arange(J), (n, 1))
    for run in _swap_runs(J, swaps):
        for k in range(1, len(run)):
            tie = canon[:, run[k]] == canon[:, run[k - 1]]
            first[tie, run[k]] = first[tie, run[k - 1]]
    key = rank[rep][:, None] * J + np.take_along_axis(first, perm, axis=1)
    used, inv = np.unique(key, return_inverse=True)
    qo = lp.add_variables(f"q{tag}_orbit", (used.size,), lb=0.0, ub=1.0)
    mo = lp.add_variables(f"m{tag}_orbit", (reps.size,), lb=-np.inf)
    q = lp.add_alias(f"q{tag}", qo[inv.reshape(n, J)])
    m = lp.add_alias(f"m{tag}", mo[rank[rep]])
    return q, m, reps


def canonical_pairs(shape, swaps, a, b) -> tuple[np.ndarray, np.ndarray]:
    """Map IC pairs ``(a, b)`` (flat types) to the pair of the same orbit whose true type
    is a representative: both types are permuted by the sorting permutation of ``a``
    (the rows of the two pairs coincide under :func:`orbit_blocks`)."""
    shape = tuple(int(s) for s in shape)
    rep, perm = orbit_map(shape, swaps)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    cb = np.array(np.unravel_index(b, shape)).T  # (k, D)
    out = np.empty_like(cb)
    np.put_along_axis(out, perm[a], cb, axis=1)
    return rep[a], np.ravel_multi_index(tuple(out.T), shape)
