"""Theorem 2 rate table of Yamashita 2018 (iid U[0,1], N = 1..10): LPs and formulas side by side.

LP columns use the symmetric (iid) structure: an interim *reduced form* with one
``(Q_k, M_k)`` per grid type instead of K^N profiles, feasible by Border's condition
``N sum_{k>=t} p_k Q_k <= 1 - F(x_{t-1})^N`` on upper sets (enough because IC makes Q
non-decreasing).  So every N costs a K-variable LP:

  myerson_lp    max N sum p_k M_k, BIC + IR (adjacent) + Border          -> (N-1+2^-N)/(N+1)
  welfare_lp    max N sum p_k x_k Q_k + Border                           -> E[v(1)] = N/(N+1)
  efficient_lp  Q fixed to "highest wins, ties split", BIC + IR          -> E[v(2)] = (N-1)/(N+1)
  posted_grid   best grid price x_t: x_t (1 - F(x_{t-1})^N)              -> (N+1)^(-1/N) N/(N+1)
  E_v2_grid     grid E[v(2)] by the order-statistic cdf (second price, no LP)

Usage:  python benchmarks/convergence/guarantee_rate_table.py [--points 2001] [--out FILE.csv]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

import grids
from mdlp.theory import guarantee as T
from solvers import LinearProgram, get_backend


def _ic_ir(lp, Q, M, x):
    lo, hi = np.arange(x.size - 1), np.arange(1, x.size)
    lp.add_constraints(
        "ic_down", [(Q[hi], x[hi]), (Q[lo], -x[hi]), (M[hi], -1.0), (M[lo], 1.0)], lb=0.0
    )
    lp.add_constraints(
        "ic_up", [(Q[lo], x[lo]), (Q[hi], -x[lo]), (M[lo], -1.0), (M[hi], 1.0)], lb=0.0
    )
    lp.add_constraints("ir", [(Q[0], x[0]), (M[0], -1.0)], lb=0.0)


def _border(lp, Q, p, F, n):
    """Border on upper sets with a running tail sum ``S_t = sum_{k>=t} N p_k Q_k`` (sparse:
    O(K) entries instead of a dense K x K triangle)."""
    K = p.size
    Fm = np.concatenate([[0.0], F[:-1]])
    S = lp.add_variables("S", (K + 1,), lb=0.0, ub=np.concatenate([1.0 - Fm**n, [0.0]]))
    t = np.arange(K)
    lp.add_constraints("tail", [(S[t], 1.0), (S[t + 1], -1.0), (Q, -n * p)], lb=0.0, ub=0.0)


def reduced_form_lps(prior, n, backend):
    x, p = prior.points, prior.probs
    F = np.minimum(np.cumsum(p), 1.0)
    out = {}
    # Myerson
    lp = LinearProgram("max", "myerson_sym")
    Q = lp.add_variables("Q", (x.size,), lb=0.0, ub=1.0)
    M = lp.add_variables("M", (x.size,), lb=-np.inf)
    _ic_ir(lp, Q, M, x)
    _border(lp, Q, p, F, n)
    lp.add_objective(M, n * p)
    out["myerson_lp"] = backend.solve(lp).require_optimal().objective
    # welfare
    lp = LinearProgram("max", "welfare_sym")
    Q = lp.add_variables("Q", (x.size,), lb=0.0, ub=1.0)
    _border(lp, Q, p, F, n)
    lp.add_objective(Q, n * p * x)
    out["welfare_lp"] = backend.solve(lp).require_optimal().objective
    # efficient allocation, revenue-maximal BIC/IR payments
    Fm = np.concatenate([[0.0], F[:-1]])
    Qe = (F**n - Fm**n) / (n * p)
    lp = LinearProgram("max", "efficient_sym")
    Q = lp.add_variables("Q", (x.size,), lb=Qe, ub=Qe)
    M = lp.add_variables("M", (x.size,), lb=-np.inf)
    _ic_ir(lp, Q, M, x)
    lp.add_objective(M, n * p)
    out["efficient_lp"] = backend.solve(lp).require_optimal().objective
    out["posted_grid"] = float(np.max(x * (1.0 - Fm**n)))
    e1, e2 = T.order_stats_mixture(x, [(1.0, [p] * n)])
    out["E_v1_grid"], out["E_v2_grid"] = e1, e2
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", type=int, default=2001)
    ap.add_argument("--out", default=str(Path(__file__).with_suffix(".csv")))
    ap.add_argument("--nmax", type=int, default=10)
    a = ap.parse_args(argv)
    backend = get_backend("highs", threads=1)
    prior = grids.continuous_prior("uniform", a.points, low=0, high=1)
    rows = []
    for n in range(1, a.nmax + 1):
        t0 = time.perf_counter()
        lpv = reduced_form_lps(prior, n, backend)
        f = T.uniform_table(n)
        row = {"N": n, "K": a.points}
        for key, fkey in (
            ("E_v1", "E_v1"),
            ("E_v2", "E_v2"),
            ("myerson", "myerson"),
            ("posted", "posted_revenue"),
        ):
            row[f"{key}_formula"] = f[fkey]
        row["E_v1_lp"] = lpv["welfare_lp"]
        row["E_v2_grid"] = lpv["E_v2_grid"]
        row["efficient_lp"] = lpv["efficient_lp"]
        row["myerson_lp"] = lpv["myerson_lp"]
        row["posted_grid"] = lpv["posted_grid"]
        row["sequential_formula"] = f["sequential"]
        row["N*(E_v1-E_v2)"] = n * (lpv["welfare_lp"] - lpv["E_v2_grid"])
        row["N*(E_v1-myerson)"] = n * (lpv["welfare_lp"] - lpv["myerson_lp"])
        row["N/logN*(E_v1-posted)"] = (
            n / math.log(n) * (lpv["welfare_lp"] - lpv["posted_grid"]) if n > 1 else float("nan")
        )
        row["posted_loss_lower_bound"] = T.posted_price_loss_lower(n)
        row["max_lp_formula_gap"] = max(
            abs(row["E_v1_lp"] - row["E_v1_formula"]),
            abs(row["E_v2_grid"] - row["E_v2_formula"]),
            abs(row["myerson_lp"] - row["myerson_formula"]),
            abs(row["posted_grid"] - row["posted_formula"]),
        )
        row["seconds"] = time.perf_counter() - t0
        rows.append(row)
    df = pd.DataFrame(rows)
    df.to_csv(a.out, index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(df.round(6).to_string(index=False))
    print(f"wrote {a.out}")
    return df


if __name__ == "__main__":
    main()
