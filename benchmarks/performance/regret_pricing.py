"""Benchmark: regret_pricing with J >= 2 items, row generation vs all pairwise IC rows.

Run from the repository root:

    python benchmarks/performance/regret_pricing.py                      # default cases, ~2 min
    python benchmarks/performance/regret_pricing.py --case 2:101 --case 3:21   # the issue's targets

Writes ``benchmarks/regret_pricing.csv`` (one row per case and IC path) with the build and
solve times, rows, nonzeros, rounds, rows added, the certificate over ALL pairs and the
objective against the continuum value ``J/e`` (endpoints grid on [0, 1]^J).
"""

from __future__ import annotations

import argparse
import math
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from mdlp.run import solve

OUT = Path(__file__).with_suffix(".csv")


def case(J: int, K: int, ic: str, method: str = "auto") -> dict:
    cfg = {
        "kind": "regret_pricing",
        "params": {"upper": [1.0] * J, "ic": ic},
        "grid": {"points": K, "placement": "endpoints"},
        "solver": {"threads": 1, "method": method, "time_limit": 900},
    }
    t0 = time.perf_counter()
    res = solve(cfg)
    wall = time.perf_counter() - t0
    return {
        "J": J,
        "K": K,
        "types": K**J,
        "ic": ic,
        "method": method,
        "status": res.status,
        "objective": res.objective,
        "continuum": J / math.e,
        "gap": None if res.objective is None else res.objective - J / math.e,
        "certificate_ic_all_pairs": res.certificate.get("ic"),
        "rows": res.lp["rows"],
        "nnz": res.lp["nnz"],
        "rounds": res.solver.get("rounds"),
        "rows_added": res.solver.get("rows_added"),
        "build_s": res.timings.get("build_s"),
        "solve_s": res.timings.get("solve_s"),
        "wall_s": wall,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", help="J:K (row generation)")
    ap.add_argument("--no-compare", action="store_true", help="skip the all-pairs comparison")
    args = ap.parse_args(argv)
    cases = [tuple(int(x) for x in c.split(":")) for c in (args.case or ["2:21", "2:31", "3:9"])]
    rows = []
    for J, K in cases:
        rows.append(case(J, K, "rowgen"))
        print(rows[-1], flush=True)
    if not args.no_compare:
        rows.append(case(2, 21, "all_pairs", "ipm"))
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    df["command"] = "python " + " ".join(["benchmarks/regret_pricing.py", *(argv or sys.argv[1:])])
    df.to_csv(OUT, index=False)
    print(df.drop(columns="command").to_string(index=False))


if __name__ == "__main__":
    main()
