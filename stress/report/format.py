"""Number formatting shared by the console and other text reports."""

from __future__ import annotations

import datetime as dt
import math


def usd_m(amount_usd: float | None) -> str:
    """USD as USD millions, negatives in parentheses, '–' for zero, 'n.m.' for missing."""
    if amount_usd is None or (isinstance(amount_usd, float) and not math.isfinite(amount_usd)):
        return "n.m."
    m = amount_usd / 1e6
    if abs(m) < 0.05:
        return "–"
    return f"({-m:,.1f})" if m < 0 else f"{m:,.1f}"


def pct(share: float | None, digits: int = 1) -> str:
    return "n.m." if share is None or not math.isfinite(share) else f"{share:.{digits}%}"


def times(ratio: float | None) -> str:
    return "n.m." if ratio is None or not math.isfinite(ratio) else f"{ratio:.2f}x"


def count(n: float) -> str:
    return f"{n:,.0f}"


def date(d: dt.date) -> str:
    return d.isoformat()
