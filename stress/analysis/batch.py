"""Running many firms x many scenarios, one firm per task, in a process pool.

A worker loads, projects and reduces one firm to a small picklable
``FirmOutcome``; it never touches Rich. Any failure inside a firm (an
invalid profile, a scenario naming what the firm lacks, an error in its
run) becomes that firm's recorded failure, and every other firm goes on.
"""

from __future__ import annotations

import math
import os
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stress.analysis.compare import comparison
from stress.analysis.recovery import exposure_recovery, recoveries_at_default
from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.covenants import NOT_FOUND
from stress.engine.project import project
from stress.engine.results import Results
from stress.errors import StressError
from stress.io.profiles import load_profile
from stress.model.covenant import CovenantMetric
from stress.model.portfolio import Exposure
from stress.model.scenario import Scenario
from stress.model.capital import Case
from stress.scenarios.build import build_worlds


@dataclass(frozen=True)
class FirmTask:
    profile: str  # path or shipped name
    scenarios: list[Scenario]
    exposures: list[Exposure | None]  # one per portfolio member that holds this firm
    case: Case = Case.PLAN


@dataclass
class FirmOutcome:
    """One firm's reduced results, or its failure."""

    profile: str
    name: str = ""
    ticker: str = ""
    as_of: str = ""
    error: str | None = None  # one-screen message when the firm failed
    stage: str | None = None  # "profile", "scenarios" or "run"
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per scenario: the comparison columns
    recovery: list[list[float | None]] = field(default_factory=list)  # [exposure][scenario] rate at default
    exposure_errors: list[str | None] = field(default_factory=list)  # [exposure] why it could not be valued
    liquidity_floor: float | None = None  # the liquidity covenant's minimum, USD, if any

    @property
    def ok(self) -> bool:
        return self.error is None

    def exposure_error(self, k: int) -> str | None:
        return self.exposure_errors[k] if k < len(self.exposure_errors) else None


def exposure_recoveries(cc: CompiledCompany, results: Results, exposures: list[Exposure | None]) -> list[list[float | None]]:
    """Recovery rate of each exposure in each world where the firm defaults (None where it does not)."""
    d = results.default_quarter
    per_tranche, by_class = recoveries_at_default(cc, results.projection, d)
    out: list[list[float | None]] = []
    for e in exposures:
        if e is None:
            out.append([None] * len(d))
            continue
        rr = exposure_recovery(cc, per_tranche, by_class, e.tranche, e.seniority)
        out.append([float(r) if q != NOT_FOUND else None for r, q in zip(rr, d, strict=True)])
    return out


def _finite_or_none(value: Any) -> Any:
    """NaN ("n.m.", "never") becomes None, so outcomes compare, pickle and serialise plainly."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def exposure_errors(cc: CompiledCompany, exposures: list[Exposure | None]) -> list[str | None]:
    """Per exposure: why it cannot be valued on this firm (a tranche it lacks), or None."""
    return [f"exposure names tranche {e.tranche!r}, which the profile does not have; tranches: {', '.join(cc.tranche_names)}"
            if e is not None and e.tranche is not None and e.tranche not in cc.tranche_names else None for e in exposures]


def run_firm(task: FirmTask) -> FirmOutcome:
    """Project one firm under every scenario and reduce it; failures are caught and described."""
    out = FirmOutcome(task.profile)
    stage = "profile"
    try:
        company = load_profile(task.profile).company
        out.name, out.ticker, out.as_of = company.name, company.ticker, company.as_of.isoformat()
        cc = compile_company(company, task.case)
        out.exposure_errors = exposure_errors(cc, task.exposures)
        valued = [None if err else e for e, err in zip(task.exposures, out.exposure_errors, strict=True)]
        stage = "scenarios"
        worlds = build_worlds(cc, task.scenarios)
        stage = "run"
        results = Results(project(cc, worlds))
        out.rows = [{k: _finite_or_none(v) for k, v in r.items()} for r in comparison(results).reset_index().to_dict("records")]
        out.recovery = exposure_recoveries(cc, results, valued)
        floors = [c.threshold for c in company.covenants if c.metric is CovenantMetric.LIQUIDITY]
        out.liquidity_floor = max(floors) if floors else None
    except StressError as err:
        out.error, out.stage = str(err), stage
    except Exception as err:  # noqa: BLE001 - one firm's bug must not sink the batch; it is reported
        last = traceback.extract_tb(err.__traceback__)[-1]
        out.error, out.stage = f"{type(err).__name__}: {err} (at {last.filename.rsplit('/', 1)[-1]}:{last.lineno})", stage
    return out


def run_batch(tasks: list[FirmTask], jobs: int | None = None,
              progress: Callable[[FirmOutcome], None] | None = None) -> list[FirmOutcome]:
    """Every task, in input order; ``jobs`` worker processes (default: the core count; 1 runs in-process)."""
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) == 1:
        outcomes = []
        for t in tasks:
            outcomes.append(run_firm(t))
            if progress:
                progress(outcomes[-1])
        return outcomes
    results: list[FirmOutcome | None] = [None] * len(tasks)
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_firm, t): i for i, t in enumerate(tasks)}
        for f in as_completed(futures):
            i = futures[f]
            try:
                results[i] = f.result()
            except Exception as err:  # noqa: BLE001 - a worker that died (memory, signal) fails its firm only
                results[i] = FirmOutcome(tasks[i].profile, error=f"worker failed: {type(err).__name__}: {err}", stage="run")
            if progress:
                progress(results[i])  # type: ignore[arg-type]
    return results  # type: ignore[return-value]
