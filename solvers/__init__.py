"""Sparse linear programs and the backends that solve them.

Knows sparse matrices, nothing about auctions.  ``get_backend("highs" | "cvxpy" |
"scipy", **options)`` returns an object with ``solve(lp) -> Solution``.
"""

from solvers.lp import INF, Block, LinearProgram
from solvers.result import STATUSES, Solution, SolverError
from solvers.rowgen import RowGenerationResult, solve_with_row_generation

BACKENDS = ("highs", "cvxpy", "scipy")


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
    raise ValueError(f"unknown backend {name!r}; choose one of {BACKENDS}")


__all__ = [
    "BACKENDS",
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
