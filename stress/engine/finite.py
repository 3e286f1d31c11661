"""The finite check after projection: no verdict is ever drawn from NaN or infinity.

Input bounds (``stress.model.types``) keep every number plausible, so a projection should always be
finite; if one still is not, it is an error that names where it first happened (the line item, the
scenario and the quarter), raised instead of a verdict. ``stress.api.run``, the analyses and the batch
worker all call ``check_finite``; ratios (leverage, cover, runway) are not lines and may be "n.m."
(infinite or NaN) by design, so they are not checked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from stress.engine.project import Projection
from stress.errors import Problem, ProfileError


@dataclass(frozen=True)
class NonFinite:
    """Where a projection first turns non-finite."""

    item: str  # "line 'cash'", "tranche line 'balance' of 'Term Loan'", "collateral value of 'Term Loan'"
    scenario: str
    quarter: str
    value: float

    def __str__(self) -> str:
        return f"{self.item} in scenario {self.scenario!r}, quarter {self.quarter} ({self.value})"


class NonFiniteError(ProfileError):
    """A projection whose figures turned NaN or infinite: no verdict can be drawn from it.

    A ``ProfileError`` (so a ``StressError``): every command already shows those as a located problem and
    exits 2. ``where`` says where; the one problem's path is the line item.
    """

    def __init__(self, where: NonFinite, company: str = "") -> None:
        self.where = where
        message = (f"turned non-finite ({where.value}) in scenario {where.scenario!r}, quarter {where.quarter}; "
                   "no verdict drawn. Check the profile and scenarios for absurd sizes or rates")
        super().__init__(company or "projection", [Problem(where.item, message)], "projection")

    def __reduce__(self) -> tuple[type, tuple[NonFinite, str]]:  # crosses process boundaries intact
        return type(self), (self.where, str(self.file))


def _arrays(p: Projection) -> Iterator[tuple[str, np.ndarray, list[str] | None]]:
    """(what, array, names of axis 1 for (W, T, Q) arrays)."""
    tranches = list(p.cc.tranche_names)
    for name, a in p.lines.items():
        yield f"line '{name}'", a, None
    for name, a in p.tranches.items():
        yield f"tranche line '{name}'", a, tranches
    if p.collateral is not None:
        yield "collateral value", p.collateral, tranches
    if p.unpaid_maturity is not None:
        yield "unpaid maturity", p.unpaid_maturity, tranches


def first_non_finite(projection: Projection) -> NonFinite | None:
    """The first line item (in line order) with a NaN or infinite value, with its scenario and quarter;
    None when every line is finite."""
    names, labels = list(projection.worlds.names), list(projection.cc.timeline.labels)
    for what, a, inner in _arrays(projection):
        if a.dtype.kind != "f" or not a.size:
            continue
        bad = ~np.isfinite(a)
        if not bad.any():
            continue
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        world, quarter = index[0], index[-1]
        if inner is not None and len(index) == 3:
            what += f" of {inner[index[1]]!r}" if index[1] < len(inner) else f" of tranche #{index[1]}"
        scenario = names[world] if world < len(names) else f"#{world}"
        label = labels[quarter] if quarter < len(labels) else f"#{quarter}"
        return NonFinite(what, scenario, label, float(a[index]))
    return None


def non_finite_problem(projection: Projection) -> str | None:
    """``first_non_finite`` as text ("line 'cash' in scenario 'baseline', quarter 2026Q1 (nan)"), or None."""
    where = first_non_finite(projection)
    return None if where is None else str(where)


def check_finite(projection: Projection) -> Projection:
    """``projection`` unchanged when every line is finite; else raise ``NonFiniteError`` naming the first
    non-finite line item, its scenario and its quarter."""
    where = first_non_finite(projection)
    if where is not None:
        raise NonFiniteError(where, projection.cc.company.name)
    return projection
