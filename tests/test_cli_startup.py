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
#: not needed by a small HiGHS solve at all (the matrix is assembled with numpy)
SCIPY = ("scipy", "scipy.sparse")
#: scipy modules the theory needs only inside its continuum quadratures and root finders
SCIPY_LAZY = ("scipy.stats", "scipy.integrate", "scipy.optimize", "scipy.special")
PROBED = [*HEAVY, *SCIPY_LAZY, *SCIPY, "numpy"]


def test_catalogue_agrees_with_the_registered_classes():
    # import every module of mdlp.problems, listed or not: a family registered in a module
    # that the catalogue forgets shows up as a registry key missing from FAMILIES
    for info in pkgutil.iter_modules(mdlp.problems.__path__, "mdlp.problems."):
        importlib.import_module(info.name)
    assert sorted(FAMILIES) == sorted(REGISTRY)
    for kind, fam in FAMILIES.items():
        cls = REGISTRY[kind]
        # a family may live in a package (the catalogue names the package, the class sits
        # in one of its modules)
        assert cls.__module__ == fam.module or cls.__module__.startswith(fam.module + ".")
        assert (fam.title, fam.source) == (cls.title, cls.source)


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
        + f"print(json.dumps({{m: m in mods for m in {PROBED!r}}}"
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
    # the pricing theorem is arithmetic: no quadrature, no root finder, no scipy.stats; the
    # matrix goes to HiGHS as numpy arrays, and the certificate needs no scipy.sparse
    assert not any(got[m] for m in SCIPY_LAZY + SCIPY), got


def test_a_small_uniform_myerson_solve_imports_no_scipy():
    cfg = str(ROOT / "configs" / "myerson_uniform.yaml")
    got = imported_after(run_cli(["solve", cfg, "--set", "grid.points=21", "--quiet"]))
    assert got["families"] == ["mdlp.problems.myerson"]
    # uniform priors are discretized and validated without scipy.stats, and the continuum
    # optimum E[max psi^+] of uniform laws is an exact piecewise-polynomial quadrature
    assert got["highspy"]
    assert not any(got[m] for m in HEAVY[:-2] + HEAVY[-1:] + SCIPY_LAZY + SCIPY), got


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


# --- the numpy assembly of the constraint matrix (no scipy.sparse on the solve path) ------
def _dense(rows, cols, vals, shape):
    """The matrix the triplets stand for, accumulated entry by entry (repeats add up)."""
    import numpy as np

    A = np.zeros(shape)
    np.add.at(A, (rows, cols), vals)
    return A


def test_compress_sums_repeats_and_sorts_like_a_dense_accumulation():
    import numpy as np

    from solvers.lp import compress

    rng = np.random.default_rng(7)
    m, n, nnz = 40, 30, 600  # many repeated (row, column) pairs
    r, c = rng.integers(0, m, nnz), rng.integers(0, n, nnz)
    v = rng.normal(size=nnz)
    v[:5] = 0.0  # explicit zeros stay (as in scipy.sparse's canonical form)
    indptr, indices, data = compress(r, c, v, m, n)
    assert indptr.dtype == indices.dtype == np.int32 and indptr[0] == 0
    assert indptr.size == m + 1 and np.all(np.diff(indptr) >= 0)
    A = np.zeros((m, n))
    for i in range(m):  # rebuild row by row: indices strictly increase within a row
        seg = slice(indptr[i], indptr[i + 1])
        assert np.all(np.diff(indices[seg]) > 0)
        A[i, indices[seg]] = data[seg]
    np.testing.assert_allclose(A, _dense(r, c, v, (m, n)), atol=1e-12)
    assert indptr[-1] == len({(a, b) for a, b in zip(r.tolist(), c.tolist(), strict=True)})
    # the same matrix compressed by columns is its transpose
    p2, i2, d2 = compress(c, r, v, n, m)
    At = np.zeros((n, m))
    for j in range(n):
        At[j, i2[p2[j] : p2[j + 1]]] = d2[p2[j] : p2[j + 1]]
    np.testing.assert_allclose(At, A.T, atol=1e-12)


def test_lp_matrix_products_and_row_slices_without_scipy():
    """A two-block LP: 3 rows x0 - x1 (+ x0 again: repeats add), then 2 rows appended in a
    second round; csr(start) gives the appended rows alone, and matvec / rmatvec agree with
    the dense matrix written out here by hand."""
    import numpy as np

    from solvers import LinearProgram

    lp = LinearProgram("min")
    x = lp.add_variables("x", (4,))
    lp.add_constraints("a", [(x[:3], 1.0), (x[1:], -1.0), (x[:3], 2.0)], lb=0.0)
    before = lp.num_rows
    lp.add_constraints("a", [(x[[0, 3]], [5.0, 7.0])], ub=1.0, append=True)
    dense = np.array(
        [[3, -1, 0, 0], [0, 3, -1, 0], [0, 0, 3, -1], [5, 0, 0, 0], [0, 0, 0, 7]], dtype=float
    )
    indptr, indices, data = lp.csr(before)  # assembled from the new rows' triplets only
    assert "csr" not in lp._cache and indptr.tolist() == [0, 1, 2]
    assert indices.tolist() == [0, 3] and data.tolist() == [5.0, 7.0]
    y, z = np.arange(1.0, 6.0), np.array([1.0, -2.0, 0.5, 3.0])
    np.testing.assert_allclose(lp.rmatvec(y), dense.T @ y)
    np.testing.assert_allclose(lp.matvec(z), dense @ z)
    assert lp.nnz == 8 and lp.csr(before)[0].tolist() == [0, 1, 2]  # the cached slice
    np.testing.assert_array_equal(lp.matrix("csc").toarray(), dense)
    np.testing.assert_array_equal(lp.matrix("csr").toarray(), dense)
    lp.add_constraints("b", [(x[:2], 1.0)], ub=1.0)  # rows 5 and 6
    with pytest.raises(ValueError, match="inside a row block"):
        lp.csr(6)


# --- exact continuum values for uniform laws (no quadrature library) -------------------
def _uniform_laws(*bounds):
    import grids

    return [grids.continuous_prior("uniform", 3, low=a, high=b).continuous for a, b in bounds]


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_uniform_continuum_values_are_the_textbook_fractions(n):
    """n iid U[0,1]: E[max v] = n/(n+1), E[v_(2)] = (n-1)/(n+1) (order statistics), and
    Myerson's revenue E[max(2v-1)^+] = 1 - int_0^1 ((1+t)/2)^n dt = 1 - (2 - 2^-n)/(n+1)."""
    from mdlp.theory import myerson as T

    laws = _uniform_laws(*[(0, 1)] * n)
    assert T.expected_max_continuum(laws) == pytest.approx(n / (n + 1), abs=1e-14)
    assert T.optimal_revenue_continuum(laws) == pytest.approx(
        1 - (2 - 2.0**-n) / (n + 1), abs=1e-14
    )
    if n >= 2:
        assert T.second_highest_continuum_iid(laws[0], n) == pytest.approx(
            (n - 1) / (n + 1), abs=1e-14
        )


def test_asymmetric_uniform_continuum_values():
    """U[0,1] and U[0,2].  E[max v]: P(max <= t) = t^2/2 on [0,1], t/2 on [1,2], so
    E = int_0^1 (1 - t^2/2) + int_1^2 (1 - t/2) = 5/6 + 1/4 = 13/12.  Revenue: psi_1 = 2v-1,
    psi_2 = 2v-2, P(psi_1 <= t) = (t+1)/2, P(psi_2 <= t) = (t+2)/4, so E[max psi^+] =
    int_0^1 (1 - (t+1)(t+2)/8) + int_1^2 (2-t)/4 = (1 - 23/48) + 1/8 = 31/48."""
    from mdlp.theory import myerson as T

    laws = _uniform_laws((0, 1), (0, 2))
    assert T.expected_max_continuum(laws) == pytest.approx(13 / 12, abs=1e-14)
    assert T.optimal_revenue_continuum(laws) == pytest.approx(31 / 48, abs=1e-14)


def test_uniform_continuum_values_agree_with_adaptive_quadrature():
    """Three unequal uniform laws (kinks inside each other's supports): the exact values
    against scipy's adaptive quadrature of the same survival functions, written here."""
    import numpy as np
    from scipy import integrate

    from mdlp.theory import myerson as T

    bounds = [(1.0, 3.0), (0.0, 2.0), (0.5, 0.7)]
    laws = _uniform_laws(*bounds)

    def F(t, a, b):
        return min(max((t - a) / (b - a), 0.0), 1.0)

    def quad(f, lo, hi):
        return integrate.quad(
            f,
            lo,
            hi,
            limit=400,
            epsabs=1e-13,
            epsrel=1e-13,
            points=[k for a, b in bounds for k in (a, b, 2 * a - b) if lo < k < hi],
        )[0]

    emax = quad(lambda t: 1 - np.prod([F(t, a, b) for a, b in bounds]), 0.0, 3.0)
    rev = quad(lambda t: 1 - np.prod([F((t + b) / 2, a, b) for a, b in bounds]), 0.0, 3.0)
    assert T.expected_max_continuum(laws) == pytest.approx(emax, abs=1e-11)
    assert T.optimal_revenue_continuum(laws) == pytest.approx(rev, abs=1e-11)
    (law,) = _uniform_laws((0.5, 0.7))
    v2 = 0.5 + quad(
        lambda t: 1 - F(t, 0.5, 0.7) ** 3 - 3 * F(t, 0.5, 0.7) ** 2 * (1 - F(t, 0.5, 0.7)), 0.5, 0.7
    )
    assert T.second_highest_continuum_iid(law, 3) == pytest.approx(v2, abs=1e-12)


def test_sorted_distinct_is_numpy_unique():
    import numpy as np

    from mdlp.theory.myerson import _sorted_distinct

    rng = np.random.default_rng(3)
    for x in (rng.integers(0, 5, 40) / 4, np.array([]), np.array([np.nan, 1.0, np.nan, 0.5])):
        np.testing.assert_array_equal(_sorted_distinct(x), np.unique(x))
