"""One style for every mdlp figure, and the drawing helpers the family modules share.

Conventions: the LP's numbers are drawn in colour (steps with dots for functions of one
value, a ``viridis`` image from 0 to 1 for allocation probabilities over two values);
closed forms from the literature are black dashed lines; nature's worst-case atoms are
red.  Every artist carries a ``gid`` (``"lp:<column>"``, ``"theory:<what>"``,
``"worst_case"``) so that tests and users can find the data behind it.

Figures are made with :class:`matplotlib.figure.Figure` directly (no pyplot), so drawing
never touches a GUI backend or pyplot's global figure list.
"""

from __future__ import annotations

import numpy as np

STYLE = {
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "axes.grid": True,
    "grid.alpha": 0.25,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "image.cmap": "viridis",
    "svg.hashsalt": "mdlp",
}
LP_COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"]
THEORY = {"color": "black", "linestyle": "--", "linewidth": 1.2}
ATOM_COLOR = "#d62728"
PANEL = (4.4, 3.6)
VALUE_UNIT = "value units"


def new_figure(ncols: int = 1, nrows: int = 1, width: float | None = None, height=None):
    """A Figure with an ``nrows x ncols`` grid of axes in the mdlp style; returns
    ``(fig, axes)`` with ``axes`` a flat list."""
    import matplotlib

    from mdlp.plots.figure_class import MdlpFigure as Figure

    with matplotlib.rc_context(STYLE):
        fig = Figure(
            figsize=(width or PANEL[0] * ncols, height or PANEL[1] * nrows), layout="constrained"
        )
        axes = fig.subplots(nrows, ncols, squeeze=False)
    for ax in axes.flat:
        _apply_style(ax)
    return fig, list(axes.flat)


def _apply_style(ax):
    ax.grid(True, alpha=STYLE["grid.alpha"])
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    ax.tick_params(labelsize=STYLE["xtick.labelsize"])
    ax.xaxis.label.set_size(STYLE["axes.labelsize"])
    ax.yaxis.label.set_size(STYLE["axes.labelsize"])
    ax.title.set_size(STYLE["axes.titlesize"])


def value_label(who: str) -> str:
    """Axis label of a value, e.g. ``value_label("bidder 1's value $v_1$")``."""
    return f"{who} ({VALUE_UNIT})"


def lp_steps(ax, x, y, column: str, label: str, color=None):
    """The LP's function of one value on the grid: dots joined by mid-steps."""
    (line,) = ax.plot(
        np.asarray(x, float),
        np.asarray(y, float),
        drawstyle="steps-mid",
        marker="o",
        markersize=2.5,
        linewidth=1.2,
        color=color or LP_COLORS[0],
        label=label,
    )
    line.set_gid(f"lp:{column}")
    return line


def theory_line(ax, x, y, what: str, label: str):
    """A closed form drawn over the LP: a black dashed curve."""
    (line,) = ax.plot(np.asarray(x, float), np.asarray(y, float), label=label, **THEORY)
    line.set_gid(f"theory:{what}")
    return line


def allocation_image(ax, x, y, Z, column: str, *, vmin=0.0, vmax=1.0, cmap="viridis"):
    """``Z[i, j]`` at ``(x[i], y[j])`` as an image (x across, y up); the mesh's array is
    ``Z.T`` (rows = y).  Returns the QuadMesh (gid ``lp:<column>``)."""
    Z = np.asarray(Z, float)
    mesh = ax.pcolormesh(
        np.asarray(x, float),
        np.asarray(y, float),
        Z.T,
        shading="nearest",
        vmin=vmin,
        vmax=vmax,
        cmap=cmap,
        rasterized=True,
    )
    mesh.set_gid(f"lp:{column}")
    ax.set_aspect("auto")
    ax.grid(False)
    return mesh


def atoms(ax, x, y, mass, label="nature's worst case (dual)"):
    """Worst-case atoms: red discs of area proportional to their mass."""
    mass = np.asarray(mass, float)
    big = mass.max() if mass.size and mass.max() > 0 else 1.0
    sc = ax.scatter(
        np.asarray(x, float),
        np.asarray(y, float),
        s=8 + 250 * mass / big,
        color=ATOM_COLOR,
        alpha=0.65,
        edgecolors="black",
        linewidths=0.4,
        label=label,
        zorder=3,
    )
    sc.set_gid("worst_case")
    return sc


def stems(ax, x, mass, label="nature's worst case (dual)", gid="worst_case"):
    """Worst-case masses on a line of values: red stems."""
    cont = ax.stem(
        np.asarray(x, float), np.asarray(mass, float), linefmt="-", basefmt=" ", label=label
    )
    cont.markerline.set_color(ATOM_COLOR)
    cont.markerline.set_markersize(3.5)
    cont.stemlines.set_color(ATOM_COLOR)
    cont.markerline.set_gid(gid)
    return cont


def colorbar(fig, mappable, axes, label="probability the good is allocated"):
    cb = fig.colorbar(mappable, ax=axes, shrink=0.9)
    cb.set_label(label, fontsize=STYLE["axes.labelsize"])
    cb.ax.tick_params(labelsize=STYLE["xtick.labelsize"])
    return cb


def grid_of(df, xcol: str, ycol: str, zcol: str):
    """Pivot a tidy table into ``(x, y, Z)`` with ``Z[i, j]`` the value at ``(x[i], y[j])``
    (averaged over any other columns, which the callers fix before)."""
    t = df.pivot_table(index=xcol, columns=ycol, values=zcol, aggfunc="mean", sort=True)
    return t.index.to_numpy(float), t.columns.to_numpy(float), t.to_numpy(float)


def interim(df, own: str, col: str, prob: str = "prob"):
    """``E[col | own]`` under the table's profile probabilities (the interim function of a
    bidder's own value); returns ``(values, interim)`` sorted by value."""
    w = df[prob].to_numpy(float)
    g = (
        df.assign(_w=w, _wz=w * df[col].to_numpy(float))
        .groupby(own, sort=True)[["_w", "_wz"]]
        .sum()
    )
    den = g["_w"].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        val = np.where(den > 0, g["_wz"].to_numpy() / np.where(den > 0, den, 1.0), np.nan)
    return g.index.to_numpy(float), val


def title(ax, text: str):
    ax.set_title(text, fontsize=STYLE["axes.titlesize"])


def words(name) -> str:
    """A parameter value as words in a title (``second_price`` -> ``second price``)."""
    return str(name).replace("_", " ")
