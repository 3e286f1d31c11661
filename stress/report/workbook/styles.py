"""Named styles, number formats and sheet furniture shared by every sheet of the workbook.

Money is stored in USD millions; ratios in x; shares as fractions shown in
per cent. Inputs are blue, formulas and engine values black. Styles are
registered once per workbook as ``NamedStyle``s so a reviewer sees the same
names in Excel's style gallery.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import re
import weakref
from typing import Any

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.workbook import Workbook
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from stress.report.format import FORMULA_LEADS

USD_M_FORMAT = '#,##0.0;(#,##0.0);"–"'
PCT_FORMAT = "0.0%"
RATE_FORMAT = "0.00%"
TIMES_FORMAT = '0.00"x"'
COUNT_FORMAT = "#,##0"
NUMBER_FORMAT = "#,##0.0#"
DATE_FORMAT = "yyyy-mm-dd"
QUARTERS_FORMAT = '0.0" q"'
#: Checks: '–' unless the difference is at least half a dollar (USD m), then shown to the dollar.
CHECK_FORMAT = '[>=0.0000005]#,##0.000000;[<=-0.0000005](#,##0.000000);"–"'
#: Covenant headroom beyond +/- HEADROOM_SHOWN (a share of the limit) is shown capped: a limit near zero makes the
#: share run to thousands of per cent, which reads as noise. The cell keeps the exact value (flags, formulas); a
#: conditional format shows it as HEADROOM_CAPPED_FORMAT (positive; negative sections, so the sign is never in
#: doubt: Excel and LibreOffice disagree on the sign in the default section of a format with [conditions]).
HEADROOM_SHOWN = 10.0
HEADROOM_CAPPED_FORMAT = f'">{HEADROOM_SHOWN:,.0%}";"<-{HEADROOM_SHOWN:,.0%}"'
#: numFmtId of that format inside conditional formats: clear of the ids openpyxl gives cell formats (164 up).
_CAPPED_FORMAT_ID = 400
#: Analysis driver sizes in the driver's own unit.
BP_FORMAT = '+#,##0"bp";-#,##0"bp";0"bp"'
SIGNED_PCT_FORMAT = "+0%;-0%;0%"
YEARS_FORMAT = '0.00" years"'

#: Text shown for a ratio whose denominator is not positive; never NaN or inf.
NM = "n.m."
#: USD per USD m.
MILLION = 1e6

INPUT_BLUE = "0000FF"
HEADER_FILL = "DDEBF7"
SECTION_FILL = "F2F2F2"

# Style names, as a reviewer sees them in Excel's gallery.
USD_M = "USD m"
USD_M_TOTAL = "USD m subtotal"
PCT = "Percent"
RATE = "Rate"
TIMES = "Times"
COUNT = "Count"
NUMBER = "Number"
DATE = "Date"
QUARTERS = "Quarters"
CHECK = "Check"
BP = "Basis points"
SIGNED_PCT = "Percent change"
YEARS = "Years"
TEXT = "Text"
TEXT_RIGHT = "Text right"
TEXT_CENTRE = "Text centred"
TEXT_INDENT = "Text indented"
TEXT_BOLD = "Text bold"
WRAP = "Text wrapped"
TITLE = "Sheet title"
NOTE = "Note"
HEADER = "Column header"
SECTION = "Section"
INPUT_USD_M = "Input USD m"
INPUT_RATE = "Input rate"
INPUT_TIMES = "Input times"
INPUT_NUMBER = "Input number"
INPUT_COUNT = "Input count"
INPUT_DATE = "Input date"
INPUT_TEXT = "Input text"

_TOP = Alignment(vertical="top")  # wrapped neighbours (descriptions, sources) then line up with the row's first line
#: Figures are right-aligned explicitly, so a formula's text result ("n.m.") sits under the numbers of its column
#: instead of starting where the number to its left ends.
_RIGHT = Alignment(horizontal="right", vertical="top")
_CENTRE = Alignment(horizontal="center", vertical="top")
_INDENT = Alignment(horizontal="left", vertical="top", indent=1)
_TOP_RULE = Border(top=Side(style="thin"))


def _style(name: str, number_format: str = "General", bold: bool = False, color: str | None = None,
           fill: str | None = None, border: Border | None = None, alignment: Alignment | None = None,
           size: float | None = None, italic: bool = False) -> NamedStyle:
    style = NamedStyle(name=name, number_format=number_format)
    style.font = Font(bold=bold, color=color, size=size or 10, italic=italic, name="Calibri")
    if fill:
        style.fill = PatternFill("solid", start_color=fill, end_color=fill)
    if border:
        style.border = border
    style.alignment = alignment or _TOP
    return style


def _styles() -> list[NamedStyle]:
    return [
        _style(USD_M, USD_M_FORMAT, alignment=_RIGHT),
        _style(USD_M_TOTAL, USD_M_FORMAT, bold=True, border=_TOP_RULE, alignment=_RIGHT),
        _style(PCT, PCT_FORMAT, alignment=_RIGHT),
        _style(RATE, RATE_FORMAT, alignment=_RIGHT),
        _style(TIMES, TIMES_FORMAT, alignment=_RIGHT),
        _style(COUNT, COUNT_FORMAT, alignment=_RIGHT),
        _style(NUMBER, NUMBER_FORMAT, alignment=_RIGHT),
        _style(DATE, DATE_FORMAT, alignment=_RIGHT),
        _style(QUARTERS, QUARTERS_FORMAT, alignment=_RIGHT),
        _style(CHECK, CHECK_FORMAT, alignment=_RIGHT),
        _style(BP, BP_FORMAT, alignment=_RIGHT),
        _style(SIGNED_PCT, SIGNED_PCT_FORMAT, alignment=_RIGHT),
        _style(YEARS, YEARS_FORMAT, alignment=_RIGHT),
        _style(TEXT),
        _style(TEXT_RIGHT, alignment=_RIGHT),
        _style(TEXT_CENTRE, alignment=_CENTRE),
        _style(TEXT_INDENT, alignment=_INDENT),
        _style(TEXT_BOLD, bold=True),
        _style(WRAP, alignment=Alignment(wrap_text=True, vertical="top", indent=1)),
        _style(TITLE, bold=True, size=14),
        _style(NOTE, italic=True, color="595959"),
        _style(HEADER, bold=True, fill=HEADER_FILL, alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
        _style(SECTION, bold=True, fill=SECTION_FILL),
        _style(INPUT_USD_M, USD_M_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_RATE, RATE_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_TIMES, TIMES_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_NUMBER, NUMBER_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_COUNT, COUNT_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_DATE, DATE_FORMAT, color=INPUT_BLUE, alignment=_RIGHT),
        _style(INPUT_TEXT, color=INPUT_BLUE, alignment=Alignment(wrap_text=True, vertical="top")),
    ]


#: Number format of each style that has one.
NUMBER_FORMATS = {s.name: s.number_format for s in _styles() if s.number_format != "General"}
#: Every style name this module registers.
STYLE_NAMES = tuple(s.name for s in _styles())


def first_sheet(wb: Workbook) -> Worksheet:
    """The sheet a new workbook is made with. openpyxl types ``wb.active`` as any kind of sheet or None; a new
    workbook's is always a worksheet, so anything else is a bug here, not the user's."""
    ws = wb.active
    if not isinstance(ws, Worksheet):
        raise TypeError(f"a new workbook's first sheet should be a worksheet, not {type(ws).__name__}")
    return ws


def register(wb: Workbook) -> None:
    """Register every named style once; cells then refer to them by name."""
    for style in _styles():
        wb.add_named_style(style)


def usd_m(amount_usd: float) -> float | str:
    """USD as USD millions for a cell; ``n.m.`` for a non-finite amount."""
    value = float(amount_usd)
    return value / MILLION if math.isfinite(value) else NM


def finite(value: float) -> float | str:
    """A number for a cell, or ``n.m.`` when it is NaN or infinite."""
    v = float(value)
    return v if math.isfinite(v) else NM


#: A cell whose text starts with one of these is read as a formula by a spreadsheet when typed or imported (OWASP).


#: Per workbook: named style -> the style record a cell gets when assigned that style.
_STYLE_RECORDS: weakref.WeakKeyDictionary[Workbook, dict[str, Any]] = weakref.WeakKeyDictionary()


def apply_style(cell: Any, name: str) -> None:
    """``cell.style = name``, at a fraction of the cost: openpyxl looks the name up in a list on every
    assignment (40% of building a report); the record it copies into the cell is the same every time, so it is
    kept per workbook after the first assignment and copied from there."""
    records = _STYLE_RECORDS.setdefault(cell.parent.parent, {})
    record = records.get(name)
    if record is None:
        cell.style = name
        records[name] = copy.copy(cell._style)
    else:
        cell._style = copy.copy(record)


def put(ws: Worksheet, row: int, col: int, value: Any, style: str | None = None) -> None:
    """Write one cell: a number, date or text. Text always goes through ``put_text``, so no string written
    here ever becomes a formula; the tool's own formulas go through ``put_formula``. Numbers must be finite."""
    if isinstance(value, str):
        put_text(ws, row, col, value, style)
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"non-finite value for {ws.title}!R{row}C{col}")
    _set(ws, row, col, value, style)


def put_formula(ws: Worksheet, row: int, col: int, formula: str, style: str | None = None) -> None:
    """Write one of the tool's own formulas (``=SUM(B4:B9)``), built from cell references and constants only:
    never pass user text (names, descriptions) into one."""
    if not formula.startswith("="):
        raise ValueError(f"not a formula for {ws.title}!R{row}C{col}: {formula[:40]!r}")
    _set(ws, row, col, formula, style)


def _set(ws: Worksheet, row: int, col: int, value: float | str | dt.date | None, style: str | None) -> None:
    """The cell's value (already checked by the caller) and its named style, if any."""
    cell = ws.cell(row=row, column=col)
    cell.value = value
    if style:
        apply_style(cell, style)


def put_text(ws: Worksheet, row: int, col: int, text: str, style: str | None = None) -> None:
    """Write text as text, whatever it starts with: the only way a string reaches a cell.

    The cell is typed as a string (so ``=HYPERLINK(...)``, ``#N/A`` or ``+1`` is stored as those characters,
    never as a formula or an error value); text that a spreadsheet would read as a formula when the cell is
    edited or the sheet exported also gets the quote prefix (Excel's leading apostrophe). Characters that XML
    cannot hold are dropped.
    """
    cell = ws.cell(row=row, column=col)
    value = ILLEGAL_CHARACTERS_RE.sub("", str(text))
    cell.value = value
    cell.data_type = "s"
    if style:
        apply_style(cell, style)  # before quotePrefix: assigning a named style resets it
    if value.startswith(FORMULA_LEADS):
        cell.quotePrefix = True


def widths(ws: Worksheet, first: float, others: float, n_cols: int, second: float | None = None) -> None:
    """Column A ``first`` wide, then ``second`` (if given) for B, then ``others`` up to ``n_cols``."""
    from openpyxl.utils import get_column_letter

    ws.column_dimensions["A"].width = first
    for c in range(2, n_cols + 1):
        ws.column_dimensions[get_column_letter(c)].width = second if (c == 2 and second) else others


#: Footer font size, points.
FOOTER_SIZE = 8


def capped_headroom() -> NumberFormat:
    """The number format a conditional format gives headroom beyond +/- HEADROOM_SHOWN."""
    return NumberFormat(numFmtId=_CAPPED_FORMAT_ID, formatCode=HEADROOM_CAPPED_FORMAT)


def cap_rule(cell_range: str, top_left: str) -> Rule:
    """Show the headroom in ``cell_range`` (anchored at ``top_left``) capped beyond +/- HEADROOM_SHOWN."""
    return Rule(type="expression", dxf=DifferentialStyle(numFmt=capped_headroom()), stopIfTrue=True,
                formula=[f"AND(ISNUMBER({top_left}),ABS({top_left})>={HEADROOM_SHOWN:g})"])


def footer_text(text: str) -> str:
    """``text`` for a header or footer: '&' starts a code there (&P is the page number), so it is doubled."""
    return ILLEGAL_CHARACTERS_RE.sub("", text).replace("&", "&&")


def firm_as_of(name: str, ticker: str, as_of: dt.date) -> str:
    """``CoreWeave, Inc. (CRWV), as of 2025-09-30``: whose figures a printed page holds."""
    return f"{name} ({ticker}), as of {as_of.isoformat()}"


def footer(ws: Worksheet, who: str) -> None:
    """The sheet's printed pages say whose they are and where they belong: ``who`` (firm and as-of) on the
    left, the sheet's name in the middle, "Page n of m" on the right."""
    odd = ws.oddFooter
    assert odd is not None  # openpyxl's HeaderFooter makes each of its headers and footers with the sheet
    for part, text in ((odd.left, footer_text(who)), (odd.center, "&A"), (odd.right, "Page &P of &N")):
        part.text = text
        part.size = FOOTER_SIZE
    ws.HeaderFooter.scaleWithDoc = False  # 8 pt on paper, however far the sheet is scaled to fit


def footers(wb: Workbook, who: str) -> None:
    """``footer`` on every sheet of ``wb``."""
    for ws in wb.worksheets:
        footer(ws, who)


def print_setup(ws: Worksheet, title_rows: str | None = None) -> None:
    """Landscape, fit to one page wide (any number tall), header rows repeated on each page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.gridLines = False
    ws.page_margins.left = ws.page_margins.right = 0.4
    if title_rows:
        ws.print_title_rows = title_rows


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_title(name: str, taken: set[str]) -> str:
    """A valid, unique (case-insensitive) sheet title for ``name``; adds it to ``taken`` (lower-cased)."""
    # apostrophes become typographic ones: valid in Excel, but some formula parsers mishandle 'O''Brien'!A1
    base = _BAD_SHEET_CHARS.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name)).replace("'", "\u2019").strip() or "Scenario"
    title, n = base[:31], 1
    while title.lower() in taken:
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    taken.add(title.lower())
    return title


def quote(title: str) -> str:
    """A sheet title quoted for a formula: ``'Debt'``, ``'O''Brien'``."""
    return "'" + title.replace("'", "''") + "'"
