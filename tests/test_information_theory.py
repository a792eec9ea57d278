"""Closed forms of seed 002 (obedient information selling) checked from outside the code.

The U[0,1] formulas of Propositions 5 and 7 and the numerical-integration routine are
compared with a direct two-dimensional quadrature of the *rules as printed in the thesis*
(with the index fix of Proposition 4's proof):  ``W = 2 E[(V1 - alpha V2) h_1(V)]`` with
``h_1 = 1{V2 <= max(v*, V1 / alpha)}`` and ``R = 2 E[(phi(V1) - alpha phi(V2)) h_1(V)] -
2 v_lo K`` with ``h_1 = 1{V2 <= max(v*, phi^{-1}(phi(V1) / alpha))}`` (the factor 2 is the
symmetry between the buyers).
"""

import math

import numpy as np
import pytest
from scipy import integrate, optimize

import grids
from mdlp.theory import information as T


def _uniform():
    return grids.continuous_prior("uniform", 3, low=0, high=1).continuous


def _dblquad_rule(phi, phi_inv, lo, hi, pdf, cdf_inv, mu, alpha):
    """2 * int int (phi(v1) - alpha phi(v2)) 1{v2 <= max(v*, phi^{-1}(phi(v1)/alpha))} f f."""
    vstar = cdf_inv(mu)

    def upper(v1):
        y = phi(v1) / alpha
        t = hi if y >= phi(hi) else (lo if y <= phi(lo) else phi_inv(y))
        return max(vstar, t)

    kinks = sorted(
        {vstar, alpha * vstar, *[v for v in (phi_inv(alpha * phi(vstar)),) if lo < v < hi]}
    )
    total = 0.0
    edges = [lo, *[k for k in kinks if lo < k < hi], hi]
    for a, b in zip(edges[:-1], edges[1:], strict=True):
        val, _ = integrate.dblquad(
            lambda v2, v1: (phi(v1) - alpha * phi(v2)) * pdf(v1) * pdf(v2),
            a,
            b,
            lambda v1: lo,
            upper,
            epsabs=1e-11,
            epsrel=1e-11,
        )
        total += val
    return 2.0 * total


@pytest.mark.parametrize("prior", [0.5, 0.7])
@pytest.mark.parametrize("alpha", [0.25, 0.5, 1.0])
def test_uniform_closed_forms_match_2d_quadrature(prior, alpha):
    mu = max(prior, 1 - prior)
    one = lambda v: 1.0  # noqa: E731
    W = _dblquad_rule(lambda v: v, lambda y: y, 0.0, 1.0, one, lambda u: u, mu, alpha)
    R = _dblquad_rule(
        lambda v: 2 * v - 1, lambda y: (y + 1) / 2, 0.0, 1.0, one, lambda u: u, mu, alpha
    )
    assert W == pytest.approx(T.welfare_uniform(mu, alpha), abs=1e-9)
    assert R == pytest.approx(T.revenue_uniform(mu, alpha), abs=1e-9)
    law = _uniform()
    assert T.continuum_value(law, prior, alpha, "welfare") == pytest.approx(W, abs=1e-9)
    assert T.continuum_value(law, prior, alpha, "revenue") == pytest.approx(R, abs=1e-9)


def test_uniform_limits_by_hand():
    """alpha = 0: welfare 2 E[V] = 1 and revenue 2 (E[phi^+] + mu E[phi; V < 1/2]) =
    2 (1/4 - mu/4) = (1 - mu)/2.  alpha = 1, mu = 1/2: W = (1 - 1/8)/3 = 7/24."""
    assert T.welfare_uniform(0.7, 0.0) == pytest.approx(1.0)
    assert T.revenue_uniform(0.7, 0.0) == pytest.approx(0.15)
    assert T.welfare_uniform(0.5, 1.0) == pytest.approx(7 / 24)
    assert T.first_best_welfare_uniform(0.5) == pytest.approx(7 / 12)
    fb = T.continuum_value(_uniform(), 0.5, 0.5, "welfare", obedience=False)
    assert fb == pytest.approx(7 / 12, abs=1e-10)


def test_exponential_figure_4_2_by_quadrature():
    """Figure 4-2's case: Exp(1), alpha = 1/2, equal states, truncated to [0, 8].  The
    truncated law's virtual value is ``v - 1 + e^{v - 8}`` (regular); v* = F^{-1}(1/2)
    -> ln 2 as the truncation point grows."""
    H = 8.0
    law = grids.continuous_prior("expon", 3, low=0, high=H).continuous
    Z = 1 - math.exp(-H)
    pdf = lambda v: math.exp(-v) / Z  # noqa: E731
    Finv = lambda u: -math.log(1 - u * Z)  # noqa: E731
    phi = lambda v: v - 1 + math.exp(v - H)  # noqa: E731

    def phi_inv(y):
        return optimize.brentq(lambda s: phi(s) - y, 0.0, H, xtol=1e-14)

    assert Finv(0.5) == pytest.approx(math.log(2), abs=1e-3)
    R = _dblquad_rule(phi, phi_inv, 0.0, H, pdf, Finv, 0.5, 0.5)
    W = _dblquad_rule(lambda v: v, lambda y: y, 0.0, H, pdf, Finv, 0.5, 0.5)
    assert T.continuum_value(law, 0.5, 0.5, "revenue") == pytest.approx(R, abs=1e-8)
    assert T.continuum_value(law, 0.5, 0.5, "welfare") == pytest.approx(W, abs=1e-8)


@pytest.mark.parametrize("prior", [0.3, 0.5, 0.8])
@pytest.mark.parametrize("alpha", [0.0, 0.4, 1.0])
def test_outside_option_from_the_game(prior, alpha):
    """Lemma 3: K = max(P[theta=0], P[theta=1]) - alpha for Example 3 (the opponent is
    told the state).  Chapter 5 with alpha = beta: pi = alpha pi_old + 1 - alpha, so
    K = alpha (mu - (1 - alpha)/alpha) + 1 - alpha = alpha mu."""
    mu = max(prior, 1 - prior)
    K = T.outside_option(T.example3_payoffs(alpha), prior)
    np.testing.assert_allclose(K, mu - alpha, atol=1e-12)
    if alpha > 0:
        Kab = T.outside_option(T.alpha_beta_payoffs(alpha, alpha), prior)
        np.testing.assert_allclose(Kab, alpha * mu, atol=1e-12)


def test_chapter5_remark_mapping():
    for a in (0.5, 0.7, 1.0):
        fit = T.affine_example3(T.alpha_beta_payoffs(a, a))
        assert fit == pytest.approx(((1 - a) / a, a, 1 - a), abs=1e-12)
    assert T.affine_example3(T.alpha_beta_payoffs(0.7, 0.6)) is None
    assert T.affine_example3(T.example3_payoffs(0.3)) == pytest.approx((0.3, 1, 0), abs=1e-12)


def test_grid_knapsack_small_case_by_hand():
    """Two equally likely points {1, 2}, alpha = 1/2, mu = 0.7, welfare.
    Buyer 1 at v1 = 1: w = 1 - v2/2 = (0.5, 0) -> both weights >= 0, h = (1, 1), gain 0.25.
    At v1 = 2: w = (1.5, 1), h = (1, 1): gain 1.25.  Symmetric buyer 2.
    W = 2 * 0.5 * (0.25 + 1.25) = 1.5 (everybody is told the state; obedience slack)."""
    g = T.grid_optimum([[1, 2], [1, 2]], [[0.5, 0.5]] * 2, 0.7, 0.5, "welfare")
    assert g["value"] == pytest.approx(1.5)
    # alpha = 1: at v1 = 1, w = (0, -1): mass of w >= 0 is 1/2 < 0.7, so 0.2 more mass,
    # i.e. h = 0.4 on the second point (gain 0.5 * 0.4 * (-1) = -0.2); at v1 = 2,
    # w = (1, 0): h = (1, 1), gain 0.5.  W = 2 * 0.5 * (-0.2 + 0.5) = 0.3.
    g = T.grid_optimum([[1, 2], [1, 2]], [[0.5, 0.5]] * 2, 0.7, 1.0, "welfare")
    assert g["value"] == pytest.approx(0.3)
    np.testing.assert_allclose(g["interim_correct"][0], [0.7, 1.0])
