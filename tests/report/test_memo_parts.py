"""The memo's parts on hand-checkable inputs: the run's date, the leverage axis, assumptions and estimates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from stress.engine.compiled import compile_company
from stress.errors import OptionError
from stress.io.comments import source_comments
from stress.io.profiles import load_company
from stress.model.capital import Case
from stress.report.envelope import run_time
from stress.report.memo.assumptions import key_assumptions, largest_estimates
from stress.report.memo.charts import leverage_axis

from .conftest import TINY


def test_source_date_epoch_pins_the_date() -> None:
    assert run_time({"SOURCE_DATE_EPOCH": "86400"}) == dt.datetime(1970, 1, 2, tzinfo=dt.UTC)
    with pytest.raises(OptionError, match="whole seconds"):
        run_time({"SOURCE_DATE_EPOCH": "1.5e9"})
    now = run_time({})
    assert now.tzinfo is not None
    assert abs((now - dt.datetime.now(dt.UTC)).total_seconds()) < 60


@pytest.mark.parametrize("values, limit, expected", [
    # below the cap: the whole range, 5% padding; limit 5x shown even above the data
    ([[1.0, 2.0, 3.0]], 5.0, (-0.25, 5.25, "")),
    # one scenario near zero EBITDA: cut at 4 x the limit = 20x
    ([[1.0, 2.0, 100.0]], 5.0, (-1.0, 21.0, "20x")),
    # no covenant, net cash over a small EBITDA: cut at -20/4 = -5x below
    ([[-50.0, 3.0]], None, (-5.4, 3.4, "-5x")),
    # nothing finite (EBITDA <= 0 throughout): a unit axis
    ([[np.nan, np.nan]], None, (-0.05, 1.05, "")),
])
def test_leverage_axis(values: list[list[float]], limit: float | None, expected: tuple[float, float, str]) -> None:
    low, high, cut = leverage_axis(np.array(values), limit)
    assert (low, high) == pytest.approx(expected[:2])
    assert cut == expected[2]


COMMENTED = TINY.read_text(encoding="utf-8").replace(
    "useful_life_years: 5, residual: \"10%\", kw_per_gpu: 1.4}",
    "useful_life_years: 5, residual: \"10%\", kw_per_gpu: 1.4}  # life per policy",
).replace(
    "  - {name: H100-2025, gpu: H100, units: 10k, unit_cost: 30k, in_service: 2025-03-31,",
    "  - {name: H100-2025, gpu: H100, units: 10k, unit_cost: 30k, in_service: 2025-03-31,  # units estimate",
).replace(
    "  reported_equity: 178m", "  reported_equity: 178m  # estimate from the filing's subtotals",
).replace(
    "     investment_grade: true}", "     investment_grade: true}  # term estimate",
).replace(
    "maturity: 2027-06-30}", "maturity: 2027-06-30}  # balance estimate",
).replace(
    "  spot_utilisation: \"70%\"", "  spot_utilisation: \"70%\"  # estimate: design default",
)


def test_largest_estimates_rank_what_the_profile_marks() -> None:
    """Cohort 10,000 x USD 30,000 = 300m; BigCo's contract 6,000 GPUs x USD 2.50 x 24 h x 914 days
    (2025-07-01 to 2027-12-31: 184 + 365 + 365) = 329.04m; the notes' 50m. The reported equity is a
    comparison figure, never projected: left out even though its comment says estimate."""
    comments = source_comments(COMMENTED)
    company = load_company(TINY)
    found = largest_estimates(company, comments, Case.PLAN)
    assert [e.item for e in found] == ["BigCo: remaining contract value", "H100-2025: 10,000 x USD 30,000",
                                       "Notes (balance)"]
    assert [e.amount_usd for e in found] == pytest.approx([329_040_000.0, 300_000_000.0, 50_000_000.0])
    assert found[0].basis == "term estimate"
    assert largest_estimates(company, comments, Case.PLAN, n=1) == found[:1]
    assert largest_estimates(company, {}, Case.PLAN) == []  # no comments (JSON): nothing marked


@pytest.mark.parametrize("status, plan, committed", [("committed", True, True), ("awarded", True, False),
                                                    ("pipeline", False, False)])
def test_only_contracts_the_case_counts(tmp_path: Path, status: str, plan: bool, committed: bool) -> None:
    """An awarded contract is an input of the plan case only; a pipeline one of neither (plan_includes_pipeline
    is false): an estimate of an uncounted contract is not listed."""
    text = COMMENTED.replace("     investment_grade: true}  # term estimate",
                             f"     investment_grade: true, status: {status}}}  # term estimate")
    profile = tmp_path / "tiny.yaml"
    profile.write_text(text, encoding="utf-8")
    company, comments = load_company(profile), source_comments(text)
    for case, listed in ((Case.PLAN, plan), (Case.COMMITTED, committed)):
        items = [e.item for e in largest_estimates(company, comments, case)]
        assert ("BigCo: remaining contract value" in items) is listed, (case, items)
        assert "H100-2025: 10,000 x USD 30,000" in items


def test_key_assumptions_of_tiny() -> None:
    """tiny.yaml: H100 is the main GPU (10,000 units against B200's 2,000) at USD 2.00, -15% a year."""
    company = load_company(TINY)
    rows = {a.name: (a.value, a.basis) for a in key_assumptions(compile_company(company), source_comments(COMMENTED), 500, 3)}
    assert rows["H100 price per GPU-hour"][0] == "USD 2.00, -15% a year"
    assert rows["Spot utilisation"] == ("70%", "estimate: design default")
    assert rows["Base rate (SOFR)"][0] == "4.30%"
    assert rows["Power"][0] == "USD 0.080 per kWh, PUE 1.3"
    assert rows["GPU useful life (accounting)"] == ("5 years", "life per policy")
    assert rows["Minimum cash"][0] == "USD 10.0 m"
    assert rows["Monte Carlo"][0].startswith("500 paths, seed 3; GPU price vol 35%")


def test_a_price_that_is_not_a_gpus_is_per_unit_hour(tmp_path: Path) -> None:
    """A firm of data halls only (no GPU cohorts): its first price curve is shown, per unit-hour, and no GPU life."""
    text = TINY.read_text(encoding="utf-8").replace("kw_per_gpu: 1.4}", "kw_per_gpu: 1.4, asset: facility}").replace(
        "useful_life_years: 5, funded_by: DDTL}", "useful_life_years: 5, funded_by: DDTL, asset: facility}")
    profile = tmp_path / "halls.yaml"
    profile.write_text(text, encoding="utf-8")
    rows = {a.name: a.value for a in key_assumptions(compile_company(load_company(profile)), {}, 100, 1)}
    assert rows["H100 price per unit-hour"] == "USD 2.00, -15% a year"
    assert "GPU useful life (accounting)" not in rows
