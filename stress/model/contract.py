"""Take-or-pay capacity contracts with named customers."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Count, Date, Share, Spec, UnitHourPrice, Years


class ContractStatus(StrEnum):
    """``committed``: signed; ``awarded``: announced, not yet signed (counted in the plan case);
    ``pipeline``: management's hopes (counted only when the profile says ``plan_includes_pipeline``)."""

    COMMITTED = "committed"
    AWARDED = "awarded"
    PIPELINE = "pipeline"


class RenewalPrice(StrEnum):
    MARKET = "market"
    FIXED = "fixed"


class Renewal(Spec):
    """What happens when a contract ends: with ``probability`` its capacity is re-contracted for
    ``term_years`` at the market price of its GPUs' vintage then, less ``haircut`` (``price: market``), or at
    ``fixed_price``; otherwise it goes to spot. Scenarios renew that share of the capacity; the Monte Carlo
    renews all of it or none, with that probability, in each path."""

    probability: Share = Field(description="chance the customer renews, e.g. '60%'")
    term_years: Years = Field(description="length of the renewed term, years")
    price: RenewalPrice = RenewalPrice.MARKET
    haircut: Share = Field(0.0, description="discount to the market price a renewing customer obtains")
    fixed_price: UnitHourPrice | None = Field(None, description="USD per GPU-hour when price is fixed")


class Contract(Spec):
    """``gpus`` GPUs of model ``gpu`` reserved at a fixed price from ``start`` to ``end``.

    Checks across fields (``end`` after ``start``) are in ``stress.model.checks``.
    """

    customer: str = Field(min_length=1)
    gpu: str = Field(min_length=1)
    gpus: Count
    price_per_gpu_hour: UnitHourPrice = Field(description="USD per GPU-hour (per MW-hour for a data hall), at most 10 million")
    start: Date
    end: Date
    investment_grade: bool = False
    name: str | None = Field(None, description="label in reports")
    status: ContractStatus = ContractStatus.COMMITTED
    programme: str | None = Field(None, description="the programme whose capacity serves it")
    cancel_after_quarters: int | None = Field(None, ge=0, le=40,
                                              description="lost if its capacity's delivery slips more than this")
    renewal: Renewal | None = Field(None, description="re-contracting at the end of the term; default: none (to spot)")
    customer_profile: str | None = Field(None, description="the customer is itself a profile (shipped name or "
                                                           "path): a joint batch Monte Carlo defaults it exactly "
                                                           "when that profile defaults")

    @property
    def label(self) -> str:
        return self.name or f"{self.customer} ({self.gpu})"
