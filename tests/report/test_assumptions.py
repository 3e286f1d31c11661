"""Inputs for the Assumptions sheet: the profile's comments as sources, and every field flattened with its unit."""

from __future__ import annotations

import yaml

from stress.io.comments import source_comments
from stress.io.profiles import load_profile
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.report.workbook.assumptions import flatten, shock_inputs

from .conftest import REPO

PROFILE = """\
# header block: not attached to any field
name: X   # the legal name [10-K]
opening:
  cash: 1.15bn                    # estimate: 1.3bn at Q1 [Tradepost]
                                  # less Q2 spend
  receivables: 800m
sources:
  R41: "https://example.com/a#frag"   # debt note [H]
fleet:
  - {name: A, gpu: H100, units: 10k,     # units [GPUs]
     useful_life_years: 6}               # life [Fool]
debt:
  - {name: "T # 1", rate: "9.25%"}
"""


def test_comments_attach_to_the_field_on_their_line_with_continuations() -> None:
    notes = source_comments(PROFILE)
    assert notes["name"] == "the legal name [10-K]"
    assert notes["opening.cash"] == "estimate: 1.3bn at Q1 [Tradepost] less Q2 spend"
    assert "opening.receivables" not in notes
    assert notes["sources.R41"] == "debt note [H]"  # the '#' inside the quoted URL is not a comment
    assert notes["fleet[0].units"] == "units [GPUs]"
    assert notes["fleet[0].useful_life_years"] == "life [Fool]"
    assert "debt[0].name" not in notes  # '#' inside quotes


def test_comments_of_a_non_yaml_or_json_profile_are_empty(tmp_path) -> None:  # noqa: ANN001
    import json

    assert source_comments("{not: [valid") == {}
    tiny = yaml.safe_load((REPO / "tests" / "fixtures" / "tiny.yaml").read_text())
    (tmp_path / "p.json").write_text(json.dumps(tiny, default=str), encoding="utf-8")
    assert load_profile(tmp_path / "p.json").comments == {}


def test_the_shipped_profile_names_a_source_for_its_figures(monkeypatch) -> None:  # noqa: ANN001
    """Taken from the text read at load; libyaml's marks give the same lines as the pure-Python composer's."""
    from stress.io import comments

    path = REPO / "companies" / "history" / "coreweave-2025-06-30.yaml"
    notes = load_profile(path).comments
    assert "[R41]" in notes["debt[1].balance"]
    assert notes["opening.cash"].startswith("estimate")
    monkeypatch.setattr(comments, "_LOADER", yaml.SafeLoader)
    assert notes == source_comments(path.read_text(encoding="utf-8"))


def test_flatten_reaches_every_leaf_with_units(results) -> None:  # noqa: ANN001
    company: Company = results.company
    rows = {x.path: x for x in flatten(company, skip=frozenset({"sources"}))}
    leaves = {"name", "ticker", "as_of", "horizon_quarters", "opening.cash", "opening.tax_loss_carryforward",
              "fleet[0].residual", "capex_plan[0].funded_by", "capex_plan[0].funded_share", "contracts[0].investment_grade",
              "market.base_rate.start", "market.base_rate.path", "costs.pue", "working_capital.receivable_days",
              "treasury.minimum_cash", "debt[2].limit", "debt[0].secured_by", "leases[0].discount_rate", "covenants[1].max",
              "covenants[3].applies_to"}
    assert leaves <= set(rows)
    assert rows["treasury.minimum_cash"].value == 10.0 and rows["treasury.minimum_cash"].unit == "USD m"
    assert rows["contracts[0].price_per_gpu_hour"].value == 2.5
    assert rows["contracts[0].price_per_gpu_hour"].unit == "USD per GPU-hour"
    assert rows["costs.pue"].unit == "x" and rows["fleet[0].useful_life_years"].unit == "years"
    assert rows["covenants[1].max"].unit == "x" and rows["covenants[1].max"].value == 6.0
    assert rows["debt[0].secured_by"].value == "H100-2025"
    assert rows["contracts[0].investment_grade"].value == "yes"
    assert "opening.reported_total_assets" not in rows  # not given: no row rather than a blank


def test_shock_fields_in_their_units() -> None:
    sc = Scenario.model_validate({"name": "s", "shocks": [{"kind": "rate", "bp": "+300bp", "ramp_quarters": 2},
                                                         {"kind": "gpu_price", "level": "-40%", "models": ["H100"]}]})
    rows = {x.path: x for x in shock_inputs(sc)}
    assert rows["s.shocks[0].kind"].value == "rate"
    assert rows["s.shocks[0].bp"].value == 300.0 and rows["s.shocks[0].bp"].unit == "bp"
    assert rows["s.shocks[0].ramp_quarters"].value == 2 and rows["s.shocks[0].ramp_quarters"].unit == "quarters"
    assert rows["s.shocks[1].level"].value == -0.4 and rows["s.shocks[1].level"].unit == "%"
    assert rows["s.shocks[1].models"].value == "H100"
    assert "s.shocks[0].path" not in rows


def test_units_are_stated_on_the_model_types_and_read_from_there() -> None:
    """The profile schema publishes each number's unit (x-unit) and the Assumptions sheet shows the same."""
    from stress.model.company import Company

    defs = Company.model_json_schema()["$defs"]
    assert defs["Tranche"]["properties"]["balance"]["x-unit"] == "USD"
    assert defs["Costs"]["properties"]["tax_rate"]["x-unit"] == "fraction"
    floor = defs["Tranche"]["properties"]["floor"]
    assert floor["x-unit"] == "fraction a year"
    from stress.io.profiles import load_company

    company = load_company("coreweave")
    rows = {i.path: i for i in flatten(company)}
    assert rows["costs.tax_rate"].unit == "%" and rows["debt[0].floor"].unit == "% a year"
    assert rows["debt[0].balance"].unit == "USD m" and rows["market.power_price_per_kwh"].unit == "USD per kWh"
