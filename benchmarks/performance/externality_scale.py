"""Externality auctions (Rui 2020): scale and the Setting-1 revenue convergence table.

    python benchmarks/performance/externality_scale.py convergence
        # -> benchmarks/convergence/externality_convergence.csv
    python benchmarks/performance/externality_scale.py scale
        # -> benchmarks/performance/externality_scale.csv

convergence: n = 2, v ~ U[0,1], eta ~ U[0,1/2], Setting 1 revenue (BNIC + interim IR) on
midpoint grids K = 4..16: the certified LP optimum, the corrected separable rule (13/24 in
the continuum), the thesis rule (Prop 3.3.1, 5/12), and an extrapolation of the LP values
``a + b h^p`` (h = 1/K) fitted on the largest grids.
scale: HiGHS (1 thread), row generation from the box neighbours, certified over all pairs;
n = 2 Setting 1 uses the marginal formulation (cut rows, bidder symmetry), the rest the full
LP; "load" is the 1-minute load average of the (shared, 2-core) machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from scipy.optimize import curve_fit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _util import peak_rss_mb, write_csv  # noqa: E402

from mdlp.config import load_config  # noqa: E402
from mdlp.run import solve  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = {"convergence": HERE.parent / "convergence", "scale": HERE}
U1 = {"distribution": "uniform", "low": 0, "high": 1}
UH = {"distribution": "uniform", "low": 0, "high": 0.5}


def cfg(K, **params):
    return {
        "kind": "externality_auction",
        "params": {"values": U1, "externalities": UH} | params,
        "grid": {"points": K},
        "solver": {"threads": 1, "time_limit": 1800},
    }


def one(K, **params):
    c = load_config(cfg(K, **params))
    prob = c.make_problem()
    t0 = time.perf_counter()
    res = solve(c, problem=prob)
    dt = time.perf_counter() - t0
    rg = getattr(prob, "rowgen", None)
    return res, dt, rg


def convergence(Ks=(4, 6, 8, 10, 12, 14, 16)):
    from mdlp.problems.externality import theory_inputs
    from mdlp.theory import externality as T

    rows = []
    for K in Ks:
        res, dt, rg = one(K)
        values, ext = theory_inputs(load_config(cfg(K)).make_problem().layout())
        rows.append(
            {
                "K": K,
                "lp": res.objective,
                "separable_grid": T.s1_revenue_of_rule("separable", values, ext, grid=True),
                "thesis_grid": T.s1_revenue_of_rule("thesis", values, ext, grid=True),
                "efficient_grid": T.s1_revenue_of_rule("efficient", values, ext, grid=True),
                "separable_continuum": 13 / 24,
                "thesis_continuum": 5 / 12,
                "certificate": max(res.certificate.values()),
                "rounds": rg.rounds if rg else 0,
                "rows_added": rg.rows_added if rg else 0,
                "seconds": round(dt, 2),
            }
        )
        print(rows[-1], flush=True)
    h = np.array([1 / r["K"] for r in rows])
    y = np.array([r["lp"] for r in rows])
    for start in (len(rows) - 4, len(rows) - 5):
        (a, b, p), _ = curve_fit(
            lambda h, a, b, p: a + b * h**p, h[start:], y[start:], p0=(0.62, 1, 1)
        )
        rows.append(
            {
                "K": f"extrapolated (fit a + b h^p on K >= {rows[start]['K']})",
                "lp": a,
                "separable_grid": f"p = {p:.3f}",
                "thesis_grid": f"b = {b:.4f}",
            }
        )
        print(rows[-1], flush=True)
    return rows


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0] if Path("/proc/loadavg").exists() else ""


SCALE_CASES = [
    (12, {}),
    (16, {}),
    (20, {}),
    (24, {}),
    (12, {"formulation": "full"}),
    (4, {"bidders": 3}),
    (4, {"bidders": 3, "objective": "welfare"}),
    (3, {"items": 2}),
    (3, {"items": 2, "objective": "welfare"}),
]


def scale(cases=SCALE_CASES):
    """Each case in a fresh process would give per-case peak RSS; here peak RSS is the
    process's so far (cases run in increasing size within each group)."""
    rows = []
    for K, params in cases:
        load0 = _load()
        res, dt, rg = one(K, **params)
        ex = res.extras.get("rowgen", {})
        rows.append(
            {
                "case": ", ".join(f"{k}={v}" for k, v in params.items()) or "n=2, g=1",
                "K": K,
                "profiles": res.extras.get("profiles"),
                "formulation": res.problem.params.form,
                "objective": res.objective,
                "status": res.status,
                "certificate": max(res.certificate.values()) if res.certificate else None,
                "rounds": rg.rounds if rg else 1,
                "rows_added": rg.rows_added if rg else 0,
                "cut_rows": ex.get("cut_rows", ""),
                "lp_rows": res.lp.get("rows"),
                "lp_cols": res.lp.get("cols"),
                "lp_nnz": res.lp.get("nnz"),
                "build_s": round(res.timings["build_s"], 2),
                "solve_s": round(res.timings["solve_s"], 2),
                "total_s": round(dt, 2),
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "load_before": load0,
                "load_after": _load(),
            }
        )
        print(rows[-1], flush=True)
    return rows


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "convergence"
    cmd = "nice python benchmarks/performance/externality_scale.py " + part
    if part == "convergence":
        Ks = tuple(int(k) for k in sys.argv[2:]) or (4, 6, 8, 10, 12, 14, 16, 20, 24)
        rows = convergence(Ks)
    else:
        rows = scale()
    write_csv(rows, OUT[part] / f"externality_{part}.csv", cmd)
