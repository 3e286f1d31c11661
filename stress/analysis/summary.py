"""Summaries of one world's results for reports: the firm's (fiscal) years, the maturity wall.

Flows sum over the quarters of a fiscal year (the calendar year for most firms) inside the horizon; balances
and ratios are taken at the last quarter of the year in the horizon.
"""

from __future__ import annotations

import pandas as pd

from stress.analysis.profile import maturity_ladder
from stress.engine.lines import BALANCE_LINES, CASH_FLOW_LINES, INCOME_LINES
from stress.engine.results import Results
from stress.engine.timeline import fiscal_years

FLOW_LINES = (*INCOME_LINES, *CASH_FLOW_LINES, "ebitda_reported")
POINT_COLUMNS = (*BALANCE_LINES, "liquidity", "debt_to_ebitda", "net_debt_to_ebitda", "lease_adjusted_leverage",
                 "interest_cover", "dscr", "rating")


def year_of(results: Results, frame: pd.DataFrame) -> pd.Index:
    """The firm's fiscal year of each quarter of ``frame`` (ints for calendar firms, 'FY2026' otherwise)."""
    return fiscal_years(pd.PeriodIndex(frame.index, freq="Q"), results.company.reporting.fiscal_year_end)


def annual_summary(results: Results, world: int = 0) -> pd.DataFrame:
    """Fiscal years (rows): flows summed, balances and ratios at year end; USD and x."""
    frame = results.frame(world)
    years = year_of(results, frame)
    flows = frame[list(FLOW_LINES)].groupby(years).sum()
    points = frame[[c for c in POINT_COLUMNS if c in frame]].groupby(years).last()
    out = flows.join(points)
    out["ebitda_margin"] = out["ebitda"] / out["revenue"].where(out["revenue"] > 0)
    out["quarters"] = frame.groupby(years).size()
    return out


def maturity_wall(results: Results, world: int = 0) -> pd.DataFrame:
    """Contractual principal due by fiscal year (at as_of) against projected liquidity at the start of the year."""
    ladder = maturity_ladder(results.company)
    frame = results.frame(world)
    years = year_of(results, frame)
    liquidity_end = frame["liquidity"].groupby(years).last()
    opening = results.projection.cc.opening
    start = liquidity_end.shift(1)
    start.iloc[0] = opening.cash + sum(t.undrawn_usd for t in results.company.debt if t.kind == "revolver")
    due = ladder.loc["Total"] if not ladder.empty else pd.Series(dtype=float)
    wall = pd.DataFrame({"principal_due": due.reindex(start.index, fill_value=0.0), "liquidity_at_start": start})
    wall["coverage"] = wall["liquidity_at_start"] / wall["principal_due"].where(wall["principal_due"] > 0)
    return wall
