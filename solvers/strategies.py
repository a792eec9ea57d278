"""Solver strategies: how a sequence of solves of one (growing) LP is run, as options of
the solver layer rather than code inside a problem family.

A problem family *chooses* a strategy (it knows the shape of its LP: a large first solve,
many warm re-solves with dense cut rows ...); the strategy *runs* on whichever backend is
configured and says what it did in ``Solution.strategy`` (``mdlp`` copies it into the
result's ``solver`` field).  A family never talks to a solver library directly.

Strategies (each a small immutable object; combine them with :func:`with_strategy`):

``IpmThenSimplex(min_size=0)``
    the first solve by an interior-point method (with crossover, so a basis exists), the
    warm re-solves of row generation by dual simplex from that basis with presolve off.
    On a large first LP an interior-point method is usually much faster than simplex,
    while re-solves after a few added rows are fastest from a basis.  Applied only when
    the backend leaves the method to the solver (``method: auto``) and the LP has at least
    ``min_size`` columns; otherwise the backend runs as configured.
``ColdRetry()``
    when a warm re-solve ends without an answer the solver can vouch for (status
    ``numerical_trouble`` or ``error``), drop the warm start and solve that round once
    more from scratch before giving up.
``NoCrossover(dual=False, min_size=0)``
    interior point without crossover: a point inside the optimal face and its duals, no
    basis (where a vertex is not needed and crossover dominates the time); ``dual=True``
    on the dual LP; only for ``method: auto`` and LPs of at least ``min_size`` columns.
``IpmCrossover(dual=False, min_size=0)``
    interior point followed by crossover: a vertex solution, as simplex gives, without
    simplex's long walk over a degenerate optimal face; ``dual=True`` on the dual LP; only
    for ``method: auto`` and LPs of at least ``min_size`` columns.
``NoPresolve()``
    presolve off (for LPs whose presolve reductions cost more than they save, or where a
    presolved model loses the warm start).

Backends.  With HiGHS (``solvers.highs``) the options are set on the live model between
solves.  A backend without a live model (``scipy``, ``cvxpy``, ``clarabel``) re-solves
from scratch anyway: method and presolve switches it does not know are skipped and
``Solution.strategy`` says so, a cold retry is a second solve.
"""

from __future__ import annotations

from dataclasses import dataclass

from solvers.lp import LinearProgram
from solvers.result import Solution

#: statuses after which :class:`ColdRetry` tries the round again from scratch
RETRY_STATUSES = ("numerical_trouble", "error")

# solver-neutral option names -> HiGHS option names and values
_HIGHS = {
    "method": ("solver", {"ipm": "ipm", "simplex": "simplex", "auto": "choose", "pdlp": "pdlp"}),
    "presolve": ("presolve", {"on": "on", "off": "off", "choose": "choose"}),
    "crossover": ("run_crossover", {True: "on", False: "off"}),
    "dualize": ("ipx_dualize_strategy", {True: 1, False: 0}),
}


def _set_options(session, **options) -> bool:
    """Set neutral ``options`` (method / presolve / crossover) on a live session; ``False``
    when the session has no settable model (the options are then skipped)."""
    h = getattr(session, "h", None)
    if h is None or not hasattr(h, "setOptionValue"):
        return False
    for key, value in options.items():
        name, values = _HIGHS[key]
        h.setOptionValue(name, values[value])
    return True


def _clear(session) -> bool:
    """Forget the warm start of a live session (``False`` if it has none)."""
    h = getattr(session, "h", None)
    if h is None or not hasattr(h, "clearSolver"):
        return False
    h.clearSolver()
    return True


class _Cold:
    """A session for a backend without one: every solve is a cold solve of ``lp``."""

    def __init__(self, backend, lp):
        self.backend, self.lp = backend, lp

    def solve(self) -> Solution:
        return self.backend.solve(self.lp)


@dataclass(frozen=True)
class Strategy:
    """Base class: a strategy adapts a session (the live model of one LP) through three
    hooks; the defaults do nothing."""

    name = "default"

    def applies(self, backend, lp: LinearProgram) -> bool:
        """Whether the strategy is used for this backend and LP."""
        return True

    def before_first(self, session) -> str | None:
        """Called before the first solve; returns a note, or ``None`` if nothing was done."""
        return None

    def after_first(self, session) -> None:
        """Called after the first solve (before the warm re-solves)."""

    def retry(self, session, sol: Solution) -> bool:
        """Whether to solve this round again (after preparing ``session`` for it)."""
        return False


@dataclass(frozen=True)
class IpmThenSimplex(Strategy):
    """First solve by interior point (with crossover), re-solves by simplex without
    presolve; only for ``method: auto`` backends and LPs of at least ``min_size``
    columns."""

    min_size: int = 0
    name = "ipm, then simplex warm"

    def applies(self, backend, lp):
        return getattr(backend, "method", "auto") == "auto" and lp.num_cols >= self.min_size

    def before_first(self, session):
        return self.name if _set_options(session, method="ipm") else None

    def after_first(self, session):
        _set_options(session, method="simplex", presolve="off")


@dataclass(frozen=True)
class ColdRetry(Strategy):
    """Retry a round whose solve ended ``numerical_trouble`` / ``error`` once, cold."""

    name = "cold retry"

    def before_first(self, session):
        return self.name

    def retry(self, session, sol):
        if sol.ok or sol.status not in RETRY_STATUSES:
            return False
        _clear(session)
        return True


@dataclass(frozen=True)
class NoCrossover(Strategy):
    """Interior point without crossover; ``dual=True`` runs it on the dual LP (helps when
    a few dense columns appear in most rows).  Only for ``method: auto`` backends and LPs
    of at least ``min_size`` columns."""

    dual: bool = False
    min_size: int = 0

    @property
    def name(self) -> str:
        return "ipm on the dual, no crossover" if self.dual else "ipm, no crossover"

    def applies(self, backend, lp):
        return getattr(backend, "method", "auto") == "auto" and lp.num_cols >= self.min_size

    def before_first(self, session):
        opts = {"method": "ipm", "crossover": False} | ({"dualize": True} if self.dual else {})
        return self.name if _set_options(session, **opts) else None


@dataclass(frozen=True)
class IpmCrossover(Strategy):
    """Interior point *with* crossover: the vertex (basic) solution simplex would return,
    reached through the interior.  On large degenerate LPs simplex can spend tens of
    thousands of iterations on the optimal face, while the interior point method gets
    there in a few dozen and crossover then needs a few thousand pivots.  ``dual=True`` runs
    it on the dual LP.  Only for ``method: auto`` backends and LPs of at least ``min_size``
    columns."""

    dual: bool = False
    min_size: int = 0

    @property
    def name(self) -> str:
        return "ipm on the dual, crossover" if self.dual else "ipm, crossover"

    def applies(self, backend, lp):
        return getattr(backend, "method", "auto") == "auto" and lp.num_cols >= self.min_size

    def before_first(self, session):
        opts = {"method": "ipm", "crossover": True} | ({"dualize": True} if self.dual else {})
        return self.name if _set_options(session, **opts) else None


@dataclass(frozen=True)
class NoPresolve(Strategy):
    """Presolve off."""

    name = "presolve off"

    def before_first(self, session):
        return self.name if _set_options(session, presolve="off") else None


class _StrategySession:
    def __init__(self, backend: StrategyBackend, lp: LinearProgram):
        inner = backend.inner
        self.inner = inner.session(lp) if getattr(inner, "incremental", False) else _Cold(inner, lp)
        self.active = [s for s in backend.strategies if s.applies(inner, lp)]
        self.notes: list[str] = []
        for s in self.active:
            note = s.before_first(self.inner)
            if note:
                self.notes.append(note)
        skipped = [s.name for s in self.active if s.name not in self.notes]
        if skipped:
            name = getattr(inner, "name", type(inner).__name__)
            self.notes.append(f"{', '.join(skipped)}: not applicable to backend {name}")
        self.solves = 0
        self.retries = 0

    def solve(self) -> Solution:
        sol = self.inner.solve()
        if any(s.retry(self.inner, sol) for s in self.active):  # once per round
            self.retries += 1
            sol = self.inner.solve()
        if self.solves == 0:
            for s in self.active:
                s.after_first(self.inner)
        self.solves += 1
        notes = list(self.notes)
        if self.retries:
            notes.append(f"{self.retries} cold retr{'y' if self.retries == 1 else 'ies'}")
        sol.strategy = "; ".join(notes)
        return sol


class StrategyBackend:
    """A backend run under strategies: same ``name``, ``incremental`` and ``method`` as
    the configured backend it wraps (``inner``), ``session(lp)`` / ``solve(lp)`` as every
    backend has."""

    def __init__(self, inner, strategies):
        self.inner = inner
        self.strategies = tuple(strategies)
        self.name = getattr(inner, "name", "")
        self.method = getattr(inner, "method", "")
        self.incremental = True  # a session object is always available (maybe cold)

    def __getattr__(self, item):  # everything else is the configured backend's
        return getattr(self.inner, item)

    def session(self, lp: LinearProgram) -> _StrategySession:
        return _StrategySession(self, lp)

    def solve(self, lp: LinearProgram) -> Solution:
        return self.session(lp).solve()


def with_strategy(backend, *strategies: Strategy):
    """``backend`` run under ``strategies`` (in order); the backend itself when none is
    given.  The result solves LPs like any backend and fills ``Solution.strategy``."""
    strategies = tuple(s for s in strategies if s is not None)
    if not strategies:
        return backend
    if isinstance(backend, StrategyBackend):
        return StrategyBackend(backend.inner, backend.strategies + strategies)
    return StrategyBackend(backend, strategies)
