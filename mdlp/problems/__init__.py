"""Problem families.

The family modules are imported on demand: :func:`get_family` imports one family's module,
and the first access to ``mdlp.problems.REGISTRY`` (or :func:`load_all`) imports every family
listed in :data:`mdlp.families.FAMILIES` (add a new family there: one line).  So a solve
loads only the family it solves.
"""

from __future__ import annotations

from importlib import import_module

from mdlp.problems.base import Interpretation, Problem, TheoryValue, get_family

__all__ = ["REGISTRY", "Interpretation", "Problem", "TheoryValue", "get_family", "load_all"]


def load_all() -> dict:
    """Import every family module of the catalogue; returns the filled registry."""
    from mdlp.families import FAMILIES
    from mdlp.problems import base

    for module in dict.fromkeys(f.module for f in FAMILIES.values()):
        import_module(module)
    return base.REGISTRY


def __getattr__(name: str):
    if name == "REGISTRY":
        return load_all()
    raise AttributeError(f"module 'mdlp.problems' has no attribute {name!r}")
