"""Financing that arrives during the projection: facilities that open, notes issued, equity raised,
distributions paid. Compiled once per company; the step functions are vectorised over worlds.

A source of money is *available* in a world from its quarter on when it is committed, or, when it is
only planned, in the first quarter from its date in which that world counts planned financing (the
``plan`` case) and the financing market is open (``Worlds.refi_open``): a planned raise waits out a
frozen market and a committed one does not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine.timeline import Timeline
from stress.model.capital import FinancingStatus
from stress.model.company import Company
from stress.model.debt import DebtKind

#: Amounts below this (USD) are rounding.
CENT = 0.01


@dataclass(frozen=True)
class CompiledFinancing:
    """Per tranche (T), equity raise (E) and distribution (D); money in USD, quarters as projection indices."""

    tranche_planned: np.ndarray  # (T,) bool
    tranche_available_q: np.ndarray  # (T,) int: first quarter it may open; -1 = open at as_of
    tranche_issue_in_full: np.ndarray  # (T,) bool: its whole undrawn limit is drawn as cash on opening
    tranche_draw_end_q: np.ndarray  # (T,) int: last quarter its undrawn commitment can fund capex
    tranche_redemption: np.ndarray  # (T,) USD repaid at maturity of an accreting tranche; 0 = not accreting
    equity_names: list[str]
    equity_amount: np.ndarray  # (E,)
    equity_q: np.ndarray  # (E,) int
    equity_planned: np.ndarray  # (E,) bool
    distribution_names: list[str]
    distribution_amount: np.ndarray  # (D, Q) USD due each quarter
    distribution_floor: np.ndarray  # (D,) USD of liquidity a payment must leave

    @property
    def source_is_proceeds(self) -> np.ndarray:
        """(T + E,) bool: funding sources raised in full and earmarked (issued tranches, equity raises)."""
        return np.concatenate([self.tranche_issue_in_full, np.ones(len(self.equity_names), dtype=bool)])

    @property
    def opened_at_start(self) -> np.ndarray:
        """(T,) bool: committed and available at as_of; one still to be issued in full is issued in the first
        quarter instead (it opens then, as committed financing does whatever the market)."""
        return ~self.tranche_planned & (self.tranche_available_q < 0) & ~self.tranche_issue_in_full


def _quarter(tl: Timeline, when: object) -> int:
    return -1 if when is None else max(tl.index_of(when), -1)  # type: ignore[arg-type]


#: Kinds raised in full when they open (their proceeds earmarked for the programmes that name them); the
#: others (delayed-draw, revolver, vendor financing) are drawn as capex is bought or cash is needed.
ISSUED_IN_FULL = (DebtKind.NOTES, DebtKind.CONVERTIBLE, DebtKind.TERM_LOAN)


def compile_financing(company: Company, tl: Timeline, funded_by: set[str], minimum_cash: float) -> CompiledFinancing:
    """``funded_by``: tranches a legacy ``capex_plan[].funded_by`` names; they are drawn as capex is bought,
    whatever their kind, as profiles written before programmes expect."""
    planned = FinancingStatus.PLANNED
    amounts = np.zeros((len(company.distributions), tl.n))
    for d, x in enumerate(company.distributions):
        first = max(tl.index_of(x.start), 0)
        last = tl.n - 1 if x.end is None else min(tl.index_of(x.end), tl.n - 1)
        amounts[d, first:last + 1] = x.per_quarter
    return CompiledFinancing(
        tranche_planned=np.array([t.status is planned for t in company.debt], dtype=bool),
        tranche_available_q=np.array([_quarter(tl, t.available_from) for t in company.debt], dtype=int),
        tranche_issue_in_full=np.array([t.kind in ISSUED_IN_FULL and t.balance == 0 and t.name not in funded_by
                                        for t in company.debt], dtype=bool),
        tranche_draw_end_q=np.array([tl.index_of(min(t.draw_until or t.maturity, t.maturity)) for t in company.debt], dtype=int),
        tranche_redemption=np.array([t.redemption or 0.0 for t in company.debt], dtype=float),
        equity_names=[e.name for e in company.equity],
        equity_amount=np.array([e.amount for e in company.equity], dtype=float),
        equity_q=np.array([_quarter(tl, e.date) for e in company.equity], dtype=int),
        equity_planned=np.array([e.status is planned for e in company.equity], dtype=bool),
        distribution_names=[x.name for x in company.distributions],
        distribution_amount=amounts,
        distribution_floor=np.array([x.suspend_below_liquidity if x.suspend_below_liquidity is not None else minimum_cash
                                     for x in company.distributions], dtype=float),
    )


def opening_now(q: int, done: np.ndarray, planned: np.ndarray, available_q: np.ndarray, plan: np.ndarray,
                market_open: np.ndarray) -> np.ndarray:
    """(W, N) bool: sources (N) not yet available that become so in quarter ``q``.

    ``done`` (W, N): already available; ``planned``, ``available_q`` (N,); ``plan``, ``market_open`` (W,).
    """
    counted = ~planned[None, :] | plan[:, None]
    return ~done & (q >= available_q)[None, :] & counted & (~planned[None, :] | market_open[:, None])


def pay_distributions(fin: CompiledFinancing, q: int, cash: np.ndarray, other_liquidity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pay each distribution due in ``q`` unless it would leave liquidity (cash + ``other_liquidity``, the undrawn
    revolver) below its floor; returns (paid (W, D), cash (W,))."""
    paid = np.zeros((len(cash), len(fin.distribution_names)))
    for d in np.flatnonzero(fin.distribution_amount[:, q] > 0):
        due = fin.distribution_amount[d, q]
        pay = cash + other_liquidity - due >= fin.distribution_floor[d]
        paid[:, d] = np.where(pay, due, 0.0)
        cash = cash - paid[:, d]
    return paid, cash
