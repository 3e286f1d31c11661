"""Two-driver sensitivity grid: every (x, y) pair of sizes is one world, all in one engine call.

Each axis has at most ``MAX_AXIS_POINTS`` sizes, so a grid is at most 50 x 50 = 2,500 worlds (about
0.7 GB and a few seconds at the longest horizon, 80 quarters).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import ValidationError

from stress.engine.compiled import CompiledCompany
from stress.engine.finite import check_finite
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.timeline import NEVER
from stress.scenarios.drivers import DRIVERS, Driver, worlds_for
from stress.units import parse_rate
from stress.vocabulary import GridMetric as GridMetric  # defined with the CLI's other choices, re-exported here

#: The most sizes on one axis of a grid.
MAX_AXIS_POINTS = 50


@dataclass(frozen=True)
class Axis:
    driver: Driver
    sizes: np.ndarray  # (n,) driver units


def parse_axis(spec: str) -> Axis:
    """``gpu_price=-80%:0%:9`` -> the gpu_price driver at 9 sizes from -80% to 0%.

    Rates and shares take the profile's units (``%``, ``bp``); lives are years; a
    default date is a quarter index.
    """
    try:
        name, span = spec.split("=", 1)
        start, stop, count = span.split(":")
    except ValueError:
        raise ValueError(f"expected DRIVER=START:STOP:COUNT such as gpu_price=-80%:0%:9, got {spec!r}") from None
    if name not in DRIVERS:
        raise ValueError(f"unknown driver {name!r}; drivers: {', '.join(DRIVERS)}")
    d = DRIVERS[name]
    parse = float if d.varied.step else parse_rate
    try:
        n = int(count) if len(count) <= 20 else MAX_AXIS_POINTS + 1
    except ValueError:
        raise ValueError(f"expected DRIVER=START:STOP:COUNT such as gpu_price=-80%:0%:9, with a whole number as "
                         f"COUNT, got {spec!r}") from None
    if not 1 <= n <= MAX_AXIS_POINTS:
        raise ValueError(f"expected a COUNT of 1 to {MAX_AXIS_POINTS} sizes on an axis (a grid has at most "
                         f"{MAX_AXIS_POINTS ** 2:,} cells), got {count.strip()[:20]}")
    try:
        low, high = parse(start), parse(stop)
        if not (np.isfinite(low) and np.isfinite(high)):
            raise ValueError("sizes must be finite numbers")
        sizes = np.linspace(low, high, n)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"expected DRIVER=START:STOP:COUNT such as gpu_price=-80%:0%:9 in {spec!r}: {exc}") from None
    for size in (sizes[0], sizes[-1]):
        try:
            d.shock(float(size))  # the shock's own validation: no price below -100%, no negative life
        except ValidationError as exc:
            reason = exc.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
            raise ValueError(f"{name} size {size:g} is out of range: {reason}") from None
    return Axis(d, sizes)


@dataclass(frozen=True)
class Grid:
    x: Axis
    y: Axis
    metric: GridMetric
    values: np.ndarray  # (len(y), len(x)) in the metric's unit; NaN where n.m. / never
    quarters: list[str]  # labels, to show FIRST_DEFAULT indices


def metric_values(results: Results, metric: GridMetric) -> np.ndarray:
    """The grid metric per world, (W,)."""
    if metric is GridMetric.MIN_LIQUIDITY:
        return results.metrics["liquidity"].min(axis=1)
    if metric is GridMetric.TROUGH_DSCR:
        dscr = results.metrics["dscr"]
        return np.where(np.isfinite(dscr).any(axis=1), np.nanmin(np.where(np.isfinite(dscr), dscr, np.inf), axis=1), np.nan)
    first = results.default_quarter
    return np.where(first == NEVER, np.nan, first.astype(float))


def grid(cc: CompiledCompany, x: Axis, y: Axis, metric: GridMetric) -> Grid:
    """Evaluate ``metric`` at every (x, y) pair in a single engine call."""
    shocks = [[x.driver.shock(float(a)), y.driver.shock(float(b))] for b in y.sizes for a in x.sizes]
    names = [f"{x.driver.name}={a:g},{y.driver.name}={b:g}" for b in y.sizes for a in x.sizes]
    with np.errstate(all="ignore"):  # an overflow is reported by the finite check, with its place
        projection = project(cc, worlds_for(cc, shocks, names))
    results = Results(check_finite(projection))
    values = metric_values(results, metric).reshape(len(y.sizes), len(x.sizes))
    return Grid(x, y, metric, values, cc.timeline.labels)
