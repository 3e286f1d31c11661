"""The batch as a credit book uses it: broken members reported, the rest ranked and written."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import openpyxl
import pytest
import yaml
from typer.testing import CliRunner

from stress.analysis.batch import FirmOutcome, FirmTask, run_batch
from stress.analysis.portfolio import Book, expected_loss, exposure_lines, ranking
from stress.cli import app
from stress.model.portfolio import Exposure, Member, Portfolio
from stress.scenarios.select import select

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    """The shipped sample book plus two broken members: a file that is not YAML and one naming a missing tranche."""
    data = yaml.safe_load((ROOT / "companies" / "portfolio.yaml").read_text())
    (tmp_path / "broken.yaml").write_text("name: [unclosed\n")
    data["members"] += [{"profile": "broken.yaml", "exposure": {"amount": "10m", "seniority": "secured"}},
                        {"profile": "coreweave", "exposure": {"amount": "10m", "tranche": "No Such Loan"}}]
    path = tmp_path / "book.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_two_broken_members_are_reported_and_the_rest_ranked_and_written(book: Path, tmp_path: Path,
                                                                         batch_with_two_failures):
    res, out, table = batch_with_two_failures(book, tmp_path)
    shipped = {p.stem for p in (ROOT / "companies").glob("*.yaml")} - {"portfolio"}
    wb = openpyxl.load_workbook(out)
    assert {"Ranking", "Portfolio", "Verdicts", "Min liquidity", "Failures"} <= set(wb.sheetnames)
    failures = [r for r in wb["Failures"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(failures) == 2
    # the member naming a tranche CoreWeave lacks fails alone: CoreWeave's other members are still valued
    ranked = [r[1] for r in wb["Ranking"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(ranked) == len(shipped)
    with table.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == len(shipped) * 2
    by_stage = {r[1]: (r[0], r[2]) for r in failures}
    assert sorted(by_stage) == ["exposure", "profile"]
    assert by_stage["profile"][0].endswith("broken.yaml") and "not valid YAML" in by_stage["profile"][1]
    assert "No Such Loan" in by_stage["exposure"][1]
    assert "Probability-weighted expected loss" not in res.output  # incomplete book: no expected loss
    assert wb["Ranking"].conditional_formatting  # verdict colours and the liquidity colour scale


def test_exit_codes(tmp_path: Path):
    ok = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "-s", "baseline", "--jobs", "1"])
    assert ok.exit_code == 0, ok.output
    # tiny breaches its DSCR covenant in the baseline
    flagged = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "-s", "baseline", "--jobs", "1", "--fail-on-breach"])
    assert flagged.exit_code == 3
    missing = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", str(tmp_path / "nope.yaml"), "--jobs", "1"])
    assert missing.exit_code == 2 and "nope.yaml" in missing.output


def test_outputs_are_never_overwritten_without_force(tmp_path: Path):
    out = tmp_path / "b.xlsx"
    out.write_bytes(b"precious")
    res = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "-s", "baseline", "--jobs", "1", "--out", str(out)])
    assert res.exit_code == 2 and out.read_bytes() == b"precious"
    res = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "-s", "baseline", "--jobs", "1", "--out", str(out), "--force"])
    assert res.exit_code == 0 and out.read_bytes()[:2] == b"PK"


def test_json_has_no_nan_and_one_result_per_firm_and_scenario():
    res = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "coreweave", "-s", "baseline", "-s", "price_crash",
                              "--jobs", "1", "--json"])
    doc = json.loads(res.stdout)
    assert len(doc["results"]) == 4 and len(doc["ranking"]) == 2
    assert "NaN" not in res.stdout


def test_pool_and_in_process_agree():
    scenarios = select(["baseline", "severe"])
    tasks = [FirmTask(p, scenarios, [None]) for p in ("tests/fixtures/tiny.yaml", "coreweave")]
    serial = run_batch(tasks, jobs=1)
    pooled = run_batch(tasks, jobs=2)
    assert [o.rows for o in serial] == [o.rows for o in pooled]


def test_expected_loss_by_hand_on_a_two_firm_book():
    # firm A defaults in "bad" with a 40% recovery on the exposure; firm B defaults in "bad" with 10% recovery
    # and breaches in "base". Weights: base 80%, bad 20%. Exposures: A 100m, B 50m.
    def outcome(name, verdicts, recovery):
        rows = [{"scenario": s, "verdict": v, "min_liquidity": 1.0, "trough_dscr": 1.0, "liquidity_default": None,
                 "maturity_default": None} for s, v in verdicts.items()]
        return FirmOutcome(name, name=name, ticker=name, rows=rows, recovery=[recovery])

    outcomes = [outcome("A", {"base": "pass", "bad": "default"}, [None, 0.40]),
                outcome("B", {"base": "breach", "bad": "default"}, [None, 0.10])]
    members = [Member(profile="A", exposure=Exposure(amount=100e6, seniority="secured")),
               Member(profile="B", exposure=Exposure(amount=50e6, seniority="senior_unsecured"))]
    portfolio = Portfolio(name="two", scenario_weights={"base": 0.8, "bad": 0.2}, members=members)
    lines = exposure_lines(portfolio, members, Book([], [(0, 0), (1, 0)]), outcomes, ["base", "bad"])
    loss_bad = 100e6 * (1 - 0.40) + 50e6 * (1 - 0.10)  # 60m + 45m = 105m
    assert lines.loc["bad", "loss"] == pytest.approx(loss_bad)
    assert lines.loc["bad", "exposure_defaulting"] == 150e6
    assert lines.loc["base", "exposure_breaching"] == 50e6 and lines.loc["base", "loss"] == 0.0
    assert lines.loc["bad", "loss_given_default"] == pytest.approx(105 / 150)
    assert expected_loss(lines) == pytest.approx(0.2 * 105e6)  # 21m
    assert math.isnan(lines.loc["base", "loss_given_default"])


def test_ranking_puts_the_earliest_default_first():
    def outcome(name, first_default, min_liq):
        rows = [{"scenario": "s", "verdict": "default" if first_default else "pass", "min_liquidity": min_liq,
                 "trough_dscr": 1.0, "liquidity_default": first_default, "maturity_default": None}]
        return FirmOutcome(name, name=name, ticker=name, rows=rows)

    frame = ranking([outcome("late", "2028Q1", -5.0), outcome("safe", None, 10.0), outcome("early", "2026Q3", -1.0),
                     outcome("thin", None, 1.0)], ["s"])
    assert frame["firm"].tolist() == ["early", "late", "thin", "safe"]


def test_json_company_of_each_ranked_firm_is_its_own_file_even_when_two_share_ticker_and_date(tmp_path: Path):
    """Two versions of one firm (same ticker, same as-of; one with 40m less cash) in one batch: each ranking row names the
    file it was read from, with that file's sha256, and the poorer version has the lower minimum liquidity."""
    import hashlib

    tiny = (ROOT / "tests" / "fixtures" / "tiny.yaml").read_text()
    rich, poor = tmp_path / "rich.yaml", tmp_path / "poor.yaml"
    rich.write_text(tiny)
    data = yaml.safe_load(tiny)
    data["opening"]["cash"], data["opening"]["reported_equity"] = "60m", "138m"  # 40m less of both: still balanced
    poor.write_text(yaml.safe_dump(data))
    res = runner.invoke(app, ["batch", str(rich), str(poor), "-s", "baseline", "--jobs", "1", "--json"])
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["ranking"]
    by_file = {Path(r["company"]["profile"]).name: r for r in rows}
    assert set(by_file) == {"rich.yaml", "poor.yaml"}
    for name, row in by_file.items():
        assert row["company"]["sha256"] == hashlib.sha256((tmp_path / name).read_bytes()).hexdigest()
    assert by_file["poor.yaml"]["min_liquidity"] < by_file["rich.yaml"]["min_liquidity"]


def test_detail_sheets_are_the_batch_projection_not_a_second_run(tmp_path: Path, monkeypatch):
    """``--detail`` keeps each firm's projection from the batch: the firm is not projected again, and its sheet
    holds the figures ``stress run`` gives (revenue and net income of every quarter, USD m)."""
    from stress import api

    run = json.loads(runner.invoke(app, ["run", "tests/fixtures/tiny.yaml", "-s", "baseline", "--json"]).stdout)
    lines = run["scenarios"][0]["lines"]
    monkeypatch.setattr(api, "run", lambda *a, **k: pytest.fail("a firm was projected again for --detail"))
    out = tmp_path / "book.xlsx"
    res = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", "-s", "baseline", "--jobs", "1", "--out", str(out), "--detail"])
    assert res.exit_code == 0, res.output
    sheet = openpyxl.load_workbook(out, data_only=True)["TINY baseline"]
    rows = {r[0].value: [c.value for c in r[2:]] for r in sheet.iter_rows() if r[0].value}
    for label, line in (("Revenue", "revenue"), ("Net income", "net_income")):
        assert rows[label][:len(lines[line])] == pytest.approx([v / 1e6 for v in lines[line]], rel=1e-12)
