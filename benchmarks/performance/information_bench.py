"""Obedient information selling (Nouripour 2021): welfare and revenue LPs at growing grid sizes.

For U[0,1] margins with P[theta=1] = 0.7 and alpha = 1/2 (goal: K = 201 in
<= 30 s), and Figure 4-2's exponential case, records build and solve time, LP size, peak
memory, the optimum, the grid-exact value (discrete Proposition 4), the continuum closed
form and the gap to it.

    python benchmarks/performance/information_bench.py                 # K = 51, 101, 201
    python benchmarks/performance/information_bench.py 201             # only K = 201
    -> benchmarks/performance/information_bench.csv
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import peak_rss_mb, write_csv  # noqa: E402

from mdlp.run import solve  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
CASES = [
    ("uniform p=0.7 a=0.5", "information_welfare_uniform_p07_a05.yaml"),
    ("uniform p=0.7 a=0.5", "information_revenue_uniform_p07_a05.yaml"),
    ("expon[0,8] p=0.5 a=0.5 (Fig. 4-2)", "information_revenue_expon_fig42.yaml"),
]


def main(points=(51, 101, 201)):
    rows = []
    for K in points:
        for label, name in CASES:
            if "expon" in name and K > 101:
                continue
            res = solve(ROOT / "configs" / name, [f"grid.points={K}", "solver.threads=1"])
            cont = next((t.value for t in res.theory if t.label == "continuum optimum"), None)
            row = {
                "case": label,
                "objective": res.config.params.objective,
                "K": K,
                "status": res.status,
                "rows": res.lp["rows"],
                "cols": res.lp["cols"],
                "nnz": res.lp["nnz"],
                "build_s": round(res.timings["build_s"], 3),
                "solve_s": round(res.timings["solve_s"], 3),
                "total_s": round(res.timings["total_s"], 3),
                "simplex_iterations": res.solver["iterations"].get("simplex"),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "lp_value": res.objective,
                "grid_exact": res.reference.value,
                "grid_gap": res.gap,
                "continuum": cont,
                "continuum_gap": None if cont is None else res.objective - cont,
                "certificate": max(res.certificate.values()),
            }
            rows.append(row)
            print(
                f"{label:36s} {row['objective']:8s} K={K:4d} total {row['total_s']:7.2f}s "
                f"value {res.objective:.6f} grid gap {res.gap:+.1e} "
                f"continuum gap {row['continuum_gap']:+.2e}",
                flush=True,
            )
    out = ROOT / "benchmarks" / "performance" / "information_bench.csv"
    cmd = "python benchmarks/performance/information_bench.py " + " ".join(map(str, points))
    write_csv(rows, out, cmd)
    print(f"written to {out}")


if __name__ == "__main__":
    pts = tuple(int(a) for a in sys.argv[1:]) or (51, 101, 201)
    main(pts)
