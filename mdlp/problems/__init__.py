"""Problem families.  Importing this package registers every family module listed here."""

from mdlp.problems import guarantee, information, markov, myerson, regret  # noqa: F401
from mdlp.problems.base import REGISTRY, Interpretation, Problem, TheoryValue, get_family

__all__ = ["REGISTRY", "Interpretation", "Problem", "TheoryValue", "get_family"]
