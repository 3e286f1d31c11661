"""One registry of drivers serves the ad-hoc options of ``stress run`` and the breaking-point analyses."""

from __future__ import annotations

import pytest
import typer

from stress.cli import app
from stress.scenarios.drivers import DRIVERS, FLAGS, REGISTRY
from stress.scenarios.select import adhoc_scenario
from stress.vocabulary import DRIVER_NAMES


def options_of(command: str) -> set[str]:
    group = typer.main.get_command(app)
    return {o for p in group.commands[command].params for o in p.opts if o.startswith("--")}  # type: ignore[attr-defined]


def test_the_light_vocabulary_names_the_analysed_drivers_in_order() -> None:
    assert tuple(DRIVERS) == DRIVER_NAMES


@pytest.mark.parametrize("command", ["run", "report"])
def test_the_ad_hoc_options_are_the_registry_flags(command: str) -> None:
    flags = {REGISTRY[n].flag for n in FLAGS}
    assert flags <= options_of(command)
    assert {f for f in options_of(command) if f.removeprefix("--").replace("-", "_") in REGISTRY} == flags


@pytest.mark.parametrize(("name", "text", "size"), [("rate", "+300bp", 0.03), ("spread", "+400bp", 0.04),
                                                    ("gpu_price", "-40%", -0.40), ("utilisation", "55%", 0.55),
                                                    ("life", 4.0, 4.0)])
def test_an_option_and_the_analysis_driver_make_the_same_shock(name: str, text: object, size: float) -> None:
    scenario = adhoc_scenario({name: text})
    assert scenario is not None and scenario.shocks == [DRIVERS[name].shock(size)]


def test_a_flag_only_driver_is_not_varied_by_the_analyses() -> None:
    assert "refi_closed" in FLAGS and "refi_closed" not in DRIVERS
    with pytest.raises(ValueError, match="do not vary refi_closed"):
        _ = REGISTRY["refi_closed"].varied
    scenario = adhoc_scenario({"refi_closed": 6})
    assert scenario is not None and scenario.shocks[0].kind == "refinancing" and scenario.shocks[0].quarters == 6


def test_a_rate_shock_holds_a_fraction_under_its_name_and_is_written_bp() -> None:
    """The public key stays ``bp`` (read and written); the attribute says what it holds: +300bp is 0.03 a year."""
    from stress.model.scenario import RateShock, SpreadShock
    from stress.model.types import public_fields

    shock = RateShock.model_validate({"kind": "rate", "bp": "+300bp"})
    assert shock.shift == pytest.approx(0.03)
    assert shock.model_dump()["bp"] == pytest.approx(0.03) and "shift" not in shock.model_dump()
    assert "bp" in public_fields(SpreadShock) and "shift" not in public_fields(SpreadShock)
    assert "bp" in RateShock.model_json_schema()["properties"]


def test_the_command_line_declares_one_ad_hoc_option_per_flag_driver() -> None:
    from stress.cli_common import ADHOC_OPTIONS

    assert tuple(name for name, _ in ADHOC_OPTIONS) == FLAGS
