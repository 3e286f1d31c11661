"""Build the credit-review workbook from Results: the sheets in reading order, styles, names and checks.

``build_workbook`` returns an openpyxl ``Workbook`` (nothing is written to
disk here; see ``stress.report.workbook.write_report``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook

from stress.analysis.suite import Analyses
from stress.engine.results import Results
from stress.model.scenario import Scenario
from stress.report.workbook import grid as g
from stress.report.workbook import styles as st
from stress.report.workbook.analyses import write_analyses
from stress.report.workbook.assumptions import write_assumptions
from stress.report.workbook.cached import ValuedWorkbook
from stress.report.workbook.checks import write_checks
from stress.report.workbook.covenants import write_covenants
from stress.report.workbook.methodology import write_methodology
from stress.report.workbook.programmes import has_programmes, write_programmes
from stress.report.workbook.schedules import write_debt, write_fleet, write_leases
from stress.report.workbook.statements import write_scenario
from stress.report.workbook.summary import SummaryInputs, write_summary

FIXED_SHEETS = ("Summary", "Assumptions", "Debt", "Leases", "Fleet", "Programmes", "Covenants", "Checks", "Methodology")


def make_grid(results: Results) -> g.QuarterColumns:
    ends = [p.end_time.date() for p in results.periods]
    return g.QuarterColumns(list(results.quarters), ends, results.company.as_of)


def _verdict_line(results: Results, w: int) -> str:
    e = results.events(w)
    breach = f"{e.first_breach} ({e.first_breach_covenant})" if e.first_breach else "none"
    maturity = f"{e.maturity_default} ({e.maturity_default_tranche})" if e.maturity_default else "none"
    return (f"Verdict: {results.verdicts[w].value.upper()}. First covenant breach: {breach}; liquidity default: "
            f"{e.liquidity_default or 'none'}; maturity default: {maturity}.")


def build_workbook(results: Results, scenarios: Sequence[Scenario] = (), profile_path: str | Path | None = None,
                   generated: dt.datetime | None = None, analyses: Analyses | None = None) -> Workbook:
    """The whole workbook for ``results``; ``scenarios`` supply descriptions and shocks (matched by name), by
    default those the results were run with. The profile's path and comments come with the results
    (``results.source``); ``profile_path`` is for results projected from a Company in memory."""
    source = results.source
    scenarios = list(scenarios) or results.scenarios
    profile_path = profile_path or (source.path if source is not None else None)
    comments = source.comments if source is not None else {}  # a Company built in memory has none
    wb = ValuedWorkbook()
    st.register(wb)
    grid = make_grid(results)
    by_name = {s.name: s for s in scenarios}
    taken = {name.lower() for name in FIXED_SHEETS}
    scenario_titles = [st.sheet_title(name, taken) for name in results.world_names]

    summary = st.first_sheet(wb)
    summary.title = "Summary"
    assumptions = wb.create_sheet("Assumptions")
    scenario_ws = [wb.create_sheet(t) for t in scenario_titles]
    debt_ws, lease_ws, fleet_ws = wb.create_sheet("Debt"), wb.create_sheet("Leases"), wb.create_sheet("Fleet")
    programmes_ws = wb.create_sheet("Programmes") if has_programmes(results) else None
    covenant_ws, checks_ws, method_ws = wb.create_sheet("Covenants"), wb.create_sheet("Checks"), wb.create_sheet("Methodology")

    company = results.company
    for w, ws in enumerate(scenario_ws):
        name = results.world_names[w]
        desc = by_name[name].description if name in by_name else ""
        headline = f"{company.name}: {name} ({results.cases[w]} case)" + (f". {desc}" if desc else "")
        write_scenario(ws, results, w, grid, headline, _verdict_line(results, w))
    debt = write_debt(debt_ws, results, grid, scenario_titles)
    leases = write_leases(lease_ws, results, grid)
    fleet = write_fleet(fleet_ws, results, grid, debt_ws.title, debt)
    if programmes_ws is not None:
        write_programmes(programmes_ws, results, grid)
    names = write_covenants(wb, covenant_ws, results, grid, scenario_titles, fleet_ws.title, fleet)
    write_checks(wb, checks_ws, results, grid, scenario_titles, debt_ws.title, debt, lease_ws.title, leases)
    write_assumptions(assumptions, company, [by_name[n] for n in results.world_names if n in by_name], comments)
    sources = {k.removeprefix("sources."): v for k, v in comments.items() if k.startswith("sources.")}
    write_summary(summary, results, grid, scenario_titles,
                  names, SummaryInputs(str(profile_path) if profile_path else None, generated or dt.datetime.now(), by_name, sources))
    write_methodology(method_ws)
    if analyses is not None:
        write_analyses(wb, analyses, list(results.quarters))
    st.footers(wb, st.firm_as_of(company.name, company.ticker, company.as_of))
    wb.active = 0
    return wb
