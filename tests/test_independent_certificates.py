"""Certificates recomputed by the tests' own checker (tests/independent.py), which reads only
the mechanism table a result returns and shares no code with the library's certificate.

First the checker itself is checked on hand-made mechanisms whose violations are worked
out in the docstrings (so it can fail, and fails by the right amount); then every family
with a one-good or one-buyer mechanism table is solved on a small grid and its table must
pass the independent check, with the objective recomputed from the same table."""

import independent as chk
import numpy as np
import pytest

from mdlp.run import solve


# --- the checker on hand-made mechanisms --------------------------------------------------
def test_one_buyer_checker_on_a_hand_made_menu():
    """Types v = 1 and v = 2 (one item).  Menu: type 1 gets q = 1/2 for 0.4, type 2 gets
    q = 1 for 1.8.  Type 2: truth 2 - 1.8 = 0.2, report 1: 2 * 0.5 - 0.4 = 0.6, so IC is
    violated by 0.4.  Type 1: truth 0.5 - 0.4 = 0.1 >= 0 (IR fine), report 2: 1 - 1.8 < 0.
    A q of 1.25 would break supply by 0.25."""
    v = np.array([[1.0], [2.0]])
    c = chk.one_buyer(v, np.array([[0.5], [1.0]]), np.array([0.4, 1.8]))
    assert c["ic"] == pytest.approx(0.4) and c["ir"] == 0.0 and c["supply"] == 0.0
    c = chk.one_buyer(v, np.array([[0.5], [1.25]]), np.array([0.4, 0.9]))
    assert c["supply"] == pytest.approx(0.25)


def test_ex_post_checker_on_a_hand_made_auction():
    """Two bidders, values in {0, 1}; rows (0,0), (0,1), (1,0), (1,1).  Bidder 1 wins at
    (0,0) for free, bidder 2 at (0,1) for free, bidder 1 at (1,0) and (1,1) paying 1.
    Bidder 1 of value 1 facing a 0 has utility 1 - 1 = 0 at the truth but 1 - 0 = 1 when
    he reports 0: an IC violation of exactly 1.  Every truthful utility is >= 0 (IR holds);
    charging 2 at (1,1) gives utility 1 - 2 = -1: an IR violation of 1."""
    V = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], float)
    Q = np.array([[1, 0], [0, 1], [1, 0], [1, 0]], float)
    M = np.zeros((4, 2))
    M[2, 0] = 1.0
    M[3, 0] = 1.0
    c = chk.ex_post(V, Q, M)
    assert c["ic"] == pytest.approx(1.0) and c["ir"] == 0.0 and c["supply"] == 0.0
    M[3, 0] = 2.0
    assert chk.ex_post(V, Q, M)["ir"] == pytest.approx(1.0)


def test_interim_checker_on_a_hand_made_auction():
    """One bidder (others absent), values 1 and 3 with probability 1/2 each, interim
    allocation 0 and 1, interim payments 0 and 2.5: type 3 has utility 0.5; type 1 reporting
    3 gets 1 - 2.5 < 0; IC and IR hold.  Lowering the payment of type 3 to 0.5 makes type 1
    gain 1 - 0.5 = 0.5 by lying."""
    V, Q, P = np.array([[1.0], [3.0]]), np.array([[0.0], [1.0]]), np.array([0.5, 0.5])
    assert chk.worst(chk.interim(V, Q, P, np.array([[0.0], [2.5]]))) == 0.0
    assert chk.interim(V, Q, P, np.array([[0.0], [0.5]]))["ic"] == pytest.approx(0.5)


# --- every family's table passes it -------------------------------------------------------
def _cols(df, names):
    return np.column_stack([df[c].to_numpy(float) for c in names])


UNIF = {"distribution": "uniform", "low": 0, "high": 1}


@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_myerson_table(constraints):
    res = solve(
        {
            "kind": "myerson_auction",
            "params": {"bidders": 2, "values": UNIF, "constraints": constraints},
            "grid": {"points": 8},
        }
    )
    df = res.mechanism
    V, Q, P = _cols(df, ["v1", "v2"]), _cols(df, ["q1", "q2"]), df["prob"].to_numpy()
    if constraints == "bayesian":
        M = _cols(df, ["M1_interim", "M2_interim"])
        c = chk.interim(V, Q, P, M)
    else:
        M = _cols(df, ["m1", "m2"])
        c = chk.ex_post(V, Q, M)
    assert chk.worst(c) <= 1e-7, c
    # revenue from the table: E[sum_i M_i] under the profile probabilities
    assert float((P[:, None] * M).sum()) == pytest.approx(res.objective, abs=1e-9)
    # the same table with one payment lowered is caught
    M2 = M.copy()
    top = V[:, 0] == V[:, 0].max()
    M2[top, 0] -= 0.05
    bad = chk.interim(V, Q, P, M2) if constraints == "bayesian" else chk.ex_post(V, Q, M2)
    assert bad["ic"] > 1e-3


@pytest.mark.parametrize("bidders, K", [(1, 11), (2, 7)])
def test_markov_table_and_worst_case(bidders, K):
    """Ex-post IC/IR/supply of the optimal robust mechanism, and nature's worst case read
    from the table: a distribution (mass 1, non-negative), means >= mu, and the revenue it
    yields equals the LP value (strong duality, recomputed here)."""
    mu = 0.4
    res = solve(
        {
            "kind": "markov_auction",
            "params": {"bidders": bidders, "mean": mu},
            "grid": {"points": K, "placement": "endpoints"},
        }
    )
    df = res.mechanism
    names = [f"v{i + 1}" for i in range(bidders)]
    V = _cols(df, names)
    Q = _cols(df, [f"q{i + 1}" for i in range(bidders)])
    M = _cols(df, [f"m{i + 1}" for i in range(bidders)])
    assert chk.worst(chk.ex_post(V, Q, M)) <= 1e-6
    p = df["worst_case_prob"].to_numpy()
    assert p.min() >= -1e-9 and p.sum() == pytest.approx(1.0, abs=1e-7)
    assert np.all(p @ V >= mu - 1e-7)
    assert float(p @ M.sum(axis=1)) == pytest.approx(res.objective, abs=1e-6)


@pytest.mark.parametrize("mechanism", ["second_price", "dominant"])
def test_guarantee_table(mechanism):
    res = solve(
        {
            "kind": "revenue_guarantee",
            "params": {"bidders": 2, "mechanism": mechanism},
            "grid": {"points": 6},
        }
    )
    df = res.mechanism
    V, Q, M = _cols(df, ["v1", "v2"]), _cols(df, ["q1", "q2"]), _cols(df, ["m1", "m2"])
    assert chk.worst(chk.ex_post(V, Q, M)) <= 1e-7
    P = df["prob"].to_numpy()
    assert float((P[:, None] * M).sum()) == pytest.approx(res.objective, abs=1e-9)


@pytest.mark.parametrize("upper", [[1.0], [1.0, 2.0]])
def test_regret_pricing_table(upper):
    res = solve({"kind": "regret_pricing", "params": {"upper": upper}, "grid": {"points": 6}})
    df = res.mechanism
    J = len(upper)
    values = _cols(df, [f"v{j + 1}" for j in range(J)])
    q = _cols(df, [f"q{j + 1}" for j in range(J)])
    assert chk.worst(chk.one_buyer(values, q, df["m"].to_numpy())) <= 1e-7


def test_bayesian_pricing_table():
    res = solve(
        {"kind": "bayesian_pricing", "params": {"items": [UNIF, UNIF]}, "grid": {"points": 6}}
    )
    df = res.mechanism
    values, q, m = _cols(df, ["v1", "v2"]), _cols(df, ["q1", "q2"]), df["m"].to_numpy()
    assert chk.worst(chk.one_buyer(values, q, m)) <= 1e-7
    assert float(df["prob"].to_numpy() @ m) == pytest.approx(res.objective, abs=1e-9)


def test_regret_auction_table():
    res = solve(
        {
            "kind": "regret_auction",
            "params": {"bidders": 2, "upper": [1.0]},
            "grid": {"points": 5, "placement": "endpoints"},
        }
    )
    df = res.mechanism
    V, Q, M = _cols(df, ["v1_1", "v2_1"]), _cols(df, ["q1_1", "q2_1"]), _cols(df, ["m1", "m2"])
    assert chk.worst(chk.ex_post(V, Q, M)) <= 1e-7
