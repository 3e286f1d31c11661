"""The workbook in a real spreadsheet: LibreOffice opens it without repair, prints it, and computes what the engine did.

Marked ``libreoffice`` and skipped when ``soffice`` is not installed (it is a
large install, not part of CI). LibreOffice shows the results stored in an
.xlsx on opening unless told to recompute ("Recalculation on file load"), so
the private profile these tests run it with says "always": ``soffice
--headless --convert-to`` then recomputes every formula on load, and
converting back to .xlsx stores LibreOffice's own results.
"""

from __future__ import annotations

import math
import re
import shutil
import statistics
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from stress.engine.results import Results

from .expectations import close, expected_values

pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")]


#: LibreOffice settings: recompute every formula of an .xlsx when it is opened (0 = always).
RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" \
xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def convert(source: Path, to: str, folder: Path) -> subprocess.CompletedProcess[str]:
    profile = folder / "lo-profile"  # a private profile: no clash with a running LibreOffice
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS)
    return subprocess.run(["soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", to,
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
    assert_recalculates(workbook_path, book, results, tmp_path)


def test_formulas_stay_live_whatever_the_stored_results(workbook_path: Path, book: Any, results: Results, tmp_path: Path) -> None:
    """Stored results are only what a reader that does not calculate shows: with every one of them made wrong,
    LibreOffice still computes the engine's values from the formulas."""
    stale = tmp_path / workbook_path.name
    with zipfile.ZipFile(workbook_path) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'( t="(?:str|b|e)")?><f>([^<]*)</f><v>[^<]*</v>', rb"><f>\2</f><v>999</v>", data)
            dst.writestr(info, data)
    assert openpyxl.load_workbook(stale, data_only=True)["Checks"]["C3"].value == 999
    assert_recalculates(stale, book, results, tmp_path)


def _word_heights(pdf: Path, page: int) -> list[float]:
    """Heights (pt) of the words on ``page`` of ``pdf``: proportional to the printed font size."""
    done = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", str(pdf), "-"],
                          capture_output=True, text=True, check=True)
    return [float(b) - float(a) for a, b in re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', done.stdout)]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.skipif("carlito" not in subprocess.run(["fc-list"], capture_output=True, text=True).stdout.lower()
                    if shutil.which("fc-list") else True,
                    reason="the Carlito font (Calibri's metrics) is not installed: LibreOffice would lay out another font")
def test_summary_prints_at_8_points_or_more(workbook_path: Path, tmp_path: Path) -> None:
    """Page 1 of the PDF (the Summary) prints its 10 pt text at 8 pt or more: measured against 10 pt text printed
    at 100% by the same LibreOffice."""
    calibration = tmp_path / "ten-point.xlsx"
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Ten point text"
    wb.active["A1"].font = openpyxl.styles.Font(name="Calibri", size=10)
    wb.save(calibration)
    for source in (calibration, workbook_path):
        assert convert(source, "pdf", tmp_path).returncode == 0
    ten = statistics.median(_word_heights(tmp_path / "ten-point.pdf", 1))
    body = statistics.mode(_word_heights(tmp_path / (workbook_path.stem + ".pdf"), 1))  # most words are 10 pt body text
    assert body / ten * 10 >= 8.0, f"Summary body text prints at {body / ten * 10:.1f} pt"


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_headroom_prints_capped_and_signed(workbook_path: Path, results: Results, tmp_path: Path) -> None:
    """Printed, headroom beyond +/-1,000% reads '>1,000%' or '<-1,000%', and a small negative one keeps its sign."""
    assert convert(workbook_path, "pdf", tmp_path).returncode == 0
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / (workbook_path.stem + ".pdf")), "-"],
                          capture_output=True, text=True, check=True).stdout
    heads = [float(h) for t in results.covenant_tests for h in t.headroom.ravel() if math.isfinite(h)]
    if any(h <= -10 for h in heads):
        assert "<-1,000%" in text
    if any(h >= 10 for h in heads):
        assert ">1,000%" in text
    small = [h for h in heads if -10 < h <= -0.001]
    assert small, "the fixture has a small breach"
    assert f"{small[0]:.1%}" in text  # e.g. -12.5%: the sign is printed
