"""The company profile: the root of the input model (design.md section 3)."""

from __future__ import annotations

from pydantic import Field

from stress.model.capital import Case, Distribution, EquityRaise, FinancingStatus
from stress.model.contract import Contract, ContractStatus
from stress.model.covenant import Covenant
from stress.model.debt import Tranche
from stress.model.fleet import CapexCohort, Cohort
from stress.model.lease import Lease
from stress.model.market import Costs, Market, Treasury, WorkingCapital
from stress.model.montecarlo import MonteCarloParams
from stress.model.programme import Programme
from stress.model.refinancing import Refinancing
from stress.model.reporting import Reporting
from stress.model.signals import MarketSignal
from stress.model.types import Date, Money, NonNegMoney, Spec
from stress.model.vehicle import Vehicle

MAX_HORIZON_QUARTERS = 80


class Opening(Spec):
    """Balance-sheet items at ``as_of`` that are not derived from the schedules.

    PP&E (fleet), debt and lease balances come from their schedules; these are
    the rest. ``reported_*`` figures are only compared with the derived
    balance sheet in the reconciliation.
    """

    cash: NonNegMoney
    receivables: NonNegMoney = 0.0
    other_assets: NonNegMoney = Field(0.0, description="non-GPU PP&E, CIP, prepaids, goodwill ...")
    other_liabilities: NonNegMoney = Field(0.0, description="payables, deferred revenue, other")
    tax_loss_carryforward: NonNegMoney = Field(0.0, description="NOLs usable against future profit")
    reported_equity: Money | None = None
    reported_total_assets: NonNegMoney | None = None
    reported_total_liabilities: NonNegMoney | None = None


class Company(Spec):
    name: str = Field(min_length=1)
    ticker: str = Field(min_length=1)
    as_of: Date = Field(description="balance-sheet date; the projection starts the quarter after")
    horizon_quarters: int = Field(20, ge=1, le=MAX_HORIZON_QUARTERS)
    sources: dict[str, str] = Field(default_factory=dict, description="label -> URL or citation")
    reported_backlog: NonNegMoney | None = Field(None, description="remaining performance obligations, USD")
    opening: Opening
    fleet: list[Cohort] = Field(default_factory=list)
    capex_plan: list[CapexCohort] = Field(default_factory=list)
    contracts: list[Contract] = Field(default_factory=list)
    market: Market
    costs: Costs = Costs()
    working_capital: WorkingCapital = WorkingCapital()
    treasury: Treasury = Treasury()
    debt: list[Tranche] = Field(default_factory=list)
    leases: list[Lease] = Field(default_factory=list)
    covenants: list[Covenant] = Field(default_factory=list)
    vehicles: list[Vehicle] = Field(default_factory=list, description="ring-fenced financing vehicles")
    refinancing: Refinancing = Field(default_factory=Refinancing, description="spreads maturities refinance at, by rating")
    programmes: list[Programme] = Field(default_factory=list, description="build programmes: capex, halls, contracts, funding")
    equity: list[EquityRaise] = Field(default_factory=list, description="equity raises, committed or planned")
    distributions: list[Distribution] = Field(default_factory=list, description="dividends and buybacks")
    plan_includes_pipeline: bool = Field(False, description="the plan case counts pipeline contracts too")
    reporting: Reporting = Field(Reporting(), description="how the firm defines its reported EBITDA")
    montecarlo: MonteCarloParams | None = Field(None, description="overrides of the Monte Carlo defaults")
    market_signals: list[MarketSignal] = Field(default_factory=list, description="dated ratings, bond spreads or yields and CDS "
                                               "spreads, each with its source: shown beside the model's PD, never an input")

    @property
    def cohorts(self) -> list[Cohort]:
        """Owned and planned cohorts, in profile order (fleet first)."""
        return [*self.fleet, *self.capex_plan]

    def counts_contract(self, status: ContractStatus, case: Case) -> bool:
        """Whether a contract of ``status`` is in the projection under ``case``."""
        if status is ContractStatus.COMMITTED:
            return True
        if case is Case.COMMITTED:
            return False
        return status is ContractStatus.AWARDED or self.plan_includes_pipeline

    @property
    def cases_differ(self) -> bool:
        """Whether the plan case counts anything the committed case does not."""
        planned = FinancingStatus.PLANNED
        return (any(t.status is planned for t in self.debt) or any(e.status is planned for e in self.equity)
                or any(self.counts_contract(c.status, Case.PLAN) and c.status is not ContractStatus.COMMITTED
                       for c in self.contracts))

    def tranche(self, name: str) -> Tranche:
        return next(t for t in self.debt if t.name == name)

    def vehicle_of(self, tranche: str) -> Vehicle | None:
        """The vehicle that borrows ``tranche``, None when the parent does."""
        return next((v for v in self.vehicles if tranche in v.facilities), None)
