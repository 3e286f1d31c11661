"""Construction in progress (capex_plan[].paid_at_as_of) against figures worked out by hand.

The base company (tests/_companies.py): as_of 2025-06-30, no costs, no tax. One programme "Build" buys 1,000
H100 at $100k ($100m) in service 2025-12-31 (quarter q1), of which $60m was spent by as_of. Cash 50m.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from stress.engine.opening import opening_balance
from tests.engine.test_going_concern import BOTH, COMMITTED, PLAN, both_cases, capex, ddtl

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
    assert BOTH.tolist() == [False, True]


def test_spend_cannot_exceed_the_cohort_cost(make_company):
    with pytest.raises(ValidationError, match="paid_at_as_of"):
        _company(make_company, paid=101 * M)
