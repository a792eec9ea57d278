"""The interim formulation: n >= 3 bidders, Setting 1, BNIC, ``allocation: optimal``.

In Setting 1 every utility, IR, the revenue and the welfare depend on an ex-post
allocation x_l (l = (k, m)) only through its interim marginals ``y_i[t, l] = E[x_l | t_i =
t]``, one per bidder (bidder i's view).  So the LP keeps the marginals and needs them to be
those of *some* x_l in [0, 1] on the profile grid.  With two bidders that set is cut out by
Border's level-set inequalities (:mod:`.marginal`); with three or more it is the linear
image of a cube under the "plane sums" map, whose facets are not level-set cuts (the
axial three-index assignment polytope is not integral).  It is, however, the convex hull
of the marginals of the 0/1 allocations, and the best 0/1 allocation against any linear
objective ``sum_i sum_t phi_i(t) y_i[t, l]`` is known in closed form:

    x = 1{ sum_i psi_i(t_i) > 0 },   psi_i(t) = phi_i(t) / P_i(t)

(maximise ``E[x sum_i psi_i(t_i)]`` pointwise).  Hence column generation (Dantzig and
Wolfe 1960, "Decomposition principle for linear programs", Operations Research): the
master LP writes ``y_i[:, l] = sum_c lam_c a_i^c`` over a set of threshold rules ``c`` with
marginals ``a_i^c`` (convex weights per l); the duals of these rows give ``phi``; the
threshold rule above is the column of largest reduced cost, found exactly by one pass over
the profile grid.  IC is the builder's lazy IC over all pairs of own types.  The loop
stops when no column has a positive reduced cost (then the master's optimum is the full
LP's: its dual is feasible for every column) and no IC pair is violated.

The ex-post allocation ``x_l = sum_c lam_c 1{sum_i psi_i^c > 0}`` is assembled from the
columns and certified like the full LP's.
"""

from __future__ import annotations

import math

import numpy as np

from mdlp.builder import LazyIC, combine_oracles
from mdlp.problems.externality.expost import IC_TOL, start_pairs
from mdlp.problems.externality.layout import Layout
from solvers import LinearProgram

PRICE_TOL = 1e-9  # a column enters when its reduced cost exceeds this (objective units)
MAX_ROUNDS = 400


def _psi_profile(psis, shapes):
    """``sum_i psi_i(t_i)`` on the grid of own-type profiles ``(no_1, ..., no_n)``."""
    n = len(psis)
    S = np.zeros(shapes)
    for i, p in enumerate(psis):
        sh = [1] * n
        sh[i] = -1
        S = S + p.reshape(sh)
    return S


def threshold_marginals(psis, probs, tau=0.0):
    """Marginals ``a_i(t) = E[x | t_i = t]`` of ``x = 1{sum_i psi_i(t_i) > tau}`` under the
    product of the own-type pmfs ``probs``."""
    n = len(psis)
    x = (_psi_profile(psis, tuple(p.size for p in psis)) > tau).astype(float)
    out = []
    for i in range(n):
        y = x
        for j in reversed(range(n)):  # descending: the axes still to contract keep their index
            if j != i:
                y = np.tensordot(y, probs[j], axes=([j], [0]))
        out.append(np.asarray(y, float))
    return out


def _column(psis, probs, tau=0.0):
    return {"psi": [np.asarray(p, float) for p in psis], "tau": tau}, threshold_marginals(
        psis, probs, tau
    )


def initial_columns(L: Layout):
    """Per allocation l = (k, m): never (x = 0), always (x = 1), and the efficient rule
    ``1{W_k^m > tau}`` for a few thresholds (W_k^m = v_k^m - sum_a eta_{a<-k}^m is a sum
    of functions of each bidder's own type in Setting 1)."""
    n, g = L.n, L.g
    probs = [L.own_probs(i) for i in range(n)]
    cols = []
    for k in range(n):
        for m in range(g):
            psis = []
            for i in range(n):
                pts = L.own_points(i)
                own = L.own_axes(i)
                if i == k:
                    psis.append(pts[:, own.index(L.v_axis(k, m))])
                else:
                    psis.append(-pts[:, own.index(L.eta_axis(i, k, m))])
            zero = [np.zeros(p.size) for p in probs]
            for ps, tau in [(zero, 1.0), (zero, -1.0)] + [(psis, t) for t in (0.0, 0.2, 0.4)]:
                c, a = _column(ps, probs, tau)
                cols.append((k * g + m, c, a))
    return cols


def build_master(par, L: Layout, kind: str, columns, pairs) -> LinearProgram:
    """The master LP over the marginals ``y{i}`` (shape ``(no_i, n g)``), payments
    ``q{i}``, outside options ``w{i}`` and column weights ``lam``; IC starts from
    ``pairs[i]`` and is generated lazily."""
    n, g = L.n, L.g
    J = n * g
    lp = LinearProgram("max", kind + "-interim")
    meta = lp.meta
    meta.update(form="interim", oracles=[], columns=columns)
    Ys = []
    for i in range(n):
        no = math.prod(L.own_shape(i))
        A = L.own_coef(i)
        pi = L.own_probs(i)
        Y = lp.add_variables(f"y{i + 1}", (no, J), lb=0.0, ub=1.0)
        q = lp.add_variables(f"q{i + 1}", (no,), lb=-np.inf)
        w = lp.add_variables(f"w{i + 1}", (n - 1, g), lb=0.0, ub=1.0)
        Ys.append(Y)
        rivals = [j for j in range(n) if j != i]
        own_eta = np.stack([-A[:, j * g : (j + 1) * g] for j in rivals], 1)
        lp.add_constraints(
            f"ir{i + 1}", [(Y, A), (q[:, None], -1.0), (w[None], own_eta)], lb=0.0, shape=(no,)
        )
        if par.objective == "revenue":
            lp.add_objective(q, pi)
        else:
            lp.add_objective(Y, pi[:, None] * A)
        meta["oracles"].append(
            LazyIC(lp, f"ic{i + 1}", f"y{i + 1}", f"q{i + 1}", A, pairs[i], tol=IC_TOL)
        )
    lam = lp.add_variables("lam", (len(columns),), lb=0.0)
    ls = np.array([c[0] for c in columns])
    # per l, its columns padded to the widest (zero coefficients in the padding)
    per = [np.flatnonzero(ls == l) for l in range(J)]
    width = max(p.size for p in per)
    idx = np.array([np.pad(p, (0, width - p.size), constant_values=p[0]) for p in per])
    live = np.array([np.arange(width) < p.size for p in per], float)  # (J, width)
    lp.add_constraints("convex", [(lam[idx], live)], lb=1.0, ub=1.0, shape=(J,))
    for i in range(n):
        a = np.stack([columns[c][2][i] for c in range(len(columns))], 1)  # (no, C)
        coef = -a[:, idx] * live[None]  # (no, J, width)
        lp.add_constraints(
            f"link{i + 1}",
            [(Ys[i], 1.0), (np.broadcast_to(lam[idx], coef.shape), coef)],
            lb=0.0,
            ub=0.0,
            shape=Ys[i].shape,
        )
    return lp


def build_interim(par, L: Layout, kind: str) -> LinearProgram:
    """The first master LP: the initial columns and the start IC pairs (kept in
    ``lp.meta`` for the rounds of :func:`solve_interim`)."""
    pairs = [start_pairs(par, L, i) for i in range(L.n)]
    lp = build_master(par, L, kind, initial_columns(L), pairs)
    lp.meta["pairs"] = pairs
    return lp


def price(L: Layout, sol, lp: LinearProgram):
    """New columns (one threshold rule per allocation l whose reduced cost exceeds
    ``PRICE_TOL``) and the largest reduced cost over all 0/1 allocations."""
    n, g = L.n, L.g
    probs = [L.own_probs(i) for i in range(n)]
    # the sign convention of solvers.lp (c = A^T y + d): a column with marginals a has
    # the reduced cost d = sum_i phi_i . a_i - mu_l; d > 0 improves the (max) objective
    phi = [np.asarray(sol.dual[f"link{i + 1}"]) for i in range(n)]
    mu = np.asarray(sol.dual["convex"]).ravel()
    new, best = [], 0.0
    for l in range(n * g):
        c, a = _column([phi[i][:, l] / probs[i] for i in range(n)], probs, 0.0)
        red = sum(float(phi[i][:, l] @ a[i]) for i in range(n)) - mu[l]
        best = max(best, red)
        if red > PRICE_TOL:
            new.append((l, c, a))
    return new, best


def solve_interim(prob, lp0: LinearProgram, backend):
    """Column generation with lazy IC (see the module docstring); each round re-solves
    the master built from the columns and IC pairs so far.  Returns the last solution
    (its ``lp`` is the last master) with ``rounds``, ``rows_added`` and the pricing
    certificate in ``lp.meta``."""
    par = prob.params
    L = prob.layout()
    columns = lp0.meta["columns"]
    pairs = lp0.meta["pairs"]
    rows0 = lp0.num_rows
    lp, sol = lp0, None
    for rnd in range(1, MAX_ROUNDS + 1):
        if rnd > 1:
            lp = build_master(par, L, prob.kind, columns, pairs)
        sol = backend.solve(lp)
        sol.rounds = rnd
        if not sol.ok:
            break
        ic_viol = combine_oracles(*lp.meta["oracles"])(sol, lp)
        pairs = [o.pairs()[:2] for o in lp.meta["oracles"]]
        new, best = price(L, sol, lp)
        lp.meta.update(pricing=best, ic_violation=ic_viol)
        if ic_viol <= IC_TOL and not new:
            break
        columns = columns + new
    else:
        sol.status = "iteration_limit"
        sol.message = f"column generation did not converge in {MAX_ROUNDS} rounds"
    sol.rows_added = max(0, lp.num_rows - rows0)
    return sol


def assemble_x(L: Layout, lp: LinearProgram, sol) -> np.ndarray:
    """The ex-post allocation ``x_l = sum_c lam_c 1{sum_i psi_i^c > tau_c}``, shaped
    ``(n, g) + profile shape``."""
    n, g = L.n, L.g
    lam = np.asarray(sol.x["lam"])
    shapes = tuple(math.prod(L.own_shape(i)) for i in range(n))
    x = np.zeros((n * g,) + shapes)
    for c, (l, col, _) in enumerate(lp.meta["columns"]):
        if lam[c] > 1e-12:
            x[l] += lam[c] * (_psi_profile(col["psi"], shapes) > col["tau"])
    return x.reshape((n, g) + L.shape)
