"""Which grid placement makes the discrete Myerson optimum approach the continuum fastest?

    python benchmarks/convergence/grid_placement.py [--out CSV]

For n iid U[0,1] bidders and each placement, the grid optimum is the ironed discrete
closed form (tests/test_myerson.py checks that the LP equals it to 1e-7), so large K
costs nothing here.  Writes gap = grid - continuum and the fitted order per placement.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

import grids  # noqa: E402
from mdlp.compare import fit_order  # noqa: E402
from mdlp.theory import myerson as T  # noqa: E402

EXACT = {1: 1 / 4, 2: 5 / 12, 3: 17 / 32}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "grid_placement.csv"))
    args = ap.parse_args()
    Ks = [25, 50, 100, 200, 400, 800]
    rows = []
    for n, exact in EXACT.items():
        for placement in grids.PLACEMENTS:
            gaps = []
            for K in Ks:
                prior = grids.continuous_prior("uniform", K, low=0, high=1, placement=placement)
                gap = T.optimal_revenue_discrete([prior] * n) - exact
                gaps.append(gap)
                rows.append({"bidders": n, "placement": placement, "points": K, "gap": gap})
            order = fit_order([1 / K for K in Ks], gaps)
            for r in rows[-len(Ks) :]:
                r["fitted_order"] = round(order, 3)
            print(
                f"n={n} {placement:<10} gaps "
                + " ".join(f"{g:+.2e}" for g in gaps)
                + f"  order {order:.2f}"
            )
    write_csv(rows, Path(args.out), "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
