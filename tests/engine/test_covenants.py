"""Covenant tests: headroom, pass/fail, the first breach across covenants, and verdicts.

Headroom is the distance to the limit as a share of the limit (positive
passes): ``(value - limit) / |limit|`` for a minimum, ``(limit - value) /
|limit|`` for a maximum. An "n.m." value (NaN) breaches a leverage or LTV
test and passes a coverage or liquidity test.
"""

from __future__ import annotations

import numpy as np
import pytest

from stress.engine import covenants as cov
from stress.engine.covenants import Verdict
from stress.engine.timeline import NEVER
from stress.model.covenant import Covenant

NAN = np.nan


def covenant(metric: str, **bound: object) -> Covenant:
    extra = {"applies_to": "Loan"} if metric == "ltv" else {}
    return Covenant.model_validate({"metric": metric, **bound, **extra})


def test_headroom_of_a_minimum():
    value = np.array([[300e6, 200e6, 150e6, NAN]])
    t = cov.test(covenant("liquidity", min="200m"), value)
    # (300 - 200) / 200 = +50%; at the limit 0% (passes); (150 - 200) / 200 = -25%
    np.testing.assert_allclose(t.headroom[0, :3], [0.5, 0.0, -0.25])
    assert np.isnan(t.headroom[0, 3])
    np.testing.assert_array_equal(t.passed, [[True, True, False, True]])  # n.m. liquidity passes


def test_headroom_of_a_maximum():
    value = np.array([[3.0, 6.0, 9.0, NAN]])
    t = cov.test(covenant("net_leverage", max="6.0x"), value)
    # (6 - 3) / 6 = +50%; at the limit 0%; (6 - 9) / 6 = -50%
    np.testing.assert_allclose(t.headroom[0, :3], [0.5, 0.0, -0.5])
    np.testing.assert_array_equal(t.passed, [[True, True, False, False]])  # n.m. leverage breaches


@pytest.mark.parametrize(("metric", "bound", "nm_passes"), [
    ("leverage", {"max": 5.0}, False), ("lease_adjusted_leverage", {"max": 7.0}, False),
    ("ltv", {"max": "75%"}, False), ("interest_cover", {"min": 2.0}, True), ("dscr", {"min": 1.25}, True),
])
def test_not_meaningful_values(metric, bound, nm_passes):
    t = cov.test(covenant(metric, **bound), np.array([[NAN]]))
    assert bool(t.passed[0, 0]) is nm_passes


def test_percent_threshold_and_zero_limit():
    t = cov.test(covenant("ltv", max="75%"), np.array([[0.60, 0.90]]))
    np.testing.assert_allclose(t.headroom, [[(0.75 - 0.60) / 0.75, (0.75 - 0.90) / 0.75]])
    zero = cov.test(covenant("liquidity", min=0), np.array([[5.0, -2.0]]))
    np.testing.assert_allclose(zero.headroom, [[5.0, -2.0]])  # a zero limit: headroom in the metric's units
    np.testing.assert_array_equal(zero.passed, [[True, False]])


def test_first_breach_is_the_earliest_across_covenants():
    liquidity = covenant("liquidity", min=100.0)
    leverage = covenant("leverage", max=5.0)
    # worlds x 5 quarters
    liq = np.array([[150, 150, 150, 90, 90],   # w0: liquidity from q3
                    [150, 150, 150, 150, 150],  # w1: never
                    [150, 150, 80, 150, 150],   # w2: liquidity at q2 ...
                    [50, 150, 150, 150, 150],   # w3: liquidity at q0 only
                    [150, 150, 150, 150, 150]], dtype=float)
    lev = np.array([[4, 6, 4, 4, 4],            # w0: leverage at q1 -> the earlier one
                    [4, 4, 4, 4, 4],
                    [4, 4, 6, 4, 4],            # w2: ... and leverage at q2 too: the first listed is named
                    [4, 4, 4, 4, 6],
                    [4, 4, 4, NAN, 4]], dtype=float)  # w4: n.m. leverage at q3 is a breach
    tests = [cov.test(liquidity, liq), cov.test(leverage, lev)]
    quarter, which = cov.first_breach(tests)
    np.testing.assert_array_equal(quarter, [1, NEVER, 2, 0, 3])
    np.testing.assert_array_equal(which, [1, NEVER, 0, 0, 1])


def test_first_true():
    mask = np.array([[False, False, True, True], [False] * 4, [True, False, False, False]])
    np.testing.assert_array_equal(cov.first_true(mask), [2, NEVER, 0])


def test_verdict_default_beats_breach_beats_pass():
    breach = np.array([NEVER, 3, 3, NEVER, 5, NEVER])
    liquidity = np.array([NEVER, NEVER, 4, 2, NEVER, NEVER])
    maturity = np.array([NEVER, NEVER, NEVER, NEVER, 1, 0])
    assert cov.verdicts(breach, liquidity, maturity) == [
        Verdict.PASS, Verdict.BREACH, Verdict.DEFAULT, Verdict.DEFAULT, Verdict.DEFAULT, Verdict.DEFAULT]


def test_covenants_through_results(make_company, run, quarter_days):
    """Liquidity covenants on a firm whose cash path is worked out by hand in four worlds.

    1,000 GPUs at $1/GPU-hour, SG&A $3m a quarter, no tax, no debt: cash moves by
    ``revenue - 3m`` with revenue ``1,000 x hours x utilisation`` (plus one $1,000 GPU bought
    in q0 that earns from q1). Covenants: "loose" liquidity >= 12m (listed first), "tight" >= 16m.
    In world 3 the GPU would cost $20m, more than the $17m of cash the firm has: capex is bought only
    when funded, so it is never bought and the firm keeps 1,000 GPUs. In world 4 it costs $15m, which
    the $17m can pay: bought in q0, it leaves $2m, and the $3m a quarter of SG&A with nothing sold takes
    cash below zero in q1: a liquidity default.
    """
    company = make_company(
        opening={"cash": 20_000_000},
        fleet=[{"name": "F", "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
                "useful_life_years": 5}],
        capex_plan=[{"name": "C", "gpu": "H100", "units": 1, "unit_cost": 1_000, "in_service": "2025-09-30",
                     "useful_life_years": 5}],
        market={"gpu_hour_price": {"H100": {"start": 1.0}}},
        costs={"sga_per_quarter": 3_000_000},
        covenants=[{"metric": "liquidity", "min": "12m", "name": "loose"},
                   {"metric": "liquidity", "min": "16m", "name": "tight"}],
    )
    util = np.array([1.0, 0.5, 0.0, 0.0, 0.0])
    capex_factor = np.array([1.0, 1.0, 1.0, 20_000.0, 15_000.0])  # worlds 3, 4: the $1,000 GPU costs $20m, $15m
    res = run(company, n=5, utilisation=np.repeat(util[:, None], 4, axis=1), capex_factor=capex_factor)

    h = quarter_days[:4] * 24
    gpus = np.array([[1000, 1001, 1001, 1001]] * 3 + [[1000] * 4] + [[1000, 1001, 1001, 1001]])
    flows = gpus * h * util[:, None] - 3e6
    bought = np.array([True, True, True, False, True])
    flows[bought, 0] -= 1_000 * capex_factor[bought]
    np.testing.assert_allclose(res.projection["capex"][:, 0], np.where(bought, 1_000 * capex_factor, 0.0), atol=0.01)
    np.testing.assert_allclose(res.projection["capex_deferred"][3], 20e6, atol=0.01)  # waits all four quarters
    cash = 20e6 + np.cumsum(flows, axis=1)
    np.testing.assert_allclose(res.projection["cash"], cash, atol=0.01)

    loose, tight = res.covenant_tests
    np.testing.assert_allclose(loose.headroom, (cash - 12e6) / 12e6, atol=1e-12)
    np.testing.assert_allclose(tight.headroom, (cash - 16e6) / 16e6, atol=1e-12)

    def first(mask):
        return next((q for q in range(4) if mask[q]), None)

    labels = res.quarters
    for w in range(5):
        ev = res.events(w)
        breaches = {name: first(cash[w] < limit) for name, limit in (("loose", 12e6), ("tight", 16e6))}
        found = [(q, name) for name, q in breaches.items() if q is not None]
        expected_q, expected_name = min(found, key=lambda x: (x[0], x[1] != "loose")) if found else (None, None)
        assert ev.first_breach == (labels[expected_q] if expected_q is not None else None)
        assert ev.first_breach_covenant == expected_name
        default_q = first(cash[w] < 0)
        assert ev.liquidity_default == (labels[default_q] if default_q is not None else None)

    # world 0 stays above 16m, world 1 dips below 16m only, world 2 below 12m but never below zero,
    # world 3 would have gone below zero in q0 buying the $20m GPU it cannot fund; it defers it instead
    assert (cash[0] >= 16e6).all() and (cash[1] >= 12e6).all() and (cash[1] < 16e6).any()
    assert (cash[2] < 12e6).any() and (cash[2] >= 0).all() and (cash[3] >= 0).all()
    np.testing.assert_allclose(cash[4], [2e6, -1e6, -4e6, -7e6], atol=0.01)
    assert res.verdicts == [Verdict.PASS, Verdict.BREACH, Verdict.BREACH, Verdict.BREACH, Verdict.DEFAULT]
    assert res.events(1).first_breach_covenant == "tight"
