"""Dated market signals on a firm's credit: ratings, bond spreads and yields, CDS spreads.

A profile's ``market_signals:`` list. Each signal is a dated observation with its
source; ``stress.analysis.market_view`` turns them into a market-implied probability
of default shown beside the model's. They are a display for the analyst and never an
input to the projection or the Monte Carlo.

Spreads and yields use the profile's rate units (``'368bp'``, ``'9.25%'``); a bare
number is a fraction, so ``368`` without a unit is refused as out of range.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from stress.model.types import Date, Rate, Share, Spec, Years, within
from stress.units import RATE_A_YEAR, parse_rate

#: The widest spread taken: 10,000bp (100% a year), as for debt spreads.
MAX_SIGNAL_SPREAD = 1.0

Spread = Annotated[float, within(0.0, MAX_SIGNAL_SPREAD, "a spread above 0bp and at most 10,000bp; write it with "
                                 "a unit, e.g. '368bp' or '3.68%'", parse_rate, low_open=True), RATE_A_YEAR]
"""A credit spread, fraction per annum: above 0, at most 10,000bp."""


class Agency(StrEnum):
    SP = "S&P"
    MOODYS = "Moody's"
    FITCH = "Fitch"


#: S&P and Fitch long-term scale (issuer or issue), with Fitch's RD and S&P's SD for selective default.
_LETTER_SCALE = re.compile(r"^(AAA|AA[+-]?|A[+-]?|BBB[+-]?|BB[+-]?|B[+-]?|CCC[+-]?|CC|C|RD|SD|D)$")
#: Moody's long-term scale.
_MOODYS_SCALE = re.compile(r"^(Aaa|Aa[123]?|A[123]?|Baa[123]?|Ba[123]?|B[123]?|Caa[123]?|Ca|C)$")


class _Signal(Spec):
    date: Date = Field(description="date of the observation (rating action, quote, pricing)")
    source: str = Field(min_length=1, description="URL or citation of the observation")
    instrument: str = Field("", description="free text: the issuer, bond or contract observed")
    vehicle: str | None = Field(None, description="the financing vehicle whose instrument this is (its notes, say): "
                                                 "compared with that vehicle's probability of foreclosure, not the firm's PD")


class RatingSignal(_Signal):
    """An agency's long-term rating of the issuer or of one of its issues."""

    kind: Literal["rating"] = "rating"
    agency: Agency
    rating: str = Field(min_length=1, description="e.g. 'B+' (S&P, Fitch) or 'Ba3' (Moody's)")

    @model_validator(mode="after")
    def _on_the_agency_scale(self) -> RatingSignal:
        scale = _MOODYS_SCALE if self.agency is Agency.MOODYS else _LETTER_SCALE
        if not scale.match(self.rating.strip()):
            example = "Aaa ... Baa3, Ba1 ... C" if self.agency is Agency.MOODYS else "AAA ... BBB-, BB+ ... D"
            raise ValueError(f"{self.rating!r} is not on {self.agency.value}'s long-term scale ({example})")
        return self


class BondSpreadSignal(_Signal):
    """A bond's spread over Treasuries of the same tenor."""

    kind: Literal["bond_spread"] = "bond_spread"
    spread: Spread = Field(description="spread over Treasuries, e.g. '171bp'")
    recovery: Share | None = Field(None, description="recovery assumed on default; default 40% (senior unsecured)")


class BondYieldSignal(_Signal):
    """A bond's yield to maturity and the Treasury yield of the same tenor: the spread is their difference."""

    kind: Literal["bond_yield"] = "bond_yield"
    yield_to_maturity: Rate = Field(description="the bond's yield, e.g. '10%'")
    treasury_yield: Rate = Field(description="the Treasury yield of the same tenor on the same date, e.g. '3.7%'")
    recovery: Share | None = Field(None, description="recovery assumed on default; default 40% (senior unsecured)")

    @model_validator(mode="after")
    def _positive_spread(self) -> BondYieldSignal:
        if not self.yield_to_maturity > self.treasury_yield:
            raise ValueError(f"the yield ({self.yield_to_maturity:.2%}) must be above the Treasury yield "
                             f"({self.treasury_yield:.2%}): a credit spread is positive")
        if self.yield_to_maturity - self.treasury_yield > MAX_SIGNAL_SPREAD:
            raise ValueError("the spread (yield less Treasury yield) is beyond 10,000bp")
        return self

    @property
    def spread(self) -> float:
        return self.yield_to_maturity - self.treasury_yield


class CdsSignal(_Signal):
    """A credit default swap's running spread."""

    kind: Literal["cds"] = "cds"
    spread: Spread = Field(description="running spread, e.g. '368bp'")
    tenor_years: Years = Field(5.0, description="tenor, years (default 5, the most traded)")
    recovery: Share | None = Field(None, description="recovery assumed on default; default 40% (the ISDA convention "
                                                     "for senior unsecured)")


MarketSignal = Annotated[RatingSignal | BondSpreadSignal | BondYieldSignal | CdsSignal, Field(discriminator="kind")]
"""One dated signal; ``kind`` is ``rating``, ``bond_spread``, ``bond_yield`` or ``cds``."""
