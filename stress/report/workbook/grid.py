"""The quarter grid every schedule sheet shares: labels down column A, as_of in B, quarters from C.

Rows 4 and 5 carry the quarter labels (``2025Q3``) and quarter-end dates;
panes freeze at B6, the first data cell, so labels and dates stay in view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from stress.report.workbook import styles as st

LABEL_COL = 1
OPENING_COL = 2
FIRST_QUARTER_COL = 3
LABEL_ROW = 4
DATE_ROW = 5
FIRST_DATA_ROW = 6
FREEZE = f"{get_column_letter(OPENING_COL)}{FIRST_DATA_ROW}"


@dataclass(frozen=True)
class QuarterColumns:
    """Where each quarter sits on a sheet: column arithmetic for ``n`` quarters (not a sensitivity grid:
    that is ``stress.analysis.grid.Grid``)."""

    quarters: list[str]
    quarter_ends: list[dt.date]
    as_of: dt.date

    @property
    def n(self) -> int:
        return len(self.quarters)

    @property
    def last_col(self) -> int:
        return FIRST_QUARTER_COL + self.n - 1

    @staticmethod
    def col(q: int) -> int:
        """Column of quarter ``q``; ``q = -1`` is the opening (as_of) column."""
        return FIRST_QUARTER_COL + q

    @staticmethod
    def letter(q: int) -> str:
        return get_column_letter(FIRST_QUARTER_COL + q)

    def span(self, row: int, first: int = 0) -> str:
        """``C7:V7``: quarters ``first`` .. last on ``row``."""
        return f"{self.letter(first)}{row}:{self.letter(self.n - 1)}{row}"


def header(ws: Worksheet, grid: QuarterColumns, row: int = LABEL_ROW, corner: str = "USD m", opening: str | None = "Opening") -> None:
    """Quarter labels on ``row`` and quarter-end dates below it."""
    st.put(ws, row, LABEL_COL, corner, st.HEADER)
    st.put(ws, row + 1, LABEL_COL, "Quarter end", st.HEADER)
    if opening is not None:
        st.put(ws, row, OPENING_COL, opening, st.HEADER)
        st.put(ws, row + 1, OPENING_COL, grid.as_of, st.DATE)
    for q, (label, end) in enumerate(zip(grid.quarters, grid.quarter_ends, strict=True)):
        st.put(ws, row, grid.col(q), label, st.HEADER)
        st.put(ws, row + 1, grid.col(q), end, st.DATE)


def title(ws: Worksheet, text: str, note: str) -> None:
    st.put_text(ws, 1, 1, text, st.TITLE)
    st.put_text(ws, 2, 1, note, st.NOTE)


def finish(ws: Worksheet, grid: QuarterColumns, label_width: float = 46, header_row: int = LABEL_ROW) -> None:
    """Freeze at the first data cell under the header, set widths, landscape fit-to-width printing, header repeated."""
    ws.freeze_panes = f"{get_column_letter(OPENING_COL)}{header_row + 2}"
    st.widths(ws, label_width, 10.5, grid.last_col, second=11)
    st.print_setup(ws, f"{header_row}:{header_row + 1}")
    ws.print_title_cols = "A:A"


def ref(sheet: str, col: int, row: int, absolute: bool = False) -> str:
    """``'baseline'!C12`` (or ``$C$12``)."""
    letter = get_column_letter(col)
    cell = f"${letter}${row}" if absolute else f"{letter}{row}"
    return f"{st.quote(sheet)}!{cell}"
