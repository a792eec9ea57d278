"""Obedient information selling to two competing buyers (Nouripour (2021), *Selling
Information in Competitive Environments*).

A seller who knows a binary state ``theta`` (``P[theta = 1] = prior``) sells action
recommendations to two buyers who then play a downstream game with payoffs ``V_i *
pi_i(a; theta)``; ``V_i`` is buyer i's private margin.  A mechanism is a recommendation
rule ``sigma(a | theta, v)`` and interim payments ``p_i(v_i)``.  The LP on the grid of value
profiles:

* variables ``sigma[theta, k1, k2, a]`` (``a = 2 a1 + a2``; a probability vector per
  ``(theta, v)``), interim shares ``pi~_i(k)`` (defined by equality rows, linear in
  ``sigma``) and interim payments ``p_i(k) >= 0`` (the model's payments are non-negative);
* obedience (Definition 2, linear form): for buyer i, own type k, recommended ``a_i`` and
  the other action ``a_i'``: ``sum_{theta, v_j, a_j} P(theta) P(v_j) sigma(a | theta, v)
  [pi_i(a_i, a_j; theta) - pi_i(a_i', a_j; theta)] >= 0``.  The factor ``v_i > 0`` is
  dropped (it does not change the sign);
* truthfulness (Definition 3) between grid types with ``U_i(k, l) = x_k pi~_i(l) - p_i(l)``.
  Why adjacent rows suffice: types are one-dimensional and utility ``x pi~ - p`` is linear
  in the type with increasing differences, so IC between neighbours in both directions
  forces ``pi~_i`` non-decreasing and then chains to every pair (the argument in
  :mod:`mdlp.problems.myerson`).  Measured on this family: all pairs 105 s against 2 s for
  adjacent at K = 60, same optimum.  The certificate re-checks all pairs;
* individual rationality (Definition 4) at every grid type against ``x_k K_i``, where
  ``K_i`` is the min-max outside option computed from the payoff table
  (:func:`mdlp.theory.information.outside_option`; ``mu - alpha`` for Example 3, negative
  when ``alpha > mu``, so revenue may exceed welfare);
* objective: expected welfare ``E[sum_i V_i pi_i(A; theta)]`` or expected revenue
  ``E[sum_i p_i(V_i)]``.

Proposition 1 makes obedience + truthfulness equivalent to full incentive compatibility
(double deviations) under linear payoffs, so this LP is the thesis's problem on the grid.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from mdlp.builder import (
    adjacent_ic,
    ic_certificate,
    interim_rows,
    ir_rows,
    joint_pmf,
    profile_values,
)
from mdlp.config import DistributionSpec, Strict
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import information as T
from solvers import LinearProgram, Solution
from solvers.strategies import NoPresolve, with_strategy

PROFILES = ("00", "01", "10", "11")  # a = 2 a1 + a2
CORRECTNESS = ("rr", "rw", "wr", "ww")  # (A1 = theta?, A2 = theta?)


class InformationParams(Strict):
    prior: float = Field(0.5, gt=0.0, lt=1.0, description="P[theta = 1]")
    values: DistributionSpec | list[DistributionSpec] = Field(
        default_factory=lambda: DistributionSpec(distribution="uniform", low=0, high=1),
        description="the buyers' value (margin) distribution: one spec, or a list of two",
    )
    alpha: float = Field(0.5, ge=0.0, le=1.0, description="competition intensity")
    beta: float | None = Field(
        None, ge=0.0, le=1.0, description="chapter 5's (alpha, beta) game instead of Example 3"
    )
    payoffs: list | None = Field(
        None, description="explicit table payoffs[theta][a1][a2] = [pi_1, pi_2]"
    )
    objective: Literal["welfare", "revenue"] = "welfare"

    @field_validator("values")
    @classmethod
    def _two(cls, v):
        if isinstance(v, list):
            if len(v) == 1:
                return v[0]
            if len(v) != 2:
                raise ValueError("give one distribution or a list of two (one per buyer)")
        return v

    @field_validator("payoffs")
    @classmethod
    def _table(cls, v):
        if v is None:
            return v
        try:
            arr = np.asarray(v, dtype=float)
        except (TypeError, ValueError):
            raise ValueError("payoffs must be numbers in a [2][2][2][2] nested list") from None
        if arr.shape != (2, 2, 2, 2):
            raise ValueError(
                f"payoffs must have shape [theta][a1][a2][player] = 2x2x2x2, got {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError("payoffs must be finite")
        return arr.tolist()

    @model_validator(mode="after")
    def _one_game(self):
        if self.payoffs is not None and self.beta is not None:
            raise ValueError("give either 'payoffs' or 'beta', not both")
        return self

    def specs(self) -> list[DistributionSpec]:
        v = self.values
        return list(v) if isinstance(v, list) else [v, v]

    def table(self) -> np.ndarray:
        if self.payoffs is not None:
            return np.asarray(self.payoffs, dtype=float)
        if self.beta is not None:
            return T.alpha_beta_payoffs(self.alpha, self.beta)
        return T.example3_payoffs(self.alpha)


@register
class InformationSelling(Problem):
    kind = "information_selling"
    title = "Obedient information selling to competing buyers (binary state)"
    source = T.SOURCE
    Params = InformationParams

    # --- setup --------------------------------------------------------------------------
    def priors(self):
        return [s.to_prior(self.grid.points, self.grid.placement) for s in self.params.specs()]

    def _setup(self):
        priors = self.priors()
        pay = self.params.table()  # [theta, a1, a2, i]
        Pth = T.state_probs(self.params.prior)
        Kout = T.outside_option(pay, self.params.prior)
        # pay_flat[theta, a, i] with a = 2 a1 + a2
        return priors, pay.reshape(2, 4, 2), Pth, Kout

    @staticmethod
    def _split(a_index):
        return a_index // 2, a_index % 2

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        priors, pay, Pth, Kout = self._setup()
        K1, K2 = len(priors[0]), len(priors[1])
        x = [p.points for p in priors]
        pr = [p.probs for p in priors]
        lp = LinearProgram("max", self.kind)
        s = lp.add_variables("sigma", (2, K1, K2, 4), lb=0.0, ub=1.0)
        lp.add_constraints("simplex", [(s, 1.0)], lb=1.0, ub=1.0, shape=(2, K1, K2))
        Pv = joint_pmf(pr)
        a1, a2 = self._split(np.arange(4))
        for i in range(2):
            j = 1 - i
            Ki = (K1, K2)[i]
            # sigma arranged [own type, theta, other type, a]; weights P(theta) P_j(v_j)
            si = np.moveaxis(s, 1 + i, 0)  # [k_i, theta, k_j, a]
            w = Pth[None, :, None, None] * pr[j][None, None, :, None]
            share = lp.add_variables(f"share{i + 1}", (Ki,), lb=-np.inf)
            # pi~_i(k) = sum_{theta, v_j, a} P(theta) P_j(v_j) pi_i(a; theta) sigma(...)
            interim_rows(lp, f"interim{i + 1}", share, si, (w * pay[None, :, None, :, i])[0])
            # obedience: rows [k_i, recommended a_i]; gain of a_i over 1 - a_i
            own = a1 if i == 0 else a2
            dev = 2 * (1 - a1) + a2 if i == 0 else 2 * a1 + (1 - a2)
            gain = pay[:, :, i] - pay[:, dev, i]  # [theta, a]
            coef = np.zeros((1, 2, 1, 4, 2))  # [k_i, theta, k_j, a, recommended]
            for r in range(2):
                coef[0, :, 0, :, r] = gain * (own == r)[None, :]
            coef = coef * w[..., None]
            cols = si[..., None]
            terms = [(np.moveaxis(cols, -1, 1), np.moveaxis(coef, -1, 1))]
            lp.add_constraints(f"obedience{i + 1}", terms, lb=0.0, shape=(Ki, 2))
            pay_i = lp.add_variables(f"pay{i + 1}", (Ki,), lb=0.0)
            adjacent_ic(lp, i + 1, share, pay_i, x[i], axis=0)
            # IR at every type: the outside option x_k K_i grows with the type
            ir_rows(lp, f"ir{i + 1}", share[:, None], pay_i, x[i][:, None], outside=x[i] * Kout[i])
            if self.params.objective == "revenue":
                lp.add_objective(pay_i, pr[i])
        if self.params.objective == "welfare":
            # sum_i v_i pi_i(a; theta) weighted by P(theta) P(v)
            util = (
                x[0][None, :, None, None] * pay[:, None, None, :, 0]
                + x[1][None, None, :, None] * pay[:, None, None, :, 1]
            )
            lp.add_objective(s, Pth[:, None, None, None] * Pv[None, :, :, None] * util)
        return lp

    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """The LP, solved with the options of :meth:`solver_strategy`."""
        return self.solver_strategy(lp, backend).solve(lp)

    def solver_strategy(self, lp: LinearProgram, backend):
        """The solver options this family needs, chosen in this one place: presolve off,
        when the user left presolve to the solver (``choose``).
        Measured at K = 201 (U[0,1], P[theta=1] = 0.7, alpha = 1/2, one thread), dual
        simplex takes 18 s (welfare) and 14 s (revenue) without presolve against 27 s and
        19 s with it; IPM 42 s / 32 s, primal simplex and PDLP > 120 s.  Returns the
        backend run under :class:`solvers.strategies.NoPresolve` (reported in the result's
        ``solver.strategy``; a backend without presolve skips it and says so)."""
        if getattr(backend, "presolve", "choose") == "choose":
            return with_strategy(backend, NoPresolve())
        return backend

    # --- reading the solution back ------------------------------------------------------
    def arrays(self, sigma: np.ndarray) -> dict:
        """Interim quantities recomputed from ``sigma[theta, k1, k2, a]`` alone."""
        priors, pay, Pth, Kout = self._setup()
        pr = [p.probs for p in priors]
        K1, K2 = len(pr[0]), len(pr[1])
        a1, a2 = self._split(np.arange(4))
        th = np.arange(2)[:, None]
        right = [(a1[None, :] == th).astype(float), (a2[None, :] == th).astype(float)]
        # h_i[k1, k2] = P[A_i = theta | V]
        h = [np.einsum("t,tkla,ta->kl", Pth, sigma, r) for r in right]
        corr = [h[0] @ pr[1], pr[0] @ h[1]]
        # expected payoff given V: E[pi_i | V]
        epi = [np.einsum("t,tkla,ta->kl", Pth, sigma, pay[:, :, i]) for i in range(2)]
        share = [epi[0] @ pr[1], pr[0] @ epi[1]]
        # obedience gains per (own type, recommended action)
        obed = []
        for i in range(2):
            own = a1 if i == 0 else a2
            dev = 2 * (1 - a1) + a2 if i == 0 else 2 * a1 + (1 - a2)
            gain = pay[:, :, i] - pay[:, dev, i]  # [theta, a]
            g = np.einsum("t,tkla,ta->kla", Pth, sigma, gain)
            g = np.einsum("kla,l->ka", g, pr[1]) if i == 0 else np.einsum("kla,k->la", g, pr[0])
            obed.append(np.stack([g[:, own == r].sum(axis=1) for r in range(2)], axis=1))
        # Definition 1 (double deviations): G[i][l, r, d] = E[pi_i(d, A_j) 1{A_i = r} | B_i = l]
        G = []
        for i in range(2):
            own = a1 if i == 0 else a2
            Gi = np.zeros(((K1, K2)[i], 2, 2))
            for d in range(2):
                swapped = 2 * d + a2 if i == 0 else 2 * a1 + d
                g = np.einsum("t,tkla,ta->kla", Pth, sigma, pay[:, swapped, i])
                g = np.einsum("kla,l->ka", g, pr[1]) if i == 0 else np.einsum("kla,k->la", g, pr[0])
                for r in range(2):
                    Gi[:, r, d] = g[:, own == r].sum(axis=1)
            G.append(Gi)
        # correctness profiles: P[(A1 = theta?, A2 = theta?) | V]
        regions = {}
        for name, (c1, c2) in zip(CORRECTNESS, ((1, 1), (1, 0), (0, 1), (0, 0)), strict=True):
            m = (right[0] == c1) & (right[1] == c2)
            regions[name] = np.einsum("t,tkla,ta->kl", Pth, sigma, m.astype(float))
        return {
            "h": h,
            "correct": corr,
            "share": share,
            "obedience": obed,
            "deviation_payoffs": G,
            "regions": regions,
            "K": Kout,
            "priors": priors,
        }

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        sigma = sol.x["sigma"]
        A = self.arrays(sigma)
        priors, Kout = A["priors"], A["K"]
        x = [p.points for p in priors]
        pr = [p.probs for p in priors]
        cert = {"simplex": float(max(np.abs(sigma.sum(axis=-1) - 1).max(), (-sigma).max(), 0.0))}
        obedience = truth = ir = mono = paid = double = 0.0
        payments, welfare, revenue = [], 0.0, 0.0
        extras: dict = {"K": Kout.tolist(), "interim": []}
        for i in range(2):
            share = A["share"][i]
            p = sol.x[f"pay{i + 1}"]
            payments.append(p)
            obedience = max(obedience, float((-A["obedience"][i]).max()))
            own = x[i] * share - p  # truthful utility of every type
            # truthfulness over all pairs, by the builder's independent certificate
            truth = max(truth, ic_certificate(x[i][:, None], share[:, None], p)[0])
            # misreport l and then best deviation delta(recommendation), type k:
            # sum_r max_d x_k G[l, r, d] (min for a negative type)
            G = A["deviation_payoffs"][i]
            best = np.where(
                x[i][:, None] >= 0,
                x[i][:, None] * G.max(axis=2).sum(axis=1)[None, :],
                x[i][:, None] * G.min(axis=2).sum(axis=1)[None, :],
            )
            double = max(double, float((best - p[None, :] - own[:, None]).max()))
            ir = max(ir, float((x[i] * Kout[i] - own).max()))
            mono = max(mono, float(np.max(share[:-1] - share[1:], initial=0.0)))
            paid = max(paid, float((-p).max()))
            revenue += float(pr[i] @ p)
            welfare += float(pr[i] @ (x[i] * share))
            extras["interim"].append(
                {
                    "v": x[i].tolist(),
                    "correct": A["correct"][i].tolist(),
                    "share": share.tolist(),
                    "payment": p.tolist(),
                    "obedience_slack": A["obedience"][i].min(axis=1).tolist(),
                }
            )
        cert["obedience"] = max(obedience, 0.0)
        cert["truthfulness"] = max(truth, 0.0)
        cert["ir"] = max(ir, 0.0)
        cert["ic_double_deviation"] = max(double, 0.0)  # Definition 1 / Proposition 1
        cert["share_monotone"] = max(mono, 0.0)
        cert["payments_nonnegative"] = max(paid, 0.0)
        ex3 = T.affine_example3(self.params.table())
        if ex3 is not None:
            # Proposition 3: obedience <=> P[A_i = theta | V_i] >= mu
            mu = max(self.params.prior, 1 - self.params.prior)
            cert["prop3"] = max(0.0, max(float((mu - c).max()) for c in A["correct"]))
            extras["mu"] = mu
        if self.params.objective == "revenue":
            # (3.1)/(4.2) on the grid: downward truthfulness binds and IR binds at the
            # lowest type, p(k) = x_k pi~(k) - x_0 K - sum_{j<k} (x_{j+1} - x_j) pi~(j).
            dev = 0.0
            for i in range(2):
                sh, xi = A["share"][i], x[i]
                rent = np.concatenate([[0.0], np.cumsum(np.diff(xi) * sh[:-1])])
                formula = xi * sh - xi[0] * Kout[i] - rent
                dev = max(dev, float(np.abs(formula - payments[i]).max()))
            cert["payments_4_2"] = dev
        extras["welfare"] = welfare
        extras["revenue"] = revenue
        extras["buyer_surplus"] = welfare - revenue
        V1, V2 = profile_values(x)
        cols = {
            "v1": V1.ravel(),
            "v2": V2.ravel(),
            "prob": np.outer(pr[0], pr[1]).ravel(),
            "P_A1_right": A["h"][0].ravel(),
            "P_A2_right": A["h"][1].ravel(),
        }
        for name, arr in A["regions"].items():
            cols[f"P_{name}"] = arr.ravel()
        for t in range(2):
            for a, lab in enumerate(PROFILES):
                cols[f"sigma_{lab}_theta{t}"] = sigma[t, :, :, a].ravel()
        for t in range(2):
            cols[f"profile_theta{t}"] = np.asarray(PROFILES)[np.argmax(sigma[t], axis=-1).ravel()]
        dominant = np.argmax(np.stack([A["regions"][n] for n in CORRECTNESS]), axis=0)
        cols["region"] = np.asarray(CORRECTNESS)[dominant.ravel()]
        return Interpretation(pd.DataFrame(cols), cert, extras)

    # --- closed forms -------------------------------------------------------------------
    def theory(self) -> list[TheoryValue]:
        par = self.params
        priors = self.priors()
        ex3 = T.affine_example3(par.table())
        out: list[TheoryValue] = []
        scale = max(1.0, max(float(np.abs(p.points).max()) for p in priors))
        tol = 1e-7 * scale
        src = T.SOURCE
        pts, probs = [p.points for p in priors], [p.probs for p in priors]
        mean_sum = sum(p.mean() for p in priors)
        if ex3 is None:
            # General game: only the relaxation without obedience bounds the LP.
            self.note_no_closed_form(
                "the payoff table is not an affine image of Example 3; only the relaxation "
                "without obedience bounds the LP"
            )
            return [self._general_upper_bound(priors, tol)]
        alpha, s, t = ex3
        if not 0.0 <= alpha <= 1.0:
            self.note_no_closed_form(
                f"the game maps to Example 3 with alpha = {alpha:.4g}, outside [0, 1] where "
                "Propositions 5 and 7 apply; only the relaxation without obedience bounds the LP"
            )
            return [self._general_upper_bound(priors, tol)]

        def lift(v_old):
            # pi = s pi_old + t:  W = s W_old + t E[V1 + V2];  R = s R_old (the shift is
            # paid back through K: E[psi] = x_lo on the grid, v_lo in the continuum)
            return s * v_old + (t * mean_sum if par.objective == "welfare" else 0.0)

        g = T.grid_optimum(pts, probs, par.prior, alpha, par.objective)
        name = "Proposition 5" if par.objective == "welfare" else "Proposition 7 + Lemma 3"
        plain = abs(s - 1) < 1e-9 and abs(t) < 1e-9
        game = "" if plain else f" (affine image of Example 3 with alpha = {alpha:.4g})"
        out.append(
            TheoryValue(
                lift(g["value"]),
                f"{src}, {name} on the grid (discrete Proposition 4 knapsack){game}",
                "grid optimum (discrete Prop. 4)" if g["exact"] else "grid knapsack bound",
                relation="equal" if g["exact"] else "upper",
                tolerance=tol,
            )
        )
        fb = T.grid_first_best(pts, probs, par.prior, alpha, par.objective)
        out.append(
            TheoryValue(
                lift(fb),
                f"{src}, section 4.2: first best without obedience, on the grid",
                "grid first best (no obedience)",
                relation="upper",
                tolerance=tol,
            )
        )
        laws = [p.continuous for p in priors]
        iid = laws[0] is not None and par.specs()[0] == par.specs()[1]
        if iid:
            law = laws[0]
            regular = par.objective == "welfare" or _is_regular(law)
            if regular:
                mu = max(par.prior, 1 - par.prior)
                uniform01 = law.name == "uniform" and law.low == 0.0 and law.high == 1.0
                if uniform01:
                    fn = T.welfare_uniform if par.objective == "welfare" else T.revenue_uniform
                    val, how = fn(mu, alpha), "closed form for U[0,1]"
                else:
                    val = T.continuum_value(law, par.prior, alpha, par.objective)
                    how = "numerical integration of the rule"
                out.append(
                    TheoryValue(
                        lift(val),
                        f"{src}, {name}, continuum ({how})",
                        "continuum optimum",
                        relation="equal",
                        tolerance=tol,
                        limit=True,
                    )
                )
                # (the continuum first best bounds the continuum optimum, not a grid LP; the
                # grid first best above is the bound that holds on this grid)
        return out

    def _general_upper_bound(self, priors, tol) -> TheoryValue:
        """Without obedience and truthfulness: welfare ``E[max_a sum_i V_i pi_i]`` per state;
        revenue additionally pays each buyer's outside option, ``- sum_i E[V_i] K_i``."""
        pay = self.params.table().reshape(2, 4, 2)
        Pth = T.state_probs(self.params.prior)
        x = [p.points for p in priors]
        u = (
            x[0][None, :, None, None] * pay[:, None, None, :, 0]
            + x[1][None, None, :, None] * pay[:, None, None, :, 1]
        )  # [theta, k1, k2, a]
        Pv = np.outer(priors[0].probs, priors[1].probs)
        best = float((Pth[:, None, None] * Pv[None] * u.max(axis=-1)).sum())
        if self.params.objective == "revenue":
            K = T.outside_option(self.params.table(), self.params.prior)
            best -= sum(K[i] * priors[i].mean() for i in range(2))
        return TheoryValue(
            best,
            f"{T.SOURCE}, relaxation: no obedience, no truthfulness",
            "upper bound (no closed form for this game)",
            relation="upper",
            tolerance=tol,
        )


def _is_regular(law, samples: int = 4001) -> bool:
    from mdlp.theory.myerson import is_regular

    return is_regular(law, samples)


# --- the theorem table (mdlp check) ----------------------------------------------------
def _cfg(objective, prior=0.5, alpha=0.5, values=None):
    return {
        "kind": InformationSelling.kind,
        "params": {
            "prior": prior,
            "alpha": alpha,
            "objective": objective,
            "values": values or {"distribution": "uniform", "low": 0, "high": 1},
        },
        "solver": {"threads": 1},
    }


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    for prior in (0.5, 0.7):
        mu = max(prior, 1 - prior)
        for alpha in (0.5, 1.0):
            w = T.welfare_uniform(mu, alpha)
            r = T.revenue_uniform(mu, alpha)
            out.append(
                Theorem(
                    key=f"info-welfare-uniform-p{prior}-a{alpha}",
                    family=InformationSelling.kind,
                    source=f"{T.SOURCE}, Proposition 5 (second best)",
                    parameters=f"U[0,1], P[theta=1]={prior}, alpha={alpha}: W={w:.6f}",
                    config=_cfg("welfare", prior, alpha),
                    grids=(21, 41, 81),
                    target="continuum",
                    min_order=1.5,
                    direction="below",
                    relation="upper",
                )
            )
            out.append(
                Theorem(
                    key=f"info-revenue-uniform-p{prior}-a{alpha}",
                    family=InformationSelling.kind,
                    source=f"{T.SOURCE}, Proposition 7 + Lemma 3 (revenue optimum)",
                    parameters=f"U[0,1], P[theta=1]={prior}, alpha={alpha}: R={r:.6f}",
                    config=_cfg("revenue", prior, alpha),
                    grids=(21, 41, 81),
                    target="continuum",
                    min_order=0.8,
                    direction="above",
                    relation="lower",
                )
            )

    expon = {"distribution": "expon", "low": 0, "high": 8}
    out.append(
        Theorem(
            key="info-revenue-expon-fig42",
            family=InformationSelling.kind,
            source=f"{T.SOURCE}, Proposition 7 + Lemma 3, Figure 4-2's case",
            parameters="Exp(1) on [0,8], P[theta=1]=0.5, alpha=1/2 (numerical integration)",
            config=_cfg("revenue", 0.5, 0.5, expon),
            grids=(21, 41, 81),
            target="continuum",
            min_order=0.8,
            direction="above",
            relation="lower",
        )
    )
    for objective in ("welfare", "revenue"):
        c = _cfg(objective, 0.6, 0.8)
        c["params"]["beta"] = 0.8
        out.append(
            Theorem(
                key=f"info-alpha-beta-equal-{objective}",
                family=InformationSelling.kind,
                source=f"{T.SOURCE}, chapter 5 remark: alpha = beta maps to Example 3",
                parameters="alpha = beta = 0.8 -> alpha_old = 0.25, U[0,1], P[theta=1]=0.6",
                config=c,
                grids=(21, 41),
                mode="exact",
                relation="equal",
            )
        )
    return tuple(out)


THEOREMS = _theorems()
