"""Choosing figures from an SEC companyfacts file (stress/io/companyfacts.py, stress/io/draft_facts.py).

The fixture ``tests/fixtures/companyfacts_mini.json`` is hand-written: "Mini GPU Cloud, Inc.", CIK 1234567,
four filings: 10-K FY2024 (accn ...25-000010, filed 2025-02-28), 10-Q Q2 2025 (...25-000030), 10-Q Q3 2025
(...25-000045, filed 2025-11-10) and next year's Q3 10-Q (...26-000050, filed 2026-11-09). Balance sheet at
2025-09-30 (USD m): assets 1,000 = cash 150 + receivables 80 + PP&E 600 + other 170 (restricted cash 20 + 30
inside); liabilities 700 = debt 100 current + 400 non-current + operating leases 10 + 90 + finance leases
1 + 4 + other 95; equity 300; RPO 2,500. Traps, each planted once:

* repeated value: cash at 2025-09-30 is 150 (framed, Q3 10-Q) and 149 in next year's 10-Q (unframed);
  Q3 revenue 120 (framed) and 121 in next year's 10-Q -> 150 and 120.
* fy/fp of the filing: the Q3 2025 10-Q tags cash at 2024-09-30 (90) and Q3 2024 revenue (70) with
  fy=2025, fp=Q3 -> never used.
* year to date: D&A only as 6M 55 and 9M 90 -> Q3 35; capex 6M 180, 9M 300 (and 9M 2024 200) -> Q3 120.
* fallbacks: no ``Revenues`` -> RevenueFromContractWithCustomerExcludingAssessedTax; LongTermDebtNoncurrent
  only at 2024-12-31 -> LongTermDebtAndCapitalLeaseObligations 400 at 2025-09-30.
* exact names: InterestExpenseRelatedParty 99 (listed first) is never taken; InterestExpenseNonoperating 12
  wins over InterestExpense 15 by priority.
* units: Assets also has an EUR fact of 999 at 2025-09-30 -> ignored.
* tables: debt maturities tagged only at 2024-12-31 (80, 150, 50) -> shown dated 2024-12-31; operating
  lease payments at both dates -> 2025-09-30 (15 next twelve months; 130 total; 30 imputed interest).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from stress.errors import ProfileError
from stress.io.companyfacts import read_companyfacts
from stress.io.draft_facts import DEBT_NONCURRENT, INTEREST, REVENUE, gather

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "companyfacts_mini.json"
Q3 = dt.date(2025, 9, 30)
M = 1e6


@pytest.fixture(scope="module")
def facts():
    return gather(read_companyfacts(FIXTURE), Q3)


def test_envelope():
    cf = read_companyfacts(FIXTURE)
    assert (cf.cik, cf.name, cf.ticker()) == (1234567, "Mini GPU Cloud, Inc.", None)


def test_repeated_value_takes_the_framed_copy_for_the_period(facts):
    cash = facts.items["cash"]
    assert cash.value == 150 * M and cash.accns == ("0001234567-25-000045",)
    assert facts.calibration["revenue"].value == 120 * M


def test_fy_fp_are_ignored_periods_chosen_by_dates(facts):
    assert facts.items["cash"].period == "2025-09-30"  # not the 2024-09-30 comparative tagged fy=2025 fp=Q3
    assert facts.calibration["revenue"].period == "2025-07-01..2025-09-30"


def test_year_to_date_quarter_by_difference(facts):
    da, capex = facts.calibration["depreciation and amortisation"], facts.calibration["capex (cash paid for PP&E)"]
    assert da.value == (90 - 55) * M and da.period == "2025-07-01..2025-09-30"
    assert capex.value == (300 - 180) * M
    assert set(capex.accns) == {"0001234567-25-000045", "0001234567-25-000030"} and "year to date" in capex.note


def test_fallbacks_in_priority_order(facts):
    assert facts.calibration["revenue"].concept == REVENUE[1]
    assert facts.items["debt_noncurrent"].concept == DEBT_NONCURRENT[1] and facts.items["debt_noncurrent"].value == 400 * M


def test_exact_concept_names_and_priority(facts):
    interest = facts.calibration["interest expense"]
    assert (interest.concept, interest.value) == (INTEREST[0], 12 * M)


def test_other_units_ignored(facts):
    assert facts.reported["reported_total_assets"].value == 1000 * M


def test_opening_arithmetic(facts):
    o = facts.opening
    assert o["cash"].value == 150 * M and o["receivables"].value == 80 * M
    assert o["other_assets"].value == (1000 - 150 - 80 - 600) * M  # restricted cash (50) stays inside
    assert o["other_liabilities"].value == (700 - 100 - 400 - 10 - 90 - 1 - 4) * M
    assert facts.reported["reported_equity"].value == 300 * M and facts.backlog.value == 2500 * M


def test_tables(facts):
    ladder, leases = facts.tables[0], facts.tables[1]
    assert ladder.as_at == dt.date(2024, 12, 31)
    assert [(label, f.value / M) for label, f in ladder.rows] == [("next 12 months", 80), ("year 2", 150), ("after year 5", 50)]
    assert leases.as_at == Q3 and leases.rows[0][1].value == 15 * M


def test_balance_sheet_within_ten_days():
    assert gather(read_companyfacts(FIXTURE), dt.date(2025, 10, 5)).balance_date == Q3
    with pytest.raises(ProfileError) as err:
        gather(read_companyfacts(FIXTURE), dt.date(2025, 6, 30))
    assert "no balance sheet within 10 days of 2025-06-30" in str(err.value) and "2024-12-31, 2025-09-30" in str(err.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("not json at all", "is not valid JSON"),
    ("[1, 2]", "is not a companyfacts file"),
    ('{"cik": 1, "entityName": "X"}', "is not a companyfacts file"),
    ('{"cik": "x", "entityName": "X", "facts": {}}', "is not a companyfacts file"),
    ('{"cik": 1, "entityName": "X", "facts": {"dei": {}}}', "no US GAAP facts"),
])
def test_bad_files(tmp_path, text, expected):
    path = tmp_path / "f.json"
    path.write_text(text)
    with pytest.raises(ProfileError) as err:
        read_companyfacts(path)
    assert expected in str(err.value) and err.value.kind == "companyfacts"


def test_bad_fact_is_located(tmp_path):
    data = json.loads(FIXTURE.read_text())
    data["facts"]["us-gaap"]["Assets"]["units"]["USD"][2]["end"] = "2025-13-45"
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ProfileError) as err:
        gather(read_companyfacts(path), Q3)
    assert "facts.us-gaap.Assets.units.USD[2].end" in str(err.value)


def test_huge_file_refused_by_size_before_reading(tmp_path):
    path = tmp_path / "big.json"
    with open(path, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)  # sparse: 200 MB by size, nothing to read
    with pytest.raises(ProfileError) as err:
        read_companyfacts(path)
    assert "larger than the 16,777,216-byte limit" in str(err.value)


def test_totals_only_where_neither_part_is_tagged(tmp_path):
    """A firm tagging only LongTermDebt and OperatingLeaseLiability (totals): each is taken out of other
    liabilities once; with the parts tagged (the fixture) a total is never used."""
    data = json.loads(FIXTURE.read_text())
    gaap = data["facts"]["us-gaap"]
    fact = {"end": "2025-09-30", "accn": "0001234567-25-000045", "form": "10-Q", "filed": "2025-11-10"}
    for gone in ("LongTermDebtCurrent", "LongTermDebtAndCapitalLeaseObligations", "OperatingLeaseLiabilityCurrent",
                 "OperatingLeaseLiabilityNoncurrent"):
        del gaap[gone]
    gaap["LongTermDebt"] = {"units": {"USD": [{**fact, "val": 500e6}]}}
    gaap["OperatingLeaseLiability"] = {"units": {"USD": [{**fact, "val": 100e6}]}}
    path = tmp_path / "f.json"
    path.write_text(json.dumps(data))
    got = gather(read_companyfacts(path), Q3)
    assert got.opening["other_liabilities"].value == (700 - 500 - 100 - 1 - 4) * M
    assert gather(read_companyfacts(FIXTURE), Q3).items["debt_total"] is None
