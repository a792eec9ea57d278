"""The same LP through the `highs` backend (highspy, one passModel), the `cvxpy` backend
(cvxpy canonicalization, then HiGHS), the `scipy` backend (linprog: HiGHS again) and the
`clarabel` backend (interior point, independent of HiGHS), measured in one run; the
`clarabel_minus_highs` column is the difference of the two independent optima.

    python benchmarks/performance/backends.py [--out benchmarks/performance/backends.csv]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

from mdlp.config import load_config  # noqa: E402
from solvers import get_backend  # noqa: E402

CASES = [
    ("2 bidders BIC", 2, "bayesian", [51, 101, 201]),
    ("2 bidders DSIC", 2, "dominant", [51, 101]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "backends.csv"))
    args = ap.parse_args()
    rows = []
    for label, n, constraints, Ks in CASES:
        for K in Ks:
            cfg = load_config(
                {
                    "kind": "myerson_auction",
                    "params": {
                        "bidders": n,
                        "values": {"distribution": "uniform", "low": 0, "high": 1},
                        "constraints": constraints,
                    },
                    "grid": {"points": K},
                }
            )
            lp = cfg.make_problem().build()
            row = {"case": label, "points": K, **lp.stats()}
            for name in ("highs", "cvxpy", "scipy", "clarabel"):
                t0 = time.perf_counter()
                sol = get_backend(name).solve(lp)
                row[f"{name}_s"] = round(time.perf_counter() - t0, 3)
                row[f"{name}_objective"] = sol.objective
            row["cvxpy_over_highs"] = round(row["cvxpy_s"] / row["highs_s"], 2)
            row["scipy_over_highs"] = round(row["scipy_s"] / row["highs_s"], 2)
            row["clarabel_over_highs"] = round(row["clarabel_s"] / row["highs_s"], 2)
            row["clarabel_minus_highs"] = row["clarabel_objective"] - row["highs_objective"]
            rows.append(row)
            print(row, flush=True)
    write_csv(rows, Path(args.out), "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
