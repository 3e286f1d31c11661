"""What the memo says, as text: the header, the scenario table, the PD, the breaking points, the debt table.

Every figure comes from the analysis the other reports use, formatted as the workbook and the console format
it (``stress.report.format``: USD m with negatives in parentheses, ratios in x, shares in per cent):

* the scenario table and the one-line answer: ``stress.analysis.compare`` (``stress run`` and the Summary sheet);
* the breaking points: ``stress.analysis.breakeven.breakeven_table`` on the case's compiled firm;
* the PD, its interval and the cash fan: ``stress.analysis.montecarlo.run_montecarlo``;
* the market-implied PD: ``stress.analysis.market_view`` over the Monte Carlo's horizon, compared as
  ``stress montecarlo`` compares it (``model_pd_for``: a vehicle's instrument against the vehicle's PD);
* capital structure and maturity ladder: ``stress.analysis.profile``; liquidity against the wall:
  ``stress.analysis.summary.maturity_wall``.

Nothing here lays out a page (``layout``) or draws (``charts``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stress import __version__
from stress.analysis.breakeven import Breakeven, Event, breakeven_table
from stress.analysis.compare import answer, comparison
from stress.analysis.market_view import MarketView, disagree, market_view, model_pd_for, times_apart
from stress.analysis.montecarlo import MonteCarloResult, run_montecarlo
from stress.analysis.profile import capital_structure, lease_commitments, maturity_ladder
from stress.analysis.summary import maturity_wall
from stress.engine.results import Results
from stress.engine.timeline import NEVER
from stress.report.format import clean, pct, times, usd_m
from stress.scenarios.drivers import DRIVERS


@dataclass(frozen=True)
class MemoInputs:
    """Everything the memo shows: the scenario results and the analyses of the same firm and case."""

    results: Results
    breakevens: list[Breakeven]
    montecarlo: MonteCarloResult
    view: MarketView | None  # None: the profile has no market signals
    profile_path: Path | None
    sha256: str  # of the profile file's bytes
    generated: dt.datetime  # the run's date (timezone-aware)


def gather(results: Results, paths: int, seed: int, profile_path: Path | None, sha256: str,
           generated: dt.datetime) -> MemoInputs:
    """Run the breakeven search and the Monte Carlo on ``results``' firm and case (``results.cc``)."""
    cc = results.cc
    mc = run_montecarlo(cc, paths, seed)
    return MemoInputs(results, breakeven_table(cc), mc, market_view(cc.company, len(mc.quarters) / 4.0),
                      profile_path, sha256, generated)


# --- header ------------------------------------------------------------------------------------------

CASE_TEXT = {"plan": "plan case: committed and planned financing, committed and awarded contracts",
             "committed": "committed case: only financing and contracts committed at as_of"}


def title(inputs: MemoInputs) -> str:
    c = inputs.results.company
    return f"Credit memo: {clean(c.name)} ({clean(c.ticker)})"


def facts(inputs: MemoInputs) -> list[tuple[str, str]]:
    """(label, value) pairs of the header: as-of, case, horizon, the profile and its sources, generated."""
    r = inputs.results
    c = r.company
    name = inputs.profile_path.name if inputs.profile_path else "(in memory)"
    sources = len(c.sources)
    return [("As of", f"{c.as_of}"),
            ("Case", CASE_TEXT[r.cc.case.value]),
            ("Horizon", f"{c.horizon_quarters} quarters, {r.quarters[0]} to {r.quarters[-1]}; USD m unless stated"),
            ("Profile", f"{clean(name)}, {sources} source{'s' if sources != 1 else ''} named"),
            ("Generated", f"{inputs.generated:%Y-%m-%d %H:%M %Z}".strip() + f" by stress {__version__}")]


def footer(inputs: MemoInputs) -> str:
    """The line that traces the memo to its input: tool version and the profile's SHA-256."""
    return f"stress {__version__} | profile sha256 {inputs.sha256}"


def one_line_answer(results: Results) -> str:
    return clean(answer(comparison(results)))


# --- the scenario table ------------------------------------------------------------------------------

SCENARIO_HEADINGS = ("Scenario", "Verdict", "Min liquidity", "in", "First covenant breach", "Default",
                     "Peak net lev.", "Trough DSCR", "Rating end")


@dataclass(frozen=True)
class ScenarioRow:
    scenario: str  # with its case in brackets where it is not the run's
    verdict: str  # pass, breach, default
    cells: tuple[str, ...]  # the columns after Verdict, formatted


def readable(label: str) -> str:
    """A covenant label as words: ``lease_adjusted_leverage`` -> ``lease adjusted leverage``."""
    return clean(label).replace("_", " ")


def default_text(results: Results, world: int) -> str:
    """The world's first default (``Results.default_quarter``) and what it was, or '–'."""
    q = int(results.default_quarter[world])
    if q == NEVER:
        return "–"
    e = results.events(world)
    label = results.quarters[q]
    if e.liquidity_default == label:
        return f"{label} liquidity"
    if e.maturity_default == label:
        return f"{label} maturity, {clean(e.maturity_default_tranche or '')}".rstrip(", ")
    if e.covenant_default == label:
        return f"{label} covenant event of default"
    return f"{label} cross-default"


def scenario_rows(results: Results) -> list[ScenarioRow]:
    """One row per scenario from ``stress.analysis.compare.comparison``, as ``stress run`` shows it."""
    table = comparison(results)
    rows = []
    for w, (name, r) in enumerate(table.iterrows()):
        breach = f"{r.first_breach} {readable(r.first_breach_covenant)}" if isinstance(r.first_breach, str) else "–"
        case = results.cases[w]
        shown = clean(str(name)) + (f" ({case})" if case != results.cc.case.value and case not in str(name) else "")
        rows.append(ScenarioRow(shown, str(r.verdict), (
            usd_m(r.min_liquidity), str(r.min_liquidity_quarter), breach, default_text(results, w),
            times(r.peak_net_leverage), times(r.trough_dscr), str(r.rating_end))))
    return rows


def funding_gap_line(results: Results) -> str:
    """The baseline's funding gap (``Results.funding_gap``), as the workbook's Summary states it."""
    from stress.report.workbook.summary import baseline_world, funding_gap_text

    w = baseline_world(results)
    return f"Funding gap: {funding_gap_text(results)}" if results.funding_gap(w)[1] else ""


# --- Monte Carlo and the market's view -----------------------------------------------------------------

def pd_headline(mc: MonteCarloResult) -> str:
    lo, hi = mc.pd_interval
    return (f"Probability of default within the horizon: {pct(mc.probability_of_default)} "
            f"(95% interval {pct(lo)}–{pct(hi)}); {mc.paths:,} paths, seed {mc.seed}")


def market_line(mc: MonteCarloResult, view: MarketView | None) -> str:
    """The market-implied PD beside the model's, as ``stress montecarlo`` compares them; or why there is none."""
    if view is None or view.headline is None:
        return "Market-implied PD: none; the profile has no market signals (ratings, bond spreads or yields, CDS)."
    h = view.headline
    mine = model_pd_for(h, mc.probability_of_default, mc.vehicle_pd)
    on_vehicle = h.vehicle is not None and h.vehicle in mc.vehicle_pd
    whose = f"{clean(h.vehicle)}'s PD" if on_vehicle else "model PD"  # type: ignore[arg-type]
    late = ", after as_of" if h.after_as_of else ""
    k = times_apart(mine, h.pd)
    apart = "model 0" if mine == 0 and h.pd else "market 0" if h.pd == 0 and mine else f"{k:.1f}x"
    flag = f"; {apart} apart: they disagree" if disagree(mine, h.pd) else f"; within {apart}"
    return (f"Market-implied PD over {view.horizon_years:g}y: {pct(h.pd)} ({clean(h.label)} {clean(h.quote)}, "
            f"{h.date}{late}) against the {whose} {pct(mine)}{flag}")


def pd_by_year_line(mc: MonteCarloResult) -> str:
    return "Cumulative PD by year end: " + ", ".join(f"{y} {pct(p)}" for y, p in mc.pd_by_year().items())


def liquidity_line(mc: MonteCarloResult) -> str:
    p = mc.min_liquidity_percentiles()
    return f"Minimum liquidity over the horizon, USD m: p5 {usd_m(p[5])}, median {usd_m(p[50])}, p95 {usd_m(p[95])}"


def loss_line(mc: MonteCarloResult) -> str:
    e = mc.exposure
    lgd = mc.loss_given_default
    loss = f"USD {usd_m(mc.expected_loss)} m" if usd_m(mc.expected_loss) != "–" else "nil"
    return (f"On USD {usd_m(e.amount)} m {e.seniority.value.replace('_', ' ')}: loss given default "
            f"{pct(lgd) if lgd is not None else 'n.m. (no default)'}, expected loss {loss}")


def montecarlo_lines(mc: MonteCarloResult, view: MarketView | None) -> list[str]:
    return [pd_headline(mc), market_line(mc, view), pd_by_year_line(mc), liquidity_line(mc), loss_line(mc)]


# --- breaking points ---------------------------------------------------------------------------------

BREAKEVEN_HEADINGS = ("Driver (alone)", "First covenant breach at", "when", "Liquidity default at", "when")


def _size_text(results: Results, b: Breakeven) -> str:
    d = DRIVERS[b.driver]
    if b.size is None and b.safe_size is None:
        return "not applicable"
    if b.at_baseline:
        return "already at baseline"
    if b.size is None:
        return f"none, even at {d.varied.describe(results.cc, b.safe_size)}"  # type: ignore[arg-type]
    return d.varied.describe(results.cc, b.size)


def _when_text(b: Breakeven) -> str:
    if b.quarter is None:
        return "–"
    return f"{b.quarter} {readable(b.what)}" if b.event is Event.BREACH and b.what else b.quarter


def breakeven_rows(results: Results, rows: list[Breakeven]) -> list[tuple[str, str, str, str, str]]:
    """Per driver: the breach size and when it bites, the default size and when (``breakeven_table``)."""
    out = []
    for name in dict.fromkeys(b.driver for b in rows):
        by = {b.event: b for b in rows if b.driver == name}
        breach, default = by[Event.BREACH], by[Event.DEFAULT]
        out.append((DRIVERS[name].label, _size_text(results, breach), _when_text(breach),
                    _size_text(results, default), _when_text(default)))
    return out


# --- capital structure and the maturity wall ----------------------------------------------------------

@dataclass(frozen=True)
class DebtTable:
    headings: tuple[str, ...]
    rows: list[tuple[str, ...]]  # tranches, then the totals; empty when the firm has neither debt nor leases
    first_total: int  # index of the first totals row
    note: str


def debt_table(results: Results, world: int = 0) -> DebtTable:
    """Each tranche at as_of (drawn, limit, rate, maturity) with its principal due by fiscal year of the
    horizon and later; then total principal, lease payments, and the world's liquidity at the start of each
    year against the principal due (``maturity_wall``)."""
    c = results.company
    if not c.debt and not c.leases:
        return DebtTable((), [], 0, "The profile has no debt and no leases.")
    cs = capital_structure(c)
    ladder = maturity_ladder(c)
    wall = maturity_wall(results, world)
    years = list(wall.index)
    later = [y for y in (ladder.columns if not ladder.empty else []) if y not in years]
    headings = ("Tranche", "Drawn", "Limit", "Rate", "Maturity", *(str(y) for y in years), "Later")
    rows: list[tuple[str, ...]] = []
    for _, t in cs.iterrows():
        due = ladder.loc[t.tranche] if t.tranche in ladder.index else pd.Series(dtype=float)
        planned = "*" if str(t.status).startswith("planned") else ""
        rows.append((clean(str(t.tranche)) + planned, usd_m(t.drawn_usd),
                     usd_m(t.limit_usd), clean(str(t.rate)), str(t.maturity),
                     *(usd_m(float(due.get(y, 0.0))) for y in years), usd_m(float(due.reindex(later).sum()))))
    first_total = len(rows)
    total = ladder.loc["Total"] if not ladder.empty else pd.Series(dtype=float)
    rows.append(("Total; principal due", usd_m(float(cs.drawn_usd.sum())) if len(cs) else "–",
                 usd_m(float(cs.limit_usd.sum())) if len(cs) else "–", "", "",
                 *(usd_m(float(total.get(y, 0.0))) for y in years), usd_m(float(total.reindex(later).sum()))))
    leases = lease_commitments(c)
    if not leases.empty:
        pay = leases["total"]
        rows.append(("Lease payments", "", "", "", "", *(usd_m(float(pay.get(y, 0.0))) for y in years),
                     usd_m(float(pay[[y for y in pay.index if y not in years]].sum()))))
    rows.append((f"Liquidity at start ({clean(results.world_names[world])})", "", "", "", "",
                 *(usd_m(float(v)) for v in wall.liquidity_at_start), ""))
    rows.append(("Liquidity / principal due", "", "", "", "",
                 *(times(float(v)) if np.isfinite(v) else "–" for v in wall.coverage), ""))
    note = ("USD m at as_of; principal due is the contractual schedule of the drawn balance, by fiscal year; "
            "* planned (the plan case counts it)." if len(cs) else "The profile has no debt; its leases' payments only.")
    return DebtTable(headings, rows, first_total, note)
