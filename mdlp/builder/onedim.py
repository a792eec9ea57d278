"""Blocks for agents with one-dimensional types (values ``x_0 < ... < x_{K-1}`` on an axis).

Conventions: ``q`` and ``m`` are arrays of column indices with the agent's own type on
``axis`` (any other axes are opponent profiles, ex post, or absent, interim); ``x`` is the
value of each own type, shaped to broadcast against ``q`` (or a scalar).

``adjacent_ic``      both directions of IC between neighbouring own types (with a
                     monotone allocation this is IC over all pairs, for linear utility);
``envelope_rows``    the envelope form: a monotone allocation and the payment identity
                     ``m_k - m_{k-1} = x_k (q_k - q_{k-1})`` (the largest payments adjacent
                     IC allows -- the revenue-maximizing choice);
``ir_lowest``        IR of the lowest own type (with adjacent IC or the envelope form it
                     is IR of every type), as an inequality or binding;
``monotone_ic``      IC over all pairs plus IR for one-dimensional types in one call:
                     adjacent IC (``payments="adjacent"``) or the envelope form
                     (``payments="envelope"``), with IR at the lowest type;
``interim_rows``     ``Q_i(k) = sum_{v_-i} p_-i(v_-i) q_i(k, v_-i)`` for one agent (any
                     weights over the trailing axes);
``others_pmf``       the opponents' joint pmf (flattened, C order) from per-agent pmfs;
``joint_pmf``        the joint pmf of independent agents, shaped like the profile grid;
``profile_values``   the value of every agent at every profile of a product grid;
``own_first``        an agent's ex-post array with its own type first, the rest flattened;
``efficient_allocation``  the highest value wins, ties split evenly.

Why adjacent IC is enough for one-dimensional types (Myerson 1981, Lemma 2; the discrete
form in Makarin 2021): utility ``x q - m`` is linear in the type with increasing
differences, so IC between neighbours in both directions,
``x_{k+1} (q_{k+1} - q_k) >= m_{k+1} - m_k >= x_k (q_{k+1} - q_k)``, forces ``q``
non-decreasing (``x_{k+1} > x_k``), and the inequalities then chain to every pair
``k < l``; upward IC gives ``u(x_{k+1}) >= u(x_k) + (x_{k+1} - x_k) q_k >= u(x_k)``, so
IR at the lowest type is IR of every type.
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
    type first, opponent profiles flattened; ``weights`` the opponents' pmf, length ``R``).
    More generally ``q_own_first`` may have any trailing axes ``(K, *rest)`` and
    ``weights`` any array broadcasting to ``rest`` (e.g. probabilities times payoffs):
    ``Q[k] = sum_rest weights * q[k, rest]``."""
    Q = np.asarray(Q)
    q_own_first = np.asarray(q_own_first)
    K = Q.shape[0]
    w = np.asarray(weights, float)
    rest = q_own_first.ndim - 1
    return lp.add_constraints(
        name,
        [(Q.reshape((K,) + (1,) * rest), 1.0), (q_own_first, -w[None])],
        lb=0.0,
        ub=0.0,
        shape=(K,),
    )


def ir_lowest(
    lp: LinearProgram, tag, q, m, x, axis: int = 0, *, outside=0.0, binding: bool = False
) -> np.ndarray:
    """Row block ``ir{tag}``: IR of the lowest own type, ``x_0 q_0 - m_0 >= outside``
    (``= outside`` with ``binding``), for every opponent profile when ``q`` is ex post.
    With adjacent IC (or the envelope form) this is IR of every type (module doc)."""
    x0 = np.take(x, 0, axis=axis) if np.ndim(x) else x
    lo_q, lo_m = np.take(q, 0, axis=axis), np.take(m, 0, axis=axis)
    ub = outside if binding else np.inf
    return lp.add_constraints(f"ir{tag}", [(lo_q, x0), (lo_m, -1.0)], lb=outside, ub=ub)


def monotone_ic(
    lp: LinearProgram, tag, q, m, x, axis: int = 0, *, payments: str = "adjacent", outside=0.0
) -> dict[str, np.ndarray]:
    """IC over all pairs of own types and IR for one-dimensional linear utility, as rows:

    ``payments="adjacent"``  adjacent IC both ways (:func:`adjacent_ic`) and IR at the
                             lowest type (an inequality): every IC mechanism is feasible;
    ``payments="envelope"``  the envelope form (:func:`envelope_rows`, ``q`` monotone and
                             the largest IC payments) and IR binding at the lowest type:
                             the revenue-maximizing payments of each monotone ``q``.

    Use ``envelope`` only where higher payments never hurt (the objective and the other
    rows are non-decreasing in the payments). Returns the row blocks by name."""
    if payments == "adjacent":
        down, up = adjacent_ic(lp, tag, q, m, x, axis=axis)
        ir = ir_lowest(lp, tag, q, m, x, axis=axis, outside=outside)
        return {f"ic_down{tag}": down, f"ic_up{tag}": up, f"ir{tag}": ir}
    if payments == "envelope":
        mono, pay = envelope_rows(lp, tag, q, m, x, axis=axis)
        ir = ir_lowest(lp, tag, q, m, x, axis=axis, outside=outside, binding=True)
        return {f"monotone{tag}": mono, f"payment{tag}": pay, f"ir{tag}": ir}
    raise ValueError(f"payments must be 'adjacent' or 'envelope', got {payments!r}")


def joint_pmf(pmfs: Sequence[np.ndarray]) -> np.ndarray:
    """The joint pmf of independent agents, shaped ``(K_1, ..., K_n)``."""
    P = np.ones(())
    for p in pmfs:
        P = np.multiply.outer(P, np.asarray(p, float))
    return P


def profile_values(axes) -> np.ndarray:
    """``X[i, v]``: agent ``i``'s value at every profile ``v`` of the product grid of
    ``axes`` (:class:`grids.Axis` objects, or point arrays), shape ``(n, *grid)``."""
    from grids import Axis, ProductSpace

    axes = [a if isinstance(a, Axis) else Axis.custom(a) for a in axes]
    return np.stack(ProductSpace(axes).mesh())


def own_first(a, axis: int) -> np.ndarray:
    """Move ``axis`` (an agent's own type) to the front and flatten the rest: ``(K, R)``,
    the opponents' profiles in C order (the layout of :func:`others_pmf`)."""
    a = np.asarray(a)
    return np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1)


def efficient_allocation(X) -> np.ndarray:
    """``X`` of shape ``(n, *profile)``: the highest value wins, ties are split evenly."""
    X = np.asarray(X)
    win = X == X.max(axis=0, keepdims=True)
    return win / win.sum(axis=0, keepdims=True)
