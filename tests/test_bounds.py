"""Bounds on every number (issue 14, part 2).

Every numeric field of a profile, scenario, portfolio and option is finite and within a documented range:
a value outside it exits 2 naming its field, a value at the bound is accepted, and any profile the models
accept projects to finite figures. A projection that still turns non-finite is a located error, never a
verdict. Duplicate scenario names are an error; GPU drivers skip a profile without GPU cohorts.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

import stress.api
from stress.analysis import breakeven as breakeven_module
from stress.analysis.breakeven import breakeven_table
from stress.analysis.grid import MAX_AXIS_POINTS, parse_axis
from stress.analysis.tornado import tornado
from stress.cli import app
from stress.cli_analyses import MAX_PATHS, checked_paths
from stress.engine.compiled import compile_company
from stress.engine.finite import NonFiniteError, check_finite, first_non_finite, non_finite_problem
from stress.engine.project import project
from stress.errors import ProfileError, ScenarioError, StressError
from stress.io.profiles import load_company
from stress.model import scenario as s
from stress.model.checks import profile_problems
from stress.model.company import Company
from stress.model.portfolio import Portfolio
from stress.scenarios.build import build_worlds
from stress.scenarios.drivers import DRIVERS, applicable
from stress.scenarios.select import library, select
from stress.units import parse_rate_quote

from _strategies import companies

runner = CliRunner()
TINY = "tests/fixtures/tiny.yaml"


def tiny() -> dict[str, Any]:
    return yaml.safe_load(Path(TINY).read_text())


def put(data: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return data


def dotted(path: tuple[Any, ...]) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def write(tmp_path: Path, data: dict[str, Any], name: str = "p.yaml") -> str:
    f = tmp_path / name
    f.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return str(f)


def bad(args: list[str], where: str) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert where in res.output, res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    return res.output


def good(args: list[str]) -> str:
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    return res.output


# --- profiles: a bad value per field family exits 2 with its field path; a value at the bound is accepted ----

INF, NAN = float("inf"), float("nan")

#: (family, field path in tiny.yaml, values out of range, values at the bound)
PROFILE_FIELDS: list[tuple[str, tuple[Any, ...], list[Any], list[Any]]] = [
    ("money", ("opening", "cash"), [2e13, "11tn", 1e300, "1e400", INF, NAN, -1], ["10tn", 1e13, 0]),
    ("money", ("opening", "reported_equity"), [-2e13, "-1e400"], [-1e13, "-10tn"]),
    ("money", ("debt", 1, "balance"), ["20tn", 10**400], ["10tn"]),
    ("money", ("costs", "sga_per_quarter"), [1.0e+308], [1e13]),
    ("money", ("treasury", "minimum_cash"), [1.5e13], [1e13]),
    ("count", ("fleet", 0, "units"), [1.0e+308, "1e9", 0, -5, NAN], [1e8, "100m"]),
    ("count", ("contracts", 0, "gpus"), [2e8], [1e8]),
    ("unit price", ("fleet", 0, "unit_cost"), [1e14, -30_000], [1e13]),
    ("unit price", ("contracts", 0, "price_per_gpu_hour"), [2e7, -2.5, 0], [1e7]),
    ("unit price", ("market", "gpu_hour_price", "H100", "start"), [1e8, INF], [1e7]),
    ("power price", ("market", "power_price_per_kwh"), [-0.05, 11, 1e300], [10, 0]),
    ("rate", ("debt", 1, "rate"), ["1e400%", "101%", "-101%", NAN, INF, 1.5], ["100%", "-100%", 1.0]),
    ("rate", ("debt", 0, "rate"), ["SOFR+1e400bp", "SOFR+10001bp", "SOFR-1e400bp", "SOFR+101%"],
     ["SOFR+10000bp", "SOFR-10000bp", "SOFR+100%"]),
    ("rate", ("debt", 0, "floor"), ["150%", NAN], ["100%", "-100%"]),
    ("rate", ("market", "base_rate", "start"), ["200%", "1e400%", "-1e400bp"], ["100%", "-100%"]),
    ("rate", ("market", "base_rate", "path"), [[0.01, 5.0]], [[0.01, 1.0, -1.0]]),
    ("price change", ("market", "gpu_hour_price", "H100", "annual_change"), ["-100%", "150%", NAN], ["100%", "-99.9%"]),
    ("share", ("costs", "tax_rate"), ["101%", NAN], ["100%", 0]),
    ("share", ("market", "spot_utilisation"), ["-1%", INF], ["100%", "0%"]),
    ("life", ("fleet", 0, "useful_life_years"), [1e300, 51, 0, -1, NAN], [50, 0.25]),
    ("life", ("capex_plan", 0, "economic_life_years"), [1e300, 50.5], [50]),
    ("kW", ("fleet", 0, "kw_per_gpu"), [2e6, 0, INF], [1e6, 0.001]),
    ("PUE", ("costs", "pue"), [0.9, 3.5, 1.0e+308, NAN], [1.0, 3.0]),
    ("escalator", ("leases", 0, "escalator"), ["60%", "-51%", 1e300], ["50%", "-50%"]),
    ("discount rate", ("leases", 0, "discount_rate"), ["150%", "-100%", "-11%"], ["100%", "-10%"]),
    ("days", ("working_capital", "receivable_days"), [366, 1.0e+308, -1], [365, 0]),
    ("threshold", ("covenants", 1, "max"), [1e300, "101x", -1], [100, "100x"]),
    ("threshold", ("covenants", 0, "min"), ["20tn", INF], ["10tn"]),
    ("threshold", ("covenants", 3, "max"), ["1001%"], ["1000%"]),
]


def _bad_cases() -> list[Any]:
    return [pytest.param(path, v, id=f"{fam}-{dotted(path)}-{v!r:.20}")
            for fam, path, bads, _ in PROFILE_FIELDS for v in bads]


def _good_cases() -> list[Any]:
    return [pytest.param(path, v, id=f"{fam}-{dotted(path)}-{v!r:.20}")
            for fam, path, _, goods in PROFILE_FIELDS for v in goods]


@pytest.mark.parametrize(("path", "value"), _bad_cases())
def test_a_value_out_of_range_exits_2_with_its_field_path(tmp_path: Path, path: tuple[Any, ...], value: Any) -> None:
    f = write(tmp_path, put(tiny(), path, value))
    where = dotted(path if not isinstance(value, list) else (*path, 1))
    bad(["validate", f], where)


@pytest.mark.parametrize(("path", "value"), _good_cases())
def test_a_value_at_the_bound_is_accepted(tmp_path: Path, path: tuple[Any, ...], value: Any) -> None:
    f = write(tmp_path, put(tiny(), path, value))
    good(["validate", f])


def test_the_bounds_show_the_value_as_written_once(tmp_path: Path) -> None:
    out = bad(["validate", write(tmp_path, put(tiny(), ("debt", 1, "rate"), "1e400%"))], "debt[1].rate")
    assert "expected" in out and out.count("1e400%") == 1, out


def test_a_lease_longer_than_99_years_is_refused(tmp_path: Path) -> None:
    bad(["validate", write(tmp_path, put(tiny(), ("leases", 0, "end"), "2200-03-31"))], "leases[0].end")
    good(["validate", write(tmp_path, put(tiny(), ("leases", 0, "end"), "2120-03-31"))])


def test_a_rate_quote_as_a_mapping_is_checked_too() -> None:
    assert parse_rate_quote({"floating": True, "spread": "600bp"}).spread == pytest.approx(0.06)
    for junk in ({"floating": "yes", "spread": 1}, {"floating": True}, {"floating": True, "spread": [1]},
                 {"floating": True, "spread": 0.01, "base": "MOON"}):
        with pytest.raises(ValueError):
            parse_rate_quote(junk)


def test_a_huge_whole_number_is_a_located_problem_not_an_overflow(tmp_path: Path) -> None:
    bad(["validate", write(tmp_path, put(tiny(), ("costs", "pue"), 10**400))], "costs.pue")
    bad(["validate", write(tmp_path, put(tiny(), ("fleet", 0, "units"), 10**400))], "fleet[0].units")


def test_every_shipped_profile_still_validates() -> None:
    for name in ("coreweave", "nebius", "iren", "applied_digital", "terawulf", "cipher", "oracle",
                 "tests/fixtures/tiny.yaml", "tests/fixtures/coreweave_legacy.yaml"):
        good(["validate", name])


# --- programmes and portfolios ----------------------------------------------------------------------------------

def test_programme_capacity_is_bounded() -> None:
    from stress.model.programme import Programme
    funding = [{"source": "cash", "share": 1.0}]
    Programme.model_validate({"name": "p", "capacity_mw": 1e5, "funding": funding})
    for value in (1e300, -1, NAN):
        with pytest.raises(ValidationError, match="capacity_mw"):
            Programme.model_validate({"name": "p", "capacity_mw": value, "funding": funding})


@pytest.mark.parametrize("amount", [1e300, "1e400", "11tn", -5, NAN])
def test_portfolio_exposures_are_bounded(amount: Any) -> None:
    with pytest.raises(ValidationError) as info:
        Portfolio.model_validate({"name": "b", "members": [{"profile": "x", "exposure": {"amount": amount, "seniority": "secured"}}]})
    assert info.value.errors()[0]["loc"][:4] == ("members", 0, "exposure", "amount")
    Portfolio.model_validate({"name": "b", "members": [{"profile": "x", "exposure": {"amount": "10tn", "seniority": "secured"}}]})


# --- scenarios --------------------------------------------------------------------------------------------------

#: (a shock out of range, a shock at the bound)
SHOCKS = [
    ("{kind: power_price, change: '-200%'}", "{kind: power_price, change: '-100%'}"),  # no negative power price
    ("{kind: capex_overrun, change: '-150%'}", "{kind: capex_overrun, change: '+1000%'}"),  # no negative capex
    ("{kind: residual, change: '2000%'}", "{kind: residual, change: '-100%'}"),
    ("{kind: gpu_price, level: '1001%'}", "{kind: gpu_price, level: '1000%'}"),
    ("{kind: gpu_price, annual_change: '101%'}", "{kind: gpu_price, annual_change: '-100%'}"),
    ("{kind: useful_life, years: 1.0e+300}", "{kind: useful_life, years: 50}"),
    ("{kind: useful_life, years: 0}", "{kind: useful_life, years: 0.25}"),
    ("{kind: rate, path: [0.01, 5]}", "{kind: rate, path: [0.01, 1.0]}"),
    ("{kind: rate, bp: '1e400bp'}", "{kind: rate, bp: '+10000bp'}"),
    ("{kind: spread, bp: .nan}", "{kind: spread, bp: '-10000bp'}"),
    ("{kind: utilisation, change: 1.0e+300}", "{kind: utilisation, change: '-100%'}"),
]


@pytest.mark.parametrize(("out_of_range", "at_bound"), SHOCKS)
def test_scenario_shocks_are_bounded(tmp_path: Path, out_of_range: str, at_bound: str) -> None:
    f = tmp_path / "s.yaml"
    f.write_text(f"scenarios:\n  - {{name: x, shocks: [{out_of_range}]}}\n")
    bad(["run", TINY, "--scenarios-file", str(f)], "scenarios[0].shocks[0]")
    f.write_text(f"scenarios:\n  - {{name: x, shocks: [{at_bound}]}}\n")
    good(["run", TINY, "--scenarios-file", str(f), "--json"])


@pytest.mark.parametrize(("flag", "value"), [("--life", "1e300"), ("--gpu-price", "-200%"), ("--rate", "1e400bp"),
                                              ("--utilisation", "inf")])
def test_adhoc_flags_are_bounded(flag: str, value: str) -> None:
    bad(["run", TINY, flag, value], flag)


def test_a_file_scenario_named_as_a_built_in_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - {name: mine, shocks: []}\n  - {name: baseline, shocks: [{kind: rate, bp: '+1%'}]}\n")
    with pytest.raises(ScenarioError) as info:
        select([], f)
    assert [p.path for p in info.value.problems] == ["scenarios[1].name"]
    assert "built-in" in info.value.problems[0].message
    bad(["run", TINY, "--scenarios-file", str(f)], "scenarios[1].name")
    bad(["scenarios", "--scenarios-file", str(f)], "scenarios[1].name")
    with pytest.raises(ScenarioError):
        library(f)


def test_a_scenario_named_twice_in_a_file_is_an_error(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - {name: x, shocks: []}\n  - {name: y, shocks: []}\n  - {name: x, shocks: []}\n")
    out = bad(["run", TINY, "--scenarios-file", str(f)], "scenarios[2].name")
    assert "scenarios[0]" in out


def test_a_file_scenario_named_custom_clashes_with_the_adhoc_flags_only(tmp_path: Path) -> None:
    f = tmp_path / "s.yaml"
    f.write_text("scenarios:\n  - {name: custom, shocks: []}\n")
    assert [sc.name for sc in select([], f)] == ["baseline", "custom"]
    bad(["run", TINY, "--scenarios-file", str(f), "--rate", "+1%"], "scenarios[0].name")


# --- options: grid counts and --paths ---------------------------------------------------------------------------

@pytest.mark.parametrize("count", ["51", "100000000", "9" * 400, "-1", "0"])
def test_grid_counts_are_capped(count: str) -> None:
    bad(["grid", TINY, "--x", f"gpu_price=-80%:0%:{count}", "--y", "rate=0:1%:2"], "--x")
    with pytest.raises(ValueError, match="COUNT"):
        parse_axis(f"rate=0:1%:{count}")


def test_a_grid_at_the_cap_runs() -> None:
    assert len(parse_axis(f"gpu_price=-80%:0%:{MAX_AXIS_POINTS}").sizes) == MAX_AXIS_POINTS
    good(["grid", TINY, "--x", f"gpu_price=-80%:0%:{MAX_AXIS_POINTS}", "--y", "rate=0:1%:2", "--json"])


@pytest.mark.parametrize("spec", ["gpu_price=-1e400%:0%:3", "life=nan:4:3", "rate=0:inf:2"])
def test_grid_sizes_must_be_finite(spec: str) -> None:
    bad(["grid", TINY, "--x", spec, "--y", "rate=0:1%:2"], "--x")


@pytest.mark.parametrize("paths", ["100000000", str(MAX_PATHS + 1), "9" * 40])
@pytest.mark.parametrize("command", [["montecarlo", TINY], ["report", TINY, "--analyses"], ["memo", TINY], ["batch", TINY]])
def test_paths_are_capped(paths: str, command: list[str]) -> None:
    out = bad([*command, "--paths", paths], "--paths")
    assert f"{MAX_PATHS:,}" in out


def test_paths_at_the_cap_are_accepted() -> None:
    assert checked_paths(MAX_PATHS) == MAX_PATHS  # running a million paths takes minutes: the check alone


@pytest.mark.parametrize("exposure", ["1e400", "20tn", "nan"])
def test_montecarlo_exposure_is_bounded(exposure: str) -> None:
    bad(["montecarlo", TINY, "--paths", "100", "--exposure", exposure], "--exposure")


# --- profiles without GPU cohorts: breakeven and tornado ----------------------------------------------------------

def _without_gpus(tmp_path: Path, facility: bool) -> str:
    d = tiny()
    d["capex_plan"], d["covenants"] = [], [c for c in d["covenants"] if c["metric"] != "ltv"]
    d["debt"] = [dict(t, secured_by=[]) for t in d["debt"] if t["name"] != "DDTL"]
    if facility:
        d["fleet"] = [dict(d["fleet"][0], asset="facility", gpu="MW", units=10, unit_cost="30m", kw_per_gpu=1000)]
        d["contracts"] = [dict(d["contracts"][0], gpu="MW", gpus=6, price_per_gpu_hour=200)]
        d["market"]["gpu_hour_price"] = {"MW": {"start": 200}}
    else:
        d["fleet"], d["contracts"], d["market"]["gpu_hour_price"] = [], [], {}
    return write(tmp_path, d)


@pytest.mark.parametrize("facility", [False, True], ids=["no-cohorts", "facility-only"])
def test_breakeven_and_tornado_skip_gpu_drivers_without_gpu_cohorts(tmp_path: Path, facility: bool) -> None:
    f = _without_gpus(tmp_path, facility)
    cc = compile_company(load_company(f))
    names = applicable(cc)
    assert not {"gpu_price", "price_decline", "life"} & set(names)
    assert ("customer_default" in names) is facility
    assert {r.driver for r in breakeven_table(cc)} == set(names)
    t = tornado(cc)
    assert {b.driver for b in t.bars} == set(names)
    assert set(t.skipped) == set(DRIVERS) - set(names) and all(t.skipped.values())
    good(["breakeven", f])
    good(["tornado", f, "--json"])
    good(["breakeven", f, "--json"])
    out = good(["breakeven", f, "-d", "gpu_price"])
    assert "not applicable" in out and "no GPU cohorts" in out


def test_the_life_driver_stays_within_the_life_bound(tmp_path: Path) -> None:
    f = write(tmp_path, put(tiny(), ("fleet", 0, "useful_life_years"), 50))
    cc = compile_company(load_company(f))
    assert DRIVERS["life"].varied.favourable(cc) == 50
    tornado(cc)


# --- the finite check ------------------------------------------------------------------------------------------

@pytest.fixture
def tiny_projection():
    cc = compile_company(load_company(TINY))
    return project(cc, build_worlds(cc, select(["baseline", "price_crash"])))


def test_a_finite_projection_passes(tiny_projection) -> None:
    assert check_finite(tiny_projection) is tiny_projection
    assert first_non_finite(tiny_projection) is None and non_finite_problem(tiny_projection) is None


@pytest.mark.parametrize("bad_value", [NAN, INF, -INF])
def test_a_non_finite_line_is_a_located_error(tiny_projection, bad_value: float) -> None:
    tiny_projection.lines["ebitda"][1, 3] = bad_value
    with pytest.raises(NonFiniteError) as info:
        check_finite(tiny_projection)
    err = info.value
    assert isinstance(err, StressError) and isinstance(err, ProfileError)
    where = err.where
    assert (where.item, where.scenario, where.quarter) == ("line 'ebitda'", "price_crash", tiny_projection.cc.timeline.labels[3])
    text = str(err)
    assert "line 'ebitda'" in text and "'price_crash'" in text and tiny_projection.cc.timeline.labels[3] in text
    assert err.problems[0].path == "line 'ebitda'"


def test_a_non_finite_tranche_line_names_the_tranche(tiny_projection) -> None:
    tiny_projection.tranches["closing"][0, 1, 2] = NAN
    where = first_non_finite(tiny_projection)
    assert where is not None
    assert where.item == f"tranche line 'closing' of {tiny_projection.cc.tranche_names[1]!r}"
    assert where.scenario == "baseline" and where.quarter == tiny_projection.cc.timeline.labels[2]


def test_the_error_survives_pickling(tiny_projection) -> None:
    import pickle
    tiny_projection.lines["cash"][0, 0] = INF
    with pytest.raises(NonFiniteError) as info:
        check_finite(tiny_projection)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.where == info.value.where


def _poisoned(real):
    def poisoned(cc, worlds, *args, **kwargs):
        p = real(cc, worlds, *args, **kwargs)
        p.lines["cash"][-1, -1] = NAN
        return p
    return poisoned


def test_api_run_raises_the_located_error_never_a_result(monkeypatch) -> None:
    monkeypatch.setattr(stress.api, "project", _poisoned(stress.api.project))
    with pytest.raises(NonFiniteError, match="line 'cash'"):
        stress.api.run(TINY)


def test_the_cli_reports_a_non_finite_projection_as_exit_2(monkeypatch) -> None:
    monkeypatch.setattr(stress.api, "project", _poisoned(stress.api.project))
    out = bad(["run", TINY], "line 'cash'")
    assert "no verdict" in out and "Survives" not in out


def test_the_analyses_check_their_projections(monkeypatch) -> None:
    cc = compile_company(load_company(TINY))
    monkeypatch.setattr(breakeven_module, "project", _poisoned(breakeven_module.project))
    with pytest.raises(NonFiniteError):
        breakeven_table(cc, ["rate"])
    import stress.analysis.grid as grid_module
    import stress.analysis.tornado as tornado_module
    monkeypatch.setattr(tornado_module, "project", _poisoned(tornado_module.project))
    with pytest.raises(NonFiniteError):
        tornado(cc)
    monkeypatch.setattr(grid_module, "project", _poisoned(grid_module.project))
    with pytest.raises(NonFiniteError):
        grid_module.grid(cc, parse_axis("rate=0:1%:2"), parse_axis("spread=0:1%:2"), grid_module.GridMetric.MIN_LIQUIDITY)


# --- property: any profile the models accept projects to finite numbers -------------------------------------------

#: Field -> values at or near its bounds. Each draw pushes a random handful of fields of a random valid company there.
EXTREMES: dict[str, list[Any]] = {
    "units": [1e8, 1e-6], "unit_cost": [1e13, 1e-6], "useful_life_years": [50.0, 1e-9], "economic_life_years": [50.0, 1e-9],
    "kw_per_gpu": [1e6, 1e-9], "residual": [0.0, 1.0],
    "gpus": [1e8], "price_per_gpu_hour": [1e7, 1e-9],
    "balance": [1e13], "rate": ["100%", "-100%", "SOFR+10000bp", "SOFR-10000bp"], "floor": [1.0, -1.0],
    "annual_payment": [1e13], "escalator": [0.5, -0.5], "discount_rate": [1.0, -0.1],
    "start": [1e7, 1e-9], "annual_change": [1.0, -0.999999],
    "power_price_per_kwh": [10.0, 0.0], "pue": [3.0, 1.0], "other_cost_per_gpu_year": [1e13],
    "sga_per_quarter": [1e13], "sga_per_mw_year": [1e13], "sga_share_of_revenue": [1.0], "tax_rate": [1.0, 0.0],
    "receivable_days": [365.0], "minimum_cash": [1e13],
    "cash": [1e13, 0.0], "receivables": [1e13], "other_assets": [1e13], "other_liabilities": [1e13],
    "tax_loss_carryforward": [1e13],
}

SHOCKS_AT_BOUNDS = [
    s.GpuPriceShock(level=10.0), s.GpuPriceShock(level=-1.0), s.GpuPriceShock(annual_change=1.0),
    s.GpuPriceShock(annual_change=-1.0), s.RateShock(bp=1.0), s.RateShock(bp=-1.0), s.RateShock(path=[1.0, -1.0]),
    s.SpreadShock(bp=1.0), s.SpreadShock(bp=-1.0), s.UtilisationShock(level=1.0), s.UtilisationShock(change=-10.0),
    s.UsefulLifeShock(years=50.0), s.UsefulLifeShock(years=1e-9), s.ResidualShock(change=10.0),
    s.ResidualShock(change=-1.0), s.PowerPriceShock(change=10.0), s.PowerPriceShock(change=-1.0),
    s.CapexOverrunShock(change=10.0), s.CapexOverrunShock(change=-1.0), s.DelayShock(quarters=400),
    s.RefinancingShock(), s.CustomerDefaultShock(),
]


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[tuple[Any, ...], str]]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _leaves(v, (*path, k))] + \
            [((*path, k), k) for k, v in data.items() if k in EXTREMES and not isinstance(v, (dict, list))]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in _leaves(v, (*path, i))]
    return []


@st.composite
def extreme_companies(draw: st.DrawFn) -> Company:
    """A valid random company with some fields pushed to their bounds, and the longest horizon sometimes."""
    company = draw(companies())
    data = company.model_dump(mode="json")
    leaves = _leaves(data)
    chosen = draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=12, unique=True)) if leaves else []
    for path, key in chosen:
        data = put(data, path, draw(st.sampled_from(EXTREMES[key])))
    for t in data["debt"]:  # keep the cross-field rules: a limit covers the balance
        if t.get("limit") is not None and t["limit"] < t["balance"]:
            t["limit"] = t["balance"]
    if draw(st.booleans()):
        data["horizon_quarters"] = 80
    try:
        company = Company.model_validate(data)
    except ValidationError:
        assume(False)
    assume(not profile_problems(company))
    return company


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(company=extreme_companies(), shocks=st.lists(st.sampled_from(SHOCKS_AT_BOUNDS), max_size=4))
def test_any_profile_the_models_accept_projects_to_finite_numbers(company: Company, shocks: list[s.Shock]) -> None:
    cc = compile_company(company)
    scenarios = [s.Scenario(name="baseline"), s.Scenario(name="extreme", shocks=shocks)]
    with np.errstate(all="ignore"):
        p = project(cc, build_worlds(cc, scenarios))
    assert first_non_finite(p) is None, (first_non_finite(p), company.model_dump(mode="json"), shocks)
