"""Accounting invariants of the projection, for random small companies in random worlds.

Hypothesis draws the structure of a company (cohorts, capex with and without
a delayed-draw facility, contracts that may exceed the fleet, tranches of
every kind and amortisation, some maturing inside the horizon, a revolver,
leases commenced or not, tiny or ample cash, tax losses) and a seed for the
world arrays (base-rate paths, spread add-ons, GPU prices, utilisation,
closed refinancing, customer defaults, shortened lives, capex overruns and
delays). In every world and quarter the balance sheet must balance to the
cent, cash must roll forward by the net cash flow, equity by net income, and
nothing may be NaN or infinite. The strategies live in ``tests/_strategies.py``.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stress.engine.compiled import compile_company
from stress.engine.project import Projection, project
from stress.engine.worlds import baseline_worlds
from stress.model.company import Company

from _strategies import companies, random_worlds

CENT = 0.01
#: Tolerance for "non-negative" balances that are computed as differences of large floats.
EPS = 1e-6

#: ~40 examples keep the suite fast; set STRESS_PROPERTY_EXAMPLES=2000 for a long bug hunt.
PROPERTY_SETTINGS = settings(max_examples=int(os.environ.get("STRESS_PROPERTY_EXAMPLES", "40")), deadline=None,
                             database=None, suppress_health_check=[HealthCheck.too_slow])


def assert_consistent(p: Projection) -> None:
    """Every accounting invariant of a projection, in every world and quarter."""
    L, t, o = p.lines, p.tranches, p.cc.opening
    for name, arr in L.items():
        assert np.isfinite(arr).all(), f"non-finite values in {name}"
    for name, arr in t.items():
        assert np.isfinite(arr).all(), f"non-finite values in tranche {name}"
    assert np.isfinite(p.collateral).all() and np.isfinite(p.unpaid_maturity).all()

    np.testing.assert_allclose(L["total_assets"] - L["total_liabilities"] - L["equity"], 0, atol=CENT, err_msg="balance")
    np.testing.assert_allclose(L["total_assets"], L["cash"] + L["receivables"] + L["ppe"] + L["construction_in_progress"]
                               + L["capitalised_interest"] + L["rou_assets"] + L["other_assets"], atol=CENT)
    assert (L["construction_in_progress"] >= -EPS).all(), "negative construction in progress"
    np.testing.assert_allclose(L["total_liabilities"], L["debt"] - L["debt_discount"] + L["lease_liabilities"]
                               + L["other_liabilities"], atol=CENT)
    # the discount rolls forward: + discount and fees on issue - amortisation; never negative nor above the face
    prev_disc = np.column_stack([np.full(n_w := L["cash"].shape[0], o.debt_discount), L["debt_discount"][:, :-1]])
    np.testing.assert_allclose(L["debt_discount"], prev_disc + L["debt_issue_costs"] - L["discount_amortised"], atol=CENT)
    assert (L["debt_discount"] >= -EPS).all() and (L["debt_discount"] <= L["debt"] + CENT).all()
    assert (L["capitalised_interest"] >= -EPS).all() and (L["commitment_fees"] >= -EPS).all()

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
        L["ebit"], L["ebitda"] - L["depreciation"] - L["lease_amortisation"] - L["impairment"] + L["disposal_gain"], atol=CENT)
    # leases: EBITDAR is EBITDA before any lease cost; a lease's payments are operating cash but for a finance
    # lease's principal, which is financing; the liability and ROU asset roll forward
    np.testing.assert_allclose(L["ebitdar"] - L["ebitda"], L["lease_cost"], atol=CENT)
    cc = p.cc
    np.testing.assert_allclose(L["lease_payments"] + L["lease_principal"], np.broadcast_to(cc.lease_payment, L["cash"].shape), atol=CENT)
    prev_lia = np.concatenate([[o.lease_liabilities], cc.lease_liability[:-1]])
    np.testing.assert_allclose(cc.lease_liability, prev_lia + cc.lease_recognised + cc.lease_interest - cc.lease_payment, atol=CENT)
    prev_rou = np.concatenate([[o.rou_assets], cc.rou_assets[:-1]])
    np.testing.assert_allclose(cc.rou_assets, prev_rou + cc.lease_recognised - cc.lease_amortisation, atol=CENT)
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
