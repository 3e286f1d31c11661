"""What a drafted profile takes from a filing: which concepts, in what priority, and the opening arithmetic.

A profile's ``opening`` holds only the balance-sheet lines no schedule models (``fleet`` carries PP&E,
``debt`` the borrowings, ``leases`` the lease liabilities). So the draft's ``other_assets`` is total assets
less cash, receivables and PP&E net, and ``other_liabilities`` total liabilities less debt and lease
liabilities: once the analyst fills the fleet, debt and leases from the same balance sheet, the derived
equity reconciles with ``reported_equity``. Restricted cash stays inside ``other_assets`` (the opening has no
key for it; companies/README.md, CoreWeave's profile does the same). All amounts USD.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from stress.io.companyfacts import CompanyFacts, Figure

# Concepts in priority order: the first tagged at the balance-sheet date (or over its quarter) is used.
CASH = ("CashAndCashEquivalentsAtCarryingValue", "Cash")
RECEIVABLES = ("AccountsReceivableNetCurrent", "ReceivablesNetCurrent")
RESTRICTED_CURRENT = ("RestrictedCashCurrent", "RestrictedCashAndCashEquivalentsCurrent")
RESTRICTED_NONCURRENT = ("RestrictedCashNoncurrent", "RestrictedCashAndCashEquivalentsNoncurrent")
PPE = ("PropertyPlantAndEquipmentNet",
       "PropertyPlantAndEquipmentAndFinanceLeaseRightOfUseAssetAfterAccumulatedDepreciationAndAmortization")
ASSETS = ("Assets",)
LIABILITIES = ("Liabilities",)
LIABILITIES_AND_EQUITY = ("LiabilitiesAndStockholdersEquity",)
EQUITY = ("StockholdersEquity", "StockholdersEquityIncludingPortionAttributableToNoncontrollingInterest")
DEBT_CURRENT = ("LongTermDebtCurrent", "DebtCurrent", "LongTermDebtAndCapitalLeaseObligationsCurrent")
DEBT_NONCURRENT = ("LongTermDebtNoncurrent", "LongTermDebtAndCapitalLeaseObligations")
OPERATING_LEASE_CURRENT = ("OperatingLeaseLiabilityCurrent",)
OPERATING_LEASE_NONCURRENT = ("OperatingLeaseLiabilityNoncurrent",)
FINANCE_LEASE_CURRENT = ("FinanceLeaseLiabilityCurrent",)
FINANCE_LEASE_NONCURRENT = ("FinanceLeaseLiabilityNoncurrent",)
# Totals, used only when neither the current nor the non-current part is tagged.
DEBT_TOTAL = ("LongTermDebt", "DebtInstrumentCarryingAmount")
OPERATING_LEASE_TOTAL = ("OperatingLeaseLiability",)
FINANCE_LEASE_TOTAL = ("FinanceLeaseLiability",)
BACKLOG = ("RevenueRemainingPerformanceObligation",)

REVENUE = ("Revenues", "RevenueFromContractWithCustomerExcludingAssessedTax",
           "RevenueFromContractWithCustomerIncludingAssessedTax")
INTEREST = ("InterestExpenseNonoperating", "InterestExpense", "InterestExpenseDebt")
DEPRECIATION = ("DepreciationDepletionAndAmortization", "DepreciationAndAmortization",
                "DepreciationAmortizationAndAccretionNet", "Depreciation")
CAPEX = ("PaymentsToAcquirePropertyPlantAndEquipment", "PaymentsToAcquireProductiveAssets")

def _ladder(remainder: str, stem: str, within: str = "") -> tuple[tuple[str, str], ...]:
    """The US-GAAP tags of one table of amounts due by period after its date: the rest of the fiscal year
    (``remainder``, whose name does not follow the others'), the next 12 months, years 2 to 5 (``stem`` +
    ``within`` + the period) and after year 5."""
    years = ((f"year {n}", f"{stem}{within}Year{word}") for n, word in ((2, "Two"), (3, "Three"), (4, "Four"), (5, "Five")))
    return (("rest of fiscal year", remainder), ("next 12 months", f"{stem}{within}NextTwelveMonths"), *years,
            ("after year 5", f"{stem}AfterYearFive"))


_DEBT = "LongTermDebtMaturitiesRepaymentsOfPrincipal"
_OL = "LesseeOperatingLeaseLiabilityPaymentsDue"
_FL = "FinanceLeaseLiabilityPaymentsDue"
#: Principal due, by period after the table's date (the 10-K's debt footnote).
MATURITIES = _ladder(f"{_DEBT}RemainderOfFiscalYear", _DEBT, "In")
#: Undiscounted lease payments due, by period after the table's date; total and imputed interest.
OPERATING_LEASE_PAYMENTS = (*_ladder("LesseeOperatingLeaseLiabilityPaymentsRemainderOfFiscalYear", _OL),
                            ("total undiscounted", _OL),
                            ("less imputed interest", "LesseeOperatingLeaseLiabilityUndiscountedExcessAmount"))
FINANCE_LEASE_PAYMENTS = (*_ladder("FinanceLeaseLiabilityPaymentsRemainderOfFiscalYear", _FL),
                          ("total undiscounted", _FL),
                          ("less imputed interest", "FinanceLeaseLiabilityUndiscountedExcessAmount"))


@dataclass(frozen=True)
class Line:
    """An opening value: ``value`` (USD) from ``parts`` (sign, label, figure), or None with ``missing`` saying why."""

    value: float | None
    parts: tuple[tuple[int, str, Figure], ...] = ()
    missing: str = ""
    absent: tuple[str, ...] = ()  # optional parts not tagged, counted as zero


@dataclass(frozen=True)
class Table:
    """A tagged table (maturity ladder, lease payments) at ``as_at``: (label, figure) rows."""

    title: str
    as_at: dt.date
    rows: tuple[tuple[str, Figure], ...]


@dataclass
class DraftFacts:
    """Everything ``stress draft`` takes from the filing, chosen for one balance-sheet date."""

    name: str
    cik: int
    ticker: str | None
    as_of: dt.date
    balance_date: dt.date
    opening: dict[str, Line]
    reported: dict[str, Figure | None]
    backlog: Figure | None
    calibration: dict[str, Figure | None]
    tables: list[Table]
    items: dict[str, Figure | None] = field(default_factory=dict)
    facts: CompanyFacts | None = None


def _sum(cf: CompanyFacts, d: dt.date, *groups: tuple[str, ...]) -> list[Figure]:
    return [f for g in groups if (f := cf.instant(g, d)) is not None]


def gather(cf: CompanyFacts, as_of: dt.date) -> DraftFacts:
    """Choose every drafted figure for the balance sheet nearest ``as_of`` (refused if none within 10 days)."""
    d = cf.balance_sheet_date(as_of)
    items = {key: cf.instant(concepts, d) for key, concepts in (
        ("cash", CASH), ("receivables", RECEIVABLES), ("ppe", PPE), ("assets", ASSETS),
        ("liabilities", LIABILITIES), ("liabilities_and_equity", LIABILITIES_AND_EQUITY), ("equity", EQUITY),
        ("debt_current", DEBT_CURRENT), ("debt_noncurrent", DEBT_NONCURRENT),
        ("operating_lease_current", OPERATING_LEASE_CURRENT), ("operating_lease_noncurrent", OPERATING_LEASE_NONCURRENT),
        ("finance_lease_current", FINANCE_LEASE_CURRENT), ("finance_lease_noncurrent", FINANCE_LEASE_NONCURRENT),
    )}
    for total, current, noncurrent in (("debt_total", "debt_current", "debt_noncurrent"),
                                       ("operating_lease_total", "operating_lease_current", "operating_lease_noncurrent"),
                                       ("finance_lease_total", "finance_lease_current", "finance_lease_noncurrent")):
        concepts = {"debt_total": DEBT_TOTAL, "operating_lease_total": OPERATING_LEASE_TOTAL,
                    "finance_lease_total": FINANCE_LEASE_TOTAL}[total]
        # a total (current and non-current together) only when the balance sheet tags neither part
        items[total] = cf.instant(concepts, d) if items[current] is None and items[noncurrent] is None else None
    items["restricted_cash_current"] = cf.instant(RESTRICTED_CURRENT, d)
    items["restricted_cash_noncurrent"] = cf.instant(RESTRICTED_NONCURRENT, d)
    reported = {"reported_equity": items["equity"], "reported_total_assets": items["assets"],
                "reported_total_liabilities": items["liabilities"]}
    if reported["reported_total_liabilities"] is None and items["liabilities_and_equity"] and items["equity"]:
        le, eq = items["liabilities_and_equity"], items["equity"]
        reported["reported_total_liabilities"] = Figure(
            f"{le.concept} less {eq.concept}", le.value - eq.value, le.period, tuple(dict.fromkeys(le.accns + eq.accns)),
            "Liabilities not tagged")
    opening = {
        "cash": _single(items["cash"], "cash and cash equivalents"),
        "receivables": _single(items["receivables"], "accounts receivable, net"),
        "other_assets": _less(reported["reported_total_assets"], "total assets",
                              [("cash", items["cash"]), ("receivables", items["receivables"]),
                               ("PP&E net (to the fleet)", items["ppe"])]),
        "other_liabilities": _less(reported["reported_total_liabilities"], "total liabilities",
                                   _liability_parts(items), optional=True),
    }
    calibration = {"revenue": cf.quarter(REVENUE, d), "interest expense": cf.quarter(INTEREST, d),
                   "depreciation and amortisation": cf.quarter(DEPRECIATION, d),
                   "capex (cash paid for PP&E)": cf.quarter(CAPEX, d)}
    tables = [t for t in (_table(cf, "debt maturities (principal)", MATURITIES, d),
                          _table(cf, "operating lease payments due (undiscounted)", OPERATING_LEASE_PAYMENTS, d),
                          _table(cf, "finance lease payments due (undiscounted)", FINANCE_LEASE_PAYMENTS, d)) if t]
    return DraftFacts(cf.name, cf.cik, cf.ticker(), as_of, d, opening, reported, cf.instant(BACKLOG, d),
                      calibration, tables, items, cf)


def _liability_parts(items: dict[str, Figure | None]) -> list[tuple[str, Figure | None]]:
    """Debt and lease liabilities the schedules carry: current and non-current, or the total where only it is tagged."""
    parts: list[tuple[str, Figure | None]] = []
    for key, what, where in (("debt", "debt", "debt"), ("operating_lease", "operating lease liabilities", "leases"),
                             ("finance_lease", "finance lease liabilities", "leases")):
        if items[f"{key}_total"] is not None:
            parts.append((f"{what}, current and non-current (to {where})", items[f"{key}_total"]))
        else:
            parts += [(f"{what}, current (to {where})", items[f"{key}_current"]),
                      (f"{what}, non-current (to {where})", items[f"{key}_noncurrent"])]
    return parts


def _single(fig: Figure | None, what: str) -> Line:
    if fig is None:
        return Line(None, missing=f"{what} is not tagged at the balance-sheet date")
    return Line(fig.value, ((1, what, fig),))


def _less(total: Figure | None, what: str, parts: list[tuple[str, Figure | None]], optional: bool = False) -> Line:
    """``total`` less each tagged part. A part not tagged counts as zero when ``optional`` (a firm without
    finance leases), else the line is missing (total assets without tagged cash would hide the cash)."""
    if total is None:
        return Line(None, missing=f"{what} is not tagged at the balance-sheet date")
    absent = [label for label, fig in parts if fig is None]
    if absent and not optional:
        return Line(None, missing=f"{what} less {', '.join(absent)}: not tagged at the balance-sheet date")
    kept = [(-1, label, fig) for label, fig in parts if fig is not None]
    value = total.value + sum(sign * fig.value for sign, _, fig in kept)
    return Line(value, ((1, what, total), *kept), absent=tuple(absent))


def _table(cf: CompanyFacts, title: str, rows: tuple[tuple[str, str], ...], d: dt.date) -> Table | None:
    concepts = tuple(c for _, c in rows)
    at = cf.table_date(concepts, d)
    if at is None:
        return None
    found = tuple((label, fig) for label, concept in rows if (fig := cf.instant((concept,), at)) is not None)
    return Table(title, at, found) if found else None
