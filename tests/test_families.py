"""One suite every registered family must pass (in the spirit of scikit-learn's
check_estimator): on two small grids, HiGHS and Clarabel (independent of HiGHS) agree to
1e-6, strong duality holds for LPs, the certificate is <= 1e-7, the template round-trips
through --out's config.yaml, and the result files load back with pandas."""

import json

import independent as chk
import numpy as np
import pandas as pd
import pytest
import yaml

from mdlp.config import load_config
from mdlp.problems import REGISTRY
from mdlp.report import write_outputs
from mdlp.run import solve
from solvers import get_backend

SMALL = (5, 7)


def small(kind, K):
    cfg = load_config(REGISTRY[kind].template, [f"grid.points={K}"])
    return cfg


@pytest.mark.parametrize("K", SMALL)
@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_family_contract(kind, K):
    cfg = small(kind, K)
    problem = cfg.make_problem()
    lp = problem.build()
    sol = problem.solve_lp(lp, get_backend("highs"))
    assert sol.ok, sol.message
    interp = problem.interpret(lp, sol)
    cert = interp.certificate
    assert max(cert.values(), default=0.0) <= 1e-7, cert
    # the tests' own checker (tests/independent.py) on the mechanism table, where it applies
    own = chk.from_table(kind, interp.mechanism)
    if own is not None:
        assert chk.worst(own) <= 1e-7, own
    if not lp.is_mip:
        # strong duality with the documented sign convention
        assert sol.y_flat is not None
        A = lp.matrix("csr")
        assert np.abs(lp.cost - A.T @ sol.y_flat - sol.d_flat).max() < 1e-6
        assert lp.dual_objective(sol.y_flat, sol.d_flat) == pytest.approx(sol.objective, abs=1e-7)
    # an independent route to the optimum: Clarabel (a MIP goes to SciPy's HiGHS bindings)
    other = cfg.make_problem()
    lp2 = other.build()
    sol2 = other.solve_lp(lp2, get_backend("scipy" if lp2.is_mip else "clarabel"))
    assert sol2.ok and sol2.objective == pytest.approx(sol.objective, abs=1e-6)


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_family_files_round_trip(kind, tmp_path):
    cfg = small(kind, SMALL[0])
    res = solve(cfg)
    assert res.ok
    write_outputs(res, tmp_path / "out", res.problem)
    out = tmp_path / "out"
    summary = json.loads((out / "summary.json").read_text())
    assert summary["kind"] == kind and summary["objective"] == pytest.approx(res.objective)
    again = solve(load_config(str(out / "config.yaml")))
    assert again.objective == pytest.approx(res.objective, abs=1e-9)
    assert yaml.safe_load((out / "config.yaml").read_text())["kind"] == kind
    for f in out.iterdir():
        if f.suffix == ".parquet":
            assert len(pd.read_parquet(f)) > 0
        elif f.suffix == ".csv":
            assert len(pd.read_csv(f)) > 0
