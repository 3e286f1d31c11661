"""The shipped profiles against their own headers (companies/README.md, "What every profile carries").

Each header states the opening reconciliation (derived against the reported total the sources give, with a
tolerance) and the first projected quarter (baseline, plan case). These tests pin both, so a change to the
model or the profile that moves them has to update the header too, where a reader sees it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

import stress
from stress.engine.opening import opening_balance
from stress.io.profiles import SHIPPED_DIR, load_profile

M = 1e6


@dataclass(frozen=True)
class Pin:
    """What a profile's header states, USD m: the first projected quarter (baseline, plan case), the derived
    opening figure it reconciles (``equity`` or ``total_assets``) and whether a reported (or estimated) total
    exists to reconcile it against, within ``tolerance``."""

    quarter: str
    revenue: float
    ebitda: float
    interest: float
    derived: float
    measure: str  # "equity" or "total_assets"
    reported: bool
    tolerance: float


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def header_text(path: Path) -> str:
    """The leading comment block as one line: ``#`` and indentation dropped, lines joined by spaces."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        lines.append(line.lstrip("#").strip())
    return " ".join(lines)


def header_pin(path: Path) -> Pin:
    """The pinned statements of ``path``'s header (companies/README.md, "What every profile carries")."""
    text = header_text(path)
    first = re.search(r"First projected quarter (\S+) \(baseline, plan case\): revenue ([\d,.]+)m, EBITDA on the "
                      r"firm's definition ([\d,.]+)m, interest expense ([\d,.]+)m", text)
    opening = re.search(r"Opening: derived (equity|total assets) (-?[\d,.]+)m", text)
    assert first and opening, f"{path.name}: the header states no pinned first quarter and opening"
    after = text[opening.start():opening.start() + 400]
    tolerance = re.search(r"(?:within the|tolerance) (\d+)%", after)
    return Pin(first[1], *(_number(first[i]) for i in (2, 3, 4)), _number(opening[2]), opening[1].replace(" ", "_"),
               "no reported total" not in after, float(tolerance[1]) / 100 if tolerance else 0.0)


SHIPPED = sorted([*SHIPPED_DIR.glob("*.yaml"), *(SHIPPED_DIR / "history").glob("*.yaml")])
PROFILES = [p for p in SHIPPED if p.name != "portfolio.yaml"]


def _name(path: Path) -> str:
    return path.stem


PINS = {p.stem: header_pin(p) for p in PROFILES}


def test_every_shipped_profile_states_a_tolerance_where_it_reconciles() -> None:
    assert len(PINS) == 8
    for name, pin in PINS.items():
        assert (pin.tolerance > 0) == pin.reported, name


@pytest.mark.parametrize("path", PROFILES, ids=_name)
def test_header_states_the_firm_as_of_and_convention(path: Path) -> None:
    loaded = load_profile(path)
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)[:60]
                     if line.startswith("#"))
    assert f"as_of {loaded.company.as_of}" in header
    assert re.search(r"Convention: committed = ", header), "the header states the convention"
    assert "Pinned by tests/test_shipped_profiles.py" in header


@pytest.mark.parametrize("name", sorted(PINS))
def test_opening_reconciles_to_the_reported_total_within_the_stated_tolerance(name: str) -> None:
    pin = PINS[name]
    ob = opening_balance(load_profile(name).company)
    derived = ob.total_assets if pin.measure == "total_assets" else ob.equity
    assert derived / M == pytest.approx(pin.derived, abs=0.05)  # the figure the header states
    if not pin.reported:
        assert ob.reported_equity is None and ob.reported_total_assets is None
        return
    reported = ob.reported_total_assets if pin.measure == "total_assets" else ob.reported_equity
    assert reported is not None
    assert abs(derived - reported) <= pin.tolerance * abs(reported)


@pytest.mark.parametrize("name", sorted(PINS))
def test_first_projected_quarter_is_the_one_the_header_states(name: str) -> None:
    pin = PINS[name]
    frame = stress.run(name).frame(0)
    assert frame.index[0] == pin.quarter
    first = [float(frame[line].iloc[0]) / M for line in ("revenue", "ebitda_reported", "interest_expense")]
    assert first == pytest.approx([pin.revenue, pin.ebitda, pin.interest], abs=0.05)
