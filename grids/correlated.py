"""Correlated priors on a common value grid.

A :class:`CorrelatedPrior` is a joint pmf of ``N`` agents' values on one sorted axis of
points, given in one of two forms:

* a **mixture of independent laws** (the de Finetti / conditionally independent form of
  Yamashita (2018), *Revenue guarantees in auctions with a (correlated) common prior and
  additional information*, Assumption 1: ``F = sum_theta mu_theta prod_i H_i^theta``):
  ``comps = [(mu_theta, [h_1, ..., h_N]), ...]`` with every ``h_i`` a pmf on ``points``.
  One component with equal pmfs is the iid prior; one component is an independent prior;
* an **explicit joint pmf** ``P`` of shape ``(K,) * N`` (``comps`` is ``None``).

The full joint array ``P`` (``K^N`` cells) is only formed on request by :meth:`joint`,
which refuses grids above ``max_cells`` cells.  Everything here is numpy; nothing knows
about linear programs.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: the default guard of :meth:`CorrelatedPrior.joint` on ``N * K^N``
MAX_PROFILE_CELLS = 4_000_000


class CorrelatedPrior:
    """A joint pmf of ``N`` agents on the common sorted ``points``: ``comps`` (a mixture of
    independent laws, see the module doc) or the joint array ``P``."""

    def __init__(self, points, comps=None, P=None):
        self.points = np.asarray(points, dtype=float)
        if self.points.ndim != 1 or np.any(np.diff(self.points) <= 0):
            raise ValueError("the points of a correlated prior must be sorted and distinct")
        if (comps is None) == (P is None):
            raise ValueError("give either the mixture components or the joint pmf")
        self.comps = comps
        self._P = None if P is None else np.asarray(P, dtype=float)

    # --- constructors -----------------------------------------------------------------
    @classmethod
    def iid(cls, points, probs, n: int) -> CorrelatedPrior:
        """``n`` independent agents, each with the pmf ``probs`` on ``points``."""
        h = np.asarray(probs, dtype=float)
        return cls(points, [(1.0, [h] * int(n))])

    @classmethod
    def from_joint(cls, values, probs) -> CorrelatedPrior:
        """An explicit joint pmf ``probs`` (shape ``(K,) * N``) on the common ``values``
        (in any order: the axes are sorted along with them, the pmf normalized)."""
        v = np.asarray(values, dtype=float)
        P = np.asarray(probs, dtype=float)
        if P.shape != (v.size,) * P.ndim:
            raise ValueError(f"a joint pmf on {v.size} values needs shape {(v.size,) * P.ndim}")
        if np.any(P < 0) or P.sum() <= 0:
            raise ValueError("a joint pmf must be non-negative with positive mass")
        order = np.argsort(v)
        for ax in range(P.ndim):
            P = np.take(P, order, axis=ax)
        return cls(v[order], None, P / P.sum())

    @classmethod
    def mixture(cls, components: Sequence[tuple[float, Sequence]]) -> CorrelatedPrior:
        """A mixture ``[(weight, [law_1, ..., law_N]), ...]`` of independent agents; each
        law is anything with ``points`` and ``probs`` (a :class:`grids.priors.Prior`).  The
        laws are placed on the union of their points (zero mass elsewhere)."""
        pts = np.unique(np.concatenate([np.asarray(p.points) for _, ps in components for p in ps]))
        comps = []
        for w, ps in components:
            hs = []
            for p in ps:
                h = np.zeros(pts.size)
                h[np.searchsorted(pts, p.points)] = p.probs
                hs.append(h)
            comps.append((float(w), hs))
        return cls(pts, comps)

    # --- properties -------------------------------------------------------------------
    @property
    def K(self) -> int:
        """The number of points."""
        return self.points.size

    @property
    def independent(self) -> bool:
        """One mixture component: the agents are independent."""
        return self.comps is not None and len(self.comps) == 1

    @property
    def iid_agents(self) -> bool:
        """Independent agents with one common pmf."""
        return self.independent and all(
            np.array_equal(h, self.comps[0][1][0]) for h in self.comps[0][1]
        )

    def joint(self, n: int, max_cells: int = MAX_PROFILE_CELLS) -> np.ndarray:
        """The joint pmf of ``n`` agents, shape ``(K,) * n``; ``ValueError`` when
        ``n * K^n`` exceeds ``max_cells``.  Computed once and kept."""
        if self._P is None:
            if n * self.K**n > max_cells:
                raise ValueError(
                    f"{n} bidders x {self.K} points = {self.K**n} profiles is too large "
                    "for a full-profile LP; lower grid.points"
                )
            P = 0.0
            for mu, hs in self.comps:
                t = np.ones(())
                for h in hs:
                    t = np.multiply.outer(t, h)
                P = P + mu * t
            self._P = np.asarray(P)
        return self._P

    def __repr__(self) -> str:
        form = "joint pmf" if self.comps is None else f"{len(self.comps)}-component mixture"
        return f"CorrelatedPrior(K={self.K}, {form})"
