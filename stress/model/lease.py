"""Data-centre and office leases, commenced or signed and not yet commenced."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from stress.model.types import Date, NonNegMoney, Spec, within
from stress.units import RATE_A_YEAR, parse_rate

#: The longest lease term, years (a ground lease runs 99).
MAX_LEASE_YEARS = 99

Escalator = Annotated[float, within(-0.5, 0.5, "an annual change between -50% and +50%", parse_rate), RATE_A_YEAR]
DiscountRate = Annotated[float, within(-0.1, 1.0, "a rate between -10% and +100% a year", parse_rate,
                                       sign="expected a rate above -100%, and for a borrowing rate at least -10%"), RATE_A_YEAR]


class LeaseType(StrEnum):
    """The expense pattern (``stress.engine.leases``): ``operating`` (ASC 842: one straight-line cost in EBITDA)
    or ``finance`` (interest plus straight-line amortisation, below EBITDA)."""

    OPERATING = "operating"
    FINANCE = "finance"


class Lease(Spec):
    """Payments of ``annual_payment`` a year, paid quarterly in arrears from
    ``start`` to ``end``, rising by ``escalator`` each lease year; discounted at
    ``discount_rate`` (the incremental borrowing rate) for the liability.

    Checks across fields (``end`` after ``start``) are in ``stress.model.checks``.
    """

    name: str = Field(min_length=1)
    annual_payment: NonNegMoney = Field(description="USD a year in the first lease year")
    escalator: Escalator = Field(0.0, description="annual rise in the payment, -50% to +50%")
    start: Date
    end: Date
    programme: str | None = Field(None, description="the programme whose capacity the hall houses")
    discount_rate: DiscountRate = Field(description="incremental borrowing rate, per annum, -10% to +100%")
    type: LeaseType = Field(LeaseType.OPERATING, description="operating (straight-line cost in EBITDA) or finance "
                                                             "(interest and amortisation below EBITDA)")
