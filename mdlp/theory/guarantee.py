"""Revenue guarantees with a (correlated) common prior (Yamashita (2018), *Revenue guarantees
in auctions with a (correlated) common prior and additional information*) and the VCG /
Clarke pivot rule (Makarin (2021), *From Auctions to Mechanism Design*).

Plain functions of a discretized prior: ``points`` (the common value axis, sorted) and
either a joint pmf ``P`` of shape ``(K,) * N`` or a mixture ``comps = [(mu_theta,
[h_1, ..., h_N]), ...]`` of independent per-bidder pmfs (Assumption 1 of 004).

* Second-price guarantee (Yamashita 2018, Section 2): ``E[v(2)]`` (``v(2) := 0`` for one bidder, the
  Clarke payment with ``alpha_i = 0`` of 001).
* Theorem 1 (Yamashita 2018) on a grid: see :func:`efficient_critical_value`.
* Theorem 2 (Yamashita 2018): the theta-public bound ``sum_theta mu_theta Myerson(H^theta)``; the
  uniform table; the corrected constants of the 1/N bounds (:func:`thm2_bounds`).
* Theorem 3 / Lemma 2 (Yamashita 2018, Supplement B): the sequential backward induction ``R_1``.
"""

from __future__ import annotations

import math

import numpy as np

from mdlp.theory import myerson as TM

SOURCE = (
    "Yamashita (2018), Revenue guarantees in auctions with a (correlated) common prior "
    "and additional information"
)
SOURCE_VCG = "Makarin (2021), From Auctions to Mechanism Design"


# --- order statistics ----------------------------------------------------------------
def _mean_from_cdf(points, cdf) -> float:
    """``E[Y]`` of a variable on ``points`` with cdf values ``cdf`` at the points."""
    mass = np.diff(np.concatenate([[0.0], cdf]))
    return float(points @ mass)


def order_stats_mixture(points, comps) -> tuple[float, float]:
    """``(E[v(1)], E[v(2)])`` of a mixture of independent per-bidder pmfs (exact on the
    grid), from the cdfs of 004's proof of Theorem 2:
    ``H(1) = prod_i H_i``, ``H(2) = H(1) + sum_i (1 - H_i) prod_{j != i} H_j``."""
    x = np.asarray(points, dtype=float)
    e1 = e2 = 0.0
    for mu, hs in comps:
        F = np.array([np.cumsum(h) for h in hs])  # (N, K)
        F = np.minimum(F, 1.0)
        c1 = np.prod(F, axis=0)
        n = F.shape[0]
        if n == 1:
            e1 += mu * _mean_from_cdf(x, c1)
            continue  # v(2) := 0 with one bidder
        c2 = c1.copy()
        for i in range(n):
            c2 += (1 - F[i]) * np.prod(np.delete(F, i, axis=0), axis=0)
        e1 += mu * _mean_from_cdf(x, c1)
        e2 += mu * _mean_from_cdf(x, c2)
    return float(e1), float(e2)


def order_stats_joint(points, P) -> tuple[float, float]:
    """``(E[v(1)], E[v(2)])`` of a joint pmf by sorting every profile (independent of the
    cdf route above; used to cross-check it)."""
    P = np.asarray(P, dtype=float)
    n = P.ndim
    X = np.stack(np.meshgrid(*([np.asarray(points, float)] * n), indexing="ij"))
    S = np.sort(X, axis=0)
    v1 = S[-1]
    v2 = S[-2] if n >= 2 else np.zeros_like(v1)
    return float((P * v1).sum()), float((P * v2).sum())


def efficient_critical_value(points, P) -> float:
    """Theorem 1 of 004 on a grid: the best revenue of an efficient mechanism under the
    critical information structure, designer told the public signal (the paper's
    "relaxed problem").

    Signal: at a profile with a unique top bidder ``i`` the pair ``(i, v_-i)`` is public;
    at a tie at the top the whole profile is public (the tied value is then common
    knowledge).  With the signal known, the winner's only private information is ``v_i``
    among the grid points above ``m = max v_-i`` that have positive probability; the
    winner wins for all of them, so IC makes his payment constant and IR caps it at the
    lowest such point ``m^+``.  Losers pay at most 0 in expectation; at a tie the tied
    value ``v(1) = v(2)`` is extracted.  So the value is

        E[ m^+ ; unique top ] + E[ v(2) ; tie ]  >=  E[v(2)],

    and the excess is at most one grid step (O(h)): on a continuum ``m^+ = m = v(2)``
    and ties have probability zero, which is Theorem 1's ``E[v(2)]``.
    """
    P = np.asarray(P, dtype=float)
    x = np.asarray(points, dtype=float)
    n = P.ndim
    K = x.size
    if n == 1:  # no competitor: the single bidder's lowest support point
        return float(x[np.flatnonzero(P > 0)[0]])
    total = 0.0
    X = np.stack(np.meshgrid(*([x] * n), indexing="ij"))
    top = X.max(axis=0)
    ntop = (X == top).sum(axis=0)
    total += float((P * top * (ntop >= 2)).sum())  # ties: v(1) = v(2) extracted
    for i in range(n):
        Pi = np.moveaxis(P, i, 0).reshape(K, -1)  # (own, others)
        oth = np.moveaxis(np.delete(X, i, axis=0), i + 1, 1).reshape(n - 1, K, -1)[:, 0, :]
        m = oth.max(axis=0)  # (R,)
        cls = (x[:, None] > m[None, :]) & (Pi > 0)
        has = cls.any(axis=0)
        first = np.argmax(cls, axis=0)
        price = np.where(has, x[first], 0.0)
        total += float((Pi * cls * price[None, :]).sum())
    return total


# --- Myerson per theta (Theorem 2's upper bound) -------------------------------------
class _Pmf:
    def __init__(self, points, probs):
        self.points = np.asarray(points, float)
        self.probs = np.asarray(probs, float)


def theta_public_bound(points, comps) -> float:
    """``sum_theta mu_theta * Myerson(H^theta)`` with discrete ironed virtual values (the
    Myerson reference of 001 applied per theta): 004's upper bound on every guarantee."""
    return float(
        sum(mu * TM.optimal_revenue_discrete([_Pmf(points, h) for h in hs]) for mu, hs in comps)
    )


# --- Theorem 3: sequential sales --------------------------------------------------------
def sequential_value(points, P) -> float:
    """``R_1`` of Lemma 2 (Yamashita 2018, Supplement B) by backward induction on a grid.

    The continuation value is linear in the remaining probability of the good, so
    ``R_{i+1}(q_1..q_i) = (1 - sum q) V_{i+1}(v^i)``.  Given a history ``h = v^{i-1}``,
    bidder ``i``'s DSIC rule is a non-decreasing ``q(k)`` in his own value with revenue
    ``sum_k p_k q_k psi_k`` (discrete virtual value of ``p = P(v_i | h)``) and
    continuation ``sum_k p_k (1 - q_k) c_k`` with ``c_k = V_{i+1}(h, k)``.  The objective
    is linear in ``q`` over the monotone box, whose extreme points are thresholds, and
    ``sum_{k>=t} p_k psi_k = x_t P(v_i >= x_t)`` (telescoping), so

        V_i(h) = sum_k p_k c_k + max(0, max_t [x_t S_t - sum_{k>=t} p_k c_k]).

    Correlated priors are allowed (conditional pmfs per history); no ironing is needed.
    """
    P = np.asarray(P, dtype=float)
    x = np.asarray(points, dtype=float)
    n = P.ndim
    marg = [P.sum(axis=tuple(range(i, n))) if i < n else P for i in range(n + 1)]
    # marg[i] is the pmf of v^i (marg[0] is the scalar 1); V has the shape of marg[i].
    V = np.zeros(P.shape)
    for i in range(n, 0, -1):
        joint = marg[i]  # shape (K,)*i : P(v^{i-1}, v_i)
        hist = marg[i - 1]  # P(v^{i-1})
        with np.errstate(invalid="ignore", divide="ignore"):
            p = np.where(hist[..., None] > 0, joint / np.asarray(hist)[..., None], 0.0)
        c = V
        S = np.cumsum(p[..., ::-1], axis=-1)[..., ::-1]  # P(v_i >= x_t | h)
        pc = np.cumsum((p * c)[..., ::-1], axis=-1)[..., ::-1]
        gain = np.maximum(0.0, (x * S - pc).max(axis=-1))
        V = (p * c).sum(axis=-1) + gain
    return float(V)


def sequential_continuum_iid(law, n: int) -> float:
    """``R_1`` for ``n`` iid draws of a regular law: ``V_{N+1} = 0``,
    ``V_i = V_{i+1} + E[(psi(v) - V_{i+1})^+]`` (Yamashita 2018, Lemma 2 with virtual values).
    For U[0,1] this is ``V_i = V_{i+1} + ((1 - V_{i+1}) / 2)^2``: 1/4, 25/64, 7921/16384."""
    from scipy import integrate

    V = 0.0
    for _ in range(n):

        def integrand(v, V=V):
            return max(float(law.virtual_value(v)) - V, 0.0) * float(law.pdf(v))

        add, _ = integrate.quad(integrand, law.low, law.high, limit=200, epsabs=1e-13)
        V = V + add
    return float(V)


def sequential_uniform(n: int) -> float:
    """Exact recursion for iid U[0,1] (derived in :func:`sequential_continuum_iid`)."""
    V = 0.0
    for _ in range(n):
        V = V + ((1.0 - V) / 2.0) ** 2
    return V


# --- Theorem 2: the iid-uniform table and the corrected bounds -----------------------------
def uniform_table(n: int) -> dict[str, float]:
    """004's table for iid U[0,1] (Section 3.2)."""
    p_star = (n + 1) ** (-1.0 / n)
    return {
        "E_v1": n / (n + 1),
        "E_v2": (n - 1) / (n + 1),
        "myerson": (n - 1 + 2.0**-n) / (n + 1),
        "posted_price": p_star,
        "posted_revenue": p_star * n / (n + 1),
        "sequential": sequential_uniform(n),
    }


def thm2_bounds(a: float, b: float, n: int) -> tuple[float, float]:
    """Bounds on ``E[v(1) - v(2) | theta]`` when every density lies in ``[a, b]``.

    Re-derived from the proof of Theorem 2 (Yamashita 2018): with ``y = 1 - a(1 - x)`` one has
    ``dx = dy / a`` and ``1 - x = (1 - y) / a``, so

        int_0^1 N b (1-x) (1 - a(1-x))^(N-1) dx = (N b / a^2) int_{1-a}^1 (1-y) y^(N-1) dy
                                                <= b / (a^2 (N + 1)),

    and likewise the lower bound is ``a / (b^2 (N + 1))``.  The paper prints ``b/a`` and
    ``a/b``: the change of variables drops the factor ``1/a`` (``1/b``).  Both versions
    agree when ``a = b = 1`` and both give the rate ``1/N``.
    """
    return a / (b * b * (n + 1)), b / (a * a * (n + 1))


def thm2_bounds_printed(a: float, b: float, n: int) -> tuple[float, float]:
    """The constants as printed in 004 (kept for comparison only)."""
    return a / (b * (n + 1)), b / (a * (n + 1))


def gap_v1_v2_density(pdf, n: int) -> float:
    """``E[v(1) - v(2)]`` for ``n`` iid draws with density ``pdf`` on [0, 1] by quadrature:
    ``int_0^1 N (1 - H) H^(N-1) dx`` (proof of Theorem 2)."""
    from scipy import integrate

    def H(x):
        return integrate.quad(pdf, 0.0, x, epsabs=1e-13)[0]

    val, _ = integrate.quad(
        lambda x: n * (1 - H(x)) * H(x) ** (n - 1), 0.0, 1.0, limit=200, epsabs=1e-12
    )
    return float(val)


def posted_price_loss_lower(n: int) -> float:
    """004's lower bound on ``E[v(1)] - posted revenue``: ``N (log N - 1) / ((N+1)(N + log N))``
    (the paper writes ``O(log N / N)``; it is a lower bound, i.e. Omega)."""
    return n * (math.log(n) - 1) / ((n + 1) * (n + math.log(n)))
