"""Parameters of the Monte Carlo market model: global, documented, overridable (``--params``).

No parameter is set per firm or chosen to make a firm's probability of default come out at a number;
each default below says what it rests on. References are to ../shared/reference/financial-facts.md
(``s3.1`` etc.) and facts-2025h2.md (``h2 s1.2``).

- **GPU-hour prices**: log-normal around the profile's curve with 35% annual volatility and crash jumps
  (one every four years on average, -25% each): prices fell 22% in 2025 and 30% in two months of 2024
  (s3.1). Jumps are *compensated*, so the mean price path equals the profile's curve.
- **Base rate**: 1%/yr normal volatility around the profile's path, half-life ~1.4 years; SOFR moved 425bp
  in 2022 (s3.4).
- **Financing market**: open or shut, a two-state Markov chain. It shuts 0.25 times a year (estimate: the
  US high-yield new-issue market all but closed in 2008Q4-2009Q1, Aug-Sep 2011, Dec 2015-Feb 2016,
  Mar 2020 and H1 2022, five episodes in ~18 years) and reopens at 2 a year (mean closure two quarters,
  the length of those episodes); a price crash shuts it with probability 50% (estimate: crashes and
  closures coincide in a sector-specific bust, as telecom in 2001-02, s3.6). While shut, spreads are
  +500bp (estimate between HY OAS 2.75% in 2025 and its 9.8% close on 19 Mar 2020 and 21.8% peak in
  Dec 2008, s3.4) and no new or refinanced debt or equity is raised: ``refi_freeze`` is its fixed twin.
- **Customers**: default intensities near long-run Baa (0.3%/yr) and B (3%/yr) default rates (s3.6), times
  3 for the year after a price crash (estimate: the spec-grade default rate reached 10.3-12.8% in 2002
  against ~4% long-run, s3.6), so a crash raises counterparty defaults together.
- **Asset indices**: data halls (``facility``) and mining hashrate (``other``) are not priced off the GPU
  curve but off their own indices around their profile curves, log-normal with mean 1: the hash price at
  60% a year (estimate: it went from $182 to under $50 per PH/s a day within a week of the April 2024
  halving, and set its previous low of ~$55 in Nov 2022, https://www.theblock.co/post/291420/bitcoin-mining-hash-price-all-time-low-halving),
  hall rents at 5% a year (estimate: rents per MW are set in long leases and reprice slowly). Each firm draws
  its own (a joint book does not yet share the hash price across miners).
- **Completion**: each capex cohort is delivered late with probability 25% by a geometric number of
  quarters with mean 1.5, and costs a log-normal factor with mean 1 and 10% volatility (estimate:
  CoreWeave's Q3 2025 capex came in below plan on a third-party data-centre delay and its 2025 capex
  guidance fell from $20-23bn to $12-14bn, h2 s1.2: a large share of planned capacity slips by quarters).
"""

from __future__ import annotations

from pydantic import Field

from stress.model.types import NonNegFloat, Spec


class MonteCarloParams(Spec):
    price_vol: NonNegFloat = Field(0.35, le=3.0, description="annual volatility of log GPU-hour prices")
    price_jump_intensity: NonNegFloat = Field(0.25, le=12.0, description="price crashes a year (Poisson)")
    price_jump_mean: float = Field(-0.25, gt=-1.0, le=1.0, description="mean size of a crash, e.g. -0.25")
    price_jump_vol: NonNegFloat = Field(0.10, le=2.0, description="volatility of the log crash size")
    spread_per_jump: float = Field(0.02, ge=-0.1, le=0.2, description="credit spread widening per crash, persistent")
    rate_vol: NonNegFloat = Field(0.01, le=0.2, description="annual volatility of the base rate (absolute)")
    rate_mean_reversion: NonNegFloat = Field(0.5, le=20.0, description="a year; pull back to the profile's path")
    utilisation_vol: NonNegFloat = Field(0.30, le=5.0, description="annual volatility of logit(utilisation)")
    utilisation_mean_reversion: NonNegFloat = Field(1.0, le=20.0, description="a year; pull back to the profile's level")
    hazard_investment_grade: NonNegFloat = Field(0.003, le=1.0, description="default intensity a year, IG customers")
    hazard_high_yield: NonNegFloat = Field(0.03, le=1.0, description="default intensity a year, other customers")
    hazard_crash_multiplier: NonNegFloat = Field(3.0, le=100.0, description="customer hazards x this for a year after a crash")
    market_close_intensity: NonNegFloat = Field(0.25, le=12.0, description="financing-market closures a year")
    market_reopen_intensity: NonNegFloat = Field(2.0, le=12.0, description="reopenings a year while shut (mean closure = 1 / this)")
    market_close_on_crash: float = Field(0.5, ge=0.0, le=1.0, description="probability a price crash shuts the market")
    spread_when_closed: float = Field(0.05, ge=0.0, le=0.5, description="spread add-on while the market is shut")
    delay_probability: float = Field(0.25, ge=0.0, le=1.0, description="probability a capex cohort is delivered late")
    delay_mean_quarters: float = Field(1.5, ge=1.0, le=40.0, description="mean lateness of a late cohort, quarters (geometric)")
    overrun_vol: NonNegFloat = Field(0.10, le=2.0, description="volatility of the log capex cost factor (mean factor 1)")
    other_index_vol: NonNegFloat = Field(0.60, le=3.0, description="annual volatility of the price index of 'other' "
                                                                    "assets (mining: the hash price)")
    facility_index_vol: NonNegFloat = Field(0.05, le=3.0, description="annual volatility of the rent index of "
                                                                       "'facility' assets (data halls per MW)")
