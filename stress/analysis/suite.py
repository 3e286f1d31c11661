"""All breaking-point analyses of one firm together, for the workbook's ``--analyses`` sheets."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stress.analysis.breakeven import Breakeven, breakeven_table
from stress.analysis.grid import Grid, GridMetric, grid, parse_axis
from stress.analysis.montecarlo import Claim, MonteCarloResult, run_montecarlo
from stress.analysis.tornado import Tornado, tornado
from stress.engine.compiled import CompiledCompany
from stress.vocabulary import DEFAULT_PATHS, DEFAULT_SEED

DEFAULT_X = "gpu_price=-80%:0%:9"
DEFAULT_Y = "rate=0:500bp:6"


@dataclass(frozen=True)
class Analyses:
    breakeven: list[Breakeven]
    grid: Grid
    tornado: Tornado
    montecarlo: MonteCarloResult


#: The analyses' steps, for a progress bar: breakeven, grid and tornado count one each, the Monte Carlo one
#: in all, advanced by its share of the paths as its chunks finish.
STEPS = 4


def run_all(cc: CompiledCompany, paths: int = DEFAULT_PATHS, seed: int = DEFAULT_SEED, x: str = DEFAULT_X, y: str = DEFAULT_Y,
            metric: GridMetric = GridMetric.MIN_LIQUIDITY, exposure: Claim | None = None,
            advance: Callable[[float], None] | None = None) -> Analyses:
    """Every analysis of ``cc``; ``advance(steps)`` moves a progress bar of :data:`STEPS` steps."""
    done = advance or (lambda steps: None)
    rows = breakeven_table(cc)
    done(1)
    g = grid(cc, parse_axis(x), parse_axis(y), metric)
    done(1)
    t = tornado(cc)
    done(1)
    mc = run_montecarlo(cc, paths, seed, exposure=exposure, advance=lambda n: done(n / paths))
    return Analyses(rows, g, t, mc)
