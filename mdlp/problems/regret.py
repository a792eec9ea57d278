"""Minimax-regret pricing (one buyer, J items) and auctions (I bidders, J items)
(Koçyiğit (2020), Distributional Robustness in Mechanism Design, chapters 2 and 3; closed forms in
:mod:`mdlp.theory.regret`).

``regret_pricing`` is the discrete LP (2.6): variables ``q[v, j] in [0, 1]``, ``m[v]``
free, ``r`` free; minimise ``r`` subject to the regret rows ``r + m(v) - q(v).c >= sum_j
(v_j - c_j)^+`` (dual ``alpha``: nature's mixed strategy), IR and IC.  ``formulation: dual``
builds (2.7) directly.  ``mechanism: deterministic`` makes ``q`` binary (a MIP: the
posted-price problem (2.15)).

Grids.  Each item's axis is its value box ``[lower_j, upper_j]`` (``lower`` defaults to 0,
the thesis's box) with the configured placement.  ``grid_from: cost`` starts the axis at
``max(lower_j, c_j)`` instead: with ``placement: endpoints`` that is the thesis's grid
``V_n = {c_j + (k/n)(u_j - c_j)}`` of (2.5), on which mdlp knows the exact grid value.
Every grid lies inside the box, so by Lemma 2.3.2 its optimum is ``<= z*``.

Why adjacent IC is exact for ``J = 1`` (and for each bidder's own coordinate in the
auction with ``J = 1``): the type is one-dimensional and utility ``v q - m`` has increasing
differences in ``(v, q)``.  Adjacent IC in both directions gives ``x_{k+1} (q_{k+1} - q_k) >=
m_{k+1} - m_k >= x_k (q_{k+1} - q_k)``, hence ``q`` non-decreasing, and summing the
down-inequalities from ``k`` to ``l > k`` gives ``m_l - m_k <= sum x_{i+1}(q_{i+1} - q_i) <=
x_l (q_l - q_k)`` (and the same upwards), which is IC between ``k`` and ``l``.  The
certificate re-checks every pair anyway.  For ``J >= 2`` there is no such chain.
``ic: auto`` then first tries a saddle point (:meth:`RegretPricing._solve_by_saddle_point`,
the structure of the thesis's proof of Theorem 2.3.2 carried to the grid): the separable
mechanism of the per-item grid optima is IC on all pairs and gives an upper bound; the LP
restricted to the types of nature's comonotone law (all IC pairs among them), grown by type
generation, gives a lower bound; when they meet (to ``1e-9``) the separable mechanism is a
certified optimum of the full LP and comes back with a full dual (nature's ``alpha``).
Otherwise (and with ``ic: rowgen`` or ``mechanism: deterministic``) IC starts from the
neighbours along each axis (``ROWGEN_START``; 2.6x faster than the box neighbours at J = 2,
K = 41, where the first solve dominates) and a separation oracle scans all ``n (n - 1)``
ordered pairs in vectorised chunks, adding the most violated report of every type, until
no pair is violated by more than ``1e-9``.  Measured (benchmarks/performance/regret_pricing.csv):
J = 2, K = 101 in about 5 s and J = 3, K = 21 in about 3 s by the saddle point, against
a few seconds for row generation at J = 2, K = 31 and 28 s for all pairs at J = 2, K = 21.
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grids import Axis, ProductSpace
from mdlp.builder import exact_ic_check, ic_certificate, ic_rows, pair_set
from mdlp.config import Strict
from mdlp.problems.base import DeferredTable, Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import regret as T
from solvers import LinearProgram, Solution
from solvers.rowgen import solve_with_row_generation

ALL_PAIRS_LIMIT = 60_000_000  # ordered pairs handed to HiGHS at once (ic: all_pairs)
ROWGEN_START = "axis"  # row generation starts from "axis" neighbours or "box" (king move)
# ones; measured at J = 2, K = 41 (simplex): axis 6.4 s CPU, box 17.0 s (first solve dominates)
TYPEGEN_ROUNDS = 20  # saddle-point path: rounds of type generation before row generation
TYPEGEN_BATCH = 40  # types added per round
TYPEGEN_MAX_TYPES = 600  # restricted LP keeps all |S| (|S| - 1) IC pairs


# --- shared helpers ----------------------------------------------------------------------
def _pricing_lp(X, c, integer=False):
    """Variables, regret rows and IR of the primal (2.6) on the profiles ``X`` (no IC)."""
    n, J = X.shape
    bench = np.maximum(X - c, 0.0).sum(1)
    lp = LinearProgram("min", "regret_pricing")
    q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, integer=integer)
    m = lp.add_variables("m", (n,), lb=-np.inf)
    r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
    lp.add_constraints(
        "regret", [(np.full(n, int(r)), 1.0), (m, 1.0), (q, -c[None, :])], lb=bench, shape=(n,)
    )
    lp.add_constraints("ir", [(q, X), (m, -1.0)], lb=0.0, shape=(n,))
    return lp, q, m


def _one_item_lp(x, c, backend):
    """One item's grid optimum on the sorted points ``x`` with adjacent IC (exact for one
    item): ``{"q", "m", "alpha", "value"}`` or ``None`` if the solve fails."""
    X = np.asarray(x, dtype=float)[:, None]
    lp, q, m = _pricing_lp(X, np.array([c]))
    k = np.arange(X.shape[0] - 1)
    ic_rows(lp, "ic", q, m, X, k + 1, k, append=True)
    ic_rows(lp, "ic", q, m, X, k, k + 1, append=True)
    sol = backend.solve(lp)
    if not sol.ok or "regret" not in sol.dual:
        return None
    return {
        "q": sol.x["q"][:, 0],
        "m": sol.x["m"],
        "alpha": np.maximum(sol.dual["regret"], 0.0),
        "value": float(sol.objective),
    }


def _menu_extension(X, qS, mS, c):
    """Extend a menu ``(qS, mS)`` to the profiles ``X`` by the taxation principle: each
    profile takes its best entry of the menu plus the outside option ``(0, 0)``, ties broken
    toward the seller's larger profit ``m - q.c``.  IC on all pairs and IR by construction
    (up to the 1e-12 tie window)."""
    qS = np.vstack([qS, np.zeros((1, qS.shape[1]))])
    mS = np.append(mS, 0.0)
    U = X @ qS.T - mS[None, :]
    best = U.max(1, keepdims=True)
    profit = mS - qS @ c
    score = np.where(U >= best - 1e-12, profit[None, :], -np.inf)
    k = score.argmax(1)
    return qS[k], mS[k]


def _comonotone_support(alphas, shape) -> np.ndarray:
    """Flat grid indices of the support of the comonotone (quantile) coupling of the laws
    ``alphas[j]`` on the axes of a grid of ``shape``: for every level ``t`` in (0, 1], the
    profile of the per-item ``t``-quantiles (at most ``sum_j K_j`` distinct profiles)."""
    cdfs = [np.cumsum(a) / max(float(a.sum()), 1e-300) for a in alphas]
    cuts = np.unique(np.concatenate([np.clip(F, 0.0, 1.0) for F in cdfs] + [[0.0, 1.0]]))
    mids = 0.5 * (cuts[:-1] + cuts[1:])
    mids = mids[cuts[1:] - cuts[:-1] > 1e-13]
    idx = [np.minimum(np.searchsorted(F, mids), F.size - 1) for F in cdfs]
    return np.unique(np.ravel_multi_index(tuple(idx), shape))


def add_ic_rows(lp, shape, q, m, X, mode: str) -> None:
    """The IC rows of a one-buyer menu LP on a product grid of ``shape``: ``adjacent`` (one
    item: neighbours, both directions; exact with a monotone allocation), ``rowgen`` (the
    axis neighbours row generation starts from) or ``all_pairs``."""
    pairs = {"adjacent": "adjacent", "rowgen": "axis"}.get(mode, "all")
    ic_rows(lp, "ic", q, m, X, *pair_set(shape, pairs), append=True)


def bayesian_profit(X, alpha, cost, backend=None) -> float:
    """The seller's best expected profit ``E_alpha[m - q.c]`` over IC (all pairs) and IR
    mechanisms on the profiles ``X`` - a separate LP used to check the minimax dual:
    ``E_alpha[benchmark] - bayesian_profit(alpha)`` must equal the regret optimum."""
    from solvers import get_backend

    n, J = X.shape
    lp = LinearProgram("max", "bayes_profit")
    q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, cost=-alpha[:, None] * cost[None, :])
    m = lp.add_variables("m", (n,), lb=-np.inf, cost=alpha)
    lp.add_constraints("ir", [(q, X), (m, -1.0)], lb=0.0, shape=(n,))
    A, B = np.nonzero(~np.eye(n, dtype=bool))
    ic_rows(lp, "ic", q, m, X, A, B, append=True)
    sol = (backend or get_backend("highs", threads=1)).solve(lp).require_optimal()
    return float(sol.objective)


# --- regret_pricing ----------------------------------------------------------------------
class RegretPricingParams(Strict):
    upper: list[float] = Field(min_length=1, max_length=4, description="upper value bound per item")
    cost: list[float] | None = Field(None, description="seller's cost per item (default 0)")
    lower: list[float] | None = Field(
        None, description="lower value bound per item (default 0; mdlp's extension)"
    )
    mechanism: Literal["randomized", "deterministic"] = "randomized"
    formulation: Literal["primal", "dual"] = "primal"
    grid_from: Literal["box", "cost"] = "box"
    ic: Literal["auto", "adjacent", "rowgen", "all_pairs"] = "auto"

    @model_validator(mode="after")
    def _check(self):
        J = len(self.upper)
        if self.cost is None:
            self.cost = [0.0] * J
        if self.lower is None:
            self.lower = [0.0] * J
        if len(self.cost) != J:
            raise ValueError(f"cost needs one entry per item ({J}), got {len(self.cost)}")
        if len(self.lower) != J:
            raise ValueError(f"lower needs one entry per item ({J}), got {len(self.lower)}")
        for j in range(J):
            if not 0 <= self.cost[j] < self.upper[j]:
                raise ValueError(f"need 0 <= cost < upper for item {j + 1}")
            if not 0 <= self.lower[j] < self.upper[j]:
                raise ValueError(f"need 0 <= lower < upper for item {j + 1}")
        if self.ic == "adjacent" and J > 1:
            raise ValueError("ic: adjacent is exact only for one item; use auto or rowgen")
        if self.formulation == "dual" and self.mechanism == "deterministic":
            raise ValueError("the dual (2.7) exists for the randomized LP only")
        return self

    @property
    def thesis_box(self) -> bool:
        return all(a == 0 for a in self.lower)


@register
class RegretPricing(Problem):
    kind = "regret_pricing"
    title = "Minimax-regret multi-item pricing (one buyer)"
    source = T.SOURCE
    Params = RegretPricingParams
    default_placement = "endpoints"  # the thesis grid V_n of (2.5): template and theorems
    certificate_tolerance = 1e-7

    # --- grid ---------------------------------------------------------------------------
    def axes(self) -> list[Axis]:
        p = self.params
        out = []
        for u, c, a in zip(p.upper, p.cost, p.lower, strict=True):
            low = max(a, c) if p.grid_from == "cost" else a
            out.append(Axis.uniform(low, u, self.grid.points, self.grid.placement))
        return out

    def space(self) -> ProductSpace:
        return ProductSpace(self.axes())

    def _arrays(self):
        sp = self.space()
        X = sp.points()
        c = np.asarray(self.params.cost, dtype=float)
        bench = np.maximum(X - c, 0.0).sum(1)
        return sp, X, c, bench

    def _ic_mode(self) -> str:
        mode = self.params.ic
        if mode == "auto":
            return "adjacent" if len(self.params.upper) == 1 else "rowgen"
        return mode

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        if self.params.formulation == "dual":
            return self.build_dual()
        sp, X, c, bench = self._arrays()
        n, J = X.shape
        det = self.params.mechanism == "deterministic"
        lp = LinearProgram("min", self.kind)
        q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, integer=det)
        m = lp.add_variables("m", (n,), lb=-np.inf)
        r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
        # regret rows (dual alpha): r + m(v) - q(v).c >= sum_j (v_j - c_j)^+
        lp.add_constraints(
            "regret", [(np.full(n, int(r)), 1.0), (m, 1.0), (q, -c[None, :])], lb=bench, shape=(n,)
        )
        lp.add_constraints("ir", [(q, X), (m, -1.0)], lb=0.0, shape=(n,))
        mode = self._ic_mode()
        if mode == "all_pairs" and n * (n - 1) > ALL_PAIRS_LIMIT:
            raise ValueError(f"ic: all_pairs would add {n * (n - 1):,} rows; use auto")
        add_ic_rows(lp, sp.shape, q, m, X, mode)
        return lp

    def build_dual(self) -> LinearProgram:
        """The dual LP (2.7): nature's ``alpha`` and the multipliers ``beta`` (IR),
        ``gamma[v, w]`` (IC: type ``v`` does not report ``w``; all ordered pairs, the
        diagonal fixed at 0) and ``lambda`` (``q <= 1``)."""
        sp, X, c, bench = self._arrays()
        n, J = X.shape
        if n > 2_000:
            raise ValueError("formulation: dual keeps all n^2 pairs; use at most 2000 types")
        lp = LinearProgram("max", self.kind + "_dual")
        alpha = lp.add_variables("alpha", (n,), lb=0.0, cost=bench)
        beta = lp.add_variables("beta", (n,), lb=0.0)
        gamma = lp.add_variables("gamma", (n, n), lb=0.0, ub=np.where(np.eye(n) > 0, 0.0, np.inf))
        gamma_t = gamma.T
        lam = lp.add_variables("lambda", (n, J), lb=0.0, cost=-1.0)
        lp.add_constraints("normalise", [(alpha, 1.0)], lb=1.0, ub=1.0, shape=())
        # column m(v):  beta(v) + sum_w gamma(v, w) - sum_w gamma(w, v) = alpha(v)
        lp.add_constraints(
            "m",
            [(beta, 1.0), (alpha, -1.0), (gamma, 1.0), (gamma_t, -1.0)],
            lb=0.0,
            ub=0.0,
            shape=(n,),
        )
        # column q_j(v) >= 0:  lambda_j(v) + alpha(v) c_j - beta(v) v_j
        #                      - sum_w gamma(v, w) v_j + sum_w gamma(w, v) w_j >= 0
        lp.add_constraints(
            "q",
            [
                (lam, 1.0),
                (alpha[:, None], c[None, :]),
                (beta[:, None], -X),
                (gamma[:, None, :], -X[:, :, None]),
                (gamma_t[:, None, :], X.T[None, :, :]),
            ],
            lb=0.0,
            shape=(n, J),
        )
        return lp

    # --- solving --------------------------------------------------------------------------
    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        if self.params.formulation == "dual" or self._ic_mode() != "rowgen":
            return backend.solve(lp)
        self.rowgen_history = []
        self.ic_path = "rowgen"
        if self.params.ic == "auto" and self.params.mechanism == "randomized":
            sol = self._solve_by_saddle_point(lp, backend)
            if sol is not None:
                return sol
        return self._solve_by_row_generation(lp, backend)

    def _solve_by_saddle_point(self, lp: LinearProgram, backend) -> Solution | None:
        """Certify the grid optimum by a saddle point, as in the proof of Theorem 2.3.2, and
        return ``None`` when the two bounds do not meet (the caller then row-generates).

        Upper bound: the separable mechanism made of each item's own one-item grid optimum
        (one-item LPs with adjacent IC, exact for one item - see the module docstring).
        Its regret is ``sum_j z_j`` because benchmark and payment are both sums over items,
        and it is IC on ALL pairs because utility is a sum of per-item utilities, each IC;
        both facts are re-checked numerically on the whole grid here (and again, from the
        arrays, in :meth:`interpret`).

        Lower bound: drop every type outside a set ``S`` (its variables and rows).  That is
        a relaxation - a dual solution of the restricted LP, extended by zeros, is dual
        feasible for the full LP, because a dropped type's columns ``q(v), m(v)`` have cost
        0 and meet only rows whose multipliers are 0.  ``S`` is the support of the
        comonotone (quantile) coupling of the per-item worst-case laws ``alpha_j`` (the
        regret-row duals of the one-item LPs) - nature's strategy of Theorem 2.3.2 on the
        grid - and the restricted LP keeps IC between ALL pairs of ``S`` (``|S| <= sum_j
        K_j``).  When ``value(S) >= sum_j z_j - tol`` the separable mechanism is optimal for
        the full LP; the IC rows of ``S`` with nonzero multipliers are appended to ``lp`` so
        that the returned solution carries a full primal-dual pair (``sol.dual["regret"]``
        is nature's comonotone ``alpha``).  This happens on every grid where the thesis's
        argument goes through (e.g. ``grid_from: cost`` endpoints grids, and the box grid
        with zero costs); elsewhere the bounds may differ and row generation decides.
        """
        t0 = time.perf_counter()
        sp, X, c, bench = self._arrays()
        n, J = X.shape
        axes = self.axes()
        items = [
            _one_item_lp(ax.points, float(cj), backend) for ax, cj in zip(axes, c, strict=True)
        ]
        if any(it is None for it in items):
            return None
        t_items = time.perf_counter() - t0
        # the separable mechanism on the full grid
        multi = np.unravel_index(np.arange(n), sp.shape)
        q = np.stack([items[j]["q"][multi[j]] for j in range(J)], axis=1)
        m = np.sum([items[j]["m"][multi[j]] for j in range(J)], axis=0)
        regret = bench - (m - q @ c)
        upper = float(regret.max())
        ic = max(0.0, ic_certificate(X, q, m)[0])
        ir = float((m - (q * X).sum(1)).max())
        t_ub = time.perf_counter() - t0 - t_items
        # nature: comonotone coupling of the one-item worst-case laws, then type generation
        S = _comonotone_support([it["alpha"] for it in items], sp.shape)
        tol = 1e-9 * max(1.0, abs(upper))
        self.rowgen_history = []
        for rnd in range(1, TYPEGEN_ROUNDS + 1):
            t1 = time.perf_counter()
            XS = X[S]
            rlp, rq, rm = _pricing_lp(XS, c)
            A, B = np.nonzero(~np.eye(S.size, dtype=bool))
            ic_rows(rlp, "ic", rq, rm, XS, A, B, append=True)
            rsol = backend.solve(rlp)
            if not rsol.ok:
                return None
            lower = float(rsol.objective)
            entry = {
                "round": rnd,
                "path": "saddle",
                "rows": lp.num_rows,
                "added": 0,
                "objective": upper,
                "lower_bound": lower,
                "support": int(S.size),
                "violation": ic,
                "items_s": t_items,
                "upper_s": t_ub,
                "lower_s": time.perf_counter() - t1,
            }
            self.rowgen_history.append(entry)
            if upper - lower <= tol:
                break
            # taxation principle: every grid type picks its best menu of S (or (0, 0));
            # IC on all pairs and IR by construction, so its regret is an upper bound
            qe, me = _menu_extension(X, rsol.x["q"], rsol.x["m"], c)
            reg_e = bench - (me - qe @ c)
            if reg_e.max() < upper:
                ic_e = max(0.0, ic_certificate(X, qe, me)[0])
                if ic_e <= 1e-9:
                    q, m, regret, upper, ic = qe, me, reg_e, float(reg_e.max()), ic_e
                    ir = float((m - (q * X).sum(1)).max())
                    entry["objective"] = upper
                    if upper - lower <= tol:
                        break
            # add the types the extension serves worst (they bound the relaxation)
            order = np.argsort(-reg_e)
            new = np.setdiff1d(order[: TYPEGEN_BATCH * 2], S)[:TYPEGEN_BATCH]
            new = new[reg_e[new] > lower + tol]
            if new.size == 0 or S.size + new.size > TYPEGEN_MAX_TYPES:
                return None
            S = np.union1d(S, new)
        else:
            return None
        if ic > 1e-9 or ir > 1e-9:
            return None
        # a full primal-dual pair: append the IC rows of S that carry a multiplier
        y_ic = rsol.dual["ic"]
        act = np.abs(y_ic) > 0
        a, b = S[A[act]], S[B[act]]
        before = lp.num_rows
        qc, mc = lp.variables["q"].indices.reshape(n, J), lp.variables["m"].indices
        ic_rows(lp, "ic", qc, mc, X, a, b, append=True)
        y = np.zeros(lp.num_rows)
        y[lp.rows["regret"].indices[S]] = rsol.dual["regret"]
        y[lp.rows["ir"].indices[S]] = rsol.dual["ir"]
        y[np.arange(before, lp.num_rows)] = y_ic[act]
        d = lp.cost - lp.matrix("csc").T @ y
        x = np.zeros(lp.num_cols)
        x[lp.variables["q"].indices.reshape(n, J)] = q
        x[lp.variables["m"].indices] = m
        x[lp.variables["r"].indices] = upper
        entry["added"] = lp.num_rows - before
        entry["solve_s"] = time.perf_counter() - t0
        self.ic_path = "saddle"
        sol = Solution.from_flat(
            lp,
            "optimal",
            getattr(backend, "name", "highs"),  # the backend that solved the small LPs
            upper,
            x,
            y,
            d,
            solve_s=entry["solve_s"],
            method="saddle",
        )
        sol.rounds = len(self.rowgen_history)
        sol.rows_added = entry["added"]
        return sol

    def _solve_by_row_generation(self, lp: LinearProgram, backend) -> Solution:
        sp, X, c, bench = self._arrays()
        n = X.shape[0]
        qc = lp.variables["q"].indices.reshape(n, -1)
        mc = lp.variables["m"].indices
        a0, b0 = pair_set(sp.shape, ROWGEN_START)
        in_lp = set((a0 * n + b0).tolist())

        def separate(sol, lp_):
            q = sol.x["q"].reshape(n, -1)
            m = sol.x["m"]
            own = (q * X).sum(1) - m
            rows = max(1, 2_000_000 // n)
            worst, new_a, new_b = 0.0, [], []
            for s in range(0, n, rows):
                V = X[s : s + rows] @ q.T - m[None, :] - own[s : s + rows, None]
                b = V.argmax(1)
                v = V[np.arange(b.size), b]
                a = np.arange(s, s + b.size)
                key = a * n + b
                fresh = np.array([k not in in_lp for k in key.tolist()], dtype=bool)
                hit = fresh & (v > 1e-9)
                if np.any(fresh):
                    worst = max(worst, float(v[fresh].max()))
                new_a.append(a[hit])
                new_b.append(b[hit])
            a = np.concatenate(new_a)
            b = np.concatenate(new_b)
            in_lp.update((a * n + b).tolist())
            ic_rows(lp_, "ic", qc, mc, X, a, b, append=True)
            return worst

        res = solve_with_row_generation(lp, separate, backend, tol=1e-9)
        self.rowgen_history += res.history
        return res.solution

    def exact_omitted_rows(self, lp: LinearProgram, x):
        """IC between all pairs, exactly (:func:`mdlp.builder.exact_ic_check`)."""
        return exact_ic_check(lp, self._arrays()[1], x)

    def optimality_certificate(self, lp: LinearProgram, sol: Solution):
        """On the saddle-point path the primal is the separable mechanism and the dual the
        restricted type set's duals extended by zero (see _solve_by_saddle_point); the
        certificate checks that pair on the LP with the IC rows it appended."""
        cert = super().optimality_certificate(lp, sol)
        if getattr(self, "ic_path", "") == "saddle" and sol.method == "saddle":
            cert.message = (
                "saddle point: primal = the separable mechanism, dual = the duals of the LP "
                "restricted to nature's support, extended by zero"
            )
        return cert

    # --- reading the solution back ------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        sp, X, c, bench = self._arrays()
        n, J = X.shape
        p = self.params
        cols = {f"v{j + 1}": X[:, j] for j in range(J)}
        extras: dict = {}
        if p.formulation == "dual":
            alpha = sol.x["alpha"]
            cert = {
                "alpha_nonneg": float(max(0.0, -alpha.min())),
                "alpha_sum": abs(float(alpha.sum()) - 1.0),
            }
            cols["alpha"] = alpha
            import pandas as pd

            wc = pd.DataFrame({**{k: v for k, v in cols.items()}, "prob": alpha})
            extras["alpha_support"] = int((alpha > 1e-9).sum())
            return Interpretation(pd.DataFrame(cols), cert, extras, wc[wc.prob > 1e-12])
        q = sol.x["q"].reshape(n, J)
        m = sol.x["m"]
        regret = bench - (m - q @ c)
        cert = {
            "ic": max(0.0, ic_certificate(X, q, m)[0]),
            "ir": max(0.0, float((m - (q * X).sum(1)).max())),
            "bounds": float(max(0.0, -q.min(), (q - 1).max())),
            "regret": max(0.0, float(regret.max() - sol.objective)),
        }
        if p.mechanism == "deterministic":
            cert["integrality"] = float(np.abs(q - np.round(q)).max())
        for j in range(J):
            cols[f"q{j + 1}"] = q[:, j]
        cols["m"] = m
        cols["regret"] = regret
        worst = None
        extras["worst_case_regret"] = float(regret.max())
        if "regret" in sol.dual:
            alpha = sol.dual["regret"]
            cols["alpha"] = alpha
            extras["alpha_sum"] = float(alpha.sum())
            extras["alpha_min"] = float(alpha.min())
            extras["alpha_support"] = int((alpha > 1e-9).sum())
            wc = {**{f"v{j + 1}": X[:, j] for j in range(J)}, "prob": alpha}
            worst = DeferredTable(wc, keep=alpha > 1e-12)
        # the closed-form mechanism (2.3) on this grid (continuum optimum, evaluated here)
        qs, ms = T.separable_mechanism(X, p.upper, p.cost, p.lower)
        extras["separable_2_3_regret"] = float((bench - (ms - qs @ c)).max())
        extras["separable_2_3_ic"] = max(0.0, ic_certificate(X, qs, ms)[0])
        # how far the LP's allocation is from separable (reported, not asserted)
        grid_q = q.reshape(sp.shape + (J,))
        dev = 0.0
        for j in range(J):
            other = tuple(d for d in range(J) if d != j)
            qj = grid_q[..., j]
            if other:
                dev = max(dev, float(np.abs(qj - qj.mean(axis=other, keepdims=True)).max()))
        extras["non_separability"] = dev
        if getattr(self, "ic_path", None):
            extras["ic_path"] = self.ic_path
        if getattr(self, "rowgen_history", None):
            extras["rowgen_rounds"] = len(self.rowgen_history)
            extras["rowgen_rows_added"] = int(sum(h["added"] for h in self.rowgen_history))
        return Interpretation(DeferredTable(cols), cert, extras, worst)

    # --- closed forms -------------------------------------------------------------------
    def grid_exact(self) -> float | None:
        """The exact grid value where mdlp knows it (see :mod:`mdlp.theory.regret`)."""
        p = self.params
        axes = self.axes()
        if len(axes) == 1:
            f = T.grid_regret_1item if p.mechanism == "randomized" else T.grid_deterministic_1item
            return f(axes[0].points, p.cost[0])
        thesis = (
            p.mechanism == "randomized"
            and p.grid_from == "cost"
            and self.grid.placement == "endpoints"
            and all(a <= c for a, c in zip(p.lower, p.cost, strict=True))
        )
        if thesis:
            d = sum(u - c for u, c in zip(p.upper, p.cost, strict=True))
            return d * T.thesis_grid_unit(self.grid.points - 1)
        return None

    def scope(self) -> tuple[str, str]:
        """Deterministic mechanisms (binary allocations, a MIP) are a restricted class."""
        if self.params.mechanism == "deterministic":
            return "restricted optimum", "minimax regret over deterministic mechanisms"
        return "optimum", "minimax regret over all (randomized) IC, IR mechanisms"

    def theory(self) -> list[TheoryValue]:
        p = self.params
        src = T.SOURCE
        det = p.mechanism == "deterministic"
        scale = sum(p.upper)
        tol = 1e-7 * max(1.0, scale)
        out: list[TheoryValue] = []
        exact = self.grid_exact()
        if det:
            cont = T.deterministic_regret(p.upper, p.cost, p.lower)
            csrc = f"{src}, Theorem 2.4.1: (1/2) sum (u - c), posted prices (u + c)/2"
        else:
            cont = T.minimax_regret(p.upper, p.cost, p.lower)
            csrc = f"{src}, Theorem 2.3.1: z* = (1/e) sum (u - c)"
        if not p.thesis_box:
            csrc = f"{src} + mdlp's derivation (lower bounds; mdlp/theory/regret.py)"
            if len(p.upper) > 1:
                csrc += "; separable value, an upper bound for J >= 2"
        if exact is not None:
            label = "grid-exact value"
            why = (
                "mdlp: dual (2.8) equal-revenue argument, one item"
                if len(p.upper) == 1
                else "mdlp: thesis grid V_n, (sum d) x one-item value"
            )
            if det:
                why = "mdlp: best posted price at a grid point"
            out.append(TheoryValue(exact, f"{src}, {why}", label, "equal", tol))
            # randomized: Lemma 2.3.2 bounds every grid optimum by z*; the deterministic
            # grid value only converges to (u - c)/2 (no bound on every grid is proven)
            if det:
                out.append(TheoryValue(cont, csrc, "continuum value", "equal", tol, limit=True))
            else:
                out.append(TheoryValue(cont, csrc, "continuum value", "upper", tol))
        else:
            out.append(
                TheoryValue(
                    cont,
                    csrc + " (Lemma 2.3.2: grid optimum <= z*)",
                    "continuum value",
                    "upper",
                    tol,
                )
            )
        if not det:
            # randomized grid optimum <= z* (Lemma 2.3.2) <= deterministic value (ratio e/2)
            out.append(
                TheoryValue(
                    T.deterministic_regret(p.upper, p.cost, p.lower),
                    f"{src}, Theorem 2.4.1 (deterministic; ratio e/2, Corollary 2.4.1)",
                    "deterministic value (an upper bound: z* <= it)",
                    "upper",
                    tol,
                )
            )
        return out


# --- regret_auction ----------------------------------------------------------------------
class RegretAuctionParams(Strict):
    bidders: int = Field(2, ge=1, le=6)
    upper: list[float] = Field(min_length=1, max_length=3)
    mechanism: Literal["randomized", "deterministic"] = "randomized"

    @model_validator(mode="after")
    def _check(self):
        if any(u <= 0 for u in self.upper):
            raise ValueError("upper bounds must be positive")
        return self


@register
class RegretAuction(Problem):
    kind = "regret_auction"
    title = "Minimax-regret multi-bidder multi-item auction"
    source = T.SOURCE
    Params = RegretAuctionParams
    default_placement = "endpoints"  # 0 on the grid, where the grid value is exact

    def space(self) -> ProductSpace:
        p = self.params
        axes = [
            Axis.uniform(0.0, u, self.grid.points, self.grid.placement)
            for _ in range(p.bidders)
            for u in p.upper
        ]
        return ProductSpace(axes)

    def _arrays(self):
        p = self.params
        I, J = p.bidders, len(p.upper)
        sp = self.space()
        n = sp.size
        V = sp.points().reshape(n, I, J)  # axis order (bidder, item)
        return sp, V, I, J

    def build(self) -> LinearProgram:
        sp, V, I, J = self._arrays()
        n = sp.size
        det = self.params.mechanism == "deterministic"
        bench = V.max(axis=1).sum(1)
        lp = LinearProgram("min", self.kind)
        q = lp.add_variables("q", (n, I, J), lb=0.0, ub=1.0, integer=det)
        m = lp.add_variables("m", (n, I), lb=-np.inf)
        r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
        lp.add_constraints("regret", [(np.full(n, int(r)), 1.0), (m, 1.0)], lb=bench, shape=(n,))
        lp.add_constraints("ir", [(q, V), (m, -1.0)], lb=0.0, shape=(n, I))
        lp.add_constraints("inventory", [(np.swapaxes(q, 1, 2), 1.0)], ub=1.0, shape=(n, J))
        idx = sp.indices()
        K = self.grid.points
        for i in range(I):
            own_axes = list(range(i * J, (i + 1) * J))
            if J == 1:
                # one-dimensional own type: adjacent IC per opponent profile is exact
                lo, hi = sp.neighbours(own_axes[0])
                pairs = [(hi.ravel(), lo.ravel()), (lo.ravel(), hi.ravel())]
            else:
                # all pairs of own types for every opponent profile (small grids only)
                other = [d for d in range(I * J) if d not in own_axes]
                blk = np.transpose(idx, other + own_axes).reshape(-1, K**J)  # (opp, own)
                A, B = np.nonzero(~np.eye(K**J, dtype=bool))
                a = blk[:, A].ravel()
                b = blk[:, B].ravel()
                if a.size > 20_000_000:
                    raise ValueError("regret_auction with J >= 2 needs a smaller grid")
                pairs = [(a, b)]
            for a, b in pairs:
                x = V[a, i, :]
                lp.add_constraints(
                    "ic",
                    [(q[a, i, :], x), (q[b, i, :], -x), (m[a, i], -1.0), (m[b, i], 1.0)],
                    lb=0.0,
                    shape=(a.size,),
                    append=True,  # one 1-D block: every bidder's pairs, in turn
                )
        return lp

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        sp, V, I, J = self._arrays()
        n = sp.size
        q = sol.x["q"].reshape(n, I, J)
        m = sol.x["m"].reshape(n, I)
        bench = V.max(axis=1).sum(1)
        regret = bench - m.sum(1)
        grid_shape = sp.shape
        ic = 0.0
        K = self.grid.points
        idx = sp.indices()
        for i in range(I):
            own_axes = list(range(i * J, (i + 1) * J))
            other = [d for d in range(I * J) if d not in own_axes]
            blk = np.transpose(idx, other + own_axes).reshape(-1, K**J)
            for row in range(0, blk.shape[0], max(1, 200_000 // (K ** (2 * J)))):
                B = blk[row : row + max(1, 200_000 // (K ** (2 * J)))]  # (o, own)
                x = V[B, i, :]  # (o, own, J)
                qq, mm = q[B, i, :], m[B, i]
                U = np.einsum("oaj,obj->oab", x, qq) - mm[:, None, :]
                own = np.einsum("oaa->oa", U)
                ic = max(ic, float((U - own[:, :, None]).max()))
        cert = {
            "ic": max(ic, 0.0),
            "ir": max(0.0, float((m - (q * V).sum(2)).max())),
            "inventory": max(0.0, float((q.sum(1) - 1).max()), float(-q.min())),
            "regret": max(0.0, float(regret.max() - sol.objective)),
        }
        del grid_shape
        cols = {}
        for i in range(I):
            for j in range(J):
                cols[f"v{i + 1}_{j + 1}"] = V[:, i, j]
        for i in range(I):
            for j in range(J):
                cols[f"q{i + 1}_{j + 1}"] = q[:, i, j]
            cols[f"m{i + 1}"] = m[:, i]
        cols["regret"] = regret
        extras = {"worst_case_regret": float(regret.max())}
        qs, ms = T.auction_mechanism(V, self.params.upper)
        extras["mechanism_3_2_regret"] = float((bench - ms.sum(1)).max())
        worst = None
        if "regret" in sol.dual:
            alpha = sol.dual["regret"]
            extras["alpha_sum"] = float(alpha.sum())
            wc = {k: cols[k] for k in cols if k.startswith("v")} | {"prob": alpha}
            worst = DeferredTable(wc, keep=alpha > 1e-12)
        return Interpretation(DeferredTable(cols), cert, extras, worst)

    def scope(self) -> tuple[str, str]:
        """Deterministic mechanisms (binary allocations, a MIP) are a restricted class."""
        if self.params.mechanism == "deterministic":
            return "restricted optimum", "minimax regret over deterministic mechanisms"
        return "optimum", "minimax regret over all (randomized) IC, IR mechanisms"

    def theory(self) -> list[TheoryValue]:
        p = self.params
        src = T.SOURCE
        det = p.mechanism == "deterministic"
        tol = 1e-7 * max(1.0, sum(p.upper))
        if det:
            cont = sum(p.upper) / 2
            csrc = f"{src} + mdlp's derivation: second price with reserve u/2, sum u/2"
        else:
            cont = sum(p.upper) / math.e
            csrc = f"{src}, Proposition 3.3.2 / Theorem 3.3.1: sum u/e, independent of I"
        out = []
        includes_zero = self.grid.placement in ("endpoints", "left")
        exact = None
        if includes_zero and (len(p.upper) == 1 or not det):
            # mdlp: grid value = single-buyer grid value (random-reserve second price from
            # above; nature's (3.6) with the others at 0 from below)
            n = self.grid.points - 1
            if self.grid.placement == "endpoints" and not det:
                exact = sum(p.upper) * T.thesis_grid_unit(n)
            elif len(p.upper) == 1:
                pts = Axis.uniform(0.0, p.upper[0], self.grid.points, self.grid.placement).points
                f = T.grid_deterministic_1item if det else T.grid_regret_1item
                exact = f(pts, 0.0)
        if exact is not None:
            out.append(
                TheoryValue(
                    exact,
                    f"{src} + mdlp: equals the single-buyer grid value (grid contains 0)",
                    "grid-exact value",
                    "equal",
                    tol,
                )
            )
            if det:
                out.append(TheoryValue(cont, csrc, "continuum value", "equal", tol, limit=True))
            else:  # Lemma 2.3.2 on the single-buyer grid value
                out.append(TheoryValue(cont, csrc, "continuum value", "upper", tol))
        else:
            out.append(TheoryValue(cont, csrc, "continuum value", "upper", tol))
        return out


# --- the theorem table (mdlp check) ----------------------------------------------------
def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    def cfg(kind, **params):
        return {
            "kind": kind,
            "params": params,
            "grid": {"placement": "endpoints"},
            "solver": {"threads": 1},
        }

    out.append(
        Theorem(
            key="regret-pricing-1item",
            family=RegretPricing.kind,
            source=f"{T.SOURCE}, Theorem 2.3.1 (z* = (u - c)/e) and Lemma 2.3.2 (z_n <= z*)",
            parameters="one item, u = 1, c = 0: 1/e = 0.367879",
            config=cfg(RegretPricing.kind, upper=[1.0]),
            grids=(51, 101, 201),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    out.append(
        Theorem(
            key="regret-pricing-2items",
            family=RegretPricing.kind,
            source=f"{T.SOURCE}, Theorem 2.3.1 (separable, (1/e) sum (u - c))",
            parameters="u = (1, 2), c = (0.2, 0.5): 2.3/e = 0.846122",
            config=cfg(RegretPricing.kind, upper=[1.0, 2.0], cost=[0.2, 0.5], grid_from="cost"),
            grids=(9, 17, 33),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    out.append(
        Theorem(
            key="regret-pricing-deterministic",
            family=RegretPricing.kind,
            source=f"{T.SOURCE}, Theorem 2.4.1 ((u - c)/2)",
            parameters="one item, u = 1, c = 0: 1/2 (grid-exact: best grid posted price)",
            config=cfg(RegretPricing.kind, upper=[1.0], mechanism="deterministic"),
            grids=(20, 40, 80),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="regret-pricing-lower-bound",
            family=RegretPricing.kind,
            source=f"{T.SOURCE} + mdlp's derivation: a log((u - c)/a)",
            parameters="one item on [0.5, 1], c = 0: 0.5 ln 2 = 0.346574",
            config=cfg(RegretPricing.kind, upper=[1.0], lower=[0.5]),
            grids=(51, 101, 201),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    out.append(
        Theorem(
            key="regret-auction-2bidders",
            family=RegretAuction.kind,
            source=f"{T.SOURCE}, Theorem 3.3.1 / Corollary 3.3.1 (sum u/e, any I)",
            parameters="I = 2, J = 1, u = 1: 1/e",
            config=cfg(RegretAuction.kind, bidders=2, upper=[1.0]),
            grids=(11, 21, 41),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
