"""What interest really costs, by hand: issue discount and fees amortised by the effective-interest method,
commitment fees on undrawn commitments, interest capitalised while the assets it finances are built.

Base company (tests/_companies.py): flat $2.00/GPU-hour, no costs, no tax, as_of 2025-06-30, so projection
quarter 0 is 2025Q3. Every expected number is derived in the comments from the tranche's terms, and the one
yield from numpy-financial's ``rate`` (the standard bond-yield formula), never from the engine.
"""

from __future__ import annotations

import numpy as np
import numpy_financial as npf
import pytest

CENTS = 0.01
M = 1_000_000


def cohort(name: str, **over: object) -> dict:
    """1,000 H100 at $20k (20m list cost), 5-year life, no residual, 1 kW."""
    return {"name": name, "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
            "useful_life_years": 5, "residual": 0.0, "kw_per_gpu": 1.0, **over}


def test_notes_issued_at_a_discount_amortise_by_effective_interest(make_company, run):
    # 100m of 8% fixed notes, committed, undrawn at as_of: issued in full in quarter 0 at 97% with 1% fees, so
    # 96m of cash for 100m of face and a 4m discount. Maturity 2027-09-30 is quarter 8; coupons of
    # 100m x 8% / 4 = 2m in quarters 1..8, the face repaid in quarter 8.
    notes = {"name": "Notes", "kind": "notes", "balance": 0, "limit": 100 * M, "rate": "8%", "maturity": "2027-09-30",
             "issue_price": "97%", "fees": "1%"}
    res = run(make_company(horizon_quarters=10, opening={"cash": 50 * M}, fleet=[cohort("F")], debt=[notes]))
    p = res.projection
    # the effective quarterly yield prices the 8 coupons and the face at the 96m received
    y = npf.rate(8, 2 * M, -96 * M, 100 * M)
    assert 0.0249 < y < 0.0259  # 2% coupon + ~4m / 8 quarters / ~98m
    carrying = [96 * M]
    for _ in range(8):
        carrying.append(carrying[-1] * (1 + y) - 2 * M)  # C_k = C_(k-1) (1 + y) - coupon, before the repayment
    assert carrying[8] == pytest.approx(100 * M, abs=CENTS)  # accreted exactly to the face at maturity
    amortised = np.array([0.0] + [y * carrying[k - 1] - 2 * M for k in range(1, 9)] + [0.0])
    discount = np.array([100 * M - c for c in carrying[:8]] + [0.0, 0.0])
    np.testing.assert_allclose(p["debt_issue_costs"][0], [4 * M] + [0] * 9, atol=CENTS)
    np.testing.assert_allclose(p["debt_drawn"][0, 0], 100 * M, atol=CENTS)  # face in, the 4m out as its own line
    np.testing.assert_allclose(p["discount_amortised"][0], amortised, atol=CENTS)
    np.testing.assert_allclose(p["debt_discount"][0], discount, atol=CENTS)
    coupons = np.array([0.0] + [2 * M] * 8 + [0.0])
    np.testing.assert_allclose(p["interest_paid"][0], coupons, atol=CENTS)  # cash interest stays coupon x face
    np.testing.assert_allclose(p["interest_expense"][0], coupons + amortised, atol=CENTS)  # y x carrying
    np.testing.assert_allclose(p["interest_expense"][0, 1:9], y * np.array(carrying[:8]), atol=CENTS)
    assert amortised.sum() == pytest.approx(4 * M, abs=CENTS)
    # the debt line is face; liabilities carry it net of the discount; covenant leverage reads the face
    np.testing.assert_allclose(p["debt"][0], [100 * M] * 8 + [0, 0], atol=CENTS)
    np.testing.assert_allclose(p["total_liabilities"][0], p["debt"][0] - discount, atol=CENTS)
    np.testing.assert_allclose(res.metrics["net_debt_to_ebitda"][0],
                               (p["debt"][0] - p["cash"][0]) / res.metrics["ebitda_ltm"][0], rtol=1e-12)


def test_opening_discount_on_a_straight_line_loan(make_company, run):
    # a 12m term loan at 8% fixed, 1.2m of unamortised discount at as_of, straight-line to 2026-06-30
    # (quarter 3): 3m of principal and 12m x 2% falling interest a quarter. The yield prices those four
    # payments at the 10.8m carrying amount: flows 3.24m, 3.18m, 3.12m, 3.06m.
    loan = {"name": "Loan", "kind": "term_loan", "balance": 12 * M, "rate": "8%", "maturity": "2026-06-30",
            "amortisation": "straight_line", "unamortised_discount": 1.2 * M}
    res = run(make_company(horizon_quarters=5, opening={"cash": 50 * M}, fleet=[cohort("F")], debt=[loan]))
    p = res.projection
    assert res.cc.opening.debt_discount == 1.2 * M
    assert res.cc.opening.total_liabilities == pytest.approx(10.8 * M)
    flows = [3.24 * M, 3.18 * M, 3.12 * M, 3.06 * M]
    y = npf.irr([-10.8 * M, *flows])
    carrying, face, amortised = 10.8 * M, 12 * M, []
    for k in range(4):
        amortised.append(y * carrying - 0.02 * face)
        carrying = carrying * (1 + y) - flows[k]
        face -= 3 * M
    np.testing.assert_allclose(p["discount_amortised"][0], [*amortised, 0.0], atol=CENTS)
    assert sum(amortised) == pytest.approx(1.2 * M, abs=CENTS)
    np.testing.assert_allclose(p["debt_discount"][0], 1.2 * M - np.cumsum([*amortised, 0.0]), atol=CENTS)


def test_commitment_fee_on_the_undrawn_commitment(make_company, run):
    # an 80m delayed-draw facility, nothing drawn, 1% a year on the undrawn: 80m x 1% / 4 = 200k a quarter, in
    # cash and in interest expense, while it can be drawn (to its maturity 2027-06-30, quarter 7); none after
    ddtl = {"name": "DDTL", "kind": "delayed_draw", "balance": 0, "limit": 80 * M, "rate": "SOFR+4%",
            "maturity": "2027-06-30", "commitment_fee": "1%"}
    res = run(make_company(horizon_quarters=10, opening={"cash": 5 * M}, fleet=[cohort("F")], debt=[ddtl]))
    p = res.projection
    fees = np.array([200_000.0] * 8 + [0.0, 0.0])
    np.testing.assert_allclose(p["commitment_fees"][0], fees, atol=CENTS)
    np.testing.assert_allclose(p["interest_paid"][0], fees, atol=CENTS)
    np.testing.assert_allclose(p["interest_expense"][0], fees, atol=CENTS)


def test_interest_capitalised_while_the_secured_cohort_is_built(make_company, run):
    # a 10m loan at 8% fixed (200k a quarter) secured on an owned cohort F (20m) and a planned cohort B (20m,
    # bought in 2026Q1 = quarter 2, paid from cash). While B is not bought, half the interest (B's share of the
    # 40m secured list cost) is capitalised: 100k in quarters 0, 1 and 2 (quarter 2 counts: interest accrues
    # before the purchase). It is paid in cash, shown in capex; the 300k joins B's cost and is depreciated with
    # it over 5 years: (20m + 0.3m) / 20 = 1.015m a quarter from quarter 3, against F's 20m / 20 = 1m.
    loan = {"name": "Loan", "kind": "term_loan", "balance": 10 * M, "rate": "8%", "maturity": "2028-06-30",
            "secured_by": ["F", "B"], "capitalise_interest": True}
    res = run(make_company(horizon_quarters=6, opening={"cash": 50 * M}, fleet=[cohort("F")],
                           capex_plan=[cohort("B", in_service="2026-03-31")], debt=[loan]))
    p = res.projection
    capitalised = np.array([100_000.0] * 3 + [0.0] * 3)
    np.testing.assert_allclose(p["interest_capitalised"][0], capitalised, atol=CENTS)
    np.testing.assert_allclose(p["interest_expense"][0], 200_000 - capitalised, atol=CENTS)
    np.testing.assert_allclose(p["interest_paid"][0], 200_000 - capitalised, atol=CENTS)  # the rest is investing
    np.testing.assert_allclose(p["capex"][0], [100_000, 100_000, 20.1 * M, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["capitalised_interest"][0], [100_000, 200_000, 0, 0, 0, 0], atol=CENTS)
    np.testing.assert_allclose(p["depreciation"][0], [1 * M] * 3 + [2.015 * M] * 3, atol=CENTS)
    # F: in service 2025Q1, depreciated one quarter (2025Q2) by as_of = 19m, then 3 more; B: 20.3m from quarter 2
    np.testing.assert_allclose(p["ppe"][0, 2], 19 * M - 3 * M + 20.3 * M, atol=CENTS)
    # cash: interest is all paid; capex is 20m plus the 300k
    assert p["cash"][0, 2] == pytest.approx(50 * M + p["cfo"][0, :3].sum() - 20.3 * M, abs=CENTS)


def test_reported_ebitda_follows_the_profile_definition(make_company, run):
    lease = {"name": "DC", "annual_payment": 4 * M, "start": "2025-03-31", "end": "2030-03-31", "discount_rate": "8%"}
    for definition, line in (("company_adjusted", "ebitda"), ("lease_adjusted", "ebitdar")):
        res = run(make_company(fleet=[cohort("F")], leases=[lease], reporting={"ebitda": definition}))
        p = res.projection
        np.testing.assert_allclose(p["ebitda_reported"][0], p[line][0], atol=CENTS)
        # a level 1m a quarter, so the straight-line cost is 1m: EBITDAR - EBITDA = 1m
        np.testing.assert_allclose(p["ebitdar"][0] - p["ebitda"][0], 1 * M, atol=CENTS)
