"""Compute the workbook's own formulas in Python, so each can be saved with its result (see ``cached``).

Only the small formula language the builders write is understood: numbers,
text in double quotes, cell and range references (``C12``, ``$B$3``,
``'Debt'!C12``, ``B7:V17``), defined names, unary and binary ``+ - * /``,
the comparisons ``= <> < > <= >=``, and the functions ``SUM``,
``SUMPRODUCT``, ``ABS``, ``IF`` and ``ISNUMBER``, with Excel's rules: an empty
cell is 0, text in arithmetic is ``#VALUE!``, division by zero is
``#DIV/0!``, an error carries through, ``SUM`` skips text in ranges, and text
compares above any number. A formula outside that language raises
``FormulaError``: it is a bug in a builder, caught by the tests, never
something a profile can cause (user text never becomes a formula).

Speed: a report holds ~14,000 formulas but few distinct shapes (the same
formula moved one quarter to the right), so each formula is keyed by its
shape with relative references (as R1C1 would write it) and compiled once
per shape into one Python expression; the scenario sheets share their
formulas' text cell for cell, so those are not even read twice.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openpyxl.utils.cell import column_index_from_string
from openpyxl.utils.datetime import to_excel
from openpyxl.workbook import Workbook


class FormulaError(ValueError):
    """A formula the evaluator does not understand, or a reference cycle."""


@dataclass(frozen=True)
class XlError:
    """An Excel error value such as ``#DIV/0!``; saved with ``t="e"``."""

    code: str


DIV0 = XlError("#DIV/0!")
VALUE = XlError("#VALUE!")
REF = XlError("#REF!")

#: What a cell holds once computed: a number, text, a truth value, an error, or None for an empty cell.
Value = float | str | bool | XlError | None
#: What a formula gives: a Value but never None (a formula that reads an empty cell shows 0).
Result = float | str | bool | XlError

#: One token per match, whole in group 1: text, a reference (sheet, column, row, and the range's end), a number,
#: a function's name (with its parenthesis), a defined name or an operator.
_TOKEN = re.compile(r"""(
    "((?:[^"]|"")*)"
  | (?<![\w.])('(?:[^']|'')+'!|[A-Za-z_][\w.]*!)?(\$?[A-Z]{1,3})(\$?\d+)(?::(\$?[A-Z]{1,3})(\$?\d+))?(?![\w.(!])
  | ((?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
  | ([A-Za-z][A-Za-z0-9.]*)\(
  | ([A-Za-z_\\][\w.]*)
  | (<>|<=|>=|[-+*/=<>(),])
)""", re.VERBOSE)

#: A reference relative to the formula's own cell where not ``$``-anchored:
#: (sheet or None for the host's, row, row absolute?, column, column absolute?).
Ref = tuple[str | None, int, bool, int, bool]


def _part(col: str, row: str, host_row: int, host_col: int, sheet: str | None) -> Ref:
    c_abs, r_abs = col[0] == "$", row[0] == "$"
    c = column_index_from_string(col[1:] if c_abs else col)
    r = int(row[1:] if r_abs else row)
    return sheet, (r if r_abs else r - host_row), r_abs, (c if c_abs else c - host_col), c_abs


def _sheet_name(prefix: str) -> str | None:
    if not prefix:
        return None
    name = prefix[:-1]
    return name[1:-1].replace("''", "'") if name[0] == "'" else name


def tokens(formula: str, host_row: int, host_col: int) -> tuple[Any, ...]:
    """The formula (without its ``=``) as tokens: ("op", "+"), ("num", 1.0), ("ref", Ref, Ref | None), ...

    References are made relative to the host cell, so the same formula one column to the right has the same tokens.
    """
    out: list[Any] = []
    length = 0
    for whole, text, sheet, c1, r1, c2, r2, num, func, name, op in _TOKEN.findall(formula):
        length += len(whole)
        if op:
            out.append(("op", op))
        elif c1:
            where = _sheet_name(sheet)
            out.append(("ref", _part(c1, r1, host_row, host_col, where), _part(c2, r2, host_row, host_col, where) if c2 else None))
        elif num:
            out.append(("num", float(num)))
        elif func:
            out.append(("func", func.upper()))
        elif name:
            out.append(("name", name))
        else:
            out.append(("str", text.replace('""', '"')))
    if length != len(formula):
        raise FormulaError(f"cannot read ={formula}")
    return tuple(out)


# --- Excel's rules for values ----------------------------------------------------------------------

def _number(v: Value) -> float | XlError:
    if type(v) is float:
        return v
    if v is None:
        return 0.0
    if isinstance(v, XlError):
        return v
    if isinstance(v, bool):
        return float(v)
    try:
        return float(v)  # Excel reads numeric text ("1.5") as a number in arithmetic
    except ValueError:
        return VALUE


def _add(a: Value, b: Value) -> Value:
    if type(a) is float and type(b) is float:
        return a + b
    x, y = _number(a), _number(b)
    return x if isinstance(x, XlError) else y if isinstance(y, XlError) else x + y


def _sub(a: Value, b: Value) -> Value:
    if type(a) is float and type(b) is float:
        return a - b
    x, y = _number(a), _number(b)
    return x if isinstance(x, XlError) else y if isinstance(y, XlError) else x - y


def _mul(a: Value, b: Value) -> Value:
    if type(a) is float and type(b) is float:
        return a * b
    x, y = _number(a), _number(b)
    return x if isinstance(x, XlError) else y if isinstance(y, XlError) else x * y


def _div(a: Value, b: Value) -> Value:
    x, y = _number(a), _number(b)
    if isinstance(x, XlError):
        return x
    if isinstance(y, XlError):
        return y
    return DIV0 if y == 0 else x / y


def _neg(a: Value) -> Value:
    x = _number(a)
    return x if isinstance(x, XlError) else -x


def _rank(v: Value) -> tuple[int, Any]:
    """Excel's order across types: numbers < text < logical values; text compares case-insensitively."""
    if isinstance(v, bool):
        return 2, v
    if isinstance(v, str):
        return 1, v.lower()
    return 0, 0.0 if v is None else v


def _compare(op: str, a: Value, b: Value) -> Value:
    if isinstance(a, XlError):
        return a
    if isinstance(b, XlError):
        return b
    if a is None and isinstance(b, str):
        a = ""
    if b is None and isinstance(a, str):
        b = ""
    x, y = _rank(a), _rank(b)
    if op == "=":
        return x == y
    if op == "<>":
        return x != y
    if op == "<":
        return x < y
    if op == ">":
        return x > y
    return x <= y if op == "<=" else x >= y


def _truth(v: Value) -> bool | XlError:
    if isinstance(v, XlError):
        return v
    if isinstance(v, str):
        return VALUE
    return bool(v)


def _sum(*args: Any) -> Value:
    total = 0.0
    for a in args:
        if isinstance(a, list):  # a range: text, truth values and blanks are skipped
            for v in a:
                if type(v) is float:
                    total += v
                elif isinstance(v, XlError):
                    return v
            continue
        n = _number(a)
        if isinstance(n, XlError):
            return n
        total += n
    return total


def _sumproduct(*args: Any) -> Value:
    if len(args) != 1 or not isinstance(args[0], list):
        raise FormulaError("SUMPRODUCT is used by the workbook on one array only")
    total = 0.0
    for v in args[0]:
        if type(v) is float:  # non-numeric entries count as zero
            total += v
        elif isinstance(v, XlError):
            return v
    return total


def _abs(a: Any) -> Any:
    if isinstance(a, list):  # array form, inside SUMPRODUCT
        return [_abs(v) for v in a]
    n = _number(a)
    return n if isinstance(n, XlError) else abs(n)


def _if(cond: Value, yes: Value = True, no: Value = False) -> Value:
    t = _truth(cond)
    if isinstance(t, XlError):
        return t
    return yes if t else no


def _isnumber(a: Value) -> Value:
    return type(a) is float


def _one(v: Any) -> Value:
    """A range used where one value is wanted (Excel's implicit intersection) is not something the workbook does."""
    return VALUE if isinstance(v, list) else v


_FUNCTIONS = {"SUM": "_sum", "SUMPRODUCT": "_sumproduct", "ABS": "_abs", "IF": "_if", "ISNUMBER": "_isnumber"}
_ARITH = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div"}
_HELPERS: dict[str, Any] = {"_add": _add, "_sub": _sub, "_mul": _mul, "_div": _div, "_neg": _neg, "_compare": _compare,
                            "_sum": _sum, "_sumproduct": _sumproduct, "_abs": _abs, "_if": _if, "_isnumber": _isnumber,
                            "_one": _one}


# --- parsing into Python ------------------------------------------------------------------------------

#: A compiled formula: (cell, block, name, host sheet, host row, host column) -> value, where ``cell(sheet, row,
#: col)``, ``block(sheet, r1, c1, r2, c2)`` and ``name(text)`` read the workbook.
Compiled = Callable[..., Any]


class _Parser:
    """Recursive descent over the tokens (lowest precedence first: comparison, + -, * /, sign, primary), writing
    one Python expression per formula shape; it is compiled once and run for every cell of that shape."""

    def __init__(self, toks: tuple[Any, ...], text: str) -> None:
        self.toks, self.i, self.text = toks, 0, text
        self.constants: list[Any] = []

    def peek(self) -> tuple[Any, ...] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, kind: str, value: str | None = None) -> tuple[Any, ...]:
        tok = self.peek()
        if tok is None or tok[0] != kind or (value is not None and tok[1] != value):
            raise FormulaError(f"expected {value or kind} at token {self.i} of ={self.text}")
        self.i += 1
        return tok

    def compile(self) -> Compiled:
        body = self.comparison()
        if self.peek() is not None:
            raise FormulaError(f"unexpected {self.peek()} in ={self.text}")
        scope = dict(_HELPERS, _k=tuple(self.constants))
        return eval(f"lambda cell, block, name, s, r, c: _one({body})", scope)  # noqa: S307  # our own tokens only

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"_k[{len(self.constants) - 1}]"

    def _chain(self, ops: tuple[str, ...], operand: Callable[[], str], step: Callable[[str, str, str], str]) -> str:
        """A left-associative run of ``operand`` joined by any of ``ops``: one precedence level of the grammar;
        ``step(op, left, right)`` writes one application."""
        left = operand()
        while (tok := self.peek()) is not None and tok[0] == "op" and tok[1] in ops:
            self.i += 1
            op = tok[1]
            left = step(op, left, operand())
        return left

    def comparison(self) -> str:
        return self._chain(("=", "<>", "<", ">", "<=", ">="), self.additive,
                           lambda op, a, b: f"_compare({self.constant(op)}, _one({a}), _one({b}))")

    def additive(self) -> str:
        return self._chain(("+", "-"), self.term, lambda op, a, b: f"{_ARITH[op]}(_one({a}), _one({b}))")

    def term(self) -> str:
        return self._chain(("*", "/"), self.unary, lambda op, a, b: f"{_ARITH[op]}(_one({a}), _one({b}))")

    def unary(self) -> str:
        tok = self.peek()
        if tok is not None and tok[0] == "op" and tok[1] in ("-", "+"):
            self.i += 1
            inner = self.unary()
            return inner if tok[1] == "+" else f"_neg(_one({inner}))"
        return self.primary()

    def primary(self) -> str:
        tok = self.peek()
        if tok is None:
            raise FormulaError(f"unexpected end of ={self.text}")
        self.i += 1
        kind = tok[0]
        if kind in ("num", "str"):
            return self.constant(tok[1])
        if kind == "ref":
            return self.reference(tok[1], tok[2])
        if kind == "name":
            return f"name({self.constant(tok[1])})"
        if kind == "func":
            return self.call(tok[1])
        if tok == ("op", "("):
            inner = self.comparison()
            self.take("op", ")")
            return f"({inner})"
        raise FormulaError(f"unexpected {tok} in ={self.text}")

    def reference(self, first: Ref, last: Ref | None) -> str:
        def at(ref: Ref) -> tuple[str, str]:
            _, row, row_abs, col, col_abs = ref
            return (str(row) if row_abs else f"r+{row}"), (str(col) if col_abs else f"c+{col}")

        sheet = "s" if first[0] is None else self.constant(first[0])
        row, col = at(first)
        if last is None:
            return f"cell({sheet}, {row}, {col})"
        row2, col2 = at(last)
        return f"block({sheet}, {row}, {col}, {row2}, {col2})"

    def call(self, name: str) -> str:
        if name not in _FUNCTIONS:
            raise FormulaError(f"function {name} is not understood (in ={self.text})")
        args: list[str] = []
        if self.peek() != ("op", ")"):
            args.append(self.comparison())
            while self.peek() == ("op", ","):
                self.i += 1
                args.append(self.comparison())
        self.take("op", ")")
        if name == "IF" and not 1 <= len(args) <= 3 or name in ("ABS", "ISNUMBER") and len(args) != 1:
            raise FormulaError(f"{name} with {len(args)} arguments (in ={self.text})")
        if name != "SUM" and name != "SUMPRODUCT" and name != "ABS":
            args = [f"_one({a})" for a in args]
        return f"{_FUNCTIONS[name]}({', '.join(args)})"


def compile_formula(text: str, host_row: int = 1, host_col: int = 1) -> tuple[tuple[Any, ...], Compiled]:
    """(shape, compiled) of ``text`` (``=...``) written at (host_row, host_col); for tests and the evaluator."""
    toks = tokens(text[1:], host_row, host_col)
    return toks, _Parser(toks, text[1:]).compile()


# --- the workbook ------------------------------------------------------------------------------------

_PENDING = object()


class Evaluator:
    """Computes the formula cells of one in-memory openpyxl workbook, each once (memoised)."""

    def __init__(self, wb: Workbook) -> None:
        # openpyxl keeps a sheet's cells in ``_cells`` keyed (row, column); reading it avoids creating empty cells
        self._cells = {ws.title: ws._cells for ws in wb.worksheets}
        self._names = {name: dn.attr_text for name, dn in wb.defined_names.items()}
        self._memo: dict[tuple[str, int, int], Any] = {}
        self._named: dict[str, Value] = {}
        self._compiled: dict[tuple[Any, ...], Compiled] = {}
        self._placed: dict[tuple[str, int, int], Compiled] = {}  # the same text at the same cell of another sheet

    def cell(self, sheet: str, row: int, col: int) -> Value:
        key = (sheet, row, col)
        value = self._memo.get(key, _PENDING)
        if value is not _PENDING:
            return value
        if key in self._memo:
            raise FormulaError(f"circular reference through {sheet}!R{row}C{col}")
        cells = self._cells.get(sheet)
        if cells is None:
            return REF
        cell = cells.get((row, col))
        if cell is None or cell.value is None:
            value = None
        elif cell.data_type == "f":
            self._memo[key] = _PENDING
            value = self.formula(sheet, row, col, str(cell.value))
        else:
            value = _plain(cell.value)
        self._memo[key] = value
        return value

    def block(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> list[Value]:
        cell = self.cell
        return [cell(sheet, r, c) for r in range(min(r1, r2), max(r1, r2) + 1) for c in range(min(c1, c2), max(c1, c2) + 1)]

    def formula(self, sheet: str, row: int, col: int, text: str) -> Result:
        """The result of ``text`` (``=...``) written in ``sheet`` at (row, col)."""
        run = self._placed.get((text, row, col))
        if run is None:
            toks = tokens(text[1:], row, col)
            run = self._compiled.get(toks)
            if run is None:
                run = self._compiled[toks] = _Parser(toks, text[1:]).compile()
            self._placed[(text, row, col)] = run
        value = run(self.cell, self.block, self.name, sheet, row, col)
        return 0.0 if value is None else value  # a formula that reads an empty cell shows 0

    def name(self, name: str) -> Value:
        if name in self._named:
            return self._named[name]
        target = self._names.get(name)
        if target is None:
            return XlError("#NAME?")
        toks = tokens(target, 0, 0)
        if len(toks) != 1 or toks[0][0] != "ref" or toks[0][2] is not None or toks[0][1][0] is None:
            raise FormulaError(f"defined name {name} is not one sheet-qualified cell: {target}")
        sheet, row, _, col, _ = toks[0][1]
        value = self._named[name] = self.cell(sheet, row, col)
        return value

    def results(self) -> dict[str, dict[tuple[int, int], Result]]:
        """Sheet title -> {(row, column): value} for every formula cell. Quarters run across and each quarter's
        formulas read the quarter before, so cells are computed column by column: chains stay shallow."""
        formulas = [(col, title, row) for title, cells in self._cells.items()
                    for (row, col), cell in cells.items() if cell.data_type == "f"]
        out: dict[str, dict[tuple[int, int], Result]] = {title: {} for title in self._cells}
        for col, title, row in sorted(formulas):
            value = self.cell(title, row, col)
            assert value is not None  # a formula cell holds its text, so its value is what formula() gives
            out[title][(row, col)] = value
        return out


def _plain(value: Any) -> Value:
    """A stored cell value as a formula sees it: numbers as floats, dates as serial numbers."""
    if isinstance(value, bool | str):
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return float(to_excel(value))
    raise FormulaError(f"cannot use a {type(value).__name__} cell in a formula")


def formula_results(wb: Workbook) -> dict[str, dict[tuple[int, int], Result]]:
    """Every formula cell's result: sheet title -> {(row, column): value}."""
    return Evaluator(wb).results()
