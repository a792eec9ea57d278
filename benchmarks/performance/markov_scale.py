"""Scale targets and HiGHS method comparison for the Markov-ambiguity optimal mechanism
LP (1.11) (seed 003, ch. 1).  Each case runs in a fresh subprocess (peak RSS per case).

Targets from issue 4: I = 2, K = 201 in <= 60 s; I = 3, K = 41 in <= 120 s (2 cores).

    python benchmarks/performance/markov_scale.py   # targets + comparison -> markov_scale.csv
    python benchmarks/performance/markov_scale.py --compare  # only the method / symmetry comparison
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).with_name("markov_scale.csv")

TARGETS = [  # (I, K, method, symmetric, threads, time limit)
    (2, 201, "ipm", True, 2, 600),
    (3, 41, "ipm", True, 2, 600),
]
COMPARE = [
    (2, 41, "simplex", False, 1, 300),
    (2, 41, "simplex", True, 1, 300),
    (2, 41, "ipm", False, 1, 300),
    (2, 41, "ipm", True, 1, 300),
    (2, 81, "simplex", True, 1, 300),
    (2, 81, "ipm", True, 1, 300),
    (3, 21, "simplex", True, 1, 300),
    (3, 21, "ipm", True, 1, 300),
    (3, 15, "ipm", False, 1, 300),
    (3, 15, "ipm", True, 1, 300),
]

CHILD = """
import json, resource, sys
from mdlp.run import solve
I, K, method, sym, threads, tl = json.loads(sys.argv[1])
res = solve({"kind": "markov_auction",
             "params": {"bidders": I, "mean": 0.5, "mechanism": "optimal", "symmetric": sym},
             "grid": {"points": K, "placement": "endpoints"},
             "solver": {"method": method, "threads": threads, "time_limit": tl}})
print(json.dumps({"status": res.status, "objective": res.objective, **res.lp, **res.timings,
                  "certificate": max(res.certificate.values(), default=None),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_case(case):
    I, K, method, sym, threads, tl = case
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(list(case))], capture_output=True, text=True
    )
    try:
        rec = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        rec = {"status": "error", "message": out.stderr[-300:]}
    return {"I": I, "K": K, "method": method, "symmetric": sym, "threads": threads, **rec}


def main():
    cases = COMPARE if "--compare" in sys.argv else TARGETS + COMPARE
    rows = []
    for case in cases:
        rows.append(run_case(case))
        r = rows[-1]
        print(
            f"I={r['I']} K={r['K']} {r['method']:7s} sym={r['symmetric']!s:5s} "
            f"thr={r['threads']} {r['status']} obj={r.get('objective')} "
            f"rows={r.get('rows')} nnz={r.get('nnz')} solve={r.get('solve_s', 0):.1f}s "
            f"peak={r.get('peak_mb', 0):.0f}MB",
            flush=True,
        )
        pd.DataFrame(rows).to_csv(OUT, index=False)


if __name__ == "__main__":
    main()
