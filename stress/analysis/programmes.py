"""What became of the build programmes in one world, and the funding gap, for reports.

The funding gap is the capex the plan schedules that planned (not committed) financing would pay for:
what the firm still has to raise. It is a property of the schedule, the same in both cases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stress.engine.programmes import CANCELLED, DEFERRED, DELIVERED, STATUS_NAMES
from stress.engine.results import Results
from stress.engine.timeline import fiscal_years


def funding_gap_by_year(results: Results, world: int = 0) -> pd.DataFrame:
    """Fiscal years (rows): scheduled capex, the part planned financing pays (the gap) and the gap
    accumulated to year end; USD. Empty when nothing depends on planned financing."""
    frame = results.frame(world)
    if frame["funding_gap"].sum() <= 0:
        return pd.DataFrame(columns=["capex", "gap", "cumulative_gap"])
    years = fiscal_years(pd.PeriodIndex(frame.index, freq="Q"), results.company.reporting.fiscal_year_end)
    out = pd.DataFrame({"capex": frame["capex_scheduled"].groupby(years).sum(),
                        "gap": frame["funding_gap"].groupby(years).sum()})
    out["cumulative_gap"] = out["gap"].cumsum()
    return out


@dataclass(frozen=True)
class ProgrammeOutcome:
    name: str
    status: str  # at the end of the horizon, from STATUS_NAMES
    first_deferred: str | None  # quarter labels
    delivered: str | None
    cancelled: str | None


def programme_outcomes(results: Results, world: int = 0) -> list[ProgrammeOutcome]:
    """Each programme's end state and the quarters it was first deferred, delivered, cancelled."""
    codes = results.projection.programme_status
    if codes is None:
        return []

    def first(p: int, code: int) -> str | None:
        hits = np.flatnonzero(codes[world, p] == code)
        return results.quarters[int(hits[0])] if hits.size else None

    return [ProgrammeOutcome(name, STATUS_NAMES[int(codes[world, p, -1])], first(p, DEFERRED),
                             first(p, DELIVERED), first(p, CANCELLED))
            for p, name in enumerate(results.cc.programmes.names)]


def programme_events(results: Results, world: int = 0) -> list[str]:
    """One line per programme that was deferred or cancelled, for the events panel."""
    lines = []
    for o in programme_outcomes(results, world):
        if o.cancelled:
            lines.append(f"Programme cancelled: {o.name} in {o.cancelled} (unfunded since {o.first_deferred})")
        elif o.first_deferred:
            done = f", delivered {o.delivered}" if o.delivered else f", still {o.status} at the horizon"
            lines.append(f"Programme deferred: {o.name} from {o.first_deferred}{done}")
    return lines


__all__ = ["ProgrammeOutcome", "funding_gap_by_year", "programme_events", "programme_outcomes"]
