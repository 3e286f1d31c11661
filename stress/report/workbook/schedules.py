"""The Debt, Leases and Fleet sheets: schedules per tranche, lease and scenario over the quarter grid.

Closing balances are formulas (opening + drawn + accreted + repaid; prior liability +
recognised + interest + payment; ...) so each schedule rolls forward on the
sheet; the flows are the engine's values. The maturity ladder, capital
structure and fleet cohorts, which are as at ``as_of``, follow the schedules.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stress.analysis.profile import capital_structure, fleet_table, maturity_ladder
from stress.engine.financing import CENT
from stress.engine.results import Results
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st

#: A secured balance at or below this (USD m) has no LTV (the engine's CENT, in USD m).
LTV_MIN_BALANCE_M = f"{CENT / st.MILLION:.10f}"


@dataclass
class DebtRefs:
    closing: list[list[int]]  # [world][tranche] row of the closing balance
    total: list[int]  # [world] row of total debt


@dataclass
class LeaseRefs:
    liability: int
    rou: int
    interest: int
    amortisation: int
    payment: int
    operating_cost: int  # operating leases' interest + ROU amortisation: their straight-line cost (negative)
    finance_interest: int  # finance leases' interest (positive, as the Interest rows)
    finance_amortisation: int  # finance leases' ROU amortisation (negative, as the amortisation rows)
    finance_payment: int  # finance leases' payments (negative, as the payment rows)


@dataclass
class FleetRefs:
    ltv: list[dict[str, int]]  # [world] tranche -> row of its LTV


def _values(ws: Worksheet, row: int, label: str, values: list[float], style: str = st.USD_M, bold: bool = False) -> None:
    st.put(ws, row, g.LABEL_COL, label, st.TEXT_BOLD if bold else st.TEXT)
    for q, v in enumerate(values):
        st.put(ws, row, g.QuarterColumns.col(q), v, style)


def _m(values: object, sign: float = 1.0) -> list[float]:
    return [float(v) * sign / st.MILLION + 0.0 for v in values]  # type: ignore[attr-defined]


def _formulas(ws: Worksheet, row: int, label: str, grid: g.QuarterColumns, body, style: str = st.USD_M_TOTAL,  # noqa: ANN001
              opening: bool = False) -> None:
    """``body(col_letter, prior_letter) -> formula text`` for each quarter (and the as_of column if ``opening``)."""
    st.put(ws, row, g.LABEL_COL, label, st.TEXT_BOLD if style == st.USD_M_TOTAL else st.TEXT)
    for q in range(-1 if opening else 0, grid.n):
        st.put_formula(ws, row, g.QuarterColumns.col(q), "=" + body(g.QuarterColumns.letter(q), g.QuarterColumns.letter(q - 1)), style)


# --- Debt ---------------------------------------------------------------------------------------

def write_debt(ws: Worksheet, results: Results, grid: g.QuarterColumns, scenario_titles: list[str]) -> DebtRefs:
    g.title(ws, "Debt schedules by scenario (USD m)",
            "Closing = opening + drawn + accreted + repaid + extinguished (a formula). Accreted: non-cash interest added to "
            "the balance (a convertible's accretion; interest a financing vehicle could not pay). Extinguished: debt of a "
            "foreclosed vehicle, taken with its collateral. Interest and refinanced (rolled over, no cash) are memo lines.")
    g.header(ws, grid, opening="As of")
    t = results.projection.tranches
    company = results.company
    refs = DebtRefs([], [])
    row = g.FIRST_DATA_ROW
    for w, name in enumerate(results.world_names):
        st.put_text(ws, row, g.LABEL_COL, f"Scenario: {name}", st.SECTION)
        row += 1
        closings = []
        for j, tranche_name in enumerate(results.cc.tranche_names):
            tr = company.tranche(tranche_name)
            vehicle = company.vehicle_of(tranche_name)
            borrower = f", borrowed by {vehicle.name}" if vehicle else ""
            st.put_text(ws, row, g.LABEL_COL, f"{tranche_name} ({tr.kind.value}, {tr.rate.label}, matures {tr.maturity}{borrower})",
                        st.TEXT_BOLD)
            opening, drawn, accreted, repaid, extinguished, interest, refinanced, closing = range(row + 1, row + 9)
            _values(ws, opening, "Opening", _m(t["opening"][w, j]))
            _values(ws, drawn, "Drawn", _m(t["drawn"][w, j]))
            _values(ws, accreted, "Accreted (non-cash interest)", _m(t["accreted"][w, j]))
            _values(ws, repaid, "Repaid", _m(t["repaid"][w, j], -1))
            _values(ws, extinguished, "Extinguished in a foreclosure", _m(t["extinguished"][w, j], -1))
            _values(ws, interest, "Interest, accretion included (memo)", _m(t["interest"][w, j]))
            _values(ws, refinanced, "Refinanced (memo)", _m(t["refinanced"][w, j]))
            _formulas(ws, closing, "Closing", grid,
                      lambda c, p, o=opening, d=drawn, a=accreted, r=repaid, x=extinguished: f"{c}{o}+{c}{d}+{c}{a}+{c}{r}+{c}{x}")
            st.put(ws, closing, g.OPENING_COL, tr.balance / st.MILLION, st.USD_M_TOTAL)
            closings.append(closing)
            row = closing + 1
        total = row
        if closings:
            _formulas(ws, total, "Total debt", grid, lambda c, p, rows=tuple(closings): "+".join(f"{c}{r}" for r in rows), opening=True)
        else:
            _values(ws, total, "Total debt", [0.0] * grid.n, st.USD_M_TOTAL, bold=True)
            st.put(ws, total, g.OPENING_COL, 0.0, st.USD_M_TOTAL)
        refs.closing.append(closings)
        refs.total.append(total)
        row = total + 2
    ladder_row = row
    row = _maturity_ladder(ws, results, row)
    _capital_structure(ws, results, row + 1)
    g.finish(ws, grid, label_width=58)
    st.put_text(ws, 3, 1, f"Maturity ladder and capital structure at as_of: from row {ladder_row} (click).", st.NOTE)
    ws.cell(row=3, column=1).hyperlink = f"#{st.quote(ws.title)}!A{ladder_row}"
    return refs


def _maturity_ladder(ws: Worksheet, results: Results, row: int) -> int:
    ladder = maturity_ladder(results.company)
    st.put(ws, row, 1, "Maturity ladder at as_of: contractual principal of drawn balances by the firm's (fiscal) year, no new draws (USD m)", st.SECTION)
    row += 1
    if ladder.empty:
        st.put(ws, row, 1, "No drawn debt.", st.NOTE)
        return row + 1
    years = list(ladder.columns)
    st.put(ws, row, 1, "Tranche", st.HEADER)
    for i, y in enumerate(years):
        st.put(ws, row, 2 + i, str(y), st.HEADER)
    first = row + 1
    body = ladder.drop(index="Total")
    for r, (name, values) in enumerate(body.iterrows(), start=first):
        st.put_text(ws, r, 1, str(name), st.TEXT)
        for i, v in enumerate(values):
            st.put(ws, r, 2 + i, float(v) / st.MILLION + 0.0, st.USD_M)
    total = first + len(body)
    st.put(ws, total, 1, "Total", st.TEXT_BOLD)
    for i in range(len(years)):
        col = get_column_letter(2 + i)
        st.put_formula(ws, total, 2 + i, f"=SUM({col}{first}:{col}{total - 1})", st.USD_M_TOTAL)
    return total + 2


def _capital_structure(ws: Worksheet, results: Results, row: int) -> None:
    frame = capital_structure(results.company)
    st.put(ws, row, 1, "Capital structure at as_of (USD m)", st.SECTION)
    if frame.empty:
        return
    heads = ["Tranche", "Kind", "Seniority", "Drawn", "Limit", "Undrawn", "Rate", "Rate today", "Maturity", "Amortisation", "Secured by"]
    for i, h in enumerate(heads, start=1):
        st.put(ws, row + 1, i, h, st.HEADER)
    first = row + 2
    for r, x in enumerate(frame.itertuples(), start=first):
        for i, (v, style) in enumerate(((x.tranche, None), (x.kind, None), (x.seniority, None), (x.drawn_usd / st.MILLION, st.USD_M),
                                        (x.limit_usd / st.MILLION, st.USD_M), (x.undrawn_usd / st.MILLION, st.USD_M),
                                        (x.rate, None), (x.rate_today, st.RATE), (x.maturity, st.DATE),
                                        (x.amortisation, None), (x.secured_by, None)), start=1):
            if style is None:
                st.put_text(ws, r, i, str(v), st.TEXT if i == 1 else st.TEXT_INDENT)
            else:
                st.put(ws, r, i, float(v) if style != st.DATE else v, style)
    total = first + len(frame)
    st.put(ws, total, 1, "Total", st.TEXT_BOLD)
    for i in (4, 5, 6):
        col = get_column_letter(i)
        st.put_formula(ws, total, i, f"=SUM({col}{first}:{col}{total - 1})", st.USD_M_TOTAL)


# --- Leases -------------------------------------------------------------------------------------

def write_leases(ws: Worksheet, results: Results, grid: g.QuarterColumns) -> LeaseRefs:
    g.title(ws, "Lease schedules (USD m; the same in every scenario)",
            "Liability = prior + recognised + interest + payment; right-of-use asset = prior + recognised + amortisation. "
            "Operating: interest + amortisation = the straight-line cost (in EBITDA); finance: both below EBITDA.")
    g.header(ws, grid, opening="As of")
    row = g.FIRST_DATA_ROW
    liability_rows, rou_rows, interest_rows, amort_rows, payment_rows = [], [], [], [], []
    finance_rows = []
    for lease, s in zip(results.company.leases, results.cc.leases, strict=True):
        st.put_text(ws, row, g.LABEL_COL, f"{lease.name}: {lease.annual_payment / st.MILLION:,.1f} a year, {lease.start} to {lease.end}, "
                    f"escalator {lease.escalator:.1%}, discount rate {lease.discount_rate:.1%}, {lease.type.value} lease", st.TEXT_BOLD)
        finance_rows.append(s.finance)
        recognised, payment, interest, amort, liability, rou = range(row + 1, row + 7)
        _values(ws, recognised, "Recognised at commencement", _m(s.recognised))
        _values(ws, payment, "Payment", _m(s.payment, -1))
        _values(ws, interest, "Interest", _m(s.interest))
        _values(ws, amort, "Right-of-use amortisation", _m(s.rou_amortisation, -1))
        _formulas(ws, liability, "Lease liability", grid,
                  lambda c, p, rc=recognised, i=interest, pay=payment, li=liability: f"{p}{li}+{c}{rc}+{c}{i}+{c}{pay}")
        st.put(ws, liability, g.OPENING_COL, s.opening_liability / st.MILLION, st.USD_M_TOTAL)
        _formulas(ws, rou, "Right-of-use asset", grid, lambda c, p, rc=recognised, a=amort, ro=rou: f"{p}{ro}+{c}{rc}+{c}{a}")
        st.put(ws, rou, g.OPENING_COL, s.opening_rou / st.MILLION, st.USD_M_TOTAL)
        liability_rows.append(liability)
        rou_rows.append(rou)
        interest_rows.append(interest)
        amort_rows.append(amort)
        payment_rows.append(payment)
        row = rou + 2
    st.put(ws, row, g.LABEL_COL, "All leases", st.SECTION)
    refs = LeaseRefs(liability=row + 4, rou=row + 5, interest=row + 2, amortisation=row + 3, payment=row + 1,
                     operating_cost=row + 6, finance_interest=row + 7, finance_amortisation=row + 8,
                     finance_payment=row + 9)
    operating = [(i, a) for i, a, f in zip(interest_rows, amort_rows, finance_rows, strict=True) if not f]
    finance = [(i, a) for i, a, f in zip(interest_rows, amort_rows, finance_rows, strict=True) if f]
    for r, label, rows, opening in ((refs.payment, "Payments", payment_rows, False), (refs.interest, "Interest", interest_rows, False),
                                    (refs.amortisation, "Right-of-use amortisation", amort_rows, False),
                                    (refs.liability, "Lease liabilities", liability_rows, True), (refs.rou, "Right-of-use assets", rou_rows, True),
                                    (refs.operating_cost, "Operating-lease cost (interest + amortisation, negative)",
                                     [x for pair in operating for x in pair], False),
                                    (refs.finance_interest, "Finance-lease interest", [i for i, _ in finance], False),
                                    (refs.finance_amortisation, "Finance-lease right-of-use amortisation", [a for _, a in finance], False),
                                    (refs.finance_payment, "Finance-lease payments",
                                     [p for p, f in zip(payment_rows, finance_rows, strict=True) if f], False)):
        if rows and r == refs.operating_cost:
            _formulas(ws, r, label, grid, lambda c, p, ps=tuple(operating): "".join(f"-{c}{i}+{c}{a}" for i, a in ps))
        elif rows:
            _formulas(ws, r, label, grid, lambda c, p, rs=tuple(rows): "+".join(f"{c}{x}" for x in rs), opening=opening)
        else:
            _values(ws, r, label, [0.0] * grid.n, st.USD_M_TOTAL, bold=True)
            if opening:
                st.put(ws, r, g.OPENING_COL, 0.0, st.USD_M_TOTAL)
    g.finish(ws, grid, label_width=58)
    return refs


# --- Fleet --------------------------------------------------------------------------------------

def write_fleet(ws: Worksheet, results: Results, grid: g.QuarterColumns, debt_sheet: str, debt: DebtRefs) -> FleetRefs:
    g.title(ws, "Fleet, collateral and LTV by scenario (USD m)",
            "Collateral: market value of the cohorts securing each tranche (see Methodology). LTV = secured balance / collateral.")
    g.header(ws, grid, opening="As of")
    p = results.projection
    refs = FleetRefs([])
    row = g.FIRST_DATA_ROW
    secured = [(j, name) for j, name in enumerate(results.cc.tranche_names) if results.company.tranche(name).secured_by]
    for w, name in enumerate(results.world_names):
        st.put_text(ws, row, g.LABEL_COL, f"Scenario: {name}", st.SECTION)
        _values(ws, row + 1, "GPUs earning", [float(v) for v in p["gpus_earning"][w]], st.COUNT)
        _values(ws, row + 2, "Capex paid (cost less construction in progress)", _m(p["capex"][w]))
        _values(ws, row + 3, "Depreciation", _m(p["depreciation"][w]))
        _values(ws, row + 4, "Impairment", _m(p["impairment"][w]))
        _values(ws, row + 5, "Retirement proceeds", _m(p["asset_sales"][w]))
        _values(ws, row + 6, "Gain (loss) on retirement", _m(p["disposal_gain"][w]))
        _values(ws, row + 7, "GPU PP&E (net book value)", _m(p["ppe"][w]), st.USD_M_TOTAL, bold=True)
        st.put(ws, row + 7, g.OPENING_COL, results.cc.opening.ppe / st.MILLION, st.USD_M_TOTAL)
        _values(ws, row + 8, "Construction in progress (paid ahead)",
                _m(p["construction_in_progress"][w]))
        st.put(ws, row + 8, g.OPENING_COL, results.cc.opening.construction_in_progress / st.MILLION, st.USD_M)
        _values(ws, row + 9, "Fleet market value (all cohorts held)", _m(p["fleet_value"][w]))
        row += 10
        ltv_rows = {}
        for j, tranche in secured:
            collateral, balance, ltv = row, row + 1, row + 2
            _values(ws, collateral, f"Collateral value: {tranche}", _m(p.collateral[w, j]))  # type: ignore[index]
            closing = debt.closing[w][j]
            _formulas(ws, balance, f"Secured balance: {tranche}", grid,
                      lambda c, pr, r=closing: f"{st.quote(debt_sheet)}!{c}{r}", st.USD_M)
            _formulas(ws, ltv, f"LTV: {tranche}", grid,
                      lambda c, pr, b=balance, k=collateral: f'IF({c}{b}>{LTV_MIN_BALANCE_M},IF({c}{k}>0,{c}{b}/{c}{k},"{st.NM}"),0)',
                      st.PCT)
            ltv_rows[tranche] = ltv
            row = ltv + 1
        refs.ltv.append(ltv_rows)
        row += 1
    _cohorts(ws, results, row)
    g.finish(ws, grid, label_width=46)
    return refs


def _cohorts(ws: Worksheet, results: Results, row: int) -> None:
    frame: pd.DataFrame = fleet_table(results.company)
    st.put(ws, row, 1, "Fleet cohorts at as_of (USD m)", st.SECTION)
    if frame.empty:
        return
    heads = [("Cohort", None), ("Status", None), ("GPU", None), ("Units", st.COUNT), ("In service", st.DATE),
             ("Age (years)", st.NUMBER), ("Life (years)", st.NUMBER), ("Economic life (years)", st.NUMBER),
             ("Gross cost", st.USD_M), ("Book value", st.USD_M), ("Funded by", None)]
    for i, (h, _) in enumerate(heads, start=1):
        st.put(ws, row + 1, i, h, st.HEADER)
    ws.row_dimensions[row + 1].height = 27
    for r, x in enumerate(frame.itertuples(), start=row + 2):
        values = (x.cohort, x.status, x.gpu, float(x.units), x.in_service, float(x.age_years), float(x.life_years),
                  float(x.economic_life_years), x.gross_cost_usd / st.MILLION, x.book_value_usd / st.MILLION, x.funded_by)
        for i, ((_, style), v) in enumerate(zip(heads, values, strict=True), start=1):
            if style is None:
                st.put_text(ws, r, i, str(v), st.TEXT if i == 1 else st.TEXT_INDENT)
            else:
                st.put(ws, r, i, v, style)
