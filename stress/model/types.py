"""Annotated field types that parse the profile's units (see ``stress.units``).

Each type accepts what a person writes in YAML and stores a plain float in
base units (USD, fractions per annum, counts), so nothing downstream ever
sees a string. JSON Schema hints say what the editor should accept.

Every number is finite and within a documented plausible range (README,
"Limits on numbers"): a value outside it is a typo or an attack, and would
otherwise overflow the projection into a verdict drawn from NaN. The ranges
are wide enough for any real firm: the largest balance sheets are about
$4tn, the largest fleets about a million GPUs. A field with a natural limit
of its own (PUE, receivable days, an escalator) says so where it is declared.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, ConfigDict, PlainSerializer, WithJsonSchema
from pydantic import BaseModel as _PydanticBase
from pydantic.fields import FieldInfo

from stress.errors import shown_value
from stress.units import (
    COUNT,
    FRACTION,
    MAX_RATE,
    MAX_SPREAD,
    RATE_A_YEAR,
    USD,
    USD_PER_UNIT_HOUR,
    YEARS,
    RateQuote,
    parse_count,
    parse_money,
    parse_rate,
    parse_rate_quote,
    to_float,
)

#: The largest amount of money anywhere in an input, either sign: $10tn.
MAX_MONEY = 1e13
#: The largest count of units (GPUs) in a cohort or contract: 100 million.
MAX_COUNT = 1e8
#: The longest useful or economic life of an asset, years.
MAX_LIFE_YEARS = 50.0
#: The highest price of one unit-hour, USD: a GPU-hour, or an hour of a notional unit (a MW of a data hall,
#: an EH/s of mining, a business line: Oracle's is ~$114,000 an hour).
MAX_UNIT_HOUR_PRICE = 1e7
#: The highest power price, USD per kWh (industrial power is $0.03-0.30).
MAX_POWER_PRICE = 10.0
#: The most IT power per unit, kW: a GPU is ~1.4; a notional unit of one MW is 1,000, an EH/s of mining ~17,000.
MAX_KW_PER_UNIT = 1e6
#: The largest IT capacity of one programme, MW.
MAX_MW = 1e5
#: The largest shock to a price, value or cost: +1,000% (eleven times); the smallest is -100% (to nothing).
MAX_CHANGE = 10.0


class Spec(_PydanticBase):
    """Base of every input model: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


def public_fields(model: type[_PydanticBase]) -> dict[str, FieldInfo]:
    """A model's fields by the key a file writes: the alias where a field has one (``RateShock.shift`` is
    ``bp``), else its name. What messages and sheets show, so the Python name never reaches a user."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def plain_number(value: object) -> float:
    """A number as written: an int, a float or a numeric string; booleans and anything else are refused."""
    if isinstance(value, bool):
        raise ValueError("expected a number, got a boolean")
    if isinstance(value, (int, float)):
        return to_float(value, "a number")
    if isinstance(value, str) and len(value) <= 100:
        try:
            return float(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected a number, got {shown_value(value)}")


def within(low: float, high: float, expected: str, parse: Callable[[object], float] = plain_number, *,
           low_open: bool = False, sign: str | None = None) -> BeforeValidator:
    """Parse with ``parse``, then check the number is finite and in ``[low, high]`` (``(low, high]`` when
    ``low_open``). ``expected`` completes "expected ..."; ``sign``, when given, is the message for a finite
    value below ``low`` (the "expected a value above zero" of the money and count types).

    One validator does both, so the message quotes the value as written (``'1e400%'``, not inf).
    """

    def check(value: object) -> float:
        number = parse(value)
        finite = math.isfinite(number)
        below = number <= low if low_open else number < low
        if sign is not None and finite and below:
            raise ValueError(sign)
        if not finite or below or number > high:
            raise ValueError(f"expected {expected}, got {shown_value(value)}")
        return number

    check.__name__ = parse.__name__  # the assumptions sheet reads the parser's name for the unit (USD, %, count)
    return BeforeValidator(check)


def _fraction(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a share between 0% and 100%, got {value:.4%} (write '70%' or 0.70)")
    return value


def _parse_date(value: object) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and len(value) <= 100:
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"expected an ISO date such as 2025-06-30, got {shown_value(value)}")


_MONEY_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?\$?[0-9.,]+\s*[a-zA-Z]*$"}],
     "description": "USD; suffixes k, m, bn allowed ('650m', '1.5bn'); at most 10tn either way"}
)
_RATE_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string", "pattern": r"^-?[0-9.,]+\s*(%|bp|bps)?$"}],
     "description": "fraction (0.0925) or '9.25%' or '600bp'"}
)
_COUNT_SCHEMA = WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "string"}], "description": "count; '200k' allowed; at most 1e8"}
)
_ABOVE_ZERO = "expected a value above zero"
_ZERO_OR_MORE = "expected a value of zero or more"

Money = Annotated[float, within(-MAX_MONEY, MAX_MONEY, "an amount between -10tn and 10tn USD", parse_money),
                  _MONEY_SCHEMA, USD]
"""USD, any sign, at most $10tn either way."""
NonNegMoney = Annotated[float, within(0.0, MAX_MONEY, "an amount of at most 10tn USD", parse_money,
                                      sign=_ZERO_OR_MORE), _MONEY_SCHEMA, USD]
"""USD, 0 to $10tn."""
PosMoney = Annotated[float, within(0.0, MAX_MONEY, "an amount of at most 10tn USD", parse_money, low_open=True,
                                   sign=_ABOVE_ZERO), _MONEY_SCHEMA, USD]
"""USD, above 0, at most $10tn."""
Count = Annotated[float, within(0.0, MAX_COUNT, "a count of at most 100 million (1e8)", parse_count,
                                low_open=True, sign=_ABOVE_ZERO), _COUNT_SCHEMA, COUNT]
"""Units, above 0, at most 1e8."""
Rate = Annotated[float, within(-MAX_RATE, MAX_RATE, "a rate between -100% and +100% a year", parse_rate),
                 _RATE_SCHEMA, RATE_A_YEAR]
"""Fraction per annum, any sign (an annual price change may be negative), at most 100% either way."""
Share = Annotated[float, BeforeValidator(parse_rate), AfterValidator(_fraction), _RATE_SCHEMA, FRACTION]
"""Fraction between 0 and 1."""
ShareAYear = Annotated[float, BeforeValidator(parse_rate), AfterValidator(_fraction), _RATE_SCHEMA, RATE_A_YEAR]
"""Fraction between 0 and 1 of something, each year (a fee on a balance, a discount per year of age)."""
Change = Annotated[float, within(-1.0, MAX_CHANGE, "a change between -100% and +1,000%", parse_rate,
                                 sign="a price, value or cost cannot fall by more than 100%"), _RATE_SCHEMA, FRACTION]
"""A shock to a price, value or cost: -100% (to nothing) to +1,000% (eleven times as much)."""
"""Above 0 and finite; give a field its natural upper bound with a type of its own or ``Field(le=...)``."""
NonNegFloat = Annotated[float, within(0.0, math.inf, "a finite number of zero or more", sign=_ZERO_OR_MORE)]
"""Zero or more and finite; give a field its natural upper bound with a type of its own or ``Field(le=...)``."""
Years = Annotated[float, within(0.0, MAX_LIFE_YEARS, "a life above 0 and at most 50 years", low_open=True), YEARS]
"""An asset life, years: above 0, at most 50."""
UnitHourPrice = Annotated[float, within(0.0, MAX_UNIT_HOUR_PRICE, "a price of at most 10 million USD a unit-hour",
                                        parse_money, low_open=True, sign=_ABOVE_ZERO), _MONEY_SCHEMA, USD_PER_UNIT_HOUR]
"""USD per GPU-hour (or per hour of a notional unit): above 0, at most $10m."""
Date = Annotated[
    dt.date,
    BeforeValidator(_parse_date),
    WithJsonSchema({"type": "string", "format": "date"}),
]


def _debt_rate(value: object) -> RateQuote:
    """A rate quote, finite and in range; the message quotes the value as written."""
    quote = parse_rate_quote(value)
    if quote.floating and not (math.isfinite(quote.spread) and abs(quote.spread) <= MAX_SPREAD):
        raise ValueError(f"expected a spread between -10,000bp and +10,000bp, got {shown_value(value)}")
    if not quote.floating and not (math.isfinite(quote.spread) and abs(quote.spread) <= MAX_RATE):
        raise ValueError(f"expected a rate between -100% and +100% a year, got {shown_value(value)}")
    return quote


DebtRate = Annotated[
    RateQuote,
    BeforeValidator(_debt_rate),
    PlainSerializer(str, return_type=str),  # '9.25%', 'SOFR+612.5bp': reads back as the same quote
    WithJsonSchema({"anyOf": [{"type": "number"}, {"type": "string"}],
                    "description": "fixed '9.25%' or floating 'SOFR+6.0%' / 'SOFR + 600bp'; "
                                   "at most 100% or 10,000bp either way"}),
    RATE_A_YEAR,
]
"""A fixed rate within +/-100% a year, or a floating spread within +/-10,000bp."""
