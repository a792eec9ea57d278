"""Lazy constraints: solve, ask a separation oracle for violated rows, add them, re-solve
warm on the same solver object, and stop only when the oracle certifies *all* its rows.

Progress: each round is reported to the ``progress`` callback, or, when none is given, to
the one installed by :func:`reporting` (how the command line shows a status line for every
family that uses row generation, without each family passing it along).

The oracle is a callable ``separate(solution, lp) -> float``.  It must scan every
constraint it stands for (in vectorized chunks), append the violated ones to ``lp`` with
``lp.add_constraints(name, ..., append=True)`` and return the largest violation it found
over all of them, so the violation returned for the final solution is a certificate over
the full constraint set.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from solvers.lp import LinearProgram
from solvers.result import Solution

_PROGRESS: contextvars.ContextVar[Callable[[dict], None] | None] = contextvars.ContextVar(
    "rowgen_progress", default=None
)


@contextmanager
def reporting(progress: Callable[[dict], None] | None) -> Iterator[None]:
    """Within the block, every :func:`solve_with_row_generation` not given its own
    ``progress`` reports each round to ``progress`` (a dict: round, rows, added, objective,
    violation, solve_s, separate_s, iterations)."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)


@dataclass
class RowGenerationResult:
    solution: Solution
    rounds: int
    rows_added: int
    certificate: float  # the oracle's largest violation at the final solution
    history: list[dict] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return self.solution.ok and self.certificate <= self.tol

    tol: float = 1e-9


def solve_with_row_generation(
    lp: LinearProgram,
    separate: Callable[[Solution, LinearProgram], float],
    backend,
    *,
    tol: float = 1e-9,
    max_rounds: int = 200,
    progress: Callable[[dict], None] | None = None,
) -> RowGenerationResult:
    """Row generation around ``backend`` (warm re-solves if it is incremental, cold
    re-solves of the grown LP otherwise, e.g. with the ``clarabel`` backend).

    Returns the last solution with ``rounds`` and ``rows_added`` filled in.  Stops when
    the oracle's violation is ``<= tol``, when a solve is not optimal, when the oracle
    adds nothing although it reports a violation (status ``error``), or after
    ``max_rounds`` (status ``iteration_limit``).
    """
    if progress is None:
        progress = _PROGRESS.get()
    session = backend.session(lp) if getattr(backend, "incremental", False) else None
    rows0 = lp.num_rows
    history: list[dict] = []
    viol = float("inf")
    sol = None
    for rnd in range(1, max_rounds + 1):
        t0 = time.perf_counter()
        sol = session.solve() if session is not None else backend.solve(lp)
        solve_s = time.perf_counter() - t0
        if not sol.ok:
            break
        before = lp.num_rows
        t1 = time.perf_counter()
        viol = float(separate(sol, lp))
        entry = {
            "round": rnd,
            "rows": before,
            "added": lp.num_rows - before,
            "objective": sol.objective,
            "violation": viol,
            "solve_s": solve_s,
            "separate_s": time.perf_counter() - t1,
            # simplex/IPM iterations of this round's solve: a warm re-solve that stays warm
            # needs a few per added row, a cold one thousands
            "iterations": int(sum((sol.iterations or {}).values())),
        }
        history.append(entry)
        if progress is not None:
            progress(entry)
        if viol <= tol:
            break
        if lp.num_rows == before:
            sol.status = "error"
            sol.message = f"separation reported violation {viol:.3g} but added no rows"
            break
    else:
        sol.status = "iteration_limit"
        sol.message = f"row generation did not converge in {max_rounds} rounds"
    if sol is not None and sol.ok and sol.y_flat is not None and sol.y_flat.size < lp.num_rows:
        # the last round added rows although the point violates none by more than ``tol``
        # (e.g. cuts near violation): the point is kept, and a zero dual on each new row
        # makes its duals those of the grown LP (stationarity and the dual objective are
        # unchanged), so a certificate recomputed on ``lp`` sees every row
        pad = np.zeros(lp.num_rows - sol.y_flat.size)
        sol.y_flat = np.concatenate([np.asarray(sol.y_flat, dtype=np.float64), pad])
        sol.dual = lp.split_rows(sol.y_flat)
    sol.rounds = len(history)
    sol.rows_added = lp.num_rows - rows0
    sol.solve_s = sum(h["solve_s"] for h in history) if history else sol.solve_s
    res = RowGenerationResult(sol, len(history), lp.num_rows - rows0, viol, history)
    res.tol = tol
    return res
