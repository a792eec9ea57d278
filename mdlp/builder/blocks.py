"""Variable blocks and the rows of incentive compatibility and individual rationality.

Conventions (every function here): an agent has ``n`` types (flat indices of a product
grid), type ``t`` has the value vector ``X[t]`` (shape ``(n, J)``: one value per item or
grade), utility is linear, ``X[t] . q - m``.  Allocation columns ``q`` have the shape
``(n, *rest, J)`` and payment columns ``m`` the shape ``(n, *rest)``: ``rest = ()`` for
interim variables (``Q_i(t)``, ``M_i(t)``, Bayesian IC), ``rest = (O,)`` for ex-post
variables with ``O`` opponent profiles (dominant-strategy IC holds for every opponent
profile separately, so a pair of own types stands for ``O`` rows).
"""

from __future__ import annotations

import numpy as np

from grids.space import axis_neighbours, box_neighbours
from solvers import LinearProgram


def interim_blocks(lp: LinearProgram, tag: str, n: int, J: int, *, rest=()) -> tuple:
    """Add an allocation block ``q{tag}`` in ``[0, 1]`` of shape ``(n, *rest, J)`` and a free
    payment block ``m{tag}`` of shape ``(n, *rest)``; returns their column indices."""
    rest = tuple(rest)
    q = lp.add_variables(f"q{tag}", (n, *rest, J), lb=0.0, ub=1.0)
    m = lp.add_variables(f"m{tag}", (n, *rest), lb=-np.inf)
    return q, m


def pair_set(shape, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Ordered IC pairs ``(a, b)`` (true type ``a``, report ``b``, flat C-order indices of a
    product grid of ``shape``): ``adjacent`` (one axis: neighbours, both directions),
    ``axis`` (neighbours along each axis, each axis upwards then downwards), ``box`` (the
    3^J - 1 "king move" neighbours) or ``all`` (every ordered pair)."""
    shape = tuple(int(k) for k in shape)
    if mode == "adjacent":  # downward reports first, then upward
        if len(shape) != 1:
            raise ValueError("adjacent pairs need a one-dimensional type space")
        k = np.arange(shape[0] - 1, dtype=np.int64)
        return np.concatenate([k + 1, k]), np.concatenate([k, k + 1])
    if mode == "axis":
        return axis_neighbours(shape)
    if mode == "box":
        return box_neighbours(shape)
    if mode == "all":
        n = int(np.prod(shape))
        a, b = np.nonzero(~np.eye(n, dtype=bool))
        return a.astype(np.int64), b.astype(np.int64)
    raise ValueError(f"unknown pair set {mode!r}; one of adjacent, axis, box, all")


def ic_rows(lp: LinearProgram, name: str, q, m, X, a, b, *, append: bool = False) -> np.ndarray:
    """IC rows "type ``a`` does not gain by reporting ``b``" for every pair ``(a[k], b[k])``
    (and every opponent profile when ``q`` is ex post), as one COO block:

    ``X[a] . (q[a] - q[b]) - m[a] + m[b] >= 0``.

    Returns the row indices, shaped ``(len(a), *rest)``; ``append=True`` adds to an
    existing block ``name`` (row generation rounds)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    rest = q.shape[1:-1]
    if a.size == 0:
        return np.zeros((0, *rest), dtype=np.int64)
    xa = X[a].reshape((a.size,) + (1,) * len(rest) + (X.shape[1],))
    return lp.add_constraints(
        name,
        [(q[a], xa), (q[b], -xa), (m[a], -1.0), (m[b], 1.0)],
        lb=0.0,
        shape=(a.size, *rest),
        append=append,
    )


def ic_rows_utility(lp: LinearProgram, name: str, q, u, X, a, b, *, append: bool = False):
    """IC rows of an interim menu in utility form (columns ``q[t, j]`` and the truthful
    utility ``u[t] = X[t].q[t] - m[t]``) for every pair ``(a[k], b[k])``:

    ``u[a] - u[b] - (X[a] - X[b]) . q[b] >= 0``

    (three nonzeros between axis neighbours instead of ``2 J + 2``).  Returns the row
    indices; ``append=True`` adds to an existing block ``name``."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    return lp.add_constraints(
        name,
        [(u[a], 1.0), (u[b], -1.0), (q[b], -(X[a] - X[b]))],
        lb=0.0,
        shape=(a.size,),
        append=append,
    )


def ir_rows(lp: LinearProgram, name: str, q, m, X, outside=0.0, types=None) -> np.ndarray:
    """IR rows ``X[t] . q[t] - m[t] >= outside`` for ``types`` (default: every type), per
    opponent profile when ``q`` is ex post."""
    t = np.arange(q.shape[0]) if types is None else np.asarray(types, dtype=np.int64)
    rest = q.shape[1:-1]
    xt = X[t].reshape((t.size,) + (1,) * len(rest) + (X.shape[1],))
    return lp.add_constraints(name, [(q[t], xt), (m[t], -1.0)], lb=outside, shape=(t.size, *rest))
