"""Rich rendering of the breaking-point analyses: breakeven, grid, tornado, Monte Carlo."""

from __future__ import annotations

import math

import numpy as np
from rich.markup import escape
from rich.panel import Panel
from rich.text import Text

from stress.analysis.breakeven import Breakeven, Event
from stress.analysis.grid import Grid, GridMetric
from stress.analysis.market_view import DISAGREEMENT_FACTOR, MarketView, market_view, model_pd_for, times_apart
from stress.analysis.montecarlo import MonteCarloResult
from stress.analysis.tornado import Tornado
from stress.engine.compiled import CompiledCompany
from stress.report.console import _table, stdout
from stress.report.format import pct, times, usd_m
from stress.report.table_fit import LabelledTable, column_size, gap, natural_width

#: The tornado's bars at their longest and shortest, in cells.
BAR_WIDTH = 24
MIN_BAR = 8


def title(cc: CompiledCompany, what: str) -> Panel:
    c = cc.company
    return Panel(f"[bold]{escape(c.name)}[/] ({escape(c.ticker)}) — {what}; as of {c.as_of}, "
                 f"{c.horizon_quarters} quarters ({cc.timeline.labels[0]}–{cc.timeline.labels[-1]})", border_style="blue")


def print_breakeven(cc: CompiledCompany, rows: list[Breakeven]) -> None:
    stdout.print(title(cc, "reverse stress: the size of each driver that breaks the firm"))
    t = _table("Breaking points (each driver alone)", [("Driver", "left"), ("Event", "left"), ("Breaks at", "left"), ("When", "left")])
    for r in rows:
        style = "red" if r.at_baseline else "green" if r.size is None else None
        when = r.quarter or "–"
        t.add_row(r.driver, "covenant breach" if r.event is Event.BREACH else "liquidity default",
                  Text(r.text, style=style or ""), when)
    stdout.print(t)


def _grid_cell(g: Grid, v: float) -> Text:
    if g.metric is GridMetric.FIRST_DEFAULT:
        return Text("none", style="green") if math.isnan(v) else Text(g.quarters[int(v)], style="red")
    if math.isnan(v):
        return Text("n.m.", style="dim")
    if g.metric is GridMetric.MIN_LIQUIDITY:
        return Text(usd_m(v), style="red" if v < 0 else "yellow" if v < np.nanmax(g.values) * 0.25 else "green")
    return Text(times(v), style="red" if v < 1.0 else "yellow" if v < 1.25 else "green")


def print_grid(cc: CompiledCompany, g: Grid) -> None:
    unit = {"min_liquidity": "USD m", "first_default": "quarter of first default", "trough_dscr": "x"}[g.metric.value]
    stdout.print(title(cc, f"sensitivity grid of {g.metric.value} ({unit})"))
    t = _table(f"{g.y.driver.name} (rows) x {g.x.driver.name} (columns)",
               [("", "left"), *((_size(g.x.driver.name, x), "right") for x in g.x.sizes)])
    for i, y in enumerate(g.y.sizes):
        t.add_row(_size(g.y.driver.name, y), *(_grid_cell(g, v) for v in g.values[i]))
    stdout.print(t)


def _size(driver: str, x: float) -> str:
    if driver in ("rate", "spread"):
        return f"{x * 1e4:+.0f}bp"
    if driver == "life":
        return f"{x:g}y"
    if driver == "customer_default":
        return f"q{int(x)}"
    return f"{x:+.0%}" if driver != "utilisation" else f"{x:.0%}"


def _bar(change: float, scale: float, width: int) -> Text:
    """``width`` cells: a bar of |change| / scale of them, right-aligned (red) when adverse."""
    n = 0 if scale <= 0 or not math.isfinite(change) else round(abs(change) / scale * width)
    return Text(("█" * n).rjust(width) if change < 0 else "█" * n, style="red" if change < 0 else "green")


def _tornado_table(t: Tornado, bar: int) -> LabelledTable:
    """Driver | adverse | bars of ``bar`` cells meeting in the middle | favourable | change of trough DSCR."""
    scale = max((abs(x) for b in t.bars for x in b.min_liquidity), default=0.0)
    table = _table(f"Change in minimum liquidity from the baseline's USD {usd_m(t.baseline_min_liquidity)} m "
                   f"(trough DSCR {times(t.baseline_trough_dscr)})",
                   [("Driver", "left"), ("Adverse", "right"), ("", "right"), ("", "left"), ("Favourable", "left"),
                    ("Δ trough DSCR adv. / fav.", "right")])
    for column in table.columns[3:5]:
        column.no_wrap = True  # the favourable bar and figure, left-aligned to meet the adverse ones
    table.balance = False  # narrow: figures and bars together, the trough DSCR column stacked below
    for b in t.bars:
        table.add_row(b.driver, f"{usd_m(b.min_liquidity[0])}", _bar(b.min_liquidity[0], scale, bar),
                      _bar(b.min_liquidity[1], scale, bar), f"{usd_m(b.min_liquidity[1])}",
                      f"{_signed(b.trough_dscr[0])} / {_signed(b.trough_dscr[1])}")
    return table


def bar_width(t: Tornado, width: int) -> int:
    """The bars' length in cells: what ``width`` leaves beside the other columns (the trough DSCR one's
    header wrapped), at most ``BAR_WIDTH``; when that is under ``MIN_BAR``, what it leaves beside all but
    the trough DSCR column (the console then stacks that column below); never under ``MIN_BAR``."""
    bare = _tornado_table(t, 0)
    dscr = column_size(stdout, bare.columns[-1], whole=True)
    room = width - natural_width(stdout, bare) + dscr.want - dscr.need
    if room < 2 * MIN_BAR:
        room += dscr.need + gap(bare)
    return max(MIN_BAR, min(BAR_WIDTH, room // 2))


def print_tornado(cc: CompiledCompany, t: Tornado) -> None:
    stdout.print(title(cc, "tornado: each driver alone at a standard adverse and favourable size"))
    stdout.print(_tornado_table(t, bar_width(t, stdout.width)))
    sizes = _table("Sizes", [("Driver", "left"), ("Adverse", "left"), ("Favourable", "left")])
    for b in t.bars:
        sizes.add_row(b.driver, b.adverse_text, b.favourable_text)
    stdout.print(sizes)


def _signed(x: float) -> str:
    return "n.m." if not math.isfinite(x) else f"{x:+.2f}x"


def print_montecarlo(cc: CompiledCompany, r: MonteCarloResult) -> None:
    stdout.print(title(cc, f"Monte Carlo, {r.paths:,} paths, seed {r.seed}"))
    lo, hi = r.pd_interval
    e = r.exposure
    on = f"{e.tranche}" if e.tranche else e.seniority.value.replace("_", " ")
    lgd = r.loss_given_default
    stdout.print(Panel(
        f"Probability of default within the horizon: [bold]{pct(r.probability_of_default)}[/] (95% interval {pct(lo)}–{pct(hi)})\n"
        f"Loss given default on USD {usd_m(e.amount)} m {escape(on)}: {pct(lgd) if lgd is not None else 'n.m. (no default)'}\n"
        f"Expected loss: USD {usd_m(r.expected_loss)} m ({pct(r.expected_loss / e.amount, 2)} of the exposure)",
        title="Answer", title_align="left", border_style="bold"))
    print_market_view(market_view(cc.company, len(r.quarters) / 4.0), r.probability_of_default, r.vehicle_pd)
    if r.vehicle_names:
        recourse = {v.name: v.recourse.value for v in cc.company.vehicles}
        vt = _table("Financing vehicles: probability each is foreclosed within the horizon (its lenders' default)",
                    [("Vehicle", "left"), ("Recourse to the parent", "left"), ("PD", "right")])
        for name, p in r.vehicle_pd.items():
            vt.add_row(escape(name), recourse[name], pct(p))
        stdout.print(vt)
    by_year = _table("Cumulative probability of default by year end", [("Year", "left"), ("PD", "right")])
    for y, p in r.pd_by_year().items():
        by_year.add_row(str(y), pct(p))
    stdout.print(by_year)
    ml = _table("Minimum liquidity over the horizon (USD m)", [("Percentile", "left"), ("Min liquidity", "right")])
    for p, v in r.min_liquidity_percentiles().items():
        ml.add_row(f"p{p}", usd_m(v))
    stdout.print(ml)
    fan = _table("Cash fan (USD m, quarter end)", [("Quarter", "left"), *((f"p{p}", "right") for p in r.cash_fan)])
    for i, q in enumerate(r.quarters):
        fan.add_row(q, *(usd_m(float(v[i])) for v in r.cash_fan.values()))
    stdout.print(fan)


def _apart(model_pd: float, market_pd: float) -> Text:
    k = times_apart(model_pd, market_pd)
    if k <= DISAGREEMENT_FACTOR:
        return Text(f"{k:.1f}x", style="green")
    return Text("model 0" if model_pd == 0 else "market 0" if market_pd == 0 else f"{k:.1f}x apart", style="bold red")


def _compared_vehicle(vehicle: str | None, vehicle_pd: dict[str, float] | None) -> str | None:
    """The financing vehicle whose PD a signal is compared with (its instrument's, when the Monte Carlo gives
    that vehicle a PD), else None: the firm's."""
    return vehicle if vehicle is not None and vehicle_pd is not None and vehicle in vehicle_pd else None


def print_market_view(view: MarketView | None, model_pd: float, vehicle_pd: dict[str, float] | None = None) -> None:
    """Model PD vs the PD the profile's dated market signals imply: a display, never an input to the model. A
    signal on a financing vehicle's instrument is compared with that vehicle's probability of foreclosure."""
    if view is None:
        stdout.print("[dim]Market view: the profile has no market_signals (ratings, bond spreads or yields, CDS).[/]")
        return
    years = f"{view.horizon_years:g}"
    h = view.headline
    if h is not None:
        late = " [yellow](after as_of)[/]" if h.after_as_of else ""
        mine = model_pd_for(h, model_pd, vehicle_pd)
        vehicle = _compared_vehicle(h.vehicle, vehicle_pd)
        whose = f"{escape(vehicle)}'s PD" if vehicle is not None else "Model PD"
        stdout.print(f"{whose} vs market-implied PD over {years}y: [bold]{pct(mine)}[/] vs [bold]{pct(h.pd)}[/] "
                     f"({escape(h.label)} {escape(h.quote)}, {h.date}{late}): ", _apart(mine, h.pd))
    t = _table(f"Model PD vs market-implied PD over {years}y, by signal (market PD is real-world; a display, never an "
               f"input to the model)",
               [("Date", "left"), ("Signal", "left"), ("Quote", "left"), ("Instrument", "left"), ("RN PD", "right"),
                ("Market PD", "right"), ("Model PD", "right"), (f"> {DISAGREEMENT_FACTOR:g}x?", "left"), ("Method", "left")])
    for v in view.signals:
        when = Text(str(v.date)) if not v.after_as_of else Text(f"{v.date} after as_of", style="yellow")
        mine = model_pd_for(v, model_pd, vehicle_pd)
        vehicle = _compared_vehicle(v.vehicle, vehicle_pd)
        on = f" [{vehicle}]" if vehicle is not None else ""
        t.add_row(when, escape(v.label), escape(v.quote), escape(v.instrument + on), pct(v.risk_neutral_pd),
                  pct(v.pd), pct(mine), _apart(mine, v.pd), escape(v.method))
    stdout.print(t)
    stdout.print("[dim]Spread signals: h = spread / (1 - recovery), RN PD = 1 - exp(-hT); real-world h = h / ratio by rating "
                 "(Hull, Predescu & White 2005). Ratings: S&P average cumulative default rates. See README, 'Market view'.[/]")
