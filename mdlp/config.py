"""YAML -> validated config objects, with errors that name the field and what is valid.

A config file has four top-level fields::

    kind: myerson_auction          # which family (``mdlp list``)
    params: {...}                  # the family's parameters (its ``Params`` model)
    grid: {points: 101, placement: midpoint}
    solver: {backend: highs, method: auto, time_limit: 600}

Every error is raised as :class:`ConfigError` whose text is one line
``<field>: <what is wrong>; <what would be valid>``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import grids
from grids.axis import PLACEMENTS

#: libyaml's parser when PyYAML was built with it (the same YAML, several times faster on a
#: config file), else the pure-Python one
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _safe_load(text: str):
    """``yaml.safe_load`` through :data:`_SafeLoader`."""
    return yaml.load(text, Loader=_SafeLoader)  # a safe loader: plain data only


class ConfigError(ValueError):
    """Bad input: ``field`` names the offending field (dotted path)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- shared building blocks ------------------------------------------------------------
class DistributionSpec(BaseModel):
    """A value distribution: a scipy.stats law (``distribution`` with ``low``/``high``
    truncation, ``loc``/``scale`` and shape parameters such as ``a: 2``) or an explicit pmf
    (``values`` and ``probs``), which is its own grid."""

    model_config = ConfigDict(extra="allow")

    distribution: str | None = None
    low: float | None = None
    high: float | None = None
    loc: float | None = None
    scale: float | None = Field(None, gt=0)
    values: list[float] | None = None
    probs: list[float] | None = None

    @model_validator(mode="after")
    def _check(self):
        shape = self.shape_params()
        if self.values is not None or self.probs is not None:
            if self.values is None or self.probs is None:
                raise ValueError("a pmf needs both 'values' and 'probs'")
            if len(self.values) != len(self.probs) or not self.values:
                raise ValueError("'values' and 'probs' must be non-empty lists of equal length")
            if len(set(self.values)) != len(self.values):
                raise ValueError("'values' must be distinct")
            if any(p < 0 for p in self.probs) or not math.isclose(sum(self.probs), 1, abs_tol=1e-9):
                raise ValueError("'probs' must be non-negative and sum to 1")
            if self.distribution is not None or shape:
                raise ValueError("give either 'distribution' or 'values'/'probs', not both")
            return self
        if self.distribution is None:
            self.distribution = "uniform"
        if self.distribution == "uniform" and (self.low is None or self.high is None):
            if self.loc is None:
                raise ValueError("uniform needs 'low' and 'high' (e.g. low: 0, high: 1)")
        if self.low is not None and self.high is not None and not self.high > self.low:
            raise ValueError(f"need high > low, got low={self.low}, high={self.high}")
        for k, v in shape.items():
            if not isinstance(v, int | float) or isinstance(v, bool):
                raise ValueError(f"shape parameter {k!r} must be a number, got {v!r}")
        try:
            prior = grids.continuous_prior(self.distribution, 3, **self._law_kwargs())
        except (ValueError, TypeError) as exc:
            raise ValueError(str(exc).split("\n")[0]) from None
        del prior
        return self

    def shape_params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def _law_kwargs(self) -> dict:
        kw = {"low": self.low, "high": self.high, "loc": self.loc, "scale": self.scale}
        kw.update(self.shape_params())
        return kw

    @property
    def is_pmf(self) -> bool:
        return self.values is not None

    def to_prior(self, points: int, placement: str = "midpoint") -> grids.Prior:
        if self.is_pmf:
            return grids.pmf_prior(self.values, self.probs)
        return grids.continuous_prior(
            self.distribution, points, placement=placement, **self._law_kwargs()
        )

    def describe(self) -> str:
        if self.is_pmf:
            return f"pmf{tuple(self.values)}"
        extra = ",".join(f"{k}={v}" for k, v in self.shape_params().items())
        bounds = f"[{self.low},{self.high}]" if self.low is not None else ""
        return f"{self.distribution}{bounds}{'(' + extra + ')' if extra else ''}"


def expand_iid(data, key: str, low: int, high: int):
    """The shorthand ``<key>: N`` with ``values: {...}``: N copies of the common spec
    (for a params model's ``mode="before"`` validator); N must lie in [low, high]."""
    if isinstance(data, dict) and isinstance(data.get(key), int):
        data = dict(data)
        n = data[key]
        if "values" not in data:
            raise ValueError(f"with '{key}: N' give the common distribution as 'values'")
        if isinstance(n, bool) or not low <= n <= high:
            raise ValueError(f"{key} must be between {low} and {high}, got {n}")
        data[key] = [data.pop("values")] * n
    return data


class GridConfig(Strict):
    """``grid:`` of a config.  An omitted ``placement`` gets the family's default
    (``Problem.default_placement``: the placement its template and theorems use)."""

    points: int = Field(101, ge=2, le=1_000_000, description="grid points per axis")
    placement: Literal["midpoint", "left", "right", "endpoints"] | None = None


assert set(PLACEMENTS) == {"midpoint", "left", "right", "endpoints"}


class SolverConfig(Strict):
    backend: Literal["highs", "cvxpy", "scipy", "clarabel"] = Field(
        "highs",
        description="highs (default) | scipy (linprog: HiGHS again) | cvxpy (its solver, "
        "default HiGHS) | clarabel (interior point, independent of HiGHS; LPs only)",
    )
    method: Literal["auto", "simplex", "ipm", "pdlp"] = "auto"
    time_limit: float | None = Field(600.0, gt=0)
    threads: int | None = Field(None, ge=0)
    tolerance: float = Field(
        1e-9, gt=0, le=1e-3, description="feasibility tolerances (Clarabel: and gap)"
    )
    solver: str | None = Field(None, description="cvxpy's solver name (cvxpy backend only)")
    presolve: Literal["choose", "on", "off"] = Field(
        "choose", description="presolve (highs, scipy, clarabel)"
    )
    iteration_limit: int | None = Field(
        None, ge=1, description="HiGHS simplex/IPM/PDLP iteration limit per solve"
    )
    options: dict[str, bool | int | float | str] = Field(
        default_factory=dict, description="extra HiGHS options, passed to setOptionValue"
    )
    memory_budget_gb: float | None = Field(
        None, gt=0, description="refuse LPs estimated above this (default: 75% of free memory)"
    )

    @field_validator("presolve", mode="before")
    @classmethod
    def _yaml_bool(cls, v):
        # YAML 1.1 reads a bare on/off as a boolean
        return {True: "on", False: "off"}.get(v, v) if isinstance(v, bool) else v

    @field_validator("options")
    @classmethod
    def _check_options(cls, options):
        if options:
            import highspy

            import solvers.highs  # noqa: F401  (swallows HiGHS's stdout banner first)

            h = highspy.Highs()
            h.silent()
            for key, value in options.items():
                if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
                    raise ValueError(
                        f"{key!r} is not a HiGHS option, or {value!r} is not a valid value "
                        "for it (see the HiGHS options reference)"
                    )
        return options

    def backend_object(self):
        from solvers import get_backend

        kw: dict[str, Any] = {"method": self.method, "time_limit": self.time_limit}
        if self.backend == "highs":
            kw["tolerance"] = self.tolerance
            kw["presolve"] = self.presolve
            kw.update(self.options)
            if self.iteration_limit:
                for opt in ("simplex", "ipm", "pdlp"):
                    kw[f"{opt}_iteration_limit"] = int(self.iteration_limit)
            if self.threads:
                kw["threads"] = self.threads
        if self.backend in ("scipy", "clarabel"):
            kw.update(tolerance=self.tolerance, presolve=self.presolve)
            if self.iteration_limit:
                kw["iteration_limit"] = int(self.iteration_limit)
            if self.threads:
                kw["threads"] = self.threads
        if self.backend == "cvxpy" and self.solver:
            kw["solver"] = self.solver
        return get_backend(self.backend, **kw)


class RunConfig(BaseModel):
    """A fully validated run: the family's params model plus grid and solver settings."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    kind: str
    params: Any
    grid: GridConfig
    solver: SolverConfig
    name: str | None = None

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            **({"name": self.name} if self.name else {}),
            "params": self.params.model_dump(mode="json", exclude_none=True),
            "grid": self.grid.model_dump(mode="json"),
            "solver": self.solver.model_dump(mode="json", exclude_none=True),
        }

    def make_problem(self):
        from mdlp.problems import get_family

        return get_family(self.kind)(self.params, self.grid, self.solver)


# --- errors --------------------------------------------------------------------------
def _loc(prefix: str, loc) -> str:
    out = prefix
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _raise_validation(prefix: str, exc: ValidationError):
    err = exc.errors()[0]
    loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling against `mdlp template KIND`)"
    if err["type"] == "missing":
        msg = "required field is missing"
    raise ConfigError(_loc(prefix, loc), msg) from None


# --- loading -------------------------------------------------------------------------
def parse_override(text: str) -> tuple[list[str], Any]:
    """``"grid.points=201"`` -> (["grid", "points"], 201); values are parsed as YAML."""
    if "=" not in text:
        raise ConfigError("--set", f"expected KEY=VALUE (e.g. grid.points=201), got {text!r}")
    key, _, raw = text.partition("=")
    path = [p for p in key.strip().split(".") if p]
    if not path:
        raise ConfigError("--set", f"empty key in {text!r}")
    try:
        value = _safe_load(raw)
    except yaml.YAMLError:
        raise ConfigError("--set", f"cannot parse the value of {key!r}: {raw!r}") from None
    return path, value


def apply_overrides(data: dict, overrides) -> dict:
    """Set dotted keys (``a.b=value``) in a nested dict; list items by index (``a.0.b``)."""
    for text in overrides or ():
        path, value = parse_override(text)
        node = data
        for i, part in enumerate(path[:-1]):
            where = ".".join(path[: i + 1])
            if isinstance(node, list):
                if not part.isdigit() or int(part) >= len(node):
                    raise ConfigError(where, f"no list item {part!r} to set")
                node = node[int(part)]
            elif isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                raise ConfigError(where, "is not a mapping, cannot set a field inside it")
        last = path[-1]
        if isinstance(node, list):
            if not last.isdigit() or int(last) >= len(node):
                raise ConfigError(".".join(path), f"no list item {last!r} to set")
            node[int(last)] = value
        elif isinstance(node, dict):
            node[last] = value
        else:
            raise ConfigError(".".join(path[:-1]), "is not a mapping, cannot set a field inside it")
    return data


def read_yaml(path) -> dict:
    p = Path(path)
    if not p.exists():
        raise ConfigError("config", f"file {str(p)!r} does not exist")
    if p.is_dir():
        raise ConfigError("config", f"{str(p)!r} is a directory; give a YAML file")
    try:
        data = _safe_load(p.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError("config", f"{p.name} is not valid YAML{where}") from None
    except UnicodeDecodeError:
        raise ConfigError("config", f"{p.name} is not a text file") from None
    if not isinstance(data, dict):
        raise ConfigError("config", f"{p.name} must be a YAML mapping with 'kind' and 'params'")
    return data


def load_config(source, overrides=()) -> RunConfig:
    """Validate a config given as a path, a YAML string or a dict; apply ``--set``
    overrides first.  Raises :class:`ConfigError` naming the field on bad input."""
    if isinstance(source, dict):
        import copy

        data = copy.deepcopy(source)
    elif isinstance(source, str) and "\n" in source:
        try:
            data = _safe_load(source)
        except yaml.YAMLError:
            raise ConfigError("config", "the text is not valid YAML") from None
        if not isinstance(data, dict):
            raise ConfigError("config", "a config must be a YAML mapping")
    else:
        data = read_yaml(source)
    data = apply_overrides(data, overrides)
    from mdlp.families import FAMILIES
    from mdlp.problems.base import REGISTRY, get_family

    known = sorted(set(FAMILIES) | set(REGISTRY))
    allowed = {"kind", "params", "grid", "solver", "name"}
    extra = sorted(set(data) - allowed)
    if extra:
        raise ConfigError(extra[0], f"unknown top-level field; valid: {sorted(allowed)}")
    kind = data.get("kind")
    if kind is None:
        raise ConfigError("kind", f"required; one of {known}")
    if not isinstance(kind, str) or kind not in known:
        raise ConfigError("kind", f"unknown family {kind!r}; one of {known}")
    family = get_family(kind)
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError("params", "must be a mapping of the family's parameters")
    try:
        p = family.Params.model_validate(params)
    except ValidationError as exc:
        _raise_validation("params", exc)
    try:
        g = GridConfig.model_validate(data.get("grid") or {})
    except ValidationError as exc:
        _raise_validation("grid", exc)
    if g.placement is None:
        g = g.model_copy(update={"placement": family.default_placement})
    try:
        s = SolverConfig.model_validate(data.get("solver") or {})
    except ValidationError as exc:
        _raise_validation("solver", exc)
    if s.solver and s.backend != "cvxpy":
        raise ConfigError("solver.solver", "only applies with backend: cvxpy")
    if s.options and s.backend != "highs":
        raise ConfigError("solver.options", "HiGHS options apply with backend: highs only")
    from solvers import BackendOptionError

    try:
        s.backend_object()  # a backend refuses what it cannot honour (e.g. pdlp in linprog)
    except BackendOptionError as exc:
        raise ConfigError(f"solver.{exc.option}", f"{exc.message} (backend: {s.backend})") from None
    except ValueError as exc:  # e.g. a cvxpy solver that is not installed
        raise ConfigError(f"solver.{'solver' if s.solver else 'backend'}", str(exc)) from None
    name = data.get("name")
    name = None if name is None else str(name)
    return RunConfig(kind=kind, params=p, grid=g, solver=s, name=name)
