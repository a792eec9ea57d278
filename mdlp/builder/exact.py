"""Exact (rational) checks of the IC pairs a solve left out of its LP (``mdlp solve --exact``).

Written in :mod:`fractions` arithmetic, independently of the float oracle: zero tolerance.
"""

from __future__ import annotations

import numpy as np

from mdlp.builder.blocks import ic_rows, ic_rows_utility
from solvers import LinearProgram


def exact_ic_check(
    lp: LinearProgram, X, x, q: str = "q", m: str = "m", rows: str = "ic", *, u: str | None = None
):
    """IC between ALL ordered pairs of types of a menu LP (columns ``q[type, item]``,
    ``m[type]``; type ``a`` has the values ``X[a]``), ``X[a].q[b] - m[b] <= X[a].q[a] - m[a]``,
    checked in rationals at the exact primal ``x`` (one fraction per column).  Covers the pairs
    row generation or adjacent IC left out of the LP.  Returns ``(ok, message, add_rows)``
    (``add_rows(lp)`` appends the violated pairs' IC rows to block ``rows``), or ``None`` if
    the LP has no ``q`` / ``m`` blocks.  ``u``: the menu is in utility form, with a block
    ``u`` of truthful utilities ``X.q - m`` instead of payments (the payments are read back
    as ``X.q - u`` and the rows added are :func:`ic_rows_utility`'s)."""
    from solvers.exact import rationals

    pay = m if u is None else u
    if q not in lp.variables or pay not in lp.variables:
        return None
    n = X.shape[0]
    xo = np.empty(len(x), dtype=object)
    xo[:] = x
    qv = xo[lp.variables[q].indices].reshape(n, -1)
    pv = xo[lp.variables[pay].indices].reshape(n)
    Xr = np.empty(X.shape, dtype=object)
    Xr.ravel()[:] = rationals(X.ravel())
    mv = pv if u is None else (Xr * qv).sum(1) - pv
    U = Xr.dot(qv.T) - mv[None, :]  # U[a, b]: type a reporting b
    gain = U - np.diagonal(U)[:, None]
    worst = max(gain.ravel())
    ok = worst <= 0
    msg = f"IC on all {n * (n - 1):,} ordered type pairs checked exactly: " + (
        "no violation" if ok else f"largest violation {worst} (= {float(worst):.3g})"
    )
    a, b = np.nonzero(gain > 0)

    def add_rows(lp_):
        qc = lp_.variables[q].indices.reshape(n, -1)
        pc = lp_.variables[pay].indices
        write = ic_rows if u is None else ic_rows_utility
        write(lp_, rows, qc, pc, X, a, b, append=True)

    return ok, msg, add_rows
