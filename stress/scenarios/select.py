"""Choosing the scenarios of a run: built-ins, a user's file, names, and ad-hoc CLI flags."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from stress.errors import OptionError, Problem, ScenarioError
from stress.io.scenarios import builtin_scenarios, load_scenario_file
from stress.io.yamlfile import validation_problems
from stress.model.scenario import Scenario
from stress.scenarios.drivers import REGISTRY, Driver

ADHOC_NAME = "custom"


def adhoc_scenario(flags: dict[str, object]) -> Scenario | None:
    """A scenario from ad-hoc options, keyed by driver name (``{"rate": "+300bp", "life": 4}``), each the
    shock its driver in :data:`stress.scenarios.drivers.REGISTRY` makes; None when no option is set."""
    given = [(REGISTRY[k], v) for k, v in flags.items() if v is not None]
    if not given:
        return None
    shocks = [d.spec(v) for d, v in given]  # type: ignore[arg-type]  # text or a number, validated below
    described = ", ".join(f"{d.flag} {v}" for d, v in given)
    try:
        return Scenario.model_validate({"name": ADHOC_NAME, "description": f"ad hoc: {described}", "shocks": shocks})
    except ValidationError as exc:
        problems = [Problem(_flag_path(p.path, [d for d, _ in given]), p.message, p.value)
                    for p in validation_problems(Scenario, exc)]
        raise OptionError("command-line flags", problems) from exc


def _flag_path(path: str, drivers: list[Driver]) -> str:
    """``shocks[0].gpu_price.level`` -> the option that made shock 0, ``--gpu-price``."""
    if path.startswith("shocks["):
        return drivers[int(path[7:path.index("]")])].flag
    return path


def duplicate_problems(builtins: list[Scenario], from_file: list[Scenario], custom: bool = False) -> list[Problem]:
    """A file's scenario named as a built-in (or as ``custom`` when ad-hoc flags are given), or named twice."""
    taken = {s.name: "a built-in scenario" for s in builtins}
    if custom:
        taken[ADHOC_NAME] = "the scenario of the ad-hoc flags (--rate, --gpu-price ...)"
    problems: list[Problem] = []
    first: dict[str, int] = {}
    for i, sc in enumerate(from_file):
        path = f"scenarios[{i}].name"
        if sc.name in taken:
            problems.append(Problem(path, f"{taken[sc.name]} has this name; give yours a name of its own "
                                          f"(taken: {', '.join(taken)})", sc.name))
        elif sc.name in first:
            problems.append(Problem(path, f"duplicate scenario name (also scenarios[{first[sc.name]}]); names must "
                                          "be unique", sc.name))
        first.setdefault(sc.name, i)
    return problems


def _file_scenarios(builtins: list[Scenario], scenarios_file: Path | None, custom: bool = False) -> list[Scenario]:
    """A file's scenarios; ScenarioError when any shares a name with a built-in, ``custom`` or each other."""
    if scenarios_file is None:
        return []
    from_file = load_scenario_file(scenarios_file)
    problems = duplicate_problems(builtins, from_file, custom)
    if problems:
        raise ScenarioError(scenarios_file, problems, "scenario file")
    return from_file


def library(scenarios_file: Path | None = None) -> list[Scenario]:
    """The built-ins, then a file's scenarios (whose names must differ from the built-ins' and each other's)."""
    builtins = builtin_scenarios()
    return [*builtins, *_file_scenarios(builtins, scenarios_file)]


def select(names: list[str], scenarios_file: Path | None = None, flags: dict[str, object] | None = None) -> list[Scenario]:
    """The scenarios to run, in order.

    Default: every built-in. With a file and no names: baseline plus the file's
    scenarios. With ad-hoc flags and no names: baseline plus ``custom``. Names
    pick from built-ins and the file. Every scenario has a name of its own: a
    file's scenario named as a built-in, as ``custom`` (with flags) or as
    another of the file's is a ScenarioError, never two runs under one name.
    """
    builtins = builtin_scenarios()
    custom = adhoc_scenario(flags or {})
    from_file = _file_scenarios(builtins, scenarios_file, custom is not None)
    pool = {s.name: s for s in [*builtins, *from_file]}
    if names:
        unknown = [n for n in names if n not in pool]
        if unknown:
            raise OptionError("--scenario", [Problem("--scenario", f"unknown scenario; available: {', '.join(pool)}", n) for n in unknown])
        chosen = [pool[n] for n in dict.fromkeys(names)]
    elif from_file or custom:
        chosen = [pool["baseline"], *from_file]
    else:
        chosen = list(builtin_scenarios())
    return chosen + ([custom] if custom else [])
