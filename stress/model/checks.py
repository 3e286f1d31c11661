"""Checks across fields, run on every item that validated on its own.

Kept out of the pydantic validators so that *every* problem in a profile is
reported at once, each at the field it concerns: the checks run on the items
of a file that validated even when others did not (``Parts``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import TypeAdapter, ValidationError

from stress.errors import Problem
from stress.model.company import Company
from stress.model.contract import Contract
from stress.model.covenant import DIRECTION, Covenant, CovenantMetric
from stress.model.debt import DebtKind, Tranche
from stress.model.fleet import CapexCohort, Cohort
from stress.model.lease import Lease
from stress.model.market import Market
from stress.model.types import Date

#: An amount this many times smaller than the profile's largest is suspicious.
SCALE_WARNING_RATIO = 1e-5

#: The profile's lists of items, and the model of each item.
SECTIONS: dict[str, type] = {"fleet": Cohort, "capex_plan": CapexCohort, "contracts": Contract, "debt": Tranche,
                             "leases": Lease, "covenants": Covenant}
_DATE = TypeAdapter(Date)


def _or_none(validate: Callable[[Any], Any], value: Any) -> Any:
    try:
        return validate(value)
    except ValidationError:
        return None


@dataclass(frozen=True)
class Parts:
    """What of a profile validated: the checks' view of a file, valid or not.

    ``items[section][i]`` is item ``i`` of that list as a model, or None where it
    failed to validate, so field paths keep their indices; ``written`` holds the
    items as written, so a name that refers to an invalid item is not also
    reported as naming nothing. ``as_of`` and ``market`` are None when invalid.
    """

    as_of: dt.date | None
    market: Market | None
    items: dict[str, list[Any]]
    written: dict[str, list[Mapping[str, Any]]]

    @classmethod
    def of_data(cls, data: Mapping[str, Any]) -> Parts:
        """Validate the header date, the market and each list item on its own."""
        raw = {s: data.get(s) if isinstance(data.get(s), list) else [] for s in SECTIONS}
        return cls(
            as_of=_or_none(_DATE.validate_python, data.get("as_of")),
            market=_or_none(Market.model_validate, data.get("market")),
            items={s: [_or_none(model.model_validate, x) for x in raw[s]] for s, model in SECTIONS.items()},
            written={s: [x if isinstance(x, Mapping) else {} for x in raw[s]] for s in SECTIONS},
        )

    @classmethod
    def of_company(cls, c: Company) -> Parts:
        return cls.of_data(c.model_dump())

    def valid(self, section: str) -> Iterator[tuple[int, Any]]:
        """``(index, model)`` of each item of ``section`` that validated."""
        return ((i, x) for i, x in enumerate(self.items[section]) if x is not None)

    def written_values(self, key: str, *sections: str) -> set[str]:
        """Every ``key`` (``name``, ``gpu``) written in ``sections``, whether or not its item validated."""
        return {x[key] for s in sections for x in self.written[s] if isinstance(x.get(key), str)}


def _duplicates(p: Parts, what: str, *sections: str) -> Iterator[Problem]:
    named = [(f"{s}[{i}].name", x["name"]) for s in sections for i, x in enumerate(p.written[s])
             if isinstance(x.get("name"), str)]
    counts = Counter(name for _, name in named)
    for path, name in named:
        if counts[name] > 1:
            yield Problem(path, f"duplicate {what} name; names must be unique", name)


def _reference_problems(p: Parts) -> Iterator[Problem]:
    cohort_names = p.written_values("name", "fleet", "capex_plan")
    tranche_names = p.written_values("name", "debt")
    valid_tranches = {t.name for _, t in p.valid("debt")}
    secured = {t.name for _, t in p.valid("debt") if t.secured_by}
    for i, t in p.valid("debt"):
        for j, name in enumerate(t.secured_by):
            if name not in cohort_names:
                yield Problem(f"debt[{i}].secured_by[{j}]", f"names no fleet or capex_plan cohort; expected one of {sorted(cohort_names)}", name)
    for i, k in p.valid("capex_plan"):
        if k.funded_by is not None and k.funded_by not in tranche_names:
            yield Problem(f"capex_plan[{i}].funded_by", f"names no debt facility; expected one of {sorted(tranche_names)}", k.funded_by)
    for i, cov in p.valid("covenants"):
        path = f"covenants[{i}].applies_to"
        if cov.applies_to is None:
            if cov.metric is CovenantMetric.LTV:
                yield Problem(path, "an ltv covenant needs applies_to naming a secured tranche")
        elif cov.applies_to not in tranche_names:
            yield Problem(path, f"names no debt tranche; expected one of {sorted(tranche_names)}", cov.applies_to)
        elif cov.metric is CovenantMetric.LTV and cov.applies_to in valid_tranches - secured:
            yield Problem(path, "an ltv covenant needs a tranche with secured_by collateral", cov.applies_to)
    yield from _duplicates(p, "cohort", "fleet", "capex_plan")
    yield from _duplicates(p, "debt", "debt")
    yield from _duplicates(p, "lease", "leases")


def _gpu_problems(p: Parts) -> Iterator[Problem]:
    if p.market is not None:
        priced = set(p.market.gpu_hour_price)
        for section in ("fleet", "capex_plan"):
            for i, k in p.valid(section):
                if k.gpu not in priced:
                    yield Problem(f"{section}[{i}].gpu", f"has no market.gpu_hour_price; priced models: {sorted(priced)}", k.gpu)
    owned = p.written_values("gpu", "fleet", "capex_plan")
    for i, k in p.valid("contracts"):
        if k.gpu not in owned:
            yield Problem(f"contracts[{i}].gpu", f"no fleet or capex_plan cohort has this GPU model; owned: {sorted(owned)}", k.gpu)


def _item_problems(p: Parts) -> Iterator[Problem]:
    """What the item models leave unchecked across their own fields."""
    for section in ("contracts", "leases"):
        for i, x in p.valid(section):
            if x.end <= x.start:
                yield Problem(f"{section}[{i}].end", f"must fall after start ({x.start})", str(x.end))
    for i, t in p.valid("debt"):
        if t.limit is None and t.kind in (DebtKind.REVOLVER, DebtKind.DELAYED_DRAW):
            yield Problem(f"debt[{i}].limit", f"a {t.kind.value} needs a limit (its commitment)")
        elif t.limit is not None and t.balance > t.limit:
            yield Problem(f"debt[{i}].balance", f"drawn balance {t.balance:,.0f} exceeds limit {t.limit:,.0f}", t.balance)
    for i, k in p.valid("capex_plan"):
        if k.funded_by is None and k.funded_share != 1.0:
            yield Problem(f"capex_plan[{i}].funded_share", "funded_share is set but funded_by names no facility", k.funded_share)
    for i, cov in p.valid("covenants"):
        wanted = DIRECTION[cov.metric]
        other = "max" if wanted == "min" else "min"
        tested = f"{cov.metric.value} is tested against a {wanted}imum"
        given, wrong = getattr(cov, wanted), getattr(cov, other)
        if wrong is not None:
            message = f"give exactly one of min or max; {tested}" if given is not None else f"{tested}; use {wanted}:"
            yield Problem(f"covenants[{i}].{other}", message, wrong)
        elif given is None:
            yield Problem(f"covenants[{i}].{wanted}", f"give exactly one of min or max; {tested}")


def _date_problems(p: Parts) -> Iterator[Problem]:
    """Dates against as_of, by calendar quarter: the projection starts the quarter after as_of's."""
    if p.as_of is None:
        return
    as_of_q = pd.Period(p.as_of, freq="Q")

    def after(path: str, when: dt.date, hint: str = "") -> Iterator[Problem]:
        if pd.Period(when, freq="Q") <= as_of_q:
            yield Problem(path, f"must fall in a quarter after as_of's quarter {as_of_q}{hint}", str(when))

    for i, t in p.valid("debt"):
        yield from after(f"debt[{i}].maturity", t.maturity)
    for i, x in p.valid("leases"):
        yield from after(f"leases[{i}].end", x.end)
    for i, k in p.valid("contracts"):
        yield from after(f"contracts[{i}].end", k.end)
    for i, k in p.valid("capex_plan"):
        yield from after(f"capex_plan[{i}].in_service", k.in_service,
                         "; a cohort in service by then is already owned: put it in fleet")
    for i, k in p.valid("fleet"):
        if pd.Period(k.in_service, freq="Q") > as_of_q:
            yield Problem(f"fleet[{i}].in_service", f"an owned cohort must be in service in or before as_of's quarter "
                          f"{as_of_q}; put future cohorts in capex_plan", str(k.in_service))


def profile_problems(profile: Company | Parts) -> list[Problem]:
    """Every cross-field error among the parts of a profile that are each valid."""
    p = Parts.of_company(profile) if isinstance(profile, Company) else profile
    return [*_item_problems(p), *_reference_problems(p), *_gpu_problems(p), *_date_problems(p)]


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
