"""Clarabel: an interior-point solver for conic programs (Goulart and Chen, 2024, "Clarabel:
An interior-point solver for conic programs with quadratic objectives"), written in Rust,
installed with cvxpy.  Its algorithm (a homogeneous self-dual embedding solved by a
primal-dual interior-point method with a sparse LDL^T factorisation) and its code share
nothing with HiGHS, so it is the backend that checks an optimum independently of the
``highs``, ``scipy`` and (default) ``cvxpy`` backends, which all run HiGHS.

The :class:`LinearProgram` is handed to Clarabel directly (no modelling layer) as

    minimize  s * c.x   subject to  A_eq x = b_eq  (zero cone),
                                      A_up x <= ub,  -A_lo x <= -lb  (nonnegative cone),

with ``s = -1`` for a ``max`` LP; a row or column whose lower and upper bounds are equal
goes to the zero cone, a ranged row appears once on each side, infinite bounds are left
out.  An interior-point method never returns a vertex, so the primal solution may be a
point in the relative interior of the optimal face; the objective and duals are those of
an optimum all the same.  Integer columns are refused (``model_error``): Clarabel solves
continuous problems only.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp

from solvers.lp import LinearProgram
from solvers.result import BackendOptionError, Solution

# An AlmostSolved answer is accepted when its residuals and gap are within this many times
# the tolerance (and 1e-6 at least): the same rule as solvers.highs.TRUST_FACTOR.
TRUST_FACTOR = 1e3


def _status_map():
    import clarabel

    S = clarabel.SolverStatus
    return {
        S.Solved: "optimal",
        S.PrimalInfeasible: "infeasible",
        S.DualInfeasible: "unbounded",
        S.MaxIterations: "iteration_limit",
        S.MaxTime: "time_limit",
        S.CallbackTerminated: "interrupted",
        # met only Clarabel's reduced tolerances, or stalled: not an answer to vouch for
        # (AlmostSolved is vetted by ClarabelBackend._vet_almost_solved)
        S.AlmostSolved: "numerical_trouble",
        S.AlmostPrimalInfeasible: "numerical_trouble",
        S.AlmostDualInfeasible: "numerical_trouble",
        S.NumericalError: "numerical_trouble",
        S.InsufficientProgress: "numerical_trouble",
        S.Unsolved: "error",
    }


class ClarabelBackend:
    """Clarabel on the LP, with tight tolerances.

    ``tolerance`` (default 1e-9) sets Clarabel's feasibility tolerance and its absolute and
    relative duality-gap tolerances (Clarabel's defaults are 1e-8); at 1e-9 the objective
    agrees with HiGHS to 1e-6 or better on every family's small grid
    (tests/test_independent_solver.py).  ``time_limit`` in seconds, ``iteration_limit``
    (default 500 interior-point iterations; Clarabel's own default is 200), ``threads``
    (Clarabel's ``max_threads``; 0 or ``None``: its default).  ``method`` must be ``auto``
    or ``ipm`` (Clarabel has no simplex); ``presolve`` ``choose``/``on``/``off`` switches
    Clarabel's presolve.  Further keyword options are set on ``clarabel.DefaultSettings``
    by name (e.g. ``equilibrate_enable=False``).  A solve that ends in numerical trouble
    is retried once without equilibration (unless ``equilibrate_enable`` was given), and
    the solution's message says so.
    """

    name = "clarabel"
    incremental = False
    integer = False  # no integer columns (mdlp.run refuses a MIP as bad input)

    def __init__(
        self,
        method="auto",
        time_limit=None,
        threads=None,
        presolve="choose",
        tolerance=1e-9,
        iteration_limit=None,
        **settings,
    ):
        import clarabel

        if method not in ("auto", "ipm"):
            raise BackendOptionError(
                "method",
                f"Clarabel is an interior-point solver: method must be 'auto' or 'ipm', "
                f"not {method!r}",
            )
        if presolve not in ("choose", "on", "off"):
            raise BackendOptionError(
                "presolve", f"must be 'choose', 'on' or 'off', not {presolve!r}"
            )
        known = set(dir(clarabel.DefaultSettings()))
        for key in settings:
            if key.startswith("_") or key not in known:
                raise BackendOptionError(
                    key, f"{key!r} is not a Clarabel setting (see clarabel.DefaultSettings)"
                )
        self.method = "ipm"
        self.time_limit = time_limit
        self.threads = threads
        self.presolve = presolve
        self.tolerance = float(tolerance)
        self.iteration_limit = int(iteration_limit) if iteration_limit else 500
        self.settings = settings

    def _settings(self):
        import clarabel

        st = clarabel.DefaultSettings()
        st.verbose = False
        st.tol_feas = self.tolerance
        st.tol_gap_abs = self.tolerance
        st.tol_gap_rel = self.tolerance
        st.tol_ktratio = min(st.tol_ktratio, self.tolerance * 100)
        st.max_iter = self.iteration_limit
        st.presolve_enable = self.presolve != "off"
        if self.time_limit is not None:
            st.time_limit = float(self.time_limit)
        if self.threads:
            st.max_threads = int(self.threads)
        for key, value in self.settings.items():
            setattr(st, key, value)
        return st

    def solve(self, lp: LinearProgram) -> Solution:
        """Solve ``lp``; duals come back in the convention of :mod:`solvers.lp`."""
        import clarabel

        if lp.is_mip:
            return Solution(
                status="model_error",
                backend=self.name,
                method=self.method,
                message="Clarabel solves continuous LPs only; this LP has integer columns "
                "(use backend: highs)",
            )
        n = lp.num_cols
        A = lp.matrix("csr")
        rlb, rub = lp.row_lb, lp.row_ub
        clb, cub = lp.col_lb, lp.col_ub
        r_eq = np.isfinite(rlb) & (rlb == rub)
        r_up = np.isfinite(rub) & ~r_eq
        r_lo = np.isfinite(rlb) & ~r_eq
        c_eq = np.isfinite(clb) & (clb == cub)
        c_up = np.isfinite(cub) & ~c_eq
        c_lo = np.isfinite(clb) & ~c_eq
        eye = sp.identity(n, format="csr")
        # (matrix, rhs, sign, row mask, is-column-bound) for each group, zero cone first
        groups = [
            (A[r_eq], rlb[r_eq], 1.0, r_eq, False),
            (eye[c_eq], clb[c_eq], 1.0, c_eq, True),
            (A[r_up], rub[r_up], 1.0, r_up, False),
            (eye[c_up], cub[c_up], 1.0, c_up, True),
            (-A[r_lo], -rlb[r_lo], -1.0, r_lo, False),
            (-eye[c_lo], -clb[c_lo], -1.0, c_lo, True),
        ]
        M = sp.vstack([g[0] for g in groups], format="csc")
        b = np.concatenate([g[1] for g in groups])
        n_zero = int(r_eq.sum() + c_eq.sum())
        cones = []
        if n_zero:
            cones.append(clarabel.ZeroConeT(n_zero))
        if b.size > n_zero:
            cones.append(clarabel.NonnegativeConeT(b.size - n_zero))
        s = -1.0 if lp.sense == "max" else 1.0
        P = sp.csc_matrix((n, n))
        t0 = time.perf_counter()
        settings = self._settings()
        iters = {"ipm": 0}
        retried = False
        for _ in (1, 2):
            try:
                res = clarabel.DefaultSolver(P, s * lp.cost, M, b, cones, settings).solve()
            except Exception as exc:  # Clarabel raises on malformed data (e.g. NaN, inf)
                return Solution(status="model_error", backend=self.name, message=str(exc))
            status = _status_map().get(res.status, "error")
            iters["ipm"] += int(res.iterations)
            message = ""
            if res.status == clarabel.SolverStatus.AlmostSolved:
                status, message = self._vet_almost_solved(res)
            if status != "numerical_trouble" or "equilibrate_enable" in self.settings:
                break
            # Measured on the two-item externality marginal LP (K = 3, dense cut rows):
            # with Ruiz equilibration Clarabel stalls at a relative gap of 3e-5; without
            # it every round solves and the optimum agrees with HiGHS to 7e-11.
            settings.equilibrate_enable = False
            retried = True
        elapsed = time.perf_counter() - t0
        if retried:
            message = f"{message}; re-solved without equilibration".lstrip("; ")
        if status != "optimal":
            return Solution(
                status=status,
                backend=self.name,
                iterations=iters,
                solve_s=elapsed,
                method=self.method,
                message=message
                if message.startswith("Clarabel")
                else f"Clarabel: {res.status}; {message}".rstrip("; "),
            )
        x = np.asarray(res.x, dtype=float)
        z = np.asarray(res.z, dtype=float)
        # KKT of Clarabel's form: s*c + M^T z = 0, z free on the zero cone and >= 0 on the
        # nonnegative one.  A row  a.x <= u  of the min problem has d(min value)/du = -z;
        # a row written  -a.x <= -l  has d(min value)/dl = +z.  In the LP's own sense
        # (objective = s * min value) both get the factor s; so y = -s z on "<=" and "="
        # groups and y = +s z on ">=" groups, which gives c = A^T y + d.
        y = np.zeros(lp.num_rows)
        d = np.zeros(n)
        start = 0
        for mat, _, sign, mask, is_col in groups:
            k = mat.shape[0]
            part = -s * sign * z[start : start + k]
            (d if is_col else y)[mask] += part
            start += k
        return Solution.from_flat(
            lp,
            "optimal",
            self.name,
            float(lp.cost @ x + lp.offset),
            x,
            y,
            d,
            iterations=iters,
            solve_s=elapsed,
            method=self.method,
            message=message,
        )

    def _vet_almost_solved(self, res) -> tuple[str, str]:
        """Clarabel stops with ``AlmostSolved`` when its step length collapses short of the
        requested tolerances (measured: a two-item externality LP stalls at a duality gap
        of 2e-8 with residuals 3e-12 / 1e-10 at tolerance 1e-9).  Such an answer is accepted
        as optimal when primal and dual residuals and the relative gap are within
        ``TRUST_FACTOR`` times the tolerance (and 1e-6 at least), as the HiGHS backend
        accepts an optimal answer; otherwise it is numerical trouble."""
        trust = max(1e-6, TRUST_FACTOR * self.tolerance)
        gap = abs(float(res.obj_val) - float(res.obj_val_dual))
        rel = gap / max(1.0, abs(float(res.obj_val)))
        worst = max(float(res.r_prim), float(res.r_dual), rel)
        text = (
            f"Clarabel stopped short of tolerance {self.tolerance:.0e} (AlmostSolved): "
            f"relative gap {rel:.1e}, residuals {float(res.r_prim):.1e} (primal), "
            f"{float(res.r_dual):.1e} (dual)"
        )
        if worst <= trust:
            return "optimal", text + f"; accepted (<= {trust:.0e})"
        return "numerical_trouble", text
