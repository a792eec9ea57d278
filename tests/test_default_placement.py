"""A config that omits ``grid.placement`` gets its family's default placement: the one the
family's template (``mdlp template KIND``) and theorems use, not a global ``midpoint``."""

import pytest
import yaml

from mdlp.config import load_config
from mdlp.problems import REGISTRY
from mdlp.run import solve


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_omitted_placement_is_the_templates(kind):
    """The expected placement is read from the family's template text, written by hand
    independently of ``default_placement``; an explicit placement always wins."""
    template = yaml.safe_load(REGISTRY[kind].template)
    want = template["grid"]["placement"]
    without = dict(template, grid={"points": template["grid"]["points"]})
    assert load_config(without).grid.placement == want
    other = "left" if want != "left" else "right"
    explicit = dict(template, grid={"points": template["grid"]["points"], "placement": other})
    assert load_config(explicit).grid.placement == other
    # the resolved config spells the placement out, so config.yaml solves again as it is
    assert load_config(without).to_dict()["grid"]["placement"] == want


def test_regret_pricing_without_placement_solves_on_the_thesis_grid():
    """One item on [0, 1], no placement given: the LP is solved on the endpoints grid (the
    thesis grid V_n of Theorem 2.3.1, 0 and 1 included), so it equals the explicit
    endpoints solve, differs from the midpoint solve of the same K, and stays below the
    continuum minimax regret 1/e (Lemma 2.3.2: the grid optimum z_n <= z*)."""
    import math

    base = {"kind": "regret_pricing", "params": {"upper": [1.0]}, "grid": {"points": 11}}
    omitted = solve(base)
    endpoints = solve(base, overrides=["grid.placement=endpoints"])
    midpoint = solve(base, overrides=["grid.placement=midpoint"])
    assert omitted.config.grid.placement == "endpoints"
    assert omitted.objective == pytest.approx(endpoints.objective, abs=1e-12)
    assert abs(omitted.objective - midpoint.objective) > 1e-4
    assert omitted.objective <= 1 / math.e
    assert omitted.exit_code == 0
