"""Sparse linear programs and the backends that solve them.

Knows sparse matrices, nothing about auctions.  ``get_backend(name, **options)`` returns an
object with ``solve(lp) -> Solution``; the backends and what each is independent of:

``highs``     HiGHS through highspy (simplex, IPM, PDLP; MIP).  The default, and the only
              incremental backend (row generation re-solves warm on one model).
``scipy``     ``scipy.optimize.linprog(method="highs")``: HiGHS again, through SciPy's copy
              and bindings.  It checks the adapters (bounds, row senses, dual signs), not
              the optimum.
``cvxpy``     the LP as a cvxpy problem, solved by whatever solver it is given
              (``solver="..."``); the default is HiGHS, so by default it too is HiGHS.
              With ``solver="CLARABEL"`` (or ``"SCS"``) it is independent of HiGHS.
``clarabel``  Clarabel, an interior-point conic solver written in Rust (it ships with
              cvxpy), called directly with tight tolerances.  Algorithm and code share
              nothing with HiGHS: this is the independent check, and the one the test
              suite compares every family against.  LPs only (no integer columns).

Every backend returns duals in the one sign convention of :mod:`solvers.lp`, and only
statuses listed in :data:`STATUSES`.  A backend that cannot honour an option raises
:class:`BackendOptionError` naming it.
"""

from solvers.lp import INF, Block, LinearProgram
from solvers.result import STATUSES, BackendOptionError, Solution, SolverError
from solvers.rowgen import RowGenerationResult, solve_with_row_generation

BACKENDS = ("highs", "cvxpy", "scipy", "clarabel")


def get_backend(name: str = "highs", **options):
    """A solver backend by name; ``options`` are the backend's constructor arguments."""
    if name == "highs":
        from solvers.highs import HighsBackend

        return HighsBackend(**options)
    if name == "cvxpy":
        from solvers.cvxpy_backend import CvxpyBackend

        return CvxpyBackend(**options)
    if name == "scipy":
        from solvers.scipy_backend import ScipyBackend

        return ScipyBackend(**options)
    if name == "clarabel":
        from solvers.clarabel_backend import ClarabelBackend

        return ClarabelBackend(**options)
    raise ValueError(f"unknown backend {name!r}; choose one of {BACKENDS}")


__all__ = [
    "BACKENDS",
    "BackendOptionError",
    "INF",
    "Block",
    "LinearProgram",
    "RowGenerationResult",
    "STATUSES",
    "Solution",
    "SolverError",
    "get_backend",
    "solve_with_row_generation",
]
