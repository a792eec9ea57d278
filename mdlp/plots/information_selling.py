"""Figures of ``information_selling`` (Nouripour 2021, *Selling Information in Competitive
Environments*): which action profile the seller recommends at each pair of buyer values
(both told the state, only buyer 1, only buyer 2, neither), in the style of the thesis's
Figure 4-2."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import style as S

CORRECTNESS = ("rr", "rw", "wr", "ww")  # (A1 = theta?, A2 = theta?)
COLORS = ["#4c72b0", "#c44e52", "#55a868", "#555555"]
LABELS = [
    "(θ, θ): both match the state",
    "(θ, 1−θ): only buyer 1 matches",
    "(1−θ, θ): only buyer 2 matches",
    "(1−θ, 1−θ): neither matches",
]


@figure(
    "information_selling",
    "regions",
    "Recommendation regions: which buyers are steered to the state at each pair of values",
    main=True,
)
def regions(res):
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Rectangle

    df = res.mechanism
    codes = {n: k for k, n in enumerate(CORRECTNESS)}
    t = df.assign(_code=df["region"].astype(str).map(codes).astype(float))
    x, y, Z = S.grid_of(t, "v1", "v2", "_code")
    cmap = ListedColormap(COLORS)
    fig, (ax,) = S.new_figure(1, width=5.4, height=4.8)
    mesh = S.allocation_image(ax, x, y, Z, "region", vmin=-0.5, vmax=3.5, cmap=cmap)
    ax.legend(
        [Rectangle((0, 0), 1, 1, color=c) for c in COLORS],
        LABELS,
        loc="upper left",
        framealpha=0.85,
    )
    mesh.set_gid("lp:region")
    # show the bulk of the type square (Figure 4-2 style for long-tailed laws)
    top = []
    for p in res.problem.priors():
        top.append(p.points[min(int(np.searchsorted(p.cdf(), 0.995)), len(p) - 1)])
    hx = (x[1] - x[0]) / 2 if len(x) > 1 else 0.5
    hy = (y[1] - y[0]) / 2 if len(y) > 1 else 0.5
    ax.set_xlim(x[0] - hx, top[0] + hx)
    ax.set_ylim(y[0] - hy, top[1] + hy)
    ax.set_xlabel(S.value_label("buyer 1's value $v_1$"))
    ax.set_ylabel(S.value_label("buyer 2's value $v_2$"))
    par = res.problem.params
    what = f"α = {par.alpha}" if getattr(par, "alpha", None) is not None else "payoff table"
    S.title(
        ax,
        f"{par.objective} optimum: recommended profile, {what}, P[θ = 1] = {par.prior}: "
        f"{res.objective:.6g}",
    )
    return fig
