"""Writing ``stress batch`` outputs: the portfolio workbook and the CSV, each atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from stress.analysis.portfolio import BatchReport
from stress.engine.results import Results
from stress.report.format import FORMULA_LEADS
from stress.report.portfolio_workbook import build_portfolio_workbook
from stress.report.safe_write import check_target, write_atomic

LGD_NOTE = ("Loss = exposure x (1 - recovery) for firms that default (first liquidity or maturity default) in a scenario. "
            "Recovery comes from the default waterfall at the default quarter: secured tranches from the market value of "
            "their collateral, then senior unsecured claims (unsecured debt, secured deficiencies, lease rejection claims, "
            "other liabilities) pro rata from the rest of the fleet, receivables and cash, then subordinated debt. "
            "Expected loss = sum of weight x loss over the weighted scenarios.")


#: A CSV cell beginning with one of these is read as a formula by spreadsheet programs (OWASP, "CSV Injection").


def csv_safe(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula, defused with a leading single quote (as OWASP
    recommends); numbers, dates and empty cells are returned untouched, so -1.5 stays the number -1.5."""
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def csv_safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text cell and header passed through ``csv_safe``; numeric columns are not touched."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(csv_safe)
    out.columns = [csv_safe(c) if isinstance(c, str) else c for c in out.columns]
    return out


def check_targets(out: Path | None, csv: Path | None, force: bool) -> None:
    """Refuse, before any work, a wrong suffix or a file that exists (without ``force``)."""
    for path, suffix in ((out, ".xlsx"), (csv, ".csv")):
        if path is not None:
            check_target(path, suffix, force)


def write_batch_outputs(rep: BatchReport, out: Path | None, csv: Path | None, force: bool,
                        detail: Sequence[Results] = ()) -> list[Path]:
    """Write what was asked for; refuses to replace an existing file without ``force``. Returns the paths.

    ``detail``: firms' results whose first-scenario statements go into the workbook too (``--detail``).
    """
    check_targets(out, csv, force)  # again: a file may have appeared while the batch ran
    written = []
    if csv is not None:
        safe = csv_safe_frame(rep.table)
        written.append(write_atomic(csv, lambda tmp: safe.to_csv(tmp, index=False), force))
    if out is not None:
        wb = build_portfolio_workbook(rep.title, rep.ranking, rep.table, rep.lines, rep.expected_loss, rep.failures,
                                      rep.scenario_names, LGD_NOTE, detail)
        written.append(write_atomic(out, wb.save, force))
    return written
