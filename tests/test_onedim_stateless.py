"""The one-dimensional families are stateless: ``build()`` hands everything ``solve_lp()`` and
``interpret()`` need to the LP (``lp.meta``), so for every mechanism

* ``prob.interpret(lp, backend.solve(lp))`` works without ``solve_lp`` in between,
* building, solving and interpreting leave the problem object's attributes unchanged,
* a reused problem object gives the same mechanism as a fresh one.

Where a value is asserted it comes from the configuration (the reserve price) or from a
closed form (cited at the assertion)."""

from __future__ import annotations

import numpy as np
import pytest

from mdlp.config import load_config

U01 = {"distribution": "uniform", "low": 0, "high": 1}

CASES = [
    ("myerson_auction", {"bidders": [U01, U01]}, 6),
    ("myerson_auction", {"bidders": [U01, U01], "constraints": "dominant"}, 6),
    ("myerson_auction", {"bidders": [U01, U01], "allocation": "efficient"}, 6),
    ("myerson_auction", {"bidders": [U01, U01], "objective": "welfare"}, 6),
    ("information_selling", {"objective": "welfare"}, 6),
    ("information_selling", {"objective": "revenue"}, 6),
    ("markov_auction", {"mechanism": "optimal"}, 6),
    ("markov_auction", {"mechanism": "optimal", "symmetric": True, "bidders": 3}, 5),
    ("markov_auction", {"mechanism": "optimal", "payments": "adjacent_ic"}, 6),
    ("markov_auction", {"mechanism": "highest_bidder_lottery", "symmetric": True}, 6),
    ("markov_auction", {"mechanism": "optimal", "ambiguity": "support"}, 6),
    ("markov_auction", {"mechanism": "second_price", "reserve": 0.2}, 6),
    ("markov_auction", {"mechanism": "second_price", "reserve": "optimize"}, 6),
    ("markov_auction", {"mechanism": "vickrey"}, 6),
    ("markov_auction", {"mechanism": "lottery", "bidders": 3, "mean": 0.3}, 5),
    ("revenue_guarantee", {"mechanism": "second_price"}, 6),
    ("revenue_guarantee", {"mechanism": "efficient"}, 6),
    ("revenue_guarantee", {"mechanism": "theta_public"}, 6),
    ("revenue_guarantee", {"mechanism": "dominant"}, 6),
    ("revenue_guarantee", {"mechanism": "no_information"}, 6),
    ("revenue_guarantee", {"mechanism": "sequential"}, 6),
]


def _config(kind, params, points):
    grid = {"points": points}
    if kind == "markov_auction":
        grid["placement"] = "endpoints"
    return load_config({"kind": kind, "params": params, "grid": grid, "solver": {"threads": 1}})


def _attributes(prob) -> dict:
    return {k: v for k, v in vars(prob).items() if k != "theory_notes"}


def _round_trip(prob, backend, through_solve_lp: bool):
    lp = prob.build()
    sol = prob.solve_lp(lp, backend) if through_solve_lp else backend.solve(lp)
    assert sol.ok, sol.message
    return lp, sol, prob.interpret(lp, sol)


@pytest.mark.parametrize(("kind", "params", "points"), CASES, ids=lambda c: str(c))
def test_interpret_after_plain_solve_and_reuse(kind, params, points):
    cfg = _config(kind, params, points)
    backend = cfg.solver.backend_object()
    prob = cfg.make_problem()
    before = _attributes(prob)
    lp, sol, first = _round_trip(prob, backend, through_solve_lp=False)
    assert _attributes(prob).keys() == before.keys(), "build/interpret left state on the problem"
    # every certificate entry is finite and the mechanism table has rows
    assert all(np.isfinite(v) for v in first.certificate.values())
    assert len(first.mechanism) > 0
    # the same object again, now through solve_lp (as mdlp.run does), then once more
    _, sol2, second = _round_trip(prob, backend, through_solve_lp=True)
    _, sol3, third = _round_trip(prob, backend, through_solve_lp=True)
    assert _attributes(prob).keys() == before.keys()
    assert sol3.objective == pytest.approx(sol2.objective, abs=1e-9)
    assert third.certificate.keys() == second.certificate.keys()
    # a fresh object agrees with the reused one
    fresh = cfg.make_problem()
    _, sol4, _ = _round_trip(fresh, backend, through_solve_lp=True)
    assert sol4.objective == pytest.approx(sol2.objective, abs=1e-9)


def test_second_price_reserve_read_from_the_lp():
    """``markov_auction``, ``second_price``: ``interpret`` after a plain ``backend.solve``
    reads the reserve the LP was built for (the configured 0.2; it used to raise on
    ``float(None)``), and with ``reserve: optimize`` the one ``solve_lp`` chose among the
    grid candidates, not a value left on the problem by an earlier solve."""
    cfg = _config("markov_auction", {"mechanism": "second_price", "reserve": 0.2}, 6)
    prob, backend = cfg.make_problem(), cfg.solver.backend_object()
    lp = prob.build()
    out = prob.interpret(lp, backend.solve(lp))
    assert out.extras["reserve"] == pytest.approx(0.2)

    cfg = _config("markov_auction", {"mechanism": "second_price", "reserve": "optimize"}, 11)
    prob = cfg.make_problem()
    lp = prob.build()
    candidates = prob.reserve_candidates()
    plain = prob.interpret(lp, backend.solve(lp))  # the LP of the first candidate
    assert plain.extras["reserve"] == pytest.approx(candidates[0])
    lp2 = prob.build()
    best = prob.interpret(lp2, prob.solve_lp(lp2, backend))
    scan = dict(best.extras["reserve_scan"])
    assert scan[best.extras["reserve"]] >= max(scan.values()) - 1e-12
    # the first LP object was not touched by the second solve
    assert "scan" not in lp.meta
