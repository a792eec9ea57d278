"""Revenue guarantees with a (correlated) common prior (Yamashita (2018), *Revenue guarantees
in auctions with a (correlated) common prior and additional information*) and the VCG /
Clarke pivot mechanism (Makarin (2021), *From Auctions to Mechanism Design*).

``N`` bidders with values on a grid in [0, 1] and a common prior ``F`` given as iid
bidders, an explicit joint pmf, or a mixture over ``theta`` of independent per-bidder
distributions (Yamashita 2018, Assumption 1: ``F = int prod_i H_i^theta dmu``; see
:mod:`grids.correlated`).  ``mechanism``
picks what is computed (every one is an LP on the grid):

``second_price``   the Clarke pivot mechanism (Makarin 2021) (``M_i = W(0, v_-i) - W_-i(v)``,
                   ties split evenly) as a fixed LP: its revenue is the guarantee
                   ``E[v(2)]``; the certificate re-checks DSIC over all pairs.
``efficient``      Theorem 1's critical information structure (winner identity and losers'
                   values public; at a tie the whole profile is public), designer told the
                   signal: efficiency forced, winner IC inside his signal class, interim IR
                   for losers.  On a grid the value is ``E[m^+; unique top] + E[v(2); tie]``
                   (``m^+`` = lowest positive-probability point above ``v(2)``), one grid
                   step above ``E[v(2)]`` at most (see ``theory.efficient_critical_value``).
``theta_public``   Theorem 2's upper bound: Myerson's BIC LP for every ``theta`` (ironing
                   comes out of the LP), weighted by ``mu_theta``.
``dominant``       the optimal DSIC + ex-post IR mechanism for ``F``: a lower bound on the
                   best guarantee (DSIC holds under every information structure).
``no_information`` Bayesian optimum, BIC + interim IR, ex-post payments in ``[-B, B]``
                   (``payment_bound``).  For a correlated pmf satisfying Cremer-McLean's
                   full-rank condition it reaches ``E[v(1)]`` once ``B`` is large enough.
``sequential``     Supplement B (Theorem 3): bidder ``i`` arrives at time ``i``; ``q_i``
                   and payments depend on ``v^i = (v_1..v_i)`` only; DSIC + ex-post IR.

Adjacent IC suffices for the ex-post (DSIC) families (one-dimensional own type, utility
linear with increasing differences, for every fixed ``v_-i`` or history; see
:mod:`mdlp.builder.onedim`); ``no_information`` has a correlated prior, where beliefs
change with the type, so all ``K (K - 1)`` BIC pairs are written.  Certificates re-check
all pairs from the arrays.

The sandwich: ``E[v(2)] <= dominant <= best guarantee <= theta_public <= E[v(1)]``.
Theorem 1 closes it among efficient mechanisms; Theorem 2 shows both ends are within
O(1/N) of ``E[v(1)]``; Theorem 3 closes it (``dominant = guarantee``) for sequential sales.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from grids import pmf_prior
from grids.correlated import CorrelatedPrior
from mdlp.config import DistributionSpec, Strict
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.problems.guarantee import (
    dominant,
    efficient,
    no_information,
    second_price,
    sequential,
    theta_public,
)
from mdlp.problems.guarantee.common import discretize
from mdlp.theorems import Theorem
from mdlp.theory import guarantee as T
from mdlp.theory import myerson as TM
from solvers import LinearProgram, Solution

#: ``mechanism`` -> the module that builds and reads its LP
MECHANISMS = {
    "second_price": second_price,
    "efficient": efficient,
    "theta_public": theta_public,
    "dominant": dominant,
    "no_information": no_information,
    "sequential": sequential,
}


# --- config -----------------------------------------------------------------------------
class ComponentSpec(Strict):
    """One theta of a mixture: weight ``mu_theta`` and either one law for all bidders
    (``values``) or one law per bidder (``bidders``)."""

    weight: float = Field(gt=0)
    values: DistributionSpec | None = None
    bidders: list[DistributionSpec] | None = None

    @model_validator(mode="after")
    def _one(self):
        if (self.values is None) == (self.bidders is None):
            raise ValueError("give either 'values' (all bidders) or 'bidders' (one law each)")
        return self


class JointSpec(Strict):
    """An explicit joint pmf: common value list and an N-dimensional nested list."""

    values: list[float] = Field(min_length=1)
    probs: list


class PriorSpec(Strict):
    iid: DistributionSpec | None = None
    joint: JointSpec | None = None
    mixture: list[ComponentSpec] | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _exactly_one(self):
        given = [k for k in ("iid", "joint", "mixture") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of 'iid', 'joint', 'mixture'")
        if self.mixture is not None:
            s = sum(c.weight for c in self.mixture)
            if not math.isclose(s, 1.0, abs_tol=1e-9):
                raise ValueError(f"mixture weights must sum to 1, got {s}")
        return self


class GuaranteeParams(Strict):
    bidders: int = Field(2, ge=1, le=10, description="number of bidders N")
    prior: PriorSpec = Field(
        default_factory=lambda: PriorSpec(iid=DistributionSpec(low=0, high=1)),
        description="common prior: iid, joint pmf or mixture over theta",
    )
    mechanism: Literal[
        "second_price", "efficient", "theta_public", "dominant", "no_information", "sequential"
    ] = "second_price"
    payment_bound: float = Field(
        10.0, gt=0, description="|ex-post payment| <= bound (no_information only)"
    )

    @model_validator(mode="after")
    def _consistent(self):
        n = self.bidders
        pr = self.prior
        if pr.mixture is not None:
            for t, c in enumerate(pr.mixture):
                if c.bidders is not None and len(c.bidders) != n:
                    raise ValueError(
                        f"prior.mixture[{t}].bidders has {len(c.bidders)} laws; need {n}"
                    )
        if pr.joint is not None:
            a = np.asarray(pr.joint.probs, dtype=float)
            K = len(pr.joint.values)
            if a.shape != (K,) * n:
                raise ValueError(
                    f"prior.joint.probs must have shape {(K,) * n} (values^bidders), got {a.shape}"
                )
            if np.any(a < 0) or not math.isclose(a.sum(), 1.0, abs_tol=1e-9):
                raise ValueError("prior.joint.probs must be non-negative and sum to 1")
            if len(set(pr.joint.values)) != K:
                raise ValueError("prior.joint.values must be distinct")
            if self.mechanism == "theta_public":
                raise ValueError(
                    "theta_public needs a decomposition over theta: use 'iid' or 'mixture'"
                )
        return self


@register
class RevenueGuarantee(Problem):
    kind = "revenue_guarantee"
    title = "Revenue guarantees with a correlated common prior (second price, VCG, bounds)"
    source = f"{T.SOURCE}; {T.SOURCE_VCG}"
    Params = GuaranteeParams

    def prior(self) -> CorrelatedPrior:
        """The configured prior on the grid (computed per call: the problem keeps no
        state)."""
        return discretize(self.params, self.grid)

    # --- LP: one module per mechanism ----------------------------------------------------
    def build(self) -> LinearProgram:
        return MECHANISMS[self.params.mechanism].build(self)

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        return MECHANISMS[self.params.mechanism].interpret(self, lp, sol)

    def scope(self) -> tuple[str, str]:
        """``second_price`` is a fixed mechanism (its "LP" has every column fixed): an
        evaluation.  ``efficient`` optimizes payments for the efficient allocation under
        Theorem 1's information structure: a restricted optimum.  The others are optima."""
        mech = self.params.mechanism
        if mech == "second_price":
            return (
                "evaluation",
                "the second-price (Clarke pivot) auction, a fixed mechanism: its expected "
                "revenue under the prior",
            )
        if mech == "efficient":
            return (
                "restricted optimum",
                "efficient allocation forced; revenue maximized under Theorem 1's critical "
                "information structure",
            )
        return "optimum", {
            "theta_public": "Bayesian optimum with theta public (Theorem 2's upper bound)",
            "dominant": "revenue over all DSIC, ex-post IR mechanisms",
            "no_information": "revenue over all BIC, interim IR mechanisms (bounded payments)",
            "sequential": "revenue over all sequential DSIC, ex-post IR mechanisms",
        }[mech]

    # --- closed forms -------------------------------------------------------------------
    def theory(self) -> list[TheoryValue]:
        par = self.params
        gp = self.prior()
        n, x = par.bidders, gp.points
        mech = par.mechanism
        tol = 1e-7
        if gp.comps is not None:
            e1, e2 = T.order_stats_mixture(x, gp.comps)
        else:
            e1, e2 = T.order_stats_joint(x, gp.joint(n))
        law = par.prior.iid.to_prior(3).continuous if par.prior.iid is not None else None
        cont_v2 = TM.second_highest_continuum_iid(law, n) if law is not None and n >= 2 else None
        src = T.SOURCE
        out: list[TheoryValue] = []

        def ref(value, label, source=src, relation="equal"):
            # a continuum value: the grid value reaches it only as K -> infinity
            if value is not None:
                out.append(TheoryValue(value, source, label, relation, tol, limit=True))

        if mech == "second_price":
            out.append(
                TheoryValue(
                    e2,
                    f"{src}, Sec. 2 / {T.SOURCE_VCG}, VCG Lemma 1: Clarke pivot = second price",
                    "grid E[v(2)]: the fixed mechanism's expected revenue",
                    relation="evaluation",
                    tolerance=tol,
                )
            )
            ref(cont_v2, "continuum E[v(2)]", relation="evaluation")
        elif mech == "efficient":
            out.append(
                TheoryValue(
                    T.efficient_critical_value(x, gp.joint(n)),
                    f"{src} Theorem 1 (grid: E[m+; unique top] + E[v(2); tie])",
                    "grid Theorem 1 value",
                    tolerance=tol,
                )
            )
            out.append(
                TheoryValue(e2, f"{src} Theorem 1", "grid E[v(2)]", relation="lower", tolerance=tol)
            )
            ref(cont_v2, "continuum E[v(2)]")
        elif mech == "theta_public":
            out.append(
                TheoryValue(
                    T.theta_public_bound(x, gp.comps),
                    f"{src} Theorem 2 proof: sum_theta mu Myerson(H^theta) (ironed, discrete)",
                    "grid theta-public bound",
                    tolerance=tol,
                )
            )
            if law is not None and TM.is_regular(law):
                ref(TM.optimal_revenue_continuum([law] * n), "continuum Myerson")
        elif mech == "dominant":
            if gp.independent:
                out.append(
                    TheoryValue(
                        TM.optimal_revenue_discrete([pmf_prior(x, h) for h in gp.comps[0][1]]),
                        f"{T.SOURCE_VCG}, Myerson (DSIC optimum, independent prior)",
                        "grid Myerson",
                        tolerance=tol,
                    )
                )
            out.append(
                TheoryValue(
                    e2, f"{src}: second price is DSIC", "grid E[v(2)]", "lower", tolerance=tol
                )
            )
            if gp.comps is not None:
                out.append(
                    TheoryValue(
                        T.theta_public_bound(x, gp.comps),
                        f"{src} Theorem 2: theta-public bound",
                        "grid theta-public bound",
                        "upper",
                        tolerance=tol,
                    )
                )
            out.append(TheoryValue(e1, f"{src}: full surplus", "grid E[v(1)]", "upper", tol))
        elif mech == "no_information":
            if gp.independent:
                out.append(
                    TheoryValue(
                        TM.optimal_revenue_discrete([pmf_prior(x, h) for h in gp.comps[0][1]]),
                        f"{T.SOURCE_VCG}, Myerson (independent prior: no side bets possible)",
                        "grid Myerson",
                        tolerance=tol,
                    )
                )
            elif _full_rank_beliefs(gp.joint(n)):
                out.append(
                    TheoryValue(
                        e1,
                        f"{src} Sec. 2 (Cremer and McLean 1988, full surplus extraction)",
                        "grid E[v(1)]: beliefs have full rank, so the full surplus is "
                        "extracted once payment_bound is large enough",
                        "equal",
                        tolerance=tol,
                    )
                )
            out.append(
                TheoryValue(
                    e1,
                    f"{src} Sec. 2 (Cremer-McLean 1988): full surplus E[v(1)]",
                    "grid E[v(1)]",
                    "upper",
                    tolerance=tol,
                )
            )
        elif mech == "sequential":
            out.append(
                TheoryValue(
                    T.sequential_value(x, gp.joint(n)),
                    f"{src} Supplement B, Lemma 2 / Theorem 3: backward induction R_1",
                    "grid R_1",
                    tolerance=tol,
                )
            )
            if law is not None and TM.is_regular(law):
                ref(T.sequential_continuum_iid(law, n), "continuum R_1")
        return out


def _full_rank_beliefs(P: np.ndarray) -> bool:
    """Cremer and McLean's (1988) condition: for every bidder the rows of ``P(v_i, v_-i)``
    (his beliefs about the others, up to scale) are linearly independent."""
    K = P.shape[0]
    for i in range(P.ndim):
        B = np.moveaxis(P, i, 0).reshape(K, -1)
        if np.any(B.sum(axis=1) <= 0) or np.linalg.matrix_rank(B) < K:
            return False
    return True


# --- the theorem table (mdlp check) ----------------------------------------------------
def _cfg(mechanism, n=2, prior=None, **kw):
    prior = prior or {"iid": {"distribution": "uniform", "low": 0, "high": 1}}
    return {
        "kind": RevenueGuarantee.kind,
        "params": {"bidders": n, "prior": prior, "mechanism": mechanism} | kw,
        "solver": {"threads": 1},
    }


CORRELATED_PMF = {
    "joint": {
        "values": [0.2, 0.6, 1.0],
        "probs": [[0.20, 0.08, 0.02], [0.08, 0.20, 0.07], [0.02, 0.07, 0.26]],
    }
}


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    fam = RevenueGuarantee.kind
    out.append(
        Theorem(
            key="guarantee-second-price-2-uniform",
            family=fam,
            source=f"{T.SOURCE}, Sec. 2; {T.SOURCE_VCG}, VCG = second price",
            parameters="2 bidders U[0,1], Clarke pivot, continuum E[v(2)] = 1/3",
            config=_cfg("second_price"),
            grids=(21, 41, 81),
            direction="above",
            relation="evaluation",
            min_order=1.8,
        )
    )
    out.append(
        Theorem(
            key="guarantee-thm1-efficient-2-uniform",
            family=fam,
            source=f"{T.SOURCE}, Theorem 1",
            parameters="2 bidders U[0,1], critical info structure, continuum E[v(2)] = 1/3",
            config=_cfg("efficient"),
            grids=(21, 41, 81),
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="guarantee-thm3-sequential-2-uniform",
            family=fam,
            source=f"{T.SOURCE}, Supplement B, Theorem 3",
            parameters="2 bidders U[0,1], sequential DSIC, continuum R_1 = 25/64",
            config=_cfg("sequential"),
            grids=(21, 41, 81),
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="guarantee-cremer-mclean-pmf",
            family=fam,
            source=f"{T.SOURCE}, Sec. 2 (Cremer-McLean full surplus extraction)",
            parameters="2 bidders, correlated 3x3 pmf, no information, |m| <= 10: E[v(1)]",
            config=_cfg("no_information", prior=CORRELATED_PMF),
            grids=(None,),
            mode="exact",
            relation="equal",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
