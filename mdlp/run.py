"""The engine every entry point shares: config -> problem -> LP -> solve -> checked result."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mdlp.config import ConfigError, RunConfig, load_config
from mdlp.exitcodes import EXIT_BAD_INPUT, EXIT_OK, EXIT_OUTSIDE_TOLERANCE, EXIT_SOLVER  # noqa: F401
from mdlp.problems.base import EVALUATION_SCOPES, TableField, TheoryValue
from mdlp.sizing import check_size
from mdlp.theory import NoClosedForm
from solvers.rowgen import reporting

if TYPE_CHECKING:  # pandas is imported by the families that build the tables
    import pandas as pd

#: the certificate entries that certify optimality (the others certify feasibility)
OPTIMALITY_ENTRIES = ("dual_feasibility", "duality_gap")
SOLVED = ("optimal", "evaluated")
"""Statuses of a successful solve: ``optimal`` (an optimum, possibly over a restricted class)
or ``evaluated`` (the value of a fixed mechanism; see :data:`mdlp.problems.base.SCOPES`)."""


@dataclass
class Result:
    """One solved (or failed) problem instance.  ``mechanism`` and ``worst_case`` are
    DataFrames, built from the family's arrays when first read."""

    kind: str
    status: str
    objective: float | None
    theory: list[TheoryValue]
    certificate: dict[str, float]
    lp: dict[str, int]
    timings: dict[str, float]
    config: RunConfig
    mechanism: pd.DataFrame | None = TableField(None)
    worst_case: pd.DataFrame | None = TableField(None)
    extras: dict[str, Any] = field(default_factory=dict)
    solver: dict[str, Any] = field(default_factory=dict)
    message: str = ""
    certificate_tolerance: float = 1e-7
    problem: Any = field(default=None, repr=False)
    #: why the optimality entries are ``nan`` or what they cover (see solvers.certificate)
    optimality_message: str = ""
    #: ``mdlp solve --exact``: ``{"verified", "objective", "message"}`` (see solvers.exact
    #: and Problem.exact_verification)
    exact: dict[str, Any] | None = None
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
    def feasibility_certified(self) -> bool:
        """Every feasibility entry (all but the two optimality entries) within tolerance."""
        return all(
            v <= self.certificate_tolerance
            for k, v in self.certificate.items()
            if k not in OPTIMALITY_ENTRIES
        )

    @property
    def optimality_certified(self) -> bool | None:
        """Dual feasibility and duality gap within tolerance; ``None`` where no LP dual
        certificate applies (e.g. a mixed-integer program, see ``optimality_message``)."""
        vals = [self.certificate.get(k, float("nan")) for k in OPTIMALITY_ENTRIES]
        if any(math.isnan(v) for v in vals):
            return None
        return all(v <= self.certificate_tolerance for v in vals)

    @property
    def certified(self) -> bool:
        """Feasible within tolerance and not refuted by the optimality certificate (which
        must hold wherever it applies)."""
        return self.feasibility_certified and self.optimality_certified is not False

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
        if self.exact is not None and not self.exact.get("verified"):
            return EXIT_OUTSIDE_TOLERANCE  # a failed check
        return EXIT_OK if self.within_tolerance else EXIT_OUTSIDE_TOLERANCE

    def plot(self, kind: str | None = None):
        """The matplotlib Figure of this result's main picture, or of picture ``kind``
        (``mdlp.plots.available(result)`` lists them; an unknown kind is a ValueError
        naming the valid ones).  Needs the ``plot`` extra (matplotlib)."""
        from mdlp.plots import plot

        return plot(self, kind)

    def _repr_html_(self) -> str:
        """Jupyter's view: status, objective, theorem and gap, certificate, LP sizes and
        the main figure inline (a base64 PNG, no network access)."""
        from mdlp.plots.notebook import result_html

        return result_html(self)

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
            "optimality": None
            if not self.ok
            else {
                "certified": self.optimality_certified,
                "message": self.optimality_message or None,
            },
            "lp": self.lp,
            "timings": self.timings,
            "solver": self.solver,
            "extras": _jsonable(self.extras),
            **({"exact": self.exact} if self.exact is not None else {}),
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


def solve(
    config, overrides=(), backend=None, problem=None, force=False, exact=False, progress=None
) -> Result:
    """Solve one problem instance.

    ``config`` is a :class:`RunConfig`, a path, a YAML string or a dict (see
    :func:`mdlp.config.load_config`); ``backend`` overrides the configured solver object.
    A solver failure is returned as a result with its status (never raised); bad input
    raises :class:`mdlp.config.ConfigError`, and so does an LP estimated not to fit in the
    memory budget (:mod:`mdlp.sizing`) unless ``force`` is true.  ``progress`` is called
    with each round of row generation (see :func:`solvers.rowgen.reporting`), e.g. a
    :class:`mdlp.progress.ProgressLine`.

    ``exact=True`` also verifies the optimum in rational arithmetic (:mod:`solvers.exact`)
    and fills ``Result.exact``; an LP above :data:`solvers.exact.MAX_ROWS` rows (before
    or after row generation) or a mixed-integer one raises :class:`ConfigError`.
    """
    cfg = config if isinstance(config, RunConfig) else load_config(config, overrides)
    prob = problem or cfg.make_problem()
    if not force:
        check_size(cfg, prob)
    t0 = time.perf_counter()
    lp = prob.build()
    lp.csr()  # assemble now so that build time includes it
    t_build = time.perf_counter() - t0
    if exact:
        _exact_size_check(lp)
    be = backend or cfg.solver.backend_object()
    if lp.is_mip and not getattr(be, "integer", True):
        raise ConfigError(
            "solver.backend",
            f"{be.name} solves continuous LPs only and this problem has integer variables "
            "(a deterministic mechanism); use backend highs or cvxpy",
        )
    with reporting(progress):
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
        "strategy": sol.strategy,
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
            exact=None
            if not exact
            else {"verified": False, "objective": None, "message": f"the solve ended {sol.status}"},
            scope=scope,
            theory_notes=notes,
        )
    exact_out = None
    if exact:
        t_exact = time.perf_counter()
        _exact_size_check(sol.lp if sol.lp is not None else lp)
        exact_out = prob.exact_verification(lp, sol)
        _compare_exact(exact_out, float(sol.objective), prob.certificate_tolerance)
        t_exact = time.perf_counter() - t_exact
    interp = prob.interpret(lp, sol)
    opt = prob.optimality_certificate(lp, sol)
    cert = {k: float(v) for k, v in interp.certificate.items()}
    cert.update(opt.entries())
    timings = {"build_s": t_build, "solve_s": t_solve, "total_s": time.perf_counter() - t0}
    if exact:
        timings["exact_s"] = t_exact
    return Result(
        cfg.kind,
        "evaluated" if scope[0] in EVALUATION_SCOPES else "optimal",
        float(sol.objective),
        theory,
        cert,
        stats,
        timings,
        cfg,
        mechanism=TableField.raw(interp, "mechanism"),  # still unbuilt: pandas loads on
        worst_case=TableField.raw(interp, "worst_case"),  # the first read of the table
        extras=interp.extras,
        solver=solver_info,
        certificate_tolerance=prob.certificate_tolerance,
        problem=prob,
        optimality_message=opt.message,
        exact=exact_out,
        scope=scope,
        theory_notes=notes,
    )


def _compare_exact(out: dict, objective: float, tol: float) -> None:
    """The exact optimum must confirm the reported (floating-point) one: a difference
    above ``tol * (1 + |objective|)`` un-verifies the result and says by how much."""
    if out.get("objective") is None:
        return
    from fractions import Fraction

    diff = float(Fraction(out["objective"])) - objective
    if abs(diff) > tol * (1.0 + abs(objective)):
        out["verified"] = False
        out["message"] += f"; the reported optimum differs from the exact one by {diff:+.3g}"


def _exact_size_check(lp) -> None:
    """Refuse ``--exact`` on an LP it cannot verify (too many rows, integer columns)."""
    from mdlp.config import ConfigError
    from solvers.exact import MAX_ROWS

    if lp.num_rows > MAX_ROWS:
        raise ConfigError(
            "--exact",
            f"the LP has {lp.num_rows:,} rows; exact verification handles at most "
            f"{MAX_ROWS:,} rows: use a smaller grid (grid.points) or drop --exact",
        )
    if lp.is_mip:
        raise ConfigError(
            "--exact",
            "exact verification needs a linear program; this one has integer columns "
            "(mechanism: deterministic): use mechanism: randomized or drop --exact",
        )
