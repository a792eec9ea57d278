"""Problem families.  Importing this package registers every family module listed here."""

from mdlp.problems import (  # noqa: F401
    bayesian_auction,
    bayesian_pricing,
    externality,
    guarantee,
    information,
    markov,
    myerson,
    regret,
)
from mdlp.problems.base import REGISTRY, Interpretation, Problem, TheoryValue, get_family

__all__ = ["REGISTRY", "Interpretation", "Problem", "TheoryValue", "get_family"]
