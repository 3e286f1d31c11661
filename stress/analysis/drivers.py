"""Drivers: one-dimensional shocks whose size an analysis varies (breakeven, grid, tornado).

Each driver turns a size into shocks, knows its range from mild (no shock) to
harsh, its standard adverse and favourable sizes, and how to say a size in
plain terms. Sizes are in the driver's unit: a fraction for levels and
changes, a fraction per annum for rates and spreads, years for lives, a
quarter index for a default date.

A driver may not apply to a firm: the GPU drivers (price level, price
decline, useful life) to a profile with no GPU cohorts (data halls, mining,
a business line only), the customer-default date to one with no contracts.
``not_applicable`` says why; the analyses skip such drivers, or say so when
one is asked for by name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model import scenario as s
from stress.model.types import MAX_LIFE_YEARS
from stress.scenarios.transforms import apply, largest_customer


@dataclass(frozen=True)
class Driver:
    name: str
    label: str
    shock: Callable[[float], s.Shock]
    mild: Callable[[CompiledCompany], float]  # the unshocked size
    harsh: Callable[[CompiledCompany], float]  # the harshest size searched
    adverse: Callable[[CompiledCompany], float]  # standard adverse size (tornado)
    favourable: Callable[[CompiledCompany], float]  # standard favourable size (tornado)
    describe: Callable[[CompiledCompany, float], str]
    step: float | None = None  # sizes move in whole steps (a quarter of a year, one quarter); None = continuous
    needs: str | None = None  # "gpu": GPU cohorts; "customers": contracts; None: any firm

    def not_applicable(self, cc: CompiledCompany) -> str | None:
        """Why this driver cannot move this firm, or None when it can."""
        if self.needs == "gpu" and not has_gpu_cohorts(cc):
            return "the profile has no GPU cohorts (fleet or capex_plan with asset: gpu)"
        if self.needs == "customers" and not cc.customers:
            return "the profile has no contracts, so no customer to default"
        return None


def has_gpu_cohorts(cc: CompiledCompany) -> bool:
    """Whether any fleet or capex cohort is a GPU (not a data hall, mining or a business line)."""
    return any(a == "gpu" for a in cc.cohort_asset)


def main_gpu(cc: CompiledCompany) -> str:
    """The GPU model with the most units in the fleet and capex plan: the one prices are quoted for
    ("GPU" when the profile has none: the GPU drivers do not apply to it)."""
    if not has_gpu_cohorts(cc):
        return "GPU"
    units = np.bincount(cc.cohort_gpu, weights=cc.cohort_units, minlength=len(cc.gpu_models))
    return cc.gpu_models[int(np.argmax(np.where(cc.model_is_gpu, units, -1.0)))]


def _price_text(cc: CompiledCompany, level: float) -> str:
    g = main_gpu(cc)
    start = cc.company.market.gpu_hour_price[g].start
    return f"{g} price ${start * (1 + level):.2f} per GPU-hour ({level:+.0%})"


def _decline_text(cc: CompiledCompany, extra: float) -> str:
    g = main_gpu(cc)
    base = cc.company.market.gpu_hour_price[g].annual_change
    total = (1 + base) * (1 + extra) - 1
    return f"{g} price change {total:+.0%} a year ({extra:+.0%} on the baseline {base:+.0%})"


def _utilisation_text(cc: CompiledCompany, level: float) -> str:
    return f"spot utilisation {level:.0%} (baseline {cc.company.market.spot_utilisation:.0%})"


def _bp_text(what: str) -> Callable[[CompiledCompany, float], str]:
    return lambda cc, bp: f"{what} {bp * 1e4:+.0f}bp"


def _life_text(cc: CompiledCompany, years: float) -> str:
    if "gpu" not in cc.cohort_asset:
        return "GPU useful life: no GPU cohorts to shorten"
    return f"GPU useful life {years:.2f} years (accounting and economic)"


def _default_text(cc: CompiledCompany, quarter: float) -> str:
    if not cc.customers:
        return "no customers"
    who = cc.customers[largest_customer(cc)]
    q = int(quarter)
    return f"{who} defaults in {cc.timeline.labels[q]}" if q < cc.n_quarters else f"{who} never defaults"


def _max_life(cc: CompiledCompany) -> float:
    """The longest GPU life in the profile, years: where the life driver starts."""
    gpu = [q for q, a in zip(cc.cohort_life_q, cc.cohort_asset, strict=True) if a == "gpu"]
    return float(max(gpu)) / 4 if gpu else 6.0


DRIVERS: dict[str, Driver] = {
    d.name: d
    for d in (
        Driver("gpu_price", "GPU-hour price level", lambda x: s.GpuPriceShock(level=x),
               lambda cc: 0.0, lambda cc: -0.95, lambda cc: -0.40, lambda cc: 0.20, _price_text, needs="gpu"),
        Driver("price_decline", "annual GPU-hour price decline", lambda x: s.GpuPriceShock(annual_change=x),
               lambda cc: 0.0, lambda cc: -0.60, lambda cc: -0.20, lambda cc: 0.10, _decline_text, needs="gpu"),
        Driver("utilisation", "spot utilisation", lambda x: s.UtilisationShock(level=x),
               lambda cc: cc.company.market.spot_utilisation, lambda cc: 0.0, lambda cc: 0.40,
               lambda cc: min(1.0, cc.company.market.spot_utilisation + 0.15), _utilisation_text),
        Driver("rate", "base rate", lambda x: s.RateShock(bp=x),
               lambda cc: 0.0, lambda cc: 0.15, lambda cc: 0.03, lambda cc: -0.02, _bp_text("base rate")),
        Driver("spread", "credit spread", lambda x: s.SpreadShock(bp=x),
               lambda cc: 0.0, lambda cc: 0.20, lambda cc: 0.05, lambda cc: -0.01, _bp_text("credit spread")),
        Driver("life", "GPU useful life", lambda x: s.UsefulLifeShock(years=x, basis="both"),
               _max_life, lambda cc: 1.0, lambda cc: 4.0, lambda cc: min(_max_life(cc) + 1.0, MAX_LIFE_YEARS), _life_text, step=0.25,
               needs="gpu"),
        Driver("customer_default", "largest-customer default date", lambda x: s.CustomerDefaultShock(start=int(x)),
               lambda cc: float(cc.n_quarters), lambda cc: 0.0, lambda cc: 4.0, lambda cc: float(cc.n_quarters),
               _default_text, step=1.0, needs="customers"),
    )
}


def driver(name: str) -> Driver:
    if name not in DRIVERS:
        raise KeyError(f"unknown driver {name!r}; drivers: {', '.join(DRIVERS)}")
    return DRIVERS[name]


def applicable(cc: CompiledCompany, names: list[str] | None = None) -> list[str]:
    """The drivers among ``names`` (default: all) that can move this firm."""
    return [n for n in (names or list(DRIVERS)) if DRIVERS[n].not_applicable(cc) is None]


def worlds_for(cc: CompiledCompany, shocks_per_world: list[list[s.Shock]], names: list[str]) -> Worlds:
    """One world per list of shocks, all in one Worlds for a single engine call."""
    base = baseline_worlds(cc, 1)
    parts = []
    for shocks in shocks_per_world:
        w = base
        for shock in shocks:
            if isinstance(shock, s.CustomerDefaultShock) and shock.start >= cc.n_quarters:
                continue  # "never": the baseline
            w = apply(w, cc, shock)
        parts.append(w)
    out = Worlds.concat(parts)
    return Worlds(**{**out.__dict__, "names": names})
