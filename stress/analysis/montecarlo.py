"""Monte Carlo: probability of default, loss given default and expected loss.

Stochastic worlds around the profile's own market: GPU-hour prices
log-normal with crash jumps (spreads widen with each crash), the base rate
and utilisation mean-reverting around their baseline paths, customers
defaulting at hazard rates by credit quality. Paths run through the same
engine in chunks; each chunk is reduced to per-path figures, so memory stays
bounded whatever the number of paths. Same seed, same answer.

Default is the first liquidity or maturity default. Loss given default comes
from a waterfall at the default quarter: secured tranches recover from the
market value of their collateral; what is left of the fleet, receivables and
cash goes to senior unsecured claims (unsecured debt, secured deficiencies,
lease rejection claims, other liabilities), then to subordinated debt.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.covenants import NOT_FOUND, first_true
from stress.engine.debt import CENT
from stress.engine.project import DEFAULT_CHUNK, project
from stress.engine.worlds import Worlds, baseline_worlds
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


def _lease_claim(cc: CompiledCompany) -> np.ndarray:
    """Lease rejection claim per quarter, USD: the greater of a year's rent and 15% of the liability,
    capped at three years' rent (after US Bankruptcy Code s502(b)(6))."""
    year = 4.0 * cc.lease_payment
    return np.minimum(np.maximum(year, 0.15 * cc.lease_liability), 3.0 * year)


def recovery_rates(cc: CompiledCompany, balance: np.ndarray, collateral: np.ndarray, fleet_value: np.ndarray,
                   other_value: np.ndarray, lease_claim: np.ndarray) -> tuple[np.ndarray, dict[Seniority, np.ndarray]]:
    """The default waterfall for W paths at their default quarters.

    ``balance``, ``collateral``: (W, T) USD; ``fleet_value``, ``other_value`` (receivables plus positive
    cash), ``lease_claim``: (W,). Returns per-tranche recovery rates (W, T) and the rate of each class (W,).
    """
    ranks = [cc.company.tranche(t).rank for t in cc.tranche_names]
    secured = np.array([r is Seniority.SECURED for r in ranks])
    senior = np.array([r is Seniority.SENIOR_UNSECURED for r in ranks])
    junior = np.array([r is Seniority.SUBORDINATED for r in ranks])
    sec_claim = balance * secured
    sec_rec = np.minimum(sec_claim, collateral * secured)
    total = sec_rec.sum(axis=1)
    sec_rec *= np.divide(fleet_value, total, out=np.ones_like(total), where=total > fleet_value)[:, None]
    residual = np.maximum(fleet_value + other_value - sec_rec.sum(axis=1), 0.0)
    deficiency = sec_claim - sec_rec
    unsec_claims = (balance * senior).sum(axis=1) + deficiency.sum(axis=1) + lease_claim + cc.opening.other_liabilities
    rr_senior = np.minimum(1.0, np.divide(residual, unsec_claims, out=np.ones_like(residual), where=unsec_claims > 0))
    left = np.maximum(residual - unsec_claims, 0.0)
    sub_claims = (balance * junior).sum(axis=1)
    rr_junior = np.minimum(1.0, np.divide(left, sub_claims, out=np.ones_like(left), where=sub_claims > 0))
    recovered = np.where(secured, sec_rec + deficiency * rr_senior[:, None], balance * np.where(senior, rr_senior[:, None], rr_junior[:, None]))
    per_tranche = np.divide(recovered, balance, out=np.full_like(balance, np.nan), where=balance > CENT)
    sec_total = sec_claim.sum(axis=1)
    rr_secured = np.divide((recovered * secured).sum(axis=1), sec_total, out=rr_senior.copy(), where=sec_total > CENT)
    return per_tranche, {Seniority.SECURED: rr_secured, Seniority.SENIOR_UNSECURED: rr_senior, Seniority.SUBORDINATED: rr_junior}


def summarise_chunk(cc: CompiledCompany, worlds: Worlds, exposure: Exposure) -> ChunkSummary:
    p = project(cc, worlds, chunk=worlds.n, keep=KEEP)
    cash = p["cash"]
    liquidity_q = first_true(cash < -CENT)
    maturity_q = first_true(p.unpaid_maturity.sum(axis=1) > CENT)  # type: ignore[union-attr]
    big = np.iinfo(np.int64).max
    first = np.minimum(np.where(liquidity_q == NOT_FOUND, big, liquidity_q), np.where(maturity_q == NOT_FOUND, big, maturity_q))
    default_q = np.where(first == big, NOT_FOUND, first)
    d = np.clip(default_q, 0, cc.n_quarters - 1)
    rows = np.arange(worlds.n)
    per_tranche, by_class = recovery_rates(
        cc, p.tranches["closing"][rows, :, d], p.collateral[rows, :, d],  # type: ignore[index]
        p["fleet_value"][rows, d], p["receivables"][rows, d] + np.maximum(cash[rows, d], 0.0), _lease_claim(cc)[d])
    if exposure.tranche is not None:
        rr = per_tranche[:, cc.tranche_names.index(exposure.tranche)]
        rr = np.where(np.isnan(rr), by_class[cc.company.tranche(exposure.tranche).rank], rr)
    else:
        rr = by_class[exposure.seniority]
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
