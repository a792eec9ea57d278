"""Figures of a solved mechanism: one module per family, drawn from the result arrays.

Python::

    res = mdlp.solve("configs/myerson_uniform.yaml")
    fig = res.plot()                  # the family's main picture (a matplotlib Figure)
    fig = res.plot(kind="profiles")   # another one; mdlp.plots.available(res) lists them

Command line: ``mdlp solve CONFIG --out DIR`` writes every figure that applies as
``DIR/<kind>.png`` and ``DIR/<kind>.svg`` and lists them in ``summary.json`` under
``figures``; ``mdlp plot DIR`` draws them again from the saved files without solving.

Adding a family's figures: create ``mdlp/plots/<family kind>.py`` and decorate one drawing
function per picture with :func:`figure`::

    from mdlp.plots import figure
    from mdlp.plots.style import new_figure

    @figure("my_family", "allocation", "Allocation and payment against value", main=True)
    def allocation(res):
        fig, ax = new_figure()
        ...
        return fig

The module is imported the first time a result of that family is drawn (matplotlib is
imported only then, never at ``import mdlp``).  A family without such a module falls back
to its :meth:`mdlp.problems.base.Problem.write_plots` hook when writing a result folder.
"""

from __future__ import annotations

import importlib
import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

INSTALL_HINT = "figures need matplotlib: pip install 'mdlp-toolkit[plot]'"


@dataclass(frozen=True)
class FigureSpec:
    """One registered picture of a family: ``draw(result) -> Figure``; ``applies(result)``
    says whether it can be drawn for this result (e.g. only two-bidder profiles)."""

    family: str
    name: str
    caption: str | Callable
    draw: Callable
    main: bool = False
    applies: Callable | None = None

    def caption_for(self, result) -> str:
        return self.caption(result) if callable(self.caption) else self.caption


FIGURES: dict[str, dict[str, FigureSpec]] = {}


def figure(family: str, name: str, caption, *, main: bool = False, applies=None):
    """Decorator: register ``draw(result) -> matplotlib.figure.Figure`` as the picture
    ``name`` of ``family``.  ``caption`` is a one-line text (or a function of the result
    returning one); ``main=True`` makes it what ``Result.plot()`` draws by default;
    ``applies(result) -> bool`` restricts it to the results it makes sense for."""

    def deco(fn):
        FIGURES.setdefault(family, {})[name] = FigureSpec(family, name, caption, fn, main, applies)
        return fn

    return deco


def require_matplotlib():
    """Import matplotlib (Agg-safe: figures are drawn without pyplot) or raise an
    ImportError that says how to install it."""
    try:
        import matplotlib  # noqa: F401
        import matplotlib.figure  # noqa: F401
    except ImportError as exc:
        raise ImportError(INSTALL_HINT) from exc


def _family_specs(kind: str) -> dict[str, FigureSpec]:
    if kind not in FIGURES:
        try:
            importlib.import_module(f"mdlp.plots.{kind}")
        except ModuleNotFoundError as exc:
            if exc.name != f"mdlp.plots.{kind}":
                raise
            FIGURES.setdefault(kind, {})
    return FIGURES.get(kind, {})


def specs(result) -> list[FigureSpec]:
    """The pictures that apply to ``result``, the main one first."""
    if not getattr(result, "ok", False) or result.mechanism is None:
        return []
    require_matplotlib()
    out = [s for s in _family_specs(result.kind).values() if s.applies is None or s.applies(result)]
    return sorted(out, key=lambda s: not s.main)


def _draw(spec: FigureSpec, result):
    import matplotlib

    from mdlp.plots.style import STYLE

    with matplotlib.rc_context(STYLE):
        return spec.draw(result)


def available(result) -> list[str]:
    """Names of the pictures :func:`plot` can draw for ``result`` (main one first)."""
    return [s.name for s in specs(result)]


def plot(result, kind: str | None = None):
    """The matplotlib Figure of picture ``kind`` of ``result`` (default: the family's main
    picture).  Raises ValueError for a picture that does not apply, naming the valid ones."""
    if not getattr(result, "ok", False):
        raise ValueError(f"nothing to draw: the solve ended with status {result.status!r}")
    have = specs(result)
    if not have:
        raise ValueError(f"no figures are defined for family {result.kind!r}")
    if kind is None:
        return _draw(have[0], result)
    for s in have:
        if s.name == kind:
            return _draw(s, result)
    raise ValueError(f"unknown kind {kind!r}; valid kinds: {', '.join(s.name for s in have)}")


def save(fig, directory, name: str) -> list[Path]:
    """Write ``fig`` as ``name.png`` and ``name.svg`` into ``directory`` (each written to a
    temporary name first and renamed into place); returns the two paths."""
    import matplotlib

    from mdlp.plots.style import STYLE

    d = Path(directory)
    paths = []
    for ext, kw in (("png", {"dpi": 120}), ("svg", {"metadata": {"Date": None}})):
        final = d / f"{name}.{ext}"
        tmp = d / f".{name}.{ext}.tmp"
        with matplotlib.rc_context(STYLE):
            fig.savefig(tmp, format=ext, **kw)
        os.replace(tmp, final)
        paths.append(final)
        # the layout is computed by the first draw; keep it for the second format
        fig.set_layout_engine("none")
    return paths


def write_figures(result, directory, problem=None) -> list[dict]:
    """Draw every picture that applies to ``result`` into ``directory`` (PNG and SVG).

    Returns the ``figures`` list of ``summary.json``: one ``{"file": "<kind>.png",
    "svg": "<kind>.svg", "caption": ...}`` per picture.  Without matplotlib, or for a
    result that is not optimal, nothing is drawn and ``[]`` is returned.  A family with no
    registered pictures falls back to ``problem.write_plots`` (PNG files it wrote are
    listed with a generic caption)."""
    if not getattr(result, "ok", False):
        return []
    try:
        have = specs(result)
    except ImportError:
        return []
    out = []
    if have:
        for s in have:
            try:
                fig = _draw(s, result)
                save(fig, directory, s.name)
            except Exception as exc:  # a figure must never cost the solve's result files
                warnings.warn(
                    f"figure {s.name!r} of {result.kind} was not drawn: {exc!r}", stacklevel=2
                )
                continue
            out.append(
                {"file": f"{s.name}.png", "svg": f"{s.name}.svg", "caption": s.caption_for(result)}
            )
        return out
    problem = problem if problem is not None else getattr(result, "problem", None)
    if problem is not None:
        for p in problem.write_plots(result, directory) or []:
            p = Path(p)
            if p.suffix == ".png":
                out.append({"file": p.name, "caption": f"{result.kind}: {p.stem}"})
    return out


# --- a saved result folder -------------------------------------------------------------
def load_result(directory):
    """Rebuild a :class:`mdlp.run.Result` from a folder written by ``mdlp solve --out``
    (``summary.json``, ``config.yaml``, the mechanism table, ``worst_case.csv``) without
    solving.  Raises :class:`mdlp.config.ConfigError` naming the folder if it is not one."""
    import pandas as pd

    from mdlp.config import ConfigError, load_config
    from mdlp.problems.base import TheoryValue
    from mdlp.run import Result

    d = Path(directory)
    if not d.is_dir():
        raise ConfigError("DIR", f"{str(d)!r} is not a directory written by mdlp solve --out")
    summ = d / "summary.json"
    if not summ.is_file() or not (d / "config.yaml").is_file():
        raise ConfigError(
            "DIR",
            f"{str(d)!r} has no summary.json and config.yaml (write one with mdlp solve --out)",
        )
    try:
        s = json.loads(summ.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError("DIR", f"{str(summ)!r} is not valid JSON ({exc})") from None
    cfg = load_config(str(d / "config.yaml"))
    if cfg.kind != s.get("kind"):
        raise ConfigError(
            "DIR", f"summary.json is for {s.get('kind')!r}, config.yaml for {cfg.kind!r}"
        )
    mech = None
    if (d / "mechanism.parquet").is_file():
        mech = pd.read_parquet(d / "mechanism.parquet")
    elif (d / "mechanism.csv").is_file():
        mech = pd.read_csv(d / "mechanism.csv")
    wc = pd.read_csv(d / "worst_case.csv") if (d / "worst_case.csv").is_file() else None
    keys = ("value", "source", "label", "relation", "tolerance")
    theory = [
        TheoryValue(**{k: t[k] for k in keys})
        for t in ([s["theory"]] if s.get("theory") else []) + list(s.get("references") or [])
        if t.get("value") is not None
    ]
    return Result(
        s["kind"],
        s["status"],
        s.get("objective"),
        theory,
        dict(s.get("certificate") or {}),
        dict(s.get("lp") or {}),
        dict(s.get("timings") or {}),
        cfg,
        mechanism=mech,
        worst_case=wc,
        extras=dict(s.get("extras") or {}),
        solver=dict(s.get("solver") or {}),
        message=s.get("message") or "",
        certificate_tolerance=s.get("certificate_tolerance", 1e-7),
        problem=cfg.make_problem(),
    )


def redraw(directory) -> list[dict]:
    """``mdlp plot DIR``: draw the figures of a saved result again (without solving) and
    update the ``figures`` list of its ``summary.json`` (rewritten atomically)."""
    from mdlp.config import ConfigError

    require_matplotlib()
    res = load_result(directory)
    if not res.ok:
        raise ConfigError("DIR", f"the saved result has status {res.status!r}: nothing to draw")
    d = Path(directory)
    figs = write_figures(res, d)
    summ = d / "summary.json"
    s = json.loads(summ.read_text())
    s["figures"] = figs
    tmp = d / ".summary.json.tmp"
    tmp.write_text(json.dumps(s, indent=2, allow_nan=False) + "\n")
    os.replace(tmp, summ)
    return figs
