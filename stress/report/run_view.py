"""Rich rendering of ``stress run``: summary, covenant headroom, maturity wall, events, verdict."""

from __future__ import annotations

import math

import numpy as np
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from stress.analysis.compare import answer, comparison
from stress.analysis.programmes import funding_gap_by_year, programme_events
from stress.analysis.summary import annual_summary, maturity_wall, year_of
from stress.engine.covenants import AMBER_HEADROOM, CovenantTest, Verdict
from stress.engine.results import Events, Results
from stress.model.covenant import Covenant, CovenantKind
from stress.model.scenario import Scenario
from stress.report.console import _table, stdout
from stress.report.format import pct, times, usd_m
from stress.scenarios.select import ADHOC_NAME

VERDICT_STYLE = {Verdict.PASS: "bold green", Verdict.BREACH: "bold yellow", Verdict.DEFAULT: "bold red"}

SUMMARY_ROWS: tuple[tuple[str, str, str], ...] = (
    ("revenue", "Revenue", "usd"), ("revenue_contracted", "  contracted", "usd"), ("revenue_spot", "  spot", "usd"),
    ("ebitda", "EBITDA", "usd"), ("ebitda_margin", "  margin", "pct"),
    ("ebitda_reported", "  firm's definition", "usd"), ("depreciation", "Depreciation", "usd"),
    ("impairment", "Impairment", "usd"), ("interest_expense", "Interest expense", "usd"), ("net_income", "Net income", "usd"),
    ("cfo", "Cash from operations", "usd"), ("capex", "Capex", "usd"), ("fcf", "Free cash flow", "usd"),
    ("cash", "Cash (year end)", "usd"), ("debt", "Debt", "usd"), ("lease_liabilities", "Lease liabilities", "usd"),
    ("equity", "Equity", "usd"), ("liquidity", "Liquidity", "usd"), ("net_debt_to_ebitda", "Net debt / EBITDA", "x"),
    ("interest_cover", "EBITDA / interest", "x"), ("dscr", "DSCR", "x"), ("rating", "Indicative rating", "str"),
)


def _fmt(value: object, kind: str) -> str:
    if kind == "str":
        return str(value)
    v = float(value)  # type: ignore[arg-type]
    if not math.isfinite(v):
        return "n.m."
    return usd_m(v) if kind == "usd" else pct(v) if kind == "pct" else times(v)


def header(results: Results, profile_path: str | None = None) -> Panel:
    """The firm, horizon, case and profile (by default the file the results were loaded from)."""
    c = results.company
    if profile_path is None:
        profile_path = str(results.source.path) if results.source is not None else "(in memory)"
    case = results.cc.case.value
    what = ("committed and planned financing, committed and awarded contracts" if case == "plan"
            else "only financing and contracts committed at as_of")
    return Panel(f"[bold]{escape(c.name)}[/] ({escape(c.ticker)}) — as of {c.as_of}, {c.horizon_quarters} quarters "
                 f"({results.quarters[0]}–{results.quarters[-1]}); USD m unless stated\n"
                 f"case: [bold]{case}[/] ({what})\nprofile: {escape(profile_path)}",
                 border_style="blue")


def funding_gap_table(results: Results, world: int = 0) -> Table | None:
    """Scheduled capex by year and the part only planned financing pays; None when there is none."""
    gap = funding_gap_by_year(results, world)
    if gap.empty:
        return None
    peak, when = results.funding_gap(world)
    t = _table(f"Funding gap: capex the plan schedules that planned financing pays (peak {usd_m(peak)} by {when})",
               [("Year", "left"), ("Scheduled capex", "right"), ("Funding gap", "right"), ("Cumulative", "right")])
    for year, r in gap.iterrows():
        t.add_row(str(year), usd_m(r.capex), usd_m(r.gap), usd_m(r.cumulative_gap))
    return t


def summary_table(results: Results, world: int) -> Table:
    s = annual_summary(results, world)
    cols = [(f"{y}" + (f" ({n}q)" if n < 4 else ""), "right") for y, n in zip(s.index, s["quarters"], strict=True)]
    t = _table(f"Annual summary — {escape(results.world_names[world])}", [("", "left"), *cols])
    for key, label, kind in SUMMARY_ROWS:
        bold = label[0] != " " and kind == "usd" and key in ("ebitda", "net_income", "fcf")
        t.add_row(label, *(_fmt(v, kind) for v in s[key]), style="bold" if bold else None)
    return t


def headroom_style(headroom: float, passed: bool) -> str:
    if not passed:
        return "red"
    if math.isnan(headroom) or headroom >= AMBER_HEADROOM:
        return "green"
    return "yellow"


def _covenant_value(test: CovenantTest, v: float) -> str:
    if not math.isfinite(v):
        return "n.m."
    metric = test.covenant.metric.value
    return usd_m(v) if metric == "liquidity" else pct(v) if metric == "ltv" else times(v)


def covenant_table(results: Results, world: int) -> Table:
    """Each covenant at each year end, coloured by headroom; worst quarter at the right."""
    frame = results.frame(world)
    years = year_of(results, frame)
    ends = [int(np.flatnonzero(years == y)[-1]) for y in sorted(set(years))]
    t = _table("Covenants: value at year end (green ≥ 15% headroom, amber < 15%, red = breach)",
               [("Covenant", "left"), ("Tested at", "left"), ("Limit", "right"), *((str(years[i]), "right") for i in ends),
                ("Worst", "right"), ("Worst quarter", "left")])
    for test in results.covenant_tests:
        c = test.covenant
        limit = ("≥ " if c.is_minimum else "≤ ") + _covenant_value(test, c.threshold)
        cells = [Text(_covenant_value(test, test.value[world, i]), style=headroom_style(test.headroom[world, i], bool(test.passed[world, i]))) for i in ends]
        head = np.where(np.isnan(test.headroom[world]), np.where(test.passed[world], np.inf, -np.inf), test.headroom[world])
        worst = int(np.argmin(head))
        cells.append(Text(_covenant_value(test, test.value[world, worst]), style=headroom_style(test.headroom[world, worst], bool(test.passed[world, worst]))))
        t.add_row(escape(c.label), escape(covenant_level(c)), limit, *cells, results.quarters[worst])
    return t


def wall_table(results: Results, world: int) -> Table:
    w = maturity_wall(results, world)
    t = _table("Maturity wall: contractual principal due vs liquidity at the start of the year",
               [("Year", "left"), ("Principal due", "right"), ("Liquidity at start", "right"), ("Cover", "right")])
    for year, r in w.iterrows():
        cover = r.coverage
        style = "red" if cover < 1 else "yellow" if cover < 1.5 else None
        t.add_row(str(year), usd_m(r.principal_due), usd_m(r.liquidity_at_start), Text(times(cover) if math.isfinite(cover) else "–", style=style or ""))
    return t


def covenant_level(c: Covenant) -> str:
    """Where a covenant is tested, what kind it is and what a breach does, e.g. 'DDTL SPV: lock-up'."""
    kind = "incurrence" if c.kind is CovenantKind.INCURRENCE else c.consequence.value.replace("_", " ")
    return f"{c.tested_at}: {kind}"


def vehicle_events(e: Events) -> list[str]:
    """Lines for the verdict panel: covenant and cross-defaults, vehicles locked up or foreclosed."""
    lines = []
    if e.covenant_default:
        lines.append(f"Covenant event of default: {e.covenant_default}")
    if e.cross_default:
        lines.append(f"Cross-default from a foreclosed vehicle: {e.cross_default}")
    lines += [f"Vehicle cash locked up: {name} from {q}" for name, q in e.lock_ups.items()]
    lines += [f"Vehicle foreclosed: {name} in {q}" for name, q in e.vehicle_defaults.items()]
    return lines


def events_panel(results: Results, world: int) -> Panel:
    e = results.events(world)
    v = results.verdicts[world]
    liquidity = results.metrics["liquidity"][world]
    low = int(np.argmin(liquidity))
    lines = [
        f"First covenant breach: {e.first_breach or 'none'}" + (f" ({e.first_breach_covenant})" if e.first_breach_covenant else ""),
        f"Liquidity default (cash below zero, revolver exhausted): {e.liquidity_default or 'none'}",
        f"Maturity default: {e.maturity_default or 'none'}" + (f" ({e.maturity_default_tranche})" if e.maturity_default_tranche else ""),
        f"Minimum liquidity: USD {usd_m(float(liquidity[low]))} m in {results.quarters[low]}",
        f"Runway now: {results.metrics['runway_quarters'][world, 0]:.1f} quarters at the last year's burn"
        if math.isfinite(results.metrics["runway_quarters"][world, 0]) else "Runway now: not burning cash",
        *vehicle_events(e),
        *programme_events(results, world),
    ]
    return Panel(escape("\n".join(lines)), title=Text(f"Verdict — {results.world_names[world]}: {v.value.upper()}", style=VERDICT_STYLE[v]),
                 title_align="left", border_style=VERDICT_STYLE[v].split()[-1])


QUARTERLY_COLUMNS = (("revenue", "Revenue", "usd"), ("ebitda", "EBITDA", "usd"), ("net_income", "Net income", "usd"),
                     ("fcf", "FCF", "usd"), ("cash", "Cash", "usd"), ("debt", "Debt", "usd"), ("liquidity", "Liquidity", "usd"),
                     ("net_debt_to_ebitda", "Net lev.", "x"), ("interest_cover", "Int. cover", "x"), ("dscr", "DSCR", "x"),
                     ("rating", "Rating", "str"))


def quarterly_table(results: Results, world: int) -> Table:
    f = results.frame(world)
    t = _table(f"Quarterly — {escape(results.world_names[world])}", [("Quarter", "left"), *((label, "right") for _, label, _ in QUARTERLY_COLUMNS)])
    for q, row in f.iterrows():
        t.add_row(str(q), *(_fmt(row[key], kind) for key, _, kind in QUARTERLY_COLUMNS))
    return t


def comparison_table(results: Results) -> Table:
    """One row per scenario: minimum liquidity, events, extremes of the ratios, end state, verdict."""
    table = comparison(results)
    t = _table("Scenario comparison (USD m)", [("Scenario", "left"), ("Min liquidity", "right"), ("in", "left"),
               ("First breach", "left"), ("Liquidity default", "left"), ("Maturity default", "left"),
               ("Peak net lev.", "right"), ("Trough DSCR", "right"), ("Trough int. cover", "right"),
               ("Rating end", "center"), ("Equity end", "right"), ("Verdict", "center")])
    for name, r in table.iterrows():
        v = Verdict(r.verdict)
        breach = f"{r.first_breach} {r.first_breach_covenant}" if isinstance(r.first_breach, str) else "–"
        maturity = f"{r.maturity_default} {r.maturity_default_tranche}" if isinstance(r.maturity_default, str) else "–"
        liquidity = r.liquidity_default if isinstance(r.liquidity_default, str) else "–"
        t.add_row(escape(str(name)), usd_m(r.min_liquidity), r.min_liquidity_quarter, escape(breach), liquidity,
                  escape(maturity), times(r.peak_net_leverage), times(r.trough_dscr), times(r.trough_interest_cover),
                  r.rating_end, usd_m(r.equity_end), Text(v.value.upper(), style=VERDICT_STYLE[v]))
    return t


def print_scenarios(scenarios: list[Scenario]) -> None:
    """``stress scenarios``: each scenario, its rationale, shocks and calibration."""
    for sc in scenarios:
        shocks = "\n".join(f"  • {_describe(sh)}" for sh in sc.shocks) or "  • none"
        body = f"{escape(sc.description)}\n[bold]Shocks[/]\n{escape(shocks)}"
        if sc.calibration:
            body += f"\n[dim]Calibration: {escape(sc.calibration)}[/]"
        stdout.print(Panel(body, title=f"[bold]{escape(sc.name)}[/]", title_align="left", border_style="blue"))


def _describe(shock: object) -> str:
    fields = shock.model_dump(exclude_defaults=True, exclude={"kind"})  # type: ignore[attr-defined]
    return f"{shock.kind}: " + ", ".join(f"{k}={_show(k, v)}" for k, v in fields.items())  # type: ignore[attr-defined]


def _show(key: str, value: object) -> str:
    """Shock sizes in their natural units: bp for rate and spread, % for levels and changes."""
    if key == "bp":
        return f"{value * 1e4:+.0f}bp"  # type: ignore[operator]
    if key in ("level", "annual_change", "change"):
        return f"{value:+.0%}"
    return str(value)


def focus(results: Results) -> int:
    """The world to detail when not every one is: the ad-hoc scenario of ``--rate`` etc. (the one the user
    asked for) when the run has it, else the first (the baseline, or the first scenario named)."""
    return results.world_names.index(ADHOC_NAME) if ADHOC_NAME in results.world_names else 0


def print_run(results: Results, profile_path: str | None = None, quarterly: bool = False, detail: bool = False) -> None:
    """The ``stress run`` report: the comparison when there are several scenarios, then the details."""
    stdout.print(header(results, profile_path))
    shown = [focus(results)]
    if len(results.world_names) > 1:
        table = comparison(results)
        stdout.print(Panel(escape(answer(table)), title="Answer", title_align="left", border_style="bold"))
        stdout.print(comparison_table(results))
        gap = funding_gap_table(results)
        if gap is not None:
            stdout.print(gap)
        if not detail:
            stdout.print(f"[dim]Detail below for {escape(results.world_names[shown[0]])}; --detail shows every scenario, "
                         "--scenario NAME picks one.[/]")
    for w in range(len(results.world_names)) if detail else shown:
        stdout.print(summary_table(results, w))
        if quarterly:
            stdout.print(quarterly_table(results, w))
        if results.company.covenants:
            stdout.print(covenant_table(results, w))
        stdout.print(wall_table(results, w))
        stdout.print(events_panel(results, w))
