"""Batch convergence benchmarks: one config, a grid sequence, optional parameter sweeps.

Each task is one (parameter point, grid size) pair solved by :func:`mdlp.run.solve` in a
worker (a local process pool by default, or a Dask cluster).  Finished rows are appended
to ``runs.jsonl`` in the output folder as they arrive, so an interrupted sweep loses
nothing and a re-run with the same ``--out`` skips what is done.  At the end the folder
gets ``runs.parquet`` (or ``runs.csv``), ``convergence.csv``, ``report.md`` and, with the
``plot`` extra, ``convergence.png`` and ``scaling.png``.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import resource
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mdlp.compare import fit_order, richardson
from mdlp.config import ConfigError, load_config, parse_override
from mdlp.sizing import check_size


# --- parsing -------------------------------------------------------------------------
def parse_grid(text: str) -> list[int]:
    try:
        Ks = [int(t) for t in str(text).split(",") if t.strip()]
    except ValueError:
        raise ConfigError(
            "--grid", f"expected comma-separated integers like 11,21,41, got {text!r}"
        ) from None
    if not Ks or any(k < 2 for k in Ks):
        raise ConfigError("--grid", f"grid sizes must be integers >= 2, got {text!r}")
    return sorted(set(Ks))


def parse_sweep(text: str) -> tuple[str, list]:
    """``params.mean=0.1:0.9:9`` (start:stop:count, inclusive) or ``params.x=a,b,c``."""
    path, value = parse_override(text)
    key = ".".join(path)
    raw = text.partition("=")[2].strip()
    if ":" in raw and not raw.startswith("{"):
        parts = raw.split(":")
        try:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
        except (ValueError, IndexError):
            raise ConfigError("--sweep", f"{key}: expected start:stop:count, got {raw!r}") from None
        if count < 1:
            raise ConfigError("--sweep", f"{key}: count must be >= 1")
        return key, [round(float(v), 12) for v in np.linspace(start, stop, count)]
    if isinstance(value, list):
        return key, value
    if "," in raw:
        return key, [yaml.safe_load(v) for v in raw.split(",")]
    return key, [value]


@dataclass(frozen=True)
class Task:
    point: tuple[tuple[str, object], ...]  # the sweep's (key, value) pairs
    points: int  # grid size

    @property
    def key(self) -> str:
        return json.dumps([list(self.point), self.points], sort_keys=True, default=str)

    def overrides(self) -> list[str]:
        return [f"{k}={json.dumps(v)}" for k, v in self.point] + [f"grid.points={self.points}"]


def make_tasks(grid: Sequence[int], sweeps: Sequence[tuple[str, list]]) -> list[Task]:
    keys = [k for k, _ in sweeps]
    combos = itertools.product(*[vals for _, vals in sweeps]) if sweeps else [()]
    return [Task(tuple(zip(keys, combo, strict=True)), K) for combo in combos for K in grid]


# --- one task (runs in a worker) -------------------------------------------------------
def run_task(config: dict, task: Task, threads: int = 1) -> dict:
    """Solve one task; never raises for solver trouble (the status says it)."""
    from mdlp.run import solve

    row = {"task": task.key, **{k: v for k, v in task.point}, "points": task.points}
    t0 = time.perf_counter()
    try:
        cfg = load_config(config, task.overrides() + [f"solver.threads={threads}"])
        res = solve(cfg, force=True)  # run_bench checked the sizes before any work
        ref = res.reference
        # the continuum value: reached only in the limit, or a continuum bound on every grid
        cont = next((t for t in res.theory if t.limit or t.label.startswith("continuum")), None)
        row.update(
            status=res.status,
            objective=res.objective,
            theory=None if ref is None else ref.value,
            gap=res.gap,
            continuum=None if cont is None else cont.value,
            continuum_gap=None
            if (cont is None or res.objective is None)
            else res.objective - cont.value,
            certificate=max(res.certificate.values(), default=None),
            rows=res.lp["rows"],
            cols=res.lp["cols"],
            nnz=res.lp["nnz"],
            build_s=res.timings["build_s"],
            solve_s=res.timings["solve_s"],
        )
    except ConfigError as exc:
        row.update(status="bad_input", message=str(exc))
    except Exception as exc:  # a worker must report, not kill the sweep
        row.update(status="error", message=f"{type(exc).__name__}: {exc}")
    row["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    row["seconds"] = time.perf_counter() - t0
    return row


# --- executors -----------------------------------------------------------------------
def _ignore_sigint() -> None:
    """Pool workers leave Ctrl-C to the parent, which stops them (no worker tracebacks)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local_map(fn, items, workers):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if workers <= 1:
        for it in items:
            yield fn(it)
        return
    # spawn, not fork: a forked child would inherit HiGHS's thread pool mid-state.
    ctx = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_ignore_sigint)
    futs = [pool.submit(fn, it) for it in items]
    try:
        for f in as_completed(futs):
            yield f.result()
    except BaseException:  # Ctrl-C or the consumer stopped: stop the workers now
        procs = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for proc in procs:
            proc.terminate()
        raise
    pool.shutdown()


def _dask_map(fn, items, scheduler, workers):
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ConfigError(
            "--executor",
            'dask is not installed; install the extra with: pip install -e ".[distributed]"',
        ) from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # one single-threaded worker process per core: HiGHS objects never share a process
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    try:
        futs = client.map(fn, items, pure=False)
        for f in as_completed(futs):
            yield f.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


class _Runner:
    """Picklable task runner for the process pool."""

    def __init__(self, config, threads):
        self.config = config
        self.threads = threads

    def __call__(self, task):
        return run_task(self.config, task, self.threads)


# --- the sweep -----------------------------------------------------------------------
def load_finished(path: Path) -> dict[str, dict]:
    """Rows already in ``runs.jsonl``; a torn last line (interrupted write) is ignored."""
    done = {}
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(row, dict) and "task" in row:
                done[row["task"]] = row
    return done


def run_bench(
    config,
    grid: Sequence[int],
    sweeps: Sequence[tuple[str, list]] = (),
    out: str | Path | None = None,
    executor: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int, dict], None] | None = None,
    force: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run (or resume) a sweep; returns ``(runs, convergence)`` DataFrames.

    Every configuration is validated, and unless ``force`` the largest grid of every sweep
    point is checked against the memory budget (:mod:`mdlp.sizing`), before any work."""
    if isinstance(config, str | Path):
        from mdlp.config import read_yaml

        config = read_yaml(config)
    base = load_config(config)  # validate once, before any work
    largest = [f"grid.points={max(grid)}"] if grid else []
    if not force:
        check_size(load_config(config, largest))
    for key, values in sweeps:
        for v in values:
            cfg_v = load_config(config, [f"{key}={json.dumps(v)}"] + largest)
            if not force:
                check_size(cfg_v)
    config = base.to_dict()
    tasks = make_tasks(grid, sweeps)
    out = Path(out) if out is not None else None
    done: dict[str, dict] = {}
    log = None
    if out is not None:
        if out.exists() and not out.is_dir():
            raise ConfigError("--out", f"{str(out)!r} exists and is not a directory")
        out.mkdir(parents=True, exist_ok=True)
        log = out / "runs.jsonl"
        done = load_finished(log)
    todo = [t for t in tasks if t.key not in done]
    rows = [done[t.key] for t in tasks if t.key in done]
    n_workers = workers or (os.cpu_count() or 1)
    runner = _Runner(config, 1)
    stream = (
        _dask_map(runner, todo, scheduler, n_workers)
        if executor == "dask"
        else _local_map(runner, todo, min(n_workers, max(1, len(todo))))
    )
    fh = open(log, "a") if log is not None else None  # noqa: SIM115
    if fh is not None and log.stat().st_size and not log.read_bytes().endswith(b"\n"):
        fh.write("\n")  # an interrupted write left a torn line: start a fresh one
    try:
        for i, row in enumerate(stream, 1):
            rows.append(row)
            if fh is not None:
                fh.write(json.dumps(row, default=str) + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            if progress is not None:
                progress(len(done) + i, len(tasks), row)
    finally:
        if fh is not None:
            fh.close()
    order = {t.key: i for i, t in enumerate(tasks)}
    runs = pd.DataFrame(sorted(rows, key=lambda r: order.get(r["task"], 1e9)))
    conv = convergence_table(runs, [k for k, _ in sweeps])
    if out is not None:
        write_bench_outputs(runs, conv, out, base.kind)
    return runs, conv


def convergence_table(runs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per parameter point: fitted order, Richardson estimate and its error estimate,
    and (where a continuum theorem applies) the estimate's error against it."""
    out = []
    groups = runs.groupby(list(keys), sort=False, dropna=False) if keys else [((), runs)]
    for point, g in groups:
        g = g[g["status"].isin(("optimal", "evaluated"))].sort_values("points")
        row = dict(zip(keys, point if isinstance(point, tuple) else (point,), strict=False))
        row["grids"] = ",".join(str(int(k)) for k in g["points"])
        row["solved"] = len(g)
        hs = (1.0 / g["points"]).to_numpy()
        vals = g["objective"].to_numpy(dtype=float)
        target = g["continuum"].dropna().iloc[-1] if g["continuum"].notna().any() else None
        if target is not None and len(g) >= 2:
            order = fit_order(hs, vals - target)
        elif len(g) >= 3:  # no theorem: the order of successive differences
            order = fit_order(hs[1:], np.diff(vals))
        else:
            order = float("nan")
        row["order"] = order
        if len(g) >= 2 and math.isfinite(order) and order > 0:
            # Extrapolate with the nearest integer order: the fitted one was measured
            # against the theorem, and using it would reproduce the theorem by design.
            est, err = richardson(vals, hs, max(1, round(order)))
        else:
            est, err = (vals[-1] if len(vals) else float("nan")), float("nan")
        row["objective_finest"] = vals[-1] if len(vals) else float("nan")
        row["extrapolated"] = est
        row["extrapolation_error_estimate"] = err
        row["theorem"] = target
        row["extrapolated_minus_theorem"] = (est - target) if target is not None else None
        row["max_certificate"] = g["certificate"].max() if len(g) else float("nan")
        out.append(row)
    return pd.DataFrame(out)


def write_bench_outputs(runs, conv, out: Path, kind: str) -> None:
    from mdlp.report import has_pyarrow

    def atomic(name, write):
        tmp = out / f".{name}.tmp"
        write(tmp)
        os.replace(tmp, out / name)

    if has_pyarrow():
        atomic("runs.parquet", lambda p: runs.to_parquet(p, index=False))
    else:
        atomic("runs.csv", lambda p: runs.to_csv(p, index=False))
    atomic("convergence.csv", lambda p: conv.to_csv(p, index=False))
    cmd = "mdlp " + " ".join(sys.argv[1:]) if sys.argv and "mdlp" in sys.argv[0] else "mdlp bench"
    text = (
        f"# Convergence report: {kind}\n\n`{cmd}`\n\n## Convergence per parameter point\n\n"
        + _md(conv)
        + "\n\n## Runs\n\n"
        + _md(runs.drop(columns=["task"], errors="ignore"))
        + "\n"
    )
    atomic("report.md", lambda p: p.write_text(text))
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    ok = runs[runs["status"].isin(("optimal", "evaluated"))]
    keys = [
        c
        for c in conv.columns
        if c
        not in {
            "grids",
            "solved",
            "order",
            "objective_finest",
            "extrapolated",
            "extrapolation_error_estimate",
            "theorem",
            "extrapolated_minus_theorem",
            "max_certificate",
        }
    ]
    fig, ax = plt.subplots(figsize=(6, 4))
    groups = ok.groupby(keys, sort=False) if keys else [("", ok)]
    for point, g in groups:
        col = "continuum_gap" if g["continuum_gap"].notna().any() else "gap"
        y = g[col].abs().to_numpy(dtype=float)
        if np.all(y > 0):
            ax.loglog(g["points"], y, "o-", label=str(point))
    ax.set_xlabel("grid points K")
    ax.set_ylabel("|LP - theorem|")
    if keys:
        ax.legend(fontsize=6)
    fig.tight_layout()
    atomic("convergence.png", lambda p: fig.savefig(p, format="png", dpi=120))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.loglog(ok["nnz"], ok["solve_s"].clip(lower=1e-4), "o", label="solve")
    ax.loglog(ok["nnz"], ok["build_s"].clip(lower=1e-4), "s", label="build")
    ax.set_xlabel("nonzeros")
    ax.set_ylabel("seconds")
    ax.legend()
    fig.tight_layout()
    atomic("scaling.png", lambda p: fig.savefig(p, format="png", dpi=120))
    plt.close(fig)


def _md(df: pd.DataFrame) -> str:
    if df.empty:
        return "(no rows)"
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float):
                v = "" if not math.isfinite(v) else f"{v:.6g}"
            cells.append(str(v).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
