"""Where the memo goes and what pins it: the default path, the run's date, the profile's hash, the atomic write.

The memo is traced to its input by the SHA-256 of the profile file's bytes (printed in its footer and in
``--json``). The date it shows, and the PDF's creation date, are the run's; ``SOURCE_DATE_EPOCH`` (the
reproducible-builds convention: whole seconds since 1970-01-01 UTC) pins both, so the same profile, options
and epoch give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

from stress.errors import ReportError
from stress.model.company import Company
from stress.report.safe_write import TargetExistsError, write_atomic

#: The environment variable that pins the memo's date (https://reproducible-builds.org/specs/source-date-epoch/).
SUFFIX = ".pdf"


def default_memo_path(company: Company, when: dt.datetime, folder: Path = Path("reports")) -> Path:
    """``reports/<ticker>-<as_of>-<YYYYmmdd-HHMMSS>.pdf``: the workbook's name with the PDF suffix."""
    from stress.report.workbook.write import default_report_path

    return default_report_path(company, when, folder).with_suffix(SUFFIX)


def target(out: str | Path | None, company: Company, when: dt.datetime, force: bool) -> Path | None:
    """The file ``--out`` names (a folder gets the default name inside it); None for the default path.

    Checked before any work: raises ReportError for a name that is not .pdf, TargetExistsError for an
    existing file without ``force``.
    """
    if out is None:
        return None
    path = Path(out)
    if path.is_dir():
        path = default_memo_path(company, when, path)
    elif path.suffix.lower() != SUFFIX:
        raise ReportError(f"{path}: the memo must be written to a .pdf file (or a folder)")
    if path.exists() and not force:
        raise TargetExistsError(path)
    return path


def write_pdf(data: bytes, path: Path | None, company: Company, when: dt.datetime, force: bool) -> Path:
    """Write ``data`` atomically to ``path``, or to the default name (``-2``, ``-3`` ... when taken that second)."""
    if path is not None:
        return write_atomic(path, lambda tmp: tmp.write_bytes(data), force)
    base = default_memo_path(company, when)
    for n in itertools.count(1):
        candidate = base if n == 1 else base.with_name(f"{base.stem}-{n}{base.suffix}")
        try:
            return write_atomic(candidate, lambda tmp: tmp.write_bytes(data))
        except TargetExistsError:
            continue
    raise AssertionError("unreachable")
