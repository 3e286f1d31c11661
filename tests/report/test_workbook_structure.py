"""The workbook as a reader meets it: sheets, names, panes, formats, flags, charts, and no NaN or infinity.

Re-opens the written file with openpyxl; conditional-format rules are
evaluated with the ``formulas`` parser at every cell they cover and compared
with the engine's pass / fail and first-breach quarter.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import openpyxl
import pytest
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter, range_boundaries

import stress
from stress.analysis.compare import comparison
from stress.engine.covenants import AMBER_HEADROOM, first_true
from stress.engine.results import Results
from stress.model.scenario import Scenario
from stress.report.workbook import build_workbook
from stress.report.workbook.styles import HEADROOM_CAPPED_FORMAT, HEADROOM_SHOWN, sheet_title

USD_M = '#,##0.0;(#,##0.0);"–"'
TIMES = '0.00"x"'
PCT = "0.0%"
BLUE = "000000FF"
GRID_SHEETS = ("baseline", "severe", "wipeout", "Debt", "Leases", "Fleet", "Programmes", "Checks")


def label_row(ws: Any, label: str, min_row: int = 1) -> int:
    return next(c.row for (c,) in ws.iter_rows(min_row=min_row, min_col=1, max_col=1) if c.value == label)


def test_sheets_in_reading_order(book: Any) -> None:
    assert book.sheetnames == ["Summary", "Assumptions", "baseline", "severe", "wipeout", "Debt", "Leases", "Fleet",
                               "Programmes", "Covenants", "Checks", "Methodology"]
    assert book.active.title == "Summary"


def test_thresholds_are_named_cells_holding_the_profile_limits(book: Any) -> None:
    expected = {"Limit_liquidity": 25.0, "Limit_net_leverage": 6.0, "Limit_dscr": 1.25, "Limit_ltv_Term_Loan": 0.75,
                "AmberHeadroom": AMBER_HEADROOM}
    for name, value in expected.items():
        (sheet, cell), = book.defined_names[name].destinations
        assert sheet == "Covenants"
        assert book[sheet][cell.replace("$", "")].value == pytest.approx(value)
        assert book[sheet][cell.replace("$", "")].font.color.rgb == BLUE
    (sheet, cell), = book.defined_names["ChecksAbsSum"].destinations
    assert (sheet, cell) == ("Checks", "$B$3")


def test_panes_freeze_at_the_first_data_cell(book: Any) -> None:
    for name in GRID_SHEETS:
        assert book[name].freeze_panes == "B6", name
    cov = book["Covenants"]
    header = label_row(cov, "Headroom")
    assert cov.freeze_panes == f"B{header + 2}"
    assert book["Assumptions"].freeze_panes == "B5"


def test_quarter_header_labels_and_quarter_end_dates(book: Any, results: Results) -> None:
    ws = book["baseline"]
    labels = [c.value for c in ws[4]][2:]
    dates = [c.value for c in ws[5]][2:]
    assert labels == ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2"]
    assert dates[0] == dt.datetime(2025, 9, 30) and dates[-1] == dt.datetime(2027, 6, 30)
    assert ws["B5"].value == dt.datetime(2025, 6, 30)
    assert all(c.number_format == "yyyy-mm-dd" for c in ws[5][1:])


def test_number_formats_and_bold_subtotals(book: Any) -> None:
    assert {"USD m", "USD m subtotal", "Percent", "Times"} <= set(book.named_styles)
    ws = book["baseline"]
    for label, fmt, bold in (("Contracted revenue", USD_M, False), ("Power", USD_M, False), ("Revenue", USD_M, True),
                             ("EBITDA", USD_M, True), ("Net income", USD_M, True), ("Total assets", USD_M, True),
                             ("Net debt / LTM EBITDA", TIMES, False), ("DSCR: (LTM EBITDA - cash taxes) / (interest + scheduled principal)", TIMES, False)):
        row = label_row(ws, label)
        cells = ws[row][2:10]
        assert all(c.number_format == fmt for c in cells), label
        assert all(bool(c.font.bold) is bold for c in cells), label
    assert ws.cell(row=label_row(ws, "Power"), column=3).value < 0  # costs negative: shown in parentheses
    fleet = book["Fleet"]
    assert all(c.number_format == PCT for c in fleet[label_row(fleet, "LTV: Term Loan")][2:10])
    cov = book["Covenants"]
    assert all(c.number_format == PCT for c in cov[label_row(cov, "dscr (min)", label_row(cov, "Headroom"))][2:10])


def test_inputs_are_blue_and_other_values_are_not(book: Any) -> None:
    ws = book["Assumptions"]
    row = label_row(ws, "opening.cash")
    assert ws.cell(row=row, column=2).value == pytest.approx(100.0)
    assert ws.cell(row=row, column=2).font.color.rgb == BLUE
    scenario = book["baseline"]
    color = scenario.cell(row=label_row(scenario, "Power"), column=3).font.color
    assert color is None or color.rgb != BLUE


def covenant_blocks(ws: Any, results: Results) -> list[tuple[int, int, int]]:
    """(world, first covenant row, last covenant row) of each scenario's headroom block."""
    header = label_row(ws, "Headroom")
    starts = [(c.row, c.value) for (c,) in ws.iter_rows(min_row=header, min_col=1, max_col=1)
              if isinstance(c.value, str) and c.value.startswith("Scenario: ")]
    n = len(results.company.covenants)
    return [(results.world_names.index(v.removeprefix("Scenario: ").split(" (")[0]), r + 1, r + n) for r, v in starts]


#: Fill of each flag colour, as the Covenants rules set it.
FLAG_FILLS = {"9C0006": "first", "FFC7CE": "red", "FFEB9C": "amber", "C6EFCE": "green"}


def _flag(rule: Any) -> tuple[str, bool]:
    """(colour, capped?) that a rule gives a cell."""
    capped = rule.dxf.numFmt is not None
    if capped:
        assert rule.dxf.numFmt.formatCode == HEADROOM_CAPPED_FORMAT
    return FLAG_FILLS[rule.dxf.fill.fgColor.rgb[-6:]], capped


def test_conditional_formats_cover_each_headroom_block(book: Any, results: Results) -> None:
    ws = book["Covenants"]
    last = get_column_letter(2 + len(results.quarters))
    expected = {f"C{first}:{last}{end}" for _, first, end in covenant_blocks(ws, results)}
    ranges = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    assert set(ranges) == expected
    for rules in ranges.values():
        assert [_flag(r) for r in rules] == [("first", True), ("first", False), ("red", True), ("red", False),
                                             ("amber", False), ("green", True), ("green", False)]
        assert sum("AmberHeadroom" in r.formula[0] for r in rules) == 3
        assert all(r.type == "expression" and r.stopIfTrue for r in rules)


def _rule(formula: str, origin: str, cell: str) -> Any:
    return formulas.Parser().ast(Translator("=" + formula, origin=origin).translate_formula(cell))[1].compile()


def _evaluate(func: Any, computed: dict[tuple[str, str], Any]) -> bool:
    args = []
    for name in func.inputs:
        if name == "AMBERHEADROOM":
            args.append(AMBER_HEADROOM)
        elif ":" in name:
            min_col, row, max_col, _ = range_boundaries(name)
            args.append(np.array([[computed[("COVENANTS", f"{get_column_letter(c)}{row}")] for c in range(min_col, max_col + 1)]], dtype=object))
        else:
            args.append(computed[("COVENANTS", name)])
    return bool(func(*args))


def test_flags_agree_with_the_engine_at_every_cell(book: Any, results: Results, computed: dict[tuple[str, str], Any]) -> None:
    """First breach, red, amber, green, and the capped display beyond +/-1,000%: evaluated from the rules
    themselves on the recomputed headroom; the first rule that holds decides (stop if true)."""
    ws = book["Covenants"]
    rules = {str(cf.sqref): cf.rules for cf in ws.conditional_formatting}
    last = get_column_letter(2 + len(results.quarters))
    seen = {"first": 0, "red": 0, "amber": 0, "green": 0, "capped": 0}
    for w, first, end in covenant_blocks(ws, results):
        block = rules[f"C{first}:{last}{end}"]
        origin = f"C{first}"
        for i, test in enumerate(results.covenant_tests):
            row = first + i
            breach_q = int(first_true(~test.passed[w]))
            for q in range(len(results.quarters)):
                cell = f"{get_column_letter(3 + q)}{row}"
                rule = next(r for r in block if _evaluate(_rule(r.formula[0], origin, cell), computed))
                shown, capped = _flag(rule)
                passed, head = bool(test.passed[w, q]), float(test.headroom[w, q])
                want = ("first" if q == breach_q else "red") if not passed else \
                       ("amber" if np.isfinite(head) and head < AMBER_HEADROOM else "green")
                assert shown == want, (results.world_names[w], test.covenant.label, results.quarters[q])
                assert capped == bool(np.isfinite(head) and abs(head) >= HEADROOM_SHOWN), (test.covenant.label, head)
                seen[want] += 1
                seen["capped"] += capped
    assert all(seen.values()), seen  # the fixture exercises every colour, and a headroom shown capped


def test_summary_has_two_line_charts_with_visible_axes(book: Any, results: Results) -> None:
    charts = book["Summary"]._charts
    assert len(charts) == 2
    assert all(c.tagname == "lineChart" for c in charts)
    assert all(c.x_axis.delete is False and c.y_axis.delete is False for c in charts)
    liquidity, leverage = charts
    assert len(liquidity.series) == len(results.world_names)
    assert len(leverage.series) == len(results.world_names) + 1  # the covenant limit is a series
    for series in [*liquidity.series, *leverage.series]:
        assert series.val.numRef.f.startswith("'Summary'!") or series.val.numRef.f.startswith("Summary!")


def test_summary_verdicts_and_comparison_are_the_engines(book: Any, results: Results) -> None:
    """The comparison is two tables one above the other (events, then credit metrics), each led by the scenario."""
    ws = book["Summary"]
    table = comparison(results)
    events = label_row(ws, "Scenario")
    metrics = label_row(ws, "Scenario", events + 1)
    for name, r in table.iterrows():
        cells = {}
        for header in (events, metrics):
            heads = [c.value for c in ws[header]]
            row = label_row(ws, name, header)
            cells.update({h: ws.cell(row=row, column=i + 1).value for i, h in enumerate(heads) if h})
        assert cells["Verdict"] == r["verdict"].upper()
        assert cells["Min liquidity (USD m)"] == pytest.approx(r["min_liquidity"] / 1e6)
        assert cells["First covenant breach"] == (r["first_breach"] or "none")
        assert cells["Rating at end"] == r["rating_end"]
        assert cells["Equity at end (USD m)"] == pytest.approx(r["equity_end"] / 1e6)
        assert cells["Trough DSCR"] == (pytest.approx(r["trough_dscr"]) if np.isfinite(r["trough_dscr"]) else "n.m.")
    assert ws["B5"].value == dt.datetime(2025, 6, 30)


def test_no_nan_or_infinity_anywhere(book: Any, computed: dict[tuple[str, str], Any]) -> None:
    bad_text = {"nan", "inf", "-inf", "infinity", "#num!", "#div/0!"}
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, float):
                    assert math.isfinite(c.value), f"{ws.title}!{c.coordinate}"
                elif isinstance(c.value, str):
                    assert c.value.strip().lower() not in bad_text, f"{ws.title}!{c.coordinate}"
    for key, value in computed.items():
        if isinstance(value, float):
            assert math.isfinite(value), key
        elif isinstance(value, str):
            assert value.strip().lower() not in bad_text, key
        else:
            assert isinstance(value, int), (key, value)  # never an Excel error such as #VALUE!


def test_every_sheet_prints_landscape_one_page_wide(book: Any) -> None:
    for ws in book.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.column_dimensions["A"].width >= 20, ws.title


def test_assumptions_list_every_profile_input_with_units(book: Any, results: Results) -> None:
    ws = book["Assumptions"]
    rows = {c.value: c.row for (c,) in ws.iter_rows(min_row=5, min_col=1, max_col=1) if isinstance(c.value, str)}
    for path, value, unit in (("debt[0].rate", "SOFR+600bp", "rate quote"), ("debt[0].balance", 200.0, "USD m"),
                              ("fleet[0].unit_cost", 30000.0, "USD per GPU"), ("fleet[0].units", 10000.0, "count"),
                              ("market.spot_utilisation", 0.7, "%"), ("market.gpu_hour_price.H100.start", 2.0, "USD per GPU-hour"),
                              ("costs.sga_per_quarter", 5.0, "USD m a quarter"), ("covenants[3].max", 0.75, "share"),
                              ("covenants[0].min", 25.0, "USD m"), ("leases[0].start", dt.datetime(2025, 3, 31), "date")):
        row = rows[path]
        assert ws.cell(row=row, column=2).value == (pytest.approx(value) if isinstance(value, float) else value), path
        assert ws.cell(row=row, column=3).value == unit, path
        assert ws.cell(row=row, column=2).font.color.rgb == BLUE, path
    # each scenario's shocks, in their units
    assert ws.cell(row=rows["wipeout.shocks[0].level"], column=2).value == pytest.approx(-0.95)
    severe_rate = next(p for p in rows if p.startswith("severe.shocks[") and p.endswith(".bp")
                       and ws.cell(row=rows[p.replace(".bp", ".kind")], column=2).value == "rate")
    assert ws.cell(row=rows[severe_rate], column=2).value == pytest.approx(200.0)


def test_methodology_defines_every_metric_on_the_scenario_sheets(book: Any) -> None:
    text = " ".join(str(c.value) for row in book["Methodology"].iter_rows() for c in row if c.value)
    for term in ("DSCR", "Net debt / LTM EBITDA", "LTM EBITDA / interest", "(Debt + lease liabilities) / LTM EBITDAR",
                 "Runway", "LTV", "Liquidity", "Indicative rating", "Covenant headroom", "annualised"):
        assert term in text, term
    assert f"{AMBER_HEADROOM:.0%}" in text


def test_user_text_never_becomes_a_formula_and_sheet_names_are_made_valid(results: Results, tmp_path: Path) -> None:
    hostile = Scenario.model_validate({"name": "Summary", "description": '=HYPERLINK("http://x","y")', "shocks": []})
    other = Scenario.model_validate({"name": "a/b:c?", "description": "x", "shocks": []})
    res = stress.run(results.company, [hostile, other])
    path = tmp_path / "h.xlsx"
    build_workbook(res, [hostile, other]).save(path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[2:4] == ["Summary (2)", "a_b_c_"]
    described = [c for row in wb["Summary"].iter_rows() for c in row if c.value == '=HYPERLINK("http://x","y")']
    assert described and all(c.data_type == "s" for c in described)


def test_sheet_title_is_unique_valid_and_short() -> None:
    taken = {"summary"}
    assert sheet_title("summary", taken) == "summary (2)"
    assert sheet_title("x" * 40, taken) == "x" * 31
    assert sheet_title("x" * 40, taken) == "x" * 27 + " (2)"
    assert sheet_title("[q]", taken) == "_q_"
    assert sheet_title("O'Brien's", taken) == "O\u2019Brien\u2019s"
