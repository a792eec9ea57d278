"""Markov-ambiguity auctions (Koçyiğit (2020), *Distributional Robustness in Mechanism
Design*, chapter 1, section 1.5).

One good, ``I`` bidders with values in ``[0, 1]^I``; the seller maximizes the worst-case
expected revenue over the Markov ambiguity set (1.6) ``{P on [0,1]^I : E[v_i] >= mu}``.
All functions take values on ``[0, 1]``; scale by ``upper`` outside (revenues are
homogeneous of degree one in the value scale).

- Proposition 1.5.3: the worst-case expected full surplus is ``mu``; no mechanism earns more.
- Propositions 1.5.5-1.5.7: worst-case revenue of the second-price auction with reserve
  ``r`` in the regions R1, R2, R3 (``0`` for ``r > mu``), extremal distributions Q(1..3).
- Theorem 1.5.2: best reserve ``r* = 1 - sqrt(1 - mu)``, ``z* = I (1 - sqrt(1 - mu))^2``
  for ``mu <= (2I - 1) / I^2``; otherwise ``z* = (I mu - 1) / (I - 1)`` (any r in R1).
- Theorem 1.5.3: optimal highest-bidder lottery, ``sigma* = -1 / (W_{-1}(-mu I e^-I) + 1)``,
  value ``r = exp(I - 1 - 1/sigma*)``, allocation (1.12).
- Theorem 1.5.4 / Lemma 1.7.15: the (unknown) optimum lies in ``[r, min(mu, r (2 - r))]``.
- One buyer (``I = 1``): the robust-pricing problem with a known mean, solved by Carrasco,
  Luz, Kos, Messner, Monteiro and Moreira (2018), "Optimal selling mechanisms under moment
  conditions", Journal of Economic Theory 177: :func:`one_buyer_value`.  Its closed form is
  derived here from the duality the proof rests on (below), not taken from the thesis.

Seed discrepancy (1.12a): the printed ``sigma log(v_i / max_j v_j) + I sigma - sigma r /
max_j v_j`` must use the *second* highest value ``max_{j != i} v_j``; with the overall
maximum the log term would vanish identically, and only the second-highest reading is
continuous with (1.12b) at ``max_{j != i} v_j = r`` and makes (1.31) hold (derived below
in :func:`lottery_payment`).
"""

from __future__ import annotations

import math

import numpy as np

SOURCE = "Koçyiğit (2020), Distributional Robustness in Mechanism Design"
SOURCE_ONE_BUYER = (
    "Carrasco, Luz, Kos, Messner, Monteiro and Moreira (2018), Optimal selling mechanisms "
    "under moment conditions, JET 177 (known mean)"
)


# --- Proposition 1.5.3 ----------------------------------------------------------------
def full_surplus(mu: float) -> float:
    """Worst-case expected full surplus ``inf_P E[max_i v_i] = mu`` (Prop. 1.5.3)."""
    return float(mu)


# --- one buyer, known mean (Carrasco et al. 2018) --------------------------------------
def one_buyer_value(mu: float) -> float:
    """Maxmin revenue from one buyer with values in ``[0, 1]`` and ``E[v] >= mu``: the root
    ``r`` in ``(0, mu)`` of ``r (1 - ln r) = mu`` (Carrasco et al. 2018, JET 177, the case
    where only the mean is known).

    Derivation (the proof's duality, written out): a single-buyer IC, IR mechanism is a
    non-decreasing ``q`` with ``m(v) = v q(v) - int_0^v q``; nature's problem
    ``min_F E_F[m]`` s.t. ``E_F[v] >= mu`` has the dual ``max lambda + sigma mu`` s.t.
    ``m(v) >= lambda + sigma v`` on ``[0, 1]``, ``sigma >= 0``.  Making the constraint tight
    on ``[r, 1]`` gives ``v q'(v) = sigma``, so ``q(v) = sigma ln(v / r)`` (price density
    ``sigma / p`` on ``[r, 1]``), ``q(1) = 1`` gives ``sigma = 1 / ln(1/r)``, ``lambda =
    -sigma r`` and the guarantee ``(mu - r) / ln(1/r)``, maximal where ``r (1 - ln r) =
    mu``; there it equals ``r``.  Conversely nature's equal-revenue law ``P(v >= p) = r/p``
    on ``[r, 1]`` (an atom ``r`` at 1) has mean ``r + r ln(1/r) = mu`` and no posted price
    (hence no lottery over prices) earns more than ``r`` from it.  This is Theorem 1.5.3's
    ``r`` at ``I = 1`` (``y = mu / r`` solves ``ln y - y = ln mu - 1``)."""
    from scipy import optimize

    if not 0.0 < mu < 1.0:
        raise ValueError(f"mu must lie in (0, 1), got {mu}")
    # r (1 - ln r) increases from 0 to 1 on (0, 1) (derivative -ln r > 0); the root is < mu
    return float(optimize.brentq(lambda r: r * (1.0 - math.log(r)) - mu, 1e-300, mu, xtol=1e-16))


def one_buyer_posted_price(mu: float, r: float) -> float:
    """Worst-case revenue of the posted price ``r`` to one buyer with ``E[v] >= mu``:
    ``r (mu - r) / (1 - r)`` for ``r <= mu`` (nature puts ``(mu - r)/(1 - r)`` at 1 and
    the rest just below ``r``), 0 above ``mu``.  Prop. 1.5.6's formula at ``I = 1``; its
    maximum over ``r`` is at ``r* = 1 - sqrt(1 - mu)`` with value ``r*^2`` (Thm 1.5.2)."""
    if r > mu:
        return 0.0
    return r * (mu - r) / (1.0 - r)


# --- second-price auction with reserve (Props 1.5.5-1.5.7, Thm 1.5.2) -------------------
def sp_region(I: int, mu: float, r: float) -> int:
    """Which of R1, R2, R3 (1, 2, 3) contains the reserve ``r``; 0 if ``r > mu``.  One
    bidder: R1 is empty and every ``r <= mu`` is in R2 (a posted price)."""
    if r > mu:
        return 0
    if I == 1:
        return 2
    if r <= min(1.0 / I, (I * mu - 1.0) / (I - 1.0)):
        return 1
    if r <= min(mu, 1.0 / I):
        return 2
    return 3


def sp_worst_case(I: int, mu: float, r: float) -> float:
    """Worst-case expected revenue of the second-price auction with reserve ``r``."""
    reg = sp_region(I, mu, r)
    if reg == 0:
        return 0.0  # Dirac at mu e: nobody meets the reserve
    if reg == 1:
        return (I * mu - 1.0) / (I - 1.0)  # Prop. 1.5.5
    if reg == 2:
        return I * r * (mu - r) / (1.0 - r)  # Prop. 1.5.6
    return (mu - r) / (1.0 - r)  # Prop. 1.5.7


def sp_best(I: int, mu: float) -> tuple[float, float]:
    """Theorem 1.5.2: ``(r*, z*)``; in M3 every r in R1 is optimal, we return r* = 0."""
    if mu <= (2 * I - 1.0) / I**2:
        r = 1.0 - math.sqrt(1.0 - mu)
        return r, I * r**2
    return 0.0, (I * mu - 1.0) / (I - 1.0)


def q1_distribution(I: int, mu: float, r: float) -> list[tuple[tuple[float, ...], float]]:
    """The extremal distribution Q(1) of Prop. 1.5.5 (reserve in R1): atoms and masses.

    ``(1 - I (mu - 1) / ((I - 1)(r - 1))) delta_e + sum_i (mu - 1) / ((I - 1)(r - 1))
    delta_{e_i + r e_{-i}}``.
    """
    w = (mu - 1.0) / ((I - 1.0) * (r - 1.0))
    atoms = [(tuple([1.0] * I), 1.0 - I * w)]
    for i in range(I):
        v = [r] * I
        v[i] = 1.0
        atoms.append((tuple(v), w))
    return atoms


# --- Theorem 1.5.3: the optimal highest-bidder lottery ---------------------------------
def lottery_y(I: int, mu: float) -> float:
    """``y = -W_{-1}(-mu I e^{-I})``: the root ``y > 1`` of ``ln y - y = ln(mu I) - I``.

    Uses ``scipy.special.lambertw(k=-1)``; when ``mu I e^{-I}`` underflows (large ``I``)
    or the branch evaluation is inaccurate, solves the log-domain equation instead.
    """
    from scipy import optimize, special

    if not 0.0 < mu < 1.0:
        raise ValueError(f"mu must lie in (0, 1), got {mu}")
    target = math.log(mu * I) - I
    z = -mu * I * math.exp(-I)
    y = float("nan")
    if z < 0.0 and z > -1.0 / math.e:
        w = special.lambertw(z, k=-1)
        if abs(w.imag) < 1e-12 and np.isfinite(w.real):
            y = -float(w.real)
    if not (y > 1.0) or abs(math.log(y) - y - target) > 1e-10 * max(1.0, abs(target)):
        # g(y) = ln y - y is decreasing on (1, inf) from -1 to -inf and target < -1.
        hi = 2.0
        while math.log(hi) - hi > target:
            hi *= 2.0
        y = optimize.brentq(lambda t: math.log(t) - t - target, 1.0, hi, xtol=1e-15, rtol=1e-15)
    return y


def lottery_sigma(I: int, mu: float) -> float:
    """``sigma* = -1 / (W_{-1}(-mu I e^-I) + 1) = 1 / (y - 1)`` (Thm 1.5.3, Lemma 1.7.8)."""
    return 1.0 / (lottery_y(I, mu) - 1.0)


def lottery_value(I: int, mu: float) -> float:
    """``r = exp(I - 1 - 1/sigma*) = exp(I - y) = I mu / y`` (Thm 1.5.3)."""
    return I * mu / lottery_y(I, mu)


def approximation_upper_bound(I: int, mu: float) -> float:
    """Theorem 1.5.4 / Lemma 1.7.15: the optimum is at most ``min(mu, r (2 - r))``."""
    r = lottery_value(I, mu)
    return min(mu, r * (2.0 - r))


def _winner_and_second(V: np.ndarray):
    """``V``: (I, N) values.  Winner = lowest index among the maxima (the tie-breaker
    W^i), second = largest value among the others."""
    win = np.argmax(V, axis=0)
    top = V[win, np.arange(V.shape[1])]
    others = V.copy()
    others[win, np.arange(V.shape[1])] = -np.inf
    second = others.max(axis=0) if V.shape[0] > 1 else np.zeros(V.shape[1])
    return win, top, second


def lottery_allocation(I: int, mu: float, V: np.ndarray) -> np.ndarray:
    """Allocation (1.12) at the value profiles ``V`` (shape (I, N)); returns (I, N)."""
    V = np.asarray(V, dtype=float)
    s_ = lottery_sigma(I, mu)
    r = lottery_value(I, mu)
    win, v, s = _winner_and_second(V)
    with np.errstate(divide="ignore", invalid="ignore"):
        qa = s_ * np.log(v / s) + I * s_ - s_ * r / s  # (1.12a), s = second highest >= r
        qb = s_ * np.log(v) + 1.0  # (1.12b), v >= r > s
    qw = np.where(s >= r, qa, np.where(v >= r, qb, (I - 1) * s_))  # (1.12c) below r
    q = np.zeros_like(V)
    q[win, np.arange(V.shape[1])] = qw
    return q


def lottery_payment(I: int, mu: float, V: np.ndarray) -> np.ndarray:
    """Payments (1.13) ``m_i = q_i v_i - int_0^{v_i} q_i(x, v_-i) dx`` of the lottery, in
    closed form: the winner with value ``v`` and second-highest value ``s`` pays

        ``sigma* ((I - 1) s + max(v - r, 0))``

    (integrate (1.12a) from ``s`` when ``s >= r``, (1.12c) then (1.12b) when ``v >= r > s``,
    and (1.12c) alone when ``v < r``, using ``ln r = I - 1 - 1/sigma*``).  With every loser
    at ``s`` and ``v >= r`` this equals ``sigma* sum_j v_j - sigma* r``: the robust row
    (1.11b) is tight there, so (1.31) holds.  Losers pay 0."""
    V = np.asarray(V, dtype=float)
    s_ = lottery_sigma(I, mu)
    r = lottery_value(I, mu)
    win, v, s = _winner_and_second(V)
    m = np.zeros_like(V)
    m[win, np.arange(V.shape[1])] = s_ * ((I - 1) * s + np.maximum(v - r, 0.0))
    return m


def second_price_payment(V: np.ndarray, reserve: float) -> np.ndarray:
    """Second price with reserve (1.9): the winner (lowest index among the maxima) pays
    ``max(second highest, r)`` if its value is at least ``r``.  Returns (q, m), (I, N)."""
    V = np.asarray(V, dtype=float)
    win, v, s = _winner_and_second(V)
    sold = v >= reserve
    q = np.zeros_like(V)
    m = np.zeros_like(V)
    cols = np.arange(V.shape[1])
    q[win, cols] = sold
    m[win, cols] = np.where(sold, np.maximum(s, reserve), 0.0)
    return q, m
