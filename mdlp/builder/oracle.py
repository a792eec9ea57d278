"""One lazy-IC separation oracle for every family: incentive compatibility between all
ordered pairs of an agent's types (per opponent profile for ex-post variables), added to
the LP only where violated.

Each round scans *every* pair in vectorized chunks: the utility of type ``a`` reporting
``b`` for a chunk of true types is one BLAS product ``X[chunk] @ Q.T - M`` (Q flattened
over opponent profiles), the pairs already in the LP are masked out (their keys are kept
sorted), and the ``per_type`` most violated reports of each true type (and opponent
profile) are added as rows, the most violated first (optionally only the ``max_rows``
most violated of the round).  The largest violation among the pairs *not* in the LP is
returned, so a return value ``<= tol`` certifies IC over all pairs (the rows in the LP
hold to the solver's tolerance).

Cost per round: ``n^2 O J`` multiply-adds in BLAS plus one partial sort per chunk; the
three-item grid with ``K = 21`` (9,261 types, 8.6e7 ordered pairs) scans in about two
seconds of CPU (measured on a loaded 2-core machine).
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

    Keywords: ``per_type`` reports added per true type (and opponent profile) and round
    (multi-cut; the ``per_type`` most violated ones), ``max_rows`` a cap on the rows added
    per round (the most violated are kept; ``None``: no cap), ``chunk`` the number of
    utilities evaluated per BLAS block (memory ``8 * chunk`` bytes), ``tol`` the violation
    below which a pair is not added.  ``append=True`` adds the start rows to an existing
    row block ``name``.  ``types`` (a boolean mask or index array of true types) restricts
    the scan to those true types, e.g. the representatives of a symmetric reduction whose
    other types are tied to them by equality rows; ``None`` scans all.  After each call
    ``last_added`` and ``last_violation`` say what the round did; :meth:`pairs` lists the
    pairs in the LP.
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
        max_rows: int | None = None,
        append: bool = False,
        types=None,
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
        self.max_rows = None if max_rows is None else max(1, int(max_rows))
        self.skip = None
        if types is not None:
            mask = np.zeros(self.n, dtype=bool)
            mask[np.asarray(types)] = True  # a boolean mask or indices alike
            self.skip = ~mask
        a, b = (np.asarray(s, dtype=np.int64).ravel() for s in start)
        keep = a != b
        a, b = a[keep], b[keep]
        key = np.unique(a * self.n + b)
        a, b = key // self.n, key % self.n
        O = self.O
        if not self.rest:
            ic_rows(lp, name, q, m, self.X, a, b, append=append)
        elif a.size:
            # ex-post variables: one 1-D block (pair-major, opponent profile fastest), the
            # layout the rounds append to
            A, B = np.repeat(a, O), np.repeat(b, O)
            o = np.tile(np.arange(O), a.size)
            qf, mf = q.reshape(self.n, O, self.J), m.reshape(self.n, O)
            xa = self.X[A]
            lp.add_constraints(
                name,
                [(qf[A, o], xa), (qf[B, o], -xa), (mf[A, o], -1.0), (mf[B, o], 1.0)],
                lb=0.0,
                shape=(A.size,),
                append=append,
            )
        self.keys = np.sort((key[:, None] * O + np.arange(O)[None, :]).ravel())
        # (a, b, o) of this oracle's rows in the order they were added to block ``name``
        self._row_order = [np.repeat(key, O) * O + np.tile(np.arange(O), key.size)]
        self.last_added = 0
        self.last_violation = float("nan")

    # --- the pairs represented in the LP -------------------------------------------------
    def pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(a, b, o)`` of every IC row in the LP: true type, report, opponent profile."""
        nO = self.n * self.O
        return self.keys // nO, (self.keys % nO) // self.O, self.keys % self.O

    def row_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(a, b, o)`` of the oracle's rows in row order (aligned with the entries of the
        row block ``name``, e.g. with ``solution.dual[name]``)."""
        k = np.concatenate(self._row_order)
        nO = self.n * self.O
        return k // nO, (k % nO) // self.O, k % self.O

    def add_pairs(self, lp: LinearProgram, a, b) -> int:
        """Add IC rows for the pairs ``(a, b)`` (every opponent profile) that are not in the
        LP yet, e.g. a starting set carried over from a coarser grid; returns the number of
        rows added."""
        a = np.asarray(a, dtype=np.int64).ravel()
        b = np.asarray(b, dtype=np.int64).ravel()
        O = self.O
        key = np.unique(a[a != b] * self.n + b[a != b])
        full = (key[:, None] * O + np.arange(O)[None, :]).ravel()
        full = full[~np.isin(full, self.keys, assume_unique=True)]
        if full.size:
            nO = self.n * O
            self._add(lp, full // nO, (full % nO) // O, full % O)
        return int(full.size)

    def _add(self, lp, a, b, o):
        self._write_rows(lp, a, b, o)
        new = (a * self.n + b) * self.O + o
        self._row_order.append(new)
        self.keys = np.union1d(self.keys, new)

    def _write_rows(self, lp, a, b, o):
        """Append the IC rows of the triples ``(a, b, o)`` to block ``name`` (a subclass
        writing IC in another form overrides this and :meth:`_menu`)."""
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

    def _menu(self, sol: Solution) -> tuple[np.ndarray, np.ndarray]:
        """The allocation ``(n, O, J)`` and payments ``(n, O)`` of ``sol`` the scan uses."""
        Q = np.asarray(sol.x[self.qname]).reshape(self.n, self.O, self.J)
        return Q, np.asarray(sol.x[self.mname]).reshape(self.n, self.O)

    def __call__(self, sol: Solution, lp: LinearProgram) -> float:
        n, O, J = self.n, self.O, self.J
        Q, M = self._menu(sol)
        own = np.einsum("tj,toj->to", self.X, Q) - M
        QT = np.ascontiguousarray(Q.reshape(n * O, J).T)
        Mf = M.reshape(n * O)
        rows = max(1, self.chunk // (n * O))
        worst = -np.inf
        new_a, new_b, new_o, new_v = [], [], [], []
        k = min(self.per_type, n - 1)
        for s in range(0, n, rows):
            e = min(n, s + rows)
            V = (self.X[s:e] @ QT - Mf[None, :]).reshape(e - s, n, O) - own[s:e, None, :]
            V[np.arange(e - s), np.arange(s, e), :] = -np.inf
            if self.skip is not None:
                V[self.skip[s:e]] = -np.inf
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
                new_v.append(v[ai, ki, oi])
        self.last_added = 0
        if new_a:
            a = np.concatenate(new_a).astype(np.int64)
            b = np.concatenate(new_b).astype(np.int64)
            o = np.concatenate(new_o).astype(np.int64)
            order = np.argsort(-np.concatenate(new_v), kind="stable")  # most violated first
            if self.max_rows is not None:
                order = order[: self.max_rows]
            a, b, o = a[order], b[order], o[order]
            self._add(lp, a, b, o)
            self.last_added = a.size
        self.last_violation = max(worst, 0.0) if np.isfinite(worst) else 0.0
        return self.last_violation


def combine_oracles(*parts: Callable[[Solution, LinearProgram], float]):
    """One ``separate(solution, lp)`` callable that runs every part (each adds its rows)
    and returns the largest violation any of them found."""

    def separate(sol: Solution, lp: LinearProgram) -> float:
        return max(float(p(sol, lp)) for p in parts)

    return separate
