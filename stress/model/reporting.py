"""How the firm reports: the definition of its (adjusted) EBITDA, so a comparison with reported figures is like
for like. Display only: covenant metrics stay on the engine's EBITDA."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from stress.model.types import Spec


class EbitdaDefinition(StrEnum):
    """``company_adjusted``: after operating-lease cost, as most firms report adjusted EBITDA (the engine's
    ``ebitda``); ``lease_adjusted``: before it (the engine's ``ebitdar``). Finance-lease cost is below
    EBITDA on either definition."""

    COMPANY_ADJUSTED = "company_adjusted"
    LEASE_ADJUSTED = "lease_adjusted"


class Reporting(Spec):
    ebitda: EbitdaDefinition = Field(EbitdaDefinition.COMPANY_ADJUSTED,
                                     description="the firm's reported EBITDA: after (company_adjusted) or before "
                                                 "(lease_adjusted) operating-lease cost")
