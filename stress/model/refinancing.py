"""Refinancing priced on credit: the spread a maturity rolls at depends on the borrower's indicative rating.

The engine rates the firm each quarter in each world on the same scale and bounds as the reports
(``stress.engine.metrics``: the worse of LTM net leverage and LTM interest cover) and refinances a
maturity at the grid's spread for that rating, plus the world's spread shock. At or below ``closed_from``
no lender refinances: the maturity is repaid from cash or the revolver, or it defaults. While the market is
shut, a performing borrower's (rated above ``closed_from``) *loan* maturity is amended and extended once,
by ``extension_quarters`` at its rate plus ``extension_step_up``: lenders who cannot be refinanced out
prefer that to a default (A&E, the norm for leveraged loans in 2009 and 2023; README "Refinancing"). Notes
and convertibles are not extended: a bond's maturity needs every holder's consent.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Rate, Spec


class Rating(StrEnum):
    """Indicative rating buckets, best first (``D``, default, is never refinanced)."""

    AA = "AA"
    A = "A"
    BBB = "BBB"
    BB = "BB"
    B = "B"
    CCC = "CCC"
    CC = "CC"


#: Spread over the base rate of new five-year debt by rating: ICE BofA US option-adjusted spreads by rating,
#: 5-11 Aug 2025 (FRED series BAMLC0A2CAA 0.47, BAMLC0A3CA 0.68, BAMLC0A4CBBB 1.01, BAMLH0A1HYBB 1.81,
#: BAMLH0A2HYB 3.09, BAMLH0A3HYC 8.39; sources in README "Refinancing"). CC has no index of its own: CCC's is
#: used, and ``closed_from`` shuts refinancing there by default.
DEFAULT_SPREADS: dict[Rating, float] = {
    Rating.AA: 0.0047, Rating.A: 0.0068, Rating.BBB: 0.0101, Rating.BB: 0.0181, Rating.B: 0.0309,
    Rating.CCC: 0.0839, Rating.CC: 0.0839,
}


class Refinancing(Spec):
    """The refinancing grid; the default is ``DEFAULT_SPREADS``, closed from CC."""

    spreads: dict[Rating, Rate] = Field(default_factory=lambda: dict(DEFAULT_SPREADS),
                                        description="spread over the base rate by indicative rating; "
                                                    "ratings left out take the default grid's")
    premium: Rate = Field(0.0, description="the firm's spread over the index for its rating (sector, structure); "
                                           "an estimate with its reasoning")
    closed_from: Rating | None = Field(Rating.CC, description="at or below this indicative rating nothing "
                                                              "refinances; null: lenders refinance any rating")
    extension_quarters: int = Field(4, ge=0, le=20, description="amend and extend: quarters a loan maturity is pushed "
                                                                 "out once while the market is shut (0: never)")
    extension_step_up: Rate = Field(0.0125, description="added to an extended loan's rate")
    evidence: str | None = Field(None, description="source of the grid, or 'estimate: why'")

    def spread(self, rating: Rating) -> float:
        """Spread over the base rate for ``rating``, the premium included."""
        return self.spreads.get(rating, DEFAULT_SPREADS[rating]) + self.premium
