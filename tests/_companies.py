"""Hand-checkable synthetic companies shared by the engine and scenario tests.

The base: one GPU model "H100" at a flat $2.00/GPU-hour, 100% utilisation,
no power, no costs, no tax, no debt, no leases; as_of 2025-06-30. Sections
given to ``make_company_from`` are merged in (dicts merge, lists and scalars
replace) and the result passes the loader's cross-field checks.
"""

from __future__ import annotations

import copy
from typing import Any

from stress.model.checks import profile_problems
from stress.model.company import Company

#: Days in the quarters after an as_of of 2025-06-30, from the calendar:
#: 2025Q3 Jul-Sep 31+31+30, 2025Q4 Oct-Dec 31+30+31, 2026Q1 Jan-Mar 31+28+31
#: (2026 is not a leap year), 2026Q2 Apr-Jun 30+31+30, and so on.
DAYS_FROM_2025Q3 = (92, 92, 90, 91, 92, 92, 90, 91, 92, 92, 91, 91)  # 2028Q1 has Feb 29: 31+29+31


def base_company_data(horizon_quarters: int = 4) -> dict[str, Any]:
    """The plain-data base every hand-derived test starts from."""
    return {
        "name": "Test Co", "ticker": "TEST", "as_of": "2025-06-30", "horizon_quarters": horizon_quarters,
        "opening": {"cash": 0}, "fleet": [],
        "market": {"gpu_hour_price": {"H100": {"start": 2.0, "annual_change": 0.0}}, "spot_utilisation": 1.0,
                   "base_rate": {"start": 0.04}, "power_price_per_kwh": 0.0},
        "costs": {"pue": 1.0, "other_cost_per_gpu_year": 0, "sga_per_quarter": 0, "tax_rate": 0.0},
        "working_capital": {"receivable_days": 0},
        "treasury": {"minimum_cash": 0},
    }


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """``base`` with ``over`` laid on top: dicts merge, lists and scalars replace."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else copy.deepcopy(value)
    return out


def build_company(data: dict[str, Any]) -> Company:
    """Validate ``data`` as a profile, including the cross-field checks the loader runs."""
    company = Company.model_validate(data)
    problems = profile_problems(company)
    assert not problems, problems
    return company


def make_company_from(horizon_quarters: int = 4, **sections: Any) -> Company:
    """The base company with ``sections`` merged in."""
    return build_company(merge(base_company_data(horizon_quarters), sections))
