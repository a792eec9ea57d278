"""Result files and terminal summaries.

``write_outputs(result, DIR)`` writes ``summary.json``, the mechanism table
(``mechanism.parquet`` when pyarrow is installed, else ``mechanism.csv``),
``worst_case.csv`` where the family has one, ``config.yaml`` (the resolved config) and the
family's figures (:mod:`mdlp.plots`, PNG and SVG, listed in ``summary.json`` under
``figures``).  Every file is first written into a temporary folder beside ``DIR`` and then
moved into place with an atomic rename, so an interrupted run leaves no partial file.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from pathlib import Path

import yaml


def has_pyarrow() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, allow_nan=False, default=_default)


def _default(o):
    if hasattr(o, "tolist"):
        return o.tolist()
    if hasattr(o, "item"):
        return o.item()
    raise TypeError(f"not JSON serializable: {type(o).__name__}")


def clean(obj):
    """Replace non-finite floats by ``None`` so the JSON is standard."""
    if isinstance(obj, dict):
        return {k: clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_outputs(result, out_dir, problem=None) -> list[Path]:
    """Write the result files into ``out_dir`` atomically; returns the paths written."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        from mdlp.config import ConfigError

        raise ConfigError("--out", f"{str(out)!r} exists and is not a directory")
    parent = out.parent if str(out.parent) else Path(".")
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        from mdlp.plots import write_figures

        summary = clean(result.summary())
        summary["figures"] = write_figures(result, tmp, problem) if result.ok else []
        (tmp / "summary.json").write_text(dumps(summary) + "\n")
        (tmp / "config.yaml").write_text(yaml.safe_dump(result.config.to_dict(), sort_keys=False))
        if result.mechanism is not None:
            if has_pyarrow():
                result.mechanism.to_parquet(tmp / "mechanism.parquet", index=False)
            else:
                result.mechanism.to_csv(tmp / "mechanism.csv", index=False)
        if result.worst_case is not None:
            result.worst_case.to_csv(tmp / "worst_case.csv", index=False)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
            written.append(out / f.name)
        return written
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _fmt(v, digits=9) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        return f"{v:.{digits}g}"
    return str(v)


def certified_text(s: dict) -> str:
    """``certified`` when feasibility and optimality both hold, else what failed."""
    tol = s["certificate_tolerance"]
    cert = s["certificate"]
    opt_keys = ("dual_feasibility", "duality_gap")
    bad_feas = [k for k, v in cert.items() if k not in opt_keys and not v <= tol]
    opt = s.get("optimality") or {}
    failed = []
    if bad_feas:
        failed.append("feasibility NOT certified: " + ", ".join(bad_feas) + f" > {tol:.0e}")
    if opt.get("certified") is None:
        failed.append("optimality not certified: " + (opt.get("message") or "no LP dual"))
    elif not opt["certified"]:
        bad = [k.replace("_", " ") for k in opt_keys if not cert.get(k, 0.0) <= tol]
        failed.append("optimality NOT certified: " + ", ".join(bad) + f" > {tol:.0e}")
    return "certified" if not failed else "; ".join(failed)


def summary_text(result) -> str:
    """A readable multi-line summary of one result."""
    s = result.summary()
    lines = [f"{s['kind']}" + (f"  ({s['name']})" if s.get("name") else "")]

    def row(k, v):
        lines.append(f"  {k:<12} {v}")  # a long key keeps a space before its value

    status = s["status"]
    if status == "optimal" and s["certificate"]:
        status += f" ({certified_text(s)})"
    row("status", status + (f"  ({s['message']})" if s.get("message") else ""))
    solved = s["status"] in ("optimal", "evaluated")
    scope = s.get("scope") or {}
    if scope.get("description"):
        row("computes", f"{scope['kind']}: {scope['description']}")
    if solved:
        row("objective", _fmt(s["objective"]))
    th = s["theory"]
    for note in s.get("no_closed_form") or ():
        row("theory", f"no closed form for this case: {note}")
    if th is None:
        if not s.get("no_closed_form"):
            row("theory", "no closed form applies to these parameters")
    else:
        row("theory", f"{_fmt(th['value'])}  {th['label']}")
        row("  source", th["source"])
        if solved:
            verdict = "ok" if th["holds"] else "OUTSIDE TOLERANCE"
            rel = {"upper": "gap", "lower": "-gap"}.get(th["relation"], "|gap|")
            bound = f"{rel} <= {th['tolerance']:.0e}"
            row("gap", f"{s['gap']:+.3e}  ({th['relation']}: {bound}: {verdict})")
    for ref in s["references"]:
        gap = f"  gap {ref['gap']:+.3e}" if "gap" in ref else ""
        what = f"{ref['relation']}{' in the limit' if ref.get('limit') else ''}"
        if ref.get("holds") is not None:
            what += ", ok" if ref["holds"] else ", VIOLATED"
        row("reference", f"{_fmt(ref['value'])}  {ref['label']}{gap}  ({what})")
    if s.get("exact") is not None:
        ex = s["exact"]
        verdict = "verified" if ex["verified"] else "NOT verified"
        row("exact", f"{verdict}, objective {ex['objective']}  ({ex['message']})")
    if s["certificate"]:
        worst = max((v for v in s["certificate"].values() if v == v), default=0.0)
        ok = "ok" if worst <= s["certificate_tolerance"] else "VIOLATED"
        parts = ", ".join(f"{k} {v:.1e}" for k, v in s["certificate"].items())
        row("certificate", f"{parts}  (<= {s['certificate_tolerance']:.0e}: {ok})")
    lp = s["lp"]
    row("lp", f"rows {lp['rows']:,}  cols {lp['cols']:,}  nnz {lp['nnz']:,}")
    sol = s["solver"]
    extra = (
        f", {sol['rounds']} rounds, {sol['rows_added']:,} rows added" if sol.get("rounds") else ""
    )
    row("solver", f"{sol.get('backend')} {sol.get('method')}{extra}")
    t = s["timings"]
    row(
        "timings",
        f"build {t['build_s']:.3f} s  solve {t['solve_s']:.3f} s  total {t['total_s']:.3f} s",
    )
    for k, v in (s.get("extras") or {}).items():
        if isinstance(v, int | float | str) or (
            isinstance(v, list)
            and len(v) <= 8
            and all(isinstance(x, int | float | None) for x in v)
        ):
            row(k, v if not isinstance(v, float) else _fmt(v))
    return "\n".join(lines)
