"""What every mechanism of ``revenue_guarantee`` shares: the prior discretized onto the
grid (a :class:`grids.correlated.CorrelatedPrior`), the profile grid, the all-pairs IC
check and the result table of an ex-post mechanism ``(q, m)``."""

from __future__ import annotations

import pandas as pd

from grids.correlated import CorrelatedPrior
from mdlp.builder import ic_certificate, own_first, profile_values
from mdlp.problems.base import Interpretation
from mdlp.theory import guarantee as T


def discretize(par, grid) -> CorrelatedPrior:
    """The configured prior (``iid``, ``joint`` or ``mixture``) on the grid."""
    n, pr = par.bidders, par.prior
    if pr.joint is not None:
        return CorrelatedPrior.from_joint(pr.joint.values, pr.joint.probs)
    if pr.iid is not None:
        p = pr.iid.to_prior(grid.points, grid.placement)
        return CorrelatedPrior.iid(p.points, p.probs, n)
    comps = []
    for c in pr.mixture:
        specs = c.bidders if c.bidders is not None else [c.values] * n
        comps.append((c.weight, [s.to_prior(grid.points, grid.placement) for s in specs]))
    return CorrelatedPrior.mixture(comps)


def setting(prob):
    """``(prior, n, P, X)``: the discretized prior, the number of bidders, the joint pmf
    ``P`` (shape ``(K,) * n``) and the values ``X[i, v]`` (shape ``(n, K, ..., K)``)."""
    gp = prob.prior()
    n = prob.params.bidders
    return gp, n, gp.joint(n), profile_values([gp.points] * n)


def ic_gain(x, q, m) -> float:
    """Largest ex-post IC gain over all pairs of own types (``q``, ``m``: own type first,
    opponents' profiles flattened), by the builder's independent certificate."""
    K = q.shape[0]
    return ic_certificate(x[:, None], q.reshape(K, -1, 1), m.reshape(K, -1))[0]


def dsic_certificate(x, qs, ms, axes) -> tuple[float, float]:
    """``(ic, ir)``: the largest ex-post IC gain and IR violation of the blocks ``qs[b]``,
    ``ms[b]`` whose own type is on ``axes[b]``."""
    ic = ir = 0.0
    for q, m, ax in zip(qs, ms, axes, strict=True):
        ic = max(ic, ic_gain(x, own_first(q, ax), own_first(m, ax)))
        ir = max(ir, float((own_first(m, ax) - x[:, None] * own_first(q, ax)).max()))
    return ic, ir


def profile_table(prob, gp, P, X, q, m, cert: dict, extras: dict | None = None):
    """The :class:`Interpretation` of an ex-post mechanism: feasibility, the given IC/IR
    entries, a table per profile and the order statistics of the prior."""
    n, x = prob.params.bidders, gp.points
    cert = {
        "feasibility": float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max(), (q - 1).max())),
        **cert,
    }
    cert["ic"] = max(cert.get("ic", 0.0), 0.0)
    cert["ir"] = max(cert.get("ir", 0.0), 0.0)
    cols = {f"v{i + 1}": X[i].ravel() for i in range(n)}
    cols["prob"] = P.ravel()
    for i in range(n):
        cols[f"q{i + 1}"] = q[i].ravel()
        cols[f"m{i + 1}"] = m[i].ravel()
    e1, e2 = T.order_stats_joint(x, P)
    out = {
        "revenue": float((P[None] * m).sum()),
        "welfare": float((P[None] * X * q).sum()),
        "E_v1": e1,
        "E_v2": e2,
        "surplus_share": float((P[None] * m).sum() / e1) if e1 > 0 else None,
    }
    if gp.comps is not None:
        out["theta_public_bound"] = T.theta_public_bound(x, gp.comps)
    out.update(extras or {})
    return Interpretation(pd.DataFrame(cols), cert, out)
