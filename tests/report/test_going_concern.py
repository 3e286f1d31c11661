"""Reports of a going concern: the Programmes sheet, cases, the funding gap, equity, distributions and accretion.

The company is the tiny fixture plus a build programme, "Phase 2": one B200 cohort of 2,000 GPUs at USD 50k
(USD 100m) due in 2025Q4, paid 80% by a *planned* delayed-draw facility and 20% from cash, allowed to wait
two quarters. By hand:

- ``plan`` case: the facility is open, so the cohort is bought when due: scheduled in 2025Q3, delivered from
  2025Q4 on. The funding gap is the planned 80% of the USD 100m due in 2025Q4: USD 80m, peak 80m in 2025Q4.
- ``committed`` case: the facility does not exist, so the cohort waits in 2025Q4 and 2026Q1 (deferred) and
  the programme is cancelled in 2026Q2, when it has waited two quarters. USD 100m is deferred in each of
  2025Q4, 2026Q1 and cancelled in 2026Q2. Its funding gap is the same 80m: what the plan needs that is not
  committed.

Beside it: a committed equity raise of USD 30m (2025Q4), a USD 2m dividend each quarter and a convertible
carried at 40m that accretes to 50m, so the equity and debt roll-forward checks have every term to prove.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import formulas
import numpy as np
import openpyxl
import pytest
import yaml

import stress
from stress.engine.programmes import STATUS_NAMES
from stress.engine.results import Results
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.report import jsonout
from stress.report.workbook import build_workbook

from .conftest import GENERATED, TINY, recompute
from .expectations import close, expected_values, formula_cells, label_rows
from _companies import build_company, merge

QUARTERS = ["2025Q3", "2025Q4", "2026Q1", "2026Q2", "2026Q3", "2026Q4", "2027Q1", "2027Q2"]
PLAN_STATUS = ["scheduled"] + ["delivered"] * 7
COMMITTED_STATUS = ["scheduled", "deferred", "deferred"] + ["cancelled"] * 5


def going_concern_data() -> dict[str, Any]:
    data = yaml.safe_load(TINY.read_text())
    tiny_cohort = {**data["capex_plan"][0], "funded_share": "80%"}  # within the DDTL's 80m limit, so it is bought
    return merge(data, {
        "opening": {"reported_equity": None},
        "capex_plan": [tiny_cohort, {"name": "B200-P2", "gpu": "B200", "units": "2k", "unit_cost": "50k",
                                     "in_service": "2025-12-31", "useful_life_years": 5, "programme": "Phase 2"}],
        "programmes": [{"name": "Phase 2", "capacity_mw": 3, "max_deferral_quarters": 2,
                        "funding": [{"source": "P2 DDTL", "share": "80%"}, {"source": "cash", "share": "20%"}]}],
        "contracts": [*data["contracts"],
                      {"name": "P2 contract", "customer": "AI Lab", "gpu": "B200", "gpus": "2k", "price_per_gpu_hour": 3.0,
                       "start": "2026-01-01", "end": "2028-12-31", "status": "awarded", "programme": "Phase 2"}],
        "leases": [*data["leases"], {"name": "P2 hall", "annual_payment": "5m", "start": "2025-12-31", "end": "2032-12-31",
                                     "discount_rate": "10%", "programme": "Phase 2"},
                   {"name": "Power equipment", "annual_payment": "2m", "start": "2025-09-30", "end": "2030-09-30",
                    "discount_rate": "9%", "type": "finance"}],
        "debt": [*data["debt"],
                 {"name": "P2 DDTL", "kind": "delayed_draw", "balance": 0, "limit": "100m", "rate": "SOFR+5%",
                  "maturity": "2030-06-30", "status": "planned", "evidence": "estimate: test fixture",
                  "commitment_fee": "0.5%", "issue_price": "99%"},
                 # issued at a discount in the first quarter, its interest capitalised while B200-P2 is built
                 {"name": "P2 Notes", "kind": "notes", "balance": 0, "limit": "20m", "rate": "9%", "maturity": "2030-06-30",
                  "issue_price": "97%", "fees": "1%", "secured_by": ["B200-P2"], "capitalise_interest": True},
                 {"name": "Converts", "kind": "convertible", "balance": "40m", "redemption": "50m", "rate": "1%",
                  "maturity": "2029-06-30"}],
        "equity": [{"name": "ATM", "amount": "30m", "date": "2025-10-15"}],
        "distributions": [{"name": "Dividend", "per_quarter": "2m", "start": "2025-07-01", "suspend_below_liquidity": "40m"}],
    })


@pytest.fixture(scope="module")
def company() -> Company:
    return build_company(going_concern_data())


@pytest.fixture(scope="module")
def gc_scenarios() -> list[Scenario]:
    return [Scenario(name="baseline", description="the plan"),
            Scenario(name="baseline (committed)", description="the baseline on committed financing", case=Case.COMMITTED)]


@pytest.fixture(scope="module")
def gc_results(company: Company, gc_scenarios: list[Scenario]) -> Results:
    return stress.run(company, gc_scenarios)


@pytest.fixture(scope="module")
def gc_path(gc_results: Results, gc_scenarios: list[Scenario], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("gc") / "going_concern.xlsx"
    build_workbook(gc_results, gc_scenarios, None, generated=GENERATED).save(path)
    return path


@pytest.fixture(scope="module")
def gc_book(gc_path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(gc_path)


@pytest.fixture(scope="module")
def gc_computed(gc_path: Path) -> dict[tuple[str, str], Any]:
    return recompute(formulas.ExcelModel().loads(str(gc_path)).finish(), gc_path.name)


def _row(ws: Any, label: str, after: int = 1) -> int:
    return next(r for r, text in label_rows(ws, after) if text == label)


def _quarters(ws: Any, row: int) -> list[Any]:
    return [ws.cell(row=row, column=3 + q).value for q in range(len(QUARTERS))]


def test_the_fixture_behaves_as_derived_by_hand(gc_results: Results) -> None:
    p = gc_results.projection
    assert gc_results.quarters == QUARTERS
    assert gc_results.cases == ["plan", "committed"]
    j = gc_results.cc.programmes.names.index("Phase 2")
    assert [STATUS_NAMES[c] for c in p.programme_status[0, j]] == PLAN_STATUS
    assert [STATUS_NAMES[c] for c in p.programme_status[1, j]] == COMMITTED_STATUS
    assert p["funding_gap"][:, 1] == pytest.approx([80e6, 80e6])
    assert gc_results.funding_gap(0) == (pytest.approx(80e6), "2025Q4")
    assert p["equity_issued"][:, 1] == pytest.approx([30e6, 30e6])
    assert p["distributions"] == pytest.approx(np.full(p["distributions"].shape, 2e6))  # $2m every quarter
    # the convertible accretes from $40m to $50m over the 16 quarters to its maturity, at a constant rate
    q = np.arange(p["interest_accreted"].shape[1])
    accretion = 40e6 * (1.25 ** ((q + 1) / 16) - 1.25 ** (q / 16))
    assert p["interest_accreted"] == pytest.approx(np.vstack([accretion, accretion]))


def test_programmes_sheet_shows_each_case_status_by_quarter_coloured(gc_book: Any) -> None:
    ws = gc_book["Programmes"]
    assert [c.value for c in ws[4]][2:2 + len(QUARTERS)] == QUARTERS
    for scenario, want in (("baseline (plan case)", PLAN_STATUS), ("baseline (committed) (committed case)", COMMITTED_STATUS)):
        start = _row(ws, f"Scenario: {scenario}")
        row = _row(ws, "Phase 2", start)
        assert _quarters(ws, row) == want, scenario
        fills = {ws.cell(row=row, column=3 + q).fill.start_color.rgb[-6:] for q in range(len(QUARTERS))}
        assert len(fills) == len(set(want))  # one colour per status
    committed = _row(ws, "Scenario: baseline (committed) (committed case)")
    assert _quarters(ws, _row(ws, "Capex due and deferred (unfunded)", committed))[1:3] == pytest.approx([100.0, 100.0])
    assert _quarters(ws, _row(ws, "Capex cancelled", committed))[3] == pytest.approx(100.0)
    assert _quarters(ws, _row(ws, "Funding gap: due capex paid by planned financing", committed))[1] == pytest.approx(80.0)


def test_programmes_sheet_says_what_each_programme_is(gc_book: Any) -> None:
    ws = gc_book["Programmes"]
    start = _row(ws, "Phase 2: 3 MW, cancelled after 2 quarters unfunded")
    cells = {r: [c.value for c in ws[r]][:9] for r in range(start, start + 20)}
    rows = list(cells.values())
    assert ["B200-P2", "B200", 2000, 50.0, 100.0, "2025Q4"] in [r[:6] for r in rows]
    contract = next(r for r in rows if r[0] == "P2 contract")
    assert contract[1:5] == ["AI Lab", "awarded", "plan case only", 2000]
    assert any(r[0] == "P2 hall" and r[1] == pytest.approx(5.0) for r in rows)
    funding = {r[0]: r[1:4] for r in rows if r[0] in ("P2 DDTL", "cash")}
    assert funding["P2 DDTL"] == [pytest.approx(0.8), "planned", "as_of"]
    assert funding["cash"][:2] == [pytest.approx(0.2), "cash above the minimum"]
    assert _row(ws, "B200-2026 (cohort): cancelled after 4 quarters unfunded")  # a cohort outside a programme is its own


def test_no_programmes_sheet_without_capex(gc_scenarios: list[Scenario]) -> None:
    data = yaml.safe_load(TINY.read_text())
    data["capex_plan"] = []
    results = stress.run(build_company(data), gc_scenarios[:1])
    assert "Programmes" not in build_workbook(results, gc_scenarios[:1], None, generated=GENERATED).sheetnames


def test_checks_are_zero_with_equity_distributions_and_accretion(gc_book: Any, gc_results: Results,
                                                                 gc_computed: dict[tuple[str, str], Any]) -> None:
    ws = gc_book["Checks"]
    checks = [(c.coordinate, gc_computed[("CHECKS", c.coordinate)]) for row in ws.iter_rows(min_row=6) for c in row
              if c.data_type == "f"]
    assert len(checks) >= 8 * 2 * len(QUARTERS)
    assert all(abs(v) < 1e-6 for _, v in checks), [x for x in checks if abs(x[1]) >= 1e-6][:5]
    assert gc_computed[("CHECKS", "C3")] == "OK"
    labels = [text for _, text in label_rows(ws)]
    assert "Equity roll-forward: equity - prior equity - net income - equity issued + distributions" in labels
    assert "Debt roll-forward: debt - prior debt - drawn - accreted + repaid + extinguished" in labels


def test_every_formula_equals_the_engine(gc_book: Any, gc_results: Results, gc_computed: dict[tuple[str, str], Any]) -> None:
    expected = expected_values(gc_book, gc_results)
    cells = formula_cells(gc_book)
    assert not sorted(set(cells) - set(expected))[:5]
    wrong = [(k, gc_computed.get((k[0].upper(), k[1])), v) for k, v in expected.items()
             if not close(gc_computed.get((k[0].upper(), k[1])), v)]
    assert not wrong, wrong[:5]
    assert any(s == "Programmes" for s, _ in expected)  # the cumulative funding gap is among them


def test_new_cash_flow_and_memo_lines_on_the_scenario_sheets(gc_book: Any, gc_results: Results) -> None:
    p = gc_results.projection
    for w, name in enumerate(gc_results.world_names):
        ws = gc_book[name]
        for label, key, sign in (("Equity issued", "equity_issued", 1), ("Dividends and buybacks", "distributions", -1),
                                 ("Interest accreted (non-cash)", "interest_accreted", 1),
                                 ("Funding gap: due capex paid by planned financing", "funding_gap", 1),
                                 ("Capex due and deferred (unfunded)", "capex_deferred", 1), ("Capex cancelled", "capex_cancelled", 1)):
            assert _quarters(ws, _row(ws, label)) == pytest.approx(list(sign * p[key][w] / 1e6)), (name, label)
        net = ws.cell(row=_row(ws, "Net cash flow"), column=3).value
        for label in ("Equity issued", "Dividends and buybacks"):
            assert f"C{_row(ws, label)}" in net


def test_debt_sheet_shows_the_accretion_in_the_closing_balance(gc_book: Any, gc_results: Results,
                                                               gc_computed: dict[tuple[str, str], Any]) -> None:
    ws = gc_book["Debt"]
    j = gc_results.cc.tranche_names.index("Converts")
    start = next(r for r, text in label_rows(ws) if text.startswith("Converts ("))
    accreted = _row(ws, "Accreted (non-cash interest)", start)
    assert _quarters(ws, accreted) == pytest.approx(list(gc_results.projection.tranches["accreted"][0, j] / 1e6))
    closing = _row(ws, "Closing", start)
    assert f"C{accreted}" in ws.cell(row=closing, column=3).value
    assert gc_computed[("DEBT", f"J{closing}")] == pytest.approx(gc_results.projection.tranches["closing"][0, j, -1] / 1e6)
    assert gc_results.projection.tranches["closing"][0, j, -1] == pytest.approx(40e6 * 1.25 ** 0.5)  # half-way to $50m


def test_summary_shows_each_case_and_the_baseline_funding_gap(gc_book: Any) -> None:
    ws = gc_book["Summary"]
    header = _row(ws, "Scenario")
    heads = [c.value for c in ws[header]]
    assert heads[:3] == ["Scenario", "Case", "Verdict"]
    assert ws.cell(row=_row(ws, "baseline", header), column=2).value == "plan"
    assert ws.cell(row=_row(ws, "baseline (committed)", header), column=2).value == "committed"
    gap = ws.cell(row=_row(ws, "Funding gap"), column=2).value
    assert "USD 80.0 m" in gap and "2025Q4" in gap and "baseline, plan case" in gap


def test_json_carries_case_funding_gap_and_programme_status(gc_results: Results) -> None:
    doc = jsonout.run_document({}, gc_results)
    p = gc_results.projection
    for w, sc in enumerate(doc["scenarios"]):
        assert sc["case"] == gc_results.cases[w]
        peak, quarter = gc_results.funding_gap(w)
        assert sc["funding_gap"] == {"peak": peak, "quarter": quarter, "by_quarter": p["funding_gap"][w].tolist()}
        assert sc["programmes"] == {name: [STATUS_NAMES[c] for c in p.programme_status[w, j]]
                                    for j, name in enumerate(gc_results.cc.programmes.names)}
        for key in ("equity_issued", "distributions", "interest_accreted", "funding_gap", "capex_deferred", "capex_cancelled"):
            assert sc["lines"][key] == p[key][w].tolist()
        j = gc_results.cc.tranche_names.index("Converts")
        assert sc["debt"]["Converts"]["accreted"] == p.tranches["accreted"][w, j].tolist()
    assert doc["scenarios"][1]["programmes"]["Phase 2"] == COMMITTED_STATUS
    assert doc["scenarios"][0]["funding_gap"]["quarter"] == "2025Q4"
    json.dumps(jsonout.run_document({}, gc_results), allow_nan=False)  # serialisable, no NaN


def test_json_funding_gap_quarter_is_null_without_one(results: Results) -> None:
    sc = jsonout.run_document({}, results)["scenarios"][0]
    assert sc["funding_gap"]["quarter"] is None and sc["funding_gap"]["peak"] == 0.0
    assert all(v == 0.0 for v in sc["funding_gap"]["by_quarter"])
    assert set(sc["programmes"]) == {"B200-2026 (cohort)"}




@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_computes_the_interest_costs_and_finance_lease_as_the_engine(gc_path: Path, gc_book: Any,
                                                                                 gc_results: Results, tmp_path: Path) -> None:
    # this workbook has a finance lease, notes issued at a discount whose interest is capitalised, and a
    # commitment fee: LibreOffice recomputes every subtotal and check over those rows as the engine did
    from .test_libreoffice import assert_recalculates

    assert_recalculates(gc_path, gc_book, gc_results, tmp_path)
    p = gc_results.projection
    assert p["lease_amortisation"].any() and p["debt_discount"].any() and p["interest_capitalised"].any()
    assert p["commitment_fees"].any()
