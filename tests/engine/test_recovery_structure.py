"""The default waterfall follows the structure: a vehicle's lenders recover from the vehicle first.

Hand-derived with ``recovery_rates`` on a firm with a vehicle loan (secured on cohort V) and parent notes.
"""

from __future__ import annotations

import numpy as np
import pytest

from stress.analysis.recovery import recovery_rates
from stress.engine.compiled import compile_company
from stress.model.debt import Seniority

COHORTS = [{"name": "V", "gpu": "H100", "units": 1000, "unit_cost": 25_000, "in_service": "2025-06-30", "useful_life_years": 5},
           {"name": "P", "gpu": "H100", "units": 1000, "unit_cost": 25_000, "in_service": "2025-06-30", "useful_life_years": 5}]
CONTRACT = {"name": "C", "customer": "X", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 2.0,
            "start": "2025-07-01", "end": "2029-06-30"}


def _firm(make_company, recourse: str):
    return compile_company(make_company(fleet=COHORTS, contracts=[CONTRACT], debt=[
        {"name": "Loan", "kind": "term_loan", "balance": 100, "rate": "10%", "maturity": "2029-06-30", "secured_by": ["V"]},
        {"name": "Notes", "kind": "notes", "balance": 100, "rate": "9%", "maturity": "2030-06-30"}],
        vehicles=[{"name": "SPV", "facilities": ["Loan"], "contracts": ["C"], "recourse": recourse}]))


def _waterfall(cc):
    # at default: the loan's collateral (cohort V) is worth 60, the parent's cohort 40 (fleet 100); the vehicle
    # holds 10 of restricted cash; no receivables or parent cash; no leases, no other liabilities
    balance = np.array([[100.0, 100.0]])
    collateral = np.array([[60.0, 0.0]])
    return recovery_rates(cc, balance, collateral, np.array([100.0]), np.array([10.0]), np.array([0.0]), np.array([[10.0]]))


def test_a_non_recourse_vehicle_loan_recovers_only_from_its_vehicle(make_company):
    # loan: 60 collateral + 10 cash = 70 of 100 -> 70%; its 30 deficiency is no claim on the parent.
    # parent pool: fleet 100 + other 10 - 70 taken = 40 for the notes' 100 -> 40%
    per_tranche, by_class = _waterfall(_firm(make_company, "none"))
    np.testing.assert_allclose(per_tranche[0], [0.70, 0.40])
    assert by_class[Seniority.SENIOR_UNSECURED][0] == pytest.approx(0.40)


def test_a_guaranteed_vehicle_deficiency_ranks_with_the_parent_unsecured(make_company):
    # the loan's 30 deficiency joins the notes' 100 on the 40 left: 40 / 130 each;
    # loan: 70 + 30 x 40/130 = 79.23 of 100; notes 40/130 = 30.77%
    per_tranche, _ = _waterfall(_firm(make_company, "guarantee"))
    np.testing.assert_allclose(per_tranche[0], [(70 + 30 * 40 / 130) / 100, 40 / 130])
