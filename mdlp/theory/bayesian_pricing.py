"""Bayesian multi-item pricing (one buyer, independent item values): closed forms and
simple menus evaluated on a grid.  The values come from the literature and are labelled
as such.

Continuum values used as references
-----------------------------------
* One item: Myerson's posted price (Myerson 1981; Makarin 2021); on a grid the discrete,
  ironed virtual-value formula of :mod:`mdlp.theory.myerson` is *exact*.
* Two additive items iid ``U[0, b]`` (Manelli and Vincent 2006, also cited in
  Koçyiğit (2020), chapter 2 introduction): the optimal menu sells each item at
  ``p = 2b/3`` and the bundle at ``P = (4 - sqrt 2) b / 3``.  Its revenue, by exact
  integration over the choice regions (``d = P - p = (2 - sqrt 2) b / 3``):

  - item ``j`` alone: ``v_j >= p`` and ``v_{-j} < d``: area ``(b - p) d / b^2``;
  - bundle: ``v_1, v_2 >= d`` and ``v_1 + v_2 >= P``: area
    ``((b - d)^2 - (P - 2d)^2 / 2) / b^2`` with ``P - 2d = 2p - P = sqrt(2) b / 3``;

  so ``R = 2 p (b - p) d / b^2 + P ((b - d)^2 - (2p - P)^2 / 2) / b^2
  = b (12 + 2 sqrt 2) / 27 = 0.5492010...`` for ``b = 1``.  (0.54923 is sometimes quoted;
  the exact value is 0.549201, confirmed by numerical quadrature in
  :func:`manelli_vincent_revenue_quadrature`.)
* Two unit-demand items iid ``U[0, 1]``: the best *uniform posted price* ``p`` (buy the
  item of larger value if it is ``>= p``) earns ``p (1 - p^2)``, maximal at ``p = 1/sqrt 3``:
  ``2 / (3 sqrt 3) = 0.3849002`` (mdlp's derivation; a lower bound on the continuum
  optimum).  The literature (Pavlov 2011, as tabulated by learned-auction work: 0.384)
  gives this as the optimum; mdlp has not certified that, so it reports it as a reference
  only.
"""

from __future__ import annotations

import math

import numpy as np

SOURCE = (
    "Manelli and Vincent (2006), Bundling as an optimal selling mechanism for a "
    "multiple-good monopolist; Myerson (1981), Optimal Auction Design"
)

MV_REVENUE_UNIT = (12.0 + 2.0 * math.sqrt(2.0)) / 27.0  # 0.549201...
UNIT_DEMAND_POSTED_UNIT = 2.0 / (3.0 * math.sqrt(3.0))  # 0.384900...


# --- continuum -----------------------------------------------------------------------
def manelli_vincent_menu(b: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """The Manelli-Vincent menu for two additive items iid ``U[0, b]``: options
    ``(q, m)`` = item 1 at ``2b/3``, item 2 at ``2b/3``, bundle at ``(4 - sqrt 2) b/3``."""
    p = 2.0 * b / 3.0
    P = (4.0 - math.sqrt(2.0)) * b / 3.0
    q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    m = np.array([p, p, P])
    return q, m


def manelli_vincent_revenue(b: float = 1.0) -> float:
    """Exact revenue of the Manelli-Vincent menu, ``b (12 + 2 sqrt 2) / 27``."""
    return b * MV_REVENUE_UNIT


def manelli_vincent_revenue_regions(b: float = 1.0) -> float:
    """The same revenue from the region areas of the module docstring (a check of the
    algebra, kept separate from the simplified closed form)."""
    p = 2.0 * b / 3.0
    P = (4.0 - math.sqrt(2.0)) * b / 3.0
    d = P - p
    single = (b - p) * d / b**2
    bundle = ((b - d) ** 2 - (2 * p - P) ** 2 / 2.0) / b**2
    return 2.0 * p * single + P * bundle


def manelli_vincent_revenue_quadrature(b: float = 1.0) -> float:
    """The menu's revenue by adaptive 1-D quadrature of the payment over ``v_1`` of the
    exact ``v_2``-measure of each choice region (independent of the algebra above)."""
    from scipy import integrate

    qs, ms = manelli_vincent_menu(b)
    p, P = ms[0], ms[2]
    d = P - p

    def inner(v1):
        # measure (in v2 in [0, b]) of each choice, times its price
        # bundle: v2 >= d, v1 >= d, v1 + v2 >= P
        if v1 >= d:
            lo = max(d, P - v1)
            bundle = max(0.0, b - lo)
        else:
            bundle = 0.0
        # item 1: v1 >= p and v2 < d ; item 2: v2 >= p and v1 < d
        item1 = d if v1 >= p else 0.0
        item2 = (b - p) if v1 < d else 0.0
        return (P * bundle + p * (item1 + item2)) / b

    brk = sorted({d, p, P - d, P - p})
    val, _ = integrate.quad(inner, 0.0, b, points=brk, limit=200, epsabs=1e-13, epsrel=1e-12)
    return float(val / b)


def unit_demand_posted_price_revenue(b: float = 1.0) -> tuple[float, float]:
    """Best uniform posted price for two unit-demand items iid ``U[0, b]``:
    ``(price, revenue) = (b / sqrt 3, 2 b / (3 sqrt 3))`` (mdlp's derivation)."""
    return b / math.sqrt(3.0), b * UNIT_DEMAND_POSTED_UNIT


# --- on a grid ------------------------------------------------------------------------
def menu_choice(X, menu_q, menu_m):
    """Each type's best option of a menu (the outside option ``(0, 0)`` included), ties
    broken towards the larger payment (the seller's favourite, the usual convention).
    Returns ``(q, m)`` per type; IC and IR on the grid hold by construction."""
    J = X.shape[1]
    Q = np.vstack([np.zeros((1, J)), np.asarray(menu_q, dtype=float)])
    M = np.concatenate([[0.0], np.asarray(menu_m, dtype=float)])
    U = X @ Q.T - M[None, :]
    best = U.max(1, keepdims=True)
    scale = 1e-12 * max(1.0, float(np.abs(X).max()))
    tied = U >= best - scale
    pick = np.where(tied, M[None, :], -np.inf).argmax(1)
    return Q[pick], M[pick]


def menu_revenue(X, probs, menu_q, menu_m) -> float:
    """Expected payment of a menu on the grid ``X`` with type masses ``probs``."""
    _, m = menu_choice(X, menu_q, menu_m)
    return float(probs @ m)


def best_grid_price(values, probs) -> tuple[float, float]:
    """``max_t t * P(V >= t)`` over the support points of a discrete ``V``."""
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(probs, dtype=float).ravel()
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    tail = np.cumsum(w[::-1])[::-1]
    # equal values: use the first occurrence (the largest tail)
    first = np.concatenate([[True], np.diff(v) > 0])
    rev = np.where(first, v * tail, -np.inf)
    k = int(rev.argmax())
    return float(v[k]), float(rev[k])


def separate_sales_revenue(priors) -> float:
    """Additive buyer: every item at its own best grid posted price (= the discrete
    Myerson optimum per item)."""
    return float(sum(best_grid_price(p.points, p.probs)[1] for p in priors))


def bundle_revenue(X, probs) -> float:
    """Additive buyer: the grand bundle alone at its best price on the grid."""
    return best_grid_price(X.sum(1), probs)[1]


def unit_demand_uniform_price_revenue(X, probs) -> float:
    """Unit-demand buyer: one price for every item (the buyer takes his favourite item if
    its value is at least the price) at its best grid value."""
    return best_grid_price(X.max(1), probs)[1]
