"""One figure per family, drawn from a shipped config by mdlp.plots (the same pictures that
`mdlp solve --out` writes), into benchmarks/figures/<family>.png.

    python benchmarks/figures/make_figures.py            # all families
    python benchmarks/figures/make_figures.py markov_auction myerson_auction
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import mdlp

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parents[1] / "configs"

# family -> (config, overrides, picture)
FIGURES = {
    "myerson_auction": ("myerson_uniform.yaml", ["grid.points=41"], "allocation"),
    "regret_pricing": ("regret_pricing_1item.yaml", ["grid.points=41"], "allocation"),
    "regret_auction": ("regret_auction.yaml", ["grid.points=21"], "profiles"),
    "markov_auction": ("markov_lottery.yaml", ["grid.points=41"], "profiles"),
    "bayesian_pricing": ("bayesian_pricing_2items.yaml", ["grid.points=21"], "menu"),
    "bayesian_auction": ("bayesian_auction_1a.yaml", ["grid.points=21"], "regions"),
    "revenue_guarantee": ("guarantee_uniform.yaml", ["grid.points=41"], "allocation"),
    "externality_auction": ("externality_s1_revenue.yaml", ["grid.points=8"], "allocation"),
    "information_selling": ("information_revenue_expon_fig42.yaml", ["grid.points=41"], "regions"),
}


def main(families):
    for fam in families or FIGURES:
        cfg, overrides, kind = FIGURES[fam]
        t0 = time.perf_counter()
        res = mdlp.solve(mdlp.load_config(str(CONFIGS / cfg), overrides))
        if not res.ok:
            print(f"{fam}: {res.status}", file=sys.stderr)
            continue
        fig = res.plot(kind=kind)
        out = HERE / f"{fam}.png"
        tmp = HERE / f".{fam}.png.tmp"
        fig.savefig(tmp, format="png", dpi=100)
        os.replace(tmp, out)
        took = time.perf_counter() - t0
        print(f"{out.name}: {cfg} {' '.join(overrides)} -> {kind} ({took:.1f} s)")


if __name__ == "__main__":
    main(sys.argv[1:])
