"""Revenue guarantees with a (correlated) common prior (Yamashita (2018), *Revenue guarantees
in auctions with a (correlated) common prior and additional information*) and the VCG /
Clarke pivot mechanism (Makarin (2021), *From Auctions to Mechanism Design*).

``N`` bidders with values on a grid in [0, 1] and a common prior ``F`` given as iid
bidders, an explicit joint pmf, or a mixture over ``theta`` of independent per-bidder
distributions (Assumption 1 of 004: ``F = int prod_i H_i^theta dmu``).  ``mechanism``
picks what is computed (every one is an LP on the grid):

``second_price``   the Clarke pivot mechanism of 001 (``M_i = W(0, v_-i) - W_-i(v)``,
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
linear with increasing differences, for every fixed ``v_-i`` or history), as in
``mdlp/problems/myerson.py``; ``no_information`` has a correlated prior, where beliefs
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
import pandas as pd
from pydantic import Field, model_validator

from grids import pmf_prior
from mdlp.builder import adjacent_ic, efficient_allocation, ic_certificate, others_pmf
from mdlp.config import DistributionSpec, Strict
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import guarantee as T
from mdlp.theory import myerson as TM
from solvers import LinearProgram, Solution

MAX_PROFILE_CELLS = 4_000_000  # N * K^N guard for the full-profile LPs


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


# --- the discretized prior ----------------------------------------------------------------
class GridPrior:
    """``points`` (K,), ``comps`` = [(mu, [h_1..h_N])] or ``None`` (joint pmf), ``P``."""

    def __init__(self, points, comps=None, P=None):
        self.points = np.asarray(points, dtype=float)
        self.comps = comps
        self._P = P

    @property
    def K(self):
        return self.points.size

    @property
    def independent(self) -> bool:
        return self.comps is not None and len(self.comps) == 1

    @property
    def iid(self) -> bool:
        return self.independent and all(
            np.array_equal(h, self.comps[0][1][0]) for h in self.comps[0][1]
        )

    def joint(self, n) -> np.ndarray:
        if self._P is None:
            if n * self.K**n > MAX_PROFILE_CELLS:
                raise ValueError(
                    f"{n} bidders x {self.K} points = {self.K**n} profiles is too large "
                    "for a full-profile LP; lower grid.points"
                )
            P = 0.0
            for mu, hs in self.comps:
                t = np.ones(())
                for h in hs:
                    t = np.multiply.outer(t, h)
                P = P + mu * t
            self._P = np.asarray(P)
        return self._P


def discretize(par: GuaranteeParams, grid) -> GridPrior:
    n = par.bidders
    pr = par.prior
    if pr.joint is not None:
        v = np.asarray(pr.joint.values, float)
        order = np.argsort(v)
        P = np.asarray(pr.joint.probs, float)
        for ax in range(n):
            P = np.take(P, order, axis=ax)
        return GridPrior(v[order], None, P / P.sum())
    if pr.iid is not None:
        p = pr.iid.to_prior(grid.points, grid.placement)
        return GridPrior(p.points, [(1.0, [p.probs] * n)])
    comps = []
    for c in pr.mixture:
        specs = c.bidders if c.bidders is not None else [c.values] * n
        comps.append((c.weight, [s.to_prior(grid.points, grid.placement) for s in specs]))
    pts = np.unique(np.concatenate([p.points for _, ps in comps for p in ps]))
    out = []
    for w, ps in comps:
        hs = []
        for p in ps:
            idx = np.searchsorted(pts, p.points)
            h = np.zeros(pts.size)
            h[idx] = p.probs
            hs.append(h)
        out.append((w, hs))
    return GridPrior(pts, out)


def clarke_payments(X: np.ndarray, q: np.ndarray, alpha: float = 0.0) -> np.ndarray:
    """VCG with the Clarke pivot of 001: ``M_i(v) = W(alpha_i, v_-i) - W_-i(v)`` with
    ``W`` the efficient welfare (``alpha_i`` the lowest value, 0 in 004's [0, 1])."""
    n = X.shape[0]
    out = np.empty_like(X)
    welfare = (q * X).sum(axis=0)
    for i in range(n):
        others = np.delete(X, i, axis=0)
        w_alpha = np.maximum(alpha, others.max(axis=0)) if n > 1 else np.full(X.shape[1:], alpha)
        out[i] = w_alpha - (welfare - q[i] * X[i])
    return out


def efficient_split(X: np.ndarray) -> np.ndarray:
    return efficient_allocation(X)


def _own_first(a: np.ndarray, axis: int) -> np.ndarray:
    """Move ``axis`` to the front and flatten the rest: (K, R)."""
    return np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1)


@register
class RevenueGuarantee(Problem):
    kind = "revenue_guarantee"
    title = "Revenue guarantees with a correlated common prior (second price, VCG, bounds)"
    source = f"{T.SOURCE}; {T.SOURCE_VCG}"
    Params = GuaranteeParams

    def prior(self) -> GridPrior:
        if not hasattr(self, "_prior"):
            self._prior = discretize(self.params, self.grid)
        return self._prior

    def _profiles(self):
        gp = self.prior()
        n = self.params.bidders
        P = gp.joint(n)
        X = np.stack(np.meshgrid(*([gp.points] * n), indexing="ij"))
        return gp, n, P, X

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        return getattr(self, f"_build_{self.params.mechanism}")()

    def _build_second_price(self):
        gp, n, P, X = self._profiles()
        lp = LinearProgram("max", self.kind)
        q_fix = efficient_split(X)
        m_fix = clarke_payments(X, q_fix)
        lp.add_variables("q", q_fix.shape, lb=q_fix, ub=q_fix)
        m = lp.add_variables("m", m_fix.shape, lb=m_fix, ub=m_fix)
        lp.add_objective(m, P[None])
        return lp

    def _build_dominant(self):
        gp, n, P, X = self._profiles()
        x = gp.points
        lp = LinearProgram("max", self.kind)
        q = lp.add_variables("q", X.shape, lb=0.0, ub=1.0)
        m = lp.add_variables("m", X.shape, lb=-np.inf)
        lp.add_constraints("feasibility", [(np.moveaxis(q, 0, -1), 1.0)], ub=1.0, shape=P.shape)
        for i in range(n):
            xi = x.reshape([-1 if d == i else 1 for d in range(n)])
            adjacent_ic(lp, i + 1, q[i], m[i], xi, axis=i)
            lp.add_constraints(
                f"ir{i + 1}",
                [(np.take(q[i], 0, axis=i), x[0]), (np.take(m[i], 0, axis=i), -1.0)],
                lb=0.0,
            )
        lp.add_objective(m, P[None])
        return lp

    def _build_theta_public(self):
        gp = self.prior()
        n = self.params.bidders
        x, K = gp.points, gp.K
        lp = LinearProgram("max", self.kind)
        for t, (mu, hs) in enumerate(gp.comps):
            shape = (K,) * n
            q = lp.add_variables(f"q_t{t}", (n,) + shape, lb=0.0, ub=1.0)
            lp.add_constraints(
                f"feasibility_t{t}", [(np.moveaxis(q, 0, -1), 1.0)], ub=1.0, shape=shape
            )
            pri = [np.asarray(h, float) for h in hs]
            for i in range(n):
                Q = lp.add_variables(f"Q_t{t}_{i + 1}", (K,), lb=0.0, ub=1.0)
                M = lp.add_variables(f"M_t{t}_{i + 1}", (K,), lb=-np.inf)
                qi = _own_first(q[i], i)
                lp.add_constraints(
                    f"interim_t{t}_{i + 1}",
                    [(Q[:, None], 1.0), (qi, -others_pmf(pri, i)[None, :])],
                    lb=0.0,
                    ub=0.0,
                    shape=(K,),
                )
                adjacent_ic(lp, f"_t{t}_{i + 1}", Q, M, x, axis=0)
                lp.add_constraints(f"ir_t{t}_{i + 1}", [(Q[0], x[0]), (M[0], -1.0)], lb=0.0)
                lp.add_objective(M, mu * hs[i])
        return lp

    def _efficient_classes(self, P, X, i):
        """Winner ``i``'s signal classes: (K, R) mask of own types above ``max v_-i`` with
        positive probability, and the index of the lowest member per column."""
        x = self.prior().points
        n = X.shape[0]
        K = x.size
        Pi = _own_first(P, i)
        if n == 1:
            m = np.full(1, -np.inf)
        else:
            oth = np.moveaxis(np.delete(X, i, axis=0), i + 1, 1).reshape(n - 1, K, -1)
            m = oth[:, 0, :].max(axis=0)
        cls = (x[:, None] > m[None, :]) & (Pi > 0)
        return Pi, cls, np.argmax(cls, axis=0), cls.any(axis=0)

    def _build_efficient(self):
        gp, n, P, X = self._profiles()
        K = gp.K
        lp = LinearProgram("max", self.kind)
        top = X.max(axis=0)
        istop = X == top
        unique = istop.sum(axis=0) == 1
        q = lp.add_variables("q", X.shape, lb=0.0, ub=istop.astype(float))
        m = lp.add_variables("m", X.shape, lb=-np.inf)
        # efficiency: the good always goes to a top bidder (split free at a tie)
        lp.add_constraints(
            "efficiency", [(np.moveaxis(q, 0, -1), 1.0)], lb=1.0, ub=1.0, shape=P.shape
        )
        # ex-post IR wherever the bidder knows everything payoff-relevant (ties: all
        # values public; the unique winner: he knows v and the signal)
        expost = ~unique[None] | istop
        lp.add_constraints("ir_expost", [(q[expost], X[expost]), (m[expost], -1.0)], lb=0.0)
        for i in range(n):
            Pi, cls, first, has = self._efficient_classes(P, X, i)
            mi = _own_first(m[i], i)
            # winner IC inside the class (q = 1 on it): payment constant across the class
            kk, rr = np.nonzero(cls & (np.arange(K)[:, None] != first[None, :]))
            lp.add_constraints(
                f"ic_class{i + 1}",
                [(mi[kk, rr], 1.0), (mi[first[rr], rr], -1.0)],
                lb=0.0,
                ub=0.0,
            )
            # losers' interim IR given the signal (i, v_-i): E[-m_j | s] >= 0
            cols = np.flatnonzero(has)
            for j in range(n):
                if j == i:
                    continue
                mj = _own_first(m[j], i)
                lp.add_constraints(
                    f"ir_loser{j + 1}_given{i + 1}",
                    [(mj[:, cols].T, -(Pi * cls)[:, cols].T)],
                    lb=0.0,
                    shape=(cols.size,),
                )
        lp.add_objective(m, P[None])
        return lp

    def _build_no_information(self):
        gp, n, P, X = self._profiles()
        x, K, B = gp.points, gp.K, self.params.payment_bound
        lp = LinearProgram("max", self.kind)
        q = lp.add_variables("q", X.shape, lb=0.0, ub=1.0)
        m = lp.add_variables("m", X.shape, lb=-B, ub=B)
        lp.add_constraints("feasibility", [(np.moveaxis(q, 0, -1), 1.0)], ub=1.0, shape=P.shape)
        for i in range(n):
            Pi = _own_first(P, i)  # (K, R): P(v_i = k, v_-i = r)
            qi, mi = _own_first(q[i], i), _own_first(m[i], i)
            W = Pi[:, None, :]  # weights of type k's belief, broadcast over reports l
            xk = x[:, None, None]
            # BIC, all pairs: sum_r P(k, r) [x_k (q(k,r) - q(l,r)) - m(k,r) + m(l,r)] >= 0
            lp.add_constraints(
                f"bic{i + 1}",
                [
                    (qi[:, None, :], xk * W),
                    (qi[None, :, :], -xk * W),
                    (mi[:, None, :], -W),
                    (mi[None, :, :], W),
                ],
                lb=0.0,
                shape=(K, K),
            )
            lp.add_constraints(f"ir{i + 1}", [(qi, x[:, None] * Pi), (mi, -Pi)], lb=0.0, shape=(K,))
        lp.add_objective(m, P[None])
        return lp

    def _build_sequential(self):
        gp, n, P, X = self._profiles()
        x = gp.points
        lp = LinearProgram("max", self.kind)
        full = P.shape
        terms = []
        for i in range(1, n + 1):
            shape = (gp.K,) * i
            marg = P.sum(axis=tuple(range(i, n))) if i < n else P
            q = lp.add_variables(f"q{i}", shape, lb=0.0, ub=1.0)
            m = lp.add_variables(f"m{i}", shape, lb=-np.inf)
            terms.append((q.reshape(shape + (1,) * (n - i)), 1.0))
            xi = x.reshape((1,) * (i - 1) + (-1,))
            adjacent_ic(lp, i, q, m, xi, axis=i - 1)
            lp.add_constraints(
                f"ir{i}",
                [(np.take(q, 0, axis=i - 1), x[0]), (np.take(m, 0, axis=i - 1), -1.0)],
                lb=0.0,
            )
            lp.add_objective(m, marg)
        lp.add_constraints("feasibility", [(np.broadcast_to(c, full), v) for c, v in terms], ub=1.0)
        return lp

    # --- reading the solution back --------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        mech = self.params.mechanism
        gp = self.prior()
        n, x = self.params.bidders, gp.points
        if mech == "theta_public":
            return self._interpret_theta(sol)
        P = gp.joint(n)
        X = np.stack(np.meshgrid(*([x] * n), indexing="ij"))
        if mech == "sequential":
            q = np.stack(
                [
                    np.broadcast_to(sol.x[f"q{i}"].reshape((gp.K,) * i + (1,) * (n - i)), P.shape)
                    for i in range(1, n + 1)
                ]
            )
            m = np.stack(
                [
                    np.broadcast_to(sol.x[f"m{i}"].reshape((gp.K,) * i + (1,) * (n - i)), P.shape)
                    for i in range(1, n + 1)
                ]
            )
        else:
            q, m = sol.x["q"], sol.x["m"]
        cert = {
            "feasibility": float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max(), (q - 1).max()))
        }
        ic = ir = 0.0
        if mech in ("second_price", "dominant"):
            for i in range(n):
                ic = max(ic, _ic_gain(x, _own_first(q[i], i), _own_first(m[i], i)))
            ir = float((m - X * q).max())
        elif mech == "sequential":
            for i in range(1, n + 1):
                qi, mi = sol.x[f"q{i}"], sol.x[f"m{i}"]
                ic = max(ic, _ic_gain(x, _own_first(qi, i - 1), _own_first(mi, i - 1)))
                ir = max(ir, float((mi - x.reshape((1,) * (i - 1) + (-1,)) * qi).max()))
        elif mech == "no_information":
            for i in range(n):
                Pi = _own_first(P, i)
                pk = Pi.sum(axis=1)
                ok = pk > 0
                qi, mi = _own_first(q[i], i), _own_first(m[i], i)
                U = x[:, None] * (Pi @ qi.T) - Pi @ mi.T  # U[k, l] (weighted by P(k))
                U = U[ok] / pk[ok, None]
                own = U[np.arange(U.shape[0]), np.flatnonzero(ok)]
                ic = max(ic, float((U - own[:, None]).max()))
                ir = max(ir, float((-own).max()))
            B = self.params.payment_bound
            cert["payment_bound"] = float(max(0.0, np.abs(m).max() - B))
        elif mech == "efficient":
            top = X.max(axis=0)
            istop = X == top
            unique = istop.sum(axis=0) == 1
            cert["efficiency"] = float(max(np.abs(q.sum(axis=0) - 1).max(), (q * ~istop).max()))
            expost = ~unique[None] | istop
            ir = float(((m - X * q) * expost).max())
            for i in range(n):
                Pi, cls, first, has = self._efficient_classes(P, X, i)
                mi = _own_first(m[i], i)
                hi = np.where(cls, mi, -np.inf).max(axis=0)
                lo = np.where(cls, mi, np.inf).min(axis=0)
                ic = max(ic, float(np.max(np.where(has, hi - lo, 0.0))))
                for j in range(n):
                    if j != i:
                        mj = _own_first(m[j], i)
                        ir = max(ir, float(((Pi * cls) * mj).sum(axis=0).max()))
        cert["ic"] = max(ic, 0.0)
        cert["ir"] = max(ir, 0.0)
        cols = {f"v{i + 1}": X[i].ravel() for i in range(n)}
        cols["prob"] = P.ravel()
        for i in range(n):
            cols[f"q{i + 1}"] = q[i].ravel()
            cols[f"m{i + 1}"] = m[i].ravel()
        e1, e2 = T.order_stats_joint(x, P)
        extras = {
            "revenue": float((P[None] * m).sum()),
            "welfare": float((P[None] * X * q).sum()),
            "E_v1": e1,
            "E_v2": e2,
            "surplus_share": float((P[None] * m).sum() / e1) if e1 > 0 else None,
        }
        if gp.comps is not None:
            extras["theta_public_bound"] = T.theta_public_bound(x, gp.comps)
        if mech == "dominant":
            extras["sandwich"] = {
                "E_v2 (second price, DSIC)": e2,
                "dominant (this LP)": extras["revenue"],
                "theta_public (upper)": extras.get("theta_public_bound"),
                "E_v1": e1,
            }
        if mech == "no_information":
            extras["payment_bound"] = self.params.payment_bound
            extras["max_abs_payment"] = float(np.abs(m).max())
            extras["cremer_mclean_rank"] = [
                int(np.linalg.matrix_rank(_own_first(P, i))) for i in range(n)
            ]
        return Interpretation(pd.DataFrame(cols), cert, extras)

    def _interpret_theta(self, sol):
        gp = self.prior()
        n, x = self.params.bidders, gp.points
        cert = {"feasibility": 0.0, "ic": 0.0, "ir": 0.0}
        rows, per_theta = [], []
        for t, (mu, hs) in enumerate(gp.comps):
            q = sol.x[f"q_t{t}"]
            cert["feasibility"] = max(
                cert["feasibility"], float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max()))
            )
            pri = [np.asarray(h, float) for h in hs]
            rev = 0.0
            for i in range(n):
                Qr = _own_first(q[i], i) @ others_pmf(pri, i)
                M = sol.x[f"M_t{t}_{i + 1}"]
                U = x[:, None] * Qr[None, :] - M[None, :]
                ok = hs[i] > 0  # only types that occur under theta
                own = np.diag(U)[ok]
                cert["ic"] = max(cert["ic"], float((U[ok] - own[:, None]).max()))
                cert["ir"] = max(cert["ir"], float((-own).max()))
                rev += float(hs[i] @ M)
                rows.append({"theta": t, "bidder": i + 1, "weight": mu, "revenue_i": hs[i] @ M})
            per_theta.append({"theta": t, "weight": mu, "revenue": rev})
        extras = {
            "per_theta": per_theta,
            "E_v1": T.order_stats_mixture(x, gp.comps)[0],
            "E_v2": T.order_stats_mixture(x, gp.comps)[1],
        }
        return Interpretation(pd.DataFrame(rows), cert, extras)

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


def _ic_gain(x, q, m) -> float:
    """Largest ex-post IC gain over all pairs of own types (``q``, ``m``: own type first)."""
    K = q.shape[0]
    return ic_certificate(x[:, None], q.reshape(K, -1, 1), m.reshape(K, -1))[0]


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
