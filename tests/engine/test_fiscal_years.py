"""Fiscal years: annual columns follow the firm's year end; hand-derived from the fiscal calendars."""

from __future__ import annotations

import pandas as pd
import pytest

from stress.engine.timeline import fiscal_years
from stress.model.reporting import Reporting


def test_calendar_firms_keep_integer_calendar_years() -> None:
    quarters = pd.period_range("2025Q3", periods=4, freq="Q")
    assert list(fiscal_years(quarters)) == [2025, 2025, 2026, 2026]


def test_a_may_year_end_names_the_year_it_ends_in_and_takes_each_quarter_by_its_middle_month() -> None:
    # Oracle's FY2026 runs June 2025 - May 2026. 2025Q3 (Jul-Sep, middle Aug): FY2026. 2026Q2 (Apr-Jun, middle
    # May; two of its months in FY2026): FY2026. 2026Q3 (middle Aug 2026): FY2027.
    quarters = pd.period_range("2025Q2", periods=6, freq="Q")
    assert list(fiscal_years(quarters, 5)) == ["FY2025", "FY2026", "FY2026", "FY2026", "FY2026", "FY2027"]


def test_a_june_year_end_matches_calendar_quarters_exactly() -> None:
    # IREN's FY2026 is July 2025 - June 2026: exactly 2025Q3 to 2026Q2.
    quarters = pd.period_range("2025Q2", periods=6, freq="Q")
    assert list(fiscal_years(quarters, 6)) == ["FY2025", "FY2026", "FY2026", "FY2026", "FY2026", "FY2027"]


def test_dates_take_the_fiscal_year_of_their_month() -> None:
    dates = pd.DatetimeIndex(["2026-05-31", "2026-06-01", "2026-12-31"])
    assert list(fiscal_years(dates, 5)) == ["FY2026", "FY2027", "FY2027"]
    assert list(fiscal_years(pd.PeriodIndex(dates, freq="Q"), 12)) == [2026, 2026, 2026]


@pytest.mark.parametrize(("given", "month"), [("May", 5), ("may", 5), ("Jun", 6), ("December", 12), (3, 3)])
def test_fiscal_year_end_reads_a_month_name_or_number(given: object, month: int) -> None:
    assert Reporting.model_validate({"fiscal_year_end": given}).fiscal_year_end == month


@pytest.mark.parametrize("bad", ["Maying", 0, 13])
def test_fiscal_year_end_refuses_what_is_not_a_month(bad: object) -> None:
    with pytest.raises(ValueError):
        Reporting.model_validate({"fiscal_year_end": bad})
