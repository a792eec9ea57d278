"""An incentive/feasibility checker written for the tests, independently of the library.

It reads only a result's mechanism table (the ``mechanism`` DataFrame every family returns,
i.e. what a user sees in ``mechanism.parquet``), rebuilds each agent's utility of every
report from the table's own columns, and returns the largest violation of

- ``ic``: utility of some misreport minus the utility of the truth, over *all* pairs of
  types (ex post for each profile of the others, or interim under the table's ``prob``);
- ``ir``: minus the truthful utility (or its shortfall below the outside option);
- ``supply``: ``sum_i q_i - 1``, ``-q`` and ``q - 1``.

Nothing here imports ``mdlp``: the grouping is by plain dictionaries and the utilities are
written out from the definitions, so a bug in the library's certificate code (its chunked
all-pairs scans, its orbit bookkeeping) cannot hide in the same bug here.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np


def _pairs_gain(u: np.ndarray) -> float:
    """``u[t, s]`` = utility of type ``t`` reporting ``s``: largest ``u[t, s] - u[t, t]``."""
    truth = np.diag(u)[:, None]
    return float(np.max(u - truth))


def one_buyer(values: np.ndarray, q: np.ndarray, m: np.ndarray) -> dict[str, float]:
    """One buyer, additive utility: ``values`` (T, J) types, ``q`` (T, J) allocation
    probabilities, ``m`` (T,) payments.  IC over all T x T pairs, IR, 0 <= q <= 1."""
    values, q, m = (np.asarray(a, float) for a in (values, q, m))
    u = values @ q.T - m[None, :]
    return {
        "ic": max(0.0, _pairs_gain(u)),
        "ir": max(0.0, float(-np.diag(u).min())),
        "supply": max(0.0, float(np.max(-q)), float(np.max(q - 1))),
    }


def _supply(Q: np.ndarray) -> float:
    return max(0.0, float(np.max(Q.sum(axis=1) - 1)), float(np.max(-Q)), float(np.max(Q - 1)))


def ex_post(V: np.ndarray, Q: np.ndarray, M: np.ndarray) -> dict[str, float]:
    """One good, ``n`` bidders, ex-post (dominant-strategy) IC and ex-post IR.  Rows are
    value profiles: ``V``, ``Q``, ``M`` are (rows, n).  For each bidder and each profile of
    the others, every own type is compared with every own report."""
    V, Q, M = (np.asarray(a, float) for a in (V, Q, M))
    n = V.shape[1]
    ic = 0.0
    for i in range(n):
        groups = defaultdict(list)
        for row in range(V.shape[0]):
            groups[tuple(np.delete(V[row], i))].append(row)
        for rows in groups.values():
            own = V[rows, i]
            u = own[:, None] * Q[rows, i][None, :] - M[rows, i][None, :]
            ic = max(ic, _pairs_gain(u))
    ir = float(-(V * Q - M).min())
    return {"ic": max(0.0, ic), "ir": max(0.0, ir), "supply": _supply(Q)}


def interim(V: np.ndarray, Q: np.ndarray, P: np.ndarray, M_interim: np.ndarray) -> dict:
    """One good, ``n`` independent bidders, Bayesian IC and interim IR.  ``P`` (rows,) is
    the probability of each profile; bidder ``i``'s interim allocation at own value ``x``
    is ``sum P q_i / sum P`` over the rows with ``V[:, i] == x``; ``M_interim`` (rows, n)
    is each row's interim payment of bidder ``i`` (constant over the rows of one own
    value, which is checked too)."""
    V, Q, P, M = (np.asarray(a, float) for a in (V, Q, P, M_interim))
    n = V.shape[1]
    ic, ir, spread = 0.0, 0.0, 0.0
    for i in range(n):
        levels = sorted(set(V[:, i]))
        qbar, mbar = [], []
        for x in levels:
            rows = V[:, i] == x
            qbar.append(float((P[rows] * Q[rows, i]).sum() / P[rows].sum()))
            mbar.append(float(M[rows, i].mean()))
            spread = max(spread, float(np.ptp(M[rows, i])))
        x, qb, mb = np.array(levels), np.array(qbar), np.array(mbar)
        u = x[:, None] * qb[None, :] - mb[None, :]
        ic = max(ic, _pairs_gain(u))
        ir = max(ir, float(-np.diag(u).min()))
    return {
        "ic": max(0.0, ic),
        "ir": max(0.0, ir),
        "supply": _supply(Q),
        "interim_payment_spread": spread,
    }


def worst(check: dict[str, float]) -> float:
    """The largest of a checker's violations."""
    return max(check.values())


def _stack(df, names):
    return np.column_stack([df[c].to_numpy(float) for c in names])


def from_table(kind: str, df) -> dict[str, float] | None:
    """The checks above applied to a family's mechanism table, chosen by its columns;
    ``None`` where the table is not a one-good auction or a one-buyer menu (externality
    and information mechanisms, correlated or restricted revenue_guarantee modes)."""
    cols = set(df.columns)
    if kind in ("regret_pricing", "bayesian_pricing"):
        J = sum(1 for c in cols if c.startswith("v") and c[1:].isdigit())
        names = [f"v{j + 1}" for j in range(J)]
        return one_buyer(_stack(df, names), _stack(df, [f"q{j + 1}" for j in range(J)]), df["m"])
    if kind == "regret_auction":
        if not {"v1_1", "q1_1", "m1"} <= cols or "v1_2" in cols:
            return None
        n = sum(1 for c in cols if c.startswith("v") and c.endswith("_1"))
        V = _stack(df, [f"v{i + 1}_1" for i in range(n)])
        return ex_post(
            V,
            _stack(df, [f"q{i + 1}_1" for i in range(n)]),
            _stack(df, [f"m{i + 1}" for i in range(n)]),
        )
    if kind not in ("myerson_auction", "markov_auction", "revenue_guarantee"):
        return None
    n = sum(1 for c in cols if c.startswith("q") and c[1:].isdigit())
    V = _stack(df, [f"v{i + 1}" for i in range(n)])
    Q = _stack(df, [f"q{i + 1}" for i in range(n)])
    if "M1_interim" in cols:
        return interim(V, Q, df["prob"], _stack(df, [f"M{i + 1}_interim" for i in range(n)]))
    if "m1" not in cols:
        return None
    return ex_post(V, Q, _stack(df, [f"m{i + 1}" for i in range(n)]))
