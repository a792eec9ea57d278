"""Bilateral trade (Myerson and Satterthwaite 1983, "Efficient mechanisms for bilateral
trading"): a buyer (value ``b``) and a seller (cost ``s``), independent private types on
their own grids; ex-post trade probabilities ``q[b, s]``, interim payments ``T_b`` (buyer
pays) and ``T_s`` (seller gets); BIC and interim IR for both; maximize the expected gains
from trade ``E[(b - s) q]`` or, with ``objective: profit``, the broker's ``E[T_b - T_s]``.

The seller is an agent with value ``-s`` and payment ``M_s = -T_s``: utility ``T_s - s
Q_s``.  Adjacent IC suffices for both (one-dimensional types, linear utility: see
:func:`mdlp.builder.adjacent_ic`) and then IR binds only at the buyer's lowest value and
the seller's highest cost.

Budget balance is imposed ex ante, ``E[T_b] >= E[T_s]`` (the broker does not subsidise on
average), which is equivalent to ex post: with independent types the transfers
``t_b(b, s) = T_b(b) + T_s(s) - E[T_s]`` (buyer pays) and ``t_s(b, s) = T_s(s) + T_b(b) -
E[T_b]`` (seller gets) have the interim means ``T_b`` and ``T_s`` and leave the broker
``E[T_b] - E[T_s] >= 0`` in *every* profile (d'Aspremont and Gerard-Varet 1979).  For
gains from trade that surplus goes to the seller as a lump sum (her IC is unchanged, her IR
only improves), so trade is exactly budget balanced ex post; for profit the broker keeps it.
:meth:`interpret` builds these transfers and its certificate checks them.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from mdlp.builder import adjacent_ic, ic_certificate, interim_rows, ir_rows
from mdlp.config import DistributionSpec, Strict
from mdlp.problems.base import DeferredTable, Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import bilateral_trade as T
from solvers import LinearProgram, Solution

U01 = {"distribution": "uniform", "low": 0, "high": 1}


class BilateralTradeParams(Strict):
    buyer: DistributionSpec = DistributionSpec(**U01)
    seller: DistributionSpec = DistributionSpec(**U01)
    objective: Literal["gains_from_trade", "profit"] = "gains_from_trade"


@register
class BilateralTrade(Problem):
    kind = "bilateral_trade"
    title = "Bilateral trade: one buyer, one seller, budget balance (BIC, interim IR)"
    source = T.SOURCE
    Params = BilateralTradeParams

    def priors(self):
        g = self.grid
        return [d.to_prior(g.points, g.placement) for d in (self.params.buyer, self.params.seller)]

    def build(self) -> LinearProgram:
        (b, p), (s, r) = [(pr.points, pr.probs) for pr in self.priors()]
        lp = LinearProgram("max", self.kind)
        q = lp.add_variables("q", (b.size, s.size), lb=0.0, ub=1.0)
        Qb, Qs = lp.add_variables("Qb", b.size, ub=1.0), lp.add_variables("Qs", s.size, ub=1.0)
        free = {"lb": -np.inf}
        Tb, Ms = lp.add_variables("Tb", b.size, **free), lp.add_variables("Ms", s.size, **free)
        interim_rows(lp, "interim_buyer", Qb, q, r)
        interim_rows(lp, "interim_seller", Qs, q.T, p)
        adjacent_ic(lp, "_buyer", Qb, Tb, b)
        adjacent_ic(lp, "_seller", Qs, Ms, -s)
        ir_rows(lp, "ir_buyer", Qb[:, None], Tb, b[:, None], types=[0])
        ir_rows(lp, "ir_seller", Qs[:, None], Ms, -s[:, None], types=[s.size - 1])
        lp.add_constraints("budget", [(Tb, p), (Ms, r)], lb=0.0, shape=())  # E[T_b] - E[T_s]
        if self.params.objective == "profit":
            lp.add_objective(Tb, p), lp.add_objective(Ms, r)
        else:
            lp.add_objective(q, np.outer(p, r) * (b[:, None] - s[None, :]))
        return lp

    def size_estimate(self):
        """``(rows, cols, nonzeros)`` of :meth:`build` from the grid sizes (an upper bound:
        zero coefficients, e.g. a value of 0, are not stored)."""
        m, n = (len(pr) for pr in self.priors())
        return 3 * (m + n) - 1, m * n + 2 * (m + n), 2 * m * n + 10 * (m + n) - 12

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        (b, p), (s, r) = [(pr.points, pr.probs) for pr in self.priors()]
        q, Tb, Ts = sol.x["q"], sol.x["Tb"], -sol.x["Ms"]
        surplus = float(p @ Tb - r @ Ts)
        tb = Tb[:, None] + Ts[None, :] - r @ Ts  # buyer pays, seller gets (module docstring)
        ts = tb - (surplus if self.params.objective == "profit" else 0.0)
        Qb, Qs, Pb, Gs = q @ r, p @ q, tb @ r, p @ ts  # interim, recomputed from the table
        cert = {
            "feasibility": float(max(0.0, (-q).max(), (q - 1).max())),
            "ic": max(0.0, ic_certificate(b[:, None], Qb[:, None], Pb)[0],
                      ic_certificate(-s[:, None], Qs[:, None], -Gs)[0]),
            "ir": max(0.0, float((Pb - b * Qb).max()), float((s * Qs - Gs).max())),
            "budget": max(0.0, -surplus, float((ts - tb).max())),  # ex ante and ex post
        }
        w = np.outer(p, r)
        B, S = np.meshgrid(b, s, indexing="ij")
        cols = {"b": B.ravel(), "s": S.ravel(), "prob": w.ravel(), "q": q.ravel(),
                "buyer_pays": tb.ravel(), "seller_gets": ts.ravel()}
        extras = {"gains_from_trade": float((w * (B - S) * q).sum()), "budget_surplus": surplus,
                  "trade_probability": float((w * q).sum())}
        return Interpretation(DeferredTable(cols), cert, extras)

    def theory(self) -> list[TheoryValue]:
        obj, (pb, ps) = self.params.objective, self.priors()
        tol = 1e-7 * max(1.0, float(np.abs(pb.points).max()), float(np.abs(ps.points).max()))
        src = f"{T.SOURCE}, " + ("broker's profit" if obj == "profit" else "second best")
        value, exact, label = T.grid_reference(pb, ps, obj, self.grid.placement)
        out = [TheoryValue(value, f"{src} on the grid (discrete virtual values)", label,
                           relation="equal" if exact else "upper", tolerance=tol)]
        if obj == "gains_from_trade":
            out.append(TheoryValue(T.first_best(pb, ps), f"{T.SOURCE}, first best E[(b - s)^+]",
                                   "first best on the grid", relation="upper", tolerance=tol))
        box = T.uniform_interval(pb)
        if box is None or box != T.uniform_interval(ps):
            self.note_no_closed_form("the continuum optimum is given for uniform values on one "
                                     "interval for both sides")
            return out
        return out + [TheoryValue(T.uniform_same_interval(*box, obj), src,
                                  "continuum, U[{:g}, {:g}]".format(*box), limit=True)]


# --- the theorem table (mdlp check) ----------------------------------------------------
def _theorems() -> tuple[Theorem, ...]:
    kind, src = BilateralTrade.kind, T.SOURCE
    beta = {"distribution": "beta", "a": 2, "b": 2, "low": 0, "high": 1}
    rows = []
    above = {"gains_from_trade": "for 3 <= K <= 20,000, checked in exact fractions (K = 2: 1/8)",
             "profit": "for every K >= 2 (proved in the theory module)"}
    for obj, frac, what in (("gains_from_trade", "9/64", "Theorem 2, second best"),
                            ("profit", "1/24", "Section 4, broker's profit")):
        cfg = {"kind": kind, "params": {"buyer": U01, "seller": U01, "objective": obj}}
        key = f"bilateral-{obj.replace('_', '-')}-uniform"
        rows.append(Theorem(key=key, family=kind, source=f"{src}, {what}", config=cfg,
                            parameters=f"b, s ~ U[0,1], continuum {frac}; the midpoint grid "
                            f"value is above {above[obj]}", grids=(21, 41, 81),
                            direction="above", relation="lower"))
        rows.append(Theorem(key=f"{key}-grid", family=kind, config=cfg, mode="exact",
                            source=f"{src}, {what} with discrete virtual values",
                            parameters="b, s ~ U[0,1]: the closed form on K-point midpoint grids",
                            grids=(11, 20, 41), relation="equal"))
    rows.append(Theorem(key="bilateral-gains-from-trade-beta-grid", family=kind, mode="exact",
                        source=f"{src}, second best with discrete virtual values",
                        config={"kind": kind, "params": {"buyer": beta, "seller": U01}},
                        parameters="b ~ Beta(2,2), s ~ U[0,1]: the dual bound, attained by a "
                        "monotone primal (checked on each grid)", grids=(11, 21),
                        relation="equal"))
    return tuple(rows)


THEOREMS = _theorems()
