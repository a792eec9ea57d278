"""Multi-bidder, multi-dimensional Bayesian auctions: the closed forms and reference values
the ``bayesian_auction`` family is checked against.

* One dimension (``J = 1``): Myerson (1981), "Optimal auction design", Math. Oper. Res.:
  on a grid the discrete, ironed virtual-value formula of :mod:`mdlp.theory.myerson` is the
  exact optimum (BIC and DSIC alike).
* Welfare: the efficient allocation (every good to a highest value net of its cost, none
  below zero) is implementable (VCG) and no feasible rule beats it, so the LP's welfare
  optimum is :func:`efficient_welfare` exactly.
* One buyer, two unit-demand goods iid ``U[0, 1]``: Pavlov (2011), "Optimal mechanism for
  selling two goods", B.E. Journal of Theoretical Economics: a posted price ``1/sqrt 3`` for
  either good is optimal, revenue ``2 / (3 sqrt 3) = 0.3849``.
* Additive goods: selling each good by its own Myerson auction is feasible and DSIC, so the
  item-wise Myerson revenue is a lower bound; for ``N`` bidders iid ``U[0, 1]`` it is
  ``N (2 (1 - 2^-(N+1)) / (N + 1) - (1 - 2^-N) / N)`` per item: ``5/12`` for ``N = 2``.
* Kushnir and Michelson (2022), "Optimal multi-dimensional auctions: conjectures and
  simulations", arXiv 2207.01664, setting "1a" (two bidders, one object in two grades,
  values iid ``U[0, 1]``, no costs, BIC) on their trapezoid grid with ``T`` steps: the
  revenues their code publishes (:data:`PEER_1A`).
"""

from __future__ import annotations

import math

import numpy as np

import grids
from grids.axis import Axis
from mdlp.theory import myerson as TM

SOURCE = (
    "Myerson (1981); Border (1991); Pavlov (2011); Kushnir and Michelson (2022, arXiv 2207.01664)"
)

# T -> (revenue, decimals published, where).  T = 5..20: the float64 values of the
# regression baselines of jmemich/optimal-auction-multidim (docs/baselines.json, from the
# pickled runs behind the thesis tables); T = 25..50: six decimals from its scaling note
# (docs/extrapolation.md, section 3), where T = 40 took 69.8 s and T = 50 369.2 s.
PEER_1A: dict[int, tuple[float, int, str]] = {
    5: (0.6609400000000001, 16, "regression baseline"),
    10: (0.6259287499999989, 16, "regression baseline"),
    15: (0.6128767901234582, 16, "regression baseline"),
    20: (0.6060325781250011, 16, "regression baseline"),
    25: (0.601816, 6, "scaling note, 6 decimals"),
    30: (0.598956, 6, "scaling note, 6 decimals"),
    35: (0.596890, 6, "scaling note, 6 decimals"),
    40: (0.595434, 6, "scaling note, 6 decimals"),
    50: (0.593395, 6, "scaling note, 6 decimals"),
}
# Wall-clock seconds the peer reports for setting 1a (docs/extrapolation.md, section 2).
PEER_1A_SECONDS: dict[int, float] = {
    5: 0.010,
    10: 0.093,
    15: 0.426,
    20: 1.545,
    25: 5.253,
    30: 16.119,
    35: 33.892,
    40: 69.767,
    50: 369.192,
}
# The peer's extrapolated limit (Richardson, error ~ c/T): about 0.585 (same note).
PEER_1A_LIMIT = 0.585


def pavlov_unit_demand_value() -> float:
    """``2 / (3 sqrt 3)``: one buyer, two unit-demand goods iid ``U[0, 1]`` (Pavlov 2011)."""
    return 2.0 / (3.0 * math.sqrt(3.0))


def myerson_uniform_revenue(n: int) -> float:
    """Myerson's optimal revenue for one good and ``n`` bidders iid ``U[0, 1]``:
    ``E[max(0, max_i (2 v_i - 1))] = n int_{1/2}^1 (2v - 1) v^(n-1) dv``."""
    return n * (2 * (1 - 2.0 ** -(n + 1)) / (n + 1) - (1 - 2.0**-n) / n)


def _expected_positive_max(dists) -> float:
    """``E[max(0, max_i Y_i)]`` for independent discrete ``Y_i`` given as ``(values,
    probs)``: ``int_0^inf (1 - prod_i P(Y_i <= y)) dy`` over the step functions."""
    z = np.unique(np.concatenate([[0.0]] + [np.maximum(v, 0.0) for v, _ in dists]))
    G = np.ones(z.size)
    for v, p in dists:
        order = np.argsort(v)
        cdf = np.cumsum(p[order])
        k = np.searchsorted(v[order], z, side="right")
        G = G * np.where(k > 0, cdf[np.maximum(k - 1, 0)], 0.0)
    return float(np.sum((1.0 - G[:-1]) * np.diff(z)))


def efficient_welfare(bidders, costs, unit_demand: bool) -> float:
    """Expected welfare of the efficient allocation on the grid; ``bidders`` is a list of
    ``(X (n, J), f (n,))`` (one entry per bidder).  Additive: ``sum_j E[max(0, max_i
    (v_ij - c_j))]``; unit demand: ``E[max(0, max_{i,j} (v_ij - c_j))]``."""
    c = np.asarray(costs, float)
    if unit_demand:
        return _expected_positive_max([((X - c).max(1), f) for X, f in bidders])
    J = bidders[0][0].shape[1]
    return sum(_expected_positive_max([(X[:, j] - c[j], f) for X, f in bidders]) for j in range(J))


def itemwise_myerson_grid(bidders) -> float:
    """Revenue of selling each additive good by its own optimal (ironed, discrete) Myerson
    auction on the grid: the bidders' marginal value laws of that good."""
    J = bidders[0][0].shape[1]
    total = 0.0
    for j in range(J):
        priors = []
        for X, f in bidders:
            vals, inv = np.unique(X[:, j], return_inverse=True)
            pm = np.bincount(inv.ravel(), weights=f, minlength=vals.size)
            priors.append(grids.Prior(Axis.custom(vals), pm / pm.sum(), None))
        total += TM.optimal_revenue_discrete(priors)
    return total
