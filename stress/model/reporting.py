"""How the firm reports: the definition of its (adjusted) EBITDA, so a comparison with reported figures is like
for like, and the month its fiscal year ends, so annual columns read as the firm's own years (``FY2026``).
Display only: covenant metrics stay on the engine's EBITDA, quarters stay calendar-dated."""

from __future__ import annotations

import calendar
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

from stress.model.types import Spec


class EbitdaDefinition(StrEnum):
    """``company_adjusted``: after operating-lease cost, as most firms report adjusted EBITDA (the engine's
    ``ebitda``); ``lease_adjusted``: before it (the engine's ``ebitdar``). Finance-lease cost is below
    EBITDA on either definition."""

    COMPANY_ADJUSTED = "company_adjusted"
    LEASE_ADJUSTED = "lease_adjusted"


MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name} | \
    {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}


def _month(value: Any) -> Any:
    """A month name ('May', 'may', 'Jun') or number (1-12) as its number; anything else left for pydantic to refuse."""
    if isinstance(value, str) and value.strip().lower() in MONTHS:
        return MONTHS[value.strip().lower()]
    return value


Month = Annotated[int, BeforeValidator(_month), Field(ge=1, le=12),
                  WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 12},
                                            {"type": "string", "enum": [calendar.month_name[i] for i in range(1, 13)]}]})]
"""A calendar month: its English name ('May'), abbreviation ('Jun') or number (5)."""


class Reporting(Spec):
    ebitda: EbitdaDefinition = Field(EbitdaDefinition.COMPANY_ADJUSTED,
                                     description="the firm's reported EBITDA: after (company_adjusted) or before "
                                                 "(lease_adjusted) operating-lease cost")
    fiscal_year_end: Month = Field(12, description="the month the firm's fiscal year ends ('May' for Oracle): annual "
                                                   "columns are its fiscal years, labelled FY2026; December is calendar")
