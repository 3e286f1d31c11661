"""``stress run`` with scenarios and ``stress scenarios``, through typer's CliRunner.

The comparison prints one row per scenario under a one-line answer; bad
scenario input exits 2 naming what is wrong, never with a traceback.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stress.cli import app
from stress.report import console

TINY = str(Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml")
BUILTINS = ["baseline", "rates_up", "price_crash", "short_life", "customer_default", "refi_freeze", "severe", "telecom_2001"]
VERDICTS = {"PASS", "BREACH", "DEFAULT"}

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_consoles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wide enough that neither the answer nor a table row wraps."""
    monkeypatch.setattr(console.stdout, "width", 400)
    monkeypatch.setattr(console.stderr, "width", 400)


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def comparison_rows(out: str) -> dict[str, list[str]]:
    """Scenario -> cells of its row in the 'Scenario comparison' table."""
    table = out[out.index("Scenario comparison"):]
    table = table[:table.index("└")]
    rows = {}
    for line in table.splitlines():
        if line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            if cells[0]:
                rows[cells[0]] = cells[1:]
    return rows


def answer_line(out: str) -> str:
    panel = out[out.index("Answer"):out.index("Scenario comparison")]
    return " ".join(line.strip("│ ").strip() for line in panel.splitlines()[1:-1])


def listed(answer: str, label: str) -> set[str]:
    """Scenario names after e.g. 'Defaults under' in the answer, up to the full stop."""
    found = re.search(rf"{label} ([\w, ]+)\.", answer)
    return set(found.group(1).split(", ")) if found else set()


def test_run_compares_every_builtin_scenario_under_an_answer() -> None:
    result = invoke("run", TINY)
    assert result.exit_code == 0
    rows = comparison_rows(result.stdout)
    assert list(rows) == BUILTINS
    verdicts = {name: cells[-1] for name, cells in rows.items()}
    assert set(verdicts.values()) <= VERDICTS
    # the answer agrees with the table, verdict by verdict
    answer = answer_line(result.stdout)
    assert answer.startswith("Survives ")
    assert listed(answer, "Defaults under") == {n for n, v in verdicts.items() if v == "DEFAULT"}
    assert listed(answer, "Breaches covenants under") == {n for n, v in verdicts.items() if v == "BREACH"}
    survives = {n for n, v in verdicts.items() if v == "PASS"}
    assert (listed(answer, "Survives") == survives) if survives else ("Survives no scenario." in answer)
    assert "First to break:" in answer
    # the shocks bite: a scenario as severe as 'severe' ends with less equity than the baseline
    equity = {name: float(cells[-2].replace(",", "").replace("(", "-").rstrip(")")) for name, cells in rows.items()}
    assert equity["severe"] < equity["baseline"] and equity["price_crash"] < equity["baseline"]


def test_run_picks_scenarios_by_name() -> None:
    result = invoke("run", TINY, "-s", "baseline", "--scenario", "price_crash")
    assert result.exit_code == 0
    assert list(comparison_rows(result.stdout)) == ["baseline", "price_crash"]


def test_run_adhoc_flags_add_a_custom_row() -> None:
    result = invoke("run", TINY, "--rate", "+300bp", "--gpu-price", "-40%", "--life", "4", "--utilisation", "55%",
                    "--refi-closed", "6")
    assert result.exit_code == 0
    rows = comparison_rows(result.stdout)
    assert list(rows) == ["baseline", "custom"]
    assert rows["custom"] != rows["baseline"]
    assert rows["custom"][-1] in VERDICTS


def test_run_adhoc_flags_after_named_scenarios() -> None:
    result = invoke("run", TINY, "-s", "rates_up", "--spread", "+200bp")
    assert result.exit_code == 0
    assert list(comparison_rows(result.stdout)) == ["rates_up", "custom"]


@pytest.mark.parametrize("args, flag, value", [(["--gpu-price", "abc"], "--gpu-price", "abc"),
                                               (["--utilisation", "150%"], "--utilisation", "150%"),
                                               (["-s", "meteor"], "--scenario", "meteor")])
def test_run_bad_scenario_input_exits_2_naming_it(args, flag, value) -> None:
    result = invoke("run", TINY, *args)
    assert result.exit_code == 2
    assert f"• {flag}: " in result.stderr and repr(value) in result.stderr
    assert result.stdout == ""


def test_run_life_flag_must_be_a_number() -> None:
    result = invoke("run", TINY, "--life", "four")
    assert result.exit_code == 2
    assert "--life" in result.output


def test_run_scenarios_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenarios:\n  - {name: gb_glut, shocks: [{kind: gpu_price, level: '-50%', models: [H100]}]}\n", encoding="utf-8")
    result = invoke("run", TINY, "--scenarios-file", str(path))
    assert result.exit_code == 0
    assert list(comparison_rows(result.stdout)) == ["baseline", "gb_glut"]


def test_run_bad_scenarios_file_exits_2_with_the_field_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenarios:\n  - {name: x, shocks: [{kind: spread, bp: abc}]}\n", encoding="utf-8")
    result = invoke("run", TINY, "--scenarios-file", str(path))
    assert result.exit_code == 2
    assert "scenarios[0].shocks[0]" in result.stderr and "'abc'" in result.stderr
    assert result.stdout == ""


def test_run_file_scenario_naming_a_missing_gpu_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenarios:\n  - {name: tpu, shocks: [{kind: gpu_price, level: '-50%', models: [TPU]}]}\n", encoding="utf-8")
    result = invoke("run", TINY, "--scenarios-file", str(path))
    assert result.exit_code == 2
    assert "tpu.shocks[0].models" in result.stderr and "'TPU'" in result.stderr


def _no_nan(token: str) -> None:
    raise AssertionError(f"{token} in JSON output")


def test_run_json_has_every_scenario_and_no_nan() -> None:
    result = invoke("run", TINY, "--json")
    assert result.exit_code == 0
    doc = json.loads(result.stdout, parse_constant=_no_nan)
    assert doc["schema_version"]
    assert [sc["name"] for sc in doc["scenarios"]] == BUILTINS
    for sc in doc["scenarios"]:
        assert len(sc["quarters"]) == 8 and len(sc["lines"]["cash"]) == 8
        assert sc["verdict"] in {"pass", "breach", "default"}
    cash = {sc["name"]: sc["lines"]["cash"] for sc in doc["scenarios"]}
    assert cash["severe"] != cash["baseline"]


def test_run_json_with_adhoc_flags() -> None:
    result = invoke("run", TINY, "--json", "--rate", "+300bp")
    assert result.exit_code == 0
    doc = json.loads(result.stdout, parse_constant=_no_nan)
    assert [sc["name"] for sc in doc["scenarios"]] == ["baseline", "custom"]
    interest = [sc["lines"]["interest_expense"] for sc in doc["scenarios"]]
    assert all(c > b for b, c in zip(*interest, strict=True))  # floating debt pays more in every quarter


def test_scenarios_lists_the_library_with_shocks_and_calibration() -> None:
    result = invoke("scenarios")
    assert result.exit_code == 0
    out = result.stdout
    for name in BUILTINS:
        assert f"─ {name} ─" in out, name
    assert out.count("Calibration:") == 8
    assert "rate: ramp_quarters=3, bp=+425bp" in out
    assert "customer_default: start=4" in out


def test_scenarios_with_a_file(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenarios:\n  - {name: gb_glut, description: mine, shocks: [{kind: delay, quarters: 2}]}\n", encoding="utf-8")
    result = invoke("scenarios", "--scenarios-file", str(path))
    assert result.exit_code == 0
    assert "─ baseline ─" in result.stdout and "─ gb_glut ─" in result.stdout and "delay: quarters=2" in result.stdout


def test_scenarios_with_a_file_also_lists_the_whole_library(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("scenarios:\n  - {name: gb_glut, shocks: [{kind: delay, quarters: 2}]}\n", encoding="utf-8")
    out = invoke("scenarios", "--scenarios-file", str(path)).stdout
    assert all(f"─ {name} ─" in out for name in [*BUILTINS, "gb_glut"])
