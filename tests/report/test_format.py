"""How the console writes numbers: USD millions, parentheses for negatives, n.m. for the meaningless."""

from __future__ import annotations

import math

import pytest

from stress.report.format import pct, times, usd_m


@pytest.mark.parametrize(("amount", "shown"), [
    (1_234_500_000.0, "1,234.5"), (650e6, "650.0"), (-32e6, "(32.0)"), (0.0, "–"), (49_999.0, "–"),
    (None, "n.m."), (math.nan, "n.m."), (math.inf, "n.m."),
])
def test_usd_m(amount, shown):
    assert usd_m(amount) == shown


def test_ratios_and_shares():
    assert times(6.0) == "6.00x" and times(math.nan) == "n.m." and times(None) == "n.m."
    assert pct(0.0925, 2) == "9.25%" and pct(math.inf) == "n.m."
