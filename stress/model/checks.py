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
from pydantic import BaseModel, TypeAdapter, ValidationError

from stress.errors import Problem
from stress.model.capital import Distribution, EquityRaise, FinancingStatus
from stress.model.company import Company
from stress.model.contract import Contract
from stress.model.covenant import DIRECTION, MAX_LTV_THRESHOLD, MAX_RATIO_THRESHOLD, Covenant, CovenantMetric
from stress.model.debt import DebtKind, Tranche
from stress.model.fleet import CapexCohort, Cohort
from stress.model.lease import MAX_LEASE_YEARS, Lease
from stress.model.market import Market
from stress.model.programme import CASH, Programme
from stress.model.structure_checks import covenant_level_problems, schedule_problems, vehicle_problems
from stress.model.types import Date
from stress.model.vehicle import Vehicle

#: An amount this many times smaller than the profile's largest is suspicious.
SCALE_WARNING_RATIO = 1e-5

#: The profile's lists of items, and the model of each item.
SECTIONS: dict[str, type[BaseModel]] = {"fleet": Cohort, "capex_plan": CapexCohort, "contracts": Contract, "debt": Tranche,
                             "leases": Lease, "covenants": Covenant, "programmes": Programme, "equity": EquityRaise,
                             "distributions": Distribution, "vehicles": Vehicle}
#: A programme's funding shares may miss 100% by this much (rounding in a profile).
SHARE_TOLERANCE = 1e-6
_DATE = TypeAdapter(Date)


def _or_none(validate: Callable[[Any], Any], value: Any) -> Any:
    try:
        return validate(value)
    except ValidationError:
        return None


def _mappings(items: Any) -> list[Mapping[str, Any]]:
    """The mappings of a list as written (signals are checked for their references only)."""
    return [x for x in items if isinstance(x, Mapping)] if isinstance(items, list) else []


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
        raw: dict[str, list[Any]] = {s: v if isinstance(v := data.get(s), list) else [] for s in SECTIONS}
        return cls(
            as_of=_or_none(_DATE.validate_python, data.get("as_of")),
            market=_or_none(Market.model_validate, data.get("market")),
            items={s: [_or_none(model.model_validate, x) for x in raw[s]] for s, model in SECTIONS.items()},
            written={**{s: [x if isinstance(x, Mapping) else {} for x in raw[s]] for s in SECTIONS},
                     "market_signals": _mappings(data.get("market_signals"))},
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
            if cov.metric is CovenantMetric.LTV and cov.at_parent:
                yield Problem(path, "an ltv covenant needs applies_to naming a secured tranche")
        elif cov.applies_to not in tranche_names:
            yield Problem(path, f"names no debt tranche; expected one of {sorted(tranche_names)}", cov.applies_to)
        elif cov.metric is CovenantMetric.LTV and cov.applies_to in valid_tranches - secured:
            yield Problem(path, "an ltv covenant needs a tranche with secured_by collateral", cov.applies_to)
    yield from _programme_references(p)
    yield from _duplicates(p, "cohort", "fleet", "capex_plan")
    yield from _duplicates(p, "programme", "programmes")
    yield from _duplicates(p, "equity raise", "equity")
    for i, e in enumerate(p.written["equity"]):
        if e.get("name") in tranche_names | {CASH}:
            yield Problem(f"equity[{i}].name", "a debt tranche (or 'cash') has this name; funding sources must be unique", e["name"])
    for i, t in enumerate(p.written["debt"]):
        if t.get("name") == CASH:
            yield Problem(f"debt[{i}].name", "'cash' names the cash funding source of programmes; name the tranche otherwise", CASH)
    yield from _duplicates(p, "debt", "debt")
    yield from _duplicates(p, "lease", "leases")


def _programme_references(p: Parts) -> Iterator[Problem]:
    """Links to programmes name one; funding names a facility, an equity raise or cash; shares sum to 100%."""
    programmes = p.written_values("name", "programmes")
    sources = p.written_values("name", "debt", "equity") | {CASH}
    for section in ("capex_plan", "contracts", "leases"):
        for i, x in p.valid(section):
            if x.programme is not None and x.programme not in programmes:
                yield Problem(f"{section}[{i}].programme", f"names no programme; expected one of {sorted(programmes)}", x.programme)
    with_cohorts = {k.programme for _, k in p.valid("capex_plan")}
    issued = {t.name for _, t in p.valid("debt") if t.balance > 0 and t.kind in (DebtKind.NOTES, DebtKind.CONVERTIBLE,
                                                                              DebtKind.TERM_LOAN)}
    for i, prog in p.valid("programmes"):
        for j, f in enumerate(prog.funding):
            if f.source in issued:
                yield Problem(f"programmes[{i}].funding[{j}].source", "was issued before as_of: its proceeds are "
                              "already in cash; fund this share from 'cash'", f.source)
            elif f.source not in sources:
                yield Problem(f"programmes[{i}].funding[{j}].source",
                              f"names no debt tranche or equity raise; expected 'cash' or one of {sorted(sources - {CASH})}", f.source)
        total = sum(f.share for f in prog.funding)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            yield Problem(f"programmes[{i}].funding", f"shares sum to {total:.2%}; they must sum to 100%")
        if prog.name not in with_cohorts:
            yield Problem(f"programmes[{i}].name", "no capex_plan cohort belongs to this programme; a programme is "
                          "growth to buy (existing capacity needs no programme)", prog.name)
    for i, k in p.valid("capex_plan"):
        if k.programme is not None and k.funded_by is not None:
            yield Problem(f"capex_plan[{i}].funded_by", "a cohort in a programme is paid by the programme's funding; "
                          "drop funded_by or the programme", k.funded_by)


def _financing_problems(p: Parts) -> Iterator[Problem]:
    """Planned financing says why it is expected; money not yet available is not yet drawn."""
    for section in ("debt", "equity"):
        for i, x in p.valid(section):
            if x.status is FinancingStatus.PLANNED and not (x.evidence or "").strip():
                yield Problem(f"{section}[{i}].evidence", "planned financing needs evidence: a source tag, or "
                              "'estimate: ' and why it is expected")
    for i, e in p.valid("equity"):
        if p.as_of is not None and e.date <= p.as_of:
            yield Problem(f"equity[{i}].date", "a raise at or before as_of is already in the opening cash; date "
                          "raises after as_of", str(e.date))
    for i, t in p.valid("debt"):
        later = t.available_from is not None and p.as_of is not None and t.available_from > p.as_of
        if t.balance > 0 and (later or t.status is FinancingStatus.PLANNED):
            yield Problem(f"debt[{i}].balance", "a facility that is planned or available only after as_of cannot be "
                          "drawn at as_of; give balance 0 and its size as limit", t.balance)
        if (later or t.status is FinancingStatus.PLANNED) and not t.limit:
            yield Problem(f"debt[{i}].limit", "a facility that is planned or available only after as_of needs a "
                          "limit (its size)")
        if t.redemption is not None and t.redemption < max(t.balance, t.limit or 0.0):
            yield Problem(f"debt[{i}].redemption", "the redemption amount is what the balance accretes to; it "
                          "cannot be below the balance or limit", t.redemption)
        if t.issue_price - t.fees > 1.0:
            yield Problem(f"debt[{i}].issue_price", "issue price less fees above 100% of face (a premium) is not "
                          "modelled; proceeds are face x (issue_price - fees)", t.issue_price)
        if t.unamortised_discount > t.balance:
            yield Problem(f"debt[{i}].unamortised_discount", "cannot exceed the balance drawn at as_of", t.unamortised_discount)
        if t.kind is DebtKind.REVOLVER and (t.issue_price != 1.0 or t.fees):
            yield Problem(f"debt[{i}].fees", "a revolver's draws carry no discount: give its upfront cost as "
                          "commitment_fee or unamortised_discount", t.fees or t.issue_price)
        if t.capitalise_interest and not t.secured_by:
            yield Problem(f"debt[{i}].capitalise_interest", "capitalised interest follows the cohorts a tranche is "
                          "secured_by; name them", t.capitalise_interest)


def _renewal_problems(p: Parts) -> Iterator[Problem]:
    """A fixed-price renewal says its price; a market one does not."""
    for i, c in p.valid("contracts"):
        r = c.renewal
        if r is not None and (r.price == "fixed") != (r.fixed_price is not None):
            yield Problem(f"contracts[{i}].renewal.fixed_price", "give fixed_price exactly when price is fixed")


def _delivery_problems(p: Parts) -> Iterator[Problem]:
    """A contract its programme's capacity cannot reach before it ends."""
    delivered: dict[str, dt.date] = {}
    for _, k in p.valid("capex_plan"):
        if k.programme is not None:
            delivered[k.programme] = max(delivered.get(k.programme, k.in_service), k.in_service)
    for i, c in p.valid("contracts"):
        if c.programme in delivered and delivered[c.programme] >= c.end:
            yield Problem(f"contracts[{i}].programme", f"its programme's last cohort enters service "
                          f"{delivered[c.programme]}, after the contract ends ({c.end})", c.programme)


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
    for section in ("contracts", "leases", "distributions"):
        for i, x in p.valid(section):
            if x.end is not None and x.end <= x.start:
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
        elif cov.metric is CovenantMetric.LTV and given > MAX_LTV_THRESHOLD:
            yield Problem(f"covenants[{i}].{wanted}", f"expected a loan-to-value of at most {MAX_LTV_THRESHOLD:.0%}", given)
        elif cov.metric not in (CovenantMetric.LTV, CovenantMetric.LIQUIDITY) and given > MAX_RATIO_THRESHOLD:
            yield Problem(f"covenants[{i}].{wanted}", f"expected a ratio of at most {MAX_RATIO_THRESHOLD:.0f}x", given)
    for i, x in p.valid("leases"):
        if (x.end - x.start).days > MAX_LEASE_YEARS * 366:
            yield Problem(f"leases[{i}].end", f"expected a lease term of at most {MAX_LEASE_YEARS} years from start "
                          f"({x.start})", str(x.end))


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
    return [*_item_problems(p), *_reference_problems(p), *_gpu_problems(p), *_date_problems(p),
            *_financing_problems(p), *_delivery_problems(p), *_renewal_problems(p), *vehicle_problems(p),
            *covenant_level_problems(p), *schedule_problems(p)]


def going_concern_warnings(c: Company) -> list[Problem]:
    """Choices that may be deliberate but usually are not: a signed hall with no capacity to fill it."""
    warnings = []
    for i, x in enumerate(c.leases):
        if x.start > c.as_of and x.programme is None:
            warnings.append(Problem(f"leases[{i}].programme", "a lease commencing after as_of houses no programme: "
                                    "it will cost from commencement with nothing earning in it (an empty hall); "
                                    "link it to the programme it houses if there is one", x.name))
    for i, k in enumerate(c.capex_plan):
        if k.programme is None and k.funded_by is None:
            warnings.append(Problem(f"capex_plan[{i}]", "no programme or funded_by: bought only from cash above the "
                                    "minimum", k.name))
    return warnings


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
            message = f"{value:,.0f} dollars is tiny beside the profile's {scale:,.0f}; did you mean {_suggest_suffix(value, scale)}?"
            warnings.append(Problem(path, message, value))
    return warnings
