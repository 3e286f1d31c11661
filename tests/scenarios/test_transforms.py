"""Each shock transforms only the Worlds arrays it names, to values worked out by hand.

The transforms run on three *random* worlds (``_strategies.random_worlds``),
not copies of the baseline, so "unchanged" means unchanged row by row and
the shock is applied to every world. The shocked company is ``shock_co``
(see conftest): 8 quarters, GPU models [B200, H100], cohorts [F-H100,
F-B200, C-B200], customers [A, B].

Ramps: a shock with ``start`` s and ``ramp_quarters`` r is 0 before s and in
force by (q - s + 1) / (r + 1) from s, full at s + r. With s = 2, r = 3 over
8 quarters that is [0, 0, 1/4, 1/2, 3/4, 1, 1, 1].

Also here: scenario references the company lacks, scenario files and their
errors, the built-in library, and ``select()``.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path
from typing import get_args

import numpy as np
import pytest
import yaml
from pydantic import ValidationError

from stress.engine.compiled import compile_company
from stress.engine.timeline import NEVER
from stress.engine.worlds import Worlds, baseline_worlds
from stress.errors import OptionError, ScenarioError
from stress.io.scenarios import builtin_scenarios, load_scenario_file
from stress.model import scenario as s
from stress.scenarios.build import build_worlds, scenario_world
from stress.scenarios.select import select
from stress.scenarios.transforms import TRANSFORMS, apply

from _strategies import random_worlds

FIELDS = [f.name for f in dataclasses.fields(Worlds) if f.name != "names"]
H100, B200 = 1, 0  # index of each model in cc.gpu_models (sorted)
BUILTINS = ["baseline", "rates_up", "price_crash", "short_life", "customer_default", "refi_freeze", "severe", "telecom_2001"]


@pytest.fixture
def worlds(shock_co) -> Worlds:
    return random_worlds(shock_co, 3, seed=20251)


def shocked(cc, w: Worlds, shock, changed: set[str]) -> Worlds:
    """Apply ``shock``; check the input is untouched and every field outside ``changed`` is array-equal to it."""
    before = copy.deepcopy(w)
    out = apply(w, cc, shock)
    for name in FIELDS:  # the input is not mutated
        assert np.array_equal(getattr(w, name), getattr(before, name)), f"input {name} mutated"
    assert out.names == w.names
    for name in set(FIELDS) - changed:
        a, b = getattr(out, name), getattr(w, name)
        assert a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a, b), f"{shock.kind} changed {name}"
    for name in changed:  # a per-world field given as (W,) may come back per cohort or quarter, (W, K|Q)
        assert getattr(out, name).shape[0] == getattr(w, name).shape[0]
        assert not np.array_equal(getattr(out, name), getattr(w, name)), f"{shock.kind} left {name} unchanged"
    return out


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-14, atol=1e-15)


RAMP_2_3 = np.array([0, 0, 1 / 4, 1 / 2, 3 / 4, 1, 1, 1])


def test_every_kind_has_a_transform() -> None:
    union = get_args(s.Shock)[0]  # Annotated[Union[...], discriminator]
    kinds = {m.model_fields["kind"].default for m in get_args(union)}
    assert set(TRANSFORMS) == kinds == {"rate", "spread", "gpu_price", "utilisation", "useful_life", "residual",
                                       "customer_default", "refinancing", "power_price", "capex_overrun", "delay"}


# --- rate and spread -----------------------------------------------------------------------------

def test_rate_bp_ramps_in(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.RateShock(bp=0.03, start=2, ramp_quarters=3), {"base_rate"})
    close(out.base_rate, worlds.base_rate + 0.03 * RAMP_2_3)
    close(out.base_rate[:, :2], worlds.base_rate[:, :2])
    close(out.base_rate[:, 5:] - worlds.base_rate[:, 5:], np.full((3, 3), 0.03))


def test_rate_path_replaces_the_base_rate_from_start_and_its_last_value_holds(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.RateShock(path=[0.05, 0.06], start=3), {"base_rate"})
    close(out.base_rate[:, :3], worlds.base_rate[:, :3])
    close(out.base_rate[:, 3], np.full(3, 0.05))
    close(out.base_rate[:, 4:], np.full((3, 4), 0.06))


def test_rate_path_plus_bp(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.RateShock(path=[0.05, 0.06], bp=0.01, start=6), {"base_rate"})
    close(out.base_rate[:, :6], worlds.base_rate[:, :6])
    close(out.base_rate[:, 6:], np.array([[0.06, 0.07]] * 3))


def test_spread_ramps_in(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.SpreadShock(bp=0.04, start=1, ramp_quarters=1), {"spread_add"})
    close(out.spread_add, worlds.spread_add + 0.04 * np.array([0, 0.5, 1, 1, 1, 1, 1, 1]))


# --- gpu_price -----------------------------------------------------------------------------------

def test_gpu_price_level_on_every_model(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.GpuPriceShock(level=-0.4, start=2, ramp_quarters=1), {"gpu_price"})
    factor = np.array([1, 1, 0.8, 0.6, 0.6, 0.6, 0.6, 0.6])  # 1 - 40% x [0, 0, 1/2, 1, ...]
    close(out.gpu_price, worlds.gpu_price * factor)


def test_gpu_price_models_filter_and_annual_change(shock_co, worlds) -> None:
    """Only B200 moves: -20% a year compounded from the start of quarter 4, a full year by quarter 7."""
    out = shocked(shock_co, worlds, s.GpuPriceShock(annual_change=-0.2, models=["B200"], start=4), {"gpu_price"})
    np.testing.assert_array_equal(out.gpu_price[:, H100], worlds.gpu_price[:, H100])
    factor = np.array([1, 1, 1, 1, 0.8 ** 0.25, 0.8 ** 0.5, 0.8 ** 0.75, 0.8])
    close(out.gpu_price[:, B200], worlds.gpu_price[:, B200] * factor)


def test_gpu_price_level_and_annual_change_multiply(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.GpuPriceShock(level=-0.5, annual_change=0.1, models=["H100"], start=0),
                  {"gpu_price"})
    factor = 0.5 * 1.1 ** (np.arange(1, 9) / 4)
    close(out.gpu_price[:, H100], worlds.gpu_price[:, H100] * factor)
    np.testing.assert_array_equal(out.gpu_price[:, B200], worlds.gpu_price[:, B200])


def test_gpu_price_cannot_fall_more_than_100_percent() -> None:
    with pytest.raises(ValidationError, match="more than 100%"):
        s.GpuPriceShock(level="-150%")


# --- utilisation ---------------------------------------------------------------------------------

def test_utilisation_level_ramps_from_each_worlds_own_path(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.UtilisationShock(level=0.55, start=1, ramp_quarters=1), {"utilisation"})
    f = np.array([0, 0.5, 1, 1, 1, 1, 1, 1])
    close(out.utilisation, worlds.utilisation + (0.55 - worlds.utilisation) * f)
    close(out.utilisation[:, 2:], np.full((3, 6), 0.55))


def test_utilisation_change_moves_by_points_and_clips(shock_co) -> None:
    w = baseline_worlds(shock_co, 2)  # 70% everywhere
    down = shocked(shock_co, w, s.UtilisationShock(change=-0.15, start=6), {"utilisation"})
    close(down.utilisation, np.array([[0.7] * 6 + [0.55] * 2] * 2))
    floor = shocked(shock_co, w, s.UtilisationShock(change=-0.9), {"utilisation"})
    np.testing.assert_array_equal(floor.utilisation, np.zeros((2, 8)))
    cap = shocked(shock_co, w, s.UtilisationShock(change=0.5), {"utilisation"})
    np.testing.assert_array_equal(cap.utilisation, np.ones((2, 8)))


def test_utilisation_needs_exactly_one_of_level_and_change() -> None:
    for bad in ({}, {"level": "55%", "change": "-5%"}):
        with pytest.raises(ValidationError, match="exactly one of level"):
            s.UtilisationShock(**bad)


# --- useful_life ---------------------------------------------------------------------------------

def change_quarter(w: Worlds) -> np.ndarray:
    """The quarter each cohort's change of life takes effect, (W, K), whether given per world or per cohort."""
    return np.broadcast_to(w.life_change_q.reshape(w.n, -1), w.life_q.shape)


@pytest.mark.parametrize("basis, changed", [("accounting", {"life_q", "life_change_q"}),
                                            ("economic", {"econ_q", "life_change_q"}),
                                            ("both", {"life_q", "econ_q", "life_change_q"})])
def test_useful_life_basis(shock_co, basis, changed) -> None:
    w = baseline_worlds(shock_co, 2)  # lives [20, 24, 20] accounting, [24, 24, 20] economic quarters
    out = shocked(shock_co, w, s.UsefulLifeShock(years=3, basis=basis, start=2), changed)
    np.testing.assert_array_equal(change_quarter(out), [[2, 2, 2]] * 2)
    life = [[12, 12, 12]] * 2 if basis != "economic" else [[20, 24, 20]] * 2
    econ = [[12, 12, 12]] * 2 if basis != "accounting" else [[24, 24, 20]] * 2
    np.testing.assert_array_equal(out.life_q, life)
    np.testing.assert_array_equal(out.econ_q, econ)


def test_useful_life_cohorts_filter_on_random_worlds(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.UsefulLifeShock(years=2.5, basis="both", cohorts=["F-B200"], start=1),
                  {"life_q", "econ_q", "life_change_q"})
    np.testing.assert_array_equal(out.life_q[:, 1], [10] * 3)  # 2.5 years = 10 quarters
    np.testing.assert_array_equal(out.econ_q[:, 1], [10] * 3)
    np.testing.assert_array_equal(out.life_q[:, [0, 2]], worlds.life_q[:, [0, 2]])
    np.testing.assert_array_equal(out.econ_q[:, [0, 2]], worlds.econ_q[:, [0, 2]])
    np.testing.assert_array_equal(change_quarter(out)[:, 1], [1] * 3)


# --- residual, customer_default, refinancing, power, capex, delay --------------------------------

def test_residual_scales_resale(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.ResidualShock(change=-0.5), {"resale_factor"})
    close(out.resale_factor, worlds.resale_factor[:, None] * np.full(8, 0.5))  # per world, now per quarter too


def test_residual_ramps_in_from_its_start(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.ResidualShock(change=-0.5, start=2, ramp_quarters=3), {"resale_factor"})
    close(out.resale_factor, worlds.resale_factor[:, None] * (1 - 0.5 * RAMP_2_3))


def test_customer_default_named(shock_co) -> None:
    w = baseline_worlds(shock_co, 2)  # default_q = NEVER for both customers
    out = shocked(shock_co, w, s.CustomerDefaultShock(customer="B", start=3), {"default_q"})
    np.testing.assert_array_equal(out.default_q, [[NEVER, 3], [NEVER, 3]])


def test_customer_default_largest_is_by_contracted_revenue(shock_co) -> None:
    """A: 600 x $2.50 x 8 quarters' hours = $26.28m beats B: 700 x $4.00 x 4 quarters' hours = $24.53m."""
    hours = np.array([92, 92, 90, 91, 92, 92, 90, 91]) * 24
    assert 600 * 2.5 * hours.sum() > 700 * 4.0 * hours[:4].sum()
    out = shocked(shock_co, baseline_worlds(shock_co), s.CustomerDefaultShock(start=4), {"default_q"})
    np.testing.assert_array_equal(out.default_q, [[4, NEVER]])


def test_customer_default_keeps_an_earlier_default(shock_co, worlds) -> None:
    w = dataclasses.replace(worlds, default_q=np.array([[1, NEVER], [6, NEVER], [NEVER, 0]]))
    out = shocked(shock_co, w, s.CustomerDefaultShock(customer="A", start=4), {"default_q"})
    np.testing.assert_array_equal(out.default_q, [[1, NEVER], [4, NEVER], [4, 0]])


def test_refinancing_closed_for_n_quarters(shock_co) -> None:
    w = baseline_worlds(shock_co, 2)
    out = shocked(shock_co, w, s.RefinancingShock(start=2, quarters=3), {"refi_open"})
    np.testing.assert_array_equal(out.refi_open, [[1, 1, 0, 0, 0, 1, 1, 1]] * 2)


def test_refinancing_closed_to_the_end(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.RefinancingShock(start=5), {"refi_open"})
    np.testing.assert_array_equal(out.refi_open[:, :5], worlds.refi_open[:, :5])
    assert not out.refi_open[:, 5:].any()


def test_power_price_ramps_in(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.PowerPriceShock(change=0.5, ramp_quarters=1), {"power_price"})
    close(out.power_price, worlds.power_price * np.array([1.25] + [1.5] * 7))


def test_capex_overrun_scales_the_plan_cost(shock_co, worlds) -> None:
    # only C-B200 (index 2, due in 2026Q1 = quarter 2) is still to buy; the owned fleet's cost is history
    out = shocked(shock_co, worlds, s.CapexOverrunShock(change=0.2), {"capex_factor"})
    close(out.capex_factor[:, 2], worlds.capex_factor * 1.2)
    close(out.capex_factor[:, :2], np.repeat(worlds.capex_factor[:, None], 2, axis=1))


def test_capex_overrun_takes_the_ramp_at_the_due_quarter_and_spares_earlier_cohorts(shock_co, worlds) -> None:
    ramped = shocked(shock_co, worlds, s.CapexOverrunShock(change=0.2, ramp_quarters=3), {"capex_factor"})
    close(ramped.capex_factor[:, 2], worlds.capex_factor * (1 + 0.2 * 3 / 4))  # quarter 2 of a 3-quarter ramp
    late = apply(worlds, shock_co, s.CapexOverrunShock(change=0.2, start=3))  # C-B200 is due before it starts
    close(late.capex_factor, np.repeat(worlds.capex_factor[:, None], 3, axis=1))


def test_delay_adds_quarters(shock_co, worlds) -> None:
    out = shocked(shock_co, worlds, s.DelayShock(quarters=2), {"delay_q"})
    np.testing.assert_array_equal(out.delay_q[:, 2], worlds.delay_q + 2)
    np.testing.assert_array_equal(out.delay_q[:, :2], np.repeat(worlds.delay_q[:, None], 2, axis=1))
    late = apply(worlds, shock_co, s.DelayShock(quarters=2, start=3))
    np.testing.assert_array_equal(late.delay_q, np.repeat(worlds.delay_q[:, None], 3, axis=1))


# --- references the company lacks ----------------------------------------------------------------

def test_unknown_references_raise_naming_the_shock_path(shock_co) -> None:
    bad = s.Scenario(name="oops", shocks=[
        s.RateShock(bp=0.01),
        s.CustomerDefaultShock(customer="Nobody"),
        s.GpuPriceShock(level=-0.2, models=["H100", "TPU"]),
        s.UsefulLifeShock(years=3, cohorts=["F-H100", "Ghost"]),
    ])
    with pytest.raises(ScenarioError) as info:
        build_worlds(shock_co, [s.Scenario(name="baseline"), bad])
    problems = {p.path: p for p in info.value.problems}
    assert set(problems) == {"oops.shocks[1].customer", "oops.shocks[2].models", "oops.shocks[3].cohorts"}
    assert problems["oops.shocks[1].customer"].value == "Nobody"
    assert problems["oops.shocks[2].models"].value == "TPU"
    assert problems["oops.shocks[3].cohorts"].value == "Ghost"
    text = str(info.value)
    assert "oops.shocks[1].customer" in text and "'A', 'B'" in text  # names the customers it does have


def test_build_worlds_is_one_world_per_scenario_in_order(shock_co) -> None:
    scenarios = [s.Scenario(name="baseline"), s.Scenario(name="hike", shocks=[s.RateShock(bp=0.01)])]
    w = build_worlds(shock_co, scenarios)
    assert w.names == ["baseline", "hike"]
    base = baseline_worlds(shock_co)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(w, name)[0], getattr(base, name)[0])
    np.testing.assert_array_equal(w.base_rate[1], base.base_rate[0] + 0.01)


# --- scenario files ------------------------------------------------------------------------------

def write(tmp_path: Path, scenarios: object, text: str | None = None) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(text if text is not None else yaml.safe_dump({"scenarios": scenarios}, sort_keys=False), encoding="utf-8")
    return path


GB200_GLUT = """\
scenarios:
  - name: gb200_glut
    description: Blackwell prices halve over a year; refinancing shut in 2027.
    shocks:
      - {kind: gpu_price, level: "-50%", models: [GB200], ramp_quarters: 3}
      - {kind: refinancing, start: 6, quarters: 4}
      - {kind: rate, bp: "+300bp"}
      - {kind: useful_life, years: 4, basis: economic}
"""


def test_scenario_file_loads_with_units(tmp_path) -> None:
    [sc] = load_scenario_file(write(tmp_path, None, GB200_GLUT))
    assert sc.name == "gb200_glut"
    price, refi, rate, life = sc.shocks
    assert isinstance(price, s.GpuPriceShock) and price.level == pytest.approx(-0.5) and price.models == ["GB200"]
    assert price.ramp_quarters == 3 and price.start == 0
    assert isinstance(refi, s.RefinancingShock) and (refi.start, refi.quarters) == (6, 4)
    assert isinstance(rate, s.RateShock) and rate.shift == pytest.approx(0.03)
    assert isinstance(life, s.UsefulLifeShock) and life.years == 4 and life.basis == "economic"


def problems_of(path: Path) -> dict[str, object]:
    with pytest.raises(ScenarioError) as info:
        load_scenario_file(path)
    assert str(path) in str(info.value)
    return {p.path: p for p in info.value.problems}


def test_scenario_file_unknown_key_suggests_the_right_one(tmp_path) -> None:
    problems = problems_of(write(tmp_path, [{"name": "x", "descripton": "typo", "shocks": []}]))
    assert "did you mean 'description'" in problems["scenarios[0].descripton"].message


def test_scenario_file_unknown_shock_key_suggests_the_right_one(tmp_path) -> None:
    problems = problems_of(write(tmp_path, [{"name": "x", "shocks": [{"kind": "rate", "bpp": "+300bp"}]}]))
    assert "did you mean 'bp'" in problems["scenarios[0].shocks[0].bpp"].message


def test_scenario_file_bad_kind_lists_the_kinds(tmp_path) -> None:
    problems = problems_of(write(tmp_path, [{"name": "x", "shocks": [{"kind": "meteor", "bp": 1}]}]))
    message = problems["scenarios[0].shocks[0]"].message
    assert "'meteor'" in message and "'gpu_price'" in message and "'useful_life'" in message


def test_scenario_file_bad_size_is_located_and_shown(tmp_path) -> None:
    [(path, problem)] = problems_of(write(tmp_path, [{"name": "x", "shocks": [{"kind": "spread", "bp": "abc"}]}])).items()
    assert path == "scenarios[0].shocks[0].bp"  # as the user wrote it, without the kind tag
    assert problem.value == "abc" and "rate such as" in problem.message


def test_scenario_file_lists_every_problem_at_once(tmp_path) -> None:
    problems = problems_of(write(tmp_path, [
        {"name": "x", "shocks": [{"kind": "gpu_price", "level": "-150%"}, {"kind": "utilisation"}]},
        {"name": "", "shocks": [{"kind": "delay", "quarters": -1}]},
    ]))
    assert len(problems) == 4, problems
    assert any("more than 100%" in p.message for k, p in problems.items() if k.startswith("scenarios[0].shocks[0]"))
    assert any("exactly one of level" in p.message for k, p in problems.items() if k.startswith("scenarios[0].shocks[1]"))
    assert "scenarios[1].name" in problems
    assert any(k.startswith("scenarios[1].shocks[0]") for k in problems)


def test_scenario_file_yaml_syntax_error_has_a_line(tmp_path) -> None:
    problems = problems_of(write(tmp_path, None, "scenarios:\n  - name: x\n    shocks: [\n"))
    [problem] = problems.values()
    assert problem.line is not None and "YAML" in problem.message


@pytest.mark.parametrize("text, expected", [("", "empty file"), ("- a\n- b\n", "got a list"),
                                            ("scenarios: []\n", "at least 1")])
def test_scenario_file_wrong_shape(tmp_path, text, expected) -> None:
    [problem] = problems_of(write(tmp_path, None, text)).values()
    assert expected in problem.message


def test_missing_scenario_file(tmp_path) -> None:
    [problem] = problems_of(tmp_path / "nope.yaml").values()
    assert "does not exist" in problem.message


# --- the built-in library ------------------------------------------------------------------------

def test_library_has_the_eight_scenarios_with_rationale_and_calibration() -> None:
    library = builtin_scenarios()
    assert [sc.name for sc in library] == BUILTINS
    for sc in library:
        assert len(sc.description) > 20 and "\n" not in sc.description.strip(), sc.name
        assert len(sc.calibration) > 20, sc.name
    by = {sc.name: sc for sc in library}
    assert by["baseline"].shocks == []
    assert all(by[n].shocks for n in BUILTINS[1:])
    assert len({sh.kind for sh in by["severe"].shocks}) >= 4


def test_library_calibration_matches_the_design() -> None:
    """design.md s5 / financial-facts s3: figures the library must carry."""
    by = {sc.name: {sh.kind: sh for sh in sc.shocks} for sc in builtin_scenarios()}
    assert by["rates_up"]["rate"].shift == pytest.approx(0.0425)
    assert by["price_crash"]["gpu_price"].level <= -0.5
    assert by["short_life"]["useful_life"].years == 4 and by["short_life"]["useful_life"].basis == "both"
    assert by["customer_default"]["customer_default"].customer == "largest"
    assert "refinancing" in by["refi_freeze"]
    telecom = by["telecom_2001"]  # prices -70 to -85%, spreads +600bp, refinancing shut, utilisation ~40%
    assert -0.85 <= telecom["gpu_price"].level <= -0.70
    assert telecom["spread"].shift == pytest.approx(0.06)
    assert "refinancing" in telecom
    assert telecom["utilisation"].level == pytest.approx(0.40)


def test_every_builtin_builds_for_a_company(shock_co) -> None:
    w = build_worlds(shock_co, builtin_scenarios())
    assert w.names == BUILTINS
    base = scenario_world(shock_co, builtin_scenarios()[0])
    for name in FIELDS:  # the baseline scenario is the unshocked world
        np.testing.assert_array_equal(getattr(w, name)[0], getattr(base, name)[0])
        np.testing.assert_array_equal(getattr(base, name), getattr(baseline_worlds(shock_co), name))


# --- select() ------------------------------------------------------------------------------------

FILE = """\
scenarios:
  - {name: gb_glut, shocks: [{kind: gpu_price, level: "-50%"}]}
  - {name: rates_up_100, description: mine, shocks: [{kind: rate, bp: "+100bp"}]}
"""


def names(scenarios: list[s.Scenario]) -> list[str]:
    return [sc.name for sc in scenarios]


def test_select_defaults_to_every_builtin() -> None:
    assert names(select([])) == BUILTINS


def test_select_names_in_the_order_given_without_repeats() -> None:
    assert names(select(["severe", "baseline", "severe"])) == ["severe", "baseline"]


def test_select_unknown_name() -> None:
    with pytest.raises(OptionError) as info:
        select(["baseline", "meteor", "zombie"])
    assert [(p.path, p.value) for p in info.value.problems] == [("--scenario", "meteor"), ("--scenario", "zombie")]
    assert "telecom_2001" in info.value.problems[0].message  # lists what is available


def test_select_file_means_baseline_plus_the_files(tmp_path) -> None:
    path = write(tmp_path, None, FILE)
    chosen = select([], path)
    assert names(chosen) == ["baseline", "gb_glut", "rates_up_100"]
    assert chosen[2].description == "mine"
    assert names(select(["gb_glut", "price_crash"], path)) == ["gb_glut", "price_crash"]
    assert select(["rates_up_100"], path)[0].shocks[0].shift == pytest.approx(0.01)
    # a file's scenario named as a built-in is an error (tests/test_bounds.py), never two runs under one name


def test_select_adhoc_flags_mean_baseline_plus_custom() -> None:
    flags = {"rate": "+300bp", "spread": None, "gpu_price": "-40%", "life": 4.0, "utilisation": "55%", "refi_closed": 6}
    chosen = select([], None, flags)
    assert names(chosen) == ["baseline", "custom"]
    shocks = {sh.kind: sh for sh in chosen[1].shocks}
    assert set(shocks) == {"rate", "gpu_price", "useful_life", "utilisation", "refinancing"}
    assert shocks["rate"].shift == pytest.approx(0.03)
    assert shocks["gpu_price"].level == pytest.approx(-0.4) and shocks["gpu_price"].models == []
    assert shocks["useful_life"].years == 4 and shocks["useful_life"].basis == "both"
    assert shocks["utilisation"].level == pytest.approx(0.55)
    assert shocks["refinancing"].quarters == 6 and shocks["refinancing"].start == 0
    assert all(sh.start == 0 and sh.ramp_quarters == 0 for sh in chosen[1].shocks)
    assert names(select(["severe"], None, flags)) == ["severe", "custom"]
    assert names(select([], None, dict.fromkeys(flags))) == BUILTINS  # no flag set: no custom scenario


@pytest.mark.parametrize("flag, value, shown", [("gpu_price", "abc", "--gpu-price"), ("rate", "lots", "--rate"),
                                                ("utilisation", "150%", "--utilisation"), ("life", -1.0, "--life")])
def test_select_bad_flag_names_the_flag(flag, value, shown) -> None:
    with pytest.raises(OptionError) as info:
        select([], None, {flag: value})
    [problem] = info.value.problems
    assert problem.path == shown
    assert problem.value == value


def test_useful_life_targets_gpus_unless_told_otherwise(make_company) -> None:
    # a landlord's data hall (20 years) beside a GPU cohort (6 years): a 4-year shock shortens only the GPUs
    company = make_company(fleet=[
        {"name": "GPUs", "gpu": "H100", "units": 10, "unit_cost": 30_000, "in_service": "2025-03-31", "useful_life_years": 6},
        {"name": "Hall", "gpu": "H100", "asset": "facility", "units": 1, "unit_cost": 8_000_000, "in_service": "2025-03-31",
         "useful_life_years": 20}])
    cc = compile_company(company)
    w = baseline_worlds(cc, 1)
    gpus_only = apply(w, cc, s.UsefulLifeShock(years=4))
    np.testing.assert_array_equal(gpus_only.life_q, [[16, 80]])
    halls_too = apply(w, cc, s.UsefulLifeShock(years=4, assets=["gpu", "facility"]))
    np.testing.assert_array_equal(halls_too.life_q, [[16, 16]])
    named = apply(w, cc, s.UsefulLifeShock(years=10, cohorts=["Hall"]))
    np.testing.assert_array_equal(named.life_q, [[24, 40]])
