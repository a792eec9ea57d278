"""Figures of ``externality_auction`` (Rui 2020, *Auctions of Digital Goods with
Externalities*): for two bidders and one good, each bidder's interim probability of being
served over its own type (value v, externality η), beside the thesis's rule on the same
grid (Prop 3.2.2's efficient rule for Setting 1 welfare, Prop 3.3.1's rule as printed for
Setting 1 revenue, the thresholds 1{v >= τ} of Props 3.2.4-3.2.7 / 3.3.4 in Setting 2); for
every size, the probability of being served against the own value."""

from __future__ import annotations

import re

import numpy as np

from mdlp.plots import figure
from mdlp.plots import style as S

CITE = "Rui (2020)"


def _own_columns(df, k: int):
    """Own-type columns of bidder ``k`` (1-based), item 1: ``v<k>`` and its ``eta`` column."""
    rows = df[df["bidder"] == k]
    eta = [
        c for c in rows.columns if c.startswith("eta") and "^" not in c and rows[c].notna().all()
    ]
    return rows, f"v{k}", eta


def _eta_label(col: str) -> str:
    a, b = re.match(r"eta(\d+)<-(\d+)", col).groups()
    return S.value_label(f"externality $\\eta_{{{a}\\leftarrow {b}}}$")


def _simple(res) -> bool:
    par = res.problem.params
    return par.bidders == 2 and par.items == 1


def thesis_rule(res):
    """``(label, f)`` with ``f(k, v_points) -> interim allocation by own v index`` (0-based
    bidder k) of the thesis's rule for these parameters on the grid, or ``None``."""
    from mdlp.problems.externality import theory_inputs
    from mdlp.theory import externality as T

    par = res.problem.params
    values, ext = theory_inputs(res.problem.layout())
    if par.setting == 1:
        if par.objective == "welfare":
            rule, label = T.s1_efficient_rule(values, ext), f"{CITE}, Prop 3.2.2: efficient rule"
        else:
            rule, label = T.s1_thesis_rule(values, ext), f"{CITE}, Prop 3.3.1 as printed"

        def interim(k):
            m = 1 - k
            ok = rule.v_score[k][:, None] + rule.eta_score[(m, k)][None, :] >= -T.TIE_TOL
            return ok.astype(float) @ ext[(m, k)].probs

        return label, interim
    if par.objective == "welfare":
        _, taus = T.s2_welfare_thesis(values, ext, grid=True)
        label = f"{CITE}, Props 3.2.4-3.2.7: $1\\{{v \\geq \\tau\\}}$"
    else:
        _, taus = T.s2_revenue_optimal(values, ext, grid=True)
        label = f"{CITE}, Prop 3.3.4: $1\\{{v \\geq \\tau\\}}$"
    return label, lambda k: (values[k].points >= taus[k] - 1e-12).astype(float)


@figure(
    "externality_auction",
    "allocation",
    "Each bidder's probability of being served over its own type (v, η), beside the thesis's rule",
    main=True,
    applies=_simple,
)
def allocation(res):
    from mdlp.problems.externality import theory_inputs

    par = res.problem.params
    df = res.mechanism
    rule = None
    try:
        rule = thesis_rule(res)
    except (ValueError, NotImplementedError):
        rule = None
    ncols = 2 if rule is not None else 1
    fig, axes = S.new_figure(ncols, 2, width=4.0 * ncols + 0.9, height=6.8)
    values, _ = theory_inputs(res.problem.layout())
    mesh = None
    for k in (1, 2):
        rows, vcol, eta = _own_columns(df, k)
        x, y, Z = S.grid_of(rows, vcol, eta[0], "own_alloc")
        ax = axes[(k - 1) * ncols]
        mesh = S.allocation_image(ax, x, y, Z, f"own_alloc{k}")
        S.title(ax, f"LP: bidder {k} served, interim")
        ax.set_xlabel(S.value_label(f"bidder {k}'s value $v_{k}$"))
        ax.set_ylabel(_eta_label(eta[0]))
        if rule is not None:
            label, interim = rule
            q = interim(k - 1)  # by bidder k's own v grid point
            Zr = np.interp(x, values[k - 1].points, q)[:, None] * np.ones((1, len(y)))
            ax2 = axes[(k - 1) * ncols + 1]
            m2 = S.allocation_image(ax2, x, y, Zr, f"rule{k}")
            m2.set_gid(f"theory:rule{k}")
            S.title(ax2, label)
            ax2.set_xlabel(S.value_label(f"bidder {k}'s value $v_{k}$"))
            ax2.set_ylabel(_eta_label(eta[0]))
    S.colorbar(fig, mesh, axes, "probability of being served")
    fig.suptitle(
        f"Setting {par.setting}, {par.objective}, {par.constraints}: objective {res.objective:.6g}",
        fontsize=S.STYLE["axes.titlesize"] + 1,
    )
    return fig


@figure(
    "externality_auction",
    "by_value",
    "Each bidder's probability of being served against its own value "
    "(averaged over its externalities)",
    main=True,
    applies=lambda r: not _simple(r),
)
def by_value(res):
    par = res.problem.params
    df = res.mechanism
    fig, (ax,) = S.new_figure(1, width=5.2, height=3.9)
    n = 0
    for k in range(1, par.bidders + 1):
        rows = df[df["bidder"] == k]
        for g in range(1, par.items + 1):
            vcol = f"v{k}" if g == 1 else f"v{k}^{g}"
            acol = "own_alloc" if par.items == 1 else f"own_alloc^{g}"
            x, Q = S.interim(rows, vcol, acol)
            label = f"LP: bidder {k}" + ("" if par.items == 1 else f", good {g}")
            S.lp_steps(ax, x, Q, f"{acol}:{k}", label, color=S.LP_COLORS[n % len(S.LP_COLORS)])
            n += 1
    ax.set_xlabel(S.value_label("bidder's value for the good $v$"))
    ax.set_ylabel("probability of being served")
    ax.set_ylim(-0.03, 1.03)
    ax.legend(loc="upper left")
    S.title(
        ax,
        f"Setting {par.setting}, {par.objective}, {par.bidders} bidders, {par.items} good(s): "
        f"{res.objective:.6g}",
    )
    return fig
