"""The catalogue of problem families, readable without importing any of them.

``mdlp list`` and ``mdlp template KIND`` answer from this table and from the starter
configs shipped as package data (``mdlp/templates/<kind>.yaml``), so they start in a
fraction of the time it takes to import numpy, pandas and the solvers.

Registering a new family is one line in :data:`FAMILIES` (kind -> module, title,
references), next to its module in ``mdlp/problems/`` (a :class:`mdlp.problems.base.Problem`
subclass decorated with ``@register``) and its starter config ``mdlp/templates/<kind>.yaml``.
``mdlp.problems`` imports every module listed here; a test checks that this table agrees
with the registered classes.
"""

from __future__ import annotations

from importlib import resources
from typing import NamedTuple


class Family(NamedTuple):
    """Where a family lives and how ``mdlp list`` describes it (``title``, ``source`` are
    the class attributes of the same names)."""

    module: str
    title: str
    source: str


# kind -> Family(module, title, references).  One line per family.
FAMILIES: dict[str, Family] = {
    "bayesian_auction": Family("mdlp.problems.bayesian_auction", "Multi-bidder multi-dimensional Bayesian auction (BIC/Border or DSIC)", "Myerson (1981); Border (1991); Pavlov (2011); Kushnir and Michelson (2022, arXiv 2207.01664)"),  # noqa: E501
    "bayesian_pricing": Family("mdlp.problems.bayesian_pricing", "Bayesian multi-item pricing (one buyer, independent values)", "Manelli and Vincent (2006), Bundling as an optimal selling mechanism for a multiple-good monopolist; Myerson (1981), Optimal Auction Design"),  # noqa: E501
    "bilateral_trade": Family("mdlp.problems.bilateral_trade", "Bilateral trade: one buyer, one seller, budget balance (BIC, interim IR)", 'Myerson and Satterthwaite (1983), "Efficient mechanisms for bilateral trading", J. Econ. Theory 29'),  # noqa: E501
    "externality_auction": Family("mdlp.problems.externality", "Digital goods with allocative externalities (settings 1 and 2)", "Rui (2020), Auctions of Digital Goods with Externalities"),  # noqa: E501
    "information_selling": Family("mdlp.problems.information", "Obedient information selling to competing buyers (binary state)", "Nouripour (2021), Selling Information in Competitive Environments"),  # noqa: E501
    "markov_auction": Family("mdlp.problems.markov", "Distributionally robust auction, Markov ambiguity (one good)", "Koçyiğit (2020), Distributional Robustness in Mechanism Design"),  # noqa: E501
    "myerson_auction": Family("mdlp.problems.myerson", "Myerson's optimal auction (IPV, one good)", "Makarin (2021), From Auctions to Mechanism Design"),  # noqa: E501
    "regret_auction": Family("mdlp.problems.regret.auction", "Minimax-regret multi-bidder multi-item auction", "Koçyiğit (2020), Distributional Robustness in Mechanism Design"),  # noqa: E501
    "regret_pricing": Family("mdlp.problems.regret.pricing", "Minimax-regret multi-item pricing (one buyer)", "Koçyiğit (2020), Distributional Robustness in Mechanism Design"),  # noqa: E501
    "revenue_guarantee": Family("mdlp.problems.guarantee", "Revenue guarantees with a correlated common prior (second price, VCG, bounds)", "Yamashita (2018), Revenue guarantees in auctions with a (correlated) common prior and additional information; Makarin (2021), From Auctions to Mechanism Design"),  # noqa: E501
}


def read_template(kind: str) -> str:
    """The commented starter config of family ``kind`` (``mdlp template KIND``).

    Raises ``KeyError`` for an unknown kind and ``FileNotFoundError`` when a listed family
    ships no ``mdlp/templates/<kind>.yaml``.
    """
    if kind not in FAMILIES:
        raise KeyError(kind)
    return resources.files("mdlp").joinpath("templates", f"{kind}.yaml").read_text()
