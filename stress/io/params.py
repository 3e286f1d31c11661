"""A ``--params`` file: Monte Carlo parameters overriding the profile's (or the defaults), each problem located."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from stress.errors import ProfileError
from stress.io.located import read_document
from stress.io.yamlfile import validation_problems
from stress.model.montecarlo import MonteCarloParams


def load_params(path: Path, base: MonteCarloParams) -> MonteCarloParams:
    """``base`` with the file's keys over it; ProfileError naming each bad key at its line and column."""
    doc = read_document(path, kind="Monte Carlo parameters")
    try:
        return MonteCarloParams.model_validate({**base.model_dump(), **doc.data})
    except ValidationError as exc:
        raise ProfileError(path, validation_problems(MonteCarloParams, exc, doc.marks), "Monte Carlo parameters") from exc
