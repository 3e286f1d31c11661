"""Shared helpers for the engine tests: tiny synthetic companies and explicit worlds.

The tests run with ``--import-mode=importlib``, so test modules cannot import
this file; the helpers are handed out as session-scoped fixtures (safe to use
with hypothesis, which rejects function-scoped ones).

``make_company(**sections)`` builds a validated ``Company`` from a minimal,
hand-checkable base (one GPU model "H100" at a flat $2.00/GPU-hour, 100%
utilisation, no power, no costs, no debt, no leases) overlaid with the
sections given; ``run(company, **world_fields)`` projects the baseline world
(or ``n`` copies of it) with any Worlds fields replaced, e.g.
``run(c, base_rate=np.array([[...]]))``.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stress.engine.compiled import compile_company
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.worlds import baseline_worlds
from stress.model.checks import profile_problems
from stress.model.company import Company

#: Days in the quarters after an as_of of 2025-06-30, from the calendar:
#: 2025Q3 Jul-Sep 31+31+30, 2025Q4 Oct-Dec 31+30+31, 2026Q1 Jan-Mar 31+28+31
#: (2026 is not a leap year), 2026Q2 Apr-Jun 30+31+30, and so on.
DAYS_FROM_2025Q3 = (92, 92, 90, 91, 92, 92, 90, 91, 92, 92, 91, 91)  # 2028Q1 has Feb 29: 31+29+31


def base_company_data() -> dict[str, Any]:
    """The plain-data base every hand-derived test starts from."""
    return {
        "name": "Test Co",
        "ticker": "TEST",
        "as_of": "2025-06-30",
        "horizon_quarters": 4,
        "opening": {"cash": 0},
        "fleet": [],
        "market": {
            "gpu_hour_price": {"H100": {"start": 2.0, "annual_change": 0.0}},
            "spot_utilisation": 1.0,
            "base_rate": {"start": 0.04},
            "power_price_per_kwh": 0.0,
        },
        "costs": {"pue": 1.0, "other_cost_per_gpu_year": 0, "sga_per_quarter": 0, "tax_rate": 0.0},
        "working_capital": {"receivable_days": 0},
        "treasury": {"minimum_cash": 0},
    }


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def build_company(data: dict[str, Any]) -> Company:
    """Validate ``data`` as a profile, including the cross-field checks the loader runs."""
    company = Company.model_validate(data)
    problems = profile_problems(company)
    assert not problems, problems
    return company


def make_company_from(**sections: Any) -> Company:
    """The base company with ``sections`` merged in (dicts merge, lists and scalars replace)."""
    return build_company(_merge(base_company_data(), sections))


def run_worlds(company: Company, n: int = 1, **world_fields: Any) -> Results:
    """Project ``n`` baseline worlds with ``world_fields`` replaced (arrays must have the full shape)."""
    cc = compile_company(company)
    worlds = baseline_worlds(cc, n)
    if world_fields:
        worlds = dataclasses.replace(worlds, **world_fields)
    return Results(project(cc, worlds))


@pytest.fixture(scope="session")
def make_company() -> Callable[..., Company]:
    return make_company_from


@pytest.fixture(scope="session")
def run() -> Callable[..., Results]:
    return run_worlds


@pytest.fixture(scope="session")
def quarter_days() -> np.ndarray:
    """Calendar days of the projection quarters after 2025-06-30 (see DAYS_FROM_2025Q3)."""
    return np.array(DAYS_FROM_2025Q3, dtype=float)
