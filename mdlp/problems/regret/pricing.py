"""Minimax-regret multi-item pricing, one buyer (Koçyiğit (2020), Distributional Robustness
in Mechanism Design, chapter 2; closed forms in :mod:`mdlp.theory.regret`).

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

Why adjacent IC is exact for ``J = 1``: the type is one-dimensional and utility ``v q - m``
has increasing differences in ``(v, q)``.  Adjacent IC in both directions gives ``x_{k+1}
(q_{k+1} - q_k) >= m_{k+1} - m_k >= x_k (q_{k+1} - q_k)``, hence ``q`` non-decreasing, and
summing the down-inequalities from ``k`` to ``l > k`` gives ``m_l - m_k <= sum x_{i+1}(q_{i+1}
- q_i) <= x_l (q_l - q_k)`` (and the same upwards), which is IC between ``k`` and ``l``.  The
certificate re-checks every pair anyway.  For ``J >= 2`` there is no such chain.  ``ic:
auto`` then first tries a saddle point (:func:`mdlp.problems.regret.saddle.solve_by_saddle_point`,
the structure of the thesis's proof of Theorem 2.3.2 carried to the grid).  Otherwise (and
with ``ic: rowgen`` or ``mechanism: deterministic``) IC starts from the neighbours along
each axis (``ROWGEN_START``; 2.6x faster than the box neighbours at J = 2, K = 41, where
the first solve dominates) and the builder's lazy-IC oracle (:class:`mdlp.builder.LazyIC`)
scans all ``n (n - 1)`` ordered pairs in vectorised chunks, adding the most violated
report of every type, until no pair is violated by more than ``1e-9``.  ``ic: rowgen``
(randomized) builds the LP in utility form, ``u = v.q - m``
(:func:`mdlp.problems.regret.common.utility_pricing_lp`,
:class:`mdlp.builder.oracle_utility.LazyICUtility`), reduced to sorted types when the
items are identical.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grids import Axis, ProductSpace
from mdlp.builder import LazyIC, exact_ic_check, ic_certificate, ic_rows, pair_set
from mdlp.builder.continuation import refine_pairs
from mdlp.builder.oracle_utility import LazyICUtility, exact_ic_check_utility
from mdlp.builder.symmetry import canonical_pairs
from mdlp.config import Strict
from mdlp.problems.base import DeferredTable, Interpretation, Problem, TheoryValue, register
from mdlp.problems.regret import saddle
from mdlp.problems.regret.common import pricing_lp, theorem_config, utility_pricing_lp
from mdlp.theorems import Theorem
from mdlp.theory import regret as T
from solvers import LinearProgram, Solution
from solvers.rowgen import solve_with_row_generation
from solvers.strategies import IpmThenSimplex, NoPresolve, with_strategy

ALL_PAIRS_LIMIT = 60_000_000  # ordered pairs handed to HiGHS at once (ic: all_pairs)
# Grid continuation (ic: rowgen, off by default): from this many points per axis on, row
# generation first solves the grid with (K + 1) // 2 points and starts from its binding IC
# pairs as well.  Measured for two identical items (K = 21, 41, 61): every IC row with a
# nonzero dual joins axis neighbours, so it adds no pairs and only costs the coarse solve;
# carrying all the coarse rows instead made the first solve slower (K = 61: 22.5 s vs 7.5 s).
CONTINUATION_MIN_POINTS = 41
# ic: rowgen solver strategy (utility form).  From this many LP columns on the first solve
# is by interior point (with crossover), the re-solves by simplex from its basis, presolve
# off (IpmThenSimplex); below it simplex with presolve off (NoPresolve).  Measured for two
# identical items, symmetric reduction, load ~2.5: K = 61 (5,613 columns) first solve 7.2 s
# by IPM vs 7.5-9 s by simplex, K = 101 44 s vs 119 s; with presolve on, some warm
# re-solves lost the basis (15k iterations, 10 s, at K = 61), with it off none did.
IPM_MIN_COLS = 4_000
ROWGEN_START = "axis"  # row generation starts from "axis" neighbours or "box" (king move)
# ones; measured at J = 2, K = 41 (simplex): axis 6.4 s CPU, box 17.0 s (first solve dominates)


def add_ic_rows(lp, shape, q, m, X, mode: str) -> None:
    """The IC rows of a one-buyer menu LP on a product grid of ``shape``: ``adjacent`` (one
    item: neighbours, both directions; exact with a monotone allocation), ``rowgen`` (the
    axis neighbours row generation starts from) or ``all_pairs``."""
    pairs = {"adjacent": "adjacent", "rowgen": ROWGEN_START}.get(mode, "all")
    ic_rows(lp, "ic", q, m, X, *pair_set(shape, pairs), append=True)


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
    continuation: bool = Field(
        False,
        description="ic: rowgen on large grids also starts from the binding IC pairs of the "
        "grid with half the points",
    )
    symmetry: bool = Field(
        True,
        description="ic: rowgen with identical items (equal bounds and costs): columns for "
        "sorted types only, q and m symmetric under permuting the items (same optimum)",
    )

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

    def _utility_form(self) -> bool:
        """``ic: rowgen`` with randomized mechanisms builds the LP in utility form
        (:func:`mdlp.problems.regret.common.utility_pricing_lp`); the saddle-point path of
        ``ic: auto``, deterministic mechanisms and the other IC modes keep payments."""
        p = self.params
        return p.ic == "rowgen" and p.mechanism == "randomized" and p.formulation == "primal"

    def _symmetric(self) -> bool:
        """The symmetric reduction applies: ``ic: rowgen`` (the saddle-point path of ``ic:
        auto`` works on the full LP), randomized, primal, two or more identical items."""
        p = self.params
        return (
            p.symmetry
            and p.ic == "rowgen"
            and p.mechanism == "randomized"
            and p.formulation == "primal"
            and len(p.upper) >= 2
            and len(set(p.upper)) == 1
            and len(set(p.cost)) == 1
            and len(set(p.lower)) == 1
        )

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        """The primal (2.6) (or the dual (2.7) with ``formulation: dual``).  In the
        row-generation mode the start rows come from the lazy-IC oracle, which is handed
        to :meth:`solve_lp` in ``lp.meta["lazy_ic"]``."""
        if self.params.formulation == "dual":
            return self.build_dual()
        sp, X, c, bench = self._arrays()
        n = X.shape[0]
        det = self.params.mechanism == "deterministic"
        mode = self._ic_mode()
        if mode == "all_pairs" and n * (n - 1) > ALL_PAIRS_LIMIT:
            raise ValueError(f"ic: all_pairs would add {n * (n - 1):,} rows; use auto")
        if self._utility_form():
            # utility form (sparser IC rows, see LazyICUtility); identical items: columns
            # for sorted types, rows for them only, IC pairs mapped to a sorted true type
            sym = self._symmetric()
            lp, q, u, types = utility_pricing_lp(X, c, sp.shape if sym else None, self.kind)
            start = pair_set(sp.shape, ROWGEN_START)
            if sym:
                swaps = [(d, d + 1) for d in range(X.shape[1] - 1)]
                start = canonical_pairs(sp.shape, swaps, *start)
                lp.meta["orbit_reps"] = types
            lp.meta["lazy_ic"] = LazyICUtility(
                lp, "ic", "q", "u", X, start, types=types if sym else None
            )
            return lp
        lp, q, m = pricing_lp(X, c, integer=det, name=self.kind)
        if mode == "rowgen":
            lp.meta["lazy_ic"] = LazyIC(lp, "ic", "q", "m", X, pair_set(sp.shape, ROWGEN_START))
        else:
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
        """A plain solve, or (row-generation mode) the saddle point of
        :mod:`mdlp.problems.regret.saddle` for ``ic: auto`` with randomized mechanisms, then
        row generation with the lazy-IC oracle built by :meth:`build`.  What the path did
        is in the solution (``method``, ``rounds``, ``rows_added``) and in
        ``lp.meta["history"]``; nothing is kept on the problem."""
        oracle = lp.meta.get("lazy_ic")
        if self.params.formulation == "dual" or oracle is None:
            return backend.solve(lp)
        if self.params.ic == "auto" and self.params.mechanism == "randomized":
            sp, X, c, bench = self._arrays()
            points = [ax.points for ax in self.axes()]
            sol, history = saddle.solve_by_saddle_point(lp, X, sp.shape, points, c, backend)
            lp.meta["history"] = history
            if sol is not None:
                return sol
        cont = self.params.continuation and self.params.ic == "rowgen"
        if cont and self.grid.points >= CONTINUATION_MIN_POINTS:
            lp.meta["continuation"] = self._continue_from_coarse(lp, oracle, backend)
        if "u" in lp.variables:  # utility form (ic: rowgen): see IPM_MIN_COLS
            big = lp.num_cols >= IPM_MIN_COLS
            backend = with_strategy(
                backend, IpmThenSimplex(min_size=IPM_MIN_COLS) if big else NoPresolve()
            )
        res = solve_with_row_generation(lp, oracle, backend, tol=1e-9)
        lp.meta["history"] = lp.meta.get("history", []) + res.history
        return res.solution

    def _continue_from_coarse(self, lp: LinearProgram, oracle: LazyIC, backend) -> dict:
        """Grid continuation: solve this problem (row generation, itself continued) on the
        grid with ``(K + 1) // 2`` points, take its IC pairs whose rows carry a nonzero
        dual and are not axis neighbours, map each type to the nearest point of this grid,
        translated by every shift in ``{0, 1}^J`` (a coarse cell covers about ``2^J`` fine
        points), and add those pairs to the LP before its first solve.  Only the starting
        set changes: the oracle still certifies every pair."""
        Kc = (self.grid.points + 1) // 2
        coarse = type(self)(self.params, self.grid.model_copy(update={"points": Kc}), self.solver)
        clp = coarse.build()
        csol = coarse.solve_lp(clp, backend)
        info = {"points": Kc, "pairs": 0}
        if not csol.ok or "ic" not in csol.dual:
            return info
        ca, cb, _ = clp.meta["lazy_ic"].row_pairs()
        y = np.asarray(csol.dual["ic"]).ravel()[: ca.size]
        keep = np.abs(y) > 1e-12
        axes = self.axes()
        shape = tuple(ax.points.size for ax in axes)
        a, b = refine_pairs(
            ca[keep], cb[keep], [ax.points for ax in coarse.axes()], [ax.points for ax in axes]
        )
        J = len(shape)
        if lp.meta.get("orbit_reps") is not None:
            a, b = canonical_pairs(shape, [(d, d + 1) for d in range(J - 1)], a, b)
        info["pairs"] = oracle.add_pairs(lp, a, b)
        return info

    def exact_omitted_rows(self, lp: LinearProgram, x):
        """IC between all pairs, exactly (:func:`mdlp.builder.exact_ic_check`, or its
        utility-form twin for ``ic: rowgen``)."""
        if "u" in lp.variables:
            return exact_ic_check_utility(lp, self._arrays()[1], x)
        return exact_ic_check(lp, self._arrays()[1], x)

    def optimality_certificate(self, lp: LinearProgram, sol: Solution):
        """On the saddle-point path the primal is the separable mechanism and the dual the
        restricted type set's duals extended by zero (see
        :func:`mdlp.problems.regret.saddle.solve_by_saddle_point`); the certificate checks
        that pair on the LP with the IC rows it appended."""
        cert = super().optimality_certificate(lp, sol)
        if sol.method == "saddle":
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
            wc = {**cols, "prob": alpha}
            extras["alpha_support"] = int((alpha > 1e-9).sum())
            return Interpretation(
                DeferredTable(cols), cert, extras, DeferredTable(wc, keep=alpha > 1e-12)
            )
        q = sol.x["q"].reshape(n, J)
        m = (X * q).sum(1) - sol.x["u"] if "u" in sol.x else sol.x["m"]
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
            alpha = self._nature(lp, sol.dual["regret"])
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
        if sol.method == "saddle":
            extras["ic_path"] = "saddle"
            hist = lp.meta.get("history") or [{}]
            extras["saddle_support"] = hist[-1].get("support")
        elif "lazy_ic" in lp.meta and sol.rounds:
            extras["ic_path"] = "rowgen"
        if sol.rounds:
            extras["rowgen_rounds"] = int(sol.rounds)
            extras["rowgen_rows_added"] = int(sol.rows_added)
        return Interpretation(DeferredTable(cols), cert, extras, worst)

    @staticmethod
    def _nature(lp: LinearProgram, y) -> np.ndarray:
        """Nature's law ``alpha`` on all types from the regret rows' duals: with the
        symmetric reduction the rows stand for whole orbits, and each orbit's mass is
        spread evenly over its types (the average over the permutations of the full
        LP's dual)."""
        reps = lp.meta.get("orbit_reps")
        y = np.asarray(y, dtype=float)
        if reps is None:
            return y
        rep = lp.variables["u"].indices  # a type's u column is its representative's
        col_of_rep = rep[reps]
        k = np.searchsorted(col_of_rep, rep)  # the orbit of each type (u columns ascend)
        size = np.bincount(k, minlength=reps.size)
        return y[k] / size[k]

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


# --- the theorem table (mdlp check) ----------------------------------------------------
def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    out.append(
        Theorem(
            key="regret-pricing-1item",
            family=RegretPricing.kind,
            source=f"{T.SOURCE}, Theorem 2.3.1 (z* = (u - c)/e) and Lemma 2.3.2 (z_n <= z*)",
            parameters="one item, u = 1, c = 0: 1/e = 0.367879",
            config=theorem_config(RegretPricing.kind, upper=[1.0]),
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
            config=theorem_config(
                RegretPricing.kind, upper=[1.0, 2.0], cost=[0.2, 0.5], grid_from="cost"
            ),
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
            config=theorem_config(RegretPricing.kind, upper=[1.0], mechanism="deterministic"),
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
            config=theorem_config(RegretPricing.kind, upper=[1.0], lower=[0.5]),
            grids=(51, 101, 201),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
