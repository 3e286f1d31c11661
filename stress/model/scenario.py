"""Scenarios: named lists of shocks. A shock changes the worlds, never the engine.

Every shock has a ``start`` (projection quarter index, 0 = the first quarter
after as_of) and may ``ramp_quarters`` in linearly, reaching full size at
``start + ramp_quarters``. Sizes use the profile's units: ``"+300bp"``,
``"-40%"``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from stress.model.capital import Case
from stress.model.fleet import AssetClass
from stress.model.types import MAX_CHANGE, Change, Rate, Share, Spec, Years, within
from stress.units import FRACTION, parse_rate

#: Quarters beyond any horizon (profiles run at most 80): bounds start, ramps and delays.
MAX_QUARTERS = 400
#: The largest rate or spread shock taken: +/-10,000bp; '300' without a unit would be 30,000%.
MAX_BP = 1.0


def _bp_in_range(value: float) -> float:
    if abs(value) > MAX_BP:
        raise ValueError(f"a shock of {value * 1e4:+,.0f}bp is beyond +/-10,000bp; write it with a unit, e.g. '+300bp' or '3%'")
    return value


BasisPoints = Annotated[Rate, AfterValidator(_bp_in_range)]
#: A move in utilisation, percentage points: any finite size is harmless (the result is clipped to 0-100%),
#: bounded at +/-1,000 points like every other change.
Points = Annotated[float, within(-MAX_CHANGE, MAX_CHANGE, "a change between -1,000 and +1,000 percentage points",
                                 parse_rate), FRACTION]


class _Shock(Spec):
    # A field named for what it holds may keep a shorter public key as its alias (``shift`` is written ``bp``):
    # read by the key, and written back by it, so a scenario's JSON and YAML never see the Python name.
    model_config = ConfigDict(serialize_by_alias=True)

    start: int = Field(0, ge=0, le=MAX_QUARTERS, description="projection quarter the shock starts (0 = first)")
    ramp_quarters: int = Field(0, ge=0, le=MAX_QUARTERS, description="quarters to reach full size, linearly")


class RateShock(_Shock):
    """Base-rate shock: ``shift`` added (ramped), or a whole ``path`` of annual rates from ``start`` (plus
    ``shift``), which replaces the base rate outright: no ramp, and any earlier rate shock is overwritten from
    ``start``. ``shift`` is written ``bp`` in a scenario file (``bp: +300bp``) and held as a fraction a year (0.03)."""

    kind: Literal["rate"] = "rate"
    shift: BasisPoints = Field(0.0, alias="bp", description="added to the base rate, e.g. '+300bp'")
    path: list[Rate] | None = Field(None, description="quarterly base rates from start; the last value holds")


class SpreadShock(_Shock):
    """``shift`` added to every floating spread and to the refinancing rate; written ``bp`` in a scenario file
    and held as a fraction a year (0.04 for +400bp)."""

    kind: Literal["spread"] = "spread"
    shift: BasisPoints = Field(alias="bp", description="added to every floating spread, e.g. '+400bp'")


class GpuPriceShock(_Shock):
    """GPU-hour price level change, plus an extra annual change compounded from ``start``."""

    kind: Literal["gpu_price"] = "gpu_price"
    level: Change = Field(0.0, description="level change, e.g. '-40%'; -100% to +1,000%")
    annual_change: Rate = Field(0.0, description="extra change a year on top of the baseline curve, e.g. '-10%'; "
                                                 "-100% to +100%")
    models: list[str] = Field(default_factory=list, description="models shocked; empty = every GPU model (not data halls or mining)")

    @model_validator(mode="after")
    def _not_below_zero(self) -> GpuPriceShock:
        if self.level < -1 or self.annual_change < -1:
            raise ValueError("a price cannot fall by more than 100%")
        return self


class UtilisationShock(_Shock):
    """Spot utilisation set to ``level``, or moved by ``change`` (percentage points)."""

    kind: Literal["utilisation"] = "utilisation"
    level: Share | None = None
    change: Points = Field(0.0, description="percentage points, e.g. '-15%'; the result is held within 0-100%")

    @model_validator(mode="after")
    def _one_of(self) -> UtilisationShock:
        if (self.level is None) == (self.change == 0.0):
            raise ValueError("give exactly one of level (e.g. '55%') or change (e.g. '-15%')")
        return self


class UsefulLifeShock(_Shock):
    """Lives reset to ``years`` from ``start``: accounting (depreciation), economic (earning, retirement) or both;
    for the GPU cohorts unless ``assets`` or ``cohorts`` say otherwise."""

    kind: Literal["useful_life"] = "useful_life"
    years: Years = Field(description="the new life, years: above 0, at most 50")
    basis: Literal["accounting", "economic", "both"] = "both"
    cohorts: list[str] = Field(default_factory=list, description="cohort names; empty = all")
    assets: list[AssetClass] = Field(default_factory=lambda: [AssetClass.GPU], description="asset classes shocked")


class ResidualShock(_Shock):
    """Resale values (retirement proceeds and collateral) change by ``change``."""

    kind: Literal["residual"] = "residual"
    change: Change = Field(description="e.g. '-30%'; -100% to +1,000%")

    @model_validator(mode="after")
    def _not_below_zero(self) -> ResidualShock:
        if self.change < -1:
            raise ValueError("a value cannot fall by more than 100%")
        return self


class CustomerDefaultShock(_Shock):
    """A customer stops paying from ``start``; its GPUs go to the spot market."""

    kind: Literal["customer_default"] = "customer_default"
    customer: str = Field("largest", description="customer name, or 'largest' by contracted backlog")


class RefinancingShock(_Shock):
    """Refinancing closed from ``start`` for ``quarters`` (default: to the end of the horizon)."""

    kind: Literal["refinancing"] = "refinancing"
    quarters: int | None = Field(None, ge=1, le=MAX_QUARTERS)


class PowerPriceShock(_Shock):
    kind: Literal["power_price"] = "power_price"
    change: Change = Field(description="e.g. '+50%'; -100% to +1,000%")


class CapexOverrunShock(_Shock):
    kind: Literal["capex_overrun"] = "capex_overrun"
    change: Change = Field(description="extra cost of the capex plan, e.g. '+20%'; -100% to +1,000%")


class DelayShock(_Shock):
    kind: Literal["delay"] = "delay"
    quarters: int = Field(ge=0, le=MAX_QUARTERS, description="quarters of delivery delay on the capex plan")


Shock = Annotated[
    RateShock | SpreadShock | GpuPriceShock | UtilisationShock | UsefulLifeShock | ResidualShock | CustomerDefaultShock | RefinancingShock
    | PowerPriceShock | CapexOverrunShock | DelayShock,
    Field(discriminator="kind"),
]


class Scenario(Spec):
    name: str = Field(min_length=1)
    description: str = Field("", description="one-line rationale")
    calibration: str = Field("", description="the figures it is calibrated on, with sources")
    shocks: list[Shock] = Field(default_factory=list)
    case: Case | None = Field(None, description="committed or plan; default: the case the command runs")


class ScenarioFile(Spec):
    scenarios: list[Scenario] = Field(min_length=1)
