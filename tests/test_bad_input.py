"""Property-based bad input: mutate every family's template (wrong types, out-of-range
numbers, missing or unknown fields, unparsable YAML) and check that validation either
accepts the config or raises ConfigError -- never another exception -- and that the CLI
answers exit code 2 with one line naming the field, no traceback, nothing written."""

import copy

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mdlp.cli import main
from mdlp.config import ConfigError, load_config
from mdlp.problems import REGISTRY

KINDS = sorted(REGISTRY)
BAD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(-3, 3), max_size=3),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    """Every (path, value) in a nested config."""
    yield prefix, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _set(data, path, value, delete=False):
    node = data
    for p in path[:-1]:
        node = node[p]
    if delete:
        if isinstance(node, dict):
            node.pop(path[-1], None)
        else:
            node.pop(path[-1])
    else:
        node[path[-1]] = value


@st.composite
def mutated(draw, kind):
    base = yaml.safe_load(REGISTRY[kind].template)
    data = copy.deepcopy(base)
    paths = [p for p, _ in _paths(data) if p]
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p, _ in _paths(data) if p]
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["value", "delete", "unknown"]))
        try:
            if action == "value":
                _set(data, path, draw(BAD_VALUES))
            elif action == "delete":
                _set(data, path, None, delete=True)
            else:
                parent = path[:-1]
                node = data
                for p in parent:
                    node = node[p]
                if isinstance(node, dict):
                    node["zz_" + draw(st.text("abc", min_size=1, max_size=3))] = 1
        except (KeyError, IndexError, TypeError):
            pass
    return data


@pytest.mark.parametrize("kind", KINDS)
def test_validation_raises_only_config_errors(kind, tmp_path_factory):
    """Every generated config either validates or raises ConfigError with one line naming
    the field; each refused one also goes through ``mdlp solve --out``: exit code 2, the
    same single line, no traceback, no output directory.  The counts are asserted in this
    test (at least 100 configs generated, and some refused, so the refusal path really ran);
    run with -s to print them."""
    runner = CliRunner()
    work = tmp_path_factory.mktemp(kind)
    tried = refused = 0

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutated(kind))
    def check(data):
        nonlocal tried, refused
        tried += 1
        try:
            load_config(data)
        except ConfigError as exc:
            text = str(exc)
            assert "\n" not in text and text.strip()
            assert exc.field  # names the field
            refused += 1
            path = work / "c.yaml"
            path.write_text(yaml.safe_dump(data, sort_keys=False))
            out = work / "out"
            r = runner.invoke(main, ["solve", str(path), "--out", str(out)])
            assert r.exit_code == 2, r.output
            assert r.output.strip() == f"error: {text}" and "Traceback" not in r.output
            assert not out.exists()

    check()
    print(f"{kind}: {tried} generated, {refused} refused")
    assert tried >= 100
    assert refused >= 10


@pytest.mark.parametrize("kind", KINDS)
def test_cli_bad_input_contract(kind, tmp_path):
    """A handful of mutations through the real command: exit 2, one line, nothing written."""
    runner = CliRunner()
    base = yaml.safe_load(REGISTRY[kind].template)
    cases = [
        ("grid", {"points": 1}),
        ("grid", {"points": "many"}),
        ("solver", {"backend": "nosuch"}),
        ("params", "not a mapping"),
        ("kind", "nosuch_family"),
    ]
    for i, (key, value) in enumerate(cases):
        data = copy.deepcopy(base)
        data[key] = value
        path = tmp_path / f"c{i}.yaml"
        path.write_text(yaml.safe_dump(data))
        out = tmp_path / f"out{i}"
        r = runner.invoke(main, ["solve", str(path), "--out", str(out)])
        assert r.exit_code == 2, (key, r.output)
        assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
        assert key in r.output
        assert not out.exists()
    broken = tmp_path / "broken.yaml"
    broken.write_text(REGISTRY[kind].template + "\n  : : [\n")
    r = runner.invoke(main, ["solve", str(broken)])
    assert r.exit_code == 2 and "YAML" in r.output
