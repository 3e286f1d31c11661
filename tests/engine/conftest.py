"""Shared helpers for the engine tests: tiny synthetic companies and explicit worlds.

The tests run with ``--import-mode=importlib``, so test modules cannot import
this file; the helpers are handed out as session-scoped fixtures (safe to use
with hypothesis, which rejects function-scoped ones).

``make_company(**sections)`` builds a validated ``Company`` from a minimal,
hand-checkable base (one GPU model "H100" at a flat $2.00/GPU-hour, 100%
utilisation, no power, no costs, no debt, no leases) overlaid with the
sections given; ``run(company, **world_fields)`` projects the baseline world
(or ``n`` copies of it) with any Worlds fields replaced, e.g.
``run(c, base_rate=np.array([[...]]))``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stress.engine.compiled import compile_company
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.worlds import baseline_worlds
from stress.model.company import Company

from _companies import DAYS_FROM_2025Q3, make_company_from


def run_worlds(company: Company, n: int = 1, **world_fields: Any) -> Results:
    """Project ``n`` baseline worlds with ``world_fields`` replaced (arrays must have the full shape)."""
    cc = compile_company(company)
    worlds = baseline_worlds(cc, n)
    if world_fields:
        worlds = dataclasses.replace(worlds, **world_fields)
    return Results(project(cc, worlds))


@pytest.fixture(scope="session")
def make_company() -> Callable[..., Company]:
    return make_company_from


@pytest.fixture(scope="session")
def run() -> Callable[..., Results]:
    return run_worlds


@pytest.fixture(scope="session")
def quarter_days() -> np.ndarray:
    """Calendar days of the projection quarters after 2025-06-30 (see DAYS_FROM_2025Q3)."""
    return np.array(DAYS_FROM_2025Q3, dtype=float)
