"""Figures of ``bayesian_auction``: each bidder's interim allocation regions -- the
probability of receiving each item (additive) or grade (one object in grades) over the
bidder's own two-dimensional type, one row of panels per bidder (identical bidders share
one row), with the aggregate probability of being served for one object in grades; for
one-dimensional types, the interim allocation and payment against value."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S


def _J(res) -> int:
    df = res.mechanism
    return sum(1 for c in df.columns if c.startswith("v") and c[1:].isdigit())


def _word(res) -> str:
    return "grade" if res.problem.params.unit_demand else "item"


@figure(
    "bayesian_auction",
    "regions",
    "Each bidder's interim probability of receiving each item or grade over its own two "
    "values (the allocation regions)",
    main=True,
    applies=lambda r: _J(r) == 2,
)
def regions(res):
    df = res.mechanism
    word = _word(res)
    unit = res.problem.params.unit_demand
    panels = []
    for b, part in df.groupby("bidder", sort=False):
        who = f"bidders {b}" if "," in str(b) else f"bidder {b}"
        for j in (1, 2):
            x, y, Z = S.grid_of(part, "v1", "v2", f"Q{j}")
            panels.append((f"{who}: {word} {j}, $Q_{j}(t_1, t_2)$", x, y, Z, f"Q{j}"))
        if unit:
            agg = part.assign(Q=part["Q1"] + part["Q2"])
            x, y, Z = S.grid_of(agg, "v1", "v2", "Q")
            panels.append((f"{who}: served, $Q_1 + Q_2$", x, y, Z, "Q"))
    what = "one object in two grades" if unit else "two additive items"
    fig, _ = P.images(
        panels,
        xlabel=S.value_label(f"value of {word} 1 $t_1$"),
        ylabel=S.value_label(f"value of {word} 2 $t_2$"),
        title=f"{res.problem.params.constraints} {res.problem.params.objective}-optimal "
        f"auction, {what}: {res.problem.params.objective} {res.objective:.6g}",
        cbar="interim allocation probability",
    )
    return fig


@figure(
    "bayesian_auction",
    "allocation",
    "Each bidder's interim allocation and payment against its value",
    main=True,
    applies=lambda r: _J(r) == 1,
)
def allocation(res):
    df = res.mechanism
    fig, (ax,) = S.new_figure()
    for b, part in df.groupby("bidder", sort=False):
        v = part["v1"].to_numpy(float)
        order = np.argsort(v)
        S.lp_steps(ax, v[order], part["Q1"].to_numpy(float)[order], "Q1", f"bidder {b}: Q(v)")
        S.lp_steps(ax, v[order], part["M"].to_numpy(float)[order], "M", f"bidder {b}: M(v)")
    ax.set_xlabel(S.value_label("value $v$"))
    ax.set_ylabel("interim allocation probability / payment")
    ax.legend(loc="upper left")
    S.title(ax, f"interim mechanism: {res.problem.params.objective} {res.objective:.6g}")
    return fig
