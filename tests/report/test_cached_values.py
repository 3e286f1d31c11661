"""Every formula cell of every workbook the tool writes opens with its value in a reader that does not calculate.

``openpyxl`` with ``data_only=True`` reads what pandas and file previewers read: the result stored beside
each formula. It must be there for every formula, equal to the engine's figure (``expectations.py``) and to
what the ``formulas`` package computes from the formula itself; the formulas stay formulas.
"""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import formulas
import openpyxl
import pandas as pd
import pytest
from openpyxl.workbook.defined_name import DefinedName
from typer.testing import CliRunner

import stress
from stress.analysis.suite import run_all
from stress.cli import app
from stress.engine.compiled import compile_company
from stress.report.workbook import build_workbook, write_report
from stress.report.workbook.cached import ValuedWorkbook
from stress.report.workbook.evaluate import FormulaError, XlError, formula_results
from stress.scenarios.select import select

from .conftest import TINY, recompute
from .expectations import close, expected_values, formula_cells, label_rows, scenario_expectations

runner = CliRunner()

#: A formula cell written with no result: ``<f>..</f>`` followed by an empty ``<v>`` or none.
_BLANK = re.compile(rb"<f>[^<]*</f>(?:<v\s*/>|<v></v>|</c>)")


def blank_formula_cells(path: Path) -> dict[str, int]:
    """Sheet part -> number of formula cells stored without a result, read from the raw XML."""
    with zipfile.ZipFile(path) as z:
        return {n: len(_BLANK.findall(z.read(n))) for n in z.namelist()
                if n.startswith("xl/worksheets/sheet") and _BLANK.search(z.read(n))}


def formula_count(path: Path) -> int:
    with zipfile.ZipFile(path) as z:
        return sum(z.read(n).count(b"<f>") for n in z.namelist() if n.startswith("xl/worksheets/sheet"))


def cached(path: Path) -> tuple[Any, Any]:
    """(the workbook with formulas, the same read as values only)."""
    return openpyxl.load_workbook(path), openpyxl.load_workbook(path, data_only=True)


def assert_cached_equal_engine(path: Path, results: stress.Results) -> int:
    """Every formula cell of the workbook at ``path`` holds a cached value equal to the engine's; returns how many."""
    book, values = cached(path)
    cells = formula_cells(book)
    assert not blank_formula_cells(path)
    expected = expected_values(book, results)
    assert set(cells) == set(expected)
    wrong = [f"{s}!{c}: {values[s][c].value!r} != {v!r}" for (s, c), v in expected.items() if not close(values[s][c].value, v)]
    assert not wrong, f"{len(wrong)} cached values differ from the engine, e.g. {wrong[:5]}"
    assert all(book[s][c].value.startswith("=") for s, c in cells)  # still formulas
    return len(cells)


# --- the credit-review workbook -------------------------------------------------------------------

def test_every_formula_opens_with_the_engines_value(workbook_path: Path, results: stress.Results) -> None:
    assert assert_cached_equal_engine(workbook_path, results) > 1000


def test_cached_values_are_what_the_formulas_compute(workbook_path: Path, computed: dict[tuple[str, str], Any]) -> None:
    """The ``formulas`` package, computing each formula from the cells it names, gets the stored value: text
    results ('n.m.', 'breach (n.m.)', 'OK') included, and no error anywhere."""
    book, values = cached(workbook_path)
    cells = formula_cells(book)
    wrong = []
    for sheet, cell in cells:
        got, want = values[sheet][cell].value, computed[(sheet.upper(), cell)]
        if isinstance(got, str) and got.startswith("#"):
            wrong.append(f"{sheet}!{cell}: error {got}")
        elif not close(got, want if isinstance(want, str) else float(want)):
            wrong.append(f"{sheet}!{cell}: {got!r} != {want!r}")
    assert not wrong, f"{len(wrong)} differ, e.g. {wrong[:5]}"
    texts = {values[s][c].value for s, c in cells if isinstance(values[s][c].value, str)}
    assert {"n.m.", "breach (n.m.)", "OK"} <= texts


def test_pandas_reads_the_checks_and_ratios(workbook_path: Path, results: stress.Results) -> None:
    """What a user of pandas sees: the Checks status and a ratio row, not NaN."""
    checks = pd.read_excel(workbook_path, sheet_name="Checks", header=None)
    assert checks.iloc[2, 2] == "OK"
    sheet = pd.read_excel(workbook_path, sheet_name="baseline", header=None)
    labels = list(sheet.iloc[:, 0])
    row = labels.index("Net debt / LTM EBITDA")
    want = scenario_expectations(results, 0)["Net debt / LTM EBITDA"][0]
    got = list(sheet.iloc[row, 2:2 + len(results.quarters)])
    assert all(close(g, w) for g, w in zip(got, want, strict=True)), (got, want)


def test_coreweave_report_opens_with_the_engines_values(tmp_path: Path) -> None:
    """The shipped profile, all built-in scenarios (vehicles, programmes, covenants tested from a later date):
    ~14,000 formulas, each saved with the engine's figure."""
    loaded = stress.load_profile("coreweave")
    scenarios = select([])
    results = stress.run(loaded.company, scenarios)
    path = write_report(results, scenarios, tmp_path / "crwv.xlsx", profile_path=loaded.path)
    assert assert_cached_equal_engine(path, results) > 10_000


def test_report_with_analyses_opens_with_values(tmp_path: Path) -> None:
    company = stress.load_company(TINY)
    results = stress.run(company, select(["baseline", "severe"]))
    analyses = run_all(compile_company(company), paths=200, seed=3, x="gpu_price=-60%:0%:3", y="rate=0:300bp:2")
    path = tmp_path / "with-analyses.xlsx"
    build_workbook(results, select(["baseline", "severe"]), analyses=analyses).save(path)
    assert assert_cached_equal_engine(path, results) > 500


def test_stress_report_command_writes_values(tmp_path: Path) -> None:
    out = tmp_path / "tiny.xlsx"
    res = runner.invoke(app, ["report", str(TINY), "-s", "baseline", "-s", "severe", "--out", str(out)])
    assert res.exit_code == 0, res.output
    results = stress.run(stress.load_company(TINY), select(["baseline", "severe"]))
    assert assert_cached_equal_engine(out, results) > 500
    assert openpyxl.load_workbook(out, data_only=True)["Checks"]["C3"].value == "OK"


@pytest.mark.parametrize("args", [
    ["breakeven", str(TINY), "-d", "rate", "-d", "customer_default"],
    ["grid", str(TINY), "--x", "gpu_price=-60%:0%:3", "--y", "rate=0:300bp:2"],
    ["tornado", str(TINY)],
    ["montecarlo", str(TINY), "--paths", "200"],
])
def test_analysis_out_sheets_have_no_blank_formula(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "a.xlsx"
    assert runner.invoke(app, [*args, "--out", str(out)]).exit_code == 0
    assert not blank_formula_cells(out)
    values = openpyxl.load_workbook(out, data_only=True).worksheets[0]
    assert all(v is None or not isinstance(v, str) or not v.startswith("#") for row in values.iter_rows(values_only=True) for v in row)


def test_batch_portfolio_workbook_with_detail_opens_with_values(tmp_path: Path) -> None:
    out = tmp_path / "book.xlsx"
    res = runner.invoke(app, ["batch", str(TINY), "-s", "baseline", "-s", "severe", "--jobs", "1", "--out", str(out), "--detail"])
    assert res.exit_code == 0, res.output
    assert not blank_formula_cells(out)
    results = stress.run(stress.load_company(TINY), select(["baseline", "severe"]))
    book, values = cached(out)
    ws = book["TINY baseline"]
    table = scenario_expectations(results, 0)
    n = 0
    for row, label in label_rows(ws):
        for q, want in enumerate(table.get(label, ([], None))[0]):
            cell = ws.cell(row=row, column=3 + q)
            assert cell.data_type == "f"
            assert close(values[ws.title][cell.coordinate].value, want), (label, q)
            n += 1
    assert n > 200
    assert formula_count(out) == len(formula_cells(book))


# --- the evaluator's rules, against hand-worked values ------------------------------------------

def _book(cells: dict[str, Any]) -> ValuedWorkbook:
    wb = ValuedWorkbook()
    ws = wb.active
    ws.title = "S"
    other = wb.create_sheet("O'Brien")
    other["A1"] = 7.0
    for ref, value in cells.items():
        ws[ref] = value
    wb.defined_names["Limit"] = DefinedName("Limit", attr_text="'O''Brien'!$A$1")
    return wb


HAND_WORKED = {
    "=A1+A2*2": 1.0 + 2.5 * 2, "=-A1*2": -2.0, "=(A1+A2)/4": 0.875, "=A1/0": "#DIV/0!", "=A1/A9": "#DIV/0!",
    "=A3+1": "#VALUE!", "=A3*0": "#VALUE!", "=A9+1": 1.0, "=SUM(A1:A4)": 3.5 + 4.0, "=SUM(A1:A4)*4/3": 7.5 * 4 / 3,
    "=ABS(A1-A2)": 1.5, '=IF(A1>0,"yes","no")': "yes", '=IF(A1>5,"yes","no")': "no", '=IF(A3>0,1,2)': 1.0,
    '=A3="n.m."': True, "=A3>A1": True, "=ISNUMBER(A3)": False, "=ISNUMBER(A2)": True, "=Limit": 7.0,
    "='O''Brien'!A1-1": 6.0, "=Limit-A4": 3.0, "=SUMPRODUCT(ABS(A5:A6))": 5.0, "=IF(A1/0>1,1,2)": "#DIV/0!",
    "=A1+1e-06": 1.000001, '=IF(ISNUMBER(A3),A3/2,"n.m.")': "n.m.", "=A9": 0.0,
}


def test_evaluator_follows_excels_rules() -> None:
    cells = {"A1": 1.0, "A2": 2.5, "A3": "n.m.", "A4": 4, "A5": -2.0, "A6": 3.0}
    wb = _book(cells)
    for i, formula in enumerate(HAND_WORKED, start=1):
        wb["S"].cell(row=i, column=3, value=formula)
    got = formula_results(wb)["S"]
    for i, (formula, want) in enumerate(HAND_WORKED.items(), start=1):
        value = got[(i, 3)]
        shown = value.code if isinstance(value, XlError) else value
        assert shown == want or close(shown, want), (formula, shown, want)


def test_results_are_typed_in_the_file(tmp_path: Path) -> None:
    """Text is stored as t="str", a truth value as t="b" and an error as t="e": data_only reads each back as it was."""
    wb = _book({"A1": 1.0, "A2": 2.5, "A3": "n.m.", "A4": 4, "A5": -2.0, "A6": 3.0})
    for i, formula in enumerate(HAND_WORKED, start=1):
        wb["S"].cell(row=i, column=3, value=formula)
    path = tmp_path / "typed.xlsx"
    wb.save(path)
    values = openpyxl.load_workbook(path, data_only=True)["S"]
    for i, want in enumerate(HAND_WORKED.values(), start=1):
        assert close(values.cell(row=i, column=3).value, want) or values.cell(row=i, column=3).value == want
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/worksheets/sheet1.xml")
    assert b't="str"><f>IF(A1&gt;0,"yes","no")</f><v>yes</v>' in xml
    assert b't="b"><f>ISNUMBER(A3)</f><v>0</v>' in xml
    assert b't="e"><f>A1/0</f><v>#DIV/0!</v>' in xml


def test_a_formula_outside_the_language_is_refused() -> None:
    wb = _book({"A1": 1.0})
    wb["S"]["B1"] = "=VLOOKUP(A1,A1:A2,1)"
    with pytest.raises(FormulaError, match="VLOOKUP"):
        formula_results(wb)
    wb["S"]["B1"] = "=B2"
    wb["S"]["B2"] = "=B1+1"
    with pytest.raises(FormulaError, match="circular"):
        formula_results(wb)


# --- the evaluator against the ``formulas`` package, on formulas built at random ----------------

def _random_formula(rng: random.Random, depth: int = 0) -> str:
    """A formula of the workbook's language over A1:A8 (numbers, text, a blank) and the name ``Limit``."""
    leaf = rng.random() < 0.3 + depth * 0.25
    if leaf:
        return rng.choice([f"A{rng.randint(1, 8)}", f"{rng.choice([0, 1, 2.5, 4, 0.001])}", "Limit", '"n.m."'])
    kind = rng.choice(["+", "-", "*", "/", "neg", "cmp", "if", "isnumber", "abs", "sum", "paren"])
    sub = lambda: _random_formula(rng, depth + 1)  # noqa: E731
    if kind in "+-*/":
        return f"{sub()}{kind}{sub()}"
    if kind == "neg":
        return f"-{sub()}"
    if kind == "cmp":
        return f"{sub()}{rng.choice(['=', '<>', '<', '>', '<=', '>='])}{sub()}"
    if kind == "if":
        return f"IF({sub()},{sub()},{sub()})"
    if kind == "isnumber":
        return f"ISNUMBER({sub()})"
    if kind == "abs":
        return f"ABS({sub()})"
    if kind == "sum":
        return f"SUM(A{rng.randint(1, 4)}:A{rng.randint(5, 8)})"
    return f"({sub()})"


def test_evaluator_agrees_with_the_formulas_package_on_random_formulas(tmp_path: Path) -> None:
    rng = random.Random(20250701)
    cells = {"A1": 1.0, "A2": -2.5, "A3": "n.m.", "A4": 4.0, "A5": 0.0, "A6": 3.0, "A7": "x"}  # A8 blank
    wb = _book(cells)
    chosen = []
    for i in range(1, 301):
        formula = "=" + _random_formula(rng)
        wb["S"].cell(row=i, column=3, value=formula)
        chosen.append(formula)
    path = tmp_path / "random.xlsx"
    wb.save(path)
    ours = openpyxl.load_workbook(path, data_only=True)["S"]
    theirs = recompute(formulas.ExcelModel().loads(str(path)).finish(), path.name)
    wrong = []
    for i, formula in enumerate(chosen, start=1):
        mine, other = ours.cell(row=i, column=3).value, theirs[("S", f"C{i}")]
        if isinstance(other, str) and type(other) is not str:  # the package's error tokens: a str subclass
            other = str.__getitem__(other, slice(None))
        if isinstance(other, bool) or isinstance(mine, bool):
            same = mine == other
        else:
            same = close(mine, other) or mine == other
        if not same:
            wrong.append(f"{formula}: ours {mine!r}, formulas {other!r}")
    assert not wrong, f"{len(wrong)} of {len(chosen)} differ, e.g. {wrong[:5]}"


def test_results_are_written_by_either_of_openpyxls_writers(tmp_path: Path) -> None:
    """openpyxl writes sheets with lxml when it can and with the standard library when not (or when
    OPENPYXL_LXML=False): the results go in either way."""
    script = (
        "import stress, openpyxl\n"
        "from stress.report.workbook import build_workbook\n"
        "from stress.scenarios.select import select\n"
        f"r = stress.run(stress.load_company({str(TINY)!r}), select(['baseline']))\n"
        f"build_workbook(r, select(['baseline'])).save({str(tmp_path / 'etree.xlsx')!r})\n"
        "print(openpyxl.LXML)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "OPENPYXL_LXML": "False"}, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
    path = tmp_path / "etree.xlsx"
    assert formula_count(path) > 300 and not blank_formula_cells(path)
