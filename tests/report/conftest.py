"""Shared fixtures: the tiny company under three scenarios, its workbook on disk, and the recomputed formulas.

Three scenarios cover the cases the workbook must render: ``baseline``
(breach, runway n.m.), ``severe`` (liquidity default) and ``wipeout`` (EBITDA
below zero, so leverage is n.m. and counts as a breach).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import formulas
import openpyxl
import pytest

import stress
from stress.engine.results import Results
from stress.model.scenario import Scenario
from stress.report.workbook import build_workbook
from stress.scenarios.select import select

REPO = Path(__file__).resolve().parents[2]
TINY = REPO / "tests" / "fixtures" / "tiny.yaml"
GENERATED = dt.datetime(2025, 7, 1, 9, 30)

WIPEOUT = Scenario.model_validate({
    "name": "wipeout", "description": "GPU prices collapse and the largest customer walks away",
    "shocks": [{"kind": "gpu_price", "level": "-95%"}, {"kind": "customer_default", "start": 2}],
})


@pytest.fixture(scope="session")
def scenarios() -> list[Scenario]:
    return [*select(["baseline", "severe"]), WIPEOUT]


@pytest.fixture(scope="session")
def results(scenarios: list[Scenario]) -> Results:
    return stress.run(stress.load_company(TINY), scenarios)


@pytest.fixture(scope="session")
def workbook_path(results: Results, scenarios: list[Scenario], tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("wb") / "tiny.xlsx"
    build_workbook(results, scenarios, TINY, generated=GENERATED).save(path)
    return path


@pytest.fixture(scope="session")
def book(workbook_path: Path) -> openpyxl.Workbook:
    """The written workbook re-opened with openpyxl (formulas as text)."""
    return openpyxl.load_workbook(workbook_path)


def _scalar(value: Any) -> Any:
    item = value.value[0][0] if hasattr(value, "value") else value
    return item.item() if hasattr(item, "item") else item


@pytest.fixture(scope="session")
def model(workbook_path: Path) -> formulas.ExcelModel:
    return formulas.ExcelModel().loads(str(workbook_path)).finish()


@pytest.fixture(scope="session")
def computed(model: formulas.ExcelModel, workbook_path: Path) -> dict[tuple[str, str], Any]:
    """Every cell's value as the ``formulas`` package computes it: (SHEET upper-cased, 'C12') -> value."""
    return recompute(model, workbook_path.name)


def recompute(model: formulas.ExcelModel, filename: str, inputs: dict[str, Any] | None = None) -> dict[tuple[str, str], Any]:
    solution = model.calculate(inputs=inputs or {})
    out = {}
    prefix = f"'[{filename.upper()}]"
    for key, value in solution.items():
        key = str(key)
        if "!" not in key or ":" in key or not key.upper().startswith(prefix):
            continue
        sheet, cell = key[len(prefix):].rsplit("!", 1)
        out[(sheet.rstrip("'").replace("''", "'"), cell)] = _scalar(value)
    return out
