"""One quarter of revenue and GPU-driven costs, vectorised over worlds.

Contracts pay ``gpus x hours x price`` while they run and their customer has
not defaulted; if the fleet of a GPU model is smaller than what is
contracted, every contract on that model is served in proportion. GPUs not
under contract earn spot revenue ``gpus x hours x utilisation x price``.
Power is billed on GPUs drawing power: contracted ones at full load, spot
ones at the utilisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine.rows import rowsum


@dataclass(frozen=True)
class RevenueQuarter:
    contracted: np.ndarray  # (W,) USD
    spot: np.ndarray  # (W,) USD
    power: np.ndarray  # (W,) USD
    other: np.ndarray  # (W,) USD
    fleet_gpus: np.ndarray  # (W,) GPUs earning
    it_mw: np.ndarray  # (W,) IT load of the GPUs earning, MW (what per-MW overheads scale with)
    served: np.ndarray  # (W, C) GPUs serving each contract term (what a financing vehicle collects on)
    kw_per_gpu: np.ndarray  # (W, G) IT kW per GPU earning, by model


def one_hot(index: np.ndarray, n: int) -> np.ndarray:
    """(len(index), n) matrix with a 1 at each row's index."""
    out = np.zeros((len(index), n))
    out[np.arange(len(index)), index] = 1.0
    return out


def step(earning_units: np.ndarray, cohort_gpu_map: np.ndarray, kw: np.ndarray,
         contract_gpus: np.ndarray, contract_gpu_map: np.ndarray, contract_price: np.ndarray,
         not_defaulted: np.ndarray, coverage: np.ndarray, spot_price: np.ndarray, utilisation: np.ndarray,
         power_price: np.ndarray, hours: float, pue: float, other_cost_per_gpu_quarter: float,
         vintage: np.ndarray | None = None) -> RevenueQuarter:
    """Revenue and GPU costs of one quarter.

    ``earning_units`` (W, K); ``cohort_gpu_map`` (K, G) one-hot; ``kw`` (K,);
    contract arrays (C,) with ``contract_gpu_map`` (C, G) and
    ``not_defaulted`` (W, C); ``coverage`` (C,) or (W, C) share of the quarter each
    contract runs; ``spot_price`` (W, G); ``utilisation``, ``power_price`` (W,); ``contract_price`` (C,) or
    (W, C); ``vintage`` (W, K): each cohort's price factor for its age, so a model's spot GPUs earn the
    fleet-weighted factor of its cohorts (spot is taken pro rata from every cohort of the model).
    """
    fleet = earning_units @ cohort_gpu_map  # (W, G)
    kw_fleet = (earning_units * kw) @ cohort_gpu_map
    kw_per_gpu = np.divide(kw_fleet, fleet, out=np.zeros_like(fleet), where=fleet > 0)
    demand = contract_gpus * coverage * not_defaulted  # (W, C)
    demand_g = demand @ contract_gpu_map  # (W, G)
    served_share = np.divide(fleet, demand_g, out=np.ones_like(fleet), where=demand_g > fleet)
    served = demand * (served_share @ contract_gpu_map.T)  # (W, C)
    contracted_g = demand_g * served_share
    spot_g = np.maximum(fleet - contracted_g, 0.0)
    contracted = rowsum(served * contract_price) * hours
    if vintage is not None:
        aged = (earning_units * vintage) @ cohort_gpu_map
        spot_price = spot_price * np.divide(aged, fleet, out=np.ones_like(fleet), where=fleet > 0)
    spot = rowsum(spot_g * spot_price) * hours * utilisation
    it_kw = rowsum((contracted_g + spot_g * utilisation[:, None]) * kw_per_gpu)
    power = it_kw * pue * hours * power_price
    gpus = rowsum(fleet)
    return RevenueQuarter(contracted, spot, power, gpus * other_cost_per_gpu_quarter, gpus, rowsum(kw_fleet) / 1000.0,
                          served, kw_per_gpu)
