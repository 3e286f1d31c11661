"""The README's Fidelity table: each shipped profile's first projected quarters against what the firm reported.

    .venv/bin/python scripts/fidelity.py          # prints the markdown table

Projected: the baseline scenario, plan case; EBITDA on the firm's definition (``ebitda_reported``), interest
the ``interest_expense`` line. Reported: ``scripts/reported_quarters.yaml``, with its sources. The table is
pasted into README.md, and ``tests/test_fidelity.py`` checks the two agree, so the README cannot drift from
the profiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

import stress

HERE = Path(__file__).resolve().parent

REPORTED = HERE / "reported_quarters.yaml"
#: (label, projection line, key of the reported figures)
MEASURES = (("Revenue", "revenue", "revenue"), ("EBITDA", "ebitda_reported", "ebitda"),
            ("Interest", "interest_expense", "interest"))


@dataclass(frozen=True)
class Row:
    profile: str
    as_of: str
    known: str
    quarter: str
    cells: tuple[tuple[float, float | None], ...]  # (projected, reported) per measure, USD m


def rows() -> list[Row]:
    """One row per profile and reported quarter; projections of the baseline, plan case."""
    out = []
    for entry in yaml.safe_load(REPORTED.read_text(encoding="utf-8")):
        results = stress.run(entry["profile"])
        frame = results.frame(0)
        for q in entry["quarters"]:
            line = frame.loc[q["quarter"]]
            cells = tuple((float(line[col]) / 1e6, q[key]) for _, col, key in MEASURES)
            out.append(Row(entry["profile"], str(results.company.as_of), entry["known"], q["quarter"], cells))
    return out


def cell(projected: float, reported: float | None) -> str:
    """'1,392 vs 1,365 (+2%)': projected vs reported and the error relative to reported; '1,392 vs n/a'."""
    if reported is None:
        return f"{projected:,.0f} vs n/a"
    return f"{projected:,.0f} vs {reported:,.0f} ({(projected - reported) / abs(reported):+.0%})"


def table(rs: list[Row]) -> str:
    head = ["Profile (as of)", "Quarter", "Known when written",
            *(f"{label}: projected vs reported (error)" for label, _, _ in MEASURES)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rs:
        lines.append(f"| `{r.profile}` ({r.as_of}) | {r.quarter} | {r.known} | "
                     + " | ".join(cell(p, rep) for p, rep in r.cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table(rows()))
