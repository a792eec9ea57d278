"""``mechanism: theta_public``: Theorem 2's upper bound (Yamashita 2018): with ``theta``
public the bidders are independent given ``theta``, so the bound is Myerson's BIC LP for
every ``theta`` (ironing comes out of the LP), weighted by ``mu_theta``.  Per ``theta``:
ex-post allocations, interim allocations by the builder's interim rows, interim
payments with adjacent IC and IR at the lowest type."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdlp.builder import interim_rows, monotone_ic, others_pmf, own_first, supply_rows
from mdlp.problems.base import Interpretation
from mdlp.theory import guarantee as T
from solvers import LinearProgram


def build(prob) -> LinearProgram:
    gp = prob.prior()
    n, x, K = prob.params.bidders, gp.points, gp.K
    lp = LinearProgram("max", prob.kind)
    for t, (mu, hs) in enumerate(gp.comps):
        shape = (K,) * n
        q = lp.add_variables(f"q_t{t}", (n,) + shape, lb=0.0, ub=1.0)
        supply_rows(lp, f"feasibility_t{t}", q)
        for i in range(n):
            Q = lp.add_variables(f"Q_t{t}_{i + 1}", (K,), lb=0.0, ub=1.0)
            M = lp.add_variables(f"M_t{t}_{i + 1}", (K,), lb=-np.inf)
            interim_rows(lp, f"interim_t{t}_{i + 1}", Q, own_first(q[i], i), others_pmf(hs, i))
            monotone_ic(lp, f"_t{t}_{i + 1}", Q, M, x)
            lp.add_objective(M, mu * hs[i])
    return lp


def interpret(prob, lp, sol):
    gp = prob.prior()
    n, x = prob.params.bidders, gp.points
    cert = {"feasibility": 0.0, "ic": 0.0, "ir": 0.0}
    rows, per_theta = [], []
    for t, (mu, hs) in enumerate(gp.comps):
        q = sol.x[f"q_t{t}"]
        cert["feasibility"] = max(
            cert["feasibility"], float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max()))
        )
        rev = 0.0
        for i in range(n):
            Qr = own_first(q[i], i) @ others_pmf(hs, i)
            M = sol.x[f"M_t{t}_{i + 1}"]
            U = x[:, None] * Qr[None, :] - M[None, :]
            ok = hs[i] > 0  # only types that occur under theta
            own = np.diag(U)[ok]
            cert["ic"] = max(cert["ic"], float((U[ok] - own[:, None]).max()))
            cert["ir"] = max(cert["ir"], float((-own).max()))
            rev += float(hs[i] @ M)
            rows.append({"theta": t, "bidder": i + 1, "weight": mu, "revenue_i": hs[i] @ M})
        per_theta.append({"theta": t, "weight": mu, "revenue": rev})
    e1, e2 = T.order_stats_mixture(x, gp.comps)
    extras = {"per_theta": per_theta, "E_v1": e1, "E_v2": e2}
    return Interpretation(pd.DataFrame(rows), cert, extras)
