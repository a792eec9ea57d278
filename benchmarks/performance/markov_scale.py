"""Scale targets and HiGHS method / symmetry / payment-formulation comparison for the
Markov-ambiguity optimal mechanism LP (1.11) (Koçyiğit 2020, ch. 1), mu = 0.5.  Each case runs
in a fresh subprocess (peak RSS per case, HiGHS's thread scheduler fresh); every row is
appended to the CSV as soon as it finishes, with the 1-minute load average before and after.

Targets: I = 2, K = 201 in <= 60 s; I = 3, K = 41 in <= 120 s (2 cores).

    python benchmarks/performance/markov_scale.py               # everything -> markov_scale.csv
    python benchmarks/performance/markov_scale.py --targets     # only the two targets
    python benchmarks/performance/markov_scale.py --threads 1   # target threads (default 2)
    python benchmarks/performance/markov_scale.py --compare --append   # comparison only, keep rows

Columns: ``payments`` = envelope (q monotone + maximal-payment equalities, the default) or
adjacent_ic (both adjacent IC rows, the first formulation; same optimum);
``total_s`` = build + solve + certificate; ``solve_s`` = HiGHS alone.  ``ipm-tuned`` = IPM
with ``solver.options: {run_crossover: "off", ipx_dualize_strategy: 1}`` (IPX solves the
dual; no crossover: the certificate and complementary slackness are still checked).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).with_name("markov_scale.csv")

# (I, K, method, symmetric, payments, threads, time limit); threads None -> --threads
TARGETS = [
    (2, 201, "ipm-tuned", True, "envelope", None, 600),
    (3, 41, "ipm-tuned", True, "envelope", None, 600),
    (2, 201, "ipm", True, "envelope", None, 600),
    (3, 41, "ipm", True, "envelope", None, 600),
    (2, 201, "ipm", True, "adjacent_ic", None, 300),
]
SLOW = [(3, 41, "ipm", True, "adjacent_ic", 1, 400)]  # the first formulation at the target
COMPARE = [
    *[
        (2, 81, method, sym, pay, 1, 60)
        for method in ("ipm", "simplex", "pdlp")
        for sym in (True, False)
        for pay in ("envelope", "adjacent_ic")
    ],
    *[
        (3, 21, method, sym, "envelope", 1, 60)
        for method in ("ipm", "simplex", "pdlp")
        for sym in (True, False)
    ],
    (3, 21, "ipm", True, "adjacent_ic", 1, 120),
    (3, 31, "ipm", True, "envelope", 1, 300),
    (3, 31, "ipm", True, "adjacent_ic", 1, 300),
]

CHILD = """
import json, os, resource, sys, time
from mdlp.run import solve
I, K, method, sym, pay, threads, tl = json.loads(sys.argv[1])
opts = {}
if method == "ipm-tuned":  # IPX on the dual, no crossover (solver.options)
    method, opts = "ipm", {"run_crossover": "off", "ipx_dualize_strategy": 1}
t0 = time.perf_counter()
res = solve({"kind": "markov_auction",
             "params": {"bidders": I, "mean": 0.5, "mechanism": "optimal", "symmetric": sym,
                        "payments": pay},
             "grid": {"points": K, "placement": "endpoints"},
             "solver": {"method": method, "threads": threads, "time_limit": tl,
                        "options": opts}})
print(json.dumps({"status": res.status, "objective": res.objective, **res.lp, **res.timings,
                  "wall_s": time.perf_counter() - t0,
                  "cpu_s": resource.getrusage(resource.RUSAGE_SELF).ru_utime,
                  "certificate": max(res.certificate.values(), default=None),
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_case(case, threads):
    I, K, method, sym, pay, thr, tl = case
    thr = threads if thr is None else thr
    load0 = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps([I, K, method, sym, pay, thr, tl])],
        capture_output=True,
        text=True,
    )
    try:
        rec = json.loads(out.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        rec = {"status": "error", "message": out.stderr.strip().splitlines()[-1:]}
    target = {(2, 201): 60.0, (3, 41): 120.0}.get((I, K))
    return {
        "I": I,
        "K": K,
        "method": method,
        "symmetric": sym,
        "payments": pay,
        "threads": thr,
        **rec,
        "target_s": target,
        "met": (rec.get("total_s", 1e9) <= target) if target else None,
        "load_before": round(load0, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def main(argv):
    threads = int(argv[argv.index("--threads") + 1]) if "--threads" in argv else 2
    if "--targets" in argv:
        cases = TARGETS
    elif "--compare" in argv:
        cases = COMPARE + SLOW
    else:
        cases = TARGETS + COMPARE + SLOW
    rows = pd.read_csv(OUT).to_dict("records") if "--append" in argv and OUT.exists() else []
    for case in cases:
        rows.append(run_case(case, threads))
        r = rows[-1]
        print(
            f"I={r['I']} K={r['K']} {r['method']:7s} sym={r['symmetric']!s:5s} {r['payments']:11s} "
            f"thr={r['threads']} {r['status']} obj={r.get('objective')} rows={r.get('rows')} "
            f"nnz={r.get('nnz')} solve={r.get('solve_s', 0):.1f}s total={r.get('total_s', 0):.1f}s "
            f"peak={r.get('peak_mb', 0):.0f}MB load={r['load_before']}->{r['load_after']}",
            flush=True,
        )
        pd.DataFrame(rows).to_csv(OUT, index=False)


if __name__ == "__main__":
    main(sys.argv[1:])
