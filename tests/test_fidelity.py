"""The README's Fidelity table is what ``scripts/fidelity.py`` prints from the shipped profiles today.

A change to a profile or the model that moves a first-quarter projection must update the table (and its
explanations) in the same change: the README never shows numbers the tool no longer gives.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _fidelity():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("fidelity", REPO / "scripts" / "fidelity.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["fidelity"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_cell_states_projected_reported_and_the_error_against_reported() -> None:
    f = _fidelity()
    assert f.cell(1252.4, 1364.7) == "1,252 vs 1,365 (-8%)"
    assert f.cell(254.3, 184.7) == "254 vs 185 (+38%)"
    assert f.cell(14.2, None) == "14 vs n/a"


def test_readme_fidelity_table_matches_the_profiles() -> None:
    f = _fidelity()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = f.table(f.rows())
    if table not in readme:
        pytest.fail("README's Fidelity table is stale: paste the output of `python scripts/fidelity.py`\n" + table)
