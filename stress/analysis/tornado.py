"""Tornado: each driver alone at its standard adverse and favourable size, against the baseline.

Only the drivers that can move the firm are drawn: a profile with no GPU cohorts has no GPU-price or
GPU-life bar (``Tornado.skipped`` says which were left out and why).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stress.analysis.grid import GridMetric, metric_values
from stress.engine.compiled import CompiledCompany
from stress.engine.finite import check_finite
from stress.engine.project import project
from stress.engine.results import Results
from stress.model.scenario import Shock
from stress.scenarios.drivers import DRIVERS, applicable, worlds_for


@dataclass(frozen=True)
class TornadoBar:
    driver: str
    adverse_text: str
    favourable_text: str
    min_liquidity: tuple[float, float]  # (adverse, favourable) change from baseline, USD
    trough_dscr: tuple[float, float]  # (adverse, favourable) change from baseline, x; NaN when n.m.

    @property
    def swing(self) -> float:
        """The width of the bar on minimum liquidity, USD: what the ranking sorts by."""
        return abs(self.min_liquidity[1] - self.min_liquidity[0])


@dataclass(frozen=True)
class Tornado:
    baseline_min_liquidity: float
    baseline_trough_dscr: float
    bars: list[TornadoBar]  # widest first
    skipped: dict[str, str] = field(default_factory=dict)  # driver -> why it cannot move this firm


def tornado(cc: CompiledCompany) -> Tornado:
    """All drivers at both sizes plus the baseline: one engine call of 2 x drivers + 1 worlds."""
    names = applicable(cc)
    skipped = {n: d.not_applicable(cc) or "" for n, d in DRIVERS.items() if n not in names}
    shocks: list[list[Shock]] = [[]] + [[DRIVERS[n].shock(size(cc))] for n in names for size in (DRIVERS[n].varied.adverse, DRIVERS[n].varied.favourable)]
    labels = ["baseline"] + [f"{n} {side}" for n in names for side in ("adverse", "favourable")]
    with np.errstate(all="ignore"):  # an overflow is reported by the finite check, with its place
        projection = project(cc, worlds_for(cc, shocks, labels))
    results = Results(check_finite(projection))
    liquidity = metric_values(results, GridMetric.MIN_LIQUIDITY)
    dscr = metric_values(results, GridMetric.TROUGH_DSCR)
    bars = []
    for i, n in enumerate(names):
        a, f = 1 + 2 * i, 2 + 2 * i
        r = DRIVERS[n].varied
        bars.append(TornadoBar(n, r.describe(cc, r.adverse(cc)), r.describe(cc, r.favourable(cc)),
                               (liquidity[a] - liquidity[0], liquidity[f] - liquidity[0]),
                               (dscr[a] - dscr[0], dscr[f] - dscr[0])))
    bars.sort(key=lambda b: b.swing, reverse=True)
    return Tornado(float(liquidity[0]), float(dscr[0]), bars, skipped)

