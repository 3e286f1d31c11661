"""The workbook in a real spreadsheet: LibreOffice opens it without repair, prints it, and computes what the engine did.

Marked ``libreoffice`` and skipped when ``soffice`` is not installed (it is a
large install, not part of CI). ``soffice --headless --convert-to`` recomputes
every formula on load; converting back to .xlsx stores those results.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from stress.engine.results import Results

from .expectations import close, expected_values

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")]


def convert(source: Path, to: str, folder: Path) -> subprocess.CompletedProcess[str]:
    profile = (folder / "lo-profile").as_uri()  # a private profile: no clash with a running LibreOffice
    return subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", to,
                           "--outdir", str(folder), str(source)], capture_output=True, text=True, timeout=180, check=False)


def test_libreoffice_prints_the_workbook_to_pdf(workbook_path: Path, tmp_path: Path) -> None:
    done = convert(workbook_path, "pdf", tmp_path)
    pdf = tmp_path / (workbook_path.stem + ".pdf")
    assert done.returncode == 0, done.stderr
    assert pdf.exists() and pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 20_000


def assert_recalculates(path: Path, book: Any, results: Results, tmp_path: Path) -> Any:
    """LibreOffice recomputes every formula of the workbook at ``path`` to the engine's values and the checks
    read OK; returns the recomputed workbook (values only)."""
    out = tmp_path / "calc"
    out.mkdir()
    done = convert(path, "xlsx", out)
    assert done.returncode == 0, done.stderr
    computed = openpyxl.load_workbook(out / path.name, data_only=True)
    expected = expected_values(book, results)
    wrong = [f"{s}!{c}: {computed[s][c].value!r} != {v!r}" for (s, c), v in expected.items() if not close(computed[s][c].value, v)]
    assert not wrong, f"{len(wrong)} mismatches, e.g. {wrong[:5]}"
    assert computed["Checks"]["C3"].value == "OK"
    return computed


def test_libreoffice_computes_every_formula_as_the_engine_did(workbook_path: Path, book: Any, results: Results,
                                                                tmp_path: Path) -> None:
    computed = assert_recalculates(workbook_path, book, results, tmp_path)
