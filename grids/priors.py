"""Priors on grids: a ``scipy.stats`` distribution discretized onto an axis, or a pmf.

Cell masses: point ``k`` of the axis receives ``F(edges[k+1]) - F(edges[k])`` of the
distribution truncated to ``[low, high]``, so the masses are non-negative and sum to one
for every placement.  A pmf given as ``values``/``probs`` is its own axis (its values are
the points; no grid size applies to it).

``scipy.stats`` is imported only for a law that needs it: a uniform law (without shape
parameters) is evaluated by :class:`Uniform`, the same arithmetic as ``scipy.stats.uniform``
without the import, and a pmf needs no law at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from grids.axis import Axis

ALIASES = {"exponential": "expon", "normal": "norm", "gaussian": "norm", "lognormal": "lognorm"}


@dataclass(frozen=True, eq=False)
class Truncated:
    """A continuous ``scipy.stats`` distribution conditioned on ``[low, high]``."""

    frozen: object  # a scipy.stats frozen distribution, or a Uniform
    low: float
    high: float
    name: str = ""
    _mass: float = field(init=False, default=1.0)

    def __post_init__(self):
        Fa, Fb = self.frozen.cdf(self.low), self.frozen.cdf(self.high)
        if not Fb - Fa > 0:
            raise ValueError(f"the distribution has no mass on [{self.low}, {self.high}]")
        object.__setattr__(self, "_Fa", float(Fa))
        object.__setattr__(self, "_mass", float(Fb - Fa))

    def cdf(self, x):
        x = np.clip(np.asarray(x, dtype=float), self.low, self.high)
        return (self.frozen.cdf(x) - self._Fa) / self._mass

    def sf(self, x):
        return 1.0 - self.cdf(x)

    def pdf(self, x):
        x = np.asarray(x, dtype=float)
        inside = (x >= self.low) & (x <= self.high)
        return np.where(inside, self.frozen.pdf(x) / self._mass, 0.0)

    def ppf(self, u):
        u = np.asarray(u, dtype=float)
        return np.clip(self.frozen.ppf(self._Fa + u * self._mass), self.low, self.high)

    def virtual_value(self, x):
        """Myerson's virtual value ``x - (1 - F(x)) / f(x)`` of the truncated law."""
        x = np.asarray(x, dtype=float)
        return x - self.sf(x) / self.pdf(x)


class Uniform:
    """The uniform law on ``[loc, loc + scale]`` (``scale > 0``), evaluated as
    ``scipy.stats.uniform(loc, scale)`` evaluates it (cdf, pdf, ppf, support), with no
    ``scipy.stats`` import: the cdf is exact arithmetic, ``(x - loc) / scale`` clipped to
    ``[0, 1]``."""

    def __init__(self, loc: float, scale: float):
        self.loc, self.scale = float(loc), float(scale)

    def __repr__(self) -> str:
        return f"Uniform(loc={self.loc!r}, scale={self.scale!r})"

    def _std(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=np.float64) - self.loc) / self.scale

    @staticmethod
    def _out(a: np.ndarray):
        return a[()] if a.ndim == 0 else a

    def support(self) -> tuple[float, float]:
        """The end points ``loc`` and ``loc + scale``."""
        return 0.0 * self.scale + self.loc, 1.0 * self.scale + self.loc

    def cdf(self, x):
        """``P(V <= x)``: 0 left of the support, 1 right of it, linear between."""
        z = self._std(x)
        return self._out(np.where(np.isnan(z), np.nan, np.clip(z, 0.0, 1.0)))

    def sf(self, x):
        """``P(V > x) = 1 - cdf(x)``."""
        return self._out(1.0 - np.asarray(self.cdf(x)))

    def pdf(self, x):
        """``1 / scale`` on the closed support, 0 outside."""
        z = self._std(x)
        inside = (z >= 0.0) & (z <= 1.0)
        return self._out(np.where(np.isnan(z), np.nan, np.where(inside, 1.0 / self.scale, 0.0)))

    def ppf(self, q):
        """The quantile ``loc + q * scale`` for ``q`` in ``[0, 1]`` (NaN outside)."""
        q = np.asarray(q, dtype=np.float64)
        ok = (q >= 0.0) & (q <= 1.0)
        return self._out(np.where(ok, q * self.scale + self.loc, np.nan))

    def mean(self) -> float:
        """``loc + scale / 2``."""
        return self.loc + 0.5 * self.scale


def _uniform_or_none(name, loc, scale, low, high, shape) -> Uniform | None:
    """The :class:`Uniform` that :func:`make_distribution` would build as
    ``scipy.stats.uniform``; ``None`` (let scipy.stats build it, or reject it) for any other
    law, shape parameters, or bounds that are missing or degenerate."""
    if ALIASES.get(name, name) != "uniform" or shape:
        return None
    if loc is None and scale is None:
        if low is None or high is None:
            return None
        loc, scale = low, high - low
    loc = 0.0 if loc is None else loc
    scale = 1.0 if scale is None else scale
    try:
        loc, scale = float(loc), float(scale)
    except (TypeError, ValueError):
        return None
    if not (np.isfinite(loc) and np.isfinite(scale) and scale > 0):
        return None
    return Uniform(loc, scale)


@dataclass(frozen=True, eq=False)
class Prior:
    """A pmf ``probs`` on the points of ``axis``; ``continuous`` is the law it came from
    (``None`` for an explicit pmf)."""

    axis: Axis
    probs: np.ndarray
    continuous: Truncated | None = None

    def __post_init__(self):
        p = np.asarray(self.probs, dtype=np.float64)
        if p.shape != (len(self.axis),):
            raise ValueError("one probability per grid point is needed")
        if np.any(p < 0) or not np.isclose(p.sum(), 1.0, atol=1e-9):
            raise ValueError("probabilities must be non-negative and sum to 1")
        object.__setattr__(self, "probs", p / p.sum())

    @property
    def points(self) -> np.ndarray:
        return self.axis.points

    def __len__(self) -> int:
        return len(self.axis)

    def mean(self) -> float:
        return float(self.points @ self.probs)

    def cdf(self) -> np.ndarray:
        """``P(v <= points[k])`` for every k."""
        return np.cumsum(self.probs)

    def tail(self) -> np.ndarray:
        """``P(v >= points[k])`` for every k."""
        return np.cumsum(self.probs[::-1])[::-1]


def make_distribution(name: str, *, loc=None, scale=None, low=None, high=None, **shape):
    """A frozen scipy.stats distribution by name (``uniform`` takes ``low``/``high``)."""
    from scipy import stats

    name = ALIASES.get(name, name)
    dist = getattr(stats, name, None)
    if not isinstance(dist, stats.rv_continuous):
        raise ValueError(f"unknown continuous distribution {name!r} (any scipy.stats name)")
    if name == "uniform" and loc is None and scale is None:
        if low is None or high is None:
            raise ValueError("uniform needs low and high")
        loc, scale = low, high - low
    kwargs = dict(shape)
    if loc is not None:
        kwargs["loc"] = loc
    if scale is not None:
        kwargs["scale"] = scale
    return dist(**kwargs)


def continuous_prior(
    name: str,
    points: int,
    *,
    low: float | None = None,
    high: float | None = None,
    placement: str = "midpoint",
    loc: float | None = None,
    scale: float | None = None,
    **shape,
) -> Prior:
    """Discretize a scipy.stats distribution, truncated to ``[low, high]``, onto ``points``
    grid points (see :mod:`grids.axis` for the placements).  A uniform law is evaluated
    without importing scipy.stats (:class:`Uniform`, the same numbers)."""
    frozen = _uniform_or_none(name, loc, scale, low, high, shape)
    if frozen is None:
        frozen = make_distribution(name, loc=loc, scale=scale, low=low, high=high, **shape)
    s_lo, s_hi = frozen.support()
    lo = float(s_lo) if low is None else float(low)
    hi = float(s_hi) if high is None else float(high)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ValueError(
            f"{name} has unbounded support [{s_lo}, {s_hi}]; give finite low/high to truncate"
        )
    law = Truncated(frozen, lo, hi, name)
    axis = Axis.uniform(lo, hi, points, placement)
    masses = np.diff(law.cdf(axis.edges))
    return Prior(axis, np.maximum(masses, 0.0) / masses.sum(), law)


def pmf_prior(values, probs) -> Prior:
    """An explicit pmf: ``values`` become the axis points, ``probs`` their masses."""
    values = np.asarray(values, dtype=np.float64)
    probs = np.asarray(probs, dtype=np.float64)
    if values.shape != probs.shape or values.ndim != 1:
        raise ValueError("values and probs must be lists of the same length")
    order = np.argsort(values)
    return Prior(Axis.custom(values[order]), probs[order], None)
