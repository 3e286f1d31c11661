"""Rich rendering of ``stress diff``: the fields that changed between two profiles, or what moved between two
results (per scenario, or the Monte Carlo's PD)."""

from __future__ import annotations

import math
from typing import Any

import yaml
from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from stress.analysis.diff import (
    Diff,
    MonteCarloMove,
    Moved,
    ScenarioMove,
    company_line,
    overrides,
)
from stress.report.console import stdout
from stress.report.format import pct, times, usd_m
from stress.report.table_fit import LabelledTable

#: Characters of a value shown in a cell; the --json output has it whole.
VALUE_CHARS = 36
_VERDICT_STYLE = {"pass": "green", "breach": "yellow", "default": "red"}


def print_diff(d: Diff) -> None:
    """The comparison of A and B on stdout."""
    stdout.print(f"A: {escape(d.a.label)}\nB: {escape(d.b.label)}")
    if d.kind == "profile":
        _print_profile(d)
    elif d.kind == "run":
        _print_run(d)
    elif d.montecarlo is not None:
        _print_montecarlo(d, d.montecarlo)


def _cell(value: Any) -> str:
    """A value whole, wrapped by its column: a plain value as written, a list or mapping in YAML flow style;
    a mapping too long to read in a cell (a whole tranche or cohort added) by its size, never cut short."""
    if value is None:
        return "–"
    if isinstance(value, (dict, list)):
        text = yaml.safe_dump(value, default_flow_style=True, width=10_000, allow_unicode=True, sort_keys=False).strip()
        if isinstance(value, dict) and len(text) > VALUE_CHARS:
            name = value.get("name")
            return f"an item of {len(value)} fields" + (f", named {name}" if isinstance(name, str) else "")
    else:
        text = str(value)
    return " ".join(text.split())


def _table(title: str, columns: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", title_style="bold")
    for name, justify in columns:
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    return table


def _print_profile(d: Diff) -> None:
    if d.as_written:
        invalid = " and ".join(f"{side} ({n} problem(s))" for side, n in (("A", d.a.problems), ("B", d.b.problems)) if n)
        stdout.print(f"[yellow]Compared as written[/]: {invalid} does not validate, so a value written two ways "
                     "(9.25% and 0.0925) counts as a change; stress validate lists the problems.")
    if not d.changes:
        stdout.print("[green]The profiles are the same[/] (as the model reads them: comments and the way a value "
                     "is written aside).")
        return
    counts = {k: sum(c.kind == k for c in d.changes) for k in ("changed", "added", "removed")}
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n)
    # no label column: the path and both values share the width, the widest shrinking first
    t = LabelledTable(title=f"Fields that differ ({summary})", title_justify="left", title_style="bold", expand=True,
                      labels=0, balance=False)
    t.add_column("Field", ratio=3, overflow="fold")  # a path is never cut: it is what to look up or --set
    t.add_column("A", ratio=2, overflow="fold")  # values wrap whole: a diff that cuts them hides the change
    t.add_column("B", ratio=2, overflow="fold")
    style = {"changed": "", "added": "green", "removed": "red"}
    for c in d.changes:
        t.add_row(Text(c.path, style="cyan"), Text(_cell(c.a), style=style[c.kind] if c.kind == "removed" else ""),
                  Text(_cell(c.b), style=style[c.kind] if c.kind == "added" else ""))
    stdout.print(t)


def _verdict(v: Any) -> Text:
    return Text(str(v) if v is not None else "–", style=_VERDICT_STYLE.get(str(v), ""))


def _pair(m: Moved, shown: Any = None) -> Text:
    """``A → B``, or the one value when it did not move."""
    show = shown or (lambda x: "–" if x is None else str(x))
    if not m.changed:
        return Text(show(m.a), style="dim")
    return Text(f"{show(m.a)} → {show(m.b)}", style="bold")


def _money_move(m: Moved, up_is_worse: bool = False) -> Text:
    """``A → B (+change)`` in USD m, red when it moved the bad way (liquidity down; a loss up)."""
    if not m.changed:
        return Text(usd_m(m.a), style="dim")
    delta = m.change
    moved = f" ({'+' if delta >= 0 else '−'}{usd_m(abs(delta))})" if delta is not None and math.isfinite(delta) else ""
    worse = delta is not None and (delta > 0 if up_is_worse else delta < 0)
    style = "red" if worse else "green" if delta else ""
    return Text(f"{usd_m(m.a)} → {usd_m(m.b)}{moved}", style=style)


_FIGURES = (("first_breach", "first breach"), ("default", "default"), ("min_liquidity", "min liquidity"),
            ("trough_dscr", "trough DSCR"))


def _figure_text(key: str, value: Any) -> str:
    if key == "min_liquidity":
        return usd_m(value) if value is not None else "–"
    if key == "trough_dscr":
        return times(value) if value is not None else "–"
    return "–" if value is None else str(value)


def _delta(key: str, m: Moved) -> Text:
    """B less A for the numbers (USD m, x), red when it is worse for the firm."""
    d = m.change
    if d is None or not math.isfinite(d) or key not in ("min_liquidity", "trough_dscr"):
        return Text("")
    text = f"{'+' if d >= 0 else '−'}{usd_m(abs(d)) if key == 'min_liquidity' else f'{abs(d):.2f}x'}"
    return Text(text, style="red" if d < 0 else "green" if d > 0 else "")


def _scenario_rows(s: ScenarioMove) -> list[list[Text]]:
    """The verdict, then each figure that moved: [scenario, figure, A, B, change]."""
    name = s.scenario + (f" ({s.case})" if s.case != "plan" and s.case not in s.scenario else "")
    if s.present != "both":
        side = s.verdict.a if s.present == "a" else s.verdict.b
        a, b = (_verdict(side), Text("not run", style="dim")) if s.present == "a" else (Text("not run", style="dim"), _verdict(side))
        return [[Text(name), Text("verdict"), a, b, Text("")]]
    rows = [[Text(name), Text("verdict"), _verdict(s.verdict.a), _verdict(s.verdict.b) if s.verdict.changed
             else Text("same", style="dim"), Text("")]]
    for key, label in _FIGURES:
        m = s.figures[key]
        if m.changed:
            rows.append([Text(""), Text(label), Text(_figure_text(key, m.a)), Text(_figure_text(key, m.b)), _delta(key, m)])
    return rows


def _print_run(d: Diff) -> None:
    a, b = company_line(d.a.data), company_line(d.b.data)
    stdout.print(f"[bold]{escape(a)}[/]" + (f" → [bold]{escape(b)}[/]" if b != a else ""))
    _print_overrides(d)
    flipped = [s for s in d.scenarios if s.present == "both" and s.verdict.changed]
    if flipped:
        stdout.print("Verdicts changed: " + "; ".join(f"{escape(s.scenario)} {s.verdict.a} → {s.verdict.b}" for s in flipped))
    moved = sum(s.changed for s in d.scenarios)
    t = Table(title=f"What moved, by scenario ({moved} of {len(d.scenarios)} moved; USD m)", title_justify="left",
              title_style="bold", box=box.SIMPLE_HEAD, pad_edge=False)
    for column, justify in (("Scenario", "left"), ("Figure", "left"), ("A", "right"), ("B", "right"), ("B − A", "right")):
        t.add_column(column, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for s in d.scenarios:
        for i, row in enumerate(_scenario_rows(s)):
            t.add_row(*row, end_section=i == len(_scenario_rows(s)) - 1)
    stdout.print(t)


def _print_overrides(d: Diff) -> None:
    """The --set overrides each result was run with, when there were any: a moved figure may be theirs."""
    for side, doc in (("A", d.a.data), ("B", d.b.data)):
        if sets := overrides(doc):
            stdout.print(f"{side} was run with " + ", ".join(f"--set {escape(x)}" for x in sets))


def _pd_move(m: Moved) -> Text:
    if not m.changed:
        return Text(pct(m.a), style="dim")
    delta = m.change
    moved = f" ({delta * 100:+.1f} pp)" if delta is not None else ""
    style = "red" if delta is not None and delta > 0 else "green" if delta else ""
    return Text(f"{pct(m.a)} → {pct(m.b)}{moved}", style=style)


def _whole(v: Any) -> str:
    return "–" if v is None else f"{v:,.0f}"


def _interval(v: Any) -> str:
    return f"{pct(v[0])}–{pct(v[1])}" if isinstance(v, list) and len(v) == 2 else "–"


def _print_montecarlo(d: Diff, mc: MonteCarloMove) -> None:
    a, b = company_line(d.a.data), company_line(d.b.data)
    stdout.print(f"[bold]{escape(a)}[/]" + (f" → [bold]{escape(b)}[/]" if b != a else "") + ": Monte Carlo, "
                 f"paths {_pair(mc.paths, _whole).plain}, seed {_pair(mc.seed, _whole).plain}")
    _print_overrides(d)
    t = _table("What moved", [("Figure", "left"), ("A → B", "right")])
    t.add_row("Probability of default", _pd_move(mc.probability_of_default))
    t.add_row("  95% interval", _pair(mc.pd_interval_95, _interval))
    t.add_row("Loss given default", _pd_move(mc.loss_given_default))
    t.add_row("Expected loss (USD m)", _money_move(mc.expected_loss, up_is_worse=True))
    for year, m in mc.pd_by_year.items():
        t.add_row(f"PD by end of {year}", _pd_move(m))
    for name, m in mc.vehicle_pd.items():
        t.add_row(f"Foreclosure of {escape(name)}", _pd_move(m))
    for p, m in mc.min_liquidity_percentiles.items():
        t.add_row(f"Min liquidity {p} (USD m)", _money_move(m))
    stdout.print(t)
