"""Hypothesis strategies shared by the property tests: random small companies and random worlds.

``companies()`` draws the structure of a company (cohorts, capex with and
without a delayed-draw facility, contracts that may exceed the fleet,
tranches of every kind and amortisation, some maturing inside the horizon, a
revolver, leases commenced or not, tiny or ample cash, tax losses).
``companies(monotone=True)`` draws the same, then bounds two inputs so that
less revenue can never mean more cash (see its docstring). ``random_worlds``
shocks every world input at random from a seed.

Importable from any test module because pyproject sets
``pythonpath = ["tests"]``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from stress.engine.compiled import CompiledCompany
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model.checks import profile_problems
from stress.model.company import Company

AS_OFS = (dt.date(2025, 6, 30), dt.date(2025, 3, 31), dt.date(2024, 12, 31), dt.date(2025, 5, 15))
GPU_MODELS = ("H100", "B200", "MI300X")
LIVES = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0)


def quarter_end(as_of: dt.date, k: int) -> dt.date:
    """Last day of the ``k``-th quarter after as_of's quarter (k = 0: as_of's own quarter)."""
    return (pd.Period(as_of, freq="Q") + k).end_time.date()


def money(lo: float, hi: float) -> st.SearchStrategy[float]:
    """Amounts spread over orders of magnitude, with the end points and zero-ish values likely."""
    return st.one_of(st.sampled_from([lo, hi]), st.floats(np.log10(max(lo, 1.0)), np.log10(hi)).map(lambda x: round(10 ** x, 2)))


@st.composite
def dates_in_quarter(draw: st.DrawFn, as_of: dt.date, k: int) -> dt.date:
    """A day in the k-th quarter after as_of's: usually its last day, sometimes earlier."""
    end = quarter_end(as_of, k)
    return end - dt.timedelta(days=draw(st.sampled_from([0, 0, 0, 15, 45, 80])))


@st.composite
def companies(draw: st.DrawFn, monotone: bool = False) -> Company:
    """A random small, valid company.

    ``monotone=True`` then bounds two inputs (with draws made after all the
    others, so the default strategy is unchanged):

    - power: ``max kW x PUE x power price`` is at most half the lowest spot
      GPU-hour price of any model over the horizon, so a spot GPU-hour sold
      always earns at least half its price after power: selling fewer hours
      (lower utilisation) never raises EBITDA;
    - receivables: ``receivable_days <= 45 x (1 - tax_rate)``. Revenue lost
      in a quarter also shrinks that quarter's receivables, releasing cash
      (``days / days-in-quarter`` of it, quarters having >= 90 days), while
      cash falls only by the lost margin after tax, at least
      ``(1 - tax_rate) / 2`` of the lost revenue by the bound above. With
      longer collection, a fall in revenue would *raise* cash in its first
      quarter (a real working-capital release), and a harsher price or
      utilisation shock could leave more minimum cash.
    """
    as_of = draw(st.sampled_from(AS_OFS))
    horizon = draw(st.integers(4, 16))
    models = draw(st.lists(st.sampled_from(GPU_MODELS), min_size=1, max_size=2, unique=True))

    def cohort_fields(name: str) -> dict[str, Any]:
        life = draw(st.sampled_from(LIVES))
        fields = {"name": name, "gpu": draw(st.sampled_from(models)), "units": draw(st.integers(10, 20_000)),
                  "unit_cost": draw(st.integers(5_000, 60_000)), "useful_life_years": life,
                  "residual": draw(st.sampled_from([0.0, 0.05, 0.1, 0.25])), "kw_per_gpu": draw(st.floats(0.5, 2.5))}
        if draw(st.booleans()):
            fields["economic_life_years"] = draw(st.sampled_from(LIVES))
        return fields

    fleet = []
    for i in range(draw(st.integers(1, 3))):
        k = -draw(st.integers(0, 30))
        in_service = min(draw(dates_in_quarter(as_of, k)), as_of)
        fleet.append({**cohort_fields(f"F{i}"), "in_service": in_service.isoformat()})

    debt: list[dict[str, Any]] = []
    capex = []
    for i in range(draw(st.integers(0, 2))):
        k = draw(st.integers(1, horizon + 2))
        fields = {**cohort_fields(f"C{i}"), "in_service": draw(dates_in_quarter(as_of, k)).isoformat()}
        if draw(st.booleans()):
            name = f"DDTL {i}"
            limit = draw(money(0, 3e9))
            debt.append({"name": name, "kind": "delayed_draw", "balance": limit * draw(st.sampled_from([0.0, 0.0, 0.3])),
                         "limit": limit, "rate": draw(rates()), "floor": draw(st.sampled_from([0.0, 0.01, 0.03])),
                         "maturity": draw(dates_in_quarter(as_of, draw(st.integers(1, horizon + 8)))).isoformat(),
                         "amortisation": draw(st.sampled_from(["bullet", "straight_line", "annuity"])),
                         # what interest really costs: a discount on each draw, a fee on the undrawn, capitalised
                         # interest while the cohort it funds (and is secured on) is being built
                         "issue_price": draw(st.sampled_from([1.0, 1.0, 0.97, 0.9])),
                         "fees": draw(st.sampled_from([0.0, 0.0, 0.02])),
                         "commitment_fee": draw(st.sampled_from([0.0, 0.005, 0.01])),
                         "capitalise_interest": draw(st.booleans()), "secured_by": [fields["name"]]})
            fields |= {"funded_by": name, "funded_share": draw(st.sampled_from([1.0, 0.5, 0.8]))}
        # part of its cost already spent at as_of (construction in progress), as in a build under way
        fields["paid_at_as_of"] = fields["units"] * fields["unit_cost"] * draw(st.sampled_from([0.0, 0.0, 0.4, 1.0]))
        capex.append(fields)
    cohort_names = [c["name"] for c in fleet + capex]
    owned_models = sorted({c["gpu"] for c in fleet + capex})

    for i in range(draw(st.integers(1, 4))):
        debt.append({
            "name": f"T{i}", "kind": draw(st.sampled_from(["term_loan", "notes", "convertible", "vendor_financing"])),
            "balance": draw(money(0, 5e9)), "rate": draw(rates()), "floor": draw(st.sampled_from([0.0, 0.0, 0.01, 0.03])),
            "maturity": draw(dates_in_quarter(as_of, draw(st.integers(1, horizon + 12)))).isoformat(),
            "amortisation": draw(st.sampled_from(["bullet", "straight_line", "annuity"])),
            "secured_by": draw(st.lists(st.sampled_from(cohort_names), max_size=2, unique=True)),
        })
        debt[-1]["unamortised_discount"] = debt[-1]["balance"] * draw(st.sampled_from([0.0, 0.0, 0.01, 0.05]))
        debt[-1]["capitalise_interest"] = bool(debt[-1]["secured_by"]) and draw(st.booleans())
    if draw(st.booleans()):
        limit = draw(money(1e6, 2e9))
        debt.append({"name": "RCF", "kind": "revolver", "balance": limit * draw(st.sampled_from([0.0, 0.5, 1.0])),
                     "limit": limit, "rate": draw(rates()),
                     "maturity": draw(dates_in_quarter(as_of, draw(st.integers(1, horizon + 8)))).isoformat()})

    contracts = []
    for _ in range(draw(st.integers(0, 3))):
        start_k = draw(st.integers(-8, horizon))
        end_k = max(start_k + draw(st.integers(1, 20)), 1)
        contracts.append({"customer": draw(st.sampled_from(["A", "B", "C"])), "gpu": draw(st.sampled_from(owned_models)),
                          "gpus": draw(st.integers(10, 40_000)), "price_per_gpu_hour": draw(st.floats(0.5, 6.0)),
                          "start": draw(dates_in_quarter(as_of, start_k)).isoformat(),
                          "end": quarter_end(as_of, end_k).isoformat()})

    leases = []
    for i in range(draw(st.integers(0, 2))):
        start_k = draw(st.integers(-20, horizon + 2))
        end_k = max(start_k + draw(st.integers(1, 40)), 1)
        leases.append({"name": f"L{i}", "annual_payment": draw(money(0, 5e8)),
                       "escalator": draw(st.sampled_from([0.0, 0.02, 0.05])),
                       "start": draw(dates_in_quarter(as_of, start_k)).isoformat(),
                       "end": quarter_end(as_of, end_k).isoformat(),
                       "discount_rate": draw(st.sampled_from([0.0, 0.04, 0.1, 0.15])),
                       "type": draw(st.sampled_from(["operating", "finance"]))})

    data = {
        "name": "Random Co", "ticker": "RND", "as_of": as_of.isoformat(), "horizon_quarters": horizon,
        "opening": {"cash": draw(st.one_of(st.sampled_from([0.0, 1.0, 1_000.0]), money(1e3, 5e9))),
                    "receivables": draw(money(0, 1e9)), "other_assets": draw(money(0, 2e9)),
                    "other_liabilities": draw(money(0, 2e9)), "tax_loss_carryforward": draw(money(0, 3e9))},
        "fleet": fleet, "capex_plan": capex, "contracts": contracts,
        "market": {"gpu_hour_price": {g: {"start": draw(st.floats(0.5, 6.0)), "annual_change": draw(st.floats(-0.6, 0.2))}
                                      for g in models},
                   "spot_utilisation": draw(st.floats(0.0, 1.0)),
                   "base_rate": {"start": draw(st.floats(0.0, 0.08)),
                                 "path": draw(st.lists(st.floats(-0.005, 0.1), max_size=4))},
                   "power_price_per_kwh": draw(st.floats(0.0, 0.2))},
        "costs": {"pue": draw(st.floats(1.0, 1.6)), "other_cost_per_gpu_year": draw(st.floats(0, 5_000)),
                  "sga_per_quarter": draw(money(0, 2e8)), "tax_rate": draw(st.floats(0.0, 0.35))},
        "working_capital": {"receivable_days": draw(st.floats(0, 90))},
        "treasury": {"minimum_cash": draw(st.one_of(st.just(0.0), money(1e3, 2e8)))},
        "debt": debt, "leases": leases,
    }
    if monotone:
        _bound_for_monotonicity(draw, data, horizon)
    company = Company.model_validate(data)
    assert not profile_problems(company), profile_problems(company)
    return company


def _bound_for_monotonicity(draw: st.DrawFn, data: dict[str, Any], horizon: int) -> None:
    """Cap the power price and receivable days of ``data`` as ``companies(monotone=True)`` documents."""
    mid_quarter_years = (np.arange(horizon) + 0.5) / 4.0  # the engine's baseline price curve
    lowest_price = min(float(np.min(c["start"] * (1.0 + c["annual_change"]) ** mid_quarter_years))
                       for c in data["market"]["gpu_hour_price"].values())
    max_kw = max(c["kw_per_gpu"] for c in data["fleet"] + data["capex_plan"])
    power_cap = 0.5 * lowest_price / (max_kw * data["costs"]["pue"])
    data["market"]["power_price_per_kwh"] = power_cap * draw(st.one_of(st.just(1.0), st.floats(0.0, 1.0)))
    data["working_capital"]["receivable_days"] = 45.0 * (1.0 - data["costs"]["tax_rate"]) * draw(st.floats(0.0, 1.0))


def rates() -> st.SearchStrategy[str]:
    fixed = st.floats(0.0, 0.15).map(lambda r: f"{r:.4%}")
    floating = st.floats(0.0, 0.08).map(lambda s: f"SOFR+{s * 10_000:.0f}bp")
    return st.one_of(fixed, floating)


def random_worlds(cc: CompiledCompany, n: int, seed: int) -> Worlds:
    """``n`` worlds whose every input is shocked at random (seeded): the engine must stay consistent."""
    rng = np.random.default_rng(seed)
    w = baseline_worlds(cc, n)
    q, k = cc.n_quarters, len(cc.cohort_names)

    def some(shape: tuple[int, ...], p: float = 0.5) -> np.ndarray:
        """Which worlds get a shock, broadcastable to ``shape``."""
        return (rng.random(n) < p).reshape((n,) + (1,) * (len(shape) - 1))

    walk = np.clip(w.base_rate + np.cumsum(rng.normal(0, 0.01, (n, q)), axis=1), -0.01, 0.2)
    base_rate = np.where(some((n, q)), walk, w.base_rate)
    spread_add = np.where(some((n, q)), rng.uniform(0, 0.08, (n, 1)) * (rng.random((n, q)) < 0.7), 0.0)
    factor = np.where(some((n, 1, q)), rng.uniform(0.0, 2.0, w.gpu_price.shape), 1.0)
    utilisation = np.where(some((n, q)), rng.uniform(0, 1, (n, q)), w.utilisation)
    power_price = np.where(some((n, q)), rng.uniform(0, 0.3, (n, q)), w.power_price)
    refi_open = np.where(some((n, q)), rng.random((n, q)) < 0.5, True)
    default_q = np.where(some(w.default_q.shape), rng.integers(0, q + 1, w.default_q.shape), q)
    life_q = np.where(some((n, k)), rng.integers(0, cc.cohort_life_q + 1, (n, k)), w.life_q)
    econ_q = np.where(some((n, k)), rng.integers(0, cc.cohort_econ_q + 1, (n, k)), w.econ_q)
    return dataclasses.replace(
        w, base_rate=base_rate, spread_add=spread_add, gpu_price=w.gpu_price * factor, utilisation=utilisation,
        power_price=power_price, refi_open=refi_open, default_q=default_q, life_q=life_q, econ_q=econ_q,
        life_change_q=np.where(some((n,)), rng.integers(0, q + 1, n), 0),
        resale_factor=np.where(some((n,)), rng.uniform(0, 1.5, n), 1.0),
        capex_factor=np.where(some((n,)), rng.uniform(0.5, 3.0, n), 1.0),
        delay_q=np.where(some((n,)), rng.integers(0, 5, n), 0),
    )
