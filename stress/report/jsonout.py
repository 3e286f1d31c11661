"""The ``--json`` document: every line, metric, covenant test, event and verdict.

Non-finite numbers ("n.m." ratios) are written as null, never NaN or inf.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from stress.analysis.market_view import market_view, view_document
from stress.analysis.summary import annual_summary
from stress.engine.programmes import STATUS_NAMES
from stress.engine.results import Results

SCHEMA_VERSION = "1.2"


def _clean(values: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for v in values.tolist():
        out.append(None if isinstance(v, float) and not math.isfinite(v) else v)
    return out


def funding_gap_document(results: Results, world: int) -> dict[str, Any]:
    """Peak cumulative funding gap (USD), the quarter of the peak (null when none) and the gap by quarter."""
    peak, quarter = results.funding_gap(world)
    return {"peak": peak, "quarter": quarter, "by_quarter": _clean(results.projection["funding_gap"][world])}


def annual_document(results: Results, world: int) -> dict[str, dict[str, Any]]:
    """The annual summary by the firm's fiscal year ('2026', or 'FY2026' off a December year end): flows summed,
    balances and ratios at the year's last quarter in the horizon, ``quarters`` counted."""
    frame = annual_summary(results, world)
    return {str(year): {col: v if isinstance(v, str) else _num(float(v)) for col, v in row.items()}
            for year, row in frame.iterrows()}


def programmes_document(results: Results, world: int) -> dict[str, list[str]]:
    """Each programme's status (scheduled, deferred, building, delivered, cancelled) at each quarter end."""
    status = results.projection.programme_status
    if status is None:
        return {}
    return {name: [STATUS_NAMES[int(code)] for code in status[world, j]] for j, name in enumerate(results.cc.programmes.names)}


def scenario_document(results: Results, world: int) -> dict[str, Any]:
    p = results.projection
    return {
        "name": results.worlds[world],
        "case": results.cases[world],
        "quarters": results.quarters,
        "lines": {name: _clean(arr[world]) for name, arr in p.lines.items()},
        "metrics": {
            **{name: _clean(arr[world]) for name, arr in results.metrics.items()},
            "ltv": {name: _clean(arr[world]) for name, arr in results.ltv.items()},
            "rating": list(results.rating[world]),
        },
        "debt": {
            name: {line: _clean(p.tranches[line][world, t]) for line in p.tranches}
            for t, name in enumerate(results.cc.tranche_names)
        },
        "covenants": [
            {"name": t.covenant.label, "metric": t.covenant.metric.value, "kind": "min" if t.covenant.is_minimum else "max",
             "limit": t.covenant.threshold, "applies_to": t.covenant.applies_to, "tested_at": t.covenant.tested_at,
             "test": t.covenant.kind.value, "on_breach": t.covenant.consequence.value, "values": _clean(t.value[world]),
             "headroom": _clean(t.headroom[world]), "passed": [bool(x) for x in t.passed[world]]}
            for t in results.covenant_tests
        ],
        "events": dataclasses.asdict(results.events(world)),
        "vehicles": {name: {line: _clean(p.vehicles[line][world, v]) for line in p.vehicles}
                     for v, name in enumerate(results.cc.vehicles.names)},
        "verdict": results.verdicts[world].value,
        "funding_gap": funding_gap_document(results, world),
        "programmes": programmes_document(results, world),
        "annual": annual_document(results, world),
    }


def document(results: Results, profile_path: str | None = None) -> dict[str, Any]:
    c = results.company
    return {
        "schema_version": SCHEMA_VERSION,
        "company": {"name": c.name, "ticker": c.ticker, "as_of": c.as_of.isoformat(),
                    "horizon_quarters": c.horizon_quarters,
                    "fiscal_year_end": c.reporting.fiscal_year_end, "profile": profile_path, "units": "USD; ratios in x; shares as fractions"},
        "scenarios": [scenario_document(results, w) for w in range(len(results.worlds))],
    }


def dumps(results: Results, profile_path: str | None = None) -> str:
    return json.dumps(document(results, profile_path), allow_nan=False)


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def breakeven_document(cc: Any, rows: list[Any]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "company": cc.company.name, "as_of": cc.company.as_of.isoformat(),
            "breakeven": [{"driver": r.driver, "event": r.event.value, "size": _num(r.size), "safe_size": _num(r.safe_size),
                           "quarter": r.quarter, "covenant": r.what, "at_baseline": r.at_baseline, "text": r.text} for r in rows]}


def grid_document(cc: Any, g: Any) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "company": cc.company.name, "metric": g.metric.value,
            "x": {"driver": g.x.driver.name, "sizes": _clean(g.x.sizes)},
            "y": {"driver": g.y.driver.name, "sizes": _clean(g.y.sizes)},
            "values": [_clean(row) for row in g.values],
            "quarters": g.quarters}


def tornado_document(cc: Any, t: Any) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "company": cc.company.name,
            "baseline": {"min_liquidity": _num(t.baseline_min_liquidity), "trough_dscr": _num(t.baseline_trough_dscr)},
            "bars": [{"driver": b.driver, "adverse": b.adverse_text, "favourable": b.favourable_text,
                      "min_liquidity_change": [_num(x) for x in b.min_liquidity],
                      "trough_dscr_change": [_num(x) for x in b.trough_dscr]} for b in t.bars]}


def montecarlo_document(cc: Any, r: Any) -> dict[str, Any]:
    lo, hi = r.pd_interval
    return {"schema_version": SCHEMA_VERSION, "company": cc.company.name, "paths": r.paths, "seed": r.seed,
            "fiscal_year_end": r.fiscal_year_end,
            "params": r.params.model_dump(),
            "probability_of_default": r.probability_of_default, "pd_interval_95": [lo, hi],
            "pd_by_year": {str(y): p for y, p in r.pd_by_year().items()},
            "min_liquidity_percentiles": {f"p{p}": v for p, v in r.min_liquidity_percentiles().items()},
            "cash_fan": {"quarters": r.quarters, **{f"p{p}": _clean(v) for p, v in r.cash_fan.items()}},
            "exposure": {"amount": r.exposure.amount, "tranche": r.exposure.tranche, "seniority": r.exposure.seniority.value},
            "loss_given_default": _num(r.loss_given_default), "expected_loss": r.expected_loss,
            "vehicle_pd": r.vehicle_pd,
            "market_view": view_document(market_view(cc.company, len(r.quarters) / 4.0), r.probability_of_default,
                                         r.vehicle_pd)}


def dumps_document(doc: dict[str, Any]) -> str:
    return json.dumps(doc, allow_nan=False)


def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as dicts with NaN written as null."""
    rows = frame.to_dict("records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()} for r in rows]


def batch_document(title: str, ranking: Any, table: Any, lines: Any, expected_loss: float | None, failures: Any,
                   joint: Any = None) -> dict[str, Any]:
    """The batch as JSON; ``joint`` is the joint Monte Carlo (``stress.analysis.joint.JointResult``) with
    ``--paths``, null without."""
    return {"schema_version": SCHEMA_VERSION, "portfolio": title, "ranking": _records(ranking),
            "results": _records(table), "exposure": _records(lines.reset_index()),
            "expected_loss": expected_loss, "failures": _records(failures),
            "joint": None if joint is None else joint.as_dict()}
