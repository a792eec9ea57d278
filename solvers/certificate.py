"""An optimality certificate for a solved :class:`~solvers.lp.LinearProgram`, recomputed
from the arrays alone (the matrix, the bounds, the cost and the primal/dual vectors of the
:class:`~solvers.result.Solution`), never from the solver's own report.

Sign convention (:mod:`solvers.lp`): ``c = A^T y + d`` for ``min`` and ``max`` alike;
for ``min`` a positive ``y_r`` prices the row's lower bound and a negative one its upper
bound, for ``max`` the other way round (likewise ``d_j`` and the column bounds).  Split
``y`` into the part that prices a lower bound and the part that prices an upper bound;
the dual is feasible when

* the equation ``c - A^T y - d = 0`` holds, and
* no part prices an infinite bound (e.g. a ``>=`` row has no upper bound, so its dual
  must not have the upper-bound sign; a free column must have ``d_j = 0``).

``dual_feasibility`` is the largest absolute violation of these conditions (an absolute
number: costs here are probabilities times values, and HiGHS's own dual tolerance, 1e-9
in :class:`solvers.highs.HighsBackend`, is absolute too).

``duality_gap`` is ``|primal - dual| / (1 + |primal|)``: the primal objective
``c.x + offset`` recomputed from ``x``, the dual objective ``sum (lower parts) * lower
bounds - sum (upper parts) * upper bounds + offset`` (sign-flipped for ``max``) recomputed
from ``y``, ``d`` and the finite bounds (parts on infinite bounds are dual infeasibility
and are left out of the sum).  The gap is scaled by ``1 + |objective|`` because objectives
range from 1e-3 to 1e2 across the families; it is a relative number for large objectives
and an absolute one for small ones.

By weak duality, a primal-feasible ``x`` (checked by the problem family's own feasibility
certificate) and a dual-feasible ``(y, d)`` with equal objectives are both optimal; so
"certified optimal" means feasibility entries, ``dual_feasibility`` and ``duality_gap``
all at most the family's certificate tolerance (1e-7 unless the family says otherwise).

Row generation.  The LP that was solved last is a restriction of the full LP: some rows
of the full LP (say IC between pairs that were never violated) are omitted.  Extend its
dual by zero on the omitted rows.  An omitted row enters ``A^T y`` and the dual objective
with weight zero, so the extended dual satisfies the full LP's equation and sign
conditions exactly when the restricted dual satisfies the restricted ones, and the dual
objective is unchanged.  Hence the restricted LP's ``dual_feasibility`` and ``duality_gap``
certify the full LP as soon as the primal point also satisfies the omitted rows - which
is what the family's all-pairs feasibility check (e.g. ``ic``) measures.  Rows appended
to ``lp`` after the last solve are handled the same way (their duals are taken as zero).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from solvers.lp import LinearProgram


@dataclass
class OptimalityCertificate:
    """Dual feasibility residual and scaled primal-dual gap of one LP solution (``nan``
    where no LP dual certificate applies; ``message`` then says why)."""

    dual_feasibility: float
    duality_gap: float
    primal_objective: float
    dual_objective: float
    message: str = ""

    @property
    def applicable(self) -> bool:
        return not (np.isnan(self.dual_feasibility) or np.isnan(self.duality_gap))

    def holds(self, tol: float) -> bool:
        """Both residuals at most ``tol`` (``False`` when not applicable)."""
        return self.applicable and self.dual_feasibility <= tol and self.duality_gap <= tol

    def entries(self) -> dict[str, float]:
        return {"dual_feasibility": self.dual_feasibility, "duality_gap": self.duality_gap}


def not_applicable(message: str) -> OptimalityCertificate:
    """A certificate that says, honestly, that no LP dual certificate exists."""
    nan = float("nan")
    return OptimalityCertificate(nan, nan, nan, nan, message)


def _split(v: np.ndarray, sense: str) -> tuple[np.ndarray, np.ndarray]:
    """(part pricing the lower bound, part pricing the upper bound), both >= 0."""
    if sense == "min":
        return np.maximum(v, 0.0), np.maximum(-v, 0.0)
    return np.maximum(-v, 0.0), np.maximum(v, 0.0)


def optimality_certificate(lp: LinearProgram, sol) -> OptimalityCertificate:
    """Recompute dual feasibility and the primal-dual gap of ``sol`` on ``lp`` (see the
    module docstring).  ``lp`` must be the LP ``sol`` solves; rows beyond ``sol``'s dual
    vector (appended after the solve) get dual zero."""
    if lp.is_mip:
        return not_applicable(
            "mixed-integer program: no LP dual certificate exists; optimality rests on the "
            "solver's branch-and-bound bound"
        )
    if sol.x_flat is None or sol.y_flat is None or sol.d_flat is None:
        return not_applicable("the solver returned no dual values")
    x = np.asarray(sol.x_flat, dtype=float)
    y = np.asarray(sol.y_flat, dtype=float)
    d = np.asarray(sol.d_flat, dtype=float)
    if x.size != lp.num_cols or d.size != lp.num_cols or y.size > lp.num_rows:
        return not_applicable(
            f"solution vectors ({x.size} columns, {y.size} rows) do not fit the LP "
            f"({lp.num_cols} columns, {lp.num_rows} rows)"
        )
    if y.size < lp.num_rows:  # rows added after the last solve: dual zero (see above)
        y = np.concatenate([y, np.zeros(lp.num_rows - y.size)])
    c = lp.cost
    residual = np.abs(c - lp.rmatvec(y) - d)
    y_lo, y_up = _split(y, lp.sense)
    d_lo, d_up = _split(d, lp.sense)
    rlb, rub, clb, cub = lp.row_lb, lp.row_ub, lp.col_lb, lp.col_ub
    parts = [
        residual,
        np.where(np.isfinite(rlb), 0.0, y_lo),
        np.where(np.isfinite(rub), 0.0, y_up),
        np.where(np.isfinite(clb), 0.0, d_lo),
        np.where(np.isfinite(cub), 0.0, d_up),
    ]
    dual_feas = max((float(p.max()) for p in parts if p.size), default=0.0)

    def fin(b):
        return np.where(np.isfinite(b), b, 0.0)

    priced = y_lo @ fin(rlb) - y_up @ fin(rub) + d_lo @ fin(clb) - d_up @ fin(cub)
    dual_obj = float((priced if lp.sense == "min" else -priced) + lp.offset)
    primal_obj = float(c @ x + lp.offset)
    gap = abs(primal_obj - dual_obj) / (1.0 + abs(primal_obj))
    if not (np.isfinite(dual_feas) and np.isfinite(gap)):
        return OptimalityCertificate(
            float("inf"), float("inf"), primal_obj, dual_obj, "non-finite dual values"
        )
    return OptimalityCertificate(dual_feas, float(gap), primal_obj, dual_obj)
