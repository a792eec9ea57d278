"""Build time against solve time for the Myerson LP on growing grids (to >= 10^6 nonzeros).

    python benchmarks/performance/build_vs_solve.py [--quick] [--method M] [--out CSV]

Columns: case, points, rows, cols, nnz, build_s (problem.build + sparse assembly),
solve_s, build_share (build / solve), peak_build_mb (tracemalloc peak during the build),
peak_rss_mb (process peak after the solve), objective, gap (LP - discrete closed form).
"""

from __future__ import annotations

import argparse
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import peak_rss_mb, write_csv  # noqa: E402

from mdlp.config import load_config  # noqa: E402

CASES = [
    # (label, bidders, constraints, grid sizes)
    ("2 bidders BIC", 2, "bayesian", [101, 201, 401, 601]),
    ("2 bidders DSIC", 2, "dominant", [101, 201, 301]),
    ("3 bidders BIC", 3, "bayesian", [21, 41, 61, 71]),
]
QUICK = [("2 bidders BIC", 2, "bayesian", [51, 101]), ("3 bidders BIC", 3, "bayesian", [21])]


def run_case(n, constraints, K, method):
    cfg = load_config(
        {
            "kind": "myerson_auction",
            "params": {
                "bidders": n,
                "values": {"distribution": "uniform", "low": 0, "high": 1},
                "constraints": constraints,
            },
            "grid": {"points": K},
            "solver": {"method": method, "time_limit": 900},
        }
    )
    problem = cfg.make_problem()
    tracemalloc.start()
    t0 = time.perf_counter()
    lp = problem.build()
    lp.matrix("csc")
    build = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    sol = problem.solve_lp(lp, cfg.solver.backend_object())
    theory = problem.theory()[0].value
    return {
        "points": K,
        **lp.stats(),
        "method": method,
        "build_s": round(build, 4),
        "solve_s": round(sol.solve_s, 3),
        "build_share": round(build / sol.solve_s, 4) if sol.solve_s else None,
        "peak_build_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "status": sol.status,
        "objective": sol.objective,
        "gap": None if sol.objective is None else sol.objective - theory,
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small grids only (seconds)")
    ap.add_argument("--method", default="auto", choices=["auto", "simplex", "ipm", "pdlp"])
    ap.add_argument("--out", default=str(Path(__file__).parent / "build_vs_solve.csv"))
    args = ap.parse_args()
    rows = []
    for label, n, constraints, Ks in QUICK if args.quick else CASES:
        for K in Ks:
            row = {"case": label, **run_case(n, constraints, K, args.method)}
            rows.append(row)
            print(
                f"{label:<16} K={K:<4} nnz={row['nnz']:>10,} build={row['build_s']:.3f}s "
                f"solve={row['solve_s']:.2f}s share={row['build_share']} gap={row['gap']}",
                flush=True,
            )
    write_csv(rows, Path(args.out), "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
