"""Going concern (issue 10) against numbers worked out by hand.

Build programmes bought only when funded, deferred then cancelled; contracts that move with their
capacity; the ``committed`` and ``plan`` cases; the funding gap; convertible accretion; equity raises,
distributions and planned notes; SG&A that scales. Every expected value is computed in the test from the
inputs and a stated formula, never copied from engine output.

The base company (tests/_companies.py) has as_of 2025-06-30, so projection quarter q0 is 2025Q3 (92 days),
q1 2025Q4 (92), q2 2026Q1 (90), q3 2026Q2 (91), q4 2026Q3 (92), q5 2026Q4 (92), q6 2027Q1 (90),
q7 2027Q2 (91), q8 2027Q3 (92), q9 2027Q4 (92). A cohort ``in_service`` in quarter k is paid for in k
(when funded) and earns from k + 1; a lease starting in quarter h is paid from h + 1.

Most tests project two worlds side by side: world 0 in the ``committed`` case and world 1 in ``plan``
(``Worlds.plan``), everything else identical.
"""

from __future__ import annotations

import numpy as np
import pytest

import stress
from stress.engine.programmes import BUILDING, CANCELLED, DEFERRED, DELIVERED, SCHEDULED, STATUS_NAMES

CENTS = 0.01
COMMITTED, PLAN = 0, 1
BOTH = np.array([False, True])  # Worlds.plan for (committed, plan)


def hours(quarter_days: np.ndarray, n: int) -> np.ndarray:
    return quarter_days[:n] * 24.0


def both_cases(run, company, **world_fields):
    """World 0 committed, world 1 plan."""
    return run(company, n=2, plan=BOTH, **world_fields)


def capex(name: str, units: int, unit_cost: float, in_service: str, programme: str | None, gpu: str = "H100",
          **over: object) -> dict:
    """A capex cohort: 1 kW per GPU, 5-year life, no residual."""
    out = {"name": name, "gpu": gpu, "units": units, "unit_cost": unit_cost, "in_service": in_service,
           "useful_life_years": 5, "residual": 0.0, "kw_per_gpu": 1.0, **over}
    if programme is not None:
        out["programme"] = programme
    return out


def ddtl(name: str, limit: float, status: str = "committed", **over: object) -> dict:
    """A delayed-draw facility at 8% fixed, bullet, maturing after every horizon used here."""
    out = {"name": name, "kind": "delayed_draw", "balance": 0, "limit": limit, "rate": "8%",
           "maturity": "2032-06-30", "status": status, **over}
    if status == "planned":
        out.setdefault("evidence", "estimate: a test facility")
    return out


# --------------------------------------------------------------------------------------------
# 1. two programmes: one funded by a committed facility, one by a planned facility
# --------------------------------------------------------------------------------------------

def _two_programme_company(make_company):
    """Alpha: 1,000 H100 at $10k ($10m) due 2025Q4 (q1), 100% on committed FacA; serves a committed contract
    for 1,000 H100 at $3.00 from 2026-01-01.

    Beta: 1,000 B200 at $10k ($10m) due q1 and 500 B200 at $10k ($5m) due 2026Q1 (q2), 75% on the *planned*
    FacB and 25% cash, max 2 quarters' deferral; serves a committed contract for 1,500 B200 at $4.00 from
    2026-01-01; houses in Hall B, a lease of $400k a year from 2025-12-31 (q1) to 2027-12-31 at 8%.
    """
    return make_company(
        horizon_quarters=8,
        opening={"cash": 50_000_000},
        market={"gpu_hour_price": {"H100": {"start": 2.0, "annual_change": 0.0},
                                   "B200": {"start": 5.0, "annual_change": 0.0}}},
        programmes=[
            {"name": "Alpha", "funding": [{"source": "FacA", "share": "100%"}]},
            {"name": "Beta", "funding": [{"source": "FacB", "share": "75%"}, {"source": "cash", "share": "25%"}],
             "max_deferral_quarters": 2},
        ],
        capex_plan=[capex("A1", 1000, 10_000, "2025-12-31", "Alpha"),
                    capex("B1", 1000, 10_000, "2025-12-31", "Beta", gpu="B200"),
                    capex("B2", 500, 10_000, "2026-03-31", "Beta", gpu="B200")],
        contracts=[{"name": "Alpha deal", "customer": "X", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0,
                    "start": "2026-01-01", "end": "2027-12-31", "programme": "Alpha"},
                   {"name": "Beta deal", "customer": "Y", "gpu": "B200", "gpus": 1500, "price_per_gpu_hour": 4.0,
                    "start": "2026-01-01", "end": "2027-12-31", "programme": "Beta"}],
        leases=[{"name": "Hall B", "annual_payment": 400_000, "start": "2025-12-31", "end": "2027-12-31",
                 "discount_rate": 0.08, "programme": "Beta"}],
        debt=[ddtl("FacA", 20_000_000), ddtl("FacB", 20_000_000, status="planned")],
    )


def test_unfunded_programme_is_deferred_then_cancelled_in_committed(make_company, run, quarter_days):
    res = both_cases(run, _two_programme_company(make_company))
    p = res.projection
    # committed: FacB never opens, so neither Beta cohort can be paid (all sources must pay their share).
    # q1: B1 ($10m) due and unfunded -> deferred, waited 0 < 2 quarters.
    # q2: B1 waited 1 < 2, B2 ($5m) due and unfunded -> $15m deferred.
    # q3: B1 has waited 2 >= max_deferral 2 -> Beta cancelled: both unbought cohorts, $15m, in that quarter.
    np.testing.assert_allclose(p["capex_deferred"][COMMITTED], [0, 10e6, 15e6, 0, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["capex_cancelled"][COMMITTED], [0, 0, 0, 15e6, 0, 0, 0, 0], atol=CENTS)
    # only Alpha's $10m is bought, in q1, all drawn on FacA
    np.testing.assert_allclose(p["capex"][COMMITTED], [0, 10e6, 0, 0, 0, 0, 0, 0], atol=CENTS)
    fac_a, fac_b = res.cc.tranche_names.index("FacA"), res.cc.tranche_names.index("FacB")
    np.testing.assert_allclose(p.tranches["drawn"][COMMITTED, fac_a], [0, 10e6, 0, 0, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p.tranches["closing"][COMMITTED, fac_b], 0.0, atol=CENTS)

    alpha, beta = res.cc.programmes.names.index("Alpha"), res.cc.programmes.names.index("Beta")
    assert STATUS_NAMES[DEFERRED] == "deferred" and STATUS_NAMES[CANCELLED] == "cancelled"
    S, D, B, V, X = SCHEDULED, DEFERRED, BUILDING, DELIVERED, CANCELLED
    np.testing.assert_array_equal(p.programme_status[COMMITTED, beta], [S, D, D, X, X, X, X, X])
    np.testing.assert_array_equal(p.programme_status[COMMITTED, alpha], [S, V, V, V, V, V, V, V])
    # plan: FacB is open from q0; B1 bought in q1 (Beta one cohort of two: building), B2 in q2 (delivered)
    np.testing.assert_array_equal(p.programme_status[PLAN, beta], [S, B, V, V, V, V, V, V])
    np.testing.assert_array_equal(p.programme_status[PLAN, alpha], [S, V, V, V, V, V, V, V])
    np.testing.assert_allclose(p["capex_deferred"][PLAN], 0.0, atol=CENTS)
    np.testing.assert_allclose(p["capex_cancelled"][PLAN], 0.0, atol=CENTS)


def test_cancelled_programme_loses_its_contract_and_keeps_its_lease(make_company, run, quarter_days):
    res = both_cases(run, _two_programme_company(make_company))
    p = res.projection
    h = hours(quarter_days, 8)
    earning = np.arange(8) >= 2  # both cohorts due q1 are bought in q1 and earn from q2; contracts start q2
    alpha_revenue = np.where(earning, 1000 * h * 3.0, 0.0)
    # committed: Beta's contract never earns (its capacity is never delivered, then it is lost with Beta)
    np.testing.assert_allclose(p["revenue_contracted"][COMMITTED], alpha_revenue, atol=CENTS)
    # plan: in q2 only B1's 1,000 B200 are in service: the 1,500-GPU contract is served by the 1,000 there
    # (the capacity due by q1 is all delivered, so it earns); from q3 B2 is in too and it is served in full
    beta_gpus = np.array([0, 0, 1000, 1500, 1500, 1500, 1500, 1500])
    np.testing.assert_allclose(p["revenue_contracted"][PLAN], alpha_revenue + beta_gpus * h * 4.0, atol=CENTS)
    # every GPU is under contract, so nothing sells at spot in either case
    np.testing.assert_allclose(p["revenue_spot"], 0.0, atol=CENTS)

    # Hall B costs the same whether or not Beta fills it: $100k a quarter in arrears from q2
    np.testing.assert_allclose(p["lease_payments"][COMMITTED], [0, 0] + [100_000] * 6, atol=CENTS)
    for line in ("lease_payments", "lease_cost", "lease_liabilities", "rou_assets"):
        np.testing.assert_allclose(p[line][COMMITTED], p[line][PLAN], atol=CENTS, err_msg=line)
    assert (p["lease_cost"][COMMITTED, 2:] > 0).all()


def test_plan_buys_on_schedule_drawing_the_planned_facility(make_company, run):
    res = both_cases(run, _two_programme_company(make_company))
    p, t = res.projection, res.projection.tranches
    fac_a, fac_b = res.cc.tranche_names.index("FacA"), res.cc.tranche_names.index("FacB")
    # q1: A1 $10m + B1 $10m; q2: B2 $5m
    np.testing.assert_allclose(p["capex"][PLAN], [0, 20e6, 5e6, 0, 0, 0, 0, 0], atol=CENTS)
    # FacB pays 75%: 7.5m in q1, 3.75m in q2; FacA pays Alpha's 10m in q1
    np.testing.assert_allclose(t["drawn"][PLAN, fac_b], [0, 7.5e6, 3.75e6, 0, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(t["drawn"][PLAN, fac_a], [0, 10e6, 0, 0, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(t["closing"][PLAN, fac_b, -1], 11.25e6, atol=CENTS)
    # interest at 8% / 4 on the opening balance: FacB 7.5m x 2% in q2, 11.25m x 2% from q3
    np.testing.assert_allclose(t["interest"][PLAN, fac_b], [0, 0, 150_000] + [225_000] * 5, atol=CENTS)
    # the cash shares: 25% of B1 and of B2 leave cash; the rest of capex is debt drawn
    np.testing.assert_allclose(p["capex"][PLAN] - p["debt_drawn"][PLAN], [0, 2.5e6, 1.25e6, 0, 0, 0, 0, 0], atol=CENTS)


def test_funding_gap_by_hand(make_company, run):
    res = both_cases(run, _two_programme_company(make_company))
    p = res.projection
    # cost x planned share in the quarter each cohort is due: B1 $10m x 75% in q1, B2 $5m x 75% in q2;
    # Alpha is all committed. What the plan still needs is the same in either case.
    gap = [0, 7.5e6, 3.75e6, 0, 0, 0, 0, 0]
    # scheduled capex, bought or not: A1 $10m + B1 $10m in q1, B2 $5m in q2
    np.testing.assert_allclose(p["capex_scheduled"], [[0, 20e6, 5e6, 0, 0, 0, 0, 0]] * 2, atol=CENTS)
    np.testing.assert_allclose(p["funding_gap"][COMMITTED], gap, atol=CENTS)
    np.testing.assert_allclose(p["funding_gap"][PLAN], gap, atol=CENTS)
    for world in (COMMITTED, PLAN):
        peak, when = res.funding_gap(world)
        assert peak == pytest.approx(11.25e6, abs=CENTS)  # cumulative 7.5m + 3.75m
        assert when == "2026Q1"  # q2


def test_api_case_selects_the_world_case(make_company, run):
    company = _two_programme_company(make_company)
    two = both_cases(run, company).projection
    for case, world in (("committed", COMMITTED), ("plan", PLAN)):
        res = stress.run(company, case=case)
        assert res.cases == [case]
        for line in ("capex", "revenue", "cash", "capex_cancelled", "funding_gap"):
            np.testing.assert_allclose(res.projection[line][0], two[line][world], atol=CENTS, err_msg=line)


# --------------------------------------------------------------------------------------------
# 2. contracts move with their capacity
# --------------------------------------------------------------------------------------------

def _late_cash_company(make_company, contracts):
    """Build: 1,000 H100 at $10k ($10m) due 2025Q3 (q0), paid from cash, max 4 quarters' deferral. Cash is
    0 until notes of $10m at 0% (funding no programme, so issued in full) arrive on 2026-01-15 (q2): the
    cohort waits two quarters, is bought in q2 and earns from q3. Spot utilisation 0, so only contracts
    earn."""
    return make_company(
        horizon_quarters=10,
        market={"spot_utilisation": 0.0},
        programmes=[{"name": "Build", "funding": [{"source": "cash", "share": "100%"}], "max_deferral_quarters": 4}],
        capex_plan=[capex("K", 1000, 10_000, "2025-09-30", "Build")],
        contracts=contracts,
        debt=[{"name": "Notes", "kind": "notes", "balance": 0, "limit": 10_000_000, "rate": "0%",
               "maturity": "2032-06-30", "available_from": "2026-01-15"}],
    )


def test_contract_slips_with_its_capacity_and_is_lost_past_its_tolerance(make_company, run, quarter_days):
    contracts = [
        # starts mid-q1 (2025-11-15): 47 of q1's 92 days, then whole quarters to 2026-12-31 (q5)
        {"name": "Slips", "customer": "A", "gpu": "H100", "gpus": 400, "price_per_gpu_hour": 3.0,
         "start": "2025-11-15", "end": "2026-12-31", "programme": "Build"},
        # tolerates 2 quarters of slip: exactly what happens, so kept (and shifted)
        {"name": "Tolerant", "customer": "B", "gpu": "H100", "gpus": 300, "price_per_gpu_hour": 2.0,
         "start": "2025-10-01", "end": "2026-12-31", "programme": "Build", "cancel_after_quarters": 2},
        # tolerates 1 quarter: at the start of q2 the cohort is 2 quarters late -> lost, never earns
        {"name": "Impatient", "customer": "C", "gpu": "H100", "gpus": 300, "price_per_gpu_hour": 5.0,
         "start": "2025-10-01", "end": "2026-12-31", "programme": "Build", "cancel_after_quarters": 1},
    ]
    res = run(_late_cash_company(make_company, contracts))
    p = res.projection
    h = hours(quarter_days, 10)
    np.testing.assert_allclose(p["capex"][0], [0, 0, 10e6] + [0] * 7, atol=CENTS)
    np.testing.assert_allclose(p["capex_deferred"][0], [10e6, 10e6] + [0] * 8, atol=CENTS)
    np.testing.assert_allclose(p["debt_drawn"][0], [0, 0, 10e6] + [0] * 7, atol=CENTS)
    # as signed: Slips covers 47/92 of q1 and q2..q5; Tolerant covers q1..q5. Slipped by 2 quarters
    # (bought q2, due q0) each earns in quarter q what it would have in q - 2: from q3 to q7
    # (the fractional first quarter lands in q3, priced at q3's hours).
    slips = np.zeros(10)
    slips[3] = 47 / 92
    slips[4:8] = 1.0
    tolerant = np.zeros(10)
    tolerant[3:8] = 1.0
    expected = 400 * 3.0 * h * slips + 300 * 2.0 * h * tolerant
    np.testing.assert_allclose(p["revenue_contracted"][0], expected, atol=CENTS)
    np.testing.assert_allclose(p["revenue_spot"][0], 0.0, atol=CENTS)


def _hall_company(make_company, contract_start: str, in_service: str, hall_start: str):
    return make_company(
        horizon_quarters=8,
        opening={"cash": 100_000_000},
        market={"spot_utilisation": 0.0},
        programmes=[{"name": "P", "funding": [{"source": "cash", "share": "100%"}]}],
        capex_plan=[capex("K", 1000, 10_000, in_service, "P")],
        contracts=[{"customer": "A", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0,
                    "start": contract_start, "end": "2028-06-30", "programme": "P"}],
        leases=[{"name": "Hall", "annual_payment": 1_000_000, "start": hall_start, "end": "2030-06-30",
                 "discount_rate": 0.08, "programme": "P"}],
    )


@pytest.mark.parametrize(("contract_start", "in_service", "hall_start", "first"), [
    ("2026-04-01", "2025-09-30", "2025-09-30", 3),  # contract starts q3: latest
    ("2025-07-01", "2026-03-31", "2025-09-30", 3),  # cohort in service in q2, earns from q3: latest
    ("2025-07-01", "2025-09-30", "2026-06-30", 4),  # hall commences in q3, usable from q4: latest
], ids=["contract-start", "in-service", "hall"])
def test_revenue_starts_at_the_latest_of_contract_capacity_and_hall(make_company, run, quarter_days,
                                                                    contract_start, in_service, hall_start, first):
    res = run(_hall_company(make_company, contract_start, in_service, hall_start))
    h = hours(quarter_days, 8)
    # none is late (bought when due from ample cash), so nothing shifts: the quarters before `first` are lost
    expected = np.where(np.arange(8) >= first, 1000 * 3.0 * h, 0.0)
    np.testing.assert_allclose(res.projection["revenue_contracted"][0], expected, atol=CENTS)


# --------------------------------------------------------------------------------------------
# 3. a convertible accretes to its redemption amount
# --------------------------------------------------------------------------------------------

def test_convertible_accretes_to_redemption_by_hand(make_company, run):
    # B = $80m carried, R = $100m repaid on 2027-06-30 (q7): n = 8 quarters q0..q7. Accreting at a constant
    # quarterly rate g = (R / B) ** (1 / n) - 1 the balance after quarter q is B x (R / B) ** ((q + 1) / n),
    # so accretion in q is the difference of consecutive balances; the engine's per-quarter form
    # balance x ((R / balance) ** (1 / quarters left) - 1) is the same number. Coupon 2% on R, in cash.
    B, R, n = 80e6, 100e6, 8
    res = run(make_company(horizon_quarters=10, opening={"cash": 200_000_000},
                           debt=[{"name": "Conv", "kind": "convertible", "balance": B, "redemption": R,
                                  "rate": "2%", "maturity": "2027-06-30"}]))
    p, t = res.projection, res.projection.tranches
    growth = (R / B) ** (1 / n)
    carrying = B * growth ** np.arange(0, n + 1)  # opening of q0 .. closing of q7, before repayment
    accreted = np.concatenate([np.diff(carrying), [0, 0]])
    cash = np.array([R * 0.02 / 4] * n + [0, 0])  # $500k a quarter while outstanding
    np.testing.assert_allclose(t["accreted"][0, 0], accreted, atol=CENTS)
    np.testing.assert_allclose(p["interest_accreted"][0], accreted, atol=CENTS)
    np.testing.assert_allclose(p["interest_paid"][0], cash, atol=CENTS)
    np.testing.assert_allclose(p["interest_expense"][0], cash + accreted, atol=CENTS)
    np.testing.assert_allclose(t["interest"][0, 0], cash + accreted, atol=CENTS)
    assert accreted[:n].sum() == pytest.approx(R - B, abs=CENTS)
    # redeemed at R in q7 from cash; nothing outstanding after
    np.testing.assert_allclose(t["repaid"][0, 0], [0] * 7 + [R, 0, 0], atol=CENTS)
    np.testing.assert_allclose(t["closing"][0, 0], [*carrying[1:n], 0.0, 0.0, 0.0], atol=CENTS)
    # cash falls only by the coupons and the redemption (no revenue, no costs, no tax)
    assert p["cash"][0, -1] == pytest.approx(200e6 - cash.sum() - R, abs=CENTS)
    # the accretion is an expense but not cash: equity falls by coupons + accretion
    assert p["equity"][0, -1] - res.cc.opening.equity == pytest.approx(-(cash.sum() + (R - B)), abs=CENTS)


def test_planned_convertible_issued_later_accretes_from_issue(make_company, run):
    # $40m raised on 2026-01-15 (q2) in the plan case only, redeemed at $50m on 2027-06-30 (q7). Issued after
    # q2's interest, it accretes over q3..q7: n = 5 quarters, balance 40m x (50/40) ** (k/5).
    L, R = 40e6, 50e6
    res = both_cases(run, make_company(
        horizon_quarters=8, opening={"cash": 100_000_000},
        debt=[{"name": "Conv", "kind": "convertible", "balance": 0, "limit": L, "redemption": R, "rate": "1%",
               "maturity": "2027-06-30", "available_from": "2026-01-15", "status": "planned",
               "evidence": "estimate: test"}]))
    t = res.projection.tranches
    carrying = L * (R / L) ** (np.arange(0, 6) / 5)
    np.testing.assert_allclose(t["drawn"][PLAN, 0], [0, 0, L, 0, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(t["accreted"][PLAN, 0], [0, 0, 0, *np.diff(carrying)], atol=CENTS)
    np.testing.assert_allclose(t["interest"][PLAN, 0] - t["accreted"][PLAN, 0], [0, 0, 0] + [R * 0.01 / 4] * 5, atol=CENTS)
    np.testing.assert_allclose(t["repaid"][PLAN, 0], [0] * 7 + [R], atol=CENTS)
    # never raised in the committed case
    for line in ("drawn", "accreted", "interest", "repaid", "closing"):
        np.testing.assert_allclose(t[line][COMMITTED, 0], 0.0, atol=CENTS, err_msg=line)


# --------------------------------------------------------------------------------------------
# 4. distributions and equity raises
# --------------------------------------------------------------------------------------------

def test_dividend_suspended_by_its_rule_and_resumed_after_an_equity_raise(make_company, run):
    # $6m cash and nothing else: no revenue, costs or tax, so net income is 0 and only the dividend and the
    # raise move cash. Dividend $1m a quarter from 2025-07-01, suspended when paying would leave liquidity
    # (cash + undrawn revolver; there is none) below $5m. A committed raise of $10m on 2026-05-01 (q3).
    res = run(make_company(
        horizon_quarters=8, opening={"cash": 6_000_000},
        distributions=[{"name": "Div", "kind": "dividend", "per_quarter": 1_000_000, "start": "2025-07-01",
                        "suspend_below_liquidity": 5_000_000}],
        equity=[{"name": "Raise", "amount": 10_000_000, "date": "2026-05-01"}]))
    p = res.projection
    # q0: 6 - 1 = 5 >= 5 -> paid (cash 5); q1, q2: 5 - 1 = 4 < 5 -> suspended;
    # q3: 5 + 10 raised = 15 -> paid (14); q4..q7: 13, 12, 11, 10 (each leaves >= 5) -> paid
    paid = np.array([1, 0, 0, 1, 1, 1, 1, 1]) * 1e6
    issued = np.array([0, 0, 0, 10, 0, 0, 0, 0]) * 1e6
    cash = np.array([5, 5, 5, 14, 13, 12, 11, 10]) * 1e6
    np.testing.assert_allclose(p["distributions"][0], paid, atol=CENTS)
    np.testing.assert_allclose(p["equity_issued"][0], issued, atol=CENTS)
    np.testing.assert_allclose(p["cash"][0], cash, atol=CENTS)
    np.testing.assert_allclose(p["net_cash_flow"][0], issued - paid, atol=CENTS)
    # equity (opening 6m: cash, no liabilities) rises by the raise and falls by the distributions
    assert res.cc.opening.equity == pytest.approx(6e6, abs=CENTS)
    np.testing.assert_allclose(p["equity"][0], 6e6 + np.cumsum(issued - paid), atol=CENTS)
    np.testing.assert_allclose(p["total_assets"][0] - p["total_liabilities"][0], p["equity"][0], atol=CENTS)


def test_undrawn_revolver_counts_toward_the_dividend_floor(make_company, run):
    # as above without the raise, plus an undrawn $2m revolver: liquidity after paying = cash - 1 + 2.
    # q0: 6 - 1 + 2 = 7 >= 5 -> paid (cash 5); q1: 5 - 1 + 2 = 6 -> paid (4); q2: 4 - 1 + 2 = 5, the floor
    # itself -> paid (3); q3: 3 - 1 + 2 = 4 < 5 -> suspended from then on. Without the revolver only q0 pays.
    res = run(make_company(
        horizon_quarters=6, opening={"cash": 6_000_000},
        distributions=[{"name": "Div", "per_quarter": 1_000_000, "start": "2025-07-01",
                        "suspend_below_liquidity": 5_000_000}],
        debt=[{"name": "RCF", "kind": "revolver", "balance": 0, "limit": 2_000_000, "rate": "5%",
               "maturity": "2030-06-30"}]))
    p = res.projection
    np.testing.assert_allclose(p["distributions"][0], [1e6, 1e6, 1e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["cash"][0], [5e6, 4e6, 3e6, 3e6, 3e6, 3e6], atol=CENTS)
    np.testing.assert_allclose(p["revolver_available"][0], 2e6, atol=CENTS)


def test_dividend_ends_on_its_end_date(make_company, run):
    # $1m a quarter from 2025-10-01 (q1) to 2026-06-30 (q3), no floor beyond the minimum cash of 0
    res = run(make_company(horizon_quarters=6, opening={"cash": 10_000_000},
                           distributions=[{"name": "Buyback", "kind": "buyback", "per_quarter": 1_000_000,
                                           "start": "2025-10-01", "end": "2026-06-30"}]))
    np.testing.assert_allclose(res.projection["distributions"][0], [0, 1e6, 1e6, 1e6, 0, 0], atol=CENTS)
    np.testing.assert_allclose(res.projection["cash"][0], [10e6, 9e6, 8e6, 7e6, 7e6, 7e6], atol=CENTS)


def test_planned_raise_waits_for_an_open_market_and_is_absent_in_committed(make_company, run):
    # two raises dated 2025-10-15 (q1): committed $3m and planned $7m. The financing market is closed
    # in q1 and q2 (Worlds.refi_open False): the committed raise arrives anyway in q1; the planned one waits
    # for the first open quarter, q3, and only in the plan case.
    refi_open = np.ones((2, 6), dtype=bool)
    refi_open[:, 1:3] = False
    res = both_cases(run, make_company(
        horizon_quarters=6, opening={"cash": 1_000_000},
        equity=[{"name": "Signed", "amount": 3_000_000, "date": "2025-10-15"},
                {"name": "Hoped", "amount": 7_000_000, "date": "2025-10-15", "status": "planned",
                 "evidence": "estimate: a test"}]), refi_open=refi_open)
    p = res.projection
    np.testing.assert_allclose(p["equity_issued"][COMMITTED], [0, 3e6, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["equity_issued"][PLAN], [0, 3e6, 0, 7e6, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["cash"][COMMITTED], [1e6, 4e6, 4e6, 4e6, 4e6, 4e6], atol=CENTS)
    np.testing.assert_allclose(p["cash"][PLAN], [1e6, 4e6, 4e6, 11e6, 11e6, 11e6], atol=CENTS)
    np.testing.assert_allclose(p["equity"][PLAN] - p["equity"][COMMITTED], [0, 0, 0, 7e6, 7e6, 7e6], atol=CENTS)
    # with the market open throughout, the planned raise arrives on its date, q1
    open_res = both_cases(run, res.company)
    np.testing.assert_allclose(open_res.projection["equity_issued"][PLAN], [0, 10e6, 0, 0, 0, 0], atol=CENTS)


def test_equity_raise_funds_its_programme_share(make_company, run):
    # a programme paid 60% by a committed $6m raise on 2025-10-15 (q1) and 40% from cash; its $10m cohort is
    # due in q0, before the raise: deferred in q0, bought in q1 when the raise is in. Opening cash $5m.
    res = run(make_company(
        horizon_quarters=4, opening={"cash": 5_000_000},
        programmes=[{"name": "P", "funding": [{"source": "Raise", "share": "60%"}, {"source": "cash", "share": "40%"}]}],
        capex_plan=[capex("K", 1000, 10_000, "2025-09-30", "P")],
        equity=[{"name": "Raise", "amount": 6_000_000, "date": "2025-10-15"}]))
    p = res.projection
    np.testing.assert_allclose(p["capex_deferred"][0], [10e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["capex"][0], [0, 10e6, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["equity_issued"][0], [0, 6e6, 0, 0], atol=CENTS)
    # q1: 5m + 6m raised - 10m paid = 1m; the cohort earns spot from q2 at $2.00 x 100%
    assert p["cash"][0, 1] == pytest.approx(1e6, abs=CENTS)


# --------------------------------------------------------------------------------------------
# 5. planned notes issued in full
# --------------------------------------------------------------------------------------------

def test_planned_notes_issued_in_full_in_plan_only(make_company, run):
    # $50m of planned 6% notes, available from 2026-01-15 (q2), funding no programme: issued in full as cash in
    # q2 in the plan case; coupon 50m x 6% / 4 = $750k from q3; never in the committed case.
    res = both_cases(run, make_company(
        horizon_quarters=6, opening={"cash": 1_000_000},
        debt=[{"name": "New notes", "kind": "notes", "balance": 0, "limit": 50_000_000, "rate": "6%",
               "maturity": "2031-06-30", "available_from": "2026-01-15", "status": "planned",
               "evidence": "estimate: a test"}]))
    p = res.projection
    drawn = np.array([0, 0, 50e6, 0, 0, 0])
    coupon = np.array([0, 0, 0, 750e3, 750e3, 750e3])
    np.testing.assert_allclose(p["debt_drawn"][PLAN], drawn, atol=CENTS)
    np.testing.assert_allclose(p["interest_paid"][PLAN], coupon, atol=CENTS)
    np.testing.assert_allclose(p["debt"][PLAN], [0, 0, 50e6, 50e6, 50e6, 50e6], atol=CENTS)
    np.testing.assert_allclose(p["cash"][PLAN], 1e6 + np.cumsum(drawn - coupon), atol=CENTS)
    np.testing.assert_allclose(p["funding_gap"][PLAN], 0.0, atol=CENTS)  # funds no capex: not a gap
    for line in ("debt_drawn", "interest_paid", "debt"):
        np.testing.assert_allclose(p[line][COMMITTED], 0.0, atol=CENTS, err_msg=line)
    np.testing.assert_allclose(p["cash"][COMMITTED], 1e6, atol=CENTS)


def test_planned_notes_wait_for_an_open_market(make_company, run):
    refi_open = np.ones((1, 6), dtype=bool)
    refi_open[0, 2:4] = False  # closed in q2 and q3: issued in q4
    res = run(make_company(
        horizon_quarters=6, opening={"cash": 1_000_000},
        debt=[{"name": "New notes", "kind": "notes", "balance": 0, "limit": 50_000_000, "rate": "6%",
               "maturity": "2031-06-30", "available_from": "2026-01-15", "status": "planned",
               "evidence": "estimate: a test"}]), refi_open=refi_open)
    np.testing.assert_allclose(res.projection["debt_drawn"][0], [0, 0, 0, 0, 50e6, 0], atol=CENTS)


# --------------------------------------------------------------------------------------------
# 6. SG&A that scales
# --------------------------------------------------------------------------------------------

def test_sga_fixed_per_mw_and_share_of_revenue(make_company, run, quarter_days):
    # owned: 1,000 H100 at 1.0 kW (1 MW) earning throughout; bought: 2,000 H100 at 1.5 kW (3 MW), due 2025Q4
    # (q1) from cash, earning from q2. Spot at $2.00 x 100%. SG&A = $100k fixed + $400k per MW-year / 4 x MW
    # earning + 5% of revenue.
    res = run(make_company(
        horizon_quarters=6, opening={"cash": 100_000_000},
        fleet=[{"name": "Owned", "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
                "useful_life_years": 5, "kw_per_gpu": 1.0}],
        capex_plan=[capex("New", 2000, 10_000, "2025-12-31", None, kw_per_gpu=1.5)],
        costs={"sga_per_quarter": 100_000, "sga_per_mw_year": 400_000, "sga_share_of_revenue": 0.05}))
    p = res.projection
    h = hours(quarter_days, 6)
    gpus = np.array([1000, 1000, 3000, 3000, 3000, 3000])
    mw = np.array([1.0, 1.0, 4.0, 4.0, 4.0, 4.0])  # 1,000 x 1.0 kW; + 2,000 x 1.5 kW = 3 MW from q2
    revenue = gpus * h * 2.0
    sga = 100_000 + 400_000 / 4 * mw + 0.05 * revenue
    np.testing.assert_allclose(p["revenue"][0], revenue, atol=CENTS)
    np.testing.assert_allclose(p["sga"][0], sga, atol=CENTS)
    np.testing.assert_allclose(p["ebitda"][0], revenue - sga, atol=CENTS)


# --------------------------------------------------------------------------------------------
# 7. who gets the cash, and a facility whose commitment has ended
# --------------------------------------------------------------------------------------------

def test_programmes_on_committed_funding_have_first_call_on_cash(make_company, run):
    """Cohorts are funded one by one, those paid only by committed sources first: what the firm has signed for
    comes before what it hopes to raise. So the plan case does not spend on P1 (half on a planned facility)
    the cash that P2 (all cash) needs, and here buys exactly what the committed case buys."""
    # $9m cash. P1: $4m due q0, 50% planned facility F + 50% cash. P2: $8m due q0, 100% cash. No revenue
    # (spot utilisation 0, no contracts), F at 0%: cash moves only with capex.
    res = both_cases(run, make_company(
        horizon_quarters=6, opening={"cash": 9_000_000}, market={"spot_utilisation": 0.0},
        programmes=[{"name": "P1", "funding": [{"source": "F", "share": "50%"}, {"source": "cash", "share": "50%"}]},
                    {"name": "P2", "funding": [{"source": "cash", "share": "100%"}], "max_deferral_quarters": 2}],
        capex_plan=[capex("K1", 400, 10_000, "2025-09-30", "P1"), capex("K2", 800, 10_000, "2025-09-30", "P2")],
        debt=[ddtl("F", 10_000_000, status="planned", rate="0%")]))
    p = res.projection
    for world in (COMMITTED, PLAN):
        # P2 first: $8m from the $9m; P1 then needs $2m of cash with $1m left (and, in committed, F never opens):
        # deferred four quarters (the default), cancelled in q4
        np.testing.assert_allclose(p["capex"][world], [8e6, 0, 0, 0, 0, 0], atol=CENTS)
        np.testing.assert_allclose(p["capex_deferred"][world], [4e6, 4e6, 4e6, 4e6, 0, 0], atol=CENTS)
        np.testing.assert_allclose(p["capex_cancelled"][world], [0, 0, 0, 0, 4e6, 0], atol=CENTS)
        np.testing.assert_allclose(p["cash"][world], 1e6, atol=CENTS)
    np.testing.assert_allclose(p.tranches["drawn"][PLAN, 0], 0.0, atol=CENTS)


def test_refinancing_a_matured_delayed_draw_does_not_revive_its_commitment(make_company, run):
    # A $20m delayed-draw facility, $5m drawn, matures 2026-03-31 (q2); its cohort ($10m, 100% on it) is due
    # 2026-09-30 (q4), after the commitment has ended: a funded_by facility with no headroom leaves the cost
    # to cash (test_no_draw_on_expired_delayed_draw). World 0 has $100m of cash, repays the $5m at maturity
    # and pays the cohort from cash; world 1 has none and refinances it (markets open). Refinancing the drawn
    # $5m as new 5-year debt is not a new commitment: neither world may draw the $15m left undrawn.
    refinance = make_company(horizon_quarters=6, opening={"cash": 0}, refinancing={"closed_from": None},
                             capex_plan=[capex("K", 1000, 10_000, "2026-09-30", None, funded_by="D")],
                             debt=[{"name": "D", "kind": "delayed_draw", "balance": 5_000_000, "limit": 20_000_000,
                                    "rate": "5%", "maturity": "2026-03-31"}])
    repay = make_company(horizon_quarters=6, opening={"cash": 100_000_000}, capex_plan=refinance.model_dump()["capex_plan"],
                         refinancing={"closed_from": None},
                         debt=refinance.model_dump()["debt"])
    rich, poor = run(repay).projection, run(refinance).projection
    np.testing.assert_allclose(rich.tranches["repaid"][0, 0], [0, 0, 5e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(poor.tranches["refinanced"][0, 0], [0, 0, 5e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(rich["capex"][0], [0, 0, 0, 0, 10e6, 0], atol=CENTS)
    np.testing.assert_allclose(rich.tranches["drawn"][0, 0], 0.0, atol=CENTS)
    np.testing.assert_allclose(poor["capex"][0], 0.0, atol=CENTS)
    np.testing.assert_allclose(poor.tranches["drawn"][0, 0], 0.0, atol=CENTS)
    np.testing.assert_allclose(poor["capex_deferred"][0], [0, 0, 0, 0, 10e6, 10e6], atol=CENTS)


# --------------------------------------------------------------------------------------------
# 8. what a second reader found: proceeds kept for their programme, slip measured against the schedule,
#    early capacity that absorbs a slip, a renewal priced when it really starts, notes issued at once
# --------------------------------------------------------------------------------------------

def test_proceeds_raised_for_a_programme_are_not_spent_by_another(make_company, run):
    # $10m of notes issued in q0 name "Notes prog"; "Cash prog" is paid from cash and decided first (all its
    # funding is committed). With no other cash, Cash prog must wait: the notes' proceeds are kept for Notes prog.
    res = run(make_company(
        horizon_quarters=6, market={"spot_utilisation": 0.0},
        programmes=[{"name": "Notes prog", "funding": [{"source": "Notes", "share": "100%"}]},
                    {"name": "Cash prog", "funding": [{"source": "cash", "share": "100%"}], "max_deferral_quarters": 1}],
        capex_plan=[capex("K-notes", 1000, 10_000, "2025-09-30", "Notes prog"),
                    capex("K-cash", 1000, 10_000, "2025-09-30", "Cash prog")],
        debt=[{"name": "Notes", "kind": "notes", "balance": 0, "limit": 10_000_000, "rate": "0%", "maturity": "2032-06-30",
               "available_from": "2025-07-15"}]))
    p = res.projection
    names = res.cc.programmes.names
    status = {n: [STATUS_NAMES[c] for c in p.programme_status[0, i, :2]] for i, n in enumerate(names)}
    assert status == {"Notes prog": ["delivered", "delivered"], "Cash prog": ["deferred", "cancelled"]}
    np.testing.assert_allclose(p["capex"][0], [10e6, 0, 0, 0, 0, 0], atol=CENTS)


def test_a_delay_moves_the_contract_and_can_cost_it(make_company, run, quarter_days):
    # a cohort due q0 (2025-09-30) serving a contract from q1; a delay shock of 3 quarters: bought q3, earns from
    # q4, and the contract's four quarters move to q4..q7; with cancel_after_quarters 1 it is lost instead
    def company(cancel_after):
        contract = {"customer": "A", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0, "start": "2025-10-01",
                    "end": "2026-09-30", "programme": "P"}
        if cancel_after is not None:
            contract["cancel_after_quarters"] = cancel_after
        return make_company(horizon_quarters=8, opening={"cash": 100_000_000}, market={"spot_utilisation": 0.0},
                            programmes=[{"name": "P", "funding": [{"source": "cash", "share": "100%"}]}],
                            capex_plan=[capex("K", 1000, 10_000, "2025-09-30", "P")], contracts=[contract])
    h = hours(quarter_days, 8)
    delay = np.array([[3]])
    moved = run(company(None), delay_q=delay).projection
    expected = np.zeros(8)
    expected[4:8] = 1000 * 3.0 * h[4:8]  # whole quarters, each at its own hours
    np.testing.assert_allclose(moved["revenue_contracted"][0], expected, atol=CENTS)
    lost = run(company(1), delay_q=delay).projection
    np.testing.assert_allclose(lost["revenue_contracted"][0], 0.0, atol=CENTS)


def test_capacity_ready_early_absorbs_its_slip(make_company, run, quarter_days):
    # the cohort is due q0 but its contract starts only in q4 (2026-07-01): bought two quarters late (cash
    # arrives with notes in q2), it is still ready before the contract starts, so the contract keeps its dates
    contracts = [{"customer": "A", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 3.0, "start": "2026-07-01",
                  "end": "2026-12-31", "programme": "Build", "cancel_after_quarters": 1}]
    res = run(_late_cash_company(make_company, contracts))
    h = hours(quarter_days, 10)
    expected = np.zeros(10)
    expected[4:6] = 1000 * 3.0 * h[4:6]
    np.testing.assert_allclose(res.projection["revenue_contracted"][0], expected, atol=CENTS)


def test_committed_notes_undrawn_at_as_of_are_issued_in_the_first_quarter(make_company, run):
    res = run(make_company(horizon_quarters=4, debt=[{"name": "Notes", "kind": "notes", "balance": 0, "limit": 5_000_000,
                                                      "rate": "0%", "maturity": "2030-06-30"}]))
    np.testing.assert_allclose(res.projection["debt_drawn"][0], [5e6, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(res.projection["cash"][0], 5e6, atol=CENTS)


def test_a_zero_coupon_convertible_refinances_at_a_market_spread(make_company, run):
    # 0% convertible of $1m due 2026-03-31 (q2), no cash, no EBITDA (rated CC); lenders told to refinance any
    # rating: at base 4% + the default grid's CC spread, the ICE BofA CCC index OAS of 8.39% (Aug 2025)
    res = run(make_company(horizon_quarters=5, refinancing={"closed_from": None},
                           debt=[{"name": "CB", "kind": "convertible", "balance": 1_000_000, "rate": "0%",
                                  "maturity": "2026-03-31"}]))
    t = res.projection.tranches
    np.testing.assert_allclose(t["refinanced"][0, 0, 2], 1e6, atol=CENTS)
    np.testing.assert_allclose(t["interest"][0, 0, 3], 1e6 * (0.04 + 0.0839) / 4, atol=CENTS)


def test_a_firm_rated_cc_cannot_refinance(make_company, run):
    # the same convertible under the default grid (closed from CC): no EBITDA, so no refinancing: a maturity default
    res = run(make_company(horizon_quarters=5, debt=[{"name": "CB", "kind": "convertible", "balance": 1_000_000,
                                                      "rate": "0%", "maturity": "2026-03-31"}]))
    assert res.projection.tranches["refinanced"][0, 0].sum() == 0
    assert res.events(0).maturity_default == "2026Q1"


def test_no_worlds_project_to_nothing(make_company):
    import stress
    from stress.engine.compiled import compile_company
    from stress.engine.project import project
    from stress.engine.worlds import baseline_worlds

    cc = compile_company(stress.load_company("coreweave"))
    p = project(cc, baseline_worlds(cc, 1).take(slice(0, 0)))
    assert p["cash"].shape == (0, cc.n_quarters)
