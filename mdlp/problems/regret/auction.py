"""Minimax-regret auctions: I bidders, J items, values in boxes ``[0, u_j]`` (Koçyiğit
(2020), Distributional Robustness in Mechanism Design, chapter 3; closed forms in
:mod:`mdlp.theory.regret`).

Ex-post variables per bidder, own type first: ``q{i}[t, o, j]`` (bidder ``i`` of own type
``t`` facing the opponent profile ``o`` gets item ``j`` with this probability) and
``m{i}[t, o]``; ``r`` free.  Minimise ``r`` subject to the regret rows ``r + sum_i m_i(v) >=
sum_j max_i v_ij`` (dual ``alpha``: nature's worst case), IR, supply ``sum_i q_ij(v) <= 1``
and dominant-strategy IC, which holds per opponent profile:

* one item (``J = 1``): a bidder's type is one-dimensional, so IC per opponent profile is
  the envelope form (:func:`mdlp.builder.envelope_rows`: a monotone allocation and the
  payment identity), with IR at the lowest own type only.  Why this is exact (the same
  optimum as IC over all pairs): (a) a monotone allocation with the identity payments is IC
  over all pairs (one-dimensional linear utility), so the envelope LP is a restriction;
  (b) for any IC and IR mechanism ``(q, m)``, the downward adjacent IC rows and IR at the
  lowest type bound every payment by the identity payment ``m*_k = x_0 q_0 + sum_{l=1}^k
  x_l (q_l - q_{l-1})`` of the same ``q``, and ``q`` is monotone; so ``(q, m*)`` is
  feasible for the envelope LP, has the same supply, and pays at least as much at every
  profile - the largest IC payment is WLOG here because payments enter the objective only
  through the regret rows, where more revenue never hurts - so its regret is no larger.
  IR at every other own type follows: ``U_k = U_0 + sum_{l<k} (x_{l+1} - x_l) q_l >= 0``.
* several items (``J >= 2``): no chain argument; IC between all pairs of own types per
  opponent profile, generated lazily from the axis neighbours by the builder's oracle
  (:class:`mdlp.builder.LazyIC`), until no pair is violated by more than ``1e-9``.

Randomized rules with two or more bidders use the symmetric reduction (one anonymous rule
for every bidder, one regret and supply row per profile orbit; argued in
:meth:`RegretAuction.layout`); deterministic rules keep a block per bidder.  Measured (3
bidders, one item, upper 2; see ``benchmarks/performance/engine_cases``): K = 21 went from
the 600 s time limit to about 2 s CPU, K = 41 to about 38 s CPU (IPM without crossover).

The certificate re-checks IC over all pairs of own types and every opponent profile, on
the mechanism expanded to every profile (:func:`mdlp.builder.ic_certificate`),
independently of the rows and of the reduction.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grids import Axis, ProductSpace
from grids.space import orbits
from mdlp.builder import LazyIC, combine_oracles, envelope_rows, ic_certificate, ir_rows, pair_set
from mdlp.config import Strict
from mdlp.problems.base import DeferredTable, Interpretation, Problem, TheoryValue, register
from mdlp.problems.regret.common import theorem_config
from mdlp.theorems import Theorem
from mdlp.theory import regret as T
from solvers import LinearProgram, Solution
from solvers.rowgen import solve_with_row_generation
from solvers.strategies import NoCrossover, with_strategy

START = ""  # J >= 2: the first LP's IC pairs per opponent profile ("" none, "axis", "box")
IPM_ROWS = 10_000  # one item, method auto: above this many rows, IPM without crossover.
# Measured (3 bidders, upper 2, CPU s under load): K = 21 (13k rows) dual simplex 2.2, IPM
# 1.8; K = 31 (41k rows) dual simplex 169, primal simplex 80, IPM 12; K = 41 (94k rows)
# simplex > 196 (time limit), IPM with crossover 147, IPM without crossover 38.
NO_PAIRS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


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

    def own_space(self) -> ProductSpace:
        """One bidder's types: a grid on ``[0, u_1] x ... x [0, u_J]``."""
        return ProductSpace(
            [Axis.uniform(0.0, u, self.grid.points, self.grid.placement) for u in self.params.upper]
        )

    def space(self) -> ProductSpace:
        """Bid profiles: the bidders' type grids in turn (axis order bidder, item)."""
        own = self.own_space()
        return ProductSpace(list(own.axes) * self.params.bidders)

    def _arrays(self):
        p = self.params
        I, J = p.bidders, len(p.upper)
        sp = self.space()
        n = sp.size
        V = sp.points().reshape(n, I, J)  # axis order (bidder, item)
        return sp, V, I, J

    def own_first(self, sp: ProductSpace, i: int) -> np.ndarray:
        """Flat profile indices of bidder ``i``'s cells ``(own type, opponent profile)``,
        shape ``(K^J, K^(J (I - 1)))``: one bidder's ex-post rule, own type first."""
        J = len(self.params.upper)
        own = list(range(i * J, (i + 1) * J))
        other = [d for d in range(sp.ndim) if d not in own]
        return np.transpose(sp.indices(), own + other).reshape(self.grid.points**J, -1)

    def layout(self, sp: ProductSpace) -> dict:
        """Where bidder ``i``'s allocation at every profile lives: ``tag[i]`` (the blocks
        ``q{tag}``, ``m{tag}`` of shapes ``(K^J, O, J)``, ``(K^J, O)``), and, per profile,
        ``own[i]`` and ``opp[i]`` (the cell).  ``rows`` are the profiles that get regret
        and supply rows, ``row_of`` maps every profile to its row.

        Randomized mechanisms with two or more bidders use the symmetric reduction
        (:mod:`mdlp.builder.symmetry`): the bidders are identical and the box of values is
        symmetric, so the average of an optimal mechanism over all relabellings of the
        bidders is feasible with no larger regret (the regret of a relabelled mechanism is
        the original's at the relabelled profile, and the maximum of regrets is convex) -
        one anonymous rule ``q[own, unordered opponents]`` serves every bidder, and one
        regret and supply row serves every profile of an orbit.  A deterministic rule
        cannot be averaged (a tie needs an asymmetric winner), so it keeps a block per
        bidder and a row per profile."""
        I, J = self.params.bidders, len(self.params.upper)
        nown = self.grid.points**J
        T = np.stack(np.unravel_index(np.arange(sp.size), (nown,) * I), axis=1)  # (n, I)
        own = [T[:, i] for i in range(I)]
        if self.params.mechanism == "randomized" and I > 1:
            opp_orbit, opp_reps = orbits((nown,) * (I - 1))
            orbit, reps = orbits((nown,) * I)
            opp = [opp_orbit[tuple(np.delete(T, i, axis=1).T)] for i in range(I)]
            return {
                "tag": [""] * I,
                "O": opp_reps.size,
                "own": own,
                "opp": opp,
                "rows": reps,
                "row_of": orbit.ravel(),
            }
        opp = [
            np.ravel_multi_index(tuple(np.delete(T, i, axis=1).T), (nown,) * (I - 1))
            if I > 1
            else np.zeros(sp.size, dtype=np.int64)
            for i in range(I)
        ]
        return {
            "tag": [str(i + 1) for i in range(I)],
            "O": sp.size // nown,
            "own": own,
            "opp": opp,
            "rows": np.arange(sp.size),
            "row_of": np.arange(sp.size),
        }

    def build(self) -> LinearProgram:
        sp, V, I, J = self._arrays()
        det = self.params.mechanism == "deterministic"
        X = self.own_space().points()  # (K^J, J), every bidder's own values
        lay = self.layout(sp)
        rows = lay["rows"]
        lp = LinearProgram("min", self.kind)
        blocks, oracles = {}, []
        for t in dict.fromkeys(lay["tag"]):  # one block per bidder, or one for all
            q = lp.add_variables(f"q{t}", (X.shape[0], lay["O"], J), lb=0.0, ub=1.0, integer=det)
            m = lp.add_variables(f"m{t}", (X.shape[0], lay["O"]), lb=-np.inf)
            blocks[t] = (q, m)
            if J == 1:  # the envelope form, exact here (module docstring)
                envelope_rows(lp, t, q[..., 0], m, X, axis=0)
                ir_rows(lp, f"ir{t}", q, m, X, types=[0])
            else:
                ir_rows(lp, f"ir{t}", q, m, X)
                start = pair_set((self.grid.points,) * J, START) if START else NO_PAIRS
                oracles.append(LazyIC(lp, f"ic{t}", f"q{t}", f"m{t}", X, start))
        r = lp.add_variables("r", (), lb=-np.inf, cost=1.0)
        cells = [
            (blocks[t], lay["own"][i][rows], lay["opp"][i][rows]) for i, t in enumerate(lay["tag"])
        ]
        bench = V[rows].max(axis=1).sum(1)
        lp.add_constraints(
            "regret",
            [(np.full(rows.size, int(r)), 1.0)] + [(m[a, o], 1.0) for (q, m), a, o in cells],
            lb=bench,
            shape=(rows.size,),
        )
        lp.add_constraints(
            "inventory", [(q[a, o], 1.0) for (q, m), a, o in cells], ub=1.0, shape=(rows.size, J)
        )
        if oracles:
            lp.meta["lazy_ic"] = oracles
        return lp

    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """A plain solve (one item), or row generation with the lazy-IC oracles.  A large
        one-item LP left to the default method is solved by the interior point method
        without crossover (:class:`solvers.strategies.NoCrossover`): the LP is highly
        degenerate (many optimal mechanisms) and dual simplex stalls on it (``IPM_ROWS``);
        the certificate then checks the interior pair (dual feasibility, duality gap)."""
        oracles = lp.meta.get("lazy_ic")
        if not oracles:
            if lp.num_rows > IPM_ROWS and not lp.is_mip:  # only under method: auto
                backend = with_strategy(backend, NoCrossover())
            return backend.solve(lp)
        return solve_with_row_generation(lp, combine_oracles(*oracles), backend, tol=1e-9).solution

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        sp, V, I, J = self._arrays()
        n = sp.size
        X = self.own_space().points()
        lay = self.layout(sp)
        q = np.empty((n, I, J))
        m = np.empty((n, I))
        for i, t in enumerate(lay["tag"]):
            q[:, i, :] = sol.x[f"q{t}"][lay["own"][i], lay["opp"][i]]
            m[:, i] = sol.x[f"m{t}"][lay["own"][i], lay["opp"][i]]
        ic = 0.0
        for i in range(I):  # every bidder, all own pairs, every opponent profile
            where = self.own_first(sp, i)
            ic = max(ic, ic_certificate(X, q[where, i, :], m[where, i])[0])
        bench = V.max(axis=1).sum(1)
        regret = bench - m.sum(1)
        cert = {
            "ic": max(ic, 0.0),
            "ir": max(0.0, float((m - (q * V).sum(2)).max())),
            "inventory": max(0.0, float((q.sum(1) - 1).max()), float(-q.min())),
            "regret": max(0.0, float(regret.max() - sol.objective)),
        }
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
        if sol.rounds:
            extras["rowgen_rounds"] = int(sol.rounds)
            extras["rowgen_rows_added"] = int(sol.rows_added)
        worst = None
        if "regret" in sol.dual:
            # an orbit's mass spread evenly over its profiles (a symmetric worst case)
            row_of = lay["row_of"]
            alpha = sol.dual["regret"][row_of] / np.bincount(row_of)[row_of]
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

    out.append(
        Theorem(
            key="regret-auction-2bidders",
            family=RegretAuction.kind,
            source=f"{T.SOURCE}, Theorem 3.3.1 / Corollary 3.3.1 (sum u/e, any I)",
            parameters="I = 2, J = 1, u = 1: 1/e",
            config=theorem_config(RegretAuction.kind, bidders=2, upper=[1.0]),
            grids=(11, 21, 41),
            direction="below",
            relation="upper",
            target="continuum value",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
