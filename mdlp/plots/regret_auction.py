"""Figures of ``regret_auction`` (Koçyiğit 2020, *Distributional Robustness in Mechanism
Design*, ch. 3), for two bidders and one item: the allocation over bid profiles beside
mechanism (3.2) (second price with a random reserve), and nature's worst case from the
duals beside (3.6) (one bidder, chosen uniformly, draws from [u/e, u]; the other bids 0)."""

from __future__ import annotations

import numpy as np

from mdlp.plots import figure
from mdlp.plots import shared as P
from mdlp.plots import style as S

CITE = "Koçyiğit (2020)"


def _two_by_one(res) -> bool:
    par = res.problem.params
    return par.bidders == 2 and len(par.upper) == 1


@figure(
    "regret_auction",
    "profiles",
    "Who gets the item at each pair of values, beside the minimax-regret auction (3.2)",
    main=True,
    applies=_two_by_one,
)
def profiles(res):
    from mdlp.theory.regret import auction_mechanism

    par = res.problem.params
    df = res.mechanism
    panels = []
    for i in (1, 2):
        x, y, Z = S.grid_of(df, "v1_1", "v2_1", f"q{i}_1")
        panels.append((f"LP: bidder {i} gets the item, $q_{i}(v_1, v_2)$", x, y, Z, f"q{i}_1"))
    X, Y = np.meshgrid(x, y, indexing="ij")
    V = np.stack([X, Y], axis=-1)[..., None]  # (K, K, I=2, J=1)
    q, _ = auction_mechanism(V, par.upper)
    panels.append((f"{CITE}, (3.2): bidder 1", x, y, q[..., 0, 0], "theory_q1"))
    fig, axes = P.images(
        panels,
        xlabel=S.value_label("bidder 1's value $v_1$"),
        ylabel=S.value_label("bidder 2's value $v_2$"),
        title=f"{par.mechanism} minimax-regret auction: worst-case regret {res.objective:.6g}",
    )
    axes[2].collections[0].set_gid("theory:q1")
    return fig


@figure(
    "regret_auction",
    "worst_case",
    "Nature's worst-case bid profiles from the duals (support and mass)",
    applies=lambda r: _two_by_one(r) and r.worst_case is not None and len(r.worst_case) > 0,
)
def worst_case(res):
    u = float(res.problem.params.upper[0])
    wc = res.worst_case
    fig, (ax,) = S.new_figure(1, width=5.2, height=4.2)
    S.atoms(ax, wc["v1_1"], wc["v2_1"], wc["prob"])
    s = np.linspace(u / np.e, u, 2)
    S.theory_line(ax, s, 0 * s, "support1", f"{CITE}, (3.6): one bidder on $[u/e, u]$, the other 0")
    S.theory_line(ax, 0 * s, s, "support2", "_")
    pad = 0.03 * u
    ax.set_xlim(-pad, u + pad)
    ax.set_ylim(-pad, u + pad)
    ax.set_xlabel(S.value_label("bidder 1's value $v_1$"))
    ax.set_ylabel(S.value_label("bidder 2's value $v_2$"))
    ax.legend(loc="upper right")
    S.title(ax, f"nature's worst case from the duals: {len(wc)} atoms (area ~ mass)")
    return fig
