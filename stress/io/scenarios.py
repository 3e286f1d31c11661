"""Loading scenario files: the built-in library and users' ``--scenarios-file`` YAML."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from pydantic import ValidationError

from stress.errors import ProfileError, ScenarioError
from stress.io.located import read_document
from stress.io.yamlfile import validation_problems
from stress.model.scenario import Scenario, ScenarioFile

LIBRARY = Path(str(files("stress.scenarios") / "library.yaml"))


def load_scenario_file(path: str | Path) -> list[Scenario]:
    """Every scenario in a YAML file with a top-level ``scenarios:`` list; ScenarioError lists all problems."""
    path = Path(path)
    try:
        doc = read_document(path, kind="scenario file")
    except ProfileError as err:  # re-raise as the scenario kind
        raise ScenarioError(err.file, err.problems, "scenario file") from None
    try:
        return list(ScenarioFile.model_validate(doc.data).scenarios)
    except ValidationError as exc:
        raise ScenarioError(path, validation_problems(ScenarioFile, exc, doc.marks), "scenario file") from exc


def builtin_scenarios() -> list[Scenario]:
    """The shipped library, in its file order (baseline first)."""
    return load_scenario_file(LIBRARY)
