"""Checks across fields for the capital structure as lenders write it: vehicles, covenant levels, schedules.

Run by ``stress.model.checks.profile_problems`` on the items that validated on their own (``Parts``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING

from stress.errors import Problem
from stress.model.covenant import VEHICLE_METRICS, Consequence, CovenantKind, CovenantMetric
from stress.model.debt import Amortisation, DebtKind
from stress.model.vehicle import Vehicle

if TYPE_CHECKING:
    from stress.model.checks import Parts

#: Consequences that only a vehicle's cash can suffer.
VEHICLE_ONLY = frozenset({Consequence.LOCK_UP, Consequence.SWEEP_STEP_UP})


def vehicle_problems(p: Parts) -> Iterator[Problem]:
    """Each vehicle names tranches, cohorts, contracts and leases that exist; a tranche sits in one vehicle."""
    names = {
        "facilities": p.written_values("name", "debt"),
        "cohorts": p.written_values("name", "fleet", "capex_plan"),
        "contracts": p.written_values("name", "contracts"),
        "leases": p.written_values("name", "leases"),
    }
    names_of_vehicles = p.written_values("name", "vehicles")
    revolvers = {t.name for _, t in p.valid("debt") if t.kind is DebtKind.REVOLVER}
    for i, v in p.valid("vehicles"):
        for j, name in enumerate(v.facilities):
            if name in revolvers:
                yield Problem(f"vehicles[{i}].facilities[{j}]", "a revolver is the parent's liquidity; a vehicle borrows "
                              "term, delayed-draw or note financing", name)
        for key, known in names.items():
            for j, name in enumerate(getattr(v, key)):
                if name not in known:
                    yield Problem(f"vehicles[{i}].{key}[{j}]", f"names nothing; expected one of {sorted(known)}", name)
    for key, what in (("facilities", "a tranche is borrowed"), ("cohorts", "a cohort is owned"),
                      ("contracts", "a contract is collected"), ("leases", "a lease is paid")):
        held: Counter[str] = Counter(name for _, v in p.valid("vehicles") for name in getattr(v, key))
        for i, v in p.valid("vehicles"):
            for j, name in enumerate(getattr(v, key)):
                if held[name] > 1:
                    yield Problem(f"vehicles[{i}].{key}[{j}]", f"{what} by one vehicle only", name)
    contract_names = Counter(x["name"] for x in p.written["contracts"] if isinstance(x.get("name"), str))
    for i, x in enumerate(p.written["contracts"]):
        if contract_names.get(x.get("name"), 0) > 1:
            yield Problem(f"contracts[{i}].name", "duplicate contract name; vehicles name contracts, so names must be "
                          "unique", x["name"])
    for i, x in enumerate(p.written.get("market_signals", [])):
        if x.get("vehicle") is not None and x.get("vehicle") not in names_of_vehicles:
            yield Problem(f"market_signals[{i}].vehicle", f"names no vehicle; expected one of {sorted(names_of_vehicles)}",
                          x.get("vehicle"))
    seen: Counter[object] = Counter(x["name"] for x in p.written["vehicles"] if isinstance(x.get("name"), str))
    for i, x in enumerate(p.written["vehicles"]):
        if seen.get(x.get("name"), 0) > 1:
            yield Problem(f"vehicles[{i}].name", "duplicate vehicle name; names must be unique", x["name"])
        if x.get("name") == "parent":
            yield Problem(f"vehicles[{i}].name", "'parent' names the parent's level in covenants; name the vehicle otherwise")


def covenant_level_problems(p: Parts) -> Iterator[Problem]:
    """A covenant is tested at the parent or a named vehicle, on a metric and with a consequence that suit it."""
    vehicles = {v.name: v for _, v in p.valid("vehicles")}
    written = p.written_values("name", "vehicles")
    for i, cov in p.valid("covenants"):
        path = f"covenants[{i}]"
        if cov.at_parent:
            if cov.consequence in VEHICLE_ONLY:
                yield Problem(f"{path}.on_breach", "a lock-up or sweep step-up traps a vehicle's cash; at the parent "
                              "use breach or event_of_default", cov.consequence.value)
            continue
        if cov.tested_at not in written:
            yield Problem(f"{path}.tested_at", f"names no vehicle; expected 'parent' or one of {sorted(written)}", cov.tested_at)
            continue
        if cov.metric not in VEHICLE_METRICS:
            yield Problem(f"{path}.metric", "a vehicle is tested on its dscr (contracted cash flow) or its ltv; "
                          "test liquidity and leverage at the parent", cov.metric.value)
        v = vehicles.get(cov.tested_at)
        if v is not None and cov.applies_to is not None and cov.applies_to not in v.facilities:
            yield Problem(f"{path}.applies_to", f"a vehicle's test applies to its own facilities: {v.facilities}", cov.applies_to)
        if cov.kind is CovenantKind.INCURRENCE and cov.on_breach not in (None, Consequence.BREACH):
            yield Problem(f"{path}.on_breach", "an incurrence test blocks new debt; it has no breach consequence",
                          cov.consequence.value)
    for i, cov in p.valid("covenants"):
        if cov.kind is CovenantKind.INCURRENCE and cov.metric is CovenantMetric.LIQUIDITY:
            yield Problem(f"covenants[{i}].kind", "minimum liquidity is a maintenance test", cov.kind.value)


def _collects(p: Parts, v: Vehicle) -> bool:
    """Whether the vehicle collects any contract: it names one, or (by default) a programme of its cohorts has one."""
    if v.contracts:
        return True
    secured = {k for _, t in p.valid("debt") if t.name in v.facilities for k in t.secured_by}
    owned = set(v.cohorts) or secured
    programmes = {k.programme for _, k in p.valid("capex_plan") if k.name in owned and k.programme}
    return any(c.programme in programmes for _, c in p.valid("contracts"))


def schedule_problems(p: Parts) -> Iterator[Problem]:
    """Amortisation keys agree with the method; a sculpted tranche belongs to a vehicle with contracts."""
    in_vehicle = {name for _, v in p.valid("vehicles") for name in v.facilities}
    collecting = {name for _, v in p.valid("vehicles") if _collects(p, v) for name in v.facilities}
    for i, t in p.valid("debt"):
        path = f"debt[{i}]"
        if (t.amortisation is Amortisation.SCHEDULE) != bool(t.schedule):
            yield Problem(f"{path}.schedule", "give schedule exactly when amortisation is schedule")
        for j, step in enumerate(t.schedule):
            if (step.amount is None) == (step.share is None):
                yield Problem(f"{path}.schedule[{j}]", "give exactly one of amount or share")
            elif step.date > t.maturity:
                yield Problem(f"{path}.schedule[{j}].date", f"falls after the maturity ({t.maturity})", str(step.date))
        total = sum(s.share for s in t.schedule if s.share is not None)
        if total > 1.0 + 1e-9:
            yield Problem(f"{path}.schedule", f"instalment shares sum to {total:.2%}, more than the principal")
        if (t.amortisation is Amortisation.SCULPTED) != (t.target_dscr is not None):
            yield Problem(f"{path}.target_dscr", "give target_dscr exactly when amortisation is sculpted")
        if t.amortisation is Amortisation.SCULPTED and t.name not in in_vehicle:
            yield Problem(f"{path}.amortisation", "a sculpted schedule follows a vehicle's contracted cash flow: "
                          "name the tranche in a vehicle's facilities", t.amortisation.value)
        elif t.amortisation is Amortisation.SCULPTED and t.name not in collecting:
            yield Problem(f"{path}.amortisation", "its vehicle collects no contract, so a sculpted schedule would "
                          "never amortise: name the vehicle's contracts", t.amortisation.value)
        if t.amortise_from == "completion" and not t.secured_by:
            yield Problem(f"{path}.amortise_from", "completion means every cohort the tranche is secured on is in "
                          "service; give secured_by, or a date", "completion")
