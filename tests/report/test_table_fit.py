"""Fitting a table to a width: blocks of columns that fit, the labels in each, figures never cut or wrapped.

The expected splits are worked out by hand from the widths: a column takes its content plus 3 (one space of
padding each side and one border), a table one more for its left edge.
"""

from __future__ import annotations

import io
import re

import pytest
from rich.table import Table

from stress.report.console import MIN_WIDTH, PIPE_WIDTH, SafeConsole, _table, piped_width
from stress.report.table_fit import fit, natural_width

BOX = re.compile("[│┃]")


def render(table: Table, width: int) -> str:
    """What the project's console prints for ``table`` at ``width`` (no colour)."""
    out = io.StringIO()
    SafeConsole(file=out, width=width, color_system=None).print(table)
    return out.getvalue()


def cells(text: str) -> list[list[str]]:
    """The stripped cells of every table line (lines holding a vertical border)."""
    return [[c.strip() for c in BOX.split(line)[1:-1]] for line in text.splitlines() if BOX.search(line)]


def years_table(n: int) -> Table:
    """Two rows of ``n`` columns of figures: row one (10,178.9), (11,178.9), ... each 10 wide, row two 5.0x."""
    t = _table("Annual", [("", "left"), *((f"Y{j + 1}", "right") for j in range(n))])
    t.add_row("Net income", *(f"({10 + j},178.9)" for j in range(n)))
    t.add_row("Leverage", *("5.0x" for _ in range(n)))
    return t


def headers(table: Table) -> list[str]:
    return [str(c.header) for c in table.columns]


def test_a_table_that_fits_is_itself() -> None:
    t = years_table(3)  # "Net income" 10 + 3, three columns of 10 + 3, the left edge 1: 53 wide
    assert natural_width(SafeConsole(file=io.StringIO()), t) == 53
    assert fit(SafeConsole(file=io.StringIO()), t, 80) == [t]
    assert max(len(line) for line in render(t, 80).splitlines()) == 53


def test_figures_are_spread_evenly_over_the_fewest_blocks() -> None:
    # labels 10 + 3 + 1 = 14 leave 66: five columns of 13 per block, so 12 columns need 3 blocks (5 + 5 + 2),
    # spread evenly as 4 + 4 + 4
    t = years_table(12)
    blocks = fit(SafeConsole(file=io.StringIO()), t, 80)
    assert [headers(b) for b in blocks] == [
        ["", "Y1", "Y2", "Y3", "Y4"], ["", "Y5", "Y6", "Y7", "Y8"], ["", "Y9", "Y10", "Y11", "Y12"]]
    text = render(t, 80)
    assert max(len(line) for line in text.splitlines()) <= 80
    found = [c for row in cells(text) for c in row]
    for j in range(12):  # every figure whole, in a cell of its own, exactly once
        assert found.count(f"({10 + j},178.9)") == 1
    assert found.count("Net income") == 3 and found.count("Leverage") == 3
    assert "…" not in text


def test_blocks_keep_every_label_column_row_style_and_section() -> None:
    t = _table("Ranking: most fragile first", [("#", "right"), ("Firm", "left"),
               *((f"Figure {j}", "right") for j in range(8))], labels=2)
    t.add_row("1", "CRWV", *(f"{1000 * j:,.1f}" for j in range(8)), style="bold")
    t.add_section()
    t.add_row("2", "NBIS", *("n.m." for _ in range(8)))
    blocks = fit(SafeConsole(file=io.StringIO()), t, 40)
    assert len(blocks) > 1
    for b in blocks:
        assert headers(b)[:2] == ["#", "Firm"]
        assert [r.style for r in b.rows] == ["bold", None] and b.rows[0].end_section
    assert blocks[0].title == "Ranking: most fragile first"
    assert {b.title for b in blocks[1:]} == {"Ranking (continued)"}
    text = render(t, 40)
    assert text.count("├") == len(blocks)  # the section line in every block
    assert max(len(line) for line in text.splitlines()) <= 40


def test_text_wraps_between_words_and_figures_stay_whole() -> None:
    prose = "a breach of the leverage covenant in 2027Q3 under severe, then liquidity default in 2028Q1"
    t = _table("Events", [("Scenario", "left"), ("Min liquidity", "right"), ("What happens", "left"),
                          ("Equity end", "right")])
    t.add_row("telecom_2001", "(11,178.9)", prose, "(18,124.0)")
    text = render(t, 50)
    assert max(len(line) for line in text.splitlines()) <= 50
    found = [c for row in cells(text) for c in row]
    assert "(11,178.9)" in found and "(18,124.0)" in found
    words = " ".join(found).split()
    assert all(w in words for w in prose.split())  # no word broken across lines
    assert "…" not in text


def test_a_word_longer_than_the_room_folds_and_is_never_cut() -> None:
    path = "/home/analyst/books/" + "very-long-folder-name/" * 3 + "coreweave.yaml"  # 100 characters
    t = _table("Failures", [("Profile", "left"), ("Stage", "left"), ("Error", "left")], labels=0)
    t.add_row(path, "load", "the file is not a profile")
    text = render(t, 40)
    assert max(len(line) for line in text.splitlines()) <= 40
    assert "…" not in text
    folded = "".join(row[0] for row in cells(text)[1:] if row)  # the Profile column, header line left out
    assert path in folded


def label_lines(text: str) -> list[str]:
    return [row[0] for row in cells(text) if row]


def test_labels_wrap_only_when_that_saves_a_block() -> None:
    t = _table("Backlog", [("Customer", "left"), *((f"Q{j}", "right") for j in range(1, 5))])
    t.add_row("Other committed customers (H100)", *("12,345.6" for _ in range(4)))
    console = SafeConsole(file=io.StringIO())
    # at 81 the table fits (32 + 3 + 4 x 11 + 1 = 80): one block, the label on one line
    assert fit(console, t, 81) == [t]
    assert label_lines(render(t, 81)) == ["Customer", "Other committed customers (H100)"]
    # at 70 the whole label (36 with its edge) leaves 34: three columns of 11 a block, 2 blocks; wrapped
    # ("customers", 9 + 3 + 1 = 13) all four fit: one block, the label in what is left, 70 - 1 - 44 - 3 = 22
    assert len(fit(console, t, 70)) == 1
    assert label_lines(render(t, 70)) == ["Customer", "Other committed", "customers (H100)"]
    # at 60 the same, in 12 cells
    assert label_lines(render(t, 60)) == ["Customer", "Other", "committed", "customers", "(H100)"]
    # at 46 the whole label leaves 10, no column fits; wrapped (at most 46 // 2 - 3 = 20) it leaves 33:
    # three columns a block, spread 2 + 2, the label 46 - 1 - 22 - 3 = 20 wide in each
    blocks = fit(console, t, 46)
    assert [headers(b) for b in blocks] == [["Customer", "Q1", "Q2"], ["Customer", "Q3", "Q4"]]
    assert label_lines(render(t, 46)) == ["Customer", "Other committed", "customers (H100)"] * 2


@pytest.mark.parametrize(("environ", "width"), [
    ({}, PIPE_WIDTH), ({"COLUMNS": "80"}, 80), ({"COLUMNS": " 120 "}, 120), ({"COLUMNS": "wide"}, PIPE_WIDTH),
    ({"COLUMNS": "0"}, PIPE_WIDTH), ({"COLUMNS": "-80"}, PIPE_WIDTH), ({"COLUMNS": "12"}, MIN_WIDTH),
])
def test_piped_width_honours_columns(environ: dict[str, str], width: int) -> None:
    assert piped_width(environ) == width
