"""Build programmes: one unit of growth, tying capacity, leases, contracts and funding together.

A programme's cohorts (``capex_plan[].programme``) are bought only when every
funding source can pay its share; the halls that house them
(``leases[].programme``) cost whether or not they are filled; the contracts
they serve (``contracts[].programme``) earn from the latest of their start,
the capacity's delivery and the hall's commencement, and slip with delivery.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from stress.model.types import MAX_MW, Share, Spec, within

#: A funding source that is neither a facility nor an equity raise: cash above the minimum.
CASH = "cash"


class FundingSource(Spec):
    """``share`` of each cohort's cost paid by ``source``: a debt tranche's name, an equity raise's
    name, or ``cash`` (cash above ``treasury.minimum_cash``)."""

    source: str = Field(min_length=1)
    share: Share


class Programme(Spec):
    name: str = Field(min_length=1)
    capacity_mw: Annotated[float, within(0.0, MAX_MW, "a capacity of 0 to 100,000 MW")] | None = Field(
        None, description="IT MW the programme's GPUs need, at most 100,000")
    funding: list[FundingSource] = Field(min_length=1, description="shares sum to 100%")
    max_deferral_quarters: int | None = Field(None, ge=0, le=40,
                                              description="quarters unfunded capex waits before the programme "
                                                          "is cancelled; default treasury.max_capex_deferral_quarters")
