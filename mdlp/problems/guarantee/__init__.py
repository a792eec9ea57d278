"""Revenue guarantees with a (correlated) common prior (Yamashita 2018) and the VCG /
Clarke pivot mechanism (Makarin 2021): family ``revenue_guarantee``.

``problem``         the parameters, the registered class (dispatch by ``mechanism``), the
                    closed forms and the theorem table;
``common``          the discretized prior, the profile grid and the shared result table;
one module per mechanism, each with ``build(prob)`` and ``interpret(prob, lp, sol)``:
``second_price``, ``efficient``, ``theta_public``, ``dominant``, ``no_information``,
``sequential``.
"""

from mdlp.problems.guarantee.problem import (
    CORRELATED_PMF,
    THEOREMS,
    GuaranteeParams,
    RevenueGuarantee,
)
from mdlp.problems.guarantee.second_price import clarke_payments, efficient_split

__all__ = [
    "CORRELATED_PMF",
    "THEOREMS",
    "GuaranteeParams",
    "RevenueGuarantee",
    "clarke_payments",
    "efficient_split",
]
