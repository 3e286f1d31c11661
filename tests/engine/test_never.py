"""NEVER, the quarter index of an event that never comes (``stress.engine.timeline``): the promises its
docstring makes, each checked against values worked out by hand."""

from __future__ import annotations

import numpy as np

from stress.engine import covenants as cov
from stress.engine import programmes as prog_step
from stress.engine.compiled import compile_company
from stress.engine.timeline import NEVER
from stress.model.company import MAX_HORIZON_QUARTERS


def test_never_is_after_every_horizon_and_fits_int32():
    assert NEVER == 2**31 - 1
    assert int(np.array([NEVER], dtype=np.int32)[0]) == NEVER  # stored in int32 without wrapping
    quarters = np.arange(MAX_HORIZON_QUARTERS)  # every quarter of the longest horizon a profile may ask for
    assert not (quarters >= NEVER).any() and (quarters < NEVER).all()
    # the quarter arrays are int64: moving NEVER by a horizon's length neither wraps nor lands on a real quarter
    moved = cov.first_true(np.zeros((1, 3), dtype=bool)) - MAX_HORIZON_QUARTERS
    assert moved.dtype == np.int64 and moved[0] == 2**31 - 1 - 80 >= MAX_HORIZON_QUARTERS


def test_first_true_of_no_event_is_never():
    mask = np.zeros((3, 5), dtype=bool)
    mask[1, 3] = True
    mask[2, [0, 4]] = True
    np.testing.assert_array_equal(cov.first_true(mask), [NEVER, 3, 0])


def test_the_earliest_of_events_ignores_never():
    # per world by hand: the least quarter among the events that happen; NEVER only where none happens
    liquidity = np.array([4, NEVER, NEVER, 2])
    maturity = np.array([NEVER, 6, NEVER, 1])
    cross = np.array([3, NEVER, NEVER, NEVER])
    np.testing.assert_array_equal(cov.earliest(liquidity, maturity, cross), [3, 6, NEVER, 1])


def test_a_cohort_never_due_is_never_bought_deferred_or_cancelled(make_company):
    """Three worlds, one cash-funded cohort of 1,000 GPUs at $10,000 ($10m), scheduled in quarter 0, a programme
    cancelled after one quarter of waiting. World 0 has the cash and buys it in quarter 0; world 2 has no cash,
    so it waits in quarter 0 ($10m deferred) and is cancelled in quarter 1 ($10m); world 1 has the cash but the
    cohort is due NEVER (as when its lenders took it): nothing is bought, deferred or cancelled, ever."""
    company = make_company(
        horizon_quarters=4,
        programmes=[{"name": "P", "funding": [{"source": "cash", "share": "100%"}], "max_deferral_quarters": 1}],
        capex_plan=[{"name": "K", "gpu": "H100", "units": 1000, "unit_cost": 10_000, "in_service": "2025-09-30",
                     "useful_life_years": 5, "residual": 0.0, "kw_per_gpu": 1.0, "programme": "P"}])
    cc = compile_company(company)
    cp = cc.programmes
    assert cc.cohort_names == ["K"] and cc.cohort_in_q.tolist() == [0] and cp.names == ["P"]
    due_q = np.array([[0], [NEVER], [0]])
    cost = np.full((3, 1), 10e6)
    cash_free = np.array([1e9, 1e9, 0.0])
    st = prog_step.ProgrammeState.opening(due_q, cc.cohort_is_capex, 1, len(cp.contract_programme))
    assert st.buy_q.tolist() == [[NEVER], [NEVER], [NEVER]]
    bought, deferred, cancelled, status = [], [], [], []
    for q in range(cc.n_quarters):
        made = prog_step.buy(cp, st, q, due_q, cost, cash_free, np.zeros((3, 0)), np.zeros((3, 0)))
        bought.append(made.bought[:, 0].tolist())
        deferred.append(made.deferred.tolist())
        cancelled.append(made.cancelled.tolist())
        status.append(prog_step.status(cp, st, q, due_q)[:, 0].tolist())
    assert st.buy_q[:, 0].tolist() == [0, NEVER, NEVER]
    assert bought == [[True, False, False]] + [[False, False, False]] * 3
    assert deferred == [[0.0, 0.0, 10e6]] + [[0.0, 0.0, 0.0]] * 3
    assert cancelled == [[0.0, 0.0, 0.0], [0.0, 0.0, 10e6], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]
    D, S, X, C = prog_step.DELIVERED, prog_step.SCHEDULED, prog_step.DEFERRED, prog_step.CANCELLED
    assert status == [[D, S, X]] + [[D, S, C]] * 3
