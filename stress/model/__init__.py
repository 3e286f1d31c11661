"""Pydantic input models: plain validated data, no behaviour beyond it."""

from stress.model.company import Company, Opening
from stress.model.contract import Contract
from stress.model.covenant import Covenant, CovenantMetric
from stress.model.debt import Amortisation, DebtKind, Seniority, Tranche
from stress.model.fleet import CapexCohort, Cohort
from stress.model.lease import Lease
from stress.model.market import BaseRateCurve, Costs, Market, PriceCurve, Treasury, WorkingCapital

__all__ = [
    "Amortisation", "BaseRateCurve", "CapexCohort", "Cohort", "Company", "Contract", "Costs",
    "Covenant", "CovenantMetric", "DebtKind", "Lease", "Market", "Opening", "PriceCurve",
    "Seniority", "Tranche", "Treasury", "WorkingCapital",
]
