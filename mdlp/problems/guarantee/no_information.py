"""``mechanism: no_information``: the Bayesian optimum for the prior ``F`` (BIC + interim
IR), ex-post payments in ``[-B, B]`` (``payment_bound``).  For a correlated pmf with
Cremer and McLean's (1988) full-rank beliefs it reaches ``E[v(1)]`` once ``B`` is large
enough.  Beliefs change with the type under a correlated prior, so the one-dimensional
chain argument does not apply: all ``K (K - 1)`` BIC pairs are written, each weighted by
the type's joint probabilities with the opponents."""

from __future__ import annotations

import numpy as np

from mdlp.builder import own_first, supply_rows
from mdlp.problems.guarantee.common import profile_table, setting
from solvers import LinearProgram


def build(prob) -> LinearProgram:
    gp, n, P, X = setting(prob)
    x, B = gp.points, prob.params.payment_bound
    lp = LinearProgram("max", prob.kind)
    q = lp.add_variables("q", X.shape, lb=0.0, ub=1.0)
    m = lp.add_variables("m", X.shape, lb=-B, ub=B)
    supply_rows(lp, "feasibility", q)
    for i in range(n):
        Pi = own_first(P, i)  # (K, R): P(v_i = k, v_-i = r)
        qi, mi = own_first(q[i], i), own_first(m[i], i)
        W = Pi[:, None, :]  # weights of type k's belief, broadcast over reports l
        xk = x[:, None, None]
        # BIC, all pairs: sum_r P(k, r) [x_k (q(k,r) - q(l,r)) - m(k,r) + m(l,r)] >= 0
        lp.add_constraints(
            f"bic{i + 1}",
            [
                (qi[:, None, :], xk * W),
                (qi[None, :, :], -xk * W),
                (mi[:, None, :], -W),
                (mi[None, :, :], W),
            ],
            lb=0.0,
            shape=(gp.K, gp.K),
        )
        lp.add_constraints(f"ir{i + 1}", [(qi, x[:, None] * Pi), (mi, -Pi)], lb=0.0, shape=(gp.K,))
    lp.add_objective(m, P[None])
    return lp


def interpret(prob, lp, sol):
    gp, n, P, X = setting(prob)
    x, B = gp.points, prob.params.payment_bound
    q, m = sol.x["q"], sol.x["m"]
    ic = ir = 0.0
    for i in range(n):
        Pi = own_first(P, i)
        pk = Pi.sum(axis=1)
        ok = pk > 0
        qi, mi = own_first(q[i], i), own_first(m[i], i)
        U = x[:, None] * (Pi @ qi.T) - Pi @ mi.T  # U[k, l] (weighted by P(k))
        U = U[ok] / pk[ok, None]
        own = U[np.arange(U.shape[0]), np.flatnonzero(ok)]
        ic = max(ic, float((U - own[:, None]).max()))
        ir = max(ir, float((-own).max()))
    cert = {"payment_bound": float(max(0.0, np.abs(m).max() - B)), "ic": ic, "ir": ir}
    extras = {
        "payment_bound": B,
        "max_abs_payment": float(np.abs(m).max()),
        "cremer_mclean_rank": [int(np.linalg.matrix_rank(own_first(P, i))) for i in range(n)],
    }
    return profile_table(prob, gp, P, X, q, m, cert, extras)
