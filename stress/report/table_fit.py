"""Tables that fit a width: a Rich table's columns split into stacked blocks, each repeating the row labels.

Why: an analyst on an 80-column terminal must read every number whole. Given a table wider than the
terminal, Rich shrinks columns until it cuts cells ("2,6…", "(…"). Here a table that does not fit is split
by columns into blocks that do, stacked one under the other, each keeping the table's leading label
columns; every column of a block gets an explicit width no narrower than its widest cell when it holds
figures (a ``no_wrap`` column: a number is never wrapped or cut) or its longest word (text wraps only
between words). The table's rows, row styles and sections are kept in every block.

Widths are in terminal cells. A column's share of a table's width is its content plus its padding plus
one border; a table adds one more border at its left edge.
"""

from __future__ import annotations

import copy
import dataclasses
import math
from collections.abc import Sequence

from rich.console import Console, RenderableType
from rich.measure import Measurement
from rich.table import Column, Table
from rich.text import Text, TextType

#: Measuring width: wide enough that no cell is measured wrapped.
_UNBOUNDED = 10_000


class LabelledTable(Table):
    """A Rich table that knows how many of its leading columns label the rows (repeated in every block).

    ``labels`` is 1 for a table of row labels then figures, 2 for "# | Firm | ...", 0 for a table without
    row labels (its blocks repeat none). ``balance``: True spreads the columns evenly over the fewest blocks
    (years 3 + 3 rather than 4 + 2); False fills each block in turn, so that text columns, last, get the
    room left, or columns that read together stay together; None (default): True when every column beyond
    the labels holds figures.
    """

    def __init__(self, *args: object, labels: int = 1, balance: bool | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.labels = labels
        self.balance = balance


@dataclasses.dataclass(frozen=True)
class Size:
    """A column's content widths (cells, without padding or border)."""

    need: int  #: the narrowest showing every cell uncut: widest number, or longest word of the text
    want: int  #: the width showing every cell and the header on one line


def _measure(console: Console, renderable: RenderableType) -> Measurement:
    options = console.options.update_width(_UNBOUNDED)
    return Measurement.get(console, options, renderable)


#: Narrowest a ``fold`` column of text gets: it breaks a longer word (a URL, a path, a list) across lines.
FOLD_WIDTH = 16


def column_size(console: Console, column: Column, whole: bool) -> Size:
    """A column of figures (``whole``) needs its widest cell; text (and every header) its longest word,
    except that a ``fold`` column of text needs no more than :data:`FOLD_WIDTH` (its words break)."""
    cells = [_measure(console, c) for c in column.cells]
    header = _measure(console, column.header)
    want = max([header.maximum, *(m.maximum for m in cells)])
    words = [(m.maximum if whole else m.minimum) for m in cells]
    if column.overflow == "fold" and not whole:
        words = [min(w, FOLD_WIDTH) for w in words]
    return Size(max([header.minimum, *words]), want)


def _sizes(console: Console, table: Table, labels: int) -> list[Size]:
    """Every column's size: a ``no_wrap`` column beyond the labels holds figures, kept whole; labels and
    other columns may wrap between words."""
    return [column_size(console, c, c.no_wrap and i >= labels) for i, c in enumerate(table.columns)]


def gap(table: Table) -> int:
    """Padding and one border: what a column adds to a table's width beyond its content."""
    _, right, _, left = table.padding
    return left + right + 1


def table_width(sizes: Sequence[int], between: int) -> int:
    """The width of a bordered table whose columns have these content widths, ``between`` added by each."""
    return sum(sizes) + between * len(sizes) + 1


def natural_width(console: Console, table: Table) -> int:
    """The width ``table`` takes when every cell is on one line."""
    return table_width([s.want for s in _sizes(console, table, 0)], gap(table))


def _groups(widths: Sequence[int], labels: int, room: int, balance: bool) -> list[list[int]] | None:
    """Indices of the non-label columns in the fewest blocks that fit ``room`` beside the labels, spread
    evenly when ``balance``; None when some column does not fit even alone."""
    rest = list(range(labels, len(widths)))
    if any(widths[i] > room for i in rest):
        return None
    greedy: list[list[int]] = [[]]
    used = 0
    for i in rest:
        if greedy[-1] and used + widths[i] > room:
            greedy.append([])
            used = 0
        greedy[-1].append(i)
        used += widths[i]
    if not balance:
        return greedy
    per = math.ceil(len(rest) / len(greedy))
    even = [rest[k:k + per] for k in range(0, len(rest), per)]
    if len(even) == len(greedy) and all(sum(widths[i] for i in g) <= room for g in even):
        return even
    return greedy


def _allot(sizes: Sequence[Size], labels: int, width: int, between: int) -> list[int]:
    """Content widths for one block: each column's ``want``, the widest non-label column shrunk first
    (then the labels) one cell at a time, never below its ``need``, until the block fits ``width``."""
    widths = [s.want for s in sizes]
    excess = table_width(widths, between) - width
    for pool in (range(labels, len(sizes)), range(labels)):
        while excess > 0:
            slack = [i for i in pool if widths[i] > sizes[i].need]
            if not slack:
                break
            widest = max(slack, key=lambda i: widths[i])
            widths[widest] -= 1
            excess -= 1
    return widths


def _continued(title: TextType | None) -> TextType | None:
    """A later block's title: the table's title up to its first colon, marked as continued."""
    if not isinstance(title, str) or not title:
        return title
    return f"{title.split(': ', 1)[0]} (continued)"


def _block(table: Table, columns: list[int], sizes: Sequence[Size], labels: int, width: int, first: bool) -> Table:
    """A copy of ``table`` with only ``columns``, each at an explicit width; headers and labels wrap between
    words, text folds a word longer than its column, figures stay whole."""
    chosen = [sizes[i] for i in columns]
    widths = _allot(chosen, labels, width, gap(table))
    block = copy.copy(table)
    block.columns = []
    for k, (i, w) in enumerate(zip(columns, widths, strict=True)):
        col = table.columns[i]
        header = Text.from_markup(col.header) if isinstance(col.header, str) else col.header
        if isinstance(header, Text):
            header = header.copy()
            header.no_wrap = False  # the header wraps between its words even over a column of figures
        whole = col.no_wrap and k >= labels
        block.columns.append(dataclasses.replace(col, _index=k, width=w, header=header, no_wrap=whole,
                                                 overflow="ellipsis" if whole else "fold"))
    block.rows = list(table.rows)
    if not first:
        block.title = _continued(table.title)
    return block


def _plan(sizes: Sequence[Size], figures: Sequence[bool], labels: int, width: int, between: int, balance: bool,
          whole_labels: bool) -> tuple[list[Size], list[list[int]]] | None:
    """The sizes to allot from and the blocks, with the labels whole (or wrapped, taking at most half the
    width); a text column whose longest word cannot fit beside the labels folds it. None when a column of
    figures cannot fit beside the labels."""
    if whole_labels:
        lead = [Size(s.want, s.want) for s in sizes[:labels]]
    else:
        cap = max(1, width // 2 // max(labels, 1) - between)
        lead = [Size(min(s.need, cap), s.want) for s in sizes[:labels]]
    room = width - sum(s.need + between for s in lead) - 1
    rest = [s if figures[i] else Size(max(1, min(s.need, room - between)), s.want)
            for i, s in enumerate(sizes[labels:], start=labels)]
    planned = [*lead, *rest]
    groups = _groups([s.need + between for s in planned], labels, room, balance)
    return None if groups is None else (planned, groups)


def fit(console: Console, table: Table, width: int) -> list[Table]:
    """``table`` as blocks of its columns, each no wider than ``width`` and each repeating the label columns.

    One block (``table`` itself) when it fits. The labels are kept whole unless wrapping them between words
    saves a block; ``[table]`` unchanged when a column of figures cannot fit even alone beside the labels
    (Rich then does what it can).
    """
    if not table.columns:
        return [table]
    labels = min(getattr(table, "labels", 1), len(table.columns) - 1)
    sizes = _sizes(console, table, labels)
    between = gap(table)
    if table_width([s.want for s in sizes], between) <= width:
        return [table]
    figures = [c.no_wrap and i >= labels for i, c in enumerate(table.columns)]
    balance = getattr(table, "balance", None)
    if balance is None:
        balance = all(figures[labels:])
    plans = [p for whole in (True, False) if (p := _plan(sizes, figures, labels, width, between, balance, whole))]
    if not plans:
        return [table]
    planned, groups = min(plans, key=lambda p: len(p[1]))  # the first of equals: labels whole
    blocks = [[*range(labels), *g] for g in groups]
    lead = [min(_allot([planned[i] for i in b], labels, width, between)[j] for b in blocks) for j in range(labels)]
    planned = [*(Size(w, w) for w in lead), *planned[labels:]]  # the labels as wide in every block
    return [_block(table, b, planned, labels, width, k == 0) for k, b in enumerate(blocks)]
