"""Financing vehicles: ring-fenced borrowers that own named assets and contracts and service their own debt.

A vehicle (a special-purpose subsidiary, as CoreWeave's DDTL borrowers, WULF Compute or APLD ComputeCo)
borrows its ``facilities``, owns its ``cohorts``, collects its ``contracts`` and pays its ``leases``. Each
quarter its contracted cash flow pays its interest and scheduled principal, tops up its debt-service
reserve, pays any sweep; the rest goes up to the parent only while its tests pass (otherwise it is trapped:
restricted cash, never parent liquidity). Its default costs the parent its assets and, by ``recourse``,
nothing more, the deficiency, or the parent's own default (``stress.engine.vehicles``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from stress.model.types import Share, Spec, within

#: The largest debt-service reserve, in quarters of debt service (two years).
MAX_RESERVE_QUARTERS = 8.0


class Recourse(StrEnum):
    """What the parent owes when the vehicle defaults."""

    NONE = "none"  # non-recourse: the lenders take the vehicle's assets and contracts, nothing more
    COMPLETION = "completion"  # the parent guarantees completion: it pays the vehicle's debt service until every
    #                            cohort the vehicle owns is bought (a cancelled one never is); non-recourse after
    GUARANTEE = "guarantee"  # the parent guarantees payment: it pays what the vehicle cannot; on an acceleration
    #                          the deficiency after the collateral is due from it at once
    CROSS_DEFAULT = "cross_default"  # the vehicle's default is an event of default of the parent's own debt


class Vehicle(Spec):
    """A ring-fenced borrower; ``stress.model.checks`` checks the names it refers to.

    ``cohorts`` default to the cohorts its facilities are secured on; ``contracts`` (contract names) to the
    contracts of the programmes those cohorts belong to.
    """

    name: str = Field(min_length=1)
    facilities: list[str] = Field(min_length=1, description="debt tranches the vehicle borrows")
    cohorts: list[str] = Field(default_factory=list, description="fleet or capex cohorts it owns; default: "
                                                                 "those its facilities are secured on")
    contracts: list[str] = Field(default_factory=list, description="contract names whose cash it collects; "
                                                                   "default: the contracts of its cohorts' programmes")
    leases: list[str] = Field(default_factory=list, description="leases whose payments it bears")
    reserve_quarters: Annotated[float, within(0.0, MAX_RESERVE_QUARTERS, "0 to 8 quarters of debt service")] = Field(
        0.0, description="debt-service reserve held, in quarters of its debt service, funded from its cash flow")
    sweep: Share = Field(0.0, description="share of its excess cash flow that prepays its facilities while tests pass")
    recourse: Recourse = Field(Recourse.NONE, description="none, completion, guarantee or cross_default")
    evidence: str | None = Field(None, description="source tag, or 'estimate: why'")
