"""The Summary sheet: who, when, the one-line answer, verdicts and the scenario comparison, and two charts.

The comparison is ``stress.analysis.compare.comparison`` as values, in two
tables one above the other (events, then credit metrics) so the page prints
at 80% or more on landscape A4 or Letter. The charts are native Excel line charts over a chart-data block at the foot of
the sheet: liquidity by scenario (formulas over the scenario sheets), and
net debt / LTM EBITDA by scenario (engine values, blank where n.m. so the
line breaks) against the covenant limit (a formula over its defined name, so
the limit line moves when a reviewer edits it).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from dataclasses import dataclass

import pandas as pd
from openpyxl.chart import LineChart, Reference
from openpyxl.chart.text import RichText, Text
from openpyxl.chart.title import Title
from openpyxl.drawing.text import CharacterProperties, Paragraph, ParagraphProperties, RegularTextRun
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from stress import __version__
from stress.analysis.compare import answer, comparison
from stress.engine.covenants import Verdict
from stress.engine.results import Results
from stress.model.covenant import CovenantMetric
from stress.model.scenario import Scenario
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st
from stress.report.workbook.covenants import CovenantNames
from stress.report.workbook.statements import ROWS

VERDICT_FILL = {Verdict.PASS: "C6EFCE", Verdict.BREACH: "FFEB9C", Verdict.DEFAULT: "FFC7CE"}
CHART_ROWS = 20
#: The leverage chart's axis stops at this multiple of the covenant limit, so one scenario near zero EBITDA
#: (leverage in the hundreds) does not flatten the others.
LEVERAGE_AXIS_LIMITS = 4
#: Where the axis stops without a net-leverage covenant to scale it by, x.
LEVERAGE_AXIS_DEFAULT = 20.0

#: The comparison in two tables one above the other, each led by Scenario, Case and Verdict, so the page is
#: ~160 characters wide and prints on A4 or Letter landscape at 80% or more (10 pt type prints at 8 pt or more):
#: (comparison column, header, kind). The scenario's description closes the first table.
EVENTS: tuple[tuple[str, str, str], ...] = (
    ("min_liquidity", "Min liquidity (USD m)", "usd"), ("min_liquidity_quarter", "in", "quarter"),
    ("first_breach", "First covenant breach", "event"), ("first_breach_covenant", "Covenant", "event"),
    ("liquidity_default", "Liquidity default", "event"), ("maturity_default", "Maturity default", "event"),
    ("maturity_default_tranche", "Tranche", "event"),
)
METRICS: tuple[tuple[str, str, str], ...] = (
    ("peak_net_leverage", "Peak net debt / EBITDA", "x"), ("trough_dscr", "Trough DSCR", "x"),
    ("trough_interest_cover", "Trough EBITDA / interest", "x"), ("ebitda_nm_quarters", "Quarters EBITDA <= 0", "count"),
    ("rating_end", "Rating at end", "quarter"), ("equity_end", "Equity at end (USD m)", "usd"),
)
#: Width of columns A, B, C, ... (characters); the description column is the widest, last of the first table.
WIDTHS = (22, 10, 10, 11, 9, 10, 13, 10, 10, 13, 37)
#: Column of the scenario's description (K) and the last column printed.
DESCRIPTION_COL = 4 + len(EVENTS)
LAST_COL = DESCRIPTION_COL
#: Characters of the description column before its text wraps.
DESCRIPTION_WIDTH = WIDTHS[DESCRIPTION_COL - 1]
#: Points per wrapped line of 10 pt text, and characters of it per unit of column width (Calibri: ~1.3).
LINE_HEIGHT = 13.0
CHARS_PER_WIDTH = 1.3
#: The two charts side by side: width in cm each, and the column the second starts in (G, clear of the first).
CHART_WIDTH_CM = 13.5
SECOND_CHART_COL = "G"


@dataclass(frozen=True)
class SummaryInputs:
    profile_path: str | None
    generated: dt.datetime
    scenarios: dict[str, Scenario]
    sources_notes: dict[str, str]


def _cell_value(value: object, kind: str) -> tuple[float | str, str]:
    """(value, style): figures right-aligned ("n.m." among them), quarters and events centred, never glued to
    the figure beside them."""
    if kind == "usd":
        return st.usd_m(float(value)), st.USD_M  # type: ignore[arg-type]
    if kind == "x":
        return st.finite(float(value)), st.TIMES  # type: ignore[arg-type]
    if kind == "count":
        return float(value), st.COUNT  # type: ignore[arg-type]
    if kind == "event":
        return (value if isinstance(value, str) else "none"), st.TEXT_CENTRE
    return str(value), st.TEXT_CENTRE


def write_summary(ws: Worksheet, results: Results, grid: g.QuarterColumns, scenario_sheets: list[str], names: CovenantNames,
                  inputs: SummaryInputs) -> None:
    c = results.company
    st.put_text(ws, 1, 1, f"{c.name} ({c.ticker}): balance-sheet stress test", st.TITLE)
    st.put(ws, 2, 1, "USD m unless stated. Verdicts and the comparison are at the profile's covenant thresholds; "
           "the Covenants sheet recomputes headroom from editable thresholds.", st.NOTE)
    facts = (("Firm", f"{c.name} ({c.ticker})"), ("As of", c.as_of),
             ("Horizon", f"{c.horizon_quarters} quarters, {grid.quarters[0]} to {grid.quarters[-1]}"),
             ("Profile", inputs.profile_path or "(in memory)"),
             ("Scenarios", ", ".join(results.world_names)),
             ("Funding gap", funding_gap_text(results)),
             ("Generated", f"{inputs.generated:%Y-%m-%d %H:%M} by stress {__version__}"))
    row = 4
    for label, value in facts:
        st.put(ws, row, 1, label, st.TEXT_BOLD)
        if isinstance(value, dt.date):
            st.put(ws, row, 2, value, st.DATE)
            ws.cell(row=row, column=2).alignment = Alignment(horizontal="left", vertical="top")
        else:
            _wrapped(ws, row, 2, str(value), st.TEXT)
        row += 1
    table = comparison(results)
    row += 1
    st.put(ws, row, 1, "Answer", st.SECTION)
    _wrapped(ws, row + 1, 1, answer(table), st.TEXT_BOLD)
    row += 3
    cases = dict(zip(results.world_names, results.cases, strict=True))
    row = _comparison(ws, table, row, "Verdict and events by scenario", EVENTS, inputs, cases, describe=True)
    ws.row_breaks.append(Break(id=row))  # the metrics and charts start the second printed page
    row = _comparison(ws, table, row + 1, "Credit metrics by scenario", METRICS, inputs, cases, describe=False)
    chart_row = row + 1
    row = chart_row + CHART_ROWS + 1
    ws.row_breaks.append(Break(id=row - 1))  # the sources start a page of their own
    row = _sources(ws, results, row, inputs.sources_notes)
    data = _chart_data(ws, results, grid, scenario_sheets, names, row + 1)
    _charts(ws, results, grid, data, chart_row)
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    st.print_setup(ws)
    ws.print_area = f"A1:{get_column_letter(LAST_COL)}{row - 1}"  # the chart-data block below is for the charts, not for print
    ws.freeze_panes = "A4"


def _wrapped(ws: Worksheet, row: int, col: int, text: str, style: str) -> None:
    """``text`` across columns ``col``..LAST_COL (merged), wrapped inside the printed width, the row as tall as its lines."""
    st.put_text(ws, row, col, text, style)
    cell = ws.cell(row=row, column=col)
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=LAST_COL)
    width = sum(WIDTHS[col - 1:LAST_COL])
    lines = _lines(text, width)
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines


def _lines(text: str, width: float) -> int:
    """Lines ``text`` takes when wrapped in a column ``width`` characters wide: an estimate (openpyxl cannot measure
    text), wrapping at spaces and breaking words longer than a line, as a spreadsheet does."""
    per_line = max(1, int(width * CHARS_PER_WIDTH))
    return sum(max(1, len(textwrap.wrap(part, per_line, break_long_words=True))) for part in text.split("\n"))


def baseline_world(results: Results) -> int:
    """The world named ``baseline``, else the first."""
    return results.world_names.index("baseline") if "baseline" in results.world_names else 0


def funding_gap_text(results: Results) -> str:
    """The baseline's funding gap: peak cumulative due capex that planned financing pays for, and when."""
    w = baseline_world(results)
    peak, quarter = results.funding_gap(w)
    where = f"{results.world_names[w]}, {results.cases[w]} case"
    if quarter is None:
        return f"none: no capex due is paid by planned financing ({where})"
    return (f"USD {peak / st.MILLION:,.1f} m at its peak, in {quarter}: due capex that planned financing pays for, "
            f"cumulative ({where})")


def _comparison(ws: Worksheet, table: pd.DataFrame, row: int, title: str, columns: tuple[tuple[str, str, str], ...],
                inputs: SummaryInputs, cases: dict[str, str], describe: bool) -> int:
    """One comparison table from ``row``: Scenario, Case, Verdict, then ``columns`` (and the description when
    ``describe``); returns the first row after it."""
    st.put(ws, row, 1, title, st.SECTION)
    heads = ["Scenario", "Case", "Verdict", *(label for _, label, _ in columns), *(["What it assumes"] if describe else [])]
    for i, h in enumerate(heads, start=1):
        st.put(ws, row + 1, i, h, st.HEADER)
    ws.row_dimensions[row + 1].height = 40  # headers wrap onto up to three lines
    row += 2
    for name, r in table.iterrows():
        st.put_text(ws, row, 1, str(name), st.TEXT_BOLD)
        st.put_text(ws, row, 2, cases.get(str(name), ""), st.TEXT_CENTRE)
        verdict = Verdict(r["verdict"])
        st.put(ws, row, 3, verdict.value.upper(), st.TEXT_BOLD)
        ws.cell(row=row, column=3).fill = PatternFill("solid", start_color=VERDICT_FILL[verdict], end_color=VERDICT_FILL[verdict])
        ws.cell(row=row, column=3).alignment = Alignment(horizontal="center", vertical="top")
        lines = _lines(str(name), WIDTHS[0])
        for i, (key, _, kind) in enumerate(columns, start=4):
            value, style = _cell_value(r[key], kind)
            st.put(ws, row, i, value, style)
            if kind in ("event", "quarter"):  # names (a tranche, a covenant) wrap inside their column, never into the next
                ws.cell(row=row, column=i).alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
                lines = max(lines, _lines(str(value), WIDTHS[i - 1]))  # text already: an event or a quarter
        if describe:
            scenario = inputs.scenarios.get(str(name))
            description = scenario.description if scenario else ""
            st.put_text(ws, row, DESCRIPTION_COL, description, st.WRAP)
            lines = max(lines, _lines(description, DESCRIPTION_WIDTH))
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines
        row += 1
    return row


def _sources(ws: Worksheet, results: Results, row: int, notes: dict[str, str]) -> int:
    """Each source: its label, its address (wrapped in columns B..J, a link when it is a URL) and the profile's
    comment on it (wrapped in the last column); the row as tall as the longer of the two."""
    st.put(ws, row, 1, "Sources named in the profile", st.SECTION)
    row += 1
    for label, url in results.company.sources.items():
        st.put_text(ws, row, 1, label, st.TEXT)
        st.put_text(ws, row, 2, url, st.TEXT)
        ws.cell(row=row, column=2).alignment = Alignment(vertical="top", wrap_text=True)
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=DESCRIPTION_COL - 1)
        if url.startswith(("http://", "https://")):
            ws.cell(row=row, column=2).hyperlink = url
        lines = _lines(url, sum(WIDTHS[1:DESCRIPTION_COL - 1]))
        if notes.get(label):
            st.put_text(ws, row, DESCRIPTION_COL, notes[label], st.NOTE)
            ws.cell(row=row, column=DESCRIPTION_COL).alignment = Alignment(vertical="top", wrap_text=True, indent=1)
            lines = max(lines, _lines(notes[label], DESCRIPTION_WIDTH))
        if lines > 1:
            ws.row_dimensions[row].height = LINE_HEIGHT * lines
        row += 1
    if not results.company.sources:
        st.put(ws, row, 1, "none named", st.NOTE)
        row += 1
    return row + 1


@dataclass(frozen=True)
class ChartData:
    header: int
    liquidity: tuple[int, int]  # first and last row
    leverage: tuple[int, int]  # first and last row, including the limit row when there is one
    limit: float | None  # the net-leverage covenant limit, x


def _chart_data(ws: Worksheet, results: Results, grid: g.QuarterColumns, scenario_sheets: list[str], names: CovenantNames,
                row: int) -> ChartData:
    st.put(ws, row, 1, "Chart data", st.SECTION)
    header = row + 1
    st.put(ws, header, 1, "Quarter", st.HEADER)
    for q, label in enumerate(grid.quarters):
        st.put(ws, header, 2 + q, label, st.HEADER)
    row = header + 1
    liquidity_first = row
    for w, scenario in enumerate(results.world_names):
        st.put_text(ws, row, 1, f"Liquidity: {scenario}", st.TEXT)
        for q in range(grid.n):
            st.put_formula(ws, row, 2 + q, f"={g.ref(scenario_sheets[w], g.QuarterColumns.col(q), ROWS['liquidity'])}", st.USD_M)
        row += 1
    liquidity = (liquidity_first, row - 1)
    leverage_first = row
    values = results.metrics["net_debt_to_ebitda"]
    for w, scenario in enumerate(results.world_names):
        st.put_text(ws, row, 1, f"Net leverage: {scenario}", st.TEXT)
        for q in range(grid.n):
            v = float(values[w, q])
            if math.isfinite(v):
                st.put(ws, row, 2 + q, v, st.TIMES)
        row += 1
    limit = names.limit_of(results, CovenantMetric.NET_LEVERAGE)
    if limit:
        st.put(ws, row, 1, "Covenant limit", st.TEXT)
        for q in range(grid.n):
            st.put_formula(ws, row, 2 + q, f"={limit}", st.TIMES)
        row += 1
    st.put(ws, row, 1, "Net leverage is blank where n.m. (LTM EBITDA <= 0), so its line breaks there.", st.NOTE)
    threshold = next((c.threshold for c in results.company.covenants if c.metric is CovenantMetric.NET_LEVERAGE), None)
    return ChartData(header, liquidity, (leverage_first, row - 1), threshold)


def _title(text: str, size: int = 1100) -> Title:
    """A chart title at ``size`` hundredths of a point (the default title is too large for a summary page)."""
    props = CharacterProperties(sz=size, b=True)
    paragraph = Paragraph(pPr=ParagraphProperties(defRPr=props), r=[RegularTextRun(rPr=props, t=text)])
    return Title(tx=Text(rich=RichText(p=[paragraph])), overlay=False)


def _line_chart(title: str, y_title: str, y_format: str) -> LineChart:
    chart = LineChart()
    chart.title = _title(title)
    chart.y_axis.title = y_title
    chart.x_axis.title = "Quarter"
    chart.y_axis.number_format = y_format
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"  # quarter labels below the plot, not on the zero line
    chart.height = 9
    # openpyxl takes any width in cm (its default height is 7.5); the stubs type width as int from its default, 15.
    chart.width = CHART_WIDTH_CM  # type: ignore[assignment]
    assert chart.legend is not None  # every new chart has one (ChartBase.__init__)
    chart.legend.position = "b"
    chart.display_blanks = "gap"
    return chart


def _charts(ws: Worksheet, results: Results, grid: g.QuarterColumns, data: ChartData, row: int) -> None:
    categories = Reference(ws, min_col=2, max_col=1 + grid.n, min_row=data.header, max_row=data.header)
    liquidity = _line_chart("Liquidity by scenario (cash + undrawn revolver, USD m)", "USD m", "#,##0")
    liquidity.add_data(Reference(ws, min_col=1, max_col=1 + grid.n, min_row=data.liquidity[0], max_row=data.liquidity[1]),
                       from_rows=True, titles_from_data=True)
    liquidity.set_categories(categories)
    _straight(liquidity)
    ws.add_chart(liquidity, f"A{row}")
    what = "Net debt / LTM EBITDA " + ("against the covenant limit" if data.limit is not None else "(no net-leverage covenant)")
    leverage = _line_chart(what, "x", '0.0"x"')
    leverage.add_data(Reference(ws, min_col=1, max_col=1 + grid.n, min_row=data.leverage[0], max_row=data.leverage[1]),
                      from_rows=True, titles_from_data=True)
    leverage.set_categories(categories)
    peak = max((float(v) for v in results.metrics["net_debt_to_ebitda"].ravel() if math.isfinite(v)), default=0.0)
    cut = LEVERAGE_AXIS_LIMITS * data.limit if data.limit is not None and data.limit > 0 else LEVERAGE_AXIS_DEFAULT
    if peak > cut:
        leverage.y_axis.scaling.min = 0
        leverage.y_axis.scaling.max = cut
        leverage.y_axis.majorUnit = data.limit if data.limit is not None and data.limit > 0 else cut / 4
        leverage.title = _title(f"{what} (axis cut at {cut:g}x)")
    if data.limit is not None:
        limit = leverage.series[-1]
        limit.graphicalProperties.line.solidFill = "C00000"
        limit.graphicalProperties.line.dashStyle = "dash"
        limit.graphicalProperties.line.width = 28575
    _straight(leverage)
    ws.add_chart(leverage, f"{SECOND_CHART_COL}{row}")


def _straight(chart: LineChart) -> None:
    """Straight segments between quarters: a smoothed line would invent values between them."""
    for series in chart.series:
        series.smooth = False
