"""Monte Carlo: probability of default, loss given default and expected loss.

Stochastic worlds around the profile's own market: GPU-hour prices
log-normal with crash jumps (spreads widen with each crash), the base rate
and utilisation mean-reverting around their baseline paths, customers
defaulting at hazard rates by credit quality. Paths run through the same
engine in chunks; each chunk is reduced to per-path figures, so memory stays
bounded whatever the number of paths. Same seed, same answer.

Default is the first liquidity or maturity default; loss given default comes
from the waterfall in ``stress.analysis.recovery`` at the default quarter.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.covenants import NOT_FOUND, earliest, first_true
from stress.engine.debt import CENT
from stress.engine.project import DEFAULT_CHUNK, project
from stress.engine.worlds import Worlds, baseline_worlds
from stress.analysis.recovery import exposure_recovery, recoveries_at_default
from stress.model.debt import Seniority
from stress.model.montecarlo import MonteCarloParams

DT = 0.25  # years a quarter
PERCENTILES = (5, 25, 50, 75, 95)
KEEP = ("cash", "revolver_available", "receivables", "fleet_value")
Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Exposure:
    """A lender's claim: ``amount`` USD in ``tranche`` (a profile tranche) or at a ``seniority``."""

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


def stochastic_worlds(cc: CompiledCompany, p: MonteCarloParams, n: int, rng: np.random.Generator) -> Worlds:
    """``n`` random market paths around the baseline; zero volatilities, jumps and hazards give the baseline."""
    w = baseline_worlds(cc, n, names=[f"path {i}" for i in range(n)])
    q = cc.n_quarters
    z = rng.standard_normal((n, q))
    jumps = rng.poisson(p.price_jump_intensity * DT, (n, q))
    jump_log = jumps * np.log1p(p.price_jump_mean) + np.sqrt(jumps) * p.price_jump_vol * rng.standard_normal((n, q))
    log_level = np.cumsum(p.price_vol * np.sqrt(DT) * z - 0.5 * p.price_vol**2 * DT + jump_log, axis=1)
    rate_dev = _ou(rng, n, q, p.rate_mean_reversion, p.rate_vol)
    util_dev = _ou(rng, n, q, p.utilisation_mean_reversion, p.utilisation_vol)
    u0 = np.clip(w.utilisation, 1e-6, 1 - 1e-6)
    utilisation = w.utilisation if p.utilisation_vol == 0 else 1.0 / (1.0 + np.exp(-(np.log(u0 / (1 - u0)) + util_dev)))
    investment_grade = np.array([any(c.investment_grade for c in cc.company.contracts if c.customer == u) for u in cc.customers], dtype=bool)
    hazard = np.where(investment_grade, p.hazard_investment_grade, p.hazard_high_yield)
    draws = rng.exponential(1.0, (n, len(cc.customers)))
    years = np.where(hazard > 0, draws / np.where(hazard > 0, hazard, 1.0), np.inf)  # zero hazard: never
    default_q = np.minimum(np.floor(years / DT), q).astype(int)
    level = np.where(cc.model_is_gpu[None, :, None], np.exp(log_level)[:, None, :], 1.0)  # GPU models only
    return Worlds(**{**w.__dict__, "gpu_price": w.gpu_price * level,
                     "spread_add": p.spread_per_jump * np.cumsum(jumps, axis=1),
                     "base_rate": w.base_rate + rate_dev, "utilisation": utilisation, "default_q": default_q})


@dataclass(frozen=True)
class ChunkSummary:
    default_q: np.ndarray  # (W,) first liquidity or maturity default, NOT_FOUND if none
    min_liquidity: np.ndarray  # (W,) USD
    cash: np.ndarray  # (W, Q) USD, for the fan chart
    recovery: np.ndarray  # (W,) recovery rate of the exposure at default (NaN if no default)


def summarise_chunk(cc: CompiledCompany, worlds: Worlds, exposure: Exposure) -> ChunkSummary:
    p = project(cc, worlds, chunk=worlds.n, keep=KEEP)
    cash = p["cash"]
    default_q = earliest(first_true(cash < -CENT), first_true(p.unpaid_maturity.sum(axis=1) > CENT))  # type: ignore[union-attr]
    rr = exposure_recovery(cc, *recoveries_at_default(cc, p, default_q), exposure.tranche, exposure.seniority)
    return ChunkSummary(default_q, (cash + p["revolver_available"]).min(axis=1), cash,
                        np.where(default_q == NOT_FOUND, np.nan, rr))


@dataclass(frozen=True)
class MonteCarloResult:
    paths: int
    seed: int
    params: MonteCarloParams
    exposure: Exposure
    quarters: list[str]
    default_q: np.ndarray  # (paths,)
    min_liquidity: np.ndarray  # (paths,)
    cash_fan: dict[int, np.ndarray]  # percentile -> (Q,) USD
    recovery: np.ndarray  # (paths,) NaN where no default

    @property
    def defaulted(self) -> np.ndarray:
        return self.default_q != NOT_FOUND

    @property
    def probability_of_default(self) -> float:
        return float(self.defaulted.mean())

    @property
    def pd_interval(self) -> tuple[float, float]:
        """Wilson score 95% interval for the probability of default."""
        n, p = self.paths, self.probability_of_default
        centre = (p + Z_95**2 / (2 * n)) / (1 + Z_95**2 / n)
        half = Z_95 * np.sqrt(p * (1 - p) / n + Z_95**2 / (4 * n * n)) / (1 + Z_95**2 / n)
        return float(min(p, max(0.0, centre - half))), float(max(p, min(1.0, centre + half)))  # exact at p = 0 or 1

    def pd_by_year(self) -> dict[int, float]:
        """Cumulative probability of default by the end of each calendar year in the horizon."""
        years = [int(q[:4]) for q in self.quarters]
        out = {}
        for y in sorted(set(years)):
            last = max(i for i, yy in enumerate(years) if yy == y)
            out[y] = float((self.defaulted & (self.default_q <= last)).mean())
        return out

    def min_liquidity_percentiles(self) -> dict[int, float]:
        return {p: float(v) for p, v in zip(PERCENTILES, np.percentile(self.min_liquidity, PERCENTILES), strict=True)}

    @property
    def loss_given_default(self) -> float | None:
        """Mean LGD on the exposure over paths that default; None if none does."""
        return None if not self.defaulted.any() else float(1.0 - np.nanmean(self.recovery[self.defaulted]))

    @property
    def expected_loss(self) -> float:
        """USD: exposure x mean over all paths of (default x LGD of that path)."""
        loss = np.where(self.defaulted, 1.0 - np.nan_to_num(self.recovery, nan=1.0), 0.0)
        return float(self.exposure.amount * loss.mean())


def _simulate_chunk(cc: CompiledCompany, params: MonteCarloParams, n: int, seed: np.random.SeedSequence,
                    exposure: Exposure) -> ChunkSummary:
    return summarise_chunk(cc, stochastic_worlds(cc, params, n, np.random.default_rng(seed)), exposure)


def run_montecarlo(cc: CompiledCompany, paths: int, seed: int, params: MonteCarloParams | None = None,
                   exposure: Exposure | None = None, chunk: int = DEFAULT_CHUNK, jobs: int | None = None) -> MonteCarloResult:
    """Simulate ``paths`` worlds in chunks; each chunk draws from its own child of ``seed``, so the
    answer does not depend on ``jobs`` (worker processes; default the core count, 1 runs in-process)."""
    params = params or cc.company.montecarlo or MonteCarloParams()
    exposure = exposure or Exposure(100e6)
    sizes = [min(chunk, paths - i) for i in range(0, paths, chunk)]
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = min(jobs or os.cpu_count() or 1, len(sizes))
    args = [(cc, params, n, s, exposure) for n, s in zip(sizes, children, strict=True)]
    if jobs == 1:
        parts = [_simulate_chunk(*a) for a in args]
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            parts = list(pool.map(_simulate_chunk, *zip(*args, strict=True)))
    cash = np.concatenate([c.cash for c in parts])
    return MonteCarloResult(
        paths, seed, params, exposure, cc.timeline.labels,
        np.concatenate([c.default_q for c in parts]), np.concatenate([c.min_liquidity for c in parts]),
        {p: v for p, v in zip(PERCENTILES, np.percentile(cash, PERCENTILES, axis=0), strict=True)},
        np.concatenate([c.recovery for c in parts]),
    )
