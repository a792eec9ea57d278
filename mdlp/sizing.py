"""The size guard: estimate an LP's rows, nonzeros and memory before building it.

A grid LP grows like a power of the grid size K (profiles like K^d, IC pairs like K^(2d)),
so a user who types ``grid.points=401`` on a three-bidder family can ask for a matrix that
no machine holds.  :func:`check_size` estimates the LP from cheap trial builds on small
grids (a family may instead answer exactly through :meth:`Problem.size_estimate`), and
refuses, with the estimate and the largest grid that fits, when the memory estimate
exceeds the budget: ``solver.memory_budget_gb`` or, by default, 75% of the memory
available on the machine.  ``mdlp solve --force`` (``solve(..., force=True)``) skips it.

The memory model is calibrated on the benchmarks in ``benchmarks/performance``
(HiGHS, 2 bidders BIC K=601: 1.46M nonzeros, 1.09M rows+columns, 1.26 GB peak RSS):
``200 MB + 500 B per nonzero + 300 B per row or column``.  Families solved by row
generation are estimated on their initial LP; the rows they add later are not counted.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass

from mdlp.config import ConfigError, GridConfig, RunConfig

BASE_BYTES = 200e6
BYTES_PER_NNZ = 500.0
BYTES_PER_LINE = 300.0
TRIAL_POINTS = (3, 4, 5, 6, 8, 11, 16, 23, 32, 45, 64, 91, 128)
TRIAL_MAX_NNZ = 200_000  # stop trial builds once one reaches this many nonzeros
TRIAL_MAX_SECONDS = 1.5  # ... or once the trials took this long


@dataclass
class SizeEstimate:
    """Estimated size of the LP a config builds (``exact`` when it is a real count)."""

    points: int
    rows: float
    cols: float
    nnz: float
    exact: bool = False

    @property
    def bytes(self) -> float:
        return memory_bytes(self.rows, self.cols, self.nnz)

    def describe(self) -> str:
        approx = "" if self.exact else "~"
        return (
            f"{approx}{self.rows:.3g} rows, {approx}{self.cols:.3g} columns, "
            f"{approx}{self.nnz:.3g} nonzeros, {approx}{self.bytes / 2**30:.3g} GiB"
        )


def memory_bytes(rows: float, cols: float, nnz: float) -> float:
    """The memory model of the module docstring."""
    return BASE_BYTES + BYTES_PER_NNZ * nnz + BYTES_PER_LINE * (rows + cols)


def available_bytes() -> float:
    """Memory available to a new process (``MemAvailable``), or the physical memory."""
    try:
        with open("/proc/meminfo") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return float(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 8 * 2.0**30


def budget_bytes(cfg: RunConfig) -> float:
    """``solver.memory_budget_gb`` in bytes, or 75% of the available memory."""
    gb = getattr(cfg.solver, "memory_budget_gb", None)
    return gb * 2.0**30 if gb else 0.75 * available_bytes()


def _problem_at(cfg: RunConfig, points: int):
    from mdlp.problems import get_family

    grid = GridConfig(points=points, placement=cfg.grid.placement)
    return get_family(cfg.kind)(cfg.params, grid, cfg.solver)


def _trial_sizes(cfg: RunConfig) -> list[tuple[int, int, int, int]]:
    """(K, rows, cols, nnz) of real builds on grids smaller than the config's."""
    out: list[tuple[int, int, int, int]] = []
    t0 = time.perf_counter()
    for k in TRIAL_POINTS:
        if k >= cfg.grid.points:
            break
        try:
            lp = _problem_at(cfg, k).build()
        except ConfigError:
            continue  # e.g. a family that needs more points than k
        s = lp.stats()
        out.append((k, s["rows"], s["cols"], s["nnz"]))
        if s["nnz"] >= TRIAL_MAX_NNZ or time.perf_counter() - t0 > TRIAL_MAX_SECONDS:
            break
    return out


def _extrapolate(trials, K: int, i: int) -> float:
    """Power law through the two largest trials, never with a smaller exponent than the
    one through the two before them (lower-order terms make small grids understate it)."""
    (k1, *a), (k2, *b) = trials[-2], trials[-1]
    if b[i] <= 0:
        return 0.0
    p = math.log(max(b[i], 1) / max(a[i], 1)) / math.log(k2 / k1)
    if len(trials) >= 3:
        k0, *z = trials[-3]
        p = max(p, math.log(max(a[i], 1) / max(z[i], 1)) / math.log(k1 / k0))
    return b[i] * (K / k2) ** max(p, 0.0)


def estimate_size(cfg: RunConfig, problem=None) -> SizeEstimate | None:
    """Estimate the LP of ``cfg`` without building it; ``None`` when the grid is so small
    (or does not drive the size) that building is the cheapest way to know."""
    prob = problem or cfg.make_problem()
    own = prob.size_estimate()
    if own is not None:
        rows, cols, nnz = own
        return SizeEstimate(cfg.grid.points, rows, cols, nnz, exact=True)
    trials = _trial_sizes(cfg)
    if len(trials) < 2 or trials[-1][1:] == trials[-2][1:]:
        return None  # tiny grid, or a pmf family whose size does not depend on K
    K = cfg.grid.points
    rows, cols, nnz = (_extrapolate(trials, K, i) for i in range(3))
    return SizeEstimate(K, rows, cols, nnz)


def largest_fitting_points(cfg: RunConfig, budget: float) -> int | None:
    """The largest ``grid.points`` whose estimated LP fits in ``budget`` bytes (``None``
    when not even the smallest grid does)."""
    trials = _trial_sizes(cfg)
    if len(trials) < 2:
        return None
    built = {k: (r, c, z) for k, r, c, z in trials}

    def fits(k):
        size = built.get(k) or tuple(_extrapolate(trials, k, i) for i in range(3))
        return memory_bytes(*size) <= budget

    lo, hi = 2, cfg.grid.points
    if not fits(lo):
        return None
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid - 1)
    return lo


def check_size(cfg: RunConfig, problem=None) -> SizeEstimate | None:
    """Raise :class:`ConfigError` (field ``grid.points``) when the LP of ``cfg`` is
    estimated not to fit in the memory budget; return the estimate otherwise."""
    est = estimate_size(cfg, problem)
    if est is None:
        return None
    budget = budget_bytes(cfg)
    if est.bytes <= budget:
        return est
    best = largest_fitting_points(cfg, budget)
    hint = (
        f"the largest grid that fits is grid.points={best}; "
        if best
        else "no grid of this family fits; "
    )
    raise ConfigError(
        "grid.points",
        f"{cfg.grid.points} points would build an LP of {est.describe()}, over the memory "
        f"budget of {budget / 2**30:.3g} GiB; {hint}raise solver.memory_budget_gb or pass "
        "--force to build it anyway",
    )
