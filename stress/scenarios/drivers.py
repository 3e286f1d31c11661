"""Drivers: one-dimensional shocks, "shock this by that much", the one registry of them.

The ad-hoc flags of ``stress run`` and ``stress report`` (``--rate +300bp``: the driver's name with dashes) and
the breaking-point analyses (breakeven, grid, tornado: ``-d rate``) both read :data:`REGISTRY`. A driver is a
shock ``kind`` with the ``field`` its size fills (and fields it fixes); the analyses also need its range
(:class:`Range`): mild (no shock) to harsh, its standard adverse and favourable sizes, and how to say a size in
plain terms. Sizes are in the driver's unit: a fraction for levels and changes, a fraction per annum for rates
and spreads (``+300bp`` is 0.03), years for lives, a quarter index for a default date, a number of quarters for
a closed market.

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
from pydantic import TypeAdapter

from stress.engine.compiled import CompiledCompany
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model import scenario as s
from stress.model.types import MAX_LIFE_YEARS
from stress.scenarios.transforms import apply, largest_customer


@dataclass(frozen=True)
class Range:
    """How the analyses vary a driver: each bound is a size for the firm ``cc``."""

    mild: Callable[[CompiledCompany], float]  # the unshocked size
    harsh: Callable[[CompiledCompany], float]  # the harshest size searched
    adverse: Callable[[CompiledCompany], float]  # standard adverse size (tornado)
    favourable: Callable[[CompiledCompany], float]  # standard favourable size (tornado)
    describe: Callable[[CompiledCompany, float], str]
    step: float | None = None  # sizes move in whole steps (a quarter of a year, one quarter); None = continuous
    needs: str | None = None  # "gpu": GPU cohorts; "customers": contracts; None: any firm


@dataclass(frozen=True)
class Driver:
    """A shock of ``kind`` whose ``field`` takes the size (``fixed`` sets its other fields)."""

    name: str
    label: str
    kind: str
    field: str
    range: Range | None  # None: an ad-hoc flag only, not varied by the analyses
    fixed: tuple[tuple[str, object], ...] = ()

    @property
    def varied(self) -> Range:
        """Its range, for the analyses (which take only :data:`DRIVERS`, the drivers that have one)."""
        if self.range is None:
            raise ValueError(f"the analyses do not vary {self.name}; drivers: {', '.join(DRIVERS)}")
        return self.range

    @property
    def flag(self) -> str:
        """The ad-hoc option of ``stress run``: ``--gpu-price`` for ``gpu_price``."""
        return "--" + self.name.replace("_", "-")

    def spec(self, size: float | str) -> dict[str, object]:
        """The shock as a scenario file writes it: a size as text (``+300bp``) or in the driver's unit."""
        return {"kind": self.kind, self.field: size, **dict(self.fixed)}

    def shock(self, size: float) -> s.Shock:
        """The shock of this size (in the driver's unit), validated like a scenario file's."""
        return _SHOCK.validate_python(self.spec(size))

    def not_applicable(self, cc: CompiledCompany) -> str | None:
        """Why this driver cannot move this firm, or None when it can."""
        needs = self.range.needs if self.range else None
        if needs == "gpu" and not has_gpu_cohorts(cc):
            return "the profile has no GPU cohorts (fleet or capex_plan with asset: gpu)"
        if needs == "customers" and not cc.customers:
            return "the profile has no contracts, so no customer to default"
        return None


_SHOCK: TypeAdapter[s.Shock] = TypeAdapter(s.Shock)


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


#: Every driver: those with a range are the analyses' drivers, those with a flag on ``stress run`` its ad-hoc
#: options (:data:`FLAGS`).
REGISTRY: dict[str, Driver] = {
    d.name: d
    for d in (
        Driver("gpu_price", "GPU-hour price level", "gpu_price", "level", Range(
            lambda cc: 0.0, lambda cc: -0.95, lambda cc: -0.40, lambda cc: 0.20, _price_text, needs="gpu")),
        Driver("price_decline", "annual GPU-hour price decline", "gpu_price", "annual_change", Range(
            lambda cc: 0.0, lambda cc: -0.60, lambda cc: -0.20, lambda cc: 0.10, _decline_text, needs="gpu")),
        Driver("utilisation", "spot utilisation", "utilisation", "level", Range(
            lambda cc: cc.company.market.spot_utilisation, lambda cc: 0.0, lambda cc: 0.40,
            lambda cc: min(1.0, cc.company.market.spot_utilisation + 0.15), _utilisation_text)),
        Driver("rate", "base rate", "rate", "bp", Range(
            lambda cc: 0.0, lambda cc: 0.15, lambda cc: 0.03, lambda cc: -0.02, _bp_text("base rate"))),
        Driver("spread", "credit spread", "spread", "bp", Range(
            lambda cc: 0.0, lambda cc: 0.20, lambda cc: 0.05, lambda cc: -0.01, _bp_text("credit spread"))),
        Driver("life", "GPU useful life", "useful_life", "years", Range(
            _max_life, lambda cc: 1.0, lambda cc: 4.0, lambda cc: min(_max_life(cc) + 1.0, MAX_LIFE_YEARS), _life_text,
            step=0.25, needs="gpu"), fixed=(("basis", "both"),)),
        Driver("customer_default", "largest-customer default date", "customer_default", "start", Range(
            lambda cc: float(cc.n_quarters), lambda cc: 0.0, lambda cc: 4.0, lambda cc: float(cc.n_quarters),
            _default_text, step=1.0, needs="customers")),
        Driver("refi_closed", "refinancing closed", "refinancing", "quarters", None),
    )
}

#: The drivers the analyses vary (breakeven, grid, tornado), in the order they show them.
DRIVERS: dict[str, Driver] = {n: d for n, d in REGISTRY.items() if d.range is not None}

#: The drivers ``stress run`` and ``stress report`` take as ad-hoc options (``--rate +300bp``).
FLAGS: tuple[str, ...] = ("rate", "spread", "gpu_price", "life", "utilisation", "refi_closed")


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
