"""Portfolio views over batch outcomes: tasks, ranking, exposure and expected loss, failures.

Loss on an exposure in a scenario = amount x (1 - recovery rate) when its
firm defaults (first liquidity or maturity default) in that scenario; the
recovery rate comes from the default waterfall at the default quarter
(``stress.analysis.recovery``): secured tranches from their
collateral's market value, others pro rata by seniority. Expected loss =
sum over scenarios of weight x loss.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stress.model.capital import Case
from stress.analysis.batch import FirmOutcome, FirmTask
from stress.model.portfolio import Member, Portfolio
from stress.model.scenario import Scenario


@dataclass(frozen=True)
class Book:
    """The batch plan: one task per distinct profile, and where each member's exposure went."""

    tasks: list[FirmTask]
    member_slot: list[tuple[int, int]]  # member -> (task index, exposure index)


def plan(members: list[Member], paths: list[str], scenarios: list[Scenario], case: Case = Case.PLAN) -> Book:
    order: dict[str, int] = {}
    exposures: list[list] = []
    slots = []
    for m, path in zip(members, paths, strict=True):
        i = order.setdefault(path, len(order))
        if i == len(exposures):
            exposures.append([])
        exposures[i].append(m.exposure)
        slots.append((i, len(exposures[i]) - 1))
    tasks = [FirmTask(p, scenarios, exposures[i], case) for p, i in order.items()]
    return Book(tasks, slots)


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
        low = min(o.rows, key=lambda r: r["min_liquidity"])
        dscr = [r["trough_dscr"] for r in o.rows if r["trough_dscr"] is not None and np.isfinite(r["trough_dscr"])]
        row = {
            "firm": o.name, "ticker": o.ticker, "as_of": o.as_of,
            "first_default": quarter, "first_default_scenario": scenario,
            "defaulting_scenarios": sum(r["verdict"] == "default" for r in o.rows),
            "min_liquidity": low["min_liquidity"], "min_liquidity_scenario": low["scenario"],
            "liquidity_headroom": (low["min_liquidity"] - o.liquidity_floor) / o.liquidity_floor if o.liquidity_floor else np.nan,
            "trough_dscr": min(dscr) if dscr else np.nan,
            **{f"verdict:{r['scenario']}": r["verdict"] for r in o.rows},
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["_never"] = frame["first_default"].isna()
    frame = frame.sort_values(["_never", "first_default", "defaulting_scenarios", "min_liquidity"],
                              ascending=[True, True, False, True]).drop(columns="_never")
    return frame.reset_index(drop=True)


def exposure_lines(portfolio: Portfolio | None, members: list[Member], book: Book, outcomes: list[FirmOutcome],
                   scenario_names: list[str]) -> pd.DataFrame:
    """Per scenario: exposure held, exposure to firms that default and that only breach, loss, and the weight."""
    weights = portfolio.scenario_weights if portfolio else {}
    out = []
    for s, name in enumerate(scenario_names):
        held = defaulted = breached = loss = 0.0
        for m, (t, k) in zip(members, book.member_slot, strict=True):
            o = outcomes[t]
            if m.exposure is None or not o.ok or o.exposure_error(k):
                continue
            amount = m.exposure.amount
            held += amount
            verdict = o.rows[s]["verdict"]
            if verdict == "default":
                defaulted += amount
                loss += amount * (1.0 - (o.recovery[k][s] if o.recovery[k][s] is not None else 1.0))
            elif verdict == "breach":
                breached += amount
        out.append({"scenario": name, "exposure": held, "exposure_defaulting": defaulted, "exposure_breaching": breached,
                    "loss": loss, "loss_given_default": loss / defaulted if defaulted else np.nan,
                    "weight": weights.get(name, np.nan)})
    return pd.DataFrame(out).set_index("scenario")


def expected_loss(lines: pd.DataFrame) -> float | None:
    """Probability-weighted loss, USD; None without weights."""
    w = lines["weight"]
    return None if w.isna().all() else float((w.fillna(0.0) * lines["loss"]).sum())


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
