"""Figures of ``revenue_guarantee`` (Yamashita 2018, *Revenue guarantees in auctions with a
(correlated) common prior and additional information*): each bidder's interim allocation
and payment against value (conditional on its own value under the common prior), with
the second-price auction evaluated on the same prior drawn over it; for two bidders the
ex-post allocation over value profiles."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S


def _N(res) -> int:
    return int(res.problem.params.bidders)


def second_price_interim(df, i: int, N: int):
    """Second price (ties split evenly) on the table's profiles and prior: bidder ``i``'s
    ``E[q_i | v_i]`` and ``E[m_i | v_i]`` (Vickrey 1961; Yamashita 2018, Sec. 2)."""
    V = df[[f"v{k}" for k in range(1, N + 1)]].to_numpy(float)
    own = V[:, i - 1]
    top = V.max(axis=1)
    ties = np.isclose(V, top[:, None]).sum(axis=1)
    win = np.isclose(own, top)
    q = np.where(win, 1.0 / ties, 0.0)
    others = np.delete(V, i - 1, axis=1)
    second = others.max(axis=1) if N > 1 else np.zeros(len(V))
    m = q * second
    t = df[[f"v{i}", "prob"]].assign(q=q, m=m)
    x, Q = S.interim(t, f"v{i}", "q")
    _, M = S.interim(t, f"v{i}", "m")
    return x, Q, M


@figure(
    "revenue_guarantee",
    "allocation",
    "Interim allocation and payment of each bidder against value, with the second-price "
    "auction on the same prior",
    main=True,
)
def allocation(res):
    par = res.problem.params
    df = res.mechanism
    N = _N(res)
    curves, overlay = [], []
    for i in range(1, N + 1):
        x, Q = S.interim(df, f"v{i}", f"q{i}")
        _, M = S.interim(df, f"v{i}", f"m{i}")
        curves.append((f"bidder {i}", x, Q, M))
    if par.mechanism in ("second_price", "efficient"):
        x, Q, M = second_price_interim(df, 1, N)
        what = "second price" if par.mechanism == "second_price" else "efficient allocation"
        overlay.append(
            (
                f"{what} on the same prior, ties split (bidder 1)",
                x,
                Q,
                M if par.mechanism == "second_price" else None,
            )
        )
    return P.one_dim(
        res,
        curves,
        overlay=overlay,
        who="bidder",
        title=f"{S.words(par.mechanism)}, {N} bidders: revenue guarantee {res.objective:.6g}",
    )


@figure(
    "revenue_guarantee",
    "profiles",
    "Who wins at each pair of values: ex-post allocation of the two bidders",
    applies=lambda r: _N(r) == 2,
)
def profiles(res):
    fig, _ = P.two_bidder_profiles(
        res,
        title=f"{S.words(res.problem.params.mechanism)}: allocation (revenue {res.objective:.6g})",
    )
    return fig
