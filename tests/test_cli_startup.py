"""A quick command line: what the start-up path imports (no timing here; the times are in
benchmarks/performance/cli_startup.py), and the static family catalogue that lets
``mdlp list`` and ``mdlp template`` answer without importing any family."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import mdlp.problems
from mdlp.config import load_config
from mdlp.families import FAMILIES, read_template
from mdlp.problems import REGISTRY

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "scipy.stats", "cvxpy", "highspy", "matplotlib")
#: scipy modules the theory needs only inside its continuum quadratures and root finders
SCIPY_LAZY = ("scipy.stats", "scipy.integrate", "scipy.optimize", "scipy.special")


def test_catalogue_agrees_with_the_registered_classes():
    # import every module of mdlp.problems, listed or not: a family registered in a module
    # that the catalogue forgets shows up as a registry key missing from FAMILIES
    for info in pkgutil.iter_modules(mdlp.problems.__path__, "mdlp.problems."):
        importlib.import_module(info.name)
    assert sorted(FAMILIES) == sorted(REGISTRY)
    for kind, fam in FAMILIES.items():
        cls = REGISTRY[kind]
        assert (fam.module, fam.title, fam.source) == (cls.__module__, cls.title, cls.source)


@pytest.mark.parametrize("kind", sorted(FAMILIES))
def test_packaged_template_is_a_valid_config_of_its_family(kind):
    text = read_template(kind)
    assert text == REGISTRY[kind].template
    assert yaml.safe_load(text)["kind"] == kind
    assert load_config(text).kind == kind


def imported_after(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; return which modules it left imported."""
    probe = (
        "import sys, json\n"
        + code
        + "\nmods = set(sys.modules)\n"
        + f"print(json.dumps({{m: m in mods for m in {list(HEAVY + SCIPY_LAZY) + ['numpy']!r}}}"
        + " | {'families': sorted(m for m in mods if m.startswith('mdlp.problems.')"
        + " and m != 'mdlp.problems.base')}))"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_cli(args: list[str]) -> str:
    return (
        "from mdlp.cli import main\n"
        "try:\n"
        f"    main({args!r}, prog_name='mdlp')\n"
        "except SystemExit as e:\n"
        "    assert e.code in (0, None), e.code\n"
    )


@pytest.mark.parametrize(
    "args", [["--help"], ["list"], ["template", "myerson_auction"], ["report", "--help"]]
)
def test_help_list_template_import_nothing_heavy(args):
    got = imported_after(run_cli(args) + "import mdlp\n")
    assert got.pop("families") == []
    assert not any(got.values()), got  # not even numpy


def test_import_mdlp_is_light_and_its_names_still_work():
    got = imported_after("import mdlp")
    assert got.pop("families") == [] and not any(got.values()), got
    import mdlp

    assert mdlp.solve is mdlp.run.solve and mdlp.Result is mdlp.run.Result
    assert mdlp.load_config is mdlp.config.load_config
    assert issubclass(mdlp.ConfigError, ValueError)
    assert {"solve", "Result", "load_config", "ConfigError"} <= set(dir(mdlp))
    with pytest.raises(AttributeError):
        mdlp.no_such_name  # noqa: B018


def test_a_solve_imports_only_its_family_and_the_solver():
    cfg = str(ROOT / "configs" / "regret_pricing_1item.yaml")
    got = imported_after(run_cli(["solve", cfg, "--quiet"]))
    assert got["families"] == [
        "mdlp.problems.regret",
        "mdlp.problems.regret.common",
        "mdlp.problems.regret.pricing",
        "mdlp.problems.regret.saddle",
    ]  # the pricing family's modules, not the auction's
    assert got["highspy"]  # the solver; the mechanism table is neither printed nor written
    assert not (got["pandas"] or got["cvxpy"] or got["matplotlib"]), got
    # the pricing theorem is arithmetic: no quadrature, no root finder, no scipy.stats
    assert not any(got[m] for m in SCIPY_LAZY), got


def test_a_small_uniform_myerson_solve_does_not_import_scipy_stats():
    cfg = str(ROOT / "configs" / "myerson_uniform.yaml")
    got = imported_after(run_cli(["solve", cfg, "--set", "grid.points=21", "--quiet"]))
    assert got["families"] == ["mdlp.problems.myerson"]
    # uniform priors are discretized and validated without scipy.stats; the continuum
    # optimum E[max psi^+] is a quadrature, so scipy.integrate is loaded for that value
    assert got["highspy"] and got["scipy.integrate"]
    assert not (got["scipy.stats"] or got["pandas"] or got["cvxpy"] or got["matplotlib"]), got


def test_the_mechanism_table_is_built_when_read(tmp_path):
    """The table is still there for whoever reads it: 21 x 21 profiles of two bidders on
    the midpoints (2k+1)/42 of U[0,1], each of probability 1/441, and ``--out`` writes it."""
    import numpy as np

    from mdlp.config import load_config
    from mdlp.run import solve

    res = solve(load_config(str(ROOT / "configs" / "myerson_uniform.yaml"), ["grid.points=21"]))
    tab = res.mechanism
    assert tab is res.mechanism and len(tab) == 441 and res.worst_case is None
    assert {"v1", "v2", "prob", "q1", "q2"} <= set(tab.columns)
    np.testing.assert_allclose(np.unique(tab["v1"]), (2 * np.arange(21) + 1) / 42, atol=1e-15)
    np.testing.assert_allclose(tab["prob"], 1 / 441, rtol=1e-12)
    cfg = str(ROOT / "configs" / "regret_pricing_1item.yaml")
    code = run_cli(["solve", cfg, "--quiet", "--out", str(tmp_path / "r")])
    assert imported_after(code)["pandas"]
    assert (tmp_path / "r" / "mechanism.csv").is_file()
    assert (tmp_path / "r" / "worst_case.csv").is_file()


@pytest.mark.parametrize(
    "spec",
    [
        "{distribution: uniform, low: 0, high: 1}",
        "{distribution: uniform, loc: 2, scale: 3}",
        "{low: 0.5, high: 2}",
        "{values: [0.2, 0.7], probs: [0.4, 0.6]}",
    ],
)
def test_uniform_and_pmf_priors_validate_without_scipy_stats(spec):
    text = f"kind: myerson_auction\nparams:\n  bidders: [{spec}, {spec}]\ngrid: {{points: 5}}\n"
    code = (
        "from mdlp.config import load_config\n"
        f"cfg = load_config({text!r})\n"
        "prob = cfg.make_problem()\n"
        "assert [len(p) for p in prob.priors()] in ([5, 5], [2, 2])\n"
    )
    got = imported_after(code)
    assert not any(got[m] for m in SCIPY_LAZY), got


def test_an_unknown_law_still_gets_the_same_clear_error():
    from mdlp.config import ConfigError

    text = "kind: myerson_auction\nparams:\n  bidders: [{distribution: unifrom, low: 0, high: 1}]\n"
    with pytest.raises(ConfigError) as err:
        load_config(text)
    assert "unknown continuous distribution 'unifrom' (any scipy.stats name)" in str(err.value)
    # a law other than uniform goes through scipy.stats, shape parameters and all
    cfg = load_config(
        "kind: myerson_auction\nparams:\n  bidders: [{distribution: beta, a: 2, b: 3, "
        "low: 0, high: 1}]\n"
    )
    assert type(cfg.make_problem().priors()[0].continuous.frozen).__module__.startswith("scipy")


def test_theory_modules_import_no_quadrature_or_root_finder():
    mods = ["bayesian_pricing", "externality", "guarantee", "information", "markov"]
    mods += ["myerson", "regret"]
    got = imported_after("".join(f"import mdlp.theory.{m}\n" for m in mods))
    assert not any(got[m] for m in SCIPY_LAZY), got
