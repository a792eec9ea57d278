"""Honest labels: every theory value and theorem row says its relation (equal, upper, lower,
evaluation), a fixed mechanism is reported as an evaluation, and theory that fails to
compute is an error or an explicit "no closed form", never a silently missing row."""

import dataclasses
import json

import pytest
from click.testing import CliRunner

from mdlp.cli import main
from mdlp.compare import Theorem, run_theorem, theorems
from mdlp.problems import REGISTRY, TheoryValue
from mdlp.problems.base import RELATIONS, SCOPES
from mdlp.run import solve

PMF2 = {"joint": {"values": [0.0, 1.0], "probs": [[0.25, 0.25], [0.25, 0.25]]}}


def guarantee(mechanism):
    return {
        "kind": "revenue_guarantee",
        "params": {"bidders": 2, "prior": PMF2, "mechanism": mechanism},
    }


def test_theory_value_relations():
    """Hand-checked verdicts: LP 1.0 against 1.5 as an upper bound holds, as a lower bound
    fails; an evaluation is judged like an equality; a continuum value reached only in the
    limit is reported (gap) but not judged; "reference" is no longer a relation."""
    assert TheoryValue(1.5, "s", "l", "upper").holds(1.0) is True
    assert TheoryValue(1.5, "s", "l", "lower").holds(1.0) is False
    assert TheoryValue(1.0 + 1e-6, "s", "l", "evaluation").holds(1.0) is False
    limit = TheoryValue(1.5, "s", "l", "equal", limit=True)
    assert limit.holds(1.0) is None and limit.to_dict(1.0)["gap"] == pytest.approx(-0.5)
    with pytest.raises(ValueError):
        TheoryValue(1.0, "s", "l", "reference")


def test_second_price_guarantee_is_an_evaluation():
    """Two bidders with values 0 or 1, independent and equally likely: the second-price
    auction earns E[v(2)] = P(both 1) = 1/4.  Its q and m are fixed, so the result says
    "evaluated", its scope is an evaluation and its theory row's relation is evaluation."""
    res = solve(guarantee("second_price"))
    assert res.status == "evaluated" and res.ok
    assert res.objective == pytest.approx(0.25, abs=1e-12)
    s = res.summary()
    assert s["scope"]["kind"] == "evaluation" and s["theory"]["relation"] == "evaluation"
    assert res.exit_code == 0
    opt = solve(guarantee("dominant"))
    assert opt.status == "optimal" and opt.scope[0] == "optimum"


@pytest.mark.parametrize(
    "params, scope",
    [
        ({"mechanism": "second_price", "reserve": 0.2}, "worst-case evaluation"),
        ({"mechanism": "vickrey"}, "worst-case evaluation"),
        ({"mechanism": "lottery"}, "worst-case evaluation"),
        ({"mechanism": "second_price", "reserve": "optimize"}, "restricted optimum"),
        ({"mechanism": "highest_bidder_lottery"}, "restricted optimum"),
        ({"mechanism": "optimal"}, "optimum"),
    ],
)
def test_markov_modes_say_what_they_compute(params, scope):
    cfg = {"kind": "markov_auction", "params": {"mean": 0.5} | params, "grid": {"points": 9}}
    res = solve(cfg)
    assert res.scope[0] == scope and scope in SCOPES
    assert res.status == ("evaluated" if "evaluation" in scope else "optimal")


def test_every_registered_theorem_declares_a_relation():
    rows = theorems()
    assert rows and all(t.relation in RELATIONS for t in rows)
    assert {t.relation for t in rows} == set(RELATIONS)


def test_theorem_rows_refuse_dishonest_labels():
    """A convergence row proves a bound on each grid, so it cannot claim equality, and its
    bound must point the way its asserted sign does; the relation is required."""
    base = dict(key="x", family="f", source="s", parameters="p", config={}, grids=(3,))
    with pytest.raises(ValueError):
        Theorem(**base, direction="above")  # no relation
    with pytest.raises(ValueError):
        Theorem(**base, direction="above", relation="equal")
    with pytest.raises(ValueError):
        Theorem(**base, direction="below", relation="lower")
    with pytest.raises(ValueError):
        Theorem(**base, relation="upper")  # convergence without a direction
    Theorem(**base, mode="exact", relation="equal")


def test_a_fixed_mechanism_labelled_as_an_optimum_fails_the_check():
    th = Theorem(
        key="mislabelled",
        family="revenue_guarantee",
        source="s",
        parameters="p",
        config=guarantee("second_price"),
        grids=(None,),
        mode="exact",
        relation="equal",
    )
    row = run_theorem(th)
    assert row["verdict"].startswith("FAIL") and "relation mismatch" in row["verdict"]
    th = dataclasses.replace(th, relation="evaluation")
    assert run_theorem(th)["verdict"] == "pass"


def test_theory_that_fails_is_a_failed_row(monkeypatch):
    """An exception inside a family's theory() (not a 'no closed form') fails the row with
    its message instead of dropping it."""
    cls = REGISTRY["revenue_guarantee"]

    def broken(self):
        raise ValueError("boom")

    monkeypatch.setattr(cls, "theory", broken)
    th = Theorem(
        key="broken",
        family="revenue_guarantee",
        source="s",
        parameters="p",
        config=guarantee("dominant"),
        grids=(None,),
        mode="exact",
        relation="equal",
    )
    assert run_theorem(th)["verdict"] == "FAIL: error ValueError: boom"
    with pytest.raises(ValueError):
        solve(guarantee("dominant"))


def test_externality_theory_errors_propagate_and_gaps_are_explicit(monkeypatch):
    """The externality family imports its theory directly (no ImportError escape), lets
    real errors through, and names each case the theory does not cover: with pmf values
    the printed thesis rule (which needs continuous laws) has no closed form."""
    import mdlp.problems.externality as fam

    pmf = {"values": [1, 2, 3, 4], "probs": [0.1, 0.4, 0.1, 0.4]}
    eta = {"values": [0.1, 0.2], "probs": [0.5, 0.5]}
    cfg = {"kind": "externality_auction", "params": {"values": pmf, "externalities": eta}}
    res = solve(cfg, overrides=["grid.points=2"])
    notes = res.summary()["no_closed_form"]
    assert any(n.startswith("grid thesis rule:") for n in notes), notes
    assert {t.relation for t in res.theory} == {"lower"}

    def fails(*a, **k):
        raise RuntimeError("quadrature failed")

    monkeypatch.setattr(fam.theory_module, "s1_revenue_of_rule", fails)
    with pytest.raises(RuntimeError):
        solve(cfg, overrides=["grid.points=2"])


def test_check_json_rows_carry_relation_and_counts_are_printed():
    r = CliRunner().invoke(main, ["check", "--family", "revenue_guarantee", "--json"])
    rows = json.loads(r.output)
    assert r.exit_code == 0 and rows
    assert all(row["relation"] in RELATIONS for row in rows)
    assert {row["theorem"]: row["relation"] for row in rows}[
        "guarantee-second-price-2-uniform"
    ] == "evaluation"
    text = CliRunner().invoke(main, ["check", "--family", "revenue_guarantee"]).output
    assert "by relation: equal 1/1 pass, upper 0/0 pass, lower 2/2 pass, evaluation 1/1 pass" in (
        text
    )


def test_bench_rows_keep_the_continuum_theorem():
    """A continuum value judged on every grid (regret's z* = 1/e, Lemma 2.3.2) is still the
    bench row's continuum column, and the grid value sits below it."""
    import math

    from mdlp.bench import Task, run_task

    cfg = {"kind": "regret_pricing", "params": {"upper": [1.0]}, "grid": {"points": 11}}
    row = run_task(cfg, Task((), 11))
    assert row["continuum"] == pytest.approx(1 / math.e, abs=1e-15)
    assert row["continuum_gap"] < 0
