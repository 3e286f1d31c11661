"""Checks across fields, run after each field has validated on its own.

Kept out of the pydantic validators so that *every* problem in a profile is
reported at once, each with its own field path.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator

from stress.errors import Problem
from stress.model.company import Company

#: An amount this many times smaller than the profile's largest is suspicious.
SCALE_WARNING_RATIO = 1e-5


def _duplicates(paths_names: list[tuple[str, str]], what: str) -> Iterator[Problem]:
    counts = Counter(name for _, name in paths_names)
    for path, name in paths_names:
        if counts[name] > 1:
            yield Problem(path, f"duplicate {what} name; names must be unique", name)


def _reference_problems(c: Company) -> Iterator[Problem]:
    cohort_names = {k.name for k in c.cohorts}
    tranche_names = {t.name for t in c.debt}
    secured = {t.name for t in c.debt if t.secured_by}
    for i, t in enumerate(c.debt):
        for j, name in enumerate(t.secured_by):
            if name not in cohort_names:
                yield Problem(f"debt[{i}].secured_by[{j}]", f"names no fleet or capex_plan cohort; expected one of {sorted(cohort_names)}", name)
    for i, k in enumerate(c.capex_plan):
        if k.funded_by is not None and k.funded_by not in tranche_names:
            yield Problem(f"capex_plan[{i}].funded_by", f"names no debt facility; expected one of {sorted(tranche_names)}", k.funded_by)
    for i, cov in enumerate(c.covenants):
        if cov.applies_to is not None and cov.applies_to not in tranche_names:
            yield Problem(f"covenants[{i}].applies_to", f"names no debt tranche; expected one of {sorted(tranche_names)}", cov.applies_to)
        elif cov.metric == "ltv" and cov.applies_to not in secured:
            yield Problem(f"covenants[{i}].applies_to", "an ltv covenant needs a tranche with secured_by collateral", cov.applies_to)
    yield from _duplicates([(f"{'fleet' if i < len(c.fleet) else 'capex_plan'}[{i if i < len(c.fleet) else i - len(c.fleet)}].name", k.name) for i, k in enumerate(c.cohorts)], "cohort")
    yield from _duplicates([(f"debt[{i}].name", t.name) for i, t in enumerate(c.debt)], "debt")
    yield from _duplicates([(f"leases[{i}].name", x.name) for i, x in enumerate(c.leases)], "lease")


def _gpu_problems(c: Company) -> Iterator[Problem]:
    priced = set(c.market.gpu_hour_price)
    owned = {k.gpu for k in c.cohorts}
    for section, items in (("fleet", c.fleet), ("capex_plan", c.capex_plan)):
        for i, k in enumerate(items):
            if k.gpu not in priced:
                yield Problem(f"{section}[{i}].gpu", f"has no market.gpu_hour_price; priced models: {sorted(priced)}", k.gpu)
    for i, k in enumerate(c.contracts):
        if k.gpu not in owned:
            yield Problem(f"contracts[{i}].gpu", f"no fleet or capex_plan cohort has this GPU model; owned: {sorted(owned)}", k.gpu)


def _date_problems(c: Company) -> Iterator[Problem]:
    def after_as_of(path: str, when: object) -> Iterator[Problem]:
        if when <= c.as_of:  # type: ignore[operator]
            yield Problem(path, f"must fall after as_of ({c.as_of})", str(when))

    for i, t in enumerate(c.debt):
        yield from after_as_of(f"debt[{i}].maturity", t.maturity)
    for i, x in enumerate(c.leases):
        yield from after_as_of(f"leases[{i}].end", x.end)
    for i, k in enumerate(c.contracts):
        yield from after_as_of(f"contracts[{i}].end", k.end)
    for i, k in enumerate(c.capex_plan):
        yield from after_as_of(f"capex_plan[{i}].in_service", k.in_service)
    for i, k in enumerate(c.fleet):
        if k.in_service > c.as_of:
            yield Problem(f"fleet[{i}].in_service", f"an owned cohort must be in service by as_of ({c.as_of}); put future cohorts in capex_plan", str(k.in_service))


def profile_problems(c: Company) -> list[Problem]:
    """Every cross-field error in a profile whose fields are each valid."""
    return [*_reference_problems(c), *_gpu_problems(c), *_date_problems(c)]


def _suggest_suffix(amount: float, scale: float) -> str:
    """The largest suffix that keeps ``amount`` within 10x of the profile's ``scale``."""
    for suffix, mult in (("bn", 1e9), ("m", 1e6), ("k", 1e3)):
        if amount * mult <= scale * 10:
            return f"'{amount:g}{suffix}'"
    return f"'{amount:g}'"


def scale_warnings(c: Company) -> list[Problem]:
    """Aggregate amounts implausibly small beside the rest of the profile.

    A ``cash`` of 1,150 next to $11bn of debt is almost surely ``1.15bn``
    written without its suffix.
    """
    amounts: list[tuple[str, float]] = [
        *((f"opening.{k}", v) for k, v in c.opening.model_dump().items() if isinstance(v, float) and k != "reported_equity"),
        *((f"debt[{i}].balance", t.balance) for i, t in enumerate(c.debt)),
        *((f"debt[{i}].limit", t.limit) for i, t in enumerate(c.debt) if t.limit is not None),
        *((f"leases[{i}].annual_payment", x.annual_payment) for i, x in enumerate(c.leases)),
        ("costs.sga_per_quarter", c.costs.sga_per_quarter),
        *((f"covenants[{i}].min", v.min) for i, v in enumerate(c.covenants) if v.metric == "liquidity" and v.min),
    ]
    scale = max([v for _, v in amounts] + [k.gross_cost_usd for k in c.cohorts] + [0.0])
    warnings = []
    for path, value in amounts:
        if 0 < value < scale * SCALE_WARNING_RATIO and not math.isclose(value, 0):
            warnings.append(Problem(path, f"{value:,.0f} dollars is tiny beside the profile's {scale:,.0f}; did you mean {_suggest_suffix(value, scale)}?", value))
    return warnings
