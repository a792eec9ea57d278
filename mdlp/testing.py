"""The contract every problem family passes, ours and yours: :func:`check_family`.

In the spirit of scikit-learn's ``check_estimator``, one call runs a family through the
checks that the rest of mdlp relies on::

    from mdlp.testing import check_family
    from my_package.my_family import MyFamily      # a Problem subclass with @register

    check_family(MyFamily, points=5)               # raises FamilyCheckError on a failure

The checks (names for ``checks=``):

``template``       the starter config (``Family.template``, or ``config=``) loads and solves:
                   status optimal/evaluated, exit code 0 (feasibility certificate and every
                   judged closed form within tolerance).
``bad_input``      ``mdlp solve`` on a broken config -- an unknown parameter, and a
                   wrong-typed value for each top-level parameter -- exits 2 with one line
                   naming the field, no traceback, and writes nothing under ``--out``.
``certificate``    the family's feasibility certificate is at most its tolerance, and the
                   optimality certificate of the LP it solved is recomputed here from the
                   arrays (stationarity ``c = A^T y + d``, no dual on an infinite bound,
                   primal = dual objective, rows within their bounds), independently of
                   :mod:`solvers.certificate`.
``json``           ``mdlp solve --json`` prints exactly one JSON object with the documented
                   keys (:data:`SUMMARY_KEYS`, ``lp`` rows/cols/nnz, ``timings``
                   build/solve/total) and the same objective.
``stateless``      a problem object keeps nothing between calls: a fresh and a reused object
                   give the same objective and the same interpretation, an LP built earlier
                   is still interpreted correctly after another build, and for a family
                   without its own ``solve_lp`` ``prob.interpret(lp, backend.solve(lp))``
                   works on a fresh and a reused object.
``size_estimate``  ``size_estimate()`` (when the family gives one) is within a factor
                   ``size_factor`` of the built LP's rows, columns and nonzeros.

Nothing here imports a test framework; failures are collected and raised together as
:class:`FamilyCheckError` (an ``AssertionError``), or returned with
``raise_on_failure=False``.
"""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHECKS = ("template", "bad_input", "certificate", "json", "stateless", "size_estimate")

#: the keys of the JSON object ``mdlp solve --json`` prints (``mdlp.run.Result.summary``)
SUMMARY_KEYS = (
    "kind",
    "name",
    "status",
    "message",
    "objective",
    "theory",
    "gap",
    "within_tolerance",
    "references",
    "scope",
    "no_closed_form",
    "certificate",
    "certificate_tolerance",
    "optimality",
    "lp",
    "timings",
    "solver",
    "extras",
)


@dataclass
class CheckResult:
    """One check's outcome: ``passed`` is ``True``, ``False``, or ``None`` when the check
    does not apply to this family (``message`` says why)."""

    name: str
    passed: bool | None
    message: str = ""

    def __str__(self) -> str:
        state = {True: "pass", False: "FAIL", None: "n/a"}[self.passed]
        return f"{self.name:<14} {state}  {self.message}".rstrip()


class FamilyCheckError(AssertionError):
    """Raised by :func:`check_family` when a check fails; ``results`` holds every check."""

    def __init__(self, kind: str, results: list[CheckResult]):
        self.results = results
        failed = [r for r in results if r.passed is False]
        super().__init__(
            f"family {kind!r} failed {len(failed)} check(s):\n"
            + "\n".join(f"  {r}" for r in failed)
        )


class _Fail(Exception):
    pass


def _require(cond, message: str):
    if not cond:
        raise _Fail(message)


def check_family(
    family,
    *,
    config=None,
    points: int | None = None,
    checks=CHECKS,
    size_factor: float = 4.0,
    raise_on_failure: bool = True,
) -> list[CheckResult]:
    """Run the contract checks of the module docstring on ``family`` (a registered
    :class:`mdlp.problems.base.Problem` subclass, or its ``kind``).

    ``config`` (a dict, YAML text or path) replaces the family's ``template``; ``points``
    sets ``grid.points`` (keep it small: every check solves).  Returns one
    :class:`CheckResult` per check; raises :class:`FamilyCheckError` if any failed (unless
    ``raise_on_failure=False``).
    """
    from mdlp.config import load_config
    from mdlp.problems.base import REGISTRY, get_family

    cls = get_family(family) if isinstance(family, str) else family
    if REGISTRY.get(cls.kind) is not cls:
        raise ValueError(
            f"{cls.__name__} is not registered under kind {cls.kind!r}: decorate it with "
            "mdlp.problems.base.register"
        )
    unknown = set(checks) - set(CHECKS)
    if unknown:
        raise ValueError(f"unknown checks {sorted(unknown)}; valid: {list(CHECKS)}")
    source = config if config is not None else cls.template
    if not source:
        raise ValueError(f"{cls.kind!r} ships no template: pass config=")
    if isinstance(source, str | Path) and "\n" not in str(source):
        source = Path(source).read_text()
    data = _as_dict(source)
    overrides = [f"grid.points={points}"] if points is not None else []
    cfg = load_config(data, overrides)
    ctx = {"cls": cls, "cfg": cfg, "data": data, "overrides": overrides, "factor": size_factor}
    results = []
    for name in CHECKS:
        if name not in checks:
            continue
        try:
            passed, message = _CHECKS[name](ctx)
        except _Fail as exc:
            passed, message = False, str(exc)
        except Exception as exc:  # a crash is a failed check, never a lost one
            passed, message = False, f"raised {type(exc).__name__}: {exc}"
        results.append(CheckResult(name, passed, message))
    if raise_on_failure and any(r.passed is False for r in results):
        raise FamilyCheckError(cls.kind, results)
    return results


def _as_dict(source) -> dict:
    if isinstance(source, dict):
        return json.loads(json.dumps(source))
    import yaml

    return yaml.safe_load(source)


# --- the checks ------------------------------------------------------------------------
def _template(ctx):
    from mdlp.run import solve

    res = solve(ctx["cfg"])
    _require(res.ok, f"status {res.status}: {res.message}")
    _require(res.kind == ctx["cls"].kind, f"result kind {res.kind!r}")
    _require(
        res.objective is not None and math.isfinite(res.objective), f"objective {res.objective}"
    )
    _require(res.exit_code == 0, f"exit code {res.exit_code}: {res.summary()['certificate']}")
    ctx["objective"] = res.objective
    return True, f"{res.status}, objective {res.objective:.9g}"


def _solve_once(ctx, problem=None):
    prob = problem or ctx["cfg"].make_problem()
    lp = prob.build()
    sol = prob.solve_lp(lp, ctx["cfg"].solver.backend_object())
    _require(sol.ok, f"status {sol.status}: {sol.message}")
    return prob, lp, sol


def _certificate(ctx):
    prob, lp, sol = _solve_once(ctx)
    tol = prob.certificate_tolerance
    cert = prob.interpret(lp, sol).certificate
    bad = {k: v for k, v in cert.items() if not float(v) <= tol}
    _require(not bad, f"feasibility certificate above {tol:g}: {bad}")
    own = prob.optimality_certificate(lp, sol)
    if math.isnan(own.dual_feasibility) or sol.y_flat is None:
        return None, f"no LP dual certificate applies ({own.message or 'no duals'})"
    solved = sol.lp if sol.lp is not None else lp
    worst = lp_optimality(solved, sol)
    bad = {k: v for k, v in worst.items() if not v <= tol}
    _require(not bad, f"recomputed optimality certificate above {tol:g}: {bad}")
    return True, ", ".join(f"{k} {v:.1e}" for k, v in {**cert, **worst}.items())


def lp_optimality(lp, sol) -> dict[str, float]:
    """The optimality certificate of ``sol`` for ``lp``, from the arrays alone: the largest
    stationarity residual ``|c - A^T y - d|``, the largest dual on an infinite bound, the
    primal-dual gap scaled by ``1 + |objective|``, and the largest row or column bound
    violation of ``x`` scaled by ``1 + |bound|``.  Rows added to ``lp`` after the solve get
    a zero dual (they only restrict the LP further)."""
    import numpy as np

    A = lp.matrix("csr")
    x = np.asarray(sol.x_flat, float)
    y = np.zeros(lp.num_rows)
    y[: sol.y_flat.size] = sol.y_flat
    d = np.asarray(sol.d_flat, float)
    # which bound each dual prices: for max a positive dual prices the upper bound
    up_y = (y > 0) if lp.sense == "max" else (y < 0)
    up_d = (d > 0) if lp.sense == "max" else (d < 0)
    rb = np.where(up_y, lp.row_ub, lp.row_lb)
    cb = np.where(up_d, lp.col_ub, lp.col_lb)
    on_inf = max(
        float(np.abs(y[~np.isfinite(rb)]).max(initial=0.0)),
        float(np.abs(d[~np.isfinite(cb)]).max(initial=0.0)),
    )
    stationarity = float(np.abs(lp.cost - A.T @ y - d).max(initial=0.0))
    primal = float(lp.cost @ x + lp.offset)
    dual = float(
        np.dot(y[np.isfinite(rb)], rb[np.isfinite(rb)])
        + np.dot(d[np.isfinite(cb)], cb[np.isfinite(cb)])
        + lp.offset
    )
    ax = A @ x
    with np.errstate(invalid="ignore"):
        rows = np.maximum(lp.row_lb - ax, ax - lp.row_ub) / (
            1 + np.minimum(np.abs(lp.row_lb), np.abs(lp.row_ub))
        )
        cols = np.maximum(lp.col_lb - x, x - lp.col_ub) / (
            1 + np.minimum(np.abs(lp.col_lb), np.abs(lp.col_ub))
        )
    return {
        "stationarity": stationarity,
        "dual_on_infinite_bound": on_inf,
        "gap": abs(primal - dual) / (1 + abs(primal)),
        "lp_feasibility": max(0.0, float(np.nanmax(rows, initial=0.0)),
                              float(np.nanmax(cols, initial=0.0))),
    }


def _cli(args):
    from click.testing import CliRunner

    from mdlp.cli import main

    r = CliRunner().invoke(main, [str(a) for a in args])
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise _Fail(f"mdlp {' '.join(map(str, args[:1]))} raised {r.exception!r}")
    return r


def _write_config(ctx, folder: Path) -> Path:
    import yaml

    path = folder / "config.yaml"
    path.write_text(yaml.safe_dump(ctx["data"], sort_keys=False))
    return path


def _bad_input(ctx):
    with tempfile.TemporaryDirectory(prefix="mdlp-check-") as tmp:
        tmp = Path(tmp)
        path = _write_config(ctx, tmp)
        params = ctx["cfg"].params.model_dump(exclude_none=True)
        attempts = [("no_such_parameter", ["1"])]
        attempts += [(k, ["{no_such_key: [1]}", "not-a-valid-value"]) for k in list(params)[:4]]
        named, accepted = 0, []
        for n, (field, values) in enumerate(attempts):
            for m, value in enumerate(values):
                out = tmp / f"out{n}_{m}"
                args = ["solve", path, *_sets(ctx), "--set", f"params.{field}={value}"]
                r = _cli(args + ["--out", out, "--quiet"])
                if r.exit_code == 0 and field != "no_such_parameter":
                    continue  # this value is valid for the field: try the next one
                text = (r.stderr or r.output).strip()
                lines = [ln for ln in text.splitlines() if ln.strip()]
                where = f"--set params.{field}={value}"
                _require(r.exit_code == 2, f"{where}: exit {r.exit_code}, want 2 ({text[:200]})")
                _require(len(lines) == 1, f"{where}: want one line, got {len(lines)}: {text[:300]}")
                _require(f"params.{field}" in lines[0], f"{where}: message {lines[0]!r} does "
                         f"not name params.{field}")
                _require("Traceback" not in r.output, f"{where}: a traceback was printed")
                _require(not out.exists(), f"{where}: {out.name} was written")
                named += 1
                break
            else:
                accepted.append(field)
        msg = f"{named} broken configs exit 2 naming the field"
        return True, msg + (f"; {accepted} accept both probes" if accepted else "")


def _sets(ctx):
    out = []
    for o in ctx["overrides"]:
        out += ["--set", o]
    return out


def _json(ctx):
    with tempfile.TemporaryDirectory(prefix="mdlp-check-") as tmp:
        path = _write_config(ctx, Path(tmp))
        r = _cli(["solve", path, *_sets(ctx), "--json"])
    _require(r.exit_code == 0, f"exit {r.exit_code}: {(r.stderr or '')[:200]}")
    try:
        d = json.loads(r.stdout)
    except ValueError as exc:
        raise _Fail(f"stdout is not one JSON object: {exc}") from None
    _require(isinstance(d, dict), "stdout is not a JSON object")
    missing = [k for k in SUMMARY_KEYS if k not in d]
    _require(not missing, f"missing keys {missing}")
    _require(d["kind"] == ctx["cls"].kind, f"kind {d['kind']!r}")
    _require(d["status"] in ("optimal", "evaluated"), f"status {d['status']!r}")
    _require(set(d["lp"]) == {"rows", "cols", "nnz"}, f"lp keys {sorted(d['lp'])}")
    _require({"build_s", "solve_s", "total_s"} <= set(d["timings"]), f"timings {d['timings']}")
    _require(all(isinstance(v, int | float) for v in d["certificate"].values()),
             "certificate values must be numbers")
    if d["theory"] is not None:
        keys = {"value", "source", "label", "relation", "gap", "holds"}
        _require(keys <= set(d["theory"]), f"theory keys {sorted(d['theory'])}")
        _require(math.isclose(d["gap"], d["objective"] - d["theory"]["value"], abs_tol=1e-12),
                 "gap != objective - theory value")
    ref = ctx.get("objective")
    if ref is not None:
        _require(math.isclose(d["objective"], ref, rel_tol=1e-7, abs_tol=1e-9),
                 f"objective {d['objective']} != {ref} of the template solve")
    return True, f"{len(d)} keys, objective {d['objective']:.9g}"


def _same(a, b, what):
    _require(math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9), f"{what}: {a!r} != {b!r}")


def _stateless(ctx):
    from mdlp.problems.base import Problem

    fresh, lp1, sol1 = _solve_once(ctx)
    first = fresh.interpret(lp1, sol1)
    # the same object again: a second build and solve
    _, lp2, sol2 = _solve_once(ctx, fresh)
    _same(sol1.objective, sol2.objective, "objective on a reused problem")
    second = fresh.interpret(lp2, sol2)
    # the first LP, interpreted after the second build, and by another object
    again = fresh.interpret(lp1, sol1)
    other = ctx["cfg"].make_problem().interpret(lp1, sol1)
    for name, it in (("reused", second), ("after another build", again), ("fresh", other)):
        _require(set(it.certificate) == set(first.certificate), f"{name}: certificate keys")
        _require(it.mechanism.shape == first.mechanism.shape, f"{name}: mechanism table shape")
    for name, it in (("after another build", again), ("fresh", other)):
        for k, v in first.certificate.items():
            _same(float(it.certificate[k]), float(v), f"{name}: certificate {k}")
    msg = "reused and fresh objects agree"
    if type(fresh).solve_lp is Problem.solve_lp:
        backend = ctx["cfg"].solver.backend_object()
        for prob in (ctx["cfg"].make_problem(), fresh):
            lp = prob.build()
            sol = backend.solve(lp)
            _require(sol.ok, f"backend.solve: {sol.status}")
            prob.interpret(lp, sol)
            _same(sol.objective, sol1.objective, "prob.interpret(lp, backend.solve(lp))")
        msg += "; prob.interpret(lp, backend.solve(lp)) works"
    return True, msg


def _size_estimate(ctx):
    prob = ctx["cfg"].make_problem()
    est = prob.size_estimate()
    if est is None:
        return None, "no size_estimate(): the size guard extrapolates from trial builds"
    stats = prob.build().stats()
    f = ctx["factor"]
    for name, e, real in zip(("rows", "cols", "nnz"), est, (stats["rows"], stats["cols"],
                                                           stats["nnz"]), strict=True):
        _require(real / f <= e <= real * f + 10, f"{name}: estimate {e:.3g}, built {real:,}")
    return True, f"estimate {tuple(int(e) for e in est)} vs built {stats}"


_CHECKS = {
    "template": _template,
    "bad_input": _bad_input,
    "certificate": _certificate,
    "json": _json,
    "stateless": _stateless,
    "size_estimate": _size_estimate,
}
