"""The Covenants sheet: thresholds in named cells, and a headroom matrix per scenario that follows them.

Each covenant's limit is a defined name (``Limit_net_leverage``) and the
amber band is ``AmberHeadroom``; headroom cells are formulas over those names
and the metric cells of the scenario and Fleet sheets, so editing a blue
threshold moves every headroom figure and flag. Conditional formatting: red
for a breach, amber below the band, green otherwise; each covenant's first
breach in a scenario is dark red.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
from openpyxl.formatting.rule import Rule
from openpyxl.styles import Font, PatternFill
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.workbook import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from stress.engine import covenants as cov
from stress.engine.compiled import covenant_first_q
from stress.engine.results import Results
from stress.model.covenant import TESTED, Covenant, CovenantKind, CovenantMetric
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st
from stress.report.workbook.schedules import FleetRefs
from stress.report.workbook.statements import ROWS

AMBER_NAME = "AmberHeadroom"
#: Headroom text where the metric is n.m. and the engine counts that as a breach (leverage with EBITDA <= 0).
NM_BREACH = "breach (n.m.)"

#: Scenario-sheet row of each covenant metric: the row of the metric it tests (LTV lives on the Fleet sheet).
METRIC_ROW = {c: str(m) for c, m in TESTED.items() if c is not CovenantMetric.LTV}

FIRST_BREACH = (PatternFill("solid", start_color="9C0006", end_color="9C0006", bgColor="9C0006"), Font(color="FFFFFF", bold=True))
RED = (PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE", bgColor="FFC7CE"), Font(color="9C0006"))
AMBER = (PatternFill("solid", start_color="FFEB9C", end_color="FFEB9C", bgColor="FFEB9C"), Font(color="9C5700"))
GREEN = (PatternFill("solid", start_color="C6EFCE", end_color="C6EFCE", bgColor="C6EFCE"), Font(color="006100"))


@dataclass(frozen=True)
class CovenantNames:
    limits: list[str]  # defined name of each covenant's limit, profile order
    matrix_ranges: list[str]  # conditional-format range of each scenario's block

    def limit_of(self, results: Results, metric: CovenantMetric) -> str | None:
        """The defined name of the first covenant on ``metric``, if any."""
        for c, name in zip(results.company.covenants, self.limits, strict=True):
            if c.metric is metric:
                return name
        return None


def limit_name(covenant: Covenant, taken: set[str]) -> str:
    """``Limit_net_leverage``, ``Limit_ltv_DDTL_2_0``: a valid, unique defined name."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", covenant.label).strip("_") or "covenant"
    name, n = f"Limit_{slug}", 1
    while name.lower() in taken:
        n += 1
        name = f"Limit_{slug}_{n}"
    taken.add(name.lower())
    return name


def sheet_limit(covenant: Covenant) -> float:
    """The threshold in the sheet's units: USD m for liquidity, else as tested (x, or a share for LTV)."""
    return covenant.threshold / st.MILLION if covenant.metric is CovenantMetric.LIQUIDITY else covenant.threshold


def nm_text(covenant: Covenant) -> str:
    """What a headroom cell shows when the metric is n.m.: the engine decides whether that passes."""
    passes = bool(cov.test(covenant, np.array([[np.nan]])).passed[0, 0])
    return st.NM if passes else NM_BREACH


def _limit_style(covenant: Covenant) -> str:
    if covenant.metric is CovenantMetric.LIQUIDITY:
        return st.INPUT_USD_M
    return st.INPUT_RATE if covenant.metric is CovenantMetric.LTV else st.INPUT_TIMES


def _define(wb: Workbook, name: str, sheet: str, col: str, row: int) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=f"{st.quote(sheet)}!${col}${row}")


def _rules(ws: Worksheet, cell_range: str, first_row: int) -> None:
    """Flag rules over ``cell_range``, written relative to its top-left cell (first quarter, ``first_row``).

    One rule decides each cell (stop if true; LibreOffice applies only the first that matches): its colour, and
    for headroom beyond +/- HEADROOM_SHOWN also the capped number format (at or above it a pass is green,
    at or below minus it a breach)."""
    col = g.QuarterColumns.letter(0)
    c, row_anchor = f"{col}{first_row}", f"${col}{first_row}:{col}{first_row}"
    breach = f'OR(AND(ISNUMBER({c}),{c}<0),{c}="{NM_BREACH}")'
    first = f'AND({breach},COUNTIF({row_anchor},"<0")+COUNTIF({row_anchor},"{NM_BREACH}")=1)'
    far_below = f"AND(ISNUMBER({c}),{c}<=-{st.HEADROOM_SHOWN:g})"
    far_above = f"AND(ISNUMBER({c}),{c}>={st.HEADROOM_SHOWN:g})"
    rules = ((f"AND({first},{far_below})", FIRST_BREACH, True), (first, FIRST_BREACH, False),
             (far_below, RED, True), (breach, RED, False),
             (f"AND(ISNUMBER({c}),{c}>=0,{c}<{AMBER_NAME})", AMBER, False),
             (f"AND({far_above},{c}>={AMBER_NAME})", GREEN, True),
             (f'OR(AND(ISNUMBER({c}),{c}>={AMBER_NAME}),{c}="{st.NM}")', GREEN, False))
    for formula, (fill, font), capped in rules:
        dxf = DifferentialStyle(fill=fill, font=font, numFmt=st.capped_headroom() if capped else None)
        ws.conditional_formatting.add(cell_range, Rule(type="expression", dxf=dxf, formula=[formula], stopIfTrue=True))


def write_covenants(wb: Workbook, ws: Worksheet, results: Results, grid: g.QuarterColumns, scenario_sheets: list[str],
                    fleet_sheet: str, fleet: FleetRefs) -> CovenantNames:
    g.title(ws, "Covenant headroom by scenario",
            "Headroom = distance to the limit as a share of the limit; positive passes. Edit a blue threshold and the flags follow.")
    st.put(ws, 3, 1, "Green: headroom at or above AmberHeadroom; amber: below it; red: breach; dark red: first breach. "
           "n.m. coverage passes; n.m. leverage is a breach. Beyond "
           f"{st.HEADROOM_SHOWN:,.0%} either way (a limit near zero) headroom shows as >{st.HEADROOM_SHOWN:,.0%} or "
           f"<-{st.HEADROOM_SHOWN:,.0%}; the cell holds the exact share.", st.NOTE)
    covenants = results.company.covenants
    st.put(ws, 4, 1, "Thresholds (named cells)", st.SECTION)
    for i, h in enumerate(("Covenant", "Limit", "Test", "Unit", "Defined name", "Tested at", "Kind", "On breach", "Evidence"), start=1):
        st.put(ws, 5, i, h, st.HEADER)
    taken: set[str] = {AMBER_NAME.lower()}
    names = []
    row = 6
    for c in covenants:
        name = limit_name(c, taken)
        names.append(name)
        st.put_text(ws, row, 1, c.label, st.TEXT)
        st.put(ws, row, 2, sheet_limit(c), _limit_style(c))
        st.put(ws, row, 3, "minimum" if c.is_minimum else "maximum", st.TEXT_INDENT)
        st.put(ws, row, 4, "USD m" if c.metric is CovenantMetric.LIQUIDITY else "share" if c.metric is CovenantMetric.LTV else "x", st.TEXT)
        st.put(ws, row, 5, name, st.TEXT)
        st.put_text(ws, row, 6, c.tested_at, st.TEXT)
        st.put_text(ws, row, 7, c.kind.value, st.TEXT)
        st.put_text(ws, row, 8, "blocks new debt" if c.kind is CovenantKind.INCURRENCE else c.consequence.value.replace("_", " "), st.TEXT)
        st.put_text(ws, row, 9, c.evidence or "", st.TEXT)
        _define(wb, name, ws.title, "B", row)
        row += 1
    st.put(ws, row, 1, "Amber when headroom is below", st.TEXT)
    st.put(ws, row, 2, cov.AMBER_HEADROOM, st.INPUT_RATE)
    st.put(ws, row, 3, "share of the limit", st.TEXT_INDENT)
    st.put(ws, row, 5, AMBER_NAME, st.TEXT)
    _define(wb, AMBER_NAME, ws.title, "B", row)
    first_tested = covenant_first_q(results.company, results.cc.timeline)
    header_row = row + 2
    g.header(ws, grid, row=header_row, corner="Headroom", opening="Limit")
    row = header_row + 2
    ranges = []
    for w, scenario in enumerate(results.world_names):
        verdict = results.verdicts[w].value.upper()
        st.put_text(ws, row, 1, f"Scenario: {scenario} ({verdict} at the profile's thresholds)", st.SECTION)
        first = row + 1
        for c, name, test, first_q in zip(covenants, names, results.covenant_tests, first_tested, strict=True):
            row += 1
            st.put_text(ws, row, 1, f"{c.label} ({'min' if c.is_minimum else 'max'})", st.TEXT)
            st.put_formula(ws, row, 2, f"={name}", _display_style(c))
            for q in range(grid.n):
                col = g.QuarterColumns.letter(q)
                if q < first_q:  # tested only from its first test date (tested_from)
                    st.put_text(ws, row, g.QuarterColumns.col(q), "not yet tested", st.TEXT_RIGHT)
                    continue
                if not c.at_parent:  # a vehicle's test: the engine's value (its waterfall has no sheet of its own)
                    v = float(test.value[w, q])
                    value = f"{v:.12g}" if np.isfinite(v) else '"n.m."'
                elif c.metric is CovenantMetric.LTV:
                    value = f"{st.quote(fleet_sheet)}!{col}{fleet.ltv[w][c.applies_to]}"  # type: ignore[index]
                else:
                    value = f"{st.quote(scenario_sheets[w])}!{col}{ROWS[METRIC_ROW[c.metric]]}"
                gap = f"({value}-{name})" if c.is_minimum else f"({name}-{value})"
                st.put_formula(ws, row, g.QuarterColumns.col(q), f'=IF(ISNUMBER({value}),{gap}/IF({name}=0,1,ABS({name})),"{nm_text(c)}")', st.PCT)
        if covenants:
            cell_range = f"{g.QuarterColumns.letter(0)}{first}:{g.QuarterColumns.letter(grid.n - 1)}{row}"
            _rules(ws, cell_range, first)
            ranges.append(cell_range)
        row += 2
    g.finish(ws, grid, label_width=46, header_row=header_row)
    for q in range(grid.n):
        ws.column_dimensions[g.QuarterColumns.letter(q)].width = 12.5  # room for "breach (n.m.)"
    return CovenantNames(names, ranges)


def _display_style(c: Covenant) -> str:
    if c.metric is CovenantMetric.LIQUIDITY:
        return st.USD_M
    return st.PCT if c.metric is CovenantMetric.LTV else st.TIMES
