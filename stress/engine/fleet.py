"""One quarter of the fleet: purchases, earning GPUs, depreciation, retirement, collateral.

All arrays are (W, K) over worlds and cohorts, USD or GPU counts.
Depreciation is straight-line to residual over the accounting life *in
force*: each quarter charges ``(book - residual) / quarters left``, which is
plain straight-line while the life is unchanged and a prospective change of
estimate when a shock shortens it. A cohort already past its new life is
written down to residual at once (impairment).

Tax depreciation follows the profile's original lives: a change of
accounting estimate or an impairment does not change the tax books, so a
shorter accounting life moves earnings, not cash.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class FleetState:
    nbv: np.ndarray  # (W, K) net book value, USD
    bought: np.ndarray  # (W, K) bool
    retired: np.ndarray  # (W, K) bool
    tax_nbv: np.ndarray  # (W, K) tax written-down value, USD


@dataclass(frozen=True)
class FleetQuarter:
    earning: np.ndarray  # (W, K) bool: the cohort earns this quarter
    depreciation: np.ndarray  # (W, K)
    impairment: np.ndarray  # (W, K)
    proceeds: np.ndarray  # (W, K) cash from retirement sales
    disposed_nbv: np.ndarray  # (W, K) book value removed on retirement
    tax_depreciation: np.ndarray  # (W, K)
    tax_disposal_gain: np.ndarray  # (W, K) proceeds less tax value on retirement


def in_force(q: int, change_q: np.ndarray, new: np.ndarray, old: np.ndarray) -> np.ndarray:
    """``new`` from each cohort's change quarter (W, K) on, ``old`` before it; (W, K)."""
    return np.where(q >= change_q, new, old)


def purchase(state: FleetState, bought: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Add the cohorts bought this quarter (W, K bool) at ``cost`` (W, K); returns capex (W, K), USD.
    They earn and depreciate from the next quarter."""
    capex = np.where(bought, cost, 0.0)
    state.nbv = state.nbv + capex
    state.tax_nbv = state.tax_nbv + capex
    state.bought = state.bought | bought
    return capex


def market_value(state: FleetState, q: int, in_q: np.ndarray, econ_q: np.ndarray, residual: np.ndarray,
                 list_cost: np.ndarray, price_index: np.ndarray, resale_factor: np.ndarray) -> np.ndarray:
    """Collateral value of each held cohort at the end of quarter ``q`` (W, K), USD: list cost x the larger of
    residual and remaining economic life, at the world's price and resale factor."""
    remaining = np.clip((in_q + econ_q - q) / np.maximum(econ_q, 1), 0.0, 1.0)
    held = state.bought & ~state.retired
    return np.where(held, list_cost * np.maximum(residual, remaining) * price_index * resale_factor[:, None], 0.0)


def step(state: FleetState, q: int, in_q: np.ndarray, life_q: np.ndarray, econ_q: np.ndarray,
         residual_value: np.ndarray, residual: np.ndarray, price_index: np.ndarray,
         resale_factor: np.ndarray, tax_life_q: np.ndarray, list_cost: np.ndarray) -> FleetQuarter:
    """Earn, depreciate and retire through quarter ``q``; mutates ``state``. Purchases are ``purchase``.

    ``in_q`` (W, K): the quarter each cohort was bought (owned: its in-service quarter); ``life_q``,
    ``econ_q``: (W, K) per world (shocked lives); ``residual_value`` (W, K): cost paid (overruns included)
    x ``residual`` (K,), the share of cost it depreciates to, fixed for a run (so worked out once);
    ``price_index``: (W, K) world price / baseline price of the cohort's GPU;
    ``resale_factor``: (W,) this quarter's multiplier on resale values;
    ``tax_life_q``: (K,) the original accounting life, used for tax; ``list_cost``: (W, K) cost before any
    overrun, the basis of resale and collateral values (an overrun buys nothing the market pays for).
    """
    live = state.bought & ~state.retired & (q > in_q)
    end = in_q + econ_q  # the last quarter the cohort earns, and the one it is sold in
    earning = live & (q <= end)
    depreciation, impairment = _straight_line(state.nbv, residual_value, live, in_q + life_q - q + 1)
    state.nbv = state.nbv - depreciation if impairment is None else state.nbv - depreciation - impairment
    tax_depreciation, _ = _straight_line(state.tax_nbv, residual_value, live, in_q + tax_life_q - q + 1, impair=False)
    state.tax_nbv = state.tax_nbv - tax_depreciation
    zero = np.zeros_like(state.nbv)
    impairment = zero if impairment is None else impairment

    retire = live & (q >= end)
    if not retire.any():  # most quarters retire nothing: skip the sale arithmetic
        return FleetQuarter(earning, depreciation, impairment, zero, zero, tax_depreciation, zero)
    proceeds = np.where(retire, list_cost * residual * price_index * resale_factor[:, None], 0.0)
    disposed = np.where(retire, state.nbv, 0.0)
    tax_gain = np.where(retire, proceeds - state.tax_nbv, 0.0)
    state.nbv = np.where(retire, 0.0, state.nbv)
    state.tax_nbv = np.where(retire, 0.0, state.tax_nbv)
    state.retired = state.retired | retire
    return FleetQuarter(earning, depreciation, impairment, proceeds, disposed, tax_depreciation, tax_gain)


def _straight_line(book: np.ndarray, residual_value: np.ndarray, live: np.ndarray, left: np.ndarray,
                   impair: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
    """(depreciation, impairment), (W, K) USD: ``book`` less ``residual_value`` over the ``left`` quarters of
    life that remain (this one included) for ``live`` cohorts; a live cohort with none left is written down to
    residual at once (None when none is, as in most quarters: subtracting zeros would change nothing)."""
    excess = np.maximum(book - residual_value, 0.0)
    running = left >= 1
    depreciation = np.where(live & running, excess / np.maximum(left, 1), 0.0)
    if not impair:
        return depreciation, None
    past = live & ~running
    return depreciation, (np.where(past, excess, 0.0) if past.any() else None)
