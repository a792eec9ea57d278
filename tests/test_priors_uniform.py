"""Uniform laws are discretized without scipy.stats (``grids.priors.Uniform``): the numbers
must be those of the scipy.stats path, and the cell masses those of exact arithmetic."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

import grids.priors as gp
from grids.priors import Uniform, continuous_prior

SPECS = [
    dict(low=0, high=1),
    dict(low=0.1, high=0.3),
    dict(low=2, high=7),
    dict(loc=1, scale=3),
    dict(loc=1, scale=3, low=1.5, high=3.9),
    dict(loc=-2.5),
    dict(scale=0.7, high=0.5),
]


def scipy_path(monkeypatch, *args, **kwargs):
    """``continuous_prior`` with the exact uniform switched off: scipy.stats.uniform."""
    with monkeypatch.context() as m:
        m.setattr(gp, "_uniform_or_none", lambda *a, **k: None)
        return continuous_prior(*args, **kwargs)


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("placement", ["midpoint", "endpoints", "left", "right"])
@pytest.mark.parametrize("points", [2, 21, 101])
def test_uniform_prior_equals_the_scipy_stats_path(monkeypatch, spec, placement, points):
    a = continuous_prior("uniform", points, placement=placement, **spec)
    b = scipy_path(monkeypatch, "uniform", points, placement=placement, **spec)
    assert isinstance(a.continuous.frozen, Uniform)
    assert isinstance(b.continuous.frozen, stats._distn_infrastructure.rv_continuous_frozen)
    la, lb = a.continuous, b.continuous
    assert (la.low, la.high) == (lb.low, lb.high)
    np.testing.assert_allclose(a.points, b.points, rtol=0, atol=1e-15)
    np.testing.assert_allclose(a.probs, b.probs, rtol=0, atol=1e-15)
    x = np.linspace(la.low - 1.0, la.high + 1.0, 1001)
    u = np.linspace(0.0, 1.0, 101)
    for f in ("cdf", "sf", "pdf"):
        np.testing.assert_allclose(getattr(la, f)(x), getattr(lb, f)(x), rtol=0, atol=1e-15)
    np.testing.assert_allclose(la.ppf(u), lb.ppf(u), rtol=0, atol=1e-15)
    inner = x[(x > la.low) & (x < la.high)]
    np.testing.assert_allclose(la.virtual_value(inner), lb.virtual_value(inner), rtol=0, atol=1e-14)


def test_uniform_law_matches_scipy_outside_the_support_and_at_nan():
    ours, ref = Uniform(1.0, 3.0), stats.uniform(loc=1.0, scale=3.0)
    x = np.array([-1.0, 1.0, 2.5, 4.0, 5.0, np.nan])
    q = np.array([-0.1, 0.0, 0.3, 1.0, 1.1, np.nan])
    for f, arg in (("cdf", x), ("pdf", x), ("sf", x), ("ppf", q)):
        np.testing.assert_array_equal(getattr(ours, f)(arg), getattr(ref, f)(arg))
    assert ours.support() == tuple(float(t) for t in ref.support())
    assert ours.mean() == ref.mean()
    assert np.ndim(ours.cdf(2.0)) == 0


def test_uniform_cell_masses_are_the_exact_fractions():
    """On U[0,1] the midpoint placement gives K equal cells (mass 1/K each); the endpoints
    placement (``linspace(0, 1, K)``) gives the two end points half cells: masses
    1/(2(K-1)) at the ends and 1/(K-1) inside."""
    K = 7
    mid = continuous_prior("uniform", K, low=0, high=1, placement="midpoint")
    np.testing.assert_allclose(mid.probs, [float(Fraction(1, K))] * K, rtol=0, atol=1e-15)
    ends = continuous_prior("uniform", K, low=0, high=1, placement="endpoints")
    want = [Fraction(1, 2 * (K - 1))] + [Fraction(1, K - 1)] * (K - 2) + [Fraction(1, 2 * (K - 1))]
    np.testing.assert_allclose(ends.probs, [float(w) for w in want], rtol=0, atol=1e-15)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # scipy's 0/0 on an empty interval
@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(low=0), "uniform needs low and high"),
        (dict(low=0, high=1, a=2), "unexpected keyword argument"),
        (dict(low=1, high=1), "no mass on"),
    ],
)
def test_uniform_errors_are_those_of_the_scipy_path(kwargs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        continuous_prior("uniform", 5, **kwargs)
