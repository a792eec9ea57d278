"""Minimax regret (Koçyiğit (2020), Distributional Robustness in Mechanism Design, chapters
2 and 3): one file per family and the saddle-point algorithm beside them.

``pricing``   ``regret_pricing``: one buyer, J items, the LP (2.6) and its dual (2.7);
``auction``   ``regret_auction``: I bidders, J items, dominant-strategy IC;
``saddle``    the saddle-point certificate of multi-item pricing (Theorem 2.3.2's proof
              on the grid, with type generation for nature);
``common``    the menu LP without IC, and the Bayesian-profit LP that checks its dual.

Importing this package imports neither family; ``from mdlp.problems.regret import
RegretPricing`` (or any name below) imports only the module that defines it.
"""

from __future__ import annotations

from importlib import import_module

_NAMES = {
    "RegretPricing": "pricing",
    "RegretPricingParams": "pricing",
    "add_ic_rows": "pricing",
    "RegretAuction": "auction",
    "RegretAuctionParams": "auction",
    "bayesian_profit": "common",
    "pricing_lp": "common",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(import_module(f"{__name__}.{_NAMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
