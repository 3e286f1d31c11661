"""Shared fixtures for the scenario tests: a two-model company to shock, and a hand-checkable base.

Test modules run with ``--import-mode=importlib`` and cannot import this
file, so the helpers are session-scoped fixtures (safe with hypothesis).

``shock_co`` is the compiled company the transform tests shock: as_of
2025-06-30, 8 quarters (2025Q3-2027Q2), GPU models ``["B200", "H100"]``
(sorted), cohorts ``["F-H100", "F-B200", "C-B200"]`` (fleet first, then the
capex plan), customers ``["A", "B"]`` in contract order.

``make_company(**sections)`` overlays sections on a minimal base: one GPU
model "H100" at a flat $2.00/GPU-hour, 100% utilisation, no power, no costs,
no tax, no debt; the quarters after 2025-06-30 have 92, 92, 90, 91, 92, 92,
90, 91 days.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from stress.engine.compiled import CompiledCompany, compile_company
from stress.model.company import Company

from _companies import DAYS_FROM_2025Q3 as ALL_DAYS
from _companies import build_company, make_company_from

#: Calendar days of the quarters 2025Q3 ... 2027Q2.
DAYS_FROM_2025Q3 = ALL_DAYS[:8]

SHOCK_CO: dict[str, Any] = {
    "name": "Shock Co", "ticker": "SHK", "as_of": "2025-06-30", "horizon_quarters": 8,
    "opening": {"cash": 50_000_000, "receivables": 5_000_000},
    "fleet": [
        {"name": "F-H100", "gpu": "H100", "units": 1000, "unit_cost": 30_000, "in_service": "2024-06-30",
         "useful_life_years": 5, "economic_life_years": 6, "residual": 0.10, "kw_per_gpu": 1.4},
        {"name": "F-B200", "gpu": "B200", "units": 500, "unit_cost": 50_000, "in_service": "2025-03-31",
         "useful_life_years": 6, "residual": 0.05, "kw_per_gpu": 1.8},
    ],
    "capex_plan": [
        {"name": "C-B200", "gpu": "B200", "units": 200, "unit_cost": 50_000, "in_service": "2026-03-31",
         "useful_life_years": 5, "funded_by": "DDTL"},
    ],
    # A: 600 H100 x $2.50 for all 8 quarters ~ $26m; B: 700 B200 x $4.00 for 4 quarters ~ $25m.
    # A is the largest customer by contracted revenue although B reserves more GPUs.
    "contracts": [
        {"customer": "A", "gpu": "H100", "gpus": 600, "price_per_gpu_hour": 2.50, "start": "2025-01-01", "end": "2027-12-31"},
        {"customer": "B", "gpu": "B200", "gpus": 700, "price_per_gpu_hour": 4.00, "start": "2025-07-01", "end": "2026-06-30"},
    ],
    "market": {
        "gpu_hour_price": {"H100": {"start": 2.0, "annual_change": -0.15}, "B200": {"start": 3.5, "annual_change": -0.20}},
        "spot_utilisation": 0.7, "base_rate": {"start": 0.043}, "power_price_per_kwh": 0.08,
    },
    "costs": {"pue": 1.3, "other_cost_per_gpu_year": 2_500, "sga_per_quarter": 2_000_000, "tax_rate": 0.21},
    "working_capital": {"receivable_days": 30},
    "treasury": {"minimum_cash": 5_000_000},
    "debt": [
        {"name": "Term Loan", "kind": "term_loan", "balance": 20_000_000, "rate": "SOFR+6.0%", "floor": "1%",
         "maturity": "2026-12-31", "amortisation": "straight_line", "secured_by": ["F-H100"]},
        {"name": "Notes", "kind": "notes", "balance": 60_000_000, "rate": "9%", "maturity": "2026-06-30"},
        {"name": "DDTL", "kind": "delayed_draw", "balance": 0, "limit": 8_000_000, "rate": "SOFR+4.0%",
         "maturity": "2030-06-30"},
        {"name": "Revolver", "kind": "revolver", "balance": 0, "limit": 10_000_000, "rate": "SOFR+3.0%",
         "maturity": "2027-12-31"},
    ],
}


@pytest.fixture(scope="session")
def make_company() -> Callable[..., Company]:
    """The hand-checkable base with ``sections`` merged in (dicts merge, lists and scalars replace)."""
    return lambda **sections: make_company_from(**{"horizon_quarters": 8, **sections})


@pytest.fixture(scope="session")
def shock_co() -> CompiledCompany:
    return compile_company(build_company(SHOCK_CO))


@pytest.fixture(scope="session")
def shock_co_data() -> dict[str, Any]:
    return copy.deepcopy(SHOCK_CO)
