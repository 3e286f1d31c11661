"""GPU fleet cohorts: owned today (``fleet``) and still to buy (``capex_plan``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, model_validator

from stress.model.types import MAX_KW_PER_UNIT, Count, Date, NonNegMoney, PosMoney, Share, Spec, Years, within

#: Default IT power per GPU in kW: a DGX H100 draws 10.2 kW for 8 GPUs
#: (1.275 kW), plus ~10% for networking and storage.
DEFAULT_KW_PER_GPU = 1.4

KwPerUnit = Annotated[float, within(0.0, MAX_KW_PER_UNIT, "IT power above 0 and at most 1,000,000 kW (1 GW) a unit",
                                    low_open=True)]


class AssetClass(StrEnum):
    """What a cohort is: GPUs (the default), a facility (a data hall on notional MW units), or other
    (mining hashrate, a notional business line). Useful-life shocks target GPUs unless told otherwise."""

    GPU = "gpu"
    FACILITY = "facility"
    OTHER = "other"


class Cohort(Spec):
    """GPUs of one model put in service on one date.

    ``useful_life_years`` is the accounting life (straight-line depreciation to
    ``residual``); ``economic_life_years`` is how long the cohort earns before it
    is retired and sold at its residual value. It defaults to the accounting life.
    """

    name: str = Field(min_length=1)
    gpu: str = Field(min_length=1, description="GPU model, e.g. H100; must have a market price")
    units: Count = Field(description="number of GPUs")
    unit_cost: PosMoney = Field(description="USD per GPU, all-in (server, network share)")
    in_service: Date
    useful_life_years: Years = Field(description="accounting life, years (at most 50)")
    economic_life_years: Years | None = Field(None, description="earning life, years (at most 50); default = useful life")
    residual: Share = Field(0.0, description="value at end of accounting life, share of unit cost")
    kw_per_gpu: KwPerUnit = Field(DEFAULT_KW_PER_GPU, description="IT power per GPU (or unit), kW; at most 1,000,000")
    asset: AssetClass = Field(AssetClass.GPU, description="gpu, facility or other; life shocks target gpu by default")

    @property
    def gross_cost_usd(self) -> float:
        return self.units * self.unit_cost

    @property
    def economic_life(self) -> float:
        return self.economic_life_years if self.economic_life_years is not None else self.useful_life_years


class CapexCohort(Cohort):
    """A cohort still to be bought in the quarter it is due, and only when its funding is there.

    In a ``programme``, the programme's funding sources pay. Otherwise ``funded_by`` names a facility
    that pays ``funded_share`` (the rest from cash), or, with neither, cash above the minimum pays.
    """

    funded_by: str | None = Field(None, description="name of the debt facility that funds it")
    funded_share: Share = Field(1.0, description="share of the cost drawn from funded_by")
    programme: str | None = Field(None, description="the build programme it belongs to; its funding pays for it")
    paid_at_as_of: NonNegMoney = Field(0.0, description="USD of its cost already spent by as_of (construction in "
                                                        "progress, an asset): the purchase pays only the rest")

    @model_validator(mode="after")
    def _paid_within_cost(self) -> CapexCohort:
        """Construction in progress cannot exceed what the cohort costs: more would be a second asset."""
        if self.paid_at_as_of > self.gross_cost_usd * (1 + 1e-9):
            raise ValueError(f"paid_at_as_of ({self.paid_at_as_of:,.0f}) is more than the cohort's cost, units x "
                             f"unit_cost ({self.gross_cost_usd:,.0f})")
        return self
