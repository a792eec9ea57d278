"""The lazy-IC separation oracle (:class:`mdlp.builder.LazyIC`) and row generation on it.

Oracles from outside the code under test: the violations are recomputed here by plain
Python loops over every ordered pair of types (``u_a(b) - u_a(a)`` written out from the
definition), the rows the oracle appends are read back from the LP's matrix, and the
row-generated optimum is compared with the all-pairs LP solved by Clarabel (an interior
point solver independent of HiGHS).
"""

import itertools

import independent as chk
import numpy as np
import pytest

import mdlp.problems.bayesian_pricing as BP
from mdlp.builder import LazyIC, pair_set
from mdlp.config import load_config
from solvers import LinearProgram, Solution, get_backend

UNI = {"distribution": "uniform", "low": 0, "high": 1}


def menu_lp(K=4, J=2):
    """A one-buyer menu LP on the grid {1..K}^J: columns q[type, item] in [0, 1], m[type]."""
    axes = [np.arange(1.0, K + 1)] * J
    X = np.array(list(itertools.product(*axes)))
    n = X.shape[0]
    lp = LinearProgram("max")
    lp.add_variables("q", (n, J), lb=0.0, ub=1.0)
    lp.add_variables("m", (n,), lb=-np.inf, cost=1.0)
    return lp, X, (K,) * J


def brute_gains(X, q, m, skip):
    """gain[(a, b)] = X[a].q[b] - m[b] - (X[a].q[a] - m[a]) for every ordered pair not in
    ``skip``, by explicit loops."""
    n = len(X)
    out = {}
    for a in range(n):
        own = sum(X[a][j] * q[a][j] for j in range(len(X[a]))) - m[a]
        for b in range(n):
            if a != b and (a, b) not in skip:
                out[(a, b)] = sum(X[a][j] * q[b][j] for j in range(len(X[a]))) - m[b] - own
    return out


def fake_solution(lp, q, m):
    return Solution(status="optimal", backend="test", x={"q": q, "m": m})


@pytest.mark.parametrize("per_type, max_rows", [(1, None), (3, None), (2, 7)])
def test_oracle_returns_the_largest_violation_and_adds_the_most_violated(per_type, max_rows):
    lp, X, shape = menu_lp()
    n = X.shape[0]
    a0, b0 = pair_set(shape, "axis")
    oracle = LazyIC(lp, "ic", "q", "m", X, (a0, b0), per_type=per_type, max_rows=max_rows)
    start = set(zip(a0.tolist(), b0.tolist(), strict=True))
    assert lp.num_rows == len(start)
    rng = np.random.default_rng(7)
    q = rng.uniform(size=(n, 2))
    m = rng.uniform(0, 3, size=n)
    gains = brute_gains(X.tolist(), q.tolist(), m.tolist(), start)
    worst = oracle(fake_solution(lp, q, m), lp)
    assert worst == pytest.approx(max(gains.values()), abs=1e-12)

    # the rows appended: read back from the matrix, row value = -(gain of its pair)
    rows = lp.rows["ic"].indices[len(start) :]
    x = np.concatenate([q.ravel(), m])  # columns in order q, m
    act = lp.matrix("csr")[rows] @ x
    assert np.all(np.diff(act) >= -1e-12)  # most violated first
    added = -act
    # which pairs were due: per type the per_type largest positive gains, then the cap
    due = []
    for a in range(n):
        mine = sorted(
            ((g, b) for (aa, b), g in gains.items() if aa == a and g > 1e-9), reverse=True
        )
        due += [g for g, _ in mine[:per_type]]
    due.sort(reverse=True)
    if max_rows is not None:
        due = due[:max_rows]
    assert len(added) == len(due) == oracle.last_added
    assert np.allclose(added, due, atol=1e-12)
    # the bookkeeping in row order matches the rows: a row's pair has the row's gain
    ra, rb, ro = oracle.row_pairs()
    assert ra.size == lp.rows["ic"].size and np.all(ro == 0)
    got = [gains[(a, b)] for a, b in zip(ra[len(start) :], rb[len(start) :], strict=True)]
    assert np.allclose(got, added, atol=1e-12)

    # second call at the same point: the pairs now in the LP are not counted any more
    skip = start | set(zip(ra.tolist(), rb.tolist(), strict=True))
    rest = brute_gains(X.tolist(), q.tolist(), m.tolist(), skip)
    assert oracle(fake_solution(lp, q, m), lp) == pytest.approx(max(rest.values()), abs=1e-12)


def test_add_pairs_skips_pairs_already_in_the_lp():
    lp, X, shape = menu_lp(K=3)
    a0, b0 = pair_set(shape, "axis")
    oracle = LazyIC(lp, "ic", "q", "m", X, (a0, b0))
    rows = lp.num_rows
    assert oracle.add_pairs(lp, a0, b0) == 0 and lp.num_rows == rows
    # (0, 8): corner to corner, not an axis neighbour; (4, 4) is not a pair at all
    assert oracle.add_pairs(lp, [0, 0, 4], [8, 8, 4]) == 1 and lp.num_rows == rows + 1
    assert oracle.add_pairs(lp, [0], [8]) == 0


def test_row_generation_with_continuation_equals_all_pairs_lp_by_clarabel(monkeypatch):
    """Two unit-demand items U[0,1], K = 9 (81 types, 6,480 ordered pairs): row generation
    started from the binding pairs of the K = 5 grid (continuation forced at this size)
    reaches the optimum of the LP with every IC pair, solved here by Clarabel."""
    monkeypatch.setattr(BP, "CONTINUATION_MIN_POINTS", 9)
    base = {"kind": "bayesian_pricing", "grid": {"points": 9}, "solver": {"threads": 1}}
    params = {"items": [UNI, UNI], "unit_demand": True}
    cfg = load_config({**base, "params": params})
    prob = cfg.make_problem()
    lp = prob.build()
    sol = prob.solve_lp(lp, get_backend("highs", threads=1))
    assert sol.ok and lp.meta["continuation"]["points"] == 5
    full = load_config({**base, "params": {**params, "ic": "all_pairs"}}).make_problem()
    ref = full.solve_lp(full.build(), get_backend("clarabel"))
    assert ref.ok
    assert sol.objective == pytest.approx(ref.objective, abs=1e-6)
    assert prob.interpret(lp, sol).certificate["ic"] <= 1e-9
    n = 81
    q, m = sol.x["q"].reshape(n, 2), sol.x["m"]
    grid = (np.arange(9) + 0.5) / 9  # the midpoint grid on [0, 1]
    X = np.array(list(itertools.product(grid, grid)))
    assert chk.worst(chk.one_buyer(X, q, m)) <= 1e-9


def test_problem_keeps_no_state_and_interprets_a_plain_solve():
    """build()/solve_lp() leave nothing on the problem; interpret works on a solve of the
    starting LP alone (no row generation) as on a row-generated one."""
    cfg = load_config(
        {"kind": "bayesian_pricing", "params": {"items": [UNI, UNI]}, "grid": {"points": 7}}
    )
    prob = cfg.make_problem()
    before = set(vars(prob))
    be = get_backend("highs", threads=1)
    lp = prob.build()
    res = prob.interpret(lp, prob.solve_lp(lp, be))
    assert set(vars(prob)) == before
    assert res.extras["rowgen_rounds"] >= 1 and res.extras["types"] == 49
    lp2 = prob.build()
    plain = prob.interpret(lp2, be.solve(lp2))
    assert "rowgen_rounds" not in plain.extras
    assert set(vars(prob)) == before


@pytest.mark.parametrize(
    "items, K",
    [
        ([UNI, UNI, UNI], 4),  # identical: the symmetric reduction applies
        ([UNI, {"distribution": "uniform", "low": 0, "high": 2}], 6),  # it does not
    ],
)
def test_symmetric_reduction_keeps_the_optimum(items, K):
    """Row generation (with the symmetric reduction where the items are identical) against
    the LP with every IC pair and no reduction, solved by Clarabel; the mechanism passes
    the test suite's own all-pairs IC/IR check."""
    base = {"kind": "bayesian_pricing", "grid": {"points": K}, "solver": {"threads": 1}}
    prob = load_config({**base, "params": {"items": items}}).make_problem()
    lp = prob.build()
    # the reduction gives columns to the orbit representatives only
    assert ("q_orbit" in lp.variables) == (len(items) == 3)
    sol = prob.solve_lp(lp, get_backend("highs", threads=1))
    full = load_config({**base, "params": {"items": items, "ic": "all_pairs"}}).make_problem()
    ref = full.solve_lp(full.build(), get_backend("clarabel"))
    assert sol.ok and ref.ok
    assert sol.objective == pytest.approx(ref.objective, abs=1e-6)
    table = prob.interpret(lp, sol).mechanism
    J = len(items)
    X = table[[f"v{j + 1}" for j in range(J)]].to_numpy()
    q = table[[f"q{j + 1}" for j in range(J)]].to_numpy()
    assert chk.worst(chk.one_buyer(X, q, table["m"].to_numpy())) <= 1e-9
