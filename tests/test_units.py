"""stress.units: the parsers of the profile's human units, table-driven.

Every expected value is the written figure times its suffix, worked out by
hand in the table; rejections must raise ValueError whose message says what
was expected (and echoes the bad text when there is one).
"""

from __future__ import annotations

import re

import pytest

from stress.units import (
    COUNT_HELP,
    FLOATING_HELP,
    MONEY_HELP,
    RATE_HELP,
    RateQuote,
    parse_count,
    parse_money,
    parse_rate,
    parse_rate_quote,
)

# --- money ---------------------------------------------------------------------------------

MONEY = [
    ("32k", 32_000.0),
    ("650m", 650_000_000.0),
    ("1.5bn", 1_500_000_000.0),
    ("1.5B", 1_500_000_000.0),
    ("1.5b", 1_500_000_000.0),
    ("10M", 10_000_000.0),
    ("5mm", 5_000_000.0),
    ("5 mn", 5_000_000.0),
    ("$1,500,000", 1_500_000.0),
    ("$32,000", 32_000.0),
    ("1,150", 1_150.0),
    (1150, 1_150.0),
    (1.5e9, 1_500_000_000.0),
    (0, 0.0),
    ("-650m", -650_000_000.0),
    ("-$5m", -5_000_000.0),
    ("+650m", 650_000_000.0),
    ("2.5 million", 2_500_000.0),
    ("2 thousand", 2_000.0),
    ("1.2 billion", 1_200_000_000.0),
    ("1.2tn", 1_200_000_000_000.0),
    ("0.5m", 500_000.0),
    (".5m", 500_000.0),
    ("  650m  ", 650_000_000.0),
    ("650 m", 650_000_000.0),
    ("1150000000", 1_150_000_000.0),
]


@pytest.mark.parametrize(("text", "expected"), MONEY, ids=[repr(t) for t, _ in MONEY])
def test_parse_money(text: object, expected: float) -> None:
    assert parse_money(text) == pytest.approx(expected, rel=1e-12, abs=0.0)


@pytest.mark.parametrize("text", ["650m", "1.5bn", "$32,000", "1,150", "2.5 million"])
def test_negative_money_is_the_negation(text: str) -> None:
    assert parse_money("-" + text) == -parse_money(text)


# --- counts --------------------------------------------------------------------------------

COUNTS = [
    ("200k", 200_000.0),
    (200_000, 200_000.0),
    ("10k", 10_000.0),
    ("6k", 6_000.0),
    ("2.5k", 2_500.0),
    ("1.2m", 1_200_000.0),
    ("1,000", 1_000.0),
    (12.5, 12.5),
]


@pytest.mark.parametrize(("text", "expected"), COUNTS, ids=[repr(t) for t, _ in COUNTS])
def test_parse_count(text: object, expected: float) -> None:
    assert parse_count(text) == pytest.approx(expected, rel=1e-12, abs=0.0)


# --- rates ---------------------------------------------------------------------------------

RATES = [
    ("9.25%", 0.0925),
    ("600bp", 0.06),
    ("600bps", 0.06),
    ("600 bp", 0.06),
    ("25bp", 0.0025),
    ("1,000bp", 0.10),
    (0.0925, 0.0925),
    ("0.0925", 0.0925),
    (0, 0.0),
    ("-15%", -0.15),
    ("-50bp", -0.005),
    (" 9.25 % ", 0.0925),
    ("100%", 1.0),
]


@pytest.mark.parametrize(("text", "expected"), RATES, ids=[repr(t) for t, _ in RATES])
def test_parse_rate(text: object, expected: float) -> None:
    assert parse_rate(text) == pytest.approx(expected, rel=1e-12, abs=1e-15)


# --- debt rate quotes -----------------------------------------------------------------------

QUOTES = [
    ("SOFR+6.0%", True, 0.06, "SOFR"),
    ("SOFR + 600bp", True, 0.06, "SOFR"),
    ("sofr+6%", True, 0.06, "SOFR"),
    ("Term SOFR+2.25%", True, 0.0225, "TERM SOFR"),
    ("LIBOR + 350bps", True, 0.035, "LIBOR"),
    ("SOFR-0.5%", True, -0.005, "SOFR"),
    ("9.25%", False, 0.0925, "fixed"),
    ("925bp", False, 0.0925, "fixed"),
    (0.0925, False, 0.0925, "fixed"),
]


@pytest.mark.parametrize(("text", "floating", "spread", "base"), QUOTES, ids=[repr(q[0]) for q in QUOTES])
def test_parse_rate_quote(text: object, floating: bool, spread: float, base: str) -> None:
    quote = parse_rate_quote(text)
    assert quote.floating is floating
    assert quote.spread == pytest.approx(spread, rel=1e-12)
    assert quote.base == base


def test_rate_quote_passes_through_and_reads_its_dict_form() -> None:
    quote = RateQuote(True, 0.06, "SOFR")
    assert parse_rate_quote(quote) is quote
    assert parse_rate_quote({"floating": True, "spread": 0.06}) == RateQuote(True, 0.06, "SOFR")
    assert parse_rate_quote({"floating": False, "spread": 0.0925, "base": "fixed"}) == RateQuote(False, 0.0925, "fixed")


@pytest.mark.parametrize(
    ("quote", "written", "label"),
    [(RateQuote(True, 0.06, "SOFR"), "SOFR+600bp", "SOFR+600bp"),
     (RateQuote(False, 0.0925), "9.25%", "9.25% fixed"),
     (RateQuote(False, 0.09125), "9.125%", "9.125% fixed"),
     (RateQuote(True, 0.0225, "TERM SOFR"), "TERM SOFR+225bp", "TERM SOFR+225bp"),
     (RateQuote(True, 0.06125, "SOFR"), "SOFR+612.5bp", "SOFR+612.5bp"),
     (RateQuote(True, -0.005, "SOFR"), "SOFR-50bp", "SOFR-50bp"),
     (RateQuote(True, 0.0, "SOFR"), "SOFR+0bp", "SOFR+0bp")],
)
def test_rate_quote_str_is_the_written_form_and_label_the_shown_one(quote: RateQuote, written: str, label: str) -> None:
    assert str(quote) == written
    assert quote.label == label


@pytest.mark.parametrize(
    "quote",
    [
        RateQuote(True, 0.06, "SOFR"),
        RateQuote(True, 0.0225, "TERM SOFR"),
        RateQuote(False, 0.0925),
        RateQuote(True, 0.06125, "SOFR"),
        RateQuote(True, -0.005, "SOFR"),
        RateQuote(False, -0.001),
        RateQuote(False, 0.123456789),
    ],
    ids=["SOFR+600bp", "TERM SOFR+225bp", "fixed 9.25%", "SOFR+612.5bp", "SOFR-50bp", "fixed -0.1%",
         "fixed 12.3456789%"],
)
def test_rate_quote_str_parses_back_to_itself(quote: RateQuote) -> None:
    """What the model serialises a debt rate to must read back as the same quote."""
    back = parse_rate_quote(str(quote))
    assert (back.floating, back.base) == (quote.floating, quote.base)
    assert back.spread == pytest.approx(quote.spread, rel=1e-12)


# --- rejections ----------------------------------------------------------------------------

PARSERS = [
    (parse_money, MONEY_HELP),
    (parse_count, COUNT_HELP),
    (parse_rate, RATE_HELP),
    (parse_rate_quote, FLOATING_HELP),
]
BAD = ["abc", "ten", "1.5zz", True, None, "5%%", "", "1,15", [1]]


@pytest.mark.parametrize("value", BAD, ids=[repr(v) for v in BAD])
@pytest.mark.parametrize(("parser", "help_text"), PARSERS, ids=[p.__name__ for p, _ in PARSERS])
def test_rejections_say_what_was_expected(parser, help_text: str, value: object) -> None:
    with pytest.raises(ValueError) as info:
        parser(value)
    message = str(info.value)
    assert message.startswith(f"expected {help_text}")
    if isinstance(value, str):
        assert repr(value) in message  # the bad text is echoed back
    if value is True and parser is not parse_rate_quote:
        assert message.endswith("got a boolean")


@pytest.mark.parametrize(
    ("parser", "value"),
    [(parse_money, "5%"), (parse_money, "600bp"), (parse_rate, "650m"), (parse_rate, "9.25 %%"),
     (parse_rate_quote, "FOO+1%"), (parse_rate_quote, "SOFR+abc"), (parse_rate_quote, "SOFR+")],
)
def test_rejects_the_other_parsers_units(parser, value: str) -> None:
    with pytest.raises(ValueError, match="^expected "):
        parser(value)


@pytest.mark.parametrize("text", ["--5m", "-$-5m", "+-5m", "$-5m", "- -5m", "-+5m"])
def test_money_rejects_a_doubled_sign(text: str) -> None:
    with pytest.raises(ValueError, match="^expected "):
        parse_money(text)


@pytest.mark.parametrize("text", ["--5%", "+-5%", "-+50bp", "--0.05"])
def test_rate_rejects_a_doubled_sign(text: str) -> None:
    with pytest.raises(ValueError, match="^expected "):
        parse_rate(text)


@pytest.mark.parametrize("text", ["SOFR+-1%", "SOFR--1%", "SOFR-+50bp", "SOFR + -1%", "SOFR++1%"])
def test_floating_spread_after_its_sign_is_unsigned(text: str) -> None:
    with pytest.raises(ValueError, match=f"^expected {re.escape(FLOATING_HELP)}, got {re.escape(repr(text))}"):
        parse_rate_quote(text)


@pytest.mark.parametrize(("text", "expected"), [("1e9", 1e9), ("-1.5e3", -1500.0), (".5e3", 500.0)])
def test_money_keeps_a_signed_exponent(text: str, expected: float) -> None:
    assert parse_money(text) == expected
