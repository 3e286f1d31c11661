"""Lease schedules: payments, liability at present value, accretion, right-of-use asset, expense pattern.

Leases are not world-dependent (no shock moves them), so each schedule is
computed once, as arrays over the projection quarters, and broadcast.
Payments are quarterly in arrears: ``annual_payment / 4`` rising by the
escalator each lease year. The liability is the present value of the
remaining payments at the quarterly rate ``(1 + r) ** 0.25 - 1`` and accretes
at it. Each schedule runs from commencement, so a lease commenced before
``as_of`` opens with the balances it has reached by then.

Two expense patterns (``Lease.type``):

- ``operating`` (ASC 842): one straight-line lease cost a quarter, the total
  undiscounted payments / the quarters of payments, inside EBITDA; the
  right-of-use asset is the plug: its amortisation is that cost less the
  liability's interest, and it reaches zero with the last payment.
- ``finance``: interest on the liability (interest expense) and straight-line
  amortisation of the right-of-use asset over the term, both below EBITDA;
  the payment's interest part is operating cash, its principal part financing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine.timeline import Timeline, quarter_of
from stress.model.lease import Lease, LeaseType


def quarterly_rate(annual_rate: float) -> float:
    return (1.0 + annual_rate) ** 0.25 - 1.0


def payments(annual_payment_usd: float, escalator: float, n_payments: int) -> np.ndarray:
    """Payment ``k`` (0-based) of a lease, USD: ``annual/4 * (1+esc) ** (k // 4)``; shape (n_payments,)."""
    k = np.arange(n_payments)
    return annual_payment_usd / 4.0 * (1.0 + escalator) ** (k // 4)


def present_value(flows: np.ndarray, rate_q: float) -> float:
    """PV one period before the first flow, flows at the end of each period."""
    return float(np.sum(flows / (1.0 + rate_q) ** np.arange(1, len(flows) + 1)))


@dataclass(frozen=True)
class LeaseSchedule:
    """One lease over the projection; arrays of shape (n_quarters,), USD.

    ``opening_liability`` / ``opening_rou`` are the balances at ``as_of``
    (non-zero only for leases already commenced). ``recognised`` is the
    liability (and ROU asset) that appears at the end of the commencement
    quarter of a lease not yet commenced.
    """

    name: str
    finance: bool  # a finance lease (else operating)
    opening_liability: float
    opening_rou: float
    recognised: np.ndarray
    payment: np.ndarray
    interest: np.ndarray  # accretion of the liability
    rou_amortisation: np.ndarray  # operating: straight-line cost - interest; finance: straight line
    cost: np.ndarray  # operating: the straight-line lease cost (in EBITDA); finance: 0
    liability: np.ndarray  # closing
    rou: np.ndarray  # closing


def schedule(lease: Lease, timeline: Timeline) -> LeaseSchedule:
    """The lease's payments, expense and balances in each projection quarter."""
    n = timeline.n
    commence = timeline.index_of(lease.start)  # recognised at the end of this quarter
    n_pay = max(int((quarter_of(lease.end) - quarter_of(lease.start)).n), 0)
    pay = payments(lease.annual_payment, lease.escalator, n_pay)
    rq = quarterly_rate(lease.discount_rate)
    finance = lease.type is LeaseType.FINANCE
    # the lease's own term, j = 0 (commencement) .. n_pay (last payment): a short scalar recurrence, not a world loop
    liability = np.zeros(n_pay + 1)
    interest = np.zeros(n_pay + 1)
    liability[0] = present_value(pay, rq)
    for j in range(1, n_pay + 1):
        interest[j] = liability[j - 1] * rq
        liability[j] = liability[j - 1] + interest[j] - pay[j - 1]
    payment = np.concatenate([[0.0], pay])
    cost = np.zeros(n_pay + 1)
    if n_pay and finance:
        amort = np.concatenate([[0.0], np.full(n_pay, liability[0] / n_pay)])
    elif n_pay:
        cost[1:] = pay.sum() / n_pay
        amort = cost - interest
    else:
        amort = np.zeros(1)
    rou = liability[0] - np.cumsum(amort)
    liability[-1] = rou[-1] = 0.0  # exactly nil after the last payment, not a rounding residue
    recognised = np.zeros(n_pay + 1)
    recognised[0] = liability[0]

    def project(term: np.ndarray) -> np.ndarray:
        """Term quarter j falls in projection quarter commence + j; nil before commencement and after the term."""
        j = np.arange(n) - commence
        return np.where((j >= 0) & (j <= n_pay), term[np.clip(j, 0, n_pay)], 0.0)

    j0 = -1 - commence  # the term quarter at as_of
    opened = 0 <= j0 <= n_pay
    return LeaseSchedule(lease.name, finance,
                         float(liability[j0]) if opened else 0.0, float(rou[j0]) if opened else 0.0,
                         project(recognised), project(payment), project(interest), project(amort),
                         project(cost), project(liability), project(rou))
