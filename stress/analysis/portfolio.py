"""Portfolio views over batch outcomes: tasks, ranking, exposure and expected loss, failures.

Loss on an exposure in a scenario = amount x (1 - recovery rate) when its
firm defaults (first liquidity or maturity default) in that scenario; the
recovery rate comes from the default waterfall at the default quarter
(``stress.analysis.recovery``): secured tranches from their
collateral's market value, others pro rata by seniority. Expected loss =
sum over scenarios of weight x loss.
"""

from __future__ import annotations

import math
import numbers
import os
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np
import pandas as pd

from stress.analysis.batch import FirmOutcome, FirmTask
from stress.errors import ProfileError
from stress.io.profiles import resolve_profile
from stress.model.capital import Case
from stress.model.portfolio import Member, Portfolio
from stress.model.scenario import Scenario


@dataclass(frozen=True)
class Book:
    """The batch plan: one task per distinct profile, and where each member's exposure went."""

    tasks: list[FirmTask]
    member_slot: list[tuple[int, int]]  # member -> (task index, exposure index)


def profile_identity(path: str) -> str:
    """What makes two member paths one firm: the real path of the profile file they reach (relative and
    absolute paths, ``..``, symlinks and shipped names all meet there); the text as given when it reaches none."""
    try:
        found = resolve_profile(path)
        return os.path.realpath(found) if found.is_file() else path
    except (ProfileError, OSError, ValueError):
        return path


def _shown(path: str, limit: int = 80) -> str:
    """A refused path as the failures table shows it: at most ``limit`` characters."""
    return path if len(path) <= limit else path[:limit - 1] + "…"


def plan(members: list[Member], paths: list[str], scenarios: list[Scenario], case: Case = Case.PLAN,
         refusals: list[str | None] | None = None, detail: bool = False) -> Book:
    """One task per distinct profile (by real path); a member whose path was refused is a task of its own that
    fails. With ``detail`` each firm's projection comes back whole, for its statement sheets."""
    refusals = refusals or [None] * len(members)
    order: dict[str, int] = {}
    given: list[tuple[str, str | None]] = []  # per task: the path as first given, the refusal
    exposures: list[list] = []
    slots = []
    for m, path, refused in zip(members, paths, refusals, strict=True):
        key = f"refused:{len(given)}" if refused else profile_identity(path)
        i = order.setdefault(key, len(order))
        if i == len(exposures):
            exposures.append([])
            given.append((path, refused))
        exposures[i].append(m.exposure)
        slots.append((i, len(exposures[i]) - 1))
    tasks = [FirmTask(_shown(p) if refused else p, scenarios, exposures[i], case, refused, detail=detail)
             for i, (p, refused) in enumerate(given)]
    return Book(tasks, slots)


def _finite(value: object) -> TypeGuard[float]:
    """A real, finite number (not a boolean, None or NaN): a figure the views may compare and sum."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def long_table(outcomes: list[FirmOutcome]) -> pd.DataFrame:
    """One row per firm x scenario: the comparison columns (the CSV output)."""
    rows = [{"firm": o.name, "ticker": o.ticker, "as_of": o.as_of, "profile": o.profile, **r} for o in outcomes if o.ok for r in o.rows]
    return pd.DataFrame(rows)


def _first_default(o: FirmOutcome) -> tuple[str | None, str | None]:
    dated = [(q, r["scenario"]) for r in o.rows for q in (r["liquidity_default"], r["maturity_default"]) if isinstance(q, str)]
    return min(dated) if dated else (None, None)


def ranking(outcomes: list[FirmOutcome], scenario_names: list[str]) -> pd.DataFrame:
    """Firms, most fragile first: earliest default, then most defaulting scenarios, then lowest minimum liquidity."""
    rows = []
    for o in outcomes:
        if not o.ok:
            continue
        quarter, scenario = _first_default(o)
        # a missing figure (None, NaN) is skipped, never compared: one bad value must not sink the ranking
        liquid = [r for r in o.rows if _finite(r.get("min_liquidity"))]
        low: dict[str, Any] = min(liquid, key=lambda r: r["min_liquidity"]) if liquid else {"min_liquidity": np.nan, "scenario": None}
        dscr = [r["trough_dscr"] for r in o.rows if _finite(r.get("trough_dscr"))]
        floor = o.liquidity_floor if _finite(o.liquidity_floor) else None
        row = {
            "firm": o.name, "ticker": o.ticker, "as_of": o.as_of, "profile": o.source,
            "first_default": quarter, "first_default_scenario": scenario,
            "defaulting_scenarios": sum(r.get("verdict") == "default" for r in o.rows),
            "min_liquidity": low["min_liquidity"], "min_liquidity_scenario": low["scenario"],
            "liquidity_headroom": (low["min_liquidity"] - floor) / floor if floor and liquid else np.nan,
            "trough_dscr": min(dscr) if dscr else np.nan,
            "market_pd": o.market["pd"] if o.market else np.nan,  # from dated market signals: display only
            "market_basis": o.market["basis"] if o.market else None,
            **{f"verdict:{r['scenario']}": r.get("verdict") for r in o.rows},
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["_never"] = frame["first_default"].isna()
    frame["min_liquidity"] = pd.to_numeric(frame["min_liquidity"], errors="coerce")  # None -> NaN, sorted last
    frame = frame.sort_values(["_never", "first_default", "defaulting_scenarios", "min_liquidity"],
                              ascending=[True, True, False, True], na_position="last", kind="stable").drop(columns="_never")
    return frame.reset_index(drop=True)


def exposure_lines(portfolio: Portfolio | None, members: list[Member], book: Book, outcomes: list[FirmOutcome],
                   scenario_names: list[str]) -> pd.DataFrame:
    """Per scenario: exposure held, exposure in default (its firm's, or first its vehicle's foreclosure) and to firms
    that only breach, loss, and the weight."""
    weights = portfolio.scenario_weights if portfolio else {}
    out = []
    for s, name in enumerate(scenario_names):
        held = defaulted = breached = loss = 0.0
        for m, (t, k) in zip(members, book.member_slot, strict=True):
            o = outcomes[t]
            if m.exposure is None or not o.ok or o.exposure_error(k):
                continue
            amount = m.exposure.amount
            if not _finite(amount) or s >= len(o.rows):
                continue
            held += amount
            verdict = o.rows[s].get("verdict")
            rate = o.recovery[k][s] if k < len(o.recovery) and s < len(o.recovery[k]) else None
            if verdict == "default" or rate is not None:  # the firm defaults, or first the vehicle the exposure lends to
                defaulted += amount
                loss += amount * (1.0 - rate) if _finite(rate) else 0.0
            elif verdict == "breach":
                breached += amount
        out.append({"scenario": name, "exposure": held, "exposure_defaulting": defaulted, "exposure_breaching": breached,
                    "loss": loss, "loss_given_default": loss / defaulted if defaulted else np.nan,
                    "weight": weights.get(name, np.nan)})
    return pd.DataFrame(out).set_index("scenario")


def expected_loss(lines: pd.DataFrame) -> float | None:
    """Probability-weighted loss, USD; None without weights."""
    w = lines["weight"]
    return None if w.isna().all() else float((w.fillna(0.0) * lines["loss"]).sum(skipna=True))


def failures(outcomes: list[FirmOutcome]) -> pd.DataFrame:
    """Firms that could not be run, and members whose exposure could not be valued on a firm that ran."""
    rows = [{"profile": o.profile, "stage": o.stage, "error": o.error} for o in outcomes if not o.ok]
    rows += [{"profile": o.profile, "stage": "exposure", "error": err} for o in outcomes if o.ok for err in o.exposure_errors if err]
    return pd.DataFrame(rows, columns=["profile", "stage", "error"])


@dataclass(frozen=True)
class BatchReport:
    """Everything ``stress batch`` shows or writes, computed from the outcomes."""

    title: str
    scenario_names: list[str]
    outcomes: list[FirmOutcome]
    ranking: pd.DataFrame
    table: pd.DataFrame
    lines: pd.DataFrame
    expected_loss: float | None
    missing_weights: list[str]
    failures: pd.DataFrame

    @property
    def any_breach(self) -> bool:
        return bool((self.table["verdict"] != "pass").any()) if not self.table.empty else False


def assemble(portfolio: Portfolio | None, members: list[Member], book: Book, outcomes: list[FirmOutcome],
             scenario_names: list[str]) -> BatchReport:
    lines = exposure_lines(portfolio, members, book, outcomes, scenario_names)
    weights = portfolio.scenario_weights if portfolio else {}
    missing = [s for s in weights if s not in scenario_names]
    title = portfolio.name if portfolio else f"Batch of {len(book.tasks)} profile(s)"
    failed = failures(outcomes)
    complete = not missing and failed.empty  # a loss over part of the book would understate it
    return BatchReport(title, scenario_names, outcomes, ranking(outcomes, scenario_names), long_table(outcomes), lines,
                       expected_loss(lines) if complete else None, missing, failed)
