"""Benchmark: regret_pricing with J >= 2 items - speed targets.

Produced ``benchmarks/performance/regret_pricing.csv`` with (from the repository root):

    python benchmarks/performance/regret_pricing.py

(default cases: ``ic: auto`` at J:K = 2:21, 2:51, 2:101, 3:21; the generic row generation
``ic: rowgen`` at 2:21 and 2:31; all pairwise IC rows handed to HiGHS at once, ``ic:
all_pairs`` with ``method: ipm``, at 2:21).  ``--case J:K`` replaces the ``auto`` cases,
``--no-compare`` skips the rowgen / all_pairs rows.

Every row is a certified optimum: ``certificate_ic_all_pairs`` is the largest IC violation
over ALL ordered pairs of grid profiles, recomputed from the returned mechanism.  Paths:

* ``auto`` (``ic_path = saddle``): the separable mechanism of the per-item grid optima
  (upper bound, IC on all pairs) against the LP restricted to nature's comonotone support,
  grown by type generation (lower bound); ``rounds`` = type-generation rounds, ``support``
  = types kept, ``rows_added`` = IC rows with a multiplier appended to the full LP.
* ``rowgen``: the full LP from axis-neighbour IC, most violated pair per type per round.
* ``all_pairs``: n (n - 1) IC rows in one LP.

Columns ``wall_s`` / ``cpu_s`` (process CPU) and ``load_1min`` (``os.getloadavg``, before
the case) are recorded because the machine is shared; ``ratio_all_pairs`` is the all-pairs
wall time at 2:21 divided by the row's wall time (rows at 2:21 only).  Endpoints grid on
[0, 1]^J, zero costs; the grid-exact value is J z_n (thesis grid, n = K - 1).
"""

from __future__ import annotations

import argparse
import math
import os
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from mdlp.config import load_config
from mdlp.run import solve
from mdlp.theory import regret as T

OUT = Path(__file__).with_suffix(".csv")


def case(J: int, K: int, ic: str, method: str = "auto") -> dict:
    cfg = {
        "kind": "regret_pricing",
        "params": {"upper": [1.0] * J, "ic": ic},
        "grid": {"points": K, "placement": "endpoints"},
        "solver": {"threads": 1, "method": method, "time_limit": 900},
    }
    rc = load_config(cfg)
    prob = rc.make_problem()
    load = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    res = solve(rc, problem=prob)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    exact = J * T.thesis_grid_unit(K - 1)
    return {
        "J": J,
        "K": K,
        "types": K**J,
        "ic": ic,
        "path": res.extras.get("ic_path", ic),
        "method": method,
        "status": res.status,
        "objective": res.objective,
        "grid_exact": exact,
        "error_vs_grid_exact": None if res.objective is None else res.objective - exact,
        "continuum": J / math.e,
        "certificate_ic_all_pairs": res.certificate.get("ic"),
        "certified": res.certified,
        "rows": res.lp["rows"],
        "nnz": res.lp["nnz"],
        "rounds": res.solver.get("rounds"),
        "rows_added": res.solver.get("rows_added"),
        "support": res.extras.get("saddle_support"),  # the problem keeps no history
        "build_s": res.timings.get("build_s"),
        "solve_s": res.timings.get("solve_s"),
        "wall_s": wall,
        "cpu_s": cpu,
        "load_1min": load,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", action="append", help="J:K for the ic: auto path")
    ap.add_argument("--no-compare", action="store_true", help="skip rowgen / all_pairs rows")
    args = ap.parse_args(argv)
    cases = [
        tuple(int(x) for x in c.split(":"))
        for c in (args.case or ["2:21", "2:51", "2:101", "3:21"])
    ]
    rows = [case(J, K, "auto") for J, K in cases]
    for r in rows:
        print(r, flush=True)
    if not args.no_compare:
        for J, K in ((2, 21), (2, 31)):
            rows.append(case(J, K, "rowgen"))
            print(rows[-1], flush=True)
        rows.append(case(2, 21, "all_pairs", "ipm"))
        print(rows[-1], flush=True)
    df = pd.DataFrame(rows)
    ref = df[(df.ic == "all_pairs") & (df.J == 2) & (df.K == 21)]
    df["ratio_all_pairs"] = None
    if len(ref):
        at21 = (df.J == 2) & (df.K == 21)
        df.loc[at21, "ratio_all_pairs"] = float(ref.wall_s.iloc[0]) / df.loc[at21, "wall_s"]
    argv = sys.argv[1:] if argv is None else argv
    df["command"] = " ".join(["python benchmarks/performance/regret_pricing.py", *argv])
    df.to_csv(OUT, index=False)
    show = ["J", "K", "ic", "path", "objective", "certificate_ic_all_pairs", "rounds"]
    show += ["rows_added", "support", "wall_s", "cpu_s", "load_1min", "ratio_all_pairs"]
    print(df[show].to_string(index=False))


if __name__ == "__main__":
    main()
