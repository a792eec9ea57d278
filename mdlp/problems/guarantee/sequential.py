"""``mechanism: sequential`` (Yamashita 2018, Supplement B, Theorem 3): bidder ``i``
arrives at time ``i``; his allocation and payment depend on the history ``v^i = (v_1 ..
v_i)`` only; DSIC + ex-post IR, adjacent IC in the own (last) coordinate of each history
(one-dimensional, see :mod:`mdlp.builder.onedim`)."""

from __future__ import annotations

import numpy as np

from mdlp.builder import monotone_ic
from mdlp.problems.guarantee.common import dsic_certificate, profile_table, setting
from solvers import LinearProgram


def build(prob) -> LinearProgram:
    gp, n, P, X = setting(prob)
    x = gp.points
    lp = LinearProgram("max", prob.kind)
    terms = []
    for i in range(1, n + 1):
        shape = (gp.K,) * i
        marg = P.sum(axis=tuple(range(i, n))) if i < n else P
        q = lp.add_variables(f"q{i}", shape, lb=0.0, ub=1.0)
        m = lp.add_variables(f"m{i}", shape, lb=-np.inf)
        terms.append((q.reshape(shape + (1,) * (n - i)), 1.0))
        monotone_ic(lp, i, q, m, x.reshape((1,) * (i - 1) + (-1,)), axis=i - 1)
        lp.add_objective(m, marg)
    lp.add_constraints("feasibility", [(np.broadcast_to(c, P.shape), v) for c, v in terms], ub=1.0)
    return lp


def _full(sol, name, i, n, K, shape):
    return np.broadcast_to(sol.x[f"{name}{i}"].reshape((K,) * i + (1,) * (n - i)), shape)


def interpret(prob, lp, sol):
    gp, n, P, X = setting(prob)
    q = np.stack([_full(sol, "q", i, n, gp.K, P.shape) for i in range(1, n + 1)])
    m = np.stack([_full(sol, "m", i, n, gp.K, P.shape) for i in range(1, n + 1)])
    qs = [sol.x[f"q{i}"] for i in range(1, n + 1)]
    ms = [sol.x[f"m{i}"] for i in range(1, n + 1)]
    ic, ir = dsic_certificate(gp.points, qs, ms, range(n))
    return profile_table(prob, gp, P, X, q, m, {"ic": ic, "ir": ir})
