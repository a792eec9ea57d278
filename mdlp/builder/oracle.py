"""One lazy-IC separation oracle for every family: incentive compatibility between all
ordered pairs of an agent's types (per opponent profile for ex-post variables), added to
the LP only where violated.

Each round scans *every* pair in vectorized chunks: the utility of type ``a`` reporting
``b`` for a chunk of true types is one BLAS product ``X[chunk] @ Q.T - M`` (Q flattened
over opponent profiles), the pairs already in the LP are masked out (their keys are kept
sorted), and the ``per_type`` most violated reports of each true type (and opponent
profile) are added as rows.  The largest violation among the pairs *not* in the LP is
returned, so a return value ``<= tol`` certifies IC over all pairs (the rows in the LP
hold to the solver's tolerance).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mdlp.builder.blocks import ic_rows
from solvers import LinearProgram, Solution


class LazyIC:
    """Lazy IC of one agent (or one symmetric block of agents).

    ``qname``/``mname`` name the variable blocks made by
    :func:`mdlp.builder.blocks.interim_blocks` (shapes ``(n, *rest, J)`` and ``(n, *rest)``),
    ``X`` the ``(n, J)`` values, ``start`` an ``(a, b)`` pair set added at once for every
    opponent profile (e.g. :func:`grids.space.axis_neighbours`).  Call the object
    as ``separate(solution, lp)`` inside :func:`solvers.rowgen.solve_with_row_generation`.
    """

    def __init__(
        self,
        lp: LinearProgram,
        name: str,
        qname: str,
        mname: str,
        X: np.ndarray,
        start: tuple[np.ndarray, np.ndarray],
        *,
        per_type: int = 1,
        chunk: int = 4_000_000,
        tol: float = 1e-9,
    ):
        self.name = name
        self.qname, self.mname = qname, mname
        q = lp.variables[qname].indices.reshape(lp.variables[qname].shape)
        m = lp.variables[mname].indices.reshape(lp.variables[mname].shape)
        self.q, self.m = q, m
        self.X = np.asarray(X, dtype=np.float64)
        self.n, self.J = self.X.shape
        self.rest = q.shape[1:-1]
        self.O = int(np.prod(self.rest)) if self.rest else 1
        self.per_type = max(1, int(per_type))
        self.chunk = int(chunk)
        self.tol = float(tol)
        a, b = (np.asarray(s, dtype=np.int64) for s in start)
        keep = a != b
        a, b = a[keep], b[keep]
        key = np.unique(a * self.n + b)
        a, b = key // self.n, key % self.n
        ic_rows(lp, name, q, m, self.X, a, b)
        O = self.O
        self.keys = np.sort((key[:, None] * O + np.arange(O)[None, :]).ravel())
        self.last_added = 0

    # --- the pairs represented in the LP -------------------------------------------------
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(a, b, o)`` of every IC row in the LP: true type, report, opponent profile."""
        nO = self.n * self.O
        return self.keys // nO, (self.keys % nO) // self.O, self.keys % self.O

    def _add(self, lp, a, b, o):
        qf = self.q.reshape(self.n, self.O, self.J)
        mf = self.m.reshape(self.n, self.O)
        xa = self.X[a]
        lp.add_constraints(
            self.name,
            [(qf[a, o], xa), (qf[b, o], -xa), (mf[a, o], -1.0), (mf[b, o], 1.0)],
            lb=0.0,
            shape=(a.size,),
            append=True,
        )
        new = (a * self.n + b) * self.O + o
        self.keys = np.union1d(self.keys, new)

    def __call__(self, sol: Solution, lp: LinearProgram) -> float:
        n, O, J = self.n, self.O, self.J
        Q = np.asarray(sol.x[self.qname]).reshape(n, O, J)
        M = np.asarray(sol.x[self.mname]).reshape(n, O)
        own = np.einsum("tj,toj->to", self.X, Q) - M
        QT = np.ascontiguousarray(Q.reshape(n * O, J).T)
        Mf = M.reshape(n * O)
        rows = max(1, self.chunk // (n * O))
        worst = -np.inf
        new_a, new_b, new_o = [], [], []
        k = min(self.per_type, n - 1)
        for s in range(0, n, rows):
            e = min(n, s + rows)
            V = (self.X[s:e] @ QT - Mf[None, :]).reshape(e - s, n, O) - own[s:e, None, :]
            V[np.arange(e - s), np.arange(s, e), :] = -np.inf
            lo, hi = np.searchsorted(self.keys, [s * n * O, e * n * O])
            kk = self.keys[lo:hi]
            if kk.size:
                ka = kk // (n * O)
                V[ka - s, (kk % (n * O)) // O, kk % O] = -np.inf
            if k == 1:
                b = V.argmax(axis=1)[:, None, :]  # (rows, 1, O)
            else:
                b = np.argpartition(-V, k - 1, axis=1)[:, :k, :]
            v = np.take_along_axis(V, b, axis=1)
            worst = max(worst, float(v.max()))
            hit = v > self.tol
            if hit.any():
                ai, ki, oi = np.nonzero(hit)
                new_a.append(ai + s)
                new_b.append(b[ai, ki, oi])
                new_o.append(oi)
        self.last_added = 0
        if new_a:
            a = np.concatenate(new_a).astype(np.int64)
            b = np.concatenate(new_b).astype(np.int64)
            o = np.concatenate(new_o).astype(np.int64)
            self._add(lp, a, b, o)
            self.last_added = a.size
        return max(worst, 0.0) if np.isfinite(worst) else 0.0


def combine_oracles(*parts: Callable[[Solution, LinearProgram], float]):
    """One ``separate(solution, lp)`` callable that runs every part (each adds its rows)
    and returns the largest violation any of them found."""

    def separate(sol: Solution, lp: LinearProgram) -> float:
        return max(float(p(sol, lp)) for p in parts)

    return separate
