"""``mechanism: second_price``: the Clarke pivot mechanism (Makarin 2021, VCG Lemma 1:
with one good it is the second-price auction, ties split evenly) as a fixed LP (every
column fixed); its value is the expected revenue ``E[v(2)]``, and the certificate
re-checks DSIC over all pairs."""

from __future__ import annotations

import numpy as np

from mdlp.builder import efficient_allocation
from mdlp.problems.guarantee.common import dsic_certificate, profile_table, setting
from solvers import LinearProgram


def clarke_payments(X: np.ndarray, q: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """VCG with the Clarke pivot: ``M_i(v) = W(alpha_i, v_-i) - W_-i(v)`` with ``W`` the
    efficient welfare (``alpha_i`` the lowest value, 0 on [0, 1])."""
    n = X.shape[0]
    out = np.empty_like(X)
    welfare = (q * X).sum(axis=0)
    for i in range(n):
        others = np.delete(X, i, axis=0)
        w_alpha = np.maximum(alpha, others.max(axis=0)) if n > 1 else np.full(X.shape[1:], alpha)
        out[i] = w_alpha - (welfare - q[i] * X[i])
    return out


def efficient_split(X: np.ndarray) -> np.ndarray:
    """The efficient allocation: the highest value wins, ties split evenly."""
    return efficient_allocation(X)


def build(prob) -> LinearProgram:
    gp, n, P, X = setting(prob)
    lp = LinearProgram("max", prob.kind)
    q_fix = efficient_split(X)
    m_fix = clarke_payments(X, q_fix)
    lp.add_variables("q", q_fix.shape, lb=q_fix, ub=q_fix)
    m = lp.add_variables("m", m_fix.shape, lb=m_fix, ub=m_fix)
    lp.add_objective(m, P[None])
    return lp


def interpret(prob, lp, sol):
    gp, n, P, X = setting(prob)
    q, m = sol.x["q"], sol.x["m"]
    ic, ir = dsic_certificate(gp.points, q, m, range(n))
    return profile_table(prob, gp, P, X, q, m, {"ic": ic, "ir": ir})
