"""Monte Carlo: probability of default, loss given default and expected loss.

Stochastic worlds around the profile's own market (parameters and their
grounds in ``stress.model.montecarlo``): GPU-hour prices log-normal with
compensated crash jumps (the mean path is the profile's curve; spreads widen
with each crash), a financing market that shuts and reopens (more likely
after a crash), the base rate and utilisation mean-reverting around their
baseline paths, customers defaulting at hazard rates by credit quality that
rise after a crash, and capex cohorts delivered late and over budget. Paths run through the same
engine in chunks; each chunk is reduced where it ran to a mergeable summary (``stress.analysis.path_summary``:
counts, sums, each path's minimum liquidity, a sketch of the cash fan), so memory stays bounded whatever the
number of paths, on this machine's process pool or on a Dask cluster. Same seed, same answer, on either.

The common factors (price level and crashes, financing regime, base-rate deviation: a ``Market``) are
drawn first from the chunk's generator; ``stochastic_worlds`` may instead be handed them, which is how
the joint Monte Carlo of a book (``stress.analysis.joint``) puts every firm in one market.

Default is the first liquidity or maturity default; loss given default comes
from the waterfall in ``stress.analysis.recovery`` at the default quarter.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

from stress.analysis import quantile_sketch
from stress.analysis.engines import engine_choice
from stress.analysis.path_summary import Merger, NonFiniteCash, PathSummary, reduce_paths
from stress.analysis.pools import worker_pool
from stress.analysis.recovery import exposure_outcome, vehicle_default_quarters
from stress.engine import finite
from stress.engine.compiled import CompiledCompany
from stress.engine.project import DEFAULT_CHUNK, Projection, project
from stress.engine.results import METRIC_LINES, Results
from stress.engine.results import first_default as results_first_default
from stress.engine.timeline import NEVER, fiscal_years
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model.covenant import Consequence
from stress.model.debt import Seniority
from stress.model.montecarlo import MonteCarloParams

DT = 0.25  # years a quarter
PERCENTILES = (5, 25, 50, 75, 95)
KEEP = ("cash", "revolver_available", "receivables", "fleet_value")
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Claim:
    """A lender's claim as the loss waterfall values it: ``amount`` USD in ``tranche`` (a profile tranche) or at
    a ``seniority``, resolved (a portfolio member's ``stress.model.portfolio.Exposure`` is the spec it comes from)."""

    amount: float
    tranche: str | None = None
    seniority: Seniority = Seniority.SENIOR_UNSECURED


def _ou(rng: np.random.Generator, n: int, q: int, kappa: float, sigma: float) -> np.ndarray:
    """Deviations from a path that mean-revert at ``kappa`` a year with ``sigma`` annual volatility, (n, q)."""
    shocks = sigma * np.sqrt(DT) * rng.standard_normal((n, q))
    out = np.empty((n, q))
    d = np.zeros(n)
    for t in range(q):  # the recurrence runs over quarters, vectorised over paths
        d = d * (1.0 - kappa * DT) + shocks[:, t]
        out[:, t] = d
    return out


def price_paths(rng: np.random.Generator, p: MonteCarloParams, n: int, q: int) -> tuple[np.ndarray, np.ndarray]:
    """(level, jumps), (n, q) each: the multiplier on the profile's price curve and the crashes per quarter.

    Log-level increments are ``sigma dW - sigma^2 dt / 2 + J - lambda dt k`` with ``k = E[e^J] - 1 =
    (1 + m) e^(v^2 / 2) - 1`` per crash, so ``E[level] = 1`` in every quarter: the crashes are paid for by a
    slightly higher drift between them, and the mean path is the profile's curve.
    """
    z = rng.standard_normal((n, q))
    jumps = rng.poisson(p.price_jump_intensity * DT, (n, q))
    jump_log = jumps * np.log1p(p.price_jump_mean) + np.sqrt(jumps) * p.price_jump_vol * rng.standard_normal((n, q))
    k = (1.0 + p.price_jump_mean) * np.exp(0.5 * p.price_jump_vol**2) - 1.0
    drift = -0.5 * p.price_vol**2 * DT - p.price_jump_intensity * DT * k
    return np.exp(np.cumsum(p.price_vol * np.sqrt(DT) * z + drift + jump_log, axis=1)), jumps


def market_regime(rng: np.random.Generator, p: MonteCarloParams, jumps: np.ndarray) -> np.ndarray:
    """(n, q) bool: the financing market is open. A two-state chain over quarters, starting open: it shuts
    with probability ``1 - exp(-close dt)`` a quarter, or ``close_on_crash`` in a quarter with a crash, and
    reopens with probability ``1 - exp(-reopen dt)``. Long-run open share: p_open / (p_open + p_close)."""
    n, q = jumps.shape
    shut_p = 1.0 - np.exp(-p.market_close_intensity * DT)
    open_p = 1.0 - np.exp(-p.market_reopen_intensity * DT)
    u, v = rng.random((n, q)), rng.random((n, q))
    out = np.empty((n, q), dtype=bool)
    is_open = np.ones(n, dtype=bool)
    for t in range(q):  # the chain runs over quarters, vectorised over paths
        shuts = (u[:, t] < shut_p) | ((jumps[:, t] > 0) & (v[:, t] < p.market_close_on_crash))
        is_open = np.where(is_open, ~shuts, u[:, t] < open_p)
        out[:, t] = is_open
    return out


def customer_defaults(rng: np.random.Generator, p: MonteCarloParams, investment_grade: np.ndarray,
                      jumps: np.ndarray) -> np.ndarray:
    """(n, U) int quarter each customer stops paying, NEVER where it pays throughout. Its intensity is its
    grade's hazard, times ``hazard_crash_multiplier`` in the four quarters from a crash: a common factor, so
    customers default together when GPU prices crash. Default when the cumulative intensity passes an Exp(1)
    draw.

    Customers share one of two hazards, so the cumulative intensity is summed once per hazard, (n, 2, q), not
    per customer; it never falls (hazards are not negative), so the first quarter it reaches a draw is the
    number of quarters it is still below it; ``q`` of them means it stays below throughout: NEVER."""
    n, q = jumps.shape
    hazard = np.where(investment_grade, p.hazard_investment_grade, p.hazard_high_yield)  # (U,)
    recent = np.cumsum(jumps, axis=1) - np.concatenate([np.zeros((n, 4)), np.cumsum(jumps, axis=1)[:, :-4]], axis=1)[:, :q]
    factor = np.where(recent > 0, p.hazard_crash_multiplier, 1.0)  # (n, q)
    levels, grade = np.unique(hazard, return_inverse=True)
    cumulative = np.cumsum(factor[:, None, :] * levels[None, :, None] * DT, axis=2)  # (n, levels, q)
    draws = rng.exponential(1.0, (n, len(hazard)))
    out = np.empty((n, len(hazard)), dtype=int)
    for level in range(len(levels)):  # two hazards at most: investment grade and not
        cols = np.flatnonzero(grade == level)
        out[:, cols] = (cumulative[:, level, None, :] < draws[:, cols, None]).sum(axis=2)
    return np.where(out < q, out, NEVER)


def completion(rng: np.random.Generator, p: MonteCarloParams, is_capex: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(delay_q, capex_factor), (n, K) each: capex cohorts late with ``delay_probability`` by a geometric
    number of quarters of mean ``delay_mean_quarters``, and costing a log-normal factor of mean 1."""
    k = len(is_capex)
    late = rng.random((n, k)) < p.delay_probability
    quarters = rng.geometric(1.0 / p.delay_mean_quarters, (n, k))
    delay = np.where(late & is_capex[None, :], quarters, 0).astype(int)
    factor = np.exp(p.overrun_vol * rng.standard_normal((n, k)) - 0.5 * p.overrun_vol**2)
    return delay, np.where(is_capex[None, :], factor, 1.0)


@dataclass(frozen=True)
class Market:
    """The common factors of a chunk of paths, (n, q) each: what every firm in a path sees alike.

    ``level`` multiplies the GPU-hour price curves, ``jumps`` counts the crashes per quarter, ``is_open`` is
    the financing-market regime and ``rate_dev`` the base rate's deviation from its path. ``stress batch
    --paths`` draws one Market per chunk on the book's calendar and hands each firm its ``window``.
    """

    level: np.ndarray
    jumps: np.ndarray
    is_open: np.ndarray
    rate_dev: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.level.shape  # type: ignore[return-value]

    def window(self, start: int, q: int) -> Market:
        """The ``q`` quarters from calendar quarter ``start``: the price level restarts at 1 there (the firm's
        curve is its view at its own as_of) while later crashes, closures and rate moves stay common."""
        n, total = self.shape
        if start < 0 or start + q > total:
            raise ValueError(f"a window of {q} quarters from {start} does not fit a market of {total} quarters")
        level = self.level[:, start:start + q]
        if start:
            level = level / self.level[:, start - 1:start]
        return Market(level, self.jumps[:, start:start + q], self.is_open[:, start:start + q], self.rate_dev[:, start:start + q])


def draw_market(rng: np.random.Generator, p: MonteCarloParams, n: int, q: int) -> Market:
    """The common factors, drawn in the order the single-firm Monte Carlo has always drawn them."""
    level, jumps = price_paths(rng, p, n, q)
    is_open = market_regime(rng, p, jumps)
    return Market(level, jumps, is_open, _ou(rng, n, q, p.rate_mean_reversion, p.rate_vol))


def stochastic_worlds(cc: CompiledCompany, p: MonteCarloParams, n: int, rng: np.random.Generator,
                      market: Market | None = None) -> Worlds:
    """``n`` random market paths around the baseline; zero volatilities, jumps, closures, hazards and delays
    give the baseline.

    Without ``market`` the common factors are drawn from ``rng`` first (one firm alone); with it (a joint
    book) they are taken as given and ``rng`` draws only the firm's own: utilisation, completion and its
    customers' default thresholds.
    """
    w = baseline_worlds(cc, n, names=[f"path {i}" for i in range(n)])
    q = cc.n_quarters
    if market is None:
        market = draw_market(rng, p, n, q)
    elif market.shape != (n, q):
        raise ValueError(f"market of shape {market.shape} for {n} paths x {q} quarters")
    level, jumps, is_open = market.level, market.jumps, market.is_open
    util_dev = _ou(rng, n, q, p.utilisation_mean_reversion, p.utilisation_vol)
    u0 = np.clip(w.utilisation, 1e-6, 1 - 1e-6)
    utilisation = w.utilisation if p.utilisation_vol == 0 else 1.0 / (1.0 + np.exp(-(np.log(u0 / (1 - u0)) + util_dev)))
    investment_grade = np.array([any(c.investment_grade for c in cc.company.contracts if c.customer == u) for u in cc.customers], dtype=bool)
    delay, overrun = completion(rng, p, cc.cohort_is_capex, n)
    gpu_level = np.where(cc.model_is_gpu[None, :, None], level[:, None, :], 1.0)  # GPU models only
    default_q = customer_defaults(rng, p, investment_grade, jumps)
    worlds = Worlds(**{**w.__dict__, "gpu_price": w.gpu_price * gpu_level,
                     "spread_add": p.spread_per_jump * np.cumsum(jumps, axis=1) + p.spread_when_closed * ~is_open,
                     "refi_open": is_open, "base_rate": w.base_rate + market.rate_dev, "utilisation": utilisation,
                     "default_q": default_q, "delay_q": delay, "capex_factor": overrun,
                     "renewal": renewals(rng, cc, n)})
    return asset_indices(rng, cc, p, worlds)


def asset_indices(rng: np.random.Generator, cc: CompiledCompany, p: MonteCarloParams, w: Worlds) -> Worlds:
    """Data halls and mining hashrate priced off their own indices: each such model's price path times a
    log-normal random walk with mean 1 (``facility_index_vol``, ``other_index_vol``). Drawn last and only for
    firms that have such assets, so GPU-only firms draw exactly what they drew before."""
    asset_of = {g: next((a for a, m in zip(cc.cohort_asset, cc.cohort_gpu, strict=True) if cc.gpu_models[m] == g), "gpu")
                for g in cc.gpu_models}
    vols = np.array([{"facility": p.facility_index_vol, "other": p.other_index_vol}.get(asset_of[g], 0.0) for g in cc.gpu_models])
    models = np.flatnonzero((vols > 0) & ~cc.model_is_gpu)
    if not models.size:
        return w
    z = rng.standard_normal((w.n, models.size, cc.n_quarters))
    sigma = vols[models][None, :, None]
    level = np.exp(np.cumsum(sigma * np.sqrt(DT) * z - 0.5 * sigma**2 * DT, axis=2))
    prices = w.gpu_price.copy()
    prices[:, models, :] *= level
    return Worlds(**{**w.__dict__, "gpu_price": prices})


def renewals(rng: np.random.Generator, cc: CompiledCompany, n: int) -> np.ndarray:
    """(n, C): each renewal term runs in full or not at all, with its probability, in each path; a contract's
    own term always runs. Drawn last and only when there are renewals, so paths of profiles without any are
    the same draws as before renewals existed."""
    out = np.ones((n, len(cc.contract_renewal_probability)))
    terms = np.flatnonzero(cc.contract_renewal_probability < 1.0)
    if terms.size:
        out[:, terms] = rng.random((n, terms.size)) < cc.contract_renewal_probability[terms]
    return out


@dataclass(frozen=True)
class ChunkSummary:
    default_q: np.ndarray  # (W,) first liquidity or maturity default, NEVER if none
    min_liquidity: np.ndarray  # (W,) USD
    cash: np.ndarray  # (W, Q) USD, for the fan chart
    recovery: np.ndarray  # (W,) recovery rate of the exposure at its default (NaN if none)
    exposure_default_q: np.ndarray  # (W,) the exposure's default: the firm's, or first its vehicle's foreclosure
    vehicle_default_q: np.ndarray  # (W, V) each vehicle's foreclosure quarter, NEVER if none


def first_default(p: Projection) -> np.ndarray:
    """(W,) each path's first default quarter, NEVER if none (``stress.engine.results.first_default``);
    a parent covenant whose breach is an event of default needs the metrics, so the full results."""
    if any(c.at_parent and c.consequence is Consequence.EVENT_OF_DEFAULT for c in p.cc.company.covenants):
        return Results(p).default_quarter  # type: ignore[no-any-return]
    return results_first_default(p)


def keep_lines(cc: CompiledCompany) -> tuple[str, ...]:
    """Lines a Monte Carlo projection stores: KEEP, and the metrics' lines when a covenant can default the firm."""
    if any(c.at_parent and c.consequence is Consequence.EVENT_OF_DEFAULT for c in cc.company.covenants):
        return (*KEEP, *METRIC_LINES)
    return KEEP


def summarise_chunk(cc: CompiledCompany, worlds: Worlds, exposure: Claim) -> ChunkSummary:
    p = project(cc, worlds, chunk=worlds.n, keep=keep_lines(cc))
    cash = p["cash"]
    default_q = first_default(p)
    exposure_q, rr = exposure_outcome(cc, p, default_q, exposure.tranche, exposure.seniority)
    return ChunkSummary(default_q, (cash + p["revolver_available"]).min(axis=1), cash, rr, exposure_q,
                        vehicle_default_quarters(p))


def wilson_interval(p: float, n: int) -> tuple[float, float]:
    """Wilson score 95% interval for a share ``p`` of ``n`` independent paths."""
    centre = (p + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
    half = Z_95 * np.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n * n)) / (1 + Z_95**2 / n)
    return float(min(p, max(0.0, centre - half))), float(max(p, min(1.0, centre + half)))  # exact at p = 0 or 1


class DefaultPaths:
    """What a set of simulated paths says about default; the class holds ``default_q`` (paths,), the quarter
    of each path's first default, NEVER where it never defaults."""

    default_q: np.ndarray

    @property
    def defaulted(self) -> np.ndarray:
        return self.default_q != NEVER

    @property
    def probability_of_default(self) -> float:
        return float(self.defaulted.mean())

    @property
    def pd_interval(self) -> tuple[float, float]:
        """Wilson score 95% interval for the probability of default."""
        return wilson_interval(self.probability_of_default, len(self.default_q))


@dataclass(frozen=True)
class MonteCarloResult:
    """What the paths say, reduced (``stress.analysis.path_summary``): counts, sums, percentiles and the cash
    fan; nothing per path, so a Dask client receives a few kilobytes whatever the number of paths."""

    paths: int
    seed: int
    params: MonteCarloParams
    exposure: Claim
    quarters: list[str]
    defaults: np.ndarray  # (Q,) int: paths whose first default falls in each quarter
    liquidity_percentiles: dict[int, float]  # percentile -> USD: exact, of every path's minimum liquidity
    cash_fan: dict[int, np.ndarray]  # percentile -> (Q,) USD, from the mergeable sketch (within 0.1%)
    loss_given_default: float | None  # mean LGD on the exposure where it defaults; None if it never does
    expected_loss: float  # USD: exposure x mean over all paths of (default x LGD of that path)
    vehicle_defaults: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))  # (V,) int
    vehicle_names: list[str] = field(default_factory=list)
    fiscal_year_end: int = 12  # month: pd_by_year is by the firm's fiscal year

    @property
    def probability_of_default(self) -> float:
        return int(self.defaults.sum()) / self.paths

    @property
    def pd_interval(self) -> tuple[float, float]:
        """Wilson score 95% interval for the probability of default."""
        return wilson_interval(self.probability_of_default, self.paths)

    @property
    def vehicle_pd(self) -> dict[str, float]:
        """Probability each financing vehicle is foreclosed within the horizon (its lenders' default)."""
        return {n: int(self.vehicle_defaults[v]) / self.paths for v, n in enumerate(self.vehicle_names)}

    def pd_by_year(self) -> dict[int | str, float]:
        """Cumulative probability of default by the end of each (fiscal) year in the horizon."""
        years = list(fiscal_years(pd.PeriodIndex(self.quarters, freq="Q"), self.fiscal_year_end))
        by_quarter = np.cumsum(self.defaults)
        return {y: int(by_quarter[max(i for i, yy in enumerate(years) if yy == y)]) / self.paths
                for y in sorted(set(years))}

    def min_liquidity_percentiles(self) -> dict[int, float]:
        return dict(self.liquidity_percentiles)


def monte_carlo_result(summary: PathSummary, seed: int, params: MonteCarloParams, exposure: Claim,
                       quarters: list[str], vehicle_names: list[str] | None = None,
                       fiscal_year_end: int = 12) -> MonteCarloResult:
    """The result a merged summary gives: PD, LGD and expected loss from its counts and sums, the fan from its
    sketch. The one place both engines turn paths into figures, so they agree to the bit."""
    lgd = None if summary.exposure_defaults == 0 else (
        1.0 - summary.recovered_total() / summary.rated if summary.rated else float("nan"))
    fan = quantile_sketch.percentiles(summary.cash, PERCENTILES)
    liquidity = np.percentile(summary.min_liquidity, PERCENTILES)
    return MonteCarloResult(
        summary.paths, seed, params, exposure, quarters, summary.defaults,
        {p: float(v) for p, v in zip(PERCENTILES, liquidity, strict=True)},
        {p: fan[i] for i, p in enumerate(PERCENTILES)}, lgd,
        float(exposure.amount * (summary.lost_total() / summary.paths)), summary.vehicle_defaults,
        list(vehicle_names or []), fiscal_year_end)


@dataclass(frozen=True)
class Chunk:
    """A slice of the paths: ``n`` paths from path ``offset``, drawn from their own child of the seed."""

    offset: int
    n: int
    seed: np.random.SeedSequence


def chunk_plan(paths: int, chunk: int, seed: int) -> list[Chunk]:
    """The chunks of a run. Each draws from its own child of ``seed``, so the answer depends on the seed and the
    chunk size only, never on where or in which order chunks run."""
    sizes = [min(chunk, paths - i) for i in range(0, paths, chunk)]
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    return [Chunk(i * chunk, n, s) for i, (n, s) in enumerate(zip(sizes, children, strict=True))]


def simulate_chunk(cc: CompiledCompany, params: MonteCarloParams, exposure: Claim, part: Chunk) -> PathSummary:
    """Simulate one chunk and reduce it where it ran: what leaves a worker is a ``PathSummary``."""
    c = summarise_chunk(cc, stochastic_worlds(cc, params, part.n, np.random.default_rng(part.seed)), exposure)
    return reduce_paths(c.default_q, c.min_liquidity, c.cash, c.recovery, c.exposure_default_q,
                        c.vehicle_default_q, part.offset)


#: A worker's copy of what every chunk shares, sent once per worker rather than once per chunk.
_SHARED: tuple[CompiledCompany, MonteCarloParams, Claim] | None = None


def _share(cc: CompiledCompany, params: MonteCarloParams, exposure: Claim) -> None:
    global _SHARED
    _SHARED = (cc, params, exposure)


def _simulate_shared(part: Chunk) -> PathSummary:
    cc, params, exposure = _SHARED  # type: ignore[misc]
    return simulate_chunk(cc, params, exposure, part)


def simulate_locally(cc: CompiledCompany, params: MonteCarloParams, exposure: Claim, parts: list[Chunk],
                     jobs: int | None, advance: Callable[[float], None]) -> PathSummary:
    """Every chunk in this machine's process pool (``jobs`` workers, default the core count; 1 in-process),
    each reduced in its worker and merged here as it arrives."""
    jobs = min(jobs or os.cpu_count() or 1, len(parts))
    merged = Merger()
    if jobs == 1:
        for part in parts:
            merged.add(simulate_chunk(cc, params, exposure, part))
            advance(part.n)
    else:
        with worker_pool(max_workers=jobs, initializer=_share, initargs=(cc, params, exposure)) as pool:
            for part, summary in zip(parts, pool.map(_simulate_shared, parts), strict=True):
                merged.add(summary)
                advance(part.n)
    return merged.result()


def finish(summary: PathSummary, seed: int, params: MonteCarloParams, exposure: Claim, quarters: list[str],
           vehicle_names: list[str], fiscal_year_end: int) -> tuple[NonFiniteCash | None, MonteCarloResult]:
    """The merged summary's first non-finite cash figure, if any, and its result: run where the summary is (this
    process on the local engine, a Dask worker on the Dask one), so the per-path figures never travel."""
    return summary.non_finite, monte_carlo_result(summary, seed, params, exposure, quarters, vehicle_names,
                                                  fiscal_year_end)


def run_montecarlo(cc: CompiledCompany, paths: int, seed: int, params: MonteCarloParams | None = None,
                   exposure: Claim | None = None, chunk: int = DEFAULT_CHUNK, jobs: int | None = None,
                   advance: Callable[[float], None] | None = None, *, engine: str | None = None,
                   scheduler: str | None = None, scheduler_file: str | Path | None = None) -> MonteCarloResult:
    """Simulate ``paths`` worlds in chunks; each chunk draws from its own child of ``seed``, so the
    answer does not depend on ``jobs`` (worker processes; default the core count, 1 runs in-process) nor
    on the engine. ``advance(n)`` is called with each chunk's path count as it finishes (a progress bar).

    ``engine`` "local" (default) runs the chunks in this machine's process pool; "dask" on a Dask cluster:
    the one at ``scheduler`` (an address) or ``scheduler_file``, else a ``LocalCluster`` of ``jobs`` workers
    on this machine (``stress.analysis.engines``). Either way each chunk is reduced where it ran and the
    summaries merged exactly, so the two engines give the same bytes.
    """
    choice = engine_choice(engine, scheduler, scheduler_file)
    params = params or cc.company.montecarlo or MonteCarloParams()
    exposure = exposure or Claim(100e6)
    parts = chunk_plan(paths, chunk, seed)
    done = advance or (lambda n: None)
    finishing = partial(finish, seed=seed, params=params, exposure=exposure, quarters=cc.timeline.labels,
                        vehicle_names=list(cc.vehicles.names), fiscal_year_end=cc.company.reporting.fiscal_year_end)
    if choice.dask:
        from stress.analysis.engines.dask_montecarlo import simulate_on_dask

        bad, result = simulate_on_dask(choice, cc, params, exposure, parts, jobs, done, finishing)
    else:
        bad, result = finishing(simulate_locally(cc, params, exposure, parts, jobs, done))
    if bad is not None:  # bounds keep inputs plausible; if a path still overflows, no PD is drawn from it
        raise finite.NonFiniteError(finite.NonFinite("line 'cash'", f"path {bad.path}", cc.timeline.labels[bad.quarter],
                                                     bad.value), cc.company.name)
    return result
