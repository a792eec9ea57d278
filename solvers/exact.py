"""Exact verification of an LP optimum in rational arithmetic (Python ``fractions``).

A simplex method ends at a *basis*: every column and every row is either basic or
nonbasic at one of its bounds.  The basis alone determines the vertex and its duals, so
floating-point round-off in the solver does not matter once the basis is known:

1. HiGHS (dual simplex, so that a basis exists) solves the LP and reports the basis
   (``getBasis``: column and row statuses).
2. Every LP number is turned into a fraction (:func:`rational`): a float is read as the
   rational it was meant to be, ``Fraction(v).limit_denominator(10**6)``, only when that
   fraction reproduces the float to 1e-14 relative, i.e. to a few dozen units in the last
   place, as grid masses computed as differences of cdf values do (0.1 -> 1/10, a mass
   0.004000000000000001 -> 1/250); otherwise its exact binary value ``Fraction(v)`` is used
   (e.g. masses of an exponential prior).  The LP verified is therefore the rational LP
   the float data stand for.
3. Nonbasic columns sit at their bounds, nonbasic rows at theirs; the basic columns solve
   the square system "rows at a bound" x "basic columns" exactly (sparse Gaussian
   elimination on fractions), and the duals solve its transpose ``B^T y = c_B``; reduced
   costs are ``d = c - A^T y``.
4. With ZERO tolerance: primal feasibility (every column and every row within its bounds),
   dual feasibility (no dual prices an infinite bound, with the signs of the convention in
   :mod:`solvers.lp`), complementary slackness (a nonzero dual only on a bound that is
   attained exactly), and the equality of primal and dual objectives.

If all hold, the vertex is an exact optimum of the rational LP and its objective is a
fraction.  If the basis HiGHS returns is optimal only within tolerances (possible on
degenerate LPs), the check says which condition failed: ``verified`` is then false, which
is not a claim that the float optimum is wrong.

Size: the elimination is pure Python; :data:`MAX_ROWS` (5,000 rows) keeps it to seconds
on the sparse grid LPs here (measured numbers in the README).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from solvers.lp import LinearProgram

#: the largest LP (rows) :func:`verify_lp` accepts
MAX_ROWS = 5_000
#: the largest denominator tried when reading a float as an intended rational
MAX_DENOMINATOR = 10**6
_REL = Fraction(1, 10**14)


def rational(v: float) -> Fraction:
    """The rational a float stands for (see the module docstring, step 2)."""
    exact = Fraction(float(v))
    f = exact.limit_denominator(MAX_DENOMINATOR)
    if f == exact or abs(f - exact) <= _REL * abs(exact):
        return f
    return exact


def rationals(a: np.ndarray) -> list[Fraction]:
    """:func:`rational` of every entry, computed once per distinct value."""
    a = np.asarray(a, dtype=float)
    uniq, inv = np.unique(a, return_inverse=True)
    table = [rational(u) if np.isfinite(u) else None for u in uniq]
    return [table[i] for i in inv.ravel()]


@dataclass
class ExactResult:
    """Outcome of :func:`verify_lp`; ``objective`` is a fraction when the basis solved."""

    verified: bool
    objective: Fraction | None
    message: str
    x: list[Fraction] | None = field(default=None, repr=False)
    y: list[Fraction] | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        obj = None
        if self.objective is not None:
            obj = f"{self.objective.numerator}/{self.objective.denominator}"
        return {"verified": bool(self.verified), "objective": obj, "message": self.message}


def solve_sparse(rows: list[dict[int, Fraction]], rhs: list[Fraction], k: int):
    """Solve the square system ``sum_j rows[i][j] z_j = rhs[i]`` (``k`` unknowns) exactly by
    sparse Gaussian elimination (pivot: a shortest row, in it the column in fewest rows).
    Returns the list ``z`` or ``None`` if the matrix is singular."""
    if len(rows) != k:
        return None
    rows = [dict(r) for r in rows]
    rhs = list(rhs)
    col_rows: list[set[int]] = [set() for _ in range(k)]
    for i, r in enumerate(rows):
        for j in r:
            col_rows[j].add(i)
    active = set(range(len(rows)))
    heap = [(len(r), i) for i, r in enumerate(rows)]
    heapq.heapify(heap)
    order: list[tuple[int, int]] = []
    while heap:
        ln, i = heapq.heappop(heap)
        if i not in active or ln != len(rows[i]):
            continue  # stale entry (a fresh one was pushed when the row changed)
        r = rows[i]
        if not r:
            return None
        j = min(r, key=lambda c: len(col_rows[c]))
        piv = r[j]
        active.discard(i)
        for c in r:
            col_rows[c].discard(i)
        for i2 in list(col_rows[j]):
            r2 = rows[i2]
            f = r2[j] / piv
            for c, v in r.items():
                nv = r2.get(c, 0) - f * v
                if nv:
                    if c not in r2:
                        col_rows[c].add(i2)
                    r2[c] = nv
                elif c in r2:
                    del r2[c]
                    col_rows[c].discard(i2)
            rhs[i2] -= f * rhs[i]
            heapq.heappush(heap, (len(r2), i2))
        order.append((i, j))
    if len(order) != k:
        return None
    z: list[Fraction | None] = [None] * k
    for i, j in reversed(order):
        r = rows[i]
        s = rhs[i] - sum(v * z[c] for c, v in r.items() if c != j)
        z[j] = s / r[j]
    return z


def highs_basis(lp: LinearProgram):
    """Solve ``lp`` by HiGHS dual simplex and return ``(col_status, row_status)`` as int
    arrays (0 lower, 1 basic, 2 upper, 3 zero, 4 nonbasic), or ``None`` if no optimal basis
    came back."""
    import highspy

    from solvers.highs import HighsBackend

    sess = HighsBackend(method="simplex").session(lp)
    sol = sess.solve()
    if not sol.ok:
        return None
    basis = sess.h.getBasis()
    if not basis.valid:
        return None
    code = {
        highspy.HighsBasisStatus.kLower: 0,
        highspy.HighsBasisStatus.kBasic: 1,
        highspy.HighsBasisStatus.kUpper: 2,
        highspy.HighsBasisStatus.kZero: 3,
        highspy.HighsBasisStatus.kNonbasic: 4,
    }
    cols = np.array([code[s] for s in basis.col_status], dtype=np.int8)
    rows = np.array([code[s] for s in basis.row_status], dtype=np.int8)
    return cols, rows


def _nonbasic_value(status, lo, hi):
    """Where a nonbasic column (or row activity) sits: its lower / upper bound, 0 if free."""
    if status == 2 and hi is not None:
        return hi
    if status in (0, 4) and lo is not None:
        return lo
    if lo is not None and hi is not None and lo == hi:
        return lo
    if status == 3 or (lo is None and hi is None):
        return Fraction(0)
    return lo if lo is not None else hi


@dataclass
class _Data:
    """The LP in fractions (``None`` for an infinite bound)."""

    sense: str
    n: int
    m: int
    rows: list  # per row {column: coefficient}
    c: list
    clb: list
    cub: list
    rlb: list
    rub: list
    offset: Fraction


def _rational_lp(lp: LinearProgram) -> _Data:
    A = lp.matrix("csr")
    Av = rationals(A.data)
    ip, ix = A.indptr, A.indices
    rows = [{int(ix[p]): Av[p] for p in range(ip[r], ip[r + 1])} for r in range(lp.num_rows)]
    return _Data(
        lp.sense,
        lp.num_cols,
        lp.num_rows,
        rows,
        rationals(lp.cost),
        rationals(lp.col_lb),
        rationals(lp.col_ub),
        rationals(lp.row_lb),
        rationals(lp.row_ub),
        rational(lp.offset),
    )


def verify_lp(lp: LinearProgram, basis=None, polish: bool = True) -> ExactResult:
    """Verify the optimum of ``lp`` exactly (module docstring).  ``basis`` is
    ``(col_status, row_status)`` as from :func:`highs_basis` (solved here if omitted).
    If HiGHS's basis is optimal only within tolerances and ``polish`` is true, exact
    primal simplex pivots (Bland's rule) continue from it (:func:`exact_simplex`) and the
    basis they end at is verified instead; the message says how many pivots it took.
    Raises ``ValueError`` for an LP above :data:`MAX_ROWS` rows or a mixed-integer one."""
    if lp.num_rows > MAX_ROWS:
        raise ValueError(
            f"the LP has {lp.num_rows:,} rows; exact verification handles at most "
            f"{MAX_ROWS:,} (use a smaller grid)"
        )
    if lp.is_mip:
        raise ValueError("exact verification needs a linear program, not a mixed-integer one")
    if basis is None:
        basis = highs_basis(lp)
        if basis is None:
            return ExactResult(False, None, "HiGHS simplex returned no optimal basis")
    data = _rational_lp(lp)
    res = _verify_basis(data, basis)
    if res.verified or not polish:
        return res
    pivots, new_basis, why = exact_simplex(data, basis)
    if new_basis is None:
        res.message += f"; exact simplex from this basis: {why}"
        return res
    res2 = _verify_basis(data, new_basis)
    res2.message += f" (after {pivots} exact simplex pivots from HiGHS's basis)"
    return res2


def _verify_basis(data: _Data, basis) -> ExactResult:
    cstat, rstat = basis
    n, m = data.n, data.m
    Arows, c, clb, cub, rlb, rub = data.rows, data.c, data.clb, data.cub, data.rlb, data.rub
    offset = data.offset

    basic_cols = [j for j in range(n) if cstat[j] == 1]
    tight_rows = [r for r in range(m) if rstat[r] != 1]
    if len(basic_cols) != len(tight_rows):
        return ExactResult(
            False,
            None,
            f"not a basis: {len(basic_cols)} basic columns for {len(tight_rows)} nonbasic rows",
        )
    # primal: nonbasic columns at their bounds, basic ones from the tight rows
    x: list[Fraction | None] = [None] * n
    for j in range(n):
        if cstat[j] != 1:
            x[j] = _nonbasic_value(cstat[j], clb[j], cub[j])
    pos = {j: k for k, j in enumerate(basic_cols)}
    sys_rows, rhs = [], []
    for r in tight_rows:
        b = _nonbasic_value(rstat[r], rlb[r], rub[r])
        row, s = {}, b
        for j, v in Arows[r].items():
            if j in pos:
                row[pos[j]] = v
            else:
                s -= v * x[j]
        sys_rows.append(row)
        rhs.append(s)
    xb = solve_sparse(sys_rows, rhs, len(basic_cols))
    if xb is None:
        return ExactResult(False, None, "the basis matrix is singular in exact arithmetic")
    for j, v in zip(basic_cols, xb, strict=True):
        x[j] = v
    # dual: B^T y = c_B on the tight rows, zero on the basic rows
    rpos = {r: k for k, r in enumerate(tight_rows)}
    trans: list[dict[int, Fraction]] = [{} for _ in basic_cols]
    for r in tight_rows:
        for j, v in Arows[r].items():
            if j in pos:
                trans[pos[j]][rpos[r]] = v
    yt = solve_sparse(trans, [c[j] for j in basic_cols], len(tight_rows))
    if yt is None:
        return ExactResult(False, None, "the basis matrix is singular in exact arithmetic")
    y = [Fraction(0)] * m
    for r, v in zip(tight_rows, yt, strict=True):
        y[r] = v
    aty = [Fraction(0)] * n
    act = [Fraction(0)] * m
    for r in range(m):
        yr = y[r]
        for j, v in Arows[r].items():
            act[r] += v * x[j]
            if yr:
                aty[j] += v * yr
    d = [c[j] - aty[j] for j in range(n)]

    failures: list[str] = []

    def check(kind, idx, val, lo, hi, dual):
        if lo is not None and val < lo or hi is not None and val > hi:
            failures.append(f"{kind} {idx} outside its bounds")
        if dual == 0:
            return
        prices_lower = (dual > 0) == (data.sense == "min")
        bound = lo if prices_lower else hi
        if bound is None:
            failures.append(f"{kind} {idx}: dual prices an infinite bound")
        elif val != bound:
            failures.append(f"{kind} {idx}: nonzero dual on a bound not attained")

    for j in range(n):
        check("column", j, x[j], clb[j], cub[j], d[j])
    for r in range(m):
        check("row", r, act[r], rlb[r], rub[r], y[r])
    primal = sum((cj * xj for cj, xj in zip(c, x, strict=True) if cj), Fraction(0)) + offset
    # dual objective from the bounds each dual prices (infinite ones already failed)
    dual = offset
    for vals, lo, hi in ((y, rlb, rub), (d, clb, cub)):
        for k, v in enumerate(vals):
            if v:
                bound = lo[k] if (v > 0) == (data.sense == "min") else hi[k]
                dual += v * (bound if bound is not None else 0)
    if primal != dual:
        failures.append(f"primal {primal} != dual {dual}")
    if failures:
        more = f" (+{len(failures) - 3} more)" if len(failures) > 3 else ""
        return ExactResult(False, primal, "; ".join(failures[:3]) + more, x, y)
    return ExactResult(
        True,
        primal,
        f"basis of {len(basic_cols)} columns solved in rationals: primal feasible, dual "
        f"feasible, complementary slack, primal = dual objective, all exactly",
        x,
        y,
    )


def exact_simplex(data: _Data, basis, max_pivots: int = 200):
    """Primal simplex in exact arithmetic from ``basis``, with bounded variables and
    Bland's rule (no cycling): the variables are the columns ``x`` and the row activities
    ``s = A x`` (constraints ``A x - s = 0``), each within its bounds.  Returns
    ``(pivots, (col_status, row_status), "")`` at an optimal basis, or ``(pivots, None,
    reason)`` if the start is not primal feasible, a basis matrix is singular, the LP is
    unbounded or ``max_pivots`` is reached.  Each pivot re-solves the basis from scratch
    (a few pivots are expected: the start is HiGHS's optimal basis)."""
    n, m = data.n, data.m
    N = n + m
    lo = list(data.clb) + list(data.rlb)
    hi = list(data.cub) + list(data.rub)
    sgn = 1 if data.sense == "min" else -1
    cost = [sgn * v for v in data.c] + [Fraction(0)] * m
    cols: list[dict[int, Fraction]] = [{} for _ in range(n)]
    for r, row in enumerate(data.rows):
        for j, v in row.items():
            cols[j][r] = v
    cols += [{r: Fraction(-1)} for r in range(m)]
    status = [int(v) for v in basis[0]] + [int(v) for v in basis[1]]
    basic = [k for k in range(N) if status[k] == 1]
    if len(basic) != m:
        return 0, None, "not a basis"

    def value_nb(k):
        return _nonbasic_value(status[k], lo[k], hi[k])

    for pivots in range(max_pivots + 1):
        pos = {k: i for i, k in enumerate(basic)}
        brows: list[dict[int, Fraction]] = [{} for _ in range(m)]
        rhs = [Fraction(0)] * m
        z = [None] * N
        for k in range(N):
            if k in pos:
                for r, v in cols[k].items():
                    brows[r][pos[k]] = v
            else:
                z[k] = value_nb(k)
                if z[k]:
                    for r, v in cols[k].items():
                        rhs[r] -= v * z[k]
        zb = solve_sparse(brows, rhs, m)
        if zb is None:
            return pivots, None, "a basis matrix is singular"
        for k, v in zip(basic, zb, strict=True):
            z[k] = v
        if any(
            (lo[k] is not None and z[k] < lo[k]) or (hi[k] is not None and z[k] > hi[k])
            for k in basic
        ):
            return pivots, None, "the basis is not primal feasible in exact arithmetic"
        # duals: B^T pi = cost_B; reduced costs d_k = cost_k - col_k . pi
        trows: list[dict[int, Fraction]] = [{} for _ in range(m)]
        for i, k in enumerate(basic):
            for r, v in cols[k].items():
                trows[i][r] = v
        pi = solve_sparse(trows, [cost[k] for k in basic], m)
        if pi is None:
            return pivots, None, "a basis matrix is singular"
        entering, direction = None, 0
        for k in range(N):  # Bland: the lowest index that improves
            if k in pos or (lo[k] is not None and lo[k] == hi[k]):
                continue
            d = cost[k] - sum((v * pi[r] for r, v in cols[k].items()), Fraction(0))
            if d < 0 and (hi[k] is None or z[k] < hi[k]):
                entering, direction = k, 1
                break
            if d > 0 and (lo[k] is None or z[k] > lo[k]):
                entering, direction = k, -1
                break
        if entering is None:
            cs = [1 if k in pos else status[k] for k in range(n)]
            rs = [1 if k in pos else status[k] for k in range(n, N)]
            return pivots, (np.array(cs), np.array(rs)), ""
        if pivots == max_pivots:
            break
        # direction of the basic variables: B w = col_entering, dz_B = -direction * w
        w = solve_sparse(brows, [cols[entering].get(r, Fraction(0)) for r in range(m)], m)
        theta, leave, leave_status = None, None, None
        if lo[entering] is not None and hi[entering] is not None:
            theta, leave = hi[entering] - lo[entering], entering  # a bound flip
        for i, k in enumerate(basic):  # Bland: ties go to the lowest index
            dz = -direction * w[i]
            if dz < 0 and lo[k] is not None:
                t, st = (z[k] - lo[k]) / -dz, 0
            elif dz > 0 and hi[k] is not None:
                t, st = (hi[k] - z[k]) / dz, 2
            else:
                continue
            if theta is None or t < theta or (t == theta and leave is not None and k < leave):
                theta, leave, leave_status = t, k, st
        if theta is None:
            return pivots, None, "the LP is unbounded along an improving direction"
        if leave == entering:
            status[entering] = 2 if direction > 0 else 0
            continue
        status[leave] = leave_status
        status[entering] = 1
        basic[basic.index(leave)] = entering
    return max_pivots, None, f"no optimal basis within {max_pivots} exact pivots"
