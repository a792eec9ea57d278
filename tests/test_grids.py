"""grids: placements, index arithmetic and cell masses, against hand-computed values."""

from math import comb

import numpy as np
import pytest

import grids
from grids import Axis, ProductSpace


def test_midpoint_left_right_endpoints_points():
    """K = 4 on [0, 1]: cells of width 1/4; endpoints: linspace with step 1/3."""
    assert np.allclose(Axis.uniform(0, 1, 4, "midpoint").points, [1 / 8, 3 / 8, 5 / 8, 7 / 8])
    assert np.allclose(Axis.uniform(0, 1, 4, "left").points, [0, 1 / 4, 1 / 2, 3 / 4])
    assert np.allclose(Axis.uniform(0, 1, 4, "right").points, [1 / 4, 1 / 2, 3 / 4, 1])
    ax = Axis.uniform(0, 1, 4, "endpoints")
    assert np.allclose(ax.points, [0, 1 / 3, 2 / 3, 1])
    assert np.allclose(ax.edges, [0, 1 / 6, 1 / 2, 5 / 6, 1])


def test_uniform_cell_masses():
    """U[0,1] on endpoints K=5: end points own half cells: (1/8, 1/4, 1/4, 1/4, 1/8)."""
    p = grids.continuous_prior("uniform", 5, low=0, high=1, placement="endpoints")
    assert np.allclose(p.probs, [1 / 8, 1 / 4, 1 / 4, 1 / 4, 1 / 8])
    p = grids.continuous_prior("uniform", 5, low=0, high=1)
    assert np.allclose(p.probs, 0.2)


def test_truncated_exponential_masses():
    """Exp(1) on [0, 2], midpoint cells of width 1: (1 - e^-1, e^-1 - e^-2) / (1 - e^-2)."""
    p = grids.continuous_prior("expon", 2, low=0, high=2, scale=1.0)
    z = 1 - np.exp(-2)
    assert np.allclose(p.probs, [(1 - np.exp(-1)) / z, (np.exp(-1) - np.exp(-2)) / z])
    assert np.allclose(p.points, [0.5, 1.5])


def test_unbounded_support_needs_truncation():
    with pytest.raises(ValueError, match="unbounded"):
        grids.continuous_prior("expon", 10)


def test_pmf_prior_sorts_values():
    p = grids.pmf_prior([3, 1, 2], [0.5, 0.2, 0.3])
    assert np.allclose(p.points, [1, 2, 3]) and np.allclose(p.probs, [0.2, 0.3, 0.5])
    assert np.allclose(p.tail(), [1.0, 0.8, 0.5])


def test_ravel_unravel_and_neighbours():
    ax = Axis.uniform(0, 1, 3)
    ax4 = Axis.uniform(0, 1, 4)
    s = ProductSpace([ax, ax4])
    flat = s.ravel((np.array([2, 1]), np.array([3, 0])))
    assert flat.tolist() == [11, 4]
    assert [a.tolist() for a in s.unravel(flat)] == [[2, 1], [3, 0]]
    lo, hi = s.neighbours(axis=1)
    assert lo.shape == (3, 3) and np.all(hi - lo == 1)
    lo, hi = s.neighbours(axis=0)
    assert lo.shape == (2, 4) and np.all(hi - lo == 4)


def test_box_neighbour_count():
    """K x K grid: 4 axis offsets with K(K-1) pairs each, 4 diagonal with (K-1)^2."""
    K = 5
    ax = Axis.uniform(0, 1, K)
    a, b = ProductSpace([ax, ax]).box_neighbours()
    assert a.size == 4 * K * (K - 1) + 4 * (K - 1) ** 2
    assert np.all(a != b)
    assert len(set(zip(a.tolist(), b.tolist(), strict=True))) == a.size


def test_pair_chunks_cover_all_ordered_pairs_once():
    ax = Axis.uniform(0, 1, 4)
    s = ProductSpace([ax, ax])
    pairs = [
        (int(x), int(y)) for A, B in s.pair_chunks(chunk=37) for x, y in zip(A, B, strict=True)
    ]
    n = s.size
    assert len(pairs) == n * (n - 1) == len(set(pairs))


@pytest.mark.parametrize("d", [2, 3])
def test_symmetric_orbits_count(d):
    """Multisets of size d from K values: C(K + d - 1, d) orbits."""
    K = 6
    ax = Axis.uniform(0, 1, K)
    orbit, reps = ProductSpace([ax] * d).symmetric_orbits()
    assert reps.size == comb(K + d - 1, d)
    assert orbit.max() + 1 == reps.size
