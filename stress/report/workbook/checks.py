"""The Checks sheet: live formulas that prove every quarter of every scenario ties out.

Each check is a difference that must be zero: the balance sheet balances,
cash, equity and debt roll forward, and the schedules agree with the
statements. Row 3 sums their absolute values (``ChecksAbsSum``) and says OK
when it is below ``TOLERANCE_M``.
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl.styles import Alignment
from openpyxl.workbook import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from stress.engine.results import Results
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st
from stress.report.workbook.schedules import DebtRefs, LeaseRefs
from stress.report.workbook.statements import ROWS

TOTAL_NAME = "ChecksAbsSum"
#: USD m: one dollar. Floating-point noise on sums of billions is far below it.
TOLERANCE_M = 1e-6

#: (label, from the as_of column?, formula body(scenario cell, debt cell, lease cell, column, prior column)).
Check = tuple[str, bool, Callable[[Callable[[str, str], str], Callable[[str], str], Callable[[str, str], str], str, str], str]]

CHECKS: tuple[Check, ...] = (
    ("Balance sheet: total assets - total liabilities - equity", True,
     lambda s, d, ls, c, p: f"{s(c, 'total_assets')}-{s(c, 'total_liabilities')}-{s(c, 'equity')}"),
    ("Cash roll-forward: cash - prior cash - net cash flow", False,
     lambda s, d, ls, c, p: f"{s(c, 'cash')}-{s(p, 'cash')}-{s(c, 'net_cash_flow')}"),
    # distributions and repayments are negative on the scenario sheets, so they are subtracted as they stand
    ("Equity roll-forward: equity - prior equity - net income - equity issued + distributions", False,
     lambda s, d, ls, c, p: f"{s(c, 'equity')}-{s(p, 'equity')}-{s(c, 'net_income')}-{s(c, 'equity_issued')}-{s(c, 'distributions')}"),
    ("Debt roll-forward: debt - prior debt - drawn - accreted + repaid + extinguished", False,
     lambda s, d, ls, c, p: f"{s(c, 'debt')}-{s(p, 'debt')}-{s(c, 'debt_drawn')}-{s(c, 'interest_accreted')}-{s(c, 'debt_repaid')}"
                            f"+{s(c, 'debt_extinguished')}"),
    # the discount is negative on the scenario sheets, as are the costs paid on issue; amortisation is positive
    ("Debt discount roll-forward: discount - prior discount - paid on issue - amortised", False,
     lambda s, d, ls, c, p: f"{s(c, 'debt_discount')}-{s(p, 'debt_discount')}-{s(c, 'debt_issue_costs')}-{s(c, 'discount_amortised')}"),
    ("Debt: balance sheet - Debt sheet total", True, lambda s, d, ls, c, p: f"{s(c, 'debt')}-{d(c)}"),
    ("Lease liabilities: balance sheet - Leases sheet", True,
     lambda s, d, ls, c, p: f"{s(c, 'lease_liabilities')}-{ls(c, 'liability')}"),
    ("Right-of-use assets: balance sheet - Leases sheet", True, lambda s, d, ls, c, p: f"{s(c, 'rou_assets')}-{ls(c, 'rou')}"),
    ("Lease cost: income statement - operating leases' (interest + amortisation) on the Leases sheet", False,
     lambda s, d, ls, c, p: f"{s(c, 'lease_cost')}-{ls(c, 'operating_cost')}"),
    ("Finance-lease amortisation: income statement - Leases sheet", False,
     lambda s, d, ls, c, p: f"{s(c, 'lease_amortisation')}-{ls(c, 'finance_amortisation')}"),
    ("Finance-lease principal: cash flow - (payments + interest) of finance leases on the Leases sheet", False,
     lambda s, d, ls, c, p: f"{s(c, 'lease_principal')}-({ls(c, 'finance_payment')}+{ls(c, 'finance_interest')})"),
)


def write_checks(wb: Workbook, ws: Worksheet, results: Results, grid: g.QuarterColumns, scenario_sheets: list[str],
                 debt_sheet: str, debt: DebtRefs, lease_sheet: str, leases: LeaseRefs) -> None:
    g.title(ws, "Checks: every figure below must be zero (USD m)",
            "Formulas over the scenario, Debt and Leases sheets. '–' is zero to the dollar; row 3 sums the absolute differences.")
    g.header(ws, grid, corner="Difference, USD m", opening="As of")
    row = g.FIRST_DATA_ROW
    block_sums = []
    last = g.QuarterColumns.letter(grid.n - 1)
    for w, scenario in enumerate(results.world_names):
        sheet = st.quote(scenario_sheets[w])
        st.put_text(ws, row, 1, f"Scenario: {scenario}", st.SECTION)
        first = row + 1

        def s(col: str, key: str, sheet: str = sheet) -> str:
            return f"{sheet}!{col}{ROWS[key]}"

        def d(col: str, w: int = w) -> str:
            return f"{st.quote(debt_sheet)}!{col}{debt.total[w]}"

        def ls(col: str, key: str) -> str:
            return f"{st.quote(lease_sheet)}!{col}{getattr(leases, key)}"

        for label, with_opening, body in CHECKS:
            row += 1
            st.put(ws, row, 1, label, st.TEXT)
            for q in range(-1 if with_opening else 0, grid.n):
                st.put_formula(ws, row, g.QuarterColumns.col(q), "=" + body(s, d, ls, g.QuarterColumns.letter(q), g.QuarterColumns.letter(q - 1)), st.CHECK)
        block_sums.append(f"SUMPRODUCT(ABS({g.QuarterColumns.letter(-1)}{first}:{last}{row}))")
        row += 2
    st.put(ws, 3, 1, "Sum of absolute differences, all scenarios", st.TEXT_BOLD)
    st.put_formula(ws, 3, 2, "=" + ("+".join(block_sums) or "0"), st.CHECK)
    st.put_formula(ws, 3, 3, f'=IF({TOTAL_NAME}<{TOLERANCE_M:.6f},"OK","CHECK")', st.TEXT_BOLD)
    ws.cell(row=3, column=3).alignment = Alignment(horizontal="center", vertical="top")  # apart from the sum beside it
    wb.defined_names[TOTAL_NAME] = DefinedName(TOTAL_NAME, attr_text=f"{st.quote(ws.title)}!$B$3")
    g.finish(ws, grid, label_width=64)
