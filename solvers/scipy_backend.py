"""``scipy.optimize.linprog(method="highs")``: HiGHS again, through SciPy's own bundled
copy and bindings.  It checks the highspy adapter (bounds, row senses, dual signs), not
the optimum: the algorithm and most of the code are the same as the ``highs`` backend's.

Options linprog passes to HiGHS are honoured: ``method`` (``auto``, ``simplex`` = dual
simplex, ``ipm``), ``time_limit``, ``presolve`` (``choose``/``on`` = on, ``off``),
``tolerance`` (HiGHS's primal and dual feasibility tolerances, as in the ``highs``
backend) and ``iteration_limit`` (linprog's ``maxiter``).  What linprog cannot do is
refused with a :class:`solvers.BackendOptionError` naming the option: ``method: pdlp``,
``threads`` above 1 (linprog does not expose HiGHS's thread count; HiGHS's LP solvers run
serially unless told otherwise) and any other HiGHS option.
"""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from solvers.lp import LinearProgram
from solvers.result import BackendOptionError, Solution

_STATUS = {
    0: "optimal",
    1: "iteration_limit",
    2: "infeasible",
    3: "unbounded",
    4: "numerical_trouble",
}


class ScipyBackend:
    """``linprog(method="highs")`` with the options described in the module docstring."""

    name = "scipy"
    incremental = False

    def __init__(
        self,
        method="auto",
        time_limit=None,
        threads=None,
        presolve="choose",
        tolerance=1e-9,
        iteration_limit=None,
        **unsupported,
    ):
        methods = {"auto": "highs", "simplex": "highs-ds", "ipm": "highs-ipm"}
        if method not in methods:
            raise BackendOptionError(
                "method",
                f"the scipy backend (linprog) offers {sorted(methods)}, not {method!r}; "
                "use backend: highs for it",
            )
        if threads is not None and int(threads) > 1:
            raise BackendOptionError(
                "threads",
                f"scipy's linprog does not expose HiGHS's thread count, so threads: {threads} "
                "cannot be honoured; remove it or use backend: highs",
            )
        if presolve not in ("choose", "on", "off"):
            raise BackendOptionError(
                "presolve", f"must be 'choose', 'on' or 'off', got {presolve!r}"
            )
        if unsupported:
            key = sorted(unsupported)[0]
            raise BackendOptionError(
                key, f"{key!r} cannot be passed through scipy's linprog; use backend: highs"
            )
        self.method = methods[method]
        self.time_limit = time_limit
        self.presolve = presolve
        self.tolerance = tolerance
        self.iteration_limit = iteration_limit

    def linprog_options(self) -> dict:
        """The ``options`` mapping handed to ``linprog``."""
        options: dict = {"presolve": self.presolve != "off"}
        if self.time_limit is not None:
            options["time_limit"] = float(self.time_limit)
        if self.tolerance is not None:
            options["primal_feasibility_tolerance"] = float(self.tolerance)
            options["dual_feasibility_tolerance"] = float(self.tolerance)
        if self.iteration_limit is not None:
            options["maxiter"] = int(self.iteration_limit)
        return options

    def solve(self, lp: LinearProgram) -> Solution:
        sign = -1.0 if lp.sense == "max" else 1.0
        A = lp.matrix("csr")
        lb, ub = lp.row_lb, lp.row_ub
        eq = np.isfinite(lb) & np.isfinite(ub) & (lb == ub)
        up = np.isfinite(ub) & ~eq
        lo = np.isfinite(lb) & ~eq
        A_ub = sp.vstack([A[up], -A[lo]], format="csr")
        b_ub = np.concatenate([ub[up], -lb[lo]])
        options = self.linprog_options()
        integrality = lp.integrality.astype(int) if lp.is_mip else None
        t0 = time.perf_counter()
        res = linprog(
            sign * lp.cost,
            A_ub=A_ub if A_ub.shape[0] else None,
            b_ub=b_ub if A_ub.shape[0] else None,
            A_eq=A[eq] if eq.any() else None,
            b_eq=lb[eq] if eq.any() else None,
            bounds=np.column_stack([lp.col_lb, lp.col_ub]),
            method=self.method,
            options=options,
            integrality=integrality,
        )
        elapsed = time.perf_counter() - t0
        status = _STATUS.get(res.status, "error")
        if "model error" in str(res.message).lower():
            status = "model_error"
        if status == "iteration_limit" and "time" in str(res.message).lower():
            status = "time_limit"
        if status != "optimal":
            return Solution(status=status, backend=self.name, solve_s=elapsed, message=res.message)
        y = d = None
        if getattr(res, "ineqlin", None) is not None and res.ineqlin.marginals is not None:
            # linprog's marginals are d(min sign*c.x)/d(rhs); map back to the convention
            # of solvers.lp: d(objective in the LP's own sense)/d(active bound).
            y = np.zeros(lp.num_rows)
            m_ub = res.ineqlin.marginals
            n_up = int(up.sum())
            y[up] += sign * m_ub[:n_up]
            y[lo] += -sign * m_ub[n_up:]  # a ranged row appears in both; one is zero
            if eq.any():
                y[eq] = sign * res.eqlin.marginals
            d = sign * (res.lower.marginals + res.upper.marginals)
        return Solution.from_flat(
            lp,
            "optimal",
            self.name,
            float(sign * res.fun + lp.offset),
            res.x,
            y,
            d,
            solve_s=elapsed,
            method=self.method,
            iterations={"total": int(getattr(res, "nit", 0))},
        )
