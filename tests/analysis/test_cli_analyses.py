"""The analysis commands as a user runs them: exit codes, JSON keys, located errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stress.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args))


@pytest.mark.parametrize("args", [
    ("breakeven", "tests/fixtures/tiny.yaml", "-d", "rate"),
    ("grid", "tests/fixtures/tiny.yaml", "--x", "gpu_price=-80%:0%:3", "--y", "rate=0:500bp:2"),
    ("tornado", "tests/fixtures/tiny.yaml"),
    ("montecarlo", "tests/fixtures/tiny.yaml", "--paths", "200", "--seed", "1"),
])
def test_commands_run(args):
    res = invoke(*args)
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output


def test_montecarlo_json_carries_probability_of_default():
    res = invoke("montecarlo", "tests/fixtures/tiny.yaml", "--paths", "300", "--seed", "4", "--json",
                 "--exposure", "20m", "--tranche", "Term Loan")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert 0.0 <= doc["probability_of_default"] <= 1.0
    lo, hi = doc["pd_interval_95"]
    assert lo <= doc["probability_of_default"] <= hi
    assert doc["exposure"] == {"amount": 20e6, "tranche": "Term Loan", "seniority": "secured"}  # the tranche's own rank
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout


def test_grid_json_shape():
    res = invoke("grid", "tests/fixtures/tiny.yaml", "--x", "utilisation=70%:30%:3", "--y", "spread=0:300bp:2",
                 "--metric", "trough_dscr", "--json")
    doc = json.loads(res.stdout)
    assert doc["metric"] == "trough_dscr" and len(doc["values"]) == 2 and len(doc["values"][0]) == 3


@pytest.mark.parametrize("args, where", [
    (("grid", "tests/fixtures/tiny.yaml", "--x", "foo=1:2:3", "--y", "rate=0:1%:2"), "--x"),
    (("breakeven", "tests/fixtures/tiny.yaml", "-d", "moon"), "--driver"),
    (("montecarlo", "tests/fixtures/tiny.yaml", "--exposure", "lots"), "--exposure"),
    (("montecarlo", "tests/fixtures/tiny.yaml", "--tranche", "Nope"), "--tranche"),
    (("tornado", "no-such-profile"), "no-such-profile"),
])
def test_bad_input_exits_2_with_the_option_named(args, where):
    res = invoke(*args)
    assert res.exit_code == 2
    assert where in res.output and "Traceback" not in res.output


def test_montecarlo_params_file_is_validated(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("price_vol: -1\nrate_voll: 0.01\n")
    res = invoke("montecarlo", "tests/fixtures/tiny.yaml", "--params", str(bad))
    assert res.exit_code == 2
    assert "price_vol" in res.output and "did you mean 'rate_vol'" in res.output


@pytest.mark.parametrize(("args", "sheet", "charts"), [
    (["grid", "tests/fixtures/tiny.yaml", "--x", "gpu_price=-60%:0%:3", "--y", "rate=0:300bp:2"], "Grid", 0),
    (["tornado", "tests/fixtures/tiny.yaml"], "Tornado", 1),
    (["montecarlo", "tests/fixtures/tiny.yaml", "--paths", "200"], "Monte Carlo", 1),
    (["breakeven", "tests/fixtures/tiny.yaml", "-d", "rate"], "Breakeven", 0),
])
def test_out_writes_the_analysis_sheet_and_never_overwrites(tmp_path, args, sheet, charts):
    import openpyxl

    out = tmp_path / "a.xlsx"
    assert invoke(*args, "--out", str(out)).exit_code == 0
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [sheet] and len(wb[sheet]._charts) == charts
    before = out.read_bytes()
    again = invoke(*args, "--out", str(out))
    assert again.exit_code == 2 and "--out" in again.output and out.read_bytes() == before
    assert invoke(*args, "--out", str(out), "--force").exit_code == 0
