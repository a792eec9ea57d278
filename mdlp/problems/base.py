"""What every problem family provides, and the registry that maps a config's ``kind`` to
its class.

A family is a subclass of :class:`Problem` with a pydantic ``Params`` model, a
``template`` (a commented YAML starter) and three duties:

``build()``       the LP on the family's grid (a :class:`solvers.LinearProgram`);
``interpret()``   arrays -> a mechanism table, a certificate (largest violation of every
                  constraint family, recomputed from the arrays, not from the solver), and
                  family-specific extras;
``theory()``      the closed forms that apply to these parameters (:class:`TheoryValue`),
                  the first being the reference the optimum is compared against.

Families that need lazy constraints override :meth:`Problem.solve_lp`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd
from pydantic import BaseModel

from solvers import LinearProgram, Solution

REGISTRY: dict[str, type[Problem]] = {}


def register(cls: type[Problem]) -> type[Problem]:
    """Class decorator: make a family available under its ``kind``."""
    if cls.kind in REGISTRY:
        raise ValueError(f"family {cls.kind!r} registered twice")
    REGISTRY[cls.kind] = cls
    return cls


def get_family(kind: str) -> type[Problem]:
    from mdlp import problems  # noqa: F401  (imports every family module)

    try:
        return REGISTRY[kind]
    except KeyError:
        raise KeyError(kind) from None


RELATIONS = ("equal", "upper", "lower", "evaluation")
"""How an LP value relates to a closed form (the ``relation`` of :class:`TheoryValue` and
of the theorem table's rows):

``equal``       the LP optimum equals the closed form (|gap| <= tolerance): an optimum;
``upper``       the closed form bounds the LP from above (LP <= value + tolerance);
``lower``       the closed form bounds the LP from below (LP >= value - tolerance);
``evaluation``  the LP value is that of a *fixed* mechanism (nothing about it is optimized,
                except possibly nature's worst case) and equals the closed-form value of
                that same mechanism (|gap| <= tolerance).
"""

SCOPES = ("optimum", "restricted optimum", "evaluation", "worst-case evaluation")
"""What a solve computes (:meth:`Problem.scope`): the optimum over all mechanisms the family
admits; the optimum over a restricted class (e.g. highest-bidder lotteries, a fixed
allocation rule with optimized payments); the value of a fixed mechanism; or nature's worst
case (an LP over distributions) for a fixed mechanism.  The last two are *evaluations*: the
result's status is ``evaluated``, never ``optimal``."""

EVALUATION_SCOPES = ("evaluation", "worst-case evaluation")


@dataclass
class TheoryValue:
    """A closed-form value and how the LP value must relate to it.

    ``relation`` is one of :data:`RELATIONS`.  ``limit=True`` marks a continuum value whose
    relation holds only as ``K -> infinity`` (the grid value converges to it, or is bounded
    by it in the limit): on one grid it is reported with its gap but not judged (``holds``
    is ``None``), and ``mdlp check`` judges it through the sign of the gap on every grid of
    a sequence and the fitted convergence order.  A continuum value that a theorem bounds
    on *every* grid (e.g. because the grid relaxes the problem) is ``limit=False`` with
    relation ``upper`` / ``lower``, and is judged on every grid.
    """

    value: float
    source: str
    label: str
    relation: str = "equal"
    tolerance: float = 1e-7
    limit: bool = False

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"relation {self.relation!r}: one of {RELATIONS}")

    @property
    def judged(self) -> bool:
        """Whether one grid's LP value is judged against this value (all but the values
        whose relation holds only in the limit)."""
        return not self.limit

    def gap(self, objective: float) -> float:
        """LP value minus the closed form."""
        return float(objective - self.value)

    def holds(self, objective: float) -> bool | None:
        """Whether the LP value satisfies the relation on this grid (``None`` for a
        continuum value, which is judged only through convergence)."""
        if not self.judged:
            return None
        g = self.gap(objective)
        if self.relation in ("equal", "evaluation"):
            return abs(g) <= self.tolerance
        if self.relation == "upper":
            return g <= self.tolerance
        return g >= -self.tolerance  # lower

    def to_dict(self, objective: float | None = None) -> dict:
        """The JSON form (``theory`` / ``references`` of ``mdlp solve --json``)."""
        d = {
            "value": self.value,
            "source": self.source,
            "label": self.label,
            "relation": self.relation,
            "limit": self.limit,
            "tolerance": self.tolerance,
        }
        if objective is not None:
            d["gap"] = self.gap(objective)
            d["holds"] = self.holds(objective)
        return d


@dataclass
class Interpretation:
    """What :meth:`Problem.interpret` returns."""

    mechanism: pd.DataFrame
    certificate: dict[str, float]
    extras: dict[str, Any] = field(default_factory=dict)
    worst_case: pd.DataFrame | None = None


class Problem:
    """Base class of a problem family (see the module docstring)."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    source: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]]
    template: ClassVar[str] = ""
    certificate_tolerance: ClassVar[float] = 1e-7
    default_placement: ClassVar[str] = "midpoint"
    """``grid.placement`` when a config omits it: the one the family's template and
    theorems use."""

    def __init__(self, params: BaseModel, grid, solver=None):
        self.params = params
        self.grid = grid
        self.solver = solver

    # The three duties -------------------------------------------------------------------
    def build(self) -> LinearProgram:
        raise NotImplementedError

    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        raise NotImplementedError

    def theory(self) -> list[TheoryValue]:
        """The closed forms for these parameters; the first value that is not a continuum
        ``limit`` is the one the result is judged against.  A case the theory does not
        cover raises :class:`mdlp.theory.NoClosedForm` (or is recorded with
        :meth:`note_no_closed_form`); any other exception is a failure, never an empty list."""
        return []

    def note_no_closed_form(self, reason: str) -> None:
        """Record, from :meth:`theory`, that a closed form does not cover this case."""
        notes = self.__dict__.setdefault("theory_notes", [])
        if reason not in notes:
            notes.append(reason)

    def scope(self) -> tuple[str, str]:
        """``(scope, description)``: what the LP computes for these parameters, ``scope``
        one of :data:`SCOPES`.  Families with fixed-mechanism or restricted modes override
        this; the default is the optimum over every mechanism the family's LP admits."""
        return "optimum", "optimum over all mechanisms satisfying the constraints"

    # Hooks ------------------------------------------------------------------------------
    def size_estimate(self) -> tuple[float, float, float] | None:
        """``(rows, cols, nonzeros)`` of :meth:`build` without building it, for the size
        guard (:mod:`mdlp.sizing`); ``None`` (the default) lets the guard extrapolate from
        trial builds on small grids."""
        return None

    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """Solve the built LP; families with lazy constraints override this."""
        return backend.solve(lp)

    def write_plots(self, result, directory) -> list:
        """Write pictures of ``result`` into ``directory`` (``mdlp solve --out``) when the
        ``plot`` extra is installed; the default draws nothing."""
        return []
