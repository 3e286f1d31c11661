"""The --analyses sheets: present, charted, coloured, and equal to the analyses they show."""

from __future__ import annotations

import math

import openpyxl
import pytest

import stress
from stress.analysis.suite import run_all
from stress.engine.compiled import compile_company
from stress.report.workbook import build_workbook


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    company = stress.load_company("tests/fixtures/tiny.yaml")
    analyses = run_all(compile_company(company), paths=400, seed=3, x="gpu_price=-60%:0%:4", y="rate=0:300bp:3")
    path = tmp_path_factory.mktemp("wb") / "tiny.xlsx"
    build_workbook(stress.run(company), analyses=analyses).save(path)
    return openpyxl.load_workbook(path), analyses


def test_sheets_charts_and_colour_scale(built):
    wb, _ = built
    assert {"Breakeven", "Grid", "Tornado", "Monte Carlo"} <= set(wb.sheetnames)
    assert len(wb["Tornado"]._charts) == 1 and len(wb["Monte Carlo"]._charts) == 1
    ranges = [str(r.sqref) for r in wb["Grid"].conditional_formatting]
    assert ranges == ["B4:E6"]  # 3 rates x 4 prices


def test_grid_cells_are_the_grid_values(built):
    wb, a = built
    ws = wb["Grid"]
    for i in range(3):
        for j in range(4):
            assert ws.cell(row=4 + i, column=2 + j).value == pytest.approx(a.grid.values[i, j] / 1e6)


def test_montecarlo_headline_matches(built):
    wb, a = built
    ws = wb["Monte Carlo"]
    assert ws["B3"].value == pytest.approx(a.montecarlo.probability_of_default)
    assert ws["B8"].value == pytest.approx(a.montecarlo.expected_loss / 1e6)


def test_no_nan_or_inf_anywhere(built):
    wb, _ = built
    for name in ("Breakeven", "Grid", "Tornado", "Monte Carlo"):
        for row in wb[name].iter_rows(values_only=True):
            for v in row:
                assert not (isinstance(v, float) and not math.isfinite(v)), name
                assert v not in ("nan", "inf", "NaN"), name
