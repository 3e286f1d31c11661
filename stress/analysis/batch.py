"""Running many firms x many scenarios, one firm per task, in a process pool.

A worker loads, projects and reduces one firm to a small picklable
``FirmOutcome``; it never touches Rich. Any failure inside a firm (an
invalid profile, a scenario naming what the firm lacks, an error in its
run, figures that turn non-finite) becomes that firm's recorded failure,
and every other firm goes on.

A worker that dies hard (killed by the out-of-memory killer, a segfault)
breaks a ``ProcessPoolExecutor``: every future still pending fails with
it. ``run_batch`` keeps what finished, resubmits the firms that never
started to a fresh pool, and retries each firm that was in flight alone in
its own process, so only a firm that kills its worker by itself is lost
(reported as "worker died").

With ``engine="dask"`` the same ``run_firm`` runs on a Dask cluster instead
(``stress.analysis.engines.dask_batch``), with profiles shipped as validated
data and the scheduler's retries in place of the pool's.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stress.analysis.compare import comparison
from stress.analysis.engines import engine_choice
from stress.analysis.market_view import headline_summary, market_view
from stress.analysis.recovery import exposure_outcome
from stress.engine import finite
from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.timeline import NEVER
from stress.errors import StressError
from stress.io.profiles import LoadedProfile, load_profile
from stress.model.capital import Case
from stress.model.covenant import CovenantMetric
from stress.model.portfolio import Exposure
from stress.model.scenario import Scenario
from stress.scenarios.build import build_worlds


@dataclass(frozen=True)
class FirmTask:
    profile: str  # path or shipped name
    scenarios: list[Scenario]
    exposures: list[Exposure | None]  # one per portfolio member that holds this firm
    case: Case = Case.PLAN
    refused: str | None = None  # why the member's path was refused (never read); the task fails without running
    loaded: LoadedProfile | None = None  # the profile, loaded and validated already (shipped to a remote worker)
    detail: bool = False  # return the whole projection too (``batch --detail``'s statement sheets)


@dataclass
class FirmOutcome:
    """One firm's reduced results, or its failure."""

    profile: str
    name: str = ""
    ticker: str = ""
    as_of: str = ""
    horizon_quarters: int = 0
    fiscal_year_end: int = 12
    path: str = ""  # the profile file the given name or path resolved to
    sha256: str | None = None  # of that file's bytes as loaded
    error: str | None = None  # one-screen message when the firm failed
    stage: str | None = None  # "profile", "scenarios" or "run"
    rows: list[dict[str, Any]] = field(default_factory=list)  # one per scenario: the comparison columns
    recovery: list[list[float | None]] = field(default_factory=list)  # [exposure][scenario] rate at default
    exposure_errors: list[str | None] = field(default_factory=list)  # [exposure] why it could not be valued
    liquidity_floor: float | None = None  # the liquidity covenant's minimum, USD, if any
    market: dict[str, Any] | None = None  # the market-implied PD from the profile's signals (display only), if any
    results: Results | None = None  # the projection itself, only when the task asked for ``detail``

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def source(self) -> str:
        """The file this firm was read from (the name as given if it never resolved): one firm of the book,
        where two members may share a ticker and an as-of date."""
        return self.path or self.profile

    def exposure_error(self, k: int) -> str | None:
        return self.exposure_errors[k] if k < len(self.exposure_errors) else None


def exposure_recoveries(cc: CompiledCompany, results: Results, exposures: list[Exposure | None]) -> list[list[float | None]]:
    """Recovery rate of each exposure in each world where it defaults (None where it does not): with the firm,
    or first with a non-recourse vehicle it lends to (``stress.analysis.recovery.exposure_outcome``)."""
    d = results.default_quarter
    out: list[list[float | None]] = []
    for e in exposures:
        if e is None:
            out.append([None] * len(d))
            continue
        q, rr = exposure_outcome(cc, results.projection, d, e.tranche, e.seniority)
        out.append([float(r) if at != NEVER else None for r, at in zip(rr, q, strict=True)])
    return out


def _finite_or_none(value: Any) -> Any:
    """NaN ("n.m.", "never") becomes None, so outcomes compare, pickle and serialise plainly."""
    return None if isinstance(value, float) and not math.isfinite(value) else value


def exposure_errors(cc: CompiledCompany, exposures: list[Exposure | None]) -> list[str | None]:
    """Per exposure: why it cannot be valued on this firm (a tranche it lacks), or None."""
    return [f"exposure names tranche {e.tranche!r}, which the profile does not have; tranches: {', '.join(cc.tranche_names)}"
            if e is not None and e.tranche is not None and e.tranche not in cc.tranche_names else None for e in exposures]


class NonFiniteError(StressError):
    """A firm whose figures turned NaN or infinite: no verdict can be drawn from it."""


def _check_finite(results: Results, rows: list[dict[str, Any]], recovery: list[list[float | None]]) -> None:
    where = finite.non_finite_problem(results.projection)
    if where is None and any(r is not None and not math.isfinite(r) for per in recovery for r in per):
        where = "an exposure's recovery rate"
    if where is None and any(r.get("min_liquidity") is None or r.get("equity_end") is None for r in rows):
        where = "minimum liquidity or closing equity"
    if where is not None:
        raise NonFiniteError(f"figures turned non-finite (NaN or infinite): {where}; no verdict drawn. "
                             "Check the profile for absurd sizes or rates")


def describe_error(err: BaseException) -> str:
    tb = traceback.extract_tb(err.__traceback__)
    at = f" (at {tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno})" if tb else ""
    text = str(err)
    text = text if len(text) <= 300 else text[:300] + "..."
    return f"{type(err).__name__}: {text}{at}"


def run_firm(task: FirmTask) -> FirmOutcome:
    """Project one firm under every scenario and reduce it; failures are caught and described."""
    out = FirmOutcome(task.profile)
    if task.refused is not None:
        out.error, out.stage = task.refused, "path"
        return out
    stage = "profile"
    try:
        loaded = task.loaded if task.loaded is not None else load_profile(task.profile)
        company = loaded.company
        out.name, out.ticker, out.as_of = company.name, company.ticker, company.as_of.isoformat()
        out.horizon_quarters, out.fiscal_year_end = company.horizon_quarters, company.reporting.fiscal_year_end
        out.path, out.sha256 = str(loaded.path), loaded.sha256
        cc = compile_company(company, task.case)
        out.exposure_errors = exposure_errors(cc, task.exposures)
        valued = [None if err else e for e, err in zip(task.exposures, out.exposure_errors, strict=True)]
        stage = "scenarios"
        worlds = build_worlds(cc, task.scenarios)
        stage = "run"
        with np.errstate(all="ignore"):  # overflow is caught below, by the finite check, with its place
            results = Results(project(cc, worlds))
            rows = [{k: _finite_or_none(v) for k, v in r.items()} for r in comparison(results).reset_index().to_dict("records")]
            recovery = exposure_recoveries(cc, results, valued)
        _check_finite(results, rows, recovery)
        out.rows, out.recovery = rows, recovery
        out.results = results if task.detail else None  # kept, not re-projected, for the detail sheets
        floors = [c.threshold for c in company.covenants if c.metric is CovenantMetric.LIQUIDITY]
        out.liquidity_floor = max(floors) if floors else None
        out.market = headline_summary(market_view(company))
    except StressError as err:
        out.error, out.stage = str(err), stage
    except (Exception, SystemExit) as err:  # noqa: BLE001 - one firm's bug must not sink the batch; it is reported
        out.error, out.stage = describe_error(err), stage
    if out.error is not None:  # a failed firm carries no partial figures into the views
        out.rows, out.recovery, out.results = [], [], None
    return out


#: Per task, set to 1 by the worker that starts it: after a pool breaks, started-but-unfinished = in flight.
_STARTED: Any = None


def _init_worker(started: Any) -> None:
    global _STARTED
    _STARTED = started


def _run_indexed(i: int, task: FirmTask) -> FirmOutcome:
    if _STARTED is not None:
        _STARTED[i] = 1
    return run_firm(task)


def _run_to_pipe(task: FirmTask, conn: Any) -> None:
    conn.send(run_firm(task))
    conn.close()


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by signal {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exited with code {exitcode}"


def run_alone(task: FirmTask) -> FirmOutcome:
    """One firm in a process of its own: if that process dies, only this firm is lost ("worker died")."""
    ctx = multiprocessing.get_context()
    receive, send = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_run_to_pipe, args=(task, send), daemon=True)
    process.start()
    send.close()
    try:
        outcome = receive.recv()
    except (EOFError, OSError):
        outcome = None
    finally:
        receive.close()
        process.join()
    if isinstance(outcome, FirmOutcome):
        return outcome
    return FirmOutcome(task.profile, error=f"worker died ({_death(process.exitcode)}) while running this firm, "
                                           "also when retried alone in a process of its own", stage="run")


class _CancelQueuedOnError:
    """Leaving the pool on an exception (Ctrl-C, SIGTERM through the CLI, a bug): cancel the queued firms
    first, so the exit waits only for those running (the CLI kills those too), not for every queued firm."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, *_: object) -> None:
        if kind is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def _pool_round(tasks: list[FirmTask], todo: list[int], jobs: int, done: Callable[[int, FirmOutcome], None],
                finished: Callable[[int], bool]) -> list[int]:
    """Run ``todo`` in one pool; returns the tasks in flight when the pool broke (empty if it did not).

    Tasks that never started are left undone for the caller to resubmit.
    """
    started = multiprocessing.get_context().RawArray("b", len(tasks))
    in_flight: list[int] = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), initializer=_init_worker, initargs=(started,)) as pool, \
            _CancelQueuedOnError(pool):
        futures = {pool.submit(_run_indexed, i, tasks[i]): i for i in todo}
        broken = False
        for f in as_completed(futures):
            i = futures[f]
            try:
                done(i, f.result())
            except BrokenProcessPool:
                broken = True
                break
            except Exception as err:  # noqa: BLE001 - e.g. an outcome that cannot be sent back: this firm only
                done(i, FirmOutcome(tasks[i].profile, error=f"worker failed: {describe_error(err)}", stage="run"))
        if broken:
            for f, i in futures.items():  # outcomes that arrived before the break are kept
                if f.done() and not f.cancelled() and f.exception() is None:
                    done(i, f.result())
            pool.shutdown(wait=True, cancel_futures=True)
            in_flight = [i for i in todo if started[i] and not finished(i)]
    return in_flight


def run_batch(tasks: list[FirmTask], jobs: int | None = None,
              progress: Callable[[FirmOutcome], None] | None = None, *, engine: str | None = None,
              scheduler: str | None = None, scheduler_file: str | os.PathLike[str] | None = None) -> list[FirmOutcome]:
    """Every task, in input order; ``jobs`` worker processes (default: the core count; 1 runs in-process).

    When a worker dies, its pool breaks: the firms that had not started go to a fresh pool, and those in
    flight are each retried alone, so a firm that kills its worker loses only itself.

    ``engine`` "dask" runs the firms on a Dask cluster instead (``scheduler`` an address or ``scheduler_file``,
    else a LocalCluster of ``jobs`` workers here; ``stress.analysis.engines.dask_batch``): same outcomes.
    The options are checked before any work (``EngineError``).
    """
    choice = engine_choice(engine, scheduler, scheduler_file)
    given_jobs, jobs = jobs, jobs or os.cpu_count() or 1
    results: list[FirmOutcome | None] = [None] * len(tasks)

    def done(i: int, outcome: FirmOutcome) -> None:
        if results[i] is None:
            results[i] = outcome
            if progress:
                progress(outcome)

    pooled = []
    for i, t in enumerate(tasks):
        if t.refused is not None or (not choice.dask and (jobs == 1 or len(tasks) == 1)):
            done(i, run_firm(t))  # refused paths cost nothing; one job (or one firm) runs in-process
        else:
            pooled.append(i)
    if choice.dask:
        from stress.analysis.engines.dask_batch import run_batch_on_dask

        if pooled:
            run_batch_on_dask(choice, tasks, pooled, given_jobs, done)
        return results  # type: ignore[return-value]
    suspects: list[int] = []
    todo = pooled
    while todo:
        suspects += _pool_round(tasks, todo, jobs, done, lambda i: results[i] is not None)
        suspected = set(suspects)
        left = [i for i in todo if results[i] is None and i not in suspected]
        if len(left) == len(todo):  # the pool broke and nothing finished or started: run the rest alone
            suspects += left
            left = []
        todo = left
    for i in suspects:
        if results[i] is None:
            done(i, run_alone(tasks[i]))
    return results  # type: ignore[return-value]
