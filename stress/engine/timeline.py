"""The quarterly calendar of a projection.

Convention: a date belongs to the calendar quarter that contains it. Quarter
0 of the projection is the quarter after ``as_of``'s quarter. Something
dated in quarter ``k`` (a cohort's ``in_service``, a lease's ``start``) takes
effect at the *end* of quarter ``k``: a cohort is paid for in ``k`` and earns
from ``k + 1``; a lease is recognised at the end of ``k`` and paid from ``k + 1``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from typing import Final

import numpy as np
import pandas as pd

#: The quarter index of an event that never comes within the horizon: a first covenant breach or default
#: that does not happen, a vehicle never foreclosed, a capex cohort never bought, a customer that keeps
#: paying. It is one value for all of them, chosen so that the plain comparisons need no special case:
#:
#: - it is later than any horizon (a horizon is at most a few hundred quarters), so ``q >= NEVER`` never
#:   holds and ``q < NEVER`` always does for a real quarter ``q`` ("bought by q", "still paying in q");
#: - a minimum over event quarters ignores it without remapping (the earliest of several events, or of
#:   several covenants), and is NEVER only when every event is;
#: - it is ``np.iinfo(np.int32).max``, so it fits int32 as well as int64 arrays. Every quarter array in the
#:   engine and analysis is int64, where ``NEVER + lag`` or ``NEVER - start`` cannot overflow; code that
#:   moves a quarter by an offset keeps NEVER apart (``np.where(q == NEVER, NEVER, q + lag)``) since the sum
#:   is no longer NEVER.
#:
#: Used as an index it raises IndexError instead of silently reading the last quarter, as -1 would. It is
#: never written out: reports and JSON show a quarter label, or "none"/null where a quarter is NEVER.
NEVER: Final[int] = int(np.iinfo(np.int32).max)


def quarter_of(when: dt.date) -> pd.Period:
    return pd.Period(when, freq="Q")


@dataclass(frozen=True)
class Timeline:
    """The projection's quarters and their lengths."""

    as_of: dt.date
    quarters: pd.PeriodIndex  # the projection quarters, length n_quarters

    @classmethod
    def build(cls, as_of: dt.date, horizon_quarters: int) -> Timeline:
        first = quarter_of(as_of) + 1
        return cls(as_of, pd.period_range(start=first, periods=horizon_quarters, freq="Q"))

    @property
    def n(self) -> int:
        return len(self.quarters)

    @cached_property
    def labels(self) -> list[str]:
        return [str(q) for q in self.quarters]

    @cached_property
    def hours(self) -> np.ndarray:
        """Hours in each quarter, shape (n_quarters,); computed once (the engine reads it every quarter)."""
        return self._days() * 24.0

    def _days(self) -> np.ndarray:
        starts = self.quarters.start_time
        ends = (self.quarters + 1).start_time
        return np.asarray((ends - starts).days, dtype=float)

    def index_of(self, when: dt.date) -> int:
        """Projection index of the quarter containing ``when``; negative if at or before as_of's quarter."""
        return int((quarter_of(when) - quarter_of(self.as_of)).n) - 1


def fiscal_years(when: pd.PeriodIndex | pd.DatetimeIndex, year_end_month: int = 12) -> pd.Index:
    """The fiscal year of each quarter or date, for grouping annual columns; same length as ``when``.

    A fiscal year is named for the calendar year it ends in (Oracle's FY2026 runs June 2025 to May 2026). A
    calendar quarter straddling a year end belongs to the fiscal year of its middle month, the one holding two
    of its three months (April-June 2026 is Oracle's FY2026). Calendar firms (``year_end_month`` 12) get plain
    integer years, as before; others get labels ``'FY2026'``, which sort in order within one firm.
    """
    months = when.asfreq("M", how="start") + 1 if isinstance(when, pd.PeriodIndex) else pd.PeriodIndex(when, freq="M")
    years = np.asarray(months.year) + (np.asarray(months.month) > year_end_month)
    if year_end_month == 12:
        return pd.Index(years, dtype=int)
    return pd.Index([f"FY{y}" for y in years], dtype=object)
