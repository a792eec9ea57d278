"""The ``bayesian_auction`` family's large-grid path (grid continuation and interior-point
rounds) against numbers from outside its code: the grid values Kushnir and Michelson
publish for their setting "1a", the grid-exact Myerson formula, and hand-derived index
maps for the coarse-to-fine start set.  The path only chooses the rows the LP starts
from and the solver of each round; row generation still certifies every IC pair and every
Border set, so it must reach the same grid optimum."""

from __future__ import annotations

import numpy as np
import pytest

import grids
from mdlp.problems.bayesian_auction import _Agent, _nearest_type, _refine_pairs
from mdlp.run import solve
from mdlp.theory import myerson as TM

U01 = {"distribution": "uniform", "low": 0, "high": 1}


def auction(points, **params):
    return {
        "kind": "bayesian_auction",
        "params": params,
        "grid": {"points": points},
        "solver": {"threads": 1},
    }


@pytest.mark.parametrize(
    "T,published",
    # jmemich/optimal-auction-multidim, docs/baselines.json, setting "1a" (float64 values)
    [(15, 0.6128767901234582), (20, 0.6060325781250011)],
)
def test_continuation_reaches_the_published_grid_values(T, published):
    """Continuation (T -> T/2 -> ...) with interior-point rounds: the same optimum as the
    peer's published grid value, certified over all IC pairs and Border sets."""
    res = solve(
        auction(
            T + 1,
            bidders=2,
            items=[U01, U01],
            unit_demand=True,
            discretization="trapezoid",
            continuation=True,
        )
    )
    assert res.ok and res.certified
    assert res.extras["continuation"]["points"] == T // 2 + 1
    assert res.objective == pytest.approx(published, abs=1e-8)
    assert res.certificate["ic"] <= 1e-9 and res.certificate["border"] <= 1e-9


def test_continuation_one_item_equals_ironed_myerson():
    """Three bidders, one item U[0,1] on 41 endpoint points, continuation through 21, 11,
    6 points: the grid-exact (ironed, discrete) Myerson value of Myerson (1981)."""
    res = solve(auction(41, bidders=3, items=[U01], continuation=True))
    prior = grids.continuous_prior("uniform", 41, low=0, high=1, placement="endpoints")
    assert res.ok and res.certified
    assert res.extras["continuation"]["points"] == 21
    assert res.objective == pytest.approx(TM.optimal_revenue_discrete([prior] * 3), abs=1e-9)


@pytest.mark.parametrize("tail", ["ipm", "interior", "simplex"])
def test_every_tail_reaches_the_published_value(tail):
    """The three round strategies on the peer's T = 10 cell (published 0.62592875)."""
    res = solve(
        auction(
            11,
            bidders=2,
            items=[U01, U01],
            unit_demand=True,
            discretization="trapezoid",
            tail=tail,
        )
    )
    assert res.ok and res.certified
    assert res.objective == pytest.approx(0.6259287499999989, abs=1e-8)


def _agent(points):
    x = np.asarray(points, float)
    X = np.stack([m.ravel() for m in np.meshgrid(x, x, indexing="ij")], axis=1)
    return _Agent(X, np.full(len(X), 1 / len(X)), (x.size, x.size), [0], None)


def test_coarse_to_fine_index_maps_by_hand():
    """Coarse grid {0, 1/2, 1}^2 (flat index 3 i + j), fine grid {0, 1/4, ..., 1}^2 (flat
    5 i + j).  Nearest coarse point of 1/4 is 0 (ties go to the lower point) and of 3/4 is
    1/2, so fine (i, j) -> coarse (c(i), c(j)) with c = (0, 0, 1, 1, 2).
    Coarse pair (0, 0) -> (1/2, 0), i.e. flat (0, 3), displacement (1/2, 0): the fine
    types near coarse (0, 0) are (0, 0), (0, 1), (1, 0), (1, 1) (flat 0, 1, 5, 6); each
    reports the type 1/2 higher in the first value: (2, 0), (2, 1), (3, 0), (3, 1) (flat
    10, 11, 15, 16)."""
    coarse, fine = _agent([0, 0.5, 1]), _agent([0, 0.25, 0.5, 0.75, 1])
    near = _nearest_type(coarse, fine)
    c = np.array([0, 0, 1, 1, 2])
    assert np.array_equal(near, (3 * c[:, None] + c[None, :]).ravel())
    t, s = _refine_pairs(coarse.X, fine, near, np.array([0]), np.array([3]))
    assert sorted(zip(t.tolist(), s.tolist(), strict=True)) == [
        (0, 10),
        (1, 11),
        (5, 15),
        (6, 16),
    ]
    # the report is clipped to the grid, and a type never pairs with itself: coarse pair
    # (2, 2) -> (2, 1) (flat 8 -> 7), displacement (0, -1/2), for the fine types near
    # (1, 1): (4, 4) -> (4, 2) (flat 24 -> 22)
    t, s = _refine_pairs(coarse.X, fine, near, np.array([8]), np.array([7]))
    assert sorted(zip(t.tolist(), s.tolist(), strict=True)) == [(24, 22)]
