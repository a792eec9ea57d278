"""The mechanism-design constraint builder: family-agnostic pieces that turn type grids and
array data into :class:`solvers.LinearProgram` blocks, whole arrays at a time.

``blocks``       allocation/payment variable blocks (interim or ex post), IC rows over a pair
                 set (ex post per opponent profile, or interim), IR rows (start pair
                 sets: :func:`grids.space.axis_neighbours` / ``box_neighbours``).
``oracle``       one lazy-IC separation oracle (vectorized BLAS chunks, dedupe, the most
                 violated reports per type) that plugs into
                 :func:`solvers.rowgen.solve_with_row_generation`.
``border``       interim feasibility: Border (1991) level-set cuts, separated exactly.
``symmetry``     the symmetric reduction for identical agents.
``flow``         two interim views of one ex-post quantity in [0, 1] (two agents' marginals
                 of x(t_1, t_2)): equal totals and lazy max-flow cuts, separated exactly.
``onedim``       one-dimensional agents: adjacent IC, the envelope form (monotone
                 allocation + payment identity), interim marginal rows, the opponents'
                 pmf, the efficient allocation.
``supply``       supply rows: the agents' allocations at a profile add up to at most one.
``exact``        the rational all-pairs IC check of ``--exact``.
``certificate``  all-pairs IC and exact Border checks, written independently of the row
                 builders and the oracle (a check that shares code with what it checks
                 proves nothing).
"""

from grids.space import axis_neighbours, box_neighbours  # the start pair sets
from mdlp.builder.blocks import ic_rows, ic_rows_utility, interim_blocks, ir_rows, pair_set
from mdlp.builder.border import Candidates, LazyBorder, border_violation_levelsets
from mdlp.builder.certificate import border_certificate, ic_certificate
from mdlp.builder.continuation import refine_pairs
from mdlp.builder.exact import exact_ic_check
from mdlp.builder.flow import LazyFlowCuts, totals_rows
from mdlp.builder.onedim import (
    adjacent_ic,
    efficient_allocation,
    envelope_rows,
    interim_rows,
    ir_lowest,
    joint_pmf,
    monotone_ic,
    others_pmf,
    own_first,
    profile_values,
)
from mdlp.builder.oracle import LazyIC, combine_oracles
from mdlp.builder.supply import supply_rows
from mdlp.builder.symmetry import identical_groups, orbit_blocks, orbit_map

__all__ = [
    "Candidates",
    "adjacent_ic",
    "efficient_allocation",
    "envelope_rows",
    "exact_ic_check",
    "pair_set",
    "interim_rows",
    "ir_lowest",
    "joint_pmf",
    "monotone_ic",
    "others_pmf",
    "own_first",
    "profile_values",
    "LazyBorder",
    "LazyIC",
    "axis_neighbours",
    "border_certificate",
    "border_violation_levelsets",
    "box_neighbours",
    "combine_oracles",
    "ic_certificate",
    "ic_rows",
    "ic_rows_utility",
    "identical_groups",
    "interim_blocks",
    "ir_rows",
    "supply_rows",
    "orbit_blocks",
    "orbit_map",
    "refine_pairs",
    "LazyFlowCuts",
    "totals_rows",
]
