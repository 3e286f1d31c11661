"""Every command's ``--json``: one envelope, one company shape, valid against its published JSON Schema.

The schema each document is checked against is the one ``stress schema --output COMMAND`` prints, read back
through the command line as a consumer would get it, and validated with ``jsonschema`` (an implementation
independent of pydantic, which generates it).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from typer.testing import CliRunner

import stress
from stress.cli import app
from stress.report.documents import DOCUMENTS

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "fixtures" / "tiny.yaml"
FACTS = REPO / "tests" / "fixtures" / "companyfacts_mini.json"
COMPANY_KEYS = {"name", "ticker", "as_of", "horizon_quarters", "fiscal_year_end", "profile", "sha256", "units"}

runner = CliRunner()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_schema(command: str) -> dict[str, Any]:
    res = runner.invoke(app, ["schema", "--output", command])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def document(args: list[str], exit_code: int = 0) -> dict[str, Any]:
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == exit_code, res.output
    return json.loads(res.stdout)


def commands(tmp_path: Path) -> dict[str, list[str]]:
    """One invocation of every command with a --json document, on the small fixture profile."""
    tiny = str(TINY)
    return {
        "validate": ["validate", tiny],
        "show": ["show", tiny],
        "run": ["run", tiny, "-s", "baseline", "-s", "price_crash"],
        "report": ["report", tiny, "-s", "baseline", "--out", str(tmp_path / "r.xlsx")],
        "scenarios": ["scenarios"],
        "batch": ["batch", tiny, "-s", "baseline", "--jobs", "1"],
        "breakeven": ["breakeven", tiny, "-d", "rate"],
        "grid": ["grid", tiny, "--x", "gpu_price=-80%:0%:3", "--y", "rate=0:500bp:2"],
        "tornado": ["tornado", tiny],
        "montecarlo": ["montecarlo", tiny, "--paths", "300"],
        "draft": ["draft", str(FACTS), "--as-of", "2025-09-30", "--out", str(tmp_path / "d.yaml")],
        "diff": ["diff", tiny, str(REPO / "companies" / "coreweave.yaml")],
        "memo": ["memo", tiny, "-s", "baseline", "--paths", "200", "--out", str(tmp_path / "m.pdf")],
    }


def test_every_command_with_a_document_is_tested() -> None:
    assert set(commands(Path("x"))) == set(DOCUMENTS)


@pytest.mark.parametrize("command", sorted(DOCUMENTS))
def test_document_validates_against_its_published_schema(command: str, tmp_path: Path) -> None:
    doc = document(commands(tmp_path)[command])
    jsonschema.validate(doc, published_schema(command))
    assert doc["command"] == command and doc["tool_version"] == stress.__version__
    assert doc["schema_version"] == "2.0"
    for f in doc["input"]:
        assert f["sha256"] == sha256(Path(f["path"]))
    if "company" in doc and command != "diff":
        assert set(doc["company"]) == COMPANY_KEYS
        assert doc["company"]["sha256"] == sha256(TINY) and Path(doc["company"]["profile"]) == TINY


def test_the_schema_refuses_a_key_it_does_not_publish(tmp_path: Path) -> None:
    doc = document(commands(tmp_path)["tornado"])
    doc["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, published_schema("tornado"))


def test_the_profile_and_scenario_file_are_inputs_with_their_hashes(tmp_path: Path) -> None:
    scenarios = tmp_path / "mine.yaml"
    scenarios.write_text("scenarios:\n  - name: mine\n    shocks:\n      - {kind: rate, bp: 100bp}\n", encoding="utf-8")
    doc = document(["run", str(TINY), "--scenarios-file", str(scenarios)])
    assert [(f["role"], f["sha256"]) for f in doc["input"]] == [("profile", sha256(TINY)), ("scenarios", sha256(scenarios))]
    assert [s["name"] for s in doc["scenarios"]][-1] == "mine"


def test_batch_ranks_each_firm_as_a_company_with_verdicts_by_scenario() -> None:
    doc = document(["batch", str(TINY), "-s", "baseline", "-s", "severe", "--jobs", "1"])
    (row,) = doc["ranking"]
    assert set(row["company"]) == COMPANY_KEYS and row["company"]["ticker"] == "TINY"
    assert set(row["verdicts"]) == {"baseline", "severe"}
    assert not any(k.startswith("verdict:") for k in row)


def test_source_date_epoch_pins_generated_so_the_same_input_gives_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    first = runner.invoke(app, ["run", str(TINY), "-s", "baseline", "--json"]).stdout
    second = runner.invoke(app, ["run", str(TINY), "-s", "baseline", "--json"]).stdout
    assert first == second
    assert json.loads(first)["generated"] == "2026-01-01T00:00:00Z"  # 1767225600 s after 1970-01-01


def test_generated_is_the_time_of_the_run_without_the_pin(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    before = dt.datetime.now(dt.UTC).replace(microsecond=0)
    doc = document(["scenarios"])
    when = dt.datetime.strptime(doc["generated"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    assert before <= when <= dt.datetime.now(dt.UTC)


def test_validate_json_locates_each_problem_of_an_invalid_profile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text(encoding="utf-8").replace("horizon_quarters: 8", "horizon_quarters: abc"), encoding="utf-8")
    assert "horizon_quarters: abc" in bad.read_text(encoding="utf-8")
    doc = document(["validate", str(TINY), str(bad)], exit_code=2)
    jsonschema.validate(doc, published_schema("validate"))
    by_path = {Path(f["path"]).name: f for f in doc["files"]}
    assert by_path["tiny.yaml"]["valid"] and by_path["tiny.yaml"]["company"]["ticker"] == "TINY"
    assert not by_path["bad.yaml"]["valid"]
    (problem,) = by_path["bad.yaml"]["problems"]
    assert (problem["field"], problem["line"], problem["column"]) == ("horizon_quarters", 5, 19)  # as in the fixture


def test_set_overrides_are_recorded_in_the_envelope_and_applied() -> None:
    plain = document(["run", str(TINY), "-s", "baseline"])
    doc = document(["run", str(TINY), "-s", "baseline", "--set", "market.spot_utilisation=30%"])
    assert plain["overrides"] == [] and doc["overrides"] == ["market.spot_utilisation=30%"]
    assert doc["input"] == plain["input"]  # the file is unchanged; the override is beside it
    revenue = [sum(d["scenarios"][0]["lines"]["revenue_spot"]) for d in (plain, doc)]
    assert revenue[1] < revenue[0]


def test_an_unknown_output_name_is_a_bad_option() -> None:
    res = runner.invoke(app, ["schema", "--output", "nonsense"])
    assert res.exit_code == 2 and "--output" in res.output and "Traceback" not in res.output


def test_validate_lists_every_file_it_was_given_as_an_input(tmp_path: Path) -> None:
    """A missing file is an input too (no hash: nothing was read); a malformed --set is no file."""
    doc = document(["validate", str(tmp_path / "nope.yaml"), "tests/fixtures/tiny.yaml", "--json"], exit_code=2)
    assert [(i["path"], i["sha256"]) for i in doc["input"]] == [
        (str(tmp_path / "nope.yaml"), None), ("tests/fixtures/tiny.yaml", sha256(Path("tests/fixtures/tiny.yaml")))]
    assert document(["validate", "tests/fixtures/tiny.yaml", "--set", "ticker", "--json"], exit_code=2)["input"] == []
