"""Supply rows: at every profile the agents' allocations of a good add up to at most the
supply (or exactly the supply, for an efficient or always-allocating rule)."""

from __future__ import annotations

import numpy as np

from solvers import LinearProgram


def supply_rows(
    lp: LinearProgram, name: str, q, axis: int = 0, supply=1.0, exact: bool = False
) -> np.ndarray:
    """Rows ``sum_i q[..., i, ...] <= supply`` (``= supply`` with ``exact``), summing the
    column-index array ``q`` over the agents' ``axis``; one row per remaining index (a
    profile, or an orbit of profiles).  Returns the row indices, shaped like ``q`` without
    ``axis``."""
    q = np.moveaxis(np.asarray(q), axis, -1)
    lb = supply if exact else -np.inf
    return lp.add_constraints(name, [(q, 1.0)], lb=lb, ub=supply, shape=q.shape[:-1])
