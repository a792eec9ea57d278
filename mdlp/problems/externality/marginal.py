"""The marginal formulation: two bidders, Setting 1, BNIC, ``allocation: optimal``.

With two bidders every ex-post allocation x_l^m(t_1, t_2) is a matrix whose row marginal
``a(t_1) = sum_{t_2} P_2 x`` is what bidder 1 sees (``y1[:, l]``) and whose column
marginal ``c(t_2) = sum_{t_1} P_1 x`` is what bidder 2 sees (``y2[:, l]``); in Setting 1
the utilities, IR, revenue and welfare depend on x only through these (welfare =
sum_i E[A_i(t_i) . Y_i(t_i)], the bidders' gross utilities).  So the LP keeps only the
marginals and imposes that some x in [0, 1] has them.

By max-flow min-cut (network source -> t_1 cap P_1 a, t_1 -> t_2 cap P_1 P_2, t_2 -> sink
cap P_2 c), such an x exists iff the totals agree and for all sets S, T

    sum_S P_1 a - sum_T P_2 c <= P_1(S) (1 - P_2(T)).

These rows are the builder's lazy max-flow cuts (:class:`mdlp.builder.LazyFlowCuts`,
exact separation over all S, T).  (With ``u = 1 - c`` they are Border's (1991)
inequalities for two agents sharing one good, and :class:`mdlp.builder.LazyBorder`
separates the same sets; on this LP its many chained cuts per round made single warm
re-solves stall for minutes at two items, K = 4, so the spread-out dense cuts stay.)

With iid bidders the LP also imposes bidder symmetry (``symmetry: auto``): it is invariant
under swapping the bidders, its feasible set convex and its objective linear, so the
average of an optimum and its swap is a symmetric optimum (lossless).  After the last
round x is recovered by a transportation LP and certified like the full LP's.
"""

from __future__ import annotations

import math

import numpy as np

from mdlp.builder import LazyFlowCuts, LazyIC, totals_rows
from mdlp.problems.externality.expost import IC_TOL, start_pairs
from mdlp.problems.externality.layout import Layout
from solvers import LinearProgram, get_backend


def iid(par, L: Layout) -> bool:
    """Whether the two bidders are identical (same laws, same grid)."""
    return (
        par.value_spec(0) == par.value_spec(1)
        and par.eta_spec(0, 1) == par.eta_spec(1, 0)
        and L.own_shape(0) == L.own_shape(1)
    )


def build_marginal(par, L: Layout, kind: str) -> LinearProgram:
    """The LP over interim marginals (see the module docstring); ``lp.meta`` carries the
    IC oracles, the Border cut oracle and the masses for the recovery of x."""
    n, g = L.n, L.g
    J = n * g
    lp = LinearProgram("max", kind + "-marginal")
    sym = par.symmetry == "auto" and iid(par, L)
    meta = lp.meta
    meta.update(form="marginal", symmetric=sym, oracles=[])
    Ys, zs, qs = [], [], []
    for i in range(1 if sym else n):
        no = math.prod(L.own_shape(i))
        Pr = L.other_probs(i)
        A = L.own_coef(i)
        pi = L.own_probs(i)
        z = lp.add_variables(f"z{i + 1}", (n - 1, g, Pr.size), lb=0.0, ub=1.0)
        Y = lp.add_variables(f"y{i + 1}", (no, J), lb=0.0, ub=1.0)
        q = lp.add_variables(f"q{i + 1}", (no,), lb=-np.inf)
        w = lp.add_variables(f"w{i + 1}", (n - 1, g), lb=0.0, ub=1.0)
        Ys.append(Y)
        zs.append(z)
        qs.append(q)
        lp.add_constraints(
            f"outside{i + 1}",
            [(w[:, :, None], 1.0), (z, -Pr[None, None, :])],
            lb=0.0,
            ub=0.0,
            shape=(n - 1, g),
        )
        rivals = [j for j in range(n) if j != i]
        own_eta = np.stack([-A[:, j * g : (j + 1) * g] for j in rivals], 1)
        # IR at every own type (see the package docstring)
        lp.add_constraints(
            f"ir{i + 1}", [(Y, A), (q[:, None], -1.0), (w[None], own_eta)], lb=0.0, shape=(no,)
        )
        f = 2.0 if sym else 1.0
        if par.objective == "revenue":
            lp.add_objective(q, f * pi)
        else:
            lp.add_objective(Y, f * pi[:, None] * A)
        ic = LazyIC(
            lp, f"ic{i + 1}", f"y{i + 1}", f"q{i + 1}", A, start_pairs(par, L, i), tol=IC_TOL
        )
        meta["oracles"].append(ic)
    if sym:  # bidder 2's variables, tied to bidder 1's (read by interpret())
        swap = np.array([(1 - k) * g + m for k in range(n) for m in range(g)])
        Ys.append(Ys[0][:, swap])
        q2 = lp.add_variables("q2", qs[0].shape, lb=-np.inf)
        lp.add_constraints("sym_q", [(q2, 1.0), (qs[0], -1.0)], lb=0.0, ub=0.0)
        z2 = lp.add_variables("z2", zs[0].shape, lb=0.0, ub=1.0)
        lp.add_constraints("sym_z", [(z2, 1.0), (zs[0], -1.0)], lb=0.0, ub=0.0)
    P1, P2 = L.own_probs(0), L.own_probs(1)
    # equal totals of the two marginals of every x_l^m, and the lazy max-flow cuts
    totals_rows(lp, "totals", Ys[0], Ys[1], P1, P2)
    cuts = LazyFlowCuts("cut", Ys[0], Ys[1], P1, P2)
    meta["oracles"].append(cuts)
    meta.update(border=cuts, Y1=Ys[0], Y2=Ys[1], P1=P1, P2=P2)
    return lp


def recover_x(L: Layout, lp: LinearProgram, sol, backend=None) -> np.ndarray:
    """An ex-post allocation with the LP's marginals: per x_l^m the transportation LP
    ``sum_2 P_2 x = a, sum_1 P_1 x = c, 0 <= x <= 1`` (feasible by the cut rows), with
    slack columns for the last ~1e-10 of a marginal so that it always solves; the
    certificate measures what is left.  ``backend``: the configured one (HiGHS by
    interior point when it is HiGHS or not given)."""
    M = lp.meta
    cached = M.get("xrec")
    if cached is not None and cached[0] is sol:
        return cached[1]
    P1, P2 = M["P1"], M["P2"]
    Ya = sol.x_flat[M["Y1"]].T  # [l, t_1]
    Yc = sol.x_flat[M["Y2"]].T  # [l, t_2]
    n1, n2 = P1.size, P2.size
    if backend is None or getattr(backend, "name", "") == "highs":
        backend = get_backend("highs", threads=1, method="ipm")
    xs = []
    for l in range(Ya.shape[0]):
        tp = LinearProgram("min", "transport")
        x = tp.add_variables("x", (n1, n2), lb=0.0, ub=1.0)
        sp = tp.add_variables("sp", (n1 + n2,), lb=0.0, cost=1.0)
        sm = tp.add_variables("sm", (n1 + n2,), lb=0.0, cost=1.0)
        tp.add_constraints(
            "row",
            [(x, P2[None, :]), (sp[:n1, None], 1.0), (sm[:n1, None], -1.0)],
            lb=Ya[l],
            ub=Ya[l],
            shape=(n1,),
        )
        tp.add_constraints(
            "col",
            [(x.T, P1[None, :]), (sp[n1:, None], 1.0), (sm[n1:, None], -1.0)],
            lb=Yc[l],
            ub=Yc[l],
            shape=(n2,),
        )
        s = backend.solve(tp)
        if not s.ok:
            raise RuntimeError(f"transportation LP failed: {s.status}")
        xs.append(np.clip(s.x["x"], 0.0, 1.0))
    # x[l] is indexed (t_1, t_2): reshape to the profile grid
    X = np.stack(xs).reshape((L.n, L.g) + L.shape)
    M["xrec"] = (sol, X)
    return X
