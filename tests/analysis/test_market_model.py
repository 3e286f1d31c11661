"""The Monte Carlo market model against its own formulas: compensated jumps, the financing-market
chain, customers that default together, completion risk. Each check is a sampling test with a bound
of several standard errors, so it fails only when the formula is wrong."""

from __future__ import annotations

import numpy as np

from stress.analysis import montecarlo as mc
from stress.model.montecarlo import MonteCarloParams

N = 200_000


def test_mean_price_path_is_the_profiles_curve():
    # E[level] = 1 in every quarter once the crashes are compensated; without compensation the default
    # crashes (0.25 a year of -25%) would pull the mean down by ~6% a year: 1 - exp(-0.25 x 0.2525) per year
    p = MonteCarloParams()
    level, _ = mc.price_paths(np.random.default_rng(1), p, N, 20)
    mean = level.mean(axis=0)
    se = level.std(axis=0) / np.sqrt(N)
    assert np.all(np.abs(mean - 1.0) < 5 * se), (mean, se)
    # uncompensated, the mean after 5 years would be exp(0.25 x 5 x -0.2475) = 0.734; compensated it is 1
    assert abs(mean[-1] - 1.0) < 0.02


def test_market_long_run_open_share_matches_its_parameters():
    # no crashes: a two-state chain with quarterly probabilities p_shut = 1 - e^(-0.25/4) = 0.0606 and
    # p_open = 1 - e^(-2/4) = 0.3935; stationary open share = 0.3935 / (0.3935 + 0.0606) = 0.8666
    p = MonteCarloParams(price_jump_intensity=0)
    jumps = np.zeros((4_000, 400), dtype=int)
    is_open = mc.market_regime(np.random.default_rng(2), p, jumps)
    shut_p, open_p = 1 - np.exp(-0.25 / 4), 1 - np.exp(-2 / 4)
    expected = open_p / (open_p + shut_p)
    assert abs(is_open[:, 100:].mean() - expected) < 0.005
    # mean length of a closure: 1 / p_open quarters
    starts = (~is_open[:, 1:] & is_open[:, :-1]).sum()
    assert abs((~is_open[:, 1:]).sum() / starts - 1 / open_p) < 0.05


def test_a_crash_shuts_the_market_with_its_probability():
    p = MonteCarloParams(market_close_intensity=0, market_close_on_crash=0.5)
    jumps = np.zeros((N, 2), dtype=int)
    jumps[:, 1] = 1
    is_open = mc.market_regime(np.random.default_rng(3), p, jumps)
    assert is_open[:, 0].all()
    assert abs((~is_open[:, 1]).mean() - 0.5) < 0.005


def test_customers_default_at_their_hazard_and_together_after_a_crash():
    p = MonteCarloParams(hazard_high_yield=0.03, hazard_investment_grade=0.003, hazard_crash_multiplier=3.0)
    grade = np.array([False, True])
    calm = np.zeros((N, 20), dtype=int)
    d = mc.customer_defaults(np.random.default_rng(4), p, grade, calm)
    # five years at 3%/yr: 1 - e^(-0.15) = 13.93%; at 0.3%/yr: 1 - e^(-0.015) = 1.49%
    assert abs((d[:, 0] < 20).mean() - (1 - np.exp(-0.15))) < 0.004
    assert abs((d[:, 1] < 20).mean() - (1 - np.exp(-0.015))) < 0.001
    crash = calm.copy()
    crash[:, 0] = 1  # a crash in the first quarter: a year at 9%/yr, then four at 3%: 1 - e^(-(0.09 + 0.12))
    d = mc.customer_defaults(np.random.default_rng(4), p, grade, crash)
    assert abs((d[:, 0] < 20).mean() - (1 - np.exp(-0.21))) < 0.004


def test_completion_delays_and_overruns_have_their_means():
    p = MonteCarloParams(delay_probability=0.25, delay_mean_quarters=1.5, overrun_vol=0.10)
    is_capex = np.array([False, True])
    delay, factor = mc.completion(np.random.default_rng(5), p, is_capex, N)
    assert (delay[:, 0] == 0).all() and (factor[:, 0] == 1).all()  # owned cohorts are not rebuilt
    assert abs((delay[:, 1] > 0).mean() - 0.25) < 0.005
    assert abs(delay[delay[:, 1] > 0, 1].mean() - 1.5) < 0.02
    assert abs(factor[:, 1].mean() - 1.0) < 0.002


def test_renewals_run_in_full_or_not_at_all_with_their_probability(tmp_path):
    # a contract renewing with probability 60%: each path renews all of it (1) or none (0); the share of paths
    # renewing converges on 60%; a contract's own term always runs
    import yaml

    from stress.engine.compiled import compile_company
    from stress.io.profiles import load_company

    with open("tests/fixtures/tiny.yaml") as f:
        data = yaml.safe_load(f)
    data["contracts"][0]["renewal"] = {"probability": "60%", "term_years": 1}
    path = tmp_path / "renewing.yaml"
    path.write_text(yaml.safe_dump(data))
    cc = compile_company(load_company(path))
    r = mc.renewals(np.random.default_rng(6), cc, N)
    own, renewal = r[:, :len(data["contracts"])], r[:, len(data["contracts"]):]
    assert (own == 1).all() and set(np.unique(renewal)) <= {0.0, 1.0}
    assert abs(renewal.mean() - 0.6) < 0.005


def test_mining_and_hall_indices_have_mean_one_and_their_volatility():
    # Cipher mines (asset 'other', the hash price) and builds halls ('facility'): each index multiplies its
    # own model's curve by a mean-one log-normal walk; the GPU-only parts of the world are untouched
    import stress
    from stress.engine.compiled import compile_company
    from stress.engine.worlds import baseline_worlds

    cc = compile_company(stress.load_company("cipher"))
    p = MonteCarloParams()
    base = baseline_worlds(cc, 20_000)
    w = mc.asset_indices(np.random.default_rng(8), cc, p, base)
    for g, model in enumerate(cc.gpu_models):
        asset = {cc.cohort_asset[k] for k in range(len(cc.cohort_gpu)) if cc.cohort_gpu[k] == g}
        ratio = w.gpu_price[:, g, :] / base.gpu_price[:, g, :]
        vol = {"other": p.other_index_vol, "facility": p.facility_index_vol}.get(asset.pop() if len(asset) == 1 else "", 0.0)
        if vol == 0:
            np.testing.assert_array_equal(ratio, 1.0)
            continue
        se = ratio[:, -1].std() / np.sqrt(len(ratio))
        assert abs(ratio[:, -1].mean() - 1.0) < 5 * se, model
        years = cc.n_quarters / 4
        assert abs(np.log(ratio[:, -1]).std() - vol * np.sqrt(years)) < 0.02 * vol * np.sqrt(years) + 0.005, model
