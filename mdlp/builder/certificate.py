"""Certificates recomputed from the mechanism's arrays, written independently of the row
builders, the separation oracle and the Border separation (no shared code with them).

* :func:`ic_certificate`: the largest gain of any type from any misreport, over *all*
  ordered pairs (and every opponent profile for ex-post rules), by an ``einsum`` per chunk
  of true types.
* :func:`border_certificate`: the largest violation of Border's inequality over all sets,
  by enumerating upper level sets *by value* (tied types together) -- for one symmetric
  block, every pair of level sets for two agents (brute force, not a best response), every
  tuple for more (small grids).
"""

from __future__ import annotations

import numpy as np


def ic_certificate(X, Q, M, chunk: int = 2_000_000) -> tuple[float, tuple[int, int] | None]:
    """``max_{a != b} [u(a reports b) - u(a)]`` with ``u(a reports b) = X[a].Q[b] - M[b]``;
    ``Q`` has shape ``(n, *rest, J)`` and ``M`` ``(n, *rest)`` (ex post: per opponent
    profile).  Returns ``(largest gain, (a, b))`` (``-inf``/``None`` for one type)."""
    X = np.asarray(X, float)
    n, J = X.shape
    Q = np.asarray(Q, float).reshape(n, -1, J)
    M = np.asarray(M, float).reshape(n, -1)
    truth = np.einsum("aj,aoj->ao", X, Q) - M
    best, arg = -np.inf, None
    step = max(1, chunk // max(1, n * Q.shape[1]))
    for s in range(0, n, step):
        e = min(n, s + step)
        lie = np.einsum("aj,boj->abo", X[s:e], Q) - M[None]
        gain = lie - truth[s:e, None, :]
        gain[np.arange(e - s), np.arange(s, e), :] = -np.inf
        k = int(np.argmax(gain))
        v = float(gain.ravel()[k])
        if v > best:
            r, b, _ = np.unravel_index(k, gain.shape)
            best, arg = v, (s + int(r), int(b))
    return best, arg


def _levels(a, f):
    """Distinct values of ``a`` (descending) with the mass and ``f a``-sum of every upper
    level set ``{a >= value}``; the empty set first."""
    vals, inv = np.unique(np.asarray(a, float), return_inverse=True)
    mass = np.bincount(inv.ravel(), weights=f, minlength=vals.size)[::-1]
    fa = np.bincount(inv.ravel(), weights=f * np.asarray(a, float).ravel(), minlength=vals.size)[
        ::-1
    ]
    return np.concatenate([[0.0], np.cumsum(mass)]), np.concatenate([[0.0], np.cumsum(fa)])


def border_certificate(avals, masses, copies: int = 1, limit: int = 50_000_000) -> float:
    """Largest violation ``sum_i sum_{S_i} f_i a_i - (1 - prod_i (1 - F_i(S_i)))`` over all
    tuples of sets (Border 1991); ``copies = N`` with one block: N identical agents with one
    symmetric rule.  Non-positive means implementable."""
    if len(avals) == 1:
        F, A = _levels(avals[0], np.asarray(masses[0], float))
        F = np.minimum(F, 1.0)
        return float(np.max(copies * A - (1.0 - (1.0 - F) ** copies)))
    tabs = [_levels(a, np.asarray(f, float)) for a, f in zip(avals, masses, strict=True)]
    total = int(np.prod([t[0].size for t in tabs]))
    if total > limit:
        raise ValueError(f"Border certificate would enumerate {total:,} level-set tuples")
    lhs = np.zeros(())
    surv = np.ones(())
    for F, A in tabs:
        lhs = np.add.outer(lhs, A)
        surv = np.multiply.outer(surv, 1.0 - np.minimum(F, 1.0))
    return float(np.max(lhs - (1.0 - surv)))
