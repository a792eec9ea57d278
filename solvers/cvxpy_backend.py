"""The same :class:`LinearProgram` through cvxpy, solved by any solver cvxpy has installed
(``solver="HIGHS"`` by default, ``"CLARABEL"``, ``"SCS"``, ... by name).

With the default solver this is HiGHS again: it checks this adapter (row senses, bounds,
dual signs), not the optimum.  The default stays HiGHS because it handles integer columns
(deterministic mechanisms); for a check independent of HiGHS use ``solver="CLARABEL"`` or
the ``clarabel`` backend.  Extra keyword options go to ``Problem.solve`` unchanged; the
LP's integer columns stay integer one by one (the rest continuous).
"""

from __future__ import annotations

import time

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

import solvers.highs  # noqa: F401  (silences HiGHS's banner before cvxpy makes one)
from solvers.lp import LinearProgram
from solvers.result import Solution

_STATUS = {
    cp.OPTIMAL: "optimal",
    cp.OPTIMAL_INACCURATE: "numerical_trouble",
    cp.INFEASIBLE: "infeasible",
    cp.INFEASIBLE_INACCURATE: "numerical_trouble",
    cp.UNBOUNDED: "unbounded",
    cp.UNBOUNDED_INACCURATE: "numerical_trouble",
    cp.USER_LIMIT: "time_limit",
}


def _columns(integer: np.ndarray):
    """The LP's columns as one cvxpy expression, integer exactly where ``integer`` says:
    a continuous and an integer variable scattered into place by 0/1 matrices (cvxpy's own
    per-index ``integer=`` argument is version-dependent).  Returns the expression and
    ``[(variable, column indices)]``."""
    n = integer.size
    parts = []
    for flag in (False, True):
        idx = np.flatnonzero(integer == flag)
        if idx.size:
            parts.append((cp.Variable(idx.size, integer=flag), idx))
    if len(parts) == 1 and parts[0][1].size == n:
        return parts[0][0], parts
    expr = 0
    for var, idx in parts:
        scatter = sp.csr_matrix(
            (np.ones(idx.size), (idx, np.arange(idx.size))), shape=(n, idx.size)
        )
        expr = expr + scatter @ var
    return expr, parts


def _column_values(n: int, parts) -> np.ndarray:
    x = np.zeros(n)
    for var, idx in parts:
        x[idx] = np.asarray(var.value, dtype=float).ravel()
    return x


class CvxpyBackend:
    name = "cvxpy"
    incremental = False

    def __init__(self, method="auto", time_limit=None, solver="HIGHS", **solver_options):
        self.solver = str(solver).upper()
        if self.solver not in cp.installed_solvers():
            raise ValueError(
                f"cvxpy solver {solver!r} is not installed (installed: {cp.installed_solvers()})"
            )
        self.time_limit = time_limit
        self.solver_options = solver_options

    def solve(self, lp: LinearProgram) -> Solution:
        A = lp.matrix("csr")
        lb, ub = lp.row_lb, lp.row_ub
        eq = np.isfinite(lb) & np.isfinite(ub) & (lb == ub)
        up = np.isfinite(ub) & ~eq
        lo = np.isfinite(lb) & ~eq
        clb, cub = lp.col_lb, lp.col_ub
        x, parts = _columns(lp.integrality)
        cons, kinds = [], []
        for mask, kind in ((eq, "eq"), (up, "up"), (lo, "lo")):
            if mask.any():
                M = A[mask]
                if kind == "eq":
                    cons.append(M @ x == lb[mask])
                elif kind == "up":
                    cons.append(M @ x <= ub[mask])
                else:
                    cons.append(M @ x >= lb[mask])
                kinds.append((kind, mask))
        fl, fu = np.isfinite(clb), np.isfinite(cub)
        col_cons = []
        if fl.any():
            col_cons.append(("lo", fl, x[np.flatnonzero(fl)] >= clb[fl]))
        if fu.any():
            col_cons.append(("up", fu, x[np.flatnonzero(fu)] <= cub[fu]))
        expr = lp.cost @ x + lp.offset
        obj = cp.Maximize(expr) if lp.sense == "max" else cp.Minimize(expr)
        prob = cp.Problem(obj, cons + [c for _, _, c in col_cons])
        opts = dict(self.solver_options)
        if self.time_limit is not None and self.solver == "HIGHS":
            opts.setdefault("time_limit", float(self.time_limit))
        t0 = time.perf_counter()
        try:
            prob.solve(solver=self.solver, **opts)
        except cp.error.SolverError as exc:
            return Solution(status="error", backend=self.name, message=str(exc))
        except ValueError as exc:  # cvxpy cannot unpack a solver's invalid answer
            return Solution(status="model_error", backend=self.name, message=str(exc))
        elapsed = time.perf_counter() - t0
        status = _STATUS.get(prob.status, "error")
        if status != "optimal":
            return Solution(
                status=status, backend=self.name, solve_s=elapsed, message=str(prob.status)
            )
        y = d = None
        if not lp.is_mip:
            # cvxpy's duals are non-negative multipliers of each constraint as written; a
            # ">=" row raises the objective of a min problem as its bound rises, a "<=" row
            # lowers it; for max the roles swap.  Map to d(objective)/d(active bound).
            s = 1.0 if lp.sense == "min" else -1.0
            y = np.zeros(lp.num_rows)
            for con, (kind, mask) in zip(cons, kinds, strict=True):
                dv = np.asarray(con.dual_value, dtype=float).ravel()
                y[mask] += {"eq": -s, "up": -s, "lo": s}[kind] * dv
            d = np.zeros(lp.num_cols)
            for kind, mask, con in col_cons:
                dv = np.asarray(con.dual_value, dtype=float).ravel()
                d[mask] += (s if kind == "lo" else -s) * dv
        return Solution.from_flat(
            lp,
            "optimal",
            self.name,
            float(prob.value),
            _column_values(lp.num_cols, parts),
            y,
            d,
            solve_s=elapsed,
            method=self.solver,
        )
