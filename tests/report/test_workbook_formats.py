"""How the workbooks read on screen and on paper: units, alignment, colours, footers and the Summary's print size.

Issue 18, part 3: breakevens and grid axes in each driver's unit, no text run into a figure, the tornado's
adverse bars red and favourable green, a footer on every page, and a Summary that prints at 8 pt or more on
a landscape A4 or Letter page.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from typer.testing import CliRunner

import stress
from stress.analysis.breakeven import breakeven_table
from stress.analysis.grid import GridMetric, grid, parse_axis
from stress.analysis.tornado import tornado
from stress.cli import app
from stress.engine.compiled import compile_company
from stress.report.workbook import styles as st
from stress.report.workbook.analyses import analysis_workbook, decimals, driver_size
from stress.report.workbook.summary import LAST_COL

from .conftest import TINY

runner = CliRunner()


@pytest.fixture(scope="module")
def cc() -> Any:
    return compile_company(stress.load_company(TINY))


def _saved(wb: Any, tmp_path: Path, name: str) -> Any:
    path = tmp_path / name
    wb.save(path)
    return openpyxl.load_workbook(path)


# --- driver sizes in their own units ------------------------------------------------------------------

def test_driver_sizes_are_shown_in_the_drivers_units() -> None:
    quarters = ["2025Q3", "2025Q4", "2026Q1"]
    assert driver_size("rate", 0.0069, quarters) == (pytest.approx(69.0), st.BP)  # +69bp, not "0.01"
    assert driver_size("spread", -0.01, quarters) == (pytest.approx(-100.0), st.BP)
    assert driver_size("gpu_price", -0.8, quarters) == (-0.8, st.SIGNED_PCT)  # -80%
    assert driver_size("utilisation", 0.4, quarters) == (0.4, st.PCT)
    assert driver_size("life", 4.25, quarters) == (4.25, st.YEARS)
    assert driver_size("customer_default", 2.0, quarters) == ("2026Q1", st.TEXT_RIGHT)  # a quarter, not "2"
    assert driver_size("customer_default", 3.0, quarters) == ("never", st.TEXT_RIGHT)  # past the horizon
    assert st.NUMBER_FORMATS[st.BP].startswith('+#,##0"bp"')
    assert st.NUMBER_FORMATS[st.YEARS] == '0.00" years"'


def test_decimals_tell_the_breaking_size_from_the_one_that_holds() -> None:
    assert decimals(817.0, 816.0, 1.0) == 0
    assert decimals(-0.5, -0.49, 100.0) == 0  # -50% and -49%
    assert decimals(-0.5, -0.4996, 100.0) == 2  # -50.00% and -49.96%
    assert decimals(0.1, 0.1, 100.0) == 3  # equal: at most three


def test_breakeven_sheet_in_driver_units(cc: Any, tmp_path: Path) -> None:
    rows = breakeven_table(cc, ["rate", "gpu_price", "customer_default"])
    ws = _saved(analysis_workbook(rows, cc), tmp_path, "be.xlsx")["Breakeven"]
    labels = list(cc.timeline.labels)
    checked = 0
    for r, b in enumerate(rows, start=4):
        assert ws.cell(row=r, column=1).value == b.driver
        for col, size in ((3, b.size), (4, b.safe_size)):
            cell = ws.cell(row=r, column=col)
            if size is None:
                assert cell.value == "none"
            elif b.driver == "rate":
                assert cell.value == pytest.approx(size * 1e4) and '"bp"' in cell.number_format
                checked += 1
            elif b.driver == "gpu_price":
                assert cell.value == pytest.approx(size) and "%" in cell.number_format
                checked += 1
            else:  # a default date: its quarter, or "never" at the horizon's end (the unshocked size)
                assert cell.value == (labels[int(size)] if int(size) < len(labels) else "never")
                assert re.fullmatch(r"\d{4}Q[1-4]|never", cell.value)
                checked += 1
        if b.size is not None and b.safe_size is not None and b.driver != "customer_default":
            shown = [_shown(ws.cell(row=r, column=c)) for c in (3, 4)]
            assert shown[0] != shown[1], shown  # the break and the hold never read the same
    assert checked >= 4


def _shown(cell: Any) -> str:
    """A number as its % or bp format shows it (the decimals the format asks for)."""
    d = len(m.group(1)) if (m := re.search(r"0\.(0+)", cell.number_format)) else 0
    scale = 100.0 if "%" in cell.number_format else 1.0
    return f"{cell.value * scale:+.{d}f}"


def test_grid_axes_in_driver_units(cc: Any, tmp_path: Path) -> None:
    g = grid(cc, parse_axis("gpu_price=-80%:0%:3"), parse_axis("rate=0:300bp:2"), GridMetric.MIN_LIQUIDITY)
    ws = _saved(analysis_workbook(g, cc), tmp_path, "grid.xlsx")["Grid"]
    for c, size in enumerate(g.x.sizes, start=2):
        cell = ws.cell(row=3, column=c)
        assert cell.value == pytest.approx(size) and cell.number_format == st.NUMBER_FORMATS[st.SIGNED_PCT]
    for r, size in enumerate(g.y.sizes, start=4):
        cell = ws.cell(row=r, column=1)
        assert cell.value == pytest.approx(size * 1e4) and cell.number_format == st.NUMBER_FORMATS[st.BP]
    assert ws.cell(row=5, column=1).value == pytest.approx(300.0)  # the 300bp row reads +300bp


def test_tornado_adverse_red_favourable_green(cc: Any, tmp_path: Path) -> None:
    ws = _saved(analysis_workbook(tornado(cc), cc), tmp_path, "tornado.xlsx")["Tornado"]
    (chart,) = ws._charts
    adverse, favourable = chart.series
    assert adverse.tx.strRef.f.replace("$", "").endswith("!B3") and favourable.tx.strRef.f.replace("$", "").endswith("!C3")
    assert ws["B3"].value.startswith("Adverse") and ws["C3"].value.startswith("Favourable")
    assert adverse.graphicalProperties.solidFill.srgbClr == "C00000"
    assert favourable.graphicalProperties.solidFill.srgbClr == "00B050"


# --- footers ------------------------------------------------------------------------------------

def _assert_footers(book: Any, who: str) -> None:
    for ws in book.worksheets:
        footer = ws.oddFooter
        assert footer.left.text == st.footer_text(who), ws.title
        assert footer.center.text == "&A" and footer.right.text == "Page &P of &N", ws.title


def test_every_sheet_has_a_footer_with_firm_as_of_and_page(book: Any, cc: Any, tmp_path: Path) -> None:
    _assert_footers(book, "Tiny GPU Cloud (TINY), as of 2025-06-30")
    rows = breakeven_table(cc, ["rate"])
    _assert_footers(_saved(analysis_workbook(rows, cc), tmp_path, "be.xlsx"), "Tiny GPU Cloud (TINY), as of 2025-06-30")


def test_batch_workbook_footers(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    res = runner.invoke(app, ["batch", str(TINY), "-s", "baseline", "--jobs", "1", "--out", str(out), "--detail"])
    assert res.exit_code == 0, res.output
    book = openpyxl.load_workbook(out)
    detail = book["TINY baseline"]
    assert detail.oddFooter.left.text == "Tiny GPU Cloud (TINY), as of 2025-06-30"
    for ws in book.worksheets:
        assert ws.oddFooter.right.text == "Page &P of &N"
        if ws is not detail:
            assert ws.oddFooter.left.text.endswith("as of 2025-06-30"), ws.title


def test_footer_text_escapes_ampersands() -> None:
    assert st.footer_text("AT&T (T), as of 2025-06-30") == "AT&&T (T), as of 2025-06-30"  # "&T" would be a code


# --- no text runs into a figure -----------------------------------------------------------------

def glued(path: Path) -> list[tuple[str, str, Any, str]]:
    """Cells whose figure (or right-aligned text) ends where the left-aligned text of the next cell starts, as a
    reader sees them: values as stored (formula results included), alignment as set."""
    book = openpyxl.load_workbook(path, data_only=True)
    out = []
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for left, right in itertools.pairwise(row):
                a, b = left.value, right.value
                if a is None or not isinstance(b, str) or not b:
                    continue
                ends_right = (isinstance(a, int | float | dt.date) and left.alignment.horizontal in (None, "general", "right")) \
                    or (isinstance(a, str) and left.alignment.horizontal == "right")
                starts_left = right.alignment.horizontal in (None, "general", "left") and not right.alignment.indent
                if ends_right and starts_left:
                    out.append((ws.title, left.coordinate, a, b))
    return out


def test_no_text_runs_into_a_figure(workbook_path: Path, tmp_path: Path, cc: Any) -> None:
    assert not glued(workbook_path)
    out = tmp_path / "book.xlsx"
    assert runner.invoke(app, ["batch", str(TINY), "--jobs", "1", "--out", str(out), "--detail"]).exit_code == 0
    assert not glued(out)
    for result in (breakeven_table(cc, ["rate", "customer_default"]), tornado(cc)):
        path = tmp_path / "a.xlsx"
        analysis_workbook(result, cc).save(path)
        assert not glued(path)


def test_the_glue_check_finds_glue(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append([3000.0, "2028Q1"])  # a figure, then text: "3,000.02028Q1"
    path = tmp_path / "glued.xlsx"
    wb.save(path)
    assert glued(path) == [("Sheet", "A1", 3000.0, "2028Q1")]


def test_text_results_of_formulas_sit_with_the_figures(book: Any) -> None:
    """A ratio that comes out "n.m." is right-aligned, like the numbers of its row."""
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f" and ws.title != "Checks":
                    assert c.alignment.horizontal == "right", f"{ws.title}!{c.coordinate}"


# --- the Summary on paper -------------------------------------------------------------------------

#: Letter is the narrower landscape page (11 in against A4's 11.69 in), so fitting Letter fits A4.
LETTER_LANDSCAPE_IN = 11.0
#: Excel's column width to pixels for Calibri 11 (maximum digit width 7 px); 96 px to the inch.
MAX_DIGIT_PX = 7


def column_px(width: float) -> int:
    return math.trunc(((256 * width + math.trunc(128 / MAX_DIGIT_PX)) / 256) * MAX_DIGIT_PX)


def test_summary_prints_at_8_points_or_more(book: Any) -> None:
    """Fit to one page wide, the print area's columns need a scale of 80% or more on Letter landscape (so A4 too):
    10 pt type prints at 8 pt or more. Every cell printed is 10 pt or larger, and the charts sit inside it."""
    ws = book["Summary"]
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.fitToWidth == 1
    area = ws.print_area[0] if isinstance(ws.print_area, list) else ws.print_area
    assert area.split("!")[-1].replace("$", "").startswith(f"A1:{get_column_letter(LAST_COL)}")
    px = sum(column_px(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, LAST_COL + 1))
    printable_in = LETTER_LANDSCAPE_IN - ws.page_margins.left - ws.page_margins.right
    scale = min(1.0, printable_in * 96 / px)
    assert scale >= 0.8, scale
    last_row = int(re.findall(r"\d+", area.split(":")[-1])[0])
    sizes = {c.font.sz for row in ws.iter_rows(min_row=1, max_row=last_row, max_col=LAST_COL) for c in row if c.value is not None}
    assert min(sizes) >= 10, sizes
    for chart in ws._charts:
        left = sum(column_px(ws.column_dimensions[get_column_letter(c)].width) for c in range(1, chart.anchor._from.col + 1))
        assert left + chart.width / 2.54 * 96 <= px, "a chart runs past the printed width"
