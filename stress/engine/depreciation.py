"""Straight-line depreciation of GPU cohorts, in whole quarters.

A cohort put in service in quarter ``k`` depreciates from quarter ``k + 1``
by ``cost * (1 - residual) / life_quarters`` a quarter down to its residual.
"""

from __future__ import annotations

import datetime as dt

from stress.engine.timeline import quarter_of
from stress.model.fleet import Cohort


def life_quarters(years: float) -> int:
    return max(1, round(years * 4))


def quarterly_depreciation(cohort: Cohort) -> float:
    """USD a quarter over the accounting life."""
    return cohort.gross_cost_usd * (1.0 - cohort.residual) / life_quarters(cohort.useful_life_years)


def quarters_in_service(cohort: Cohort, as_of: dt.date) -> int:
    """Whole quarters the cohort has been depreciated by ``as_of``."""
    return max(0, int((quarter_of(as_of) - quarter_of(cohort.in_service)).n))


def book_value_at(cohort: Cohort, as_of: dt.date) -> float:
    """Net book value at ``as_of``, USD: cost less depreciation, never below residual."""
    done = min(quarters_in_service(cohort, as_of), life_quarters(cohort.useful_life_years))
    return cohort.gross_cost_usd - done * quarterly_depreciation(cohort)
