"""All Rich rendering: errors, warnings and the profile view (``stress show``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from stress.analysis import profile as pa
from stress.engine.opening import OpeningBalance
from stress.errors import InputError, Problem, clip, shown_value
from stress.io.profiles import LoadedProfile
from stress.report.format import clean, count, date, pct, usd_m
from stress.report.table_fit import LabelledTable, fit

#: Problems shown before the panel says "and N more", to stay on one screen.
MAX_PROBLEMS_SHOWN = 25

#: Width used when output is not a terminal (pipes, files, CI logs) and ``COLUMNS`` is not set.
PIPE_WIDTH = 160

#: The narrowest width honoured from ``COLUMNS``: below it a row label and one figure no longer fit.
MIN_WIDTH = 40


def piped_width(environ: Mapping[str, str] = os.environ) -> int:
    """The width of output that is not a terminal: ``COLUMNS`` when it is a whole number (at least
    ``MIN_WIDTH``), else ``PIPE_WIDTH``."""
    columns = environ.get("COLUMNS", "").strip()
    return max(MIN_WIDTH, int(columns)) if columns.isdigit() and int(columns) > 0 else PIPE_WIDTH


class SafeConsole(Console):
    """A Rich console that never passes a control character from the text it prints to the terminal.

    Every print goes through here, so a profile's name holding ``\\x1b]0;...``, ``\\x07`` or ``\\r`` is shown
    without them (``format.clean``) wherever it is printed; Rich's own styling and cursor control (segments
    it marks as control) are untouched.
    """

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        return super()._render_buffer(seg if seg.control else Segment(clean(seg.text), seg.style)
                                      for seg in buffer)

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """Print as Rich does, a table wider than the console split into stacked blocks of its columns
        (``table_fit.fit``), so that no figure is ever cut to fit."""
        width = kwargs.get("width") or self.width
        super().print(*(part for o in objects for part in (fit(self, o, width) if isinstance(o, Table) else [o])),
                      **kwargs)


stdout = SafeConsole(width=None if sys.stdout.isatty() else piped_width())
stderr = SafeConsole(stderr=True, width=None if sys.stderr.isatty() else piped_width())


def _problem_line(p: Problem) -> Text:
    line = Text("• ")
    line.append(clip(p.path) or "(file)", style="bold cyan")
    if p.line is not None:
        line.append(f" line {p.line}, column {p.column}", style="cyan")
    line.append(f": {clip(p.message)}")
    if p.value is not None:
        line.append(f"  (got {shown_value(p.value)})", style="yellow")
    return line


def problems_panel(err: InputError) -> Panel:
    lines = [_problem_line(p) for p in err.problems[:MAX_PROBLEMS_SHOWN]]
    if len(err.problems) > MAX_PROBLEMS_SHOWN:
        lines.append(Text(f"… and {len(err.problems) - MAX_PROBLEMS_SHOWN} more", style="dim"))
    title = f"[bold red]{escape(str(err.file))}[/]: invalid {err.kind} — {len(err.problems)} problem(s)"
    return Panel(Group(*lines), title=title, title_align="left", border_style="red")


def warnings_panel(loaded: LoadedProfile) -> Panel:
    return Panel(Group(*map(_problem_line, loaded.warnings)), title=f"[yellow]{escape(str(loaded.path))}[/]: warnings",
                 title_align="left", border_style="yellow")


def print_validation(loaded: list[LoadedProfile], failed: list[InputError]) -> None:
    for err in failed:
        stderr.print(problems_panel(err))
    for ok in loaded:
        if ok.warnings:
            stderr.print(warnings_panel(ok))
        stdout.print(f"[green]✓[/] {escape(str(ok.path))}: {escape(ok.company.name)} as of {ok.company.as_of} is valid")


def _table(title: str, columns: list[tuple[str, str]], labels: int = 1) -> LabelledTable:
    """A table whose first ``labels`` columns label its rows; right- and centre-justified columns hold
    figures, never wrapped (the console splits a table too wide for it: ``table_fit``)."""
    table = LabelledTable(title=title, title_justify="left", title_style="bold", labels=labels)
    for i, (name, justify) in enumerate(columns):
        table.add_column(name, justify=justify, no_wrap=i < labels or justify != "left")  # type: ignore[arg-type]
    return table


def capital_structure_table(frame: pd.DataFrame) -> Table:
    t = _table("Capital structure (USD m)", [("Tranche", "left"), ("Kind", "left"), ("Seniority", "left"),
               ("Drawn", "right"), ("Limit", "right"), ("Undrawn", "right"), ("Rate", "left"),
               ("Rate today", "right"), ("Maturity", "left"), ("Amortisation", "left"), ("Status", "left")])
    for r in frame.itertuples():
        t.add_row(r.tranche, r.kind, r.seniority, usd_m(r.drawn_usd), usd_m(r.limit_usd), usd_m(r.undrawn_usd),
                  r.rate, pct(r.rate_today, 2), date(r.maturity), r.amortisation, r.status)
    t.add_section()
    t.add_row("Total", "", "", usd_m(frame.drawn_usd.sum()), usd_m(frame.limit_usd.sum()),
              usd_m(frame.undrawn_usd.sum()), "", "", "", "", "", style="bold")
    return t


def vehicles_table(frame: pd.DataFrame) -> Table:
    t = _table("Financing vehicles (USD m): ring-fenced borrowers; recourse is what the parent owes",
               [("Vehicle", "left"), ("Facilities", "left"), ("Drawn", "right"), ("Limit", "right"),
                ("Recourse", "left"), ("Reserve (q)", "right"), ("Sweep", "right"), ("Covenants", "left")])
    for r in frame.itertuples():
        t.add_row(escape(r.vehicle), escape(r.facilities), usd_m(r.drawn_usd), usd_m(r.limit_usd), r.recourse,
                  f"{r.reserve_quarters:g}", pct(r.sweep, 0), escape(r.covenants))
    return t


def case_split_table(frame: pd.DataFrame, as_of: object) -> Table:
    """Financing and contracts by what each case counts (companies/README.md, "The convention"), USD m."""
    t = _table(f"Committed and planned (USD m): the committed case counts what was signed or closed by {as_of}; "
               "the plan case adds planned financing and awarded contracts",
               [("", "left"), *((str(col).capitalize(), "right") for col in frame.columns)])
    for label, row in frame.iterrows():
        t.add_row(str(label), *(usd_m(v) for v in row))
    return t


def year_matrix_table(title: str, frame: pd.DataFrame, total_label: str = "Total") -> Table:
    """Rows x the firm's (fiscal) years in USD m; the ``total_label`` row is bold."""
    t = _table(title, [("", "left"), *((str(y), "right") for y in frame.columns)])
    for label, row in frame.iterrows():
        if label == total_label:
            t.add_section()
        t.add_row(str(label), *(usd_m(v) for v in row), style="bold" if label == total_label else None)
    return t


def lease_commitments_table(frame: pd.DataFrame) -> Table:
    """The firm's (fiscal) years down, commenced / not yet commenced / total across, USD m."""
    t = _table("Lease commitments: undiscounted payments by year (USD m)",
               [("Year", "left"), *((str(col), "right") for col in frame.columns)])
    for year, row in frame.iterrows():
        t.add_row(str(year), *(usd_m(v) for v in row))
    t.add_section()
    t.add_row("Total", *(usd_m(v) for v in frame.sum()), style="bold")
    return t


def fleet_cohort_table(frame: pd.DataFrame) -> Table:
    t = _table("Fleet cohorts (USD m)", [("Cohort", "left"), ("Status", "left"), ("GPU", "left"), ("Units", "right"),
               ("In service", "left"), ("Age (y)", "right"), ("Life (y)", "right"), ("Gross cost", "right"),
               ("Book value", "right"), ("Programme / funded by", "left")])
    for r in frame.itertuples():
        t.add_row(r.cohort, r.status, r.gpu, count(r.units), date(r.in_service), f"{r.age_years:.1f}",
                  f"{r.life_years:g}", usd_m(r.gross_cost_usd), usd_m(r.book_value_usd), r.funded_by)
    return t


def contracts_table(frame: pd.DataFrame, concentration: pd.DataFrame, reported_backlog: float | None) -> tuple[Table, Table]:
    """The contracts with backlog by status, and the backlog by customer (tables, so the console can fit them)."""
    t = _table("Contracts (USD m; backlog = remaining GPU-hours x price)", [("Customer", "left"), ("GPU", "left"),
               ("GPUs", "right"), ("$/GPU-h", "right"), ("Start", "left"), ("End", "left"), ("IG", "center"),
               ("Backlog", "right"), ("Share", "right"), ("Status", "left"), ("Programme", "left")])
    for r in frame.itertuples():
        t.add_row(r.customer, r.gpu, count(r.gpus), f"{r.price_per_gpu_hour:.2f}", date(r.start), date(r.end),
                  "yes" if r.investment_grade else "no", usd_m(r.backlog_usd), pct(r.share_of_backlog), r.status, r.programme)
    t.add_section()
    for status, backlog in frame.groupby("status")["backlog_usd"].sum().items():
        t.add_row(f"  {status}", "", "", "", "", "", "", usd_m(backlog), "", "", "")
    t.add_row("Total", "", "", "", "", "", "", usd_m(frame.backlog_usd.sum()), "", "", "", style="bold")
    if reported_backlog is not None:
        t.add_row("Reported backlog", "", "", "", "", "", "", usd_m(reported_backlog), "", "", "")
    c = _table("Customer concentration", [("Customer", "left"), ("Backlog (USD m)", "right"), ("Share", "right")])
    for name, r in concentration.iterrows():
        c.add_row(str(name), usd_m(r.backlog_usd), pct(r.share))
    return t, c


def _reported(amount: float | None) -> str:
    return "" if amount is None else usd_m(amount)


def reconciliation_table(ob: OpeningBalance) -> Table:
    t = _table("Opening balance sheet: derived from the schedules vs reported (USD m)",
               [("Line", "left"), ("Derived", "right"), ("Reported", "right"), ("Gap", "right")])
    for label, value in (("Cash", ob.cash), ("Receivables", ob.receivables), ("Fleet PP&E (net book)", ob.ppe),
                         ("Construction in progress", ob.construction_in_progress),
                         ("Right-of-use assets", ob.rou_assets), ("Other assets", ob.other_assets)):
        if value or not label.startswith("Construction"):
            t.add_row(label, usd_m(value), "", "")
    t.add_row("Total assets", usd_m(ob.total_assets), _reported(ob.reported_total_assets), _reported(ob.total_assets_gap), style="bold")
    for label, value in (("Debt (drawn principal)", ob.debt), ("Unamortised debt discount and fees", -ob.debt_discount),
                         ("Lease liabilities", ob.lease_liabilities), ("Other liabilities", ob.other_liabilities)):
        if value or label.startswith(("Debt", "Lease", "Other")):
            t.add_row(label, usd_m(value), "", "")
    t.add_row("Total liabilities", usd_m(ob.total_liabilities), _reported(ob.reported_total_liabilities),
              _reported(ob.total_liabilities_gap), style="bold")
    t.add_section()
    t.add_row("Equity", usd_m(ob.equity), _reported(ob.reported_equity), _reported(ob.equity_gap), style="bold")
    return t


def print_profile(loaded: LoadedProfile, opening: OpeningBalance) -> None:
    """The whole ``stress show`` view on stdout."""
    c = loaded.company
    stdout.print(Panel(f"[bold]{escape(c.name)}[/] ({escape(c.ticker)}) — as of {c.as_of}, horizon {c.horizon_quarters} quarters\n"
                       f"profile: {escape(str(loaded.path))}\nsources: {len(c.sources)} named", border_style="blue"))
    if loaded.warnings:
        stderr.print(warnings_panel(loaded))
    if c.debt:
        stdout.print(capital_structure_table(pa.capital_structure(c)))
        stdout.print(year_matrix_table("Maturity ladder: principal due by year (USD m)", pa.maturity_ladder(c)))
        stdout.print(f"Undrawn committed facilities (revolver, delayed draw): USD {usd_m(pa.undrawn_committed(c))} m")
    if c.vehicles:
        stdout.print(vehicles_table(pa.vehicles_table(c)))
    stdout.print(case_split_table(pa.case_split(c), c.as_of))
    if c.leases:
        stdout.print(lease_commitments_table(pa.lease_commitments(c)))
    if c.cohorts:
        stdout.print(fleet_cohort_table(pa.fleet_table(c)))
    if c.contracts:
        stdout.print(*contracts_table(pa.contract_table(c), pa.customer_concentration(c), c.reported_backlog))
    stdout.print(reconciliation_table(opening))
