"""Debt tranches: term loans, delayed-draw facilities, notes, revolvers, vendor finance."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Date, DebtRate, NonNegMoney, Rate, Spec


class DebtKind(StrEnum):
    TERM_LOAN = "term_loan"
    DELAYED_DRAW = "delayed_draw"
    NOTES = "notes"
    CONVERTIBLE = "convertible"
    REVOLVER = "revolver"
    VENDOR_FINANCING = "vendor_financing"


class Amortisation(StrEnum):
    """How scheduled principal falls due.

    ``bullet``: all at maturity. ``straight_line``: equal principal each quarter
    to zero at maturity (recomputed after each draw). ``annuity``: level
    payment of interest plus principal, as a mortgage.
    """

    BULLET = "bullet"
    STRAIGHT_LINE = "straight_line"
    ANNUITY = "annuity"


class Seniority(StrEnum):
    SECURED = "secured"
    SENIOR_UNSECURED = "senior_unsecured"
    SUBORDINATED = "subordinated"


class Tranche(Spec):
    """A debt tranche; ``stress.model.checks`` checks ``limit`` against ``kind`` and ``balance``."""

    name: str = Field(min_length=1)
    kind: DebtKind
    balance: NonNegMoney = Field(description="drawn principal at as_of, USD")
    limit: NonNegMoney | None = Field(None, description="commitment, USD (revolvers, delayed draws)")
    rate: DebtRate
    floor: Rate = Field(0.0, description="floor on the base rate of a floating tranche")
    maturity: Date
    amortisation: Amortisation = Amortisation.BULLET
    secured_by: list[str] = Field(default_factory=list, description="fleet or capex cohort names")
    seniority: Seniority | None = Field(None, description="default: secured if secured_by, else senior_unsecured")

    @property
    def rank(self) -> Seniority:
        if self.seniority is not None:
            return self.seniority
        return Seniority.SECURED if self.secured_by else Seniority.SENIOR_UNSECURED

    @property
    def undrawn_usd(self) -> float:
        return 0.0 if self.limit is None else self.limit - self.balance
