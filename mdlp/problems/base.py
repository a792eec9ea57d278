"""What every problem family provides, and the registry that maps a config's ``kind`` to
its class.

A family is a subclass of :class:`Problem` with a pydantic ``Params`` model, a
``template`` (a commented YAML starter, shipped as ``mdlp/templates/<kind>.yaml``) and
three duties:

``build()``       the LP on the family's grid (a :class:`solvers.LinearProgram`);
``interpret()``   arrays -> a mechanism table, a certificate (largest violation of every
                  constraint family, recomputed from the arrays, not from the solver), and
                  family-specific extras;
``theory()``      the closed forms that apply to these parameters (:class:`TheoryValue`),
                  the first being the reference the optimum is compared against.

Families that need lazy constraints override :meth:`Problem.solve_lp`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from pydantic import BaseModel

from solvers import LinearProgram, Solution

if TYPE_CHECKING:  # pandas is imported by the families that build the tables
    import pandas as pd

REGISTRY: dict[str, type[Problem]] = {}


def register(cls: type[Problem]) -> type[Problem]:
    """Class decorator: make a family available under its ``kind``.  Re-registering the
    same class (a module reloaded in a notebook) replaces it; a different class claiming a
    taken ``kind`` is an error."""
    old = REGISTRY.get(cls.kind)
    if old is not None and (old.__module__, old.__qualname__) != (cls.__module__, cls.__qualname__):
        raise ValueError(f"family {cls.kind!r} registered twice")
    REGISTRY[cls.kind] = cls
    return cls


def get_family(kind: str) -> type[Problem]:
    """The class registered under ``kind``, importing only its module (listed in
    :data:`mdlp.families.FAMILIES`); ``KeyError`` for an unknown kind."""
    if kind not in REGISTRY:
        from importlib import import_module

        from mdlp.families import FAMILIES

        if kind not in FAMILIES:
            raise KeyError(kind)
        import_module(FAMILIES[kind].module)
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


class DeferredTable:
    """The columns of a table (name -> 1-D array), made a pandas DataFrame only when the
    table is read: a solve that neither prints nor writes its mechanism table does not
    import pandas.  ``keep`` (a boolean mask) selects rows, numbered again from 0.  The
    arrays are copied, as ``pd.DataFrame`` copies them, so later changes to the solver's
    arrays do not reach the table."""

    def __init__(self, columns: dict[str, Any], keep=None):
        self.columns = {k: v.copy() for k, v in columns.items()}
        self.keep = None if keep is None else keep.copy()

    def build(self) -> pd.DataFrame:
        """The DataFrame ``pd.DataFrame(columns)`` (of the kept rows)."""
        import pandas as pd

        if self.keep is None:
            return pd.DataFrame(self.columns)
        return pd.DataFrame({k: v[self.keep] for k, v in self.columns.items()})


class TableField:
    """A dataclass field holding a DataFrame, ``None`` or a :class:`DeferredTable`; reading
    it gives the DataFrame (a deferred table is built on the first read and kept)."""

    def __init__(self, *default):
        self.default = default

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj, owner=None):
        if obj is None:  # the dataclass asks for the default
            if not self.default:
                raise AttributeError(self.name)
            return self.default[0]
        value = obj.__dict__.get(self.name)
        if isinstance(value, DeferredTable):
            value = obj.__dict__[self.name] = value.build()
        return value

    def __set__(self, obj, value):
        obj.__dict__[self.name] = value

    @staticmethod
    def raw(obj, name: str):
        """The stored value of field ``name`` of ``obj``, a deferred table left unbuilt."""
        return obj.__dict__.get(name)


@dataclass
class Interpretation:
    """What :meth:`Problem.interpret` returns.  ``mechanism`` and ``worst_case`` may be
    given as :class:`DeferredTable`; they read as DataFrames."""

    mechanism: pd.DataFrame = TableField()
    certificate: dict[str, float]
    extras: dict[str, Any] = field(default_factory=dict)
    worst_case: pd.DataFrame | None = TableField(None)


class _PackagedTemplate:
    """``Problem.template``: the family's starter config, read from the package data file
    ``mdlp/templates/<kind>.yaml`` (see :mod:`mdlp.families`)."""

    def __get__(self, obj, owner) -> str:
        from mdlp.families import FAMILIES, read_template

        return read_template(owner.kind) if owner.kind in FAMILIES else ""


class Problem:
    """Base class of a problem family (see the module docstring)."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    source: ClassVar[str] = ""
    Params: ClassVar[type[BaseModel]]
    template: ClassVar[str] = _PackagedTemplate()  # type: ignore[assignment]
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

    @classmethod
    def declared_theorems(cls) -> tuple:
        """The theorem-table rows of this family: the ``THEOREMS`` tuple of the module that
        defines the class (:class:`mdlp.theorems.Theorem` data), those whose ``family`` is
        this ``kind``.  A family defined elsewhere may override this."""
        module = sys.modules.get(cls.__module__)
        return tuple(t for t in getattr(module, "THEOREMS", ()) if t.family == cls.kind)

    # Hooks ------------------------------------------------------------------------------
    def size_estimate(self) -> tuple[float, float, float] | None:
        """``(rows, cols, nonzeros)`` of :meth:`build` without building it, for the size
        guard (:mod:`mdlp.sizing`); ``None`` (the default) lets the guard extrapolate from
        trial builds on small grids."""
        return None

    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """Solve the built LP; families with lazy constraints override this."""
        return backend.solve(lp)

    def optimality_certificate(self, lp: LinearProgram, sol: Solution):
        """Dual feasibility and primal-dual gap of the LP that ``sol`` solves, recomputed
        from the arrays (:mod:`solvers.certificate`).  The LP is the one the solution
        carries (``sol.lp``: the last LP solved, with any rows added by row generation),
        else ``lp``.  A family whose result is not the optimum of one LP overrides this
        and says so in the certificate's message."""
        from solvers.certificate import optimality_certificate

        return optimality_certificate(sol.lp if sol.lp is not None else lp, sol)

    #: rounds of exact row generation ``--exact`` runs at most (see exact_verification)
    exact_rounds: ClassVar[int] = 20

    def exact_verification(self, lp: LinearProgram, sol: Solution) -> dict:
        """``mdlp solve --exact``: the LP ``sol`` solves (``sol.lp``, else ``lp``) verified
        in rational arithmetic (:func:`solvers.exact.verify_lp`), then the rows the LP
        leaves out checked exactly at the exact primal (:meth:`exact_omitted_rows`).

        A vertex of the restricted LP may violate a left-out row even where the family's
        own (floating-point) solution does not (the optimum of the restricted LP is then
        right but the vertex is not the full LP's).  So this is row generation in exact
        arithmetic: the violated rows are appended to a copy of the LP, which is solved and
        verified again, until no left-out row is violated.  The dual of the last LP,
        extended by zero, is then an exact dual certificate of the full LP (the argument in
        :mod:`solvers.certificate`).  Returns ``{"verified", "objective" ("p/q"),
        "message"}``."""
        import copy

        from solvers.exact import verify_lp

        final = sol.lp if sol.lp is not None else lp
        added = 0
        for _ in range(self.exact_rounds):
            res = verify_lp(final)
            out = res.to_dict()
            if not res.verified:
                return out
            extra = self.exact_omitted_rows(final, res.x)
            if extra is None:
                if sol.rounds:
                    out["message"] += (
                        "; the rows row generation left out are not checked exactly (the "
                        "certificate's floating-point check covers all of them)"
                    )
                return out
            ok, msg, add_rows = extra
            if ok or add_rows is None:
                out["verified"] = bool(ok)
                if added:
                    msg += f" ({added:,} rows added in exact row generation)"
                out["message"] += "; " + msg
                return out
            if final is lp or final is sol.lp:
                final = copy.deepcopy(final)
            before = final.num_rows
            add_rows(final)
            added += final.num_rows - before
        out["verified"] = False
        out["message"] += f"; exact row generation did not end in {self.exact_rounds} rounds"
        return out

    def exact_omitted_rows(self, lp: LinearProgram, x):
        """Check, exactly, the constraints the solved LP stands for but does not contain
        (e.g. IC pairs left to row generation) at the exact primal ``x`` (a list of
        fractions, one per column of ``lp``).  Returns ``(ok, what was checked, add_rows)``
        where ``add_rows(lp)`` appends the violated rows (or is ``None``), or ``None`` when
        the LP contains every constraint of the problem (the default)."""
        return None

    def write_plots(self, result, directory) -> list:
        """Write pictures of ``result`` into ``directory`` (``mdlp solve --out``) when the
        ``plot`` extra is installed; the default draws nothing."""
        return []
