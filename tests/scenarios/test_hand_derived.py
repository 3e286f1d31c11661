"""Shocks against numbers worked out by hand: a shorter accounting life, a write-down, a customer default.

The base company (conftest ``make_company``) has as_of 2025-06-30, so the
projection quarters are 2025Q3 (92 days), 2025Q4 (92), 2026Q1 (90), 2026Q2
(91), 2026Q3 (92), 2026Q4 (92), 2027Q1 (90), 2027Q2 (91); no tax, no costs
unless a test sets them. A cohort in service in quarter k depreciates from
k + 1.
"""

from __future__ import annotations

import numpy as np
import pytest

from stress.engine.compiled import compile_company
from stress.engine.project import Projection, project
from stress.model import scenario as s
from stress.scenarios.build import build_worlds

CENT = 0.01
HOURS = np.array([92, 92, 90, 91, 92, 92, 90, 91]) * 24.0


def run(company, *scenarios: list[s.Shock]) -> Projection:
    """Baseline (world 0) and each list of shocks (worlds 1, 2, ...) in one engine call."""
    cc = compile_company(company)
    named = [s.Scenario(name="baseline")] + [s.Scenario(name=f"w{i}", shocks=x) for i, x in enumerate(scenarios, 1)]
    return project(cc, build_worlds(cc, named))


# --------------------------------------------------------------------------------------------
# A cohort bought 2024-06-30 (2024Q2) for 1,000 x $40,000 = $40m, 10% residual ($4m), 6-year
# accounting life: (40m - 4m) / 24 quarters = $1.5m a quarter. Depreciated 2024Q3-2025Q2 (4
# quarters) by as_of: NBV $34m. 2025Q3 and 2025Q4 charge $1.5m each: NBV $31m entering 2026Q1
# (quarter 2), after 6 quarters of depreciation. Economic life 8 years, beyond the horizon.
# --------------------------------------------------------------------------------------------

def _cohort_company(make_company, **over):
    return make_company(fleet=[{"name": "H", "gpu": "H100", "units": 1000, "unit_cost": 40_000, "in_service": "2024-06-30",
                                "useful_life_years": 6, "economic_life_years": 8, "residual": 0.10}], **over)


def test_shorter_accounting_life_is_a_change_of_estimate(make_company) -> None:
    """From quarter 2, life 4 years = 16 quarters, 6 used: the $31m - $4m = $27m left is spread over the
    10 remaining quarters, $2.7m a quarter instead of $1.5m, $1.2m extra; no impairment."""
    company = _cohort_company(make_company, costs={"tax_rate": 0.21})
    p = run(company, [s.UsefulLifeShock(years=4, basis="accounting", start=2)])
    old = np.full(8, 1_500_000.0)
    new = np.array([1.5e6, 1.5e6] + [27e6 / 10] * 6)
    np.testing.assert_allclose(p["depreciation"][0], old, atol=CENT)
    np.testing.assert_allclose(p["depreciation"][1], new, atol=CENT)
    np.testing.assert_allclose(p["depreciation"][1] - p["depreciation"][0], [0, 0] + [1_200_000] * 6, atol=CENT)
    np.testing.assert_allclose(p["impairment"][1], 0.0, atol=CENT)
    np.testing.assert_allclose(p["ppe"][1], 34e6 - np.cumsum(new), atol=CENT)
    # earnings, not cash: tax is still 21% of revenue less the *original* $1.5m a quarter, so cash is
    # the baseline's, and equity is lower by the extra charge
    tax = 0.21 * (1000 * HOURS * 2.0 - 1_500_000)
    np.testing.assert_allclose(p["tax"][0], tax, atol=CENT)
    np.testing.assert_allclose(p["tax"][1], tax, atol=CENT)
    np.testing.assert_array_equal(p["cash"][1], p["cash"][0])
    np.testing.assert_allclose(p["equity"][0] - p["equity"][1], np.cumsum(new - old), atol=CENT)  # no tax effect


def test_the_new_life_runs_out_and_depreciation_stops_at_residual(make_company) -> None:
    """Life 2.5 years = 10 quarters from quarter 2, 6 used: (31m - 4m) / 4 = $6.75m in quarters 2-5, then 0."""
    p = run(_cohort_company(make_company), [s.UsefulLifeShock(years=2.5, basis="accounting", start=2)])
    np.testing.assert_allclose(p["depreciation"][1], [1.5e6, 1.5e6] + [6.75e6] * 4 + [0, 0], atol=CENT)
    np.testing.assert_allclose(p["ppe"][1, 5:], 4e6, atol=CENT)


@pytest.mark.parametrize("years", [1.5, 1.0])  # 6 quarters: exactly used up; 4 quarters: already past
def test_cohort_past_its_new_life_is_written_down_at_once(make_company, years) -> None:
    """At quarter 2 the cohort has used 6 quarters, so a life of 6 quarters or less leaves nothing to
    spread: impairment = NBV - residual = $31m - $4m = $27m in quarter 2, no depreciation after it, and
    PP&E stays at the $4m residual while the cohort is still earning (its economic life is unchanged)."""
    p = run(_cohort_company(make_company), [s.UsefulLifeShock(years=years, basis="accounting", start=2)])
    np.testing.assert_allclose(p["impairment"][1], [0, 0, 27e6, 0, 0, 0, 0, 0], atol=CENT)
    np.testing.assert_allclose(p["depreciation"][1], [1.5e6, 1.5e6, 0, 0, 0, 0, 0, 0], atol=CENT)
    np.testing.assert_allclose(p["ppe"][1], [32.5e6, 31e6] + [4e6] * 6, atol=CENT)
    np.testing.assert_array_equal(p["gpus_earning"][1], p["gpus_earning"][0])
    np.testing.assert_array_equal(p["cash"][1], p["cash"][0])


def test_cohort_past_its_new_life_on_both_bases_is_written_down_and_sold(make_company) -> None:
    """Basis 'both': the economic life also ends before quarter 2, so in quarter 2 the cohort is written
    down by $27m, stops earning, and is sold for its residual: $4m x price index 1 = $4m of cash,
    disposal gain 0 (sold at book value). Revenue drops from 1,000 x hours x $2 to 0."""
    p = run(_cohort_company(make_company), [s.UsefulLifeShock(years=1, basis="both", start=2)])
    np.testing.assert_allclose(p["impairment"][1], [0, 0, 27e6, 0, 0, 0, 0, 0], atol=CENT)
    np.testing.assert_allclose(p["asset_sales"][1], [0, 0, 4e6, 0, 0, 0, 0, 0], atol=CENT)
    np.testing.assert_allclose(p["disposal_gain"][1], 0.0, atol=CENT)
    np.testing.assert_allclose(p["ppe"][1, 2:], 0.0, atol=CENT)
    np.testing.assert_array_equal(p["gpus_earning"][1], [1000, 1000, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(p["revenue"][1], np.r_[1000 * HOURS[:2] * 2.0, np.zeros(6)], atol=CENT)
    np.testing.assert_allclose(p["cash"][1], np.cumsum(p["revenue"][1]) + [0, 0, 4e6, 4e6, 4e6, 4e6, 4e6, 4e6], atol=CENT)


def test_life_shock_limited_to_named_cohorts(make_company) -> None:
    """Two identical cohorts; only 'H' is shortened: the extra charge is $1.2m, not $2.4m."""
    cohort = {"gpu": "H100", "units": 1000, "unit_cost": 40_000, "in_service": "2024-06-30", "useful_life_years": 6,
              "economic_life_years": 8, "residual": 0.10}
    company = make_company(fleet=[{"name": "H", **cohort}, {"name": "K", **cohort}])
    p = run(company, [s.UsefulLifeShock(years=4, basis="accounting", cohorts=["H"], start=2)])
    np.testing.assert_allclose(p["depreciation"][1] - p["depreciation"][0], [0, 0] + [1_200_000] * 6, atol=CENT)


# --------------------------------------------------------------------------------------------
# Customer default. 10,000 H100 (kW 1.4), 6,000 contracted by BigCo at $2.50 through 2027;
# spot $2.00 flat, utilisation 70%; power $0.08/kWh at PUE 1.3. BigCo defaults from quarter 3.
# --------------------------------------------------------------------------------------------

def _default_company(make_company, **over):
    return make_company(
        fleet=[{"name": "H", "gpu": "H100", "units": 10_000, "unit_cost": 30_000, "in_service": "2025-03-31",
                "useful_life_years": 5, "kw_per_gpu": 1.4}],
        contracts=[{"customer": "BigCo", "gpu": "H100", "gpus": 6_000, "price_per_gpu_hour": 2.50,
                    "start": "2025-01-01", "end": "2027-12-31"},
                   {"customer": "Small", "gpu": "H100", "gpus": 1_000, "price_per_gpu_hour": 3.00,
                    "start": "2025-01-01", "end": "2027-12-31"}],
        market={"spot_utilisation": 0.7, "power_price_per_kwh": 0.08},
        costs={"pue": 1.3}, **over)


def test_customer_default_moves_its_gpus_to_spot(make_company) -> None:
    p = run(_default_company(make_company), [s.CustomerDefaultShock(customer="largest", start=3)])
    before, after = slice(0, 3), slice(3, 8)
    kw_hour = 1.4 * 1.3 * 0.08  # $ of power per GPU-hour at full load
    # baseline: 7,000 contracted, 3,000 spot at 70%
    np.testing.assert_allclose(p["revenue_contracted"][0], (6000 * 2.5 + 1000 * 3.0) * HOURS, atol=CENT)
    np.testing.assert_allclose(p["revenue_spot"][0], 3000 * HOURS * 0.7 * 2.0, atol=CENT)
    # before the default the shocked world is the baseline
    for line in ("revenue_contracted", "revenue_spot", "power_cost"):
        np.testing.assert_array_equal(p[line][1, before], p[line][0, before])
    # after: BigCo pays nothing, only Small's 1,000 are contracted, 9,000 earn spot at 70% x $2.00
    np.testing.assert_allclose(p["revenue_contracted"][1, after], 1000 * 3.0 * HOURS[after], atol=CENT)
    np.testing.assert_allclose(p["revenue_spot"][1, after], 9000 * HOURS[after] * 0.7 * 2.0, atol=CENT)
    np.testing.assert_allclose(p["power_cost"][1, after], (1000 + 9000 * 0.7) * HOURS[after] * kw_hour, atol=CENT)
    np.testing.assert_allclose(p["power_cost"][0, after], (7000 + 3000 * 0.7) * HOURS[after] * kw_hour, atol=CENT)


def test_defaulted_gpus_earn_the_shocked_market_price_and_utilisation(make_company) -> None:
    """With prices -40% ($1.20) and utilisation 55% from quarter 0, BigCo's 6,000 GPUs freed in
    quarter 3 earn 6,000 x hours x 55% x $1.20, the same as every other spot GPU."""
    shocks = [s.GpuPriceShock(level=-0.4), s.UtilisationShock(level=0.55), s.CustomerDefaultShock(customer="BigCo", start=3)]
    p = run(_default_company(make_company), shocks)
    after = slice(3, 8)
    np.testing.assert_allclose(p["revenue_spot"][1, :3], 3000 * HOURS[:3] * 0.55 * 1.2, atol=CENT)
    np.testing.assert_allclose(p["revenue_spot"][1, after], 9000 * HOURS[after] * 0.55 * 1.2, atol=CENT)
    np.testing.assert_allclose(p["revenue_contracted"][1, after], 1000 * 3.0 * HOURS[after], atol=CENT)
    np.testing.assert_allclose(p["power_cost"][1, after], (1000 + 9000 * 0.55) * HOURS[after] * 1.4 * 1.3 * 0.08, atol=CENT)


def test_default_of_the_smaller_customer(make_company) -> None:
    """Named, not largest: Small's 1,000 GPUs go to spot from quarter 0; BigCo still pays."""
    p = run(_default_company(make_company), [s.CustomerDefaultShock(customer="Small", start=0)])
    np.testing.assert_allclose(p["revenue_contracted"][1], 6000 * 2.5 * HOURS, atol=CENT)
    np.testing.assert_allclose(p["revenue_spot"][1], 4000 * HOURS * 0.7 * 2.0, atol=CENT)
