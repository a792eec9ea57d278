"""The :class:`LinearProgram` container: named blocks of variables and rows, built from
whole numpy arrays.

Every variable block and row block has a name and a shape; a block's entries are stored
as flat index arrays so that a solution reads back shaped like the grid
(``sol.x["q"][i, k]``, ``sol.dual["ic"]``).  Coefficients are appended as COO triplets
produced by broadcasting, and the sparse matrix is assembled once (int32 indices,
float64 values) when a backend asks for it: :meth:`LinearProgram.csr` compresses the
triplets with numpy alone (a stable sort and a ``bincount``), so that a solve through HiGHS
never imports ``scipy.sparse``; :meth:`LinearProgram.matrix` wraps the same arrays as a
``scipy.sparse`` matrix for the backends and checks that want one.

Dual sign convention (every backend follows it): ``dual[r]`` is the derivative of the
optimal objective, in the problem's own sense, with respect to the active bound of row
``r``; likewise ``reduced_cost[j]`` for the bounds of column ``j``.  Then, for ``min`` and
``max`` alike, ``c = A^T y + d`` and ``objective = sum_r y_r b_r + sum_j d_j l_j + offset``
where ``b_r`` / ``l_j`` are the active bounds (see :meth:`LinearProgram.dual_objective`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # scipy.sparse is imported by matrix() only: a HiGHS solve needs none
    import scipy.sparse as sp

INF = np.inf


@dataclass
class Block:
    """A named block: flat ``indices`` into the columns (or rows) and the block's shape."""

    name: str
    indices: np.ndarray
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(self.indices.size)

    def take(self, flat_values: np.ndarray) -> np.ndarray:
        return np.asarray(flat_values)[self.indices].reshape(self.shape)


def compress(
    major: np.ndarray, minor: np.ndarray, vals: np.ndarray, n_major: int, n_minor: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """COO triplets -> ``(indptr, indices, data)`` of the compressed format along ``major``
    (rows for CSR, columns for CSC): indices sorted within each major line, repeated
    ``(major, minor)`` entries summed in the order they were given, explicit zeros kept
    (the canonical form of ``scipy.sparse``); ``indptr`` and ``indices`` are int32.

    The sort is numpy's stable one (timsort), which runs in near-linear time on the
    builders' triplets: each block covers its own range of rows in order, so the row-major
    keys arrive as a few long sorted runs."""
    major = np.asarray(major)
    minor = np.asarray(minor)
    vals = np.asarray(vals, dtype=np.float64)
    key = major.astype(np.int64) * int(n_minor) + minor
    if key.size > 1 and not bool(np.all(key[1:] > key[:-1])):
        order = np.argsort(key, kind="stable")
        key = key[order]
        vals = vals[order]
        first = np.empty(key.size, dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        if not first.all():  # repeated entries: sum each run
            starts = np.flatnonzero(first)
            vals = np.add.reduceat(vals, starts)
            key = key[starts]
    else:
        vals = vals.copy()
    lines = key // int(n_minor)
    indices = (key - lines * int(n_minor)).astype(np.int32)
    indptr = np.zeros(int(n_major) + 1, dtype=np.int64)
    np.cumsum(np.bincount(lines, minlength=int(n_major)), out=indptr[1:])
    return indptr.astype(np.int32), indices, vals


def _broadcast_bound(value, shape, what) -> np.ndarray:
    if isinstance(value, int | float):  # the common scalar bound, without broadcasting
        if value != value:
            raise ValueError(f"{what} contains NaN")
        return np.full(math.prod(shape), float(value))
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), shape)
    if np.isnan(arr).any():
        raise ValueError(f"{what} contains NaN")
    return arr.ravel().copy()


class LinearProgram:
    """A sparse LP ``opt c.x + offset  s.t.  row_lb <= A x <= row_ub,  lb <= x <= ub``.

    ``sense`` is ``"min"`` or ``"max"``.  Build it with :meth:`add_variables`,
    :meth:`add_constraints` and :meth:`add_objective`; no Python loop over grid points
    is needed because every argument is an array that broadcasts.
    """

    def __init__(self, sense: str = "min", name: str = "lp"):
        if sense not in ("min", "max"):
            raise ValueError("sense must be 'min' or 'max'")
        self.sense = sense
        self.name = name
        self.offset = 0.0
        self.variables: dict[str, Block] = {}
        self.rows: dict[str, Block] = {}
        self.num_cols = 0
        self.num_rows = 0
        self._col_lb: list[np.ndarray] = []
        self._col_ub: list[np.ndarray] = []
        self._col_int: list[np.ndarray] = []
        self._cost_parts: list[tuple[np.ndarray, np.ndarray]] = []
        self._row_lb: list[np.ndarray] = []
        self._row_ub: list[np.ndarray] = []
        self._coo: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._coo_rows: list[tuple[int, int]] = []  # the row range of each part's block
        self._cache: dict[str, object] = {}
        # what a family's build() hands to its solve_lp()/interpret() (grids, pair sets,
        # layouts): the problem object itself keeps no state between calls
        self.meta: dict[str, object] = {}

    # --- building ---------------------------------------------------------------------
    def add_variables(self, name, shape, lb=0.0, ub=INF, cost=0.0, integer=False) -> np.ndarray:
        """Add a block of ``prod(shape)`` columns; returns their indices, shaped ``shape``."""
        if name in self.variables:
            raise ValueError(f"variable block {name!r} exists already")
        shape = tuple(int(s) for s in np.atleast_1d(shape)) if shape != () else ()
        n = math.prod(shape)
        idx = np.arange(self.num_cols, self.num_cols + n, dtype=np.int64)
        self.num_cols += n
        self.variables[name] = Block(name, idx, shape)
        lo = _broadcast_bound(lb, shape, f"lower bound of {name}")
        hi = _broadcast_bound(ub, shape, f"upper bound of {name}")
        if (lo > hi).any():
            raise ValueError(f"variable block {name!r} has lb > ub")
        self._col_lb.append(lo)
        self._col_ub.append(hi)
        self._col_int.append(np.full(n, bool(integer)))
        cols = idx.reshape(shape)
        if (cost != 0) if isinstance(cost, int | float) else np.any(np.asarray(cost) != 0):
            self.add_objective(cols, cost)
        self._cache.clear()
        return cols

    def add_alias(self, name, cols) -> np.ndarray:
        """Name an array of existing columns (repeats allowed) as a variable block of its
        own shape: a *view*, e.g. a full interim rule whose entries are tied by symmetry to
        fewer LP columns (:func:`mdlp.builder.symmetry.orbit_blocks`).  Rows and objective
        terms built on the view refer to the shared columns (repeated entries add up), and
        solutions read it back like any block (``solution.x[name]``).  Adds no column;
        returns ``cols`` as an integer array."""
        if name in self.variables:
            raise ValueError(f"variable block {name!r} exists already")
        cols = np.asarray(cols, dtype=np.int64)
        if cols.size and (cols.min() < 0 or cols.max() >= self.num_cols):
            raise IndexError(f"alias {name!r} refers to a column that does not exist")
        self.variables[name] = Block(name, cols.ravel().copy(), tuple(cols.shape))
        return cols

    def add_objective(self, cols, coefs=1.0) -> None:
        """Add ``coefs * x[cols]`` to the objective (arrays broadcast; repeats add up)."""
        c, v = np.broadcast_arrays(np.asarray(cols), np.asarray(coefs, dtype=np.float64))
        self._cost_parts.append((c.ravel().astype(np.int64), v.ravel().copy()))
        self._cache.clear()

    def add_constraints(
        self, name, terms, lb=-INF, ub=INF, shape=None, *, append=False
    ) -> np.ndarray:
        """Add a block of rows ``lb <= sum_t coef_t * x[cols_t] <= ub``.

        ``terms`` is a list of ``(cols, coefs)`` pairs of arrays.  Without ``shape`` the
        block's shape is the broadcast shape of all the term arrays (one column per row
        from each term).  With ``shape``, each term's arrays broadcast to ``shape +
        extra`` and are summed over the trailing ``extra`` axes (rows with many entries,
        e.g. an interim expectation).  Repeated (row, column) entries add up.

        A block name is used once, unless ``append=True`` (row generation, rows added in
        rounds): then the new rows are stacked after the block's rows along its first
        axis, so a block of shape ``(k, *rest)`` given rows of shape ``(k2, *rest)``
        becomes ``(k + k2, *rest)`` (a 0-d block or new part counts as shape ``(1,)``);
        parts whose trailing axes differ are refused.  ``append=True`` on a new name
        simply creates the block.
        """
        if name in self.rows and not append:
            raise ValueError(
                f"row block {name!r} exists already; choose another name, or pass "
                "append=True to add these rows to it"
            )
        terms = [(np.asarray(c), np.asarray(v, dtype=np.float64)) for c, v in terms]
        if shape is None:
            shape = np.broadcast_shapes(*[c.shape for c, _ in terms], *[v.shape for _, v in terms])
        shape = tuple(int(s) for s in shape)
        if name in self.rows:
            old_shape = self.rows[name].shape or (1,)
            new_shape = shape or (1,)
            if old_shape[1:] != new_shape[1:]:
                raise ValueError(
                    f"row block {name!r} has shape {self.rows[name].shape}; rows appended "
                    f"to it must have the same trailing axes {old_shape[1:]}, got {shape}"
                )
        n = math.prod(shape)
        rows = np.arange(self.num_rows, self.num_rows + n, dtype=np.int64).reshape(shape)
        for cols, vals in terms:
            full = np.broadcast_shapes(cols.shape, vals.shape)
            extra = len(full) - len(shape)
            if extra < 0 or np.broadcast_shapes(full[: len(shape)], shape) != shape:
                full = np.broadcast_shapes(full, shape)
                extra = len(full) - len(shape)
            r = rows.reshape(shape + (1,) * extra)
            if vals.ndim == 0:  # one coefficient for the whole term: no mask, no copies of it
                if vals == 0:
                    continue
                r, c = np.broadcast_arrays(r, cols)
                if c.size and (c.min() < 0 or c.max() >= self.num_cols):
                    raise IndexError(f"row block {name!r} refers to a column that does not exist")
                part = (r.astype(np.int32).ravel(), c.astype(np.int32).ravel())
                self._coo.append((*part, np.full(c.size, float(vals))))
                self._coo_rows.append((self.num_rows, self.num_rows + n))
                continue
            r, c, v = np.broadcast_arrays(r, cols, vals)
            if c.size and (c.min() < 0 or c.max() >= self.num_cols):
                raise IndexError(f"row block {name!r} refers to a column that does not exist")
            keep = v != 0
            self._coo.append((r[keep].astype(np.int32), c[keep].astype(np.int32), v[keep].copy()))
            self._coo_rows.append((self.num_rows, self.num_rows + n))
        lo = _broadcast_bound(lb, shape, f"lower bound of {name}")
        hi = _broadcast_bound(ub, shape, f"upper bound of {name}")
        self._row_lb.append(lo)
        self._row_ub.append(hi)
        self.num_rows += n
        flat = rows.ravel()
        if name in self.rows:
            old = self.rows[name]
            stacked = (old_shape[0] + new_shape[0],) + old_shape[1:]
            self.rows[name] = Block(name, np.concatenate([old.indices, flat]), stacked)
        else:
            self.rows[name] = Block(name, flat, shape)
        self._cache.clear()
        return rows

    # --- assembled arrays -------------------------------------------------------------
    def _cat(self, key, parts, dtype=np.float64):
        if key not in self._cache:
            self._cache[key] = np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
        return self._cache[key]

    @property
    def col_lb(self) -> np.ndarray:
        return self._cat("col_lb", self._col_lb)

    @property
    def col_ub(self) -> np.ndarray:
        return self._cat("col_ub", self._col_ub)

    @property
    def integrality(self) -> np.ndarray:
        return self._cat("int", self._col_int, bool)

    @property
    def row_lb(self) -> np.ndarray:
        return self._cat("row_lb", self._row_lb)

    @property
    def row_ub(self) -> np.ndarray:
        return self._cat("row_ub", self._row_ub)

    @property
    def cost(self) -> np.ndarray:
        if "cost" not in self._cache:
            c = np.zeros(self.num_cols)
            for cols, vals in self._cost_parts:
                np.add.at(c, cols, vals)
            self._cache["cost"] = c
        return self._cache["cost"]

    @property
    def is_mip(self) -> bool:
        return bool(self.integrality.any())

    def _triplets(self, start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The COO triplets of the rows ``start, start + 1, ...``, concatenated; ``start``
        must not fall inside a row block (``ValueError``)."""
        if any(r0 < start < r1 for r0, r1 in self._coo_rows):
            raise ValueError(f"row {start} lies inside a row block; start where one begins")
        parts = [t for t, (r0, _) in zip(self._coo, self._coo_rows, strict=True) if r0 >= start]
        if not parts:
            return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0)
        r, c, v = (np.concatenate([t[i] for t in parts]) for i in range(3))
        return r, c, v

    def csr(self, start: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The constraint matrix in compressed sparse row form ``(indptr, indices, data)``
        (int32, int32, float64; duplicates summed, see :func:`compress`), assembled with
        numpy once and cached until rows are added.

        With ``start``: the rows from ``start`` on, as a matrix of their own (``start``
        must be where a row block began, e.g. the row count before a round of row
        generation).  When the whole matrix is not assembled, only those rows' triplets
        are compressed, so a round of row generation costs the rows it adds."""
        if "csr" not in self._cache:
            if start:
                r, c, v = self._triplets(start)
                return compress(r - start, c, v, self.num_rows - start, self.num_cols)
            self._cache["csr"] = compress(*self._triplets(), self.num_rows, self.num_cols)
        indptr, indices, data = self._cache["csr"]
        if not start:
            return indptr, indices, data
        lo, hi = int(indptr[start]), int(indptr[-1])
        return (indptr[start:] - lo).astype(np.int32), indices[lo:hi], data[lo:hi]

    def matvec(self, x) -> np.ndarray:
        """``A @ x`` (one value per row), from :meth:`csr` without ``scipy.sparse``."""
        indptr, indices, data = self.csr()
        x = np.asarray(x, dtype=np.float64)
        rows = np.repeat(np.arange(self.num_rows), np.diff(indptr))
        return np.bincount(rows, weights=data * x[indices], minlength=self.num_rows)

    def rmatvec(self, y) -> np.ndarray:
        """``A.T @ y`` (one value per column), from :meth:`csr` without ``scipy.sparse``."""
        indptr, indices, data = self.csr()
        y = np.asarray(y, dtype=np.float64)
        return np.bincount(
            indices, weights=data * np.repeat(y, np.diff(indptr)), minlength=self.num_cols
        )

    def matrix(self, fmt: str = "csc") -> sp.spmatrix:
        """The constraint matrix as a ``scipy.sparse`` matrix in format ``fmt`` (duplicates
        summed, indices sorted, int32 index arrays), built once per format from :meth:`csr`.
        Imports ``scipy.sparse``; the HiGHS backend and the certificates use :meth:`csr`,
        :meth:`matvec` and :meth:`rmatvec` and do without it."""
        import scipy.sparse as sp

        key = "A_" + fmt
        if key not in self._cache:
            indptr, indices, data = self.csr()
            A = sp.csr_matrix((data, indices, indptr), shape=(self.num_rows, self.num_cols))
            A.has_canonical_format = True  # sorted, no duplicates (see compress)
            A = A.asformat(fmt)
            if hasattr(A, "indices"):
                A.indices = A.indices.astype(np.int32, copy=False)
                A.indptr = A.indptr.astype(np.int32, copy=False)
            self._cache[key] = A
        return self._cache[key]

    @property
    def nnz(self) -> int:
        return int(self.csr()[0][-1])

    def stats(self) -> dict:
        return {"rows": self.num_rows, "cols": self.num_cols, "nnz": self.nnz}

    # --- reading solutions back -------------------------------------------------------
    def split_columns(self, flat) -> dict[str, np.ndarray]:
        """Flat column values -> ``{block name: array shaped like the block}``."""
        flat = np.asarray(flat)
        return {k: b.take(flat) for k, b in self.variables.items()}

    def split_rows(self, flat) -> dict[str, np.ndarray]:
        flat = np.asarray(flat)
        return {k: b.take(flat) for k, b in self.rows.items()}

    def active_bounds(self, y, lb, ub) -> np.ndarray:
        """The bound each dual value refers to under the module's sign convention."""
        y = np.asarray(y, dtype=float)
        # For max, a positive shadow price means raising the upper bound helps;
        # for min, a positive one means the lower bound is pushing the objective up.
        pos_is_upper = self.sense == "max"
        upper = (y > 0) if pos_is_upper else (y < 0)
        b = np.where(upper, ub, lb)
        # Duals at round-off level carry no bound (they may sit on an infinite one).
        return np.where(np.abs(y) <= 1e-9, 0.0, b)

    def dual_objective(self, y, d) -> float:
        """``sum_r y_r b_r + sum_j d_j l_j + offset`` with the active bounds ``b``, ``l``.

        An infinite active bound with a nonzero dual (a dual infeasibility) gives ``nan``.
        """
        with np.errstate(invalid="ignore"):
            rb = self.active_bounds(y, self.row_lb, self.row_ub)
            cb = self.active_bounds(d, self.col_lb, self.col_ub)
            if not (np.all(np.isfinite(rb)) and np.all(np.isfinite(cb))):
                return float("nan")
            return float(np.dot(y, rb) + np.dot(d, cb) + self.offset)

    def __repr__(self) -> str:
        return (
            f"LinearProgram({self.name!r}, {self.sense}, rows={self.num_rows}, "
            f"cols={self.num_cols}, blocks={list(self.variables)} / {list(self.rows)})"
        )
