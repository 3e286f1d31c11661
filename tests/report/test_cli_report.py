"""``stress report`` through typer's CliRunner: the path on stdout, defaults, refusal to overwrite, --force."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from stress.cli import app
from stress.report import console

from .conftest import TINY

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console.stdout, "width", 200)
    monkeypatch.setattr(console.stderr, "width", 200)


def test_default_writes_every_built_in_scenario_under_reports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["report", str(TINY)])
    assert result.exit_code == 0, result.stderr
    written = Path(result.stdout.strip())
    assert written.parent == Path("reports")
    assert written.name.startswith("TINY-2025-06-30-") and written.suffix == ".xlsx"
    assert [p.name for p in (tmp_path / "reports").iterdir()] == [written.name]
    wb = openpyxl.load_workbook(tmp_path / written)
    assert wb.sheetnames[2:10] == ["baseline", "rates_up", "price_crash", "short_life", "customer_default", "refi_freeze",
                                   "severe", "telecom_2001"]


def test_out_scenarios_and_refusal_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "tiny.xlsx"
    first = runner.invoke(app, ["report", str(TINY), "-s", "baseline", "-s", "severe", "--out", str(out)])
    assert first.exit_code == 0, first.stderr
    assert first.stdout.strip() == str(out)
    assert openpyxl.load_workbook(out).sheetnames[2:4] == ["baseline", "severe"]
    before = out.read_bytes()

    again = runner.invoke(app, ["report", str(TINY), "-s", "baseline", "--out", str(out)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr and "--force" in again.stderr
    assert again.stdout == ""
    assert out.read_bytes() == before

    forced = runner.invoke(app, ["report", str(TINY), "-s", "baseline", "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.stderr
    assert openpyxl.load_workbook(out).sheetnames[2:3] == ["baseline"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tiny.xlsx"]


def test_ad_hoc_flags_add_a_custom_scenario_sheet(tmp_path: Path) -> None:
    out = tmp_path / "adhoc.xlsx"
    result = runner.invoke(app, ["report", str(TINY), "--gpu-price", "-40%", "--rate", "+300bp", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[2:4] == ["baseline", "custom"]


def test_bad_input_exits_2_without_writing(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["report", str(TINY), "-s", "nope", "--out", str(tmp_path / "x.xlsx")])
    assert unknown.exit_code == 2 and "unknown scenario" in unknown.stderr
    wrong_suffix = runner.invoke(app, ["report", str(TINY), "--out", str(tmp_path / "x.csv")])
    assert wrong_suffix.exit_code == 2 and ".xlsx" in wrong_suffix.stderr
    missing = runner.invoke(app, ["report", str(tmp_path / "absent.yaml")])
    assert missing.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_source_date_epoch_pins_the_time_the_workbook_shows(tmp_path: Path, monkeypatch) -> None:
    """The Summary's "Generated" line shows $SOURCE_DATE_EPOCH (1 Jan 2001 00:00 UTC is 978307200), as the JSON
    envelope and the memo do."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "978307200")
    out = tmp_path / "pinned.xlsx"
    assert runner.invoke(app, ["report", str(TINY), "-s", "baseline", "--out", str(out)]).exit_code == 0
    summary = openpyxl.load_workbook(out, data_only=True).worksheets[0]
    shown = [c.value for row in summary.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("2001-01-01 00:00 by stress")]
    assert shown, "the Generated line does not show the pinned time"
