"""Finite type spaces: 1-D axes, product spaces and priors discretized onto them.

This package knows numpy and scipy.stats and nothing about linear programs.  The priors
(``Prior``, ``continuous_prior``, ``pmf_prior``) load ``scipy.stats`` only for a law that
needs it: uniform laws and pmfs are discretized without it.
"""

from grids.axis import PLACEMENTS, Axis
from grids.space import ProductSpace

__all__ = ["PLACEMENTS", "Axis", "Prior", "ProductSpace", "continuous_prior", "pmf_prior"]

_PRIORS = ("Prior", "continuous_prior", "pmf_prior")


def __getattr__(name: str):
    if name in _PRIORS:
        from grids import priors

        return getattr(priors, name)
    raise AttributeError(f"module 'grids' has no attribute {name!r}")
