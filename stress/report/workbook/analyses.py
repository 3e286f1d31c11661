"""Workbook sheets of the breaking-point analyses (``stress report --analyses``): values and native charts.

Breakeven (the reverse-stress table), Grid (a two-driver matrix under a
colour scale), Tornado (a horizontal bar chart of the change in minimum
liquidity) and Monte Carlo (probability of default, percentiles and a cash
fan chart). All figures are engine values; nothing here is a formula.
Driver sizes are shown in each driver's own unit (``driver_size``): bp for
rates and spreads, per cent for price levels, changes and utilisation,
years for lives and the quarter itself for a default date.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.chart import BarChart, LineChart, Reference
from openpyxl.formatting.rule import ColorScaleRule
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stress.analysis.breakeven import Breakeven, Event
from stress.analysis.grid import Grid, GridMetric
from stress.analysis.montecarlo import MonteCarloResult
from stress.analysis.suite import Analyses
from stress.analysis.tornado import Tornado
from stress.engine.compiled import CompiledCompany
from stress.report.workbook import styles as st
from stress.report.workbook.cached import ValuedWorkbook
from stress.scenarios.drivers import DRIVERS

SHEETS = ("Breakeven", "Grid", "Tornado", "Monte Carlo")
#: Tornado bars: adverse red, favourable green.
ADVERSE_RED, FAVOURABLE_GREEN = "C00000", "00B050"
#: The unit each driver's size is shown in, for titles and notes.
DRIVER_UNITS = {"rate": "bp a year", "spread": "bp a year", "life": "years", "customer_default": "quarter",
                "utilisation": "share", "gpu_price": "change in level", "price_decline": "change a year"}


def _header(ws: Worksheet, row: int, labels: list[str], lines: int = 1) -> None:
    for c, label in enumerate(labels, start=1):
        st.put(ws, row, c, label, st.HEADER)
    if lines > 1:
        ws.row_dimensions[row].height = 13.5 * lines  # headers that wrap get the lines they need


def _note(ws: Worksheet, row: int, text: str, last_col: int, width: float) -> None:
    """A note wrapped across columns A..``last_col`` (``width`` characters in all), not running off the page."""
    st.put_text(ws, row, 1, text, st.NOTE)
    ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last_col)
    ws.row_dimensions[row].height = 13.0 * max(1, -(-len(text) // int(width * 1.2)))


def _num(value: float | None, style: str) -> tuple[object, str]:
    if value is None or not math.isfinite(value):
        return st.NM, st.TEXT_RIGHT
    return (st.usd_m(value), style) if style in (st.USD_M, st.USD_M_TOTAL) else (value, style)


def driver_size(driver: str, size: float, quarters: Sequence[str]) -> tuple[object, str]:
    """(cell value, style) of a driver's size in its own unit: a rate or spread (a fraction a year) in bp, a
    price level or change and utilisation (fractions) in per cent, a life in years, a default date (a quarter
    index) as its quarter label ("never" past the horizon, and the index itself when no labels are known)."""
    if driver in ("rate", "spread"):
        return size * 1e4 + 0.0, st.BP
    if driver == "life":
        return size, st.YEARS
    if driver == "customer_default":
        q = int(size)
        if not quarters:
            return float(q), st.COUNT
        return (quarters[q] if 0 <= q < len(quarters) else "never"), st.TEXT_RIGHT
    if driver == "utilisation":
        return size, st.PCT
    return size, st.SIGNED_PCT


def _put_size(ws: Worksheet, row: int, col: int, driver: str, size: float, quarters: Sequence[str],
              header: bool = False) -> None:
    value, style = driver_size(driver, size, quarters)
    if not header:
        st.put(ws, row, col, value, style)
        return
    st.put(ws, row, col, value, st.HEADER)  # the header's look, the size's number format
    ws.cell(row=row, column=col).number_format = st.NUMBER_FORMATS.get(style, "General")


#: Number formats of the driver-size styles at ``d`` decimals.
_SIZE_FORMATS = {
    st.BP: lambda d: f'+#,##0{_dp(d)}"bp";-#,##0{_dp(d)}"bp";0"bp"',
    st.SIGNED_PCT: lambda d: f"+0{_dp(d)}%;-0{_dp(d)}%;0%",
    st.PCT: lambda d: f"0{_dp(d)}%",
}
#: Per cent (or bp) per unit of a size shown in each style.
_SIZE_SCALE = {st.BP: 1.0, st.SIGNED_PCT: 100.0, st.PCT: 100.0}


def _dp(d: int) -> str:
    return "." + "0" * d if d else ""


def decimals(breaks: float, holds: float, scale: float, most: int = 3) -> int:
    """The fewest decimals (of per cent or bp) at which the size that breaks and the size that holds read
    differently: the search brackets the break to a fraction of a per cent, so "-50%" and "-50%" would hide it."""
    for d in range(most + 1):
        if round(breaks * scale, d) != round(holds * scale, d):
            return d
    return most


def _driver_title(name: str) -> str:
    label = DRIVERS[name].label if name in DRIVERS else name
    return f"{label} ({DRIVER_UNITS.get(name, 'size')})"


def write_breakeven(ws: Worksheet, rows: list[Breakeven], quarters: Sequence[str] = ()) -> None:
    st.put_text(ws, 1, 1, "Reverse stress: the size of each driver, alone, at which the firm first breaks", st.TITLE)
    _header(ws, 3, ["Driver", "Event", "Breaking size", "Largest size that holds", "Quarter", "Covenant", "In plain terms"], 2)
    for r, b in enumerate(rows, start=4):
        st.put_text(ws, r, 1, b.driver, st.TEXT_BOLD)
        st.put_text(ws, r, 2, "covenant breach" if b.event is Event.BREACH else "liquidity default", st.TEXT)
        for c, v in ((3, b.size), (4, b.safe_size)):
            if v is None or not math.isfinite(v):
                st.put_text(ws, r, c, "none" if v is None else st.NM, st.TEXT_RIGHT)
            else:
                _put_size(ws, r, c, b.driver, v, quarters)
        _tell_apart(ws, r, b, quarters)
        st.put_text(ws, r, 5, b.quarter or "–", st.TEXT_CENTRE)
        st.put_text(ws, r, 6, b.what or "", st.TEXT)
        st.put_text(ws, r, 7, b.text, st.TEXT)
    st.widths(ws, 18, 16, 6)
    ws.column_dimensions["G"].width = 80
    _note(ws, 4 + len(rows) + 1, "Sizes in each driver's unit: rates and spreads in bp a year (a shift on the "
          "profile's), price levels and changes in per cent, spot utilisation as a share, lives in years, the "
          "largest customer's default date as its quarter. 'none': no size in the searched range breaks, or "
          "(largest size that holds) the firm breaks already at the baseline.", 7, 18 + 16 * 5 + 80)
    ws.freeze_panes = "B4"
    st.print_setup(ws, "3:3")


def _tell_apart(ws: Worksheet, row: int, b: Breakeven, quarters: Sequence[str]) -> None:
    """Give the breaking and holding sizes of ``row`` enough decimals to read differently."""
    if b.size is None or b.safe_size is None or not (math.isfinite(b.size) and math.isfinite(b.safe_size)):
        return
    a, style = driver_size(b.driver, b.size, quarters)
    h, _ = driver_size(b.driver, b.safe_size, quarters)
    if style not in _SIZE_FORMATS or not isinstance(a, float) or not isinstance(h, float):
        return
    fmt = _SIZE_FORMATS[style](decimals(a, h, _SIZE_SCALE[style]))
    for col in (3, 4):
        ws.cell(row=row, column=col).number_format = fmt


def write_grid(ws: Worksheet, g: Grid) -> None:
    quarters = g.quarters
    unit = {GridMetric.MIN_LIQUIDITY: "USD m", GridMetric.FIRST_DEFAULT: "quarter index of the first default (blank: none)",
            GridMetric.TROUGH_DSCR: "x"}[g.metric]
    x, y = g.x.driver.name, g.y.driver.name
    st.put_text(ws, 1, 1, f"Sensitivity grid: {g.metric.value} ({unit}); rows {_driver_title(y)}, columns {_driver_title(x)}",
                st.TITLE)
    st.put_text(ws, 3, 1, f"{y} \\ {x}", st.HEADER)
    for c, size in enumerate(g.x.sizes, start=2):
        _put_size(ws, 3, c, x, float(size), quarters, header=True)
    style = st.USD_M if g.metric is GridMetric.MIN_LIQUIDITY else st.TIMES if g.metric is GridMetric.TROUGH_DSCR else st.COUNT
    for r, size in enumerate(g.y.sizes, start=4):
        _put_size(ws, r, 1, y, float(size), quarters, header=True)
        for c, v in enumerate(g.values[r - 4], start=2):
            if math.isfinite(v):
                st.put(ws, r, c, st.usd_m(v) if style == st.USD_M else float(v), style)
            else:
                st.put_text(ws, r, c, "none" if g.metric is GridMetric.FIRST_DEFAULT else st.NM, st.TEXT_RIGHT)
    last = f"{get_column_letter(1 + len(g.x.sizes))}{3 + len(g.y.sizes)}"
    # every grid metric is worse when lower (less liquidity, earlier default, thinner cover): red low, green high
    ws.conditional_formatting.add(f"B4:{last}", ColorScaleRule(start_type="min", start_color="F8696B", mid_type="percentile",
                                                               mid_value=50, mid_color="FFEB84", end_type="max", end_color="63BE7B"))
    if g.metric is GridMetric.FIRST_DEFAULT:
        st.put_text(ws, 5 + len(g.y.sizes), 1, "Quarter index: " + ", ".join(f"{i} = {q}" for i, q in enumerate(quarters)), st.NOTE)
    st.widths(ws, 22, 12, 1 + len(g.x.sizes))
    ws.freeze_panes = "B4"
    st.print_setup(ws)


def write_tornado(ws: Worksheet, t: Tornado) -> None:
    st.put_text(ws, 1, 1, f"Tornado: change in minimum liquidity from the baseline's USD {t.baseline_min_liquidity / 1e6:,.1f} m, "
                "each driver alone at a standard adverse and favourable size", st.TITLE)
    _header(ws, 3, ["Driver", "Adverse (USD m)", "Favourable (USD m)", "Δ trough DSCR adverse (x)", "Δ trough DSCR favourable (x)",
                    "Adverse size", "Favourable size"], 2)
    for r, b in enumerate(t.bars, start=4):
        st.put_text(ws, r, 1, b.driver, st.TEXT_BOLD)
        for c, (v, style) in enumerate(((b.min_liquidity[0], st.USD_M), (b.min_liquidity[1], st.USD_M),
                                         (b.trough_dscr[0], st.TIMES), (b.trough_dscr[1], st.TIMES)), start=2):
            value, s = _num(v, style)
            st.put(ws, r, c, value, s)
        st.put_text(ws, r, 6, b.adverse_text, st.TEXT_INDENT)
        st.put_text(ws, r, 7, b.favourable_text, st.TEXT_INDENT)
    last = 3 + len(t.bars)
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.overlap = 0  # side by side: both sizes can move liquidity the same way, and one bar must not hide the other
    chart.gapWidth = 60
    chart.title = "Change in minimum liquidity (USD m)"
    chart.add_data(Reference(ws, min_col=2, max_col=3, min_row=3, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=4, max_row=last))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.number_format = "#,##0"
    chart.x_axis.scaling.orientation = "maxMin"  # widest bar on top
    chart.x_axis.tickLblPos = "low"  # driver names left of the plot, not on the zero line
    chart.height, chart.width = 9, 18
    chart.legend.position = "b"
    for series, colour in zip(chart.series, (ADVERSE_RED, FAVOURABLE_GREEN), strict=True):
        series.graphicalProperties.solidFill = colour
        series.graphicalProperties.line.solidFill = colour
    ws.add_chart(chart, f"A{last + 3}")
    st.widths(ws, 18, 16, 5)
    ws.column_dimensions["F"].width = ws.column_dimensions["G"].width = 55
    ws.freeze_panes = "B4"
    st.print_setup(ws, "3:3")


def write_montecarlo(ws: Worksheet, r: MonteCarloResult) -> None:
    lo, hi = r.pd_interval
    e = r.exposure
    st.put_text(ws, 1, 1, f"Monte Carlo: {r.paths:,} paths, seed {r.seed}", st.TITLE)
    rows = [("Probability of default within the horizon", r.probability_of_default, st.PCT),
            ("95% interval, low (Wilson)", lo, st.PCT), ("95% interval, high (Wilson)", hi, st.PCT),
            (f"Exposure (USD m), {e.tranche or e.seniority.value}", e.amount, st.USD_M),
            ("Loss given default on the exposure", r.loss_given_default, st.PCT),
            ("Expected loss (USD m)", r.expected_loss, st.USD_M)]
    for i, (label, value, style) in enumerate(rows, start=3):
        st.put_text(ws, i, 1, label, st.TEXT_BOLD)
        v, s = _num(value, style)
        st.put(ws, i, 2, v, s)
    top = 3 + len(rows) + 1
    _header(ws, top, ["Year", "Cumulative PD"])
    for i, (year, p) in enumerate(r.pd_by_year().items(), start=top + 1):
        st.put_text(ws, i, 1, str(year), st.TEXT)
        st.put(ws, i, 2, p, st.PCT)
    top2 = top + len(r.pd_by_year()) + 2
    _header(ws, top2, ["Minimum liquidity percentile", "USD m"])
    for i, (p, v) in enumerate(r.min_liquidity_percentiles().items(), start=top2 + 1):
        st.put_text(ws, i, 1, f"p{p}", st.TEXT)
        st.put(ws, i, 2, st.usd_m(v), st.USD_M)
    fan = top2 + len(r.cash_fan) + 2
    _header(ws, fan, ["Quarter", *(f"p{p}" for p in r.cash_fan)])
    for i, q in enumerate(r.quarters, start=fan + 1):
        st.put_text(ws, i, 1, q, st.TEXT)
        for c, values in enumerate(r.cash_fan.values(), start=2):
            st.put(ws, i, c, st.usd_m(float(values[i - fan - 1])), st.USD_M)
    last = fan + len(r.quarters)
    chart = LineChart()
    chart.title = "Cash fan: percentiles across paths (USD m)"
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(r.cash_fan), min_row=fan, max_row=last), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=fan + 1, max_row=last))
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.x_axis.tickLblPos = "low"
    chart.y_axis.number_format = "#,##0"
    chart.height, chart.width = 9, 18
    for s in chart.series:
        s.smooth = False
    ws.add_chart(chart, f"H{top}")  # beside the fan table (columns A-F), not over it
    st.widths(ws, 44, 14, 6)
    st.print_setup(ws)


def write_analyses(wb: Workbook, a: Analyses, quarters: Sequence[str]) -> None:
    """Append the four analysis sheets; ``quarters`` label a default date given as a quarter index."""
    write_breakeven(wb.create_sheet(SHEETS[0]), a.breakeven, quarters)
    write_grid(wb.create_sheet(SHEETS[1]), a.grid)
    write_tornado(wb.create_sheet(SHEETS[2]), a.tornado)
    write_montecarlo(wb.create_sheet(SHEETS[3]), a.montecarlo)


def analysis_workbook(result: list[Breakeven] | Grid | Tornado | MonteCarloResult, cc: CompiledCompany) -> Workbook:
    """A workbook of one analysis sheet, for the ``--out`` of breakeven, grid, tornado and montecarlo, for the
    firm ``cc`` (its quarters label default dates; its name and as-of go in the footer)."""
    wb = ValuedWorkbook()
    st.register(wb)
    ws = st.first_sheet(wb)
    if isinstance(result, Grid):
        ws.title = SHEETS[1]
        write_grid(ws, result)
    elif isinstance(result, Tornado):
        ws.title = SHEETS[2]
        write_tornado(ws, result)
    elif isinstance(result, MonteCarloResult):
        ws.title = SHEETS[3]
        write_montecarlo(ws, result)
    else:
        ws.title = SHEETS[0]
        write_breakeven(ws, result, list(cc.timeline.labels))
    c = cc.company
    st.footers(wb, st.firm_as_of(c.name, c.ticker, c.as_of))
    return wb
