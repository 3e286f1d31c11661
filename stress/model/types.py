"""Annotated field types that parse the profile's units (see ``stress.units``).

Each type accepts what a person writes in YAML and stores a plain float in
base units (USD, fractions per annum, counts), so nothing downstream ever
sees a string. JSON Schema hints say what the editor should accept.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic import BaseModel as _PydanticBase

from stress.units import RateQuote, parse_count, parse_money, parse_rate, parse_rate_quote


class Spec(_PydanticBase):
    """Base of every input model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def _non_negative(value: float) -> float:
    if value < 0:
        raise ValueError("expected a value of zero or more")
    return value


def _positive(value: float) -> float:
    if value <= 0:
        raise ValueError("expected a value above zero")
    return value


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a share between 0% and 100%, got {value:.4%} (write '70%' or 0.70)")
    return value


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date such as 2025-06-30, got {value!r}")


_MONEY_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\$?[0-9.,]+\s*[a-zA-Z]*$"}],
     "description": "USD; suffixes k, m, bn allowed ('650m', '1.5bn')"}
)
_RATE_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9.,]+\s*(%|bp|bps)?$"}],
     "description": "fraction (0.0925) or '9.25%' or '600bp'"}
)
_COUNT_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string"}], "description": "count; '200k' allowed"}
)

Money = Annotated[float, BeforeValidator(parse_money), _MONEY_SCHEMA]
"""USD, any sign."""
NonNegMoney = Annotated[float, BeforeValidator(parse_money), AfterValidator(_non_negative), _MONEY_SCHEMA]
PosMoney = Annotated[float, BeforeValidator(parse_money), AfterValidator(_positive), _MONEY_SCHEMA]
Count = Annotated[float, BeforeValidator(parse_count), AfterValidator(_positive), _COUNT_SCHEMA]
Rate = Annotated[float, BeforeValidator(parse_rate), _RATE_SCHEMA]
"""Fraction per annum, any sign (an annual price change may be negative)."""
Share = Annotated[float, BeforeValidator(parse_rate), AfterValidator(_fraction), _RATE_SCHEMA]
"""Fraction between 0 and 1."""
PosFloat = Annotated[float, AfterValidator(_positive)]
NonNegFloat = Annotated[float, AfterValidator(_non_negative)]
Date = Annotated[
    dt.date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]
DebtRate = Annotated[
    RateQuote,
    BeforeValidator(parse_rate_quote),
    PlainSerializer(str, return_type=str),  # '9.25%', 'SOFR+612.5bp': reads back as the same quote
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}],
                    "description": "fixed '9.25%' or floating 'SOFR+6.0%' / 'SOFR + 600bp'"}),
]
