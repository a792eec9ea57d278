"""Blocks for agents with one-dimensional types (values ``x_0 < ... < x_{K-1}`` on an axis).

Conventions: ``q`` and ``m`` are arrays of column indices with the agent's own type on
``axis`` (any other axes are opponent profiles, ex post, or absent, interim); ``x`` is the
value of each own type, shaped to broadcast against ``q`` (or a scalar).

``adjacent_ic``      both directions of IC between neighbouring own types (with a
                     monotone allocation this is IC over all pairs, for linear utility);
``envelope_rows``    the envelope form: a monotone allocation and the payment identity
                     ``m_k - m_{k-1} = x_k (q_k - q_{k-1})`` (the largest payments adjacent
                     IC allows -- the revenue-maximizing choice);
``interim_rows``     ``Q_i(k) = sum_{v_-i} p_-i(v_-i) q_i(k, v_-i)`` for one agent;
``others_pmf``       the opponents' joint pmf (flattened, C order) from per-agent pmfs;
``efficient_allocation``  the highest value wins, ties split evenly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from solvers import LinearProgram


def _lo_hi(a, K, axis):
    return np.take(a, np.arange(K - 1), axis=axis), np.take(a, np.arange(1, K), axis=axis)


def adjacent_ic(lp: LinearProgram, tag, q, m, x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """IC rows ``ic_down{tag}`` (type ``k+1`` does not report ``k``) and ``ic_up{tag}`` (type
    ``k`` does not report ``k+1``) for every neighbouring pair along ``axis``; returns both
    row-index arrays."""
    K = q.shape[axis]
    q_lo, q_hi = _lo_hi(q, K, axis)
    m_lo, m_hi = _lo_hi(m, K, axis)
    x_lo, x_hi = _lo_hi(x, K, axis) if np.ndim(x) else (x, x)
    down = lp.add_constraints(
        f"ic_down{tag}",
        [(q_hi, x_hi), (q_lo, -x_hi), (m_hi, -1.0), (m_lo, 1.0)],
        lb=0.0,
    )
    up = lp.add_constraints(
        f"ic_up{tag}",
        [(q_lo, x_lo), (q_hi, -x_lo), (m_lo, -1.0), (m_hi, 1.0)],
        lb=0.0,
    )
    return down, up


def envelope_rows(lp: LinearProgram, tag, q, m, x, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The envelope form of IC: rows ``monotone{tag}`` (``q_{k+1} - q_k >= 0``; for several
    items, ``q`` with a trailing item axis, each item's allocation weighted by ``x`` must
    be a scalar ``x``) and ``payment{tag}`` (``m_k - m_{k-1} - x_k (q_k - q_{k-1}) = 0``).
    Together with IR at the lowest type these are IC over all pairs for one-dimensional
    linear utility, with the largest IC payments (what a revenue maximizer charges)."""
    K = q.shape[axis]
    q_lo, q_hi = _lo_hi(q, K, axis)
    m_lo, m_hi = _lo_hi(m, K, axis)
    x_hi = _lo_hi(x, K, axis)[1] if np.ndim(x) else x
    mono = lp.add_constraints(f"monotone{tag}", [(q_hi, 1.0), (q_lo, -1.0)], lb=0.0)
    pay = lp.add_constraints(
        f"payment{tag}",
        [(m_hi, 1.0), (m_lo, -1.0), (q_hi, -x_hi), (q_lo, x_hi)],
        lb=0.0,
        ub=0.0,
    )
    return mono, pay


def others_pmf(pmfs: Sequence[np.ndarray], i: int) -> np.ndarray:
    """The joint pmf of every agent but ``i`` (independent agents), flattened in C order of
    the remaining agents."""
    pm = np.ones(())
    for j, p in enumerate(pmfs):
        if j != i:
            pm = np.multiply.outer(pm, np.asarray(p, float))
    return pm.ravel()


def interim_rows(lp: LinearProgram, name: str, Q, q_own_first, weights) -> np.ndarray:
    """Rows ``Q[k] = sum_r weights[r] q[k, r]`` (``q_own_first`` has shape ``(K, R)``: own
    type first, opponent profiles flattened; ``weights`` the opponents' pmf, length ``R``)."""
    K = Q.shape[0]
    w = np.asarray(weights, float)
    return lp.add_constraints(
        name, [(Q[:, None], 1.0), (q_own_first, -w[None, :])], lb=0.0, ub=0.0, shape=(K,)
    )


def efficient_allocation(X) -> np.ndarray:
    """``X`` of shape ``(n, *profile)``: the highest value wins, ties are split evenly."""
    X = np.asarray(X)
    win = X == X.max(axis=0, keepdims=True)
    return win / win.sum(axis=0, keepdims=True)
