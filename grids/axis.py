"""One-dimensional grids.

An :class:`Axis` is a sorted array of points together with the *cells* that each point
represents: cell ``k`` is the interval ``[edges[k], edges[k+1]]``.  A continuous prior is
discretized by giving point ``k`` the mass of its cell (see :mod:`grids.priors`).

Placements of ``K`` points on ``[low, high]`` (``h`` is the cell width):

``midpoint``   ``K`` equal cells, one point at the centre of each: ``low + (k + 1/2) h``,
               ``h = (high - low) / K``.
``left``       ``K`` equal cells, the point at the lower edge of each: ``low + k h``.
               Rounding a continuous type *down* to its point is incentive compatible
               for the usual monotone mechanisms, so single-item revenue on this grid is
               a lower bound on the continuum optimum.
``right``      ``K`` equal cells, the point at the upper edge: ``low + (k + 1) h``.
``endpoints``  ``numpy.linspace(low, high, K)``: both bounds are points, ``h = (high -
               low) / (K - 1)``; each point owns the half cells around it, so the two
               end points carry half the mass of the inner ones under a uniform prior.

Which placement converges fastest to the continuum closed forms is measured by
``benchmarks/grid_placement.py`` and reported in the README.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

PLACEMENTS = ("midpoint", "left", "right", "endpoints")


@dataclass(frozen=True, eq=False)
class Axis:
    """A sorted 1-D grid of ``points`` with cell ``edges`` (``len(edges) == len(points)+1``)."""

    points: np.ndarray
    edges: np.ndarray
    placement: str = "custom"

    def __post_init__(self):
        pts = np.asarray(self.points, dtype=np.float64)
        edges = np.asarray(self.edges, dtype=np.float64)
        if pts.ndim != 1 or pts.size < 1:
            raise ValueError("an axis needs a 1-D array of at least one point")
        if np.any(np.diff(pts) <= 0):
            raise ValueError("axis points must be strictly increasing")
        if edges.shape != (pts.size + 1,):
            raise ValueError("an axis needs len(points) + 1 cell edges")
        object.__setattr__(self, "points", pts)
        object.__setattr__(self, "edges", edges)

    @classmethod
    def uniform(cls, low: float, high: float, points: int, placement: str = "midpoint") -> Axis:
        """``points`` grid points on ``[low, high]`` placed as described in the module doc."""
        if placement not in PLACEMENTS:
            raise ValueError(f"placement must be one of {PLACEMENTS}, got {placement!r}")
        if not high > low:
            raise ValueError(f"need high > low, got low={low}, high={high}")
        K = int(points)
        if K < 2:
            raise ValueError(f"need at least 2 grid points, got {K}")
        if placement == "endpoints":
            pts = np.linspace(low, high, K)
            mids = 0.5 * (pts[1:] + pts[:-1])
            edges = np.concatenate([[low], mids, [high]])
        else:
            edges = np.linspace(low, high, K + 1)
            if placement == "midpoint":
                pts = 0.5 * (edges[1:] + edges[:-1])
            elif placement == "left":
                pts = edges[:-1].copy()
            else:  # right
                pts = edges[1:].copy()
        return cls(pts, edges, placement)

    @classmethod
    def custom(cls, points) -> Axis:
        """An axis through the given points; cells split halfway between neighbours."""
        pts = np.asarray(points, dtype=np.float64)
        if pts.ndim != 1 or pts.size < 1:
            raise ValueError("custom points must be a non-empty 1-D list")
        order = np.argsort(pts)
        pts = pts[order]
        if np.any(np.diff(pts) <= 0):
            raise ValueError("custom points must be distinct")
        mids = 0.5 * (pts[1:] + pts[:-1])
        edges = np.concatenate([[pts[0]], mids, [pts[-1]]])
        return cls(pts, edges, "custom")

    def __len__(self) -> int:
        return self.points.size

    @property
    def size(self) -> int:
        return self.points.size

    @property
    def low(self) -> float:
        return float(self.edges[0])

    @property
    def high(self) -> float:
        return float(self.edges[-1])

    @property
    def step(self) -> float:
        """The largest gap between neighbouring points (the grid's ``h``)."""
        return float(np.max(np.diff(self.points))) if self.size > 1 else 0.0

    def __repr__(self) -> str:
        return (
            f"Axis({self.size} points, [{self.points[0]:.6g}, {self.points[-1]:.6g}], "
            f"{self.placement})"
        )
