"""mdlp.testing.check_family on every family of the catalogue (each check separately, on
the family's template with a 5-point grid), and on deliberately broken families, so that
each check is shown to fail when its contract is broken."""

import pytest

from mdlp.config import Strict
from mdlp.families import FAMILIES
from mdlp.problems.base import REGISTRY, register
from mdlp.problems.bilateral_trade import BilateralTrade
from mdlp.testing import CHECKS, FamilyCheckError, check_family

# Known failures in families under refactoring elsewhere (reported, not fixed here);
# not strict, so the suite stays green when they are fixed.
KNOWN = {
    ("externality_auction", "size_estimate"): (
        "size_estimate() of the marginal formulation counts the dense cut rows row generation "
        "adds later (a deliberate over-estimate for the memory guard): 8x the built nonzeros"
    ),
}


def _params():
    out = []
    for kind in sorted(FAMILIES):
        for check in CHECKS:
            marks = ()
            if (kind, check) in KNOWN:
                marks = pytest.mark.xfail(reason=KNOWN[kind, check], strict=False)
            out.append(pytest.param(kind, check, marks=marks, id=f"{kind}-{check}"))
    return out


@pytest.mark.parametrize(("kind", "check"), _params())
def test_every_family_passes(kind, check):
    results = check_family(kind, points=5, checks=(check,))
    assert [r.name for r in results] == [check]
    assert results[0].passed in (True, None), results[0]


# --- broken families: each check must catch its defect --------------------------------
U01 = {"distribution": "uniform", "low": 0, "high": 1}


@pytest.fixture
def broken():
    """Register a broken variant of bilateral_trade for one test, and remove it after."""
    made = []

    def make(kind, **attrs):
        cls = register(type(f"Broken_{kind}", (BilateralTrade,), {"kind": kind, **attrs}))
        made.append(kind)
        config = {"kind": kind, "params": {"buyer": U01, "seller": U01}, "grid": {"points": 5}}
        return cls, config

    yield make
    for kind in made:
        REGISTRY.pop(kind, None)


def _failed(cls, config, check):
    with pytest.raises(FamilyCheckError) as err:
        check_family(cls, config=config, checks=(check,))
    (result,) = err.value.results
    assert result.name == check and result.passed is False
    return result.message


def test_the_real_family_passes_everything():
    results = check_family(BilateralTrade, points=5)
    assert {r.name for r in results} == set(CHECKS)
    assert all(r.passed in (True, None) for r in results), results


def test_stateful_family_is_caught(broken):
    def build(self):
        lp = BilateralTrade.build(self)
        self._rows = lp.num_rows  # state left on the object ...
        return lp

    def interpret(self, lp, sol):
        assert self._rows == lp.num_rows  # ... and needed later
        return BilateralTrade.interpret(self, lp, sol)

    cls, config = broken("bt_stateful", build=build, interpret=interpret)
    assert "AttributeError" in _failed(cls, config, "stateless")


def test_lax_parameters_are_caught(broken):
    class Lax(BilateralTrade.Params):
        model_config = {"extra": "allow"}  # unknown parameters pass silently

    cls, config = broken("bt_lax", Params=Lax)
    assert "no_such_parameter" in _failed(cls, config, "bad_input")
    assert issubclass(BilateralTrade.Params, Strict)


def test_a_crash_is_caught(broken):
    def priors(self):
        if self.params.buyer.high is not None and self.params.buyer.high > 1:
            raise RuntimeError("unchecked parameter")
        return BilateralTrade.priors(self)

    cls, config = broken("bt_crash", priors=priors)
    results = check_family(cls, config=config, checks=("template", "json"))
    assert all(r.passed for r in results)  # the template itself is fine
    config["params"]["buyer"] = {"distribution": "uniform", "low": 0, "high": 2}
    assert "RuntimeError" in _failed(cls, config, "template")


def test_a_false_certificate_is_caught(broken):
    def interpret(self, lp, sol):
        out = BilateralTrade.interpret(self, lp, sol)
        out.certificate["ic"] = 1e-3
        return out

    cls, config = broken("bt_cert", interpret=interpret)
    assert "ic" in _failed(cls, config, "certificate")
    assert "exit code 1" in _failed(cls, config, "template")


def test_a_wrong_dual_is_caught(broken):
    def solve_lp(self, lp, backend):
        sol = backend.solve(lp)
        sol.y_flat = sol.y_flat * 0.5  # no longer a dual certificate of this optimum
        return sol

    def optimality_certificate(self, lp, sol):  # the family's own check looks away
        from solvers.certificate import optimality_certificate

        cert = optimality_certificate(lp, sol)
        cert.dual_feasibility = cert.duality_gap = 0.0
        return cert

    cls, config = broken("bt_dual", solve_lp=solve_lp,
                         optimality_certificate=optimality_certificate)
    config["grid"]["points"] = 6  # the budget row binds (on 5 points y = 0 is a dual)
    assert "recomputed optimality" in _failed(cls, config, "certificate")


def test_a_wrong_size_estimate_is_caught(broken):
    def size_estimate(self):
        lp = BilateralTrade.build(self)
        return lp.num_rows * 100.0, lp.num_cols, lp.nnz

    cls, config = broken("bt_size", size_estimate=size_estimate)
    assert "rows" in _failed(cls, config, "size_estimate")


def test_unregistered_family_is_refused():
    class Loose(BilateralTrade):
        kind = "bt_loose"

    with pytest.raises(ValueError, match="register"):
        check_family(Loose, config={"kind": "bt_loose"})
