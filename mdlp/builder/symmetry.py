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
