"""Data-centre and office leases, commenced or signed and not yet commenced."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

from stress.model.types import Date, NonNegMoney, Rate, Spec


def _above_minus_100(value: float) -> float:
    if value <= -1:
        raise ValueError("expected a rate above -100%")
    return value


class Lease(Spec):
    """Payments of ``annual_payment`` a year, paid quarterly in arrears from
    ``start`` to ``end``, rising by ``escalator`` each lease year; discounted at
    ``discount_rate`` (the incremental borrowing rate) for the liability.

    Checks across fields (``end`` after ``start``) are in ``stress.model.checks``.
    """

    name: str = Field(min_length=1)
    annual_payment: NonNegMoney = Field(description="USD a year in the first lease year")
    escalator: Rate = Field(0.0, description="annual rise in the payment")
    start: Date
    end: Date
    programme: str | None = Field(None, description="the programme whose capacity the hall houses")
    discount_rate: Annotated[Rate, AfterValidator(_above_minus_100)] = Field(description="incremental borrowing rate, per annum")
