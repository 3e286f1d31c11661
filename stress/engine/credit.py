"""The firm's credit inside the projection: its indicative rating, the spread its maturities refinance at,
and the incurrence tests that decide whether it may take on new debt.

The reports rate each quarter after the fact (``stress.engine.results``); refinancing needs the rating
*in* the loop, in each world, from what has happened so far. ``CreditState`` keeps the last four quarters
of EBITDA and interest expense, (4, W) rings, and rates on the same bounds as the reports
(``stress.engine.metrics.rating_index``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine import metrics as m
from stress.model.company import Company
from stress.model.covenant import CovenantKind, CovenantMetric
from stress.model.refinancing import Rating

#: Parent metrics an incurrence test can use: the ones the loop knows each quarter.
INCURRENCE_METRICS = frozenset({CovenantMetric.LEVERAGE, CovenantMetric.NET_LEVERAGE, CovenantMetric.INTEREST_COVER})

#: Rating buckets in the order of ``metrics.RATING_SCALE`` (without D).
BUCKETS = tuple(Rating(r) for r in m.RATING_SCALE[:-1])


@dataclass(frozen=True)
class CompiledCredit:
    spreads: np.ndarray  # (7,) annual spread over base by rating index, the firm's premium included
    closed_from: int  # rating index at and below which nothing refinances
    incurrence: tuple[tuple[CovenantMetric, float], ...]  # the parent's incurrence tests: metric, threshold
    extension_q: int  # quarters an extended loan maturity moves (0: no amend and extend)
    step_up: float  # added to an extended loan's annual rate

    @classmethod
    def of(cls, company: Company) -> CompiledCredit:
        r = company.refinancing
        tests = tuple((c.metric, c.threshold) for c in company.covenants
                      if c.at_parent and c.kind is CovenantKind.INCURRENCE)
        closed = len(BUCKETS) if r.closed_from is None else BUCKETS.index(r.closed_from)
        return cls(np.array([r.spread(b) for b in BUCKETS]), closed, tests, r.extension_quarters, r.extension_step_up)


@dataclass
class CreditState:
    ebitda: np.ndarray  # (4, W) last four quarters, USD
    interest: np.ndarray  # (4, W)

    @classmethod
    def opening(cls, n_worlds: int) -> CreditState:
        return cls(np.zeros((4, n_worlds)), np.zeros((4, n_worlds)))

    def record(self, q: int, ebitda: np.ndarray, interest_expense: np.ndarray) -> None:
        self.ebitda[q % 4], self.interest[q % 4] = ebitda, interest_expense

    def ltm(self, q: int) -> tuple[np.ndarray, np.ndarray]:
        """(W,) LTM EBITDA and interest expense through quarter ``q``, annualised in the first year as the
        reports' LTM."""
        scale = 4.0 / min(q + 1, 4)
        return self.ebitda.sum(axis=0) * scale, self.interest.sum(axis=0) * scale

    def rating(self, q: int, debt: np.ndarray, cash: np.ndarray) -> np.ndarray:
        """(W,) rating index from LTM net leverage and interest cover through quarter ``q``."""
        ebitda, interest = self.ltm(q)
        return m.rating_index(m.net_leverage(debt, cash, ebitda), m.interest_cover(ebitda, interest),
                              np.zeros(len(debt), dtype=bool))


def incurrence_allows(credit: CompiledCredit, state: CreditState, q: int, debt: np.ndarray, cash: np.ndarray,
                      limits: np.ndarray) -> np.ndarray:
    """(W, T) bool: the parent's incurrence tests pass pro forma for opening each facility in full (its
    ``limits`` (T,) added to ``debt`` (W,)); n.m. leverage (EBITDA at or below zero) fails, n.m. cover passes."""
    ok = np.ones((len(debt), len(limits)), dtype=bool)
    if not credit.incurrence:
        return ok
    ebitda, interest = state.ltm(q)
    pro_forma = debt[:, None] + limits[None, :]
    for metric, threshold in credit.incurrence:
        if metric is CovenantMetric.INTEREST_COVER:
            cover = m.interest_cover(ebitda, interest)[:, None]
            ok &= np.isnan(cover) | (cover >= threshold)
        else:
            lev = m.ratio(pro_forma - (cash[:, None] if metric is CovenantMetric.NET_LEVERAGE else 0.0), ebitda[:, None])
            ok &= ~np.isnan(lev) & (lev <= threshold)
    return ok
