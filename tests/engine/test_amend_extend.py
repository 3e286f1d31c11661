"""Amend and extend: a performing borrower's loan maturity in a shut market is pushed out once, at a step-up.

Hand-derived on the base company (H100 at $2.00/GPU-hour, 100% utilisation, no costs): 1,000 GPUs earn
~$4.4m a quarter, so a $10m loan leaves net leverage below 1x (rated AA) and the firm performing. A minimum
cash of $1bn keeps every dollar of cash from repaying it, so what happens at maturity is the lenders' choice.
"""

from __future__ import annotations

import numpy as np
import pytest

CENTS = 0.01
FLEET = [{"name": "H100-A", "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
          "useful_life_years": 5}]


def _firm(make_company, kind: str, **refinancing):
    # $10m at 8% fixed, maturing 2026-03-31 = projection quarter 2; an 8-quarter horizon
    return make_company(horizon_quarters=8, fleet=FLEET, treasury={"minimum_cash": 1_000_000_000},
                        debt=[{"name": "L", "kind": kind, "balance": 10_000_000, "rate": "8%", "maturity": "2026-03-31"}],
                        **({"refinancing": refinancing} if refinancing else {}))


def test_a_loan_is_extended_once_at_a_step_up(make_company, run):
    res = run(_firm(make_company, "term_loan"), refi_open=np.zeros((1, 8), dtype=bool))
    t = res.projection.tranches
    # not repaid, not refinanced, not unpaid in q2: extended 4 quarters, to q6, and still outstanding until then
    np.testing.assert_allclose(t["closing"][0, 0, :6], 10e6, atol=CENTS)
    assert res.projection.unpaid_maturity[0, 0, :6].sum() == 0
    # interest: 8% / 4 = 200,000 a quarter to q2; from q3 the step-up of 1.25%: 9.25% / 4 = 231,250
    np.testing.assert_allclose(t["interest"][0, 0, :3], 200_000, atol=CENTS)
    np.testing.assert_allclose(t["interest"][0, 0, 3:6], 231_250, atol=CENTS)
    # once only: at q6 the market is still shut and the loan falls due unpaid
    assert res.events(0).maturity_default == "2027Q1"  # q6: q0 is 2025Q3


def test_notes_are_not_extended(make_company, run):
    # a bond's maturity needs every holder: the same balance as notes defaults at its maturity, q2 (2026Q1)
    res = run(_firm(make_company, "notes"), refi_open=np.zeros((1, 8), dtype=bool))
    assert res.events(0).maturity_default == "2026Q1"
    assert res.projection.unpaid_maturity[0, 0, 2] == pytest.approx(10e6, abs=CENTS)


def test_no_extension_when_the_profile_turns_it_off(make_company, run):
    res = run(_firm(make_company, "term_loan", extension_quarters=0), refi_open=np.zeros((1, 8), dtype=bool))
    assert res.events(0).maturity_default == "2026Q1"


def test_an_open_market_refinances_instead(make_company, run):
    # refinancing open: rolled in q2 at the grid's spread for AA (0.47%) over the base rate; no step-up
    res = run(_firm(make_company, "term_loan"))
    t = res.projection.tranches
    assert t["refinanced"][0, 0, 2] == pytest.approx(10e6, abs=CENTS)
    base = res.projection.worlds.base_rate[0, 3]
    assert t["interest"][0, 0, 3] == pytest.approx(10e6 * (base + 0.0047) / 4, abs=CENTS)
