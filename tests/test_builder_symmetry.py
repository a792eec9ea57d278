"""The symmetric reduction across goods by orbit columns (``orbit_map``, ``orbit_blocks``,
``canonical_pairs``) and the column views it rests on (``LinearProgram.add_alias``).

The numbers are counted by hand: the orbits of a ``K x K`` grid under swapping the two
axes are the multisets of size 2 from ``K`` values, ``K (K + 1) / 2`` of them; of a
``K x K x K`` grid under all permutations, ``C(K + 2, 3)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from mdlp.builder.symmetry import canonical_pairs, orbit_blocks, orbit_map
from solvers import LinearProgram, get_backend


@pytest.mark.parametrize(
    "shape,swaps,orbits",
    [
        ((4, 4), [(0, 1)], 4 * 5 // 2),
        ((3, 3, 3), [(0, 1), (1, 2)], math.comb(3 + 2, 3)),
        ((3, 3, 2), [(0, 1)], 3 * 4 // 2 * 2),
        ((2, 3, 3), [(1, 2)], 2 * 3 * 4 // 2),
    ],
)
def test_orbit_counts_and_invariance(shape, swaps, orbits):
    rep, perm = orbit_map(shape, swaps)
    n = math.prod(shape)
    assert np.unique(rep).size == orbits
    # every representative has non-increasing coordinates within a swapped run
    coords = np.array(np.unravel_index(rep, shape))
    for d1, d2 in swaps:
        assert np.all(coords[d1] >= coords[d2])
    # a rule read through the views is invariant under each generating swap, at every
    # type including those the swap fixes (ties)
    lp = LinearProgram("max")
    q, m, reps = orbit_blocks(lp, "1", shape, len(shape), swaps)
    assert reps.size == orbits and m.shape == (n,) and q.shape == (n, len(shape))
    x = np.random.default_rng(0).random(lp.num_cols)
    Q, M = x[q], x[m]
    grid = np.arange(n).reshape(shape)
    for d1, d2 in swaps:
        s = np.swapaxes(grid, d1, d2).ravel()  # s[t]: the swapped type
        goods = np.arange(len(shape))
        goods[[d1, d2]] = goods[[d2, d1]]
        np.testing.assert_array_equal(Q[s][:, goods], Q)
        np.testing.assert_array_equal(M[s], M)


def test_two_goods_columns_by_hand():
    """K x K grid, two goods: an off-diagonal orbit {(a, b), (b, a)} needs two allocation
    columns, a diagonal type (a, a) one (both goods tied): K (K - 1) / 2 * 2 + K = K^2
    allocation columns and K (K + 1) / 2 payments, against 2 K^2 + K^2 unreduced."""
    K = 5
    lp = LinearProgram("max")
    orbit_blocks(lp, "", (K, K), 2, [(0, 1)])
    assert lp.variables["q_orbit"].size == K * K
    assert lp.variables["m_orbit"].size == K * (K + 1) // 2
    assert lp.num_cols == K * K + K * (K + 1) // 2


def test_canonical_pairs_give_the_same_ic_row():
    """The IC row ``x_a . (Q_a - Q_b) - M_a + M_b`` of a pair equals that of its canonical
    pair for any symmetric rule, with values symmetric under the swap (grid coordinates)."""
    shape, swaps = (4, 4, 3), [(0, 1)]
    n = math.prod(shape)
    lp = LinearProgram("max")
    q, m, _ = orbit_blocks(lp, "", shape, 3, swaps)
    x = np.random.default_rng(1).random(lp.num_cols)
    Q, M = x[q], x[m]
    X = np.array(np.unravel_index(np.arange(n), shape)).T.astype(float)
    rng = np.random.default_rng(2)
    a, b = rng.integers(0, n, 200), rng.integers(0, n, 200)
    ca, cb = canonical_pairs(shape, swaps, a, b)
    rep, _ = orbit_map(shape, swaps)
    assert np.all(rep[ca] == ca)  # the true type is a representative

    def row(s, t):
        return (X[s] * (Q[s] - Q[t])).sum(1) - M[s] + M[t]

    np.testing.assert_allclose(row(ca, cb), row(a, b), atol=1e-12)


def test_alias_rows_sum_repeated_columns():
    """Columns x0, x1 in [0, 10]; the view y = (x0, x0, x1) in the row
    1 y0 + 2 y1 + 3 y2 <= 6 is 3 x0 + 3 x1 <= 6, so max x0 + x1 = 2 (by hand), also by
    Clarabel."""
    for backend in ("highs", "clarabel"):
        lp = LinearProgram("max")
        x = lp.add_variables("x", (2,), lb=0.0, ub=10.0, cost=1.0)
        y = lp.add_alias("y", x[[0, 0, 1]])
        lp.add_constraints("r", [(y, np.array([1.0, 2.0, 3.0]))], ub=6.0, shape=())
        sol = get_backend(backend).solve(lp)
        assert sol.objective == pytest.approx(2.0, abs=1e-7)
        np.testing.assert_allclose(sol.x["y"], sol.x["x"][[0, 0, 1]])


def test_alias_refuses_bad_columns_and_names():
    lp = LinearProgram("max")
    x = lp.add_variables("x", (2,))
    with pytest.raises(IndexError, match="does not exist"):
        lp.add_alias("y", np.array([0, 2]))
    with pytest.raises(ValueError, match="exists already"):
        lp.add_alias("x", x)
    with pytest.raises(ValueError, match="different lengths"):
        orbit_map((3, 4), [(0, 1)])
