"""Multi-bidder, multi-dimensional Bayesian auctions: ``N`` bidders with independent
``J``-dimensional private types, ``additive`` values (``J`` items, each of supply one) or
``unit_demand`` (one object offered in ``J`` grades, or ``J`` items of which a bidder takes
at most one: total supply one), a production cost per item or grade, revenue (net of
costs) or welfare.  Closed forms and reference values: :mod:`mdlp.theory.bayesian_auction`.

``constraints: bayesian`` (BIC + interim IR) works on interim variables, per bidder ``i``
and own type ``t``: ``Q_i(t) in [0, 1]^J`` (the probability of getting each item/grade)
and the expected payment ``M_i(t)``.  Rows:

* IC ``X(t).(Q_i(t) - Q_i(s)) - M_i(t) + M_i(s) >= 0`` for every ordered pair of own types,
  lazily: the axis neighbours (or box neighbours) first, then each round the most violated
  report of every type (:class:`mdlp.builder.LazyIC`); the final round scans all pairs.
* IR ``X(t).Q_i(t) - M_i(t) >= 0`` at every type; unit demand also ``sum_j Q_ij(t) <= 1``.
* Interim feasibility by Border's level-set cuts (:class:`mdlp.builder.LazyBorder`), exact:
  additive -- per item ``j`` on ``Q_ij``; unit demand -- on the aggregate ``a_i(t) = sum_j
  Q_ij(t)``.  The aggregate suffices: Border gives an ex-post rule ``p_i(t, t_-i)`` that
  awards *the object* with interim probability ``a_i(t)``; hand the winner grade ``j``
  with probability ``Q_ij(t) / a_i(t)``, a lottery that depends on her own type only, so
  her interim probability of grade ``j`` is exactly ``Q_ij(t)`` and at most one grade of
  the one object is ever sold.

Large grids (from ``CONTINUATION_FROM`` types per bidder, ``continuation``): the problem
is first solved on the grid with half the steps (recursively), and this grid's LP starts
from the IC pairs that correspond to the coarse optimum's binding pairs and from the Border
cuts of the coarse allocation's level sets; every round is then solved by the interior
point method without crossover (``tail: ipm``), whose point lies inside the optimal face
of the relaxation, so the rounds do not wander between its vertices.  Only the start set
and the solver change: every IC pair and every Border set is still checked.

Identical bidders share one block (symmetric reduction, :mod:`mdlp.builder.symmetry`: a
symmetric optimum exists because averaging an optimum over bidder permutations keeps it
feasible and optimal); the objective counts the block ``N`` times and Border uses its
symmetric form.  ``constraints: dominant`` (DSIC + ex-post IR) puts ``q_i``, ``m_i`` on
every profile (own type x opponents' profile), IC per opponent profile (lazy, the same
oracle), ex-post supply per profile; small grids only.

The priors: per-dimension independent laws (``items``: any ``scipy.stats`` law truncated to
``[low, high]`` or a pmf) or a joint pmf on the bidder's own product grid (``joint``, whose
zero-probability points stay types).  ``discretization: trapezoid`` is the grid of Kushnir
and Michelson ("Optimal multi-dimensional auctions: conjectures and simulations", 2022,
arXiv 2207.01664): ``grid.points = T + 1`` nodes per dimension including both ends, node
weight ``pdf x trapezoid factor`` (1/2 at each end), normalized.  For uniform laws it is the
``placement: endpoints`` grid with cell masses; for other laws it is not (cell masses
integrate the density over the half cells around each node; the two agree to O(h^2)).
"""

from __future__ import annotations

import math
import time
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

import grids
from grids.axis import Axis
from mdlp.builder import (
    LazyBorder,
    LazyIC,
    axis_neighbours,
    border_certificate,
    box_neighbours,
    combine_oracles,
    ic_certificate,
    identical_groups,
    interim_blocks,
    ir_rows,
)
from mdlp.builder.symmetry import canonical_pairs, orbit_blocks, own_first_profiles
from mdlp.config import ConfigError, DistributionSpec, SolverConfig, Strict
from mdlp.problems.base import Interpretation, Problem, TheoryValue, register
from mdlp.theorems import Theorem
from mdlp.theory import bayesian_auction as T
from mdlp.theory import myerson as TM
from solvers import LinearProgram, Solution
from solvers.rowgen import solve_with_row_generation

MAX_TYPES = 40_000  # types per bidder (the IC oracle scans n^2 pairs per round)
MAX_DOMINANT_COLUMNS = 2_000_000  # ex-post variables of constraints: dominant
# types per bidder from which `continuation` is on by default: setting 1a, CPU s without /
# with it: T = 20 (441 types) 1.7 / 2.2, T = 30 (961) 11.4 / 6.0; N = 3, T = 30: 4.7 / 5.3
CONTINUATION_FROM = 900
IPM_GAP = 1e-10  # IPX's relative optimality gap in the interior-point rounds (tail: ipm)
# with continuation, a round that finds a violated Border set also adds the level sets
# within BORDER_MARGIN of violation (setting 1a, T = 50: 4 rounds and 35 CPU s instead of 5
# rounds and 48 s; measured)
BORDER_MARGIN = 1e-3
BINDING = 1e-7  # IC slack below which a coarse pair counts as binding (continuation)


class JointSpec(Strict):
    """A joint pmf on the bidder's own product grid."""

    values: list[list[float]] = Field(min_length=1, description="grid points of each dimension")
    probs: list = Field(description="nested lists shaped like the grid, summing to one")

    @model_validator(mode="after")
    def _check(self):
        for d, pts in enumerate(self.values):
            if len(pts) < 1 or any(b <= a for a, b in zip(pts, pts[1:], strict=False)):
                raise ValueError(f"values[{d}] must be strictly increasing")
            if min(pts) < 0:
                raise ValueError(f"values[{d}] must be non-negative")
        shape = tuple(len(v) for v in self.values)
        try:
            p = np.asarray(self.probs, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"probs must be nested lists of numbers shaped {shape}") from None
        if p.shape != shape:
            raise ValueError(f"probs must have shape {shape} (one per grid point), got {p.shape}")
        if np.any(p < 0) or not math.isclose(float(p.sum()), 1.0, abs_tol=1e-9):
            raise ValueError("probs must be non-negative and sum to 1")
        return self


class BidderSpec(Strict):
    """One bidder's type law: per-dimension ``items`` or a ``joint`` pmf."""

    items: list[DistributionSpec] | None = None
    joint: JointSpec | None = None

    @model_validator(mode="after")
    def _check(self):
        if (self.items is None) == (self.joint is None):
            raise ValueError("give each bidder either 'items' or 'joint'")
        if self.items is not None:
            _check_items(self.items)
        return self

    @property
    def dims(self) -> int:
        return len(self.items) if self.items is not None else len(self.joint.values)


def _check_items(items):
    if not 1 <= len(items) <= 4:
        raise ValueError("give between 1 and 4 value distributions (one per item or grade)")
    for j, it in enumerate(items):
        if it.is_pmf:
            if min(it.values) < 0:
                raise ValueError(f"item {j + 1}: values must be non-negative")
            continue
        if it.low is None or it.high is None:
            raise ValueError(f"item {j + 1}: give 'low' and 'high' (a bounded value range)")
        if it.low < 0:
            raise ValueError(f"item {j + 1}: low must be >= 0 (values are non-negative)")


class BayesianAuctionParams(Strict):
    bidders: int | list[BidderSpec] = Field(
        2, description="number of identical bidders, or one {items|joint} per bidder"
    )
    items: list[DistributionSpec] | None = Field(
        None, description="per-dimension value laws of each (identical) bidder"
    )
    joint: JointSpec | None = Field(None, description="joint pmf of each (identical) bidder")
    unit_demand: bool = Field(False, description="one object in J grades (total supply 1)")
    costs: list[float] | None = Field(None, description="production cost per item or grade")
    constraints: Literal["bayesian", "dominant"] = "bayesian"
    objective: Literal["revenue", "welfare"] = "revenue"
    discretization: Literal["cells", "trapezoid"] = Field(
        "cells",
        description="cells: grid.placement with cell masses; trapezoid: T+1 nodes with "
        "density x trapezoid weights (Kushnir-Michelson's grid)",
    )
    symmetric: bool | None = Field(
        None, description="one block for identical bidders (default: when they are identical)"
    )
    symmetric_items: bool | None = Field(
        None,
        description="symmetry across goods with identical laws and costs (default: when so)",
    )
    tail: Literal["interior", "simplex", "ipm"] | None = Field(
        None,
        description="interior: simplex rounds, then an interior optimal point once the "
        "objective is stable; ipm: every round by the interior point method; simplex: "
        "vertices only (default: ipm with continuation, else interior)",
    )
    continuation: bool | None = Field(
        None,
        description="first solve the grid with half the steps and start from its binding IC "
        f"pairs and Border level sets (default: from {CONTINUATION_FROM:,} types per bidder)",
    )
    ic_start: Literal["axis", "box"] = Field("axis", description="IC rows before row generation")
    per_type: int | None = Field(
        None,
        ge=1,
        le=20,
        description="reports added per type and round (default: 8 with continuation, else 3)",
    )
    border_start: bool = Field(
        True, description="start with the level sets of the efficient ranking (identical bidders)"
    )
    border_cuts: int = Field(100, ge=1, le=100000, description="Border cuts per good and round")

    @model_validator(mode="before")
    @classmethod
    def _bidders(cls, data):
        if isinstance(data, dict) and isinstance(data.get("bidders"), bool):
            raise ValueError("bidders must be a number of bidders (1 to 6) or a list")
        return data

    @model_validator(mode="after")
    def _check(self):
        if isinstance(self.bidders, int):
            if not 1 <= self.bidders <= 6:
                raise ValueError(f"bidders must be between 1 and 6, got {self.bidders}")
            if (self.items is None) == (self.joint is None):
                raise ValueError("with 'bidders: N' give the common type law as 'items' or 'joint'")
            if self.items is not None:
                _check_items(self.items)
        else:
            if not 1 <= len(self.bidders) <= 6:
                raise ValueError("give between 1 and 6 bidders")
            if self.items is not None or self.joint is not None:
                raise ValueError(
                    "with a list of bidders give 'items'/'joint' inside each bidder, not at the top"
                )
        dims = {b.dims for b in self.bidder_specs()}
        if len(dims) != 1:
            raise ValueError("every bidder needs the same number of items/grades")
        J = dims.pop()
        if self.costs is not None and len(self.costs) != J:
            raise ValueError(f"costs needs one entry per item/grade ({J}), got {len(self.costs)}")
        return self

    def bidder_specs(self) -> list[BidderSpec]:
        if isinstance(self.bidders, int):
            one = BidderSpec(items=self.items, joint=self.joint)
            return [one] * self.bidders
        return list(self.bidders)

    @property
    def J(self) -> int:
        return self.bidder_specs()[0].dims

    def cost_vector(self) -> np.ndarray:
        return np.zeros(self.J) if self.costs is None else np.asarray(self.costs, float)


def trapezoid_prior(spec: DistributionSpec, nodes: int) -> grids.Prior:
    """Kushnir-Michelson's discretization of one dimension: ``nodes`` equally spaced points
    including both ends, weight ``pdf(x) x (1/2 at the two ends, 1 inside)``, normalized.
    A pmf is its own grid and is returned unchanged."""
    if spec.is_pmf:
        return spec.to_prior(nodes)
    base = spec.to_prior(nodes, "endpoints")
    x = base.points
    w = base.continuous.pdf(x) * np.where(
        (np.arange(x.size) == 0) | (np.arange(x.size) == x.size - 1), 0.5, 1.0
    )
    if not w.sum() > 0:
        raise ConfigError("params.items", "the density is zero at every grid node")
    return grids.Prior(base.axis, w / w.sum(), base.continuous)


def _axis_nearest(points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Index of the point of the sorted ``points`` nearest to each ``x``."""
    i = np.clip(np.searchsorted(points, x), 1, points.size - 1)
    return np.where(np.abs(x - points[i - 1]) <= np.abs(points[i] - x), i - 1, i)


def _flat_nearest(agent, Y: np.ndarray) -> np.ndarray:
    """Flat index, on ``agent``'s product grid, of the grid type nearest to each row of
    ``Y`` (coordinate by coordinate)."""
    axes = [np.unique(agent.X[:, j]) for j in range(agent.X.shape[1])]
    idx = tuple(_axis_nearest(ax, Y[:, j]) for j, ax in enumerate(axes))
    return np.ravel_multi_index(idx, tuple(ax.size for ax in axes))


def _nearest_type(coarse, fine) -> np.ndarray:
    """For every type of the ``fine`` grid, the flat index of the nearest ``coarse`` type."""
    return _flat_nearest(coarse, fine.X)


def _refine_pairs(Xc, fine, near, a, b) -> tuple[np.ndarray, np.ndarray]:
    """IC pairs on the ``fine`` grid for the coarse pairs ``(a, b)``: every fine type ``t``
    whose nearest coarse type is ``a``, reporting the fine type nearest to ``x_t + (x_b -
    x_a)`` (the same displacement in value)."""
    order = np.argsort(near, kind="stable")
    counts = np.bincount(near, minlength=Xc.shape[0])
    first = np.r_[0, np.cumsum(counts)[:-1]]
    rep = np.repeat(np.arange(a.size), counts[a])
    within = np.arange(rep.size) - np.repeat(np.cumsum(counts[a]) - counts[a], counts[a])
    t = order[first[a[rep]] + within]
    s = _flat_nearest(fine, fine.X[t] + (Xc[b[rep]] - Xc[a[rep]]))
    keep = t != s
    return t[keep], s[keep]


class _Agent:
    """One block of the LP: a bidder, or ``copies`` identical bidders."""

    def __init__(self, X, f, shape, members, priors):
        self.X, self.f, self.shape, self.members, self.priors = X, f, shape, members, priors

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def copies(self) -> int:
        return len(self.members)


@register
class BayesianAuction(Problem):
    kind = "bayesian_auction"
    title = "Multi-bidder multi-dimensional Bayesian auction (BIC/Border or DSIC)"
    source = T.SOURCE
    Params = BayesianAuctionParams
    default_placement = "endpoints"  # the template's grid (both ends on the grid)
    certificate_tolerance = 1e-7

    # --- grid ---------------------------------------------------------------------------
    def _bidder_grid(self, spec: BidderSpec):
        """``(X (n, J), f (n,), shape, per-dimension priors or None)`` of one bidder."""
        p = self.params
        if spec.joint is not None:
            pts = [np.asarray(v, float) for v in spec.joint.values]
            axes = [Axis.custom(v) for v in pts]
            f = np.asarray(spec.joint.probs, float).ravel()
            priors = None
            if len(pts) == 1:
                priors = [grids.Prior(axes[0], f, None)]
        else:
            if p.discretization == "trapezoid":
                priors = [trapezoid_prior(it, self.grid.points) for it in spec.items]
            else:
                priors = [it.to_prior(self.grid.points, self.grid.placement) for it in spec.items]
            axes = [pr.axis for pr in priors]
            f = np.ones(())
            for pr in priors:
                f = np.multiply.outer(f, pr.probs)
            f = f.ravel()
        sp = grids.ProductSpace(axes)
        return sp.points(), f / f.sum(), sp.shape, priors

    def _groups(self) -> list[list[int]]:
        """Bidder indices of each LP block (identical bidders together when symmetric)."""
        p = self.params
        specs = p.bidder_specs()
        groups = identical_groups([s.model_dump_json() for s in specs])
        sym = p.symmetric
        if sym is None:
            sym = len(groups) == 1 and len(specs) > 1
        if sym and len(groups) != 1:
            raise ConfigError("params.symmetric", "needs identical bidders; use false")
        return groups if sym else [[i] for i in range(len(specs))]

    def _type_shape(self, spec: BidderSpec) -> tuple[int, ...]:
        """The shape of a bidder's type grid, without building it."""
        if spec.joint is not None:
            return tuple(len(v) for v in spec.joint.values)
        return tuple(len(it.values) if it.is_pmf else self.grid.points for it in spec.items)

    def agents(self) -> list[_Agent]:
        """The LP's bidder blocks (one per group of identical bidders when symmetric)."""
        specs = self.params.bidder_specs()
        out = []
        for g in self._groups():
            n = math.prod(self._type_shape(specs[g[0]]))
            if n > MAX_TYPES:
                raise ConfigError(
                    "grid.points", f"{n:,} types per bidder exceed {MAX_TYPES:,}; use fewer"
                )
            X, f, shape, priors = self._bidder_grid(specs[g[0]])
            out.append(_Agent(X, f, shape, g, priors))
        return out

    def n_bidders(self) -> int:
        """The number of bidders (a symmetric block counts each of its bidders)."""
        return len(self.params.bidder_specs())

    def _weights(self) -> list[np.ndarray]:
        J = self.params.J
        if self.params.unit_demand:
            return [np.ones(J)]
        return list(np.eye(J))

    def size_estimate(self):
        """Rows, columns and nonzeros of the LP before row generation, from the grid
        sizes alone (the lazily added IC rows and Border cuts are not counted; the columns
        of the Border cuts' auxiliary pool are)."""
        p = self.params
        J = p.J
        specs = p.bidder_specs()
        shapes = [self._type_shape(specs[g[0]]) for g in self._groups()]
        sizes = [math.prod(self._type_shape(s)) for s in specs]
        rows = cols = nnz = 0.0
        for shape in shapes:
            n = math.prod(shape)
            O = math.prod(sizes) / n if p.constraints == "dominant" else 1
            start = 2 * sum(n // k * (k - 1) for k in shape)
            start *= 1 if p.ic_start == "axis" else 2
            rows += (start + 2 * n) * O
            cols += n * O * (J + 1)
            nnz += start * O * (2 * J + 2) + n * O * (2 * J + 1)
        if p.constraints != "dominant":  # the Border cuts' auxiliary pool (LazyBorder)
            cols += 10 * sum(math.prod(s) for s in shapes) + 2000
        return rows, cols, nnz

    # --- LP -----------------------------------------------------------------------------
    def build(self) -> LinearProgram:
        p = self.params
        ag = self.agents()
        if p.constraints == "dominant":
            return self._build_dominant(ag)
        J = p.J
        c = p.cost_vector()
        warm = self._coarse_start(ag) if self._continuation(ag) else None
        lp = LinearProgram("max", self.kind)
        ics = []
        for k, a in enumerate(ag):
            tag = str(k + 1)
            swaps = self._item_swaps(a)
            if swaps:
                # symmetric across goods: columns for the orbit representatives only, and
                # per-type rows (IR, unit demand, IC by true type) for them only
                q, m, reps = orbit_blocks(lp, tag, a.shape, J, swaps)
            else:
                q, m = interim_blocks(lp, tag, a.n, J)
                reps = None
            ir_rows(lp, f"ir{tag}", q, m, a.X, types=reps)
            if p.unit_demand and J > 1:
                own = q if reps is None else q[reps]
                lp.add_constraints(f"unit{tag}", [(own, 1.0)], ub=1.0, shape=(own.shape[0],))
            self._objective(lp, q, m, a.X, a.copies * a.f, c)
            start = axis_neighbours(a.shape) if p.ic_start == "axis" else box_neighbours(a.shape)
            if warm is not None:
                start = tuple(
                    np.concatenate([s, w]) for s, w in zip(start, warm["pairs"][k], strict=True)
                )
            if swaps:
                start = canonical_pairs(a.shape, swaps, *start)
            ics.append(
                LazyIC(
                    lp,
                    f"ic{tag}",
                    f"q{tag}",
                    f"m{tag}",
                    a.X,
                    start,
                    per_type=self._per_type(ag),
                    types=reps,
                )
            )
        border = None
        if self.n_bidders() >= 2:
            copies = ag[0].copies if len(ag) == 1 else 1
            border = LazyBorder(
                lp,
                "border",
                [f"q{k + 1}" for k in range(len(ag))],
                [a.f for a in ag],
                self._weights(),
                copies=copies,
                max_cuts=p.border_cuts,
                margin=BORDER_MARGIN if warm is not None else 0.0,
            )
            if p.border_start and len(ag) == 1:
                c = p.cost_vector()
                X = ag[0].X - c
                scores = [X.max(1)] if p.unit_demand else [X[:, j] for j in range(J)]
                border.start(lp, scores)
            if warm is not None and len(ag) == 1:
                border.start(lp, warm["scores"][0])
        lp.meta["auction"] = {"ic": ics, "border": border}
        if warm is not None:
            lp.meta["auction"]["continuation"] = warm["info"]
        return lp

    # --- grid continuation --------------------------------------------------------------
    def _continuation(self, ag) -> bool:
        """Whether ``build`` starts from a coarser grid's solution (see ``_coarse_start``)."""
        p = self.params
        if p.continuation is not None:
            return p.continuation and p.constraints == "bayesian"
        return p.constraints == "bayesian" and max(a.n for a in ag) >= CONTINUATION_FROM

    def _per_type(self, ag) -> int:
        """Reports added per type and round: more with continuation, where every round is
        an interior-point solve from scratch (setting 1a, T = 30: 8 instead of 3 per type
        takes 4 rounds instead of 5, 6.0 instead of 7.9 CPU seconds; measured)."""
        p = self.params
        if p.per_type is not None:
            return p.per_type
        return 8 if self._continuation(ag) else 3

    def _tail(self) -> str:
        p = self.params
        if p.tail is not None:
            return p.tail
        return "ipm" if self._continuation(self.agents()) else "interior"

    def _coarse_start(self, ag) -> dict | None:
        """Grid continuation: solve the same problem on the grid with half the steps (itself
        by continuation when still large), and return, per bidder block, the IC pairs of
        this grid that correspond to the coarse optimum's binding pairs (every fine type
        near coarse type ``a`` with the report displaced by the coarse pair's value
        difference), and the coarse interim allocation of each good on this grid (nearest
        coarse type), whose level sets start the Border cuts.  Only a start set: row
        generation still certifies every IC pair and every Border set on this grid, so the
        optimum does not depend on it.  ``None`` when no coarser grid exists (e.g. a
        joint pmf, which is its own grid) or the coarse solve fails."""
        points = (self.grid.points - 1) // 2 + 1
        if points < 3 or any(b.joint is not None for b in self.params.bidder_specs()):
            return None
        grid = self.grid.model_copy(update={"points": points})
        coarse = type(self)(self.params, grid, self.solver)
        cag = coarse.agents()
        if sum(a.n for a in cag) >= sum(a.n for a in ag):
            return None
        t0 = time.perf_counter()
        backend = (self.solver or SolverConfig()).backend_object()
        clp = coarse.build()
        csol = coarse.solve_lp(clp, backend)
        if not csol.ok:
            return None
        pairs, scores = [], []
        for k, (ca, fa) in enumerate(zip(cag, ag, strict=True)):
            q = np.asarray(csol.x[f"q{k + 1}"])
            m = np.asarray(csol.x[f"m{k + 1}"])
            ea, eb, _ = clp.meta["auction"]["ic"][k].pairs()
            slack = np.einsum("pj,pj->p", ca.X[ea], q[ea] - q[eb]) - m[ea] + m[eb]
            bind = slack <= BINDING
            near = _nearest_type(ca, fa)
            pairs.append(_refine_pairs(ca.X, fa, near, ea[bind], eb[bind]))
            scores.append([(q @ w)[near] for w in self._weights()])
        info = {
            "points": points,
            "seconds": time.perf_counter() - t0,
            "objective": float(csol.objective),
            "pairs": int(sum(a.size for a, _ in pairs)),
        }
        if clp.meta["auction"].get("continuation"):
            info["coarser"] = clp.meta["auction"]["continuation"]
        return {"pairs": pairs, "scores": scores, "info": info}

    def _item_swaps(self, a) -> list[tuple[int, int]]:
        """Adjacent transpositions of goods under which the problem is invariant (every
        bidder's law and the costs symmetric in the two goods): the symmetric reduction
        across goods (``symmetric_items``); they generate every permutation of a class."""
        p = self.params
        if p.symmetric_items is False or p.J < 2:
            return []
        c = p.cost_vector()
        out = []
        for d in range(p.J - 1):
            ok = c[d] == c[d + 1]
            for spec in p.bidder_specs():
                if spec.items is not None:
                    ok = ok and spec.items[d] == spec.items[d + 1]
                else:
                    pr = np.asarray(spec.joint.probs, float)
                    ok = ok and spec.joint.values[d] == spec.joint.values[d + 1]
                    ok = ok and np.array_equal(pr, np.swapaxes(pr, d, d + 1))
            if ok:
                out.append((d, d + 1))
        if p.symmetric_items and not out:
            raise ConfigError(
                "params.symmetric_items", "needs goods with identical laws and costs; use false"
            )
        return out

    def _objective(self, lp, q, m, X, w, c):
        """Revenue net of costs, or welfare, with ``w`` the mass of each (own type[, opponent
        profile]) cell times the number of bidders the block stands for."""
        wq = w[..., None]
        if self.params.objective == "revenue":
            lp.add_objective(m, w)
            if np.any(c != 0):
                lp.add_objective(q, -wq * c)
        else:
            Xb = X.reshape((X.shape[0],) + (1,) * (q.ndim - 2) + (X.shape[1],))
            lp.add_objective(q, wq * (Xb - c))

    @staticmethod
    def _opponents(ag, a):
        """Sizes and mass of the opponents' joint profiles of bidder block ``a`` (bidders in
        order; every bidder of a symmetric block sees the same opponents)."""
        sizes, fs = [], []
        per_bidder = []
        for b in ag:
            per_bidder += [(i, b) for i in b.members]
        per_bidder.sort(key=lambda t: t[0])
        me = a.members[0]
        for i, b in per_bidder:
            if i != me:
                sizes.append(b.n)
                fs.append(b.f)
        f = np.ones(())
        for x in fs:
            f = np.multiply.outer(f, x)
        return sizes, int(np.prod(sizes)) if sizes else 1, f.ravel()

    def _build_dominant(self, ag) -> LinearProgram:
        p = self.params
        J = p.J
        c = p.cost_vector()
        lp = LinearProgram("max", self.kind)
        ics = []
        bidder_cols = {}
        all_sizes = []
        per_bidder = sorted([(i, k) for k, b in enumerate(ag) for i in b.members])
        all_sizes = [ag[k].n for _, k in per_bidder]
        total = int(np.prod(all_sizes)) * J * len(ag)
        if total > MAX_DOMINANT_COLUMNS:
            raise ConfigError(
                "grid.points",
                f"constraints: dominant needs {total:,} ex-post variables (limit "
                f"{MAX_DOMINANT_COLUMNS:,}); use fewer points or constraints: bayesian",
            )
        for k, a in enumerate(ag):
            tag = str(k + 1)
            _, O, fo = self._opponents(ag, a)
            q, m = interim_blocks(lp, tag, a.n, J, rest=(O,))
            ir_rows(lp, f"ir{tag}", q, m, a.X)
            self._objective(lp, q, m, a.X, a.copies * np.multiply.outer(a.f, fo), c)
            start = axis_neighbours(a.shape) if p.ic_start == "axis" else box_neighbours(a.shape)
            ics.append(
                LazyIC(
                    lp, f"ic{tag}", f"q{tag}", f"m{tag}", a.X, start, per_type=self._per_type(ag)
                )
            )
            bidder_cols[k] = q.reshape(a.n * O, J)
        # ex-post supply at every joint profile: bidder i's allocation there is its block's
        # (own type, opponents in bidder order) entry.
        P = int(np.prod(all_sizes))
        for g, w in enumerate(self._weights()):
            terms = []
            for i, k in per_bidder:
                idx = own_first_profiles(all_sizes, i).ravel()
                cols = bidder_cols[k][idx]  # (P, J)
                terms.append((cols, np.broadcast_to(w, cols.shape)))
            lp.add_constraints(f"supply{g + 1}", terms, ub=1.0, shape=(P,))
        lp.meta["auction"] = {"ic": ics, "border": None}
        return lp

    # --- solving ------------------------------------------------------------------------
    def solve_lp(self, lp: LinearProgram, backend) -> Solution:
        """Row generation (warm dual simplex re-solves) with an interior tail: once the
        objective has not moved for two rounds, the current LP is solved once by HiGHS's
        interior point method without crossover (``backend.interior_point()``, a solver
        option of :mod:`solvers.highs`) and both oracles check that point; if it violates
        no IC pair and no Border set (<= 1e-9), it is returned.  Why: the LP's
        optimal face is large (revenue-equivalent types, e.g. those with a value at the top
        of the range), simplex vertices of it keep violating new level sets, while a point
        inside the face averages the equivalent types and satisfies them all (setting 1a,
        T = 30: 15 rounds instead of 128).  The last simplex objective, the optimum of a
        relaxation, is kept as an upper bound (``extras["relaxation_bound"]``)."""
        st = lp.meta["auction"]
        parts = list(st["ic"]) + ([st["border"]] if st["border"] is not None else [])
        separate = combine_oracles(*parts)
        ipm = None  # a backend without an interior-point variant keeps its vertices
        tail = self._tail()
        if tail == "ipm" and hasattr(backend, "interior_point"):
            # every round by the interior point method: each point lies inside the optimal
            # face of its relaxation, so the rounds never wander between its vertices
            # the default interior-point gap (1e-8) stops 6e-9 below the optimum on
            # setting 1a, T = 30 (measured); 1e-10 gives 1e-10
            rounds = backend.interior_point(gap=IPM_GAP)
            res = solve_with_row_generation(lp, separate, rounds, tol=1e-9, max_rounds=500)
            st["history"] = res.history
            return res.solution
        if tail == "interior" and hasattr(backend, "interior_point"):
            ipm = backend.interior_point(gap=1e-9)
        state = {"last": None, "stable": 0, "interior": None, "bound": None}

        def oracle(sol, lp_):
            viol = separate(sol, lp_)
            if ipm is None or viol <= 1e-9:
                return viol
            last = state["last"]
            same = last is not None and abs(sol.objective - last) <= 1e-11 * max(1.0, abs(last))
            state["stable"] = state["stable"] + 1 if same else 0
            state["last"] = sol.objective
            if state["stable"] < 2:
                return viol
            state["stable"] = 0
            rows = lp_.num_rows
            inner = ipm.solve(lp_)
            if inner.ok and separate(inner, lp_) <= 1e-9 and lp_.num_rows == rows:
                state["interior"], state["bound"] = inner, sol.objective
                return 0.0
            return viol

        res = solve_with_row_generation(lp, oracle, backend, tol=1e-9, max_rounds=500)
        st["history"] = res.history
        if state["interior"] is not None and res.solution.ok:
            sol = state["interior"]
            sol.rounds, sol.rows_added = res.solution.rounds, res.solution.rows_added
            st["relaxation_bound"] = state["bound"]
            return sol
        return res.solution

    # --- reading the solution back ------------------------------------------------------
    def interpret(self, lp: LinearProgram, sol: Solution) -> Interpretation:
        p = self.params
        ag = self.agents()
        J = p.J
        c = p.cost_vector()
        dominant = p.constraints == "dominant"
        cert = {"ic": 0.0, "ir": 0.0, "bounds": 0.0}
        frames, rev, net, binding = [], [], [], []
        interim = []
        for k, a in enumerate(ag):
            tag = str(k + 1)
            q = np.asarray(sol.x[f"q{tag}"])
            m = np.asarray(sol.x[f"m{tag}"])
            gain, arg = ic_certificate(a.X, q, m)
            cert["ic"] = max(cert["ic"], gain if np.isfinite(gain) else 0.0)
            u = np.einsum("tj,t...j->t...", a.X, q) - m
            cert["ir"] = max(cert["ir"], float((-u).max()))
            cert["bounds"] = max(cert["bounds"], float(max(-q.min(), (q - 1).max())))
            if dominant:
                _, O, fo = self._opponents(ag, a)
                Q = np.einsum("toj,o->tj", q, fo)
                M = m @ fo
            else:
                Q, M = q, m
            if p.unit_demand and J > 1:
                cert["unit_demand"] = max(cert.get("unit_demand", 0.0), float((Q.sum(1) - 1).max()))
            r = float(a.f @ M)
            rev += [r] * a.copies
            net += [r - float(a.f @ (Q @ c))] * a.copies
            interim.append((Q, M))
            cols = {f"v{j + 1}": a.X[:, j] for j in range(J)}
            cols["prob"] = a.f
            for j in range(J):
                cols[f"Q{j + 1}"] = Q[:, j]
            cols["M"] = M
            cols["utility"] = (a.X * Q).sum(1) - M
            df = pd.DataFrame(cols)
            df.insert(0, "bidder", ",".join(str(i + 1) for i in a.members))
            frames.append(df)
            ic = lp.meta["auction"]["ic"][k]
            ea, eb, eo = ic.pairs()
            qf = q.reshape(a.n, -1, J)
            mf = m.reshape(a.n, -1)
            slack = (
                np.einsum("pj,pj->p", a.X[ea], qf[ea, eo] - qf[eb, eo]) - mf[ea, eo] + mf[eb, eo]
            )
            bind = np.flatnonzero(np.abs(slack) <= 1e-8)
            binding.append(
                {
                    "bidder": [i + 1 for i in a.members],
                    "pairs_in_lp": int(ea.size),
                    "binding": int(bind.size),
                    "examples": [
                        {"type": a.X[ea[i]].tolist(), "report": a.X[eb[i]].tolist()}
                        for i in bind[:10]
                    ],
                }
            )
        if dominant:
            cert["supply"] = self._supply_violation(lp, sol)
        elif self.n_bidders() >= 2:
            copies = ag[0].copies if len(ag) == 1 else 1
            worst = -np.inf
            for w in self._weights():
                avals = [Q @ w for Q, _ in interim]
                worst = max(worst, border_certificate(avals, [a.f for a in ag], copies))
            cert["border"] = max(0.0, worst)
        welfare = sum(
            a.copies * float(a.f @ ((a.X - c) * Q).sum(1))
            for a, (Q, _) in zip(ag, interim, strict=True)
        )
        value = sum(net) if p.objective == "revenue" else welfare
        cert["objective"] = abs(value - float(sol.objective))
        extras = {
            "revenue_per_bidder": rev,
            "revenue": float(sum(rev)),
            "revenue_net_of_costs": float(sum(net)),
            "welfare": welfare,
            "ic_pairs": binding,
            "types_per_bidder": [a.n for a in ag],
        }
        hist = lp.meta["auction"].get("history") or []
        if hist:
            extras["rowgen_rounds"] = len(hist)
            extras["rowgen_rows_added"] = int(sum(h["added"] for h in hist))
        if lp.meta["auction"].get("relaxation_bound") is not None:
            extras["relaxation_bound"] = lp.meta["auction"]["relaxation_bound"]
            extras["interior_tail"] = True
        if lp.meta["auction"]["border"] is not None:
            extras["border_cuts"] = lp.meta["auction"]["border"].cuts
        if lp.meta["auction"].get("continuation"):
            extras["continuation"] = lp.meta["auction"]["continuation"]
        return Interpretation(pd.concat(frames, ignore_index=True), cert, extras)

    def _supply_violation(self, lp, sol) -> float:
        """Largest excess of ex-post supply over one, from the arrays: every bidder's
        allocation laid out on the joint profile grid (axis ``i`` = bidder ``i``'s type)."""
        ag = self.agents()
        J = self.params.J
        per_bidder = sorted([(i, k) for k, b in enumerate(ag) for i in b.members])
        sizes = [ag[k].n for _, k in per_bidder]
        total = 0.0
        for i, k in per_bidder:
            q = np.asarray(sol.x[f"q{k + 1}"])
            others = [s for b, s in enumerate(sizes) if b != i]
            total = total + np.moveaxis(q.reshape([sizes[i], *others, J]), 0, i)
        worst = 0.0
        for w in self._weights():
            worst = max(worst, float((total @ w - 1.0).max()))
        return worst

    # --- closed forms -------------------------------------------------------------------
    def theory(self) -> list[TheoryValue]:
        p = self.params
        ag = self.agents()
        J = p.J
        c = p.cost_vector()
        N = self.n_bidders()
        top = max(float(a.X.max()) for a in ag)
        tol = 1e-9 * max(1.0, top)
        out: list[TheoryValue] = []
        per_bidder = []
        for a in ag:
            per_bidder += [(a.X, a.f)] * a.copies
        if p.objective == "welfare":
            out.append(
                TheoryValue(
                    T.efficient_welfare(per_bidder, c, p.unit_demand),
                    "efficient welfare on the grid (VCG implements it, and no feasible rule "
                    "exceeds it): E[sum_j max_i (v_ij - c_j)^+] additive, E[max_ij (v_ij - "
                    "c_j)^+] unit demand",
                    "efficient welfare on the grid",
                    "equal",
                    1e-7 * max(1.0, top),
                )
            )
            return out
        zero_cost = not np.any(c != 0)
        if J == 1 and zero_cost:
            priors = [grids.Prior(Axis.custom(a.X[:, 0]), a.f, None) for a in ag for _ in a.members]
            out.append(
                TheoryValue(
                    TM.optimal_revenue_discrete(priors),
                    "Myerson (1981), 'Optimal auction design': E[max_i psibar_i^+] with the "
                    "discrete ironed virtual values of the grid (exact)",
                    "grid-exact Myerson value",
                    "equal",
                    tol,
                )
            )
        peer = self._peer_value()
        if peer is not None:
            out.append(peer)
        if N == 1 and J == 2 and p.unit_demand and self._iid_uniform01():
            out.append(
                TheoryValue(
                    T.pavlov_unit_demand_value(),
                    "Pavlov (2011), 'Optimal mechanism for selling two goods', B.E. J. Theor. "
                    "Econ.: one buyer, two unit-demand goods iid U[0,1], posted price 1/sqrt 3",
                    "continuum optimum (Pavlov)",
                    "equal",
                    limit=True,
                )
            )
        if not p.unit_demand and J >= 2 and zero_cost:
            marg = []
            for a in ag:
                for _ in a.members:
                    marg.append(a)
            val = T.itemwise_myerson_grid([(a.X, a.f) for a in marg])
            out.append(
                TheoryValue(
                    val,
                    "Myerson (1981) item by item on this grid: a feasible (DSIC) mechanism, so "
                    "a lower bound on the optimum",
                    "item-wise Myerson on the grid",
                    "lower",
                    tol,
                )
            )
            if self._iid_uniform01():
                out.append(
                    TheoryValue(
                        J * T.myerson_uniform_revenue(N),
                        "Myerson (1981) item by item, continuum U[0,1] (5/12 per item for two "
                        "bidders)",
                        "item-wise Myerson, continuum",
                        "lower",
                        limit=True,
                    )
                )
        return out

    def _iid_uniform01(self) -> bool:
        specs = self.params.bidder_specs()
        for s in specs:
            if s.items is None:
                return False
            for it in s.items:
                if it.is_pmf or it.distribution != "uniform" or it.shape_params():
                    return False
                if it.low != 0 or it.high != 1 or it.loc is not None or it.scale is not None:
                    return False
        return True

    def _peer_value(self) -> TheoryValue | None:
        """Kushnir and Michelson's published grid value, where the setting is theirs."""
        p = self.params
        if not (
            p.unit_demand
            and p.J == 2
            and self.n_bidders() == 2
            and p.discretization == "trapezoid"
            and p.constraints == "bayesian"
            and not np.any(p.cost_vector() != 0)
            and self._iid_uniform01()
        ):
            return None
        T_ = self.grid.points - 1
        if T_ not in T.PEER_1A:
            return None
        val, digits, where = T.PEER_1A[T_]
        return TheoryValue(
            val,
            f"Kushnir and Michelson (2022, arXiv 2207.01664), setting 1a, T = {T_}: published "
            f"grid value ({where})",
            "published grid value (setting 1a)",
            "equal",
            max(1e-8, 0.5 * 10.0 ** (-digits)),
        )


def _theorems() -> tuple[Theorem, ...]:
    out: list[Theorem] = []

    uni = {"distribution": "uniform", "low": 0, "high": 1}

    def cfg(**params):
        return {"kind": BayesianAuction.kind, "params": params, "solver": {"threads": 1}}

    out.append(
        Theorem(
            key="bayesian-auction-peer-1a",
            family=BayesianAuction.kind,
            source="Kushnir and Michelson (2022, arXiv 2207.01664), setting 1a: published "
            "grid values",
            parameters="2 bidders, one object in 2 grades iid U[0,1], BIC, trapezoid grid "
            "T = 5, 10, 20",
            config=cfg(bidders=2, items=[uni, uni], unit_demand=True, discretization="trapezoid"),
            grids=(6, 11, 21),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="bayesian-auction-one-item-myerson",
            family=BayesianAuction.kind,
            source="Myerson (1981), Optimal Auction Design: E[max_i psibar_i^+] (discrete, "
            "ironed: grid-exact)",
            parameters="3 bidders, one item U[0,1], BIC: equals the grid-exact Myerson value",
            config=cfg(bidders=3, items=[uni]),
            grids=(11, 21, 41),
            mode="exact",
            relation="equal",
        )
    )
    out.append(
        Theorem(
            key="bayesian-auction-welfare-efficient",
            family=BayesianAuction.kind,
            source="efficient allocation (VCG): E[sum_j max_i v_ij] on the grid",
            parameters="2 bidders x 2 additive items U[0,1], welfare: equals the grid's "
            "efficient welfare",
            config=cfg(bidders=2, items=[uni, uni], unit_demand=False, objective="welfare"),
            grids=(4, 6, 8),
            mode="exact",
            relation="equal",
        )
    )
    return tuple(out)


THEOREMS = _theorems()
