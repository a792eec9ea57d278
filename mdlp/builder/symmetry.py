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
