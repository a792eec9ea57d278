"""The profile grid of the externality auction: one axis per type component, the
per-bidder split into own and others' components, and the linear utility coefficients."""

from __future__ import annotations

import math

import numpy as np

from mdlp.problems.externality.params import ExternalityParams


def _points_matrix(axes_points) -> np.ndarray:
    """All points of a product of 1-D grids, C order: ``(prod sizes, len(axes))``."""
    if not axes_points:
        return np.zeros((1, 0))
    mesh = np.meshgrid(*axes_points, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=1)


def _pmf(probs_list) -> np.ndarray:
    p = np.ones(())
    for pr in probs_list:
        p = np.multiply.outer(p, pr)
    return p.ravel()


class Layout:
    """Axes, priors and the per-bidder own/others split of the profile grid."""

    def __init__(self, params: ExternalityParams, grid):
        self.n, self.g, self.setting = params.bidders, params.items, params.setting
        n, g = self.n, self.g
        self.c = n * g
        self.comps = []  # (kind, a, b, m): ("v", i, i, m) or ("eta", a, b, m) = eta_{a<-b}
        self.priors = []
        for o in range(n):
            for m in range(g):
                self.comps.append(("v", o, o, m))
                self.priors.append(params.value_spec(o).to_prior(grid.points, grid.placement))
                for p in range(n):
                    if p == o:
                        continue
                    a, b = (o, p) if self.setting == 1 else (p, o)
                    self.comps.append(("eta", a, b, m))
                    self.priors.append(params.eta_spec(a, b).to_prior(grid.points, grid.placement))
        self.D = len(self.comps)
        self.shape = tuple(len(p) for p in self.priors)
        self.size = math.prod(self.shape)
        self.index = {cmp: d for d, cmp in enumerate(self.comps)}

    # axes ------------------------------------------------------------------------------
    def v_axis(self, i, m):
        return self.index[("v", i, i, m)]

    def eta_axis(self, a, b, m):
        return self.index[("eta", a, b, m)]

    def own_axes(self, i):
        return list(range(i * self.c, (i + 1) * self.c))

    def other_axes(self, i):
        return [d for d in range(self.D) if d // self.c != i]

    def own_shape(self, i):
        return tuple(self.shape[d] for d in self.own_axes(i))

    def bcast(self, d, values=None):
        """The points (or ``values``) of axis d shaped to broadcast over the profile grid."""
        v = self.priors[d].points if values is None else values
        sh = [1] * self.D
        sh[d] = -1
        return np.asarray(v, dtype=float).reshape(sh)

    def prob(self) -> np.ndarray:
        p = np.ones((1,) * self.D)
        for d in range(self.D):
            p = p * self.bcast(d, self.priors[d].probs)
        return p

    def own_points(self, i) -> np.ndarray:
        return _points_matrix([self.priors[d].points for d in self.own_axes(i)])

    def other_points(self, i) -> np.ndarray:
        return _points_matrix([self.priors[d].points for d in self.other_axes(i)])

    def own_probs(self, i) -> np.ndarray:
        return _pmf([self.priors[d].probs for d in self.own_axes(i)])

    def other_probs(self, i) -> np.ndarray:
        return _pmf([self.priors[d].probs for d in self.other_axes(i)])

    def split(self, arr, i) -> np.ndarray:
        """A profile-grid array (leading axes kept) -> ``(..., |own|, |others|)``."""
        arr = np.asarray(arr)
        lead = arr.ndim - self.D
        full = np.broadcast_to(arr, arr.shape[:lead] + self.shape)
        own = [lead + d for d in self.own_axes(i)]
        moved = np.moveaxis(full, own, list(range(lead, lead + self.c)))
        no = math.prod(self.own_shape(i))
        return moved.reshape(arr.shape[:lead] + (no, self.size // no))

    # linear utility coefficients -------------------------------------------------------
    def own_coef(self, i) -> np.ndarray:
        """``A[t, l]``, l = k g + m: i's utility is ``A[t] . X - R`` (own part)."""
        pts = self.own_points(i)
        own = self.own_axes(i)
        A = np.zeros((pts.shape[0], self.n * self.g))
        for m in range(self.g):
            A[:, i * self.g + m] = pts[:, own.index(self.v_axis(i, m))]
            if self.setting == 1:
                for j in range(self.n):
                    if j != i:
                        A[:, j * self.g + m] = -pts[:, own.index(self.eta_axis(i, j, m))]
        return A

    def other_cost(self, i) -> np.ndarray:
        """Setting 2: ``B[r, l]`` = eta_{i<-j}^m at the others' profile r (j's component)."""
        pts = self.other_points(i)
        oth = self.other_axes(i)
        B = np.zeros((pts.shape[0], self.n * self.g))
        if self.setting == 2:
            for m in range(self.g):
                for j in range(self.n):
                    if j != i:
                        B[:, j * self.g + m] = pts[:, oth.index(self.eta_axis(i, j, m))]
        return B

    def welfare_weight(self, k, m):
        """``W_k^m = v_k^m - sum_{a != k} eta_{a<-k}^m`` broadcast over the profile grid."""
        W = self.bcast(self.v_axis(k, m))
        for a in range(self.n):
            if a != k:
                W = W - self.bcast(self.eta_axis(a, k, m))
        return W

    def column_axes(self, k, m):
        """Axes of column k of item m: v_k^m and eta_{a<-k}^m (the separable class)."""
        return sorted(
            [self.v_axis(k, m)] + [self.eta_axis(a, k, m) for a in range(self.n) if a != k]
        )


def theory_inputs(L: Layout):
    """The interface of :mod:`mdlp.theory.externality`: ``values`` (the n grid priors of
    v_i) and ``ext`` {(i, j): grid prior of eta_{i<-j}} for item 1 (every item has the
    same laws, so item values scale by g)."""
    values = [L.priors[L.v_axis(i, 0)] for i in range(L.n)]
    ext = {(a, b): L.priors[L.eta_axis(a, b, 0)] for a in range(L.n) for b in range(L.n) if a != b}
    return values, ext


def comp_name(cmp) -> str:
    """Column name of a type component: ``v1``, ``eta1<-2``, ``v1^2`` (item 2)."""
    kind, a, b, m = cmp
    base = f"v{a + 1}" if kind == "v" else f"eta{a + 1}<-{b + 1}"
    return base + (f"^{m + 1}" if m else "")
