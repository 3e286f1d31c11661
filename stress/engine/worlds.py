"""Worlds: complete paths of market inputs, one row per world.

The engine sees only these arrays; scenarios, sensitivity grids and Monte
Carlo all build Worlds, so they are the same engine call with a different
number of rows ``W``. Shocks transform Worlds (``stress.scenarios``); they
never reach into the engine.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.timeline import NEVER
from stress.model.capital import Case


@dataclass(frozen=True)
class Worlds:
    """Market paths; ``W`` worlds, ``Q`` quarters, ``G`` GPU models, ``K`` cohorts, ``U`` customers."""

    names: list[str]  # (W,) labels: scenario names or path numbers
    base_rate: np.ndarray  # (W, Q) annual base rate (3M SOFR)
    spread_add: np.ndarray  # (W, Q) annual add-on to floating and refinancing spreads
    gpu_price: np.ndarray  # (W, G, Q) spot USD per GPU-hour
    utilisation: np.ndarray  # (W, Q) share of spot GPU-hours sold
    power_price: np.ndarray  # (W, Q) USD per kWh
    refi_open: np.ndarray  # (W, Q) bool: can maturities be refinanced
    default_q: np.ndarray  # (W, U) int: quarter a customer stops paying; NEVER if it keeps paying
    life_q: np.ndarray  # (W, K) int accounting life in force from life_change_q
    econ_q: np.ndarray  # (W, K) int economic life in force from life_change_q
    life_change_q: np.ndarray  # (W, K) int quarter each cohort's change of life estimate takes effect
    resale_factor: np.ndarray  # (W, Q) multiplier on residual proceeds and collateral
    capex_factor: np.ndarray  # (W, K) multiplier on each capex cohort's cost (overrun)
    delay_q: np.ndarray  # (W, K) int quarters each capex cohort is delivered late
    plan: np.ndarray  # (W,) bool: the world counts planned financing and awarded contracts (the plan case)
    renewal: np.ndarray  # (W, C) share of each contract term's capacity that runs: 1 for a contract's own term;
    #                      for a renewal, its probability (scenarios) or 0/1 drawn with it (Monte Carlo)

    # the last four may also be given one number per world, (W,), meaning every cohort or quarter alike

    @property
    def n(self) -> int:
        return len(self.names)

    def take(self, index: slice | np.ndarray) -> Worlds:
        """The worlds at ``index`` (a slice or integer array), e.g. one chunk."""
        names = list(np.asarray(self.names, dtype=object)[index])
        arrays = {f.name: getattr(self, f.name)[index] for f in dataclasses.fields(self) if f.name != "names"}
        return Worlds(names=names, **arrays)

    @staticmethod
    def concat(parts: list[Worlds]) -> Worlds:
        names = [n for p in parts for n in p.names]
        arrays = {f.name: np.concatenate([getattr(p, f.name) for p in parts]) for f in dataclasses.fields(Worlds) if f.name != "names"}
        return Worlds(names=names, **arrays)


def widen(values: np.ndarray, width: int) -> np.ndarray:
    """A (W,) array repeated to (W, width); a (W, width) array as it is."""
    return np.broadcast_to(values[:, None], (len(values), width)) if values.ndim == 1 else values


def baseline_worlds(cc: CompiledCompany, n: int = 1, names: list[str] | None = None, case: Case | None = None) -> Worlds:
    """``n`` copies of the profile's own market: the unshocked baseline, under ``case`` (default ``cc.case``)."""
    m = cc.company.market
    q = cc.n_quarters

    def tile(row: np.ndarray) -> np.ndarray:
        return np.broadcast_to(row, (n, *row.shape)).copy()

    return Worlds(
        names=names or (["baseline"] if n == 1 else [f"world {i}" for i in range(n)]),
        base_rate=tile(cc.baseline_base_rate()),
        spread_add=np.zeros((n, q)),
        gpu_price=tile(cc.baseline_price()),
        utilisation=np.full((n, q), m.spot_utilisation),
        power_price=np.full((n, q), m.power_price_per_kwh),
        refi_open=np.ones((n, q), dtype=bool),
        default_q=np.full((n, len(cc.customers)), NEVER, dtype=int),
        life_q=tile(cc.cohort_life_q),
        econ_q=tile(cc.cohort_econ_q),
        life_change_q=np.zeros((n, len(cc.cohort_names)), dtype=int),
        resale_factor=np.ones((n, q)),
        capex_factor=np.ones((n, len(cc.cohort_names))),
        delay_q=np.zeros((n, len(cc.cohort_names)), dtype=int),
        plan=np.full(n, (case or cc.case) is Case.PLAN),
        renewal=tile(cc.contract_renewal_probability),
    )
