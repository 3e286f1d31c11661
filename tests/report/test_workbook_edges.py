"""A bare firm (no debt, leases, covenants, contracts or capex plan) still gets a complete, balanced workbook."""

from __future__ import annotations

from pathlib import Path

import formulas
import openpyxl
import yaml

import stress
from stress.model.company import Company
from stress.report.workbook import build_workbook

from .conftest import TINY, recompute
from .expectations import close, expected_values, formula_cells


def bare_company() -> Company:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    for key in ("debt", "leases", "covenants", "contracts", "capex_plan"):
        data.pop(key)
    data["opening"].pop("reported_equity")
    return Company.model_validate(data)


def test_bare_firm_workbook_balances_and_matches_the_engine(tmp_path: Path) -> None:
    results = stress.run(bare_company(), ["baseline"])
    path = tmp_path / "bare.xlsx"
    build_workbook(results).save(path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Summary", "Assumptions", "baseline", "Debt", "Leases", "Fleet", "Covenants", "Checks",
                               "Methodology"]
    assert set(book.defined_names) == {"AmberHeadroom", "ChecksAbsSum"}
    assert list(book["Covenants"].conditional_formatting) == []
    assert len(book["Summary"]._charts[1].series) == 1  # no covenant: no limit line
    computed = recompute(formulas.ExcelModel().loads(str(path)).finish(), path.name)
    expected = expected_values(book, results)
    cells = formula_cells(book)
    assert set(cells) <= set(expected)
    for (sheet, cell), want in expected.items():  # totals over no tranches or leases are plain zeros
        got = computed[(sheet.upper(), cell)] if (sheet, cell) in cells else book[sheet][cell].value
        assert close(got, want), (sheet, cell, got, want)
    assert computed[("CHECKS", "C3")] == "OK"
