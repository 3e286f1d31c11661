"""The baseline market the scenarios shock, and the firm's cost assumptions."""

from __future__ import annotations

from pydantic import Field

from stress.model.types import NonNegFloat, NonNegMoney, PosMoney, Rate, Share, Spec


class PriceCurve(Spec):
    """Spot GPU-hour price: ``start`` at ``as_of``, compounding ``annual_change`` a year."""

    start: PosMoney = Field(description="USD per GPU-hour at as_of")
    annual_change: Rate = Field(0.0, description="e.g. '-15%' a year")


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
    power_price_per_kwh: NonNegMoney = Field(description="USD per kWh")


class Costs(Spec):
    pue: float = Field(1.3, ge=1.0, description="power usage effectiveness, total/IT power")
    other_cost_per_gpu_year: NonNegMoney = Field(0.0, description="USD per GPU per year (site, support)")
    sga_per_quarter: NonNegMoney = Field(0.0, description="USD per quarter, the fixed part of SG&A")
    sga_per_mw_year: NonNegMoney = Field(0.0, description="USD a year per MW of IT load earning")
    sga_share_of_revenue: Share = Field(0.0, description="SG&A that scales with revenue (sales, support)")
    tax_rate: Share = Field(0.21)


class WorkingCapital(Spec):
    receivable_days: NonNegFloat = Field(0.0, description="days of revenue outstanding")


class Treasury(Spec):
    """Cash policy: the revolver draws to keep cash at ``minimum_cash``; capex paid from cash must leave it;
    unfunded capex is deferred up to ``max_capex_deferral_quarters``, then cancelled."""

    minimum_cash: NonNegMoney = Field(0.0, description="USD the firm keeps on hand")
    max_capex_deferral_quarters: int = Field(4, ge=0, le=40, description="quarters unfunded capex waits before "
                                                                         "its programme is cancelled")
