"""Figures of ``bayesian_pricing``: for two items, the probability of receiving each item
over the value square with the menu's prices written where each option is bought, and
the Manelli-Vincent (2006) optimal menu's region boundaries drawn over it (two additive
items iid uniform on [0, b]); for one item, allocation and payment against value with the
Myerson (1981) posted price drawn over it."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S


def _J(res) -> int:
    return len(res.problem.params.items)


def _mv_scale(par):
    """``b`` when the Manelli-Vincent menu applies (two additive items iid U[0, b])."""
    it = par.items
    if par.unit_demand or len(it) != 2 or it[0] != it[1]:
        return None
    d = it[0]
    if d.is_pmf or d.distribution != "uniform" or (d.low or 0.0) != 0.0 or d.high is None:
        return None
    if d.loc is not None or d.scale is not None:
        return None
    return float(d.high)


def menu_entries(res):
    """``[(q, price, rows)]``: each menu option bought by a type with positive mass and the
    mask of the mechanism rows (types) that buy it."""
    df = res.mechanism
    out = []
    for e in (res.extras or {}).get("menu") or []:
        q = np.asarray(e["q"], float)
        if not np.any(q > 1e-9):
            continue
        rows = np.isclose(df["m"].to_numpy(float), e["price"], atol=1e-6)
        for j, qj in enumerate(q, start=1):
            rows &= np.isclose(df[f"q{j}"].to_numpy(float), qj, atol=1e-6)
        out.append((q, float(e["price"]), rows))
    return out


@figure(
    "bayesian_pricing",
    "menu",
    "Probability of receiving each item over the two values, menu prices marked where each "
    "option is bought",
    main=True,
    applies=lambda r: _J(r) == 2,
)
def menu(res):
    from mdlp.theory.bayesian_pricing import manelli_vincent_menu

    par = res.problem.params
    df = res.mechanism
    panels = []
    for j in (1, 2):
        x, y, Z = S.grid_of(df, "v1", "v2", f"q{j}")
        panels.append((f"item {j}: $q_{j}(v_1, v_2)$", x, y, Z, f"q{j}"))
    demand = "unit demand" if par.unit_demand else "additive"
    fig, axes = P.images(
        panels,
        xlabel=S.value_label("value of item 1 $v_1$"),
        ylabel=S.value_label("value of item 2 $v_2$"),
        title=f"{par.mechanism} revenue-optimal menu, two items, {demand}: "
        f"revenue {res.objective:.6g}",
        cbar="allocation probability",
    )
    v1, v2 = df["v1"].to_numpy(float), df["v2"].to_numpy(float)
    w = df["prob"].to_numpy(float)
    for q, price, rows in menu_entries(res):
        if not rows.any():
            continue
        cx = float(np.average(v1[rows], weights=w[rows] + 1e-300))
        cy = float(np.average(v2[rows], weights=w[rows] + 1e-300))
        qs = ", ".join(f"{v:.2g}" for v in q)
        for ax in axes:
            t = ax.text(
                cx,
                cy,
                f"({qs})\nat {price:.3g}",
                ha="center",
                va="center",
                fontsize=7,
                bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.8, "lw": 0},
            )
            t.set_gid("menu_price")
    b = _mv_scale(par)
    if b is not None:
        _, m = manelli_vincent_menu(b)
        p, Pb = float(m[0]), float(m[2])
        for ax in axes:
            ax.plot([p, p], [0, Pb - p], label="Manelli-Vincent (2006) optimal menu", **S.THEORY)
            ax.plot([0, Pb - p], [p, p], **S.THEORY)
            ax.plot([p, b], [Pb - p, Pb - p], **S.THEORY)  # item 1 alone | bundle
            ax.plot([Pb - p, Pb - p], [p, b], **S.THEORY)  # item 2 alone | bundle
            ln = ax.plot([Pb - p, p], [p, Pb - p], **S.THEORY)[0]
            ln.set_gid("theory:mv")
            ax.set_xlim(float(x[0] - (x[1] - x[0]) / 2), float(x[-1] + (x[1] - x[0]) / 2))
            ax.set_ylim(float(y[0] - (y[1] - y[0]) / 2), float(y[-1] + (y[1] - y[0]) / 2))
        axes[0].legend(loc="upper right")
    return fig


@figure(
    "bayesian_pricing",
    "allocation",
    "Probability of a sale and payment against value, with Myerson's optimal posted price",
    main=True,
    applies=lambda r: _J(r) == 1,
)
def allocation(res):
    from mdlp.plots.myerson_auction import closed_form

    df = res.mechanism.sort_values("v1")
    x = df["v1"].to_numpy(float)
    curves = [("buyer", x, df["q1"].to_numpy(float), df["m"].to_numpy(float))]
    laws = [p.continuous for p in res.problem.priors()]
    overlay = []
    cf = closed_form(laws, 0, x, "revenue")
    if cf is not None:
        overlay.append(("continuum: Myerson (1981) posted price", cf[0], cf[1], cf[2]))
    return P.one_dim(
        res,
        curves,
        overlay=overlay,
        who="buyer",
        title=f"{res.problem.params.mechanism} optimum, one item: revenue {res.objective:.6g}",
    )
