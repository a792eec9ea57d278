"""The engine speed table: every case in ``engine_cases/`` solved with default settings and
certified over all its IC pairs, one fresh subprocess per case (so peak memory is the
case's own), written to ``engine.csv``.

A case is a YAML file: an ordinary mdlp config plus a ``bench`` mapping (removed before the
config is loaded) with ``case`` (a label) and ``target_s`` (the time goal), optionally
``types`` and ``pairs`` where the family does not report them itself::

    bench: {case: "bayesian_pricing, two unit-demand items, K = 81", target_s: 60}
    kind: bayesian_pricing
    params: {...}
    grid: {points: 81}

Columns: case, kind, K, types, pairs represented (ordered IC pairs the certificate
covers), rows / cols / nnz of the final LP, rounds and rows added by row generation, build
s, solve s, peak MB, certificate (its largest entry), status (``optimal (certified)``
only when every certificate entry is <= 1e-6), objective, target s, met (certified and
build + solve within the target).  A case that exceeds ``--timeout`` is a row with
status ``time_limit`` and no numbers.

It also prints, for two additive items iid U[0, 1] (Manelli and Vincent 2006, revenue
``(12 + 2 sqrt 2)/27``), the time to get within ``1e-3`` of the continuum value by a
sequence of grids with Richardson extrapolation (first order, :func:`mdlp.compare.
richardson`), beside one fine grid solved on its own.

    python benchmarks/performance/engine.py [--cases PATTERN] [--timeout S]
        [--out engine.csv] [--no-accuracy]
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CASES = HERE / "engine_cases"
sys.path.insert(0, str(HERE.parent))
from _util import peak_rss_mb, write_csv  # noqa: E402

CERT_TOL = 1e-6
COLUMNS = (
    "case",
    "kind",
    "K",
    "types",
    "pairs",
    "rows",
    "cols",
    "nnz",
    "rounds",
    "rows_added",
    "build_s",
    "solve_s",
    "peak_mb",
    "certificate",
    "status",
    "objective",
    "target_s",
    "met",
)


def load_case(path: Path) -> tuple[dict, dict]:
    """``(bench, config)`` of one case file."""
    import yaml

    data = yaml.safe_load(path.read_text()) or {}
    bench = dict(data.pop("bench", None) or {})
    bench.setdefault("case", path.stem)
    return bench, data


def run_case(path: Path) -> dict:
    """Solve one case in this process and return its row (the child's side)."""
    from mdlp.run import solve

    bench, cfg = load_case(path)
    res = solve(cfg)
    cert = [v for v in res.certificate.values() if v is not None and not math.isnan(v)]
    worst = max(cert) if cert else float("nan")
    ok = res.status == "optimal" and bool(cert) and worst <= CERT_TOL
    status = (
        "optimal (certified)"
        if ok
        else ("optimal (not certified)" if res.status == "optimal" else res.status)
    )
    build = res.timings.get("build_s", float("nan"))
    solve_s = res.timings.get("solve_s", float("nan"))
    ex = res.extras or {}
    target = bench.get("target_s")
    return {
        "case": bench["case"],
        "kind": res.kind,
        "K": (cfg.get("grid") or {}).get("points"),
        "types": bench.get("types", ex.get("types")),
        "pairs": bench.get("pairs", ex.get("ic_pairs")),
        "rows": res.lp.get("rows"),
        "cols": res.lp.get("cols"),
        "nnz": res.lp.get("nnz"),
        "rounds": res.solver.get("rounds"),
        "rows_added": res.solver.get("rows_added"),
        "build_s": round(build, 3),
        "solve_s": round(solve_s, 3),
        "peak_mb": round(peak_rss_mb(), 1),
        "certificate": worst,
        "status": status,
        "objective": res.objective if res.status == "optimal" else None,
        "target_s": target,
        "met": bool(ok and target is not None and build + solve_s <= float(target)),
    }


def run_isolated(path: Path, timeout: float) -> dict:
    """One case in a fresh interpreter under a wall-clock limit."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(path)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        bench, cfg = load_case(path)
        row = dict.fromkeys(COLUMNS)
        row.update(
            case=bench["case"],
            kind=cfg.get("kind"),
            K=(cfg.get("grid") or {}).get("points"),
            status="time_limit",
            target_s=bench.get("target_s"),
            met=False,
        )
        return row
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        bench, cfg = load_case(path)
        row = dict.fromkeys(COLUMNS)
        tail = (out.stderr.strip().splitlines() or ["no output"])[-1]
        row.update(case=bench["case"], kind=cfg.get("kind"), status=f"error: {tail}"[:120])
        row["met"] = False
        return row
    return json.loads(lines[-1])


# --- time to accuracy -----------------------------------------------------------------
def time_to_accuracy(tol: float, grids: list[int], fine: int) -> None:
    """Two additive items iid U[0, 1]: grids in sequence with Richardson extrapolation
    (first order in the grid step) until the estimate is within ``tol`` of Manelli and
    Vincent's revenue, against the single grid ``fine`` solved on its own."""
    from mdlp.compare import richardson
    from mdlp.run import solve
    from mdlp.theory import bayesian_pricing as T

    uni = {"distribution": "uniform", "low": 0, "high": 1}
    target = T.manelli_vincent_revenue(1.0)

    def one(K):
        t0 = time.perf_counter()
        r = solve(
            {"kind": "bayesian_pricing", "params": {"items": [uni, uni]}, "grid": {"points": K}}
        )
        if not (r.status == "optimal" and r.certified):
            raise SystemExit(f"K = {K}: {r.status}, not certified")
        return r.objective, time.perf_counter() - t0

    print(
        f"\nTime to accuracy {tol:g}: two additive items iid U[0,1], continuum value "
        f"(12 + 2 sqrt 2)/27 = {target:.6f} (Manelli and Vincent 2006)"
    )
    vals, hs, spent, reached = [], [], 0.0, None
    for K in grids:
        v, dt = one(K)
        spent += dt
        vals.append(v)
        hs.append(1.0 / K)
        est, _ = richardson(vals, hs, 1.0) if len(vals) >= 2 else (v, float("nan"))
        print(
            f"  sequence K = {K:4d}: grid value {v:.6f} ({v - target:+.2e}), Richardson "
            f"{est:.6f} ({est - target:+.2e}), {spent:7.1f} s so far"
        )
        if abs(est - target) <= tol:
            reached = spent
            break
    v, dt = one(fine)
    print(
        f"  single grid K = {fine}: value {v:.6f} ({v - target:+.2e}) in {dt:.1f} s"
        + (
            ""
            if abs(v - target) <= tol
            else f"  (not within {tol:g}; the grid error is first order, about 0.4/K)"
        )
    )
    print(
        f"  sequence + Richardson: within {tol:g} after {reached:.1f} s"
        if reached
        else f"  sequence + Richardson: not within {tol:g} on grids {grids}"
    )


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", default="*", help="glob on the case file names (e.g. '*pricing*')")
    ap.add_argument("--timeout", type=float, default=600.0, help="wall-clock seconds per case")
    ap.add_argument("--out", default=str(HERE / "engine.csv"))
    ap.add_argument("--no-accuracy", action="store_true", help="skip the time-to-accuracy run")
    ap.add_argument("--accuracy-grids", type=int, nargs="+", default=[11, 21, 41, 81])
    ap.add_argument("--fine", type=int, default=81, help="the single fine grid to compare")
    ap.add_argument("--dir", default=str(CASES), help="the directory of case files")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(run_case(Path(args.child))))
        return
    pat = args.cases if any(c in args.cases for c in "*?[") else f"*{args.cases}*"
    files = sorted(p for p in Path(args.dir).glob("*.y*ml") if fnmatch.fnmatch(p.name, pat))
    if not files:
        raise SystemExit(f"--cases: no file in {args.dir} matches {args.cases!r}")
    rows = []
    load0 = os.getloadavg()[0]
    for f in files:
        row = run_isolated(f, args.timeout)
        rows.append(row)
        print(
            f"{row['case']}: {row['status']}, objective {row['objective']}, build "
            f"{row['build_s']} s, solve {row['solve_s']} s, {row['peak_mb']} MB, "
            f"target {row['target_s']} s, met {row['met']}",
            flush=True,
        )
    cmd = "python benchmarks/performance/engine.py " + " ".join(
        a for a in (argv if argv is not None else sys.argv[1:])
    )
    cmd = f"{cmd.strip()}  (load average {load0:.1f} at start, {os.getloadavg()[0]:.1f} at end)"
    write_csv([{k: r.get(k) for k in COLUMNS} for r in rows], Path(args.out), cmd)
    print(f"wrote {args.out}")
    if not args.no_accuracy:
        time_to_accuracy(1e-3, args.accuracy_grids, args.fine)


if __name__ == "__main__":
    main()
