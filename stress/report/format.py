"""Number formatting shared by the console and other text reports."""

from __future__ import annotations

import datetime as dt
import math
import re


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


#: What a terminal may act on rather than show: C0 controls but tab and newline (ESC starts colour, cursor and
#: title sequences; BEL, BS and CR rewrite or hide what was printed), DEL, C1 controls (0x9b is a one-byte CSI)
#: and the bidirectional overrides and isolates that reorder what is shown.
CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` (a profile's names, descriptions, a file's content) safe to print: control characters dropped.

    Only the control characters go, so an escape sequence's printable tail stays visible (``[31m``) and
    shows that the text held one. Rich markup is a separate matter: escape it with ``rich.markup.escape``.
    """
    return CONTROL_RE.sub("", text)


#: Leading characters that make a spreadsheet read text as a formula (OWASP CSV injection): text starting
#: with one is written with a quote prefix in workbooks and a leading apostrophe in CSV files.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
