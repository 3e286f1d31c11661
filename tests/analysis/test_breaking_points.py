"""Breakeven, grid and tornado: each answer checked against independent engine runs."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import stress
from stress.analysis import breakeven as be
from stress.analysis import grid as gr
from stress.analysis.tornado import tornado
from stress.engine.compiled import compile_company
from stress.model.scenario import Scenario
from stress.scenarios.drivers import DRIVERS

#: A firm that survives its baseline and defaults under each driver, frozen so profile updates do not move it.
LEGACY = Path(__file__).parents[1] / "fixtures" / "coreweave_legacy.yaml"


@pytest.fixture(scope="module")
def coreweave():
    return compile_company(stress.load_company(LEGACY))


def run_one(cc, shock):
    """An independent single-scenario run through the public API."""
    return stress.run(cc.company, scenarios=[Scenario(name="probe", shocks=[shock])])


@pytest.mark.parametrize("name", ["rate", "gpu_price", "utilisation", "spread", "price_decline"])
def test_default_breakeven_breaks_at_size_and_holds_just_milder(coreweave, name):
    d = DRIVERS[name]
    found = be.search(coreweave, d, be.Event.DEFAULT)
    assert found.size is not None and found.safe_size is not None and not found.at_baseline
    at = run_one(coreweave, d.shock(found.size))
    assert at.events(0).liquidity_default == found.quarter
    milder = run_one(coreweave, d.shock(found.safe_size))
    assert milder.events(0).liquidity_default is None
    # three rounds of 24 points resolve the size to within (range / 23^3)
    resolution = abs(d.varied.harsh(coreweave) - d.varied.mild(coreweave)) / 23**3
    assert abs(found.size - found.safe_size) <= resolution * 1.0001


def test_breach_at_baseline_is_reported_as_such(coreweave):
    # the shipped CoreWeave baseline already breaches its DSCR covenant; every breach breakeven says so
    baseline = stress.run(coreweave.company)
    found = be.search(coreweave, DRIVERS["rate"], be.Event.BREACH)
    assert found.at_baseline and found.quarter == baseline.events(0).first_breach


def test_discrete_driver_walks_whole_steps(coreweave):
    found = be.search(coreweave, DRIVERS["life"], be.Event.DEFAULT)
    assert found.size is not None and (found.size * 4) == int(found.size * 4)
    assert found.safe_size == pytest.approx(found.size + 0.25)
    assert run_one(coreweave, DRIVERS["life"].shock(found.safe_size)).events(0).liquidity_default is None


def test_one_engine_call_per_round(coreweave, monkeypatch):
    calls = []
    real = be.project
    monkeypatch.setattr(be, "project", lambda cc, w, *a, **k: calls.append(w.n) or real(cc, w, *a, **k))
    be.search(coreweave, DRIVERS["rate"], be.Event.DEFAULT, points=24, rounds=3)
    assert calls == [24, 24, 24]


def test_never_breaking_driver_says_so(coreweave):
    # a favourable range never defaults: search from 0 to -200bp by swapping the driver's harsh end
    d = DRIVERS["rate"]
    easy = dataclasses.replace(d, range=dataclasses.replace(d.varied, harsh=lambda cc: -0.02))
    found = be.search(coreweave, easy, be.Event.DEFAULT)
    assert found.size is None and "no default within the horizon" in found.text


def test_grid_matches_independent_runs_and_is_one_call(coreweave, monkeypatch):
    calls = []
    real = gr.project
    monkeypatch.setattr(gr, "project", lambda cc, w, *a, **k: calls.append(w.n) or real(cc, w, *a, **k))
    g = gr.grid(coreweave, gr.parse_axis("gpu_price=-60%:0%:3"), gr.parse_axis("rate=0:400bp:2"), gr.GridMetric.MIN_LIQUIDITY)
    assert calls == [6] and g.values.shape == (2, 3)
    for (i, j) in [(0, 0), (1, 2), (1, 0)]:
        probe = stress.run(coreweave.company, scenarios=[Scenario(name="p", shocks=[
            DRIVERS["gpu_price"].shock(g.x.sizes[j]), DRIVERS["rate"].shock(g.y.sizes[i])])])
        assert g.values[i, j] == pytest.approx(probe.metrics["liquidity"][0].min(), rel=1e-12)


def test_grid_axis_parsing():
    axis = gr.parse_axis("rate=0:500bp:6")
    np.testing.assert_allclose(axis.sizes, [0.0, 0.01, 0.02, 0.03, 0.04, 0.05])
    assert gr.parse_axis("life=6:3:4").sizes.tolist() == [6.0, 5.0, 4.0, 3.0]
    for bad in ("rate", "rate=0:5", "nope=0:1:2", "rate=0:abc:3", "rate=0:1%:0"):
        with pytest.raises(ValueError, match="expected|unknown"):
            gr.parse_axis(bad)


def test_first_default_metric_is_earliest_default(coreweave):
    g = gr.grid(coreweave, gr.parse_axis("gpu_price=-80%:0%:2"), gr.parse_axis("rate=0:0bp:1"), gr.GridMetric.FIRST_DEFAULT)
    harsh = run_one(coreweave, DRIVERS["gpu_price"].shock(-0.8)).events(0)
    first = min(q for q in (harsh.liquidity_default, harsh.maturity_default) if q)
    assert g.quarters[int(g.values[0, 0])] == first
    # the unshocked legacy baseline defaults later (its EBITDA turns negative, rated CC: no refinancing)
    base = run_one(coreweave, DRIVERS["gpu_price"].shock(0.0)).events(0)
    assert base.maturity_default is not None and g.quarters[int(g.values[0, 1])] == base.maturity_default
    assert int(g.values[0, 0]) < int(g.values[0, 1])


def test_tornado_baseline_and_ordering(coreweave):
    t = tornado(coreweave)
    base = stress.run(coreweave.company)
    assert t.baseline_min_liquidity == pytest.approx(base.metrics["liquidity"][0].min())
    swings = [b.swing for b in t.bars]
    assert swings == sorted(swings, reverse=True) and len(t.bars) == len(DRIVERS)
    rate = next(b for b in t.bars if b.driver == "rate")
    adverse = run_one(coreweave, DRIVERS["rate"].shock(0.03)).metrics["liquidity"][0].min()
    assert rate.min_liquidity[0] == pytest.approx(adverse - t.baseline_min_liquidity)
    assert rate.min_liquidity[0] < 0 < rate.min_liquidity[1]
