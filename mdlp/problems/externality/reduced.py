"""Setting 2 revenue, ``formulation: reduced``: Proposition 3.3.4's reduction to one LP
over v levels per bidder (Rui 2020).  On a grid the exact reduction keeps two numbers per
v level: the largest and the smallest interim allocation among the types of that level
(BNIC lets the allocation vary with the payoff-irrelevant eta report inside one level as
long as the utility is the same: types with W = v - sum eta > 0 take the largest, the
others the smallest); ``0 <= b_1 <= a_1 <= b_2 <= ... <= a_K <= 1``.  A test checks it
equals the full LP."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mdlp.problems.base import Interpretation
from mdlp.problems.externality.layout import Layout, comp_name
from solvers import LinearProgram


def level_data(L: Layout, i):
    """Per v level of bidder i: probability P_k, G+_k = E[W^+ 1{v=v_k}], G-_k likewise
    (W = v_i - sum_j eta_{j<-i}, i's own components in Setting 2)."""
    pts = L.own_points(i)
    pr = L.own_probs(i)
    own = L.own_axes(i)
    v = pts[:, own.index(L.v_axis(i, 0))]
    W = v.copy()
    for j in range(L.n):
        if j != i:
            W = W - pts[:, own.index(L.eta_axis(j, i, 0))]
    vd = L.priors[L.v_axis(i, 0)]
    lev = np.searchsorted(vd.points, v)
    Pk = np.bincount(lev, pr, len(vd))
    Gp = np.bincount(lev, pr * np.maximum(W, 0), len(vd))
    Gm = np.bincount(lev, pr * np.minimum(W, 0), len(vd))
    return vd.points, Pk, Gp, Gm


def build_reduced(L: Layout, kind: str) -> LinearProgram:
    """Proposition 3.3.4's reduction (see the module docstring): two chains a, b per
    bidder, the objective in closed form per v level."""
    lp = LinearProgram("max", kind + "-reduced")
    lp.meta["form"] = "reduced"
    const = 0.0
    for i in range(L.n):
        v, Pk, Gp, Gm = level_data(L, i)
        K = v.size
        a = lp.add_variables(f"a{i + 1}", (K,), lb=0.0, ub=1.0)
        b = lp.add_variables(f"b{i + 1}", (K,), lb=0.0, ub=1.0)
        S = np.concatenate([np.cumsum(Pk[::-1])[::-1][1:], [0.0]])  # P(v >= v_{k+1})
        dv = np.concatenate([np.diff(v), [0.0]])
        lp.add_objective(a, Gp - S * dv)
        lp.add_objective(b, Gm)
        lp.add_constraints(f"within{i + 1}", [(a, 1.0), (b, -1.0)], lb=0.0)
        lp.add_constraints(f"across{i + 1}", [(b[1:], 1.0), (a[:-1], -1.0)], lb=0.0)
        # U_i(v_1) = -sum_j E[eta_{i<-j}] under the threat outside option
        for j in range(L.n):
            if j != i:
                const += L.priors[L.eta_axis(i, j, 0)].mean()
    lp.offset = const
    return lp


def interpret_reduced(L: Layout, lp, sol) -> Interpretation:
    """Rebuild the mechanism of the 1-D solution: x_i(t) = a_k if W > 0 else b_k at
    v level k (ex-post = interim), U(v_k) = U_1 + sum_{l<k} dv_l a_l, q = v y - e - U;
    then certify IC over all pairs of own types and IR."""
    n = L.n
    rows, ic, ir = [], 0.0, 0.0
    ys = []
    for i in range(n):
        a = sol.x[f"a{i + 1}"]
        b = sol.x[f"b{i + 1}"]
        pts = L.own_points(i)
        own = L.own_axes(i)
        v = pts[:, own.index(L.v_axis(i, 0))]
        W = v.copy()
        for j in range(n):
            if j != i:
                W = W - pts[:, own.index(L.eta_axis(j, i, 0))]
        lev = np.searchsorted(L.priors[L.v_axis(i, 0)].points, v)
        ys.append((np.where(W > 0, a[lev], b[lev]), pts, own))
    thresholds = {}
    for i in range(n):
        y, pts, own = ys[i]
        vpts = L.priors[L.v_axis(i, 0)].points
        a = sol.x[f"a{i + 1}"]
        # e_i = sum_j E[eta_{i<-j} y_j(t_j)]  (constant in i's report)
        e = 0.0
        for j in range(n):
            if j != i:
                yj, pj, oj = ys[j]
                e += float(L.own_probs(j) @ (pj[:, oj.index(L.eta_axis(i, j, 0))] * yj))
        U1 = -sum(L.priors[L.eta_axis(i, j, 0)].mean() for j in range(n) if j != i)
        Ulev = U1 + np.concatenate([[0.0], np.cumsum(np.diff(vpts) * a[:-1])])
        v = pts[:, own.index(L.v_axis(i, 0))]
        lev = np.searchsorted(vpts, v)
        q = v * y - e - Ulev[lev]
        Uts = v[:, None] * y[None, :] - e - q[None, :]
        ic = max(ic, float((Uts - np.diag(Uts)[:, None]).max()))
        ir = max(ir, float((U1 - np.diag(Uts)).max()))
        df = pd.DataFrame(pts, columns=[comp_name(L.comps[d]) for d in own])
        df.insert(0, "bidder", i + 1)
        df["own_alloc"] = y
        df["payment"] = q
        rows.append(df)
        on = np.flatnonzero(a > 0.5)
        thresholds[f"bidder {i + 1}"] = float(vpts[on[0]]) if on.size else None
    cert = {"ic": max(ic, 0.0), "ir": max(ir, 0.0)}
    extras = {"thresholds": thresholds, "outside_option_chosen": "threat (by construction)"}
    return Interpretation(pd.concat(rows, ignore_index=True), cert, extras)
