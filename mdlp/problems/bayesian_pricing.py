"""Bayesian multi-item pricing: one buyer, ``J`` items with independent values, expected
revenue (closed forms in
:mod:`mdlp.theory.bayesian_pricing`).

LP on the grid of value profiles ``X`` (one axis per item, each item's prior discretized
onto it, type masses ``f`` = the product of the per-item masses): variables ``q[v, j] in
[0, 1]`` (the probability of getting item ``j``) and ``m[v]`` free; maximise ``sum_v f(v)
m(v)`` subject to IR ``q(v).v - m(v) >= 0`` at every profile, IC between every ordered pair
of profiles, and with ``unit_demand: true`` also ``sum_j q_j(v) <= 1``.  ``mechanism:
deterministic`` makes ``q`` binary (a MIP solved by HiGHS; small grids only, see
``DETERMINISTIC_MAX_TYPES``).

Why adjacent IC is exact for ``J = 1``: the type is one-dimensional and utility ``v q - m``
has increasing differences in ``(v, q)``.  Adjacent IC in both directions gives ``x_{k+1}
(q_{k+1} - q_k) >= m_{k+1} - m_k >= x_k (q_{k+1} - q_k)``, hence ``q`` is non-decreasing
(``x_{k+1} > x_k``), and summing the downward inequalities from ``k`` to ``l > k`` gives
``m_l - m_k <= sum_i x_{i+1} (q_{i+1} - q_i) <= x_l (q_l - q_k)``, which is IC of type
``l`` against report ``k``; the upward direction chains the same way.  So ``2 (K - 1)``
rows stand for all ``K (K - 1)`` pairs.  For ``J >= 2`` there is no such chain: IC starts
from the axis neighbours and the builder's separation oracle (:class:`mdlp.builder.LazyIC`)
scans all ``n (n - 1)`` ordered pairs in vectorised chunks, adding each type's
four most violated reports, and re-solves warm until no pair is violated by more
than ``1e-9``.  With identical items the LP is reduced by symmetry (``symmetry: true``,
the default: equality rows make ``q`` and ``m`` invariant under permuting the items, IC rows
are generated for types with sorted coordinates only), and grids of 41 or more points per
axis start from the binding pairs of the grid with half the points (``continuation:
true``).  Neither changes the LP's optimum, only the rows it takes to certify it.  The
certificate of :meth:`BayesianPricing.interpret` re-checks every pair (and IR at every
type) from the arrays in every case.

The IC rows and the all-pairs certificate are the ones of ``regret_pricing``
(:func:`mdlp.builder.ic_rows`, :func:`mdlp.builder.ic_certificate`).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from grids import ProductSpace
from mdlp.builder import LazyIC, exact_ic_check, ic_certificate, ic_rows, pair_set
from mdlp.builder.continuation import refine_pairs
from mdlp.builder.symmetry import canonical_pairs, orbit_blocks
from mdlp.config import DistributionSpec, Strict, expand_iid
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import bayesian_pricing as T
from mdlp.theory import myerson as TM
from solvers import LinearProgram, Solution
from solvers.rowgen import solve_with_row_generation

# The deterministic mechanism is a MIP with n * J binaries whose IC rows are generated
# lazily (each round a MIP re-solve): beyond this many types HiGHS's branch and bound on
# one thread is no longer a matter of seconds, so larger grids raise a ConfigError.
DETERMINISTIC_MAX_TYPES = 400
ALL_PAIRS_LIMIT = 20_000_000  # ordered pairs handed to HiGHS at once (ic: all_pairs)
MAX_TYPES = 40_000  # profiles on the grid (the separation scans n^2 pairs per round)
# Reports added per type and round of row generation.  Measured (two unit-demand items,
# K = 41, one thread): 1 per type 10 rounds / 5.4 s CPU, 4 per type 5 rounds / 4.2 s.
PER_TYPE = 4
# Grid continuation: from this many points per axis on, row generation first solves the grid
# with about half the points and starts from its binding IC pairs (mapped to this grid) on
# top of the axis neighbours.
CONTINUATION_MIN_POINTS = 41


class BayesianPricingParams(Strict):
    items: list[DistributionSpec] = Field(
        min_length=1, max_length=4, description="one value distribution per item (independent)"
    )
    unit_demand: bool = Field(False, description="the buyer wants at most one item")
    mechanism: Literal["randomized", "deterministic"] = "randomized"
    ic: Literal["auto", "rowgen", "all_pairs"] = Field(
        "auto", description="auto: adjacent for one item, row generation otherwise"
    )
    symmetry: bool = Field(
        True,
        description="with identical items, tie q and m to be symmetric under permuting "
        "the items (same optimum) and generate IC rows for sorted types only",
    )
    continuation: bool = Field(
        True,
        description="row generation on large grids starts from the binding IC pairs of "
        "the grid with half the points",
    )

    @model_validator(mode="before")
    @classmethod
    def _iid_shorthand(cls, data):
        return expand_iid(data, "items", 1, 4)

    @model_validator(mode="after")
    def _check(self):
        for j, it in enumerate(self.items):
            pts = np.asarray(it.values if it.is_pmf else [it.low or 0.0], dtype=float)
            if it.is_pmf and np.any(pts < 0):
                raise ValueError(f"item {j + 1}: values must be non-negative")
            if not it.is_pmf and it.low is not None and it.low < 0:
                raise ValueError(f"item {j + 1}: low must be >= 0 (values are non-negative)")
            if not it.is_pmf and it.low is None:
                raise ValueError(
                    f"item {j + 1}: give 'low' and 'high' (a bounded value range, low >= 0)"
                )
            if not it.is_pmf and it.high is None:
                raise ValueError(f"item {j + 1}: give 'high' (a bounded value range)")
        return self


@register
class BayesianPricing(Problem):
    kind = "bayesian_pricing"
    title = "Bayesian multi-item pricing (one buyer, independent values)"
    source = T.SOURCE
    Params = BayesianPricingParams
    certificate_tolerance = 1e-7

    # --- grid ---------------------------------------------------------------------------
    def priors(self):
        return [it.to_prior(self.grid.points, self.grid.placement) for it in self.params.items]

    def _arrays(self):
        priors = self.priors()
        sp = ProductSpace([p.axis for p in priors])
        X = sp.points()
        f = np.ones(())
        for p in priors:
            f = np.multiply.outer(f, p.probs)
        return priors, sp, X, f.ravel()

    def _ic_mode(self) -> str:
        mode = self.params.ic
        if mode == "auto":
            return "adjacent" if len(self.params.items) == 1 else "rowgen"
        return mode

    def _symmetric(self) -> bool:
        """Symmetric reduction applies: randomized, row generation, identical items."""
        p = self.params
        items = p.items
        return (
            p.symmetry
            and p.mechanism == "randomized"
            and self._ic_mode() == "rowgen"
            and len(items) >= 2
            and all(it == items[0] for it in items)
        )

    def _check_size(self, n: int):
        from mdlp.config import ConfigError

        if n > MAX_TYPES:
            raise ConfigError("grid.points", f"{n:,} profiles exceed {MAX_TYPES:,}; use fewer")
        if self.params.mechanism == "deterministic" and n > DETERMINISTIC_MAX_TYPES:
            raise ConfigError(
                "params.mechanism",
                f"deterministic (a MIP) allows at most {DETERMINISTIC_MAX_TYPES} grid "
                f"profiles, this grid has {n:,}; lower grid.points or use randomized",
            )
        if self._ic_mode() == "all_pairs" and n * (n - 1) > ALL_PAIRS_LIMIT:
            raise ConfigError("params.ic", f"all_pairs would add {n * (n - 1):,} rows; use auto")

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        priors, sp, X, f = self._arrays()
        n, J = X.shape
        self._check_size(n)
        det = self.params.mechanism == "deterministic"
        lp = LinearProgram("max", self.kind)
        mode = self._ic_mode()
        dom = None
        if mode == "rowgen" and self._symmetric():
            # Identical items: the LP is invariant under permuting the items together with
            # the value coordinates, so averaging an optimum over the permutations gives a
            # symmetric optimum.  Columns exist for the orbit representatives (sorted
            # coordinates) only and q, m are views tied to them (every permutation maps
            # an IC, IR or unit-demand row to a row of the same LP), so these rows are
            # needed for the representatives only (measured: the first solve 3x faster
            # for two items at K = 41, 2.5 s instead of about 100 s of CPU for three items
            # at K = 21, against the unreduced LP).
            swaps = [(d, d + 1) for d in range(J - 1)]
            q, m, dom = orbit_blocks(lp, "", sp.shape, J, swaps)
            lp.add_objective(m, f)
        else:
            q = lp.add_variables("q", (n, J), lb=0.0, ub=1.0, integer=det)
            m = lp.add_variables("m", (n,), lb=-np.inf, cost=f)
        own = np.arange(n) if dom is None else dom
        lp.add_constraints("ir", [(q[own], X[own]), (m[own], -1.0)], lb=0.0, shape=(own.size,))
        if self.params.unit_demand and J > 1:
            lp.add_constraints("unit_demand", [(q[own], 1.0)], ub=1.0, shape=(own.size,))
        if mode == "rowgen":
            # axis neighbours to start with (measured: 2-3x faster than box at K = 41, 61);
            # the oracle travels with the LP, so the problem object keeps no state
            start = pair_set(sp.shape, "axis")
            if dom is not None:
                start = canonical_pairs(sp.shape, swaps, *start)
            lp.meta["lazy_ic"] = LazyIC(lp, "ic", "q", "m", X, start, per_type=PER_TYPE, types=dom)
        else:
            pairs = pair_set(sp.shape, "adjacent" if mode == "adjacent" else "all")
            ic_rows(lp, "ic", q, m, X, *pairs, append=True)
        return lp

    # --- solving --------------------------------------------------------------------------
    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        if self._ic_mode() != "rowgen":
            return backend.solve(lp)
        oracle = lp.meta.get("lazy_ic")
        if oracle is None:
            raise ValueError("bayesian_pricing: solve_lp needs the LP returned by build()")
        if self.params.continuation and self.grid.points >= CONTINUATION_MIN_POINTS:
            lp.meta["continuation"] = self._continue_from_coarse(lp, oracle, backend)
        res = solve_with_row_generation(lp, oracle, backend, tol=1e-9)
        lp.meta["rowgen_history"] = res.history
        return res.solution

    def _continue_from_coarse(self, lp: LinearProgram, oracle: LazyIC, backend) -> dict:
        """Grid continuation: solve this problem on the grid with ``(K + 1) // 2`` points
        (itself continued from a coarser one, recursively), take the IC pairs whose rows
        carry a nonzero dual there and are not axis neighbours, map each type to the
        nearest point of this grid and add the pair, translated by every shift in
        ``{0, 1}^J`` (a coarse cell covers about ``2^J`` fine points), to the LP.  Only the
        starting set changes: the oracle still certifies every pair."""
        K = self.grid.points
        Kc = (K + 1) // 2
        coarse = type(self)(self.params, self.grid.model_copy(update={"points": Kc}), self.solver)
        clp = coarse.build()
        csol = coarse.solve_lp(clp, backend)
        info = {"points": Kc, "pairs": 0}
        if not csol.ok or "ic" not in csol.dual:
            return info
        ca, cb, _ = clp.meta["lazy_ic"].row_pairs()
        y = np.asarray(csol.dual["ic"]).ravel()[: ca.size]
        keep = np.abs(y) > 1e-12
        fine = [pr.points for pr in self.priors()]
        shape = tuple(len(p) for p in fine)
        a, b = refine_pairs(ca[keep], cb[keep], [pr.points for pr in coarse.priors()], fine)
        J = len(shape)
        if self._symmetric():
            a, b = canonical_pairs(shape, [(d, d + 1) for d in range(J - 1)], a, b)
        info["pairs"] = oracle.add_pairs(lp, a, b)
        return info

    def exact_omitted_rows(self, lp: LinearProgram, x):
        """IC between all pairs, exactly (:func:`mdlp.builder.exact_ic_check`)."""
        return exact_ic_check(lp, self._arrays()[2], x)

    # --- reading the solution back ------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        priors, sp, X, f = self._arrays()
        n, J = X.shape
        p = self.params
        q = sol.x["q"].reshape(n, J)
        m = sol.x["m"]
        cert = {
            "ic": max(0.0, ic_certificate(X, q, m)[0]),
            "ir": max(0.0, float((m - (q * X).sum(1)).max())),
            "bounds": float(max(0.0, -q.min(), (q - 1).max())),
            "revenue": abs(float(f @ m) - float(sol.objective)),
        }
        if p.unit_demand:
            cert["unit_demand"] = max(0.0, float((q.sum(1) - 1).max()))
        if p.mechanism == "deterministic":
            cert["integrality"] = float(np.abs(q - np.round(q)).max())
        cols = {f"v{j + 1}": X[:, j] for j in range(J)}
        cols["prob"] = f
        for j in range(J):
            cols[f"q{j + 1}"] = q[:, j]
        cols["m"] = m
        cols["utility"] = (q * X).sum(1) - m
        extras: dict = {"menu": self.menu(q, m, f)}
        extras["menu_size"] = len(extras["menu"])
        extras["menu_text"] = "; ".join(
            f"q=({', '.join(f'{x:.3g}' for x in o['q'])}) at {o['price']:.4g}: {o['mass']:.3f}"
            for o in extras["menu"]
            if o["mass"] > 1e-9
        )
        extras["types"] = n
        extras["ic_pairs"] = n * (n - 1)  # ordered pairs the "ic" certificate covers
        extras["revenue"] = float(f @ m)
        extras["welfare"] = float(f @ (q * X).sum(1))
        if J == 2 and not p.unit_demand and self._mv_scale() is not None:
            b = self._mv_scale()
            mq, mm = T.manelli_vincent_menu(b)
            qs, ms = T.menu_choice(X, mq, mm)
            extras["manelli_vincent_on_grid"] = float(f @ ms)
            extras["manelli_vincent_on_grid_ic"] = max(0.0, ic_certificate(X, qs, ms)[0])
            extras["gap_to_manelli_vincent"] = float(sol.objective) - T.manelli_vincent_revenue(b)
        hist = lp.meta.get("rowgen_history")
        if hist:
            extras["rowgen_rounds"] = len(hist)
            extras["rowgen_rows_added"] = int(sum(h["added"] for h in hist))
        return Interpretation(pd.DataFrame(cols), cert, extras)

    @staticmethod
    def menu(q, m, f, digits: int = 7) -> list[dict]:
        """Distinct ``(q, m)`` options with the mass of types choosing each (rounded to
        ``digits``), sorted by price."""
        key = np.round(np.column_stack([q, m]), digits) + 0.0  # +0.0 folds -0 into 0
        uniq, inv = np.unique(key, axis=0, return_inverse=True)
        mass = np.bincount(inv.ravel(), weights=f, minlength=len(uniq))
        out = [
            {"q": [float(x) for x in u[:-1]], "price": float(u[-1]), "mass": float(w)}
            for u, w in zip(uniq, mass, strict=True)
        ]
        return sorted(out, key=lambda d: (d["price"], d["q"]))

    # --- closed forms -------------------------------------------------------------------
    def _mv_scale(self) -> float | None:
        """``b`` when the items are two iid ``U[0, b]`` laws (Manelli-Vincent applies)."""
        items = self.params.items
        if len(items) != 2 or any(it.is_pmf for it in items):
            return None
        a = items[0]
        same = all(it == a for it in items)
        if not same or a.distribution != "uniform" or a.shape_params():
            return None
        if a.loc is not None or a.scale is not None or a.low != 0 or a.high is None:
            return None
        return float(a.high)

    def simple_menus(self) -> dict[str, float]:
        """Revenues of simple menus evaluated on this grid (each feasible, so each is a
        lower bound on the grid optimum): separate sales, the grand bundle, Manelli-Vincent
        (additive); one uniform price (unit demand)."""
        priors, sp, X, f = self._arrays()
        p = self.params
        det_ok = True  # every menu below is deterministic
        out = {}
        if len(priors) == 1:
            out["posted price"] = T.best_grid_price(X[:, 0], f)[1]
        elif p.unit_demand:
            out["uniform posted price"] = T.unit_demand_uniform_price_revenue(X, f)
        else:
            out["separate sales"] = T.separate_sales_revenue(priors)
            out["grand bundle"] = T.bundle_revenue(X, f)
            b = self._mv_scale()
            if b is not None:
                mq, mm = T.manelli_vincent_menu(b)
                out["Manelli-Vincent menu"] = T.menu_revenue(X, f, mq, mm)
        del det_ok
        return out

    def scope(self) -> tuple[str, str]:
        """Deterministic menus (binary allocations, a MIP) are a restricted class."""
        if self.params.mechanism == "deterministic":
            return "restricted optimum", "expected revenue over deterministic menus"
        return "optimum", "expected revenue over all (randomized) IC, IR menus"

    def theory(self) -> list[TheoryValue]:
        p = self.params
        priors = self.priors()
        J = len(priors)
        top = max(float(pr.points.max()) for pr in priors)
        tol = 1e-9 * max(1.0, top)
        src = T.SOURCE
        out: list[TheoryValue] = []
        if J == 1:
            # one item: the discrete, ironed Myerson optimum is the exact grid value, and it
            # is a posted price, so the deterministic MIP attains it as well.
            out.append(
                TheoryValue(
                    TM.optimal_revenue_discrete(priors),
                    f"{TM.SOURCE}, Myerson: E[psibar^+] on the grid (discrete, ironed)",
                    "grid-exact Myerson value",
                    "equal",
                    tol,
                )
            )
            law = priors[0].continuous
            if law is not None and TM.is_regular(law):
                out.append(
                    TheoryValue(
                        TM.optimal_revenue_continuum([law]),
                        f"{TM.SOURCE}, Myerson posted price at psi^-1(0)",
                        "continuum Myerson value",
                        "equal",
                        limit=True,
                    )
                )
            return out
        simple = self.simple_menus()
        best_name = max(simple, key=simple.get)
        out.append(
            TheoryValue(
                simple[best_name],
                f"{src}: best simple menu on this grid ({best_name}); feasible, so a lower bound",
                f"best simple menu on the grid ({best_name})",
                "lower",
                tol,
            )
        )
        b = self._mv_scale()
        if b is None:
            self.note_no_closed_form(
                "the optimal multi-item menu is known in closed form for two iid U[0, b] "
                "items only; the simple menus bound the grid optimum from below"
            )
        if b is not None and not p.unit_demand:
            out.append(
                TheoryValue(
                    T.manelli_vincent_revenue(b),
                    "Manelli and Vincent (2006), also cited in Koçyiğit (2020), ch. 2: "
                    "items at 2b/3, bundle (4 - sqrt 2) b/3; b (12 + 2 sqrt 2)/27 "
                    "(mdlp's exact integration)",
                    "continuum optimum (Manelli-Vincent)",
                    "equal",
                    limit=True,
                )
            )
        if b is not None and p.unit_demand:
            out.append(
                TheoryValue(
                    T.unit_demand_posted_price_revenue(b)[1],
                    "mdlp's derivation: uniform posted price b/sqrt 3, 2b/(3 sqrt 3); the "
                    "literature (Pavlov 2011) reports it optimal; not certified here",
                    "continuum posted price (unit demand)",
                    "equal",
                    limit=True,
                )
            )
        for name, val in simple.items():
            if name != best_name:
                out.append(TheoryValue(val, f"{src}: {name} on this grid", name, "lower"))
        return out


# --- the theorem table (mdlp check) ----------------------------------------------------
def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    def cfg(**params):
        return {
            "kind": BayesianPricing.kind,
            "params": params,
            "grid": {"placement": "midpoint"},
            "solver": {"threads": 1},
        }

    uni = {"distribution": "uniform", "low": 0, "high": 1}
    out.append(
        Theorem(
            key="bayesian-pricing-1item-myerson",
            family=BayesianPricing.kind,
            source=f"{TM.SOURCE}, Myerson posted price (discrete, ironed: grid-exact)",
            parameters="one item U[0,1]: grid value = E[psibar^+] on the grid",
            config=cfg(items=[uni]),
            grids=(21, 41, 81),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="bayesian-pricing-manelli-vincent",
            family=BayesianPricing.kind,
            source="Manelli-Vincent 2006 (cited in Koçyiğit 2020, ch. 2): (12 + 2 sqrt 2)/27",
            parameters="two additive items iid U[0,1]: 0.549201",
            config=cfg(items=[uni, uni]),
            grids=(11, 21, 41),
            target="Manelli-Vincent",
            direction="above",
            relation="lower",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
