"""Construction in progress: what capex cohorts had cost by as_of, before they enter service.

A firm in the middle of a build has already paid part of the cohorts it will put in service next: CoreWeave
carried 6.9bn of construction in progress at 30 Sep 2025. Without this the projection would pay for those
cohorts a second time when they are bought. Each capex cohort's ``paid_at_as_of`` is an asset from the
start; when the cohort is bought the purchase pays only the rest and its book value takes the whole cost;
when its programme is cancelled the spend is written off (impairment, not tax-deductible here); when a
vehicle's lenders take the cohort, the spend goes with it.

Arrays are (W, K) USD: worlds x cohorts (zero for owned cohorts and once a cohort is bought or gone).
"""

from __future__ import annotations

import numpy as np


def opening(paid: np.ndarray, n_worlds: int) -> np.ndarray:
    """(W, K) construction in progress at as_of: each capex cohort's ``paid_at_as_of`` (K,) in every world."""
    return np.broadcast_to(paid, (n_worlds, len(paid))).copy()


def release(cip: np.ndarray, gone: np.ndarray) -> np.ndarray:
    """Take the cohorts ``gone`` (W, K bool: bought, cancelled or taken by lenders) out of ``cip`` in place;
    returns what left, (W,) USD: into book value, written off, or given up."""
    moved = np.where(gone, cip, 0.0)
    cip -= moved
    return moved.sum(axis=1)


def cost_with_overrun(list_cost: np.ndarray, paid: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """(W, K) what each cohort costs in all: the spend at as_of, plus the rest scaled by the world's overrun
    ``factor`` (W, K): money already spent does not overrun."""
    return paid + (list_cost - paid) * factor
