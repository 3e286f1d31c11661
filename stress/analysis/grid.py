"""Two-driver sensitivity grid: every (x, y) pair of sizes is one world, all in one engine call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from pydantic import ValidationError

from stress.analysis.drivers import DRIVERS, Driver, worlds_for
from stress.engine.compiled import CompiledCompany
from stress.engine.covenants import NOT_FOUND
from stress.engine.project import project
from stress.engine.results import Results
from stress.units import parse_rate


class GridMetric(StrEnum):
    MIN_LIQUIDITY = "min_liquidity"  # USD, lowest cash + undrawn revolver over the horizon
    FIRST_DEFAULT = "first_default"  # quarter index of the first liquidity or maturity default; NaN = none
    TROUGH_DSCR = "trough_dscr"  # x, lowest DSCR over the horizon (NaN when never meaningful)


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
    parse = float if d.step else parse_rate
    try:
        n = int(count)
        sizes = np.linspace(parse(start), parse(stop), n)
    except ValueError as exc:
        raise ValueError(f"expected DRIVER=START:STOP:COUNT such as gpu_price=-80%:0%:9 in {spec!r}: {exc}") from None
    if n < 1:
        raise ValueError(f"expected a positive count in {spec!r}")
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
    return np.where(first == NOT_FOUND, np.nan, first.astype(float))


def grid(cc: CompiledCompany, x: Axis, y: Axis, metric: GridMetric) -> Grid:
    """Evaluate ``metric`` at every (x, y) pair in a single engine call."""
    shocks = [[x.driver.shock(float(a)), y.driver.shock(float(b))] for b in y.sizes for a in x.sizes]
    names = [f"{x.driver.name}={a:g},{y.driver.name}={b:g}" for b in y.sizes for a in x.sizes]
    results = Results(project(cc, worlds_for(cc, shocks, names)))
    values = metric_values(results, metric).reshape(len(y.sizes), len(x.sizes))
    return Grid(x, y, metric, values, cc.timeline.labels)
