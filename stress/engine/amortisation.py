"""Scheduled principal of an amortising tranche, vectorised over worlds.

``quarters_left`` counts the current quarter through the maturity quarter,
so in the maturity quarter (``quarters_left == 1``) every method returns the
whole balance: the final payment, which the debt step treats as the maturity.
"""

from __future__ import annotations

import numpy as np

from stress.model.debt import Amortisation


def scheduled_principal(balance: np.ndarray, quarters_left: int, rate_q: np.ndarray | float, method: Amortisation) -> np.ndarray:
    """Principal due this quarter, USD, shape of ``balance``.

    ``straight_line``: balance / quarters_left (equal instalments to zero).
    ``annuity``: level payment ``B r / (1 - (1+r)^-n)`` less interest ``B r``.
    ``bullet``: nothing until the maturity quarter.
    """
    if quarters_left <= 1:
        return np.array(balance, dtype=float, copy=True)
    if method is Amortisation.BULLET:
        return np.zeros_like(balance, dtype=float)
    if method is Amortisation.STRAIGHT_LINE:
        return balance / quarters_left
    r = np.broadcast_to(np.asarray(rate_q, dtype=float), np.shape(balance))
    with np.errstate(divide="ignore", invalid="ignore"):
        annuity = np.where(r > 1e-12, r / (1.0 - (1.0 + r) ** -quarters_left), 1.0 / quarters_left)
    return balance * (annuity - r)


def sculpted_principal(balance: np.ndarray, interest: np.ndarray, cfads: np.ndarray, target_dscr: float) -> np.ndarray:
    """Principal that makes debt service equal ``cfads / target_dscr``: ``max(cfads / target - interest, 0)``,
    at most the balance. ``cfads`` is this tranche's share of the vehicle's contracted cash flow as signed."""
    return np.clip(cfads / target_dscr - interest, 0.0, balance)
