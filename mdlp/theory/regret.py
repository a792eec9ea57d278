"""Minimax-regret pricing and auctions (Koçyiğit (2020), *Distributional Robustness in
Mechanism Design*, chapters 2-3).

Notation: item ``j`` has value box ``[a_j, u_j]`` (the thesis has ``a_j = 0``), cost
``c_j < u_j`` (chapter 3: ``c = 0``), and ``d_j = u_j - c_j``.  Shifting values and payments
by the cost (``v' = v - c``, ``m' = m - q.c``) leaves utilities unchanged, so every result
below is stated for ``c = 0`` on ``[a'_j, d_j]`` with ``a'_j = max(a_j - c_j, 0)``.

Thesis results (continuum):

* Lemma 2.3.1 / Theorem 2.3.1: ``z* = (1/e) sum_j d_j``, attained by the separable
  mechanism (2.3): ``q_j = 1 + log(v'_j / d_j)`` and ``m'_j = v'_j - d_j/e`` when
  ``v'_j >= d_j/e``, else ``(0, 0)``.
* Theorem 2.3.2 / (2.10): nature's comonotone worst case, ``P(v <= x) = min_j (1 - d_j /
  (e x'_j))^+`` below the top, supported on ``{c + s d : s in [1/e, 1]}``.
* Theorem 2.4.1 / Corollary 2.4.1: deterministic optimum ``(1/2) sum_j d_j`` with posted
  prices ``(u_j + c_j)/2``; ratio ``e/2``.
* Proposition 3.3.2 / Theorem 3.3.1 / Corollary 3.3.1: with ``I`` bidders, ``c = 0``:
  ``z* = sum_j u_j / e`` for every ``I``; mechanism (3.2) = second price with random reserve
  ``Q_j(r <= x) = 1 + log(x / u_j)`` on ``[u_j/e, u_j]``; nature (3.6): one uniformly chosen
  bidder draws from (3.5), all others bid 0.

Typos of the extracted text (checked against the proofs): in (3.2b) the logarithm is
``log(max_{k!=i} v_j^k / u_j)`` (the text divides by ``v_j``); the support of nature's scale
in (3.6) is ``s in [1/e, 1]`` (the text prints ``[1/a, 1]``).

mdlp's derivations (not in the thesis), labelled as such where they are used:

* Lower bounds ``a_j`` (single item, ``c = 0`` after the shift).  If ``a' <= d/e`` the
  thesis value ``d/e`` stands (its worst case lives on ``[d/e, d]``).  Otherwise constant
  regret ``z`` on ``[a', d]`` forces ``1 - v q'(v) = 0`` (Proposition 2.2.1), i.e. ``q(v) =
  q(a') + log(v/a')``, with IR binding at ``a'``: ``z = a'(1 - q(a'))``; ``q(d) <= 1`` gives
  the largest ``q(a') = 1 - log(d/a')`` and ``z = a' log(d/a')``.  Nature's matching
  strategy is the equal-revenue law ``P(v >= p) = a'/p`` on ``[a', d]`` (atom ``a'/d`` at
  ``d``): every price earns ``a'``, ``E v = a' + a' log(d/a')``.  Deterministic: a posted
  price ``p`` has regret ``max(p - c, u - p)`` if ``p > a`` and ``u - a`` if ``p <= a``, so
  ``min(d/2, d - a')``.
* Grid-exact single-item values (any grid).  By the duality of (2.6)-(2.8) for ``J = 1``,
  ``z_grid = max_alpha E_alpha[(v - c)^+] - max_k (x_k - c)^+ T_k`` (the Bayesian optimum
  against ``alpha`` is a posted price at a grid point).  With ``Delta g_k`` the increments
  of ``g(x) = (x - c)^+`` along the grid, ``E g = sum_k Delta g_k T_k`` and each ``T_k``
  should be as large as allowed: ``T_k = min(1, R / d_k)`` for a target revenue ``R``.  The
  value is concave piecewise linear in ``R`` with breakpoints ``R = d_k``:
  ``z_grid = max_k [sum_l Delta g_l min(1, d_k / d_l)] - d_k``.  On the thesis grid
  ``{c + (k/n) d}`` this is ``d * max_k (k/n) (H_n - H_k)``.
* Thesis grid, ``J`` items: ``z_n = (sum_j d_j) * z_n(unit)``.  Upper bound: the separable
  mechanism of per-item grid optima.  Lower bound: nature on the diagonal ``c + (k/n) d``
  turns any IC/IR mechanism into a one-dimensional one with ``Q = q.d in [0, sum d]``.
* Deterministic single item on a grid: a posted price at a grid point ``x_k`` (or none),
  ``min_k max(max_{l<k} g_l, max_{l>=k} g_l - (x_k - c))``.
* Deterministic auctions: ``sum_j u_j / 2`` (second price with reserve ``u_j/2`` has regret
  ``<= u_j/2``; restricting any deterministic auction to profiles where the others bid 0
  gives a deterministic single-buyer mechanism, regret ``>= u_j/2``).
"""

from __future__ import annotations

import math

import numpy as np

SOURCE = "Koçyiğit (2020), Distributional Robustness in Mechanism Design"
E = math.e


# --- continuum values --------------------------------------------------------------------
def item_regret(upper: float, cost: float = 0.0, lower: float = 0.0) -> float:
    """Single-item minimax regret on ``[lower, upper]`` (thesis: ``(u - c)/e`` for
    ``lower = 0``; mdlp's derivation ``a' log(d/a')`` when ``a' = lower - c > d/e``)."""
    d = upper - cost
    a = max(lower - cost, 0.0)
    if d <= 0:
        return 0.0
    return d / E if a <= d / E else a * math.log(d / a)


def minimax_regret(upper, cost=None, lower=None) -> float:
    """``sum_j`` of :func:`item_regret` (Theorem 2.3.1 when all ``lower = 0``)."""
    upper = list(upper)
    cost = list(cost) if cost is not None else [0.0] * len(upper)
    lower = list(lower) if lower is not None else [0.0] * len(upper)
    return float(sum(item_regret(u, c, a) for u, c, a in zip(upper, cost, lower, strict=True)))


def item_deterministic_regret(upper: float, cost: float = 0.0, lower: float = 0.0) -> float:
    """Deterministic single-item minimax regret: ``(u - c)/2`` (Theorem 2.4.1), with a
    lower bound ``min((u - c)/2, u - max(a, c))`` (mdlp's derivation)."""
    d = upper - cost
    a = max(lower - cost, 0.0)
    return max(min(d / 2.0, d - a), 0.0)


def deterministic_regret(upper, cost=None, lower=None) -> float:
    upper = list(upper)
    cost = list(cost) if cost is not None else [0.0] * len(upper)
    lower = list(lower) if lower is not None else [0.0] * len(upper)
    return float(
        sum(item_deterministic_regret(u, c, a) for u, c, a in zip(upper, cost, lower, strict=True))
    )


def posted_prices(upper, cost=None) -> list[float]:
    """Theorem 2.4.1: the optimal deterministic posted prices ``(u_j + c_j)/2``."""
    cost = list(cost) if cost is not None else [0.0] * len(upper)
    return [(u + c) / 2.0 for u, c in zip(upper, cost, strict=True)]


# --- grid-exact values -------------------------------------------------------------------
def grid_regret_1item(points, cost: float = 0.0) -> float:
    """Exact minimax regret of one item on the grid ``points`` (mdlp's derivation from the
    dual (2.8), see the module docstring)."""
    x = np.sort(np.asarray(points, dtype=float))
    g = np.maximum(x - cost, 0.0)
    dg = np.diff(np.concatenate([[0.0], g]))  # E g(v) = sum_k dg_k T_k, T_0 = 1
    d = x - cost
    best = 0.0
    for k in np.flatnonzero(d > 0):
        T = np.where(d > 0, np.minimum(1.0, d[k] / np.where(d > 0, d, 1.0)), 1.0)
        best = max(best, float(dg @ T - d[k]))
    return best


def thesis_grid_unit(n: int) -> float:
    """``max_k (k/n)(H_n - H_k)``: the exact value of (2.5) on ``{0, 1/n, ..., 1}``."""
    inv = 1.0 / np.arange(1, n + 1)
    tail = np.cumsum(inv[::-1])[::-1]  # tail[k-1] = sum_{l=k}^{n} 1/l
    ks = np.arange(1, n)
    return float(np.max(ks / n * tail[ks])) if n >= 2 else 0.0


def grid_deterministic_1item(points, cost: float = 0.0) -> float:
    """Exact deterministic minimax regret of one item on a grid: the best posted price at a
    grid point, or no sale."""
    x = np.sort(np.asarray(points, dtype=float))
    g = np.maximum(x - cost, 0.0)
    best = float(g.max())  # never sell
    for k in range(x.size):
        below = float(g[:k].max()) if k else 0.0
        above = float((g[k:] - (x[k] - cost)).max())
        best = min(best, max(below, above))
    return best


# --- mechanisms and nature's strategies --------------------------------------------------
def separable_mechanism(X, upper, cost=None, lower=None):
    """The separable mechanism (2.3) (with mdlp's lower-bound variant: the same ``q`` and
    ``m' = v' - z_j``) at the value profiles ``X`` (shape ``(..., J)``).

    Returns ``(q, m)`` with ``q`` shaped like ``X`` and ``m`` the total payment.
    """
    X = np.asarray(X, dtype=float)
    J = X.shape[-1]
    cost = np.zeros(J) if cost is None else np.asarray(cost, dtype=float)
    lower = np.zeros(J) if lower is None else np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    d = upper - cost
    z = np.array([item_regret(u, c, a) for u, c, a in zip(upper, cost, lower, strict=True)])
    vp = X - cost
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(vp > 0, vp / d, 0.0)
        sell = ratio >= 1.0 / E * (1 - 1e-14)
        q = np.where(sell, 1.0 + np.log(np.where(sell, ratio, 1.0)), 0.0)
    q = np.clip(q, 0.0, 1.0)
    mprime = np.where(sell, vp - z, 0.0)
    m = (mprime + q * cost).sum(axis=-1)
    return q, m


def reserve_cdf(x, upper):
    """``Q_j(r <= x) = 1 + log(x/u)`` on ``[u/e, u]`` (chapter 3's random reserve)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore"):
        return np.where(x >= upper / E, 1.0 + np.log(np.maximum(x, 1e-300) / upper), 0.0)


def nature_cdf(x, upper, cost=None):
    """(2.10): ``P*(v <= x) = min_j (1 - d_j / (e (x_j - c_j)))^+`` below the top, 1 at it."""
    x = np.asarray(x, dtype=float)
    upper = np.asarray(upper, dtype=float)
    cost = np.zeros_like(upper) if cost is None else np.asarray(cost, dtype=float)
    d = upper - cost
    with np.errstate(divide="ignore", invalid="ignore"):
        xp = x - cost
        marg = np.where(xp > 0, np.maximum(1 - d / (E * np.where(xp > 0, xp, 1.0)), 0.0), 0.0)
    val = marg.min(axis=-1)
    top = np.all(x >= upper, axis=-1)
    return np.where(top, 1.0, val)


def auction_mechanism(V, upper):
    """Mechanism (3.2) at bid profiles ``V`` (shape ``(..., I, J)``), ties broken
    lexicographically (the partition W: the lowest index among the highest bidders wins).
    Uses the corrected (3.2b): ``log(max_{k != i} v^k / u_j)``.  Returns ``(q, m)`` with
    ``q`` shaped like ``V`` and ``m`` shaped ``(..., I)``."""
    V = np.asarray(V, dtype=float)
    I = V.shape[-2]
    upper = np.asarray(upper, dtype=float)
    win = np.argmax(V, axis=-2)  # first maximiser = lexicographic tie-break
    is_w = np.arange(I)[:, None] == win[..., None, :]  # (..., I, J)
    top = np.take_along_axis(V, win[..., None, :], axis=-2)[..., 0, :]
    second = np.where(is_w, -np.inf, V).max(axis=-2) if I > 1 else np.zeros_like(top)
    thr = upper / E
    sells = top >= thr * (1 - 1e-14)
    qw = np.where(sells, 1.0 + np.log(np.maximum(top, 1e-300) / upper), 0.0)
    with np.errstate(divide="ignore"):
        pay_hi = top + second * np.log(np.maximum(second, 1e-300) / upper)
    pay = np.where(second >= thr, pay_hi, top - thr)
    mw = np.where(sells, pay, 0.0)
    q = np.where(is_w, np.clip(qw, 0, 1)[..., None, :], 0.0)
    m = np.where(is_w, mw[..., None, :], 0.0).sum(axis=-1)
    return q, m


def equal_revenue_alpha(n: int) -> np.ndarray:
    """The exact discrete equal-revenue law on ``{0, 1/n, ..., 1}`` that attains
    :func:`thesis_grid_unit`: tails ``T_k = min(1, k*/k)`` with ``k*`` the maximiser
    (mdlp's derivation).  Returns the pmf over the ``n + 1`` points."""
    inv = 1.0 / np.arange(1, n + 1)
    tail = np.cumsum(inv[::-1])[::-1]
    ks = np.arange(1, n)
    kstar = int(ks[np.argmax(ks / n * tail[ks])])
    k = np.arange(n + 1)
    T = np.minimum(1.0, kstar / np.maximum(k, 1))
    T = np.append(T, 0.0)
    return T[:-1] - T[1:]


def thesis_alpha_gamma(n: int):
    """``(alpha_n, gamma_n)`` of the proof of Lemma 2.3.3 along the diagonal ``k = 0..n``:
    ``alpha`` over the ``n + 1`` diagonal points and ``gamma[k]`` the weight of the pair
    (true type ``k + 1``, report ``k``).  Needs ``n > e (1 + e)``."""
    k0 = int(math.floor(n / E))
    alpha = np.zeros(n + 1)
    ks = np.arange(k0, n)
    alpha[ks] = n / (E * ks * (ks + 1))
    alpha[n] = 1.0 - alpha[:n].sum()
    gamma = np.zeros(n)
    gamma[ks] = (n - E - E * E) * n / (E * (n - E) * (ks + 1))
    return alpha, gamma


def thesis_lower_bound(n: int) -> float:
    """Step 3 of Lemma 2.3.3: ``(1/e - e/(n - e)) sum_{k=floor(n/e)+1}^{n} 1/k`` (unit box)."""
    k0 = int(math.floor(n / E))
    return (1 / E - E / (n - E)) * float(np.sum(1.0 / np.arange(k0 + 1, n + 1)))
