"""Where the memo goes and what pins it: the default path, the run's date, the profile's hash, the atomic write.

The memo is traced to its input by the SHA-256 of the profile file's bytes (printed in its footer and in
``--json``). The date it shows, and the PDF's creation date, are the run's; ``SOURCE_DATE_EPOCH`` (the
reproducible-builds convention: whole seconds since 1970-01-01 UTC) pins both, so the same profile, options
and epoch give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from stress.model.company import Company
from stress.report.safe_write import REPORTS_DIR, check_target, write_atomic, write_fresh

#: The environment variable that pins the memo's date (https://reproducible-builds.org/specs/source-date-epoch/).
SUFFIX = ".pdf"


def default_memo_path(company: Company, when: dt.datetime, folder: Path = REPORTS_DIR) -> Path:
    """``reports/<ticker>-<as_of>-<YYYYmmdd-HHMMSS>.pdf``: the workbook's name with the PDF suffix."""
    from stress.report.workbook.write import default_report_path

    return default_report_path(company, when, folder).with_suffix(SUFFIX)


def target(out: str | Path | None, force: bool) -> Path | None:
    """The file ``--out`` names, checked before any work: a ReportError for a name that is not .pdf, a
    TargetExistsError for an existing file without ``force``. None when the name is chosen as the memo is
    written (no ``out``: ``reports/``; a folder: inside it)."""
    if out is None or Path(out).is_dir():
        return None
    return check_target(Path(out), SUFFIX, force, "the memo must be written to a .pdf file (or a folder)")


def write_pdf(data: bytes, out: str | Path | None, company: Company, when: dt.datetime, force: bool) -> Path:
    """Write ``data`` atomically where ``out`` says (``target``), or under the default name in ``out``'s folder
    or ``reports/`` (``-2``, ``-3`` ... when it is taken)."""
    path = target(out, force)
    if path is not None:
        return write_atomic(path, lambda tmp: tmp.write_bytes(data), force)
    folder = Path(out) if out is not None else REPORTS_DIR
    return write_fresh(default_memo_path(company, when, folder), lambda tmp: tmp.write_bytes(data))
