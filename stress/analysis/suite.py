"""All breaking-point analyses of one firm together, for the workbook's ``--analyses`` sheets."""

from __future__ import annotations

from dataclasses import dataclass

from stress.analysis.breakeven import Breakeven, breakeven_table
from stress.analysis.grid import Grid, GridMetric, grid, parse_axis
from stress.analysis.montecarlo import Exposure, MonteCarloResult, run_montecarlo
from stress.analysis.tornado import Tornado, tornado
from stress.engine.compiled import CompiledCompany

DEFAULT_X = "gpu_price=-80%:0%:9"
DEFAULT_Y = "rate=0:500bp:6"


@dataclass(frozen=True)
class Analyses:
    breakeven: list[Breakeven]
    grid: Grid
    tornado: Tornado
    montecarlo: MonteCarloResult


def run_all(cc: CompiledCompany, paths: int = 10_000, seed: int = 7, x: str = DEFAULT_X, y: str = DEFAULT_Y,
            metric: GridMetric = GridMetric.MIN_LIQUIDITY, exposure: Exposure | None = None) -> Analyses:
    return Analyses(breakeven_table(cc), grid(cc, parse_axis(x), parse_axis(y), metric), tornado(cc),
                    run_montecarlo(cc, paths, seed, exposure=exposure))
