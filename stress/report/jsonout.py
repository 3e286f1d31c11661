"""The ``--json`` document: every line, metric, covenant test, event and verdict.

Non-finite numbers ("n.m." ratios) are written as null, never NaN or inf.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from stress.analysis.market_view import market_view, view_document
from stress.analysis.summary import annual_summary
from stress.engine.programmes import STATUS_NAMES
from stress.engine.results import Results
from stress.report.documents import UNITS


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
        "name": results.world_names[world],
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


def run_document(head: dict[str, Any], results: Results) -> dict[str, Any]:
    """``stress run --json``: the envelope and company (``head``), then every scenario's projection."""
    return {**head, "scenarios": [scenario_document(results, w) for w in range(len(results.world_names))]}


def _num(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def breakeven_document(head: dict[str, Any], rows: list[Any]) -> dict[str, Any]:
    return {**head, "breakeven": [
        {"driver": r.driver, "event": r.event.value, "size": _num(r.size), "safe_size": _num(r.safe_size),
         "quarter": r.quarter, "covenant": r.what, "at_baseline": r.at_baseline, "text": r.text} for r in rows]}


def grid_document(head: dict[str, Any], g: Any) -> dict[str, Any]:
    return {**head, "metric": g.metric.value,
            "x": {"driver": g.x.driver.name, "sizes": _clean(g.x.sizes)},
            "y": {"driver": g.y.driver.name, "sizes": _clean(g.y.sizes)},
            "values": [_clean(row) for row in g.values],
            "quarters": g.quarters}


def tornado_document(head: dict[str, Any], t: Any) -> dict[str, Any]:
    return {**head, "baseline": {"min_liquidity": _num(t.baseline_min_liquidity), "trough_dscr": _num(t.baseline_trough_dscr)},
            "bars": [{"driver": b.driver, "adverse": b.adverse_text, "favourable": b.favourable_text,
                      "min_liquidity_change": [_num(x) for x in b.min_liquidity],
                      "trough_dscr_change": [_num(x) for x in b.trough_dscr]} for b in t.bars]}


def montecarlo_document(head: dict[str, Any], cc: Any, r: Any) -> dict[str, Any]:
    lo, hi = r.pd_interval
    return {**head, "paths": r.paths, "seed": r.seed,
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


def _records(frame: Any) -> list[dict[str, Any]]:
    """DataFrame rows as dicts with NaN written as null."""
    rows = frame.to_dict("records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()} for r in rows]


_RANKING_COMPANY = ("firm", "ticker", "as_of", "profile")
_VERDICT = "verdict:"


def _ranking_row(row: dict[str, Any], companies: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A ranking row with its firm as the one company object and its verdicts by scenario."""
    rest = {k: v for k, v in row.items() if k not in _RANKING_COMPANY and not k.startswith(_VERDICT)}
    verdicts = {k.removeprefix(_VERDICT): v for k, v in row.items() if k.startswith(_VERDICT)}
    return {"company": companies[row["profile"]], **rest, "verdicts": verdicts}


def _company(o: Any) -> dict[str, Any]:
    """The company object of a firm that ran in a batch (``stress.analysis.batch.FirmOutcome``)."""
    return {"name": o.name, "ticker": o.ticker, "as_of": o.as_of, "horizon_quarters": o.horizon_quarters,
            "fiscal_year_end": o.fiscal_year_end, "profile": o.path, "sha256": o.sha256,
            "units": UNITS}


def batch_document(head: dict[str, Any], rep: Any, joint: Any = None) -> dict[str, Any]:
    """The batch as JSON: each ranking row's company is the firm of its profile file (``FirmOutcome.source``);
    ``joint`` is the joint Monte Carlo (``stress.analysis.joint.JointResult``) with ``--paths``, null without."""
    companies = {o.source: _company(o) for o in rep.outcomes if o.ok}
    return {**head, "portfolio": rep.title, "ranking": [_ranking_row(r, companies) for r in _records(rep.ranking)],
            "results": _records(rep.table), "exposure": _records(rep.lines.reset_index()),
            "expected_loss": rep.expected_loss, "failures": _records(rep.failures),
            "joint": None if joint is None else joint.as_dict()}


def _frame_records(frame: Any) -> list[dict[str, Any]]:
    """A table of the profile as records: the index becomes a column, dates ISO text, NaN null."""
    import pandas as pd

    flat = frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index()
    flat.columns = [str(c) for c in flat.columns]
    return [{k: _plain(v) for k, v in r.items()} for r in flat.to_dict("records")]


def _plain(v: Any) -> Any:
    """A table cell as JSON: numbers as floats or ints, dates and periods as text, NaN and NaT as null."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return None
    if isinstance(v, np.generic):
        return _plain(v.item())
    if isinstance(v, (bool, int, float, str)):
        return v
    if hasattr(v, "isoformat"):
        return v.isoformat()
    text = str(v)
    return None if text in ("NaT", "nan") else text


def show_document(head: dict[str, Any], company: Any, opening: Any) -> dict[str, Any]:
    """``stress show --json``: the tables of the profile at as_of (USD, fractions) and the reconciliation."""
    from stress.analysis import profile as pa

    c = company
    tables: dict[str, Any] = {"case_split": _frame_records(pa.case_split(c)),
                              "opening_reconciliation": [opening_row(opening)]}
    if c.debt:
        tables["capital_structure"] = _frame_records(pa.capital_structure(c))
        tables["maturity_ladder"] = _frame_records(pa.maturity_ladder(c))
    if c.vehicles:
        tables["vehicles"] = _frame_records(pa.vehicles_table(c))
    if c.leases:
        tables["lease_commitments"] = _frame_records(pa.lease_commitments(c))
    if c.cohorts:
        tables["fleet"] = _frame_records(pa.fleet_table(c))
    if c.contracts:
        tables["contracts"] = _frame_records(pa.contract_table(c))
        tables["customer_concentration"] = _frame_records(pa.customer_concentration(c))
    return {**head, "tables": tables, "undrawn_committed": pa.undrawn_committed(c) if c.debt else None}


def opening_row(ob: Any) -> dict[str, float | None]:
    """The opening balance sheet derived from the schedules, beside what was reported (USD)."""
    return {"cash": ob.cash, "receivables": ob.receivables, "ppe": ob.ppe,
            "construction_in_progress": ob.construction_in_progress, "rou_assets": ob.rou_assets,
            "other_assets": ob.other_assets, "total_assets": ob.total_assets, "debt": ob.debt,
            "debt_discount": ob.debt_discount, "lease_liabilities": ob.lease_liabilities,
            "other_liabilities": ob.other_liabilities, "total_liabilities": ob.total_liabilities, "equity": ob.equity,
            "reported_total_assets": ob.reported_total_assets, "reported_total_liabilities": ob.reported_total_liabilities,
            "reported_equity": ob.reported_equity}


def problem_document(p: Any) -> dict[str, Any]:
    """One located problem (``stress.errors.Problem``)."""
    from stress.errors import shown_value

    return {"field": p.path, "message": p.message, "value": None if p.value is None else shown_value(p.value),
            "line": p.line, "column": p.column}


def scenarios_document(head: dict[str, Any], scenarios: list[Any]) -> dict[str, Any]:
    """``stress scenarios --json``: each scenario as it would be written in a scenario file."""
    return {**head, "scenarios": [s.model_dump(mode="json") for s in scenarios]}


def validate_document(head: dict[str, Any], checked: list[Any]) -> dict[str, Any]:
    """``stress validate --json``: each file (``stress.api.Checked``), profile or portfolio, valid (a profile
    with its company and warnings) or with its problems, in the order given."""
    from stress.errors import InputError
    from stress.io.profiles import LoadedProfile
    from stress.report.envelope import company_ref

    files: list[dict[str, Any]] = []
    for c in checked:
        r = c.result
        if isinstance(r, InputError):
            files.append({"path": str(r.file), "kind": c.kind, "valid": False,
                          "problems": [problem_document(p) for p in r.problems]})
        elif isinstance(r, LoadedProfile):
            files.append({"path": str(r.path), "kind": c.kind, "valid": True,
                          "company": company_ref(r.company, r.path, r.sha256),
                          "warnings": [problem_document(p) for p in r.warnings]})
        else:
            files.append({"path": str(r.path), "kind": c.kind, "valid": True})
    return {**head, "files": files}


def diff_document(head: dict[str, Any], result: Any) -> dict[str, Any]:
    """``stress diff --json``: the comparison (``stress.analysis.diff.Diff``), non-finite figures as null."""
    return {**head, **_finite(result.as_dict())}


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float as None (JSON has no NaN), without recursion (a deep profile)."""
    root: list[Any] = [value]
    todo: list[tuple[Any, Any]] = [(root, 0)]
    while todo:
        holder, key = todo.pop()
        item = holder[key]
        if isinstance(item, float) and not math.isfinite(item):
            holder[key] = None
        elif isinstance(item, dict):
            holder[key] = item = dict(item)
            todo.extend((item, k) for k in item)
        elif isinstance(item, list):
            holder[key] = item = list(item)
            todo.extend((item, i) for i in range(len(item)))
    return root[0]
