"""Data-centre and office leases, commenced or signed and not yet commenced."""

from __future__ import annotations

from pydantic import Field, model_validator

from stress.model.types import Date, NonNegMoney, Rate, Spec


class Lease(Spec):
    """Payments of ``annual_payment`` a year, paid quarterly in arrears from
    ``start`` to ``end``, rising by ``escalator`` each lease year; discounted at
    ``discount_rate`` (the incremental borrowing rate) for the liability."""

    name: str = Field(min_length=1)
    annual_payment: NonNegMoney = Field(description="USD a year in the first lease year")
    escalator: Rate = Field(0.0, description="annual rise in the payment")
    start: Date
    end: Date
    discount_rate: Rate = Field(description="incremental borrowing rate, per annum")

    @model_validator(mode="after")
    def _end_after_start(self) -> "Lease":
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must fall after start {self.start}")
        if self.discount_rate <= -1:
            raise ValueError("discount_rate must be above -100%")
        return self
