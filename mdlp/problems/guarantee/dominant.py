"""``mechanism: dominant``: the optimal DSIC + ex-post IR mechanism for the prior ``F``, a
lower bound on the best revenue guarantee (DSIC holds under every information structure,
Yamashita 2018).  Adjacent IC per opponent profile is IC over all pairs (one-dimensional
own type, see :mod:`mdlp.builder.onedim`); the certificate re-checks all pairs."""

from __future__ import annotations

import numpy as np

from mdlp.builder import monotone_ic, supply_rows
from mdlp.problems.guarantee.common import dsic_certificate, profile_table, setting
from mdlp.theory import guarantee as T
from solvers import LinearProgram


def build(prob) -> LinearProgram:
    gp, n, P, X = setting(prob)
    x = gp.points
    lp = LinearProgram("max", prob.kind)
    q = lp.add_variables("q", X.shape, lb=0.0, ub=1.0)
    m = lp.add_variables("m", X.shape, lb=-np.inf)
    supply_rows(lp, "feasibility", q)
    for i in range(n):
        xi = x.reshape([-1 if d == i else 1 for d in range(n)])
        monotone_ic(lp, i + 1, q[i], m[i], xi, axis=i)
    lp.add_objective(m, P[None])
    return lp


def interpret(prob, lp, sol):
    gp, n, P, X = setting(prob)
    q, m = sol.x["q"], sol.x["m"]
    ic, ir = dsic_certificate(gp.points, q, m, range(n))
    out = profile_table(prob, gp, P, X, q, m, {"ic": ic, "ir": ir})
    e1, e2 = T.order_stats_joint(gp.points, P)
    out.extras["sandwich"] = {
        "E_v2 (second price, DSIC)": e2,
        "dominant (this LP)": out.extras["revenue"],
        "theta_public (upper)": out.extras.get("theta_public_bound"),
        "E_v1": e1,
    }
    return out
