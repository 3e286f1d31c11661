"""The Checks sheet: live formulas that prove every quarter of every scenario ties out.

Each check is a difference that must be zero: the balance sheet balances,
cash, equity and debt roll forward, and the schedules agree with the
statements. Row 3 sums their absolute values (``ChecksAbsSum``) and says OK
when it is below ``TOLERANCE_M``.
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: (label, from the as_of column?, the difference that must be zero). A term is a line of the scenario sheet
#: (``ROWS``) in the quarter's column; ``prior.LINE`` the same line a quarter earlier; ``debt.total`` the Debt
#: sheet's total; ``leases.FIELD`` a row of the Leases sheet (``LeaseRefs``). Terms are joined by ``+`` / ``-``.
Check = tuple[str, bool, str]

CHECKS: tuple[Check, ...] = (
    ("Balance sheet: total assets - total liabilities - equity", True, "total_assets - total_liabilities - equity"),
    ("Cash roll-forward: cash - prior cash - net cash flow", False, "cash - prior.cash - net_cash_flow"),
    # distributions and repayments are negative on the scenario sheets, so they are subtracted as they stand
    ("Equity roll-forward: equity - prior equity - net income - equity issued + distributions", False,
     "equity - prior.equity - net_income - equity_issued - distributions"),
    ("Debt roll-forward: debt - prior debt - drawn - accreted + repaid + extinguished", False,
     "debt - prior.debt - debt_drawn - interest_accreted - debt_repaid + debt_extinguished"),
    # the discount is negative on the scenario sheets, as are the costs paid on issue; amortisation is positive
    ("Debt discount roll-forward: discount - prior discount - paid on issue - amortised", False,
     "debt_discount - prior.debt_discount - debt_issue_costs - discount_amortised"),
    ("Debt: balance sheet - Debt sheet total", True, "debt - debt.total"),
    ("Lease liabilities: balance sheet - Leases sheet", True, "lease_liabilities - leases.liability"),
    ("Right-of-use assets: balance sheet - Leases sheet", True, "rou_assets - leases.rou"),
    ("Lease cost: income statement - operating leases' (interest + amortisation) on the Leases sheet", False,
     "lease_cost - leases.operating_cost"),
    ("Finance-lease amortisation: income statement - Leases sheet", False,
     "lease_amortisation - leases.finance_amortisation"),
    ("Finance-lease principal: cash flow - (payments + interest) of finance leases on the Leases sheet", False,
     "lease_principal - leases.finance_payment - leases.finance_interest"),
)


@dataclass(frozen=True)
class _Sheets:
    """Where one scenario's check terms are: its sheet, the Debt sheet's total row, the Leases sheet's rows."""

    scenario: str  # quoted sheet name
    debt: str  # quoted Debt sheet name
    debt_total_row: int
    leases: str  # quoted Leases sheet name
    lease_rows: LeaseRefs

    def ref(self, term: str, col: str, prior: str) -> str:
        """The cell of one term (see ``CHECKS``) in column ``col`` (``prior`` the column before)."""
        source, _, name = term.rpartition(".")
        if source == "debt":
            return f"{self.debt}!{col}{self.debt_total_row}"
        if source == "leases":
            return f"{self.leases}!{col}{getattr(self.lease_rows, name)}"
        return f"{self.scenario}!{prior if source == 'prior' else col}{ROWS[name]}"

    def formula(self, difference: str, col: str, prior: str) -> str:
        """``difference`` (terms and signs, space separated) as a formula body."""
        tokens = difference.split()
        signs, terms = ["", *tokens[1::2]], tokens[::2]
        return "".join(f"{sign}{self.ref(term, col, prior)}" for sign, term in zip(signs, terms, strict=True))


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

        where = _Sheets(sheet, st.quote(debt_sheet), debt.total[w], st.quote(lease_sheet), leases)
        for label, with_opening, difference in CHECKS:
            row += 1
            st.put(ws, row, 1, label, st.TEXT)
            for q in range(-1 if with_opening else 0, grid.n):
                body = where.formula(difference, g.QuarterColumns.letter(q), g.QuarterColumns.letter(q - 1))
                st.put_formula(ws, row, g.QuarterColumns.col(q), "=" + body, st.CHECK)
        block_sums.append(f"SUMPRODUCT(ABS({g.QuarterColumns.letter(-1)}{first}:{last}{row}))")
        row += 2
    st.put(ws, 3, 1, "Sum of absolute differences, all scenarios", st.TEXT_BOLD)
    st.put_formula(ws, 3, 2, "=" + ("+".join(block_sums) or "0"), st.CHECK)
    st.put_formula(ws, 3, 3, f'=IF({TOTAL_NAME}<{TOLERANCE_M:.6f},"OK","CHECK")', st.TEXT_BOLD)
    ws.cell(row=3, column=3).alignment = Alignment(horizontal="center", vertical="top")  # apart from the sum beside it
    wb.defined_names[TOTAL_NAME] = DefinedName(TOTAL_NAME, attr_text=f"{st.quote(ws.title)}!$B$3")
    g.finish(ws, grid, label_width=64)
