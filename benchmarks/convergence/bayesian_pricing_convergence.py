"""Bayesian two-item pricing, U[0,1]^2: grid optimum vs the continuum references.

    python benchmarks/convergence/bayesian_pricing_convergence.py [--out CSV] [--max-K 81]

Additive buyer: Manelli-Vincent's (12 + 2 sqrt 2)/27 = 0.549201; unit demand: the
posted price 1/sqrt 3, 2/(3 sqrt 3) = 0.384900 (literature optimum, Pavlov 2011; reported
as a reference).  Midpoint grids, HiGHS on one thread, IC over all pairs certified by row
generation from axis-neighbour IC.  One row per (setting, K): value, gap, deterministic
value where the MIP size limit allows, row-generation rounds and rows added, the
certificate and the wall time; then one ``extrapolated`` row per setting (order-1
Richardson from the two finest grids, the fitted order over all grids).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import write_csv  # noqa: E402

from mdlp.compare import fit_order, richardson  # noqa: E402
from mdlp.problems.bayesian_pricing import DETERMINISTIC_MAX_TYPES  # noqa: E402
from mdlp.run import solve  # noqa: E402
from mdlp.theory import bayesian_pricing as T  # noqa: E402

UNI = {"distribution": "uniform", "low": 0, "high": 1}
SETTINGS = {
    "additive": (False, T.manelli_vincent_revenue(), "Manelli-Vincent (12+2sqrt2)/27"),
    "unit_demand": (True, T.unit_demand_posted_price_revenue()[1], "posted price 2/(3sqrt3)"),
}


def cfg(K, unit_demand, mechanism="randomized"):
    return {
        "kind": "bayesian_pricing",
        "params": {"items": [UNI, UNI], "unit_demand": unit_demand, "mechanism": mechanism},
        "grid": {"points": K, "placement": "midpoint"},
        "solver": {"threads": 1},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--out", default=str(Path(__file__).parent / "bayesian_pricing_convergence.csv")
    )
    ap.add_argument("--max-K", type=int, default=81)
    args = ap.parse_args()
    Ks = [K for K in (11, 16, 21, 41, 61, 81) if K <= args.max_K]
    rows = []
    for name, (ud, ref, ref_label) in SETTINGS.items():
        vals, hs = [], []
        for K in Ks:
            t0 = time.perf_counter()
            res = solve(cfg(K, ud))
            secs = time.perf_counter() - t0
            assert res.status == "optimal" and res.certified, (name, K, res.certificate)
            det = det_s = float("nan")
            if K * K <= DETERMINISTIC_MAX_TYPES:
                t1 = time.perf_counter()
                rd = solve(cfg(K, ud, "deterministic"))
                det_s = time.perf_counter() - t1
                det = rd.objective
            vals.append(res.objective)
            hs.append(1 / K)
            rows.append(
                {
                    "setting": name,
                    "K": K,
                    "types": K * K,
                    "value": res.objective,
                    "reference": ref,
                    "reference_label": ref_label,
                    "gap": res.objective - ref,
                    "gap_times_K": (res.objective - ref) * K,
                    "deterministic": det,
                    "det_gap": res.objective - det if math.isfinite(det) else float("nan"),
                    "rounds": res.extras.get("rowgen_rounds", 0),
                    "rows_added": res.extras.get("rowgen_rows_added", 0),
                    "ic_certificate": res.certificate["ic"],
                    "menu_size": res.extras["menu_size"],
                    "seconds": secs,
                    "det_seconds": det_s,
                }
            )
            print(rows[-1], flush=True)
        order = fit_order(hs, [v - ref for v in vals])
        est, err = richardson(vals, hs, 1.0)
        rows.append(
            {
                "setting": name,
                "K": "extrapolated",
                "types": "",
                "value": est,
                "reference": ref,
                "reference_label": ref_label,
                "gap": est - ref,
                "gap_times_K": "",
                "deterministic": "",
                "det_gap": "",
                "rounds": "",
                "rows_added": "",
                "ic_certificate": "",
                "menu_size": f"fitted order {order:.3f}",
                "seconds": "",
                "det_seconds": f"richardson spread {err:.2e}",
            }
        )
        print(rows[-1], flush=True)
    cmd = "python benchmarks/convergence/bayesian_pricing_convergence.py" + (
        f" --max-K {args.max_K}" if args.max_K != 81 else ""
    )
    write_csv(rows, Path(args.out), cmd)


if __name__ == "__main__":
    main()
