"""The rows of the theorem table as data.

A family declares its rows in its module as ``THEOREMS = (Theorem(...), ...)``;
:func:`mdlp.compare.theorems` collects them through
:meth:`mdlp.problems.base.Problem.declared_theorems`.  This module imports nothing from the
families or from :mod:`mdlp.compare`, so a family can import it at the top.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from mdlp.problems.base import RELATIONS

__all__ = ["Theorem"]


@dataclass(frozen=True)
class Theorem:
    """A closed form checked on a short grid sequence.

    ``relation`` (required, one of :data:`mdlp.problems.base.RELATIONS`) is what the row
    proves, and the table counts rows per relation:

    - ``equal`` (``mode="exact"`` only): on every grid the LP optimum equals the family's
      grid-exact closed form -- the row proves an optimum;
    - ``upper`` / ``lower`` (``mode="converge"``: ``direction`` ``"below"`` / ``"above"``;
      or ``mode="exact"`` with a bound as the family's judged value): the closed form
      bounds the LP value on every grid of the sequence (from above / below) and, in
      converge mode, the gap shrinks to zero at fitted order ``>= min_order``: a bound
      that is tight in the limit, not an optimum on any grid;
    - ``evaluation``: the row's config fixes the mechanism (the solve's status is
      ``evaluated``); the value of that mechanism matches the closed form on every grid
      (exact mode) or converges to it with the sign ``direction`` (converge mode).

    In both modes every grid must also satisfy the family's judged closed form for that
    grid (its first non-limit theory value, shown in the ``per_grid`` column), and the
    row fails when the solve's scope contradicts ``relation``.
    """

    key: str
    family: str
    source: str
    parameters: str
    config: dict
    grids: Sequence[int | None]
    mode: Literal["exact", "converge"] = "converge"
    relation: str = ""
    target: str | None = None
    min_order: float = 0.8
    direction: Literal["above", "below"] | None = None
    notes: str = ""
    overrides: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self):
        if self.relation not in RELATIONS:
            raise ValueError(f"theorem {self.key!r}: relation must be one of {RELATIONS}")
        if self.mode == "converge" and self.direction is None:
            raise ValueError(f"theorem {self.key!r}: a convergence row needs a direction")
        if self.relation == "equal" and self.mode != "exact":
            raise ValueError(
                f"theorem {self.key!r}: a convergence row proves a bound on each grid "
                "(relation upper or lower), not an equality"
            )
        want = {"upper": "below", "lower": "above"}.get(self.relation)
        if self.mode == "converge" and want and self.direction != want:
            raise ValueError(
                f"theorem {self.key!r}: relation {self.relation} needs direction {want!r}"
            )
