"""Myerson's optimal auction on a grid of value profiles (Myerson (1981), *Optimal Auction
Design*, as presented in Makarin (2021), *From Auctions to Mechanism Design*).

One indivisible good, ``n`` bidders with independent private values, each bidder's prior
discretized onto its own axis.  Variables: ex-post allocations ``q[i, v]`` (``0 <= q <=
1``, ``sum_i q[i, v] <= 1``) and payments: interim ``M_i(v_i)`` under ``bayesian`` (BIC +
interim IR), ex-post ``m[i, v]`` under ``dominant`` (DSIC + ex-post IR).

Why adjacent IC is enough: types are one-dimensional and utility ``v q - m`` is linear in
the type with increasing differences.  IC between neighbours in both directions,
``x_{k+1} (Q_{k+1} - Q_k) >= M_{k+1} - M_k >= x_k (Q_{k+1} - Q_k)``, forces ``Q`` to be
non-decreasing (``x_{k+1} > x_k``), and then the inequalities chain to every pair
``k < l``: ``M_l - M_k <= sum_j x_{j+1} (Q_{j+1} - Q_j) <= x_l (Q_l - Q_k)``, and likewise
downwards.  So ``2 (K - 1)`` rows per bidder (per opponent profile under ``dominant``)
replace ``K (K - 1)``; the certificate re-checks all pairs.  IR only at the lowest type is
enough for the same reason: upward IC gives ``u(x_{k+1}) >= u(x_k) + (x_{k+1} - x_k) Q_k
>= u(x_k)``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from mdlp.builder import (
    efficient_allocation,
    ic_certificate,
    interim_rows,
    joint_pmf,
    monotone_ic,
    others_pmf,
    own_first,
    profile_values,
    supply_rows,
)
from mdlp.config import DistributionSpec, Strict, expand_iid
from mdlp.problems.base import DeferredTable, Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import myerson as T
from solvers import LinearProgram, Solution


class MyersonParams(Strict):
    bidders: list[DistributionSpec] = Field(
        min_length=1, max_length=6, description="one value distribution per bidder"
    )
    objective: Literal["revenue", "welfare"] = "revenue"
    constraints: Literal["bayesian", "dominant"] = "bayesian"
    allocation: Literal["optimal", "efficient"] = Field(
        "optimal",
        description="'efficient' fixes q to the highest bidder (ties split): revenue equivalence",
    )

    @model_validator(mode="before")
    @classmethod
    def _iid_shorthand(cls, data):
        return expand_iid(data, "bidders", 1, 6)


@register
class MyersonAuction(Problem):
    kind = "myerson_auction"
    title = "Myerson's optimal auction (IPV, one good)"
    source = T.SOURCE
    Params = MyersonParams

    # --- grid ---------------------------------------------------------------------------
    def priors(self):
        return [b.to_prior(self.grid.points, self.grid.placement) for b in self.params.bidders]

    def _setup(self):
        priors = self.priors()
        n = len(priors)
        shape = tuple(len(p) for p in priors)
        P = joint_pmf([p.probs for p in priors])
        X = profile_values([p.axis for p in priors])  # (n,) + shape
        return priors, n, shape, P, X

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        priors, n, shape, P, X = self._setup()
        par = self.params
        lp = LinearProgram("max", self.kind)
        if par.allocation == "efficient":
            fixed = efficient_allocation(X)
            q = lp.add_variables("q", (n,) + shape, lb=fixed, ub=fixed)
        else:
            q = lp.add_variables("q", (n,) + shape, lb=0.0, ub=1.0)
        supply_rows(lp, "feasibility", q)
        if par.objective == "welfare":
            lp.add_objective(q, P[None] * X)

        if par.constraints == "bayesian":
            pmfs = [p.probs for p in priors]
            for i, prior in enumerate(priors):
                K, x = len(prior), prior.points
                Q = lp.add_variables(f"Q{i + 1}", (K,), lb=0.0, ub=1.0)
                M = lp.add_variables(f"M{i + 1}", (K,), lb=-np.inf)
                # Q_i(k) = sum_{v_-i} p_-i(v_-i) q_i(k, v_-i); BIC + interim IR on (Q, M)
                interim_rows(lp, f"interim{i + 1}", Q, own_first(q[i], i), others_pmf(pmfs, i))
                monotone_ic(lp, i + 1, Q, M, x)
                if par.objective == "revenue":
                    lp.add_objective(M, prior.probs)
        else:
            m = lp.add_variables("m", (n,) + shape, lb=-np.inf)
            for i, prior in enumerate(priors):  # DSIC + ex-post IR per opponent profile
                x = prior.points.reshape([-1 if d == i else 1 for d in range(n)])
                monotone_ic(lp, i + 1, q[i], m[i], x, axis=i)
            if par.objective == "revenue":
                lp.add_objective(m, P[None])
        return lp

    # --- reading the solution back ------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        priors, n, shape, P, X = self._setup()
        q = sol.x["q"]
        bayes = self.params.constraints == "bayesian"
        cert = {
            "feasibility": float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max(), (q - 1).max()))
        }
        ic = ir = 0.0
        extras: dict = {"reserve": [], "interim": []}
        cols = {f"v{i + 1}": X[i].ravel() for i in range(n)}
        cols["prob"] = P.ravel()
        revenue = 0.0
        own_index = np.indices(shape)
        for i, prior in enumerate(priors):
            x = prior.points
            qi = own_first(q[i], i)
            # the interim allocation recomputed from q
            Q = qi @ others_pmf([p.probs for p in priors], i)
            if bayes:
                M = sol.x[f"M{i + 1}"]
                # interim IC over all pairs (the builder's independent certificate)
                ic = max(ic, ic_certificate(x[:, None], Q[:, None], M)[0])
                ir = max(ir, float((M - x * Q).max()))
                cols[f"M{i + 1}_interim"] = M[own_index[i].ravel()]
            else:
                mi = own_first(sol.x["m"][i], i)
                M = mi @ others_pmf([p.probs for p in priors], i)
                ic = max(ic, ic_certificate(x[:, None], qi[:, :, None], mi)[0])
                ir = max(ir, float((mi - x[:, None] * qi).max()))
            revenue += float(prior.probs @ M)
            cols[f"q{i + 1}"] = q[i].ravel()
            served = np.flatnonzero(Q > 1e-9)
            extras["reserve"].append(float(x[served[0]]) if served.size else None)
            extras["interim"].append({"v": x.tolist(), "Q": Q.tolist(), "M": M.tolist()})
        if not bayes:
            for i in range(n):
                cols[f"m{i + 1}"] = sol.x["m"][i].ravel()
        cert["ic"] = max(ic, 0.0)
        cert["ir"] = max(ir, 0.0)
        extras["revenue"] = revenue
        extras["welfare"] = float((P[None] * X * q).sum())
        return Interpretation(DeferredTable(cols), cert, extras)

    def scope(self) -> tuple[str, str]:
        """``allocation: efficient`` fixes the allocation (payments are still optimized):
        an optimum over a restricted class; otherwise the optimum over all mechanisms."""
        if self.params.allocation == "efficient":
            return (
                "restricted optimum",
                "allocation fixed to the efficient rule (highest value wins, ties split); "
                f"{self.params.objective} maximized over the payments",
            )
        return "optimum", f"{self.params.objective} over all {self.params.constraints} mechanisms"

    # --- closed forms -------------------------------------------------------------------
    def theory(self) -> list[TheoryValue]:
        par = self.params
        priors = self.priors()
        n = len(priors)
        laws = [p.continuous for p in priors]
        continuous = all(law is not None for law in laws)
        tol = 1e-7 * max(1.0, max(float(p.points.max()) for p in priors))
        src = T.SOURCE
        out: list[TheoryValue] = []
        iid = all(b == par.bidders[0] for b in par.bidders)
        if par.allocation == "efficient" and par.objective == "revenue":
            if not iid:
                self.note_no_closed_form(
                    "revenue of the efficient allocation is given in closed form for iid "
                    "bidders only"
                )
                return []
            out.append(
                TheoryValue(
                    T.efficient_revenue_discrete_iid(priors[0], n),
                    f"{src}, revenue equivalence (discrete: sum p Q psi with efficient Q)",
                    "efficient allocation, largest BIC/IR revenue on the grid",
                    tolerance=tol,
                )
            )
            if continuous and n >= 2:
                out.append(
                    TheoryValue(
                        T.second_highest_continuum_iid(laws[0], n),
                        f"{src}, revenue equivalence: second-price revenue E[v_(2)]",
                        "continuum E[v_(2)]",
                        limit=True,
                    )
                )
            return out
        if par.objective == "welfare":
            out.append(
                TheoryValue(
                    T.expected_max_value_discrete(priors),
                    f"{src}, efficient allocation: welfare E[max_i v_i]",
                    "grid E[max v]",
                    tolerance=tol,
                )
            )
            if continuous:
                out.append(
                    TheoryValue(
                        T.expected_max_continuum(laws),
                        f"{src}, efficient allocation: welfare E[max_i v_i]",
                        "continuum E[max v]",
                        limit=True,
                    )
                )
            return out
        out.append(
            TheoryValue(
                T.optimal_revenue_discrete(priors),
                f"{src}, Myerson optimal auction: E[max_i psi_i^+] (discrete, ironed)",
                "grid optimum, ironed discrete virtual values",
                tolerance=tol,
            )
        )
        if continuous and all(T.is_regular(law) for law in laws):
            out.append(
                TheoryValue(
                    T.optimal_revenue_continuum(laws),
                    f"{src}, Myerson optimal auction: E[max_i psi_i(v_i)^+]",
                    "continuum optimum (regular priors)",
                    limit=True,
                )
            )
        unironed = T.unironed_revenue_discrete(priors)
        if abs(unironed - out[0].value) > tol:
            out.append(
                TheoryValue(
                    unironed,
                    f"{src}, E[max psi^+] without ironing (not attainable: irregular prior)",
                    "unironed virtual values (an upper bound: revenue = E[sum psi q])",
                    relation="upper",
                    tolerance=tol,
                )
            )
        return out


# --- the theorem table (mdlp check) ----------------------------------------------------
def _uniform_cfg(n, **params):
    return {
        "kind": MyersonAuction.kind,
        "params": {"bidders": n, "values": {"distribution": "uniform", "low": 0, "high": 1}}
        | params,
    }


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    cases = ((1, "1/4", (21, 41, 81)), (2, "5/12", (21, 41, 81)), (3, "17/32", (11, 21, 41)))
    for n, frac, grid in cases:
        out.append(
            Theorem(
                key=f"myerson-revenue-{n}-uniform",
                family=MyersonAuction.kind,
                source=f"{T.SOURCE}, Myerson optimal revenue E[max psi^+]",
                parameters=f"{n} bidder(s) U[0,1], BIC, continuum {frac}",
                config=_uniform_cfg(n),
                grids=grid,
                direction="above",
                relation="lower",
            )
        )
    out.append(
        Theorem(
            key="myerson-revenue-2-uniform-left",
            family=MyersonAuction.kind,
            source=f"{T.SOURCE}, Myerson optimal revenue E[max psi^+]",
            parameters="2 bidders U[0,1], points at lower cell edges: O(h^2) lower bound",
            config=_uniform_cfg(2),
            overrides=("grid.placement=left",),
            grids=(21, 41, 81),
            direction="below",
            relation="upper",
            min_order=1.8,
        )
    )
    pmf = {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}
    for n, val in ((1, "1.8"), (2, "2.7"), (3, "3.222")):
        out.append(
            Theorem(
                key=f"myerson-ironed-pmf-{n}",
                family=MyersonAuction.kind,
                source=f"{T.SOURCE}, Myerson with ironing (discrete)",
                parameters=f"{n} bidder(s), irregular pmf (.1,.4,.1,.4) on 1..4: {val}",
                config={"kind": MyersonAuction.kind, "params": {"bidders": n, "values": pmf}},
                grids=(None,),
                mode="exact",
                relation="equal",
            )
        )
    out.append(
        Theorem(
            key="myerson-dominant-equals-bayesian",
            family=MyersonAuction.kind,
            source=f"{T.SOURCE}, Myerson: the optimum is attained in dominant strategies",
            parameters="2 bidders U[0,1], DSIC + ex-post IR = discrete E[max psibar^+]",
            config=_uniform_cfg(2, constraints="dominant"),
            grids=(11, 21, 41),
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="welfare-2-uniform",
            family=MyersonAuction.kind,
            source=f"{T.SOURCE}, efficient allocation: E[max v]",
            parameters="2 bidders U[0,1], welfare, continuum 2/3",
            config=_uniform_cfg(2, objective="welfare"),
            grids=(11, 21, 41),
            direction="below",
            relation="upper",
            min_order=1.8,
        )
    )
    out.append(
        Theorem(
            key="revenue-equivalence-2-uniform",
            family=MyersonAuction.kind,
            source=f"{T.SOURCE}, revenue equivalence: second price earns E[v_(2)]",
            parameters="2 bidders U[0,1], efficient allocation, continuum 1/3",
            config=_uniform_cfg(2, allocation="efficient"),
            grids=(21, 41, 81),
            direction="above",
            relation="lower",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
