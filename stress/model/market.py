"""The baseline market the scenarios shock, and the firm's cost assumptions."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from stress.model.types import MAX_POWER_PRICE, NonNegMoney, Rate, Share, ShareAYear, Spec, UnitHourPrice, within
from stress.units import MAX_RATE, RATE_A_YEAR, USD_PER_KWH, parse_money, parse_rate

#: Above -100% (a price of zero would leave nothing to compare a shocked price with), at most +100% a year.
PriceChange = Annotated[float, within(-1.0, MAX_RATE, "an annual change above -100% and at most +100%", parse_rate,
                                      low_open=True), RATE_A_YEAR]
PowerPrice = Annotated[float, within(0.0, MAX_POWER_PRICE, "a power price of at most 10 USD per kWh", parse_money,
                                     sign="expected a value of zero or more"), USD_PER_KWH]
Pue = Annotated[float, within(1.0, 3.0, "a PUE between 1.0 and 3.0")]
ReceivableDays = Annotated[float, within(0.0, 365.0, "days of revenue between 0 and 365")]


class PriceCurve(Spec):
    """Spot GPU-hour price of a *new* GPU of the model: ``start`` at ``as_of``, compounding ``annual_change`` a
    year. ``vintage_decay`` is the discount per year of age: a cohort ``a`` years old earns
    ``price x (1 - vintage_decay) ** a`` on spot and on renewal, as older chips of a generation rent below
    new ones of the same generation."""

    start: UnitHourPrice = Field(description="USD per GPU-hour at as_of, at most 10 million")
    annual_change: PriceChange = Field(0.0, description="e.g. '-15%' a year; above -100%, at most +100%")
    vintage_decay: ShareAYear = Field(0.0, description="discount a year of a cohort's age, e.g. '8%'")


class BaseRateCurve(Spec):
    """The floating base rate (3M term SOFR): ``start``, or quarterly ``path`` overrides.

    ``path[i]`` is the rate in projection quarter ``i``; past its end the last
    value holds.
    """

    start: Rate
    path: list[Rate] = Field(default_factory=list)


class Market(Spec):
    gpu_hour_price: dict[str, PriceCurve] = Field(description="spot price curve per GPU model")
    spot_utilisation: Share = Field(description="share of uncontracted GPU-hours sold")
    base_rate: BaseRateCurve
    power_price_per_kwh: PowerPrice = Field(description="USD per kWh, 0 to 10")


class Costs(Spec):
    pue: Pue = Field(1.3, description="power usage effectiveness, total/IT power, 1.0 to 3.0")
    other_cost_per_gpu_year: NonNegMoney = Field(0.0, description="USD per GPU per year (site, support)")
    sga_per_quarter: NonNegMoney = Field(0.0, description="USD per quarter, the fixed part of SG&A")
    sga_per_mw_year: NonNegMoney = Field(0.0, description="USD a year per MW of IT load earning")
    sga_share_of_revenue: Share = Field(0.0, description="SG&A that scales with revenue (sales, support)")
    tax_rate: Share = Field(0.21)


class WorkingCapital(Spec):
    receivable_days: ReceivableDays = Field(0.0, description="days of revenue outstanding, 0 to 365")


class Treasury(Spec):
    """Cash policy: the revolver draws to keep cash at ``minimum_cash``; capex paid from cash must leave it;
    unfunded capex is deferred up to ``max_capex_deferral_quarters``, then cancelled."""

    minimum_cash: NonNegMoney = Field(0.0, description="USD the firm keeps on hand")
    max_capex_deferral_quarters: int = Field(4, ge=0, le=40, description="quarters unfunded capex waits before "
                                                                         "its programme is cancelled")
