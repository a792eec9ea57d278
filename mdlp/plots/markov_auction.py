"""Figures of ``markov_auction`` (Koçyiğit 2020, *Distributional Robustness in Mechanism
Design*, ch. 1): bidder 1's allocation and payment against its value with the others'
values fixed, over the closed-form mechanism where one exists (the optimal highest-bidder
lottery (1.12)-(1.13) of Theorem 1.5.3, or second price with reserve (1.9)); for two
bidders the allocation over value profiles; nature's worst-case distribution from the
duals of the robust rows."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S

CITE = "Koçyiğit (2020)"


def _I(res) -> int:
    return int(res.problem.params.bidders)


def closed_form(res):
    """``(name, f)`` with ``f(V) -> (q, m)`` at profiles ``V`` of shape (I, N), or ``None``."""
    from mdlp.theory import markov as T

    par = res.problem.params
    I, mu = _I(res), float(par.mean)
    if par.upper != 1.0 or par.ambiguity != "markov":
        return None
    if par.mechanism in ("lottery", "highest_bidder_lottery", "optimal"):
        what = "lottery (1.12)-(1.13), Thm 1.5.3"
        if par.mechanism == "optimal":
            what += " (a lower bound)"
        return (
            f"{CITE}, {what}",
            lambda V: (T.lottery_allocation(I, mu, V), T.lottery_payment(I, mu, V)),
        )
    if par.mechanism in ("second_price", "vickrey"):
        r = (res.extras or {}).get("reserve")
        if r is None:
            r = par.reserve if isinstance(par.reserve, float | int) else 0.0
        if par.mechanism == "vickrey":
            r = 0.0
        return (
            f"{CITE}, second price, reserve {float(r):.3g} (1.9)",
            lambda V: T.second_price_payment(V, float(r)),
        )
    return None


def _slices(res):
    """A few levels at which the other bidders' values are held (grid points)."""
    x = np.unique(res.mechanism["v1"].to_numpy(float))
    idx = sorted({0, len(x) // 3, (2 * len(x)) // 3})
    return x, [x[k] for k in idx]


@figure(
    "markov_auction",
    "allocation",
    "Bidder 1's allocation and payment against its value, the other bidders' values held fixed",
    main=True,
)
def allocation(res):
    df = res.mechanism
    I = _I(res)
    x, levels = _slices(res)
    others = [f"v{k}" for k in range(2, I + 1)]
    curves, overlay = [], []
    cf = closed_form(res)
    for s in levels:
        sel = np.ones(len(df), bool)
        for c in others:
            sel &= np.isclose(df[c].to_numpy(float), s)
        d = df[sel].sort_values("v1")
        label = f"others at {s:.3g}"
        curves.append(
            (label, d["v1"].to_numpy(float), d["q1"].to_numpy(float), d["m1"].to_numpy(float))
        )
        if cf is not None:
            fine = np.linspace(x[0], x[-1], 801)
            V = np.vstack([fine] + [np.full_like(fine, s)] * (I - 1))
            q, m = cf[1](V)
            overlay.append((cf[0] if not overlay else "_", fine, q[0], m[0]))
    par = res.problem.params
    return P.one_dim(
        res,
        curves,
        overlay=overlay,
        who="bidder 1",
        title=f"{S.words(par.mechanism)}, I = {I}, E[vᵢ] ≥ {par.mean}: "
        f"worst-case revenue {res.objective:.6g}",
    )


@figure(
    "markov_auction",
    "profiles",
    "Bidder 1's winning probability over value profiles, beside the closed form, with the "
    "worst-case atoms",
    applies=lambda r: _I(r) == 2,
)
def profiles(res):
    df = res.mechanism
    x, y, Z = S.grid_of(df, "v1", "v2", "q1")
    panels = [("LP: bidder 1 wins, $q_1(v_1, v_2)$", x, y, Z, "q1")]
    cf = closed_form(res)
    if cf is not None:
        X, Y = np.meshgrid(x, y, indexing="ij")
        q, _ = cf[1](np.vstack([X.ravel(), Y.ravel()]))
        panels.append((cf[0], x, y, q[0].reshape(X.shape), "theory_q1"))
    fig, axes = P.images(
        panels,
        xlabel=S.value_label("bidder 1's value $v_1$"),
        ylabel=S.value_label("bidder 2's value $v_2$"),
        title=f"{S.words(res.problem.params.mechanism)}, E[vᵢ] ≥ {res.problem.params.mean}: "
        f"revenue {res.objective:.6g}",
    )
    if cf is not None:
        axes[1].collections[0].set_gid("theory:q1")
    wc = res.worst_case
    if wc is not None and len(wc):
        S.atoms(axes[0], wc["v1"], wc["v2"], wc["prob"])
        axes[0].legend(loc="upper left")
    return fig


@figure(
    "markov_auction",
    "worst_case",
    "Nature's worst-case distribution from the duals: support, mass and bidder 1's marginal",
    applies=lambda r: r.worst_case is not None and len(r.worst_case) > 0,
)
def worst_case(res):
    I = _I(res)
    wc = res.worst_case
    V = wc[[f"v{k}" for k in range(1, I + 1)]].to_numpy(float)
    mass = wc["prob"].to_numpy(float)
    fig, (ax1, ax2) = S.new_figure(2)
    if I == 2:
        S.atoms(ax1, V[:, 0], V[:, 1], mass)
        ax1.set_xlabel(S.value_label("bidder 1's value $v_1$"))
        ax1.set_ylabel(S.value_label("bidder 2's value $v_2$"))
    else:
        srt = np.sort(V, axis=1)
        S.atoms(ax1, srt[:, -1], srt[:, -2], mass)
        ax1.set_xlabel(S.value_label("highest value"))
        ax1.set_ylabel(S.value_label("second-highest value"))
    up = float(res.problem.params.upper)
    ax1.set_xlim(-0.03 * up, 1.03 * up)
    ax1.set_ylim(-0.03 * up, 1.03 * up)
    ax1.legend(loc="upper left")
    S.title(ax1, f"support: {len(wc)} profiles (area ~ mass)")
    vals = np.unique(V[:, 0])
    marg = np.array([mass[V[:, 0] == v].sum() for v in vals])
    S.stems(ax2, vals, marg, label="bidder 1's marginal", gid="worst_case:marginal1")
    if res.problem.params.ambiguity == "markov":
        mu = float(res.problem.params.mean)
        ax2.axvline(mu, **S.THEORY, label=f"mean bound $\\mu$ = {mu:g}").set_gid("theory:mean")
    ax2.axvline(
        float(vals @ marg),
        color=S.ATOM_COLOR,
        lw=1,
        ls=":",
        label=f"worst-case mean {float(vals @ marg):.3g}",
    )
    ax2.set_xlabel(S.value_label("bidder 1's value $v_1$"))
    ax2.set_ylabel("probability mass")
    ax2.legend(loc="best")
    S.title(ax2, "bidder 1's marginal")
    fig.suptitle(
        f"nature's worst case against {S.words(res.problem.params.mechanism)} "
        f"(revenue {res.objective:.6g})"
    )
    return fig
