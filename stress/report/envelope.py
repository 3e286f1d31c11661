"""The envelope every ``--json`` document starts with: tool version, command, when, and from which inputs.

An analyst who files a result must be able to say which tool and which input made it: each input file is
named with the sha256 of its bytes. ``generated`` is the current UTC time, or the time in
``SOURCE_DATE_EPOCH`` (seconds since 1970, the reproducible-builds convention) when that is set, so the same
inputs then give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from stress import __version__
from stress.errors import OptionError, Problem
from stress.model.company import Company
from stress.report.documents import SCHEMA_VERSION, UNITS, Envelope, Role

#: Set to a whole number of seconds since 1970 to pin ``generated`` (reproducible output).
EPOCH_ENV = "SOURCE_DATE_EPOCH"


def run_time(environ: Mapping[str, str] | None = None) -> dt.datetime:
    """When the output is made, timezone-aware: ``$SOURCE_DATE_EPOCH`` in UTC when set, else now (local time).

    Raises OptionError (exit 2) when the variable is set but is not whole seconds since the epoch: a pin
    that silently did not pin would break the promise of the same bytes.
    """
    raw = (os.environ if environ is None else environ).get(EPOCH_ENV)
    if raw is None or not raw.strip():
        return dt.datetime.now().astimezone().replace(microsecond=0)
    try:
        return dt.datetime.fromtimestamp(int(raw.strip()), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise OptionError(EPOCH_ENV, [Problem(EPOCH_ENV, "expected whole seconds since 1970-01-01 UTC", raw)],
                          "environment variable") from None


def generated() -> str:
    """ISO 8601 UTC time of the document (:func:`run_time`)."""
    return run_time().astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256_of(path: str | Path) -> str | None:
    """The sha256 of a file's bytes; None when it cannot be read (a refused or missing member)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except (OSError, ValueError):
        return None


def input_file(role: Role, path: str | Path, sha256: str | None = None) -> dict[str, Any]:
    """An input of the document; its hash as given (a loaded profile's, read with it), else read now."""
    return {"role": role, "path": str(path), "sha256": sha256 or sha256_of(path)}


def company_ref(company: Company, path: str | Path | None, sha256: str | None) -> dict[str, Any]:
    """The one company shape of every document; ``sha256`` of the profile's bytes as loaded (None for a
    Company built in memory): never read again from ``path``, which may have changed since."""
    return {"name": company.name, "ticker": company.ticker, "as_of": company.as_of.isoformat(),
            "horizon_quarters": company.horizon_quarters, "fiscal_year_end": company.reporting.fiscal_year_end,
            "profile": None if path is None else str(path), "sha256": sha256 or None, "units": UNITS}


def envelope(command: str, inputs: Iterable[dict[str, Any]] = (), overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The head of a document; the command's result keys are added beside it."""
    return {"schema_version": SCHEMA_VERSION, "tool_version": __version__, "command": command,
            "generated": generated(), "input": list(inputs), "overrides": list(overrides)}


def dumps(model: type[Envelope], document: dict[str, Any]) -> str:
    """The document checked against its model (so it matches the published schema), as one JSON line."""
    checked = model.model_validate(document)
    return json.dumps(checked.model_dump(mode="json"), allow_nan=False)
