"""``stress diff A B``: exactly the fields that changed between two profiles (items matched by name, values
as the model reads them, shown as written), and what moved between two run or Monte Carlo results, checked
against figures written by hand into small result documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stress.analysis.diff import diff, scenario_figures
from stress.cli import app
from stress.errors import ProfileError

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    return res.exit_code, res.output


def variant(tmp_path: Path, *edits: tuple[str, str], name: str = "b.yaml") -> Path:
    text = TINY_TEXT
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- profiles ---------------------------------------------------------------------------------------------

BRIDGE = '  - {name: Bridge, kind: term_loan, balance: 30m, rate: "12%", maturity: 2026-12-31}\n'


def test_exactly_the_changed_fields(tmp_path: Path):
    b = variant(tmp_path,
                ("cash: 100m", "cash: 120m"),  # changed
                ('rate: "9.25%"', 'rate: "10%"'),  # the Notes, second tranche
                ("  - {name: Notes,", BRIDGE + "  - {name: Notes,"),  # a tranche inserted before it: by name, not index
                ("  - {metric: liquidity, min: 25m}", "  - {metric: liquidity, min: 30m}"),  # covenants have no names
                ('sources: {synthetic: "test fixture, not a real firm"}',
                 'sources: {synthetic: "test fixture, not a real firm", extra: "a new source"}'),
                ('spot_utilisation: "70%"', "spot_utilisation: 0.70"),  # the same share, written otherwise: no change
                ("horizon_quarters: 8\n", "horizon_quarters: 8\nreporting: {fiscal_year_end: December}\n"))  # = default
    found = {c.path: (c.kind, c.a, c.b) for c in diff(TINY, b).changes}
    assert found == {
        "sources.extra": ("added", None, "a new source"),
        "opening.cash": ("changed", "100m", "120m"),
        "debt[Notes].rate": ("changed", "9.25%", "10%"),
        "debt[Bridge]": ("added", None, {"name": "Bridge", "kind": "term_loan", "balance": "30m", "rate": "12%",
                                         "maturity": "2026-12-31"}),
        "covenants[0].min": ("changed", "25m", "30m"),
    }


def test_removed_and_renamed_items(tmp_path: Path):
    b = variant(tmp_path, ("  - {name: Revolver, kind: revolver, balance: 0, limit: 50m, rate: \"SOFR+3.0%\", "
                           "maturity: 2027-12-31}\n", ""))
    changes = diff(TINY, b).changes
    assert [(c.path, c.kind) for c in changes] == [("debt[Revolver]", "removed")]
    assert changes[0].a["limit"] == "50m" and changes[0].b is None


def test_the_same_profile_has_no_changes(tmp_path: Path):
    copy = variant(tmp_path, ("# A tiny synthetic company", "# Another comment"))
    assert diff(TINY, copy).changes == []
    code, out = invoke("diff", str(TINY), str(copy))
    assert code == 0 and "The profiles are the same" in out


def test_a_path_of_the_diff_is_a_path_for_set(tmp_path: Path):
    """What diff prints can be fed to --set: setting B's value on A makes them the same."""
    from stress.io.profiles import load_profile

    b = variant(tmp_path, ('rate: "9.25%"', 'rate: "10%"'), ("cash: 100m", "cash: 120m"))
    sets = [f"{c.path}={c.b}" for c in diff(TINY, b).changes]
    assert load_profile(TINY, sets).company == load_profile(b).company


def test_profiles_on_the_command_line_and_as_json(tmp_path: Path):
    b = variant(tmp_path, ('rate: "9.25%"', 'rate: "10%"'))
    code, out = invoke("diff", str(TINY), str(b))
    assert code == 0 and "debt[Notes].rate" in out and "9.25%" in out and "10%" in out
    code, out = invoke("diff", str(TINY), str(b), "--json")
    doc = json.loads(out)
    assert doc["kind"] == "profile" and doc["compared"] == "as the model reads them"
    assert doc["changes"] == [{"path": "debt[Notes].rate", "change": "changed", "a": "9.25%", "b": "10%"}]


def test_a_profile_being_filled_in_is_compared_as_written(tmp_path: Path):
    b = variant(tmp_path, ("as_of: 2025-06-30", 'as_of: "TODO: the new date"'), ('spot_utilisation: "70%"',
                                                                                   "spot_utilisation: 0.7"))
    d = diff(TINY, b)
    assert d.as_written and d.b.problems == 1
    assert {c.path for c in d.changes} == {"as_of", "market.spot_utilisation"}  # 70% and 0.7 differ as written
    code, out = invoke("diff", str(TINY), str(b))
    assert code == 0 and "Compared as written" in out


# --- run results --------------------------------------------------------------------------------------------

def scenario(name: str, verdict: str, liquidity: list[Any], dscr: list[Any], case: str = "plan",
             **events: Any) -> dict[str, Any]:
    every = {"first_breach": None, "first_breach_covenant": None, "liquidity_default": None, "maturity_default": None,
             "maturity_default_tranche": None, "covenant_default": None, "cross_default": None}
    return {"name": name, "case": case, "verdict": verdict, "events": {**every, **events},
            "metrics": {"liquidity": liquidity, "dscr": dscr}}


def run_doc(*scenarios: dict[str, Any], as_of: str = "2025-06-30") -> dict[str, Any]:
    return {"schema_version": "1.2", "company": {"name": "Tiny", "as_of": as_of}, "scenarios": list(scenarios)}


def write(tmp_path: Path, name: str, doc: dict[str, Any]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return str(path)


A_RUN = run_doc(scenario("baseline", "pass", [500e6, 300e6, 400e6], [None, 1.5, 1.2]),
                scenario("severe", "breach", [200e6, 50e6], [1.0, 0.9], first_breach="2026Q1",
                         first_breach_covenant="dscr"))
B_RUN = run_doc(scenario("baseline", "breach", [500e6, 200e6, 600e6], [1.4, None, 1.1], first_breach="2026Q2",
                         first_breach_covenant="liquidity"),
                scenario("severe", "default", [200e6, -10e6], [1.0, 0.5], first_breach="2026Q1",
                         first_breach_covenant="dscr", maturity_default="2027Q2", maturity_default_tranche="Notes",
                         liquidity_default="2027Q1"),
                scenario("rates_up", "pass", [100e6], [2.0]), as_of="2025-09-30")


def test_the_figures_of_one_scenario():
    assert scenario_figures(A_RUN["scenarios"][0]) == {"verdict": "pass", "first_breach": None, "default": None,
                                                       "min_liquidity": 300e6, "trough_dscr": 1.2}
    assert scenario_figures(B_RUN["scenarios"][1])["default"] == "2027Q1 (liquidity)"  # before the maturity default


def test_run_results_per_scenario(tmp_path: Path):
    d = diff(write(tmp_path, "a.json", A_RUN), write(tmp_path, "b.json", B_RUN))
    assert d.kind == "run"
    by = {s.scenario: s for s in d.scenarios}
    base = by["baseline"]
    assert (base.verdict.a, base.verdict.b) == ("pass", "breach")
    assert (base.first_breach.a, base.first_breach.b) == (None, "2026Q2 (liquidity)")
    assert (base.min_liquidity.a, base.min_liquidity.b, base.min_liquidity.change) == (300e6, 200e6, -100e6)
    assert base.trough_dscr.a == 1.2 and base.trough_dscr.b == 1.1
    severe = by["severe"]
    assert not severe.first_breach.changed and severe.default.b == "2027Q1 (liquidity)"
    assert severe.min_liquidity.change == -60e6
    assert by["rates_up"].present == "b" and by["rates_up"].verdict.b == "pass"


def test_run_results_on_the_command_line(tmp_path: Path):
    a, b = write(tmp_path, "a.json", A_RUN), write(tmp_path, "b.json", B_RUN)
    code, out = invoke("diff", a, b)
    assert code == 0 and "Verdicts changed: baseline pass → breach; severe breach → default" in out
    code, out = invoke("diff", a, b, "--json")
    doc = json.loads(out)
    base = next(s for s in doc["scenarios"] if s["scenario"] == "baseline")
    assert base["min_liquidity"] == {"a": 300e6, "b": 200e6, "change": -100e6}
    assert doc["companies"] == {"a": "Tiny as of 2025-06-30", "b": "Tiny as of 2025-09-30"}


def test_a_result_in_an_envelope_is_found(tmp_path: Path):
    a = write(tmp_path, "a.json", {"ok": True, "result": A_RUN})
    assert diff(a, write(tmp_path, "b.json", B_RUN)).kind == "run"


def test_real_run_outputs(tmp_path: Path):
    """Two `stress run --json` files of tiny.yaml, one with 50m more cash: every scenario is matched, none
    lost, and the baseline's lowest liquidity is higher with more cash."""
    b = variant(tmp_path, ("cash: 100m", "cash: 150m"), ("reported_equity: 178m", "reported_equity: 228m"))
    code, first = invoke("run", str(TINY), "--json", "-s", "baseline", "-s", "severe")
    code2, second = invoke("run", str(b), "--json", "-s", "baseline", "-s", "severe")
    assert code == code2 == 0
    (tmp_path / "a.json").write_text(first, encoding="utf-8")
    (tmp_path / "b.json").write_text(second, encoding="utf-8")
    d = diff(tmp_path / "a.json", tmp_path / "b.json")
    assert [s.scenario for s in d.scenarios] == ["baseline", "severe"] and all(s.present == "both" for s in d.scenarios)
    assert d.scenarios[0].min_liquidity.change > 0


# --- Monte Carlo results ----------------------------------------------------------------------------------

def mc_doc(pd: float, interval: list[float], by_year: dict[str, float], **more: Any) -> dict[str, Any]:
    return {"schema_version": "1.2", "company": "Tiny", "paths": 1000, "seed": 7, "probability_of_default": pd,
            "pd_interval_95": interval, "pd_by_year": by_year, "loss_given_default": 0.6, "expected_loss": 15e6,
            "vehicle_pd": {}, "min_liquidity_percentiles": {"p5": -1e6}, **more}


def test_montecarlo_pd_moved(tmp_path: Path):
    a = write(tmp_path, "a.json", mc_doc(0.10, [0.08, 0.12], {"2026": 0.02, "2027": 0.10}))
    b = write(tmp_path, "b.json", mc_doc(0.25, [0.22, 0.28], {"2027": 0.12, "2028": 0.25}, expected_loss=40e6))
    mc = diff(a, b).montecarlo
    assert mc is not None
    assert mc.probability_of_default.change == pytest.approx(0.15)
    assert {k: (m.a, m.b) for k, m in mc.pd_by_year.items()} == {"2026": (0.02, None), "2027": (0.10, 0.12),
                                                                "2028": (None, 0.25)}
    assert mc.expected_loss.change == 25e6 and not mc.loss_given_default.changed
    code, out = invoke("diff", a, b)
    assert code == 0 and "10.0% → 25.0% (+15.0 pp)" in out
    doc = json.loads(invoke("diff", a, b, "--json")[1])
    assert doc["kind"] == "montecarlo" and doc["montecarlo"]["probability_of_default"]["change"] == pytest.approx(0.15)


def test_a_result_file_with_nonsense_in_it_does_not_crash(tmp_path: Path):
    a = write(tmp_path, "a.json", mc_doc(0.10, [0.08, 0.12], {}))
    b = write(tmp_path, "b.json", mc_doc("lots", "x", {"2027": [1]}, expected_loss=None, paths="many"))  # type: ignore[arg-type]
    code, out = invoke("diff", a, b)
    assert code == 0
    assert json.loads(invoke("diff", a, b, "--json")[1])["montecarlo"]["probability_of_default"] == {"a": 0.1, "b": None}


# --- what diff refuses ----------------------------------------------------------------------------------

def test_two_of_a_kind_only(tmp_path: Path):
    code, out = invoke("diff", str(TINY), write(tmp_path, "b.json", B_RUN))
    assert code == 2 and "A is a profile and B is a `stress run --json` result" in out


def test_another_stress_document_is_refused(tmp_path: Path):
    tornado = write(tmp_path, "t.json", {"schema_version": "1.2", "company": "Tiny", "bars": []})
    code, out = invoke("diff", tornado, tornado)
    assert code == 2 and "diff does not compare" in out


def test_a_file_that_is_not_there():
    code, out = invoke("diff", str(TINY), "no-such-profile")
    assert code == 2 and "no such file" in out


def test_a_file_that_is_nothing_like_a_profile(tmp_path: Path):
    other = tmp_path / "notes.yaml"
    other.write_text("shopping: [milk, eggs]\n", encoding="utf-8")
    with pytest.raises(ProfileError):  # compared as written would compare nonsense: it is not a profile
        diff(TINY, other)
