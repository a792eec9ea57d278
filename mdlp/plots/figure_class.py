"""The Figure class of mdlp's pictures (imports matplotlib: load it only when drawing)."""

from __future__ import annotations

import io

import matplotlib
from matplotlib.figure import Figure

from mdlp.plots.style import STYLE


class MdlpFigure(Figure):
    """A matplotlib Figure that Jupyter shows inline by itself (``_repr_png_``), with no
    pyplot and no backend set up."""

    def _repr_png_(self) -> bytes:
        buf = io.BytesIO()
        with matplotlib.rc_context(STYLE):
            self.savefig(buf, format="png", dpi=90)
        return buf.getvalue()
