"""``mechanism: efficient``: Theorem 1's critical information structure (Yamashita 2018):
the winner's identity and the losers' values are public (at a tie the whole profile is
public), the designer is told the signal.  Efficiency is forced, the winner's IC holds
inside his signal class (the good is his on the whole class, so his payment is constant
there), losers get interim IR given the signal.  On a grid the value is ``E[m^+; unique
top] + E[v(2); tie]`` (``m^+`` = lowest positive-probability point above ``v(2)``), one
grid step above ``E[v(2)]`` at most (:func:`mdlp.theory.guarantee.efficient_critical_value`)."""

from __future__ import annotations

import numpy as np

from mdlp.builder import own_first, supply_rows
from mdlp.problems.guarantee.common import profile_table, setting
from solvers import LinearProgram


def signal_classes(x, P, X, i):
    """Winner ``i``'s signal classes: ``(P_i, cls, first, has)`` with ``P_i`` the joint pmf
    own type first ``(K, R)``, ``cls`` the mask of own types above ``max v_-i`` with
    positive probability, ``first`` the lowest member per column, ``has`` non-empty."""
    n = X.shape[0]
    K = x.size
    Pi = own_first(P, i)
    if n == 1:
        top = np.full(1, -np.inf)
    else:
        oth = np.moveaxis(np.delete(X, i, axis=0), i + 1, 1).reshape(n - 1, K, -1)
        top = oth[:, 0, :].max(axis=0)
    cls = (x[:, None] > top[None, :]) & (Pi > 0)
    return Pi, cls, np.argmax(cls, axis=0), cls.any(axis=0)


def build(prob) -> LinearProgram:
    gp, n, P, X = setting(prob)
    K = gp.K
    lp = LinearProgram("max", prob.kind)
    istop = X == X.max(axis=0)
    unique = istop.sum(axis=0) == 1
    q = lp.add_variables("q", X.shape, lb=0.0, ub=istop.astype(float))
    m = lp.add_variables("m", X.shape, lb=-np.inf)
    # efficiency: the good always goes to a top bidder (split free at a tie)
    supply_rows(lp, "efficiency", q, exact=True)
    # ex-post IR wherever the bidder knows everything payoff-relevant (ties: all values
    # public; the unique winner: he knows v and the signal)
    expost = ~unique[None] | istop
    lp.add_constraints("ir_expost", [(q[expost], X[expost]), (m[expost], -1.0)], lb=0.0)
    for i in range(n):
        Pi, cls, first, has = signal_classes(gp.points, P, X, i)
        mi = own_first(m[i], i)
        # winner IC inside the class (q = 1 on it): payment constant across the class
        kk, rr = np.nonzero(cls & (np.arange(K)[:, None] != first[None, :]))
        lp.add_constraints(
            f"ic_class{i + 1}", [(mi[kk, rr], 1.0), (mi[first[rr], rr], -1.0)], lb=0.0, ub=0.0
        )
        # losers' interim IR given the signal (i, v_-i): E[-m_j | s] >= 0
        cols = np.flatnonzero(has)
        for j in range(n):
            if j != i:
                mj = own_first(m[j], i)
                lp.add_constraints(
                    f"ir_loser{j + 1}_given{i + 1}",
                    [(mj[:, cols].T, -(Pi * cls)[:, cols].T)],
                    lb=0.0,
                    shape=(cols.size,),
                )
    lp.add_objective(m, P[None])
    return lp


def interpret(prob, lp, sol):
    gp, n, P, X = setting(prob)
    q, m = sol.x["q"], sol.x["m"]
    istop = X == X.max(axis=0)
    unique = istop.sum(axis=0) == 1
    cert = {"efficiency": float(max(np.abs(q.sum(axis=0) - 1).max(), (q * ~istop).max()))}
    expost = ~unique[None] | istop
    ir = float(((m - X * q) * expost).max())
    ic = 0.0
    for i in range(n):
        Pi, cls, first, has = signal_classes(gp.points, P, X, i)
        mi = own_first(m[i], i)
        hi = np.where(cls, mi, -np.inf).max(axis=0)
        lo = np.where(cls, mi, np.inf).min(axis=0)
        ic = max(ic, float(np.max(np.where(has, hi - lo, 0.0))))
        for j in range(n):
            if j != i:
                ir = max(ir, float(((Pi * cls) * own_first(m[j], i)).sum(axis=0).max()))
    cert.update(ic=ic, ir=ir)
    return profile_table(prob, gp, P, X, q, m, cert)
