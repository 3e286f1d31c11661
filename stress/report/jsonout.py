"""The ``--json`` document: every line, metric, covenant test, event and verdict.

Non-finite numbers ("n.m." ratios) are written as null, never NaN or inf.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from stress.engine.results import Results

SCHEMA_VERSION = "1.0"


def _clean(values: np.ndarray) -> list[Any]:
    out: list[Any] = []
    for v in values.tolist():
        out.append(None if isinstance(v, float) and not math.isfinite(v) else v)
    return out


def scenario_document(results: Results, world: int) -> dict[str, Any]:
    p = results.projection
    return {
        "name": results.worlds[world],
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
             "limit": t.covenant.threshold, "applies_to": t.covenant.applies_to, "values": _clean(t.value[world]),
             "headroom": _clean(t.headroom[world]), "passed": [bool(x) for x in t.passed[world]]}
            for t in results.covenant_tests
        ],
        "events": dataclasses.asdict(results.events(world)),
        "verdict": results.verdicts[world].value,
    }


def document(results: Results, profile_path: str | None = None) -> dict[str, Any]:
    c = results.company
    return {
        "schema_version": SCHEMA_VERSION,
        "company": {"name": c.name, "ticker": c.ticker, "as_of": c.as_of.isoformat(),
                    "horizon_quarters": c.horizon_quarters, "profile": profile_path, "units": "USD; ratios in x; shares as fractions"},
        "scenarios": [scenario_document(results, w) for w in range(len(results.worlds))],
    }


def dumps(results: Results, profile_path: str | None = None) -> str:
    return json.dumps(document(results, profile_path), allow_nan=False)
