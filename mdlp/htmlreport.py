"""Self-contained HTML reports: ``mdlp report DIR...`` and ``mdlp check --html FILE``.

One page, no network access needed: the CSS is inline and every figure is embedded as a
``data:`` URI (base64).  Three kinds of content:

* a solve result directory (``mdlp solve --out DIR``, recognised by ``summary.json``):
  status, objective, the theorem with its relation and gap, the other references, the
  certificate, LP sizes, solver and timings, and the figures — those listed under the
  ``figures`` key of ``summary.json`` when present (file names, or ``{"file", "caption"}``
  objects), else every ``*.png`` in the directory;
* a bench run directory (``mdlp bench --out DIR``, recognised by ``convergence.csv``): the
  convergence table with the fitted orders, and its plots;
* the theorem table (one row per theorem, the rows of :func:`mdlp.compare.check_table`).

Only the standard library is used, so writing a report loads neither numpy nor pandas.
Pages are written atomically (a temporary file beside the target, then a rename).
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

MIME = {".png": "image/png", ".svg": "image/svg+xml", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;
max-width:1300px;padding:0 1rem;color:#1d232a;line-height:1.4}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:2px solid #d8dee4;padding-bottom:.2rem}
.meta{color:#57606a;font-size:.9rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.88rem}
th,td{border:1px solid #d0d7de;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f6f8fa;white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:11rem}
.ok{color:#1a7f37;font-weight:600}.bad{color:#cf222e;font-weight:600}
tr.fail td{background:#fff5f5}
figure{display:inline-block;margin:.6rem 1rem .6rem 0;vertical-align:top}
figure img{max-width:100%;border:1px solid #d0d7de}
figcaption{font-size:.85rem;color:#57606a;max-width:640px}
.scroll{overflow-x:auto}
pre{background:#f6f8fa;padding:.6rem;overflow:auto;font-size:.8rem}
"""


class ReportError(ValueError):
    """Bad input for a report: ``field`` names the directory or option at fault."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


# --- small formatting helpers -----------------------------------------------------------
def _esc(v) -> str:
    return html.escape(str(v), quote=True)


def _num(v, digits: int = 9) -> str:
    if v is None or v == "":
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-" if math.isnan(v) else str(v)
        return f"{v:.{digits}g}"
    return str(v)


def _kv(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column table; values are already HTML."""
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="kv">{body}</table>'


def _table(header: Sequence[str], rows: Sequence[Sequence], cls: str = "", row_cls=None) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = []
    for i, r in enumerate(rows):
        cells = "".join(
            f'<td class="num">{_esc(_num(v, 6))}</td>'
            if isinstance(v, int | float) and not isinstance(v, bool)
            else f"<td>{_esc(_num(v, 6))}</td>"
            for v in r
        )
        rc = f' class="{row_cls(i)}"' if row_cls and row_cls(i) else ""
        body.append(f"<tr{rc}>{cells}</tr>")
    c = f' class="{cls}"' if cls else ""
    return (
        f'<div class="scroll"><table{c}><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _figure(path: Path, caption: str) -> str:
    mime = MIME.get(path.suffix.lower())
    if mime is None:
        raise ReportError(str(path), f"unsupported figure type; one of {sorted(MIME)}")
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (
        f'<figure><img src="data:{mime};base64,{data}" alt="{_esc(caption)}">'
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _figures(directory: Path, listed) -> list[tuple[Path, str]]:
    """The figures of a directory: the ``figures`` list of its summary when present (a PNG
    is preferred over an SVG of the same name), else every ``*.png`` in it."""
    out: dict[str, tuple[Path, str]] = {}
    if listed:
        items = listed.items() if isinstance(listed, Mapping) else listed
        for item in items:
            if isinstance(item, tuple):
                name, caption = item
            elif isinstance(item, Mapping):
                name = item.get("file") or item.get("name") or item.get("path")
                caption = item.get("caption") or ""
            else:
                name, caption = item, ""
            if not isinstance(name, str) or not name:
                raise ReportError(str(directory), f"summary.json: bad figure entry {item!r}")
            p = directory / name
            if not p.is_file():
                raise ReportError(str(directory), f"summary.json lists figure {name!r}, missing")
            if p.suffix.lower() not in MIME:
                continue
            prev = out.get(p.stem)
            if prev is None or (prev[0].suffix.lower() != ".png" and p.suffix.lower() == ".png"):
                out[p.stem] = (p, str(caption) or p.stem.replace("_", " "))
        return list(out.values())
    return [(p, p.stem.replace("_", " ")) for p in sorted(directory.glob("*.png"))]


# --- sections ---------------------------------------------------------------------------
def _read_json(path: Path, field: str) -> dict:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ReportError(
            field, f"{path.name} is not readable JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict):
        raise ReportError(field, f"{path.name} must hold a JSON object")
    return data


def solve_section(directory: Path) -> str:
    """The HTML section of one solve result directory (``summary.json`` + figures)."""
    d = Path(directory)
    s = _read_json(d / "summary.json", str(d))
    for key in ("kind", "status"):
        if key not in s:
            raise ReportError(str(d), f"summary.json has no {key!r}; is it from mdlp solve?")
    title = s["kind"] + (f" ({s['name']})" if s.get("name") else "")
    status = s["status"]
    ok = status == "optimal"
    rows = [
        (
            "status",
            f'<span class="{"ok" if ok else "bad"}">{_esc(status)}</span>'
            + (f" — {_esc(s['message'])}" if s.get("message") else ""),
        )
    ]
    if ok:
        rows.append(("objective", _esc(_num(s.get("objective")))))
    th = s.get("theory")
    if th:
        rows.append(("theorem", f"{_esc(_num(th.get('value')))} — {_esc(th.get('label', ''))}"))
        rows.append(("source", _esc(th.get("source", ""))))
        rel = th.get("relation", "")
        rel_text = {
            "equal": "LP optimum equals the closed form (|gap| ≤ tolerance)",
            "upper": "closed form is an upper bound (gap ≤ tolerance)",
            "lower": "closed form is a lower bound (−gap ≤ tolerance)",
            "reference": "reported, not judged",
        }.get(rel, rel)
        rows.append(("relation", _esc(f"{rel}: {rel_text}")))
        if ok and s.get("gap") is not None:
            good = s.get("within_tolerance")
            verdict = (
                '<span class="ok">within tolerance</span>'
                if good
                else '<span class="bad">OUTSIDE TOLERANCE</span>'
            )
            tol = _num(th.get("tolerance"), 3)
            gap = f"{s['gap']:+.3e}"
            rows.append(("gap", f"{_esc(gap)} (tolerance {_esc(tol)}) {verdict}"))
    else:
        rows.append(("theorem", "no closed form applies to these parameters"))
    for ref in s.get("references") or []:
        gap = f" — gap {ref['gap']:+.3e}" if isinstance(ref.get("gap"), int | float) else ""
        rows.append(("reference", _esc(f"{_num(ref.get('value'))} — {ref.get('label', '')}{gap}")))
    cert = s.get("certificate") or {}
    if cert:
        tol = s.get("certificate_tolerance", 1e-7)
        worst = max((v for v in cert.values() if isinstance(v, int | float)), default=0.0)
        mark = (
            '<span class="ok">certified</span>'
            if worst <= tol
            else '<span class="bad">VIOLATED</span>'
        )
        parts = ", ".join(
            f"{k} {v:.1e}" if isinstance(v, int | float) else f"{k} {v}" for k, v in cert.items()
        )
        rows.append(("certificate", f"{_esc(parts)} (≤ {_esc(_num(tol, 3))}) {mark}"))
    lp = s.get("lp") or {}
    if lp:
        rows.append(("LP size", _esc(", ".join(f"{k} {_num(v)}" for k, v in lp.items()))))
    sol = s.get("solver") or {}
    if sol:
        extra = (
            f", {sol['rounds']} rounds, {_num(sol.get('rows_added'))} rows added"
            if sol.get("rounds")
            else ""
        )
        rows.append(("solver", _esc(f"{sol.get('backend')} {sol.get('method')}{extra}")))
    t = s.get("timings") or {}
    if t:
        rows.append(
            (
                "timings",
                _esc(", ".join(f"{k.removesuffix('_s')} {_num(v, 3)} s" for k, v in t.items())),
            )
        )
    figs = "".join(_figure(p, c) for p, c in _figures(d, s.get("figures")))
    cfg = d / "config.yaml"
    cfg_html = (
        f"<details><summary>config.yaml</summary><pre>{_esc(cfg.read_text())}</pre></details>"
        if cfg.is_file()
        else ""
    )
    return (
        f'<section class="solve"><h2>{_esc(title)}</h2>'
        f'<p class="meta">solve result: {_esc(d)}</p>{_kv(rows)}{figs}{cfg_html}</section>'
    )


def bench_section(directory: Path) -> str:
    """The HTML section of one bench run directory (``convergence.csv`` + plots)."""
    d = Path(directory)
    try:
        with open(d / "convergence.csv", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            rows = [[_cell(v) for v in r] for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ReportError(
            str(d), f"convergence.csv is not readable ({exc.__class__.__name__})"
        ) from None
    if not header:
        raise ReportError(str(d), "convergence.csv is empty; is it from mdlp bench?")
    kind = ""
    md = d / "report.md"
    if md.is_file():
        first = md.read_text().splitlines()[:1]
        if first and first[0].startswith("# Convergence report:"):
            kind = first[0].split(":", 1)[1].strip()
    orders = ""
    if "order" in header:
        i = header.index("order")
        vals = [r[i] for r in rows if isinstance(r[i], float) and math.isfinite(r[i])]
        if vals:
            orders = (
                f"<p>fitted order of convergence: {_esc(', '.join(f'{v:.2f}' for v in vals))}"
                " (slope of log |LP − theorem| against log h, h = 1/K)</p>"
            )
    figs = "".join(_figure(p, c) for p, c in _figures(d, None))
    title = f"Convergence benchmark: {kind}" if kind else "Convergence benchmark"
    return (
        f'<section class="bench"><h2>{_esc(title)}</h2>'
        f'<p class="meta">bench run: {_esc(d)}</p>{orders}'
        f"{_table(header, rows, 'convergence')}{figs}</section>"
    )


def _cell(v: str):
    try:
        return int(v)
    except ValueError:
        pass
    try:
        return float(v)
    except ValueError:
        return v


THEOREM_COLUMNS = [
    "theorem",
    "relation",
    "per_grid",
    "source",
    "parameters",
    "grids",
    "theory",
    "objective",
    "gaps",
    "order",
    "extrapolated",
    "certificate",
    "verdict",
]


def theorem_section(rows: Sequence[Mapping]) -> str:
    """The theorem table: one row per theorem (the rows of ``mdlp check``)."""
    fmt = {"order": "{:.2f}", "certificate": "{:.1e}"}

    def cell(r, c):
        v = r.get(c)
        if c in fmt and isinstance(v, float) and math.isfinite(v):
            return fmt[c].format(v)
        return v

    body = [[cell(r, c) for c in THEOREM_COLUMNS] for r in rows]
    passed = sum(1 for r in rows if r.get("verdict") == "pass")
    table = _table(
        THEOREM_COLUMNS,
        body,
        "theorems",
        row_cls=lambda i: "" if rows[i].get("verdict") == "pass" else "fail",
    )
    return (
        '<section class="theorems"><h2>Theorem table</h2>'
        f"<p>{passed} of {len(rows)} closed forms pass: the LP optimum on each grid is "
        "compared with the theorem; gaps per grid, fitted order and the Richardson "
        f"extrapolation.</p>{table}</section>"
    )


# --- pages ------------------------------------------------------------------------------
def page(sections: Sequence[str], title: str = "mdlp report") -> str:
    """A complete HTML document around ``sections``."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # noqa: UP017
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{_esc(title)}</h1><p class="meta">written by mdlp on {when}</p>'
        + "".join(sections)
        + "</body></html>\n"
    )


def directory_kind(directory) -> str:
    """``"solve"`` or ``"bench"``; :class:`ReportError` naming the directory otherwise."""
    d = Path(directory)
    if not d.is_dir():
        raise ReportError(str(directory), "no such directory")
    if (d / "summary.json").is_file():
        return "solve"
    if (d / "convergence.csv").is_file():
        return "bench"
    raise ReportError(
        str(directory),
        "not a result directory; expected summary.json (mdlp solve --out) "
        "or convergence.csv (mdlp bench --out)",
    )


def report_html(directories: Sequence, title: str = "mdlp report") -> str:
    """The page for solve result and bench run directories (all checked before any is read)."""
    kinds = [directory_kind(d) for d in directories]
    sections = [
        solve_section(Path(d)) if k == "solve" else bench_section(Path(d))
        for d, k in zip(directories, kinds, strict=True)
    ]
    return page(sections, title)


def theorem_html(rows: Sequence[Mapping], title: str = "mdlp theorem table") -> str:
    """The theorem table page (``mdlp check --html FILE``)."""
    return page([theorem_section(rows)], title)


def check_target(path, field: str = "-o") -> Path:
    """Validate an output file path before any work: its folder must exist and it must not
    be a directory."""
    p = Path(path)
    if p.is_dir():
        raise ReportError(field, f"{str(p)!r} is a directory; give a file name such as report.html")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise ReportError(field, f"folder {str(parent)!r} does not exist")
    return p


def write_atomic(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    p = check_target(path)
    fd, tmp = tempfile.mkstemp(dir=p.parent if str(p.parent) else ".", prefix=f".{p.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, p)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return p
