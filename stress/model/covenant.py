"""Financial covenants: a metric and a minimum or maximum."""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated

from pydantic import Field

from stress.errors import shown_value
from stress.model.types import MAX_MONEY, Date, Share, Spec, within
from stress.units import THRESHOLD, parse_money, parse_rate
from stress.vocabulary import Metric


class CovenantMetric(StrEnum):
    LIQUIDITY = "liquidity"  # cash + undrawn revolver, USD; a minimum
    LEVERAGE = "leverage"  # debt / LTM EBITDA, x
    NET_LEVERAGE = "net_leverage"  # (debt - cash) / LTM EBITDA, x
    LEASE_ADJUSTED_LEVERAGE = "lease_adjusted_leverage"  # (debt + lease liabilities) / LTM EBITDAR, x
    INTEREST_COVER = "interest_cover"  # LTM EBITDA / LTM interest, x
    DSCR = "dscr"  # (EBITDA - cash taxes) / (interest + scheduled principal), LTM, x
    LTV = "ltv"  # secured balance / collateral value, share; needs applies_to


#: The one map from what a covenant tests (the profile's word) to the projection's metric (``Metric``).
TESTED: dict[CovenantMetric, Metric] = {
    CovenantMetric.LIQUIDITY: Metric.LIQUIDITY, CovenantMetric.LEVERAGE: Metric.DEBT_TO_EBITDA,
    CovenantMetric.NET_LEVERAGE: Metric.NET_DEBT_TO_EBITDA, CovenantMetric.LEASE_ADJUSTED_LEVERAGE: Metric.LEASE_ADJUSTED_LEVERAGE,
    CovenantMetric.INTEREST_COVER: Metric.INTEREST_COVER, CovenantMetric.DSCR: Metric.DSCR, CovenantMetric.LTV: Metric.LTV,
}


#: The natural direction of each test, used to reject e.g. a maximum liquidity.
DIRECTION: dict[CovenantMetric, str] = {
    CovenantMetric.LIQUIDITY: "min",
    CovenantMetric.LEVERAGE: "max",
    CovenantMetric.NET_LEVERAGE: "max",
    CovenantMetric.LEASE_ADJUSTED_LEVERAGE: "max",
    CovenantMetric.INTEREST_COVER: "min",
    CovenantMetric.DSCR: "min",
    CovenantMetric.LTV: "max",
}


def parse_threshold(value: object) -> float:
    """``'6.0x'`` -> 6.0, ``'75%'`` -> 0.75, ``'200m'`` -> 2e8, numbers as given."""
    if isinstance(value, str) and len(value) <= 100:
        text = value.strip()
        if re.fullmatch(r"[0-9.]+\s*x", text, re.I):
            return float(text[:-1])
        if text.endswith("%") or text.lower().endswith(("bp", "bps")):
            return parse_rate(text)
    try:
        return parse_money(value)
    except ValueError:
        raise ValueError(f"expected a threshold such as 6.0, '6.0x', '75%' or '200m', got {shown_value(value)}") from None


#: Ratio covenants (leverage, cover, DSCR) are tested against 0 to this many times; ltv against 0% to this.
MAX_RATIO_THRESHOLD = 100.0
MAX_LTV_THRESHOLD = 10.0

Threshold = Annotated[float, within(0.0, MAX_MONEY, "a threshold of zero or more and at most 10tn", parse_threshold), THRESHOLD]
"""Zero or more; what is plausible depends on the metric (``stress.model.checks``)."""


#: Where a covenant is tested when it names no vehicle.
PARENT = "parent"


class CovenantKind(StrEnum):
    """``maintenance``: tested every quarter. ``incurrence``: tested only when new debt is incurred (a planned
    facility opening at the parent, or drawn in the vehicle); failing it blocks that debt, never a breach."""

    MAINTENANCE = "maintenance"
    INCURRENCE = "incurrence"


class Consequence(StrEnum):
    """What a maintenance breach does. ``breach``: reported, the lenders' remedy not modelled (at the parent,
    a waiver or amendment is usual); ``lock_up``: a vehicle's residual cash is trapped while it fails;
    ``sweep_step_up``: the vehicle's sweep rises to ``sweep_on_breach`` while it fails; ``event_of_default``:
    the vehicle's debt is accelerated (a vehicle test) or the firm defaults (a parent test)."""

    BREACH = "breach"
    LOCK_UP = "lock_up"
    SWEEP_STEP_UP = "sweep_step_up"
    EVENT_OF_DEFAULT = "event_of_default"


#: Metrics a vehicle can be tested on: its DSCR on contracted cash flow and its LTV on its collateral.
VEHICLE_METRICS = frozenset({CovenantMetric.DSCR, CovenantMetric.LTV})


class Covenant(Spec):
    """``stress.model.checks`` checks there is exactly one bound, in ``DIRECTION``, ``applies_to`` for a parent
    ltv, that ``tested_at`` names a vehicle, and that the metric and consequence suit the level."""

    metric: CovenantMetric
    min: Threshold | None = None
    max: Threshold | None = None
    applies_to: str | None = Field(None, description="debt tranche the test belongs to (required for ltv)")
    name: str | None = Field(None, description="label in reports; default from metric and tranche")
    tested_at: str = Field(PARENT, min_length=1, description="'parent' or a vehicle's name")
    kind: CovenantKind = CovenantKind.MAINTENANCE
    on_breach: Consequence | None = Field(None, description="default: lock_up in a vehicle, breach at the parent")
    sweep_on_breach: Share = Field(1.0, description="the vehicle's sweep while a sweep_step_up test fails")
    evidence: str | None = Field(None, description="source of the level, or 'estimate: why'")
    tested_from: Date | None = Field(None, description="first test date (a test that starts after a build); default as_of")

    @property
    def at_parent(self) -> bool:
        return self.tested_at == PARENT

    @property
    def consequence(self) -> Consequence:
        """What a breach does: as written, else a breach of the parent's test, a lock-up of a vehicle's."""
        implied = Consequence.BREACH if self.at_parent else Consequence.LOCK_UP
        return implied if self.on_breach is None else self.on_breach

    @property
    def threshold(self) -> float:
        return self.min if self.min is not None else self.max  # type: ignore[return-value]

    @property
    def is_minimum(self) -> bool:
        return self.min is not None

    @property
    def label(self) -> str:
        if self.name:
            return self.name
        where = self.applies_to or ("" if self.at_parent else self.tested_at)
        return self.metric.value + (f" ({where})" if where else "")
