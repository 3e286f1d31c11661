"""Debt tranches: term loans, delayed-draw facilities, notes, revolvers, vendor finance."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from stress.model.capital import FinancingStatus
from stress.model.covenant import parse_threshold
from stress.model.types import Date, DebtRate, NonNegMoney, PosMoney, Rate, Share, ShareAYear, Spec, within
from stress.units import FRACTION, parse_rate
from stress.vocabulary import Seniority as Seniority  # defined with the CLI's other choices, re-exported here

#: Share of face received on issue: 50% to 150%.
IssuePrice = Annotated[float, within(0.5, 1.5, "a price between 50% and 150% of face", parse_rate), FRACTION]


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
    payment of interest plus principal, as a mortgage. ``schedule``: the dated
    instalments of ``schedule`` (amounts, or shares of the original principal).
    ``sculpted``: debt service sized to the financing vehicle's contracted cash
    flow over ``target_dscr`` (principal = that less interest). Any method can
    start late (``amortise_from``); what is left falls due at maturity.
    """

    BULLET = "bullet"
    STRAIGHT_LINE = "straight_line"
    ANNUITY = "annuity"
    SCHEDULE = "schedule"
    SCULPTED = "sculpted"


class Instalment(Spec):
    """One dated instalment: ``amount`` USD, or ``share`` of the original principal (the balance at as_of,
    or the limit of a facility undrawn then); due in the quarter containing ``date``."""

    date: Date
    amount: NonNegMoney | None = None
    share: Share | None = None


class Tranche(Spec):
    """A debt tranche; ``stress.model.checks`` checks ``limit`` against ``kind`` and ``balance``.

    Notes, convertibles and term loans undrawn at ``as_of`` (balance 0, a ``limit``) are *issued in full* when
    they open, as cash; a programme that names one as a funding source keeps those proceeds for itself.
    Delayed-draw facilities, revolvers and vendor financing are drawn as capex is bought or cash is needed,
    as is any tranche a legacy ``capex_plan[].funded_by`` names.
    """

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
    status: FinancingStatus = Field(FinancingStatus.COMMITTED, description="committed (signed by as_of) or planned")
    available_from: Date | None = Field(None, description="first date it can be drawn or is issued; default as_of")
    evidence: str | None = Field(None, description="source tag, or 'estimate: why'; required when planned")
    draw_until: Date | None = Field(None, description="last date an undrawn commitment can be drawn; default maturity")
    redemption: PosMoney | None = Field(None, description="USD repaid at maturity; the balance accretes to it "
                                                          "(convertibles), the coupon is paid on it")
    # what interest really costs (stress.engine.costs)
    issue_price: IssuePrice = Field(1.0, description="share of face received when issued or drawn after as_of, e.g. '97%'")
    fees: Share = Field(0.0, description="upfront fees, share of the principal issued or drawn after as_of")
    unamortised_discount: NonNegMoney = Field(0.0, description="discount and fees not yet amortised at as_of, USD")
    commitment_fee: ShareAYear = Field(0.0, description="annual fee on the undrawn, opened commitment")
    capitalise_interest: bool = Field(False, description="interest capitalised while its secured cohorts are built")

    schedule: list[Instalment] = Field(default_factory=list, description="dated instalments (amortisation: schedule)")
    target_dscr: Annotated[float, within(0.0, 10.0, "a ratio above 0 and at most 10x", parse_threshold, low_open=True)] | None = Field(
        None, description="debt service = the vehicle's contracted cash flow / this (amortisation: sculpted)")
    amortise_from: Date | Literal["completion"] | None = Field(
        None, description="no principal before this date, or before every cohort it is secured on is in service")

    @property
    def rank(self) -> Seniority:
        """Where it ranks: as written, else secured when it has collateral and senior unsecured when not."""
        implied = Seniority.SECURED if self.secured_by else Seniority.SENIOR_UNSECURED
        return implied if self.seniority is None else self.seniority

    @property
    def undrawn_usd(self) -> float:
        return 0.0 if self.limit is None else self.limit - self.balance
