"""Accounting invariants of the projection, for random small companies in random worlds.

Hypothesis draws the structure of a company (cohorts, capex with and without
a delayed-draw facility, contracts that may exceed the fleet, tranches of
every kind and amortisation, some maturing inside the horizon, a revolver,
leases commenced or not, tiny or ample cash, tax losses) and a seed for the
world arrays (base-rate paths, spread add-ons, GPU prices, utilisation,
closed refinancing, customer defaults, shortened lives, capex overruns and
delays). In every world and quarter the balance sheet must balance to the
cent, cash must roll forward by the net cash flow, equity by net income, and
nothing may be NaN or infinite.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.project import Projection, project
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model.checks import profile_problems
from stress.model.company import Company

CENT = 0.01
#: Tolerance for "non-negative" balances that are computed as differences of large floats.
EPS = 1e-6

#: ~40 examples keep the suite fast; set STRESS_PROPERTY_EXAMPLES=2000 for a long bug hunt.
PROPERTY_SETTINGS = settings(max_examples=int(os.environ.get("STRESS_PROPERTY_EXAMPLES", "40")), deadline=None,
                             database=None, suppress_health_check=[HealthCheck.too_slow])

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
def companies(draw: st.DrawFn) -> Company:
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
                         "amortisation": draw(st.sampled_from(["bullet", "straight_line", "annuity"]))})
            fields |= {"funded_by": name, "funded_share": draw(st.sampled_from([1.0, 0.5, 0.8]))}
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
                       "discount_rate": draw(st.sampled_from([0.0, 0.04, 0.1, 0.15]))})

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
    company = Company.model_validate(data)
    assert not profile_problems(company), profile_problems(company)
    return company


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


def assert_consistent(p: Projection) -> None:
    """Every accounting invariant of a projection, in every world and quarter."""
    L, t, o = p.lines, p.tranches, p.cc.opening
    for name, arr in L.items():
        assert np.isfinite(arr).all(), f"non-finite values in {name}"
    for name, arr in t.items():
        assert np.isfinite(arr).all(), f"non-finite values in tranche {name}"
    assert np.isfinite(p.collateral).all() and np.isfinite(p.unpaid_maturity).all()

    np.testing.assert_allclose(L["total_assets"] - L["total_liabilities"] - L["equity"], 0, atol=CENT, err_msg="balance")
    np.testing.assert_allclose(L["total_assets"], L["cash"] + L["receivables"] + L["ppe"] + L["rou_assets"] + L["other_assets"], atol=CENT)
    np.testing.assert_allclose(L["total_liabilities"], L["debt"] + L["lease_liabilities"] + L["other_liabilities"], atol=CENT)

    n_w = L["cash"].shape[0]
    prev_cash = np.column_stack([np.full(n_w, o.cash), L["cash"][:, :-1]])
    np.testing.assert_allclose(L["cash"] - prev_cash, L["net_cash_flow"], atol=CENT, err_msg="cash identity")
    prev_equity = np.column_stack([np.full(n_w, o.equity), L["equity"][:, :-1]])
    np.testing.assert_allclose(L["equity"] - prev_equity, L["net_income"], atol=CENT, err_msg="equity roll-forward")

    # per tranche: closing = opening + drawn - repaid, chained quarter to quarter from the profile's balances
    np.testing.assert_allclose(t["closing"], t["opening"] + t["drawn"] - t["repaid"], atol=CENT, err_msg="tranche roll")
    np.testing.assert_allclose(t["opening"][:, :, 0], np.broadcast_to(p.cc.tranche_balance, t["opening"][:, :, 0].shape), atol=CENT)
    np.testing.assert_allclose(t["opening"][:, :, 1:], t["closing"][:, :, :-1], atol=CENT)
    np.testing.assert_allclose(L["debt"], t["closing"].sum(axis=1), atol=CENT)

    assert (L["ppe"] >= -EPS).all(), "negative PP&E"
    assert (t["closing"] >= -EPS).all(), "negative tranche balance"
    assert (L["tax"] >= -EPS).all() and (L["tax_losses"] >= -EPS).all()
    assert (L["revenue_contracted"] >= -EPS).all() and (L["revenue_spot"] >= -EPS).all()
    np.testing.assert_allclose(L["revenue"], L["revenue_contracted"] + L["revenue_spot"], atol=CENT)
    np.testing.assert_allclose(
        L["ebit"], L["ebitda"] - L["depreciation"] - L["impairment"] + L["disposal_gain"], atol=CENT)
    np.testing.assert_allclose(L["net_income"], L["ebit"] - L["interest_expense"] - L["tax"], atol=CENT)


def assert_same(a: Projection, b: Projection) -> None:
    for name in a.lines:
        np.testing.assert_allclose(a.lines[name], b.lines[name], rtol=1e-12, atol=1e-6, err_msg=name)
    for name in a.tranches:
        np.testing.assert_allclose(a.tranches[name], b.tranches[name], rtol=1e-12, atol=1e-6, err_msg=name)
    np.testing.assert_allclose(a.collateral, b.collateral, rtol=1e-12, atol=1e-6)
    np.testing.assert_allclose(a.unpaid_maturity, b.unpaid_maturity, rtol=1e-12, atol=1e-6)


@PROPERTY_SETTINGS
@given(company=companies(), n=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_books_balance_in_every_world_and_quarter(company: Company, n: int, seed: int) -> None:
    cc = compile_company(company)
    p = project(cc, random_worlds(cc, n, seed))
    assert_consistent(p)
    _record_coverage(p)


def _record_coverage(p: Projection) -> None:
    """Tell hypothesis (``--hypothesis-show-statistics``) which situations the examples reached."""
    L, t = p.lines, p.tranches
    for label, happened in (("liquidity default", (L["cash"] < -CENT).any()),
                            ("maturity default", (p.unpaid_maturity > CENT).any()),
                            ("refinanced", (t["refinanced"] > CENT).any()),
                            ("revolver drawn", (L["revolver_net"] > CENT).any()),
                            ("capex drawn on a facility", ((L["capex"] > 0) & (L["debt_drawn"] > CENT)).any()),
                            ("impairment", (L["impairment"] > CENT).any()),
                            ("retirement", (L["asset_sales"] > CENT).any() or (L["disposal_gain"] != 0).any()),
                            ("lease recognised", (np.diff(L["rou_assets"], axis=1) > CENT).any()),
                            ("taxes paid", (L["tax"] > CENT).any())):
        if happened:
            event(label)


@PROPERTY_SETTINGS
@given(company=companies())
def test_baseline_books_balance(company: Company) -> None:
    cc = compile_company(company)
    assert_consistent(project(cc, baseline_worlds(cc)))


@PROPERTY_SETTINGS
@given(company=companies(), seed=st.integers(0, 2**32 - 1))
def test_worlds_do_not_interact(company: Company, seed: int) -> None:
    """Projecting worlds [a, b] together equals projecting each alone: the vectorisation mixes no worlds."""
    cc = compile_company(company)
    w = random_worlds(cc, 2, seed)
    together = project(cc, w)
    for i in range(2):
        alone = project(cc, w.take(np.array([i])))
        assert_same(_row(together, i), alone)


@PROPERTY_SETTINGS
@given(company=companies(), n=st.integers(2, 5), chunk=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_chunking_changes_nothing(company: Company, n: int, chunk: int, seed: int) -> None:
    cc = compile_company(company)
    w = random_worlds(cc, n, seed)
    assert_same(project(cc, w, chunk=chunk), project(cc, w))


@PROPERTY_SETTINGS
@given(company=companies(), seed=st.integers(0, 2**32 - 1), change_seed=st.integers(0, 2**32 - 1))
def test_accounting_lives_move_earnings_not_cash(company: Company, seed: int, change_seed: int) -> None:
    """Tax depreciation keeps the profile's lives, so a change of accounting estimate (shorter ``life_q``,
    from any quarter, economic lives unchanged) changes no cash flow, tax or debt, only PP&E and equity."""
    cc = compile_company(company)
    # life_change_q also dates a change of *economic* life, so those stay the profile's in both
    w = dataclasses.replace(random_worlds(cc, 2, seed), econ_q=np.tile(cc.cohort_econ_q, (2, 1)))
    rng = np.random.default_rng(change_seed)
    shorter = dataclasses.replace(w, life_q=rng.integers(0, cc.cohort_life_q + 1, w.life_q.shape),
                                  life_change_q=rng.integers(0, cc.n_quarters + 1, w.n))
    a, b = project(cc, w), project(cc, shorter)
    for name in ("cash", "net_cash_flow", "cfo", "tax", "taxable_income", "tax_losses", "debt", "debt_drawn",
                 "debt_repaid", "interest_expense", "ebitda", "revenue", "asset_sales"):
        np.testing.assert_allclose(a.lines[name], b.lines[name], rtol=1e-9, atol=CENT, err_msg=name)
    np.testing.assert_allclose(a.lines["equity"] - b.lines["equity"], a.lines["ppe"] - b.lines["ppe"], atol=CENT)


def _row(p: Projection, i: int) -> Projection:
    return Projection(p.cc, p.worlds.take(np.array([i])), {k: v[i:i + 1] for k, v in p.lines.items()},
                      {k: v[i:i + 1] for k, v in p.tranches.items()}, p.collateral[i:i + 1], p.unpaid_maturity[i:i + 1])


def test_invariants_notice_a_broken_balance_sheet() -> None:
    """The checker itself can fail: an equity line one dollar off is caught."""
    data = {
        "name": "X", "ticker": "X", "as_of": "2025-06-30", "horizon_quarters": 4, "opening": {"cash": 1e6},
        "fleet": [{"name": "F", "gpu": "H100", "units": 10, "unit_cost": 10_000, "in_service": "2025-03-31",
                   "useful_life_years": 5}],
        "market": {"gpu_hour_price": {"H100": {"start": 2.0}}, "spot_utilisation": 0.5, "base_rate": {"start": 0.04},
                   "power_price_per_kwh": 0.08},
    }
    cc = compile_company(Company.model_validate(data))
    p = project(cc, baseline_worlds(cc))
    assert_consistent(p)
    p.lines["equity"][0, 2] += 1.0
    try:
        assert_consistent(p)
    except AssertionError:
        return
    raise AssertionError("assert_consistent missed a $1 imbalance")
