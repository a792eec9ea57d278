"""Figures of ``myerson_auction``: each bidder's interim allocation and payment against
value with the continuum optimum of Myerson (1981, "Optimal Auction Design"; Makarin
2021, *From Auctions to Mechanism Design*) drawn over it, and, for two bidders, the
ex-post allocation over value profiles."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S


def _bidders(res) -> int:
    return sum(1 for c in res.mechanism.columns if c.startswith("q") and c[1:].isdigit())


def interim_curves(res):
    """``[(label, v, Q, M)]`` per bidder from the mechanism table (``E[q_i | v_i]`` and
    ``E[m_i | v_i]`` under the grid prior)."""
    df = res.mechanism
    out = []
    for i in range(1, _bidders(res) + 1):
        x, Q = S.interim(df, f"v{i}", f"q{i}")
        mcol = f"m{i}" if f"m{i}" in df.columns else f"M{i}_interim"
        _, M = S.interim(df, f"v{i}", mcol)
        out.append((f"bidder {i}", x, Q, M))
    return out


def closed_form(laws, i, x, objective="revenue"):
    """Continuum interim allocation and payment of bidder ``i`` at values ``x``.

    Revenue (Myerson 1981, regular laws): the good goes to the highest virtual value
    ``phi_j(v_j) = v_j - (1 - F_j)/f_j`` if it is non-negative, so
    ``Q_i(v) = prod_{j != i} F_j(phi_j^{-1}(phi_i(v)))`` for ``phi_i(v) >= 0`` and 0 below;
    welfare / efficient allocation: the same with ``phi = v``.  Payments by the envelope
    formula ``M_i(v) = v Q_i(v) - int_low^v Q_i(t) dt``.  ``None`` if a law is not
    continuous and regular (ironing: no overlay)."""
    from mdlp.theory.myerson import is_regular

    if any(law is None for law in laws):
        return None
    revenue = objective == "revenue"
    if revenue and not all(is_regular(law) for law in laws):
        return None

    def score(law, t):
        return law.virtual_value(t) if revenue else np.asarray(t, float)

    lo, hi = laws[i].low, laws[i].high
    fine = np.linspace(lo, hi, 20001)
    if revenue:  # put the reserve phi_i^{-1}(0) on the fine grid: Q jumps there
        s = score(laws[i], fine)
        if s[0] < 0 < s[-1]:
            r = float(np.interp(0.0, s, fine))
            fine = np.union1d(fine, [r, np.nextafter(r, -np.inf)])
    s_i = score(laws[i], fine)
    Q = np.ones_like(fine)
    for j, law in enumerate(laws):
        if j == i:
            continue
        y = np.linspace(law.low, law.high, 20001)
        Q *= np.interp(s_i, score(law, y), law.cdf(y), left=0.0, right=1.0)
    if revenue:
        Q = np.where(s_i >= 0, Q, 0.0)
    integral = np.concatenate([[0.0], np.cumsum(np.diff(fine) * (Q[1:] + Q[:-1]) / 2)])
    M = fine * Q - integral
    x = np.asarray(x, float)
    # evaluate on the fine grid's left limits at the jump (right-continuous Q)
    idx = np.clip(np.searchsorted(fine, x, side="right") - 1, 0, len(fine) - 1)
    return fine, Q, M, x, Q[idx], M[idx]


@figure(
    "myerson_auction",
    "allocation",
    "Interim allocation and payment of each bidder against value, with Myerson's continuum optimum",
    main=True,
)
def allocation(res):
    par = res.problem.params
    curves = interim_curves(res)
    laws = [p.continuous for p in res.problem.priors()]
    objective = (
        "welfare" if (par.objective == "welfare" or par.allocation == "efficient") else "revenue"
    )
    overlay = []
    seen = []
    for i in range(len(laws)):
        spec = par.bidders[i]
        if spec in seen:
            continue
        seen.append(spec)
        cf = closed_form(laws, i, curves[i][1], objective)
        if cf is None:
            continue
        fine, Q, M, *_ = cf
        who = (
            "bidder"
            if len(laws) == 1 or par.bidders.count(spec) == len(laws)
            else f"bidder {i + 1}"
        )
        what = (
            "Myerson (1981) optimum"
            if objective == "revenue"
            else "efficient allocation (second price)"
        )
        overlay.append((f"continuum: {what}" + ("" if who == "bidder" else f", {who}"), fine, Q, M))
    mode = "BIC, interim IR" if par.constraints == "bayesian" else "DSIC, ex-post IR"
    return P.one_dim(
        res,
        curves,
        overlay=overlay,
        who="bidder",
        title=f"{par.objective} optimum on the grid, {len(laws)} bidder(s), {mode}: "
        f"{res.objective:.6g}",
    )


@figure(
    "myerson_auction",
    "profiles",
    "Who wins at each pair of values: ex-post allocation of the two bidders",
    applies=P.is_two_bidder_table,
)
def profiles(res):
    fig, axes = P.two_bidder_profiles(
        res, title=f"{res.problem.params.objective} optimum: allocation"
    )
    reserve = (res.extras or {}).get("reserve")
    if reserve is not None:
        for ax in axes:
            ax.axvline(reserve[0], color="white", lw=0.8, ls=":")
            ax.axhline(reserve[1], color="white", lw=0.8, ls=":")
    return fig
