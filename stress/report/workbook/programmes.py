"""The Programmes sheet: each build programme's status per quarter and scenario, then what each programme is.

The quarter grid comes first, as on the other schedule sheets: per scenario
(with its case), one row per programme giving its status at each quarter end
(scheduled, deferred, building, delivered or cancelled, coloured), then the
capex deferred and cancelled, the funding gap (due capex that planned
financing pays for) and its running total (a formula). Below the grid, per
programme: its capex cohorts (units, cost, quarter due), the contracts it
serves, the halls (leases) that house it and its funding sources with their
share and whether each was committed at as_of or only planned.

A capex cohort outside any programme is its own programme, named
"COHORT (cohort)", as the engine treats it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from stress.engine.compiled import CompiledCompany
from stress.engine.programmes import STATUS_NAMES
from stress.engine.results import Results
from stress.model.capital import Case, FinancingStatus
from stress.model.company import Company
from stress.model.contract import ContractStatus
from stress.model.programme import CASH
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st

#: Fill of each status cell, by status name.
STATUS_FILL = {"scheduled": "F2F2F2", "deferred": "FFEB9C", "building": "DDEBF7", "delivered": "C6EFCE",
               "cancelled": "FFC7CE"}
CUMULATIVE_GAP = "Funding gap, cumulative"


def has_programmes(results: Results) -> bool:
    """Whether the profile has programmes or capex cohorts (each cohort outside a programme is one)."""
    return bool(results.cc.programmes.names)


@dataclass(frozen=True)
class Funding:
    source: str
    share: float
    status: str  # committed | planned | cash on hand
    available: str  # date or "as_of"


def _status_of(company: Company, source: str) -> tuple[str, str]:
    if source == CASH:
        return "cash above the minimum", ""
    tranche = next((t for t in company.debt if t.name == source), None)
    if tranche is not None:
        return tranche.status.value, str(tranche.available_from or "as_of")
    raise_ = next((e for e in company.equity if e.name == source), None)
    if raise_ is not None:
        return raise_.status.value, str(raise_.date)
    return "?", ""


def funding_of(cc: CompiledCompany, programme: int) -> list[Funding]:
    """The funding sources of programme ``programme`` (an index into ``cc.programmes.names``), as the engine
    compiled them: each source's share of a cohort's cost (every cohort of a programme has the same shares)."""
    k = int(np.flatnonzero(cc.programmes.cohort_programme == programme)[0])
    sources = [*cc.tranche_names, *cc.financing.equity_names, CASH]
    return [Funding(sources[s], float(share), *_status_of(cc.company, sources[s]))
            for s, share in enumerate(cc.programmes.funding[k]) if share > 0]


def _in_cases(company: Company, status: ContractStatus) -> str:
    counted = [case.value for case in (Case.COMMITTED, Case.PLAN) if company.counts_contract(status, case)]
    return {2: "both cases", 1: f"{counted[0]} case only" if counted else "", 0: "neither case"}[len(counted)]


def write_programmes(ws: Worksheet, results: Results, grid: g.QuarterColumns) -> None:
    g.title(ws, "Build programmes: status by scenario and quarter, funding gap, and what each programme is (USD m)",
            "A cohort is bought in the quarter it is due only when every funding source can pay its share; otherwise it is "
            "deferred, and its programme is cancelled when it waits too long. Funding gap: due capex paid by planned financing.")
    g.header(ws, grid, corner="Status at quarter end; USD m", opening="As of")
    p = results.projection
    names = results.cc.programmes.names
    status = p.programme_status
    row = g.FIRST_DATA_ROW
    for w, scenario in enumerate(results.world_names):
        st.put_text(ws, row, g.LABEL_COL, f"Scenario: {scenario} ({results.cases[w]} case)", st.SECTION)
        row += 1
        for j, name in enumerate(names):
            st.put_text(ws, row, g.LABEL_COL, name, st.TEXT)
            for q in range(grid.n):
                text = STATUS_NAMES[int(status[w, j, q])] if status is not None else ""
                st.put(ws, row, g.QuarterColumns.col(q), text, st.TEXT)
                fill = STATUS_FILL.get(text)
                if fill:
                    ws.cell(row=row, column=g.QuarterColumns.col(q)).fill = PatternFill("solid", start_color=fill, end_color=fill)
            row += 1
        for key, label in (("capex_deferred", "Capex due and deferred (unfunded)"), ("capex_cancelled", "Capex cancelled"),
                           ("funding_gap", "Funding gap: due capex paid by planned financing")):
            st.put(ws, row, g.LABEL_COL, label, st.TEXT)
            for q, v in enumerate(p[key][w]):
                st.put(ws, row, g.QuarterColumns.col(q), float(v) / st.MILLION + 0.0, st.USD_M)
            row += 1
        gap = row - 1
        st.put(ws, row, g.LABEL_COL, CUMULATIVE_GAP, st.TEXT_BOLD)
        st.put(ws, row, g.OPENING_COL, 0.0, st.USD_M_TOTAL)
        for q in range(grid.n):
            st.put_formula(ws, row, g.QuarterColumns.col(q), f"={g.QuarterColumns.letter(q - 1)}{row}+{g.QuarterColumns.letter(q)}{gap}", st.USD_M_TOTAL)
        row += 2
    definitions = row
    _definitions(ws, results, row)
    g.finish(ws, grid, label_width=50)
    st.put_text(ws, 3, 1, f"What each programme is (cohorts, contracts, halls, funding): from row {definitions} (click).", st.NOTE)
    ws.cell(row=3, column=1).hyperlink = f"#{st.quote(ws.title)}!A{definitions}"


def _table(ws: Worksheet, row: int, title: str, heads: list[tuple[str, str | None]], rows: Sequence[tuple[object, ...]]) -> int:
    """``title``, then a header row and one row per item from column A (``None`` style: text). Returns the next free row."""
    st.put(ws, row, 1, title, st.TEXT_BOLD)
    if not rows:
        st.put(ws, row, 2, "none", st.NOTE)
        return row + 1
    for i, (h, _) in enumerate(heads, start=1):
        st.put(ws, row + 1, i, h, st.HEADER)
    ws.row_dimensions[row + 1].height = 27  # headers wrap onto two lines
    for r, values in enumerate(rows, start=row + 2):
        for i, ((_, style), v) in enumerate(zip(heads, values, strict=True), start=1):
            if style is None:
                st.put_text(ws, r, i, str(v), st.TEXT if i == 1 else st.WRAP)  # beyond column A, names wrap
            else:
                st.put(ws, r, i, v, style)
    return row + 2 + len(rows)


def _definitions(ws: Worksheet, results: Results, row: int) -> None:
    company, cc = results.company, results.cc
    cp = cc.programmes
    n_fleet = len(company.fleet)
    st.put(ws, row, 1, "What each programme is", st.SECTION)
    row += 1
    by_name = {x.name: x for x in company.programmes}
    for j, name in enumerate(cp.names):
        prog = by_name.get(name)
        facts = [f"cancelled after {int(cp.max_deferral[j])} quarters unfunded"]
        if prog is not None and prog.capacity_mw is not None:
            facts.insert(0, f"{prog.capacity_mw:,.0f} MW")
        st.put_text(ws, row, 1, f"{name}: " + ", ".join(facts), st.SECTION)
        row += 1
        cohorts = []
        for i, k in enumerate(company.capex_plan):
            if cp.cohort_programme[n_fleet + i] != j:
                continue
            q = int(cc.cohort_in_q[n_fleet + i])
            due = results.quarters[q] if 0 <= q < len(results.quarters) else str(k.in_service)
            cohorts.append((k.name, k.gpu, float(k.units), k.unit_cost / 1e3, k.gross_cost_usd / st.MILLION, due))
        row = _table(ws, row, "Cohorts", [("Cohort", None), ("GPU", None), ("Units", st.COUNT), ("Unit cost (USD k)", st.NUMBER),
                                          ("Cost (USD m)", st.USD_M), ("Due", None)], cohorts)
        contracts = [(c.label, c.customer, c.status.value, _in_cases(company, c.status), float(c.gpus), c.price_per_gpu_hour,
                      c.start, c.end, "never" if c.cancel_after_quarters is None else f"{c.cancel_after_quarters} quarters")
                     for c in company.contracts if c.programme == name]
        row = _table(ws, row, "Contracts served", [("Contract", None), ("Customer", None), ("Status", None), ("Counted in", None),
                                                   ("GPUs", st.COUNT), ("USD per GPU-hour", st.NUMBER), ("Start", st.DATE),
                                                   ("End", st.DATE), ("Lost if late by more than", None)], contracts)
        halls = [(x.name, x.annual_payment / st.MILLION, x.start, x.end) for x in company.leases if x.programme == name]
        row = _table(ws, row, "Halls (leases)", [("Lease", None), ("USD m a year", st.USD_M), ("Commences", st.DATE),
                                                 ("Ends", st.DATE)], halls)
        funding = [(f.source, f.share, f.status, f.available) for f in funding_of(cc, j)]
        row = _table(ws, row, "Funding", [("Source", None), ("Share", st.PCT), ("Status at as_of", None),
                                          ("Available from", None)], funding)
        row += 1
    planned = [t.name for t in company.debt if t.status is FinancingStatus.PLANNED]
    planned += [e.name for e in company.equity if e.status is FinancingStatus.PLANNED]
    st.put_text(ws, row, 1, "Planned financing (counted only in the plan case): " + (", ".join(planned) or "none") + ".", st.NOTE)
