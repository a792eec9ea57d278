"""Bilateral trade: Myerson and Satterthwaite (1983), "Efficient mechanisms for bilateral
trading", Journal of Economic Theory 29, 265-281.

A buyer with value ``b ~ F`` and a seller with cost ``s ~ G``, independent and private.
A mechanism trades with probability ``q(b, s)``; the buyer pays and the seller receives.
Interim, the buyer's trade probability is ``Q_b(b) = E_s q`` and the seller's
``Q_s(s) = E_b q``.

**Continuum (Myerson and Satterthwaite 1983, Theorems 1 and 2).**  By the envelope
theorem a BIC, interim-IR mechanism leaves the buyer at least his lowest type's rent and
the seller at least her highest type's, so the expected surplus a budget-balanced
mechanism can keep is

    E[T_b] - E[T_s] = E[(psi_b(b) - psi_s(s)) q(b, s)] - U_b(low) - U_s(high),
    psi_b(b) = b - (1 - F(b)) / f(b),   psi_s(s) = s + G(s) / g(s).

A mechanism is implementable with budget balance iff ``E[(psi_b - psi_s) q] >= 0``
(Theorem 1; the interim payments can be made ex post budget balanced, see
:mod:`mdlp.problems.bilateral_trade`).  For uniform values on [0, 1],
``psi_b = 2b - 1`` and ``psi_s = 2s``, and ``b - s`` has the triangular density
``1 - |d|`` on [-1, 1]:

* first best (trade iff ``b >= s``): ``E[(b - s)^+] = int_0^1 d (1 - d) dd = 1/6``; its
  budget ``2 int_0^1 (d - 1/2)(1 - d) dd = -1/6 < 0``: not implementable (Corollary 1);
* second best (Theorem 2): maximize ``E[(b - s) q]`` subject to the budget; the Lagrangian
  ``(b - s) + lambda (psi_b - psi_s) = (1 + 2 lambda)(b - s) - lambda`` trades iff
  ``b - s >= a`` with ``a = lambda / (1 + 2 lambda)``, where the budget binds:
  ``int_a^1 (d - 1/2)(1 - d) dd = 0``, i.e. ``4a^3 - 9a^2 + 6a - 1 = (a - 1/4)(4a^2 - 8a +
  4) = (a - 1/4) 4 (a - 1)^2 = 0``, so ``a = 1/4`` and the gains are
  ``int_{1/4}^1 d (1 - d) dd = 1/6 - (1/32 - 1/192) = 9/64``;
* the broker's profit (Myerson and Satterthwaite 1983, Section 4, the intermediary who
  maximizes his expected profit): maximize ``E[(psi_b - psi_s) q] - U_b(0) - U_s(1)``;
  trade iff the buyer's virtual value is at least the seller's virtual cost,
  ``2b - 1 >= 2s``, i.e. ``b - s >= 1/2``, with both rents zero.  The profit is
  ``2 int_{1/2}^1 (d - 1/2)(1 - d) dd = 2 * 1/48 = 1/24``.  (The *gains from trade* of
  that mechanism are ``int_{1/2}^1 d (1 - d) dd = 1/12``; the broker keeps half of them.)

Uniform on ``[lo, hi]`` for both sides rescales every value by ``hi - lo``.

**Grid (derived here; the value the LP reproduces to solver precision).**  On pmfs with
points ``b_1 < ... < b_K`` (masses ``p_i``) and ``s_1 < ... < s_J`` (masses ``r_j``),
adjacent IC in both directions is IC over all pairs and makes ``Q_b`` non-decreasing and
``Q_s`` non-increasing.  The largest buyer payments IC and IR allow bind the downward
neighbour constraints, ``T_b(i) - T_b(i-1) = b_i (Q_b(i) - Q_b(i-1))``, ``T_b(1) = b_1
Q_b(1)``; the smallest seller receipts bind ``T_s(j) - T_s(j+1) = s_j (Q_s(j) -
Q_s(j+1))``, ``T_s(J) = s_J Q_s(J)``.  Summing by parts,

    E[T_b] - E[T_s] = sum_ij p_i r_j (psi_b(i) - psi_s(j)) q_ij,
    psi_b(i) = b_i - (b_{i+1} - b_i) P(b > b_i) / p_i,
    psi_s(j) = s_j + (s_j - s_{j-1}) P(s < s_j) / r_j,

the discrete virtual value and virtual cost.  So the grid LP is: maximize
``sum w_ij g_ij q_ij`` (``w = p r``; ``g = b - s`` for gains from trade, ``g = psi_b -
psi_s`` for the broker's profit) over ``0 <= q <= 1`` with ``Q_b`` non-decreasing, ``Q_s``
non-increasing and (gains from trade) ``sum w h q >= 0``, ``h = psi_b - psi_s``.

Dropping the monotonicity rows leaves an LP with one coupling row whose dual is

    V = min_{lambda >= 0} sum_ij w_ij (g_ij + lambda h_ij)^+

(a convex piecewise-linear function of ``lambda``; the minimum sits at a breakpoint),
an upper bound on the grid optimum.  It *is* the grid optimum when the complementary
primal -- ``q = 1`` where ``g + lambda* h > 0``, ``q = theta`` on the cells where it is
zero, with ``theta`` making the budget row hold with equality when ``lambda* > 0`` -- is
monotone: then it is feasible for the grid LP and attains the dual bound.
:func:`grid_value` builds that primal and checks it (``certified``).  With non-decreasing
discrete virtual values (regular grids) ``g + lambda h`` increases in ``b`` and decreases
in ``s``, so the strict set is monotone; on the uniform midpoint grid ``g`` and ``h``
depend on ``i - j`` only, so the tied cells form a diagonal with one common ``h`` and a
common ``theta`` balances the budget: there the value is exact on every grid.
"""

from __future__ import annotations

import numpy as np

SOURCE = (
    'Myerson and Satterthwaite (1983), "Efficient mechanisms for bilateral trading", '
    "J. Econ. Theory 29"
)

# continuum values for uniform [0, 1] values on both sides
SECOND_BEST_UNIFORM = 9 / 64
FIRST_BEST_UNIFORM = 1 / 6
BROKER_PROFIT_UNIFORM = 1 / 24
SECOND_BEST_GAP_UNIFORM = 1 / 4  # trade iff b - s >= 1/4
BROKER_GAP_UNIFORM = 1 / 2  # trade iff b - s >= 1/2


def buyer_virtual_values(points, probs) -> np.ndarray:
    """``psi_b(i) = b_i - (b_{i+1} - b_i) P(b > b_i) / p_i`` (``psi_b(K) = b_K``) on the
    support (points with positive mass)."""
    x, p = np.asarray(points, float), np.asarray(probs, float)
    above = np.cumsum(p[::-1])[::-1] - p
    step = np.append(np.diff(x), 0.0)
    return x - step * above / p


def seller_virtual_costs(points, probs) -> np.ndarray:
    """``psi_s(j) = s_j + (s_j - s_{j-1}) P(s < s_j) / r_j`` (``psi_s(1) = s_1``)."""
    x, p = np.asarray(points, float), np.asarray(probs, float)
    below = np.cumsum(p) - p
    step = np.concatenate([[0.0], np.diff(x)])
    return x + step * below / p


def _support(prior):
    keep = np.asarray(prior.probs, float) > 0
    return np.asarray(prior.points, float)[keep], np.asarray(prior.probs, float)[keep]


def grid_value(buyer, seller, objective: str = "gains_from_trade") -> tuple[float, bool]:
    """The grid optimum of the module docstring for two priors (``points``, ``probs``):
    ``(value, certified)``.  ``certified`` is true when the complementary primal is
    monotone (then ``value`` is the grid LP's optimum); otherwise ``value`` is an upper
    bound on it (the LP without monotonicity)."""
    b, p = _support(buyer)
    s, r = _support(seller)
    w = np.outer(p, r)
    h = buyer_virtual_values(b, p)[:, None] - seller_virtual_costs(s, r)[None, :]
    if objective == "profit":
        g, lam = h, 0.0
    else:
        g = b[:, None] - s[None, :]
        lam = _best_lambda(w.ravel(), g.ravel(), h.ravel())
    z = g + lam * h
    scale = max(1.0, float(np.abs(g).max()), float(np.abs(h).max()))
    tie = np.abs(z) <= 1e-12 * scale * (1.0 + lam)
    # at lambda = 0 the tied cells with h > 0 are part of the slope condition: trade there
    q = (((z > 0) & ~tie) | (tie & (h > 0) & (lam == 0))).astype(float)
    if objective != "profit" and lam > 0 and tie.any():
        need, per = -float((w * h * q).sum()), float((w * h)[tie].sum())
        theta = need / per if per != 0 else (0.0 if abs(need) <= 1e-15 else -1.0)
        q = np.where(tie, theta, q)
    value = float((w * np.maximum(z, 0.0)).sum())  # the dual bound
    Qb, Qs = q @ r, p @ q
    tol = 1e-12
    certified = bool(
        q.min() >= -tol
        and q.max() <= 1 + tol
        and np.all(np.diff(Qb) >= -tol)
        and np.all(np.diff(Qs) <= tol)
        and (objective == "profit" or float((w * h * q).sum()) >= -1e-12)
        and abs(float((w * g * q).sum()) - value) <= 1e-12 * scale
    )
    return value, certified


def _best_lambda(w, g, h) -> float:
    """``argmin_{lambda >= 0} sum w (g + lambda h)^+``: the slope is ``sum w h`` over the
    cells with ``g + lambda h > 0``; it increases through the breakpoints ``-g / h``, so
    the minimum is the first breakpoint (or 0) where the right slope is ``>= 0``."""
    active0 = (g > 0) | ((g == 0) & (h > 0))
    slope = float((w * h)[active0].sum())
    if slope >= 0:
        return 0.0
    nz = h != 0
    lam = -g[nz] / h[nz]
    pos = lam > 0
    lam, dw = lam[pos], (w * h)[nz][pos]
    if lam.size == 0:
        return 0.0
    # crossing a breakpoint switches a cell on (h > 0) or off (h < 0): the slope gains
    # |w h| either way
    order = np.argsort(lam, kind="stable")
    lam, steps = lam[order], np.abs(dw[order])
    right = slope + np.cumsum(steps)
    k = int(np.searchsorted(right, 0.0, side="left"))
    return float(lam[min(k, lam.size - 1)])


def first_best(buyer, seller) -> float:
    """``E[(b - s)^+]`` on the grid: trade whenever it creates value (an upper bound on
    every grid, not budget balanced in general)."""
    b, p = _support(buyer)
    s, r = _support(seller)
    return float(np.outer(p, r).ravel() @ np.maximum(b[:, None] - s[None, :], 0.0).ravel())


def uniform_same_interval(lo: float, hi: float, objective: str = "gains_from_trade") -> float:
    """The continuum optimum for ``b, s ~ U[lo, hi]``: ``9/64 (hi - lo)`` gains from trade
    (Theorem 2) or ``(hi - lo) / 24`` broker's profit."""
    scale = hi - lo
    return scale * (BROKER_PROFIT_UNIFORM if objective == "profit" else SECOND_BEST_UNIFORM)


def trade_gap(lo: float, hi: float, objective: str = "gains_from_trade") -> float:
    """The continuum optimum trades iff ``b - s >=`` this (uniform values on [lo, hi])."""
    gap = BROKER_GAP_UNIFORM if objective == "profit" else SECOND_BEST_GAP_UNIFORM
    return gap * (hi - lo)


def uniform_midpoint_value(K: int, objective: str = "gains_from_trade"):
    """The grid optimum for ``b, s ~ U[0, 1]`` on the ``K``-point midpoint grid, as an exact
    fraction (multiply by ``hi - lo`` for ``U[lo, hi]``).

    There ``w = 1/K^2``, ``g = d/K`` and ``h = (2d + 1 - K)/K`` depend on ``d = i - j``
    only, and ``K - d`` cells share each ``d > 0``.  Write ``e = K - d``.

    * profit: ``K^-3 sum_e e (K + 1 - 2e)^+``, i.e. ``n (n^2 - 1) / (3 K^3)`` for
      ``K = 2n - 1`` and ``n (n + 1)(2n + 1) / (6 K^3)`` for ``K = 2n``.  Minus ``1/24``
      this is ``(12 n^2 - 14 n + 1) / (24 K^3)`` (odd ``K``) and ``(3n + 1) / (48 n^2)``
      (even): positive for ``K >= 3``, ``~ 1/(8K)``.
    * gains from trade: the budget of the cells ``e <= E`` is ``S(E) = K^-2 sum_{e <= E} e
      (K + 1 - 2e) / K = E (E + 1)(3K + 1 - 4E) / (6 K^3)``.  The cells with ``h >= 0`` are
      free and raise the gains, the others cost ``-h`` per unit of gain ``g`` at the ratio
      ``d / (K - 1 - 2d)``, increasing in ``d``: the one-row knapsack takes ``d`` from the
      top, all of ``e <= E0 = floor((3K + 1)/4)`` and a share ``theta = S(E0) K^3 /
      ((E0 + 1)(2 E0 + 1 - K))`` of ``e = E0 + 1``.  The value is ``K^-3 (sum_{e <= E0}
      e (K - e) + theta (E0 + 1)(K - E0 - 1))`` (``theta = 0`` past the last cell).
      The trade boundary ``d >= K - E0 ~ K/4`` is the grid's ``b - s >= 1/4``.
    """
    from fractions import Fraction

    K = int(K)
    if objective == "profit":
        return Fraction(sum(e * max(K + 1 - 2 * e, 0) for e in range(1, K + 1)), K**3)
    E0 = min((3 * K + 1) // 4, K - 1)
    full = sum(e * (K - e) for e in range(1, E0 + 1))
    S = Fraction(E0 * (E0 + 1) * (3 * K + 1 - 4 * E0), 6)  # K^3 S(E0)
    theta = Fraction(0)
    if E0 + 1 <= K - 1 and S > 0:
        theta = min(Fraction(1), S / ((E0 + 1) * (2 * E0 + 1 - K)))
    return (full + theta * (E0 + 1) * (K - E0 - 1)) / Fraction(K**3)


def uniform_interval(prior):
    """``(lo, hi)`` when ``prior`` discretizes a uniform law on ``[lo, hi]``, else ``None``."""
    from grids.priors import Uniform

    law = prior.continuous
    if law is None or not isinstance(law.frozen, Uniform):
        return None
    lo, hi = law.frozen.support()
    return max(float(lo), law.low), min(float(hi), law.high)


def grid_reference(buyer, seller, objective: str, placement: str) -> tuple[float, bool, str]:
    """``(value, exact, label)``: the grid optimum of both priors -- the closed form of
    :func:`uniform_midpoint_value` for uniform values on one interval and midpoint grids of
    one size, else :func:`grid_value` (``exact`` when its primal is certified; otherwise an
    upper bound)."""
    box = uniform_interval(buyer)
    if box is not None and box == uniform_interval(seller) and placement == "midpoint":
        if len(buyer.points) == len(seller.points):
            value = float(uniform_midpoint_value(len(buyer.points), objective))
            return value * (box[1] - box[0]), True, "grid optimum, closed form (uniform, midpoint)"
    value, exact = grid_value(buyer, seller, objective)
    label = "grid optimum (dual bound, attained)" if exact else "grid bound (no monotonicity)"
    return value, exact, label
