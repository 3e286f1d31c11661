"""Renewals at market and prices by vintage, derived by hand.

The base firm (tests/_companies.py): one GPU model H100, utilisation 100%, no costs. Here the H100 curve
starts at $2.00 and falls 20% a year, and an H100 loses 10% of its rental price a year of age
(``vintage_decay``). The owned cohort entered service 2025-03-31, the end of 2025Q1 (quarter -2), and earns
from 2025Q2: at mid-quarter of projection quarter q it has earned for ``(q + 2 - 0.5) / 4`` years.
"""

from __future__ import annotations

import numpy as np
import pytest

CENTS = 0.01
DAYS = np.array([92, 92, 90, 91, 92, 92, 90, 91], dtype=float)
HOURS = DAYS * 24


def curve(q: np.ndarray) -> np.ndarray:
    """The profile's H100 curve at mid-quarter: $2.00 x 0.8 ** ((q + 0.5) / 4)."""
    return 2.0 * 0.8 ** ((q + 0.5) / 4)


def vintage(q: np.ndarray, in_q: int = -2) -> np.ndarray:
    return 0.9 ** ((q - in_q - 0.5) / 4)


def firm(make_company, renewal: dict | None, contracts: bool = True, newer: bool = False):
    contract = {"customer": "Lab", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0,
                "start": "2025-07-01", "end": "2025-12-31"}
    if renewal is not None:
        contract["renewal"] = renewal
    owned = {"name": "Owned", "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
             "useful_life_years": 6}
    fleet = [owned] + ([{**owned, "name": "Newer", "units": 500, "in_service": "2025-06-30"}] if newer else [])
    return make_company(
        horizon_quarters=8,
        market={"gpu_hour_price": {"H100": {"start": 2.0, "annual_change": "-20%", "vintage_decay": "10%"}}},
        fleet=fleet, contracts=[contract] if contracts else [])


def test_spot_price_falls_with_the_cohorts_age(make_company, run):
    # no contract after q1: 1,000 GPUs on spot at the curve times the cohort's vintage factor
    res = run(firm(make_company, None))
    q = np.arange(8)
    expected = np.where(q < 2, 0.0, 1000 * HOURS * curve(q) * vintage(q))
    np.testing.assert_allclose(res.projection["revenue_spot"][0], expected, atol=CENTS)
    np.testing.assert_allclose(res.projection["revenue_contracted"][0, :2], 1000 * HOURS[:2] * 3.0, atol=CENTS)


def test_two_vintages_earn_their_own_prices_pro_rata(make_company, run):
    # a second cohort bought new in 2025Q2 (quarter -1): spot is taken pro rata, so the model's spot GPUs
    # earn the units-weighted vintage factor: (1000 x 0.9^age1 + 500 x 0.9^age2) / 1500
    res = run(firm(make_company, None, contracts=False, newer=True))
    q = np.arange(8)
    weighted = (1000 * vintage(q, -2) + 500 * vintage(q, -1)) / 1500
    np.testing.assert_allclose(res.projection["revenue_spot"][0], 1500 * HOURS * curve(q) * weighted, atol=CENTS)


def test_renewal_at_market_by_hand(make_company, run):
    # the contract ends 2025-12-31; 60% of its GPUs renew for a year from 2026-01-01 (q2) at the market price
    # of a GPU that has served the first term: curve(q2) x 0.9 ** (184 days / 365.25) x (1 - 5%)
    res = run(firm(make_company, {"probability": "60%", "term_years": 1, "price": "market", "haircut": "5%"}))
    q = np.arange(8)
    price = curve(2) * 0.9 ** (184 / 365.25) * 0.95
    renewed = np.isin(q, [2, 3, 4, 5])
    contracted = np.where(q < 2, 1000 * HOURS * 3.0, np.where(renewed, 600 * HOURS * price, 0.0))
    spot = np.where(q < 2, 0.0, np.where(renewed, 400, 1000) * HOURS * curve(q) * vintage(q))
    np.testing.assert_allclose(res.projection["revenue_contracted"][0], contracted, atol=CENTS)
    np.testing.assert_allclose(res.projection["revenue_spot"][0], spot, atol=CENTS)


def test_renewal_price_follows_the_worlds_market(make_company, run):
    # a world whose H100 price is half the curve from q2 on renews at half the price
    company = firm(make_company, {"probability": "100%", "term_years": 1, "price": "market"})
    base = run(company)
    prices = base.projection.worlds.gpu_price.copy()
    prices[:, :, 2:] *= 0.5
    crashed = run(company, gpu_price=prices)
    q2 = 2
    ratio = crashed.projection["revenue_contracted"][0, q2] / base.projection["revenue_contracted"][0, q2]
    assert ratio == pytest.approx(0.5, rel=1e-12)


def test_fixed_price_renewal_and_a_defaulted_customer_renews_nothing(make_company, run):
    company = firm(make_company, {"probability": "100%", "term_years": 1, "price": "fixed", "fixed_price": 2.5})
    res = run(company)
    q = np.arange(8)
    np.testing.assert_allclose(res.projection["revenue_contracted"][0],
                               np.where(q < 2, 1000 * HOURS * 3.0, np.where(q < 6, 1000 * HOURS * 2.5, 0.0)), atol=CENTS)
    gone = run(company, default_q=np.array([[2]]))  # the customer stops paying from q2: no renewal revenue
    np.testing.assert_allclose(gone.projection["revenue_contracted"][0, 2:], 0.0, atol=CENTS)


def test_a_world_that_does_not_renew(make_company, run):
    # the Monte Carlo draws renewal 0 or 1 per path; a world with 0 puts every GPU on spot at the end
    company = firm(make_company, {"probability": "60%", "term_years": 1, "price": "market"})
    res = run(company, renewal=np.array([[1.0, 0.0]]))
    np.testing.assert_allclose(res.projection["revenue_contracted"][0, 2:], 0.0, atol=CENTS)


def test_a_renewal_that_slips_is_priced_when_it_really_starts(make_company, run):
    # capacity bought in q0 (2025-09-30) for a contract q1..q2 with a renewal at the market; a delay shock of two
    # quarters moves the purchase to q2, the first term to q3..q4 and the renewal to q5: it is priced at q5's
    # curve (x the first term's vintage), not at q3's where it was signed to start
    company = make_company(
        horizon_quarters=8, opening={"cash": 100_000_000},
        market={"gpu_hour_price": {"H100": {"start": 2.0, "annual_change": "-20%"}}, "spot_utilisation": 0.0},
        programmes=[{"name": "P", "funding": [{"source": "cash", "share": "100%"}]}],
        capex_plan=[{"name": "K", "gpu": "H100", "units": 1000, "unit_cost": 10_000, "in_service": "2025-09-30",
                     "useful_life_years": 5, "programme": "P"}],
        contracts=[{"customer": "Lab", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0, "start": "2025-10-01",
                    "end": "2026-03-31", "programme": "P",
                    "renewal": {"probability": "100%", "term_years": 0.5, "price": "market"}}])
    res = run(company, delay_q=np.array([[2]]))
    revenue = res.projection["revenue_contracted"][0]
    q = np.arange(8)
    np.testing.assert_allclose(revenue[[3, 4]], 1000 * HOURS[[3, 4]] * 3.0, atol=CENTS)
    np.testing.assert_allclose(revenue[[5, 6]], 1000 * HOURS[[5, 6]] * curve(q[5]), atol=CENTS)
