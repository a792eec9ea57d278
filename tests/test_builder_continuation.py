"""Grid continuation's start set (``mdlp.builder.refine_pairs``), by hand."""

from __future__ import annotations

import numpy as np

from mdlp.builder import refine_pairs


def test_refine_pairs_by_hand():
    """Coarse axes {0, 1} x {0, 1}, fine axes {0, .5, 1} x {0, .5, 1}.  The coarse pair
    (0, 0) -> (1, 1) (flat 0 -> 3) goes to (0, 0) -> (2, 2) on the fine grid (flat 0 -> 8),
    shifted by (0, 0), (0, 1), (1, 0), (1, 1) and clipped: true types 0, 1, 3, 4 (flat),
    every report clipped to (2, 2) = 8.  The axis pair (0, 0) -> (0, 1) is skipped."""
    c, f = [np.array([0.0, 1.0])] * 2, [np.array([0.0, 0.5, 1.0])] * 2
    a, b = refine_pairs(np.array([0, 0]), np.array([3, 1]), c, f)
    assert sorted(a.tolist()) == [0, 1, 3, 4]
    assert b.tolist() == [8, 8, 8, 8]
    a, b = refine_pairs(np.array([0]), np.array([1]), c, f, skip_axis=False)
    # (0, 0) -> (0, 2) shifted: (0,0)->(0,2), (0,1)->(0,2), (1,0)->(1,2), (1,1)->(1,2)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 2), (1, 2), (3, 5), (4, 5)]
