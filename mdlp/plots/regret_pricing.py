"""Figures of ``regret_pricing`` (Koçyiğit 2020, *Distributional Robustness in Mechanism
Design*, ch. 2): the minimax-regret mechanism against value with the separable mechanism
(2.3) drawn over it (one item), the allocation regions of each item over the value square
(two items), and nature's worst-case distribution read from the duals, beside the
closed-form worst case (2.10)."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S

CITE = "Koçyiğit (2020)"


def _items(res) -> int:
    return len(res.problem.params.upper)


def _bounds(par):
    J = len(par.upper)
    cost = np.zeros(J) if par.cost is None else np.asarray(par.cost, float)
    lower = np.zeros(J) if par.lower is None else np.asarray(par.lower, float)
    return np.asarray(par.upper, float), cost, lower


@figure(
    "regret_pricing",
    "allocation",
    "Minimax-regret allocation and payment against value, with the separable mechanism (2.3)",
    main=True,
    applies=lambda r: _items(r) == 1,
)
def allocation(res):
    par = res.problem.params
    df = res.mechanism.sort_values("v1")
    x = df["v1"].to_numpy(float)
    curves = [("buyer", x, df["q1"].to_numpy(float), df["m"].to_numpy(float))]
    overlay = []
    if par.mechanism == "randomized":
        u, c, a = _bounds(par)
        fine = np.linspace(x.min(), x.max(), 2001)
        from mdlp.theory.regret import separable_mechanism

        q, m = separable_mechanism(fine[:, None], u, c, a)
        overlay.append((f"continuum: {CITE}, mechanism (2.3)", fine, q[:, 0], m))
    else:
        from mdlp.theory.regret import posted_prices

        p = posted_prices(par.upper, par.cost)[0]
        fine = np.linspace(x.min(), x.max(), 2001)
        sell = fine >= p
        overlay.append(
            (f"continuum: {CITE}, posted price (u+c)/2 (Thm 2.4.1)", fine, sell * 1.0, sell * p)
        )
    title = f"{par.mechanism} minimax regret on the grid: worst-case regret {res.objective:.6g}"
    return P.one_dim(res, curves, overlay=overlay, who="buyer", title=title)


@figure(
    "regret_pricing",
    "regions",
    "Probability of receiving each item over the two values (allocation regions)",
    main=True,
    applies=lambda r: _items(r) == 2,
)
def regions(res):
    par = res.problem.params
    u, c, a = _bounds(par)
    panels = []
    for j in (1, 2):
        x, y, Z = S.grid_of(res.mechanism, "v1", "v2", f"q{j}")
        panels.append((f"item {j}: $q_{j}(v_1, v_2)$", x, y, Z, f"q{j}"))
    fig, axes = P.images(
        panels,
        xlabel=S.value_label("value of item 1 $v_1$"),
        ylabel=S.value_label("value of item 2 $v_2$"),
        title=f"{par.mechanism} minimax regret, two items: worst-case regret {res.objective:.6g}",
    )
    if par.mechanism == "randomized":
        # (2.3) starts selling item j at c_j + d_j / e
        thr = c + (u - c) / np.e
        for j, ax in enumerate(axes):
            ln = ax.axvline(thr[0], **S.THEORY) if j == 0 else ax.axhline(thr[1], **S.THEORY)
            ln.set_color("white")
            ln.set_label(f"{CITE}, (2.3): item sold from $c + d/e$")
            ln.set_gid(f"theory:threshold{j + 1}")
        axes[0].legend(loc="lower right")
    return fig


def _worst_case_rows(res):
    wc = res.worst_case
    return wc is not None and len(wc) > 0


@figure(
    "regret_pricing",
    "worst_case",
    "Nature's worst-case value distribution from the duals (support and mass)",
    applies=lambda r: _worst_case_rows(r) and _items(r) in (1, 2),
)
def worst_case(res):
    from mdlp.theory.regret import nature_cdf

    par = res.problem.params
    u, c, a = _bounds(par)
    wc = res.worst_case
    if _items(res) == 1:
        fig, (ax1, ax2) = S.new_figure(2)
        wc = wc.sort_values("v1")
        x = wc["v1"].to_numpy(float)
        mass = wc["prob"].to_numpy(float)
        S.stems(ax1, x, mass)
        ax1.set_xlabel(S.value_label("buyer's value $v$"))
        ax1.set_ylabel("probability mass")
        ax1.legend(loc="upper left")
        S.title(ax1, f"support: {len(x)} atoms")
        S.lp_steps(ax2, x, np.cumsum(mass), "cdf", "grid worst case (dual)", color=S.ATOM_COLOR)
        ax2.lines[-1].set_drawstyle("steps-post")
        xs = np.linspace(float(res.mechanism["v1"].min()), float(u[0]), 2001)
        if a[0] <= c[0] + (u[0] - c[0]) / np.e:
            S.theory_line(
                ax2, xs, nature_cdf(xs[:, None], u, c), "cdf", f"continuum: {CITE}, (2.10)"
            )
        ax2.set_xlabel(S.value_label("buyer's value $v$"))
        ax2.set_ylabel("cumulative probability $P(v \\leq x)$")
        ax2.legend(loc="upper left")
        S.title(ax2, "distribution function")
        fig.suptitle(
            f"nature's worst case against the minimax-regret mechanism (regret {res.objective:.6g})"
        )
        return fig
    fig, (ax,) = S.new_figure(1, width=5.2, height=4.2)
    S.atoms(ax, wc["v1"], wc["v2"], wc["prob"])
    s = np.linspace(1 / np.e, 1, 50)
    S.theory_line(
        ax,
        c[0] + s * (u[0] - c[0]),
        c[1] + s * (u[1] - c[1]),
        "support",
        f"{CITE}, (2.10): support $c + s d$",
    )
    ax.set_xlabel(S.value_label("value of item 1 $v_1$"))
    ax.set_ylabel(S.value_label("value of item 2 $v_2$"))
    lo = res.mechanism[["v1", "v2"]].min().to_numpy(float)
    ax.set_xlim(lo[0] - 0.02 * (u[0] - lo[0]), u[0] * 1.02)
    ax.set_ylim(lo[1] - 0.02 * (u[1] - lo[1]), u[1] * 1.02)
    ax.legend(loc="upper left")
    S.title(ax, f"nature's worst case from the duals: {len(wc)} atoms (area ~ mass)")
    return fig
