"""User text never becomes a formula in a workbook, and never reaches the terminal as control characters.

Every workbook the tool writes (``report --analyses``, ``batch --out``, and ``--out`` of breakeven, grid,
tornado and montecarlo) is built from a profile, a scenario file and a portfolio whose names start with
``=``, ``+``, ``-`` and ``@``; then every cell, and every formula anywhere in the file (cells, defined
names, conditional formats, charts), is walked.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import openpyxl
import pytest
from rich.markup import escape
from rich.table import Table
from typer.testing import CliRunner

from stress.cli import app
from stress.report import console
from stress.report.format import clean
from stress.report.workbook import styles as st

runner = CliRunner()

#: Every hostile string below contains one of these; none may appear in a formula.
MARKERS = ("EVIL", 'HYPERLINK("x")')

HOSTILE_PROFILE = """\
# A profile whose every name is an attempted spreadsheet formula.
name: '=HYPERLINK("http://evil.example","EVIL name")'  # =HYPERLINK("http://evil.example","EVIL comment")
ticker: EVL
as_of: 2025-06-30
horizon_quarters: 8
sources: {'=EVIL source': '=HYPERLINK("http://evil.example","EVIL url")', '@EVIL label': 'https://example.com/?q=+EVIL'}
opening:
  cash: 100m  # +EVIL comment on cash
  receivables: 20m
  other_assets: 30m
  other_liabilities: 10m
  reported_equity: 178m
fleet:
  - {name: '+EVIL cohort', gpu: H100, units: 10k, unit_cost: 30k, in_service: 2025-03-31,
     useful_life_years: 5, residual: "10%", kw_per_gpu: 1.4}
capex_plan:
  - {name: '-EVIL capex', gpu: B200, units: 2k, unit_cost: 50k, in_service: 2026-03-31,
     useful_life_years: 5, programme: '=EVIL programme'}
programmes:
  - {name: '=EVIL programme', funding: [{source: '@EVIL DDTL', share: "70%"}, {source: cash, share: "30%"}]}
contracts:
  - {customer: '=EVIL customer', gpu: H100, gpus: 6k, price_per_gpu_hour: 2.50, start: 2025-01-01, end: 2027-12-31,
     investment_grade: true}
market:
  gpu_hour_price: {H100: {start: 2.00, annual_change: "-15%"}, B200: {start: 3.50, annual_change: "-20%"}}
  spot_utilisation: "70%"
  base_rate: {start: "4.30%"}
  power_price_per_kwh: 0.08
costs: {pue: 1.3, other_cost_per_gpu_year: 2.5k, sga_per_quarter: 5m, tax_rate: "21%"}
working_capital: {receivable_days: 60}
treasury: {minimum_cash: 10m}
debt:
  - {name: '=HYPERLINK("x","EVIL loan")', kind: term_loan, balance: 200m, rate: "SOFR+6.0%", floor: "1%",
     maturity: 2028-06-30, amortisation: straight_line, secured_by: ['+EVIL cohort']}
  - {name: '-EVIL notes', kind: notes, balance: 50m, rate: "9.25%", maturity: 2027-06-30}
  - {name: '@EVIL revolver', kind: revolver, balance: 0, limit: 50m, rate: "SOFR+3.0%", maturity: 2027-12-31}
  - {name: '@EVIL DDTL', kind: delayed_draw, balance: 0, limit: 80m, rate: "SOFR+4.0%", maturity: 2030-06-30,
     amortisation: straight_line}
leases:
  - {name: '+EVIL lease', annual_payment: 20m, escalator: "2%", start: 2025-03-31, end: 2035-03-31, discount_rate: "10%"}
covenants:
  - {metric: liquidity, min: 25m}
  - {metric: net_leverage, max: 6.0}
  - {metric: dscr, min: 1.25}
  - {metric: ltv, max: "75%", applies_to: '=HYPERLINK("x","EVIL loan")'}
"""

HOSTILE_SCENARIOS = """\
scenarios:
  - {name: '=HYPERLINK("x")', description: '+EVIL description', calibration: '@EVIL calibration',
     shocks: [{kind: gpu_price, level: '-50%'}]}
  - {name: '-EVIL rates', description: '=EVIL description', shocks: [{kind: spread, bp: "300bp"}]}
"""

HOSTILE_BOOK = """\
name: '=HYPERLINK("http://evil.example","EVIL book")'
members:
  - {profile: hostile.yaml, exposure: {amount: 50m, tranche: '=HYPERLINK("x","EVIL loan")'}}
  - {profile: '=EVIL broken.yaml', exposure: {amount: 10m, seniority: secured}}
"""

#: A member that fails, with user text in its failure message (an unknown key).
BROKEN = "name: '=EVIL broken'\nticker: '@EVIL'\n'=EVIL key': 1\n"

SCENARIO_OPTIONS = ["--scenarios-file", "scen.yaml", "-s", "baseline", "-s", '=HYPERLINK("x")', "-s", "-EVIL rates"]

#: A sheet reference inside a formula (``'=HYPERLINK("x")'!C5``): a quoted name, not code.
SHEET_REF = re.compile(r"'(?:[^']|'')*'!")
#: A covenant limit's defined name, slugged from its label to letters, digits and '_': an identifier, not code.
LIMIT_NAME = re.compile(r"\bLimit_[A-Za-z0-9_]+\b")

#: Workbooks whose sheets show no user text at all (a grid of numbers, a simulation's distribution).
NO_NAMES = ("grid", "montecarlo")


def _run(folder: Path, args: list[str]) -> None:
    result = runner.invoke(app, args, catch_exceptions=False)
    assert result.exit_code in (0, 2), result.output


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    (folder / "hostile.yaml").write_text(HOSTILE_PROFILE, encoding="utf-8")
    (folder / "scen.yaml").write_text(HOSTILE_SCENARIOS, encoding="utf-8")
    (folder / "book.yaml").write_text(HOSTILE_BOOK, encoding="utf-8")
    (folder / "=EVIL broken.yaml").write_text(BROKEN, encoding="utf-8")
    profile = str(folder / "hostile.yaml")
    books = {name: folder / f"{name}.xlsx" for name in ("report", "batch", "breakeven", "grid", "tornado", "montecarlo")}
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        _run(folder, ["report", profile, *SCENARIO_OPTIONS, "--analyses", "--paths", "200", "--out", str(books["report"])])
        _run(folder, ["batch", "book.yaml", *SCENARIO_OPTIONS, "-j", "1", "--out", str(books["batch"])])
        _run(folder, ["breakeven", profile, "--out", str(books["breakeven"])])
        _run(folder, ["grid", profile, "--x", "gpu_price=-50%:0%:3", "--y", "rate=0:1%:2", "--out", str(books["grid"])])
        _run(folder, ["tornado", profile, "--out", str(books["tornado"])])
        _run(folder, ["montecarlo", profile, "--paths", "200", "--out", str(books["montecarlo"])])
    for name, path in books.items():
        assert path.is_file(), f"{name} workbook not written"
    return books


def _hostile(text: str) -> bool:
    return any(m.lower() in text.lower() for m in MARKERS)


def _formula_is_ours(text: str) -> bool:
    return not _hostile(LIMIT_NAME.sub("", SHEET_REF.sub("", text)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@pytest.mark.parametrize("name", ["report", "batch", "breakeven", "grid", "tornado", "montecarlo"])
def test_no_user_text_becomes_a_formula_in_any_cell(workbooks: dict[str, Path], name: str) -> None:
    book = openpyxl.load_workbook(workbooks[name])  # formulas come back as their text
    hostile_cells = 0
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                where = f"{name}: {ws.title}!{cell.coordinate} = {value!r}"
                if cell.data_type == "f":
                    assert isinstance(value, str) and _formula_is_ours(value), where
                elif isinstance(value, str) and _hostile(value):
                    hostile_cells += 1
                    assert cell.data_type == "s", where
                    if value.startswith(st.FORMULA_LEADS):
                        assert cell.quotePrefix, where  # Excel's leading apostrophe: stays text when edited
    assert hostile_cells > 0 or name in NO_NAMES, f"{name}: the hostile names should be in the workbook, as text"


@pytest.mark.parametrize("name", ["report", "batch", "breakeven", "grid", "tornado", "montecarlo"])
def test_no_formula_anywhere_in_the_file_carries_user_text(workbooks: dict[str, Path], name: str) -> None:
    """Cell formulas, defined names, conditional formats and chart references, read from the XML itself."""
    formulas = 0
    with zipfile.ZipFile(workbooks[name]) as z:
        for part in z.namelist():
            if not part.endswith(".xml"):
                continue
            for element in ElementTree.fromstring(z.read(part)).iter():
                if _local(element.tag) in ("f", "formula", "definedName") and element.text:
                    formulas += 1
                    assert _formula_is_ours(element.text), f"{name}: {part}: {element.text!r}"
    if name == "report":
        assert formulas > 100  # the statements are live formulas


def test_the_batch_workbook_keeps_a_formula_like_scenario_name_as_text(workbooks: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(workbooks["batch"])
    headers = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("x")']
    assert len(headers) >= 6  # the ranking's verdict column, and each matrix's column
    assert all(c.data_type == "s" and c.quotePrefix for c in headers)
    failures = book["Failures"]
    assert any(isinstance(c.value, str) and "=EVIL key" in c.value for row in failures.iter_rows() for c in row)


def test_the_report_keeps_every_kind_of_name_as_text(workbooks: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(workbooks["report"])
    texts = {c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
             if c.data_type == "s" and isinstance(c.value, str)}
    joined = "\n".join(texts)
    for fragment in ("EVIL name", "+EVIL cohort", "-EVIL capex", "=EVIL programme", "=EVIL customer", "EVIL loan",
                     "-EVIL notes", "@EVIL DDTL", "+EVIL lease", "=EVIL source", "EVIL url", "+EVIL description",
                     "@EVIL calibration", "=EVIL description", "EVIL comment"):
        assert fragment in joined, fragment


# --- the helpers ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ['=HYPERLINK("x")', "+1", "-1", "@SUM(A1)", "\tx", "#N/A", "=1+1", "plain"])
def test_put_and_put_text_always_write_text(text: str) -> None:
    wb = openpyxl.Workbook()
    st.register(wb)
    ws = wb.active
    st.put(ws, 1, 1, text, st.TEXT)
    st.put_text(ws, 2, 1, text, st.WRAP)
    buffer = io.BytesIO()
    wb.save(buffer)
    again = openpyxl.load_workbook(io.BytesIO(buffer.getvalue())).active
    for row in (1, 2):
        cell = again.cell(row=row, column=1)
        assert (cell.value, cell.data_type) == (text, "s")
        assert cell.quotePrefix is text.startswith(st.FORMULA_LEADS)


def test_put_formula_is_the_only_way_to_a_formula() -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    st.put_formula(ws, 1, 1, "=SUM(B1:B2)")
    assert ws["A1"].data_type == "f"
    with pytest.raises(ValueError, match="not a formula"):
        st.put_formula(ws, 1, 2, "SUM(B1:B2)")


# --- the console ---------------------------------------------------------------------------------------------------

NASTY = "\x1b]0;EVIL title\x07\x1b[2J\x9b2J\rEVIL\x08\x00\x7f\u202eEVIL\x0b"


def test_clean_drops_control_characters_and_keeps_the_rest() -> None:
    assert clean(NASTY) == "]0;EVIL title[2J2JEVILEVIL"
    assert clean("Café\tnet\nnext") == "Café\tnet\nnext"


def test_the_consoles_never_print_control_characters_from_user_text() -> None:
    out = io.StringIO()
    safe = console.SafeConsole(file=out, force_terminal=True, color_system="standard", width=120)
    table = Table(title=escape(NASTY))
    table.add_column("name")
    table.add_row(NASTY)
    safe.print(f"[bold]{escape(NASTY)}[/]")
    safe.print(table)
    text = out.getvalue()
    assert "\x1b[1m" in text  # Rich's own styling is kept
    for bad in ("\x1b]", "\x07", "\x1b[2J", "\x9b", "\r", "\x08", "\x00", "\x7f", "\u202e", "\x0b"):
        assert bad not in text, repr(bad)
    assert "]0;EVIL title" in text  # what the text held stays visible


def test_commands_print_a_hostile_profile_without_its_control_characters(tmp_path: Path) -> None:
    profile = tmp_path / "ansi.yaml"
    text = HOSTILE_PROFILE.replace("'=HYPERLINK(\"http://evil.example\",\"EVIL name\")'", '"\\e]0;EVIL\\a\\e[31mRed\\rName"')
    text = text.replace("'-EVIL notes'", '"Notes\\e[2J\\u009b"').replace("'=EVIL customer'", '"Cust\\a\\u202eomer"')
    profile.write_text(text, encoding="utf-8")
    for args in (["validate", str(profile)], ["show", str(profile)], ["run", str(profile)]):
        result = runner.invoke(app, args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        for bad in ("\x1b", "\x07", "\x9b", "\r", "\u202e"):
            assert bad not in result.output, (args, repr(bad))
        assert "[31mRed" in result.output or args[0] == "run"
