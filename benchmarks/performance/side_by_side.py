"""Every shipped config solved by two source trees side by side, in one run.

Each solve runs in a fresh interpreter with ``PYTHONPATH`` pointing at one tree; the trees
alternate (A, B, A, B, ...) so that both see the same machine load.  The table records the
median solve time of each tree (``mdlp.run.solve``, imports excluded), both objectives and
their difference: a refactoring must leave every optimum where it was and may not be much
slower.

    python benchmarks/performance/side_by_side.py --before /path/to/old/checkout \\
        [--after .] [--runs 3] [--timeout 600] [--configs 'myerson*']
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys, time
from mdlp.config import load_config
from mdlp.run import solve
cfg = load_config(sys.argv[1])
t0 = time.perf_counter()
res = solve(cfg)
dt = time.perf_counter() - t0
print(json.dumps({"status": res.status, "objective": res.objective, "seconds": dt}))
"""


def run_one(tree: Path, config: Path, timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree), OMP_NUM_THREADS="1")
    try:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(config)],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
            cwd=tree,
        )
    except subprocess.TimeoutExpired:
        return {"status": "time_limit", "objective": None, "seconds": None}
    if out.returncode != 0 or not out.stdout.strip():
        return {"status": "error: " + out.stderr.strip().splitlines()[-1][:120], "objective": None,
                "seconds": None}  # fmt: skip
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True, type=Path, help="the old source tree")
    ap.add_argument("--after", default=ROOT, type=Path, help="the new source tree")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=600.0)
    ap.add_argument("--configs", default="*", help="glob over configs/*.yaml names")
    ap.add_argument("--out", type=Path, default=Path(__file__).with_suffix(".csv"))
    a = ap.parse_args()
    before, after = a.before.resolve(), a.after.resolve()
    rows = []
    for cfg in sorted((after / "configs").glob("*.yaml")):
        if not fnmatch.fnmatch(cfg.stem, a.configs):
            continue
        res = {"before": [], "after": []}
        for _ in range(a.runs):
            for side, tree in (("before", before), ("after", after)):
                res[side].append(run_one(tree, cfg, a.timeout))
        row = {"config": cfg.stem}
        for side in ("before", "after"):
            secs = [r["seconds"] for r in res[side] if r["seconds"] is not None]
            row[f"{side}_status"] = res[side][-1]["status"]
            row[f"{side}_objective"] = res[side][-1]["objective"]
            row[f"{side}_s"] = statistics.median(secs) if secs else None
        ob, oa = row["before_objective"], row["after_objective"]
        row["objective_diff"] = abs(oa - ob) if ob is not None and oa is not None else None
        bs, as_ = row["before_s"], row["after_s"]
        row["ratio"] = as_ / bs if bs and as_ else None
        rows.append(row)
        print(
            f"{cfg.stem:40s} {row['before_status']:>10s} {row['after_status']:>10s} "
            f"diff={row['objective_diff']} before={bs} after={as_} ratio={row['ratio']}",
            flush=True,
        )
    cmd = "python " + " ".join([Path(sys.argv[0]).as_posix(), *sys.argv[1:]])
    write_csv(rows, a.out, cmd)


if __name__ == "__main__":
    main()
