"""Going past the thesis (Koçyiğit 2020, ch. 1): estimate the unknown optimal worst-case revenue
under Markov ambiguity by solving LP (1.11) on a sequence of grids and extrapolating in h.

For every (I, mu) the optimal mechanism and the highest-bidder lottery class are solved on
the same grids (symmetric reduction, envelope payments, HiGHS IPM, 1 thread).

What the numbers mean:

* ``opt_K*``: grid LP values.  The grid relaxes the problem (IC only against grid reports,
  the adversary only on grid points), so every grid value is an UPPER bound on the
  continuum optimum OPT.
* ``rig_low``: a rigorous LOWER bound on OPT, ``max_K LP(K) - h sum_i sigma_i(K)``: round
  values down to the grid, keep the grid allocation, charge envelope payments; the result
  is IC/IR on [0, 1]^I and earns at least ``lambda + sigma.v - h sum sigma`` at every v
  (derivation in tests/test_markov.py::test_optimal_in_theorem_1_5_4_interval_every_table_case).
  So ``rig_low <= OPT <= opt_K<finest>`` is a proof-grade bracket.
* ``opt_extrap``: first-order Richardson extrapolation from the two finest grids (the gap
  is O(h)).  ``rich_err``: its distance to the extrapolation from the next coarser pair.
  ``hbl_extrap_minus_r``: the same extrapolation applied to the lottery class, whose
  continuum value r is known (Thm 1.5.3): the calibration of the method on these grids.
  ``opt_err = max(rich_err, |hbl_extrap_minus_r|)`` is the error bar we publish.

Every solve is appended to ``markov_table_runs.csv`` as soon as it finishes (with its time
and the 1-minute load average), and a re-run skips the solves already there, so a crash
loses at most one solve.  ``markov_table.csv`` is rebuilt from the runs file.

    nice -n 10 python benchmarks/convergence/markov_table.py            # all rows (resumes)
    python benchmarks/convergence/markov_table.py --only 3              # only I = 3
    python benchmarks/convergence/markov_table.py --summary             # rebuild the table only
    python benchmarks/convergence/markov_table.py --markdown            # README table rows
"""

from __future__ import annotations

import csv
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from mdlp.compare import richardson
from mdlp.run import solve
from mdlp.theory import markov as T

GRIDS = {2: (21, 41, 81), 3: (11, 21, 31, 41), 4: (7, 11, 16, 21)}
MUS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
ORDER = (4, 3, 2)  # the rows missing from the first table first (I = 4 least resolved)
PASSES = (3, 4)  # pass 1: the first three grids of every I; pass 2: the fourth (slow) grid
HERE = Path(__file__).parent
OUT = HERE / "markov_table.csv"
RUNS = HERE / "markov_table_runs.csv"
RUN_FIELDS = [
    "I",
    "mu",
    "K",
    "mechanism",
    "objective",
    "sigma_sum",
    "lambda",
    "status",
    "certificate",
    "solve_s",
    "total_s",
    "load1",
    "method",
    "payments",
]
METHOD = "ipm"


def value(I, mu, K, mech):
    cfg = {
        "kind": "markov_auction",
        "params": {
            "bidders": I,
            "mean": mu,
            "mechanism": mech,
            "symmetric": True,
            "payments": "envelope",
        },
        "grid": {"points": K, "placement": "endpoints"},
        "solver": {"method": METHOD, "threads": 1, "time_limit": 3600},
    }
    load = os.getloadavg()[0]
    res = solve(cfg)
    assert res.ok and res.certified, (I, mu, K, mech, res.status, res.certificate)
    return {
        "I": I,
        "mu": mu,
        "K": K,
        "mechanism": mech,
        "objective": res.objective,
        "sigma_sum": float(np.sum(res.extras["sigma"])),
        "lambda": res.extras["lambda"],
        "status": res.status,
        "certificate": max(res.certificate.values()),
        "solve_s": res.timings.get("solve_s"),
        "total_s": res.timings.get("total_s"),
        "load1": round(load, 2),
        "method": METHOD,
        "payments": "envelope",
    }


def done_keys() -> set:
    if not RUNS.exists():
        return set()
    df = pd.read_csv(RUNS)
    return {
        (int(a), round(float(b), 6), int(c), d)
        for a, b, c, d in df[["I", "mu", "K", "mechanism"]].values
    }


def append(row: dict) -> None:
    new = not RUNS.exists()
    with RUNS.open("a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=RUN_FIELDS)
        if new:
            w.writeheader()
        w.writerow(row)
        f.flush()
        os.fsync(f.fileno())


def summarize() -> pd.DataFrame:
    if not RUNS.exists():
        return pd.DataFrame()
    runs = pd.read_csv(RUNS).drop_duplicates(["I", "mu", "K", "mechanism"], keep="last")
    rows = []
    for I, Ks in GRIDS.items():
        for mu in MUS:
            sel = runs[(runs.I == I) & np.isclose(runs.mu, mu)]
            opt = sel[sel.mechanism == "optimal"].set_index("K")
            hbl = sel[sel.mechanism == "highest_bidder_lottery"].set_index("K")
            ks = [K for K in Ks if K in opt.index and K in hbl.index]
            if len(ks) < 3:
                continue
            hs = [1.0 / (K - 1) for K in ks]
            ov = [opt.loc[K, "objective"] for K in ks]
            hv = [hbl.loc[K, "objective"] for K in ks]
            est, rich_err = richardson(ov, hs, 1.0)
            hest, herr = richardson(hv, hs, 1.0)
            r = T.lottery_value(I, mu)
            _, z = T.sp_best(I, mu)
            low = max(opt.loc[K, "objective"] - opt.loc[K, "sigma_sum"] / (K - 1) for K in ks)
            err = max(rich_err, abs(hest - r))
            rows.append(
                {
                    "I": I,
                    "mu": mu,
                    "grids": ",".join(map(str, ks)),
                    **{f"opt_K{K}": opt.loc[K, "objective"] for K in ks},
                    "opt_extrap": est,
                    "opt_err": err,
                    "rich_err": rich_err,
                    "rig_low": low,
                    "rig_high": min(ov),
                    "hbl_finest": hv[-1],
                    "hbl_extrap": hest,
                    "hbl_err": herr,
                    "lottery_r": r,
                    "hbl_extrap_minus_r": hest - r,
                    "best_sp": z,
                    "bound_thm154": T.approximation_upper_bound(I, mu),
                    "opt_over_lottery": est / r,
                    "opt_over_sp": est / z if z > 0 else float("nan"),
                    "rig_low_over_lottery": low / r,
                    "seconds": float(sel.total_s.sum()),
                }
            )
    df = pd.DataFrame(rows)
    df.to_csv(OUT, index=False)
    return df


def markdown(df: pd.DataFrame) -> str:
    lines = [
        "| I | μ | optimal (extrapolated) | proven bracket | lottery r (Thm 1.5.3) "
        "| best 2nd price (Thm 1.5.2) | opt / lottery | opt / 2nd price | min(μ, r(2−r)) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, w in df.iterrows():
        lines.append(
            f"| {w.I} | {w.mu:.1f} | {w.opt_extrap:.4f} ± {w.opt_err:.4f} "
            f"| [{w.rig_low:.4f}, {w.rig_high:.4f}] | {w.lottery_r:.4f} | {w.best_sp:.4f} "
            f"| {w.opt_over_lottery:.3f} | {w.opt_over_sp:.2f} | {w.bound_thm154:.4f} |"
        )
    return "\n".join(lines)


def main(only=None):
    have = done_keys()
    for npass in PASSES:
        for I in ORDER:
            if only is not None and I != only:
                continue
            for mu in MUS:
                for K in GRIDS[I][:npass]:
                    for mech in ("highest_bidder_lottery", "optimal"):
                        if (I, round(mu, 6), K, mech) in have:
                            continue
                        t0 = time.perf_counter()
                        row = value(I, mu, K, mech)
                        append(row)
                        have.add((I, round(mu, 6), K, mech))
                        print(
                            f"I={I} mu={mu:.1f} K={K} {mech}: {row['objective']:.6f} "
                            f"[{time.perf_counter() - t0:.1f}s, load {row['load1']}]",
                            flush=True,
                        )
                summarize()
    return summarize()


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--summary" in args or "--markdown" in args:
        table = summarize()
        if "--markdown" in args:
            print(markdown(table))
    else:
        main(int(args[args.index("--only") + 1]) if "--only" in args else None)
