"""Product type spaces with vectorized index arithmetic.

A :class:`ProductSpace` is the Cartesian product of axes (one per bidder, or per item).
Profiles are addressed either by a tuple of per-axis indices or by a flat C-order index;
every helper works on whole index arrays, so LP builders never loop over grid points.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence

import numpy as np

from grids.axis import Axis


class ProductSpace:
    """The product ``axes[0] x axes[1] x ...`` of 1-D axes."""

    def __init__(self, axes: Sequence[Axis]):
        if len(axes) == 0:
            raise ValueError("a product space needs at least one axis")
        self.axes = tuple(axes)
        self.shape = tuple(len(a) for a in self.axes)
        self.ndim = len(self.shape)
        self.size = int(math.prod(self.shape))

    def __repr__(self) -> str:
        return f"ProductSpace(shape={self.shape})"

    # --- index arithmetic -------------------------------------------------------------
    def ravel(self, multi_index) -> np.ndarray:
        """Flat indices of the given per-axis index arrays (C order)."""
        return np.ravel_multi_index(tuple(multi_index), self.shape)

    def unravel(self, flat) -> tuple[np.ndarray, ...]:
        """Per-axis index arrays of flat indices."""
        return np.unravel_index(np.asarray(flat), self.shape)

    def indices(self) -> np.ndarray:
        """Flat indices arranged in the space's shape: ``indices()[i, j, ...]``."""
        return np.arange(self.size, dtype=np.int64).reshape(self.shape)

    def mesh(self) -> tuple[np.ndarray, ...]:
        """Point values of every profile, one array per axis, each of the space's shape."""
        return tuple(np.meshgrid(*[a.points for a in self.axes], indexing="ij"))

    def points(self) -> np.ndarray:
        """All profiles as a ``(size, ndim)`` array of point values, in flat order."""
        return np.stack([m.ravel() for m in self.mesh()], axis=1)

    # --- neighbours and pairs ---------------------------------------------------------
    def neighbours(self, axis: int, step: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """Pairs of profiles that differ by ``step`` points along ``axis``.

        Returns ``(lower, upper)`` flat index arrays of the same shape: the space's shape
        with ``axis`` shortened by ``step``; ``upper`` is ``lower`` moved up along ``axis``.
        """
        idx = self.indices()
        lo = [slice(None)] * self.ndim
        hi = [slice(None)] * self.ndim
        lo[axis] = slice(0, self.shape[axis] - step)
        hi[axis] = slice(step, None)
        return idx[tuple(lo)], idx[tuple(hi)]

    def box_neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """All ordered pairs of distinct profiles whose indices differ by at most one on
        every axis (see :func:`box_neighbours`)."""
        return box_neighbours(self.shape)

    def axis_neighbours(self) -> tuple[np.ndarray, np.ndarray]:
        """Ordered pairs one step apart along one axis, both directions (see
        :func:`axis_neighbours`)."""
        return axis_neighbours(self.shape)

    def pair_chunks(self, chunk: int = 2_000_000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """All ordered pairs ``(a, b)`` of profiles with ``a != b``, in chunks of about
        ``chunk`` pairs (rows of ``a``), for vectorized separation over all pairs."""
        n = self.size
        rows = max(1, chunk // max(n, 1))
        all_b = np.arange(n, dtype=np.int64)
        for start in range(0, n, rows):
            a = np.arange(start, min(n, start + rows), dtype=np.int64)
            A = np.repeat(a, n)
            B = np.tile(all_b, a.size)
            keep = A != B
            yield A[keep], B[keep]

    # --- symmetry ---------------------------------------------------------------------
    def symmetric_orbits(self) -> tuple[np.ndarray, np.ndarray]:
        """Orbits of profiles under permutations of the axes (all axes must be equal).

        Returns ``(orbit, representatives)``: ``orbit[flat]`` is the orbit number of every
        profile (shape of the space) and ``representatives`` the flat index of the sorted
        (non-decreasing) profile of each orbit.
        """
        first = self.axes[0]
        if any(
            len(a) != len(first) or not np.array_equal(a.points, first.points) for a in self.axes
        ):
            raise ValueError("symmetric orbits need identical axes")
        return orbits(self.shape)


def axis_neighbours(shape) -> tuple[np.ndarray, np.ndarray]:
    """Ordered pairs of grid points one step apart along one axis, both directions, as
    flat ``(a, b)`` index arrays of a C-ordered grid of ``shape`` (axis by axis: the pairs
    upwards, then the same pairs downwards)."""
    idx = np.arange(math.prod(shape), dtype=np.int64).reshape(shape)
    out_a, out_b = [], []
    for ax in range(len(shape)):
        lo = np.take(idx, np.arange(shape[ax] - 1), axis=ax).ravel()
        hi = np.take(idx, np.arange(1, shape[ax]), axis=ax).ravel()
        out_a += [lo, hi]
        out_b += [hi, lo]
    return np.concatenate(out_a), np.concatenate(out_b)


def box_neighbours(shape) -> tuple[np.ndarray, np.ndarray]:
    """All ordered pairs of distinct grid points whose indices differ by at most one on
    every axis (the ``3^d - 1`` "king move" neighbours), as flat ``(a, b)`` index arrays
    of a C-ordered grid of ``shape``."""
    idx = np.arange(math.prod(shape), dtype=np.int64).reshape(shape)
    out_a, out_b = [], []
    for off in itertools.product((-1, 0, 1), repeat=len(shape)):
        if not any(off):
            continue
        src = tuple(slice(max(0, -o), shape[d] - max(0, o)) for d, o in enumerate(off))
        dst = tuple(slice(max(0, o), shape[d] - max(0, -o)) for d, o in enumerate(off))
        out_a.append(idx[src].ravel())
        out_b.append(idx[dst].ravel())
    return np.concatenate(out_a), np.concatenate(out_b)


def orbits(shape) -> tuple[np.ndarray, np.ndarray]:
    """Orbits of index profiles of a grid of equal axes under permutations of the axes:
    ``(orbit number of every profile (shaped like the grid), flat index of each orbit's
    sorted representative)``."""
    shape = tuple(shape)
    idx = np.indices(shape).reshape(len(shape), -1)
    canon = np.sort(idx, axis=0)
    reps, orbit = np.unique(np.ravel_multi_index(tuple(canon), shape), return_inverse=True)
    return orbit.reshape(shape), reps
