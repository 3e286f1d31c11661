"""Parsing of the human units used in profiles: money, counts, rates, spreads.

One rule for money: every amount is in US dollars and may carry a scale
suffix (``"32k"``, ``"650m"``, ``"1.5bn"``, ``"$1,500,000"``, ``"1.5B"``).
Rates and shares are ``"9.25%"``, ``"600bp"`` or a plain fraction ``0.0925``.
Floating rates are ``"SOFR+6.0%"`` or ``"SOFR + 600bp"``.

This module is a leaf: it imports nothing of ours, so the pydantic models can
use it without breaking the rule that ``stress.model`` depends on nothing.
Every parser raises ``ValueError`` whose message says what was expected;
pydantic turns that into a located validation error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: Scale suffixes for money and counts, lower-cased.
SCALE: dict[str, float] = {
    "": 1.0,
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "mm": 1e6,
    "mn": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trillion": 1e12,
}

#: The largest rate, either sign: 100% a year (a fixed debt rate, a base rate, an annual change).
MAX_RATE = 1.0
#: The largest floating spread, either sign: 10,000bp.
MAX_SPREAD = 1.0

#: Reference rates a floating spread may be quoted over; all map to the
#: world's single base-rate path.
BASE_RATES = ("SOFR", "TERM SOFR", "BASE", "LIBOR", "EFFR")

#: An unsigned number: ``1,500,000``, ``1.5``, ``.5``, ``1e9``. Each pattern below allows one sign at most.
_NUMBER = r"(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?"
_SCALED = re.compile(rf"^\s*(?P<sign>[+-])?\s*\$?\s*(?P<num>{_NUMBER})\s*(?P<suffix>[a-z]*)\s*$", re.I)
_RATE = re.compile(rf"^\s*(?P<num>[+-]?{_NUMBER})\s*(?P<unit>%|bps?|bp)?\s*$", re.I)
#: ``BASE+spread`` / ``BASE-spread``: the sign is the operator, so the spread itself is unsigned.
_FLOAT_RATE = re.compile(r"^\s*(?P<base>[A-Za-z][A-Za-z ]*?)\s*(?P<sign>[+-])\s*(?P<spread>[^\s+-].*)$")

MONEY_HELP = "an amount in USD such as 1150000000, '650m', '1.5bn' or '$32,000'"
COUNT_HELP = "a count such as 200000 or '200k'"
RATE_HELP = "a rate such as '9.25%', '600bp' or 0.0925"
FLOATING_HELP = "a fixed rate such as '9.25%' or a floating one such as 'SOFR+6.0%' or 'SOFR + 600bp'"


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def to_float(value: int | float, help_text: str) -> float:
    """``value`` as a float; a whole number too large for one is a ValueError, not an OverflowError."""
    try:
        return float(value)
    except OverflowError:
        assert isinstance(value, int)  # a float is one already: only a whole number can be too large
        raise ValueError(f"expected {help_text}, got a number too large to hold ({value.bit_length()} bits)") from None


def _number_or_text(value: object, help_text: str) -> float | str:
    """A plain number as a float, or text for the caller to read; a boolean or anything else is refused.

    YAML reads ``yes`` as a boolean and ``1e400`` as a huge int: each is an error naming what was expected.
    """
    if isinstance(value, bool):
        raise ValueError(f"expected {help_text}, got a boolean")
    if isinstance(value, (int, float)):
        return to_float(value, help_text)
    if not isinstance(value, str):
        raise ValueError(f"expected {help_text}")
    return value


def _scaled(value: object, help_text: str) -> float:
    """A number with an optional scale suffix; ``help_text`` names what was expected."""
    given = _number_or_text(value, help_text)
    if isinstance(given, float):
        return given
    match = _SCALED.match(given)
    suffix = match.group("suffix").lower() if match else ""
    if not match or suffix not in SCALE:
        raise ValueError(f"expected {help_text}, got {given!r}")
    sign = -1.0 if match.group("sign") == "-" else 1.0
    return sign * _number(match.group("num")) * SCALE[suffix]


def parse_money(value: object) -> float:
    """USD amount from ``1.5bn``, ``650m``, ``32k``, ``$1,500,000`` or a number."""
    return _scaled(value, MONEY_HELP)


def parse_count(value: object) -> float:
    """A count of units (GPUs) from ``200k`` or a number; may be fractional in scenarios."""
    return _scaled(value, COUNT_HELP)


def parse_rate(value: object) -> float:
    """A rate or share as a fraction: ``9.25%`` -> 0.0925, ``600bp`` -> 0.06, 0.0925 -> 0.0925."""
    given = _number_or_text(value, RATE_HELP)
    if isinstance(given, float):
        return given
    match = _RATE.match(given)
    if not match:
        raise ValueError(f"expected {RATE_HELP}, got {given!r}")
    number = _number(match.group("num"))
    unit = (match.group("unit") or "").lower()
    if unit == "%":
        return number / 100.0
    if unit.startswith("bp"):
        return number / 10_000.0
    return number


@dataclass(frozen=True)
class RateQuote:
    """A debt rate: fixed at ``spread`` when ``floating`` is false, else base + ``spread``.

    ``spread`` is a fraction per annum (0.06 for 600bp).
    """

    floating: bool
    spread: float
    base: str = "fixed"

    def __str__(self) -> str:
        """The quote as a profile writes it, read back unchanged by ``parse_rate_quote``:
        ``9.25%``, ``SOFR+612.5bp``, ``SOFR-50bp``. This is what a saved profile holds."""
        if not self.floating:
            return f"{self.spread * 100:.10g}%"
        sign = "+" if self.spread >= 0 else "-"
        return f"{self.base}{sign}{abs(self.spread) * 10_000:.10g}bp"

    @property
    def label(self) -> str:
        """For display: ``9.25% fixed``, ``SOFR+600bp``."""
        return f"{self} fixed" if not self.floating else str(self)


def parse_rate_quote(value: object) -> RateQuote:
    """``9.25%`` -> fixed 9.25%; ``SOFR+6.0%`` / ``SOFR + 600bp`` -> floating, spread 0.06."""
    if isinstance(value, RateQuote):
        return value
    if isinstance(value, dict) and "floating" in value:  # the dataclass's own fields, as a dump writes them
        base = value.get("base", "SOFR")
        if not isinstance(value["floating"], bool) or "spread" not in value or not isinstance(base, str):
            raise ValueError(f"expected {FLOATING_HELP}, got a mapping")
        floating = value["floating"]
        if floating and base.strip().upper() not in BASE_RATES:
            raise ValueError(f"expected a base rate of {', '.join(BASE_RATES)}, got {base!r}")
        return RateQuote(floating, parse_rate(value["spread"]), base.strip().upper() if floating else "fixed")
    if isinstance(value, str):
        match = _FLOAT_RATE.match(value)
        if match and match.group("base").strip().upper() in BASE_RATES:
            try:
                spread = parse_rate(match.group("spread"))
            except ValueError:
                raise ValueError(f"expected {FLOATING_HELP}, got {value!r}") from None
            sign = -1.0 if match.group("sign") == "-" else 1.0
            return RateQuote(True, sign * spread, match.group("base").strip().upper())
    try:
        return RateQuote(False, parse_rate(value))
    except ValueError:
        raise ValueError(f"expected {FLOATING_HELP}, got {value!r}") from None



@dataclass(frozen=True)
class Unit:
    """What a model field's number holds, as metadata on its type: ``Annotated[float, ..., USD]``.

    Read by the workbook (how to show the value: USD m, %, a count) and published in the profile's JSON
    Schema as ``x-unit``, so the unit is stated where the field is defined, once, instead of being guessed
    from its parser or its name. ``name`` is the unit of the stored value, after parsing (``"9.25%"`` is
    stored as the fraction 0.0925 a year).
    """

    name: str

    def __get_pydantic_json_schema__(self, core_schema: object, handler: Callable[[object], dict[str, Any]]) -> dict[str, Any]:
        schema = dict(handler(core_schema))
        schema["x-unit"] = self.name
        return schema


USD = Unit("USD")
USD_PER_UNIT_HOUR = Unit("USD per unit-hour")
USD_PER_KWH = Unit("USD per kWh")
RATE_A_YEAR = Unit("fraction a year")  # a rate or an annual change
FRACTION = Unit("fraction")  # a share, a level, a one-off change
COUNT = Unit("count")
YEARS = Unit("years")
THRESHOLD = Unit("the tested metric's unit")  # a covenant limit: USD for liquidity, x for ratios, a share for LTV


def unit_of(annotation: object, metadata: list[object] | tuple[object, ...] = ()) -> Unit | None:
    """The Unit marked on a field's type (its ``metadata``, or inside ``Annotated``/``Optional`` args), or None."""
    for m in metadata:
        if isinstance(m, Unit):
            return m
    for arg in getattr(annotation, "__args__", ()) or ():
        found = unit_of(arg, getattr(arg, "__metadata__", ()))
        if found is not None:
            return found
    return unit_of_metadata(getattr(annotation, "__metadata__", ()))


def unit_of_metadata(metadata: tuple[object, ...] | list[object]) -> Unit | None:
    return next((m for m in metadata if isinstance(m, Unit)), None)
