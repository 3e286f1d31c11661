"""The compile step: a validated Company becomes flat numpy arrays for the engine.

Nothing here depends on a scenario. Index conventions: cohorts ``k`` (fleet
first, then capex plan), GPU models ``g``, contracts ``c``, customers ``u``,
tranches ``t``, projection quarters ``q`` (see ``timeline``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from stress.engine.contracts import contract_terms
from stress.engine.costs import compile_costs
from stress.engine.credit import CompiledCredit
from stress.engine.depreciation import book_value_at, life_quarters
from stress.engine.financing import CompiledFinancing, compile_financing
from stress.engine.leases import LeaseSchedule, schedule
from stress.engine.opening import OpeningBalance, opening_balance
from stress.engine.programmes import CompiledProgrammes, compile_programmes
from stress.engine.timeline import Timeline
from stress.engine.vehicles import CompiledVehicles, compile_vehicles
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.debt import Amortisation, DebtKind

#: Quarters a refinanced tranche runs before its new (bullet) maturity: 5 years.
REFINANCING_TERM_QUARTERS = 20


def _coverage(start: dt.date, end: dt.date, timeline: Timeline) -> np.ndarray:
    """Share of each quarter's days inside [start, end], shape (n_quarters,)."""
    q_start = timeline.quarters.start_time
    q_end = (timeline.quarters + 1).start_time
    lo = np.maximum(q_start.values, np.datetime64(pd.Timestamp(start)))
    hi = np.minimum(q_end.values, np.datetime64(pd.Timestamp(end) + pd.Timedelta(days=1)))
    days = (hi - lo) / np.timedelta64(1, "D")
    return np.clip(days, 0.0, None) / ((q_end.values - q_start.values) / np.timedelta64(1, "D"))


@dataclass(frozen=True)
class CompiledCompany:
    """Arrays describing the firm; shapes in the field comments, money in USD."""

    company: Company
    timeline: Timeline
    opening: OpeningBalance
    gpu_models: list[str]  # G
    model_is_gpu: np.ndarray  # (G,) bool: some GPU-asset cohort is of this model (not a data hall or mining unit)
    customers: list[str]  # U
    # cohorts (K)
    cohort_names: list[str]
    cohort_gpu: np.ndarray  # (K,) int index into gpu_models
    cohort_units: np.ndarray  # (K,)
    cohort_unit_cost: np.ndarray  # (K,) USD per GPU
    cohort_residual: np.ndarray  # (K,) share of cost
    cohort_kw: np.ndarray  # (K,) kW per GPU
    cohort_in_q: np.ndarray  # (K,) int projection index of the in-service quarter (<0: owned)
    cohort_life_q: np.ndarray  # (K,) int accounting life in quarters
    cohort_econ_q: np.ndarray  # (K,) int economic life in quarters
    cohort_opening_nbv: np.ndarray  # (K,) USD at as_of (0 for the capex plan)
    cohort_is_capex: np.ndarray  # (K,) bool
    cohort_paid: np.ndarray  # (K,) USD of a capex cohort's cost spent by as_of (construction in progress); 0 if owned
    cohort_asset: list[str]  # (K,) asset class: gpu, facility, other
    # contract terms (C): the contracts, then their renewal terms (stress.engine.contracts)
    contract_gpu: np.ndarray  # (C,) int
    contract_customer: np.ndarray  # (C,) int
    contract_gpus: np.ndarray  # (C,) GPUs reserved
    contract_price: np.ndarray  # (C,) USD per GPU-hour (a market-priced renewal is priced per world)
    contract_coverage: np.ndarray  # (C, Q) share of the quarter the term runs
    contract_market_priced: np.ndarray  # (C,) bool: a renewal priced at the market when it starts
    contract_start_q: np.ndarray  # (C,) int projection quarter the term starts
    contract_price_factor: np.ndarray  # (C,) (1 - vintage decay) ** age x (1 - haircut) on the market price
    contract_renewal_probability: np.ndarray  # (C,) 1 for a contract's own term
    leases: list[LeaseSchedule]  # one schedule per lease; the lease_* totals below sum them
    # tranches (T)
    tranche_names: list[str]
    tranche_balance: np.ndarray  # (T,) USD drawn at as_of
    tranche_limit: np.ndarray  # (T,) USD commitment (= balance when none)
    tranche_floating: np.ndarray  # (T,) bool
    tranche_spread: np.ndarray  # (T,) annual: coupon if fixed, spread if floating
    tranche_floor: np.ndarray  # (T,)
    tranche_maturity_q: np.ndarray  # (T,) int
    tranche_amortisation: list[Amortisation]
    tranche_is_revolver: np.ndarray  # (T,) bool
    tranche_extendable: np.ndarray  # (T,) bool: a loan, whose maturity lenders can amend and extend (not notes)
    tranche_schedule: np.ndarray  # (T, Q) USD instalments of a dated schedule
    tranche_target_dscr: np.ndarray  # (T,) x, a sculpted tranche's (0: not sculpted)
    tranche_amortise_from_q: np.ndarray  # (T,) int first quarter principal is due (-1: from the start)
    tranche_from_completion: np.ndarray  # (T,) bool: no principal before its collateral is all in service
    secured: np.ndarray  # (K, T) 1.0 where cohort k is pledged to tranche t
    financing: CompiledFinancing  # facilities that open later, equity raises, distributions
    vehicles: CompiledVehicles  # ring-fenced borrowers (V)
    credit: CompiledCredit  # refinancing spreads by the firm's rating in each world; incurrence tests
    programmes: CompiledProgrammes  # funding of each capex cohort, programmes, contracts' links to them
    # the firm's cost and treasury assumptions, as plain numbers
    pue: float
    other_cost_per_gpu_quarter: float  # USD
    sga_per_quarter: float  # USD, fixed
    sga_per_mw_quarter: float  # USD per MW of IT load earning
    sga_share_of_revenue: float
    tax_rate: float
    receivable_days: float
    minimum_cash: float  # USD
    opening_tax_losses: float  # USD
    case: Case = Case.PLAN  # the case worlds are built on unless they name their own

    @property
    def n_quarters(self) -> int:
        return self.timeline.n

    def _leases_total(self, field: str, finance: bool | None = None) -> np.ndarray:
        """One lease-schedule line summed over every lease (``finance`` None), or over the finance (True) or
        operating (False) leases only, (Q,) USD."""
        rows = [getattr(s, field) for s in self.leases if finance is None or s.finance is finance]
        return np.sum(rows, axis=0) if rows else np.zeros(self.n_quarters)

    # summed once per compiled company: the engine reads them every quarter
    lease_payment = cached_property(lambda self: self._leases_total("payment"))
    lease_interest = cached_property(lambda self: self._leases_total("interest"))
    lease_amortisation = cached_property(lambda self: self._leases_total("rou_amortisation"))
    lease_recognised = cached_property(lambda self: self._leases_total("recognised"))
    lease_liability = cached_property(lambda self: self._leases_total("liability"))
    rou_assets = cached_property(lambda self: self._leases_total("rou"))
    # the two expense patterns (stress.engine.leases): operating in EBITDA and CFO; finance below EBITDA,
    # its interest in CFO and its principal in financing
    costs = cached_property(lambda self: compile_costs(self.company))  # discounts, fees, capitalised interest
    operating_lease_cost = cached_property(lambda self: self._leases_total("cost", False))
    operating_lease_payment = cached_property(lambda self: self._leases_total("payment", False))
    finance_lease_interest = cached_property(lambda self: self._leases_total("interest", True))
    finance_lease_amortisation = cached_property(lambda self: self._leases_total("rou_amortisation", True))
    finance_lease_principal = cached_property(lambda self: self._leases_total("payment", True) - self.finance_lease_interest)

    def baseline_price(self) -> np.ndarray:
        """Spot GPU-hour price per model and quarter (G, Q), USD, at mid-quarter."""
        years = (np.arange(self.n_quarters) + 0.5) / 4.0
        curves = self.company.market.gpu_hour_price
        prices = [curves[g].start * (1.0 + curves[g].annual_change) ** years for g in self.gpu_models]
        return np.array(prices).reshape(len(self.gpu_models), self.n_quarters)

    def baseline_base_rate(self) -> np.ndarray:
        """Base rate per quarter (Q,), annual: the path's values, then its last one, else ``start``."""
        curve = self.company.market.base_rate
        path = list(curve.path) or [curve.start]
        return np.array([path[min(q, len(path) - 1)] for q in range(self.n_quarters)])


def base_rate_now(company: Company) -> float:
    """The base rate in the first projection quarter: the path's first value, else ``start``."""
    return (company.market.base_rate.path or [company.market.base_rate.start])[0]


def covenant_first_q(company: Company, tl: Timeline) -> list[int]:
    """Each covenant's first quarter tested: that of ``tested_from``, else the first projection quarter."""
    return [max(tl.index_of(c.tested_from), 0) if c.tested_from else 0 for c in company.covenants]


def _instalments(company: Company, tl: Timeline) -> np.ndarray:
    """(T, Q) USD due on each tranche's dated schedule: an amount, or a share of its original principal (the
    balance at as_of, or the limit of a facility undrawn then), in the quarter containing its date."""
    out = np.zeros((len(company.debt), tl.n))
    for t, tranche in enumerate(company.debt):
        principal = tranche.balance or (tranche.limit or 0.0)
        for step in tranche.schedule:
            q = tl.index_of(step.date)
            if 0 <= q < tl.n:
                out[t, q] += step.amount if step.amount is not None else step.share * principal  # type: ignore[operator]
    return out


def compile_company(company: Company, case: Case = Case.PLAN) -> CompiledCompany:
    """Flatten a validated Company into engine arrays; ``case`` is the default case of its worlds."""
    tl = Timeline.build(company.as_of, company.horizon_quarters)
    cohorts = company.cohorts
    gpu_models = sorted({k.gpu for k in cohorts} | {c.gpu for c in company.contracts})
    customers = list(dict.fromkeys(c.customer for c in company.contracts))
    terms = contract_terms(company)
    tranche_names = [t.name for t in company.debt]
    coverage = np.array([_coverage(t.start, t.end, tl) for t in terms]).reshape(len(terms), tl.n)
    leases = [schedule(x, tl) for x in company.leases]
    financing = compile_financing(company, tl, {k.funded_by for k in company.capex_plan if k.funded_by}, company.treasury.minimum_cash)
    return CompiledCompany(
        company=company,
        timeline=tl,
        opening=opening_balance(company),
        gpu_models=gpu_models,
        model_is_gpu=np.array([any(k.asset == "gpu" for k in cohorts if k.gpu == g) or all(k.gpu != g for k in cohorts)
                               for g in gpu_models], dtype=bool),
        customers=customers,
        cohort_names=[k.name for k in cohorts],
        cohort_gpu=np.array([gpu_models.index(k.gpu) for k in cohorts], dtype=int),
        cohort_units=np.array([k.units for k in cohorts], dtype=float),
        cohort_unit_cost=np.array([k.unit_cost for k in cohorts], dtype=float),
        cohort_residual=np.array([k.residual for k in cohorts], dtype=float),
        cohort_kw=np.array([k.kw_per_gpu for k in cohorts], dtype=float),
        cohort_in_q=np.array([tl.index_of(k.in_service) for k in cohorts], dtype=int),
        cohort_life_q=np.array([life_quarters(k.useful_life_years) for k in cohorts], dtype=int),
        cohort_econ_q=np.array([life_quarters(k.economic_life) for k in cohorts], dtype=int),
        cohort_opening_nbv=np.array([book_value_at(k, company.as_of) for k in company.fleet] + [0.0] * len(company.capex_plan)),
        cohort_is_capex=np.array([False] * len(company.fleet) + [True] * len(company.capex_plan), dtype=bool),
        cohort_paid=np.array([0.0] * len(company.fleet) + [k.paid_at_as_of for k in company.capex_plan], dtype=float),
        cohort_asset=[k.asset.value for k in cohorts],
        contract_gpu=np.array([gpu_models.index(t.contract.gpu) for t in terms], dtype=int),
        contract_customer=np.array([customers.index(t.contract.customer) for t in terms], dtype=int),
        contract_gpus=np.array([t.contract.gpus for t in terms], dtype=float),
        contract_price=np.array([t.price for t in terms], dtype=float),
        contract_coverage=coverage,
        contract_market_priced=np.array([t.market_priced for t in terms], dtype=bool),
        contract_start_q=np.array([tl.index_of(t.start) for t in terms], dtype=int),
        contract_price_factor=np.array([(1.0 - company.market.gpu_hour_price[t.contract.gpu].vintage_decay) ** t.age_years
                                        * (1.0 - (t.contract.renewal.haircut if t.market_priced else 0.0))  # type: ignore[union-attr]
                                        if t.contract.gpu in company.market.gpu_hour_price else 1.0 for t in terms]),
        contract_renewal_probability=np.array([t.probability for t in terms], dtype=float),
        leases=leases,
        tranche_names=tranche_names,
        tranche_balance=np.array([t.balance for t in company.debt], dtype=float),
        tranche_limit=np.array([t.limit if t.limit is not None else t.balance for t in company.debt], dtype=float),
        tranche_floating=np.array([t.rate.floating for t in company.debt], dtype=bool),
        tranche_spread=np.array([t.rate.spread for t in company.debt], dtype=float),
        tranche_floor=np.array([t.floor for t in company.debt], dtype=float),
        tranche_maturity_q=np.array([tl.index_of(t.maturity) for t in company.debt], dtype=int),
        tranche_amortisation=[t.amortisation for t in company.debt],
        tranche_is_revolver=np.array([t.kind is DebtKind.REVOLVER for t in company.debt], dtype=bool),
        tranche_extendable=np.array([t.kind not in (DebtKind.NOTES, DebtKind.CONVERTIBLE) for t in company.debt], dtype=bool),
        tranche_schedule=_instalments(company, tl),
        tranche_target_dscr=np.array([t.target_dscr or 0.0 for t in company.debt], dtype=float),
        tranche_amortise_from_q=np.array([tl.index_of(t.amortise_from) if isinstance(t.amortise_from, dt.date) else -1
                                          for t in company.debt], dtype=int),
        tranche_from_completion=np.array([t.amortise_from == "completion" for t in company.debt], dtype=bool),
        secured=np.array([[k.name in t.secured_by for t in company.debt] for k in cohorts], dtype=float).reshape(len(cohorts), len(company.debt)),
        financing=financing,
        vehicles=compile_vehicles(company, terms, coverage, leases, tl.hours, covenant_first_q(company, tl)),
        credit=CompiledCredit.of(company),
        programmes=compile_programmes(company, tl, [*tranche_names, *financing.equity_names],
                                      np.concatenate([financing.tranche_planned, financing.equity_planned]),
                                      financing.source_is_proceeds),
        pue=company.costs.pue,
        other_cost_per_gpu_quarter=company.costs.other_cost_per_gpu_year / 4.0,
        sga_per_quarter=company.costs.sga_per_quarter,
        sga_per_mw_quarter=company.costs.sga_per_mw_year / 4.0,
        sga_share_of_revenue=company.costs.sga_share_of_revenue,
        tax_rate=company.costs.tax_rate,
        receivable_days=company.working_capital.receivable_days,
        minimum_cash=company.treasury.minimum_cash,
        opening_tax_losses=company.opening.tax_loss_carryforward,
        case=Case(case),
    )
