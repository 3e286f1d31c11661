"""What ``stress show`` tells about a profile before any projection.

Each function returns a pandas frame in USD (the report layer scales to
USD m). Nothing here depends on a scenario: these are the contractual
schedules as they stand at ``as_of``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from stress.engine.amortisation import scheduled_principal
from stress.engine.compiled import base_rate_now, compile_company
from stress.engine.depreciation import book_value_at
from stress.engine.leases import schedule
from stress.engine.timeline import Timeline, fiscal_years, quarter_of
from stress.model.capital import FinancingStatus
from stress.model.company import Company
from stress.model.debt import Amortisation, DebtKind, Tranche


def current_rate(tranche: Tranche, base_rate: float) -> float:
    """All-in annual rate today: fixed coupon, or max(base, floor) + spread."""
    q = tranche.rate
    return max(base_rate, tranche.floor) + q.spread if q.floating else q.spread


def capital_structure(c: Company) -> pd.DataFrame:
    rows = [
        {
            "tranche": t.name, "kind": t.kind.value, "seniority": t.rank.value, "drawn_usd": t.balance,
            "limit_usd": t.limit if t.limit is not None else t.balance, "undrawn_usd": t.undrawn_usd,
            "rate": t.rate.label, "rate_today": current_rate(t, base_rate_now(c)),
            "maturity": t.maturity, "amortisation": t.amortisation.value, "secured_by": ", ".join(t.secured_by),
            "status": t.status.value + (f" from {t.available_from}" if t.available_from and t.available_from > c.as_of else ""),
        }
        for t in c.debt
    ]
    return pd.DataFrame(rows)


def _first_amortising(t: Tranche, c: Company) -> pd.Period:
    """The first quarter principal can fall due: ``amortise_from`` (a date, or at completion the last
    in-service quarter of the cohorts it is secured on, as scheduled), else the first projected quarter."""
    start = quarter_of(c.as_of) + 1
    if isinstance(t.amortise_from, dt.date):
        return max(start, quarter_of(t.amortise_from))
    if t.amortise_from == "completion":
        due = [quarter_of(k.in_service) + 1 for k in c.cohorts if k.name in t.secured_by]
        return max([start, *due])
    return start


def _sculpted_cfads(t: Tranche, c: Company) -> np.ndarray:
    """(Q,) this tranche's share of its vehicle's contracted cash flow as signed, by drawn balance at as_of."""
    cc = compile_company(c)
    v = next(i for i, veh in enumerate(c.vehicles) if t.name in veh.facilities)
    peers = [x.balance for x in c.debt if x.name in c.vehicles[v].facilities and x.target_dscr]
    return cc.vehicles.base_cfads[v] * (t.balance / sum(peers) if sum(peers) else 0.0)  # type: ignore[no-any-return]


def principal_schedule(t: Tranche, c: Company) -> pd.Series:
    """Contractual principal of the drawn balance by quarter to maturity, USD (no new draws), on the tranche's
    method: dated instalments, sculpted to the vehicle's cash flow as signed, or the formula methods."""
    quarters = pd.period_range(quarter_of(c.as_of) + 1, quarter_of(t.maturity), freq="Q")
    rate_q = current_rate(t, base_rate_now(c)) / 4.0
    first = _first_amortising(t, c)
    dated = {quarter_of(s.date): s.amount if s.amount is not None else s.share * t.balance  # type: ignore[operator]
             for s in t.schedule}
    cfads = _sculpted_cfads(t, c) if t.amortisation is Amortisation.SCULPTED else None
    balance = np.array([t.balance])
    paid = []
    for i, quarter in enumerate(quarters):
        left = len(quarters) - i
        if left == 1:
            p = balance.copy()
        elif quarter < first:
            p = np.zeros(1)
        elif t.amortisation is Amortisation.SCHEDULE:
            p = np.minimum(dated.get(quarter, 0.0), balance)
        elif cfads is not None:
            p = np.clip(cfads[min(i, len(cfads) - 1)] / (t.target_dscr or 1.0) - balance * rate_q, 0.0, balance)
        else:
            p = scheduled_principal(balance, left, rate_q, t.amortisation)
        paid.append(float(p[0]))
        balance = balance - p
    return pd.Series(paid, index=quarters, name=t.name)


def maturity_ladder(c: Company) -> pd.DataFrame:
    """Principal due per tranche (rows) and fiscal year (columns), USD; a ``Total`` row."""
    series = [principal_schedule(t, c) for t in c.debt if t.balance > 0]
    if not series:
        return pd.DataFrame()
    fy_end = c.reporting.fiscal_year_end
    by_year = pd.DataFrame({s.name: s.groupby(fiscal_years(s.index, fy_end)).sum() for s in series}).fillna(0.0).T
    by_year.loc["Total"] = by_year.sum()
    return by_year


def lease_commitments(c: Company) -> pd.DataFrame:
    """Undiscounted lease payments by the firm's (fiscal) year, USD, split commenced / not yet commenced."""
    if not c.leases:
        return pd.DataFrame()
    last = max(quarter_of(x.end) for x in c.leases)
    timeline = Timeline.build(c.as_of, int((last - quarter_of(c.as_of)).n))
    years = fiscal_years(timeline.quarters, c.reporting.fiscal_year_end)
    out: dict[str, pd.Series] = {}
    for lease in c.leases:
        status = "commenced" if lease.start <= c.as_of else "not yet commenced"
        pay = pd.Series(schedule(lease, timeline).payment, index=years).groupby(level=0).sum()
        out[status] = out.get(status, 0) + pay
    frame = pd.DataFrame(out).fillna(0.0)
    frame["total"] = frame.sum(axis=1)
    return frame


def fleet_table(c: Company) -> pd.DataFrame:
    rows = []
    for section, items in (("owned", c.fleet), ("planned", c.capex_plan)):
        for k in items:
            age = max(0.0, (c.as_of - k.in_service).days / 365.25)
            rows.append({
                "cohort": k.name, "status": section, "gpu": k.gpu, "units": k.units, "in_service": k.in_service,
                "age_years": age if section == "owned" else 0.0, "life_years": k.useful_life_years,
                "economic_life_years": k.economic_life, "gross_cost_usd": k.gross_cost_usd,
                "book_value_usd": book_value_at(k, c.as_of) if section == "owned" else k.gross_cost_usd,
                "funded_by": getattr(k, "programme", None) or getattr(k, "funded_by", None) or "",
            })
    return pd.DataFrame(rows)


def contract_table(c: Company) -> pd.DataFrame:
    """Each contract with its remaining value (backlog) after as_of, USD.

    Counts whole days from the later of ``start`` and the day after ``as_of``
    to ``end``, both inclusive.
    """
    rows = []
    for k in c.contracts:
        first = max(k.start, c.as_of + dt.timedelta(days=1))
        hours = ((k.end - first).days + 1) * 24.0
        rows.append({
            "customer": k.customer, "gpu": k.gpu, "gpus": k.gpus, "price_per_gpu_hour": k.price_per_gpu_hour,
            "start": k.start, "end": k.end, "investment_grade": k.investment_grade, "status": k.status.value,
            "programme": k.programme or "",
            "backlog_usd": k.gpus * k.price_per_gpu_hour * max(hours, 0.0),
        })
    frame = pd.DataFrame(rows)
    if not frame.empty:
        frame["share_of_backlog"] = frame["backlog_usd"] / frame["backlog_usd"].sum()
    return frame


def customer_concentration(c: Company) -> pd.DataFrame:
    """Backlog by customer, largest first, with its share, USD."""
    contracts = contract_table(c)
    if contracts.empty:
        return contracts
    by = contracts.groupby("customer")["backlog_usd"].sum().sort_values(ascending=False)
    return pd.DataFrame({"backlog_usd": by, "share": by / by.sum()})


#: The columns of ``case_split``: what the committed case counts, what the plan case adds, what neither counts.
CASE_COLUMNS = ("committed", "plan adds", "not counted")


def case_split(c: Company) -> pd.DataFrame:
    """What the two cases differ by, USD: rows debt (limit, and the part still to draw or issue), equity to
    raise and contract backlog; columns ``CASE_COLUMNS``. Planned financing and awarded contracts are what the
    plan case adds; pipeline contracts are not counted unless ``plan_includes_pipeline``."""
    def debt(status: FinancingStatus, undrawn: bool) -> float:
        return sum((t.undrawn_usd if undrawn else (t.limit or t.balance)) for t in c.debt if t.status is status)

    def equity(status: FinancingStatus) -> float:
        return sum(e.amount for e in c.equity if e.status is status)

    backlog = contract_table(c).groupby("status")["backlog_usd"].sum() if c.contracts else pd.Series(dtype=float)
    pipeline = float(backlog.get("pipeline", 0.0))
    rows = {
        "Debt facilities (limit)": (debt(FinancingStatus.COMMITTED, False), debt(FinancingStatus.PLANNED, False), 0.0),
        "  still to draw or issue": (debt(FinancingStatus.COMMITTED, True), debt(FinancingStatus.PLANNED, True), 0.0),
        "Equity to raise": (equity(FinancingStatus.COMMITTED), equity(FinancingStatus.PLANNED), 0.0),
        "Contract backlog": (float(backlog.get("committed", 0.0)),
                             float(backlog.get("awarded", 0.0)) + (pipeline if c.plan_includes_pipeline else 0.0),
                             0.0 if c.plan_includes_pipeline else pipeline),
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(CASE_COLUMNS))


def undrawn_committed(c: Company) -> float:
    """Undrawn revolver and delayed-draw capacity committed at as_of, USD."""
    return sum(t.undrawn_usd for t in c.debt if t.kind in (DebtKind.REVOLVER, DebtKind.DELAYED_DRAW)
               and t.status is FinancingStatus.COMMITTED)


def vehicles_table(c: Company) -> pd.DataFrame:
    """One row per financing vehicle: what it borrows (drawn and limit at as_of), owns and collects, its
    recourse to the parent and its covenants."""
    rows = []
    for v in c.vehicles:
        tranches = [c.tranche(n) for n in v.facilities]
        tests = [f"{x.metric.value} {'≥' if x.is_minimum else '≤'} {x.threshold:g}"
                 + (f" ({x.consequence.value.replace('_', ' ')})" if x.kind.value == "maintenance" else " (incurrence)")
                 for x in c.covenants if x.tested_at == v.name]
        rows.append({"vehicle": v.name, "facilities": ", ".join(v.facilities),
                     "drawn_usd": sum(t.balance for t in tranches),
                     "limit_usd": sum(t.limit if t.limit is not None else t.balance for t in tranches),
                     "recourse": v.recourse.value, "reserve_quarters": v.reserve_quarters, "sweep": v.sweep,
                     "covenants": "; ".join(tests) or "none"})
    return pd.DataFrame(rows)
