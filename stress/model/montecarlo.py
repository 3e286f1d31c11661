"""Parameters of the Monte Carlo market model, with documented defaults.

Defaults are calibrated on ../shared/reference/financial-facts.md: GPU-hour
prices fell 22% in 2025 and 30% in two months of 2024 (s3.1), so a 35%
annual volatility and crash jumps (one every four years on average, -25%
each); SOFR moved 425bp in 2022 (s3.4), a 1%/yr normal volatility around
the profile's path; hazard rates near long-run Baa (0.3%/yr) and B (3%/yr)
default rates (s3.6).
"""

from __future__ import annotations

from pydantic import Field

from stress.model.types import NonNegFloat, Rate, Spec


class MonteCarloParams(Spec):
    price_vol: NonNegFloat = Field(0.35, description="annual volatility of log GPU-hour prices")
    price_jump_intensity: NonNegFloat = Field(0.25, description="price crashes a year (Poisson)")
    price_jump_mean: Rate = Field(-0.25, description="mean size of a crash, e.g. '-25%'")
    price_jump_vol: NonNegFloat = Field(0.10, description="volatility of the log crash size")
    spread_per_jump: Rate = Field(0.02, description="credit spread widening per crash, persistent")
    rate_vol: NonNegFloat = Field(0.01, description="annual volatility of the base rate (absolute)")
    rate_mean_reversion: NonNegFloat = Field(0.5, description="a year; pull back to the profile's path")
    utilisation_vol: NonNegFloat = Field(0.30, description="annual volatility of logit(utilisation)")
    utilisation_mean_reversion: NonNegFloat = Field(1.0, description="a year; pull back to the profile's level")
    hazard_investment_grade: NonNegFloat = Field(0.003, description="default intensity a year, IG customers")
    hazard_high_yield: NonNegFloat = Field(0.03, description="default intensity a year, other customers")
