"""Monte Carlo: the deterministic limit, reproducibility, convergence and the loss waterfall by hand."""

from __future__ import annotations

import numpy as np
import pytest

import stress
from stress.analysis import montecarlo as mc
from stress.analysis import recovery
from stress.analysis.path_summary import reduce_paths
from stress.engine.compiled import compile_company
from stress.engine.results import first_default
from stress.engine.timeline import NEVER
from stress.model.debt import Seniority
from stress.model.montecarlo import MonteCarloParams

CALM = MonteCarloParams(price_vol=0, price_jump_intensity=0, spread_per_jump=0, rate_vol=0, utilisation_vol=0,
                        hazard_investment_grade=0, hazard_high_yield=0, market_close_intensity=0,
                        delay_probability=0, overrun_vol=0, other_index_vol=0, facility_index_vol=0)


@pytest.fixture(scope="module")
def coreweave():
    return compile_company(stress.load_company("coreweave"))


def test_zero_volatility_equals_the_deterministic_baseline(coreweave):
    base = stress.run(coreweave.company)
    r = mc.run_montecarlo(coreweave, 50, seed=3, params=CALM, chunk=16)
    # to the last bit but one: the vehicles' matrix products may sum in another order at another batch size
    np.testing.assert_allclose(list(r.min_liquidity_percentiles().values()), np.full(5, base.metrics["liquidity"][0].min()),
                               rtol=1e-12)
    for p in mc.PERCENTILES:
        np.testing.assert_allclose(r.cash_fan[p], base.projection["cash"][0], rtol=1e-12, atol=1e-6)
    expected = np.zeros(len(r.quarters), dtype=int)  # any default: cash, a maturity, a vehicle
    first = first_default(base.projection)[0]
    if first != NEVER:
        expected[first] = 50
    np.testing.assert_array_equal(r.defaults, expected)


def test_calm_worlds_are_the_baseline_worlds(coreweave):
    w = mc.stochastic_worlds(coreweave, CALM, 4, np.random.default_rng(0))
    from stress.engine.worlds import baseline_worlds
    b = baseline_worlds(coreweave, 4)
    for field in ("base_rate", "spread_add", "gpu_price", "utilisation", "default_q", "refi_open", "power_price",
                  "delay_q", "capex_factor"):
        np.testing.assert_array_equal(getattr(w, field), getattr(b, field), err_msg=field)


def test_same_seed_same_answer_and_another_seed_differs(coreweave):
    a = mc.run_montecarlo(coreweave, 600, seed=11, chunk=256)
    b = mc.run_montecarlo(coreweave, 600, seed=11, chunk=256)
    c = mc.run_montecarlo(coreweave, 600, seed=12, chunk=256)
    assert a.min_liquidity_percentiles() == b.min_liquidity_percentiles()
    np.testing.assert_array_equal(a.defaults, b.defaults)
    assert a.expected_loss == b.expected_loss
    for p in mc.PERCENTILES:
        np.testing.assert_array_equal(a.cash_fan[p], b.cash_fan[p])
    assert a.min_liquidity_percentiles() != c.min_liquidity_percentiles()


def test_doubling_paths_keeps_pd_inside_the_first_interval(coreweave):
    first = mc.run_montecarlo(coreweave, 2_000, seed=7)
    second = mc.run_montecarlo(coreweave, 4_000, seed=8)
    lo, hi = first.pd_interval
    assert lo <= second.probability_of_default <= hi
    assert 0 < lo < first.probability_of_default < hi < 1


def test_wilson_interval_by_hand():
    # 30 defaults in 100 paths: Wilson 95% interval (0.2189, 0.3958), from the textbook formula
    summary = reduce_paths(np.array([0] * 30 + [NEVER] * 70), np.zeros(100), np.zeros((100, 1)), np.full(100, np.nan))
    r = mc.monte_carlo_result(summary, 0, MonteCarloParams(), mc.Claim(1.0), ["2025Q3"])
    lo, hi = r.pd_interval
    assert lo == pytest.approx(0.2189, abs=5e-5) and hi == pytest.approx(0.3958, abs=5e-5)


def test_recovery_waterfall_by_hand(make_tiny):
    # tiny: Term Loan (secured), Notes (senior unsecured), Revolver, DDTL (both senior unsecured)
    cc = make_tiny
    names = cc.tranche_names
    balance = np.zeros((1, len(names)))
    collateral = np.zeros((1, len(names)))
    balance[0, names.index("Term Loan")] = 100.0
    collateral[0, names.index("Term Loan")] = 60.0
    balance[0, names.index("Notes")] = 50.0
    lease_claim = np.array([30.0])
    other = cc.opening.other_liabilities  # 10m of trade claims join the unsecured pool
    fleet, other_value = np.array([80.0]), np.array([20.0])
    per_tranche, by_class = recovery.recovery_rates(cc, balance, collateral, fleet, other_value, lease_claim)
    # secured takes 60 of collateral; 40 of value left for unsecured claims:
    # notes 50 + deficiency 40 + leases 30 + other liabilities
    unsecured_claims = 50 + 40 + 30 + other
    rr_unsec = 40 / unsecured_claims
    assert by_class[Seniority.SENIOR_UNSECURED][0] == pytest.approx(rr_unsec)
    assert per_tranche[0, names.index("Term Loan")] == pytest.approx((60 + 40 * rr_unsec) / 100)
    assert per_tranche[0, names.index("Notes")] == pytest.approx(rr_unsec)
    assert np.isnan(per_tranche[0, names.index("Revolver")])


def test_expected_loss_and_lgd_by_hand():
    # four paths: two default (recovering 40% and 90% of a 200m exposure), two never do
    # EL = 200m x ((1 - 0.4) + (1 - 0.9)) / 4 = 35m; LGD = 1 - mean(0.4, 0.9) = 35%; PD = 50%
    summary = reduce_paths(np.array([3, NEVER, 0, NEVER]), np.zeros(4), np.zeros((4, 4)),
                           np.array([0.4, np.nan, 0.9, np.nan]))
    r = mc.monte_carlo_result(summary, 0, MonteCarloParams(), mc.Claim(200e6), ["2025Q3", "2025Q4", "2026Q1", "2026Q2"])
    assert r.probability_of_default == 0.5
    assert r.expected_loss == pytest.approx(35e6)
    assert r.loss_given_default == pytest.approx(0.35)


def test_simulated_recoveries_are_rates(coreweave):
    exposure = mc.Claim(250e6, tranche="DDTL 2.0")
    params = coreweave.company.montecarlo or MonteCarloParams()
    for part in mc.chunk_plan(800, 400, 5):  # the chunks run_montecarlo(800, seed=5, chunk=400) draws
        c = mc.summarise_chunk(coreweave, mc.stochastic_worlds(coreweave, params, part.n, np.random.default_rng(part.seed)), exposure)
        defaulted = c.default_q != NEVER
        assert defaulted.any() and np.isnan(c.recovery[~defaulted]).all()
        assert ((c.recovery[defaulted] >= 0) & (c.recovery[defaulted] <= 1)).all()
    r = mc.run_montecarlo(coreweave, 800, seed=5, exposure=exposure, chunk=400, jobs=1)
    assert 0 <= r.loss_given_default <= 1


@pytest.fixture(scope="module")
def make_tiny():
    return compile_company(stress.load_company("tests/fixtures/tiny.yaml"))


def test_worker_processes_do_not_change_the_answer(coreweave):
    one = mc.run_montecarlo(coreweave, 900, seed=9, chunk=300, jobs=1)
    two = mc.run_montecarlo(coreweave, 900, seed=9, chunk=300, jobs=2)
    assert one.min_liquidity_percentiles() == two.min_liquidity_percentiles()
    np.testing.assert_array_equal(one.defaults, two.defaults)
    assert one.expected_loss == two.expected_loss and one.loss_given_default == two.loss_given_default
    for p in mc.PERCENTILES:
        np.testing.assert_array_equal(one.cash_fan[p], two.cash_fan[p])
