"""Save a workbook with every formula's result beside it, so readers that do not calculate still see values.

openpyxl writes a formula cell as ``<c r="C9"><f>C7+C8</f><v/></c>``: Excel and
LibreOffice compute it on opening (the workbook asks them to, with
``fullCalcOnLoad``), but pandas, ``openpyxl`` with ``data_only=True`` and file
previewers read the empty ``<v/>`` and show a blank. ``ValuedWorkbook.save``
computes each formula in Python (``stress.report.workbook.evaluate``) and
writes the result into that ``<v>`` as each sheet's XML goes into the zip:
a number as it is, text with ``t="str"``, a truth value with ``t="b"`` and an
error with ``t="e"``. The formulas stay as they were, live in any spreadsheet.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from xml.sax.saxutils import escape
from zipfile import ZIP_DEFLATED, ZipFile

from openpyxl import Workbook
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.workbook.properties import CalcProperties
from openpyxl.writer.excel import ExcelWriter

from stress.report.workbook.evaluate import Result, XlError, formula_results

#: A formula cell as openpyxl writes it (its ``etree`` and ``lxml`` writers): no type, an empty ``<v>``.
_FORMULA_CELL = re.compile(rb'<c r="([A-Z]{1,3}[0-9]+)"([^>]*)><f>([^<]*)</f>(?:<v\s*/>|<v></v>)</c>')


def _cached(value: Result) -> tuple[bytes, bytes]:
    """(type attribute, ``<v>`` text) for one result."""
    if isinstance(value, XlError):
        return b' t="e"', value.code.encode()
    if isinstance(value, bool):
        return b' t="b"', b"1" if value else b"0"
    if isinstance(value, str):
        return b' t="str"', escape(value).encode("utf-8")
    return b"", repr(float(value) + 0.0).encode()


def _key(coordinate: bytes) -> tuple[int, int]:
    letters, row = coordinate_from_string(coordinate.decode())
    return row, column_index_from_string(letters)


def with_values(xml: bytes, values: dict[tuple[int, int], Result]) -> tuple[bytes, int]:
    """``xml`` (one sheet) with each formula cell's ``<v>`` filled from ``values`` ((row, column) -> value);
    returns the new XML and how many cells were filled."""
    filled = 0

    def fill(m: re.Match[bytes]) -> bytes:
        nonlocal filled
        ref, attrs, formula = m.group(1), m.group(2), m.group(3)
        key = _key(ref)
        if key not in values:
            return m.group(0)
        kind, text = _cached(values[key])
        filled += 1
        return b'<c r="' + ref + b'"' + attrs + kind + b"><f>" + formula + b"</f><v>" + text + b"</v></c>"

    return _FORMULA_CELL.sub(fill, xml), filled


class _ValuesZip(ZipFile):
    """The zip openpyxl writes into: each worksheet part gets its formula results on the way in."""

    def __init__(self, file: Any, wb: Workbook, results: dict[str, dict[tuple[int, int], Result]]) -> None:
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self._wb = wb
        self._results = results
        self.filled: dict[str, int] = {}

    def _values_for(self, arcname: str) -> tuple[str, dict[tuple[int, int], Result]] | None:
        for ws in self._wb.worksheets:  # ws.path is known once the writer has numbered the sheets
            if ws.path.lstrip("/") == arcname and self._results.get(ws.title):
                return ws.title, self._results[ws.title]
        return None

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        target = self._values_for(str(arcname)) if arcname is not None else None
        if target is None:
            super().write(filename, arcname, *args, **kwargs)
            return
        with open(filename, "rb") as fh:
            self.writestr(str(arcname), fh.read())

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        name = zinfo_or_arcname if isinstance(zinfo_or_arcname, str) else zinfo_or_arcname.filename
        target = self._values_for(name)
        if target is not None:
            title, values = target
            raw = data.encode("utf-8") if isinstance(data, str) else data
            data, self.filled[title] = with_values(raw, values)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)


def save_with_values(wb: Workbook, filename: Any) -> None:
    """``wb.save(filename)``, with every formula's result cached in the file.

    Raises RuntimeError if a formula cell could not be given its value (openpyxl wrote it in a form this
    module does not know): a file with blanks is what this exists to prevent.
    """
    results = formula_results(wb)
    wb.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    archive = _ValuesZip(filename, wb, results)
    ExcelWriter(wb, archive).save()  # closes the archive
    missing = {title: len(v) - archive.filled.get(title, 0) for title, v in results.items() if len(v) != archive.filled.get(title, 0)}
    if missing:
        raise RuntimeError(f"formula results not written for {missing} cells (sheet: count); openpyxl's output changed?")


class ValuedWorkbook(Workbook):
    """An openpyxl ``Workbook`` whose ``save`` also stores each formula's result (see the module docstring).

    It asks Excel and LibreOffice to recompute every formula on opening (``fullCalcOnLoad``), so the stored
    results are what a reader without a calculation engine sees, and a spreadsheet shows its own.
    """

    def __init__(self) -> None:
        super().__init__()
        self.calculation = CalcProperties(fullCalcOnLoad=True)

    def save(self, filename: Any) -> None:
        if self.read_only or self.write_only:
            super().save(filename)
            return
        save_with_values(self, filename)
