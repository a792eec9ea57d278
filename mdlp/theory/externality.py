"""Externality auctions of digital goods (Rui (2020), *Auctions of Digital Goods with
Externalities*, chapters 3-4).

Model (single item; g items add up item by item): bidder i's utility is
``u_i = v_i x_i - sum_{j != i} eta_{i<-j} x_j - p_i``; welfare is
``sum_i x_i (v_i - sum_{j != i} eta_{j<-i})``.  There is no feasibility constraint across
bidders (Remark 2.2.1).  Setting 1: bidder i's type is ``(v_i, eta_{i<-j} for j != i)``
(incoming externalities); Setting 2: ``(v_i, eta_{j<-i} for j != i)`` (outgoing).  All
components independent.  Inputs everywhere: ``values`` = n ``grids.Prior`` (law of v_i),
``ext`` = ``{(i, j): grids.Prior}`` for i != j (law of eta_{i<-j}).  ``grid=True`` = the
exact expectation over the priors' points/probs (what the grid LP must reproduce);
``grid=False`` = the continuum value from ``prior.continuous`` by deterministic quadrature.

Grid convention: any placement works for the grid-exact formulas below (they are exact for
the pmf the grid defines); mdlp's default and the convergence rates quoted are for
``midpoint`` grids (see :mod:`grids.axis`).  Ties are broken towards allocating
(``score >= -TIE_TOL``); a tie has zero weight in every revenue/welfare formula here.

Results of the thesis used, and their status in mdlp
--------------------------------------------------
* Prop 3.2.2 (Setting 1 welfare, VCG): allocate iff ``W_i = v_i - sum_j eta_{j<-i} >= 0``.
  Reproduced.  Exact on grids: welfare has no coupling across bidders and the pointwise
  maximiser is implemented by VCG on any type space, so the grid optimum is
  ``E_grid[sum_i W_i^+]`` (:func:`s1_welfare_vcg`).
* Props 3.2.4-3.2.7 (Setting 2 welfare): ``x_i = 1{v_i >= sum_j E[eta_{j<-i} | v_i]}``.
  Reproduced in the continuum (:func:`s2_welfare_thesis`).  On a grid the LP may let the
  interim allocation vary with the payoff-irrelevant eta report inside one v level (Lemma
  3.1.4's exceptional set has positive mass on a grid), so the grid optimum is above the
  thesis rule by O(h); its exact grid value is :func:`s2_welfare_grid` (mdlp's derivation,
  below).
* Prop 3.3.4 / Cor 3.3.6 (Setting 2 revenue): ``tau_i = Phi~_i^{-1}(0)``.  Reproduced in the
  continuum.  On grids: :func:`s2_revenue_optimal` with ``grid=True`` is the discrete
  (ironed Myerson) virtual-value form of Prop 3.3.4 = the optimum when the interim own
  allocation depends on the v report only (the 1-D reduction over v levels).  The full grid
  LP (allocation may depend on the eta report) is :func:`s2_revenue_grid`; it equals the
  former whenever ``P(S_i > v) = 0`` at the optimal threshold level (e.g. the reference
  instance, where tau = 5/8 > max eta = 1/2) and exceeds it by O(h) otherwise
  (discrepancy D2 below).
* Prop 3.3.1 (Setting 1 revenue): NOT optimal, and its rule is derived with the wrong
  virtual value for the eta coordinates (discrepancy D1).  mdlp's derivation below gives
  the correct revenue of any *separable* rule and the optimal separable rule; the full
  (non-separable) optimum has no closed form and the LP is the reference.
* Theorem 4.3.1 (two items): ``Rev(T1) + Rev(T2) <= Rev(T) <= (1 + n + gamma)(Rev(T1) +
  Rev(T2))`` with ``E[eta] <= gamma * eta_low`` (:func:`multi_item_revenue_bound`).

Discrepancies with the thesis (details below)
------------------------------------------
D1  Prop 3.3.1 / (3.3.7) / Table 3.1 / A.2: wrong eta virtual value and not optimal.  n = 2,
    v ~ U[0,1], eta ~ U[0,1/2]: thesis rule 5/12, corrected separable 13/24, LP ~0.625.
    Its statement also sets ``C_i = -sum_j eta_{j<-i}``; Part 3 of its proof (correctly)
    uses ``-sum_j eta_low_{i<-j}``.
D2  Setting 2 on grids (not an error of the thesis, which is continuum): the full grid LP can
    beat the discrete form of Prop 3.3.4 by O(h); example in the tests: 4 vs 7/2.
D3  Typos: (3.2.11) sums ``tau_i 1{v_i >= tau_i}`` over j (should appear once); the end of
    the proof of Theorem 4.3.1 writes "=" for "<=".

mdlp's derivation: Setting-1 revenue (replaces the proof of Prop 3.3.1)
-----------------------------------------------------------------------
Fix bidder i, write its type in the thesis's coordinates ``t = (t_i, t_j)_j`` with
``t_i = v_i`` and ``t_j = -eta_{i<-j}``; its interim utility is ``U(t) = t . y(t) - q(t)``
with ``y = y^{(i)}`` the interim allocation vector.  BNIC <=> U convex with gradient y
(Prop 3.1.1).  With the threat outside option (serve everyone else when i abstains, the
worst for i and hence revenue-optimal, Prop 3.1.2) IR reads ``U(t) >= -sum_j eta_{i<-j} =
t . Z`` with ``Z = (0 at i, 1 elsewhere)``.  ``G = U - t.Z`` has gradient ``(y_i, y_j - 1)``,
i.e. G increases in v_i (``y_i >= 0``) and DEcreases in t_j = -eta (``y_j <= 1``): G is
smallest at the critical type ``(v_low, eta_low)`` (top corner in t_j), so IR binds there:
``U(v_low, eta_low) = -sum_j eta_low_{i<-j}``.  The thesis's proof then moves the base of the
line integral to the "lowest" type ``(v_low, eta_high)`` and treats ``C'_i = U(v_low,
eta_high)`` as a constant independent of the allocation; but ``C'_i = U(critical) -
sum_j int_{eta_low}^{eta_high} y_j d eta`` depends on y, which is the error.

Separable rules (x_k depends only on column k: v_k and eta_{m<-k}, m != k) make
``y_j^{(i)}`` depend only on t_j, so ``U(t) = U(critical) + sum_j int_{critical_j}^{t_j}
y_j``.  Coordinate by coordinate (independence, Fubini):

    v:   E[v y(v) - int_{v_low}^v y]          = E[y(v) (v - (1 - F_v)/f_v)]         = E[y phi_v]
    eta: E[-eta y(eta) + int_{eta_low}^eta y] = E[y(eta) (-eta + (1 - F_eta)/f_eta)]
                                              = E[-y phi_eta]

(``t_j = -eta`` so ``int_{-eta_low}^{-eta} y dt = -int_{eta_low}^{eta} y``).  Summing over
bidders and regrouping by the served bidder k:

    Rev(x) = sum_k E[ x_k (phi_{v_k}(v_k) - sum_{m != k} phi_{eta_{m<-k}}(eta_{m<-k})) ]
             + sum_{i != j} eta_low_{i<-j}                                           (*)

with ``phi_Z(z) = z - (1 - F_Z(z))/f_Z(z)`` Myerson's virtual value of each law.  So the
eta coordinate's virtual value is ``-phi_eta(eta) = -eta + (1 - F)/f`` (confirmed by
the grid LP), not the thesis's ``Phi_{i,k}(-eta) = -eta - F/f`` (3.3.7), which is what (*)
would give if IR bound at eta_high.  (*) holds for every BNIC-implementable separable rule
(each y_j monotone: x_k non-decreasing in v_k, non-increasing in eta_{m<-k}); it gives the
revenue of the thesis rule, of the efficient rule and, maximised pointwise (regular laws),
the optimal separable rule ``x_k = 1{phi_v(v_k) - sum_m phi_eta(eta_{m<-k}) >= 0}``.
For a non-separable rule ``U(t) - U(critical)`` also weighs y on the null slice
``t_j = critical_j`` (the thesis's xi_k, (3.3.6)), so revenue is not a pointwise-weighted
integral of x and the pointwise argument of Prop 3.3.1 does not give the optimum: bundled
mechanisms (serve i together with excluding the rival) beat the separable optimum; the LP
is the reference.

Reference instance (n = 2, v ~ U[0,1], eta ~ U[0,1/2]); phi_v = 2v - 1, phi_eta = 2 eta -
1/2, eta_low = 0, and w = v - eta has density 1 on [0, 1/2]:
  corrected separable: x = 1{v - eta >= 1/4}, Rev = 2 E[(2w - 1/2)^+] = 4 int_0^{1/2}
      (3/4 - e)^2 de ... = 4 * 13/96 = 13/24;
  thesis rule (A.2): x = 1{v - eta >= 1/2}, Rev = 4 E[1{w >= 1/2}(w - 1/4)] = 4 (13/96 -
      1/32) = 5/12 (the efficient rule 1{w >= 0} gives the same 5/12 here: w is uniform on
      [0, 1/2], symmetric about 1/4);
  the thesis's objective drops the allocation-dependent part of its constant: -C'_i =
      -U(v_low, eta_high) = eta_low + sum_j E[y_j(eta)/f(eta)], and adding it back turns
      -eta - F/f into -eta + (1 - F)/f, i.e. (*).  Without it the thesis rule would be
      valued 4 E[(w - 1/2)^+] = 1/6 instead of its true 5/12.
  The LP optimum over all (non-separable) mechanisms is higher still (~0.625; see the README).

Grid counterpart (exact).  IR only at the critical type is exact on grids too: IC of t
against the critical report gives ``U(t) >= U(crit) + (t - crit) . y(crit) >= U(crit) -
sum_j (eta_j - eta_low_j)``.  On a pmf with points ``z_1 < ... < z_K`` the same argument with
sums: for a separable rule and any payments, the smallest BNIC+IR utility is
``U(t) = max_{s0} [s0 . Z + chain sums from s0 to t]``; for separable y the chain sums split
by coordinate, so U (hence the optimal payment) is separable and the problem decomposes
into one-dimensional ones.  In the v coordinate (Z = 0) the maximising start is v_low:
Myerson's discrete virtual value ``psi(z_k) = z_k - (z_{k+1} - z_k) P(Z > z_k)/p_k``.  In an
eta coordinate (Z = 1, t = -eta) the maximising start is the top t, i.e. eta_low: U(eta_m) =
-eta_1 - sum_{l<m} (eta_{l+1} - eta_l) y(eta_l), and the revenue weight of y(eta_m) is
``-eta_m + (eta_{m+1} - eta_m) P(eta > eta_m)/p_m = -psi_eta(eta_m)`` -- the SAME
forward-difference (upper-tail) discrete virtual value as for v, with a minus sign (the
backward-difference form ``-eta - (eta_m - eta_{m-1}) P(eta < eta_m)/p_m`` belongs to the
seed's wrong base point).  Hence (*) holds exactly on grids with psi for phi and the lowest
grid point for eta_low; the separable optimum is
``sum_k E[(psibar_v - sum_m psibar_eta)^+] + sum eta_1`` with ironed values (for eta, maximise
over non-increasing y: with z = 1 - y non-decreasing the usual ironing of psi_eta applies,
and ironing preserves sum_m p_m psi_m).

Setting 2 on grids (mdlp's derivation, discrepancy D2).  Bidder i's utility from report
(v', e') is ``v A(v', e') - B(v', e')``, B collecting payment and expected externalities
(functions of the report only).  BNIC forces U constant across eta reports at one v level
and, between levels, ``max_e A(v_k, e) <= min_e A(v_{k+1}, e)``; nothing else.  With
``lo_k = min_e A(v_k, .)``, ``hi_k = max_e A(v_k, .)`` the revenue (threat option, IR at
v_1) is ``sum_k [hi_k a_k + lo_k b_k] + sum_{i != j} E[eta_{i<-j}]`` with
``a_k = p_k (E[(v_k - S)^+] - (v_k - psi_k))`` (A = hi where v_k >= S), ``b_k =
-p_k E[(S - v_k)^+]`` (A = lo where S > v_k), ``S = sum_j eta_{j<-i}``, subject to the chain
``0 <= lo_1 <= hi_1 <= lo_2 <= ... <= hi_K <= 1``.  The chain LP's optimum is the largest
suffix sum of ``(b_1, a_1, b_2, a_2, ...)`` (its vertices are 0/1 steps).  Forcing lo = hi
(allocation by v only) gives coefficients ``a_k + b_k = p_k (psi_k - E[S])``: the discrete
form of Prop 3.3.4.  The difference is a level served only when ``S <= v_k``, worth
``p_k E[(S - v_k)^+]`` extra: zero in the continuum (Lemma 3.1.4), O(h) on grids.  Welfare is
the same with ``a_k = p_k E[(v_k - S)^+]`` (no information rent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from mdlp.theory import NoClosedForm
from mdlp.theory.myerson import discrete_virtual_values, is_regular

SOURCE = "Rui (2020), Auctions of Digital Goods with Externalities"
TIE_TOL = 1e-12
_QUAD = dict(epsabs=1e-13, epsrel=1e-12, limit=400)


# --- input helpers -------------------------------------------------------------------
def _n(values, ext) -> int:
    n = len(values)
    if n < 2:
        raise ValueError("need at least two bidders")
    missing = [(i, j) for i in range(n) for j in range(n) if i != j and (i, j) not in ext]
    if missing:
        raise ValueError(f"ext lacks the laws of eta_(i<-j) for {missing}")
    return n


def _law(prior):
    law = prior.continuous
    if law is None:
        raise NoClosedForm("continuum values need priors built from a continuous law")
    return law


def _sum_dist(vals: Sequence[np.ndarray], probs: Sequence[np.ndarray]):
    """Distribution of a sum of independent discrete variables (support not merged)."""
    tot_v, tot_p = np.zeros(1), np.ones(1)
    for v, p in zip(vals, probs, strict=True):
        tot_v = np.add.outer(tot_v, np.asarray(v, float)).ravel()
        tot_p = np.multiply.outer(tot_p, np.asarray(p, float)).ravel()
    return tot_v, tot_p


def _expect(fun, laws, args=()):
    """``E[fun(*args, X_1, ..., X_m)]`` for independent continuous laws (nested adaptive
    quadrature over each law's support; depth m = n - 1 for one column)."""
    from scipy import integrate

    if not laws:
        return float(fun(*args))
    law, rest = laws[0], laws[1:]

    def integrand(x):
        return _expect(fun, rest, args + (x,)) * float(law.pdf(x))

    val, _ = integrate.quad(integrand, law.low, law.high, **_QUAD)
    return float(val)


def _phi(law, x):
    return float(law.virtual_value(x))


def _phi_inv(law, y: float) -> float:
    """Smallest v with ``phi_v(v) >= y`` for a regular law, clipped to the support."""
    from scipy import optimize

    if y <= _phi(law, law.low):
        return float(law.low)
    if y >= law.high:  # phi(high) = high
        return float(law.high)
    return float(optimize.brentq(lambda s: _phi(law, s) - y, law.low, law.high, xtol=1e-15))


def _require_regular(law, what):
    if not is_regular(law):
        raise NoClosedForm(f"{what}: continuum formula needs a regular law (no ironing)")


def _tail_integral(law, c: float) -> float:
    """``E[(v - c)^+] = int_c^high (1 - F(u)) du`` (``E[v] - c`` below the support)."""
    from scipy import integrate

    if c >= law.high:
        return 0.0
    lo = max(c, law.low)
    val, _ = integrate.quad(lambda u: float(law.sf(u)), lo, law.high, **_QUAD)
    return float(val + max(law.low - c, 0.0))


def _revenue_above(law, c: float, a: float) -> float:
    """``E[1{v >= c} (phi_v(v) + a)] = (c' + a) (1 - F(c'))``, ``c' = clip(c)`` (integrate
    ``d/dv[-v (1 - F(v))] = phi_v(v) f(v)``)."""
    c = min(max(c, law.low), law.high)
    return (c + a) * float(law.sf(c))


# --- Setting 1, welfare ----------------------------------------------------------------
def s1_welfare_vcg(values, ext, grid: bool = True) -> float:
    """Expected welfare of the efficient (VCG) mechanism, Setting 1 (thesis Prop 3.2.2, (3.2.3)):
    ``sum_k E[(v_k - sum_{m != k} eta_{m<-k})^+]``.

    It is also the welfare optimum under BNIC/interim IR (and DSIC/ex-post IR) on any type
    space, since the pointwise maximiser is VCG-implementable; hence ``grid=True`` is the
    exact value of the grid welfare LP.  Midpoint grids converge at O(h^2) (midpoint rule
    on a piecewise-linear integrand with a kink).  Reference: n = 2, v ~ U[0,1], eta ~
    U[0,1/2]: ``2 * int_0^{1/2} 2 (1 - e)^2 / 2 de = 7/12``.
    """
    n = _n(values, ext)
    total = 0.0
    for k in range(n):
        others = [m for m in range(n) if m != k]
        if grid:
            s, ps = _sum_dist(
                [ext[(m, k)].points for m in others], [ext[(m, k)].probs for m in others]
            )
            w = np.add.outer(values[k].points, -s)
            total += float(np.einsum("a,b,ab->", values[k].probs, ps, np.maximum(w, 0.0)))
        else:
            lv = _law(values[k])
            laws = [_law(ext[(m, k)]) for m in others]
            total += _expect(lambda *e, lv=lv: _tail_integral(lv, sum(e)), laws)
    return total


# --- Setting 2, revenue ----------------------------------------------------------------
def _law_mean(law) -> float:
    from scipy import integrate

    val, _ = integrate.quad(lambda x: x * float(law.pdf(x)), law.low, law.high, **_QUAD)
    return float(val)


def _mean_out(ext, i, n, grid):
    """``E[S_i] = sum_j E[eta_{j<-i}]`` (the externality bidder i imposes, in expectation)."""
    others = [j for j in range(n) if j != i]
    if grid:
        return float(sum(ext[(j, i)].mean() for j in others))
    return float(sum(_law_mean(_law(ext[(j, i)])) for j in others))


def _suffix_max(coef: np.ndarray) -> tuple[float, int]:
    """``max(0, max_s sum_{m >= s} coef_m)`` and the start s (len(coef) if nothing)."""
    suff = np.cumsum(coef[::-1])[::-1]
    s = int(np.argmax(suff))
    if suff[s] <= 0:
        return 0.0, coef.size
    return float(suff[s]), s


def _constant_s2(ext, n, grid):
    """Threat outside option: every bidder pays ``sum_j E[eta_{i<-j}]`` up front (IR at
    v_low against being excluded while everyone else is served)."""
    return sum(_mean_out(ext, i, n, grid) for i in range(n))  # same double sum, reindexed


def s2_revenue_optimal(values, ext, grid: bool = True) -> tuple[float, list[float]]:
    """Optimal BNIC + interim-IR revenue in Setting 2 (thesis Prop 3.3.4, Cor 3.3.6, Example
    3.3.8), threat outside option: ``sum_i E[max(Phi_i(v_i) - E[S_i], 0)] + sum_{i!=j}
    E[eta_{i<-j}]`` with ``S_i = sum_j eta_{j<-i}``; thresholds ``tau_i = Phi_i^{-1}(E[S_i])``.

    ``grid=True``: discrete Myerson virtual values, ironed (the largest suffix sum of
    ``p_k (psi_k - E[S_i])`` over v levels, which is the ironed optimum); thresholds are the
    lowest served grid point (``inf`` if none).  This is the exact optimum of the reduction
    to one-dimensional LPs over v levels; the full grid LP may exceed it, see
    :func:`s2_revenue_grid` and the module docstring (D2).  Reference: n = 2, v ~ U[0,1],
    eta ~ U[0,1/2]: tau = 5/8 (2 tau - 1 = 1/4), revenue ``2 (5/8 * 3/8 + 1/4 * 5/8) = 25/32``.
    """
    n = _n(values, ext)
    total, taus = 0.0, []
    for i in range(n):
        es = _mean_out(ext, i, n, grid)
        if grid:
            pr = values[i]
            psi = discrete_virtual_values(pr.points, pr.probs, ironed=False)
            coef = pr.probs * (np.where(pr.probs > 0, psi, 0.0) - es)
            val, s = _suffix_max(coef)
            total += val
            taus.append(float(pr.points[s]) if s < len(pr) else float("inf"))
        else:
            law = _law(values[i])
            _require_regular(law, "s2_revenue_optimal")
            tau = _phi_inv(law, es)
            total += _revenue_above(law, tau, -es)
            taus.append(tau)
    return total + _constant_s2(ext, n, grid), taus


def _s2_chain(values, ext, objective: str) -> tuple[float, list[float]]:
    """Exact grid optimum of the full Setting-2 LP (allocation may depend on the eta report),
    by the chain reduction of the module docstring (mdlp's derivation).  Returns the value
    and, per bidder, the lowest v level that is served at least partly (``inf`` if none)."""
    n = _n(values, ext)
    total, taus = 0.0, []
    for i in range(n):
        others = [j for j in range(n) if j != i]
        s, ps = _sum_dist([ext[(j, i)].points for j in others], [ext[(j, i)].probs for j in others])
        pr = values[i]
        diff = np.add.outer(pr.points, -s)  # v_k - S
        pos = np.maximum(diff, 0.0) @ ps  # E[(v_k - S)^+]
        neg = np.maximum(-diff, 0.0) @ ps  # E[(S - v_k)^+]
        a = pr.probs * pos
        if objective == "revenue":
            gap = np.append(np.diff(pr.points), 0.0)
            above = pr.tail() - pr.probs  # P(v > v_k)
            a = a - gap * above
        b = -pr.probs * neg
        coef = np.column_stack([b, a]).ravel()  # b_1, a_1, b_2, a_2, ...
        val, s0 = _suffix_max(coef)
        total += val
        taus.append(float(pr.points[s0 // 2]) if s0 < coef.size else float("inf"))
    if objective == "revenue":
        total += _constant_s2(ext, n, True)
    return total, taus


def s2_revenue_grid(values, ext) -> tuple[float, list[float]]:
    """Exact optimum of the full grid LP for Setting-2 revenue (BNIC over all own (v, eta)
    grid types, interim IR, threat outside option): mdlp's chain reduction (module
    docstring, D2).  ``>= s2_revenue_optimal(grid=True)``, equal when no served level has
    ``P(S_i > v_k) > 0``; both converge to the continuum value of Prop 3.3.4."""
    return _s2_chain(values, ext, "revenue")


def s2_welfare_grid(values, ext) -> tuple[float, list[float]]:
    """Exact optimum of the full grid LP for Setting-2 expected welfare under BNIC (no budget
    constraint): the chain reduction with ``a_k = p_k E[(v_k - S)^+]``, ``b_k = -p_k
    E[(S - v_k)^+]``.  Above the thesis rule (:func:`s2_welfare_thesis`) by O(h) on grids,
    equal in the limit (Prop 3.2.4)."""
    return _s2_chain(values, ext, "welfare")


def s2_welfare_thesis(values, ext, grid: bool = True) -> tuple[float, list[float]]:
    """Expected welfare of the thesis rule, Setting 2 (thesis Props 3.2.4, 3.2.6, 3.2.7):
    ``x_i = 1{v_i >= tau_i}``, ``tau_i = sum_j E[eta_{j<-i}]`` (independent components, so
    the conditional mean is the mean); value ``sum_i E[(v_i - tau_i)^+]``.

    ``grid=True`` evaluates the rule on the pmf: a lower bound of the grid LP, which lies
    O(h) above it (:func:`s2_welfare_grid` is the LP's exact value); only the limit is the
    theorem.  Reference: n = 2, v ~ U[0,1], eta ~ U[0,1/2]: tau = 1/4, ``2 * (3/4)^2 / 2
    = 9/16``."""
    n = _n(values, ext)
    total, taus = 0.0, []
    for i in range(n):
        tau = _mean_out(ext, i, n, grid)
        if grid:
            pr = values[i]
            total += float(pr.probs @ np.maximum(pr.points - tau, 0.0))
        else:
            total += _tail_integral(_law(values[i]), tau)
        taus.append(tau)
    return total, taus


# --- Setting 1, revenue ----------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SeparableRule:
    """A separable allocation rule on the grid: serve bidder k iff
    ``v_score[k][a] + sum_{m != k} eta_score[(m, k)][b_m] >= -TIE_TOL`` where a indexes
    ``values[k].points`` and b_m indexes ``ext[(m, k)].points``.  ``v_score`` must be
    non-decreasing and every ``eta_score`` non-increasing (then the rule is BNIC-implementable
    in Setting 1).  ``thresholds`` (n = 2 only): for bidder k, the lowest served v grid
    point for each eta_{m<-k} grid point (``inf`` if none)."""

    name: str
    v_score: list
    eta_score: dict
    thresholds: dict = field(default_factory=dict)

    def score(self, k: int, v_idx, eta_idx: Mapping[int, np.ndarray]) -> np.ndarray:
        """Broadcast score of bidder k at integer index arrays (``eta_idx[m]`` for m != k)."""
        out = np.asarray(self.v_score[k])[np.asarray(v_idx)]
        for m, idx in eta_idx.items():
            out = out + np.asarray(self.eta_score[(m, k)])[np.asarray(idx)]
        return out

    def allocate(self, k: int, v_idx, eta_idx: Mapping[int, np.ndarray]) -> np.ndarray:
        """0/1 allocation of bidder k (float array) at the given index arrays."""
        return (self.score(k, v_idx, eta_idx) >= -TIE_TOL).astype(float)


def _make_rule(name, values, ext, v_fn, eta_fn) -> SeparableRule:
    n = _n(values, ext)
    v_score = [np.asarray(v_fn(values[k]), float) for k in range(n)]
    eta_score = {key: np.asarray(eta_fn(pr), float) for key, pr in ext.items()}
    for k, sc in enumerate(v_score):
        if np.any(np.diff(sc) < -1e-12):
            raise NoClosedForm(
                f"{name} rule: the v score of bidder {k} is not monotone (irregular law)"
            )
    for key, sc in eta_score.items():
        if np.any(np.diff(sc) > 1e-12):
            raise NoClosedForm(
                f"{name} rule: the eta score of {key} is not monotone (irregular law)"
            )
    thr = {}
    if n == 2:
        for k in range(2):
            m = 1 - k
            ok = v_score[k][:, None] + eta_score[(m, k)][None, :] >= -TIE_TOL
            first = np.where(ok.any(axis=0), ok.argmax(axis=0), -1)
            pts = values[k].points
            thr[k] = np.where(first >= 0, pts[np.maximum(first, 0)], np.inf)
    return SeparableRule(name, v_score, eta_score, thr)


def _psi(pr, ironed):
    return np.nan_to_num(discrete_virtual_values(pr.points, pr.probs, ironed=ironed))


def s1_separable_rule(values, ext, grid: bool = True) -> SeparableRule:
    """The optimal separable rule in Setting 1 (mdlp's corrected Prop 3.3.1, module
    docstring): serve k iff ``psibar_v(v_k) - sum_m psibar_eta(eta_{m<-k}) >= 0`` with ironed
    discrete Myerson virtual values of each grid pmf (forward differences for v AND eta).
    Only the grid form is returned (``grid=False`` raises; the continuum rule is
    ``phi_v(v_k) >= sum_m phi_eta(eta_{m<-k})``)."""
    if not grid:
        raise NotImplementedError("the separable rule is returned on the grid only")
    return _make_rule("separable", values, ext, lambda p: _psi(p, True), lambda p: -_psi(p, True))


def s1_thesis_rule(values, ext, grid: bool = True) -> SeparableRule:
    """The rule of thesis Prop 3.3.1 as printed, (3.3.7) / A.2: serve k iff
    ``phi_v(v_k) + sum_m (-eta_{m<-k} - F(eta)/f(eta)) >= 0``, the continuum laws' functions
    evaluated at the grid points (uniform: ``v_k - sum eta >= (v_high - sum eta_low)/2``)."""
    if not grid:
        raise NotImplementedError("the thesis rule is returned on the grid only")

    def eta_fn(p):
        law = _law(p)
        x = p.points
        return -(x + law.cdf(x) / law.pdf(x))

    return _make_rule("thesis", values, ext, lambda p: _law(p).virtual_value(p.points), eta_fn)


def s1_efficient_rule(values, ext, grid: bool = True) -> SeparableRule:
    """The VCG allocation (Prop 3.2.2) as a separable rule: serve k iff
    ``v_k - sum_m eta_{m<-k} >= 0``."""
    if not grid:
        raise NotImplementedError("the efficient rule is returned on the grid only")
    return _make_rule("efficient", values, ext, lambda p: p.points, lambda p: -p.points)


RULES = {"separable": s1_separable_rule, "thesis": s1_thesis_rule, "efficient": s1_efficient_rule}


def _s1_constant(ext, grid):
    if grid:
        return float(sum(pr.points[np.argmax(pr.probs > 0)] for pr in ext.values()))
    return float(sum(_law(pr).low for pr in ext.values()))


def s1_revenue_of_rule(rule, values, ext, grid: bool = False) -> float:
    """Largest BNIC + interim-IR revenue of a fixed separable allocation rule in Setting 1,
    threat outside option, by mdlp's formula (*) (module docstring; corrects the proof of
    thesis Prop 3.3.1):  ``sum_k E[x_k (phi_v(v_k) - sum_m phi_eta(eta_{m<-k}))] + sum eta_low``.

    ``rule``: "thesis" (Prop 3.3.1 as printed), "separable" (the corrected optimal separable
    rule), "efficient" (VCG allocation), or a :class:`SeparableRule` (grid only).
    ``grid=True``: exact on the pmf with Myerson's discrete virtual values (unironed; exact
    for any monotone separable rule) and eta_low = lowest grid point -- the value the grid
    LP with the allocation fixed to (or restricted to) this rule must reproduce; for
    "separable" it is the optimum of the separable-restricted grid LP.  ``grid=False``:
    quadrature (regular laws).  Reference (n = 2, v ~ U[0,1], eta ~ U[0,1/2]): thesis 5/12,
    separable 13/24, efficient 5/12."""
    n = _n(values, ext)
    if grid:
        r = rule if isinstance(rule, SeparableRule) else RULES[rule](values, ext, grid=True)
        total = 0.0
        for k in range(n):
            others = [m for m in range(n) if m != k]
            pe, (rsum, wsum) = _rule_profile(r, k, others, ext)
            x = np.add.outer(r.v_score[k], rsum) >= -TIE_TOL
            w = np.add.outer(_psi(values[k], False), wsum)
            total += float(np.einsum("a,b,ab->", values[k].probs, pe, x * w))
        return total + _s1_constant(ext, True)
    if isinstance(rule, SeparableRule):
        raise NotImplementedError("a SeparableRule object is a grid rule; use grid=True")
    total = 0.0
    for k in range(n):
        lv = _law(values[k])
        _require_regular(lv, "s1_revenue_of_rule")
        laws = [_law(ext[(m, k)]) for m in range(n) if m != k]
        for law in laws:
            _require_regular(law, "s1_revenue_of_rule")

        def col(*e, lv=lv, laws=laws):
            a = -sum(_phi(law, x) for law, x in zip(laws, e, strict=True))
            if rule == "separable":
                c = _phi_inv(lv, -a)
            elif rule == "thesis":
                c = _phi_inv(
                    lv,
                    sum(x + float(law.cdf(x) / law.pdf(x)) for law, x in zip(laws, e, strict=True)),
                )
            elif rule == "efficient":
                c = sum(e)
            else:
                raise ValueError(f"unknown rule {rule!r}")
            return _revenue_above(lv, c, a)

        total += _expect(col, laws)
    return total + _s1_constant(ext, False)


def _rule_profile(r: SeparableRule, k, others, ext):
    probs = np.ones(1)
    rsum, wsum = np.zeros(1), np.zeros(1)
    for m in others:
        pr = ext[(m, k)]
        probs = np.multiply.outer(probs, pr.probs).ravel()
        rsum = np.add.outer(rsum, r.eta_score[(m, k)]).ravel()
        wsum = np.add.outer(wsum, -_psi(pr, False)).ravel()
    return probs, (rsum, wsum)


# --- chapter 4: two items --------------------------------------------------------------
def theorem_431_gamma(ext_items, grid: bool = True) -> float:
    """Smallest gamma >= 1 of thesis Theorem 4.3.1's assumption ``E[T_ij^k] >= gamma *
    T_ij^k(critical)``, i.e. ``E[eta^k_{i<-j}] <= gamma * eta_low^k_{i<-j}`` for every
    ordered pair and item.  ``ext_items``: one ``ext`` mapping per item.  ``inf`` when some
    eta_low = 0 with positive mean (the theorem then does not apply).  ``grid=True`` uses
    each pmf (lowest point with mass, pmf mean), ``grid=False`` the continuum law."""
    gamma = 1.0
    for ext in ext_items:
        for pr in ext.values():
            if grid:
                low, mean = float(pr.points[np.argmax(pr.probs > 0)]), pr.mean()
            else:
                law = _law(pr)
                low, mean = float(law.low), _law_mean(law)
            if mean <= 0:
                continue
            gamma = max(gamma, mean / low if low > 0 else float("inf"))
    return gamma


def multi_item_revenue_bound(
    item_revenues: Sequence[float], n: int, gamma: float
) -> tuple[float, float]:
    """Seed Theorem 4.3.1 (g = 2 items, all T^k_{ij} independent, Setting 1, BNIC + interim
    IR, threat outside option): ``Rev(T1) + Rev(T2) <= Rev(T) <= (1 + n + gamma) (Rev(T1) +
    Rev(T2))``.

    Arguments: ``item_revenues`` = (Rev(T1), Rev(T2)), the optimal single-item revenues
    (e.g. the single-item LP optima on the same grid); ``n`` = number of bidders;
    ``gamma`` >= 1 from :func:`theorem_431_gamma`.  Returns (lower, upper).  The lower bound
    holds for any number of items (sell separately: BNIC and the threat IR add up); the
    upper bound is the theorem's, stated for two items (Remark 4.3.11)."""
    if gamma < 1:
        raise ValueError("Theorem 4.3.1 needs gamma >= 1")
    s = float(sum(item_revenues))
    return s, (1.0 + n + gamma) * s


def multi_item_welfare(values_items, ext_items, grid: bool = True) -> float:
    """Section 4.2: with additive values the welfare optimum (VCG) is the sum over items of
    the single-item optima :func:`s1_welfare_vcg`."""
    return float(
        sum(s1_welfare_vcg(v, e, grid) for v, e in zip(values_items, ext_items, strict=True))
    )
