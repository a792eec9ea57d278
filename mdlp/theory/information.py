"""Obedient information selling to two competing buyers (Nouripour (2021), *Selling
Information in Competitive Environments*).

Model (chapters 2-4): a binary state ``theta`` with ``P[theta = 1] = p``, two buyers with
independent private margins ``V_i``, downstream payoffs ``u_i = V_i * pi_i(a; theta)``.
Example 3's game is ``pi_i(a; theta) = 1{a_i = theta} - alpha 1{a_j = theta}`` (the
extracted text prints ``1{a_i = theta} - alpha 1{a_i = theta}``; the payoff table beside it
shows that the second indicator is the *opponent's*, which is what is used here).

Every closed form of chapter 4 is a statement about the marginals
``h_i(V) = P[A_i = theta | V]``:

* Proposition 3: obedience  <=>  ``P[A_i = theta | V_i] >= mu := max(P[theta=0], P[theta=1])``.
  The proof is algebraic, so it also holds on a grid.
* Both objectives are ``E[w_1(V) h_1(V) + w_2(V) h_2(V)]`` (eq. 4.1) with
  ``w_i = c(V_i) - alpha c(V_j)``; ``c(v) = v`` for welfare (section 4.2) and
  ``c = phi`` (the virtual value) for revenue (Lemma 3, which adds ``- 2 v_lo K``).
* Proposition 4 (with Lemma 2): for each own type, ``h_i(v_i, .)`` solves a fractional
  knapsack ``max E[w_i h_i | v_i]  s.t.  E[h_i | v_i] >= mu``: take every opponent type
  with ``w_i >= 0`` and, if their mass is below ``mu``, the next ones (lowest opponent
  types first) until the mass is ``mu``.  The printed Propositions 4 and 7 index the
  indicator by the wrong player; by Proposition 4's proof the rule is
  ``P[A_i = theta | V] = 1{V_j <= max(v*, v_j*(V_i))}`` with ``v* = F^{-1}(mu)``.

Grid-exact counterpart (derived here, used as the reference the LP must reproduce): the
same knapsack on the grid with the grid masses, and for revenue the *discrete* virtual
values ``psi_k = x_k - (x_{k+1} - x_k) P(V > x_k) / p_k`` (downward adjacent truthfulness
binding and IR binding at the lowest point give revenue ``E[sum_i psi(V_i) pi_i] - sum_i
x_lo K_i``, the discrete Lemma 3).  The knapsack drops truthfulness; its solution is the LP
optimum whenever its interim shares are non-decreasing (the discrete Propositions 6 and
8), which :func:`grid_optimum` checks and reports (``exact``).

Closed forms for ``U[0, 1]`` values (derived in the docstrings below and checked against
two-dimensional quadrature of the rules in the tests):

    W = alpha^2 (1 - mu^3) / 3 + 1 - alpha
    R = (1 - mu) (4 alpha^2 mu^2 - 2 alpha^2 mu + alpha^2 + 6 alpha mu + 3) / 6
"""

from __future__ import annotations

import numpy as np

from mdlp.theory.myerson import discrete_virtual_values

SOURCE = "Nouripour (2021), Selling Information in Competitive Environments"


# --- downstream games ------------------------------------------------------------------
def example3_payoffs(alpha: float) -> np.ndarray:
    """Example 3's table ``pi[theta, a1, a2, i]``: ``1{a_i = theta} - alpha 1{a_j = theta}``."""
    pi = np.zeros((2, 2, 2, 2))
    for th in range(2):
        for a1 in range(2):
            for a2 in range(2):
                r1, r2 = float(a1 == th), float(a2 == th)
                pi[th, a1, a2] = (r1 - alpha * r2, r2 - alpha * r1)
    return pi


def alpha_beta_payoffs(alpha: float, beta: float) -> np.ndarray:
    """Chapter 5's substitute/complement game (section 5.1), ``pi[theta, a1, a2, i]``.

    Both right: ``(alpha, alpha)``; only one right: ``(1, 0)`` to the right one; both
    wrong: ``(1 - beta, 1 - beta)``.
    """
    pi = np.zeros((2, 2, 2, 2))
    for th in range(2):
        for a1 in range(2):
            for a2 in range(2):
                r1, r2 = a1 == th, a2 == th
                if r1 and r2:
                    pi[th, a1, a2] = (alpha, alpha)
                elif r1:
                    pi[th, a1, a2] = (1.0, 0.0)
                elif r2:
                    pi[th, a1, a2] = (0.0, 1.0)
                else:
                    pi[th, a1, a2] = (1.0 - beta, 1.0 - beta)
    return pi


def alpha_beta_to_example3(alpha: float) -> tuple[float, float, float]:
    """Chapter 5's remark for ``alpha = beta``: ``pi_new = s * pi_old(alpha_old) + t`` with
    ``alpha_old = (1 - alpha) / alpha``, scale ``s = alpha``, shift ``t = 1 - alpha``.
    Returns ``(alpha_old, s, t)``."""
    return (1.0 - alpha) / alpha, alpha, 1.0 - alpha


def state_probs(prior: float) -> np.ndarray:
    return np.array([1.0 - prior, prior])


def outside_option(payoffs: np.ndarray, prior: float) -> np.ndarray:
    """``K_i = min_{sigma_j} max_{a_i} E[pi_i(a_i, A_j; theta)]`` (Lemma 3 / Definition 4).

    The non-participant observes neither the state nor the opponent's type, so the seller's
    ``sigma_j(theta, V_j)`` only matters through ``q(a_j | theta)``; the min-max is the LP
    ``min t  s.t.  t >= sum_theta P(theta) sum_{a_j} q(a_j|theta) pi_i(a_i, a_j; theta)``
    for both ``a_i``, ``q(.|theta)`` a distribution.  For Example 3 it is ``mu - alpha``.
    """
    from scipy import optimize

    P = state_probs(prior)
    out = np.zeros(2)
    for i in range(2):
        # variables: t, q[theta, a_j] (4)
        c = np.array([1.0, 0, 0, 0, 0])
        A_ub, b_ub = [], []
        for ai in range(2):
            row = [-1.0]
            for th in range(2):
                for aj in range(2):
                    a = (ai, aj) if i == 0 else (aj, ai)
                    row.append(P[th] * payoffs[th, a[0], a[1], i])
            A_ub.append(row)
            b_ub.append(0.0)
        A_eq = [[0, 1, 1, 0, 0], [0, 0, 0, 1, 1]]
        res = optimize.linprog(
            c,
            A_ub=np.array(A_ub),
            b_ub=b_ub,
            A_eq=A_eq,
            b_eq=[1, 1],
            bounds=[(None, None)] + [(0, 1)] * 4,
            method="highs",
        )
        if res.status != 0:
            raise RuntimeError(f"outside-option LP failed: {res.message}")
        out[i] = res.fun
    return out


def affine_example3(payoffs: np.ndarray, tol: float = 1e-12):
    """If ``pi_i = s * pi^{Ex3}_i(alpha) + t`` for both buyers with ``s > 0``, return
    ``(alpha, s, t)``; else ``None``.  Example 3 itself is ``(alpha, 1, 0)``."""
    right = np.zeros((2, 2, 2, 2))  # 1{a_i = theta}
    other = np.zeros((2, 2, 2, 2))  # 1{a_j = theta}
    for th in range(2):
        for a1 in range(2):
            for a2 in range(2):
                right[th, a1, a2] = (a1 == th, a2 == th)
                other[th, a1, a2] = (a2 == th, a1 == th)
    X = np.stack([right.ravel(), other.ravel(), np.ones(16)], axis=1)
    coef, *_ = np.linalg.lstsq(X, payoffs.ravel(), rcond=None)
    if np.abs(X @ coef - payoffs.ravel()).max() > tol or coef[0] <= tol:
        return None
    s, t = float(coef[0]), float(coef[2])
    alpha = float(-coef[1] / s)
    return alpha, s, t


# --- grid-exact optimum (discrete Propositions 3-8) ------------------------------------
def _knapsack(w: np.ndarray, pj: np.ndarray, mu: float) -> np.ndarray:
    """Row-wise ``max sum_j pj w[r, j] h[r, j]  s.t.  sum_j pj h[r, j] >= mu, 0 <= h <= 1``.

    Greedy by decreasing ``w``: all items with ``w >= 0``, then the best negative ones
    until the mass reaches ``mu`` (the discrete Lemma 2)."""
    order = np.argsort(-w, axis=1, kind="stable")
    ws = np.take_along_axis(w, order, axis=1)
    ps = pj[order]
    need = np.maximum(mu, np.where(ws >= 0, ps, 0.0).sum(axis=1))
    before = np.cumsum(ps, axis=1) - ps
    with np.errstate(divide="ignore", invalid="ignore"):
        hs = np.clip((need[:, None] - before) / ps, 0.0, 1.0)
    hs = np.where(ps > 0, hs, (ws >= 0).astype(float))
    h = np.empty_like(hs)
    np.put_along_axis(h, order, hs, axis=1)
    return h


def grid_optimum(
    points, probs, prior: float, alpha: float, objective: str, obedience: bool = True
) -> dict:
    """The grid optimum of Example 3's game by the discrete Proposition 4.

    ``points``/``probs``: one array per buyer.  Returns ``value``, the marginals ``h``
    (``h[i][k1, k2] = P[A_i = theta | V = (x_k1, x_k2)]``), ``interim_correct``
    (``P[A_i = theta | V_i]``), ``share`` (``pi~_i``), ``K`` and ``exact`` (True when the
    shares are non-decreasing, so truthfulness does not bind and ``value`` is the LP
    optimum; otherwise ``value`` is only an upper bound).  ``obedience=False`` drops the
    constraint (``h_i = 1{w_i >= 0}``); ``K`` still comes from the prior.
    """
    x = [np.asarray(p, dtype=float) for p in points]
    pr = [np.asarray(q, dtype=float) for q in probs]
    mu = max(prior, 1.0 - prior)
    K = mu - alpha
    if objective == "welfare":
        c = x
    else:
        c = [discrete_virtual_values(x[i], pr[i], ironed=False) for i in range(2)]
    # w_1[k1, k2] = c1(k1) - alpha c2(k2);  w_2 indexed [k1, k2] too
    w1 = c[0][:, None] - alpha * c[1][None, :]
    w2 = c[1][None, :] - alpha * c[0][:, None]
    floor = mu if obedience else 0.0
    h1 = _knapsack(w1, pr[1], floor)
    h2 = _knapsack(w2.T, pr[0], floor).T
    P = np.outer(pr[0], pr[1])
    value = float((P * (w1 * h1 + w2 * h2)).sum())
    if objective == "revenue":
        value -= float((x[0][0] + x[1][0]) * K)
    corr = [h1 @ pr[1], pr[0] @ h2]
    share = [corr[0] - alpha * (h2 @ pr[1]), corr[1] - alpha * (pr[0] @ h1)]
    tol = 1e-12
    exact = all(np.all(np.diff(s) >= -tol) for s in share)
    return {
        "value": value,
        "h": (h1, h2),
        "interim_correct": corr,
        "share": share,
        "K": K,
        "mu": mu,
        "exact": bool(exact),
    }


def grid_first_best(points, probs, prior: float, alpha: float, objective: str) -> float:
    """The same problem without obedience (``h_i = 1{w_i >= 0}``): an upper bound on the
    grid LP.  For welfare it is the first best of section 4.2."""
    return grid_optimum(points, probs, prior, alpha, objective, obedience=False)["value"]


# --- continuum (iid values with a continuous law) --------------------------------------
class _Rule:
    """Proposition 5 (``c(v) = v``) or 7 (``c = phi``) for a truncated law ``law``."""

    def __init__(self, law, prior: float, alpha: float, objective: str):
        self.law, self.alpha, self.objective = law, alpha, objective
        self.mu = max(prior, 1.0 - prior)
        self.vstar = float(law.ppf(self.mu))
        self.lo, self.hi = float(law.low), float(law.high)

    def c(self, v):
        return np.asarray(v, float) if self.objective == "welfare" else self.law.virtual_value(v)

    def Fc(self, y: float) -> float:
        """``P(c(V) <= y)`` (``c`` increasing: regular laws only for revenue)."""
        from scipy import optimize

        if y == np.inf:
            return 1.0
        if y == -np.inf:
            return 0.0
        clo, chi = float(self.c(self.lo)), float(self.c(self.hi))
        if y <= clo:
            return 0.0
        if y >= chi:
            return 1.0
        if self.objective == "welfare":
            return float(self.law.cdf(y))
        v = optimize.brentq(lambda s: float(self.c(s)) - y, self.lo, self.hi, xtol=1e-14)
        return float(self.law.cdf(v))

    def _div(self, y: float) -> float:
        if self.alpha > 0:
            return y / self.alpha
        return np.inf if y > 0 else (-np.inf if y < 0 else 0.0)

    def correct(self, v: float) -> float:
        """``P[A_i = theta | V_i = v] = max(mu, P(w_i(v, V_j) >= 0))``."""
        return max(self.mu, self.Fc(self._div(float(self.c(v)))))

    def opponent_correct(self, v: float) -> float:
        """``P[A_j = theta | V_i = v] = 1 - 1{v > v*} P(c(V_j) < alpha c(v))``."""
        if v <= self.vstar:
            return 1.0
        return 1.0 - self.Fc(self.alpha * float(self.c(v)))

    def share(self, v: float) -> float:
        """Interim share ``pi~_i(v)`` (Propositions 6 and 8)."""
        return self.correct(v) - self.alpha * self.opponent_correct(v)

    def threshold(self, v: float) -> float:
        """``max(v*, v_j*(v))`` clipped to the support: ``h_i(v, .) = 1{V_j <= this}``."""
        from scipy import optimize

        y = self._div(float(self.c(v)))
        if self.Fc(y) <= 0:
            s = self.lo
        elif self.Fc(y) >= 1:
            s = self.hi
        elif self.objective == "welfare":
            s = y
        else:
            s = optimize.brentq(lambda t: float(self.c(t)) - y, self.lo, self.hi, xtol=1e-14)
        return max(self.vstar, s)


def continuum_value(law, prior: float, alpha: float, objective: str, obedience=True) -> float:
    """Welfare (Proposition 5) or revenue (Proposition 7 with Lemma 3) for iid values.

    ``2 * int f(v1) [c(v1) F(T) - alpha int_lo^T c(v2) f(v2) dv2] dv1 (- 2 v_lo K)``
    with ``T = max(v*, v_2*(v1))``; the inner integral is closed form for revenue,
    ``int_lo^T phi f = lo - T (1 - F(T))``, and a partial mean (quadrature) for welfare.
    ``obedience=False`` drops the ``v*`` floor: the first best of section 4.2 (welfare) or
    the unconstrained virtual-surplus rule of Figure 4-2's left panel (revenue).
    """
    from scipy import integrate, optimize

    rule = _Rule(law, prior, alpha, objective)
    K = rule.mu - alpha
    if not obedience:
        rule.mu, rule.vstar = 0.0, float(law.low)
    lo, hi = rule.lo, rule.hi

    def inner(v1):
        T = rule.threshold(v1)
        FT = float(law.cdf(T))
        if objective == "welfare":
            m, _ = integrate.quad(lambda s: s * float(law.pdf(s)), lo, T, epsabs=1e-13)
        else:
            m = lo - T * (1.0 - FT)
        return float(rule.c(v1)) * FT - alpha * m

    pts = [rule.vstar, rule.vstar * alpha]
    if objective == "revenue" and rule.c(lo) < 0 < rule.c(hi):
        pts.append(optimize.brentq(lambda s: float(rule.c(s)), lo, hi))
    pts = sorted({float(p) for p in pts if lo < p < hi})
    val, _ = integrate.quad(
        lambda v: inner(v) * float(law.pdf(v)),
        lo,
        hi,
        points=pts or None,
        limit=400,
        epsabs=1e-12,
        epsrel=1e-12,
    )
    out = 2.0 * val
    if objective == "revenue":
        out -= 2.0 * lo * K
    return float(out)


def welfare_uniform(mu: float, alpha: float) -> float:
    """Proposition 5 for ``U[0, 1]`` (``v* = mu``).  With ``T(v1) = max(mu, min(1, v1/alpha))``
    the inner integral ``v1 T - alpha T^2 / 2`` is ``v1 mu - alpha mu^2/2`` on
    ``[0, alpha mu]``, ``v1^2 / (2 alpha)`` on ``[alpha mu, alpha]`` and ``v1 - alpha/2`` on
    ``[alpha, 1]``; integrating and doubling gives ``alpha^2 (1 - mu^3)/3 + 1 - alpha``."""
    return alpha**2 * (1.0 - mu**3) / 3.0 + 1.0 - alpha


def revenue_uniform(mu: float, alpha: float) -> float:
    """Proposition 7 for ``U[0, 1]`` (``phi(v) = 2v - 1``, ``v_lo = 0``).  With
    ``x = phi(v1)``, ``T = max(mu, clip((x + alpha) / (2 alpha), 0, 1))`` and
    ``int_0^T phi = T^2 - T``, the inner integral ``x T - alpha (T^2 - T)`` is
    ``x mu + alpha mu (1 - mu)`` below ``a = (1 + alpha (2 mu - 1)) / 2``,
    ``(x + alpha)^2 / (4 alpha)`` on ``[a, b]``, ``b = (1 + alpha) / 2``, and ``x`` above
    ``b``.  Integrating and doubling gives
    ``(1 - mu)(4 alpha^2 mu^2 - 2 alpha^2 mu + alpha^2 + 6 alpha mu + 3) / 6``."""
    a2 = alpha * alpha
    return (1.0 - mu) * (4 * a2 * mu**2 - 2 * a2 * mu + a2 + 6 * alpha * mu + 3.0) / 6.0


def first_best_welfare_uniform(alpha: float) -> float:
    """First best for ``U[0, 1]``: ``2 E[(V1 - alpha V2) 1{V2 <= V1/alpha}]``
    ``= 2 int_0^1 (v T - alpha T^2/2) dv`` with ``T = min(1, v/alpha)``
    ``= 2 [alpha^2/6 + (1 - alpha^2)/2 - alpha (1 - alpha)/2] = 1 - alpha + alpha^2/3``."""
    return 1.0 - alpha + alpha**2 / 3.0
