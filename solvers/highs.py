"""HiGHS through highspy: the whole matrix in one ``passModel``, rows added in bulk with
``addRows`` for row generation, warm re-solves on the same ``Highs`` object.

The matrix goes to HiGHS row-wise, as the numpy arrays of :meth:`LinearProgram.csr`
(HiGHS makes its own column-wise copy), so a solve imports no ``scipy``."""

from __future__ import annotations

import os
import sys
import time

import highspy
import numpy as np

from solvers.lp import LinearProgram
from solvers.result import Solution

METHODS = {"auto": "choose", "choose": "choose", "simplex": "simplex", "ipm": "ipm", "pdlp": "pdlp"}

_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
    highspy.HighsModelStatus.kModelEmpty: "optimal",
    highspy.HighsModelStatus.kModelError: "model_error",
    highspy.HighsModelStatus.kLoadError: "model_error",
    highspy.HighsModelStatus.kMemoryLimit: "memory_limit",
    # HiGHS gave up or could not certify its answer: the numbers are not to be trusted.
    highspy.HighsModelStatus.kSolveError: "numerical_trouble",
    highspy.HighsModelStatus.kUnknown: "numerical_trouble",
    highspy.HighsModelStatus.kPresolveError: "numerical_trouble",
    highspy.HighsModelStatus.kPostsolveError: "numerical_trouble",
}

# A solution HiGHS calls optimal is reported as numerical trouble when its residual
# primal or dual infeasibility exceeds this many times the feasibility tolerance (and
# 1e-6 at least): PDLP, for one, stops at a relative tolerance and returns "optimal"
# with constraint violations of 1e-3 on badly scaled LPs (tests/test_hardening.py).
TRUST_FACTOR = 1e3


def _swallow_banner() -> None:
    """HiGHS prints a copyright banner on C-level stdout the first time a ``Highs`` object
    is made in a process; that would corrupt ``mdlp solve --json``.  Make the first one
    here with file descriptor 1 pointed at /dev/null."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        fd = 1
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            highspy.Highs()
    finally:
        os.dup2(saved, fd)
        os.close(saved)


_swallow_banner()

# HiGHS fixes its thread count when its global scheduler first starts; asking for another
# count later makes run() fail ("Not Set").  Remember what the scheduler was started with
# and reset it when a solve asks for a different number.
_scheduler_threads: int | None = None


def _use_threads(h: highspy.Highs, threads: int | None) -> None:
    global _scheduler_threads
    wanted = int(threads) if threads else 0  # 0: HiGHS's default
    if _scheduler_threads is not None and wanted != _scheduler_threads:
        highspy.Highs.resetGlobalScheduler(True)
    if wanted:
        h.setOptionValue("threads", wanted)
    _scheduler_threads = wanted


def _finite(a: np.ndarray) -> np.ndarray:
    """numpy infinities -> HiGHS's infinity (the same float in current highspy)."""
    return np.clip(np.asarray(a, dtype=np.float64), -highspy.kHighsInf, highspy.kHighsInf)


class HighsSession:
    """A live HiGHS model of a :class:`LinearProgram`, for repeated warm solves."""

    def __init__(self, lp: LinearProgram, backend: HighsBackend):
        self.lp = lp
        self.backend = backend
        self.h = highspy.Highs()
        self.h.silent()
        backend.apply_options(self.h)
        self._rows_in_model = 0
        self._pass_model()

    def _pass_model(self):
        lp = self.lp
        indptr, indices, data = lp.csr()
        model = highspy.HighsLp()
        model.num_col_ = lp.num_cols
        model.num_row_ = lp.num_rows
        model.col_cost_ = lp.cost
        model.col_lower_ = _finite(lp.col_lb)
        model.col_upper_ = _finite(lp.col_ub)
        model.row_lower_ = _finite(lp.row_lb)
        model.row_upper_ = _finite(lp.row_ub)
        model.offset_ = float(lp.offset)
        model.sense_ = (
            highspy.ObjSense.kMaximize if lp.sense == "max" else highspy.ObjSense.kMinimize
        )
        model.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        model.a_matrix_.start_ = indptr
        model.a_matrix_.index_ = indices
        model.a_matrix_.value_ = data
        model.a_matrix_.num_col_ = lp.num_cols
        model.a_matrix_.num_row_ = lp.num_rows
        if lp.is_mip:
            model.integrality_ = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in lp.integrality
            ]
        self._load_error = None
        if self.h.passModel(model) == highspy.HighsStatus.kError:
            self._load_error = (
                "HiGHS rejected the model: a coefficient or bound is out of its range "
                "(|coefficient| above large_matrix_value, 1e15 by default)"
            )
        self._rows_in_model = lp.num_rows

    def sync_rows(self) -> int:
        """Hand HiGHS, in one ``addRows`` call, the rows appended to the LP since the last
        sync; the current basis is kept, so the next solve is warm."""
        lp = self.lp
        start = self._rows_in_model
        if lp.num_rows == start:
            return 0
        indptr, indices, data = lp.csr(start)
        self.h.addRows(
            lp.num_rows - start,
            _finite(lp.row_lb[start:]),
            _finite(lp.row_ub[start:]),
            int(indptr[-1]),
            indptr,
            indices,
            data,
        )
        self._rows_in_model = lp.num_rows
        return lp.num_rows - start

    def solve(self) -> Solution:
        if self._load_error:
            return Solution(
                status="model_error",
                backend="highs",
                method=self.backend.method,
                message=self._load_error,
            )
        self.sync_rows()
        t0 = time.perf_counter()
        self._run()
        status = self._status()
        if status == "infeasible_or_unbounded":
            # Presolve cannot tell which; ask again without it.
            self.h.setOptionValue("presolve", "off")
            self._run()
            self.h.setOptionValue("presolve", self.backend.presolve)
            status = self._status()
            if status == "infeasible_or_unbounded":
                status = "infeasible"
        elapsed = time.perf_counter() - t0
        info = self.h.getInfo()
        iters = {
            "simplex": int(info.simplex_iteration_count),
            "ipm": int(info.ipm_iteration_count),
            "pdlp": int(getattr(info, "pdlp_iteration_count", 0)),
        }
        method = self.backend.method
        message = self.h.modelStatusToString(self.h.getModelStatus())
        if status == "optimal":
            worst = float(info.max_primal_infeasibility)
            if not self.lp.is_mip:  # a MIP has no duals (HiGHS reports inf)
                worst = max(worst, float(info.max_dual_infeasibility))
            trust = max(1e-6, TRUST_FACTOR * float(self.backend.tolerance or 1e-7))
            if not worst <= trust:
                status = "numerical_trouble"
                message = (
                    f"HiGHS reported optimal, but its solution violates the constraints "
                    f"by {worst:.2g} (> {trust:.2g}); try solver.method=simplex"
                )
        if status != "optimal":
            return Solution(
                status=status,
                backend="highs",
                iterations=iters,
                solve_s=elapsed,
                method=method,
                message=message,
            )
        sol = self.h.getSolution()
        x = np.asarray(sol.col_value)
        y = np.asarray(sol.row_dual) if sol.dual_valid else None
        d = np.asarray(sol.col_dual) if sol.dual_valid else None
        return Solution.from_flat(
            self.lp,
            "optimal",
            "highs",
            float(info.objective_function_value),
            x,
            y,
            d,
            iterations=iters,
            solve_s=elapsed,
            method=method,
        )

    def _run(self) -> None:
        """``Highs.run()`` in highspy's solver thread, so that Ctrl-C reaches Python while
        HiGHS works: on ``KeyboardInterrupt`` the solve is cancelled through HiGHS's
        interrupt callback, waited for, and the interrupt re-raised (highspy's own
        ``joinSolve`` would print to stdout and swallow it)."""
        import threading

        if threading.current_thread() is not threading.main_thread():
            self.h.run()  # signals are only delivered to the main thread
            return
        self.h.HandleUserInterrupt = True
        self.h.startSolve()
        try:
            while not self.h.wait(0.1)[0]:
                pass
        except KeyboardInterrupt:
            self.h.cancelSolve()
            while not self.h.wait(0.1)[0]:
                pass
            raise

    def _status(self) -> str:
        ms = self.h.getModelStatus()
        if ms == highspy.HighsModelStatus.kUnboundedOrInfeasible:
            return "infeasible_or_unbounded"
        return _STATUS.get(ms, "error")


class HighsBackend:
    """HiGHS via highspy.

    ``method``: ``auto`` (HiGHS chooses), ``simplex``, ``ipm`` (with crossover, so duals
    and a basis come back) or ``pdlp``.  ``time_limit`` in seconds, ``threads`` (0 = HiGHS
    default), ``presolve`` ``"choose"``/``"on"``/``"off"``; extra keyword options are
    passed to ``setOptionValue`` unchanged.

    ``tolerance`` sets HiGHS's primal and dual feasibility tolerances (default 1e-9, tighter
    than HiGHS's 1e-7): grid LPs weight profiles by probabilities as small as 1e-9, and at
    1e-7 simplex stopped 4.5e-6 short of the closed form on a two-bidder exponential prior
    (measured; exact at 1e-9 with no change in time).
    """

    name = "highs"
    incremental = True

    def __init__(
        self,
        method="auto",
        time_limit=None,
        threads=None,
        presolve="choose",
        tolerance=1e-9,
        **extra,
    ):
        if method not in METHODS:
            raise ValueError(f"HiGHS method must be one of {sorted(METHODS)}, got {method!r}")
        self.method = method
        self.time_limit = time_limit
        self.threads = threads
        self.presolve = presolve
        self.tolerance = tolerance
        self.extra = extra

    def apply_options(self, h: highspy.Highs) -> None:
        h.setOptionValue("solver", METHODS[self.method])
        h.setOptionValue("presolve", self.presolve)
        if self.tolerance is not None:
            h.setOptionValue("primal_feasibility_tolerance", float(self.tolerance))
            h.setOptionValue("dual_feasibility_tolerance", float(self.tolerance))
        if self.time_limit is not None:
            h.setOptionValue("time_limit", float(self.time_limit))
        _use_threads(h, self.threads)
        for k, v in self.extra.items():
            h.setOptionValue(k, v)

    def interior_point(self, gap: float | None = None) -> HighsBackend:
        """The same settings with HiGHS's interior point method and no crossover: its
        solution lies inside the optimal face rather than at a vertex of it (row
        generation's "interior tail" uses it where the optimal face is large); duals come
        back as usual, a basis does not.  ``gap``: the method's relative optimality gap
        (default: the solver's, 1e-8); the configured options win over it."""
        extra = {"ipm_optimality_tolerance": gap} if gap is not None else {}
        return type(self)(
            method="ipm",
            time_limit=self.time_limit,
            threads=self.threads,
            presolve=self.presolve,
            tolerance=self.tolerance,
            # IPX's default relative-gap tolerance (1e-8) is kept: measured on setting 1a,
            # T = 30, a tighter one (1e-9, 1e-10) moves the point towards the face's
            # boundary and costs rounds (15 -> 19 -> 23); the certificate's duality gap stays
            # below 1e-7 (7.9e-8 at T = 30, 5.8e-8 at T = 50)
            **{**extra, **self.extra, "run_crossover": "off"},
        )

    def session(self, lp: LinearProgram) -> HighsSession:
        return HighsSession(lp, self)

    def solve(self, lp: LinearProgram) -> Solution:
        return self.session(lp).solve()
