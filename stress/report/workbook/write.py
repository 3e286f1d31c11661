"""Where the workbook goes: the default report path, and writing it without overwriting anything."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from pathlib import Path

from stress.analysis.suite import Analyses
from stress.engine.results import Results
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.report.safe_write import REPORTS_DIR, check_target, write_atomic, write_fresh
from stress.report.workbook.build import build_workbook


def default_report_path(company: Company, now: dt.datetime, folder: Path = REPORTS_DIR) -> Path:
    """``reports/<ticker>-<as_of>-<YYYYmmdd-HHMMSS>.xlsx``."""
    ticker = re.sub(r"[^A-Za-z0-9._-]+", "_", company.ticker)
    return folder / f"{ticker}-{company.as_of.isoformat()}-{now:%Y%m%d-%H%M%S}.xlsx"


def report_target(out: str | Path | None, company: Company, now: dt.datetime, force: bool = False) -> Path | None:
    """The file ``write_report`` will write when ``out`` names one, checked before any work; None when the name
    is chosen as it is written (no ``out``: ``reports/``; a folder: inside it), never taking an existing one.

    Raises ReportError for a file that is not ``.xlsx`` and TargetExistsError for an existing file without
    ``force``, so a long ``--analyses`` run never ends in a refusal it could have given at the start.
    """
    if out is None or Path(out).is_dir():
        return None
    return check_target(Path(out), ".xlsx", force, "the workbook must be written to an .xlsx file (or a folder)")


def write_report(results: Results, scenarios: Sequence[Scenario] = (), out: str | Path | None = None, force: bool = False,
                 profile_path: str | Path | None = None, now: dt.datetime | None = None, analyses: Analyses | None = None) -> Path:
    """Build the workbook and write it; returns the path written.

    ``out``: a file, a folder (the default name inside it) or None for ``reports/`` under the current
    directory. An existing file is never replaced unless ``force``; a default name already taken (the same
    second, or a time pinned by ``SOURCE_DATE_EPOCH``) gets ``-2``, ``-3`` ... instead.
    """
    now = now or dt.datetime.now()
    company = results.company
    target = report_target(out, company, now, force)  # before the work of building it
    wb = build_workbook(results, scenarios, profile_path, generated=now, analyses=analyses)
    if target is not None:
        return write_atomic(target, wb.save, force)
    return write_fresh(default_report_path(company, now, Path(out) if out is not None else REPORTS_DIR), wb.save)
