"""Figures of ``bilateral_trade``: the probability of trade over (buyer's value, seller's
cost), with the continuum trade boundary of Myerson and Satterthwaite (1983, "Efficient
mechanisms for bilateral trading") drawn over it for uniform values on one interval:
``b - s = (hi - lo) / 4`` for the second best (Theorem 2), ``b - s = (hi - lo) / 2`` for
the broker's profit."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import style as S


def boundary(res):
    """``(gap, label)`` of the continuum rule "trade iff ``b - s >= gap``", or ``None``
    when the priors are not uniform on one interval."""
    from mdlp.theory import bilateral_trade as T

    buyer, seller = res.problem.priors()
    box = T.uniform_interval(buyer)
    if box is None or box != T.uniform_interval(seller):
        return None
    obj = res.problem.params.objective
    gap = T.trade_gap(*box, obj)
    what = "broker's optimum" if obj == "profit" else "second best"
    return gap, f"continuum {what}: trade iff b - s >= {gap:g}"


@figure(
    "bilateral_trade",
    "trade",
    "Probability of trade over (buyer's value, seller's cost), with the continuum boundary",
    main=True,
)
def trade(res):
    b, s, Z = S.grid_of(res.mechanism, "b", "s", "q")
    fig, (ax,) = S.new_figure(1, width=5.6, height=4.8)
    mesh = S.allocation_image(ax, b, s, Z, "q")
    S.colorbar(fig, mesh, [ax], "probability of trade q(b, s)")
    line = boundary(res)
    if line is not None:
        gap, label = line
        x = np.linspace(b.min(), b.max(), 200)
        y = x - gap
        keep = (y >= s.min()) & (y <= s.max())
        S.theory_line(ax, x[keep], y[keep], "boundary", label)
        ax.legend(loc="upper left", framealpha=0.85)
    ax.set_xlabel(S.value_label("buyer's value $b$"))
    ax.set_ylabel(S.value_label("seller's cost $s$"))
    par = res.problem.params
    S.title(ax, f"{par.objective.replace('_', ' ')} optimum on the grid: {res.objective:.6g}")
    return fig
