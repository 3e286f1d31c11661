"""The ``stress`` command line, through typer's CliRunner, plus one run of the installed script.

Bad input must exit 2 with the field path on stderr and never a traceback.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import stress
from stress.cli import app
from stress.report import console

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "fixtures" / "tiny.yaml"

runner = CliRunner()


def located(path: str, text: str) -> bool:
    """Whether ``text`` shows a problem at field ``path`` with its line and column in the file."""
    return re.search(rf"• {re.escape(path)} line \d+, column \d+: ", text) is not None


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fix the consoles' width so no message wraps, whether or not pytest runs in a terminal."""
    monkeypatch.setattr(console.stdout, "width", 200)
    monkeypatch.setattr(console.stderr, "width", 200)


def tiny_data() -> dict[str, Any]:
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict[str, Any], name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def no_crash(result: Any) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def table_row(text: str, title: str, label: str) -> list[str]:
    """Cells of the first row labelled ``label`` after the table titled ``title`` in rendered output."""
    after = text[text.index(title):]
    for line in after.splitlines():
        cells = [c.strip() for c in re.split("[│┃]", line.strip().strip("│┃"))]
        if cells and cells[0] == label:
            return cells[1:]
    raise AssertionError(f"no row {label!r} after {title!r}")


# --- validate ---------------------------------------------------------------------------------

def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(TINY)])
    no_crash(result)
    assert result.exit_code == 0
    assert "Tiny GPU Cloud as of 2025-06-30 is valid" in result.stdout
    assert result.stderr == ""


def _unknown_key(d: dict[str, Any]) -> None:
    d["debt"][0]["maturty"] = "2028-06-30"


def _negative_balance(d: dict[str, Any]) -> None:
    d["debt"][1]["balance"] = "-50m"


def _maturity_before_as_of(d: dict[str, Any]) -> None:
    d["debt"][1]["maturity"] = "2024-12-31"


def _funded_by_nothing(d: dict[str, Any]) -> None:
    d["capex_plan"][0]["funded_by"] = "DDTLX"


def _rate_abc(d: dict[str, Any]) -> None:
    d["debt"][1]["rate"] = "abc"


BAD_PROFILES = [
    ("unknown key", _unknown_key, "debt[0].maturty", "did you mean 'maturity'?"),
    ("negative balance", _negative_balance, "debt[1].balance", "expected a value of zero or more"),
    ("maturity before as_of", _maturity_before_as_of, "debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2"),
    ("funded_by no facility", _funded_by_nothing, "capex_plan[0].funded_by", "names no debt facility"),
    ("rate abc", _rate_abc, "debt[1].rate", "expected a fixed rate such as '9.25%'"),
]


@pytest.mark.parametrize("command", ["validate", "show"])
@pytest.mark.parametrize(("edit", "path", "expected"), [b[1:] for b in BAD_PROFILES], ids=[b[0] for b in BAD_PROFILES])
def test_bad_profile_exits_2_with_the_field_path(tmp_path: Path, command: str, edit: Any, path: str, expected: str) -> None:
    data = tiny_data()
    edit(data)
    result = runner.invoke(app, [command, str(write(tmp_path, data))])
    no_crash(result)
    assert result.exit_code == 2
    assert located(path, result.stderr)
    assert expected in result.stderr
    assert "1 problem(s)" in result.stderr
    assert result.stdout == ""


def test_non_yaml_file_exits_2_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\nticker: X\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    no_crash(result)
    assert result.exit_code == 2
    assert "• (file) line 2, column 7: is not valid YAML" in result.stderr


@pytest.mark.parametrize("command", ["validate", "show"])
def test_missing_file_exits_2(tmp_path: Path, command: str) -> None:
    result = runner.invoke(app, [command, str(tmp_path / "nope.yaml")])
    no_crash(result)
    assert result.exit_code == 2
    assert "• (file): file does not exist" in result.stderr


def test_unknown_bare_name_exits_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["show", "no-such-company"])
    no_crash(result)
    assert result.exit_code == 2
    assert "no such file, and no shipped profile of that name" in result.stderr


def test_validate_reports_every_file(tmp_path: Path) -> None:
    data = tiny_data()
    _negative_balance(data)
    bad = write(tmp_path, data)
    result = runner.invoke(app, ["validate", str(TINY), str(bad), str(tmp_path / "nope.yaml")])
    no_crash(result)
    assert result.exit_code == 2
    assert "Tiny GPU Cloud as of 2025-06-30 is valid" in result.stdout
    assert located("debt[1].balance", result.stderr)
    assert "• (file): file does not exist" in result.stderr
    assert result.stderr.count("1 problem(s)") == 2


def test_scale_warning_goes_to_stderr_and_still_exits_0(tmp_path: Path) -> None:
    data = tiny_data()
    data["opening"]["cash"] = 1150
    result = runner.invoke(app, ["validate", str(write(tmp_path, data, "warn.yaml"))])
    no_crash(result)
    assert result.exit_code == 0
    assert located("opening.cash", result.stderr)
    assert "did you mean '1150m'?" in result.stderr
    assert "is valid" in result.stdout


def test_usage_error_exits_2() -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "Missing argument" in result.output


# --- show -------------------------------------------------------------------------------------

def test_show_prints_ladder_and_reconciliation() -> None:
    result = runner.invoke(app, ["show", str(TINY)])
    no_crash(result)
    assert result.exit_code == 0
    out = result.stdout
    assert "Tiny GPU Cloud (TINY)" in out
    # ladder: Term Loan 200m over 12 quarters (33.3 / 66.7 / 66.7 / 33.3), Notes 50m in 2027
    ladder = "Maturity ladder"
    assert table_row(out, ladder, "")[:4] == ["2025", "2026", "2027", "2028"]
    assert table_row(out, ladder, "Term Loan") == ["33.3", "66.7", "66.7", "33.3"]
    assert table_row(out, ladder, "Notes") == ["–", "–", "50.0", "–"]
    assert table_row(out, ladder, "Total") == ["33.3", "66.7", "116.7", "33.3"]
    # reconciliation: PP&E 286.5, debt 250, equity 176.0 against 178.0 reported, a gap of -2.0
    recon = "Opening balance sheet"
    assert table_row(out, recon, "Fleet PP&E (net book)")[0] == "286.5"
    assert table_row(out, recon, "Debt (drawn principal)")[0] == "250.0"
    # 176.5 less the DC operating lease's 0.47 of accrued rent (tests/analysis/test_profile.py) = 176.0, gap (2.0)
    assert table_row(out, recon, "Equity") == ["176.0", "178.0", "(2.0)"]
    # lease commitments and backlog appear too: 10.0 in 2025 (two payments of 5m), BigCo 329.0
    assert table_row(out, "Lease commitments", "2025") == ["10.0", "10.0"]
    assert table_row(out, "Contracts", "BigCo")[-4:] == ["329.0", "100.0%", "committed", ""]


# --- schema and version -----------------------------------------------------------------------

def test_schema_is_json_with_the_profile_keys() -> None:
    result = runner.invoke(app, ["schema"])
    no_crash(result)
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert "debt" in schema["properties"]
    assert {"name", "as_of", "opening", "market"} <= set(schema["required"])
    assert "Tranche" in schema["$defs"]


def test_schema_out_writes_the_same_json(tmp_path: Path) -> None:
    target = tmp_path / "schema.json"
    result = runner.invoke(app, ["schema", "--out", str(target)])
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(runner.invoke(app, ["schema"]).stdout)


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"stress {stress.__version__}\n"
    assert stress.__version__ == importlib.metadata.version("stress")


@pytest.mark.parametrize(("file_name", "company"), [("[draft].yaml", "Tiny GPU Cloud"), ("tiny.yaml", "Tiny [/] Cloud")],
                         ids=["brackets in the file name", "closing tag in the company name"])
def test_user_text_is_printed_literally(tmp_path: Path, file_name: str, company: str) -> None:
    data = tiny_data()
    data["name"] = company
    path = write(tmp_path, data, file_name)
    result = runner.invoke(app, ["validate", str(path)])
    no_crash(result)
    assert result.exit_code == 0
    assert f"{path}: {company} as of 2025-06-30 is valid" in result.stdout


# --- the installed console script --------------------------------------------------------------

def _console_script() -> Path:
    beside = Path(sys.executable).parent / "stress"
    if beside.exists():
        return beside
    found = shutil.which("stress")  # may also be the unrelated Linux load generator of that name
    if found is None:
        pytest.skip("the stress console script is not installed")
    return Path(found)


def test_installed_console_script(tmp_path: Path) -> None:
    script = _console_script()
    env = {**os.environ, "COLUMNS": "200"}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(script), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)

    ok = run("validate", "tests/fixtures/tiny.yaml")
    assert ok.returncode == 0, ok.stderr
    assert "Tiny GPU Cloud as of 2025-06-30 is valid" in ok.stdout
    assert "Traceback" not in ok.stderr

    data = tiny_data()
    _maturity_before_as_of(data)
    bad = run("validate", str(write(tmp_path, data)))
    assert bad.returncode == 2
    assert "debt[1].maturity" in bad.stderr
    assert "Traceback" not in bad.stderr

    if not (REPO / "companies" / "coreweave.yaml").exists():
        pytest.skip("companies/coreweave.yaml is not written yet")
    shown = subprocess.run([str(script), "show", "coreweave"], cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert "Maturity ladder" in shown.stdout
    assert "Traceback" not in shown.stderr


def test_every_problem_of_a_file_is_shown_at_once(tmp_path: Path) -> None:
    data = tiny_data()
    _negative_balance(data)
    _maturity_before_as_of(data)
    _funded_by_nothing(data)
    data["debt"][0]["balance"] = "-1m"
    result = runner.invoke(app, ["validate", str(write(tmp_path, data))])
    no_crash(result)
    assert result.exit_code == 2
    assert "3 problem(s)" in result.stderr  # debt[1] is invalid, so its maturity is not checked
    for path in ("debt[0].balance", "debt[1].balance", "capex_plan[0].funded_by"):
        assert located(path, result.stderr)


def test_show_prints_fixed_rates_with_their_label() -> None:
    result = runner.invoke(app, ["show", str(TINY)])
    no_crash(result)
    assert result.exit_code == 0
    assert "9.25% fixed" in result.stdout
    assert "SOFR+600bp" in result.stdout
