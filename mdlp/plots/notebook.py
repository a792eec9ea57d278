"""``Result._repr_html_``: a result as Jupyter shows it (status, objective, theorem and
gap, certificate, LP sizes, the main figure inline as a base64 PNG; no network access)."""

from __future__ import annotations

import base64
import html
import io
import math


def _num(v, digits=9) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.{digits}g}" if math.isfinite(v) else str(v)
    return str(v)


def figure_png(result, kind=None, dpi=90) -> bytes | None:
    """The PNG bytes of ``result.plot(kind)``, or ``None`` when there is no figure
    (no matplotlib, a failed solve, a family without pictures)."""
    from mdlp.plots import plot

    try:
        fig = plot(result, kind)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    except Exception:  # noqa: BLE001  (a notebook view must never fail on a picture)
        return None
    return buf.getvalue()


def result_html(result, with_figure: bool = True) -> str:
    """The HTML table (and inline figure) of one :class:`mdlp.run.Result`."""
    e = html.escape
    rows = [("status", result.status + (f" ({result.message})" if result.message else ""))]
    if result.ok:
        rows.append(("objective", _num(result.objective)))
    ref = result.reference
    if ref is None:
        rows.append(("theory", "no closed form applies to these parameters"))
    else:
        rows.append(("theory", f"{_num(ref.value)} ({ref.label})"))
        if result.ok:
            verdict = "ok" if ref.holds(result.objective) else "OUTSIDE TOLERANCE"
            rows.append(
                (
                    "gap",
                    f"{result.gap:+.3e} ({ref.relation}, tolerance {ref.tolerance:.0e}: {verdict})",
                )
            )
    for t in result.theory[1:]:
        gap = f", gap {t.gap(result.objective):+.3e}" if result.ok else ""
        rows.append(("reference", f"{_num(t.value)} ({t.label}{gap})"))
    if result.certificate:
        worst = max(result.certificate.values())
        ok = "ok" if worst <= result.certificate_tolerance else "VIOLATED"
        parts = ", ".join(f"{k} {v:.1e}" for k, v in result.certificate.items())
        rows.append(("certificate", f"{parts} (<= {result.certificate_tolerance:.0e}: {ok})"))
    lp = result.lp or {}
    if lp:
        rows.append(
            (
                "lp",
                f"rows {lp.get('rows', 0):,}, cols {lp.get('cols', 0):,}, nnz {lp.get('nnz', 0):,}",
            )
        )
    t = result.timings or {}
    if t:
        rows.append(
            ("timings", f"build {t.get('build_s', 0):.3f} s, solve {t.get('solve_s', 0):.3f} s")
        )
    body = "".join(
        f"<tr><th style='text-align:left;padding-right:1em'>{e(k)}</th>"
        f"<td style='text-align:left'>{e(v)}</td></tr>"
        for k, v in rows
    )
    name = f" ({e(result.config.name)})" if getattr(result.config, "name", None) else ""
    out = f"<div class='mdlp-result'><b>{e(result.kind)}</b>{name}<table>{body}</table>"
    png = figure_png(result) if (with_figure and result.ok) else None
    if png is not None:
        b64 = base64.b64encode(png).decode("ascii")
        out += f"<img alt='{e(result.kind)} main figure' src='data:image/png;base64,{b64}'/>"
    return out + "</div>"
