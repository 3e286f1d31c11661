"""The memo's charts as SVG (vectors, embedded by fpdf2): liquidity and net leverage by scenario, the cash fan.

Drawn with matplotlib's object API (no pyplot, no GUI backend) and written with a fixed hash salt and no
metadata, so the same figures give the same bytes. Text stays text (``svg.fonttype: none``): fpdf2 sets it in
the memo's DejaVu Sans, so it can be searched and copied, and it is cheaper to embed than glyph paths.

Money is in USD m with negatives in parentheses on the axes, as in the tables.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Callable

import numpy as np

from stress.analysis.montecarlo import MonteCarloResult
from stress.engine.results import Results
from stress.model.covenant import CovenantMetric

#: Points; the memo's table text is 6.5-7 pt.
FONT_SIZE = 6.5
#: The leverage chart's axis stops at this multiple of the covenant limit (as the workbook's Summary chart),
#: or at ``LEVERAGE_AXIS_CAP`` x without a covenant, so one scenario near zero EBITDA does not flatten the rest.
LEVERAGE_AXIS_LIMITS = 4
LEVERAGE_AXIS_CAP = 20.0
MM_PER_INCH = 25.4
#: One colour per scenario, the same in both charts; the baseline first (tab10, then tab20's lighter half).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
           "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7")
LIMIT_COLOUR = "#c00000"
#: Text and tick colour: near-black, given explicitly so the SVG states its fill.
INK = "#1a1a1a"
METADATA = {"Date": None, "Creator": None, "Format": None, "Type": None}
#: matplotlib writes font sizes in "px" meaning its user unit, the point; fpdf2 reads px as 0.75 pt, which
#: would set chart text a quarter smaller than matplotlib laid it out, so sizes are rewritten in pt.
FONT_PX = re.compile(rb"font-size: ([0-9.]+)px")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _usd_m(value: float, _pos: object = None) -> str:
    m = value / 1e6
    return f"({-m:,.0f})" if m < -0.5 else f"{m:,.0f}"


def _svg(draw: Callable[[object], None], width_mm: float, height_mm: float) -> bytes:
    """Call ``draw(figure)`` on a new figure of the given size and return it as SVG bytes."""
    import matplotlib as mpl
    from matplotlib.figure import Figure

    with mpl.rc_context({"svg.hashsalt": "stress-memo", "svg.fonttype": "none", "font.family": "DejaVu Sans",
                         "font.size": FONT_SIZE, "axes.titlesize": FONT_SIZE + 0.5, "axes.linewidth": 0.5,
                         "xtick.major.width": 0.5, "ytick.major.width": 0.5, "legend.frameon": False,
                         "text.color": INK, "axes.labelcolor": INK, "xtick.color": INK, "ytick.color": INK}):
        fig = Figure(figsize=(width_mm / MM_PER_INCH, height_mm / MM_PER_INCH))
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", metadata=METADATA)
    return FONT_PX.sub(rb"font-size: \1pt", buf.getvalue())


def _quarter_axis(ax: object, quarters: list[str]) -> None:
    """Ticks at the first quarter and every fourth after it, labelled with the quarter."""
    ticks = list(range(0, len(quarters), 4 if len(quarters) > 8 else 1))
    ax.set_xticks(ticks, [quarters[i] for i in ticks])  # type: ignore[attr-defined]
    ax.set_xlim(-0.3, len(quarters) - 0.7)  # type: ignore[attr-defined]
    ax.grid(axis="y", linewidth=0.3, color="#d0d0d0")  # type: ignore[attr-defined]
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)  # type: ignore[attr-defined]


def minimum_liquidity(results: Results) -> tuple[float, str] | None:
    """The liquidity line to draw: the parent's liquidity covenant, else the treasury's cash floor; None if neither."""
    cov = next((c for c in results.company.covenants if c.metric is CovenantMetric.LIQUIDITY and c.at_parent), None)
    if cov is not None:
        return cov.threshold, f"liquidity covenant: min USD {_usd_m(cov.threshold)} m"
    floor = results.company.treasury.minimum_cash
    return (floor, f"minimum cash (treasury): USD {_usd_m(floor)} m") if floor > 0 else None


#: The leverage the chart shows: the first of these a parent covenant tests, else net leverage without a limit.
LEVERAGE_TITLES = {CovenantMetric.NET_LEVERAGE: "Net debt / LTM EBITDA", CovenantMetric.LEVERAGE: "Debt / LTM EBITDA",
                   CovenantMetric.LEASE_ADJUSTED_LEVERAGE: "Lease-adjusted debt / LTM EBITDAR"}


def leverage_series(results: Results) -> tuple[np.ndarray, str, float | None, str]:
    """(values (W, Q) x, title, covenant limit or None, the covenant's label): net leverage against its
    covenant; where the firm's leverage covenant is on gross or lease-adjusted leverage, that metric instead."""
    for metric, name in LEVERAGE_TITLES.items():
        cov = next((c for c in results.company.covenants if c.metric is metric and c.at_parent), None)
        if cov is not None:
            return results.metric(metric), name, cov.threshold, cov.label
    return results.metrics["net_debt_to_ebitda"], LEVERAGE_TITLES[CovenantMetric.NET_LEVERAGE], None, ""


def _liquidity(ax: object, results: Results, names: list[str]) -> None:
    x = np.arange(len(results.quarters))
    for w, name in enumerate(names):
        ax.plot(x, results.metrics["liquidity"][w], color=colour(w), linewidth=1.4 if w == 0 else 0.9,  # type: ignore[attr-defined]
                linestyle="--" if results.cases[w] != results.cc.case.value else "-", label=name)
    line = minimum_liquidity(results)
    if line is not None:
        ax.axhline(line[0], color=LIMIT_COLOUR, linewidth=0.9, linestyle=(0, (4, 2)), label=line[1])  # type: ignore[attr-defined]
    ax.axhline(0.0, color="black", linewidth=0.5)  # type: ignore[attr-defined]
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(_usd_m))  # type: ignore[attr-defined]
    ax.set_title("Liquidity (cash + undrawn revolver), USD m", loc="left")  # type: ignore[attr-defined]
    _quarter_axis(ax, results.quarters)


def leverage_axis(values: np.ndarray, limit: float | None) -> tuple[float, float, str]:
    """(bottom, top, what was cut): from the lowest value to the highest, but no higher than
    ``LEVERAGE_AXIS_LIMITS`` x the limit (``LEVERAGE_AXIS_CAP`` without one) and no lower than a quarter of
    that below zero (net cash over a small EBITDA gives large negative ratios); the cut named, e.g. '20x'."""
    finite = values[np.isfinite(values)]
    cap = LEVERAGE_AXIS_LIMITS * limit if limit and limit > 0 else LEVERAGE_AXIS_CAP
    floor = -cap / 4
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = max(float(finite.max()) if finite.size else 1.0, limit or 0.0)
    cuts = ([f"{cap:g}x"] if high > cap else []) + ([f"{floor:g}x"] if low < floor else [])
    low, high = max(low, floor), min(high, cap)
    pad = 0.05 * (high - low or 1.0)
    return low - pad, high + pad, " and ".join(cuts)


def _leverage(ax: object, results: Results, names: list[str]) -> None:
    values, name, limit, _ = leverage_series(results)
    x = np.arange(len(results.quarters))
    for w in range(len(names)):
        ax.plot(x, values[w], color=colour(w), linewidth=1.4 if w == 0 else 0.9,  # type: ignore[attr-defined]
                linestyle="--" if results.cases[w] != results.cc.case.value else "-")
    if limit is not None:
        ax.axhline(limit, color=LIMIT_COLOUR, linewidth=0.9, linestyle=(0, (4, 2)))  # type: ignore[attr-defined]
    low, high, cut = leverage_axis(values, limit)
    ax.set_ylim(low, high)  # type: ignore[attr-defined]
    if not np.isfinite(values).any():
        ax.text(0.5, 0.5, "n.m. in every quarter: LTM EBITDA <= 0", transform=ax.transAxes,  # type: ignore[attr-defined]
                ha="center", va="center", color="#555555")
    notes = [] if limit is not None else ["no leverage covenant"]
    notes += [f"axis cut at {cut}"] if cut else []
    ax.set_title(f"{name}, x" + (f" ({'; '.join(notes)})" if notes else ""), loc="left")  # type: ignore[attr-defined]
    ax.yaxis.set_major_formatter(lambda v, _p: f"{v:g}x")  # type: ignore[attr-defined]
    _quarter_axis(ax, results.quarters)


def scenario_charts(results: Results, printable: Callable[[str], str], width_mm: float, height_mm: float) -> bytes:
    """Liquidity and leverage by scenario side by side, one legend below both. ``printable`` makes the profile's
    names (scenarios, covenants) safe for the font."""
    names = [printable(n) for n in results.world_names]

    def draw(fig: object) -> None:
        left, right = fig.subplots(1, 2)  # type: ignore[attr-defined]
        _liquidity(left, results, names)
        _leverage(right, results, names)
        handles, labels = left.get_legend_handles_labels()
        _, _, limit, label = leverage_series(results)
        if limit is not None:
            from matplotlib.lines import Line2D

            handles.append(Line2D([], [], color=LIMIT_COLOUR, linewidth=0.9, linestyle=(0, (4, 2))))
            labels.append(printable(f"{label.replace('_', ' ')} covenant: max {limit:g}x"))
        fig.legend(handles, labels, loc="lower center", ncol=min(6, len(labels)), fontsize=FONT_SIZE,  # type: ignore[attr-defined]
                   handlelength=2.2, columnspacing=1.2)
        rows = math.ceil(len(labels) / min(6, len(labels)))
        fig.subplots_adjust(left=0.07, right=0.99, top=0.92, bottom=0.13 + 0.055 * rows, wspace=0.16)  # type: ignore[attr-defined]

    return _svg(draw, width_mm, height_mm)


def fan_chart(mc: MonteCarloResult, market_pd: float | None, width_mm: float, height_mm: float) -> bytes:
    """Cash at quarter end across the paths: the 5-95 and 25-75 percentile bands and the median, USD m; the
    title carries the PD and, where the profile has signals, the market-implied PD."""
    def draw(fig: object) -> None:
        ax = fig.add_subplot()  # type: ignore[attr-defined]
        x = np.arange(len(mc.quarters))
        fan = mc.cash_fan
        ax.fill_between(x, fan[5], fan[95], color="#c6dbef", linewidth=0, label="p5-p95")
        ax.fill_between(x, fan[25], fan[75], color="#6baed6", linewidth=0, label="p25-p75")
        ax.plot(x, fan[50], color="#08306b", linewidth=1.2, label="median")
        ax.axhline(0.0, color="black", linewidth=0.5)
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(_usd_m))
        market = f"; market-implied {market_pd:.1%}" if market_pd is not None else ""
        ax.set_title(f"Cash, USD m, {mc.paths:,} paths: PD {mc.probability_of_default:.1%}{market}", loc="left")
        fig.legend(*ax.get_legend_handles_labels(), loc="lower center", fontsize=FONT_SIZE, ncol=3)  # type: ignore[attr-defined]
        _quarter_axis(ax, mc.quarters)
        fig.subplots_adjust(left=0.12, right=0.98, top=0.9, bottom=0.2)  # type: ignore[attr-defined]

    return _svg(draw, width_mm, height_mm)
