"""Financing vehicles, dated and sculpted schedules, and the refinancing grid, against numbers worked out by hand.

Every expected value is derived in the test from the inputs and the rules of ``stress.engine.vehicles``
(module docstring), ``stress.model.debt`` and ``stress.engine.metrics``, never copied from engine output.
The base company (``tests/_companies.py``) has as_of 2025-06-30: projection quarters 2025Q3 (92 days,
2,208 GPU-hours a GPU), 2025Q4 (92), 2026Q1 (90, 2,160 h), 2026Q2 (91, 2,184 h), 2026Q3 (92), 2026Q4 (92).
Spot utilisation is 0 in most companies here, so the only revenue is the contracts' and a vehicle's
contracted cash flow (CFADS) is simply GPUs x hours x (price - power $/kWh at 1 kW and PUE 1).

Sections: 1 lock-up; 2 sculpting; 3 sweep; 4 dated schedules and amortise_from; 5 foreclosure by recourse;
6 the debt-service reserve; 7 properties over shocked worlds; 8 the refinancing grid and incurrence;
9 what a vehicle collects by default and what its lenders take.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from stress.engine.compiled import compile_company
from stress.engine.project import project
from stress.engine.results import Results, first_default
from stress.engine.timeline import NEVER

from _strategies import random_worlds

CENTS = 0.01


def hours(days: np.ndarray) -> np.ndarray:
    return days * 24.0


def cohort(name: str = "H100-A", **over: object) -> dict:
    """An owned cohort: 1,000 H100 at $20k ($20m), in service 2025-03-31 (2025Q1, one quarter depreciated by
    as_of: NBV $19m, $1m a quarter), 5-year life, no residual, 1 kW a GPU."""
    return {"name": name, "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
            "useful_life_years": 5, "residual": 0.0, "kw_per_gpu": 1.0, **over}


def contract(name: str, gpus: int, price: float, start: str, end: str, customer: str = "Acme") -> dict:
    return {"name": name, "customer": customer, "gpu": "H100", "gpus": gpus, "price_per_gpu_hour": price,
            "start": start, "end": end}


def loan(balance: float, rate: str = "8%", name: str = "Loan", **over: object) -> dict:
    """A fixed-rate term loan, a bullet due 2030-06-30 (beyond every horizon here) unless told otherwise."""
    return {"name": name, "kind": "term_loan", "balance": balance, "rate": rate, "maturity": "2030-06-30",
            "secured_by": ["H100-A"], **over}


def spv(**over: object) -> dict:
    """The vehicle borrowing ``Loan``: it owns the cohort the loan is secured on and collects ``C1``."""
    return {"name": "SPV", "facilities": ["Loan"], "contracts": ["C1"], **over}


#: The whole projection: a contract on the vehicle's 1,000 GPUs at $2.
FULL_TERM = contract("C1", 1000, 2.0, "2025-07-01", "2027-12-31")


def vline(res: Results, name: str, world: int = 0) -> np.ndarray:
    """(Q,) the first vehicle's line in one world."""
    return res.projection.vehicles[name][world, 0]


# --------------------------------------------------------------------------------------------
# 1. lock-up: the LTM DSCR falls below 1.10x, residual cash is trapped, then released
# --------------------------------------------------------------------------------------------

def _lockup_company(make_company, cash: float = 10_000_000, sga: float = 0.0, **over):
    # $100m at 8% fixed, bullet: debt service = interest = $2m a quarter. The vehicle's GPUs are let to
    # three successive contracts: $1.00 in 2025Q3, $0.95 in 2025Q4, $2.00 from 2026Q1.
    contracts = [contract("C1", 1000, 1.00, "2025-07-01", "2025-09-30"),
                 contract("C2", 1000, 0.95, "2025-10-01", "2025-12-31"),
                 contract("C3", 1000, 2.00, "2026-01-01", "2027-12-31")]
    sections = dict(opening={"cash": cash}, fleet=[cohort()], market={"spot_utilisation": 0.0},
                    costs={"sga_per_quarter": sga}, contracts=contracts, debt=[loan(100_000_000)],
                    vehicles=[spv(contracts=["C1", "C2", "C3"])],
                    covenants=[{"metric": "dscr", "min": 1.10, "tested_at": "SPV"}])  # lock_up by default
    return make_company(**(sections | over))


def test_lock_up_traps_cash_while_the_dscr_fails_and_releases_it(make_company, run, quarter_days):
    res = run(_lockup_company(make_company))
    p = res.projection
    # CFADS = 1,000 x hours x price: 2025Q3 2,208 h x $1.00 = 2.208m; 2025Q4 2,208 x $0.95 = 2.0976m;
    # 2026Q1 2,160 x $2 = 4.32m; 2026Q2 2,184 x $2 = 4.368m
    cfads = 1000 * hours(quarter_days[:4]) * np.array([1.00, 0.95, 2.00, 2.00])
    np.testing.assert_allclose(cfads, [2_208_000, 2_097_600, 4_320_000, 4_368_000])
    np.testing.assert_allclose(vline(res, "cfads"), cfads, atol=CENTS)
    np.testing.assert_allclose(vline(res, "debt_service"), 2_000_000, atol=CENTS)
    # LTM DSCR (the ring holds the quarters so far): 2.208/2 = 1.104 (passes); 4.3056/4 = 1.0764 (fails);
    # 8.6256/6 = 1.4376 (passes again); 12.9936/8 = 1.6242
    np.testing.assert_allclose(vline(res, "dscr"), [1.104, 1.0764, 1.4376, 1.6242], rtol=1e-12)
    np.testing.assert_array_equal(vline(res, "locked"), [0, 1, 0, 0])
    # 2025Q4: the 2.0976m pays the 2m interest; the 97,600 left is trapped. 2026Q1: released with the
    # quarter's residual (4.32m + 97,600 - 2m = 2.4176m goes up)
    trapped = np.array([0.0, 97_600, 0.0, 0.0])
    np.testing.assert_allclose(p["restricted_cash"][0], trapped, atol=CENTS)
    np.testing.assert_allclose(vline(res, "restricted"), trapped, atol=CENTS)
    np.testing.assert_allclose(p["cash_restricted"][0], [0, -97_600, 97_600, 0], atol=CENTS)
    # parent cash = 10m + cumulative (CFADS - interest) - trapped: 10.208m, 10.208m (the 97,600 is not the
    # parent's), 12.6256m, 14.9936m
    group = 10_000_000 + np.cumsum(cfads - 2_000_000)
    np.testing.assert_allclose(p["cash"][0], group - trapped, atol=CENTS)
    np.testing.assert_allclose(p["cash"][0], [10_208_000, 10_208_000, 12_625_600, 14_993_600], atol=CENTS)
    # the trapped cash is an asset of the group but never parent liquidity
    np.testing.assert_allclose(res.metrics["liquidity"][0], p["cash"][0], atol=CENTS)
    np.testing.assert_allclose(p["total_assets"][0] - p["ppe"][0], group, atol=CENTS)
    ev = res.events(0)
    assert ev.lock_ups == {"SPV": "2025Q4"}
    assert ev.vehicle_defaults == {} and ev.cross_default is None and ev.first_breach is None
    assert res.verdicts[0] == "pass"


def test_parent_short_while_its_vehicle_cash_is_trapped(make_company, run):
    # the same vehicle, a parent with no cash and $150k of SG&A a quarter:
    # 2025Q3 cash = 2.208m - 2m - 0.15m = 58,000; 2025Q4 the group makes 2.0976 - 2 - 0.15 = -52,400 but the
    # vehicle's 97,600 residual is trapped: parent cash 58,000 - 52,400 - 97,600 = -92,000 -> a liquidity
    # default, although the group's cash (parent + restricted = 5,600) is positive
    res = run(_lockup_company(make_company, cash=0, sga=150_000))
    p = res.projection
    assert p["cash"][0, 0] == pytest.approx(58_000, abs=CENTS)
    assert p["cash"][0, 1] == pytest.approx(-92_000, abs=CENTS)
    assert p["restricted_cash"][0, 1] == pytest.approx(97_600, abs=CENTS)
    assert p["cash"][0, 1] + p["restricted_cash"][0, 1] == pytest.approx(5_600, abs=CENTS)
    assert res.metrics["liquidity"][0, 1] == pytest.approx(-92_000, abs=CENTS)
    ev = res.events(0)
    assert ev.liquidity_default == "2025Q4" and ev.lock_ups == {"SPV": "2025Q4"}
    assert res.verdicts[0] == "default"


# --------------------------------------------------------------------------------------------
# 2. a sculpted schedule: debt service = the contracted cash flow as signed / target DSCR
# --------------------------------------------------------------------------------------------

def test_sculpted_principal_follows_signed_cash_flow(make_company, run, quarter_days):
    company = make_company(opening={"cash": 10_000_000}, fleet=[cohort()], market={"spot_utilisation": 0.0},
                           contracts=[FULL_TERM],
                           debt=[loan(40_000_000, amortisation="sculpted", target_dscr=1.25)], vehicles=[spv()])
    # world 1 pays $0.10/kWh for power from the start: its CFADS is lower, but the schedule was sculpted
    # on the cash flow as signed (the profile's power price, 0) and does not move
    power = np.array([[0.0] * 4, [0.10] * 4])
    res = run(company, n=2, power_price=power)
    h = hours(quarter_days[:4])
    signed = 1000 * h * 2.0  # 4.416m, 4.416m, 4.32m, 4.368m
    balance, principal, interest = 40_000_000.0, [], []
    for q in range(4):  # principal = CFADS as signed / 1.25 - interest at 8% / 4 on the opening balance
        interest.append(balance * 0.02)
        principal.append(signed[q] / 1.25 - interest[-1])
        balance -= principal[-1]
    # 2025Q3: 4.416m / 1.25 = 3.5328m less 0.8m interest = 2.7328m; 2025Q4: 3.5328m - 745,344 = 2,787,456
    np.testing.assert_allclose(principal[:2], [2_732_800, 2_787_456], atol=CENTS)
    t = res.projection.tranches
    for w in range(2):
        np.testing.assert_allclose(t["repaid"][w, 0], principal, atol=CENTS)
        np.testing.assert_allclose(t["interest"][w, 0], interest, atol=CENTS)
        np.testing.assert_allclose(res.projection["scheduled_principal"][w], principal, atol=CENTS)
    np.testing.assert_allclose(vline(res, "debt_service", 0), signed / 1.25, atol=CENTS)
    np.testing.assert_allclose(vline(res, "debt_service", 1), signed / 1.25, atol=CENTS)
    # world 0 covers its service exactly 1.25x; world 1's CFADS is 1,000 x h x (2 - 0.10): 1.9 / (2 / 1.25)
    np.testing.assert_allclose(vline(res, "dscr", 0), 1.25, rtol=1e-12)
    np.testing.assert_allclose(vline(res, "cfads", 1), 1000 * h * 1.9, atol=CENTS)
    np.testing.assert_allclose(vline(res, "dscr", 1), 1.1875, rtol=1e-12)


# --------------------------------------------------------------------------------------------
# 3. a 50% sweep of the excess after debt service and the reserve top-up
# --------------------------------------------------------------------------------------------

def test_sweep_prepays_half_the_excess_after_service_and_reserve(make_company, run, quarter_days):
    company = make_company(opening={"cash": 10_000_000}, fleet=[cohort()], market={"spot_utilisation": 0.0},
                           contracts=[FULL_TERM], debt=[loan(40_000_000)],
                           vehicles=[spv(sweep=0.5, reserve_quarters=1)])
    res = run(company)
    p = res.projection
    cfads = 1000 * hours(quarter_days[:4]) * 2.0
    balance, reserve = 40_000_000.0, 0.0
    swept, reserves, balances, interest = [], [], [], []
    for q in range(4):
        due = balance * 0.02  # 8% / 4 on the balance: a bullet pays interest only
        excess = cfads[q] + reserve - due  # the reserve held is available to the waterfall
        reserve = min(excess, 1 * due)  # one quarter of this quarter's debt service
        swept.append(0.5 * (excess - reserve))
        balance -= swept[-1]
        interest.append(due)
        reserves.append(reserve)
        balances.append(balance)
    # 2025Q3: interest 0.8m; excess 4.416 - 0.8 = 3.616m; reserve 0.8m; 50% of the 2.816m left = 1.408m
    assert swept[0] == pytest.approx(1_408_000)
    # 2025Q4: interest on 38.592m = 771,840; excess 4.416 + 0.8 - 0.77184 = 4,444,160; reserve 771,840;
    # swept 50% of 3,672,320 = 1,836,160
    assert swept[1] == pytest.approx(1_836_160)
    np.testing.assert_allclose(p["vehicle_sweep"][0], swept, atol=CENTS)
    np.testing.assert_allclose(p.tranches["repaid"][0, 0], swept, atol=CENTS)
    np.testing.assert_allclose(p["debt_repaid"][0], swept, atol=CENTS)
    np.testing.assert_allclose(p.tranches["closing"][0, 0], balances, atol=CENTS)
    np.testing.assert_allclose(p.tranches["interest"][0, 0], interest, atol=CENTS)
    np.testing.assert_allclose(p["restricted_cash"][0], reserves, atol=CENTS)
    np.testing.assert_allclose(p["scheduled_principal"][0], 0, atol=CENTS)  # a sweep is not scheduled principal
    # the parent receives the other half: cash rises by exactly what is swept each quarter
    np.testing.assert_allclose(np.diff(p["cash"][0], prepend=10_000_000), swept, atol=CENTS)


# --------------------------------------------------------------------------------------------
# 4. dated schedules and amortise_from
# --------------------------------------------------------------------------------------------

def test_dated_schedule_of_amounts_and_shares(make_company, run):
    # $10m at 8%, maturing 2027-06-30 (q7); instalments: $1m on 2025-11-15 (2025Q4 = q1), 25% of the
    # original $10m on 2026-03-31 (q2: 2.5m), and $0.5m on 2026-05-01 with 10% on 2026-06-30 (both q3:
    # 0.5m + 1m); the 5m left falls due at maturity
    company = make_company(horizon_quarters=8, opening={"cash": 100_000_000}, fleet=[cohort()], debt=[
        loan(10_000_000, maturity="2027-06-30", secured_by=[], amortisation="schedule",
             schedule=[{"date": "2025-11-15", "amount": 1_000_000}, {"date": "2026-03-31", "share": 0.25},
                       {"date": "2026-05-01", "amount": 500_000}, {"date": "2026-06-30", "share": 0.10}])])
    t = run(company).projection.tranches
    repaid = np.array([0, 1e6, 2.5e6, 1.5e6, 0, 0, 0, 5e6])
    np.testing.assert_allclose(t["repaid"][0, 0], repaid, atol=CENTS)
    opening = 10e6 - np.concatenate([[0.0], np.cumsum(repaid)[:-1]])  # 10, 10, 9, 6.5, 5, 5, 5, 5 (m)
    np.testing.assert_allclose(t["interest"][0, 0], opening * 0.02, atol=CENTS)
    assert t["closing"][0, 0, -1] == pytest.approx(0, abs=CENTS)


def test_amortise_from_a_date(make_company, run):
    # $8m straight line to 2027-06-30 (q7), nothing before 2026-01-15 (q2): from q2, 6 quarters are left
    # (q2..q7): 8m / 6 each, and the balance / quarters left stays 8m / 6 after that
    company = make_company(horizon_quarters=8, opening={"cash": 100_000_000}, fleet=[cohort()], debt=[
        loan(8_000_000, "6%", maturity="2027-06-30", secured_by=[], amortisation="straight_line",
             amortise_from="2026-01-15")])
    t = run(company).projection.tranches
    np.testing.assert_allclose(t["repaid"][0, 0], [0, 0] + [8e6 / 6] * 6, atol=CENTS)


def test_amortise_from_completion_of_a_capex_cohort(make_company, run):
    # $8m straight line to 2027-06-30 (q7), secured on a capex cohort due 2026-03-31 (q2), paid in cash.
    # The cohort is bought in q2 (in service at its end): the first principal is in q3, with 5 quarters
    # left: 8m / 5 = 1.6m. World 1 delivers it two quarters late (bought in q4): principal from q5, 8m / 3.
    company = make_company(horizon_quarters=8, opening={"cash": 100_000_000},
                           capex_plan=[{"name": "New", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                                        "in_service": "2026-03-31", "useful_life_years": 5}],
                           debt=[loan(8_000_000, "6%", maturity="2027-06-30", secured_by=["New"],
                                      amortisation="straight_line", amortise_from="completion")])
    res = run(company, n=2, delay_q=np.array([[0], [2]]))
    p = res.projection
    np.testing.assert_allclose(p["capex"][:, 2], [10e6, 0], atol=CENTS)
    np.testing.assert_allclose(p["capex"][:, 4], [0, 10e6], atol=CENTS)
    np.testing.assert_allclose(p.tranches["repaid"][0, 0], [0, 0, 0] + [1.6e6] * 5, atol=CENTS)
    np.testing.assert_allclose(p.tranches["repaid"][1, 0], [0] * 5 + [8e6 / 3] * 3, atol=CENTS)


# --------------------------------------------------------------------------------------------
# 5. a vehicle's default, by recourse
# --------------------------------------------------------------------------------------------

def _foreclosure_company(make_company, recourse: str, cash: float = 10_000_000):
    # $100m at 8% (2m a quarter) against the 1,000 GPUs let at $2 for the whole horizon; a one-quarter
    # reserve; an event of default if the LTM DSCR is below 1.5x
    return make_company(horizon_quarters=6, opening={"cash": cash}, fleet=[cohort()],
                        market={"spot_utilisation": 0.0}, contracts=[FULL_TERM], debt=[loan(100_000_000)],
                        vehicles=[spv(reserve_quarters=1, recourse=recourse)],
                        covenants=[{"metric": "dscr", "min": 1.5, "tested_at": "SPV", "on_breach": "event_of_default"}])


#: Power at $1/kWh from 2025Q4: the vehicle's GPUs (1 kW, PUE 1) then earn $2 - $1 = $1 an hour net.
POWER_FROM_Q1 = np.array([[0.0] + [1.0] * 5])

# Common to the three recourse cases, by hand:
#   2025Q3 CFADS 2,208 h x $2 = 4.416m; LTM DSCR 4.416 / 2 = 2.208; the reserve takes 2m, 0.416m goes up.
#   2025Q4 CFADS 2,208 x $1 = 2.208m; DSCR 6.624 / 4 = 1.656 (passes); reserve stays 2m, 0.208m goes up.
#   2026Q1 CFADS 2,160 x $1 = 2.16m; DSCR 8.784 / 6 = 1.464 < 1.5: event of default; reserve 2m, 0.16m up;
#          foreclosed at the end of 2026Q1: debt 100m, NBV 19m - 3 x 1m = 16m, restricted cash 2m.
#   Parent cash at the end of 2026Q1 = opening + 0.416 + 0.208 + 0.16 = opening + 0.784m.
NBV_Q2, RESTRICTED_Q2, UP_TO_Q2 = 16_000_000, 2_000_000, 784_000


def test_non_recourse_foreclosure_leaves_the_parent_standing(make_company, run):
    res = run(_foreclosure_company(make_company, "none"), power_price=POWER_FROM_Q1)
    p = res.projection
    np.testing.assert_allclose(vline(res, "dscr")[:3], [2.208, 1.656, 1.464], rtol=1e-12)
    np.testing.assert_allclose(vline(res, "restricted"), [2e6, 2e6, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_array_equal(vline(res, "defaulted"), [0, 0, 1, 1, 1, 1])
    # gain = debt extinguished 100m - NBV taken 16m - restricted cash taken 2m = 82m
    np.testing.assert_allclose(p["foreclosure_gain"][0], [0, 0, 82e6, 0, 0, 0], atol=CENTS)
    assert p.tranches["extinguished"][0, 0, 2] == pytest.approx(100e6, abs=CENTS)
    np.testing.assert_allclose(p["debt"][0], [100e6, 100e6, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["ppe"][0, 2:], 0, atol=CENTS)
    np.testing.assert_allclose(p["restricted_cash"][0], [2e6, 2e6, 0, 0, 0, 0], atol=CENTS)
    # the vehicle's contract no longer pays the firm after the foreclosure quarter
    np.testing.assert_allclose(p["revenue_contracted"][0, :3], [4.416e6, 4.416e6, 4.32e6], atol=CENTS)
    np.testing.assert_allclose(p["revenue_contracted"][0, 3:], 0, atol=CENTS)
    np.testing.assert_allclose(p["gpus_earning"][0, 3:], 0)
    # parent cash: 10m + 0.784m, then nothing comes in or goes out
    np.testing.assert_allclose(p["cash"][0, 2:], 10e6 + UP_TO_Q2, atol=CENTS)
    ev = res.events(0)
    assert ev.vehicle_defaults == {"SPV": "2026Q1"}
    assert ev.cross_default is None and ev.maturity_default is None and ev.liquidity_default is None
    assert ev.first_breach is None  # a vehicle's test is not a parent breach
    assert res.verdicts[0] == "pass"
    assert first_default(p)[0] == NEVER


def test_cross_default_defaults_the_parent_in_the_foreclosure_quarter(make_company, run):
    res = run(_foreclosure_company(make_company, "cross_default"), power_price=POWER_FROM_Q1)
    p = res.projection
    # the deficiency stays a parent claim, as under a guarantee: collateral at full resale value = list cost 20m x
    # remaining economic life 0.8 = 16m (= the NBV), restricted 2m: deficiency 100m - 16m - 2m = 82m; the gain is
    # (100m - 82m) - NBV 16m - restricted 2m = 0
    assert p.tranches["closing"][0, 0, 2] == pytest.approx(100e6 - 16e6 - RESTRICTED_Q2, abs=CENTS)
    np.testing.assert_allclose(p["foreclosure_gain"][0, 2], (16e6 + RESTRICTED_Q2) - NBV_Q2 - RESTRICTED_Q2, atol=CENTS)
    ev = res.events(0)
    assert ev.vehicle_defaults == {"SPV": "2026Q1"}
    assert ev.cross_default == "2026Q1"
    # then the 82m deficiency falls due the next quarter and is not met either: later events, the default is 2026Q1
    assert ev.maturity_default == "2026Q2" and ev.maturity_default_tranche == "Loan"
    assert res.verdicts[0] == "default"
    assert first_default(p)[0] == 2
    assert res.default_quarter[0] == 2


def test_guarantee_leaves_the_deficiency_due_next_quarter(make_company, run):
    # the resale market at half value: the GPUs' collateral value at the end of 2026Q1 is list cost 20m x
    # remaining economic life (in service 2025Q1 = q-2, 20 quarters: (-2 + 20 - 2) / 20 = 0.8) x 0.5 = 8m.
    # Deficiency = debt 100m - collateral 8m - restricted 2m = 90m, a parent obligation due in 2026Q2.
    # gain = (100m - 90m) - NBV 16m - restricted 2m = -8m (a loss)
    n_q = 6
    res = run(_foreclosure_company(make_company, "guarantee", cash=0), power_price=POWER_FROM_Q1,
              resale_factor=np.full((1, n_q), 0.5), refi_open=np.zeros((1, n_q), dtype=bool))
    p = res.projection
    assert p["foreclosure_gain"][0, 2] == pytest.approx(-8e6, abs=CENTS)
    assert p.tranches["closing"][0, 0, 2] == pytest.approx(90e6, abs=CENTS)
    assert p.tranches["extinguished"][0, 0, 2] == pytest.approx(10e6, abs=CENTS)
    # 2026Q2: 90m x 2% = 1.8m of interest on parent cash of 0.784m (-1.016m: no cash to repay with) and
    # refinancing shut: the 90m is a maturity default
    assert p.tranches["interest"][0, 0, 3] == pytest.approx(1.8e6, abs=CENTS)
    assert p["cash"][0, 3] == pytest.approx(UP_TO_Q2 - 1.8e6, abs=CENTS)
    assert p.unpaid_maturity[0, 0, 3] == pytest.approx(90e6, abs=CENTS)
    ev = res.events(0)
    assert ev.vehicle_defaults == {"SPV": "2026Q1"}
    assert ev.cross_default is None
    assert ev.maturity_default == "2026Q2" and ev.maturity_default_tranche == "Loan"
    assert res.verdicts[0] == "default"


# --------------------------------------------------------------------------------------------
# 6. the debt-service reserve
# --------------------------------------------------------------------------------------------

def _reserve_company(make_company, quarters: float):
    return make_company(opening={"cash": 10_000_000}, fleet=[cohort()], market={"spot_utilisation": 0.0},
                        contracts=[FULL_TERM], debt=[loan(100_000_000)], vehicles=[spv(reserve_quarters=quarters)])


#: Power at $1.50/kWh in 2025Q4 only: CFADS that quarter is 2,208 h x ($2 - $1.5) = 1.104m against 2m due.
POWER_SPIKE_Q1 = np.array([[0.0, 1.5, 0.0, 0.0]])


def test_reserve_funded_from_cash_flow_pays_a_shortfall_quarter(make_company, run):
    res = run(_reserve_company(make_company, 1), power_price=POWER_SPIKE_Q1)
    p = res.projection
    # 2025Q3: CFADS 4.416m - 2m interest; the reserve takes 1 x 2m; 0.416m goes up
    # 2025Q4: 1.104m + the 2m reserve pays the 2m in full; the 1.104m left is all the reserve can keep
    # 2026Q1: 4.32m + 1.104m - 2m = 3.424m: the reserve is topped up to 2m, 1.424m goes up
    # 2026Q2: 4.368m + 2m - 2m: reserve 2m, 2.368m up
    reserve = np.array([2e6, 1.104e6, 2e6, 2e6])
    np.testing.assert_allclose(p["restricted_cash"][0], reserve, atol=CENTS)
    np.testing.assert_allclose(p["interest_paid"][0], 2e6, atol=CENTS)
    np.testing.assert_allclose(p["interest_accreted"][0], 0, atol=CENTS)
    np.testing.assert_allclose(p["debt"][0], 100e6, atol=CENTS)
    # parent cash: 10.416m, unchanged in 2025Q4 (the vehicle's -0.896m is met from its reserve),
    # +1.424m, +2.368m
    np.testing.assert_allclose(p["cash"][0], [10.416e6, 10.416e6, 11.84e6, 14.208e6], atol=CENTS)
    np.testing.assert_allclose(p["cash_restricted"][0], [-2e6, 0.896e6, -0.896e6, 0], atol=CENTS)
    assert res.events(0).vehicle_defaults == {}


def test_without_a_reserve_the_same_quarter_forecloses(make_company, run):
    res = run(_reserve_company(make_company, 0), power_price=POWER_SPIKE_Q1)
    p = res.projection
    # 2025Q4: 1.104m against 2m: 0.896m of interest unpaid accrues to the balance (100.896m) and the vehicle
    # defaults; foreclosed at the end of 2025Q4: gain 100.896m - NBV (19m - 2m) - no restricted cash
    assert p["interest_paid"][0, 1] == pytest.approx(1.104e6, abs=CENTS)
    assert p["interest_accreted"][0, 1] == pytest.approx(0.896e6, abs=CENTS)
    assert p.tranches["extinguished"][0, 0, 1] == pytest.approx(100.896e6, abs=CENTS)
    assert p["foreclosure_gain"][0, 1] == pytest.approx(100.896e6 - 17e6, abs=CENTS)
    ev = res.events(0)
    assert ev.vehicle_defaults == {"SPV": "2025Q4"} and res.verdicts[0] == "pass"


# --------------------------------------------------------------------------------------------
# 7. properties: the books balance with vehicles in shocked worlds; trapped cash is never liquidity
# --------------------------------------------------------------------------------------------

def _property_companies(make_company) -> dict:
    rcf = {"name": "RCF", "kind": "revolver", "balance": 0, "limit": 5_000_000, "rate": "SOFR+3%",
           "maturity": "2030-06-30"}
    contracts = [contract("C1", 600, 2.5, "2025-07-01", "2026-12-31"),
                 contract("C2", 300, 1.8, "2026-01-01", "2027-12-31", customer="Beta")]
    two = dict(horizon_quarters=8, opening={"cash": 3_000_000}, fleet=[cohort(), cohort("H100-B", units=500)],
               market={"spot_utilisation": 0.6, "power_price_per_kwh": 0.08},
               costs={"sga_per_quarter": 300_000, "tax_rate": 0.21}, working_capital={"receivable_days": 30},
               contracts=contracts)
    sculpted = loan(30e6, "SOFR+4%", amortisation="sculpted", target_dscr=1.3, maturity="2027-03-31")
    sweeping = loan(20e6, "9%", name="Loan2", secured_by=["H100-B"], amortisation="straight_line")
    covs = [{"metric": "dscr", "min": 1.4, "tested_at": "SPV"},
            {"metric": "ltv", "max": 0.9, "tested_at": "SPV2", "on_breach": "event_of_default"},
            {"metric": "dscr", "min": 1.2, "tested_at": "SPV2", "on_breach": "sweep_step_up"}]
    out = {"lock-up": _lockup_company(make_company, cash=1_000_000, sga=100_000, debt=[loan(100e6), rcf])}
    for recourse in ("none", "guarantee", "cross_default"):
        out[f"two vehicles, {recourse}"] = make_company(
            **two, debt=[sculpted, sweeping, rcf], covenants=covs,
            vehicles=[spv(contracts=["C1"], reserve_quarters=2, recourse=recourse),
                      {"name": "SPV2", "facilities": ["Loan2"], "contracts": ["C2"], "sweep": 0.25,
                       "reserve_quarters": 1, "recourse": "none"}])
    return out


@pytest.mark.parametrize("name", ["lock-up", "two vehicles, none", "two vehicles, guarantee", "two vehicles, cross_default"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_books_balance_with_vehicles_in_shocked_worlds(make_company, name, seed):
    company = _property_companies(make_company)[name]
    cc = compile_company(company)
    w = random_worlds(cc, 12, seed)
    # and a world that certainly forecloses: no customer ever pays
    w = dataclasses.replace(w, default_q=np.vstack([w.default_q[:-1], np.zeros_like(w.default_q[-1:])]))
    res = Results(project(cc, w))
    L = res.projection.lines
    for key, arr in L.items():
        assert np.isfinite(arr).all(), key
    np.testing.assert_allclose(L["total_assets"], L["total_liabilities"] + L["equity"], atol=CENTS, err_msg="balance")
    np.testing.assert_allclose(L["total_assets"], L["cash"] + L["restricted_cash"] + L["receivables"] + L["ppe"]
                               + L["rou_assets"] + L["other_assets"], atol=CENTS)
    prev = np.column_stack([np.full(w.n, cc.opening.cash), L["cash"][:, :-1]])
    np.testing.assert_allclose(L["cash"] - prev, L["net_cash_flow"], atol=CENTS, err_msg="cash identity")
    prev_equity = np.column_stack([np.full(w.n, cc.opening.equity), L["equity"][:, :-1]])
    np.testing.assert_allclose(L["equity"] - prev_equity, L["net_income"], atol=CENTS, err_msg="equity roll")
    t = res.projection.tranches
    np.testing.assert_allclose(t["closing"], t["opening"] + t["drawn"] - t["repaid"] - t["extinguished"]
                               + t["accreted"], atol=CENTS, err_msg="tranche roll")
    # restricted cash is the vehicles' reserve and trapped cash, never negative, never liquidity
    np.testing.assert_allclose(L["restricted_cash"], res.projection.vehicles["restricted"].sum(axis=1), atol=CENTS)
    assert (L["restricted_cash"] >= -CENTS).all()
    np.testing.assert_allclose(res.metrics["liquidity"], L["cash"] + L["revolver_available"], atol=CENTS)
    # a foreclosed vehicle holds nothing and owes nothing (under a guarantee, only its deficiency)
    defaulted = res.projection.vehicles["defaulted"] > 0
    np.testing.assert_allclose(np.where(defaulted, res.projection.vehicles["restricted"], 0), 0, atol=CENTS)
    assert defaulted.any(), "the customers' default should foreclose a vehicle"


# --------------------------------------------------------------------------------------------
# 8. the refinancing grid by in-loop rating, and an incurrence test at the parent
# --------------------------------------------------------------------------------------------

def test_maturity_refinanced_at_the_grid_spread_of_the_firms_rating(make_company, run):
    # $45m notes at 6% fixed (675k a quarter) due 2026-03-31 (q2); revenue from 1,000 spot GPUs at $2,
    # no costs: EBITDA = revenue. World 0 sells every hour, world 1 half. Base rate 4%, and the world adds
    # 2% to spreads in 2026Q2 (q3).
    company = make_company(opening={"cash": 0}, fleet=[cohort()], debt=[
        {"name": "Notes", "kind": "notes", "balance": 45_000_000, "rate": "6%", "maturity": "2026-03-31"}])
    util = np.array([[1.0] * 4, [0.5] * 4])
    add = np.array([[0, 0, 0, 0.02]] * 2)
    res = run(company, n=2, utilisation=util, spread_add=add)
    t = res.projection.tranches
    # world 0: EBITDA 4.416m, 4.416m, 4.32m; cash before the maturity = sum - 3 x 675k = 11.127m.
    #   LTM EBITDA (annualised) 13.152m x 4/3 = 17.536m; LTM interest 2.025m x 4/3 = 2.7m:
    #   cover 6.49x -> BBB (6-10x); net leverage (45 - 11.127) / 17.536 = 1.93x -> A (1-2x); the worse: BBB.
    #   11.127m repaid from cash, 33.873m refinanced at 4% + BBB 1.01% + 2% = 7.01%
    # world 1: EBITDA 2.208m, 2.208m, 2.16m; cash 4.551m; LTM EBITDA 8.768m: cover 3.25x -> B (2-4x);
    #   net leverage (45 - 4.551) / 8.768 = 4.61x -> B (4-6x): B at 3.09%; 40.449m refinanced at 9.09%
    cash = np.array([11_127_000, 4_551_000])
    np.testing.assert_allclose(t["repaid"][:, 0, 2], cash, atol=CENTS)
    np.testing.assert_allclose(t["refinanced"][:, 0, 2], 45e6 - cash, atol=CENTS)
    assert 6 <= 17_536_000 / 2_700_000 < 10 and 1 < (45e6 - 11_127_000) / 17_536_000 <= 2
    assert 2 <= 8_768_000 / 2_700_000 < 4 and 4 < (45e6 - 4_551_000) / 8_768_000 <= 6
    rates = np.array([0.04 + 0.0101 + 0.02, 0.04 + 0.0309 + 0.02])
    np.testing.assert_allclose(t["interest"][:, 0, 3], (45e6 - cash) * rates / 4, atol=CENTS)
    assert res.projection.unpaid_maturity.sum() == 0


def test_incurrence_test_blocks_a_planned_facility(make_company, run):
    # a planned $50m of notes available from 2026-01-15 (q2), and a parent incurrence test: net leverage
    # at most 3.0x pro forma for the full $50m. No other debt; EBITDA = spot revenue as above.
    company = make_company(opening={"cash": 0}, fleet=[cohort()],
                           debt=[{"name": "New", "kind": "notes", "balance": 0, "limit": 50_000_000, "rate": "9%",
                                  "maturity": "2030-06-30", "status": "planned", "available_from": "2026-01-15",
                                  "evidence": "estimate: a test"}],
                           covenants=[{"metric": "net_leverage", "max": 3.0, "kind": "incurrence"}])
    res = run(company, n=2, utilisation=np.array([[1.0] * 4, [0.5] * 4]))
    p = res.projection
    # world 0, q2: LTM EBITDA 17.536m; cash at the end of q1 8.832m: (50 - 8.832) / 17.536 = 2.35x <= 3: opens
    # world 1, q2: LTM 8.768m, cash 4.416m: (50 - 4.416) / 8.768 = 5.20x; q3: LTM 2.208 + 2.208 + 2.16 + 2.184
    #   = 8.76m, cash 6.576m: (50 - 6.576) / 8.76 = 4.96x: blocked throughout
    assert (50e6 - 8_832_000) / 17_536_000 <= 3 < (50e6 - 6_576_000) / 8_760_000
    np.testing.assert_allclose(p["debt_drawn"][0], [0, 0, 50e6, 0], atol=CENTS)
    np.testing.assert_allclose(p["debt"][0], [0, 0, 50e6, 50e6], atol=CENTS)
    np.testing.assert_allclose(p["debt"][1], 0, atol=CENTS)
    assert p["debt_drawn"][1].sum() == 0
    # an incurrence test only blocks debt: it is never a breach
    assert res.events(0).first_breach is None and res.events(1).first_breach is None
    assert res.verdicts == ["pass", "pass"]


# --------------------------------------------------------------------------------------------
# 9. what a vehicle collects by default, and what its lenders take
# --------------------------------------------------------------------------------------------

def _programme_vehicle_company(make_company, deal_name: str | None, parent_deal: bool):
    # Programme Alpha buys 1,000 H100 ($10m) due 2025-12-31 (q1) on the delayed draw Fac, secured on them;
    # its contract, 1,000 GPUs at $3 from 2026-01-01, is the vehicle's by default (the vehicle names neither
    # cohorts nor contracts). The parent may also let 500 of its own 1,000 H100 at $2.50 under the same
    # contract name: a profile check refuses that (test_duplicate_contract_names_are_refused).
    deal = {"customer": "X", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0, "start": "2026-01-01",
            "end": "2027-12-31", "programme": "Alpha"} | ({"name": deal_name} if deal_name else {})
    parent = [contract("Deal", 500, 2.5, "2025-07-01", "2027-12-31", customer="Y")] if parent_deal else []
    return make_company(opening={"cash": 50_000_000}, market={"spot_utilisation": 0.0}, fleet=[cohort()],
                        programmes=[{"name": "Alpha", "funding": [{"source": "Fac", "share": "100%"}]}],
                        capex_plan=[{"name": "A1", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                                     "in_service": "2025-12-31", "useful_life_years": 5, "programme": "Alpha",
                                     "kw_per_gpu": 1.0}],
                        contracts=[deal, *parent],
                        debt=[{"name": "Fac", "kind": "delayed_draw", "balance": 0, "limit": 10_000_000, "rate": "8%",
                               "maturity": "2030-06-30", "secured_by": ["A1"]}],
                        vehicles=[{"name": "SPV", "facilities": ["Fac"]}])


@pytest.mark.parametrize(("deal_name", "parent_deal"), [(None, False), ("Deal", False)],
                         ids=["unnamed programme contract", "named programme contract"])
def test_vehicle_collects_its_programmes_contracts_by_default(make_company, run, quarter_days, deal_name, parent_deal):
    # The vehicle's CFADS is the programme's contract alone, from q2 (the GPUs bought in q1 earn from q2):
    # 1,000 x 2,160 h x $3 = 6.48m, then 1,000 x 2,184 x $3 = 6.552m. Debt service from q2: 10m drawn in q1
    # x 8% / 4 = 200k. (Before the fix in compile_vehicles the unnamed contract was not collected: CFADS 0,
    # a default on the first interest, and the firm lost the contract; a parent contract sharing the name
    # was collected by the vehicle.)
    res = run(_programme_vehicle_company(make_company, deal_name, parent_deal))
    h = hours(quarter_days[:4])
    np.testing.assert_allclose(vline(res, "cfads"), [0, 0, 1000 * h[2] * 3.0, 1000 * h[3] * 3.0], atol=CENTS)
    np.testing.assert_allclose(vline(res, "debt_service"), [0, 0, 200_000, 200_000], atol=CENTS)
    assert res.events(0).vehicle_defaults == {}
    parent = 500 * h * 2.5 if parent_deal else 0.0
    np.testing.assert_allclose(res.projection["revenue_contracted"][0],
                               parent + np.array([0, 0, 1000 * h[2] * 3.0, 1000 * h[3] * 3.0]), atol=CENTS)


def test_parent_does_not_buy_a_cohort_its_vehicles_lenders_took(make_company, run):
    # The vehicle owns H100-A (owned) and B (1,000 H100 at $10k due 2026-06-30 = q3, paid in cash); power at
    # $1.50/kWh from q1 leaves it 1,000 x 2,208 h x $0.50 = 1.104m against 2m of interest: foreclosed in q1.
    # B went with the vehicle: the parent should not pay $10m for it in q3.
    company = make_company(horizon_quarters=6, opening={"cash": 50_000_000}, market={"spot_utilisation": 0.0},
                           fleet=[cohort()],
                           capex_plan=[{"name": "B", "gpu": "H100", "units": 1000, "unit_cost": 10_000,
                                        "in_service": "2026-06-30", "useful_life_years": 5, "kw_per_gpu": 1.0}],
                           contracts=[FULL_TERM], debt=[loan(100_000_000, secured_by=["H100-A", "B"])], vehicles=[spv()])
    res = run(company, power_price=np.array([[0.0] + [1.5] * 5]))
    p = res.projection
    assert res.events(0).vehicle_defaults == {"SPV": "2025Q4"}
    np.testing.assert_allclose(p["capex"][0], 0, atol=CENTS)
    np.testing.assert_allclose(p["ppe"][0, 1:], 0, atol=CENTS)


def test_duplicate_contract_names_are_refused(make_company):
    # vehicles name contracts, so two contracts called "Deal" are an error at both
    from stress.model.checks import profile_problems
    from stress.model.company import Company

    good = _programme_vehicle_company(make_company, "Deal", False).model_dump(mode="json")
    good["contracts"].append(contract("Deal", 500, 2.5, "2025-07-01", "2027-12-31", customer="Y"))
    problems = profile_problems(Company.model_validate(good))
    assert [p.path for p in problems] == ["contracts[0].name", "contracts[1].name"]


# --------------------------------------------------------------------------------------------
# 10. an exposure lent to a vehicle defaults with the vehicle, not only with the firm
# --------------------------------------------------------------------------------------------

def test_an_exposure_to_a_non_recourse_vehicle_defaults_at_its_foreclosure(make_company, run):
    # the non-recourse foreclosure above (2026Q1 = q2), the resale market at half value: collateral = list cost
    # 20m x remaining economic life 0.8 x 0.5 = 8m, restricted cash 2m, debt 100m: the lenders recover 10%
    from stress.analysis.recovery import exposure_outcome

    res = run(_foreclosure_company(make_company, "none"), power_price=POWER_FROM_Q1, resale_factor=np.full((1, 6), 0.5))
    p = res.projection
    q, rr = exposure_outcome(p.cc, p, first_default(p), "Loan", None)
    assert first_default(p)[0] == NEVER and q[0] == 2
    assert rr[0] == pytest.approx((8e6 + 2e6) / 100e6)


def test_an_exposure_to_a_guaranteed_vehicle_loses_only_if_the_parent_defaults(make_company, run):
    # the same foreclosure under a guarantee with the parent standing (it has cash to pay the deficiency):
    # the lenders are paid by the parent, so the exposure does not default
    from stress.analysis.recovery import exposure_outcome

    res = run(_foreclosure_company(make_company, "guarantee"), power_price=POWER_FROM_Q1)
    p = res.projection
    q, _ = exposure_outcome(p.cc, p, first_default(p), "Loan", None)
    assert (q == first_default(p)).all()


def test_a_contract_or_cohort_in_two_vehicles_is_refused():
    # both vehicles would collect C1's cash (and trap it twice): the profile is refused at both places
    from stress.model.checks import profile_problems
    from stress.model.company import Company

    from _companies import base_company_data, merge

    data = merge(base_company_data(4), {
        "fleet": [cohort()], "contracts": [FULL_TERM],
        "debt": [loan(10_000_000, name="A", secured_by=["H100-A"]), loan(10_000_000, name="B")],
        "vehicles": [spv(name="V1", facilities=["A"]), spv(name="V2", facilities=["B"], cohorts=["H100-A"])]})
    problems = {p.path for p in profile_problems(Company.model_validate(data))}
    assert {"vehicles[0].contracts[0]", "vehicles[1].contracts[0]"} <= problems


def test_the_batch_values_a_vehicle_exposure_at_the_vehicles_foreclosure(make_company, run):
    # the non-recourse case at half resale value: the firm passes, the exposure on the vehicle's loan defaults in
    # 2026Q1 and recovers (8m + 2m) / 100m = 10%, as the Monte Carlo does
    from stress.analysis.batch import exposure_recoveries
    from stress.analysis.montecarlo import Claim

    res = run(_foreclosure_company(make_company, "none"), power_price=POWER_FROM_Q1, resale_factor=np.full((1, 6), 0.5))
    assert res.verdicts[0] == "pass"
    [rates] = exposure_recoveries(res.cc, res, [Claim(100e6, tranche="Loan")])
    assert rates[0] == pytest.approx(0.10)


def test_a_sculpted_tranche_needs_a_vehicle_that_collects_a_contract():
    # a vehicle naming no contract, whose cohort belongs to no programme, collects nothing: a sculpted schedule on
    # its loan would never amortise, so the profile is refused there; naming the contract makes it valid
    from stress.model.checks import profile_problems
    from stress.model.company import Company

    from _companies import base_company_data, merge

    def problems(contracts: list[str]) -> set[str]:
        data = merge(base_company_data(4), {
            "fleet": [cohort()], "contracts": [FULL_TERM],
            "debt": [loan(10_000_000, amortisation="sculpted", target_dscr="1.25x")],
            "vehicles": [spv(contracts=contracts)]})
        return {p.path for p in profile_problems(Company.model_validate(data))}

    assert "debt[0].amortisation" in problems([])
    assert "debt[0].amortisation" not in problems(["C1"])


def test_lenders_take_a_cohorts_construction_in_progress_and_capitalised_interest(make_company, run):
    # As above, with 6m of B's 10m cost spent by as_of and the loan's interest capitalised into B while it is
    # built. At the q1 foreclosure both go to the lenders: nothing of either stays on the parent's books, and
    # the foreclosure gain is the debt extinguished less everything given up (the books still balance).
    company = make_company(horizon_quarters=6, opening={"cash": 50_000_000}, market={"spot_utilisation": 0.0},
                           fleet=[cohort()],
                           capex_plan=[{"name": "B", "gpu": "H100", "units": 1000, "unit_cost": 10_000, "paid_at_as_of": 6e6,
                                        "in_service": "2026-06-30", "useful_life_years": 5, "kw_per_gpu": 1.0}],
                           contracts=[FULL_TERM],
                           debt=[loan(100_000_000, secured_by=["H100-A", "B"], capitalise_interest=True)],
                           vehicles=[spv()])
    res = run(company, power_price=np.array([[0.0] + [1.5] * 5]))
    p = res.projection
    assert res.events(0).vehicle_defaults == {"SPV": "2025Q4"}
    assert p["construction_in_progress"][0, 0] == pytest.approx(6e6) and p["capitalised_interest"][0, 0] > 0
    np.testing.assert_allclose(p["construction_in_progress"][0, 1:], 0, atol=CENTS)
    np.testing.assert_allclose(p["capitalised_interest"][0, 1:], 0, atol=CENTS)
    np.testing.assert_allclose(p["interest_capitalised"][0, 2:], 0, atol=CENTS)  # nothing capitalises into it after
    np.testing.assert_allclose(p["total_assets"][0], p["total_liabilities"][0] + p["equity"][0], atol=CENTS)
