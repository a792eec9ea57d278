"""Numerical optimum vs closed form: gaps, convergence orders, Richardson extrapolation,
and the theorem table of ``mdlp check``.

Families declare :class:`Theorem` rows as data (``THEOREMS`` in their module, see
:mod:`mdlp.theorems`); ``mdlp check`` solves each on its short grid sequence and prints one
row per theorem.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from mdlp.config import load_config
from mdlp.families import FAMILIES
from mdlp.problems import load_all
from mdlp.problems.base import REGISTRY, RELATIONS, get_family
from mdlp.run import SOLVED, solve
from mdlp.theorems import Theorem

if TYPE_CHECKING:  # pandas loads when a table is built
    import pandas as pd


# --- convergence arithmetic ----------------------------------------------------------
def fit_order(h: Sequence[float], gaps: Sequence[float]) -> float:
    """Least-squares slope of ``log|gap|`` against ``log h`` (``nan`` if undefined)."""
    h = np.asarray(h, dtype=float)
    g = np.abs(np.asarray(gaps, dtype=float))
    ok = (g > 0) & np.isfinite(g) & (h > 0)
    if ok.sum() < 2:
        return float("nan")
    slope, _ = np.polyfit(np.log(h[ok]), np.log(g[ok]), 1)
    return float(slope)


def successive_orders(h, gaps) -> list[float]:
    """``log(g_i / g_{i+1}) / log(h_i / h_{i+1})`` for consecutive grids."""
    h = np.asarray(h, dtype=float)
    g = np.abs(np.asarray(gaps, dtype=float))
    out = []
    for i in range(len(h) - 1):
        if g[i] > 0 and g[i + 1] > 0:
            out.append(float(np.log(g[i] / g[i + 1]) / np.log(h[i] / h[i + 1])))
        else:
            out.append(float("nan"))
    return out


def richardson(values, h, order: float) -> tuple[float, float]:
    """Extrapolate the last two ``values`` to ``h -> 0`` assuming error ``~ C h^order``.

    Returns ``(estimate, error_estimate)``, the latter being the difference between the
    estimate from the last two grids and the one from the two before (or the size of the
    correction when only two grids exist).
    """
    v = np.asarray(values, dtype=float)
    h = np.asarray(h, dtype=float)
    if v.size < 2:
        return float(v[-1]), float("nan")

    def extra(i, j):
        r = (h[i] / h[j]) ** order
        return v[j] + (v[j] - v[i]) / (r - 1.0)

    est = extra(-2, -1)
    err = abs(est - extra(-3, -2)) if v.size >= 3 else abs(est - v[-1])
    return float(est), float(err)


# --- the theorem table ---------------------------------------------------------------
def theorems(family: str | None = None) -> list[Theorem]:
    """The theorems declared by the families (of ``family``): each family module's
    ``THEOREMS``, collected through :meth:`mdlp.problems.base.Problem.declared_theorems`.
    Nothing is registered as a side effect of an import, so importing or reloading a family
    module twice is harmless; two families declaring the same key is an error."""
    if family in REGISTRY or family in FAMILIES:
        classes = [get_family(family)]
    else:
        classes = list(load_all().values())
    out: dict[str, Theorem] = {}
    for cls in classes:
        for th in cls.declared_theorems():
            if th.key in out and out[th.key] is not th:
                raise ValueError(f"theorem {th.key!r} declared twice")
            out[th.key] = th
    return [t for t in out.values() if family is None or t.family == family]


def relation_counts(df: pd.DataFrame) -> dict[str, dict[str, int]]:
    """``{relation: {"rows": n, "passed": n}}`` for every relation of the table, in the
    order of :data:`mdlp.problems.base.RELATIONS`."""
    out = {}
    for rel in RELATIONS:
        sub = df[df["relation"] == rel] if len(df) else df
        out[rel] = {"rows": int(len(sub)), "passed": int((sub["verdict"] == "pass").sum())}
    return out


def run_theorem(th: Theorem, backend=None) -> dict:
    """Solve ``th`` on its grids and return one row of the theorem table.  An exception
    while solving or computing the theory fails the row (its message is the verdict)."""
    t0 = time.perf_counter()
    try:
        row = _run_theorem(th, backend)
    except Exception as exc:  # a failure is a row, never a silent omission
        row = {
            "theorem": th.key,
            "relation": th.relation,
            "per_grid": "",
            "source": th.source,
            "parameters": th.parameters,
            "grids": ",".join("pmf" if k is None else str(k) for k in th.grids),
            "verdict": f"FAIL: error {type(exc).__name__}: {exc}",
        }
    row["seconds"] = time.perf_counter() - t0
    return row


def _run_theorem(th: Theorem, backend=None) -> dict:
    objs, gaps, hs, exact_ok, certs, statuses, targets = [], [], [], [], [], [], []
    per_grid, scopes = set(), set()
    for K in th.grids:
        over = list(th.overrides) + ([f"grid.points={K}"] if K is not None else [])
        cfg = load_config(th.config, over)
        res = solve(cfg, backend=backend)
        statuses.append(res.status)
        if not res.ok:
            break
        scopes.add(res.status)
        objs.append(res.objective)
        certs.append(max(res.certificate.values(), default=0.0))
        ref = res.reference
        per_grid.add(ref.relation if ref is not None else "")
        exact_ok.append(ref is None or bool(ref.holds(res.objective)))
        if th.mode == "converge":
            tv = _pick(res.theory, th.target)
            targets.append(tv.value)
            gaps.append(res.objective - tv.value)
        else:
            if ref is None:
                raise ValueError("an exact row needs a grid closed form; the family gave none")
            gaps.append(res.gap)
        # the grid step: K cells on midpoint/left/right grids, K - 1 on endpoints grids
        cells = K - 1 if (K and cfg.grid.placement == "endpoints") else K
        hs.append(1.0 / cells if cells else float("nan"))
    solved = len(objs) == len(th.grids) and all(s in SOLVED for s in statuses)
    order = fit_order(hs, gaps) if th.mode == "converge" else float("nan")
    verdict = solved and all(exact_ok) and all(c <= 1e-7 for c in certs)
    why = [] if solved else [f"status {statuses[-1]}"]
    if solved and not all(exact_ok):
        why.append("grid closed form missed")
    if solved and not all(c <= 1e-7 for c in certs):
        why.append("certificate > 1e-7")
    evaluated = scopes == {"evaluated"}
    if solved and evaluated != (th.relation == "evaluation"):
        verdict = False
        fixed = "fixed (an evaluation)" if evaluated else "optimized, not an evaluation"
        why.append(f"relation mismatch: the mechanism is {fixed}")
    if solved and th.mode == "exact":
        if per_grid != {th.relation}:
            verdict = False
            why.append(f"relation mismatch: the grid closed form is {sorted(per_grid)}")
    if solved and th.mode == "converge":
        absg = np.abs(gaps)
        if not np.all(np.diff(absg) < 0):
            verdict, _ = False, why.append("gap does not shrink")
        if not (order >= th.min_order):
            verdict, _ = False, why.append(f"order {order:.2f} < {th.min_order}")
        if th.direction == "above" and min(gaps) < -1e-9:
            verdict, _ = False, why.append("grid value below the theorem")
        if th.direction == "below" and max(gaps) > 1e-9:
            verdict, _ = False, why.append("grid value above the theorem")
    extrap = err = float("nan")
    if solved and th.mode == "converge" and len(objs) >= 2 and math.isfinite(order):
        extrap, err = richardson(objs, hs, round(order) if order > 0.5 else 1.0)
    return {
        "theorem": th.key,
        "relation": th.relation,
        "per_grid": "/".join(sorted(r for r in per_grid if r)),
        "source": th.source,
        "parameters": th.parameters,
        "grids": ",".join("pmf" if k is None else str(k) for k in th.grids),
        "theory": targets[-1] if targets else (objs[-1] - gaps[-1] if gaps else float("nan")),
        "objective": objs[-1] if objs else float("nan"),
        "gaps": ", ".join(f"{g:.2e}" for g in gaps),
        "order": order,
        "extrapolated": extrap,
        "extrapolation_error": (extrap - targets[-1]) if targets and math.isfinite(extrap) else err,
        "certificate": max(certs) if certs else float("nan"),
        "verdict": "pass" if verdict else "FAIL: " + "; ".join(why),
    }


def _pick(theory, target):
    if target is None:
        refs = [t for t in theory if t.limit]
        if not refs:
            raise ValueError("no continuum value to converge to")
        return refs[0]
    for t in theory:
        if target in t.label:
            return t
    raise ValueError(f"no theory value labelled {target!r}")


def check_table(family: str | None = None, progress=None) -> pd.DataFrame:
    """The theorem table: one row per registered theorem (of ``family``), in order."""
    rows = []
    for th in theorems(family):
        rows.append(run_theorem(th))
        if progress is not None:
            progress(rows[-1])
    import pandas as pd

    return pd.DataFrame(rows)
