"""Construction in progress (capex_plan[].paid_at_as_of) against figures worked out by hand.

The base company (tests/_companies.py): as_of 2025-06-30, no costs, no tax. One programme "Build" buys 1,000
H100 at $100k ($100m) in service 2025-12-31 (quarter q1), of which $60m was spent by as_of. Cash 50m.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from stress.engine.opening import opening_balance
from tests.engine.test_going_concern import COMMITTED, PLAN, both_cases, capex, ddtl

CENTS = 0.01
M = 1e6


def _company(make_company, funding=None, paid=60 * M, cash=50 * M, **over):
    return make_company(
        horizon_quarters=4, opening={"cash": cash},
        programmes=[{"name": "Build", "funding": funding or [{"source": "cash", "share": "100%"}],
                     "max_deferral_quarters": 1}],
        capex_plan=[capex("C1", 1000, 100_000, "2025-12-31", "Build", paid_at_as_of=paid)], **over)


def test_opening_carries_the_spend_as_an_asset(make_company):
    ob = opening_balance(_company(make_company))
    assert ob.construction_in_progress == 60 * M
    assert ob.total_assets == pytest.approx(50 * M + 60 * M)  # cash + construction in progress
    assert ob.equity == pytest.approx(110 * M)


def test_purchase_pays_only_the_rest_and_books_the_whole_cost(make_company, run):
    res = run(_company(make_company))
    p = res.projection
    # q1: the cohort is bought: cash pays 100 - 60 = 40m; PP&E takes 100m; construction in progress 60 -> 0
    np.testing.assert_allclose(p["capex"][0], [0, 40 * M, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["construction_in_progress"][0], [60 * M, 0, 0, 0], atol=CENTS)
    assert p["ppe"][0, 1] == pytest.approx(100 * M)
    np.testing.assert_allclose(p["capex_scheduled"][0], [0, 40 * M, 0, 0], atol=CENTS)  # what is still to pay
    np.testing.assert_allclose(p["total_assets"][0], p["total_liabilities"][0] + p["equity"][0], atol=CENTS)


def test_an_overrun_scales_only_what_is_still_to_pay(make_company, run):
    factor = np.full((1, 1), 1.5)  # (W, K): +50% on the cost still to come
    res = run(_company(make_company, cash=80 * M), capex_factor=factor)
    p = res.projection
    # cost = 60 + 40 x 1.5 = 120m; cash pays 60m (of the 80m held); PP&E 120m
    np.testing.assert_allclose(p["capex"][0, 1], 60 * M, atol=CENTS)
    assert p["ppe"][0, 1] == pytest.approx(120 * M)


def test_a_cancelled_build_writes_its_spend_off(make_company, run):
    # the rest is paid 100% from a planned facility: in the committed case it never opens, the cohort waits one
    # quarter (q1), and in q2 the programme is cancelled: its 60m of construction in progress is impaired then
    company = _company(make_company, funding=[{"source": "Fac", "share": "100%"}],
                       debt=[ddtl("Fac", 100 * M, status="planned")])
    res = both_cases(run, company)
    p = res.projection
    np.testing.assert_allclose(p["construction_in_progress"][COMMITTED], [60 * M, 60 * M, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["impairment"][COMMITTED], [0, 0, 60 * M, 0], atol=CENTS)
    assert p["net_income"][COMMITTED, 2] == pytest.approx(p["ebit"][COMMITTED, 2] - p["interest_expense"][COMMITTED, 2])
    np.testing.assert_allclose(p["construction_in_progress"][PLAN], [60 * M, 0, 0, 0], atol=CENTS)  # bought on time
    for w in (COMMITTED, PLAN):
        np.testing.assert_allclose(p["total_assets"][w], p["total_liabilities"][w] + p["equity"][w], atol=CENTS)
        np.testing.assert_allclose(p["cash"][w, 1:] - p["cash"][w, :-1], p["net_cash_flow"][w, 1:], atol=CENTS)


def test_spend_cannot_exceed_the_cohort_cost(make_company):
    with pytest.raises(ValidationError, match="paid_at_as_of"):
        _company(make_company, paid=101 * M)


def test_a_facility_lends_its_share_of_the_whole_cost_and_gives_spent_cash_back(make_company, run):
    # 70% from a committed facility, 30% cash. The facility advances 70% of the whole 100m (70m) against the
    # delivered cohort; only 40m is still to pay, so 30m of the cash spent before as_of comes back in q1.
    company = _company(make_company, funding=[{"source": "Fac", "share": "70%"}, {"source": "cash", "share": "30%"}],
                       debt=[ddtl("Fac", 100 * M)])
    p = run(company).projection
    fac = 0
    np.testing.assert_allclose(p.tranches["drawn"][0, fac], [0, 70 * M, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["capex"][0], [0, 40 * M, 0, 0], atol=CENTS)
    # q1 cash: 50m + 70m drawn - 40m paid = 80m, less the quarter's interest on the draw (paid next quarters)
    assert p["cash"][0, 1] == pytest.approx(50 * M + 70 * M - 40 * M - p["interest_paid"][0, 1])
    # a cohort with nothing spent pays as before: 70% drawn, 30% cash
    fresh = run(_company(make_company, paid=0.0, cash=50 * M, funding=[{"source": "Fac", "share": "70%"},
                                                                        {"source": "cash", "share": "30%"}],
                         debt=[ddtl("Fac", 100 * M)])).projection
    np.testing.assert_allclose(fresh.tranches["drawn"][0, fac, 1], 70 * M, atol=CENTS)
    np.testing.assert_allclose(fresh["capex"][0, 1], 100 * M, atol=CENTS)


def test_a_cohort_already_paid_for_is_bought_even_where_its_facility_never_opens(make_company, run):
    # 100% from a planned facility, all 100m spent by as_of: nothing is left to pay, so the committed case (the
    # facility never opens) buys it on time, as does the plan case, where the facility lends 100m against it
    # and the 100m spent comes back as cash.
    company = _company(make_company, paid=100 * M, funding=[{"source": "Fac", "share": "100%"}],
                       debt=[ddtl("Fac", 100 * M, status="planned")])
    p = both_cases(run, company).projection
    np.testing.assert_allclose(p["impairment"], 0.0, atol=CENTS)
    np.testing.assert_allclose(p["ppe"][:, 1], 100 * M, atol=CENTS)
    np.testing.assert_allclose(p["capex"], 0.0, atol=CENTS)
    np.testing.assert_allclose(p["debt_drawn"][COMMITTED], 0.0, atol=CENTS)
    np.testing.assert_allclose(p["debt_drawn"][PLAN], [0, 100 * M, 0, 0], atol=CENTS)
