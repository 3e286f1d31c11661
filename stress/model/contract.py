"""Take-or-pay capacity contracts with named customers."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Count, Date, Spec, UnitHourPrice


class ContractStatus(StrEnum):
    """``committed``: signed; ``awarded``: announced, not yet signed (counted in the plan case);
    ``pipeline``: management's hopes (counted only when the profile says ``plan_includes_pipeline``)."""

    COMMITTED = "committed"
    AWARDED = "awarded"
    PIPELINE = "pipeline"


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

    @property
    def label(self) -> str:
        return self.name or f"{self.customer} ({self.gpu})"
