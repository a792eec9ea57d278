"""Side by side with Kushnir and Michelson's LP designer (jmemich/optimal-auction-multidim,
arXiv 2207.01664) on their setting "1a": two bidders (and three), one object in two
quality grades, values iid U[0,1] per grade, no costs, BIC, on their trapezoid grid with T
steps per dimension.  For each T: mdlp's optimum, its certificate (all-pairs IC, exact
Border over all sets, recomputed from the arrays), rounds, rows, time and peak memory,
beside the peer's published revenue and wall-clock time (its own documentation).  ``cpu_s``
is the process's CPU time (one HiGHS thread): on a shared machine the wall-clock time
grows with the other jobs' load (recorded per row), the CPU time much less.

Each case runs in a fresh subprocess (peak memory per case) under a wall-clock limit;
a case that does not finish is written with status ``timeout``.

    python benchmarks/performance/bayesian_auction_vs_peer.py [--T 10 20 ...] [--timeout 300]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from _util import peak_rss_mb, write_csv  # noqa: E402

U01 = {"distribution": "uniform", "low": 0, "high": 1}


def one(T: int, N: int, method: str) -> dict:
    from mdlp.run import solve
    from mdlp.theory import bayesian_auction as TA

    cfg = {
        "kind": "bayesian_auction",
        "params": {
            "bidders": N,
            "items": [U01, U01],
            "unit_demand": True,
            "discretization": "trapezoid",
        },
        "grid": {"points": T + 1},
        "solver": {"method": method, "threads": 1, "time_limit": 3600},
    }
    t0, c0 = time.perf_counter(), time.process_time()
    r = solve(cfg)
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    peer = TA.PEER_1A.get(T) if N == 2 else None
    cert = r.certificate
    return {
        "N": N,
        "T": T,
        "types_per_bidder": (T + 1) ** 2,
        "method": method,
        "status": r.status,
        "objective": r.objective,
        "peer_objective": peer[0] if peer else None,
        "diff_to_peer": (r.objective - peer[0]) if (peer and r.objective is not None) else None,
        "ic_violation_all_pairs": cert.get("ic"),
        "border_violation_all_sets": cert.get("border"),
        "certified": r.certified if r.ok else False,
        "rounds": r.extras.get("rowgen_rounds"),
        "ic_and_cut_rows_added": r.extras.get("rowgen_rows_added"),
        "border_cuts": r.extras.get("border_cuts"),
        "rows": r.lp.get("rows"),
        "cols": r.lp.get("cols"),
        "nnz": r.lp.get("nnz"),
        "build_s": round(r.timings["build_s"], 3),
        "solve_s": round(r.timings["solve_s"], 3),
        "total_s": round(total, 3),
        "cpu_s": round(cpu, 3),
        "continuation": (r.extras.get("continuation") or {}).get("points"),
        "peak_mb": round(peak_rss_mb(), 1),
        "peer_seconds": TA.PEER_1A_SECONDS.get(T) if N == 2 else None,
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--T", type=int, nargs="*", default=[10, 20, 30, 40, 50, 80, 100])
    ap.add_argument("--three", type=int, nargs="*", default=[30], help="T values with N = 3")
    ap.add_argument("--method", default="simplex")
    ap.add_argument("--timeout", type=float, default=300.0)
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=str(HERE / "bayesian_auction_vs_peer.csv"))
    args = ap.parse_args()
    if args.one:
        T, N, method = args.one
        print(json.dumps(one(int(T), int(N), method)))
        return
    rows = []
    cases = [(T, 2) for T in args.T] + [(T, 3) for T in args.three]
    for T, N in cases:
        load = os.getloadavg()[0]
        cmd = [sys.executable, __file__, "--one", str(T), str(N), args.method]
        t0 = time.perf_counter()
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
            row = json.loads(out.stdout.strip().splitlines()[-1])
        except subprocess.TimeoutExpired:
            row = {"N": N, "T": T, "types_per_bidder": (T + 1) ** 2, "method": args.method}
            row["status"] = f"timeout ({args.timeout:.0f} s)"
            row["total_s"] = round(time.perf_counter() - t0, 1)
        row["load_1min_at_start"] = round(load, 2)
        print(row, flush=True)
        rows.append(row)
    keys = []
    for r in rows:
        keys += [k for k in r if k not in keys]
    rows = [{k: r.get(k) for k in keys} for r in rows]
    write_csv(
        rows,
        Path(args.out),
        "python benchmarks/performance/bayesian_auction_vs_peer.py " + " ".join(sys.argv[1:]),
    )


if __name__ == "__main__":
    main()
