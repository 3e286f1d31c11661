"""Rich rendering of ``stress batch``: progress on stderr, ranking, portfolio lines, failures."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import pandas as pd
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.text import Text

from stress.analysis.batch import FirmOutcome
from stress.report.console import _table, stderr, stdout
from stress.report.format import pct, times, usd_m

if TYPE_CHECKING:  # the annotation only: stress.api imports the joint Monte Carlo when --paths asks for it
    from stress.analysis.joint import JointResult

VERDICT_STYLE = {"pass": "green", "breach": "yellow", "default": "bold red"}


def spinner(text: str, enabled: bool) -> contextlib.AbstractContextManager[object]:
    """A spinner on stderr while a long step runs (only on a terminal)."""
    return stderr.status(text, spinner="dots") if enabled else contextlib.nullcontext()


@contextmanager
def progress_bar(total: int, enabled: bool) -> Iterator[Callable[[FirmOutcome], None]]:
    """A callback advancing a transient bar on stderr (firms done, elapsed, remaining); a no-op when disabled."""
    columns = (TextColumn("[bold]firms"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TextColumn("left"),
               TimeRemainingColumn())
    with Progress(*columns, console=stderr, transient=True, disable=not enabled) as progress:
        task = progress.add_task("batch", total=total)
        yield lambda outcome: progress.advance(task)


def _num(value: float, fmt: Callable[[float], str]) -> str:
    return "n.m." if value is None or (isinstance(value, (int, float)) and not math.isfinite(value)) else fmt(value)


def _market_pd(value: object) -> str:
    """The market-implied PD, or '–' for a firm without market signals."""
    return pct(value) if isinstance(value, (int, float)) and math.isfinite(value) else "–"


def _breakable(name: str) -> str:
    """A scenario name as a header that may wrap after its underscores ("customer_" / "default"), whole."""
    return escape(name.replace("_", "_\n"))


def print_ranking(ranking: pd.DataFrame, scenario_names: list[str], title: str) -> None:
    stdout.print(Panel(escape(title), border_style="blue"))
    if ranking.empty:
        stdout.print("[red]No firm could be run.[/]")
        return
    t = _table("Ranking: most fragile first (first default, then scenarios in default, then minimum liquidity; USD m)",
               [("#", "right"), ("Firm", "left"), ("First default", "left"), ("Min liquidity", "right"), ("under", "left"),
                ("Liq. headroom", "right"), ("Trough DSCR", "right"), ("Market PD", "right"),
                *((_breakable(s), "center") for s in scenario_names)], labels=2)
    for i, r in ranking.iterrows():
        first = f"{r.first_default} {r.first_default_scenario}" if isinstance(r.first_default, str) else "–"
        verdicts = [Text(str(r[f"verdict:{s}"])[0].upper(), style=VERDICT_STYLE.get(str(r[f"verdict:{s}"]), "")) for s in scenario_names]
        t.add_row(str(i + 1), escape(str(r.ticker)), escape(first), _num(r.min_liquidity, usd_m), escape(str(r.min_liquidity_scenario)),
                  _num(r.liquidity_headroom, pct), _num(r.trough_dscr, times), _market_pd(r.get("market_pd")), *verdicts)
    stdout.print(t)
    names = ", ".join(f"{r.ticker} {r.firm}" for _, r in ranking.iterrows())
    stdout.print(f"[dim]Verdicts: P pass, B covenant breach, D default. Firms: {escape(names)}.[/]")
    bases = [f"{r.ticker} {r.market_basis}" for _, r in ranking.iterrows() if isinstance(r.get("market_basis"), str)]
    if bases:
        stdout.print(f"[dim]Market PD: real-world PD over each firm's horizon implied by its dated market signals (a display, "
                     f"never an input; '–' no signals; `stress montecarlo` compares it with the model's PD; README, "
                     f"'Market view'): {escape('; '.join(bases))}.[/]")


def print_exposure(lines: pd.DataFrame, expected_loss: float | None, missing_weights: list[str]) -> None:
    t = _table("Portfolio exposure by scenario (USD m)", [("Scenario", "left"), ("Weight", "right"), ("Exposure", "right"),
               ("In default", "right"), ("In breach only", "right"), ("Loss", "right"), ("LGD", "right")])
    for name, r in lines.iterrows():
        t.add_row(escape(str(name)), _num(r.weight, pct), usd_m(r.exposure), usd_m(r.exposure_defaulting), usd_m(r.exposure_breaching),
                  usd_m(r.loss), _num(r.loss_given_default, pct))
    stdout.print(t)
    if expected_loss is not None:
        stdout.print(f"Probability-weighted expected loss: [bold]USD {usd_m(expected_loss)} m[/]")
    elif missing_weights:
        stderr.print(f"[yellow]No expected loss: the weights name scenarios not run: {escape(', '.join(missing_weights))}[/]")
    elif not lines["weight"].isna().all():
        stderr.print("[yellow]No expected loss: some members could not be run or valued (see the failures); "
                     "a loss over part of the book would understate it.[/]")


def print_failures(failures: pd.DataFrame) -> None:
    """Failed members, at the end, on stderr."""
    if failures.empty:
        return
    t = _table(f"Failures: {len(failures)} member(s) not run; every other firm was", [("Profile", "left"), ("Stage", "left"), ("Error", "left")])
    for _, r in failures.iterrows():
        t.add_row(escape(str(r.profile)), str(r.stage), escape(str(r.error)))
    stderr.print(t)


def print_joint(joint: JointResult) -> None:
    """The joint Monte Carlo of the book: PDs in one market, expected loss, defaults per path, linked pairs."""
    def count(n: float) -> str:
        return f"{n:,.0f}"

    period = f"{joint.calendar[0]}-{joint.calendar[-1]}" if joint.calendar else "no firm"
    t = _table(f"Joint Monte Carlo: {joint.paths:,} paths (seed {joint.seed}), one market for the book over {period}",
               [("Firm", "left"), ("PD", "right"), ("95% interval", "right"), ("Defaulting paths", "right"), ("Horizon", "left")])
    for r in joint.firm_rows():
        t.add_row(escape(f"{r['ticker']} {r['firm']}"), pct(r["probability_of_default"]),
                  f"{pct(r['pd_low'])}–{pct(r['pd_high'])}", count(r["default_paths"]), r["horizon"])
    stdout.print(t)
    rows = joint.exposure_rows()
    if rows:
        t = _table("Joint Monte Carlo: expected loss by exposure (USD m)", [("Firm", "left"), ("Exposure", "left"),
                   ("Amount", "right"), ("PD of the exposure", "right"), ("LGD", "right"), ("Expected loss", "right")])
        for r in rows:
            t.add_row(escape(str(r["ticker"])), escape(str(r["tranche"] or r["seniority"])), usd_m(r["amount"]),
                      pct(r["probability_of_default"]), _num(r["loss_given_default"], pct), usd_m(r["expected_loss"]))
        stdout.print(t)
        stdout.print(f"Joint Monte Carlo expected loss: [bold]USD {usd_m(joint.expected_loss())} m[/]")
    joint_dist, alone = joint.count_distribution(), joint.independent_distribution()
    t = _table("Firms defaulting in a path (each within its own horizon)", [("Firms", "right"), ("Probability", "right"),
               ("At least", "right"), ("At least, if independent", "right")])
    for k in range(len(joint_dist)):
        t.add_row(str(k), pct(joint_dist[k], 2), pct(sum(joint_dist[k:]), 2), pct(sum(alone[k:]), 2))
    stdout.print(t)
    links = joint.link_rows()
    if links:
        t = _table("Linked pairs: a tenant that is a member stops paying its landlord when it defaults (paths)",
                   [("Landlord", "left"), ("Tenant", "left"), ("Tenant defaults", "right"), ("Rent stops", "right"),
                    ("Landlord defaults", "right"), ("Both", "right"), ("Both, if independent", "right"),
                    ("Landlord PD | tenant default", "right")])
        for r in links:
            t.add_row(escape(str(r["landlord"])), escape(f"{r['tenant']} ({r['customer']})"), count(r["tenant_defaults"]),
                      count(r["customer_stops_paying"]), count(r["landlord_defaults"]), count(r["joint_defaults"]),
                      count(r["joint_if_independent"]), _num(r["landlord_pd_given_tenant_default"], pct))
        stdout.print(t)
    stdout.print("[dim]One market per path (GPU prices and crashes, the financing market, the base rate) for every firm; "
                 "each firm's own draws from its own seed; a customer that is a member defaults when it does. "
                 "'If independent': the same PDs with defaults independent.[/]")
    for note in joint.notes:
        stderr.print(f"[yellow]note:[/] {escape(note)}")
