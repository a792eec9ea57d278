"""Myerson's optimal auction and its relatives (Makarin (2021), From Auctions to Mechanism Design).

Continuum (slides "Optimal auction", "virtual valuation"): with independent private
values and regular priors, the optimal expected revenue is ``E[max_i psi_i(v_i)^+]`` with
``psi(v) = v - (1 - F(v)) / f(v)``; the welfare optimum is ``E[max_i v_i]``; by revenue
equivalence the second-price auction earns ``E[v_(2)]`` with iid bidders.

Discrete counterpart (derived here, used as the grid-exact reference): on a pmf with
points ``x_1 < ... < x_K`` and masses ``p_k``, BIC + IR with downward adjacent IC binding
gives revenue ``sum_k p_k Q(k) psi_k`` with the discrete virtual value

    psi_k = x_k - (x_{k+1} - x_k) * P(v > x_k) / p_k        (psi_K = x_K),

which is the slope of the revenue curve ``R(t) = t * x(t)`` in the quantile
``t = P(v >= x)``.  When ``psi`` is not monotone, *ironing* replaces it by the slopes of
the concave hull of the revenue curve; the optimum is ``E[max_i psibar_i^+]``.  This is
the value every grid LP must reproduce to solver precision.
"""

from __future__ import annotations

import numpy as np

SOURCE = "Makarin (2021), From Auctions to Mechanism Design"


def _sorted_distinct(x) -> np.ndarray:
    """The distinct values of a float array, sorted (``np.unique`` without its first-call
    import of ``numpy.ma``, which costs a small solve more than the rest of its theory)."""
    s = np.sort(np.asarray(x, dtype=float).ravel())  # NaNs last, kept once as np.unique does
    same = (s[1:] == s[:-1]) | (np.isnan(s[1:]) & np.isnan(s[:-1]))
    return s[np.concatenate([[True], ~same])] if s.size else s


# --- discrete (grid-exact) -----------------------------------------------------------
def discrete_virtual_values(points, probs, ironed: bool = True) -> np.ndarray:
    """Discrete virtual values of a pmf (ironed by the concave hull of the revenue curve).

    Points with zero mass get the value of the ironing interval they fall in (they never
    occur, so any value is harmless for expectations).
    """
    x = np.asarray(points, dtype=float)
    p = np.asarray(probs, dtype=float)
    tail = np.cumsum(p[::-1])[::-1]  # P(v >= x_k)
    # Revenue curve in quantile space, from t = 0 (price above x_K) to t = 1.
    t = np.concatenate([[0.0], tail[::-1]])  # increasing quantiles
    R = np.concatenate([[0.0], (x * tail)[::-1]])
    if not ironed:
        slopes = np.empty_like(x)
        nz = p > 0
        above = tail - p  # P(v > x_k)
        gap = np.append(np.diff(x), 0.0)
        slopes[nz] = x[nz] - gap[nz] * above[nz] / p[nz]
        slopes[~nz] = np.nan
        return slopes
    # Upper concave hull of (t, R) by a monotone chain.
    hull = [0]
    for j in range(1, t.size):
        while len(hull) >= 2:
            a, b = hull[-2], hull[-1]
            # drop b if it lies on or below the chord a -> j
            if (R[b] - R[a]) * (t[j] - t[a]) <= (R[j] - R[a]) * (t[b] - t[a]) + 1e-15:
                hull.pop()
            else:
                break
        hull.append(j)
    hull = np.asarray(hull)
    # Slope on each hull segment; quantile segment (t[j-1], t[j]] belongs to point K-j.
    seg = np.searchsorted(t[hull], t[1:], side="left")  # hull segment index of each step
    seg = np.clip(seg, 1, hull.size - 1)
    a, b = hull[seg - 1], hull[seg]
    slope_steps = (R[b] - R[a]) / (t[b] - t[a])
    return slope_steps[::-1].copy()  # back to the order of the points


def expected_max_discrete(levels, probs, floor: float | None = None) -> float:
    """``E[max(floor, max_i Z_i)]`` for independent discrete ``Z_i`` (levels, probs).

    ``floor=None`` means no floor.  Exact: integrates the piecewise constant survival
    function of the maximum between consecutive levels.
    """
    levels = [np.asarray(v, dtype=float) for v in levels]
    probs = [np.asarray(p, dtype=float) for p in probs]
    allv = _sorted_distinct(
        np.concatenate(levels + ([np.array([floor])] if floor is not None else []))
    )
    if floor is not None:
        allv = allv[allv >= floor]
    cdf_max = np.ones(allv.size)
    for v, p in zip(levels, probs, strict=True):
        order = np.argsort(v)
        cum = np.cumsum(p[order])
        k = np.searchsorted(v[order], allv, side="right")
        cdf_max *= np.where(k > 0, cum[np.maximum(k - 1, 0)], 0.0)
    # E[M] = allv[0] + sum_j (allv[j] - allv[j-1]) * P(M > allv[j-1])
    return float(allv[0] + np.sum(np.diff(allv) * (1.0 - cdf_max[:-1])))


def optimal_revenue_discrete(priors) -> float:
    """Optimal BIC (= DSIC) revenue for independent pmfs: ``E[max_i psibar_i^+]``."""
    vv = [discrete_virtual_values(p.points, p.probs, ironed=True) for p in priors]
    return expected_max_discrete(vv, [p.probs for p in priors], floor=0.0)


def unironed_revenue_discrete(priors) -> float:
    """``E[max_i psi_i^+]`` with *unironed* discrete virtual values: an upper bound that is
    not attainable when a prior is irregular (e.g. 1.9, 2.8, 3.292 for the pmf
    (.1, .4, .1, .4) on 1..4, against the ironed 1.8, 2.7, 3.222)."""
    vv = [discrete_virtual_values(p.points, p.probs, ironed=False) for p in priors]
    return expected_max_discrete(vv, [p.probs for p in priors], floor=0.0)


def expected_max_value_discrete(priors) -> float:
    """Welfare optimum on the grid: ``E[max_i v_i]`` (values are non-negative here)."""
    return expected_max_discrete([p.points for p in priors], [p.probs for p in priors])


def efficient_revenue_discrete_iid(prior, n: int) -> float:
    """Largest BIC/IR revenue of the efficient allocation (ties split evenly) for ``n`` iid
    bidders on a pmf: ``n * sum_k p_k Q(k) psi_k`` with the interim win probability
    ``Q(k) = (F_k^n - F_{k-1}^n) / (n p_k)`` and unironed discrete virtual values.  This
    is the grid counterpart of revenue equivalence; it tends to ``E[v_(2)]``.
    """
    p = prior.probs
    F = np.cumsum(p)
    Fm = np.concatenate([[0.0], F[:-1]])
    nz = p > 0
    Q = np.zeros_like(p)
    Q[nz] = (F[nz] ** n - Fm[nz] ** n) / (n * p[nz])
    psi = discrete_virtual_values(prior.points, p, ironed=False)
    return float(n * np.sum(p[nz] * Q[nz] * psi[nz]))


# --- continuum ---------------------------------------------------------------------
# For uniform laws every continuum value below is the integral of a piecewise polynomial
# (a cdf that is linear on its support, raised to a power or multiplied across bidders),
# which Gauss-Legendre quadrature between the kinks computes exactly: no scipy import, no
# root finding.  Any other law goes through scipy's adaptive quadrature.


def _uniform_support(law) -> tuple[float, float] | None:
    """``(a, b)`` when ``law`` is a uniform law truncated to ``[low, high]`` (then it is
    uniform on ``[a, b]``, the intersection of the two intervals), else ``None``."""
    from grids.priors import Uniform

    frozen = getattr(law, "frozen", None)
    if not isinstance(frozen, Uniform):
        return None
    lo, hi = frozen.support()
    return max(float(law.low), lo), min(float(law.high), hi)


def _gauss_legendre(m: int) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the ``m``-point Gauss-Legendre rule on ``[-1, 1]`` (exact for
    polynomials of degree ``2m - 1``), by the Golub-Welsch eigenvalue method."""
    k = np.arange(1, m)
    beta = k / np.sqrt(4.0 * k * k - 1.0)
    nodes, vecs = np.linalg.eigh(np.diag(beta, 1) + np.diag(beta, -1))
    return nodes, 2.0 * vecs[0] ** 2


def _integrate_piecewise_polynomial(f, lo: float, hi: float, kinks, degree: int) -> float:
    """``int_lo^hi f(t) dt`` for a vectorized ``f`` that is a polynomial of degree at most
    ``degree`` between consecutive ``kinks``: Gauss-Legendre on each piece, exact up to
    rounding."""
    nodes, weights = _gauss_legendre(degree // 2 + 1)
    cuts = _sorted_distinct(np.clip(np.concatenate([[lo, hi], np.asarray(kinks, float)]), lo, hi))
    half = np.diff(cuts)[:, None] / 2.0
    mid = (cuts[:-1] + cuts[1:])[:, None] / 2.0
    return float(np.sum(half * weights * f(mid + half * nodes)))


def _uniform_cdf(t, a: float, b: float):
    return np.clip((t - a) / (b - a), 0.0, 1.0)


def is_regular(law, samples: int = 4001) -> bool:
    """Whether the virtual value of a truncated law is non-decreasing (checked on a grid)."""
    x = np.linspace(law.low, law.high, samples)[:-1]
    psi = law.virtual_value(x)
    return bool(np.all(np.diff(psi) >= -1e-9 * max(1.0, np.abs(psi).max())))


def _psi_cdf(law, t: float) -> float:
    """``P(psi(v) <= t)`` for a regular law (psi increasing, psi(high) = high)."""
    from scipy import optimize

    if t >= law.high:
        return 1.0
    if law.virtual_value(law.low) >= t:
        return 0.0
    v = optimize.brentq(lambda s: law.virtual_value(s) - t, law.low, law.high, xtol=1e-14)
    return float(law.cdf(v))


def optimal_revenue_continuum(laws) -> float:
    """``E[max_i psi_i(v_i)^+]`` for independent regular laws, by quadrature (exact for
    uniform laws: on ``[a, b]``, ``psi(v) = 2v - b`` and ``P(psi <= t) = F((t + b) / 2)``)."""
    top = max(law.high for law in laws)
    supports = [_uniform_support(law) for law in laws]
    if all(s is not None for s in supports):

        def surv_u(t):
            return 1.0 - np.prod([_uniform_cdf((t + b) / 2, a, b) for a, b in supports], axis=0)

        kinks = [k for a, b in supports for k in (2 * a - b, b)]
        return _integrate_piecewise_polynomial(surv_u, 0.0, top, kinks, len(laws))
    from scipy import integrate

    def surv(t):
        return 1.0 - np.prod([_psi_cdf(law, t) for law in laws])

    val, _ = integrate.quad(surv, 0.0, top, limit=200, epsabs=1e-12, epsrel=1e-12)
    return float(val)


def expected_max_continuum(laws) -> float:
    """``E[max_i v_i]`` for independent laws with supports in ``[low, high]`` (exact for
    uniform laws)."""
    lo = min(law.low for law in laws)
    hi = max(law.high for law in laws)
    supports = [_uniform_support(law) for law in laws]
    if all(s is not None for s in supports):

        def surv_u(t):
            return 1.0 - np.prod([_uniform_cdf(t, a, b) for a, b in supports], axis=0)

        kinks = [k for s in supports for k in s]
        return lo + _integrate_piecewise_polynomial(surv_u, lo, hi, kinks, len(laws))
    from scipy import integrate

    def surv(t):
        return 1.0 - np.prod([float(law.cdf(t)) for law in laws])

    val, _ = integrate.quad(surv, lo, hi, limit=200, epsabs=1e-12, epsrel=1e-12)
    return float(lo + val)


def second_highest_continuum_iid(law, n: int) -> float:
    """``E[v_(2)]`` of ``n`` iid draws: the second-price auction's revenue (exact for a
    uniform law)."""
    support = _uniform_support(law)
    if support is not None:

        def surv_u(t):
            F = _uniform_cdf(t, *support)
            return 1.0 - F**n - n * F ** (n - 1) * (1.0 - F)

        return law.low + _integrate_piecewise_polynomial(
            surv_u, law.low, law.high, support, n
        )
    from scipy import integrate

    def surv(t):
        F = float(law.cdf(t))
        return 1.0 - F**n - n * F ** (n - 1) * (1.0 - F)

    val, _ = integrate.quad(surv, law.low, law.high, limit=200, epsabs=1e-12, epsrel=1e-12)
    return float(law.low + val)
