"""``stress draft``: a profile drafted from tests/fixtures/companyfacts_mini.json (documented in
tests/io/test_companyfacts.py), validated with its TODOs, then filled and validated again."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stress.cli import app
from stress.io.profiles import load_profile
from stress.report import console

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "companyfacts_mini.json"
DEFAULT = Path("drafts") / "mini-gpu-cloud-inc-2025-09-30.yaml"
TODO_KEYS = ["ticker", "fleet", "contracts", "market", "costs", "debt", "leases"]
runner = CliRunner()

# What an analyst writes in place of the TODOs (the sections of tests/fixtures/tiny.yaml, sized to the draft).
FILLED = {
    "ticker": 'ticker: MINI',
    "fleet": "fleet:\n  - {name: H100-2025, gpu: H100, units: 20k, unit_cost: 30k, in_service: 2025-03-31, useful_life_years: 5}",
    "contracts": "contracts:\n  - {customer: BigCo, gpu: H100, gpus: 10k, price_per_gpu_hour: 2.50, start: 2025-01-01, end: 2027-12-31}",
    "market": 'market: {gpu_hour_price: {H100: {start: 2.00, annual_change: "-15%"}}, spot_utilisation: "70%", '
              'base_rate: {start: "4.30%"}, power_price_per_kwh: 0.08}',
    "costs": 'costs: {pue: 1.3, other_cost_per_gpu_year: 2.5k, sga_per_quarter: 5m, tax_rate: "21%"}',
    "debt": 'debt:\n  - {name: Term Loan, kind: term_loan, balance: 500m, rate: "SOFR+6.0%", maturity: 2028-06-30}',
    "leases": 'leases:\n  - {name: DC, annual_payment: 15m, escalator: "2%", start: 2025-03-31, end: 2035-03-31, discount_rate: "10%"}',
}


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.stdout, "width", 250)
    monkeypatch.setattr(console.stderr, "width", 250)


def _draft(*args: str):
    return runner.invoke(app, ["draft", str(MINI), "--as-of", "2025-09-30", *args])


def test_draft_default_path_every_number_sourced(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _draft()
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(DEFAULT)
    text = DEFAULT.read_text()
    numbers = [line for line in text.splitlines() if re.match(r"^\s*\w+: -?\d[\d_]*\b", line) and "as_of" not in line]
    assert len(numbers) == 8  # backlog, 4 opening lines, 3 reported totals: each sourced
    assert all(re.search(r"# \w+.* accn 0001234567-\d\d-\d{6}", line) for line in numbers), numbers
    assert "other_assets: 170_000_000" in text and "reported_backlog: 2_500_000_000" in text
    assert "# CIK 1234567" in text and "calibration" in text and "capex (cash paid for PP&E)" in text
    assert "LesseeOperatingLeaseLiabilityPaymentsDueNextTwelveMonths" in text


def test_never_overwrites_without_force(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert _draft().exit_code == 0
    DEFAULT.write_text("mine")
    again = _draft()
    assert again.exit_code == 2 and "already exists" in again.output and DEFAULT.read_text() == "mine"
    assert _draft("--force").exit_code == 0 and DEFAULT.read_text().startswith("# DRAFT")
    out = tmp_path / "x.yaml"
    assert _draft("--out", str(out)).exit_code == 0 and out.exists()
    assert _draft("--out", str(out)).exit_code == 2
    assert not list(tmp_path.rglob("*.part"))


def test_validate_reports_each_todo_then_a_filled_draft_validates(tmp_path):
    out = tmp_path / "d.yaml"
    assert _draft("--out", str(out)).exit_code == 0
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 2
    assert result.output.count("to fill in:") == len(TODO_KEYS)
    assert "7 problem(s)" in result.output
    text = out.read_text()
    for key in TODO_KEYS:
        text, n = re.subn(rf'^{key}: "TODO:.*"$', FILLED[key], text, flags=re.M)
        assert n == 1, key
    out.write_text(text)
    result = runner.invoke(app, ["validate", str(out)])
    assert result.exit_code == 0, result.output
    company = load_profile(out).company
    assert company.opening.other_liabilities == 95e6 and company.reported_backlog == 2.5e9


@pytest.mark.parametrize(("content", "as_of", "message"), [
    ("{not json", "2025-09-30", "is not valid JSON"),
    ('{"hello": "world"}', "2025-09-30", "is not a companyfacts file"),
    (None, "2025-06-30", "no balance sheet within 10 days of 2025-06-30"),
    (None, "30/09/2025", "expected a date such as 2025-09-30"),
])
def test_bad_input_exits_2(tmp_path, content, as_of, message):
    path = MINI
    if content is not None:
        path = tmp_path / "cf.json"
        path.write_text(content)
    result = runner.invoke(app, ["draft", str(path), "--as-of", as_of, "--out", str(tmp_path / "o.yaml")])
    assert result.exit_code == 2 and message in result.output, result.output
    assert len(result.output.splitlines()) < 25 and "Traceback" not in result.output
    assert not (tmp_path / "o.yaml").exists()


def test_200mb_refused_fast(tmp_path):
    big = tmp_path / "companyfacts.json"
    with open(big, "wb") as handle:
        handle.truncate(200 * 1024 * 1024)
    started = time.perf_counter()
    result = runner.invoke(app, ["draft", str(big), "--as-of", "2025-09-30", "--out", str(tmp_path / "o.yaml")])
    assert result.exit_code == 2 and "byte limit" in result.output
    assert time.perf_counter() - started < 5


def test_out_must_be_yaml(tmp_path):
    result = _draft("--out", str(tmp_path / "d.xlsx"))
    assert result.exit_code == 2 and ".yaml" in result.output


def test_todo_anywhere_in_a_profile_is_one_problem(tmp_path):
    text = (FIXTURES / "tiny.yaml").read_text()
    text = text.replace("cash: 100m", "cash: TODO").replace('rate: "9.25%"', 'rate: "TODO: the notes\' coupon"')
    path = tmp_path / "p.yaml"
    path.write_text(text)
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "2 problem(s)" in result.output, result.output
    lines = text.splitlines()  # each TODO is placed at its value in the file
    cash = next(i for i, t in enumerate(lines) if "cash: TODO" in t)
    notes = next(i for i, t in enumerate(lines) if "TODO: the notes" in t)
    assert (f"opening.cash line {cash + 1}, column {lines[cash].index('TODO') + 1}: to fill in: the value of "
            "'opening.cash'") in result.output
    quoted = lines[notes].index('"TODO') + 1
    assert f"debt[1].rate line {notes + 1}, column {quoted}: to fill in: the notes' coupon" in result.output
