"""The ``bayesian_auction`` family against numbers from outside its code: the
``myerson_auction`` family and Myerson's ironed closed form (one dimension), the
``bayesian_pricing`` family (one bidder), the efficient welfare computed here by brute force
over profiles, hand-derived fractions, the grid values Kushnir and Michelson publish, and an
all-pairs IC / all-subsets Border check written in this file."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import grids
from mdlp.config import ConfigError, load_config
from mdlp.run import solve
from mdlp.theory import myerson as TM

U01 = {"distribution": "uniform", "low": 0, "high": 1}


def auction(grid=None, **params):
    return {
        "kind": "bayesian_auction",
        "params": params,
        "grid": grid or {"points": 5},
        "solver": {"threads": 1},
    }


def _brute_force_checks(res):
    """All-pairs IC and Border over *every* subset of types, from the mechanism table."""
    df = res.mechanism
    p = res.config.params
    J = p.J
    worst_ic = -np.inf
    blocks = []
    for _, part in df.groupby("bidder", sort=False):
        X = part[[f"v{j + 1}" for j in range(J)]].to_numpy()
        Q = part[[f"Q{j + 1}" for j in range(J)]].to_numpy()
        M = part["M"].to_numpy()
        f = part["prob"].to_numpy()
        for a in range(len(X)):
            for b in range(len(X)):
                if a != b:
                    gain = (X[a] @ Q[b] - M[b]) - (X[a] @ Q[a] - M[a])
                    worst_ic = max(worst_ic, gain)
        copies = len(str(part["bidder"].iloc[0]).split(","))
        blocks += [(Q, f)] * copies
    goods = [np.ones(J)] if p.unit_demand else list(np.eye(J))
    worst_border = -np.inf
    for w in goods:
        a_s = [Q @ w for Q, _ in blocks]
        n_s = [len(a) for a in a_s]
        subsets = [
            list(
                itertools.chain.from_iterable(
                    itertools.combinations(range(n), k) for k in range(n + 1)
                )
            )
            for n in n_s
        ]
        for combo in itertools.product(*subsets):
            lhs = sum(blocks[i][1][list(S)] @ a_s[i][list(S)] for i, S in enumerate(combo))
            none = math.prod(1 - blocks[i][1][list(S)].sum() for i, S in enumerate(combo))
            worst_border = max(worst_border, lhs - (1 - none))
    return worst_ic, worst_border


# --- one dimension: Myerson -------------------------------------------------------------
@pytest.mark.parametrize(
    "bidder",
    [U01, {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}],
    ids=["uniform", "irregular-pmf"],
)
def test_one_item_equals_myerson_family_and_ironed_closed_form(bidder):
    grid = {"points": 9, "placement": "midpoint"}
    ours = solve(auction(grid, bidders=2, items=[bidder]))
    ref = solve({"kind": "myerson_auction", "params": {"bidders": [bidder, bidder]}, "grid": grid})
    assert ours.ok and ref.ok and ours.certified
    assert ours.objective == pytest.approx(ref.objective, abs=1e-9)
    prior = grids.pmf_prior(bidder["values"], bidder["probs"]) if "values" in bidder else None
    if prior is None:
        prior = grids.continuous_prior("uniform", 9, low=0, high=1, placement="midpoint")
    assert ours.objective == pytest.approx(TM.optimal_revenue_discrete([prior, prior]), abs=1e-9)


def test_one_item_asymmetric_bidders_equal_myerson():
    """Two different bidders: Border is separated exactly for an asymmetric pair."""
    b1 = {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}
    b2 = {"values": [0.5, 2.5, 3.0], "probs": [0.3, 0.3, 0.4]}
    ours = solve(auction(bidders=[{"items": [b1]}, {"items": [b2]}]))
    ref = solve({"kind": "myerson_auction", "params": {"bidders": [b1, b2]}})
    assert ours.ok and ours.certified
    expect = TM.optimal_revenue_discrete(
        [grids.pmf_prior(b["values"], b["probs"]) for b in (b1, b2)]
    )
    assert ours.objective == pytest.approx(ref.objective, abs=1e-9)
    assert ours.objective == pytest.approx(expect, abs=1e-9)


def test_one_item_dominant_equals_myerson():
    """DSIC on ex-post variables reaches the same grid optimum for one item (Myerson's
    optimum is dominant-strategy implementable)."""
    b = {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}
    ours = solve(auction(bidders=2, items=[b], constraints="dominant"))
    expect = TM.optimal_revenue_discrete([grids.pmf_prior(b["values"], b["probs"])] * 2)
    assert ours.ok and ours.certified
    assert ours.objective == pytest.approx(expect, abs=1e-9)


# --- one bidder: bayesian_pricing -------------------------------------------------------
@pytest.mark.parametrize("unit_demand", [False, True])
def test_one_bidder_equals_bayesian_pricing(unit_demand):
    grid = {"points": 6, "placement": "midpoint"}
    ours = solve(auction(grid, bidders=1, items=[U01, U01], unit_demand=unit_demand))
    ref = solve(
        {
            "kind": "bayesian_pricing",
            "params": {"items": [U01, U01], "unit_demand": unit_demand},
            "grid": grid,
        }
    )
    assert ours.ok and ref.ok and ours.certified
    assert ours.objective == pytest.approx(ref.objective, abs=1e-9)


# --- welfare ----------------------------------------------------------------------------
@pytest.mark.parametrize("unit_demand", [False, True])
def test_welfare_equals_efficient_welfare_brute_force(unit_demand):
    """E[sum_j max_i (v_ij - c_j)^+] (additive) / E[max_ij (v_ij - c_j)^+] (unit demand),
    summed here over every profile of the two bidders' grids."""
    items = [{"values": [0.0, 0.4, 1.0], "probs": [0.2, 0.5, 0.3]}, U01]
    costs = [0.1, 0.3]
    res = solve(
        auction(
            {"points": 3, "placement": "midpoint"},
            bidders=2,
            items=items,
            costs=costs,
            unit_demand=unit_demand,
            objective="welfare",
        )
    )
    assert res.ok and res.certified
    v1 = np.array([0.0, 0.4, 1.0])
    p1 = np.array([0.2, 0.5, 0.3])
    v2 = np.array([1 / 6, 1 / 2, 5 / 6])  # midpoints of three cells of [0, 1]
    p2 = np.full(3, 1 / 3)
    types = [
        (np.array([a, b]), pa * pb)
        for (a, pa), (b, pb) in itertools.product(
            zip(v1, p1, strict=True), zip(v2, p2, strict=True)
        )
    ]
    c = np.array(costs)
    total = 0.0
    for (x, px), (y, py) in itertools.product(types, types):
        if unit_demand:
            total += px * py * max(0.0, (x - c).max(), (y - c).max())
        else:
            total += px * py * np.maximum(0.0, np.maximum(x - c, y - c)).sum()
    assert res.objective == pytest.approx(total, abs=1e-9)


# --- hand-derived fractions -------------------------------------------------------------
@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_two_bidders_binary_values_hand_fractions(constraints):
    """Two bidders, two goods, each value 0 or 1 with probability 1/2, all independent.

    Revenue never exceeds the efficient welfare.  Additive: each good is worth 1 to the
    market unless both bidders value it 0, so welfare = 2 (1 - 1/4) = 3/2; a posted price
    of 1 per good (to a bidder valuing it 1, ties split) leaves every type utility 0, so no
    type gains by lying and revenue is 3/2.  Unit demand (one object): welfare = 1 - P(all
    four values 0) = 1 - 1/16 = 15/16, and the price 1 for either grade earns it."""
    pm = {"values": [0, 1], "probs": [0.5, 0.5]}
    add = solve(auction(bidders=2, items=[pm, pm], constraints=constraints))
    ud = solve(auction(bidders=2, items=[pm, pm], unit_demand=True, constraints=constraints))
    assert add.certified and ud.certified
    assert add.objective == pytest.approx(3 / 2, abs=1e-12)
    assert ud.objective == pytest.approx(15 / 16, abs=1e-12)


# --- independent checks of the mechanism ------------------------------------------------
@pytest.mark.parametrize(
    "params",
    [
        {"bidders": 2, "items": [U01, U01], "unit_demand": True},
        {"bidders": 2, "items": [U01, U01]},
        {
            "bidders": [
                {"items": [U01, {"values": [0.2, 0.9], "probs": [0.7, 0.3]}]},
                {"items": [U01, U01]},
            ],
            "unit_demand": True,
            "costs": [0.1, 0.05],
        },
    ],
    ids=["symmetric-unit-demand", "symmetric-additive", "asymmetric-with-costs"],
)
def test_all_pairs_ic_and_every_border_subset(params):
    res = solve(auction({"points": 2, "placement": "midpoint"}, **params))
    assert res.ok and res.certified
    ic, border = _brute_force_checks(res)
    assert ic <= 1e-9
    assert border <= 1e-9


def test_bayesian_beats_dominant_and_itemwise_myerson():
    """BIC relaxes DSIC; item-wise Myerson is one feasible DSIC mechanism (Myerson 1981)."""
    grid = {"points": 4, "placement": "midpoint"}
    bic = solve(auction(grid, bidders=2, items=[U01, U01]))
    dsic = solve(auction(grid, bidders=2, items=[U01, U01], constraints="dominant"))
    prior = grids.continuous_prior("uniform", 4, low=0, high=1, placement="midpoint")
    itemwise = 2 * TM.optimal_revenue_discrete([prior, prior])
    assert bic.certified and dsic.certified
    assert bic.objective >= dsic.objective - 1e-9
    assert dsic.objective >= itemwise - 1e-9


# --- the peer's grid --------------------------------------------------------------------
@pytest.mark.parametrize(
    "T,published",
    # jmemich/optimal-auction-multidim, docs/baselines.json, setting "1a"
    [(5, 0.6609400000000001), (10, 0.6259287499999989)],
)
def test_peer_setting_1a_published_grid_values(T, published):
    res = solve(
        auction(
            {"points": T + 1},
            bidders=2,
            items=[U01, U01],
            unit_demand=True,
            discretization="trapezoid",
        )
    )
    assert res.ok and res.certified
    assert res.objective == pytest.approx(published, abs=1e-8)


def test_trapezoid_grid_equals_endpoint_cells_for_uniform_only():
    """Uniform: trapezoid weights (1/2, 1, ..., 1, 1/2)/T are the endpoint cell masses.
    Beta(1, 2) (density 2 (1 - x)): the end node at 0 gets weight 2 x 1/2 = 1 against 2 for
    the next node under the trapezoid rule, but its half cell [0, h/2] carries mass
    h - h^2/4 against 2h (1 - x_1) - ... for the next: the two grids differ."""
    cfg = load_config(auction({"points": 6}, bidders=1, items=[U01], discretization="trapezoid"))
    X, f, _, _ = cfg.make_problem()._bidder_grid(cfg.params.bidder_specs()[0])
    cells = grids.continuous_prior("uniform", 6, low=0, high=1, placement="endpoints")
    np.testing.assert_allclose(X[:, 0], cells.points)
    np.testing.assert_allclose(f, cells.probs, atol=1e-15)
    np.testing.assert_allclose(f, np.array([0.5, 1, 1, 1, 1, 0.5]) / 5, atol=1e-15)
    beta = {"distribution": "beta", "a": 1, "b": 2, "low": 0, "high": 1}
    cfg = load_config(auction({"points": 6}, bidders=1, items=[beta], discretization="trapezoid"))
    _, fb, _, _ = cfg.make_problem()._bidder_grid(cfg.params.bidder_specs()[0])
    w = 2 * (1 - np.linspace(0, 1, 6)) * np.array([0.5, 1, 1, 1, 1, 0.5])
    np.testing.assert_allclose(fb, w / w.sum(), atol=1e-15)
    cells = grids.continuous_prior("beta", 6, a=1, b=2, low=0, high=1, placement="endpoints")
    assert np.abs(fb - cells.probs).max() > 1e-3


def test_joint_pmf_keeps_zero_probability_types():
    joint = {"values": [[0, 1], [0, 1]], "probs": [[0.0, 0.5], [0.5, 0.0]]}
    res = solve(auction(bidders=2, joint=joint, unit_demand=True))
    assert res.ok and res.certified
    # one bidder block, four types reported, two of them with probability zero
    assert len(res.mechanism) == 4
    assert (res.mechanism["prob"] == 0).sum() == 2
    # each type values exactly one grade at 1: the seller extracts the surplus 1
    assert res.objective == pytest.approx(1.0, abs=1e-12)


# --- bad input --------------------------------------------------------------------------
@pytest.mark.parametrize(
    "params,field",
    [
        ({"bidders": True, "items": [U01]}, "params"),
        ({"bidders": 2, "items": [U01, U01], "costs": [0.0]}, "params"),
        ({"bidders": 2}, "params"),
        ({"bidders": 2, "joint": {"values": [[0, 1]], "probs": [0.5, 0.2]}}, "params.joint"),
        ({"bidders": [{"items": [U01]}, {"items": [U01, U01]}]}, "params"),
    ],
)
def test_bad_input_names_the_field(params, field):
    with pytest.raises(ConfigError) as exc:
        load_config(auction(**params))
    assert exc.value.field.startswith(field)


@pytest.mark.parametrize("constraints", ["bayesian", "dominant"])
def test_three_asymmetric_bidders_one_item_equal_myerson(constraints):
    """N = 3 different bidders: Border separated by enumerating level-set tuples of two
    bidders with the third's best response (BIC), or ex-post supply on the 3-bidder
    profile grid (DSIC); both equal Myerson's ironed discrete optimum."""
    bs = [
        {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]},
        {"values": [0.5, 2.5, 3.0], "probs": [0.3, 0.3, 0.4]},
        {"values": [1.0, 1.5, 4.0], "probs": [0.5, 0.25, 0.25]},
    ]
    res = solve(auction(bidders=[{"items": [b]} for b in bs], constraints=constraints))
    expect = TM.optimal_revenue_discrete([grids.pmf_prior(b["values"], b["probs"]) for b in bs])
    assert res.ok and res.certified
    assert res.objective == pytest.approx(expect, abs=1e-9)


def test_dominant_row_generation_appends_rows_per_opponent_profile():
    """DSIC on ex-post variables where the rounds must add IC rows (two additive items,
    five points per axis): the start rows and the added rows share one block.  DSIC is a
    restriction of BIC, so its optimum is at most the BIC one, and Clarabel (independent of
    HiGHS) reaches the same value."""
    grid = {"points": 5}
    cfg = auction(grid, bidders=2, items=[U01, U01], constraints="dominant")
    dsic = solve(cfg)
    assert dsic.certified and dsic.summary()["solver"]["rows_added"] > 0
    bic = solve(auction(grid, bidders=2, items=[U01, U01]))
    assert dsic.objective <= bic.objective + 1e-9
    other = solve({**cfg, "solver": {"backend": "clarabel"}})
    assert other.objective == pytest.approx(dsic.objective, abs=1e-6)
