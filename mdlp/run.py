"""The engine every entry point shares: config -> problem -> LP -> solve -> checked result."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from mdlp.config import RunConfig, load_config
from mdlp.problems.base import EVALUATION_SCOPES, TheoryValue
from mdlp.sizing import check_size
from mdlp.theory import NoClosedForm

EXIT_OK, EXIT_OUTSIDE_TOLERANCE, EXIT_BAD_INPUT, EXIT_SOLVER = 0, 1, 2, 3
SOLVED = ("optimal", "evaluated")
"""Statuses of a successful solve: ``optimal`` (an optimum, possibly over a restricted class)
or ``evaluated`` (the value of a fixed mechanism; see :data:`mdlp.problems.base.SCOPES`)."""


@dataclass
class Result:
    """One solved (or failed) problem instance."""

    kind: str
    status: str
    objective: float | None
    theory: list[TheoryValue]
    certificate: dict[str, float]
    lp: dict[str, int]
    timings: dict[str, float]
    config: RunConfig
    mechanism: pd.DataFrame | None = None
    worst_case: pd.DataFrame | None = None
    extras: dict[str, Any] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    certificate_tolerance: float = 1e-7
    problem: Any = field(default=None, repr=False)
    scope: tuple[str, str] = ("optimum", "")
    theory_notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Solved: an optimum or the evaluation of a fixed mechanism (:data:`SOLVED`)."""
        return self.status in SOLVED

    @property
    def reference(self) -> TheoryValue | None:
        """The closed form the value is judged against on this grid: the family's first
        judged value (a continuum value reached only in the limit is reported beside it,
        and judged by ``mdlp check`` through convergence)."""
        return next((t for t in self.theory if t.judged), None)

    @property
    def gap(self) -> float | None:
        ref = self.reference
        if ref is None or self.objective is None:
            return None
        return ref.gap(self.objective)

    @property
    def certified(self) -> bool:
        return all(v <= self.certificate_tolerance for v in self.certificate.values())

    @property
    def within_tolerance(self) -> bool:
        if not self.ok:
            return False
        judged = [t for t in self.theory if t.judged]
        return self.certified and all(t.holds(self.objective) for t in judged)

    @property
    def exit_code(self) -> int:
        if not self.ok:
            return EXIT_SOLVER
        return EXIT_OK if self.within_tolerance else EXIT_OUTSIDE_TOLERANCE

    def summary(self) -> dict:
        """The JSON object of ``mdlp solve --json`` and ``summary.json``."""
        ref = self.reference
        obj = self.objective if self.ok else None
        return {
            "kind": self.kind,
            "name": self.config.name,
            "status": self.status,
            "message": self.message or None,
            "objective": obj,
            "theory": None if ref is None else ref.to_dict(obj),
            "gap": self.gap if self.ok else None,
            "within_tolerance": self.within_tolerance if self.ok else None,
            "references": [t.to_dict(obj) for t in self.theory if t is not ref],
            "scope": {"kind": self.scope[0], "description": self.scope[1]},
            "no_closed_form": self.theory_notes,
            "certificate": self.certificate,
            "certificate_tolerance": self.certificate_tolerance,
            "lp": self.lp,
            "timings": self.timings,
            "solver": self.solver,
            "extras": _jsonable(self.extras),
        }


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def solve(config, overrides=(), backend=None, problem=None, force=False) -> Result:
    """Solve one problem instance.

    ``config`` is a :class:`RunConfig`, a path, a YAML string or a dict (see
    :func:`mdlp.config.load_config`); ``backend`` overrides the configured solver object.
    A solver failure is returned as a result with its status (never raised); bad input
    raises :class:`mdlp.config.ConfigError`, and so does an LP estimated not to fit in the
    memory budget (:mod:`mdlp.sizing`) unless ``force`` is true.
    """
    cfg = config if isinstance(config, RunConfig) else load_config(config, overrides)
    prob = problem or cfg.make_problem()
    if not force:
        check_size(cfg, prob)
    t0 = time.perf_counter()
    lp = prob.build()
    lp.matrix("csc")  # assemble now so that build time includes it
    t_build = time.perf_counter() - t0
    be = backend or cfg.solver.backend_object()
    sol = prob.solve_lp(lp, be)
    t_solve = time.perf_counter() - t0 - t_build
    scope = prob.scope()
    prob.__dict__.pop("theory_notes", None)  # a problem object may be solved again
    try:
        theory = prob.theory()
    except NoClosedForm as exc:
        theory = []
        prob.note_no_closed_form(str(exc))
    notes = list(getattr(prob, "theory_notes", []))
    solver_info = {
        "backend": sol.backend,
        "method": sol.method,
        "iterations": sol.iterations,
        "rounds": sol.rounds,
        "rows_added": sol.rows_added,
    }
    stats = lp.stats()
    if not sol.ok:
        timings = {"build_s": t_build, "solve_s": t_solve, "total_s": time.perf_counter() - t0}
        return Result(
            cfg.kind,
            sol.status,
            None,
            theory,
            {},
            stats,
            timings,
            cfg,
            solver=solver_info,
            message=sol.message,
            certificate_tolerance=prob.certificate_tolerance,
            problem=prob,
            scope=scope,
            theory_notes=notes,
        )
    interp = prob.interpret(lp, sol)
    timings = {"build_s": t_build, "solve_s": t_solve, "total_s": time.perf_counter() - t0}
    return Result(
        cfg.kind,
        "evaluated" if scope[0] in EVALUATION_SCOPES else "optimal",
        float(sol.objective),
        theory,
        {k: float(v) for k, v in interp.certificate.items()},
        stats,
        timings,
        cfg,
        mechanism=interp.mechanism,
        worst_case=interp.worst_case,
        extras=interp.extras,
        solver=solver_info,
        certificate_tolerance=prob.certificate_tolerance,
        problem=prob,
        scope=scope,
        theory_notes=notes,
    )
