"""Pictures several families share: functions of one value (interim allocation and
payment against value) and allocation images over two values (two-bidder profiles or
two-item types).  The family modules call these with their own column names and the
closed forms of their theory modules."""

from __future__ import annotations

import numpy as np

from mdlp.plots import style as S


def one_dim(res, curves, *, overlay=None, value_name="value", who="bidder", title=None):
    """Two panels: allocation and payment against value.

    ``curves``: ``[(label, x, Q, M), ...]`` one per bidder (or item), drawn as LP steps
    (gids ``lp:Q<k>`` and ``lp:M<k>``, k = 1, 2, ...).  ``overlay``: ``[(label, x, Q, M),
    ...]`` closed forms drawn as black dashed curves (gids ``theory:Q<k>`` / ``theory:M<k>``;
    ``M`` may be ``None``)."""
    fig, (axq, axm) = S.new_figure(2)
    for k, (label, x, Q, M) in enumerate(curves, start=1):
        c = S.LP_COLORS[(k - 1) % len(S.LP_COLORS)]
        S.lp_steps(axq, x, Q, f"Q{k}", f"LP: {label}", color=c)
        if M is not None:
            S.lp_steps(axm, x, M, f"M{k}", f"LP: {label}", color=c)
    for k, (label, x, Q, M) in enumerate(overlay or [], start=1):
        ln = S.theory_line(axq, x, Q, f"Q{k}", label)
        if k > 1:
            ln.set_linestyle(":")
        if M is not None:
            ln = S.theory_line(axm, x, M, f"M{k}", label)
            if k > 1:
                ln.set_linestyle(":")
    axq.set_xlabel(S.value_label(f"{who}'s {value_name} $v$"))
    axq.set_ylabel("probability of getting the good $Q(v)$")
    axq.set_ylim(-0.03, 1.03)
    axm.set_xlabel(S.value_label(f"{who}'s {value_name} $v$"))
    axm.set_ylabel(S.value_label("expected payment $M(v)$"))
    axq.legend(loc="upper left")
    axm.legend(loc="upper left")
    S.title(axq, "allocation")
    S.title(axm, "payment")
    if title:
        fig.suptitle(title, fontsize=S.STYLE["axes.titlesize"] + 1)
    return fig


def images(panels, *, xlabel, ylabel, title=None, cbar="allocation probability"):
    """One allocation image per panel: ``panels = [(heading, x, y, Z, column), ...]`` with
    ``Z[i, j]`` at ``(x[i], y[j])``; returns ``(fig, axes)`` so callers can mark prices,
    atoms or boundaries on top."""
    fig, axes = S.new_figure(len(panels), width=3.9 * len(panels) + 0.9)
    mesh = None
    for ax, (heading, x, y, Z, col) in zip(axes, panels, strict=True):
        mesh = S.allocation_image(ax, x, y, Z, col)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        S.title(ax, heading)
    S.colorbar(fig, mesh, axes, cbar)
    if title:
        fig.suptitle(title, fontsize=S.STYLE["axes.titlesize"] + 1)
    return fig, axes


def two_bidder_profiles(res, xcol="v1", ycol="v2", qcols=("q1", "q2"), names=None, title=None):
    """Ex-post allocation of each bidder over the two bidders' value profiles."""
    df = res.mechanism
    names = names or [
        f"bidder {k + 1} wins: {math_name(q)}$(v_1, v_2)$" for k, q in enumerate(qcols)
    ]
    panels = []
    for q, nm in zip(qcols, names, strict=True):
        x, y, Z = S.grid_of(df, xcol, ycol, q)
        panels.append((nm, x, y, Z, q))
    return images(
        panels,
        xlabel=S.value_label("bidder 1's value $v_1$"),
        ylabel=S.value_label("bidder 2's value $v_2$"),
        title=title,
    )


def is_two_bidder_table(res, cols=("v1", "v2", "q1", "q2")) -> bool:
    df = res.mechanism
    return (
        df is not None
        and all(c in df.columns for c in cols)
        and not any(c in df.columns for c in ("v3", "bidder"))
    )


def finite(a):
    a = np.asarray(a, float)
    return a[np.isfinite(a)]


def math_name(col: str) -> str:
    """``q1`` -> ``$q_{1}$``, ``q1_2`` -> ``$q_{1,2}$`` (column names as mathtext)."""
    head = col.rstrip("0123456789_")
    tail = col[len(head) :].strip("_").replace("_", ",")
    return f"${head}_{{{tail}}}$" if tail else f"${head}$"
