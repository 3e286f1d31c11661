"""Where each formula of the workbook should land: the engine's value for every formula cell.

Expected values come from the engine's Results (lines, metrics, covenant
tests, tranche and lease schedules) and the analysis frames, located by the
row labels and quarter columns a reader sees. Shared by the ``formulas``
recomputation test and the LibreOffice test.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import openpyxl

from stress.analysis.profile import capital_structure, maturity_ladder
from stress.engine import metrics as m
from stress.engine.compiled import covenant_first_q
from stress.engine.results import Results
from stress.model.covenant import CovenantMetric

MILLION = 1e6
NM = "n.m."

Expected = dict[tuple[str, str], Any]  # (sheet, cell) -> value


def close(actual: Any, expected: Any) -> bool:
    if isinstance(expected, str):
        return actual == expected
    if not isinstance(actual, (int, float)) or isinstance(actual, bool):
        return False
    return math.isclose(float(actual), expected, rel_tol=1e-6, abs_tol=1e-6)


def _usd(values: np.ndarray) -> list[Any]:
    return [NM if not np.isfinite(v) else float(v) / MILLION for v in values]


def _x(values: np.ndarray) -> list[Any]:
    return [NM if not np.isfinite(v) else float(v) for v in values]


def label_rows(ws: Any, min_row: int = 1) -> Iterator[tuple[int, str]]:
    """(row, label) of every text label in column A."""
    for (cell,) in ws.iter_rows(min_row=min_row, min_col=1, max_col=1):
        if isinstance(cell.value, str):
            yield cell.row, cell.value


def _quarter_columns(ws: Any, results: Results, header_row: int) -> list[str]:
    """Column letters of the quarters, checked against the engine's quarter labels."""
    labels = [c.value for c in ws[header_row]][2:2 + len(results.quarters)]
    assert labels == results.quarters
    return [openpyxl.utils.get_column_letter(3 + q) for q in range(len(results.quarters))]


def _put_row(out: Expected, sheet: str, row: int, cols: list[str], values: list[Any], opening: Any = None) -> None:
    for col, v in zip(cols, values, strict=True):
        out[(sheet, f"{col}{row}")] = v
    if opening is not None:
        out[(sheet, f"B{row}")] = opening


# --- expectations per sheet -------------------------------------------------------------------------

def scenario_expectations(results: Results, w: int) -> dict[str, tuple[list[Any], Any]]:
    """Row label -> (values by quarter, as_of value or None) for every formula row of a scenario sheet."""
    p, ob = results.projection, results.cc.opening
    line = lambda k: _usd(p[k][w])  # noqa: E731
    ltm = lambda arr: _usd(m.ltm(arr[w][None, :])[0])  # noqa: E731
    receivables = np.concatenate([[ob.receivables], p["receivables"][w]])
    met = results.metrics
    return {
        "Revenue": (line("revenue"), None), "EBITDA": (line("ebitda"), None), "EBITDAR": (line("ebitdar"), None),
        "EBIT": (line("ebit"), None), "Pre-tax income": (line("pretax_income"), None), "Net income": (line("net_income"), None),
        "Lease cost added back": (line("lease_cost"), None),
        "Change in receivables": (_usd(-np.diff(receivables)), None),
        "Cash from operations": (line("cfo"), None), "Free cash flow": (line("fcf"), None),
        "Net cash flow": (line("net_cash_flow"), None),
        "Total assets": (line("total_assets"), ob.total_assets / MILLION),
        "Total liabilities": (line("total_liabilities"), ob.total_liabilities / MILLION),
        "Debt, carrying amount (face less discount)": (_usd(p["debt"][w] - p["debt_discount"][w]),
                                                       (ob.debt - ob.debt_discount) / MILLION),
        "Liquidity (cash + undrawn revolver)": (_usd(met["liquidity"][w]), None),
        "LTM EBITDA": (_usd(met["ebitda_ltm"][w]), None),
        "LTM EBITDAR": (ltm(p["ebitdar"]), None),
        "LTM interest expense": (ltm(p["interest_expense"]), None),
        "LTM cash taxes": (ltm(p["tax"]), None),
        "LTM scheduled principal": (ltm(p["scheduled_principal"]), None),
        "LTM net cash flow before revolver": (ltm(p["net_cash_flow"] - p["revolver_net"]), None),
        "Debt / LTM EBITDA": (_x(met["debt_to_ebitda"][w]), None),
        "Net debt / LTM EBITDA": (_x(met["net_debt_to_ebitda"][w]), None),
        "(Debt + lease liabilities) / LTM EBITDAR": (_x(met["lease_adjusted_leverage"][w]), None),
        "LTM EBITDA / LTM interest": (_x(met["interest_cover"][w]), None),
        "DSCR: (LTM EBITDA - cash taxes) / (interest + scheduled principal)": (_x(met["dscr"][w]), None),
        "Runway (quarters of liquidity at the LTM burn)": (_x(met["runway_quarters"][w]), None),
    }


def expect_scenarios(book: Any, results: Results, out: Expected) -> None:
    for w, name in enumerate(results.world_names):
        ws = book[name]
        cols = _quarter_columns(ws, results, 4)
        table = scenario_expectations(results, w)
        for row, label in label_rows(ws):
            if label in table:
                values, opening = table[label]
                _put_row(out, ws.title, row, cols, values, opening)


def expect_debt(book: Any, results: Results, out: Expected) -> None:
    ws = book["Debt"]
    cols = _quarter_columns(ws, results, 4)
    names = results.cc.tranche_names
    w = j = None
    ladder = maturity_ladder(results.company)
    cap = capital_structure(results.company)
    section = None
    for row, label in label_rows(ws, min_row=6):
        if label.startswith("Scenario: "):
            w, j = results.world_names.index(label.removeprefix("Scenario: ")), None
        elif label.startswith("Maturity ladder"):
            section = "ladder"
        elif label.startswith("Capital structure"):
            section = "capital"
        elif section is None and any(label.startswith(f"{n} (") for n in names):
            j = next(i for i, n in enumerate(names) if label.startswith(f"{n} ("))
        elif section is None and label == "Closing":
            _put_row(out, "Debt", row, cols, _usd(results.projection.tranches["closing"][w, j]))
        elif section is None and label == "Total debt":
            _put_row(out, "Debt", row, cols, _usd(results.projection["debt"][w]), results.cc.opening.debt / MILLION)
        elif section == "ladder" and label == "Total":
            for i, v in enumerate(ladder.loc["Total"]):
                out[("Debt", f"{openpyxl.utils.get_column_letter(2 + i)}{row}")] = float(v) / MILLION
        elif section == "capital" and label == "Total":
            for col, key in (("D", "drawn_usd"), ("E", "limit_usd"), ("F", "undrawn_usd")):
                out[("Debt", f"{col}{row}")] = float(cap[key].sum()) / MILLION


def expect_leases(book: Any, results: Results, out: Expected) -> None:
    ws = book["Leases"]
    cols = _quarter_columns(ws, results, 4)
    cc = results.cc
    schedule = None
    for row, label in label_rows(ws):
        match = [s for s in cc.leases if label.startswith(f"{s.name}:")]
        if match:
            schedule = match[0]
        elif label == "All leases":
            schedule = None
        elif label == "Lease liability":
            _put_row(out, "Leases", row, cols, _usd(schedule.liability))
        elif label == "Right-of-use asset":
            _put_row(out, "Leases", row, cols, _usd(schedule.rou))
        elif schedule is None and label == "Payments":
            _put_row(out, "Leases", row, cols, _usd(-cc.lease_payment))
        elif schedule is None and label == "Interest":
            _put_row(out, "Leases", row, cols, _usd(cc.lease_interest))
        elif schedule is None and label == "Right-of-use amortisation":
            _put_row(out, "Leases", row, cols, _usd(-cc.lease_amortisation))
        elif schedule is None and label == "Lease liabilities":
            _put_row(out, "Leases", row, cols, _usd(cc.lease_liability), sum(s.opening_liability for s in cc.leases) / MILLION)
        elif schedule is None and label.startswith("Operating-lease cost") and any(not x.finance for x in cc.leases):
            _put_row(out, "Leases", row, cols, _usd(-cc.operating_lease_cost))
        elif schedule is None and label == "Finance-lease interest" and any(x.finance for x in cc.leases):
            _put_row(out, "Leases", row, cols, _usd(cc.finance_lease_interest))
        elif schedule is None and label == "Finance-lease right-of-use amortisation" and any(x.finance for x in cc.leases):
            _put_row(out, "Leases", row, cols, _usd(-cc.finance_lease_amortisation))
        elif schedule is None and label == "Finance-lease payments" and any(x.finance for x in cc.leases):
            _put_row(out, "Leases", row, cols, _usd(-(cc.finance_lease_principal + cc.finance_lease_interest)))
        elif schedule is None and label == "Right-of-use assets":
            _put_row(out, "Leases", row, cols, _usd(cc.rou_assets), sum(s.opening_rou for s in cc.leases) / MILLION)


def expect_fleet(book: Any, results: Results, out: Expected) -> None:
    ws = book["Fleet"]
    cols = _quarter_columns(ws, results, 4)
    names = results.cc.tranche_names
    w = None
    for row, label in label_rows(ws):
        if label.startswith("Scenario: "):
            w = results.world_names.index(label.removeprefix("Scenario: "))
        elif label.startswith("Secured balance: "):
            j = names.index(label.removeprefix("Secured balance: "))
            _put_row(out, "Fleet", row, cols, _usd(results.projection.tranches["closing"][w, j]))
        elif label.startswith("LTV: "):
            _put_row(out, "Fleet", row, cols, _x(results.ltv[label.removeprefix("LTV: ")][w]))


def expect_covenants(book: Any, results: Results, out: Expected) -> None:
    """Headroom per covenant and quarter from the covenant's first test date (``tested_from``; before it the
    cell says "not yet tested" and is no formula)."""
    ws = book["Covenants"]
    header = next(row for row, label in label_rows(ws) if label == "Headroom")
    cols = _quarter_columns(ws, results, header)
    tests = {f"{t.covenant.label} ({'min' if t.covenant.is_minimum else 'max'})": t for t in results.covenant_tests}
    first_q = dict(zip(tests, covenant_first_q(results.company, results.cc.timeline), strict=True))
    w = None
    for row, label in label_rows(ws):
        if row <= header:
            continue
        if label.startswith("Scenario: "):
            w = results.world_names.index(label.removeprefix("Scenario: ").rsplit(" (", 1)[0])  # names may hold " (" too
        elif label in tests:
            t = tests[label]
            values = [float(h) if np.isfinite(h) else (NM if passed else "breach (n.m.)")
                      for h, passed in zip(t.headroom[w], t.passed[w], strict=True)]
            limit = t.covenant.threshold / (MILLION if t.covenant.metric is CovenantMetric.LIQUIDITY else 1.0)
            start = int(first_q[label])
            _put_row(out, "Covenants", row, cols[start:], values[start:], limit)


def expect_summary(book: Any, results: Results, out: Expected) -> None:
    ws = book["Summary"]
    header = next(row for row, label in label_rows(ws) if label == "Quarter")
    labels = [c.value for c in ws[header]][1:1 + len(results.quarters)]
    assert labels == results.quarters
    cols = [openpyxl.utils.get_column_letter(2 + q) for q in range(len(results.quarters))]
    limit = next((c.threshold for c in results.company.covenants if c.metric is CovenantMetric.NET_LEVERAGE), None)
    for row, label in label_rows(ws):
        if label.startswith("Liquidity: "):
            w = results.world_names.index(label.removeprefix("Liquidity: "))
            _put_row(out, "Summary", row, cols, _usd(results.metrics["liquidity"][w]))
        elif label == "Covenant limit":
            _put_row(out, "Summary", row, cols, [limit] * len(cols))


def expect_programmes(book: Any, results: Results, out: Expected) -> None:
    """The cumulative funding gap per scenario: the running sum of the engine's funding gap."""
    if "Programmes" not in book.sheetnames:
        return
    ws = book["Programmes"]
    cols = _quarter_columns(ws, results, 4)
    w = None
    for row, label in label_rows(ws):
        if label.startswith("Scenario: "):
            w = results.world_names.index(label.removeprefix("Scenario: ").rsplit(" (", 1)[0])
        elif label == "Funding gap, cumulative":
            _put_row(out, "Programmes", row, cols, _usd(np.cumsum(results.projection["funding_gap"][w])))


def expect_checks(book: Any, out: Expected) -> None:
    """Every check is zero, and the status cell says OK."""
    ws = book["Checks"]
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if cell.data_type == "f":
                out[("Checks", cell.coordinate)] = "OK" if cell.coordinate == "C3" else 0.0


EXPECTATIONS: tuple[Callable[[Any, Results, Expected], None], ...] = (
    expect_scenarios, expect_debt, expect_leases, expect_fleet, expect_programmes, expect_covenants, expect_summary)


def expected_values(book: Any, results: Results) -> Expected:
    """(sheet, cell) -> the engine's value, for every formula the workbook should contain."""
    out: Expected = {}
    for expect in EXPECTATIONS:
        expect(book, results, out)
    expect_checks(book, out)
    return out


def formula_cells(book: Any) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> formula text of every formula cell."""
    return {(ws.title, c.coordinate): c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"}
