"""Auctions of digital goods with allocative externalities (Rui (2020), *Auctions of
Digital Goods with Externalities*, chapters 2-4 and appendix A): the registered family.

Model (2.2.1, 4.1.2).  ``n`` bidders, ``g`` freely replicable goods: no feasibility
constraint across bidders (Remark 2.2.1), allocations ``x_k^m in [0, 1]``.  Bidder i's
utility is ``sum_m (v_i^m x_i^m - sum_{j != i} eta_{i<-j}^m x_j^m) - p_i``.
Setting 1: bidder i privately knows ``v_i`` and the *incoming* ``eta_{i<-j}``; Setting 2:
``v_i`` and the *outgoing* ``eta_{j<-i}``.  All components are independent.

Grid.  Every type component (``n * g`` per bidder) gets its own axis (grid.points points,
cell masses of its prior); a profile is a point of the product of all ``n^2 g`` axes,
bidder i owning the axes ``[i c, (i+1) c)``, ``c = n g`` (:mod:`.layout`).

Formulations, one file each:

* :mod:`.expost` (``full``): ex-post allocations on every profile, BNIC + interim IR or
  DSIC + ex-post IR.  The own type is multi-dimensional and IC between neighbours is NOT
  sufficient (it over-states revenue and returns mechanisms violating global IC by
  ~1e-2), so IC is generated lazily from the 3^c - 1 box neighbours, separating over ALL
  pairs (``ic: all`` imposes every pair up front); interpret() re-certifies all pairs.
* :mod:`.marginal` (``marginal``, what ``auto`` picks for two bidders, Setting 1, BNIC,
  ``allocation: optimal``): the LP over interim marginals with exact lazy Border cuts.
  Measured before the move onto the builder (2 shared cores, load ~3.5-4.3, HiGHS 1
  thread): K = 16 in 5 s (full LP 28-44 s), K = 20 (160,000 profiles) in 14 s.
* :mod:`.reduced` (``reduced``, Setting 2 revenue): Proposition 3.3.4's 1-D reduction.

IR: Proposition 3.1.2 reduces interim IR to the critical type on the continuum given the
threat outside option (w = 1), and the same argument holds pointwise on grids through the
IC row of type t against the critical type.  Here the outside option is an LP variable,
and with w < 1 the reduction fails (IR at t also needs sum_j (eta_j - eta_low)(w_j - y_j)
>= 0).  One IR row per own type is cheap, so IR is imposed at every own type: exact
whatever outside option the LP picks.  The revenue LP picks the threat "serve everyone
else" (3.3.3): interpret() reports it.

Restricted allocation rules (``allocation``): ``separable`` makes x_k^m a function of
column k of the type matrix only (v_k^m and eta_{a<-k}^m), the class in which the proof of
Proposition 3.3.1 works; ``thesis`` fixes Proposition 3.3.1's rule as printed; ``efficient``
fixes the VCG rule 1{W_k >= 0}; payments and the outside option stay optimal.

Solving: row generation (:func:`solvers.rowgen.solve_with_row_generation`) with the
builder's oracles, under a solver strategy of :mod:`solvers.strategies` (the marginal LP:
a cold retry when a warm re-solve stalls; the full LP on a large grid: interior point
first, then warm simplex).
"""

from __future__ import annotations

import math

import numpy as np

from mdlp.builder import combine_oracles, exact_ic_check
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.problems.externality.expost import add_ic_dominant, build_full, interpret_expost
from mdlp.problems.externality.layout import Layout, theory_inputs
from mdlp.problems.externality.marginal import build_marginal, recover_x
from mdlp.problems.externality.params import SOURCE, ExternalityParams
from mdlp.problems.externality.reduced import build_reduced, interpret_reduced
from mdlp.problems.externality.theory_map import theory_values
from mdlp.theorems import Theorem
from mdlp.theory import externality as theory_module
from solvers import LinearProgram, Solution, get_backend
from solvers.rowgen import solve_with_row_generation
from solvers.strategies import ColdRetry, IpmThenSimplex, with_strategy

#: the full LP is solved by interior point first from this many profiles on (measured on
#: Setting 1 revenue, n = 2, K = 12: auto 8.0 s, ipm 3.9 s; K = 16: auto 83 s, ipm then
#: warm simplex 46 s)
IPM_FIRST_PROFILES = 5_000


@register
class ExternalityAuction(Problem):
    kind = "externality_auction"
    title = "Digital goods with allocative externalities (settings 1 and 2)"
    source = SOURCE
    Params = ExternalityParams

    def layout(self) -> Layout:
        """The profile grid of these parameters (computed afresh: nothing is kept)."""
        return Layout(self.params, self.grid)

    def size_estimate(self):
        L = self.layout()
        n, g = L.n, L.g
        if self.params.form == "reduced":
            K = sum(len(L.priors[L.v_axis(i, 0)]) for i in range(n))
            return (2 * K, 2 * K, 4 * K)
        if self.params.form == "marginal":
            no = math.prod(L.own_shape(0))
            cols = n * (2 * n * g + 1) * no
            rows = n * (3**L.c + 2) * no
            # cut rows are dense: measured ~1.5e6 entries at K = 20 (no = 400)
            return (float(rows + 5 * no), float(cols), float(rows * 6 + 10 * no * no))
        cols = n * g * L.size + n * (n - 1) * g * (L.size // min(map(math.prod, (L.own_shape(0),))))
        rows = 0
        nnz = 0
        for i in range(n):
            no = math.prod(L.own_shape(i))
            if self.params.constraints == "bayesian":
                cols += (n * g + 2) * no
                rows += n * g * no + no * (3**L.c) + no
                nnz += 2 * n * g * L.size + no * (3**L.c) * (2 * n * g + 4)
            else:
                cols += L.size
                rows += L.size * (3**L.c)
                nnz += L.size * (3**L.c) * (2 * n * g + 2)
        return (float(rows), float(cols), float(nnz))

    # --- LP -------------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        """The LP of the formulation ``params.form``; ``lp.meta`` carries what
        :meth:`solve_lp` and :meth:`interpret` need (oracles, column maps)."""
        par = self.params
        L = self.layout()
        if par.form == "reduced":
            return build_reduced(L, self.kind)
        if par.form == "marginal":
            return build_marginal(par, L, self.kind)
        return build_full(par, L, self.kind)

    def strategy(self, lp: LinearProgram):
        """The solver strategy for this LP: the marginal LP (many dense cut rows) retries a
        stalled warm re-solve cold; the full LP on a large grid starts by interior point."""
        if lp.meta.get("form") == "marginal":
            return ColdRetry()
        if self.layout().size >= IPM_FIRST_PROFILES:
            return IpmThenSimplex()
        return None

    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """Row generation over the oracles in ``lp.meta`` (IC, and Border cuts for the
        marginal formulation) until all pairs and all sets are certified; a plain solve
        when the LP already holds every row."""
        oracles = lp.meta.get("oracles", [])
        if lp.meta.get("form") == "reduced" or (
            self.params.ic == "all" and lp.meta.get("form") == "full"
        ):
            return backend.solve(lp)
        lp.meta["backend"] = backend  # the marginal form recovers x with the same solver
        res = solve_with_row_generation(
            lp, combine_oracles(*oracles), with_strategy(backend, self.strategy(lp)), tol=1e-9
        )
        return res.solution

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        """The mechanism (interim allocations and payments per own type), the outside
        option the LP chose, and the certificate recomputed from the ex-post arrays (for
        the marginal formulation: from an x recovered with the LP's marginals)."""
        par = self.params
        L = self.layout()
        form = lp.meta.get("form", par.form)
        if form == "reduced":
            return interpret_reduced(L, lp, sol)
        if form == "marginal":
            x = recover_x(L, lp, sol, lp.meta.get("backend"))
        else:
            x = sol.x_flat[lp.meta["xcols"]]
        out = interpret_expost(self, lp, sol, x)
        if L.g >= 2 and par.objective == "revenue" and par.setting == 1:
            t431 = out.extras["theorem_4_3_1"] = self._theorem_431(out.extras["revenue"])
            if t431.get("ratio") is not None:
                out.extras["thm_4_3_1"] = (
                    f"Rev(all)/sum Rev(item) = {t431['ratio']:.6f}, Theorem 4.3.1: "
                    f"1 <= ratio <= 1 + n + gamma = {t431['upper_factor']:.4g} "
                    f"(gamma {t431['gamma']:.4g})"
                )
        return out

    def _theorem_431(self, rev_both: float) -> dict:
        """Seed Theorem 4.3.1: Rev(T1) + Rev(T2) <= Rev(T) <= (1 + n + gamma)(Rev(T1) +
        Rev(T2)).  Every item has the same laws here, so Rev(T_m) is the single-item LP
        optimum on the same grid (solved here, same solver settings, certified)."""
        par = self.params
        L = self.layout()
        one = type(self)(par.model_copy(update={"items": 1}), self.grid, self.solver)
        lp1 = one.build()
        be = self.solver.backend_object() if self.solver is not None else None
        if be is None:
            be = get_backend("highs", threads=1)
        sol1 = one.solve_lp(lp1, be)
        if not sol1.ok:
            return {"status": f"single-item LP {sol1.status}"}
        cert1 = max(one.interpret(lp1, sol1).certificate.values())
        r1 = float(sol1.objective)
        _, ext = theory_inputs(L)
        gamma = theory_module.theorem_431_gamma([ext] * L.g, grid=True)
        lo, hi = theory_module.multi_item_revenue_bound([r1] * L.g, L.n, gamma)
        return {
            "rev_single_item": r1,
            "rev_single_item_certificate": cert1,
            "rev_all_items": rev_both,
            "ratio": rev_both / lo if lo > 0 else None,
            "gamma": gamma,
            "upper_factor": 1.0 + L.n + gamma,
            "lower_holds": bool(rev_both >= lo - 1e-7),
            "upper_holds": bool(rev_both <= hi + 1e-7),
            "note": "upper bound stated for g = 2" if L.g != 2 else "",
        }

    # --- certificates ---------------------------------------------------------------------
    def exact_omitted_rows(self, lp: LinearProgram, x):
        """``--exact`` after row generation over IC (not the marginal formulation, whose
        cut rows are not checked exactly): IC between all pairs of own types, for every
        bidder (and, dominant, every profile of the others), in rationals at the exact
        primal ``x``; ``add_rows`` appends the violated pairs' IC rows."""
        par = self.params
        if par.form in ("reduced", "marginal") or par.ic == "all":
            return None
        bayes = par.constraints == "bayesian"
        if bayes:
            parts = []
            for i, d in lp.meta["bidders"].items():
                m = f"c{i + 1}" if par.setting == 2 else f"q{i + 1}"
                parts.append(exact_ic_check(lp, d["A"], x, f"y{i + 1}", m, f"ic{i + 1}"))
            no = [d["A"].shape[0] for d in lp.meta["bidders"].values()]
            checked = sum(k * (k - 1) for k in no)
            ok = all(p[0] for p in parts)
            bad = "; ".join(p[1].split(": ", 1)[1] for p in parts if not p[0])

            def add_rows(lp_):
                for p in parts:
                    p[2](lp_)
        else:
            ok, bad, checked, found = _exact_dominant(lp, x)

            def add_rows(lp_):
                for i, a, b, r in found:
                    add_ic_dominant(lp_, i, a, b, r)

        what = "bayesian" if bayes else "dominant-strategy"
        msg = f"{what} IC on all {checked:,} own-type pairs checked exactly: " + (
            "no violation" if ok else bad
        )
        return ok, msg, add_rows

    def optimality_certificate(self, lp: LinearProgram, sol: Solution):
        """The marginal formulation's certificate is that of the marginal LP (with the cut
        rows it generated); the ex-post allocation is recovered afterwards by one
        transportation LP per item and bidder pair, and only the feasibility entries
        (bounds, IC, IR) speak for it."""
        cert = super().optimality_certificate(lp, sol)
        if lp.meta.get("form") == "marginal":
            cert.message = (
                "certificate of the LP over interim marginals (with its cut rows); the "
                "ex-post allocation recovered from them is checked by the feasibility entries"
            )
        return cert

    def scope(self) -> tuple[str, str]:
        """``allocation: optimal``: the optimum.  ``separable``: the optimum over separable
        allocation rules.  ``thesis`` / ``efficient``: the allocation is fixed and the
        payments are optimized -- an optimum over mechanisms with that allocation rule."""
        par = self.params
        if par.allocation == "optimal":
            return "optimum", f"{par.objective} over all {par.constraints} mechanisms"
        what = {
            "separable": "separable allocation rules (allocation and payments optimized)",
            "thesis": "the allocation fixed to Prop 3.3.1's printed rule; payments optimized",
            "efficient": "the allocation fixed to the efficient rule; payments optimized",
        }[par.allocation]
        return "restricted optimum", f"{par.objective} over {what}"

    def theory(self) -> list[TheoryValue]:
        """Closed forms of :mod:`mdlp.theory.externality` for these parameters; a case the
        theory does not cover is recorded as "no closed form for this case"."""
        return theory_values(self, theory_module)


def _exact_dominant(lp: LinearProgram, x):
    """Dominant-strategy IC over all (t, s, r) in rationals at the exact primal ``x``:
    ``(ok, message on violation, triples checked, violated triples per bidder)``."""
    from solvers.exact import rationals

    xo = np.empty(len(x), dtype=object)
    xo[:] = x

    def frac(a):
        a = np.asarray(a, dtype=float)
        out = np.empty(a.shape, dtype=object)
        out.ravel()[:] = rationals(a.ravel())
        return out

    found, checked, worst = [], 0, 0
    for i, d in lp.meta["bidders"].items():
        A = frac(d["A"])
        B = frac(d["B"])
        no = A.shape[0]
        Xi = xo[d["X"]]  # [l, s, r]
        p = xo[d["p"]]  # [s, r]
        nr = p.shape[1]
        G = A[None, :, :] - B[:, None, :]  # [r, t, l]
        U = np.einsum("rtl,lsr->rts", G, Xi) - p.T[:, None, :]
        V = U - np.einsum("rtt->rt", U)[:, :, None]
        r, a, b = np.nonzero(V > 0)
        found.append((i, a, b, r))
        checked += nr * no * (no - 1)
        if V.size:
            worst = max(worst, max(V.ravel()))
    return worst <= 0, f"largest violation {float(worst):.3g}", checked, found


# --- the theorem table (mdlp check) ----------------------------------------------------
def _cfg(**params):
    return {
        "kind": ExternalityAuction.kind,
        "params": {
            "values": {"distribution": "uniform", "low": 0, "high": 1},
            "externalities": {"distribution": "uniform", "low": 0, "high": 0.5},
        }
        | params,
        "solver": {"threads": 1},
    }


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    inst = "n = 2, v ~ U[0,1], eta ~ U[0,1/2]"
    out.append(
        Theorem(
            key="externality-s1-welfare-vcg",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, Prop 3.2.2 (VCG, Setting 1)",
            parameters=f"{inst}: welfare 7/12, exact on grids, O(h^2) from below",
            config=_cfg(objective="welfare"),
            grids=(3, 6, 12),
            target="continuum welfare",
            direction="below",
            relation="upper",
            min_order=1.8,
        )
    )
    out.append(
        Theorem(
            key="externality-s2-revenue",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, Prop 3.3.4 / Cor 3.3.6 (Setting 2)",
            parameters=f"{inst}: revenue 25/32 (tau = 5/8), 1-D reduction, O(h) from above",
            config=_cfg(setting=2, formulation="reduced"),
            grids=(16, 32, 64),
            target="continuum optimum",
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="externality-s2-welfare-grid",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, Props 3.2.4-3.2.7 (Setting 2), grid chain form",
            parameters=f"{inst}: grid optimum above the thesis rule by O(h); limit 9/16",
            config=_cfg(setting=2, objective="welfare"),
            grids=(4, 6, 8),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="externality-s1-separable-corrected",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, Prop 3.3.1 CORRECTED (eta virtual value -eta + (1-F)/f)",
            parameters=f"{inst}: separable-restricted LP = corrected rule; continuum 13/24",
            config=_cfg(allocation="separable"),
            grids=(4, 6, 8),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="externality-s1-revenue-beats-thesis",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, Prop 3.3.1 is NOT optimal",
            parameters=f"{inst}: LP >= corrected separable (13/24) > thesis (5/12); LP -> ~0.625",
            config=_cfg(),
            grids=(4, 6, 8),
            mode="exact",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="externality-two-items-welfare",
            family=ExternalityAuction.kind,
            source=f"{SOURCE}, section 4.2 (VCG item by item)",
            parameters=f"{inst}, two goods: welfare = sum of single-item welfares",
            config=_cfg(items=2, objective="welfare"),
            grids=(3,),
            mode="exact",
            relation="equal",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
