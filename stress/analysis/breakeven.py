"""Reverse stress: the size of each driver at which the firm first breaks.

For each driver and event (a covenant breach, a liquidity default) a search
evaluates ``points`` candidate sizes, from mild to harsh, as worlds in ONE
engine call per round, then narrows to the interval between the last size
that holds and the first that breaks. Three rounds of 24 points resolve the
size to 1/23^3 = 1/12,167 of the driver's range. The search assumes harsher sizes
break no later than milder ones (the monotonicity the property tests check).

A driver that cannot move the firm (GPU drivers on a profile with no GPU
cohorts) is skipped by default, and answered "not applicable" when asked for
by name. A search whose projection turns non-finite raises
``stress.engine.finite.NonFiniteError`` rather than reading a break from NaN.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.finite import check_finite
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.timeline import NEVER
from stress.scenarios.drivers import DRIVERS, Driver, applicable, worlds_for


class Event(StrEnum):
    BREACH = "breach"  # first covenant breach
    DEFAULT = "default"  # liquidity default


@dataclass(frozen=True)
class Breakeven:
    """Where one driver breaks the firm; ``size`` is None when it never does inside the range."""

    driver: str
    event: Event
    size: float | None  # first breaking size, driver units
    safe_size: float | None  # the mildest-adjacent size that holds (None if it breaks at baseline)
    quarter: str | None  # when the event happens at ``size``
    what: str | None  # the covenant breached, for BREACH
    text: str  # the plain-terms answer
    at_baseline: bool = False


def event_quarters(results: Results, event: Event) -> tuple[np.ndarray, list[str | None]]:
    """Per world: the event's quarter index (NEVER if none) and, for breaches, the covenant label."""
    e = results.event_quarters
    if event is Event.DEFAULT:
        return e["liquidity_default"], [None] * len(results.world_names)
    labels = [c.label for c in results.company.covenants]
    which = [labels[i] if i != NEVER else None for i in e["first_breach_covenant"]]
    return e["first_breach"], which


def _evaluate(cc: CompiledCompany, d: Driver, sizes: np.ndarray, event: Event) -> tuple[np.ndarray, list[str | None]]:
    worlds = worlds_for(cc, [[d.shock(float(x))] for x in sizes], [f"{d.name}={x:g}" for x in sizes])
    with np.errstate(all="ignore"):  # an overflow is reported by the finite check, with its place
        projection = project(cc, worlds)
    return event_quarters(Results(check_finite(projection)), event)


def _candidates(lo: float, hi: float, points: int, step: float | None) -> np.ndarray:
    """``points`` sizes from ``lo`` to ``hi``, or every whole step between them (lives in quarters of a year)."""
    if step is None:
        return np.linspace(lo, hi, points)
    n = int(round(abs(hi - lo) / step))
    return lo + np.sign(hi - lo) * step * np.arange(n + 1)


def search(cc: CompiledCompany, d: Driver, event: Event, points: int = 24, rounds: int = 3) -> Breakeven:
    """Find the mildest size of ``d`` at which ``event`` happens within the horizon."""
    reason = d.not_applicable(cc)
    if reason is not None:
        return Breakeven(d.name, event, None, None, None, None, f"{d.label}: not applicable; {reason}")
    r = d.varied
    lo, hi = r.mild(cc), r.harsh(cc)
    safe = None
    for _ in range(1 if r.step else rounds):
        sizes = _candidates(lo, hi, points, r.step)
        quarters, what = _evaluate(cc, d, sizes, event)
        broken = np.flatnonzero(quarters != NEVER)
        if not broken.size:
            return Breakeven(d.name, event, None, sizes[-1], None, None,
                             f"{d.label}: no {event.value} within the horizon, even at {r.describe(cc, sizes[-1])}")
        i = int(broken[0])
        if i == 0 and safe is None:
            return Breakeven(d.name, event, float(sizes[0]), None, cc.timeline.labels[quarters[0]], what[0],
                             f"{d.label}: {event.value} already at baseline, in {cc.timeline.labels[quarters[0]]}"
                             + (f" ({what[0]})" if what[0] else ""), at_baseline=True)
        safe = float(sizes[i - 1]) if i > 0 else safe
        size, quarter, label = float(sizes[i]), cc.timeline.labels[quarters[i]], what[i]
        lo, hi = safe, size  # type: ignore[assignment]
    return Breakeven(d.name, event, size, safe, quarter, label, _text(cc, d, event, size, quarter, label))


def _text(cc: CompiledCompany, d: Driver, event: Event, size: float, quarter: str, what: str | None) -> str:
    if event is Event.DEFAULT:
        return f"{d.varied.describe(cc, size)} → liquidity default in {quarter}"
    return f"{d.varied.describe(cc, size)} → {what} covenant breached in {quarter}"


def breakeven_table(cc: CompiledCompany, drivers: list[str] | None = None) -> list[Breakeven]:
    """Breakeven sizes for every driver (default: all that apply to the firm) and both events; a driver
    named in ``drivers`` that does not apply gets a row saying why."""
    names = drivers or applicable(cc)
    return [search(cc, DRIVERS[n], ev) for n in names for ev in (Event.BREACH, Event.DEFAULT)]
