"""Pydantic input models: plain validated data, no behaviour beyond it."""

from stress.model.capital import Case, Distribution, DistributionKind, EquityRaise, FinancingStatus
from stress.model.company import Company, Opening
from stress.model.contract import Contract, ContractStatus
from stress.model.covenant import Covenant, CovenantMetric
from stress.model.debt import Amortisation, DebtKind, Seniority, Tranche
from stress.model.fleet import CapexCohort, Cohort
from stress.model.lease import Lease
from stress.model.market import BaseRateCurve, Costs, Market, PriceCurve, Treasury, WorkingCapital
from stress.model.programme import CASH, FundingSource, Programme

__all__ = [
    "CASH", "Case", "ContractStatus", "Distribution", "DistributionKind", "EquityRaise", "FinancingStatus",
    "FundingSource", "Programme",
    "Amortisation", "BaseRateCurve", "CapexCohort", "Cohort", "Company", "Contract", "Costs",
    "Covenant", "CovenantMetric", "DebtKind", "Lease", "Market", "Opening", "PriceCurve",
    "Seniority", "Tranche", "Treasury", "WorkingCapital",
]
