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


class Candidates:
    """Candidate cuts of one exact separation: ``viol[k]`` (``LHS - RHS``), ``rhs[k]`` and
    the sets, given as prefixes ``orders[b][:lengths[k, b]]`` of each block's order.
    ``nested``: the candidates are nested in every block when sorted by ``k``."""

    def __init__(self, viol, rhs, orders, lengths, nested):
        self.viol, self.rhs, self.orders, self.lengths, self.nested = (
            viol,
            rhs,
            orders,
            lengths,
            nested,
        )


def border_violation_levelsets(avals, masses, copies: int = 1) -> Candidates:
    """Exact Border separation for the interim probabilities ``avals`` (one array per
    agent block) with type masses ``masses``; ``copies = N`` with a single block: ``N``
    identical agents sharing ``a``.  Returns the :class:`Candidates`; the largest
    candidate violation is the largest violation over *all* tuples of sets."""
    if len(avals) == 1:
        a, f = np.asarray(avals[0], float), np.asarray(masses[0], float)
        order, cA, cF = _prefix_tables(a, f)
        N = int(copies)
        rhs = 1.0 - (1.0 - cF[1:]) ** N
        viol = N * cA[1:] - rhs
        lengths = np.arange(1, a.size + 1)[:, None]
        return Candidates(viol, rhs, [order], lengths, True)
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
    neg = np.sort(-np.asarray(avals[-1], float))  # -a ascending = a descending
    # the last agent's best response: every type with a > theta
    cnt = np.searchsorted(neg, -theta, side="left")
    lhs = lhs + cA_l[cnt]
    rhs = 1.0 - theta * (1.0 - cF_l[cnt])
    lengths = np.stack([g.ravel() for g in grids] + [cnt.ravel()], axis=1)
    # two agents: theta falls as agent 1's prefix grows, so the best responses grow too
    return Candidates(
        (lhs - rhs).ravel(), rhs.ravel(), [t[0] for t in tabs], lengths, len(avals) == 2
    )


class LazyBorder:
    """Lazy Border cuts for goods of supply one.

    ``qnames``: the allocation blocks (shape ``(n_i, J)``), one per agent, or one with
    ``copies = N`` identical agents; ``masses``: their type masses; ``weights``: one
    length-``J`` vector per good -- the good's interim probability is ``a_i = Q_i @ w``
    (a unit vector per item for additive goods; all ones for one object sold in ``J``
    grades).  Each call adds up to ``max_cuts`` violated level-set cuts per good, the most
    violated first and spread over the candidate list, and returns the largest violation
    of a candidate not yet in the LP (so ``<= tol`` certifies feasibility over *all* sets).

    Nested cuts share partial sums: the cuts of one round are prefixes of one order (per
    block), so they are written as a chain ``s_1 = sum(first segment)``, ``s_t = s_{t-1} +
    sum(segment t)``, ``s_t <= rhs_t`` with auxiliary columns ``s`` from a pool allocated
    up front (``pool`` columns): ``O(n)`` nonzeros per round instead of ``O(n)`` per cut.
    Without pool space, or for non-nested candidates, each cut is one dense row.

    ``margin > 0``: a call that finds a violated set also adds (within ``max_cuts``) the
    level sets within ``margin`` of violation, most violated first -- valid cuts that the
    next points often violate, so fewer rounds (each an LP solve) are needed.  The
    returned violation is still that of the violated sets only.
    """

    def __init__(
        self,
        lp,
        name,
        qnames,
        masses,
        weights,
        *,
        copies=1,
        max_cuts=2000,
        tol=1e-9,
        pool=None,
        smooth=True,
        margin=0.0,
    ):
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
        self.smooth = smooth
        self.margin = float(margin)
        self.average: dict = {}
        rng = np.random.default_rng(20260530)
        # order-free set fingerprints: the sum (mod 2^64) of a random key per type
        self.hkeys = [rng.integers(0, 2**63, size=c.shape[0], dtype=np.uint64) for c in self.cols]
        if pool is None:
            pool = 10 * sum(c.shape[0] for c in self.cols) + 2000
        self.aux = lp.add_variables(f"{name}_s", (int(pool),), lb=0.0) if pool else None
        self.used = 0

    def _fingerprints(self, cand: Candidates) -> list[np.ndarray]:
        out = []
        for o, h in zip(cand.orders, self.hkeys, strict=True):
            out.append(np.concatenate([[np.uint64(0)], np.cumsum(h[o], dtype=np.uint64)]))
        return out

    def start(self, lp: LinearProgram, scores) -> int:
        """Add, before the first solve, the cuts of every upper level set of ``scores``
        (one array per good, one symmetric block only): e.g. the efficient ranking, whose
        level sets are often the binding ones.  Returns the number of cuts added."""
        if len(self.cols) != 1:
            return 0
        before = self.cuts
        f = self.masses[0]
        for g, w in enumerate(self.weights):
            sc = np.asarray(scores[g], float)
            order = np.argsort(-sc, kind="stable")
            ends = np.flatnonzero(np.r_[sc[order][:-1] > sc[order][1:], True]) + 1
            cF = np.minimum(np.cumsum(f[order])[ends - 1], 1.0)
            rhs = 1.0 - (1.0 - cF) ** self.copies
            cand = Candidates(np.zeros(ends.size), rhs, [order], ends[:, None], True)
            fp = self._fingerprints(cand)[0]
            for e in ends:
                self.seen.add((g, int(fp[e])))
            if self.aux is not None and self.used + ends.size <= self.aux.size:
                self._chain(lp, cand, np.arange(ends.size), w)
        return self.cuts - before

    def _coef(self, b, S, w):
        return self.copies * self.masses[b][S][:, None] * w[None, :]

    def _dense(self, lp, cand: Candidates, ks, w):
        """One dense row per candidate ``ks[i]`` (its whole level sets), all in one COO
        block: each block's sets are prefixes of its order, padded to the longest with
        zero coefficients."""
        L = cand.lengths[ks]  # (m, blocks)
        terms = []
        for b, (cols, order) in enumerate(zip(self.cols, cand.orders, strict=True)):
            width = int(L[:, b].max()) if ks.size else 0
            if width == 0:
                continue
            off = np.arange(width)
            idx = order[off]  # (width,): the longest prefix
            coef = self._coef(b, idx, w)[None] * (off[None, :] < L[:, b, None])[..., None]
            terms.append((np.broadcast_to(cols[idx], (ks.size, *cols[idx].shape)), coef))
        if terms:
            lp.add_constraints(self.name, terms, ub=cand.rhs[ks], shape=(ks.size,), append=True)
            self.cuts += ks.size

    def _chain(self, lp, cand: Candidates, ks, w):
        m = ks.size
        s = self.aux[self.used : self.used + m]
        self.used += m
        L = cand.lengths[ks]  # (m, blocks), non-decreasing down the rows
        terms = [(s, 1.0)]
        if m > 1:
            terms.append((np.concatenate([[s[0]], s[:-1]]), np.r_[0.0, -np.ones(m - 1)]))
        for b, (cols, order) in enumerate(zip(self.cols, cand.orders, strict=True)):
            start = np.r_[0, L[:-1, b]]
            d = L[:, b] - start
            width = int(d.max()) if m else 0
            if width == 0:
                continue
            off = np.arange(width)
            pos = np.minimum(start[:, None] + off[None, :], order.size - 1)
            idx = order[pos]  # (m, width)
            coef = -self.copies * self.masses[b][idx][..., None] * w[None, None, :]
            coef = np.where((off[None, :] < d[:, None])[..., None], coef, 0.0)
            terms.append((cols[idx], coef))
        lp.add_constraints(f"{self.name}_sum", terms, lb=0.0, ub=0.0, shape=(m,), append=True)
        lp.add_constraints(self.name, [(s, 1.0)], ub=cand.rhs[ks], shape=(m,), append=True)
        self.cuts += m

    def __call__(self, sol: Solution, lp: LinearProgram) -> float:
        worst = 0.0
        for g, w in enumerate(self.weights):
            avals = [
                np.asarray(sol.x[q]).reshape(c.shape) @ w
                for q, c in zip(self.qnames, self.cols, strict=True)
            ]
            worst = max(worst, self._separate_at(lp, g, w, avals))
            if self.smooth:
                # also cut at the running average of the points seen so far (valid cuts
                # all the same): the LP's optimal face is large, and cuts at a central
                # point stop the re-solves from wandering from vertex to vertex
                prev, r = self.average.get(g, (None, 0))
                wt = 1.0 / (r + 1) if self.smooth == "uniform" else 0.5
                if prev is not None:
                    avg = [(1 - wt) * p + wt * a for p, a in zip(prev, avals, strict=True)]
                    self._separate_at(lp, g, w, avg)
                else:
                    avg = avals
                self.average[g] = (avg, r + 1)
        return worst

    def _separate_at(self, lp, g, w, avals) -> float:
        cand = border_violation_levelsets(avals, self.masses, self.copies)
        # only prefixes that end between two distinct values of a (a level set by value;
        # splitting a tie group never violates more)
        clean = np.ones(cand.viol.size, bool)
        for b, (a, o) in enumerate(zip(avals, cand.orders, strict=True)):
            sa = a[o]
            ok = np.r_[True, sa[:-1] > sa[1:], True]  # ok[L]: prefix of length L is clean
            clean &= ok[cand.lengths[:, b]]
        hit = np.flatnonzero((cand.viol > self.tol) & clean)
        if hit.size == 0:
            return 0.0
        if self.margin > 0:
            # a violated round also takes the nearly violated level sets (within
            # ``margin``): the next points' violated sets are often among them
            hit = np.flatnonzero((cand.viol > -self.margin) & clean)
        fps = self._fingerprints(cand)
        keys = [tuple(int(fp[L]) for fp, L in zip(fps, cand.lengths[k], strict=True)) for k in hit]
        fresh = [i for i, kk in enumerate(keys) if (g, *kk) not in self.seen]
        if not fresh or not cand.viol[hit[fresh]].max() > self.tol:
            return 0.0
        hit = hit[fresh]
        order = np.argsort(-cand.viol[hit], kind="stable")[: self.max_cuts]
        take = np.sort(hit[order])
        for i in np.asarray(fresh)[order]:
            self.seen.add((g, *keys[i]))
        if cand.nested and self.aux is not None and self.used + take.size <= self.aux.size:
            self._chain(lp, cand, take, w)
        else:
            self._dense(lp, cand, take, w)
        return float(max(cand.viol[take].max(), 0.0))
