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
    """What a profile's header states, USD m. ``reported``: which reported total the opening reconciles
    against (``equity``, ``total_assets`` or None when the sources give none), within ``tolerance``."""

    quarter: str
    revenue: float
    ebitda: float
    interest: float
    derived: float  # derived equity, or derived total assets when reconciling on total assets
    reported: str | None
    tolerance: float


PINS = {
    "coreweave": Pin("2025Q4", 1438.6, 905.9, 362.7, 3879.3, "equity", 0.02),
    "coreweave-2025-06-30": Pin("2025Q3", 1252.4, 808.2, 295.3, 2584.2, "equity", 0.02),
    "nebius": Pin("2026Q1", 418.6, 102.6, 52.6, 4747.9, None, 0.0),
    "iren": Pin("2025Q4", 254.3, 146.8, 8.4, 2254.0, None, 0.0),
    "applied_digital": Pin("2026Q1", 85.9, 28.7, 89.7, 1254.9, "equity", 0.05),
    "terawulf": Pin("2025Q4", 50.2, 14.2, 5.9, 2438.2, "total_assets", 0.02),
    "cipher": Pin("2025Q4", 68.0, 28.8, 0.8, 1032.3, None, 0.0),
    "oracle": Pin("2026Q1", 17050.9, 8953.5, 1084.1, 205343.8, "total_assets", 0.01),
}

SHIPPED = sorted([*SHIPPED_DIR.glob("*.yaml"), *(SHIPPED_DIR / "history").glob("*.yaml")])
PROFILES = [p for p in SHIPPED if p.name != "portfolio.yaml"]


def _name(path: Path) -> str:
    return path.stem


def test_every_shipped_profile_is_pinned() -> None:
    assert sorted(PINS) == sorted(_name(p) for p in PROFILES)


@pytest.mark.parametrize("path", PROFILES, ids=_name)
def test_header_states_the_firm_as_of_and_convention(path: Path) -> None:
    loaded = load_profile(path)
    header = "".join(line for line in path.read_text(encoding="utf-8").splitlines(keepends=True)[:60]
                     if line.startswith("#"))
    assert f"as_of {loaded.company.as_of}" in header or str(loaded.company.as_of) in header
    assert re.search(r"Convention: committed = ", header), "the header states the convention"
    assert "Pinned by tests/test_shipped_profiles.py" in header


@pytest.mark.parametrize("name", sorted(PINS))
def test_opening_reconciles_to_the_reported_total_within_the_stated_tolerance(name: str) -> None:
    pin = PINS[name]
    ob = opening_balance(load_profile(name).company)
    derived = ob.total_assets if pin.reported == "total_assets" else ob.equity
    assert derived / M == pytest.approx(pin.derived, abs=0.05)  # the figure the header states
    assert ob.total_assets == pytest.approx(ob.total_liabilities + ob.equity)
    if pin.reported is None:
        assert ob.reported_equity is None and ob.reported_total_assets is None
        return
    reported = ob.reported_total_assets if pin.reported == "total_assets" else ob.reported_equity
    assert reported is not None
    assert abs(derived - reported) <= pin.tolerance * abs(reported)


@pytest.mark.parametrize("name", sorted(PINS))
def test_first_projected_quarter_is_the_one_the_header_states(name: str) -> None:
    pin = PINS[name]
    frame = stress.run(name).frame(0)
    assert frame.index[0] == pin.quarter
    first = [float(frame[line].iloc[0]) / M for line in ("revenue", "ebitda_reported", "interest_expense")]
    assert first == pytest.approx([pin.revenue, pin.ebitda, pin.interest], abs=0.05)
