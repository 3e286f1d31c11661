"""The Assumptions sheet: every input of the profile and of each scenario's shocks, with units and sources.

The validated pydantic model is flattened to one row per field (``debt[1].rate``)
with its value in the sheet's units, the unit, the field's description, and
the comment written beside it in the profile (where profiles name their
sources). Inputs are blue. Money is shown in USD m except per-unit prices.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet
from pydantic import BaseModel

from stress.model.company import Company
from stress.model.covenant import Covenant, CovenantMetric
from stress.model.market import PriceCurve
from stress.model.scenario import Scenario
from stress.report.workbook import styles as st
from stress.units import COUNT, FRACTION, RATE_A_YEAR, THRESHOLD, USD, USD_PER_KWH, USD_PER_UNIT_HOUR, YEARS, RateQuote, unit_of

#: Money fields that are per-unit prices, shown in USD (not USD m).
PER_UNIT = {"unit_cost": "USD per GPU", "price_per_gpu_hour": "USD per GPU-hour", "power_price_per_kwh": "USD per kWh",
            "other_cost_per_gpu_year": "USD per GPU-year", "fixed_price": "USD per GPU-hour",
            "sga_per_mw_year": "USD per MW-year"}
#: Plain-number fields and their units.
PLAIN_UNITS = {"useful_life_years": "years", "economic_life_years": "years", "kw_per_gpu": "kW per GPU", "pue": "x",
               "receivable_days": "days", "horizon_quarters": "quarters"}
#: Shock fields and their units.
SHOCK_UNITS = {"bp": "bp", "level": "%", "annual_change": "% a year", "change": "%", "start": "quarter index (0 = first)",
               "ramp_quarters": "quarters", "quarters": "quarters", "years": "years", "path": "% a year, by quarter"}


@dataclass(frozen=True)
class Input:
    """One row: where the input is, its value in sheet units, unit, description and source note."""

    path: str
    value: Any
    unit: str
    style: str
    description: str = ""
    source: str = ""


# --- flattening the model ------------------------------------------------------------------------

def _unit(owner: BaseModel, field: str, value: Any) -> tuple[Any, str, str]:
    """(value in sheet units, unit, style) of ``owner.field``: by the Unit marked on the field's type
    (``stress.units``), refined by what the field is (a per-GPU cost, a price per GPU-hour)."""
    info = type(owner).model_fields[field]
    unit = unit_of(info.annotation, list(info.metadata))
    if isinstance(value, bool):
        return ("yes" if value else "no"), "", st.INPUT_TEXT
    if isinstance(value, RateQuote):
        return value.label, "rate quote", st.INPUT_TEXT
    if isinstance(value, dt.date):
        return value, "date", st.INPUT_DATE
    if isinstance(value, str):
        return value, "", st.INPUT_TEXT
    if unit is THRESHOLD and isinstance(owner, Covenant):
        if owner.metric is CovenantMetric.LIQUIDITY:
            return value / st.MILLION, "USD m", st.INPUT_USD_M
        return (value, "share", st.INPUT_RATE) if owner.metric is CovenantMetric.LTV else (value, "x", st.INPUT_TIMES)
    if unit is USD_PER_KWH:
        return value, unit.name, st.INPUT_NUMBER
    if unit in (USD, USD_PER_UNIT_HOUR):
        if field in PER_UNIT:
            return value, PER_UNIT[field], st.INPUT_NUMBER
        if isinstance(owner, PriceCurve) or unit is USD_PER_UNIT_HOUR:
            return value, "USD per GPU-hour", st.INPUT_NUMBER
        return value / st.MILLION, "USD m a quarter" if field.endswith("per_quarter") else "USD m", st.INPUT_USD_M
    if unit in (RATE_A_YEAR, FRACTION):
        return value, "% a year" if unit is RATE_A_YEAR else "%", st.INPUT_RATE
    if unit is COUNT:
        return value, "count", st.INPUT_COUNT
    if unit is YEARS:
        return value, "years", st.INPUT_NUMBER
    return value, PLAIN_UNITS.get(field, ""), st.INPUT_COUNT if isinstance(value, int) else st.INPUT_NUMBER


def flatten(model: BaseModel, prefix: str = "", comments: dict[str, str] | None = None, skip: frozenset[str] = frozenset()) -> Iterator[Input]:
    """Every leaf field of ``model`` as an Input, in declaration order; lists of plain values become one row."""
    comments = comments or {}
    for field, info in type(model).model_fields.items():
        if field in skip:
            continue
        value = getattr(model, field)
        path = f"{prefix}.{field}" if prefix else field
        if value is None:
            continue
        if isinstance(value, BaseModel):
            yield from flatten(value, path, comments)
        elif isinstance(value, dict):
            for key, item in value.items():
                sub = f"{path}.{key}"
                if isinstance(item, BaseModel):
                    yield from flatten(item, sub, comments)
                else:
                    yield Input(sub, str(item), "", st.INPUT_TEXT, info.description or "", comments.get(sub, ""))
        elif isinstance(value, list) and value and all(isinstance(x, BaseModel) for x in value):
            for i, item in enumerate(value):
                yield from flatten(item, f"{path}[{i}]", comments)
        elif isinstance(value, list):
            shown = ", ".join(f"{x:.2%}" if isinstance(x, float) else str(x) for x in value)
            yield Input(path, shown or "(none)", "list", st.INPUT_TEXT, info.description or "", comments.get(path, ""))
        else:
            shown, unit, style = _unit(model, field, value)
            yield Input(path, shown, unit, style, info.description or "", comments.get(path, ""))


def shock_inputs(scenario: Scenario) -> Iterator[Input]:
    """Each shock's fields with their units (bp for rate and spread sizes, per cent for levels and changes)."""
    for i, shock in enumerate(scenario.shocks):
        fields = sorted(type(shock).model_fields.items(), key=lambda item: item[0] != "kind")  # kind first
        for name, info in fields:
            value = getattr(shock, name)
            field = info.alias or name  # the key the scenario file writes (``bp`` for ``shift``)
            path = f"{scenario.name}.shocks[{i}].{field}"
            if field == "kind":
                yield Input(path, value, "", st.INPUT_TEXT, "shock kind")
            elif value is None:
                continue
            elif field == "bp":
                yield Input(path, value * 1e4, "bp", st.INPUT_NUMBER, info.description or "")
            elif isinstance(value, list):
                shown = ", ".join(f"{x:.2%}" if isinstance(x, float) else str(x) for x in value)
                yield Input(path, shown or "all", SHOCK_UNITS.get(field, "list"), st.INPUT_TEXT, info.description or "")
            elif isinstance(value, float) and field in ("level", "annual_change", "change"):
                yield Input(path, value, SHOCK_UNITS[field], st.INPUT_RATE, info.description or "")
            elif isinstance(value, str):
                yield Input(path, value, "", st.INPUT_TEXT, info.description or "")
            else:
                style = st.INPUT_COUNT if isinstance(value, int) else st.INPUT_NUMBER
                yield Input(path, value, SHOCK_UNITS.get(field, ""), style, info.description or "")


# --- the sheet -----------------------------------------------------------------------------------

HEADINGS = ("Input", "Value", "Unit", "Description", "Source (the profile's comment on that line)")
WIDTHS = (40, 16, 20, 48, 96)


def _lines(text: str, width: int) -> int:
    return max(1, -(-len(text) // width))


def _row(ws: Worksheet, row: int, x: Input) -> None:
    st.put_text(ws, row, 1, x.path, st.TEXT)
    if isinstance(x.value, str):
        st.put_text(ws, row, 2, x.value, x.style)
    else:
        st.put(ws, row, 2, x.value, x.style)
    st.put(ws, row, 3, x.unit, st.TEXT_INDENT)  # a gap after the right-aligned value
    st.put_text(ws, row, 4, x.description, st.WRAP)
    st.put_text(ws, row, 5, x.source, st.WRAP)
    lines = max(_lines(x.description, WIDTHS[3]), _lines(x.source, WIDTHS[4]))
    if lines > 1:
        ws.row_dimensions[row].height = 13.0 * lines


def write_assumptions(ws: Worksheet, company: Company, scenarios: list[Scenario], comments: dict[str, str]) -> None:
    st.put_text(ws, 1, 1, f"Assumptions: {company.name} as of {company.as_of}, and the scenarios' shocks", st.TITLE)
    st.put(ws, 2, 1, "Inputs in blue. Money in USD m unless the unit says otherwise; rates and shares in per cent. "
           "Covenant thresholds used by the Covenants sheet are edited there (named cells).", st.NOTE)
    for i, h in enumerate(HEADINGS, start=1):
        st.put(ws, 4, i, h, st.HEADER)
    row = 5
    section = None
    for x in flatten(company, comments=comments, skip=frozenset({"sources"})):
        top = x.path.split(".")[0].split("[")[0] if "." in x.path or "[" in x.path else "company"
        if top != section:
            section = top
            st.put(ws, row, 1, section, st.SECTION)
            row += 1
        _row(ws, row, x)
        row += 1
    row += 1
    st.put(ws, row, 1, "Scenarios and their shocks", st.SECTION)
    row += 1
    for scenario in scenarios:
        st.put_text(ws, row, 1, scenario.name, st.TEXT_BOLD)
        _row(ws, row, Input(scenario.name, "", "", st.TEXT, scenario.description, scenario.calibration))
        st.put_text(ws, row, 1, scenario.name, st.TEXT_BOLD)
        row += 1
        if not scenario.shocks:
            st.put(ws, row, 1, "no shocks", st.NOTE)
            row += 1
        for x in shock_inputs(scenario):
            _row(ws, row, x)
            row += 1
    for col, width in zip("ABCDE", WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "B5"
    st.print_setup(ws, "4:4")
