"""Going past the thesis (seed 003, ch. 1): estimate the unknown optimal worst-case revenue
under Markov ambiguity by solving LP (1.11) on a sequence of grids and extrapolating in h.

For every (I, mu) the optimal mechanism and the highest-bidder lottery class are solved on
the same grids (symmetric reduction, HiGHS IPM, 1 thread).  Grid values sit above their
continuum counterparts by O(h) (the grid relaxes IC and restricts the adversary), so the
estimate is the first-order Richardson extrapolation from the two finest grids; the error
bar is its distance to the extrapolation from the two coarser grids.  The lottery class,
whose continuum value r is known (Thm 1.5.3), calibrates the method: `hbl_extrap - r`.

    python benchmarks/convergence/markov_table.py         # writes markov_table.csv beside it
    python benchmarks/convergence/markov_table.py --quick    # I = 2 only, coarse grids
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pandas as pd

from mdlp.compare import richardson
from mdlp.run import solve
from mdlp.theory import markov as T

GRIDS = {2: (21, 41, 81), 3: (11, 21, 31), 4: (7, 11, 16)}
MUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
OUT = Path(__file__).with_name("markov_table.csv")


def value(I, mu, K, mech):
    cfg = {
        "kind": "markov_auction",
        "params": {"bidders": I, "mean": mu, "mechanism": mech, "symmetric": True},
        "grid": {"points": K, "placement": "endpoints"},
        "solver": {"method": "ipm", "threads": 1},
    }
    res = solve(cfg)
    assert res.ok and res.certified, (I, mu, K, mech, res.status, res.certificate)
    return res.objective, res.timings["total_s"]


def main(quick=False):
    rows = []
    grids = {2: (11, 21, 41)} if quick else GRIDS
    for I, Ks in grids.items():
        hs = [1.0 / (K - 1) for K in Ks]
        for mu in MUS:
            t0 = time.perf_counter()
            opt = [value(I, mu, K, "optimal")[0] for K in Ks]
            hbl = [value(I, mu, K, "highest_bidder_lottery")[0] for K in Ks]
            est, err = richardson(opt, hs, 1.0)
            hest, herr = richardson(hbl, hs, 1.0)
            r = T.lottery_value(I, mu)
            _, z = T.sp_best(I, mu)
            row = {
                "I": I,
                "mu": mu,
                "grids": ",".join(map(str, Ks)),
                **{f"opt_K{K}": v for K, v in zip(Ks, opt, strict=True)},
                "opt_extrap": est,
                "opt_err": err,
                "hbl_finest": hbl[-1],
                "hbl_extrap": hest,
                "hbl_err": herr,
                "lottery_r": r,
                "hbl_extrap_minus_r": hest - r,
                "best_sp": z,
                "bound_thm154": T.approximation_upper_bound(I, mu),
                "opt_over_lottery": est / r,
                "opt_over_sp": est / z if z > 0 else float("nan"),
                "seconds": time.perf_counter() - t0,
            }
            rows.append(row)
            print(
                f"I={I} mu={mu:.1f} opt={est:.4f}+-{err:.4f} (K{Ks[-1]}: {opt[-1]:.4f}) "
                f"lottery r={r:.4f} (hbl extrap {hest:.4f}) sp={z:.4f} "
                f"[{row['seconds']:.1f}s]",
                flush=True,
            )
            pd.DataFrame(rows).to_csv(OUT, index=False)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
