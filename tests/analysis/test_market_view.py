"""The market view beside the model: implied PDs by hand, the real-world conversion, the factor-of-two flag,
validation of ``market_signals``, and what ``stress montecarlo`` and ``stress batch`` show."""

from __future__ import annotations

import datetime as dt
import json
import math

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from stress.analysis import market_view as mv
from stress.analysis.batch import FirmTask, run_firm
from stress.analysis.market_view import Bucket, market_view
from stress.cli import app
from stress.io.profiles import load_profile
from stress.scenarios.select import select
from tests._companies import make_company_from

runner = CliRunner()
SRC = "https://example.com/quote"


def company(signals, horizon_quarters=20):
    return make_company_from(horizon_quarters, market_signals=signals)


# --- the method, by hand ------------------------------------------------------------------------------------------

def test_spread_gives_hazard_and_risk_neutral_pd_by_hand():
    # 600bp at R = 40%: h = 0.06 / 0.6 = 10% a year; over 5 years 1 - e^-0.5 = 39.35%
    h = mv.hazard_from_spread(0.06, 0.40)
    assert h == pytest.approx(0.10)
    assert mv.pd_from_hazard(h, 5.0) == pytest.approx(1 - math.exp(-0.5))
    assert mv.pd_from_hazard(h, 5.0) == pytest.approx(0.3935, abs=5e-5)


def test_real_world_conversion_by_hand():
    # 600bp CDS on a firm rated BB (ratio 2.1): real-world h = 10% / 2.1 = 4.762%; 5y PD = 1 - e^(-0.2381) = 21.19%
    c = company([{"kind": "rating", "agency": "S&P", "rating": "BB-", "date": "2025-05-01", "source": SRC},
                 {"kind": "cds", "spread": "600bp", "date": "2025-06-01", "source": SRC}])
    v = market_view(c)
    cds = next(s for s in v.signals if s.kind == "cds")
    assert cds.bucket is Bucket.BB and cds.bucket_basis == "ratings" and cds.ratio == 2.1
    assert cds.hazard == pytest.approx(0.10)
    assert cds.risk_neutral_pd == pytest.approx(1 - math.exp(-0.5))
    assert cds.pd == pytest.approx(1 - math.exp(-0.10 / 2.1 * 5))
    assert cds.pd == pytest.approx(0.2119, abs=5e-5)
    assert v.headline is cds  # a spread on or before as_of is preferred to the ratings
    assert v.pd == cds.pd


def test_bond_yield_spread_and_own_recovery():
    # 10% yield over a 3.7% Treasury = 630bp; with R = 60%: h = 0.063 / 0.4 = 15.75%
    c = company([{"kind": "bond_yield", "yield_to_maturity": "10%", "treasury_yield": "3.7%", "recovery": "60%",
                  "date": "2025-06-01", "source": SRC}])
    s = market_view(c).signals[0]
    assert s.spread == pytest.approx(0.063)
    assert s.hazard == pytest.approx(0.1575)
    # unrated: the category whose HPW risk-neutral intensity is nearest 15.75% in log terms (B 9.02% vs Caa 21.3%)
    assert s.bucket_basis == "spread"
    assert s.bucket is (Bucket.B if math.log(15.75 / 9.02) < math.log(21.30 / 15.75) else Bucket.CCC)


def test_rating_maps_to_cumulative_default_over_the_horizon():
    assert mv.cumulative_default(Bucket.BB, 5.0) == pytest.approx(0.0745)
    assert mv.cumulative_default(Bucket.BBB, 1.0) == pytest.approx(0.0018)
    # half-way through year 6: log-survival half-way between years 5 and 6
    s5, s6 = 1 - 0.0745, 1 - 0.0897
    assert mv.cumulative_default(Bucket.BB, 5.5) == pytest.approx(1 - math.sqrt(s5 * s6))
    # beyond the table the sixth year's intensity goes on
    assert mv.cumulative_default(Bucket.BB, 7.0) == pytest.approx(1 - s6 * s6 / s5)
    assert mv.cumulative_default(Bucket.D, 1.0) == 1.0
    c = company([{"kind": "rating", "agency": "Moody's", "rating": "Ba3", "date": "2025-05-01", "source": SRC}])
    v = market_view(c)
    assert v.signals[0].pd == pytest.approx(0.0745) and v.headline.kind == "ratings"


def test_several_agencies_combine_by_basel_rule():
    B, BB, BBB = Bucket.B, Bucket.BB, Bucket.BBB
    assert mv.combined_bucket([B]) is B
    assert mv.combined_bucket([BB, B]) is B  # two: the worse
    assert mv.combined_bucket([B, BB, BB]) is BB  # three: the worse of the two best
    assert mv.combined_bucket([BBB, B, BB]) is BB
    assert mv.bucket_of(mv.Agency.MOODYS, "Baa2") is BBB and mv.bucket_of(mv.Agency.FITCH, "BB-") is BB


def test_factor_of_two_flag():
    assert not mv.disagree(0.10, 0.20)  # exactly twice: not more than a factor of two
    assert mv.disagree(0.10, 0.2001)
    assert mv.disagree(0.30, 0.12)
    assert not mv.disagree(0.0, 0.0)
    assert mv.disagree(0.0, 0.01) and mv.times_apart(0.0, 0.01) == math.inf
    assert mv.times_apart(0.05, 0.2) == pytest.approx(4.0)


def test_signals_after_as_of_are_flagged_and_used_only_without_earlier_ones():
    c = company([{"kind": "rating", "agency": "Fitch", "rating": "BB-", "date": "2025-06-01", "source": SRC},
                 {"kind": "cds", "spread": "368bp", "date": "2025-10-06", "source": SRC}])
    v = market_view(c)
    late = next(s for s in v.signals if s.kind == "cds")
    assert late.after_as_of and not v.signals[0].after_as_of
    assert v.headline.kind == "ratings"  # the ratings held at as_of, not the later CDS
    only_late = market_view(company([{"kind": "cds", "spread": "368bp", "date": "2025-10-06", "source": SRC}]))
    assert only_late.headline.after_as_of


def test_no_signals_no_view():
    assert market_view(company([])) is None


@pytest.mark.parametrize("signal, words", [
    ({"kind": "cds", "spread": 368, "date": "2025-06-01", "source": SRC}, "10,000bp"),  # a bare 368 is 36,800%
    ({"kind": "cds", "spread": "0bp", "date": "2025-06-01", "source": SRC}, "above 0bp"),
    ({"kind": "rating", "agency": "S&P", "rating": "Ba3", "date": "2025-06-01", "source": SRC}, "long-term scale"),
    ({"kind": "rating", "agency": "Egan-Jones", "rating": "BB", "date": "2025-06-01", "source": SRC}, "agency"),
    ({"kind": "bond_yield", "yield_to_maturity": "3%", "treasury_yield": "4%", "date": "2025-06-01", "source": SRC},
     "above the Treasury"),
    ({"kind": "cds", "spread": "300bp", "date": "June 2025", "source": SRC}, "ISO date"),
    ({"kind": "cds", "spread": "300bp", "date": "2025-06-01"}, "source"),
    ({"kind": "price", "spread": "300bp", "date": "2025-06-01", "source": SRC}, "kind"),
])
def test_bad_signals_are_refused(signal, words):
    with pytest.raises(ValidationError) as err:
        company([signal])
    assert words in str(err.value)


# --- what the commands show -------------------------------------------------------------------------------------

def test_shipped_profiles_with_signals():
    with_signals = {"coreweave", "applied_digital", "terawulf", "cipher", "oracle"}
    for name in [*with_signals, "nebius", "iren"]:
        c = load_profile(name).company
        view = market_view(c)
        if name in with_signals:
            assert view is not None and view.headline is not None, name
            assert all(s.source.startswith("http") for s in c.market_signals), name
            assert all(s.date <= dt.date(2025, 12, 31) for s in c.market_signals), name
            assert 0.0 < view.pd < 1.0, name
        else:
            assert view is None, name


def test_montecarlo_console_shows_both_pds_for_a_shipped_profile():
    res = runner.invoke(app, ["montecarlo", "oracle", "--paths", "200", "--seed", "3"])
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Model PD vs market-implied PD" in out
    view = market_view(load_profile("oracle").company)
    assert f"{view.pd:.1%}" in out  # the market-implied PD
    assert "CDS 5y" in out and "after as_of" in out and "h = 73bp / (1 - 40%)" in out


def test_montecarlo_json_keys():
    res = runner.invoke(app, ["montecarlo", "coreweave", "--paths", "200", "--seed", "3", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    m = doc["market_view"]
    assert set(m) >= {"horizon_years", "as_of", "model_pd", "market_pd", "headline", "disagrees", "signals", "sources",
                      "disagreement_factor", "default_recovery", "note"}
    assert m["model_pd"] == doc["probability_of_default"] and m["horizon_years"] == 5.0
    assert m["sources"]["rn_to_rw_ratio"].startswith("Hull, Predescu & White (2005)")
    cds = [s for s in m["signals"] if s["kind"] == "cds"]
    assert [s["quote"] for s in cds] == ["368bp", "643bp"] and all(s["after_as_of"] for s in cds)
    assert set(cds[0]) >= {"date", "source", "method", "risk_neutral_pd", "market_pd", "rn_to_rw_ratio", "disagrees"}
    assert cds[0]["risk_neutral_pd"] == pytest.approx(1 - math.exp(-0.0368 / 0.6 * 5))
    assert "NaN" not in res.stdout and "Infinity" not in res.stdout


def test_montecarlo_json_without_signals_is_null():
    res = runner.invoke(app, ["montecarlo", "tests/fixtures/tiny.yaml", "--paths", "100", "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["market_view"] is None


def test_batch_carries_and_shows_the_market_pd():
    baseline = select(["baseline"])
    outcome = run_firm(FirmTask("oracle", baseline, []))
    assert outcome.ok, outcome.error
    assert outcome.market["pd"] == pytest.approx(market_view(load_profile("oracle").company).pd)
    assert run_firm(FirmTask("nebius", baseline, [])).market is None
    res = runner.invoke(app, ["batch", "oracle", "nebius", "-s", "baseline", "--jobs", "1"])
    assert res.exit_code == 0, res.output
    assert "Market PD" in res.stdout and f"{outcome.market['pd']:.1%}" in res.stdout
    res = runner.invoke(app, ["batch", "oracle", "nebius", "-s", "baseline", "--jobs", "1", "--json"])
    ranking = {r["company"]["ticker"]: r for r in json.loads(res.stdout)["ranking"]}
    assert ranking["ORCL"]["market_pd"] == pytest.approx(outcome.market["pd"]) and ranking["NBIS"]["market_pd"] is None


def test_a_vehicles_instrument_is_compared_with_the_vehicles_pd():
    # APLD's one signal is the ComputeCo notes' yield: it names the vehicle, so the model side of the comparison
    # is the vehicle's foreclosure probability; a firm-level signal keeps the firm's PD
    import dataclasses

    import stress
    from stress.analysis.market_view import market_view, model_pd_for

    view = market_view(stress.load_company("applied_digital"))
    notes = view.signals[0]
    assert notes.vehicle == "APLD ComputeCo"
    assert model_pd_for(notes, 0.01, {"APLD ComputeCo": 0.30}) == 0.30
    assert model_pd_for(notes, 0.01, None) == 0.01  # no Monte Carlo of the vehicle: the firm's
    assert model_pd_for(dataclasses.replace(notes, vehicle=None), 0.01, {"APLD ComputeCo": 0.30}) == 0.01


def test_a_signal_naming_no_vehicle_is_refused():
    from pathlib import Path

    import yaml

    from stress.model.checks import profile_problems
    from stress.model.company import Company

    data = yaml.safe_load((Path(__file__).parents[2] / "companies" / "applied_digital.yaml").read_text(encoding="utf-8"))
    data["market_signals"][0]["vehicle"] = "ComputeCo"
    problems = profile_problems(Company.model_validate(data))
    assert [p.path for p in problems] == ["market_signals[0].vehicle"]
