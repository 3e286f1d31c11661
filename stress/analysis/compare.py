"""Scenario comparison: one row per scenario, and the one-line answer above it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from stress.engine.covenants import Verdict
from stress.engine.results import Results


def _nan_extreme(values: np.ndarray, largest: bool, nm_is_worst: bool) -> float:
    """The worst quarter's value. For leverage an n.m. quarter (EBITDA at or below zero) is worse than any
    number, so the answer is NaN ("n.m."); for coverage n.m. means nothing to cover and is skipped."""
    finite = values[np.isfinite(values)]
    if not finite.size or (nm_is_worst and finite.size < values.size):
        return float("nan")
    return float(finite.max() if largest else finite.min())


def comparison(results: Results) -> pd.DataFrame:
    """Per scenario: minimum liquidity and its quarter, first breach, defaults, extremes of ratios, end state, verdict."""
    rows = []
    m = results.metrics
    for w, name in enumerate(results.world_names):
        e = results.events(w)
        low = int(np.argmin(m["liquidity"][w]))
        rows.append({
            "scenario": name,
            "min_liquidity": float(m["liquidity"][w, low]),
            "min_liquidity_quarter": results.quarters[low],
            "first_breach": e.first_breach,
            "first_breach_covenant": e.first_breach_covenant,
            "liquidity_default": e.liquidity_default,
            "maturity_default": e.maturity_default,
            "maturity_default_tranche": e.maturity_default_tranche,
            "peak_net_leverage": _nan_extreme(m["net_debt_to_ebitda"][w], largest=True, nm_is_worst=True),
            "trough_dscr": _nan_extreme(m["dscr"][w], largest=False, nm_is_worst=False),
            "trough_interest_cover": _nan_extreme(m["interest_cover"][w], largest=False, nm_is_worst=False),
            "ebitda_nm_quarters": int(np.sum(m["ebitda_ltm"][w] <= 0)),  # quarters whose LTM ratios are n.m.
            "rating_end": str(results.rating[w, -1]),
            "equity_end": float(results.projection["equity"][w, -1]),
            "verdict": results.verdicts[w].value,
        })
    return pd.DataFrame(rows).set_index("scenario")


def _first_event(row: pd.Series) -> tuple[str, str] | None:
    """The earliest of a scenario's default and breach events: (quarter, what)."""
    events = [(row.liquidity_default, "liquidity default"),
              (row.maturity_default, f"maturity default on {row.maturity_default_tranche}"),
              (row.first_breach, f"{row.first_breach_covenant} covenant breach")]
    dated = [(q, what) for q, what in events if isinstance(q, str)]
    return min(dated) if dated else None


def answer(table: pd.DataFrame) -> str:
    """One line: which scenarios the firm survives, which break it, and what breaks it first."""
    survives = [s for s, r in table.iterrows() if r.verdict == Verdict.PASS]
    defaults = [s for s, r in table.iterrows() if r.verdict == Verdict.DEFAULT]
    breaches = [s for s, r in table.iterrows() if r.verdict == Verdict.BREACH]
    parts = [f"Survives {', '.join(survives) if survives else 'no scenario'}."]
    if defaults:
        parts.append(f"Defaults under {', '.join(defaults)}.")
    if breaches:
        parts.append(f"Breaches covenants under {', '.join(breaches)}.")
    firsts = [(ev, s) for s, r in table.iterrows() if (ev := _first_event(r))]
    if firsts:
        (quarter, what), scenario = min(firsts)
        parts.append(f"First to break: {what} in {quarter} under {scenario}.")
    return " ".join(parts)
