"""The :class:`Solution` a backend returns: status, objective, primal and dual values by
block name (sign convention in :mod:`solvers.lp`), iteration counts and timings."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Statuses a solve can end in.  Only ``optimal`` carries an objective value.
#: ``numerical_trouble``: the solver stopped without an answer it could vouch for (or one
#: that violates its own tolerances); ``model_error``: the solver refused the model (a
#: coefficient out of range, integer columns for an LP-only solver); ``memory_limit``: the
#: solver ran out of memory.  Every backend returns only these (tests/test_solvers.py).
STATUSES = (
    "optimal",
    "infeasible",
    "unbounded",
    "time_limit",
    "iteration_limit",
    "interrupted",
    "numerical_trouble",
    "model_error",
    "memory_limit",
    "error",
)


class BackendOptionError(ValueError):
    """A backend cannot honour a solver option: ``option`` names it (``method``,
    ``threads``, ...), ``message`` says what would be valid."""

    def __init__(self, option: str, message: str):
        self.option = option
        self.message = message
        super().__init__(f"{option}: {message}")


class SolverError(RuntimeError):
    """Raised when a caller asks for values of a solve that did not end optimal."""


@dataclass
class Solution:
    status: str
    backend: str
    objective: float | None = None
    x_flat: np.ndarray | None = None
    y_flat: np.ndarray | None = None  # row duals
    d_flat: np.ndarray | None = None  # reduced costs (column duals)
    x: dict[str, np.ndarray] = field(default_factory=dict)
    dual: dict[str, np.ndarray] = field(default_factory=dict)
    reduced_cost: dict[str, np.ndarray] = field(default_factory=dict)
    iterations: dict[str, int] = field(default_factory=dict)
    solve_s: float = 0.0
    method: str = ""
    message: str = ""
    rounds: int = 0  # row-generation rounds (0 for a plain solve)
    rows_added: int = 0
    #: what a solver strategy (:mod:`solvers.strategies`) did, "" when none ran
    strategy: str = ""
    #: the LinearProgram this solution solves (set by :meth:`from_flat`), so that a
    #: certificate can be recomputed for the LP that was actually solved last
    lp: object = field(default=None, repr=False)

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"unknown solve status {self.status!r}; one of {STATUSES}")

    @property
    def ok(self) -> bool:
        return self.status == "optimal"

    def require_optimal(self) -> Solution:
        if not self.ok:
            raise SolverError(f"solver status {self.status}: {self.message}".rstrip(": "))
        return self

    @classmethod
    def from_flat(cls, lp, status, backend, objective, x, y, d, **kw) -> Solution:
        """Attach shaped views of flat primal/dual vectors (``None`` where absent)."""
        sol = cls(status=status, backend=backend, objective=objective, **kw)
        sol.lp = lp
        if x is not None:
            sol.x_flat = np.asarray(x, dtype=float)
            sol.x = lp.split_columns(sol.x_flat)
        if y is not None:
            sol.y_flat = np.asarray(y, dtype=float)
            sol.dual = lp.split_rows(sol.y_flat)
        if d is not None:
            sol.d_flat = np.asarray(d, dtype=float)
            sol.reduced_cost = lp.split_columns(sol.d_flat)
        return sol
