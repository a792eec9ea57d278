"""Interim feasibility by Border's level-set cuts, separated exactly and lazily.

Agents ``i = 1..N`` with independent types; ``a_i(t)`` is the interim probability that
agent ``i`` of type ``t`` gets a good of supply one, ``f_i`` the type masses.  An interim
rule is implementable by an ex-post allocation if and only if (Border 1991, "Implementation
of reduced form auctions: a geometric approach", Econometrica; the asymmetric form by
Mierendorff 2011 and Che, Kim and Mierendorff 2013, "Generalized reduced-form auctions")

    sum_i sum_{t in S_i} f_i(t) a_i(t)  <=  1 - prod_i (1 - F_i(S_i))   for all S_i,

with ``F_i(S) = sum_{t in S} f_i(t)`` (the probability that some agent with type in her set
gets the good is at most the probability that some agent has such a type).

Exact separation.  Fix every set but ``S_i``; the violation is
``sum_{t in S_i} f_i(t) (a_i(t) - theta_i) + const`` with ``theta_i = prod_{k != i}
(1 - F_k(S_k))``, maximal at the upper level set ``{a_i > theta_i}``.  Replacing the sets
of a maximizer one by one by such level sets never lowers the violation, so

* identical agents with one symmetric ``a`` (N copies): the upper level sets of ``a``
  (Border 1991's symmetric theorem): sort once, check every prefix;
* two agents: every prefix of agent 1's order with agent 2's best level set
  ``{a_2 > 1 - F_1(S_1)}`` (found by one ``searchsorted``) -- exact;
* ``N >= 3`` asymmetric agents: every tuple of prefixes of agents ``1..N-1`` with the
  last agent's best level set -- exact, and affordable only while the product of the
  first ``N - 1`` grid sizes is moderate (``ENUMERATION_LIMIT``).

(Prefixes that split a group of tied ``a`` values are valid sets too; they never beat the
whole group, since the violation is convex in the included mass of a tie group.)
"""

from __future__ import annotations

import numpy as np

from solvers import LinearProgram, Solution

ENUMERATION_LIMIT = 20_000_000


def _prefix_tables(a, f):
    order = np.argsort(-a, kind="stable")
    cA = np.concatenate([[0.0], np.cumsum(f[order] * a[order])])
    cF = np.concatenate([[0.0], np.cumsum(f[order])])
    return order, cA, np.minimum(cF, 1.0)


def border_violation_levelsets(avals, masses, copies: int = 1):
    """Exact Border separation for the interim probabilities ``avals`` (one array per
    agent block) with type masses ``masses``.

    ``copies = N`` with a single block: ``N`` identical agents sharing ``a``.  Returns
    ``(violation, sets)``: the candidate violations (``LHS - RHS``; one per candidate tuple
    of level sets) and a function ``sets(k) -> (list of index arrays, rhs)`` for candidate
    ``k``.  The largest candidate violation is the largest violation over *all* sets."""
    if len(avals) == 1:
        a, f = np.asarray(avals[0], float), np.asarray(masses[0], float)
        order, cA, cF = _prefix_tables(a, f)
        N = int(copies)
        rhs = 1.0 - (1.0 - cF[1:]) ** N
        viol = N * cA[1:] - rhs

        def sets(k):
            return [order[: k + 1]], float(rhs[k])

        return viol, sets
    if copies != 1:
        raise ValueError("copies > 1 needs a single (symmetric) block")
    tabs = [
        _prefix_tables(np.asarray(a, float), np.asarray(f, float))
        for a, f in zip(avals, masses, strict=True)
    ]
    head, last = tabs[:-1], tabs[-1]
    sizes = [t[1].size for t in head]
    if int(np.prod(sizes)) > ENUMERATION_LIMIT:
        raise ValueError(
            f"exact Border separation for {len(avals)} asymmetric agents enumerates "
            f"{int(np.prod(sizes)):,} level-set tuples (limit {ENUMERATION_LIMIT:,})"
        )
    grids = np.meshgrid(*[np.arange(s) for s in sizes], indexing="ij")
    lhs = np.zeros(grids[0].shape)
    theta = np.ones(grids[0].shape)
    for g, (_, cA, cF) in zip(grids, head, strict=True):
        lhs = lhs + cA[g]
        theta = theta * (1.0 - cF[g])
    o_l, cA_l, cF_l = last
    s_l = np.concatenate([[np.inf], np.sort(-np.asarray(avals[-1], float))])  # -a descending
    # number of the last agent's types with a > theta: a sorted descending = -s ascending
    cnt = np.searchsorted(s_l[1:], -theta, side="left")
    lhs = lhs + cA_l[cnt]
    rhs = 1.0 - theta * (1.0 - cF_l[cnt])
    viol = (lhs - rhs).ravel()
    shape = grids[0].shape
    cnt = cnt.ravel()

    def sets(k):
        ks = np.unravel_index(k, shape)
        out = [t[0][: int(kk)] for t, kk in zip(head, ks, strict=True)]
        out.append(o_l[: int(cnt[k])])
        return out, float(rhs.ravel()[k])

    return viol, sets


class LazyBorder:
    """Lazy Border cuts for goods of supply one.

    ``qnames``: the allocation blocks (shape ``(n_i, J)``), one per agent, or one with
    ``copies = N`` identical agents; ``masses``: their type masses; ``weights``: one
    length-``J`` vector per good -- the good's interim probability is ``a_i = Q_i @ w``
    (a unit vector per item for additive goods; all ones for one object sold in ``J``
    grades).  Each call adds up to ``max_cuts`` violated level-set cuts per good, the most
    violated first and spread over the candidate list, and returns the largest violation
    of a cut not yet in the LP (so ``<= tol`` certifies feasibility over *all* sets)."""

    def __init__(self, lp, name, qnames, masses, weights, *, copies=1, max_cuts=10, tol=1e-9):
        self.name = name
        self.qnames = list(qnames)
        self.cols = [lp.variables[q].indices.reshape(lp.variables[q].shape) for q in qnames]
        self.masses = [np.asarray(f, float) for f in masses]
        self.weights = [np.asarray(w, float) for w in weights]
        self.copies = int(copies)
        self.max_cuts = int(max_cuts)
        self.tol = float(tol)
        self.seen: set = set()
        self.cuts = 0

    def _key(self, g, sets):
        return (g,) + tuple(np.sort(s).tobytes() for s in sets)

    def add_cut(self, lp: LinearProgram, g: int, sets, rhs: float) -> bool:
        key = self._key(g, sets)
        if key in self.seen:
            return False
        self.seen.add(key)
        w = self.weights[g]
        terms = []
        for cols, f, S in zip(self.cols, self.masses, sets, strict=True):
            if S.size:
                coef = self.copies * f[S][:, None] * w[None, :]
                terms.append((cols[S][None], coef[None]))
        if terms:
            lp.add_constraints(self.name, terms, ub=rhs, shape=(1,))
            self.cuts += 1
        return True

    def __call__(self, sol: Solution, lp: LinearProgram) -> float:
        worst = 0.0
        for g, w in enumerate(self.weights):
            avals = [
                np.asarray(sol.x[q]).reshape(c.shape) @ w
                for q, c in zip(self.qnames, self.cols, strict=True)
            ]
            viol, sets = border_violation_levelsets(avals, self.masses, self.copies)
            cand = np.flatnonzero(viol > self.tol)
            if cand.size == 0:
                continue
            cand = cand[np.argsort(-viol[cand], kind="stable")]
            gap = max(1, viol.size // (4 * self.max_cuts))
            taken: list[int] = []
            for k in cand:
                if len(taken) >= self.max_cuts:
                    break
                if any(abs(int(k) - t) < gap for t in taken):
                    continue
                S, rhs = sets(int(k))
                if self.add_cut(lp, g, S, rhs):
                    taken.append(int(k))
                    worst = max(worst, float(viol[k]))
        return worst
