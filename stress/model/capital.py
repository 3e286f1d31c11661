"""Financing beside the debt tranches: status of commitment, equity raises, distributions.

A going concern grows only as far as its funding reaches, so every source of
money says whether it was *committed* at ``as_of`` (signed, or announced in a
filing by then) or only *planned* (guidance, announced but unsigned). The
``committed`` case counts only the first; the ``plan`` case both.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Date, PosMoney, Spec
from stress.vocabulary import Case as Case  # defined with the CLI's other choices, re-exported here


class FinancingStatus(StrEnum):
    COMMITTED = "committed"
    PLANNED = "planned"


class EquityRaise(Spec):
    """New shares sold for ``amount`` of cash on ``date`` (a planned raise: the first quarter from ``date``
    in which the financing market is open, and only in the ``plan`` case)."""

    name: str = Field(min_length=1)
    amount: PosMoney = Field(description="net proceeds, USD")
    date: Date
    status: FinancingStatus = FinancingStatus.COMMITTED
    evidence: str | None = Field(None, description="source tag, or 'estimate: why'; required when planned")


class DistributionKind(StrEnum):
    DIVIDEND = "dividend"
    BUYBACK = "buyback"


class Distribution(Spec):
    """Cash returned to shareholders each quarter from ``start`` to ``end`` (open-ended when absent).

    Suspended in any quarter in which paying would leave liquidity (cash plus undrawn revolver)
    below ``suspend_below_liquidity``: boards cut dividends before they miss a coupon.
    """

    name: str = Field(min_length=1)
    kind: DistributionKind = DistributionKind.DIVIDEND
    per_quarter: PosMoney = Field(description="USD a quarter")
    start: Date
    end: Date | None = None
    suspend_below_liquidity: PosMoney | None = Field(None, description="USD; no payment that would leave less")
