"""One sheet per scenario: income statement, cash flow, balance sheet, memo lines and credit metrics.

Quarters run across (the as_of balance sheet in column B), line items down.
Costs and cash outflows are negative. Component lines are the engine's
values in USD m; subtotals, LTM flows, ratios and liquidity are formulas over
these cells, so the sheet proves its own arithmetic. A ratio whose
denominator is not positive shows "n.m.".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from openpyxl.worksheet.worksheet import Worksheet

from stress.engine.lines import LABELS
from stress.engine.results import Results
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st

#: A formula body for quarter ``q`` given the row numbers: ``f(rows, q) -> "C8+C9"``.
Formula = Callable[[dict[str, int], int], str]


@dataclass(frozen=True)
class Line:
    """One row: an engine value (``source`` times ``sign``), a formula, or a section heading."""

    key: str
    label: str
    style: str = st.USD_M
    source: str | None = None  # engine line for a value row
    sign: float = 1.0
    formula: Formula | None = None
    opening: bool = False  # the row has an as_of value (balance sheet)
    section: bool = False


def _c(key: str) -> Callable[[dict[str, int], int], str]:
    """The cell of ``key`` in quarter q."""
    return lambda rows, q: f"{g.QuarterColumns.letter(q)}{rows[key]}"


def _sum(*keys: str) -> Formula:
    return lambda rows, q: "+".join(f"{g.QuarterColumns.letter(q)}{rows[k]}" for k in keys)


def _ltm(key: str, sign: str = "") -> Formula:
    """LTM sum of a flow row: the last four quarters, annualised (x 4 / n) while fewer are available."""
    def f(rows: dict[str, int], q: int) -> str:
        n = min(q + 1, 4)
        return f"{sign}SUM({g.QuarterColumns.letter(q - n + 1)}{rows[key]}:{g.QuarterColumns.letter(q)}{rows[key]})*4/{n}"
    return f


def _ratio(numerator: Formula, denominator: Formula) -> Formula:
    """numerator / denominator when the denominator is positive, else "n.m."."""
    return lambda rows, q: f'IF({denominator(rows, q)}>0,({numerator(rows, q)})/({denominator(rows, q)}),"{st.NM}")'


def _prior(key: str) -> Callable[[dict[str, int], int], str]:
    """The same row one column left: the previous quarter, or the as_of column for the first."""
    return lambda rows, q: f"{g.QuarterColumns.letter(q - 1)}{rows[key]}"


def _value(key: str, sign: float = 1.0, style: str = st.USD_M, label: str | None = None, opening: bool = False) -> Line:
    return Line(key, label or LABELS[key], style, source=key, sign=sign, opening=opening)


def _f(key: str, label: str, formula: Formula, style: str = st.USD_M_TOTAL, opening: bool = False) -> Line:
    return Line(key, label, style, formula=formula, opening=opening)


def _section(label: str) -> Line:
    return Line("", label, st.SECTION, section=True)


_OPERATING = ("revenue", "power_cost", "other_cost", "sga", "lease_cost")
_CFO = ("cf_ebitda", "cf_lease_addback", "lease_payments", "cf_receivables", "interest_paid", "cf_tax")
_NET_CASH_FLOW = ("fcf", "asset_sales", "debt_drawn", "debt_repaid", "debt_issue_costs", "lease_principal", "equity_issued",
                  "distributions", "cash_restricted")
_ASSETS = ("cash", "restricted_cash", "receivables", "ppe", "construction_in_progress", "capitalised_interest", "rou_assets",
           "other_assets")
_LIABILITIES = ("debt", "debt_discount", "lease_liabilities", "other_liabilities")

LINES: tuple[Line, ...] = (
    _section("Income statement"),
    _value("revenue_contracted"), _value("revenue_spot"),
    _f("revenue", LABELS["revenue"], _sum("revenue_contracted", "revenue_spot")),
    _value("power_cost", -1), _value("other_cost", -1), _value("sga", -1), _value("lease_cost", -1),
    _f("ebitda", LABELS["ebitda"], _sum(*_OPERATING)),
    _f("ebitdar", LABELS["ebitdar"], lambda r, q: f"{_c('ebitda')(r, q)}-{_c('lease_cost')(r, q)}"),
    _value("depreciation", -1), _value("lease_amortisation", -1), _value("impairment", -1), _value("disposal_gain"),
    _f("ebit", LABELS["ebit"], _sum("ebitda", "depreciation", "lease_amortisation", "impairment", "disposal_gain")),
    _value("interest_expense", -1), _value("foreclosure_gain"),
    _f("pretax_income", LABELS["pretax_income"], _sum("ebit", "interest_expense", "foreclosure_gain")),
    _value("tax", -1),
    _f("net_income", LABELS["net_income"], _sum("pretax_income", "tax")),
    _section("Cash flow"),
    _f("cf_ebitda", LABELS["ebitda"], _c("ebitda"), st.USD_M),
    _f("cf_lease_addback", "Lease cost added back", lambda r, q: f"-{_c('lease_cost')(r, q)}", st.USD_M),
    _value("lease_payments", -1, label="Lease payments (operating; finance-lease interest)"),
    _f("cf_receivables", "Change in receivables",
       lambda r, q: f"-({_c('receivables')(r, q)}-{_prior('receivables')(r, q)})", st.USD_M),
    _value("interest_paid", -1, label="Interest paid"),
    Line("cf_tax", "Cash taxes", st.USD_M, source="tax", sign=-1),
    _f("cfo", LABELS["cfo"], _sum(*_CFO)),
    _value("capex", -1),
    _f("fcf", LABELS["fcf"], _sum("cfo", "capex")),
    _value("asset_sales"), _value("debt_drawn"), _value("debt_repaid", -1), _value("debt_issue_costs", -1),
    _value("lease_principal", -1),
    _value("equity_issued"), _value("distributions", -1), _value("cash_restricted"),
    _f("net_cash_flow", LABELS["net_cash_flow"], _sum(*_NET_CASH_FLOW)),
    _section("Balance sheet"),
    *(_value(k, opening=True) for k in _ASSETS),
    _f("total_assets", LABELS["total_assets"], _sum(*_ASSETS), opening=True),
    _value("debt", opening=True, label="Debt (face)"), _value("debt_discount", -1, opening=True),
    _f("debt_carrying", "Debt, carrying amount (face less discount)", _sum("debt", "debt_discount"), st.USD_M, opening=True),
    *(_value(k, opening=True) for k in ("lease_liabilities", "other_liabilities")),
    _f("total_liabilities", LABELS["total_liabilities"], _sum(*_LIABILITIES), opening=True),
    _value("equity", style=st.USD_M_TOTAL, opening=True),
    _section("Memo"),
    _value("ebitda_reported"),
    _value("scheduled_principal"), _value("revolver_net"), _value("revolver_available"), _value("taxable_income"),
    _value("tax_losses", opening=True), _value("gpus_earning", style=st.COUNT),
    _value("interest_accreted"), _value("discount_amortised"), _value("commitment_fees"), _value("interest_capitalised"),
    _value("capex_deferred"), _value("capex_cancelled"), _value("funding_gap"), _value("vehicle_sweep"),
    _value("debt_extinguished"),
    _section("Credit metrics (LTM = last four quarters, annualised in the first year)"),
    _f("liquidity", "Liquidity (cash + undrawn revolver)", _sum("cash", "revolver_available"), st.USD_M),
    _f("ebitda_ltm", "LTM EBITDA", _ltm("ebitda"), st.USD_M),
    _f("ebitdar_ltm", "LTM EBITDAR", _ltm("ebitdar"), st.USD_M),
    _f("interest_ltm", "LTM interest expense", _ltm("interest_expense", "-"), st.USD_M),
    _f("tax_ltm", "LTM cash taxes", _ltm("tax", "-"), st.USD_M),
    _f("principal_ltm", "LTM scheduled principal", _ltm("scheduled_principal"), st.USD_M),
    _f("before_revolver_ltm", "LTM net cash flow before revolver",
       lambda r, q: f"{_ltm('net_cash_flow')(r, q)}-{_ltm('revolver_net')(r, q)}", st.USD_M),
    _f("debt_to_ebitda", "Debt / LTM EBITDA", _ratio(_c("debt"), _c("ebitda_ltm")), st.TIMES),
    _f("net_debt_to_ebitda", "Net debt / LTM EBITDA",
       _ratio(lambda r, q: f"{_c('debt')(r, q)}-{_c('cash')(r, q)}", _c("ebitda_ltm")), st.TIMES),
    _f("lease_adjusted_leverage", "(Debt + lease liabilities) / LTM EBITDAR",
       _ratio(lambda r, q: f"{_c('debt')(r, q)}+{_c('lease_liabilities')(r, q)}", _c("ebitdar_ltm")), st.TIMES),
    _f("interest_cover", "LTM EBITDA / LTM interest", _ratio(_c("ebitda_ltm"), _c("interest_ltm")), st.TIMES),
    _f("dscr", "DSCR: (LTM EBITDA - cash taxes) / (interest + scheduled principal)",
       _ratio(lambda r, q: f"{_c('ebitda_ltm')(r, q)}-{_c('tax_ltm')(r, q)}",
              lambda r, q: f"{_c('interest_ltm')(r, q)}+{_c('principal_ltm')(r, q)}"), st.TIMES),
    _f("runway_quarters", "Runway (quarters of liquidity at the LTM burn)",
       _ratio(_c("liquidity"), lambda r, q: f"-{_c('before_revolver_ltm')(r, q)}/4"), st.QUARTERS),
    Line("rating", "Indicative rating", st.TEXT),
)


def _layout() -> list[tuple[Line, int]]:
    out, r = [], g.FIRST_DATA_ROW
    for line in LINES:
        if line.section and r > g.FIRST_DATA_ROW:
            r += 1  # a blank row before each section but the first
        out.append((line, r))
        r += 1
    return out


#: Each line with its row; the layout is the same on every scenario sheet.
LAYOUT: list[tuple[Line, int]] = _layout()
#: Row of each line key on every scenario sheet.
ROWS: dict[str, int] = {line.key: row for line, row in LAYOUT if line.key}


def _opening_values(results: Results) -> dict[str, float]:
    ob = results.cc.opening
    return {"cash": ob.cash, "restricted_cash": 0.0, "receivables": ob.receivables, "ppe": ob.ppe,
            "construction_in_progress": ob.construction_in_progress, "rou_assets": ob.rou_assets,
            "other_assets": ob.other_assets, "debt": ob.debt, "lease_liabilities": ob.lease_liabilities,
            "capitalised_interest": 0.0, "debt_discount": ob.debt_discount,
            "other_liabilities": ob.other_liabilities, "equity": ob.equity,
            "tax_losses": results.company.opening.tax_loss_carryforward}


def _scaled(line: Line, values: np.ndarray) -> list[float]:
    if line.style == st.COUNT:
        return [float(v) for v in values]
    return [float(v) * line.sign / st.MILLION + 0.0 for v in values]


def write_scenario(ws: Worksheet, results: Results, world: int, grid: g.QuarterColumns, headline: str, verdict_line: str) -> None:
    """Fill ``ws`` with scenario ``world``'s statements and metrics."""
    g.title(ws, headline, "USD m unless stated. Costs and cash outflows negative, in parentheses. "
            "Bold rows, ratios and liquidity are formulas over this sheet; other figures are the engine's.")
    st.put_text(ws, 3, 1, verdict_line, st.TEXT_BOLD)
    g.header(ws, grid)
    lines = results.projection.lines
    opening = _opening_values(results)
    rating = results.rating[world]
    for line, row in LAYOUT:
        if line.section:
            st.put(ws, row, g.LABEL_COL, line.label, st.SECTION)
            continue
        st.put(ws, row, g.LABEL_COL, line.label, st.TEXT_BOLD if line.style == st.USD_M_TOTAL else st.TEXT)
        if line.formula is not None:
            for q in range(-1 if line.opening else 0, grid.n):
                st.put_formula(ws, row, g.QuarterColumns.col(q), "=" + line.formula(ROWS, q), line.style)
        elif line.key == "rating":
            for q in range(grid.n):
                st.put(ws, row, g.QuarterColumns.col(q), str(rating[q]), st.TEXT_RIGHT)  # under the figures above it
        else:
            for q, v in enumerate(_scaled(line, lines[line.source][world])):  # type: ignore[index]
                st.put(ws, row, g.QuarterColumns.col(q), v, line.style)
            if line.opening:
                st.put(ws, row, g.OPENING_COL, opening[line.key] * line.sign / st.MILLION, line.style)
    g.finish(ws, grid)
