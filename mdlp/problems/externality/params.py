"""Parameters of the externality auction family (Rui (2020), *Auctions of Digital Goods
with Externalities*, model 2.2.1 and 4.1.2) and the choice of formulation."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from mdlp.config import DistributionSpec, Strict

SOURCE = "Rui (2020), Auctions of Digital Goods with Externalities"


class ExternalityParams(Strict):
    bidders: int = Field(2, ge=2, le=4, description="number of bidders n (2..4)")
    items: int = Field(1, ge=1, le=3, description="number of digital goods g (1..3)")
    setting: Literal[1, 2] = Field(
        1, description="1: bidder knows incoming eta_{i<-j}; 2: outgoing eta_{j<-i}"
    )
    objective: Literal["welfare", "revenue"] = "revenue"
    constraints: Literal["bayesian", "dominant"] = "bayesian"
    values: DistributionSpec | list[DistributionSpec] = Field(
        description="law of each v_i: one spec for all bidders or a list of n"
    )
    externalities: DistributionSpec | list[list[DistributionSpec | None]] = Field(
        description="law of each eta_{i<-j}: one spec or an n x n list, null diagonal"
    )
    allocation: Literal["optimal", "separable", "thesis", "efficient"] = "optimal"
    ic: Literal["rowgen", "all"] = Field(
        "rowgen", description="rowgen: lazy IC from box neighbours; all: every pair up front"
    )
    symmetry: Literal["auto", "off"] = Field(
        "auto",
        description="auto: with formulation marginal and iid bidders, solve for a "
        "bidder-symmetric mechanism (one exists by convexity)",
    )
    formulation: Literal["auto", "full", "reduced", "marginal"] = Field(
        "auto",
        description="reduced: Prop. 3.3.4's 1-D LPs (setting 2, revenue, bayesian); "
        "marginal: n = 2 setting 1 bayesian LP over interim marginals (auto picks it)",
    )

    @model_validator(mode="after")
    def _check(self):
        n = self.bidders
        if isinstance(self.values, list) and len(self.values) != n:
            raise ValueError(f"values: give one spec or a list of {n} (one per bidder)")
        ext = self.externalities
        if isinstance(ext, list):
            if len(ext) != n or any(not isinstance(r, list) or len(r) != n for r in ext):
                raise ValueError(f"externalities: give one spec or an {n}x{n} nested list")
            for i in range(n):
                for j in range(n):
                    if (ext[i][j] is None) != (i == j):
                        raise ValueError(
                            f"externalities[{i}][{j}]: "
                            + ("must be null (diagonal)" if i == j else "needs a distribution")
                        )
        if self.allocation == "thesis" and any(s.is_pmf for s in self._specs()):
            raise ValueError("allocation 'thesis' needs continuous laws (the printed rule)")
        if self.formulation == "reduced" and not (
            self.setting == 2
            and self.objective == "revenue"
            and self.constraints == "bayesian"
            and self.items == 1
            and self.allocation == "optimal"
        ):
            raise ValueError(
                "formulation 'reduced' needs setting 2, revenue, bayesian, items 1, "
                "allocation optimal"
            )
        if self.formulation == "marginal" and not self.marginal_ok():
            raise ValueError(
                "formulation 'marginal' needs bidders 2, setting 1, bayesian, allocation optimal"
            )
        if self.allocation in ("thesis", "separable") and self.setting != 1:
            raise ValueError(f"allocation {self.allocation!r} is a Setting-1 rule; use setting 1")
        return self

    def marginal_ok(self) -> bool:
        return (
            self.bidders == 2
            and self.setting == 1
            and self.constraints == "bayesian"
            and self.allocation == "optimal"
        )

    @property
    def form(self) -> str:
        """The formulation used: ``auto`` is ``marginal`` where it applies (and IC is
        generated lazily), else ``full``."""
        if self.formulation != "auto":
            return self.formulation
        return "marginal" if self.marginal_ok() and self.ic == "rowgen" else "full"

    def _specs(self):
        vals = self.values if isinstance(self.values, list) else [self.values]
        ext = self.externalities
        exts = [e for r in ext for e in r if e is not None] if isinstance(ext, list) else [ext]
        return list(vals) + exts

    def value_spec(self, i) -> DistributionSpec:
        return self.values[i] if isinstance(self.values, list) else self.values

    def eta_spec(self, a, b) -> DistributionSpec:
        """The law of eta_{a<-b}."""
        ext = self.externalities
        return ext[a][b] if isinstance(ext, list) else ext
