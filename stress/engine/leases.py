"""Lease schedules: payments, liability at present value, accretion, ROU amortisation.

Leases are not world-dependent (no shock moves them), so each schedule is
computed once, as arrays over the projection quarters, and broadcast.
Payments are quarterly in arrears: ``annual_payment / 4`` rising by the
escalator each lease year. The liability is the present value of the
remaining payments at the quarterly rate ``(1 + r) ** 0.25 - 1``; the
right-of-use asset starts equal to it and amortises straight-line over the
remaining payments (lease cost = amortisation + interest, the
operating-lease pattern of ASC 842 presented above EBITDA).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine.timeline import Timeline, quarter_of
from stress.model.lease import Lease


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
    opening_liability: float
    opening_rou: float
    recognised: np.ndarray
    payment: np.ndarray
    interest: np.ndarray
    rou_amortisation: np.ndarray
    liability: np.ndarray  # closing
    rou: np.ndarray  # closing


def schedule(lease: Lease, timeline: Timeline) -> LeaseSchedule:
    """The lease's payments and balances in each projection quarter."""
    n = timeline.n
    commence = timeline.index_of(lease.start)  # recognised at the end of this quarter
    n_pay = int((quarter_of(lease.end) - quarter_of(lease.start)).n)
    pay_all = payments(lease.annual_payment, lease.escalator, n_pay)
    rq = quarterly_rate(lease.discount_rate)
    # payment j (0-based) falls in projection quarter commence + 1 + j
    pay_q = commence + 1 + np.arange(n_pay)
    payment = np.zeros(n)
    in_range = (pay_q >= 0) & (pay_q < n)
    payment[pay_q[in_range]] = pay_all[in_range]

    recognised = np.zeros(n)
    if commence < 0:
        remaining = pay_all[pay_q >= 0]
        opening = present_value(remaining, rq)
        amort_quarters = len(remaining)
    else:
        opening = 0.0
        amort_quarters = n_pay
        if commence < n:
            recognised[commence] = present_value(pay_all, rq)

    liability = np.zeros(n)
    interest = np.zeros(n)
    rou = np.zeros(n)
    amort = np.zeros(n)
    lia_prev = rou_prev = opening
    per_q = opening / amort_quarters if amort_quarters else 0.0
    for q in range(n):  # one lease, n quarters: a short scalar recurrence, not a world loop
        interest[q] = lia_prev * rq
        amort[q] = min(per_q, rou_prev) if rou_prev > 0 else 0.0
        lia = lia_prev + interest[q] - payment[q] + recognised[q]
        r = rou_prev - amort[q] + recognised[q]
        if recognised[q] > 0:
            per_q = recognised[q] / amort_quarters
        liability[q], rou[q] = lia, r
        lia_prev, rou_prev = lia, r
    return LeaseSchedule(lease.name, opening, opening, recognised, payment, interest, amort, liability, rou)

