"""Every formula in the workbook, recomputed by the ``formulas`` package, equals the engine's value.

Every formula cell must be matched by one of the expectations in
``expectations.py``, so no formula goes unchecked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from stress.engine.results import Results
from stress.model.covenant import CovenantMetric

from .conftest import recompute
from .expectations import NM, Expected, close, expected_values, formula_cells, label_rows


@pytest.fixture(scope="module")
def expected(book: Any, results: Results) -> Expected:
    return expected_values(book, results)


def test_every_formula_has_an_engine_value_to_match(book: Any, expected: Expected) -> None:
    cells = formula_cells(book)
    assert len(cells) > 1000
    unchecked = sorted(set(cells) - set(expected))
    assert not unchecked, f"formula cells with no expectation: {unchecked[:10]}"
    not_formulas = sorted(set(expected) - set(cells))
    assert not not_formulas, f"expected formulas that are values or empty: {not_formulas[:10]}"


def test_every_formula_equals_the_engine(book: Any, expected: Expected, computed: dict[tuple[str, str], Any]) -> None:
    wrong = []
    for (sheet, cell), want in expected.items():
        got = computed.get((sheet.upper(), cell))
        if not close(got, want):
            wrong.append(f"{sheet}!{cell}: {got!r} != {want!r} ({formula_cells(book)[(sheet, cell)] if len(wrong) < 5 else ''})")
    assert not wrong, f"{len(wrong)} mismatches, e.g. " + "; ".join(wrong[:5])


def test_the_cases_that_matter_are_exercised(expected: Expected) -> None:
    """The fixture reaches n.m. ratios, n.m. leverage breaches and covenant breaches, so those formulas are tested."""
    values = list(expected.values())
    assert NM in values
    assert "breach (n.m.)" in values
    assert any(isinstance(v, float) and v < 0 for (s, _), v in expected.items() if s == "Covenants")


def test_checks_sheet_is_all_zero_and_ok(book: Any, computed: dict[tuple[str, str], Any]) -> None:
    ws = book["Checks"]
    checks = [(c.coordinate, computed[("CHECKS", c.coordinate)]) for row in ws.iter_rows(min_row=6) for c in row if c.data_type == "f"]
    n_rows_per_block = 8
    assert len(checks) >= n_rows_per_block * 3 * 8
    assert all(abs(v) < 1e-6 for _, v in checks), [x for x in checks if abs(x[1]) >= 1e-6][:5]
    assert abs(computed[("CHECKS", "B3")]) < 1e-6
    assert computed[("CHECKS", "C3")] == "OK"


def test_editing_a_threshold_moves_the_headroom(book: Any, model: Any, workbook_path: Path, results: Results) -> None:
    """A reviewer who tightens the net-leverage limit sees that covenant's headroom fall: the names are live."""
    ws = book["Covenants"]
    cell = book.defined_names["Limit_net_leverage"].attr_text.split("!")[1].replace("$", "")
    old = ws[cell].value
    new = old / 2
    after = recompute(model, workbook_path.name, {f"'[{workbook_path.name}]COVENANTS'!{cell}": new})
    t = next(t for t in results.covenant_tests if t.covenant.metric is CovenantMetric.NET_LEVERAGE)
    row = next(r for r, label in label_rows(ws) if label == f"{t.covenant.label} (max)")  # baseline block comes first
    for q in range(len(results.quarters)):
        value = t.value[0, q]
        col = openpyxl.utils.get_column_letter(3 + q)
        assert close(after[("COVENANTS", f"{col}{row}")], (new - value) / new)
    assert after[("COVENANTS", f"B{row}")] == pytest.approx(new)
