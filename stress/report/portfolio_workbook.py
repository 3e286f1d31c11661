"""The portfolio workbook of ``stress batch --out``: ranking, exposure, firm x scenario matrices, failures.

Values only (the per-firm statements with live formulas are in each firm's
``stress report`` workbook); ``--detail`` adds each firm's first-scenario
statements here too. Verdict cells and minimum liquidity carry conditional
formatting, so the fragile names stand out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, ColorScaleRule
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stress.engine.results import Results
from stress.report.workbook import styles as st
from stress.report.workbook.build import _verdict_line, make_grid
from stress.report.workbook.cached import ValuedWorkbook
from stress.report.workbook.statements import write_scenario

RED, AMBER, GREEN = "F8CBAD", "FFE699", "C6EFCE"
VERDICT_FILLS = {"default": RED, "breach": AMBER, "pass": GREEN}

#: (comparison column, sheet name, title, style) of each firm x scenario matrix
MATRICES: tuple[tuple[str, str, str, str], ...] = (
    ("min_liquidity", "Min liquidity", "Minimum liquidity (USD m)", st.USD_M),
    ("trough_dscr", "Trough DSCR", "Trough DSCR (x)", st.TIMES),
    ("peak_net_leverage", "Peak net leverage", "Peak net debt / EBITDA (x)", st.TIMES),
    ("equity_end", "Equity end", "Equity at the end (USD m)", st.USD_M),
)


def _cell_value(value: object, style: str) -> object:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return st.NM if style in (st.TIMES, st.USD_M, st.PCT) else ""
    if style == st.USD_M:
        return st.usd_m(float(value))  # type: ignore[arg-type]
    return value


def _table(ws: Worksheet, frame: pd.DataFrame, columns: Sequence[tuple[str, str, str]], top: int = 3) -> int:
    """Header on row ``top``, one row per frame row; returns the last row written."""
    for c, (_, label, _) in enumerate(columns, start=1):
        st.put(ws, top, c, label, st.HEADER)
    ws.row_dimensions[top].height = 40  # headers wrap onto up to three lines
    for r, (_, row) in enumerate(frame.iterrows(), start=top + 1):
        for c, (key, _, style) in enumerate(columns, start=1):
            value = _cell_value(row.get(key), style)
            if isinstance(value, str):  # "n.m." in a column of figures sits under them; text columns are centred
                text_style = st.TEXT_BOLD if style == st.TEXT_BOLD else st.TEXT_CENTRE if style == st.TEXT else st.TEXT_RIGHT
                st.put_text(ws, r, c, value, text_style)
            else:
                st.put(ws, r, c, value, style)
    ws.freeze_panes = ws.cell(row=top + 1, column=2).coordinate
    return top + len(frame)


def _verdict_rules(ws: Worksheet, ref: str) -> None:
    for verdict, colour in VERDICT_FILLS.items():
        ws.conditional_formatting.add(ref, CellIsRule(operator="equal", formula=[f'"{verdict}"'],
                                                      fill=PatternFill("solid", start_color=colour, end_color=colour)))


def write_ranking(ws: Worksheet, ranking: pd.DataFrame, scenario_names: list[str], title: str) -> None:
    st.put_text(ws, 1, 1, title, st.TITLE)
    columns = [("firm", "Firm", st.TEXT_BOLD), ("ticker", "Ticker", st.TEXT), ("as_of", "As of", st.TEXT),
               ("first_default", "First default", st.TEXT), ("first_default_scenario", "under", st.TEXT),
               ("defaulting_scenarios", "Scenarios in default", st.COUNT),
               ("min_liquidity", "Min liquidity (USD m)", st.USD_M), ("min_liquidity_scenario", "under", st.TEXT),
               ("liquidity_headroom", "Liquidity covenant headroom", st.PCT), ("trough_dscr", "Trough DSCR", st.TIMES),
               *((f"verdict:{s}", s, st.TEXT) for s in scenario_names)]
    last = _table(ws, ranking, columns)
    if last > 3:
        first_verdict = get_column_letter(11)
        _verdict_rules(ws, f"{first_verdict}4:{get_column_letter(len(columns))}{last}")
        h = get_column_letter(1 + [key for key, _, _ in columns].index("liquidity_headroom"))
        ws.conditional_formatting.add(f"{h}4:{h}{last}", st.cap_rule(f"{h}4:{h}{last}", f"{h}4"))  # beyond +/-1,000%
        ws.conditional_formatting.add(f"G4:G{last}", ColorScaleRule(start_type="min", start_color="F8696B", mid_type="percentile",
                                                                    mid_value=50, mid_color="FFEB84", end_type="max", end_color="63BE7B"))
    st.widths(ws, 30, 16, len(columns))
    st.print_setup(ws, "3:3")


def write_exposure(ws: Worksheet, lines: pd.DataFrame, expected_loss: float | None, note: str) -> None:
    st.put_text(ws, 1, 1, "Portfolio: exposure to firms that default or breach, loss given default, expected loss", st.TITLE)
    frame = lines.reset_index()
    columns = [("scenario", "Scenario", st.TEXT_BOLD), ("weight", "Weight", st.PCT), ("exposure", "Exposure (USD m)", st.USD_M),
               ("exposure_defaulting", "Defaulting (USD m)", st.USD_M), ("exposure_breaching", "Breaching only (USD m)", st.USD_M),
               ("loss", "Loss (USD m)", st.USD_M), ("loss_given_default", "LGD", st.PCT)]
    last = _table(ws, frame, columns)
    st.put_text(ws, last + 2, 1, "Probability-weighted expected loss (USD m)", st.TEXT_BOLD)
    if expected_loss is None:
        st.put_text(ws, last + 2, 3, "n.m. (no weights for these scenarios, or members that failed: see Failures)", st.TEXT)
    else:
        st.put(ws, last + 2, 3, st.usd_m(expected_loss), st.USD_M_TOTAL)
    st.put_text(ws, last + 4, 1, note, st.NOTE)
    st.widths(ws, 22, 18, len(columns))
    st.print_setup(ws, "3:3")


def write_matrix(ws: Worksheet, table: pd.DataFrame, key: str, title: str, style: str, scenario_names: list[str]) -> None:
    """Firms down, scenarios across, one metric."""
    st.put_text(ws, 1, 1, title, st.TITLE)
    pivot = table.pivot_table(index="firm", columns="scenario", values=key, aggfunc="first", sort=False)
    pivot = pivot.reindex(columns=[s for s in scenario_names if s in pivot.columns])
    columns = [("firm", "Firm", st.TEXT_BOLD), *((s, s, style) for s in pivot.columns)]
    last = _table(ws, pivot.reset_index(), columns)
    if key == "verdict" and last > 3:
        _verdict_rules(ws, f"B4:{get_column_letter(len(columns))}{last}")
    st.widths(ws, 30, 16, len(columns))
    st.print_setup(ws, "3:3")


def write_failures(ws: Worksheet, failures: pd.DataFrame) -> None:
    st.put_text(ws, 1, 1, f"Failures: {len(failures)} member(s) could not be run; every other firm's results are in this workbook", st.TITLE)
    _table(ws, failures, [("profile", "Profile", st.TEXT_BOLD), ("stage", "Stage", st.TEXT), ("error", "Error", st.WRAP)])
    st.widths(ws, 40, 16, 3)
    ws.column_dimensions["C"].width = 100
    if not failures.empty:
        ws["A1"].font = Font(bold=True, color="C00000", size=13)


def build_portfolio_workbook(title: str, ranking: pd.DataFrame, table: pd.DataFrame, lines: pd.DataFrame,
                             expected_loss: float | None, failures: pd.DataFrame, scenario_names: list[str],
                             note: str, detail: Sequence[Results] = ()) -> Workbook:
    wb = ValuedWorkbook()
    st.register(wb)
    ranking_ws = st.first_sheet(wb)
    ranking_ws.title = "Ranking"
    write_ranking(ranking_ws, ranking, scenario_names, title)
    write_exposure(wb.create_sheet("Portfolio"), lines, expected_loss, note)
    if not table.empty:
        write_matrix(wb.create_sheet("Verdicts"), table, "verdict", "Verdict by firm and scenario", st.TEXT, scenario_names)
        for key, sheet, label, style in MATRICES:
            write_matrix(wb.create_sheet(sheet), table, key, label, style, scenario_names)
    write_failures(wb.create_sheet("Failures"), failures)
    st.footers(wb, f"{title}, {as_of_text(ranking)}")
    taken = {ws.title.lower() for ws in wb.worksheets}
    for results in detail:
        c = results.company
        ws = wb.create_sheet(st.sheet_title(f"{c.ticker} {results.world_names[0]}", taken))
        write_scenario(ws, results, 0, make_grid(results), f"{c.name}: {results.world_names[0]}", _verdict_line(results, 0))
        st.footer(ws, st.firm_as_of(c.name, c.ticker, c.as_of))  # a firm's statements say whose they are
    return wb


def as_of_text(ranking: pd.DataFrame) -> str:
    """``as of 2025-09-30``, or ``as of 2025-06-30 to 2025-09-30`` when the members' balance sheets differ."""
    dates = sorted({str(d) for d in ranking.get("as_of", pd.Series(dtype=object)).dropna()})
    if not dates:
        return "no member run"
    return f"as of {dates[0]}" if len(dates) == 1 else f"as of {dates[0]} to {dates[-1]}"
