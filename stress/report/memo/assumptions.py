"""The memo's key assumptions and its largest estimates, each with what the profile says it rests on.

The basis of a figure is the comment written beside it in the YAML profile (where shipped profiles name
their source tag or say ``estimate:`` and why; ``companies/README.md``), read by the same parser as the
workbook's Assumptions sheet (``stress.report.workbook.assumptions``). A JSON profile, or one in memory,
has no comments: its assumptions show no basis and no estimates are listed.

"Largest estimates" ranks the items whose comment says *estimate* by the USD they stand for: a cohort's cost
(units x unit cost), a contract's remaining value (``stress.analysis.profile.contract_table``), a money field's
amount (a tranche's balance or limit, an opening balance, a cost a quarter as stated).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from stress.analysis.profile import contract_table
from stress.engine.compiled import CompiledCompany
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.montecarlo import MonteCarloParams
from stress.report.format import clean, pct, usd_m
from stress.scenarios.drivers import main_gpu

ESTIMATE = re.compile(r"\bestimat", re.IGNORECASE)
_ITEM = re.compile(r"^(\w+)\[(\d+)\]\.(.+)$")
#: How many estimates the memo lists.
ESTIMATES_SHOWN = 6


@dataclass(frozen=True)
class Assumption:
    name: str
    value: str
    basis: str  # the profile's comment, or where the figure comes from


@dataclass(frozen=True)
class Estimate:
    item: str
    amount_usd: float
    basis: str  # the profile's comment, which says "estimate"


def _comment(comments: dict[str, str], *keys: str) -> str:
    return next((clean(comments[k]) for k in keys if comments.get(k)), "")


def _price(cc: CompiledCompany, comments: dict[str, str]) -> Assumption:
    prices = cc.company.market.gpu_hour_price
    g = main_gpu(cc)
    g = g if g in prices else next(iter(prices))
    curve = prices[g]
    unit = "GPU-hour" if g in cc.gpu_models and cc.model_is_gpu[cc.gpu_models.index(g)] else "unit-hour"
    return Assumption(f"{clean(g)} price per {unit}", f"USD {curve.start:,.2f}, {curve.annual_change:+.0%} a year",
                      _comment(comments, f"market.gpu_hour_price.{g}.start", f"market.gpu_hour_price.{g}"))


def _lives(c: Company, comments: dict[str, str]) -> Assumption | None:
    cohorts = [(s, i, k) for s, ks in (("fleet", c.fleet), ("capex_plan", c.capex_plan)) for i, k in enumerate(ks)
               if k.asset.value == "gpu"]
    if not cohorts:
        return None
    lives = sorted({k.useful_life_years for _, _, k in cohorts})
    shown = f"{lives[0]:g} years" if len(lives) == 1 else f"{lives[0]:g} to {lives[-1]:g} years"
    s, i, _ = cohorts[0]
    return Assumption("GPU useful life (accounting)", shown, _comment(comments, f"{s}[{i}].useful_life_years"))


def _montecarlo(c: Company, paths: int, seed: int) -> Assumption:
    p = c.montecarlo or MonteCarloParams()
    whence = "the profile's montecarlo block" if c.montecarlo else "defaults, grounds in stress/model/montecarlo.py"
    return Assumption("Monte Carlo", f"{paths:,} paths, seed {seed}; GPU price vol {p.price_vol:.0%}, "
                                     f"crashes {p.price_jump_intensity:g}/yr of {p.price_jump_mean:+.0%}", whence)


def key_assumptions(cc: CompiledCompany, comments: dict[str, str], paths: int, seed: int) -> list[Assumption]:
    """The inputs a committee asks about first: price and its decline, utilisation, rates, power, lives, the
    cash floor, refinancing, and the Monte Carlo's size and volatility."""
    c = cc.company
    m = c.market
    base = f"{m.base_rate.start:.2%}" + (f", then a {len(m.base_rate.path)}-quarter path" if m.base_rate.path else "")
    r = c.refinancing
    closed = f"closed at or below {r.closed_from.value}" if r.closed_from is not None else "open at any rating"
    out = [_price(cc, comments) if m.gpu_hour_price else None,
           Assumption("Spot utilisation", pct(m.spot_utilisation, 0), _comment(comments, "market.spot_utilisation")),
           Assumption("Base rate (SOFR)", base, _comment(comments, "market.base_rate.start")),
           Assumption("Power", f"USD {m.power_price_per_kwh:.3f} per kWh, PUE {c.costs.pue:g}",
                      _comment(comments, "market.power_price_per_kwh")),
           _lives(c, comments),
           Assumption("Minimum cash", f"USD {usd_m(c.treasury.minimum_cash)} m" if c.treasury.minimum_cash else "none",
                      _comment(comments, "treasury.minimum_cash")),
           Assumption("Refinancing", f"{closed}; premium {r.premium * 1e4:+.0f}bp",
                      clean(r.evidence or "") or _comment(comments, "refinancing.premium", "refinancing.closed_from")),
           _montecarlo(c, paths, seed)]
    return [a for a in out if a is not None]


def _label(c: Company, path: str) -> str:
    """``debt[3].limit`` as ``DDTL 3.0 (limit)``; other paths as written."""
    m = _ITEM.match(path)
    if not m:
        return path
    items = getattr(c, m.group(1), None)
    if not isinstance(items, list) or int(m.group(2)) >= len(items):
        return path
    item = items[int(m.group(2))]
    name = getattr(item, "name", None) or getattr(item, "customer", None)
    return f"{clean(str(name))} ({m.group(3)})" if name else path


def _candidates(c: Company, comments: dict[str, str], case: Case) -> Iterable[tuple[str, str, float, str]]:
    """(key, item, USD, comment) for every input of the ``case``'s projection that may be an estimate; the key
    groups one item's fields. Contracts the case does not count and the reported totals (compared with, never
    projected) are left out."""
    from stress.report.workbook.assumptions import flatten

    for section, cohorts in (("fleet", c.fleet), ("capex_plan", c.capex_plan)):
        for i, k in enumerate(cohorts):
            p = f"{section}[{i}]"
            yield (p, f"{clean(k.name)}: {k.units:,.0f} x USD {k.unit_cost:,.0f}", k.gross_cost_usd,
                   _comment(comments, f"{p}.units", f"{p}.unit_cost"))
    backlog = contract_table(c)
    for i, contract in enumerate(c.contracts):
        if not c.counts_contract(contract.status, case):
            continue
        p = f"contracts[{i}]"  # any estimate on its lines (GPUs, price, term) is one on its value
        note = next((clean(v) for k, v in comments.items() if k.startswith(f"{p}.") and ESTIMATE.search(v)), "")
        yield p, f"{clean(contract.name or contract.customer)}: remaining contract value", float(backlog.backlog_usd.iloc[i]), note
    for x in flatten(c, comments=comments, skip=frozenset({"sources"})):
        if x.unit.startswith("USD m") and isinstance(x.value, int | float) and "reported_" not in x.path:
            key = x.path.rsplit(".", 1)[0] if _ITEM.match(x.path) else x.path
            yield key, _label(c, x.path) + (" a quarter" if "quarter" in x.unit else ""), abs(x.value) * 1e6, clean(x.source)


def largest_estimates(c: Company, comments: dict[str, str], case: Case = Case.PLAN,
                      n: int = ESTIMATES_SHOWN) -> list[Estimate]:
    """The ``n`` largest inputs of the ``case``'s projection whose profile comment says *estimate*, by the USD
    they stand for."""
    found: dict[str, Estimate] = {}
    for key, item, amount, comment in _candidates(c, comments, case):
        if amount > 0 and ESTIMATE.search(comment) and (key not in found or amount > found[key].amount_usd):
            found[key] = Estimate(item, amount, comment)
    return sorted(found.values(), key=lambda e: (-e.amount_usd, e.item))[:n]
