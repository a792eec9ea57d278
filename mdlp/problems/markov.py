"""Distributionally robust auctions under Markov ambiguity (Koçyiğit (2020), *Distributional
Robustness in Mechanism Design*, chapter 1, sections 1.2-1.5 and the appendix proofs).

One good, ``I`` bidders with values on the grid ``G^I`` (``G`` = the axis on ``[0, upper]``),
the seller maximizes the worst-case expected revenue over the Markov ambiguity set (1.6)
``{P on G^I : E[v_i] >= mean}`` (``ambiguity: markov``) or over all distributions on the
box (``ambiguity: support``, section 1.3).

**Mechanism LP (1.11)** (``mechanism: optimal | highest_bidder_lottery``).  By Proposition
1.5.1 robust IC/IR are ex-post IC/IR for moment sets, so the mechanism is ``q[i, v]``,
``m[i, v]`` with ex-post IC in the bidder's own coordinate, ex-post IR, ``sum_i q <= 1``,
and the moment problem (1.7) is replaced by its dual (1.8): maximize ``lambda + mean *
sum_i sigma_i`` subject to the *robust rows* ``sum_i m_i(v) >= lambda + sum_i sigma_i v_i``
at every grid profile, ``sigma >= 0`` (``sigma = 0`` under support-only ambiguity).
Adjacent IC in both directions is enough (one-dimensional types, utility linear in the
type with increasing differences: the chain argument of :mod:`mdlp.builder.onedim`), and IR
at the lowest own type then implies IR everywhere.  ``highest_bidder_lottery`` adds
(1.11c): ``q_i(v) = 0`` unless ``v_i = max_j v_j`` (on the grid ties have positive mass;
tied highest bidders may share the good, a symmetric reading of the tie-breaker W^i).

**Worst-case distribution.**  The duals of the robust rows are the adversary's
probabilities: ``p(v) = -dual`` (a lower-bound row of a max problem has a non-positive
shadow price), ``sum p = 1`` from the ``lambda`` column, ``E_p[v_i] >= mean`` from the
``sigma_i`` columns.  The certificate re-checks feasibility of ``p``, complementary
slackness (``sum_v p(v) slack(v)``) and the duality gap from the arrays.

**One bidder** (``bidders: 1``) is the classical robust-pricing problem with a known mean
(Carrasco, Luz, Kos, Messner, Monteiro and Moreira 2018): the same LP, whose continuum value
``r`` with ``r (1 - ln r) = mu`` is in :func:`mdlp.theory.markov.one_buyer_value`.

**Fixed mechanisms** (``second_price`` with a ``reserve`` number or ``optimize``,
``vickrey`` = reserve 0, ``lottery`` = the closed form (1.12)-(1.13) of Theorem 1.5.3
sampled on the grid, ``table`` = a mechanism CSV from a previous run): the adversary LP
(1.7) over distributions on the grid, ``min sum_v p(v) rev(v)`` s.t. ``sum p = 1``,
``sum_v p(v) v_i >= mean``; its duals are ``(lambda, sigma)`` of (1.8), checked for
feasibility at every grid profile.

**How the grid relaxes the problem.**  Both IC (only deviations to grid points) and the
adversary (only distributions on grid points) are restricted to the grid.  Every continuum
mechanism restricted to the grid, with the discrete payments ``m_k = x_k q_k - sum_{j<k}
(x_{j+1} - x_j) q_j`` (at least (1.13) for a non-decreasing ``q``), earns at least as much
at every grid profile, and a continuum-feasible ``(lambda, sigma)`` stays feasible on the
grid, so grid values of ``optimal`` / ``highest_bidder_lottery`` sit *above* their continuum
counterparts, by ``O(h)``.  Conversely (endpoints grid, ``x_0 = 0``, step ``h``) rounding
values down to the grid and charging envelope payments turns the grid optimum into a
continuum IC/IR mechanism earning at least ``lambda - h sum sigma + sigma.v``, so the
continuum optimum lies in ``[LP(K) - h sum_i sigma_i, LP(K)]`` (tests/test_markov.py).

**Payments** (``payments: envelope``, default): ``q`` non-decreasing in the own type and
the largest payments adjacent IC/IR allow (equalities); ``adjacent_ic`` keeps both adjacent
IC rows and the IR inequality.  Same optimum (payments only help the robust rows); the
envelope form is 3-9x faster with HiGHS IPM (crossover no longer ends in a simplex clean-up).

**Symmetry** (``symmetric: true``).  The Markov set is permutation symmetric, so a
symmetric optimum exists: ``q_i(v) = q_1(v_i, {v_-i})`` depends on the other values only
as a multiset, one ``sigma`` for all bidders; IC rows for bidder 1 only, robust and
feasibility rows one per unordered profile.  The worst case is spread evenly over each
orbit.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from grids import Axis
from grids.space import orbits
from mdlp.builder import ic_certificate, monotone_ic, own_first, profile_values, supply_rows
from mdlp.config import Strict
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import markov as T
from solvers import LinearProgram, Solution
from solvers.strategies import IpmCrossover, NoCrossover, with_strategy

LP_MECHANISMS = ("optimal", "highest_bidder_lottery")
FIXED_MECHANISMS = ("second_price", "vickrey", "lottery", "table")


class MarkovParams(Strict):
    bidders: int = Field(
        2, ge=1, le=6, description="number of bidders I (1: robust pricing to one buyer)"
    )
    mean: float = Field(0.5, gt=0, description="lower bound mu on every E[v_i]")
    upper: float = Field(1.0, gt=0, description="values lie in [0, upper]")
    ambiguity: Literal["markov", "support"] = "markov"
    mechanism: Literal[
        "optimal", "highest_bidder_lottery", "second_price", "vickrey", "lottery", "table"
    ] = "optimal"
    reserve: float | Literal["optimize"] = Field(
        0.0, description="second_price only: a reserve price or 'optimize' (best grid reserve)"
    )
    symmetric: bool = Field(False, description="one orbit per unordered profile (LP classes)")
    payments: Literal["envelope", "adjacent_ic"] = Field(
        "envelope",
        description="LP classes: envelope (maximal IC payments, q monotone) or adjacent_ic rows",
    )
    table: str | None = Field(None, description="mechanism: table -> CSV with v*, q*, m*")

    @model_validator(mode="after")
    def _check(self):
        if not self.mean < self.upper:
            raise ValueError(f"mean must lie in (0, upper={self.upper}), got {self.mean}")
        if self.symmetric and self.mechanism not in LP_MECHANISMS:
            raise ValueError("symmetric: true applies to mechanism optimal/highest_bidder_lottery")
        if self.payments != "envelope" and self.mechanism not in LP_MECHANISMS:
            raise ValueError(
                "payments: adjacent_ic applies to mechanism optimal/highest_bidder_lottery"
            )
        if self.mechanism == "table" and not self.table:
            raise ValueError("mechanism: table needs 'table: path/to/mechanism.csv'")
        if self.mechanism != "table" and self.table:
            raise ValueError("'table' is only used with mechanism: table")
        if isinstance(self.reserve, float) and self.reserve < 0:
            raise ValueError("reserve must be >= 0 or 'optimize'")
        if self.mechanism != "second_price" and self.reserve != 0.0:
            raise ValueError("'reserve' only applies to mechanism: second_price")
        return self


@register
class MarkovAuction(Problem):
    kind = "markov_auction"
    title = "Distributionally robust auction, Markov ambiguity (one good)"
    source = T.SOURCE
    Params = MarkovParams
    certificate_tolerance = 1e-6
    default_placement = "endpoints"  # 0 and upper on the grid (template, theorems)

    # --- grid -----------------------------------------------------------------------------
    def axis(self) -> Axis:
        par = self.params
        if par.mechanism == "table":
            return Axis.custom(np.unique(self._read_table()["v1"].to_numpy(float)))
        return Axis.uniform(0.0, par.upper, self.grid.points, self.grid.placement)

    def _setup(self):
        axis = self.axis()
        n = self.params.bidders
        shape = (len(axis),) * n
        X = profile_values([axis] * n)  # (n,) + shape
        return axis.points, n, shape, X

    @property
    def _symmetric(self) -> bool:
        # one bidder has nothing to permute: symmetric is the plain LP
        return self.params.symmetric and self.params.bidders > 1

    @property
    def _markov(self) -> bool:
        return self.params.ambiguity == "markov"

    # --- fixed mechanisms -----------------------------------------------------------------
    def _read_table(self) -> pd.DataFrame:
        path = Path(self.params.table)
        if not path.exists():
            raise FileNotFoundError(f"mechanism table {str(path)!r} does not exist")
        return pd.read_csv(path)

    def fixed_mechanism(self, reserve: float | None = None):
        """``(q, m)`` arrays shaped ``(I,) + shape`` of a fixed mechanism on the grid."""
        par = self.params
        x, n, shape, X = self._setup()
        V = X.reshape(n, -1)
        if par.mechanism in ("second_price", "vickrey"):
            r = 0.0 if par.mechanism == "vickrey" else float(reserve)
            q, m = T.second_price_payment(V, r)
        elif par.mechanism == "lottery":
            u = par.upper
            q = T.lottery_allocation(n, par.mean / u, V / u)
            m = u * T.lottery_payment(n, par.mean / u, V / u)
        else:  # table
            df = self._read_table()
            idx = np.stack([np.searchsorted(x, df[f"v{i + 1}"].to_numpy(float)) for i in range(n)])
            flat = np.ravel_multi_index(tuple(idx), shape)
            if np.unique(flat).size != flat.size or flat.size != V.shape[1]:
                raise ValueError("the mechanism table must list every grid profile exactly once")
            q = np.zeros_like(V)
            m = np.zeros_like(V)
            for i in range(n):
                q[i, flat] = df[f"q{i + 1}"].to_numpy(float)
                m[i, flat] = df[f"m{i + 1}"].to_numpy(float)
        return q.reshape((n,) + shape), m.reshape((n,) + shape)

    def reserve_candidates(self) -> np.ndarray:
        """``reserve: optimize``: every grid point up to the first one at or above the mean.
        On the grid the best reserve is a grid point: for ``r`` between grid points ``g <
        r <= x`` the adversary's options are those of ``r = x`` while the price ``r`` rises."""
        x = self.axis().points
        k = int(np.searchsorted(x, self.params.mean, side="left"))
        return x[: min(k + 1, x.size)]

    def adversary_lp(self, rev: np.ndarray) -> LinearProgram:
        """(1.7) on the grid: ``min sum_v p(v) rev(v)`` over distributions on the grid with
        ``E[v_i] >= mean`` (no moment rows under support-only ambiguity)."""
        x, n, shape, X = self._setup()
        lp = LinearProgram("min", self.kind + "_adversary")
        p = lp.add_variables("p", shape, lb=0.0, cost=rev)
        lp.add_constraints("mass", [(p.ravel(), 1.0)], lb=1.0, ub=1.0, shape=())
        if self._markov:
            lp.add_constraints(
                "moment", [(p.reshape(1, -1), X.reshape(n, -1))], lb=self.params.mean, shape=(n,)
            )
        return lp

    # --- the mechanism LP (1.11) ------------------------------------------------------------
    def build(self) -> LinearProgram:
        par = self.params
        if par.mechanism in FIXED_MECHANISMS:
            r = None
            if par.mechanism == "second_price":
                r = self.reserve_candidates()[0] if par.reserve == "optimize" else par.reserve
            q, m = self.fixed_mechanism(r)
            lp = self.adversary_lp(m.sum(axis=0))
            lp.meta["reserve"] = None if r is None else float(r)
            return lp
        return self._build_mechanism_lp()

    @staticmethod
    def _symmetric_maps(K: int, n: int):
        """Column layout of the symmetric reduction: ``own`` index ``k`` times the orbit of
        the other ``n - 1`` values (:func:`grids.space.orbits`).  Returns (orbit of others
        per full (n-1)-profile, number of orbits, max of each orbit)."""
        orbit, reps = orbits((K,) * (n - 1))
        rep_max = np.unravel_index(reps, (K,) * (n - 1))[-1]  # sorted: last is the max
        return orbit, reps.size, np.asarray(rep_max)

    def _columns(self, lp: LinearProgram, x, n, shape):
        """Create q, m columns; return full index arrays (n,)+shape (aliased when symmetric)
        and the blocks along which IC rows are written: list of (q, m, axis)."""
        par = self.params
        K = x.size
        hbl = par.mechanism == "highest_bidder_lottery"
        if not self._symmetric:
            ub = 1.0
            if hbl:
                X = np.stack(np.meshgrid(*([np.arange(K)] * n), indexing="ij"))
                ub = (X == X.max(axis=0, keepdims=True)).astype(float)
            q = lp.add_variables("q", (n,) + shape, lb=0.0, ub=ub)
            m = lp.add_variables("m", (n,) + shape, lb=-np.inf)
            return q, m, [(q[i], m[i], i) for i in range(n)]
        orbit, n_orb, orb_max = self._symmetric_maps(K, n)
        ub = 1.0
        if hbl:
            ub = (np.arange(K)[:, None] >= orb_max[None, :]).astype(float)
        q1 = lp.add_variables("q", (K, n_orb), lb=0.0, ub=ub)
        m1 = lp.add_variables("m", (K, n_orb), lb=-np.inf)
        idx = np.indices(shape)
        Q = np.empty((n,) + shape, dtype=np.int64)
        M = np.empty((n,) + shape, dtype=np.int64)
        for i in range(n):
            rest = [idx[j] for j in range(n) if j != i]
            o = orbit[tuple(rest)] if n > 2 else rest[0]
            Q[i] = q1[idx[i], o]
            M[i] = m1[idx[i], o]
        return Q, M, [(q1, m1, 0)]

    def _build_mechanism_lp(self) -> LinearProgram:
        par = self.params
        x, n, shape, X = self._setup()
        lp = LinearProgram("max", self.kind)
        Q, M, ic_blocks = self._columns(lp, x, n, shape)
        lam = lp.add_variables("lambda", (), lb=-np.inf, cost=1.0)
        if self._symmetric:
            orbit, reps = orbits(shape)
            rows = reps
        else:
            rows = np.arange(int(np.prod(shape)))
        Qr = Q.reshape(n, -1)[:, rows].T  # (R, n)
        Mr = M.reshape(n, -1)[:, rows].T
        Vr = X.reshape(n, -1)[:, rows].T
        supply_rows(lp, "feasibility", Qr, axis=1)  # one row per (orbit of) profile
        terms = [(Mr, 1.0), (lam, -1.0)]
        if self._markov:
            if self._symmetric:
                sig = lp.add_variables("sigma", (1,), lb=0.0, cost=n * par.mean)
                terms.append((sig, -Vr.sum(axis=1)))
            else:
                sig = lp.add_variables("sigma", (n,), lb=0.0, cost=par.mean)
                terms.append((sig[None, :], -Vr))
        lp.add_constraints("robust", terms, lb=0.0, shape=(rows.size,))
        # IC over all own-type pairs + IR, per opponent profile (adjacent rows suffice for
        # one-dimensional types, see mdlp.builder.onedim).  The envelope form's maximal
        # payments only help: payments enter the LP only on the left of the robust rows.
        pay = "envelope" if par.payments == "envelope" else "adjacent"
        for tag, (qb, mb, axis) in enumerate(ic_blocks, start=1):
            xs = x.reshape([-1 if d == axis else 1 for d in range(qb.ndim)])
            monotone_ic(lp, tag, qb, mb, xs, axis, payments=pay)
        lp.meta["columns"] = (Q, M)  # full (n,) + shape index arrays, aliased if symmetric
        return lp

    # --- solving ----------------------------------------------------------------------------
    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """``reserve: optimize``: one worst-case LP per reserve candidate, the best kept;
        what ``interpret`` and the certificates need (the reserve, the scan, every
        candidate's LP and solution) goes into ``lp.meta``, nothing onto the problem.  The
        mechanism LP is solved with :meth:`solver_strategy`."""
        par = self.params
        if par.mechanism == "second_price" and par.reserve == "optimize":
            best, best_r, scan, subs = None, None, [], []
            for r in self.reserve_candidates():
                _, m = self.fixed_mechanism(r)
                sub = self.adversary_lp(m.sum(axis=0))
                sol = backend.solve(sub)
                if not sol.ok:
                    return sol
                subs.append((sub, sol))  # every reserve's LP solution, for the certificate
                scan.append((float(r), float(sol.objective)))
                if best is None or sol.objective > best.objective + 1e-12:
                    best, best_r = sol, float(r)
            lp.meta.update(reserve=best_r, scan=scan, scan_solutions=subs)
            return best
        return self.solver_strategy(lp, backend).solve(lp)

    #: columns from which the mechanism LP goes to the interior point method without
    #: crossover (an interior point of the optimal face)
    ipm_from_columns: int = 30_000
    #: columns from which (up to :attr:`ipm_from_columns`) the mechanism LP goes to the
    #: interior point method with crossover: a vertex solution, as simplex gives, reached
    #: 20x faster (I = 2, K = 101, symmetric: 206 s of dual simplex against 9.9 s, in
    #: benchmarks/performance/markov_profile.py); below it the configured method runs
    vertex_ipm_from_columns: int = 15_000

    def solver_strategy(self, lp: LinearProgram, backend):
        """The solver this LP's shape needs, chosen in this one place and reported in the
        result's ``solver.strategy``: for a large mechanism LP (at least
        :attr:`ipm_from_columns` columns) with ``method: auto``, the interior point method
        on the dual LP without crossover (:class:`solvers.strategies.NoCrossover`; the grid
        mechanism LP is highly degenerate, simplex and crossover spend most of the time on
        the optimal face, measured in benchmarks/performance/markov_scale.py); from
        :attr:`vertex_ipm_from_columns` columns up to that size, the interior point method
        on the dual LP followed by crossover (:class:`solvers.strategies.IpmCrossover`), a
        vertex solution as simplex would give, reached without simplex's long walk over
        the optimal face.  Every solution is checked by the optimality certificate (dual
        feasibility and the primal-dual gap from the arrays).  Otherwise (smaller LPs, the
        theorem table's included, or a method other than ``auto``) the configured backend
        unchanged."""
        if self.params.mechanism not in LP_MECHANISMS:
            return backend
        # the interior point method on the dual LP: lambda and sigma are dense columns (in
        # every robust row), dense rows of the dual, which its normal equations absorb;
        # measured at I = 2, K = 81: 3.4 s CPU against 6.7 s on the primal
        if lp.num_cols >= self.ipm_from_columns:
            return with_strategy(backend, NoCrossover(dual=True))
        # mid-sized LPs keep a vertex solution, through crossover instead of simplex
        return with_strategy(
            backend, IpmCrossover(dual=True, min_size=self.vertex_ipm_from_columns)
        )

    def optimality_certificate(self, lp: LinearProgram, sol: Solution):
        """With ``reserve: optimize`` the value is the largest of one worst-case LP per
        reserve candidate, not the optimum of one LP: every candidate's LP is certified
        and the worst residuals over all of them are reported (the maximum over a finite
        list is exact once every entry is)."""
        subs = lp.meta.get("scan_solutions")
        if not (self.params.mechanism == "second_price" and self.params.reserve == "optimize"):
            return super().optimality_certificate(lp, sol)
        from solvers.certificate import optimality_certificate

        certs = [optimality_certificate(s_lp, s) for s_lp, s in subs or []]
        best = super().optimality_certificate(lp, sol)
        best.dual_feasibility = max([c.dual_feasibility for c in certs], default=float("nan"))
        best.duality_gap = max([c.duality_gap for c in certs], default=float("nan"))
        best.message = (
            f"maximum over {len(certs)} reserve candidates, one worst-case LP each; "
            "the residuals are the worst over all of them"
        )
        return best

    def exact_verification(self, lp: LinearProgram, sol: Solution) -> dict:
        """With ``reserve: optimize``: every reserve candidate's worst-case LP verified
        exactly, the value the exact maximum over them."""
        subs = lp.meta.get("scan_solutions")
        if not (self.params.mechanism == "second_price" and self.params.reserve == "optimize"):
            return super().exact_verification(lp, sol)
        from solvers.exact import MAX_ROWS, verify_lp

        results = [verify_lp(s_lp) for s_lp, _ in subs or [] if s_lp.num_rows <= MAX_ROWS]
        if not results or len(results) != len(subs):
            return {"verified": False, "objective": None, "message": "reserve scan too large"}
        bad = [i for i, r in enumerate(results) if not r.verified]
        best = max(results, key=lambda r: r.objective if r.objective is not None else -1e300)
        out = best.to_dict()
        out["verified"] = not bad
        out["message"] = (
            f"maximum over {len(results)} reserve candidates, each candidate's LP verified "
            f"exactly ({best.message})"
            if not bad
            else f"{len(bad)} of {len(results)} reserve candidates' LPs not verified: "
            + results[bad[0]].message
        )
        return out

    # --- reading the solution back ------------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        par = self.params
        x, n, shape, X = self._setup()
        extras: dict = {"grid_step": float(np.max(np.diff(x))), "grid_low": float(x[0])}
        if par.mechanism in FIXED_MECHANISMS:
            reserve = lp.meta.get("reserve")
            q, m = self.fixed_mechanism(reserve)
            p = sol.x["p"]
            lam = float(np.ravel(sol.dual["mass"])[0])
            sigma = np.asarray(sol.dual["moment"], float) if self._markov else np.zeros(n)
            if par.mechanism == "second_price":
                extras["reserve"] = reserve
                if par.reserve == "optimize":
                    extras["reserve_scan"] = lp.meta.get("scan", [])
        else:
            Qc, Mc = lp.meta["columns"]
            q, m = sol.x_flat[Qc], sol.x_flat[Mc]
            lam = float(np.ravel(sol.x["lambda"])[0])
            if self._markov:
                s = np.ravel(sol.x["sigma"])
                sigma = np.full(n, s[0]) if self._symmetric else s
            else:
                sigma = np.zeros(n)
            dual = -np.asarray(sol.dual["robust"], float).ravel()
            if self._symmetric:
                orbit, reps = orbits(shape)
                size = np.bincount(orbit.ravel())
                p = (dual / size)[orbit]
            else:
                p = dual.reshape(shape)
        rev = m.sum(axis=0)
        slack = rev - lam - np.tensordot(sigma, X, axes=1)
        cert = {}
        cert["feasibility"] = float(max(0.0, (q.sum(axis=0) - 1).max(), (-q).max(), (q - 1).max()))
        ic = 0.0
        ir = 0.0
        for i in range(n):
            qi, mi = own_first(q[i], i), own_first(m[i], i)
            ic = max(ic, ic_certificate(x[:, None], qi[:, :, None], mi)[0])
            ir = max(ir, float((mi - x[:, None] * qi).max()))
        cert["ic"] = max(ic, 0.0)
        cert["ir"] = max(ir, 0.0)
        if par.mechanism == "highest_bidder_lottery":
            cert["highest_bidder"] = float(
                np.where(X < X.max(axis=0, keepdims=True), np.abs(q), 0.0).max()
            )
        # robust rows / dual feasibility of (lambda, sigma): rev >= lambda + sigma.v
        cert["robust_rows"] = float(max(0.0, -slack.min()))
        cert["sigma_sign"] = float(max(0.0, -sigma.min()))
        # the worst-case distribution: a distribution satisfying the moment bounds
        pm = np.clip(p, 0.0, None)
        cert["wc_negative_mass"] = float(max(0.0, -p.min()))
        cert["wc_total_mass"] = float(abs(pm.sum() - 1.0))
        means = np.array([(X[i] * pm).sum() for i in range(n)])
        if self._markov:
            cert["wc_moment"] = float(max(0.0, (par.mean - means).max()))
        # complementary slackness and strong duality, from the arrays
        cert["complementary_slackness"] = float(abs((pm * slack).sum()))
        primal_value = lam + par.mean * sigma.sum() if self._markov else lam
        adversary_value = float((pm * rev).sum())
        cert["minimax_gap"] = abs(adversary_value - primal_value)
        extras.update(
            {
                "lambda": lam,
                "sigma": sigma.tolist(),
                "worst_case_revenue": adversary_value,
                "dual_value": float(primal_value),
                "worst_case_means": means.tolist(),
            }
        )
        cols = {f"v{i + 1}": X[i].ravel() for i in range(n)}
        for i in range(n):
            cols[f"q{i + 1}"] = q[i].ravel()
        for i in range(n):
            cols[f"m{i + 1}"] = m[i].ravel()
        cols["revenue"] = rev.ravel()
        cols["slack"] = slack.ravel()
        cols["worst_case_prob"] = p.ravel()
        mech = pd.DataFrame(cols)
        atoms = mech.loc[mech["worst_case_prob"] > 1e-9, [*(f"v{i + 1}" for i in range(n))]]
        wc = atoms.assign(
            prob=mech.loc[atoms.index, "worst_case_prob"],
            revenue=mech.loc[atoms.index, "revenue"],
            slack=mech.loc[atoms.index, "slack"],
        ).reset_index(drop=True)
        extras["atoms"] = int(len(wc))
        return Interpretation(mech, cert, extras, wc)

    # --- what is computed ----------------------------------------------------------------
    def scope(self) -> tuple[str, str]:
        """``optimal``: the optimum; ``highest_bidder_lottery`` and ``second_price`` with
        ``reserve: optimize``: optima over a restricted class; the other fixed mechanisms
        (``second_price`` with a reserve number, ``vickrey``, ``lottery``, ``table``):
        nature's worst case for a fixed mechanism, an evaluation."""
        par = self.params
        amb = "Markov" if self._markov else "support-only"
        if par.mechanism == "optimal":
            return "optimum", f"worst-case revenue over all robust IC, IR mechanisms ({amb})"
        if par.mechanism == "highest_bidder_lottery":
            return "restricted optimum", f"worst-case revenue over highest-bidder lotteries ({amb})"
        if par.mechanism == "second_price" and par.reserve == "optimize":
            return (
                "restricted optimum",
                f"best grid reserve of the second-price auction, each reserve at nature's "
                f"worst case ({amb})",
            )
        what = {
            "second_price": f"second price with reserve {par.reserve:g}",
            "vickrey": "the Vickrey auction (second price, no reserve)",
            "lottery": "the closed-form lottery (1.12)-(1.13) of Thm 1.5.3",
            "table": f"the mechanism table {par.table}",
        }[par.mechanism]
        return (
            "worst-case evaluation",
            f"{what}, a fixed mechanism: nature's worst-case distribution ({amb}) is the LP",
        )

    # --- closed forms -----------------------------------------------------------------------
    def theory(self) -> list[TheoryValue]:
        """Closed forms of chapter 1.  Per grid: values a theorem pins down on the grid
        (``equal`` / ``evaluation``) or bounds on every grid (``upper`` / ``lower``: the grid
        relaxes IC and nature, so grid values of the LP classes sit above their continuum
        counterparts); continuum values the grid reaches only in the limit are ``limit``."""
        par = self.params
        I, u = par.bidders, par.upper
        mu = par.mean / u
        src = T.SOURCE
        x = self.axis().points
        out: list[TheoryValue] = []
        fixed = par.mechanism in FIXED_MECHANISMS and not (
            par.mechanism == "second_price" and par.reserve == "optimize"
        )
        if par.mechanism == "table":
            self.note_no_closed_form("a mechanism read from a table has no closed-form value")
            return out
        if par.ambiguity == "support":
            # Section 1.3 / Thm 1.3.1: worst case = the lowest profile; IR there caps the
            # revenue at the lowest support point, which Vickrey (any reserve <= it) earns.
            low = float(x[0])
            if par.mechanism == "lottery":
                self.note_no_closed_form(
                    "the lottery of Thm 1.5.3 is built for the Markov set; its support-only "
                    "worst case has no closed form"
                )
                return out
            if par.mechanism == "second_price" and par.reserve != "optimize":
                val = low if par.reserve <= low else 0.0
            else:
                val = low
            label = "support-only: worst case at the lowest profile, value = lowest grid point"
            rel = "evaluation" if fixed else "equal"
            out.append(TheoryValue(val, f"{src}, Thm 1.3.1 (grid-exact)", label, rel, 1e-7))
            return out
        r_lot = u * T.lottery_value(I, mu)
        surplus = u * T.full_surplus(mu)
        bound = u * T.approximation_upper_bound(I, mu)
        r_sp, z_sp = T.sp_best(I, mu)
        if I == 1 and par.mechanism in LP_MECHANISMS:
            # one buyer: every mechanism is a lottery over posted prices, and the maxmin
            # revenue is known in closed form (the grid relaxes IC and nature: LP >= it)
            r1 = u * T.one_buyer_value(mu)
            cite = T.SOURCE_ONE_BUYER
            out.append(
                TheoryValue(
                    r1,
                    f"{cite}: r (1 - ln r) = mu",
                    "one buyer, known mean: grid value >= r (O(h) above)",
                    "lower",
                    1e-7,
                )
            )
            out.append(
                TheoryValue(surplus, f"{src}, Prop. 1.5.3", "full surplus mu", "upper", 1e-7)
            )
            out.append(
                TheoryValue(
                    r1, f"{cite}: r (1 - ln r) = mu", "continuum optimum r", "equal", limit=True
                )
            )
            return out
        if par.mechanism == "optimal":
            out.append(
                TheoryValue(
                    surplus,
                    f"{src}, Prop. 1.5.3",
                    "worst-case full surplus mu (upper bound on every grid)",
                    "upper",
                    1e-7,
                )
            )
            out.append(
                TheoryValue(
                    r_lot,
                    f"{src}, Thm 1.5.3",
                    "optimal highest-bidder lottery r (lower bound on every grid)",
                    "lower",
                    1e-7,
                )
            )
            out.append(
                TheoryValue(
                    bound,
                    f"{src}, Thm 1.5.4 / Lemma 1.7.15",
                    "min(mu, r(2-r)) (upper bound on the continuum optimum)",
                    "upper",
                    1e-7,
                    limit=True,
                )
            )
        elif par.mechanism == "highest_bidder_lottery":
            out.append(
                TheoryValue(
                    r_lot,
                    f"{src}, Thm 1.5.3",
                    "optimal highest-bidder lottery r (grid value >= r, O(h) above)",
                    "lower",
                    1e-7,
                )
            )
            out.append(
                TheoryValue(r_lot, f"{src}, Thm 1.5.3", "continuum value r", "equal", limit=True)
            )
            out.append(
                TheoryValue(surplus, f"{src}, Prop. 1.5.3", "full surplus mu", "upper", 1e-7)
            )
        elif par.mechanism == "lottery":
            out.append(
                TheoryValue(
                    r_lot,
                    f"{src}, Thm 1.5.3 with payments (1.13)",
                    "closed-form lottery on the grid: worst case exactly r",
                    "evaluation",
                    1e-7,
                )
            )
        elif par.mechanism in ("second_price", "vickrey"):
            if par.mechanism == "second_price" and par.reserve == "optimize":
                out.append(
                    TheoryValue(
                        u * z_sp,
                        f"{src}, Thm 1.5.2",
                        f"best reserve r*={u * r_sp:.6g}: z* (grid value >= z*, O(h) above)",
                        "lower",
                        1e-7,
                    )
                )
                out.append(
                    TheoryValue(u * z_sp, f"{src}, Thm 1.5.2", "continuum z*", "equal", limit=True)
                )
            else:
                r = 0.0 if par.mechanism == "vickrey" else par.reserve / u
                z = u * T.sp_worst_case(I, mu, r)
                reg = T.sp_region(I, mu, r)
                src_r = {0: "r > mu", 1: "Prop. 1.5.5", 2: "Prop. 1.5.6", 3: "Prop. 1.5.7"}[reg]
                on_grid = bool(np.any(np.isclose(x, r * u, atol=1e-12)))
                exact = reg == 1 and on_grid and np.isclose(x[-1], u)
                out.append(
                    TheoryValue(
                        z,
                        f"{src}, {src_r}",
                        f"second price, reserve {r * u:.6g} in R{reg}"
                        + (" (Q(1) on the grid: exact)" if exact else " (grid value >= z)"),
                        "evaluation" if exact else "lower",
                        1e-7,
                    )
                )
                if not exact:
                    out.append(
                        TheoryValue(
                            z, f"{src}, {src_r}", "continuum value", "evaluation", limit=True
                        )
                    )
        return out


# --- the theorem table (mdlp check) -----------------------------------------------------------
def _cfg(**params):
    return {
        "kind": MarkovAuction.kind,
        "params": params,
        "grid": {"placement": "endpoints"},
        "solver": {"threads": 1},
    }


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    out.append(
        Theorem(
            key="markov-lottery-lp-2-0.5",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE}, Thm 1.5.3 (optimal highest-bidder lottery)",
            parameters="I=2, mu=0.5, LP (1.11)+(1.11c): r = 0.317844",
            config=_cfg(bidders=2, mean=0.5, mechanism="highest_bidder_lottery", symmetric=True),
            grids=(21, 41, 81),
            target="continuum value r",
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="markov-lottery-closed-form-3-0.3",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE}, Thm 1.5.3, allocation (1.12), payments (1.13)",
            parameters="I=3, mu=0.3, closed form on the grid, adversary LP = r exactly",
            config=_cfg(bidders=3, mean=0.3, mechanism="lottery"),
            grids=(11, 21),
            mode="exact",
            relation="evaluation",
        )
    )
    out.append(
        Theorem(
            key="markov-second-price-R1",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE}, Prop. 1.5.5 (reserve in R1, Q(1))",
            parameters="I=3, mu=0.8, reserve 0.2: (I mu - 1)/(I - 1) = 0.7 exactly",
            config=_cfg(bidders=3, mean=0.8, mechanism="second_price", reserve=0.2),
            grids=(11, 21),
            mode="exact",
            relation="evaluation",
        )
    )
    out.append(
        Theorem(
            key="markov-best-second-price-2-0.5",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE}, Thm 1.5.2 (best reserve 1 - sqrt(1 - mu))",
            parameters="I=2, mu=0.5: z* = 2 (1 - sqrt(0.5))^2 = 0.171573",
            config=_cfg(bidders=2, mean=0.5, mechanism="second_price", reserve="optimize"),
            grids=(21, 41, 81),
            target="continuum z*",
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="markov-one-buyer-known-mean",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE_ONE_BUYER}: maxmin revenue r with r (1 - ln r) = mu",
            parameters="I=1, mu=0.5, optimal mechanism: r = 0.186682",
            config=_cfg(bidders=1, mean=0.5, mechanism="optimal"),
            grids=(21, 41, 81),
            target="continuum optimum r",
            direction="above",
            relation="lower",
        )
    )
    out.append(
        Theorem(
            key="markov-optimal-below-surplus",
            family=MarkovAuction.kind,
            source=f"{T.SOURCE}, Prop. 1.5.3 (worst-case full surplus mu)",
            parameters="I=2, mu=0.5, optimal mechanism LP <= mu on every grid",
            config=_cfg(bidders=2, mean=0.5, mechanism="optimal", symmetric=True),
            grids=(21, 41),
            mode="exact",
            relation="upper",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
