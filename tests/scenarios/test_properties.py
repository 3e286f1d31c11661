"""Properties of shocks on random companies (``_strategies.companies``).

1. Harsher never helps: a harsher rate, spread, GPU-price or utilisation
   shock never leaves more *minimum cash* (the lowest quarter-end cash over
   the horizon), nor more cash or net cash in any quarter. Each pair of
   worlds (a, then the harsher b) is projected in one engine call. The
   companies come from ``companies(monotone=True)``,
   which bounds two inputs, for reasons the strategy's docstring gives:
   power per GPU-hour is at most half the spot price (else selling more
   spot hours, i.e. higher utilisation, would *lose* money, and lower
   utilisation would rightly leave more cash), and receivable days are at
   most 45 x (1 - tax rate) (else a fall in revenue releases more cash from
   receivables in its quarter than it costs in margin; a hand-worked
   example below).
2. Useful life: a shorter *accounting* life changes no cash at all (tax
   keeps the original lives); for a shorter *economic* life, monotonicity
   does not hold, and the test states why and checks what does.
3. A zero-size shock of every kind reproduces the baseline exactly.
4. Shocks that touch different inputs compose in any order to the same
   worlds and the same projection.
"""

from __future__ import annotations

import dataclasses
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, currently_in_test_context, event, given, settings
from hypothesis import strategies as st

from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.project import Projection, project
from stress.engine.results import first_default
from stress.engine.timeline import NEVER
from stress.engine.worlds import Worlds, baseline_worlds
from stress.model import scenario as s
from stress.model.company import Company
from stress.scenarios.build import build_worlds, scenario_world

from _strategies import companies

CENT = 0.01
FIELDS = [f.name for f in dataclasses.fields(Worlds) if f.name != "names"]
#: The Worlds fields each kind of shock transforms.
NAMED = {"rate": ["base_rate"], "spread": ["spread_add"], "gpu_price": ["gpu_price"], "utilisation": ["utilisation"],
         "useful_life": ["life_q", "econ_q", "life_change_q"], "residual": ["resale_factor"],
         "customer_default": ["default_q"], "refinancing": ["refi_open"], "power_price": ["power_price"],
         "capex_overrun": ["capex_factor"], "delay": ["delay_q"]}

#: ~30 examples a property keep the suite fast; STRESS_PROPERTY_EXAMPLES=2000 for a long bug hunt.
PROPERTY = settings(max_examples=int(os.environ.get("STRESS_PROPERTY_EXAMPLES", "30")), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow])

timing = st.fixed_dictionaries({"start": st.integers(0, 17), "ramp_quarters": st.integers(0, 4)})
#: Shocks for the monotonicity properties mostly start early, so that they bite within short horizons.
early = st.fixed_dictionaries({"start": st.integers(0, 2) | st.integers(0, 17), "ramp_quarters": st.integers(0, 4)})


def project_pair(company: Company, a: list[s.Shock], b: list[s.Shock]) -> Projection:
    """Worlds a and b projected together, in one engine call."""
    cc = compile_company(company)
    return project(cc, build_worlds(cc, [s.Scenario(name="a", shocks=a), s.Scenario(name="b", shocks=b)]))


def assert_b_has_no_more_min_cash(p: Projection) -> None:
    """World b (harsher) never has more minimum cash than world a; in fact no more cash in any quarter,
    and no more net cash (cash less debt): where the revolver holds cash at the floor in both worlds,
    the harsher shock shows up as more debt instead. Compared up to b's first default: after it the
    engine projects a defaulted firm mechanically (an unpaid maturity keeps its old rate, where the milder
    world's amended and extended loan pays a step-up), and no analyst reads its cash."""
    d = int(first_default(p)[1])
    end = p["cash"].shape[1] if d == NEVER else d
    cash, net = p["cash"][:, :end], (p["cash"] - p["debt"])[:, :end]
    if not end:
        return
    tol = CENT + 1e-9 * max(np.abs(cash).max(), np.abs(net).max())  # rounding of sums of amounts up to ~1e10
    lowest_a, lowest_b = cash[0].min(), cash[1].min()
    assert lowest_b <= lowest_a + tol, f"harsher world has more minimum cash: {lowest_b:,.2f} > {lowest_a:,.2f}"
    more = cash[1] > cash[0] + tol
    assert not more.any(), f"harsher world has more cash in quarters {np.flatnonzero(more)}"
    more = net[1] > net[0] + tol
    assert not more.any(), f"harsher world has more net cash in quarters {np.flatnonzero(more)}"
    if not currently_in_test_context():
        return
    event("harsher: lower minimum cash" if lowest_b < lowest_a - tol else
          "harsher: less cash, same minimum" if (cash[1] < cash[0] - tol).any() else
          "harsher: only more debt" if (net[1] < net[0] - tol).any() else "harsher: no difference")


# --- 1. harsher never leaves more minimum cash -----------------------------------------------------

@PROPERTY
@given(company=companies(monotone=True), data=st.data())
def test_harsher_rate_shock(company: Company, data: st.DataObject) -> None:
    t = data.draw(early)
    extra = data.draw(st.floats(0.001, 0.05))
    if data.draw(st.booleans()):
        bp = data.draw(st.floats(-0.02, 0.05))
        a, b = s.RateShock(bp=bp, **t), s.RateShock(bp=bp + extra, **t)
    else:
        path = data.draw(st.lists(st.floats(-0.005, 0.12), min_size=1, max_size=6))
        a, b = s.RateShock(path=path, **t), s.RateShock(path=[r + extra for r in path], **t)
    assert_b_has_no_more_min_cash(project_pair(company, [a], [b]))


@PROPERTY
@given(company=companies(monotone=True), data=st.data())
def test_harsher_spread_shock(company: Company, data: st.DataObject) -> None:
    t = data.draw(early)
    bp, extra = data.draw(st.floats(-0.01, 0.05)), data.draw(st.floats(0.001, 0.08))
    assert_b_has_no_more_min_cash(project_pair(company, [s.SpreadShock(bp=bp, **t)], [s.SpreadShock(bp=bp + extra, **t)]))


@PROPERTY
@given(company=companies(monotone=True), data=st.data())
def test_harsher_gpu_price_shock(company: Company, data: st.DataObject) -> None:
    """Lower prices cut spot revenue and the resale value of retiring GPUs (market-adjusted)."""
    t = data.draw(early)
    models = data.draw(st.lists(st.sampled_from(compile_company(company).gpu_models), unique=True))
    level = data.draw(st.floats(-0.9, 0.5))
    annual = data.draw(st.floats(-0.5, 0.3))
    level_b = level - data.draw(st.floats(0.02, 1.0)) * (1.0 + level)  # never below -100%
    annual_b = annual - data.draw(st.floats(0.0, 1.0)) * (1.0 + annual)
    a = s.GpuPriceShock(level=level, annual_change=annual, models=models, **t)
    b = s.GpuPriceShock(level=level_b, annual_change=annual_b, models=models, **t)
    assert_b_has_no_more_min_cash(project_pair(company, [a], [b]))


@PROPERTY
@given(company=companies(monotone=True), data=st.data())
def test_harsher_utilisation_shock(company: Company, data: st.DataObject) -> None:
    """Needs spot price > power cost per GPU-hour (kW x PUE x $/kWh): ``monotone=True`` keeps it at most half."""
    t = data.draw(early)
    if data.draw(st.booleans()):
        level = data.draw(st.floats(0.0, 1.0))
        a, b = (s.UtilisationShock(level=x, **t) for x in (level, level * data.draw(st.floats(0.0, 0.95))))
    else:
        change = data.draw(st.floats(-0.6, -0.001) | st.floats(0.001, 0.4))
        change_b = change - data.draw(st.floats(0.01, 0.6))
        assume(change_b != 0.0)
        a, b = s.UtilisationShock(change=change, **t), s.UtilisationShock(change=change_b, **t)
    assert_b_has_no_more_min_cash(project_pair(company, [a], [b]))


def test_rate_hike_never_raises_cash_in_a_draw_quarter(make_company) -> None:
    """Found by test_harsher_rate_shock. A $1m capex cohort in 2025Q3 is drawn on a delayed-draw facility
    (SOFR + 5%, annuity, maturing 2026Q4). Principal was once scheduled on the $1m just drawn, whose
    interest is only charged next quarter, so a higher rate lowered the payment and left more cash;
    principal is now scheduled on the balance that bore the quarter's interest."""
    company = make_company(
        opening={"cash": 2_000_000},
        capex_plan=[{"name": "C", "gpu": "H100", "units": 100, "unit_cost": 10_000, "in_service": "2025-09-30",
                     "useful_life_years": 5, "funded_by": "DDTL"}],
        debt=[{"name": "DDTL", "kind": "delayed_draw", "balance": 0, "limit": 1_000_000, "rate": "SOFR+5%",
               "maturity": "2026-12-31", "amortisation": "annuity"}])
    assert_b_has_no_more_min_cash(project_pair(company, [], [s.RateShock(bp=0.04)]))


def test_without_the_receivables_bound_a_price_crash_can_leave_more_minimum_cash(make_company) -> None:
    """Why ``monotone=True`` bounds receivable days, by hand. 1,000 H100 earning $2.00 x 100% of 2,208 h
    = $4,416,000 in 2025Q3 (92 days), collected after 90 days: opening receivables $4,320,000 (= 4,416,000
    x 90 / 92, the steady state); depreciation $20m / 20 quarters = $1m; tax 35%, no losses to use.
    Baseline 2025Q3: cash = 4,416,000 - tax 0.35 x 3,416,000 - no change in receivables = $3,220,400,
    the lowest of the horizon. Prices -50% from 2025Q3: revenue $2,208,000, tax 0.35 x 1,208,000 =
    $422,800, receivables fall to $2,160,000, releasing $2,160,000: cash = $3,945,200, a higher minimum.
    A real working-capital release, not a bug; it cannot happen when 90-day collection is bounded by
    (1 - tax rate) x the margin share of revenue."""
    company = make_company(horizon_quarters=4, opening={"cash": 0, "receivables": 4_320_000},
                           fleet=[{"name": "c", "gpu": "H100", "units": 1000, "unit_cost": 20_000, "in_service": "2025-03-31",
                                   "useful_life_years": 5}],
                           costs={"tax_rate": 0.35}, working_capital={"receivable_days": 90})
    p = project_pair(company, [], [s.GpuPriceShock(level=-0.5)])
    assert p["cash"][0, 0] == pytest.approx(3_220_400, abs=CENT)
    assert p["cash"][1, 0] == pytest.approx(3_945_200, abs=CENT)
    assert p["cash"][0].min() == pytest.approx(3_220_400, abs=CENT)
    assert p["cash"][1].min() == pytest.approx(3_945_200, abs=CENT)


def life_pair(company: Company, data: st.DataObject, basis: str) -> tuple[s.UsefulLifeShock, s.UsefulLifeShock]:
    cohorts = [k.name for k in company.cohorts]
    chosen = data.draw(st.lists(st.sampled_from(cohorts), unique=True))
    start = data.draw(st.integers(0, company.horizon_quarters + 1))
    years = data.draw(st.sampled_from([0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0]))
    shorter = data.draw(st.sampled_from([y for y in (0.25, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0) if y < years]))
    return (s.UsefulLifeShock(years=years, basis=basis, cohorts=chosen, start=start),
            s.UsefulLifeShock(years=shorter, basis=basis, cohorts=chosen, start=start))


@PROPERTY
@given(company=companies(), data=st.data())
def test_shorter_accounting_life_moves_no_cash(company: Company, data: st.DataObject) -> None:
    """A change of accounting estimate moves earnings, not cash (tax depreciation keeps the original lives),
    so minimum cash is equal, not merely no higher; PP&E and equity absorb the difference."""
    a, b = life_pair(company, data, "accounting")
    p = project_pair(company, [a], [b])
    for line in ("cash", "tax", "cfo", "debt", "revolver_net", "asset_sales"):
        assert np.array_equal(p[line][0], p[line][1]), line
    assert p["cash"][1].min() == p["cash"][0].min()
    assert (p["ppe"][1] <= p["ppe"][0] + CENT).all()  # a shorter life never leaves more book value
    np.testing.assert_allclose(p["equity"][0] - p["equity"][1], p["ppe"][0] - p["ppe"][1], atol=CENT)


# A shorter *economic* life is NOT monotone in minimum cash, and no test claims it is. Retiring a
# cohort earlier (a) brings its residual sale proceeds forward (the same amount, since the price
# index is unchanged, received quarters earlier or inside rather than beyond the horizon); (b) writes
# off its remaining tax value at once (a tax loss on disposal) instead of depreciating it for tax over
# the original life, bringing the tax saving forward; and (c) stops paying its power and other cost
# per GPU, which exceed its spot revenue when prices or utilisation are low. Early in the horizon
# these can outweigh the lost earnings, so the harsher world can have more cash in the quarters where
# the minimum falls (test_shorter_economic_life_can_leave_more_minimum_cash shows one by hand). What
# does hold, on any company: fewer GPUs earn, revenue is never higher, and the proceeds received by
# any quarter are never lower.

@PROPERTY
@given(company=companies(), data=st.data())
def test_shorter_economic_life_earns_less_and_sells_sooner(company: Company, data: st.DataObject) -> None:
    a, b = life_pair(company, data, data.draw(st.sampled_from(["economic", "both"])))
    p = project_pair(company, [a], [b])
    assert (p["gpus_earning"][1] <= p["gpus_earning"][0]).all()
    tol = 1e-9 * np.abs(p["revenue"]).max() + CENT
    assert (p["revenue"][1] <= p["revenue"][0] + tol).all()
    sold = np.cumsum(p["asset_sales"], axis=1)
    assert (sold[1] >= sold[0] - CENT - 1e-9 * sold.max()).all()
    event("earlier retirement" if (p["gpus_earning"][1] < p["gpus_earning"][0]).any() else "no retirement change")


def test_shorter_economic_life_can_leave_more_minimum_cash(make_company) -> None:
    """The counterexample, by hand. 100 H100 put in service 2021-06-30 (2021Q2) for $30k each, 25%
    residual, earning $2.00 x 100% of every hour with no costs and no tax. A cohort earns from the
    quarter after it enters service, so an economic life of 5 years (20 quarters, 2021Q3-2026Q2) earns
    all four quarters of the horizon and is sold at the end of 2026Q2 for its $750,000 residual; cash
    climbs from 100 x 2,208 h x $2 = $441,600 in 2025Q3, the minimum. With 4 years (2021Q3-2025Q2,
    ended before the horizon) it earns nothing and is sold in 2025Q3: cash is $750,000 throughout,
    a higher minimum, although cash at the end is lower ($750,000 vs $1,752,000 + $750,000)."""
    company = make_company(horizon_quarters=4, fleet=[{
        "name": "old", "gpu": "H100", "units": 100, "unit_cost": 30_000, "in_service": "2021-06-30",
        "useful_life_years": 5, "residual": 0.25, "kw_per_gpu": 1.0}])
    five, four = (s.UsefulLifeShock(years=y, basis="economic") for y in (5, 4))
    p = project_pair(company, [five], [four])
    hours = np.array([92, 92, 90, 91]) * 24
    np.testing.assert_allclose(p["cash"][0], np.cumsum(100 * hours * 2.0) + [0, 0, 0, 750_000], atol=CENT)
    np.testing.assert_allclose(p["cash"][1], np.full(4, 750_000.0), atol=CENT)
    assert p["cash"][1].min() > p["cash"][0].min()
    assert p["cash"][1][-1] < p["cash"][0][-1]


# --- 3. a zero-size shock reproduces the baseline exactly --------------------------------------------

@st.composite
def zero_shocks(draw: st.DrawFn, company: Company) -> list[s.Shock]:
    """One zero-size shock of every kind, each at a random start and ramp."""
    cc = compile_company(company)
    q = cc.n_quarters

    def t() -> dict[str, int]:
        return draw(timing)

    k = draw(st.sampled_from(company.cohorts))
    start = draw(st.integers(0, q - 1))
    shocks: list[s.Shock] = [
        s.RateShock(bp=0.0, **t()),
        s.RateShock(path=list(cc.baseline_base_rate()[start:]), start=start),  # the path it already has
        s.SpreadShock(bp=0.0, **t()),
        s.GpuPriceShock(level=0.0, annual_change=0.0, models=draw(st.lists(st.sampled_from(cc.gpu_models), unique=True)), **t()),
        s.UtilisationShock(level=company.market.spot_utilisation, **t()),
        s.UsefulLifeShock(years=k.useful_life_years, basis="accounting", cohorts=[k.name], **t()),
        s.UsefulLifeShock(years=k.economic_life, basis="economic", cohorts=[k.name], **t()),
        s.ResidualShock(change=0.0, **t()),
        s.PowerPriceShock(change=0.0, **t()),
        s.CapexOverrunShock(change=0.0, **t()),
        s.DelayShock(quarters=0, **t()),
        # no size to set to zero: these start after the horizon
        s.RefinancingShock(start=q, quarters=draw(st.none() | st.integers(1, 8))),
    ]
    if k.economic_life == k.useful_life_years:
        shocks.append(s.UsefulLifeShock(years=k.useful_life_years, basis="both", cohorts=[k.name], **t()))
    if cc.customers:
        shocks.append(s.CustomerDefaultShock(customer=draw(st.sampled_from(["largest", *cc.customers])), start=q))
    return shocks


@PROPERTY
@given(company=companies(), data=st.data())
def test_zero_size_shocks_reproduce_the_baseline_exactly(company: Company, data: st.DataObject) -> None:
    shocks = data.draw(zero_shocks(company))
    cc = compile_company(company)
    scenarios = [s.Scenario(name="baseline")] + [s.Scenario(name=f"{i}-{sh.kind}", shocks=[sh]) for i, sh in enumerate(shocks)]
    w = build_worlds(cc, scenarios)
    base = baseline_worlds(cc)
    for name in FIELDS:
        if name != "life_change_q":  # a life shock dates its change even when the life is the same
            for i in range(1, w.n):
                assert np.array_equal(getattr(w, name)[i], getattr(base, name)[0]), (w.names[i], name)
    p = project(cc, w)  # every world in one call; row 0 is the baseline
    for i in range(1, w.n):
        for line, arr in p.lines.items():
            assert np.array_equal(arr[i], arr[0]), (w.names[i], line)
        for line, arr in p.tranches.items():
            assert np.array_equal(arr[i], arr[0]), (w.names[i], line)
        assert np.array_equal(p.collateral[i], p.collateral[0]) and np.array_equal(p.unpaid_maturity[i], p.unpaid_maturity[0])


# --- 4. shocks on different inputs compose in any order --------------------------------------------

@st.composite
def one_of_each_kind(draw: st.DrawFn, cc: CompiledCompany) -> list[s.Shock]:
    """One shock of every kind, each touching its own Worlds fields, with random sizes and timing."""
    def t() -> dict[str, int]:
        return draw(timing)

    shocks: list[s.Shock] = [
        s.RateShock(bp=draw(st.floats(-0.02, 0.06)), path=draw(st.none() | st.lists(st.floats(0.0, 0.1), min_size=1, max_size=3)), **t()),
        s.SpreadShock(bp=draw(st.floats(0.0, 0.06)), **t()),
        s.GpuPriceShock(level=draw(st.floats(-0.9, 0.5)), annual_change=draw(st.floats(-0.5, 0.2)),
                        models=draw(st.lists(st.sampled_from(cc.gpu_models), unique=True)), **t()),
        s.UtilisationShock(level=draw(st.floats(0.0, 1.0)), **t()),
        s.UsefulLifeShock(years=draw(st.sampled_from([0.5, 1.0, 2.0, 4.0])), basis=draw(st.sampled_from(["accounting", "economic", "both"])),
                          cohorts=draw(st.lists(st.sampled_from(cc.cohort_names), unique=True)), **t()),
        s.ResidualShock(change=draw(st.floats(-0.9, 0.5))),
        s.RefinancingShock(start=draw(st.integers(0, 17)), quarters=draw(st.none() | st.integers(1, 8))),
        s.PowerPriceShock(change=draw(st.floats(-0.5, 2.0)), **t()),
        s.CapexOverrunShock(change=draw(st.floats(-0.2, 1.0))),
        s.DelayShock(quarters=draw(st.integers(0, 4))),
    ]
    if cc.customers:
        shocks.append(s.CustomerDefaultShock(customer=draw(st.sampled_from(["largest", *cc.customers])), start=draw(st.integers(0, 17))))
    return shocks


@PROPERTY
@given(company=companies(), data=st.data())
def test_shocks_on_different_inputs_compose_in_any_order(company: Company, data: st.DataObject) -> None:
    cc = compile_company(company)
    shocks = data.draw(one_of_each_kind(cc))
    order = data.draw(st.permutations(shocks))
    w = build_worlds(cc, [s.Scenario(name="given", shocks=shocks), s.Scenario(name="permuted", shocks=order)])
    for name in FIELDS:
        assert np.array_equal(getattr(w, name)[0], getattr(w, name)[1]), name
    p = project(cc, w)
    for line, arr in p.lines.items():
        assert np.array_equal(arr[0], arr[1]), line
    for line, arr in p.tranches.items():
        assert np.array_equal(arr[0], arr[1]), line
    # and the composite is each shock's own doing: every field equals the world of its shock alone
    for shock in shocks:
        alone = scenario_world(cc, s.Scenario(name="alone", shocks=[shock]))
        for name in NAMED[shock.kind]:
            assert np.array_equal(getattr(w, name)[0], getattr(alone, name)[0]), (shock.kind, name)


# --- a shock that starts after the horizon changes nothing ------------------------------------------

AFTER = 8  # shock_co's horizon: quarters 0..7

START_HONOURED = [
    s.RateShock(bp=0.03, start=AFTER), s.SpreadShock(bp=0.04, start=AFTER), s.GpuPriceShock(level=-0.5, annual_change=-0.3, start=AFTER),
    s.UtilisationShock(level=0.2, start=AFTER), s.UsefulLifeShock(years=1, start=AFTER), s.CustomerDefaultShock(start=AFTER),
    s.RefinancingShock(start=AFTER), s.PowerPriceShock(change=1.0, start=AFTER),
]


@pytest.mark.parametrize("shock", [
    *START_HONOURED,
    s.ResidualShock(change=-0.5, start=AFTER), s.CapexOverrunShock(change=0.5, start=AFTER), s.DelayShock(quarters=2, start=AFTER),
], ids=lambda sh: sh.kind)
def test_a_shock_starting_after_the_horizon_changes_nothing(shock_co, shock) -> None:
    w = build_worlds(shock_co, [s.Scenario(name="baseline"), s.Scenario(name="late", shocks=[shock])])
    p = project(shock_co, w)
    for line, arr in p.lines.items():
        assert np.array_equal(arr[0], arr[1]), line
    assert np.array_equal(p.collateral[0], p.collateral[1])


def test_the_late_shocks_would_bite_if_they_started_at_once(shock_co) -> None:
    """The check above can fail: each of those shocks, started at quarter 0, changes the projection."""
    for shock in [*START_HONOURED, s.ResidualShock(change=-0.5), s.CapexOverrunShock(change=0.5), s.DelayShock(quarters=2)]:
        now = shock.model_copy(update={"start": 0})
        p = project(shock_co, build_worlds(shock_co, [s.Scenario(name="baseline"), s.Scenario(name="now", shocks=[now])]))
        changed = any(not np.array_equal(arr[0], arr[1]) for arr in p.lines.values()) or not np.array_equal(p.collateral[0], p.collateral[1])
        assert changed, shock.kind


# --- useful_life shocks on different cohorts ---------------------------------------------------------

def test_life_shocks_on_different_cohorts_keep_their_own_start(shock_co) -> None:
    early = s.UsefulLifeShock(years=3, basis="accounting", cohorts=["F-H100"], start=2)
    late = s.UsefulLifeShock(years=3, basis="accounting", cohorts=["F-B200"], start=5)
    both = scenario_world(shock_co, s.Scenario(name="both", shocks=[early, late]))
    reversed_ = scenario_world(shock_co, s.Scenario(name="reversed", shocks=[late, early]))
    alone = scenario_world(shock_co, s.Scenario(name="early", shocks=[early]))
    p = project(shock_co, Worlds.concat([both, reversed_, alone]))
    # before quarter 5 only the early shock is in force, whichever order they were given in
    np.testing.assert_array_equal(p["depreciation"][0, :5], p["depreciation"][2, :5])
    np.testing.assert_array_equal(p["depreciation"][1, :5], p["depreciation"][2, :5])

