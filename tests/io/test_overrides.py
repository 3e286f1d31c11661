"""``--set PATH=VALUE``: an override is the same as editing that one field of the file, and nothing else; a path
that leads nowhere is a located error (``--set PATH``, exit 2) before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from stress import api
from stress.analysis.compare import comparison
from stress.cli import app
from stress.errors import InputError, OptionError, ProfileError
from stress.io.overrides import ByName, apply_overrides, parse_override, parse_overrides, parse_path
from stress.io.profiles import load_profile
from stress.scenarios.select import select

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
runner = CliRunner()


def edited(tmp_path: Path, old: str, new: str) -> Path:
    """tiny.yaml with one field edited by hand, the reference an override must equal."""
    assert TINY_TEXT.count(old) == 1
    path = tmp_path / "edited.yaml"
    path.write_text(TINY_TEXT.replace(old, new), encoding="utf-8")
    return path


def refused(sets: list[str]) -> InputError:
    """The error of loading the profile with ``sets``: an OptionError for an override that leads nowhere, the
    profile's ProfileError (with the override's problem located as ``--set PATH``) for a value it refuses."""
    with pytest.raises(InputError) as info:
        load_profile(TINY, sets)
    return info.value


# --- reading PATH=VALUE ------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "parts"), [
    ("market.spot_utilisation", ("market", "spot_utilisation")),
    ("debt[2].rate", ("debt", 2, "rate")),
    ("debt[DDTL 2.0].rate", ("debt", ByName("DDTL 2.0"), "rate")),
    ("market.gpu_hour_price.H100.start", ("market", "gpu_hour_price", "H100", "start")),
    ("covenants[0]", ("covenants", 0)),
])
def test_paths(text: str, parts: tuple[object, ...]):
    assert parse_path(text) == parts


@pytest.mark.parametrize("text", ["", "a..b", "a.", "debt[", "debt[]", "[0].x", "debt[0]x"])
def test_bad_paths(text: str):
    with pytest.raises(ValueError):
        parse_path(text)


@pytest.mark.parametrize(("item", "value"), [
    ("x=60%", "60%"), ("x=+300bp", "+300bp"), ("x=2027-01-01", "2027-01-01"), ("x=8", 8), ("x=0.6", 0.6),
    ("x=ON", "ON"), ("x=true", True), ("x=[a, b]", ["a", "b"]), ("x={start: 4%}", {"start": "4%"}), ("x=", None),
    ("x=a=b", "a=b"), ("x= 250m ", "250m"),
])
def test_values_read_as_yaml_text_with_the_loaders_rules(item: str, value: object):
    assert parse_override(item).value == value


@pytest.mark.parametrize(("item", "where", "says"), [
    ("market.spot_utilisation", "--set market.spot_utilisation", "expected PATH=VALUE"),
    ("=60%", "--set", "expected PATH=VALUE"),
    ("a..b=1", "--set a..b", "not a field path"),
    ("x=[1, 2", "--set x", "not a YAML value"),
    ("x=!!python/name:os.system", "--set x", "not supported"),
])
def test_unreadable_overrides_name_themselves(item: str, where: str, says: str):
    with pytest.raises(OptionError) as info:
        parse_overrides([item])
    (p,) = info.value.problems
    assert p.path == where and says in p.message and info.value.kind == "option"


# --- an override is an edit of that field, and only that -----------------------------------------------

@pytest.mark.parametrize(("sets", "old", "new"), [
    (["market.spot_utilisation=60%"], 'spot_utilisation: "70%"', 'spot_utilisation: "60%"'),
    (["debt[Notes].rate=10%"], 'rate: "9.25%"', 'rate: "10%"'),
    (["debt[1].rate=10%"], 'rate: "9.25%"', 'rate: "10%"'),
    (["market.base_rate.start=+4.80%"], 'base_rate: {start: "4.30%"}', 'base_rate: {start: "4.80%"}'),
    (["debt[Term Loan].maturity=2029-06-30"], "maturity: 2028-06-30", "maturity: 2029-06-30"),
    (["opening.cash=250m"], "cash: 100m", "cash: 250m"),
    (["market.gpu_hour_price.H100.start=1.5"], "H100: {start: 2.00", "H100: {start: 1.5"),
    (["working_capital.receivable_days=30"], "receivable_days: 60", "receivable_days: 30"),
    (["treasury.max_capex_deferral_quarters=2"], "treasury: {minimum_cash: 10m}",
     "treasury: {minimum_cash: 10m, max_capex_deferral_quarters: 2}"),  # a key the file leaves out: added
    (["ticker=ON"], "ticker: TINY", "ticker: 'ON'"),
])
def test_an_override_equals_editing_the_file(tmp_path: Path, sets: list[str], old: str, new: str):
    before = load_profile(TINY).company
    after = load_profile(TINY, sets).company
    assert after == load_profile(edited(tmp_path, old, new)).company
    assert after != before


def test_only_that_field_changes():
    before = load_profile(TINY).company.model_dump(mode="json")
    after = load_profile(TINY, ["debt[DDTL].rate=SOFR+5.0%"]).company.model_dump(mode="json")
    assert after["debt"][3]["rate"] != before["debt"][3]["rate"]
    after["debt"][3]["rate"] = before["debt"][3]["rate"]
    assert after == before


def test_the_run_differs_as_the_override_says():
    """Spot utilisation 70% -> 40%: less spot revenue, so the lowest liquidity of the baseline falls."""
    scenarios = select(["baseline"], None, {})
    base = comparison(api.run(load_profile(TINY).company, scenarios))
    low = comparison(api.run(load_profile(TINY, ["market.spot_utilisation=40%"]).company, scenarios))
    assert low.loc["baseline", "min_liquidity"] < base.loc["baseline", "min_liquidity"]


def test_later_override_of_the_same_field_wins():
    company = load_profile(TINY, ["market.spot_utilisation=40%", "market.spot_utilisation=55%"]).company
    assert company.market.spot_utilisation == pytest.approx(0.55)


def test_the_files_data_is_never_changed():
    shared = {"x": 1}
    data = {"a": shared, "b": shared, "l": [shared]}  # as YAML aliases leave them: one object in three places
    out, touched = apply_overrides(data, parse_overrides(["a.x=2", "l[0].x=3"]))
    assert out == {"a": {"x": 2}, "b": {"x": 1}, "l": [{"x": 3}]}
    assert data == {"a": {"x": 1}, "b": {"x": 1}, "l": [{"x": 1}]} and shared == {"x": 1}
    assert [t.path for t in touched] == ["a.x", "l[0].x"]


# --- what cannot be set ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("item", "says"), [
    ("debt[9].rate=1%", "debt has 4 item(s) ([0] to [3]); there is no [9]"),
    ("debt[Bridge].rate=1%", "no item of debt is named 'Bridge'; names: Term Loan, Notes, Revolver, DDTL"),
    ("covenants[liquidity].min=1m", "no item of covenants is named 'liquidity'; its items have no names; use an index"),
    ("ticker.x=1", "ticker is a single value ('TINY'), with no fields below it"),
    ("market[0]=1", "market is a mapping of keys, not a list"),
    ("debt.rate=1%", "debt is a list: choose an item by index [0] or name [NAME]"),
])
def test_a_path_that_leads_nowhere_is_refused_naming_it(item: str, says: str):
    err = refused([item])
    (p,) = err.problems
    assert p.path == "--set " + item.partition("=")[0] and says in p.message, p
    assert isinstance(err, OptionError) and err.file == "command-line options"


def test_a_bad_value_is_located_as_the_override():
    (p,) = refused(["horizon_quarters=abc"]).problems
    assert p.path == "--set horizon_quarters" and p.line is None and p.value == "abc"


def test_a_misspelt_key_is_the_models_to_refuse_as_the_override():
    found = {p.path: p for p in refused(["market.spot_utilization=60%"]).problems}
    assert "did you mean 'spot_utilisation'" in found["--set market.spot_utilization"].message
    assert set(found) == {"--set market.spot_utilization"}


def test_a_missing_section_is_created_and_checked():
    (p,) = refused(["nonsense.x=1"]).problems
    assert p.path == "--set nonsense.x" and "unknown key" in p.message


def test_problems_below_an_override_keep_their_tail():
    found = [p.path for p in refused(["market.base_rate={start: lots}"]).problems]
    assert found == ["--set market.base_rate.start"]


def test_a_todo_set_on_the_command_line_is_one_problem():
    (p,) = refused(["opening.cash=TODO"]).problems
    assert p.path == "--set opening.cash" and p.message.startswith("to fill in")


def test_the_file_problems_keep_their_lines_beside_an_override(tmp_path: Path):
    path = edited(tmp_path, "horizon_quarters: 8", "horizon_quarters: abc")
    with pytest.raises(ProfileError) as info:
        load_profile(path, ["opening.cash=lots"])
    found = {p.path: p for p in info.value.problems}
    assert (found["horizon_quarters"].line, found["horizon_quarters"].column) == (5, 19)
    assert found["--set opening.cash"].line is None


# --- at the command line -----------------------------------------------------------------------------------

def test_validate_takes_set():
    assert runner.invoke(app, ["validate", str(TINY), "--set", "market.spot_utilisation=60%"]).exit_code == 0
    res = runner.invoke(app, ["validate", str(TINY), "--set", "debt[9].rate=1%"])
    assert res.exit_code == 2 and "--set debt[9].rate" in res.output and "Traceback" not in res.output


def test_a_malformed_set_is_one_error_for_all_files():
    res = runner.invoke(app, ["validate", str(TINY), str(TINY), "--set", "nothing"])
    assert res.exit_code == 2 and res.output.count("expected PATH=VALUE") == 1


def test_validate_names_each_file_a_set_path_does_not_fit():
    """``--set debt[Notes].rate`` fits tiny (it has a tranche named Notes) and not coreweave: validate says so per
    file, each under its own path, in both the console and the JSON."""
    item = "debt[Notes].rate=9%"
    res = runner.invoke(app, ["validate", str(TINY), "coreweave", "--set", item, "--json"])
    assert res.exit_code == 2
    import json

    files = json.loads(res.stdout)["files"]
    assert [Path(f["path"]).name for f in files] == ["tiny.yaml", "coreweave.yaml"]
    assert [f["valid"] for f in files] == [True, False]
    (problem,) = files[1]["problems"]
    assert problem["field"] == "--set debt[Notes].rate" and "no item of debt is named 'Notes'" in problem["message"]
    shown = runner.invoke(app, ["validate", str(TINY), "coreweave", "--set", item])
    assert "coreweave.yaml" in shown.output and "command-line options" not in shown.output


def test_a_long_list_of_names_is_cut_between_names_and_counted() -> None:
    """Sixteen tranches of 'Tranche NN' (10 characters, 12 with the separator): 200 characters hold 16 x 12 - 2
    = 190, so all are shown; with 20, 16 fit (190 <= 200 < 202) and '4 more' are counted."""
    from stress.io.overrides import _whole_names

    names = [f"Tranche {i:02d}" for i in range(20)]
    assert _whole_names(names[:16]) == ", ".join(names[:16])
    assert _whole_names(names) == ", ".join(names[:16]) + " and 4 more"
