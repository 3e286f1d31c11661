"""Refinancing priced on credit: the spread a maturity rolls at depends on the borrower's indicative rating.

The engine rates the firm each quarter in each world on the same scale and bounds as the reports
(``stress.engine.metrics``: the worse of LTM net leverage and LTM interest cover) and refinances a
maturity at the grid's spread for that rating, plus the world's spread shock. At or below ``closed_from``
no lender refinances: the maturity is repaid from cash or the revolver, or it defaults.
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


#: Spread over the base rate of new five-year debt by rating: ICE BofA US corporate option-adjusted
#: spreads by rating at the end of June 2025 (FRED series BAMLC0A2CAA, BAMLC0A3CA, BAMLC0A4CBBB,
#: BAMLH0A1HYBB, BAMLH0A2HYB, BAMLH0A3HYC; README "Refinancing"). CC has no index of its own: CCC's is used,
#: and ``closed_from`` shuts refinancing there by default.
DEFAULT_SPREADS: dict[Rating, float] = {
    Rating.AA: 0.0050, Rating.A: 0.0075, Rating.BBB: 0.0105, Rating.BB: 0.0180, Rating.B: 0.0298,
    Rating.CCC: 0.0850, Rating.CC: 0.0850,
}


class Refinancing(Spec):
    """The refinancing grid; the default is ``DEFAULT_SPREADS``, closed from CC."""

    spreads: dict[Rating, Rate] = Field(default_factory=lambda: dict(DEFAULT_SPREADS),
                                        description="spread over the base rate by indicative rating; "
                                                    "ratings left out take the default grid's")
    closed_from: Rating = Field(Rating.CC, description="at or below this indicative rating nothing refinances")
    evidence: str | None = Field(None, description="source of the grid, or 'estimate: why'")

    def spread(self, rating: Rating) -> float:
        return self.spreads.get(rating, DEFAULT_SPREADS[rating])
