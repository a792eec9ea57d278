"""Finite type spaces: 1-D axes, product spaces and priors discretized onto them.

This package knows numpy and scipy.stats and nothing about linear programs.
"""

from grids.axis import PLACEMENTS, Axis
from grids.priors import Prior, continuous_prior, pmf_prior
from grids.space import ProductSpace

__all__ = ["PLACEMENTS", "Axis", "Prior", "ProductSpace", "continuous_prior", "pmf_prior"]
