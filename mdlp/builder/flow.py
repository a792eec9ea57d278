"""Two interim views of one allocation: lazy max-flow (transportation) cuts.

An ex-post quantity ``x(t_1, t_2) in [0, 1]`` on a product of two independent type sets
with masses ``P_1``, ``P_2`` has the row marginal ``a(t_1) = sum_{t_2} P_2 x`` (what agent 1
sees) and the column marginal ``c(t_2) = sum_{t_1} P_1 x`` (what agent 2 sees).  Given
``a`` and ``c``, such an x exists iff (max-flow min-cut on the network source -> t_1 with
capacity ``P_1 a``, t_1 -> t_2 with capacity ``P_1 P_2``, t_2 -> sink with capacity
``P_2 c``; Gale 1957, "A theorem on flows in networks", Pacific J. Math.) the totals agree,
``sum P_1 a = sum P_2 c``, and for all sets S, T

    sum_{t in S} P_1 a(t) - sum_{t in T} P_2 c(t) <= P_1(S) (1 - P_2(T)).

(With ``u = 1 - c`` these are Border's (1991) inequalities for two agents sharing one
good; :mod:`mdlp.builder.border` separates them in that form.)  Exact separation: for a
fixed T the worst S is an upper level set of ``a``; for a fixed S the worst T is
``{c < P_1(S)}``, so the ``|S| + 1`` upper level sets of ``a`` with their best T cover
all pairs.  :class:`LazyFlowCuts` adds the violated ones in rounds of row generation,
spread evenly over the violated level sets (the most violated are mostly neighbours
with nearly the same row), each written on the sets or on their complements, whichever
is shorter.  The caller adds the totals rows (:func:`totals_rows`).
"""

from __future__ import annotations

import numpy as np

from solvers import LinearProgram, Solution


def totals_rows(lp: LinearProgram, name: str, a, c, P1, P2) -> np.ndarray:
    """Rows ``sum_t P_1(t) a[t, l] = sum_t P_2(t) c[t, l]`` for every column l of the
    marginal blocks ``a`` (shape ``(n_1, J)``) and ``c`` (``(n_2, J)``)."""
    a, c = np.asarray(a), np.asarray(c)
    return lp.add_constraints(
        name,
        [(a.T, np.asarray(P1)[None, :]), (c.T, -np.asarray(P2)[None, :])],
        lb=0.0,
        ub=0.0,
        shape=(a.shape[1],),
    )


class LazyFlowCuts:
    """Lazy cut rows that make the marginals ``a`` (columns ``(n_1, J)``) and ``c``
    (``(n_2, J)``) those of some x in [0, 1] (one x per column l), separated exactly.

    Call as ``separate(solution, lp)`` inside :func:`solvers.rowgen.solve_with_row_generation`:
    adds up to ``max_cuts`` violated cuts per column l and returns the largest violation
    over *all* pairs of sets (so ``<= tol`` certifies that every x exists)."""

    def __init__(self, name: str, a, c, P1, P2, *, max_cuts: int = 32, tol: float = 1e-10):
        self.name = name
        self.a, self.c = np.asarray(a), np.asarray(c)
        self.P1, self.P2 = np.asarray(P1, float), np.asarray(P2, float)
        self.max_cuts, self.tol = int(max_cuts), float(tol)
        self.cuts = 0

    def violations(self, av, cv):
        """``([(l, S, T, rhs, violation)], worst)``: the cuts to add and the largest
        violation over all S, T, for the marginal values ``av`` ``(n_1, J)``, ``cv``."""
        P1, P2 = self.P1, self.P2
        out, worst = [], 0.0
        for l in range(av.shape[1]):
            a, c = av[:, l], cv[:, l]
            oa = np.argsort(-a, kind="stable")
            mass = np.cumsum(P1[oa])  # P_1(S_k), S_k = top-k of a
            lhs = np.cumsum(P1[oa] * a[oa])
            oc = np.argsort(c, kind="stable")
            cs = c[oc]
            pc = np.concatenate([[0.0], np.cumsum(P2[oc] * cs)])
            pm = np.concatenate([[0.0], np.cumsum(P2[oc])])
            kT = np.searchsorted(cs, mass, side="left")  # T = {c < P_1(S)}
            viol = lhs - (pc[kT] + mass * (pm[-1] - pm[kT]))
            worst = max(worst, float(viol.max()))
            hit = np.flatnonzero(viol > self.tol)
            if hit.size > self.max_cuts:
                # spread evenly over the violated level sets: measured (two bidders, K =
                # 16) 7 s against 21 s for the max_cuts most violated
                hit = hit[
                    np.unique(np.linspace(0, hit.size - 1, self.max_cuts).round().astype(int))
                ]
            for k in hit:
                rhs = float(mass[k] * (pm[-1] - pm[kT[k]]))
                out.append((l, oa[: k + 1], oc[: kT[k]], rhs, float(viol[k])))
        return out, worst

    def add(self, lp: LinearProgram, cuts) -> None:
        """Append the cut rows ``sum_S P_1 a - sum_T P_2 c <= rhs`` (on the complements
        ``sum_{T^c} P_2 c - sum_{S^c} P_1 a <= rhs`` when that is shorter: the totals are
        equal), all in one block: each row spans its column's ``a`` and ``c`` entries with
        set indicators as coefficients (the zeros are not stored)."""
        if not cuts:
            return
        n1, n2 = self.P1.size, self.P2.size
        m = len(cuts)
        col = np.array([cut[0] for cut in cuts])
        rhs = np.array([cut[3] for cut in cuts])
        inS, inT = np.zeros((m, n1)), np.zeros((m, n2))
        for ind, sets in ((inS, [cut[1] for cut in cuts]), (inT, [cut[2] for cut in cuts])):
            rows = np.repeat(np.arange(m), [len(x) for x in sets])
            ind[rows, np.concatenate(sets).astype(np.int64)] = 1.0
        nS, nT = inS.sum(1), inT.sum(1)
        comp = (nS + nT > (n1 - nS) + (n2 - nT))[:, None]
        ca = np.where(comp, inS - 1.0, inS) * self.P1[None, :]
        cc = np.where(comp, 1.0 - inT, -inT) * self.P2[None, :]
        terms = [(self.a[:, col].T, ca), (self.c[:, col].T, cc)]
        lp.add_constraints(self.name, terms, ub=rhs, shape=(m,), append=True)
        self.cuts += m

    def __call__(self, sol: Solution, lp: LinearProgram) -> float:
        cuts, worst = self.violations(sol.x_flat[self.a], sol.x_flat[self.c])
        self.add(lp, cuts)
        return worst
