"""Every problem in a file says where it is: ``line L, column C`` counted by hand from the fixture's text.

tests/fixtures/tiny.yaml, the lines used here (1-based):
    5  ``horizon_quarters: 8``        value at column 19 (18 characters before it)
    7  ``opening:``
    8  ``  cash: 100m``                value at column 9
   24  ``  spot_utilisation: "70%"``   key at column 3, value at column 21
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stress.cli import app
from stress.errors import Problem, ProfileError, ScenarioError
from stress.io.located import Marks, read_document
from stress.io.portfolio import load_portfolio
from stress.io.profiles import load_profile
from stress.io.scenarios import load_scenario_file
from stress.io.yamlfile import load_yaml_nodes, read_mapping

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
runner = CliRunner()


def problems(text: str, tmp_path: Path, name: str = "p.yaml") -> list[Problem]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    return info.value.problems


def only(found: list[Problem], path: str) -> Problem:
    hits = [p for p in found if p.path == path]
    assert len(hits) == 1, found
    return hits[0]


def test_the_fixture_lines_are_as_the_docstring_says():
    lines = TINY_TEXT.splitlines()
    assert lines[4] == "horizon_quarters: 8" and lines[6] == "opening:" and lines[7] == "  cash: 100m"
    assert lines[23] == '  spot_utilisation: "70%"'


def test_a_bad_value_is_placed_at_the_value(tmp_path: Path):
    p = only(problems(TINY_TEXT.replace("horizon_quarters: 8", "horizon_quarters: abc"), tmp_path), "horizon_quarters")
    assert (p.line, p.column) == (5, 19)
    assert "valid integer" in p.message and p.value == "abc"


def test_the_cli_prints_line_and_column(tmp_path: Path):
    path = tmp_path / "p.yaml"
    path.write_text(TINY_TEXT.replace("horizon_quarters: 8", "horizon_quarters: abc"), encoding="utf-8")
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2
    assert "horizon_quarters line 5, column 19:" in res.output


def test_an_unknown_key_is_placed_at_the_key(tmp_path: Path):
    found = problems(TINY_TEXT.replace("spot_utilisation:", "spot_utilization:"), tmp_path)
    typo = only(found, "market.spot_utilization")
    assert (typo.line, typo.column) == (24, 3) and "did you mean 'spot_utilisation'" in typo.message
    missing = only(found, "market.spot_utilisation")  # the key the mapping lacks: placed at the mapping's key
    assert (missing.line, missing.column) == (22, 1) and TINY_TEXT.splitlines()[21] == "market:"


def test_a_missing_key_is_placed_at_the_mapping_that_lacks_it(tmp_path: Path):
    p = only(problems(TINY_TEXT.replace("  cash: 100m\n", ""), tmp_path), "opening.cash")
    assert (p.line, p.column) == (7, 1) and p.message == "required key is missing"


def test_a_value_inside_a_flow_mapping_in_a_list(tmp_path: Path):
    text = TINY_TEXT.replace('rate: "9.25%"', 'rate: "lots"')
    line = next(i for i, t in enumerate(text.splitlines(), 1) if 'rate: "lots"' in t)
    column = text.splitlines()[line - 1].index('"lots"') + 1
    p = only(problems(text, tmp_path), "debt[1].rate")
    assert (p.line, p.column) == (line, column)


def test_a_cross_field_problem_is_placed_too(tmp_path: Path):
    text = TINY_TEXT.replace("maturity: 2027-06-30}", "maturity: 2024-06-30}")  # the Notes mature before as_of
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "maturity: 2024-06-30" in t)
    p = only(problems(text, tmp_path), "debt[1].maturity")
    assert p.line == line and p.column == text.splitlines()[line - 1].index("2024-06-30") + 1


def test_a_todo_is_placed_at_its_value(tmp_path: Path):
    p = only(problems(TINY_TEXT.replace("cash: 100m", "cash: TODO"), tmp_path), "opening.cash")
    assert (p.line, p.column) == (8, 9) and p.message.startswith("to fill in")


def test_a_json_profile_is_located_too(tmp_path: Path):
    data = json.loads(json.dumps(load_profile(TINY).company.model_dump(mode="json")))
    data["horizon_quarters"] = "abc"
    text = json.dumps(data, indent=2)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if '"horizon_quarters": "abc"' in t)
    p = only(problems(text, tmp_path, "p.json"), "horizon_quarters")
    assert (p.line, p.column) == (line, text.splitlines()[line - 1].index('"abc"') + 1)


def test_warnings_carry_their_line():
    loaded = load_profile(ROOT / "companies" / "oracle.yaml")
    assert loaded.warnings and all(w.line is not None for w in loaded.warnings)
    lines = (ROOT / "companies" / "oracle.yaml").read_text(encoding="utf-8").splitlines()
    for w in loaded.warnings:  # leases[2].programme: the warning is about a lease: its line is in the leases
        assert w.path.startswith("leases[") and "name:" in lines[w.line - 1]


def test_a_scenario_file_problem_is_located(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("scenarios:\n  - name: x\n    shocks:\n      - {kind: rate, bp: lots}\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    (p,) = info.value.problems
    assert p.line == 4 and p.column == "      - {kind: rate, bp: lots}".index("lots") + 1


def test_a_portfolio_problem_is_located(tmp_path: Path):
    path = tmp_path / "book.yaml"
    path.write_text(f"name: Book\nmembers:\n  - profile: {TINY}\n    exposure: {{amount: lots, seniority: secured}}\n",
                    encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_portfolio(path)
    p = only(info.value.problems, "members[0].exposure.amount")
    assert p.line == 4 and p.column == "    exposure: {amount: lots".index("lots") + 1


# --- the lookup itself -----------------------------------------------------------------------------

def marks(text: str) -> Marks:
    return Marks(load_yaml_nodes(text)[1])


def test_a_key_with_a_dot_is_found_whole():
    m = marks("x:\n  a: 1\n  a.b: 2\n  c: {a: 3}\n")
    assert m.at("x.a.b") == (3, 8)
    assert m.at("x.a") == (2, 6)
    assert m.at("x.c.a") == (4, 10)


def test_list_indices_and_paths_past_the_end():
    m = marks("xs:\n  - 1\n  - {y: 2}\n")
    assert m.at("xs[1].y") == (3, 9)  # "  - {y: 2}": the 2 is the 9th character
    assert m.at("xs[5]") == (1, 1)  # no such item: the list's key
    assert m.at("") is None and m.at("nothing") is None


def test_a_merged_key_is_placed_where_it_is_written():
    m = marks("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n")
    assert m.at("other.x") == (1, 14)  # written once, in the anchor
    assert m.at("other.y") == (4, 6)


def test_a_valid_file_reads_the_same_through_read_document():
    doc = read_document(TINY)
    assert doc.data == read_mapping(TINY)
    assert doc.marks.at("opening.cash") == (8, 9)
