"""Auctions of digital goods with allocative externalities (Rui 2020): the family
``externality_auction``, one file per formulation.

``params``      the parameters and the choice of formulation
``layout``      the profile grid: axes, own/others split, utility coefficients
``expost``      the full LP over ex-post allocations (bayesian or dominant IC)
``marginal``    two bidders, Setting 1: the LP over interim marginals with Border cuts
``reduced``     Setting 2 revenue: Proposition 3.3.4's one-dimensional reduction
``theory_map``  which closed forms of :mod:`mdlp.theory.externality` apply
``problem``     the registered class and its theorem-table rows (``THEOREMS``)
"""

from mdlp.problems.externality.layout import Layout, comp_name, theory_inputs
from mdlp.problems.externality.params import SOURCE, ExternalityParams
from mdlp.problems.externality.problem import THEOREMS, ExternalityAuction, theory_module

_theory_inputs = theory_inputs  # the name used before the package split

__all__ = [
    "SOURCE",
    "THEOREMS",
    "ExternalityAuction",
    "ExternalityParams",
    "Layout",
    "comp_name",
    "theory_inputs",
    "theory_module",
]
