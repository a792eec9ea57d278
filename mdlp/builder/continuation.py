"""Grid continuation: carry a coarse grid's binding IC pairs to a finer grid as a start set.

Row generation on a fine grid starts from the axis neighbours; the pairs that bind on the
grid with about half the points, mapped to the fine grid, usually contain the long-range
pairs the fine optimum needs, so fewer rounds follow.  Only the starting set changes: the
oracle still certifies every pair of the fine grid.
"""

from __future__ import annotations

import numpy as np


def refine_pairs(a, b, coarse_points, fine_points, *, skip_axis: bool = True):
    """Fine-grid IC pairs for the coarse pairs ``(a, b)`` (flat C-order indices of the
    product grid with axes ``coarse_points``): each type goes to the nearest point of the
    fine axes ``fine_points``, and the pair is added translated by every shift in
    ``{0, 1}^J`` (a coarse cell covers about ``2^J`` fine points), clipped to the grid.
    ``skip_axis``: drop coarse pairs that are axis neighbours (the start set has them).
    Returns flat fine indices ``(a, b)`` (possibly repeated; ``LazyIC.add_pairs`` dedups)."""
    cshape = tuple(len(p) for p in coarse_points)
    shape = tuple(len(p) for p in fine_points)
    J = len(shape)
    ia = np.array(np.unravel_index(np.asarray(a, dtype=np.int64), cshape)).reshape(J, -1)
    ib = np.array(np.unravel_index(np.asarray(b, dtype=np.int64), cshape)).reshape(J, -1)
    if skip_axis:
        keep = np.abs(ia - ib).sum(0) != 1
        ia, ib = ia[:, keep], ib[:, keep]
    fa, fb = np.empty_like(ia), np.empty_like(ib)
    for j, (pc, pf) in enumerate(zip(coarse_points, fine_points, strict=True)):  # J axes
        near = np.abs(np.asarray(pc)[:, None] - np.asarray(pf)[None, :]).argmin(1)
        fa[j], fb[j] = near[ia[j]], near[ib[j]]
    shifts = np.array(np.unravel_index(np.arange(2**J), (2,) * J))  # (J, 2^J)
    hi = np.array(shape)[:, None, None] - 1
    A = np.clip(fa[:, :, None] + shifts[:, None, :], 0, hi)
    B = np.clip(fb[:, :, None] + shifts[:, None, :], 0, hi)
    return (
        np.ravel_multi_index(tuple(A.reshape(J, -1)), shape),
        np.ravel_multi_index(tuple(B.reshape(J, -1)), shape),
    )
