"""Time of exact verification (``mdlp solve --exact``: the simplex basis re-solved in
Python fractions) against LP size, to justify the 5,000-row limit.

    python benchmarks/performance/exact_verification.py [--out FILE.csv]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

from mdlp.config import load_config  # noqa: E402
from solvers.exact import highs_basis, verify_lp  # noqa: E402

CASES = [
    ("myerson irregular pmf, 3 bidders", "configs/myerson_irregular_pmf.yaml", []),
    (
        "myerson irregular pmf, 4 bidders",
        "configs/myerson_irregular_pmf.yaml",
        ["params.bidders=4"],
    ),
    ("myerson uniform, 2 bidders BIC", "configs/myerson_uniform.yaml", ["grid.points=20"]),
    ("myerson uniform, 2 bidders BIC", "configs/myerson_uniform.yaml", ["grid.points=40"]),
    ("myerson uniform, 2 bidders BIC", "configs/myerson_uniform.yaml", ["grid.points=50"]),
    ("revenue guarantee, uniform", "configs/guarantee_uniform.yaml", ["grid.points=30"]),
    ("revenue guarantee, uniform", "configs/guarantee_uniform.yaml", ["grid.points=40"]),
    (
        "regret pricing, 2 items (all pairs)",
        "configs/regret_pricing_2items.yaml",
        ["grid.points=7", "params.ic=all_pairs"],
    ),
    (
        "information selling, payoff table",
        "configs/information_payoff_table.yaml",
        ["grid.points=21"],
    ),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "exact_verification.csv"))
    args = ap.parse_args()
    rows = []
    for label, path, overrides in CASES:
        cfg = load_config(path, overrides)
        lp = cfg.make_problem().build()
        t0 = time.perf_counter()
        basis = highs_basis(lp)
        t1 = time.perf_counter()
        res = verify_lp(lp, basis)
        t2 = time.perf_counter()
        rows.append(
            {
                "case": label,
                "overrides": " ".join(overrides),
                "rows": lp.num_rows,
                "cols": lp.num_cols,
                "nnz": lp.nnz,
                "verified": res.verified,
                "objective": str(res.objective),
                "float_objective": float(res.objective) if res.objective is not None else "",
                "simplex_s": round(t1 - t0, 3),
                "exact_s": round(t2 - t1, 3),
                "load": round(os.getloadavg()[0], 2),
            }
        )
        print(rows[-1], flush=True)
    write_csv(rows, Path(args.out), "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
