"""A credit book: member firms, the lender's exposure to each, optional scenario weights.

The format is documented in the header of ``companies/portfolio.yaml``.
"""

from __future__ import annotations

import math

from pydantic import Field, model_validator

from stress.model.debt import Seniority
from stress.model.types import Date, PosMoney, Share, Spec


class Exposure(Spec):
    """USD ``amount`` held in a named ``tranche`` of the member's profile, or at a ``seniority``."""

    amount: PosMoney
    tranche: str | None = None
    seniority: Seniority | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Exposure:
        if (self.tranche is None) == (self.seniority is None):
            raise ValueError("give exactly one of tranche or seniority")
        return self


class Member(Spec):
    profile: str = Field(min_length=1, description="shipped profile name or path (relative to the portfolio file)")
    exposure: Exposure | None = None


class Portfolio(Spec):
    name: str = Field(min_length=1)
    as_of: Date | None = None
    scenario_weights: dict[str, Share] = Field(default_factory=dict, description="scenario -> probability")
    members: list[Member] = Field(min_length=1)

    @model_validator(mode="after")
    def _weights_sum_to_one(self) -> Portfolio:
        total = sum(self.scenario_weights.values())
        if self.scenario_weights and not math.isclose(total, 1.0, abs_tol=1e-6):
            raise ValueError(f"scenario_weights must sum to 100%, they sum to {total:.2%}")
        return self
