"""stress.analysis.profile (what ``stress show`` prints) and the opening balance sheet.

Figures for tiny.yaml are derived by hand in the comments; the rest are
invariants (the ladder sums to the drawn principal, the Total row is the sum
of the tranche rows) or checked against numpy-financial.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import numpy_financial as npf
import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from stress.analysis.profile import (
    capital_structure,
    case_split,
    contract_table,
    current_rate,
    customer_concentration,
    fleet_table,
    lease_commitments,
    maturity_ladder,
    principal_schedule,
    undrawn_committed,
)
from stress.engine.opening import opening_balance
from stress.errors import ProfileError
from stress.io.profiles import load_company
from stress.model import Company, Tranche

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"
M = 1e6


@pytest.fixture(scope="module")
def tiny() -> Company:
    return load_company(TINY)


def tiny_data() -> dict[str, Any]:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


def variant(**edits: Any) -> Company:
    """tiny.yaml with top-level keys replaced, validated field by field (no cross checks needed here)."""
    data = tiny_data()
    data.update(edits)
    return Company.model_validate(data)


def with_debt(*changes: dict[str, Any]) -> Company:
    """tiny.yaml with ``changes[i]`` merged into debt[i]."""
    data = tiny_data()
    for tranche, change in zip(data["debt"], changes, strict=False):  # fewer changes than tranches leave the rest as they are
        tranche.update(change)
    return Company.model_validate(data)


def q(text: str) -> pd.Period:
    return pd.Period(text, freq="Q")


# --- maturity ladder -------------------------------------------------------------------------

def assert_ladder_invariants(c: Company) -> None:
    ladder = maturity_ladder(c)
    rows = ladder.drop(index="Total")
    np.testing.assert_allclose(ladder.loc["Total"].to_numpy(), rows.sum().to_numpy(), rtol=1e-12)
    drawn = {t.name: t.balance for t in c.debt if t.balance > 0}
    assert list(rows.index) == list(drawn)
    for name, balance in drawn.items():
        assert rows.loc[name].sum() == pytest.approx(balance, rel=1e-9)
    assert ladder.loc["Total"].sum() == pytest.approx(sum(drawn.values()), rel=1e-9)
    assert (rows.to_numpy() >= -1e-6).all()


LADDER_CASES = {
    "tiny": {},
    "annuity notes": {"debt": [None, {"amortisation": "annuity"}]},
    "all annuity": {"debt": [{"amortisation": "annuity"}, {"amortisation": "annuity"}]},
    "drawn revolver and ddtl": {"debt": [None, None, {"balance": "20m"}, {"balance": "40m"}]},
    "all bullet": {"debt": [{"amortisation": "bullet"}]},
}


@pytest.mark.parametrize("case", LADDER_CASES, ids=list(LADDER_CASES))
def test_ladder_totals_are_the_row_sums_and_the_drawn_principal(case: str) -> None:
    changes = LADDER_CASES[case].get("debt", [])
    assert_ladder_invariants(with_debt(*[c or {} for c in changes]))


def test_tiny_ladder_by_hand(tiny: Company) -> None:
    # Term Loan: 200m straight-line over 2025Q3..2028Q2 = 12 quarters of 16.667m:
    #   2025: Q3, Q4 = 33.333m; 2026: 66.667m; 2027: 66.667m; 2028: Q1, Q2 = 33.333m.
    # Notes: 50m bullet at 2027-06-30. Revolver and DDTL are undrawn and have no row.
    ladder = maturity_ladder(tiny)
    assert list(ladder.index) == ["Term Loan", "Notes", "Total"]
    assert list(ladder.columns) == [2025, 2026, 2027, 2028]
    third = 200 * M / 3
    np.testing.assert_allclose(ladder.loc["Term Loan"].to_numpy(), [third / 2, third, third, third / 2], rtol=1e-12)
    np.testing.assert_allclose(ladder.loc["Notes"].to_numpy(), [0, 0, 50 * M, 0], atol=1e-6)
    np.testing.assert_allclose(ladder.loc["Total"].to_numpy(), [third / 2, third, third + 50 * M, third / 2], rtol=1e-12)


def test_straight_line_schedule_is_level_to_maturity(tiny: Company) -> None:
    s = principal_schedule(tiny.tranche("Term Loan"), tiny)
    assert s.index[0] == q("2025Q3") and s.index[-1] == q("2028Q2")
    np.testing.assert_allclose(s.to_numpy(), np.full(12, 200 * M / 12), rtol=1e-12)


def test_bullet_schedule_pays_everything_in_the_maturity_quarter(tiny: Company) -> None:
    s = principal_schedule(tiny.tranche("Notes"), tiny)
    assert len(s) == 8  # 2025Q3..2027Q2
    assert s[q("2027Q2")] == 50 * M
    assert s.drop(q("2027Q2")).sum() == 0.0


def test_fixed_annuity_matches_numpy_financial_ppmt() -> None:
    c = with_debt({}, {"amortisation": "annuity"})
    s = principal_schedule(c.tranche("Notes"), c)
    rate_q = 0.0925 / 4  # 9.25% a year nominal, paid quarterly: interest is balance x rate / 4
    n = 8  # 2025Q3..2027Q2
    expected = -npf.ppmt(rate_q, np.arange(1, n + 1), n, 50 * M)
    np.testing.assert_allclose(s.to_numpy(), expected, rtol=1e-9)
    assert s.sum() == pytest.approx(50 * M, rel=1e-12)
    # a level payment: principal + interest on the balance outstanding is the same each quarter
    outstanding = 50 * M - np.concatenate([[0.0], np.cumsum(s.to_numpy())[:-1]])
    np.testing.assert_allclose(s.to_numpy() + outstanding * rate_q, -npf.pmt(rate_q, n, 50 * M), rtol=1e-9)


def test_floating_annuity_uses_todays_rate_with_its_floor() -> None:
    c = with_debt({"amortisation": "annuity"})
    s = principal_schedule(c.tranche("Term Loan"), c)
    rate_q = (0.043 + 0.06) / 4  # SOFR 4.30% (above the 1% floor) + 600bp, nominal quarterly
    expected = -npf.ppmt(rate_q, np.arange(1, 13), 12, 200 * M)
    np.testing.assert_allclose(s.to_numpy(), expected, rtol=1e-9)
    by_year = maturity_ladder(c).loc["Term Loan"]
    np.testing.assert_allclose(by_year.to_numpy(), [expected[:2].sum(), expected[2:6].sum(), expected[6:10].sum(),
                                                     expected[10:].sum()], rtol=1e-9)


def test_zero_rate_annuity_is_straight_line() -> None:
    c = with_debt({}, {"amortisation": "annuity", "rate": "0%"})
    np.testing.assert_allclose(principal_schedule(c.tranche("Notes"), c).to_numpy(), np.full(8, 50 * M / 8), rtol=1e-12)


@pytest.mark.parametrize(
    ("base", "tranche", "expected"),
    [("4.30%", "Term Loan", 0.043 + 0.06), ("0.5%", "Term Loan", 0.01 + 0.06), ("0.5%", "Notes", 0.0925),
     ("4.30%", "Revolver", 0.043 + 0.03)],
)
def test_current_rate(tiny: Company, base: str, tranche: str, expected: float) -> None:
    from stress.units import parse_rate
    assert current_rate(tiny.tranche(tranche), parse_rate(base)) == pytest.approx(expected, rel=1e-12)


def test_capital_structure_and_undrawn(tiny: Company) -> None:
    frame = capital_structure(tiny).set_index("tranche")
    assert frame["drawn_usd"].sum() == 250 * M
    # limit: Term Loan and Notes have none (drawn counts), Revolver 50m, DDTL 80m
    assert frame["limit_usd"].sum() == 380 * M
    assert frame["undrawn_usd"].sum() == 130 * M
    assert undrawn_committed(tiny) == 130 * M
    assert frame.loc["Term Loan", "seniority"] == "secured"
    assert frame.loc["Notes", "seniority"] == "senior_unsecured"
    assert frame.loc["Term Loan", "rate_today"] == pytest.approx(0.103, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    balance=st.floats(min_value=1e3, max_value=5e10, allow_nan=False),
    quarters=st.integers(min_value=1, max_value=40),
    day=st.integers(min_value=0, max_value=89),
    method=st.sampled_from(["bullet", "straight_line", "annuity"]),
    rate=st.one_of(st.floats(min_value=0.0, max_value=0.25).map(lambda r: f"{r:.4%}"),
                   st.integers(min_value=0, max_value=1500).map(lambda bp: f"SOFR+{bp}bp")),
)
def test_ladder_sums_to_the_balance_for_any_tranche(balance: float, quarters: int, day: int, method: str,
                                                    rate: str) -> None:
    # maturity anywhere in the quarter ``quarters`` after tiny's as_of quarter (2025Q2)
    period = q("2025Q2") + quarters
    maturity = period.start_time.date() + dt.timedelta(days=min(day, (period.end_time.date() - period.start_time.date()).days))
    tranche = Tranche.model_validate({"name": "T", "kind": "term_loan", "balance": balance, "rate": rate,
                                      "maturity": maturity, "amortisation": method})
    c = load_company(TINY).model_copy(update={"debt": [tranche]})
    s = principal_schedule(tranche, c)
    assert len(s) == quarters
    assert s.sum() == pytest.approx(balance, rel=1e-9)
    assert (s.to_numpy() >= -1e-9 * balance).all()
    assert_ladder_invariants(c)


def test_a_maturity_in_the_as_of_quarter_is_rejected_so_the_ladder_never_drops_one(tmp_path: Path) -> None:
    # The ladder, like the engine, starts the quarter after as_of's, so a tranche maturing later in
    # as_of's own quarter would have no quarter to fall in: validation rejects it instead.
    data = tiny_data()
    data["as_of"] = "2025-06-27"
    data["debt"][1]["maturity"] = "2025-06-30"
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_company(path)
    assert [(p.path, p.message, p.value) for p in info.value.problems] == [
        ("debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2", "2025-06-30")]
    # one quarter later it loads, and the ladder keeps every dollar
    data["debt"][1]["maturity"] = "2025-07-01"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    c = load_company(path)
    assert maturity_ladder(c).loc["Total"].sum() == pytest.approx(250 * M)
    assert maturity_ladder(c).loc["Notes", 2025] == pytest.approx(50 * M)


# --- lease commitments ------------------------------------------------------------------------

def test_tiny_lease_commitments_by_hand(tiny: Company) -> None:
    # DC: 20m a year = 5m a quarter, +2% each lease year from 2025-03-31. Commenced 2025Q1, so paid in
    # arrears from 2025Q2; payment j (j = 0..39) falls in 2025Q2 + j and is 5m x 1.02 ** (j // 4).
    # j = 0 (2025Q2) is at or before as_of, so the commitments start with j = 1 (2025Q3).
    #   2025: j=1,2            -> 2 x 5m                  = 10m
    #   2026: j=3 | j=4,5,6    -> 5m + 3 x 5.1m           = 20.3m
    #   2027: j=7 | j=8,9,10   -> 5.1m + 3 x 5.202m       = 20.706m
    #   year Y in 2026..2034   -> 5m x (1.02**(Y-2026) + 3 x 1.02**(Y-2025))
    #   2035: j=39 (2035Q1)    -> 5m x 1.02**9
    frame = lease_commitments(tiny)
    assert list(frame.columns) == ["commenced", "total"]
    assert list(frame.index) == list(range(2025, 2036))
    expected = {2025: 10 * M, 2026: 20.3 * M, 2027: 20.706 * M, 2035: 5 * M * 1.02 ** 9}
    expected |= {y: 5 * M * (1.02 ** (y - 2026) + 3 * 1.02 ** (y - 2025)) for y in range(2028, 2035)}
    for year, amount in expected.items():
        assert frame.loc[year, "commenced"] == pytest.approx(amount, rel=1e-12), year
    # 3 payments of 5m in lease year 0, then 4 in each of lease years 1..9: 5m x (3 + 4 x sum 1.02**y) = 213.994m
    total = 5 * M * (3 + 4 * sum(1.02 ** y for y in range(1, 10)))
    assert frame["total"].sum() == pytest.approx(total, rel=1e-12)
    assert total == pytest.approx(213.994 * M, abs=0.001 * M)
    np.testing.assert_allclose(frame["total"], frame["commenced"], rtol=0)


def test_lease_not_yet_commenced_has_its_own_column(tiny: Company) -> None:
    data = tiny_data()
    # starts 2026Q2, so paid from 2026Q3; 10m a year flat = 2.5m a quarter over 2026Q2..2031Q2 = 20 payments
    data["leases"].append({"name": "New DC", "annual_payment": "10m", "start": "2026-06-30", "end": "2031-06-30",
                           "discount_rate": "9%"})
    frame = lease_commitments(Company.model_validate(data))
    assert list(frame.columns) == ["commenced", "not yet commenced", "total"]
    assert frame.loc[2025, "not yet commenced"] == 0.0
    assert frame.loc[2026, "not yet commenced"] == pytest.approx(5 * M)  # 2026Q3, Q4
    assert frame.loc[2031, "not yet commenced"] == pytest.approx(5 * M)  # 2031Q1, Q2
    assert frame["not yet commenced"].sum() == pytest.approx(20 * 2.5 * M)
    np.testing.assert_allclose(frame["total"], frame["commenced"] + frame["not yet commenced"], rtol=1e-12)
    np.testing.assert_allclose(frame["commenced"], lease_commitments(tiny)["commenced"].reindex(frame.index,
                                                                                                  fill_value=0.0))


# --- opening balance sheet --------------------------------------------------------------------

def dc_lease_liability() -> float:
    """PV at 2025-06-30 of DC's 39 remaining payments (2025Q3..2035Q1), computed independently.

    Payment k quarters after as_of (k = 1..39) is lease payment j = k, 5m x 1.02 ** (k // 4),
    discounted at 10% a year compounded: 1.1 ** (k / 4).
    """
    return sum(5 * M * 1.02 ** (k // 4) / 1.1 ** (k / 4) for k in range(1, 40))


def test_opening_balance_by_hand(tiny: Company) -> None:
    ob = opening_balance(tiny)
    # H100: 10k x 30k = 300m; 90% depreciable over 5 x 4 = 20 quarters = 13.5m a quarter;
    # in service 2025Q1, as_of 2025Q2: one quarter -> 300m - 13.5m = 286.5m
    assert ob.ppe == pytest.approx(286.5 * M, rel=1e-12)
    lease = dc_lease_liability()
    assert ob.lease_liabilities == pytest.approx(lease, rel=1e-12)
    # an operating lease (ASC 842): its straight-line cost is the 40 payments' total, 20m x (1.02 ** 10 - 1) / 0.02
    # = 218.99m, over 40 quarters = 5.4749m a quarter; one quarter (2025Q2) has been expensed at that and paid at
    # 5m, so 0.4749m of rent is accrued and the ROU asset is the liability less it
    accrued = 20 * M * (1.02 ** 10 - 1) / 0.02 / 40 - 5 * M
    assert accrued == pytest.approx(474_860.5, abs=1)
    assert ob.rou_assets == pytest.approx(lease - accrued, rel=1e-12)
    assert ob.debt == 250 * M  # 200m term loan + 50m notes drawn
    assert (ob.cash, ob.receivables, ob.other_assets, ob.other_liabilities) == (100 * M, 20 * M, 30 * M, 10 * M)
    assert ob.total_assets == pytest.approx((100 + 20 + 286.5 + 30) * M + lease - accrued, rel=1e-12)
    assert ob.total_liabilities == pytest.approx((250 + 10) * M + lease, rel=1e-12)
    # the lease is on both sides but for the accrued rent, so equity = 436.5m - 260m - 0.4749m = 176.025m against
    # 178m reported
    assert ob.equity == pytest.approx(ob.total_assets - ob.total_liabilities, rel=1e-15)
    assert ob.equity == pytest.approx(176.5 * M - accrued, rel=1e-12)
    assert ob.reported_equity == 178 * M
    assert ob.equity_gap == pytest.approx(-1.5 * M - accrued, rel=1e-9)
    assert ob.total_assets_gap is None and ob.total_liabilities_gap is None


def test_lease_liability_is_about_136m() -> None:
    # a sanity bound on the independent PV: 39 payments averaging ~5.5m, discounted ~5 years at 10%
    assert 130 * M < dc_lease_liability() < 140 * M


@pytest.mark.parametrize(
    ("in_service", "book_m"),
    [("2025-06-30", 300.0),        # in service in the as_of quarter: not yet depreciated
     ("2024-06-30", 300 - 4 * 13.5),  # four quarters
     ("2019-12-31", 30.0)],       # past its 20-quarter life: held at the 10% residual
)
def test_fleet_book_value_at_as_of(in_service: str, book_m: float) -> None:
    data = tiny_data()
    data["fleet"][0]["in_service"] = in_service
    c = Company.model_validate(data)
    assert opening_balance(c).ppe == pytest.approx(book_m * M, rel=1e-12)
    assert fleet_table(c).set_index("cohort").loc["H100-2025", "book_value_usd"] == pytest.approx(book_m * M, rel=1e-12)


def test_reported_totals_give_gaps() -> None:
    data = tiny_data()
    data["opening"] |= {"reported_total_assets": "600m", "reported_total_liabilities": "400m"}
    ob = opening_balance(Company.model_validate(data))
    lease = dc_lease_liability()
    accrued = 20 * M * (1.02 ** 10 - 1) / 0.02 / 40 - 5 * M  # operating-lease rent accrued at as_of (above)
    assert ob.total_assets_gap == pytest.approx(436.5 * M + lease - accrued - 600 * M, rel=1e-9)
    assert ob.total_liabilities_gap == pytest.approx(260 * M + lease - 400 * M, rel=1e-9)


def test_fleet_table(tiny: Company) -> None:
    frame = fleet_table(tiny).set_index("cohort")
    assert list(frame["status"]) == ["owned", "planned"]
    assert frame.loc["H100-2025", "gross_cost_usd"] == 300 * M
    assert frame.loc["H100-2025", "book_value_usd"] == pytest.approx(286.5 * M, rel=1e-12)
    assert frame.loc["H100-2025", "age_years"] == pytest.approx(91 / 365.25)  # 2025-03-31 -> 2025-06-30
    assert frame.loc["B200-2026", "book_value_usd"] == 2_000 * 50_000  # planned: at cost
    assert frame.loc["B200-2026", "funded_by"] == "DDTL"


# --- contracts and backlog --------------------------------------------------------------------

def test_backlog_by_hand(tiny: Company) -> None:
    # BigCo: 6,000 H100 x $2.50 from as_of 2025-06-30 to 2027-12-31:
    # 365 (to 2026-06-30) + 365 (to 2027-06-30) + 184 (to 2027-12-31) = 914 days = 21,936 hours
    frame = contract_table(tiny)
    assert frame.loc[0, "backlog_usd"] == pytest.approx(6_000 * 2.50 * 914 * 24, rel=1e-12)
    assert frame.loc[0, "backlog_usd"] == pytest.approx(329.04 * M, rel=1e-12)
    assert frame.loc[0, "share_of_backlog"] == 1.0
    conc = customer_concentration(tiny)
    assert list(conc.index) == ["BigCo"] and conc.loc["BigCo", "share"] == 1.0


def test_concentration_is_largest_first_and_shares_sum_to_one() -> None:
    data = tiny_data()
    data["contracts"] += [
        {"customer": "SmallCo", "gpu": "H100", "gpus": 500, "price_per_gpu_hour": 2.0, "start": "2025-01-01",
         "end": "2026-06-30"},
        {"customer": "BigCo", "gpu": "H100", "gpus": 1000, "price_per_gpu_hour": 2.0, "start": "2025-01-01",
         "end": "2026-06-30"},
    ]
    c = Company.model_validate(data)
    contracts = contract_table(c)
    conc = customer_concentration(c)
    assert list(conc.index) == ["BigCo", "SmallCo"]
    assert conc["backlog_usd"].sum() == pytest.approx(contracts["backlog_usd"].sum(), rel=1e-12)
    assert conc.loc["BigCo", "backlog_usd"] == pytest.approx(contracts["backlog_usd"][[0, 2]].sum(), rel=1e-12)
    assert conc["share"].sum() == pytest.approx(1.0, rel=1e-12)
    # SmallCo: 500 x $2 x 365 days (2025-06-30 -> 2026-06-30) x 24
    assert conc.loc["SmallCo", "backlog_usd"] == pytest.approx(500 * 2.0 * 365 * 24, rel=1e-12)


def test_backlog_of_a_contract_starting_after_as_of_counts_every_day() -> None:
    # 2026-01-01..2026-12-31 is a whole year, 365 days, on the same inclusive-end reading that gives
    # BigCo 914 days from as_of to 2027-12-31
    data = tiny_data()
    data["contracts"][0] |= {"start": "2026-01-01", "end": "2026-12-31"}
    frame = contract_table(Company.model_validate(data))
    assert frame.loc[0, "backlog_usd"] == pytest.approx(6_000 * 2.50 * 365 * 24, rel=1e-12)


@pytest.mark.parametrize(
    ("start", "end", "days"),
    [("2025-07-01", "2025-07-01", 1),     # one whole day
     ("2025-06-30", "2025-07-01", 1),     # as_of itself is not backlog: only 2025-07-01
     ("2025-01-01", "2025-06-30", 0),     # over by as_of
     ("2025-07-01", "2026-06-30", 365)],  # a year from the day after as_of, end included
)
def test_backlog_counts_days_after_as_of_to_end_inclusive(start: str, end: str, days: int) -> None:
    data = tiny_data()
    data["contracts"][0] |= {"start": start, "end": end}
    frame = contract_table(Company.model_validate(data))
    assert frame.loc[0, "backlog_usd"] == pytest.approx(6_000 * 2.50 * days * 24, rel=1e-12, abs=0.0)


def test_capital_structure_shows_rates_as_labels(tiny: Company) -> None:
    rates = capital_structure(tiny).set_index("tranche")["rate"]
    assert rates.to_dict() == {"Term Loan": "SOFR+600bp", "Notes": "9.25% fixed", "Revolver": "SOFR+300bp",
                               "DDTL": "SOFR+400bp"}


def test_dated_schedules_reproduce_coreweaves_reported_maturity_table():
    # CoreWeave's 10-Q maturity table at 30 Jun 2025 (R41 in the dated profile): rest of 2025 986, 2026 4,219,
    # 2027 2,833, 2028 1,010, 2029 124, after (the 2030 notes) 2,000, USD m. The profile's dated DDTL schedules
    # are derived from it, so the ladder must give it back (to the rounding of the reported millions)
    import stress

    ladder = maturity_ladder(stress.load_company("coreweave-2025-06-30")).loc["Total"] / 1e6
    np.testing.assert_allclose(ladder.to_numpy(), [986, 4219, 2833, 1010, 124, 2000], atol=1.5)


def test_a_dated_schedule_starts_at_amortise_from():
    # the $200m term loan to 2028-06-30 with 10% instalments dated 2025-12-31 and 2026-12-31 but amortise_from
    # 2026-06-30: the first instalment is skipped (before amortising starts), the second (20m) paid, the rest
    # (180m) at maturity
    c = with_debt({"amortisation": "schedule", "amortise_from": "2026-06-30",
                   "schedule": [{"date": "2025-12-31", "share": "10%"}, {"date": "2026-12-31", "share": "10%"}]})
    row = maturity_ladder(c).loc["Term Loan"] / 1e6
    assert row.get(2025, 0.0) == pytest.approx(0.0) and row[2026] == pytest.approx(20.0)
    assert row.get(2027, 0.0) == pytest.approx(0.0) and row[2028] == pytest.approx(180.0)


def test_case_split_counts_what_each_case_adds() -> None:
    # tiny.yaml's debt is all committed: limits 200 + 50 + 50 + 80 = 380m, undrawn 50 + 80 = 130m. Added here:
    # a planned 100m facility, a committed 30m and a planned 40m equity raise, an awarded contract of
    # 1,000 GPUs at $2 for 2026 (365 days x 24 h x 2,000 = 17.52m) and a pipeline one of 500 at $2 (8.76m).
    data = tiny_data()
    data["debt"].append({"name": "New", "kind": "notes", "balance": 0, "limit": "100m", "rate": "9%",
                         "maturity": "2030-06-30", "status": "planned", "available_from": "2026-01-01",
                         "evidence": "estimate: test"})
    data["equity"] = [{"name": "A", "amount": "30m", "date": "2025-09-30", "status": "committed", "evidence": "test"},
                      {"name": "B", "amount": "40m", "date": "2026-03-31", "status": "planned", "evidence": "test"}]
    year = {"gpu": "H100", "price_per_gpu_hour": 2.0, "start": "2026-01-01", "end": "2026-12-31", "investment_grade": True}
    data["contracts"] += [{**year, "customer": "Next", "name": "n", "gpus": 1000, "status": "awarded"},
                          {**year, "customer": "Hope", "name": "h", "gpus": 500, "status": "pipeline"}]
    split = case_split(Company.model_validate(data)) / M
    bigco = contract_table(Company.model_validate(tiny_data()))["backlog_usd"].sum() / M
    assert list(split.columns) == ["committed", "plan adds", "not counted"]
    np.testing.assert_allclose(split.loc["Debt facilities (limit)"], [380, 100, 0])
    np.testing.assert_allclose(split.loc["  still to draw or issue"], [130, 100, 0])
    np.testing.assert_allclose(split.loc["Equity to raise"], [30, 40, 0])
    np.testing.assert_allclose(split.loc["Contract backlog"], [bigco, 17.52, 8.76])
    data["plan_includes_pipeline"] = True
    assert case_split(Company.model_validate(data)).loc["Contract backlog"].tolist() == pytest.approx(
        [bigco * M, (17.52 + 8.76) * M, 0.0])
