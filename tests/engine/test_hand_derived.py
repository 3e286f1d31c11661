"""The engine against numbers worked out by hand (or by numpy-financial).

Every expected value here is computed in the test from the inputs and a
stated formula, never copied from engine output. The base company (see
conftest) has as_of 2025-06-30, so the projection quarters are 2025Q3 (92
days), 2025Q4 (92), 2026Q1 (90), 2026Q2 (91), ...
"""

from __future__ import annotations

import json

import numpy as np
import numpy_financial as npf
import pytest

from stress.engine.compiled import compile_company
from stress.engine.worlds import baseline_worlds
from stress.report.jsonout import run_document

CENTS = 0.01


def cohort(name: str = "H100-A", **over: object) -> dict:
    """An owned cohort: 1,000 H100 at $20k, in service 2025-03-31, 5-year life, no residual, 1 kW."""
    return {"name": name, "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
            "useful_life_years": 5, "residual": 0.0, "kw_per_gpu": 1.0, **over}


def hours(days: np.ndarray) -> np.ndarray:
    return days * 24.0


# --------------------------------------------------------------------------------------------
# a. one cohort, one bullet loan, flat price: four quarters of P&L and cash by hand
# --------------------------------------------------------------------------------------------

def _one_cohort_company(make_company, **over):
    sections = {
        "opening": {"cash": 5_000_000},
        "fleet": [cohort(residual=0.10)],
        "market": {"spot_utilisation": 1.0, "power_price_per_kwh": 0.10},
        "costs": {"pue": 1.2, "other_cost_per_gpu_year": 4_000, "sga_per_quarter": 500_000, "tax_rate": 0.21},
        "debt": [{"name": "Loan", "kind": "term_loan", "balance": 10_000_000, "rate": "8%", "maturity": "2030-06-30"}],
    }
    return make_company(**(sections | over))


def test_one_cohort_one_bullet_loan_four_quarters(make_company, run, quarter_days):
    res = run(_one_cohort_company(make_company))
    f = res.frame()
    days = quarter_days[:4]
    h = hours(days)
    # 2025Q3 has 92 days: 1,000 GPUs x 2,208 h x $2.00 x 100% = $4,416,000
    assert f["revenue"].iloc[0] == pytest.approx(1000 * 92 * 24 * 2.0, abs=CENTS)
    revenue = 1000 * h * 2.0 * 1.0
    power = 1000 * 1.0 * 1.2 * h * 0.10  # GPUs x kW x PUE x hours x $/kWh, spot at 100% utilisation
    other = np.full(4, 1000 * 4_000 / 4)
    sga = np.full(4, 500_000.0)
    ebitda = revenue - power - other - sga
    # opening NBV: $20m less one quarter (2025Q2) of 20m x 0.9 / 20 = $0.9m
    depreciation = np.full(4, 20_000_000 * (1 - 0.10) / 20)
    interest = np.full(4, 10_000_000 * 0.08 / 4)
    pretax = ebitda - depreciation - interest
    assert (pretax > 0).all()  # so the tax below is simply 21% of it
    tax = 0.21 * pretax
    np.testing.assert_allclose(f["revenue"], revenue, atol=CENTS)
    np.testing.assert_allclose(f["revenue_spot"], revenue, atol=CENTS)
    np.testing.assert_allclose(f["power_cost"], power, atol=CENTS)
    np.testing.assert_allclose(f["other_cost"], other, atol=CENTS)
    np.testing.assert_allclose(f["ebitda"], ebitda, atol=CENTS)
    np.testing.assert_allclose(f["depreciation"], depreciation, atol=CENTS)
    np.testing.assert_allclose(f["interest_expense"], interest, atol=CENTS)
    np.testing.assert_allclose(f["tax"], tax, atol=CENTS)
    np.testing.assert_allclose(f["net_income"], pretax - tax, atol=CENTS)
    assert f["cash"].iloc[3] == pytest.approx(5_000_000 + (ebitda - interest - tax).sum(), abs=CENTS)
    assert f["ppe"].iloc[3] == pytest.approx(20_000_000 - 0.9e6 - 4 * 0.9e6, abs=CENTS)
    assert f["debt"].iloc[3] == pytest.approx(10_000_000, abs=CENTS)


def test_receivables_follow_days_of_revenue(make_company, run, quarter_days):
    res = run(_one_cohort_company(make_company, opening={"cash": 5_000_000, "receivables": 1_000_000},
                                  working_capital={"receivable_days": 30}))
    f = res.frame()
    h = hours(quarter_days[:4])
    revenue = 1000 * h * 2.0
    receivables = revenue * 30 / quarter_days[:4]
    np.testing.assert_allclose(f["receivables"], receivables, atol=CENTS)
    ebitda = revenue - 1000 * 1.2 * h * 0.10 - 1_000_000 - 500_000
    pretax = ebitda - 0.9e6 - 200_000
    cash_4 = 5_000_000 + (ebitda - 200_000 - 0.21 * pretax).sum() - (receivables[3] - 1_000_000)
    assert f["cash"].iloc[3] == pytest.approx(cash_4, abs=CENTS)


# --------------------------------------------------------------------------------------------
# b. leases against the present-value formula
# --------------------------------------------------------------------------------------------

IDLE = cohort("idle", units=1, unit_cost=1_000)


def _lease_pv(flows: np.ndarray, annual_rate: float) -> float:
    """PV one quarter before the first payment, payments in arrears, discounted at (1+r)^(1/4)-1."""
    rq = (1 + annual_rate) ** 0.25 - 1
    return float(npf.npv(rq, np.concatenate([[0.0], flows])))


def test_lease_commencing_after_as_of(make_company, run):
    # starts 2025-12-31 (2025Q4 = projection quarter 1): recognised at the end of q1, paid from q2;
    # runs to 2027-12-31: 8 quarterly payments, $1m a quarter in lease year 1 and $1.03m in year 2
    lease = {"name": "DC", "annual_payment": 4_000_000, "escalator": 0.03, "start": "2025-12-31",
             "end": "2027-12-31", "discount_rate": 0.08}
    res = run(make_company(horizon_quarters=8, fleet=[IDLE], leases=[lease]))
    p = res.projection
    flows = np.array([1e6] * 4 + [1.03e6] * 4)
    rq = 1.08 ** 0.25 - 1
    pv = _lease_pv(flows, 0.08)
    assert res.cc.opening.lease_liabilities == 0 and res.cc.opening.rou_assets == 0
    payments = np.array([0, 0, *flows[:6]])
    np.testing.assert_allclose(p["lease_payments"][0], payments, atol=CENTS)
    liability = np.zeros(8)
    interest = np.zeros(8)
    liability[1] = pv
    for q in range(2, 8):
        interest[q] = liability[q - 1] * rq
        liability[q] = liability[q - 1] + interest[q] - payments[q]
    # operating lease (the default), ASC 842: one straight-line cost, (4 x 1m + 4 x 1.03m) / 8 = 1.015m a quarter
    # from the first payment quarter; the ROU asset is the liability less the rent accrued but not yet paid,
    # sum(1.015m - payment): 15k, 30k, 45k, 60k in lease year 1, then 45k, 30k as the 1.03m payments run it down
    cost = np.array([0, 0] + [1_015_000] * 6)
    accrued = np.array([0, 0, 15_000, 30_000, 45_000, 60_000, 45_000, 30_000])
    np.testing.assert_allclose(p["lease_liabilities"][0], liability, atol=CENTS)
    np.testing.assert_allclose(p["rou_assets"][0], liability - accrued, atol=CENTS)
    np.testing.assert_allclose(p["lease_cost"][0], cost, atol=CENTS)
    np.testing.assert_allclose(p["lease_amortisation"][0], 0, atol=CENTS)  # nothing below EBITDA
    np.testing.assert_allclose(p["ebitdar"][0] - p["ebitda"][0], cost, atol=CENTS)
    np.testing.assert_allclose(p["lease_principal"][0], 0, atol=CENTS)  # every payment is operating cash
    # what is left after q7 is the PV of the two payments still to come
    assert liability[7] == pytest.approx(_lease_pv(flows[6:], 0.08), abs=CENTS)


def test_finance_lease_commencing_after_as_of(make_company, run):
    # the lease above as a finance lease: interest at the discount rate on the liability (interest expense) and
    # the ROU asset straight-line over the 8 payment quarters (below EBITDA); each payment's interest part is
    # operating cash, the rest repays the liability in financing
    lease = {"name": "DC", "annual_payment": 4_000_000, "escalator": 0.03, "start": "2025-12-31",
             "end": "2027-12-31", "discount_rate": 0.08, "type": "finance"}
    res = run(make_company(horizon_quarters=8, fleet=[IDLE], leases=[lease]))
    p = res.projection
    flows = np.array([1e6] * 4 + [1.03e6] * 4)
    rq = 1.08 ** 0.25 - 1
    pv = _lease_pv(flows, 0.08)
    payments = np.array([0, 0, *flows[:6]])
    liability, interest = np.zeros(8), np.zeros(8)
    liability[1] = pv
    for q in range(2, 8):
        interest[q] = liability[q - 1] * rq
        liability[q] = liability[q - 1] + interest[q] - payments[q]
    np.testing.assert_allclose(p["lease_liabilities"][0], liability, atol=CENTS)
    np.testing.assert_allclose(p["rou_assets"][0], [0, pv] + [pv - pv / 8 * k for k in range(1, 7)], atol=CENTS)
    np.testing.assert_allclose(p["lease_cost"][0], 0, atol=CENTS)
    np.testing.assert_allclose(p["ebitdar"][0], p["ebitda"][0], atol=CENTS)
    np.testing.assert_allclose(p["lease_amortisation"][0], [0, 0] + [pv / 8] * 6, atol=CENTS)
    np.testing.assert_allclose(p["interest_expense"][0], interest, atol=CENTS)  # no debt: all of it is the lease's
    np.testing.assert_allclose(p["lease_payments"][0], interest, atol=CENTS)
    np.testing.assert_allclose(p["lease_principal"][0], payments - interest, atol=CENTS)
    np.testing.assert_allclose(p["ebit"][0], p["ebitda"][0] - p["depreciation"][0] - pv / 8 * (np.arange(8) >= 2), atol=CENTS)


def test_lease_already_commenced(make_company, run):
    # started 2024-12-31 (2024Q4), ends 2027-12-31: 12 payments from 2025Q1; two (2025Q1, 2025Q2) are paid
    # by as_of, ten remain, in projection quarters 0..9. Payment k is 1.5m x 1.02 ** (k // 4).
    lease = {"name": "Old DC", "annual_payment": 6_000_000, "escalator": 0.02, "start": "2024-12-31",
             "end": "2027-12-31", "discount_rate": 0.10}
    res = run(make_company(horizon_quarters=10, fleet=[IDLE], leases=[lease]))
    p = res.projection
    remaining = np.array([1.5e6 * 1.02 ** (k // 4) for k in range(2, 12)])
    pv = _lease_pv(remaining, 0.10)
    rq = 1.10 ** 0.25 - 1
    assert res.cc.opening.lease_liabilities == pytest.approx(pv, abs=CENTS)
    np.testing.assert_allclose(p["lease_payments"][0], remaining, atol=CENTS)
    interest = np.zeros(10)
    liability = np.zeros(10)
    prev = pv
    for q in range(10):
        interest[q] = prev * rq
        liability[q] = prev = prev + interest[q] - remaining[q]
    np.testing.assert_allclose(p["lease_liabilities"][0], liability, atol=CENTS)
    assert abs(liability[-1]) < CENTS  # fully paid off with the last payment
    # operating: straight-line cost over the whole term, (4 x 1.5m + 4 x 1.53m + 4 x 1.5606m) / 12 = 1.5302m a
    # quarter; the two payments made by as_of were 2 x 1.5m, so 2 x 1.5302m - 3m = 60,400 of rent is accrued and
    # the ROU asset opens at the liability less that (ASC 842: liability adjusted for accrued rent)
    cost = 1_530_200.0
    accrued = 60_400 + np.cumsum(cost - remaining)
    assert res.cc.opening.rou_assets == pytest.approx(pv - 60_400, abs=CENTS)
    np.testing.assert_allclose(p["lease_cost"][0], cost, atol=CENTS)
    np.testing.assert_allclose(p["rou_assets"][0], liability - accrued, atol=CENTS)
    assert abs(p["rou_assets"][0, -1]) < CENTS and abs(accrued[-1]) < CENTS  # both nil with the last payment
    # lease cost sits above EBITDA and EBITDAR adds it back
    np.testing.assert_allclose(p["ebitdar"][0] - p["ebitda"][0], cost, atol=CENTS)


def test_finance_lease_already_commenced(make_company, run):
    # the lease above as a finance lease: at commencement (2024Q4) the ROU asset was the PV of all 12 payments,
    # amortised straight-line over the 12 payment quarters; two have passed by as_of, so it opens at 10/12 of
    # that and loses 1/12 a quarter; the liability is the same PV of the 10 remaining payments as before
    lease = {"name": "Old DC", "annual_payment": 6_000_000, "escalator": 0.02, "start": "2024-12-31",
             "end": "2027-12-31", "discount_rate": 0.10, "type": "finance"}
    res = run(make_company(horizon_quarters=10, fleet=[IDLE], leases=[lease]))
    p = res.projection
    all_payments = np.array([1.5e6 * 1.02 ** (k // 4) for k in range(12)])
    remaining = all_payments[2:]
    pv_all, pv = _lease_pv(all_payments, 0.10), _lease_pv(remaining, 0.10)
    rq = 1.10 ** 0.25 - 1
    assert res.cc.opening.lease_liabilities == pytest.approx(pv, abs=CENTS)
    assert res.cc.opening.rou_assets == pytest.approx(pv_all * 10 / 12, abs=CENTS)
    interest, prev = np.zeros(10), pv
    for q in range(10):
        interest[q] = prev * rq
        prev = prev + interest[q] - remaining[q]
    np.testing.assert_allclose(p["lease_amortisation"][0], pv_all / 12, atol=CENTS)
    np.testing.assert_allclose(p["rou_assets"][0], pv_all * (10 - np.arange(1, 11)) / 12, atol=CENTS)
    np.testing.assert_allclose(p["interest_expense"][0], interest, atol=CENTS)
    np.testing.assert_allclose(p["lease_principal"][0], remaining - interest, atol=CENTS)
    np.testing.assert_allclose(p["lease_cost"][0], 0, atol=CENTS)


# --------------------------------------------------------------------------------------------
# c. fixed-rate annuity
# --------------------------------------------------------------------------------------------

def _annuity_company(make_company):
    # $12m at 8% fixed, maturing 2028-06-30 (2028Q2 = projection quarter 11): 12 quarterly instalments
    return make_company(horizon_quarters=12, opening={"cash": 100_000_000}, fleet=[IDLE],
                        debt=[{"name": "Loan", "kind": "term_loan", "balance": 12_000_000, "rate": "8%",
                               "maturity": "2028-06-30", "amortisation": "annuity"}])


#: The quarterly rate the engine amortises an annuity at: the nominal annual rate / 4, the same rate
#: interest accrues at (stress.engine.debt.amortisation; before commit 4fdf290 it was (1 + r) ** 0.25 - 1,
#: which made interest + principal drift instead of staying level).
ANNUITY_RATE_Q = 0.08 / 4


def test_annuity_principal_matches_ppmt(make_company, run):
    res = run(_annuity_company(make_company))
    t = res.projection.tranches
    rq = ANNUITY_RATE_Q
    periods = np.arange(1, 13)
    principal = -npf.ppmt(rq, periods, 12, 12_000_000)
    opening = 12_000_000 - np.concatenate([[0.0], np.cumsum(principal)[:-1]])
    np.testing.assert_allclose(t["repaid"][0, 0], principal, atol=CENTS)
    np.testing.assert_allclose(t["opening"][0, 0], opening, atol=CENTS)
    np.testing.assert_allclose(t["interest"][0, 0], opening * 0.08 / 4, atol=CENTS)
    assert abs(t["closing"][0, 0, -1]) < CENTS
    # only the 11 instalments before the maturity quarter are "scheduled"; the last is the maturity
    np.testing.assert_allclose(res.projection["scheduled_principal"][0, :11], principal[:11], atol=CENTS)


def test_annuity_instalment_is_level(make_company, run):
    t = run(_annuity_company(make_company)).projection.tranches
    instalment = t["interest"][0, 0] + t["repaid"][0, 0]
    # the level payment of a 12-quarter annuity of $12m at 2% a quarter
    np.testing.assert_allclose(instalment, -npf.pmt(0.02, 12, 12_000_000), atol=CENTS)


def test_straight_line_respreads_and_pays_to_zero(make_company, run):
    res = run(make_company(horizon_quarters=8, opening={"cash": 100_000_000}, fleet=[IDLE],
                           debt=[{"name": "Loan", "kind": "term_loan", "balance": 8_000_000, "rate": "6%",
                                  "maturity": "2027-06-30", "amortisation": "straight_line"}]))
    t = res.projection.tranches
    np.testing.assert_allclose(t["repaid"][0, 0], np.full(8, 1_000_000), atol=CENTS)
    np.testing.assert_allclose(t["interest"][0, 0], (8_000_000 - 1e6 * np.arange(8)) * 0.06 / 4, atol=CENTS)


# --------------------------------------------------------------------------------------------
# d. floating rate with a floor and a spread add-on
# --------------------------------------------------------------------------------------------

def test_floating_rate_floor_and_spread_add(make_company, run):
    company = make_company(opening={"cash": 100_000_000}, fleet=[IDLE],
                           debt=[{"name": "FRN", "kind": "term_loan", "balance": 10_000_000, "rate": "SOFR+5%",
                                  "floor": "2%", "maturity": "2030-06-30"}])
    base = np.array([[0.005, 0.03, 0.03, 0.06]])
    add = np.array([[0.0, 0.0, 0.01, 0.0]])
    res = run(company, base_rate=base, spread_add=add)
    # q0: base 0.5% < floor 2% -> 2% + 5% = 7%; q1: 3% + 5%; q2: 3% + 5% + 1%; q3: 6% + 5%
    rates = np.array([0.07, 0.08, 0.09, 0.11])
    np.testing.assert_allclose(res.projection.tranches["interest"][0, 0], 10_000_000 * rates / 4, atol=CENTS)


# --------------------------------------------------------------------------------------------
# e. a bullet maturity inside the horizon
# --------------------------------------------------------------------------------------------

#: Lenders refinance whatever the firm's rating, at 4% over the base rate for CC: the firms below earn
#: nothing, so they rate CC, and a test of the maturity mechanics should not also test the grid's floor.
ANY_RATING = {"closed_from": None, "spreads": {"CC": "4%"}}


def _maturing_company(make_company, cash: float):
    # no revenue (utilisation 0), no costs; the only cash flows are the loan's: $50m at 8% fixed ($1m a
    # quarter), maturing 2026-03-31 = projection quarter 2
    return make_company(opening={"cash": cash}, fleet=[IDLE], market={"spot_utilisation": 0.0, "base_rate": {"start": 0.04}},
                        debt=[{"name": "Bullet", "kind": "notes", "balance": 50_000_000, "rate": "8%",
                               "maturity": "2026-03-31"}], refinancing=ANY_RATING)


def test_maturity_refinanced_when_open(make_company, run):
    base = np.array([[0.04, 0.04, 0.04, 0.05]])
    res = run(_maturing_company(make_company, 5_000_000), base_rate=base, spread_add=np.array([[0, 0, 0, 0.01]]))
    t = res.projection.tranches
    # cash before the maturity in q2: 5m - 3 x 1m interest = 2m, all of it (above a zero minimum) repays
    assert t["repaid"][0, 0, 2] == pytest.approx(2_000_000, abs=CENTS)
    assert t["refinanced"][0, 0, 2] == pytest.approx(48_000_000, abs=CENTS)
    assert t["closing"][0, 0, 2] == pytest.approx(48_000_000, abs=CENTS)
    assert res.projection.unpaid_maturity[0].sum() == 0
    assert res.events(0).maturity_default is None
    # refinanced at the grid's spread for the firm's rating (CC: no EBITDA) = 4% (ANY_RATING);
    # q3 rate = base 5% + 4% + the world's 1% add-on = 10%
    assert t["interest"][0, 0, 3] == pytest.approx(48_000_000 * 0.10 / 4, abs=CENTS)


def test_maturity_default_when_refinancing_shut(make_company, run):
    res = run(_maturing_company(make_company, 5_000_000), refi_open=np.zeros((1, 4), dtype=bool))
    ev = res.events(0)
    assert ev.maturity_default == "2026Q1"
    assert ev.maturity_default_tranche == "Bullet"
    assert res.verdicts[0] == "default"
    assert res.projection.unpaid_maturity[0, 0, 2] == pytest.approx(48_000_000, abs=CENTS)
    assert res.projection.tranches["refinanced"][0, 0].sum() == 0


def test_maturity_repaid_from_cash(make_company, run):
    res = run(_maturing_company(make_company, 100_000_000), refi_open=np.zeros((1, 4), dtype=bool))
    t = res.projection.tranches
    assert t["repaid"][0, 0, 2] == pytest.approx(50_000_000, abs=CENTS)
    assert t["closing"][0, 0, 2:].max() == pytest.approx(0, abs=CENTS)
    assert res.projection["cash"][0, 3] == pytest.approx(100_000_000 - 3_000_000 - 50_000_000, abs=CENTS)
    assert res.events(0).maturity_default is None and res.verdicts[0] == "pass"


def test_two_maturities_share_one_revolver(make_company, run):
    # two $30m notes due 2025Q4, refinancing shut, a $40m revolver, cash at the $10m minimum, no income:
    # the revolver can fund 40 of the 60 due; 20 is unpaid (maturity default) and cash stays at the minimum
    company = make_company(opening={"cash": 10_000_000}, treasury={"minimum_cash": 10_000_000}, fleet=[IDLE],
                           market={"spot_utilisation": 0.0},
                           debt=[{"name": "A", "kind": "notes", "balance": 30e6, "rate": "0%", "maturity": "2025-12-31"},
                                 {"name": "B", "kind": "notes", "balance": 30e6, "rate": "0%", "maturity": "2025-12-31"},
                                 {"name": "RCF", "kind": "revolver", "balance": 0, "limit": 40e6, "rate": "0%",
                                  "maturity": "2030-12-31"}])
    res = run(company, refi_open=np.zeros((1, 4), dtype=bool))
    # A is settled first and takes 30 of the 40; B gets the last 10 and is 20 short
    np.testing.assert_allclose(res.projection.unpaid_maturity[0, :, 1], [0, 20e6, 0], atol=CENTS)
    ev = res.events(0)
    assert ev.maturity_default == "2025Q4" and ev.maturity_default_tranche == "B"
    assert ev.liquidity_default is None
    assert res.projection.tranches["closing"][0, 2, 1] == pytest.approx(40e6, abs=CENTS)
    assert res.projection["cash"][0, 1] == pytest.approx(10e6, abs=CENTS)


def test_no_draw_on_expired_delayed_draw(make_company, run):
    company = make_company(horizon_quarters=8, opening={"cash": 100_000_000}, fleet=[IDLE],
                           capex_plan=[{"name": "New", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                                        "in_service": "2026-09-30", "useful_life_years": 5, "funded_by": "DDTL"}],
                           debt=[{"name": "DDTL", "kind": "delayed_draw", "balance": 0, "limit": 50e6, "rate": "8%",
                                  "maturity": "2026-03-31"}])
    res = run(company)
    # the facility matured in 2026Q1 (q2); the cohort is paid in 2026Q3 (q4): a funded_by facility with no
    # headroom left leaves the whole cost to cash, which the firm has ($100m)
    assert res.projection.tranches["drawn"][0, 0].sum() == 0
    assert res.projection["capex"][0, 4] == pytest.approx(10_000_000, abs=CENTS)
    cash = res.projection["cash"][0]
    assert cash[4] - cash[3] == pytest.approx(-10_000_000 + res.projection["cfo"][0, 4], abs=CENTS)


def test_capex_drawn_on_a_live_delayed_draw(make_company, run):
    # the same cohort on a facility maturing 2030: 80% of $10m drawn in q4, the rest from cash
    company = make_company(horizon_quarters=8, opening={"cash": 100_000_000}, fleet=[IDLE],
                           capex_plan=[{"name": "New", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                                        "in_service": "2026-09-30", "useful_life_years": 5, "funded_by": "DDTL",
                                        "funded_share": 0.8}],
                           debt=[{"name": "DDTL", "kind": "delayed_draw", "balance": 0, "limit": 50e6, "rate": "8%",
                                  "maturity": "2030-06-30"}])
    res = run(company, capex_factor=np.array([1.5]))  # a 50% overrun: $15m, of which $12m drawn
    np.testing.assert_allclose(res.projection.tranches["drawn"][0, 0], [0, 0, 0, 0, 12e6, 0, 0, 0], atol=CENTS)
    assert res.projection["capex"][0, 4] == pytest.approx(15e6, abs=CENTS)
    # interest starts the quarter after the draw: 12m x 8% / 4
    np.testing.assert_allclose(res.projection.tranches["interest"][0, 0], [0] * 5 + [240_000] * 3, atol=CENTS)


# --------------------------------------------------------------------------------------------
# f. the revolver
# --------------------------------------------------------------------------------------------

def test_revolver_draws_shortfall_repays_from_surplus_and_defaults_when_exhausted(make_company, run):
    # 1,000 GPUs at $5/h; SG&A $4m a quarter; cash $12m against a $10m minimum; a $5m revolver at 0%.
    # World 0 has no spot sales in q0-q1 and full sales after; world 1 none at all.
    company = make_company(horizon_quarters=6, opening={"cash": 12_000_000}, treasury={"minimum_cash": 10_000_000},
                           fleet=[cohort(unit_cost=1_000)], market={"gpu_hour_price": {"H100": {"start": 5.0}}},
                           costs={"sga_per_quarter": 4_000_000},
                           debt=[{"name": "RCF", "kind": "revolver", "balance": 0, "limit": 5_000_000, "rate": "0%",
                                  "maturity": "2030-06-30"}])
    util = np.array([[0, 0, 1, 1, 1, 1], [0, 0, 0, 0, 0, 0]], dtype=float)
    res = run(company, n=2, utilisation=util)
    p = res.projection
    rcf = p.tranches
    # q0: 12 - 4 = 8 -> draws the 2m shortfall; q1: 10 - 4 = 6 -> only 3m left: draws 3, cash 9
    np.testing.assert_allclose(rcf["drawn"][:, 0, 0], [2e6, 2e6], atol=CENTS)
    np.testing.assert_allclose(rcf["drawn"][:, 0, 1], [3e6, 3e6], atol=CENTS)
    np.testing.assert_allclose(p["cash"][:, :2], [[10e6, 9e6], [10e6, 9e6]], atol=CENTS)
    np.testing.assert_allclose(p["revolver_available"][:, 1], [0, 0], atol=CENTS)
    # world 0, q2 (2026Q1, 90 days): revenue 1,000 x 2,160 h x $5 = 10.8m; 9 + 10.8 - 4 = 15.8 -> repays all 5m
    assert rcf["repaid"][0, 0, 2] == pytest.approx(5e6, abs=CENTS)
    assert p["cash"][0, 2] == pytest.approx(9e6 + 1000 * 90 * 24 * 5.0 - 4e6 - 5e6, abs=CENTS)
    assert p["revolver_available"][0, 2] == pytest.approx(5e6, abs=CENTS)
    assert res.events(0).liquidity_default is None
    # world 1: 9 -> 5 -> 1 -> -3 in q4 (2026Q3) with the revolver exhausted
    np.testing.assert_allclose(p["cash"][1], [10e6, 9e6, 5e6, 1e6, -3e6, -7e6], atol=CENTS)
    assert res.events(1).liquidity_default == "2026Q3"
    assert res.verdicts[1] == "default"


def test_revolver_commitment_ends_at_its_maturity(make_company, run):
    # a $10m revolver maturing 2025-12-31 (q1), refinancing shut; no income, SG&A $2m, cash $1m, minimum 0:
    # q0 draws 1m (cash 0); in q1 the 1m drawn is due and cannot be paid (maturity default) and the lapsed
    # commitment cannot fund the quarter's 2m (liquidity default)
    company = make_company(opening={"cash": 1_000_000}, fleet=[IDLE], market={"spot_utilisation": 0.0},
                           costs={"sga_per_quarter": 2_000_000},
                           debt=[{"name": "RCF", "kind": "revolver", "balance": 0, "limit": 10e6, "rate": "0%",
                                  "maturity": "2025-12-31"}])
    res = run(company, refi_open=np.zeros((1, 4), dtype=bool))
    p = res.projection
    np.testing.assert_allclose(p["revolver_available"][0], [9e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["cash"][0], [0, -2e6, -4e6, -6e6], atol=CENTS)
    ev = res.events(0)
    assert (ev.maturity_default, ev.maturity_default_tranche, ev.liquidity_default) == ("2025Q4", "RCF", "2025Q4")


# --------------------------------------------------------------------------------------------
# g. tax losses carried forward
# --------------------------------------------------------------------------------------------

def test_tax_loss_carryforward_used_before_tax(make_company, run, quarter_days):
    company = make_company(opening={"cash": 0, "tax_loss_carryforward": 5_000_000}, fleet=[cohort()],
                           costs={"tax_rate": 0.25})
    util = np.array([[1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0, 1.0]])
    res = run(company, n=2, utilisation=util)
    p = res.projection
    # pretax = 1,000 x hours x $2 x utilisation - depreciation 20m / 20
    pretax = 1000 * hours(quarter_days[:4]) * 2.0 * util - 1_000_000
    np.testing.assert_allclose(p["pretax_income"], pretax, atol=CENTS)
    # world 0: q0 3.416m uses NOL (1.584m left); q1 3.416m: 1.584m sheltered, tax 25% of the rest
    tax0 = np.array([0.0, 0.25 * (pretax[0, 1] - (5e6 - pretax[0, 0])), 0.25 * pretax[0, 2], 0.25 * pretax[0, 3]])
    np.testing.assert_allclose(p["tax"][0], tax0, atol=CENTS)
    np.testing.assert_allclose(p["tax_losses"][0], [5e6 - pretax[0, 0], 0, 0, 0], atol=CENTS)
    # world 1: the q0 loss of 1m adds to the NOL: 6m shelters q1 (3.416m) and 2.584m of q2
    nol = 5e6 + 1e6 - pretax[1, 1]
    np.testing.assert_allclose(p["tax"][1], [0, 0, 0.25 * (pretax[1, 2] - nol), 0.25 * pretax[1, 3]], atol=CENTS)


def test_tax_losses_from_a_loss_quarter_shelter_later_profit(make_company, run, quarter_days):
    # no opening NOL; q0 loses 1m (no sales, depreciation 1m), later quarters are taxed after using it
    company = make_company(fleet=[cohort()], costs={"tax_rate": 0.25})
    res = run(company, utilisation=np.array([[0.0, 1.0, 1.0, 1.0]]))
    p = res.projection
    profit_q1 = 1000 * 92 * 24 * 2.0 - 1e6
    np.testing.assert_allclose(p["tax"][0, :2], [0, 0.25 * (profit_q1 - 1e6)], atol=CENTS)
    np.testing.assert_allclose(p["tax_losses"][0, :2], [1e6, 0], atol=CENTS)


# --------------------------------------------------------------------------------------------
# h. useful-life change, impairment, retirement
# --------------------------------------------------------------------------------------------

def _aged_cohort_company(make_company, **over):
    # $10m cohort, residual 10% ($1m), 5-year (20-quarter) life, in service 2024-06-30 (2024Q2):
    # 4 quarters depreciated by as_of (2024Q3..2025Q2) at 9m / 20 = 0.45m -> opening NBV 8.2m
    return make_company(fleet=[cohort(unit_cost=10_000, residual=0.10, in_service="2024-06-30")], **over)


def test_shortened_life_is_a_change_of_estimate(make_company, run):
    company = _aged_cohort_company(make_company)
    assert compile_company(company).cohort_opening_nbv[0] == pytest.approx(8.2e6)
    res = run(company, n=2, life_q=np.array([[12], [12]]), life_change_q=np.array([0, 2]))
    p = res.projection
    # world 0, from q0: 12 - 4 = 8 quarters left: (8.2m - 1m) / 8 = 0.9m a quarter
    np.testing.assert_allclose(p["depreciation"][0], np.full(4, 0.9e6), atol=CENTS)
    # world 1: old rate 0.45m in q0, q1 (NBV 7.3m), then 12 - 6 = 6 quarters left: 6.3m / 6 = 1.05m
    np.testing.assert_allclose(p["depreciation"][1], [0.45e6, 0.45e6, 1.05e6, 1.05e6], atol=CENTS)
    assert p["impairment"].sum() == 0
    np.testing.assert_allclose(p["gpus_earning"], 1000)  # the economic life is unchanged


def test_cohort_past_new_life_is_written_down_at_once(make_company, run):
    res = run(_aged_cohort_company(make_company), life_q=np.array([[3]]))
    p = res.projection
    # 4 quarters used > new life of 3: NBV 8.2m written down to the 1m residual in q0
    np.testing.assert_allclose(p["impairment"][0], [7.2e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["depreciation"][0], 0, atol=CENTS)
    np.testing.assert_allclose(p["ppe"][0], 1e6, atol=CENTS)


def test_tax_follows_original_lives(make_company, run, quarter_days):
    """A shorter accounting life or an impairment moves earnings, not tax or cash (the tax books keep
    the profile's lives): world 0 baseline, world 1 life cut to 12 quarters, world 2 cut to 3 (write-down)."""
    company = _aged_cohort_company(make_company, costs={"tax_rate": 0.25}, opening={"cash": 1_000_000})
    res = run(company, n=3, life_q=np.array([[20], [12], [3]]))
    p = res.projection
    revenue = 1000 * hours(quarter_days[:4]) * 2.0
    book = np.array([[0.45e6] * 4, [0.9e6] * 4, [0.0] * 4])
    impairment = np.array([[0.0] * 4, [0.0] * 4, [7.2e6, 0, 0, 0]])
    np.testing.assert_allclose(p["depreciation"], book, atol=CENTS)
    np.testing.assert_allclose(p["impairment"], impairment, atol=CENTS)
    np.testing.assert_allclose(p["pretax_income"], revenue - book - impairment, atol=CENTS)
    taxable = revenue - 0.45e6  # tax depreciation: 9m / 20 quarters on the original life, in every world
    np.testing.assert_allclose(p["taxable_income"], np.broadcast_to(taxable, (3, 4)), atol=CENTS)
    np.testing.assert_allclose(p["tax"], np.broadcast_to(0.25 * taxable, (3, 4)), atol=CENTS)
    np.testing.assert_allclose(p["net_income"], revenue - book - impairment - 0.25 * taxable, atol=CENTS)
    np.testing.assert_allclose(p["cash"], np.broadcast_to(1e6 + np.cumsum(0.75 * taxable + 0.45e6), (3, 4)), atol=CENTS)


def test_retirement_at_end_of_economic_life(make_company, run):
    # $10m cohort, residual 20% ($2m), 2-year life (8 quarters) in service 2024-09-30 (2024Q3): 3 quarters
    # depreciated by as_of at 1m -> NBV 7m; depreciates q0..q4, retires in q4 (2026Q3)
    company = make_company(horizon_quarters=6, fleet=[cohort(unit_cost=10_000, residual=0.20, in_service="2024-09-30",
                                                             useful_life_years=2)])
    cc = compile_company(company)
    w = baseline_worlds(cc, 2)
    price = w.gpu_price.copy()
    price[0, :, 4] *= 0.6  # world 0: GPU resale market 40% down in the retirement quarter
    res = run(company, n=2, gpu_price=price, resale_factor=np.array([1.0, 0.5]))
    p = res.projection
    np.testing.assert_allclose(p["depreciation"], [[1e6] * 5 + [0]] * 2, atol=CENTS)
    proceeds = np.array([10e6 * 0.20 * 0.6, 10e6 * 0.20 * 0.5])  # cost x residual x price index x resale factor
    np.testing.assert_allclose(p["asset_sales"][:, 4], proceeds, atol=CENTS)
    np.testing.assert_allclose(p["disposal_gain"][:, 4], proceeds - 2e6, atol=CENTS)
    np.testing.assert_allclose(p["ppe"][:, 4:], 0, atol=CENTS)
    np.testing.assert_allclose(p["gpus_earning"], [[1000] * 5 + [0]] * 2)


def test_shortened_economic_life_retires_early(make_company, run):
    # the aged cohort (in service 2024Q2, opening NBV 8.2m) with its economic life cut to 6 quarters:
    # it earns through q1 (6th quarter after 2024Q2) and is sold then at residual 1m, against NBV 8.2 - 2 x 0.45
    res = run(_aged_cohort_company(make_company), econ_q=np.array([[6]]))
    p = res.projection
    np.testing.assert_allclose(p["gpus_earning"][0], [1000, 1000, 0, 0])
    np.testing.assert_allclose(p["asset_sales"][0], [0, 1e6, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["disposal_gain"][0], [0, 1e6 - 7.3e6, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["ppe"][0], [7.75e6, 0, 0, 0], atol=CENTS)


# --------------------------------------------------------------------------------------------
# i. contracts, capacity and customer default
# --------------------------------------------------------------------------------------------

def test_customer_default_moves_gpus_to_spot(make_company, run, quarter_days):
    company = make_company(fleet=[cohort()], market={"spot_utilisation": 0.5},
                           contracts=[{"customer": "Acme", "gpu": "H100", "gpus": 600, "price_per_gpu_hour": 3.0,
                                       "start": "2025-01-01", "end": "2027-12-31"}])
    res = run(company, n=2, default_q=np.array([[4], [2]]))
    p = res.projection
    h = hours(quarter_days[:4])
    np.testing.assert_allclose(p["revenue_contracted"][0], 600 * h * 3.0, atol=CENTS)
    np.testing.assert_allclose(p["revenue_spot"][0], 400 * h * 0.5 * 2.0, atol=CENTS)
    on = np.array([1, 1, 0, 0])  # world 1: Acme stops paying from q2
    np.testing.assert_allclose(p["revenue_contracted"][1], 600 * h * 3.0 * on, atol=CENTS)
    np.testing.assert_allclose(p["revenue_spot"][1], (400 + 600 * (1 - on)) * h * 0.5 * 2.0, atol=CENTS)


def test_contracts_beyond_capacity_are_served_in_proportion(make_company, run, quarter_days):
    company = make_company(fleet=[cohort()], market={"spot_utilisation": 0.5},
                           contracts=[{"customer": "A", "gpu": "H100", "gpus": 900, "price_per_gpu_hour": 3.0,
                                       "start": "2025-01-01", "end": "2027-12-31"},
                                      {"customer": "B", "gpu": "H100", "gpus": 600, "price_per_gpu_hour": 2.5,
                                       "start": "2025-01-01", "end": "2027-12-31"}])
    res = run(company, default_q=np.array([[1, 4]]))
    p = res.projection
    h = hours(quarter_days[:4])
    # q0: 1,500 contracted on 1,000 GPUs -> each served 2/3: 600 x $3 + 400 x $2.5, nothing for spot;
    # q1..: A has defaulted, B's 600 are served in full and 400 GPUs go to spot
    expected_contracted = np.where(np.arange(4) == 0, 600 * 3.0 + 400 * 2.5, 600 * 2.5) * h
    expected_spot = np.where(np.arange(4) == 0, 0.0, 400 * 0.5 * 2.0) * h
    np.testing.assert_allclose(p["revenue_contracted"][0], expected_contracted, atol=CENTS)
    np.testing.assert_allclose(p["revenue_spot"][0], expected_spot, atol=CENTS)


# --------------------------------------------------------------------------------------------
# j. metrics
# --------------------------------------------------------------------------------------------

def test_ltm_annualised_in_first_year(make_company, run, quarter_days):
    company = make_company(horizon_quarters=6, fleet=[cohort()])
    util = np.array([[0.2, 0.4, 0.6, 0.8, 1.0, 0.5]])
    res = run(company, utilisation=util)
    e = 1000 * hours(quarter_days[:6]) * 2.0 * util[0]  # EBITDA = revenue: no costs
    np.testing.assert_allclose(res.projection["ebitda"][0], e, atol=CENTS)
    expected = [4 * e[0], 2 * (e[0] + e[1]), 4 / 3 * e[:3].sum(), e[:4].sum(), e[1:5].sum(), e[2:6].sum()]
    np.testing.assert_allclose(res.metrics["ebitda_ltm"][0], expected, atol=CENTS)


def test_ratios_not_meaningful_are_nan_in_arrays_and_null_in_json(make_company, run):
    # SG&A larger than revenue: EBITDA < 0, so leverage is n.m.; debt at 0% so interest cover is n.m. too
    company = make_company(opening={"cash": 1e9}, fleet=[cohort()], costs={"sga_per_quarter": 10_000_000},
                           debt=[{"name": "Loan", "kind": "term_loan", "balance": 50e6, "rate": "0%",
                                  "maturity": "2030-06-30", "secured_by": ["H100-A"]}],
                           covenants=[{"metric": "leverage", "max": 5.0}, {"metric": "interest_cover", "min": 2.0},
                                      {"metric": "ltv", "max": 0.75, "applies_to": "Loan"}])
    res = run(company)
    assert (res.projection["ebitda"] < 0).all()
    assert np.isnan(res.metrics["debt_to_ebitda"]).all()
    assert np.isnan(res.metrics["interest_cover"]).all()
    text = json.dumps(run_document({}, res))  # json.dumps writes NaN/Infinity for non-finite floats unless cleaned
    assert "NaN" not in text and "Infinity" not in text
    scenario = json.loads(text)["scenarios"][0]
    assert scenario["metrics"]["debt_to_ebitda"] == [None] * 4
    assert scenario["covenants"][0]["values"] == [None] * 4
    assert scenario["covenants"][0]["passed"] == [False] * 4  # n.m. leverage is a breach
    assert scenario["covenants"][1]["passed"] == [True] * 4  # n.m. coverage (no interest) passes


def test_rating_buckets_include_their_bounds():
    from stress.engine.metrics import COVER_BOUNDS, LEVERAGE_BOUNDS, rating_index

    # leverage at an upper bound is in that bucket (1.0x -> AA); cover at a lower bound likewise (15x -> AA)
    lev = np.array(LEVERAGE_BOUNDS)
    cover = np.array(COVER_BOUNDS)
    no = np.zeros(len(lev), dtype=bool)
    np.testing.assert_array_equal(rating_index(lev, np.full(len(lev), 100.0), no), np.arange(len(lev)))
    np.testing.assert_array_equal(rating_index(np.zeros(len(cover)), cover, no), np.arange(len(cover)))


# --------------------------------------------------------------------------------------------
# edge cases of the timeline and the compile step
# --------------------------------------------------------------------------------------------

def test_company_without_gpus_projects(make_company, run):
    # a holding company with cash and notes only: cash falls by the coupon, $4m x 8% / 4 = $80k a quarter
    res = run(make_company(opening={"cash": 10_000_000}, market={"gpu_hour_price": {}},
                           debt=[{"name": "Notes", "kind": "notes", "balance": 4e6, "rate": "8%", "maturity": "2030-06-30"}]))
    np.testing.assert_allclose(res.projection["cash"][0], 10e6 - 80_000 * np.arange(1, 5), atol=CENTS)


def test_capex_in_the_as_of_quarter_never_reaches_the_engine():
    """The engine gives a cohort dated in as_of's own quarter the index -1 and would never buy it
    (``fleet.step`` buys only at ``in_q == q >= 0``); the profile checks must therefore reject one dated
    after a mid-quarter as_of but inside its quarter, rather than let it vanish from the projection."""
    from stress.model.checks import profile_problems
    from stress.model.company import Company

    data = {  # the conftest base written out: make_company would assert the profile is valid
        "name": "Test Co", "ticker": "TEST", "as_of": "2025-05-15", "opening": {"cash": 100_000_000},
        "fleet": [IDLE],
        "capex_plan": [{"name": "New", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                        "in_service": "2025-06-30", "useful_life_years": 5}],
        "market": {"gpu_hour_price": {"H100": {"start": 2.0}}, "spot_utilisation": 1.0,
                   "base_rate": {"start": 0.04}, "power_price_per_kwh": 0.0},
    }
    problems = profile_problems(Company.model_validate(data))
    assert [p.path for p in problems] == ["capex_plan[0].in_service"]


def test_undrawn_revolver_is_renewed_while_markets_are_open(make_company, run):
    # an undrawn $10m revolver maturing 2025-12-31 (q1) with refinancing open stays available after q1;
    # with refinancing shut it lapses: available 10m -> 0 from q1
    company = make_company(opening={"cash": 5_000_000}, refinancing=ANY_RATING, debt=[
        {"name": "RCF", "kind": "revolver", "balance": 0, "limit": 10_000_000, "rate": "SOFR+3%", "maturity": "2025-12-31"}])
    open_ = run(company)
    shut = run(company, refi_open=np.zeros_like(open_.projection.worlds.refi_open))
    assert open_.projection["revolver_available"][0, 1:].tolist() == [10_000_000.0] * (open_.projection.cc.n_quarters - 1)
    assert shut.projection["revolver_available"][0, 0] == 10_000_000.0
    assert shut.projection["revolver_available"][0, 1:].max() == 0.0
