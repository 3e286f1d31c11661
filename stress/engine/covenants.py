"""Covenant tests, headroom and distress events, vectorised over (W, Q).

Headroom is the distance to the limit as a share of the limit: positive
passes, negative breaches. A metric that is "n.m." counts as a breach for
leverage tests (EBITDA at or below zero) and LTV (debt with no collateral),
and as a pass for coverage tests (no interest or debt service to cover).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from stress.engine.timeline import NEVER
from stress.model.covenant import Covenant, CovenantMetric


class Verdict(StrEnum):
    PASS = "pass"
    BREACH = "breach"
    DEFAULT = "default"


#: Headroom below this share of the limit is amber in reports.
AMBER_HEADROOM = 0.15

_NM_PASSES = {CovenantMetric.INTEREST_COVER, CovenantMetric.DSCR, CovenantMetric.LIQUIDITY}


@dataclass(frozen=True)
class CovenantTest:
    covenant: Covenant
    value: np.ndarray  # (W, Q) the metric, NaN where n.m.
    headroom: np.ndarray  # (W, Q) share of the limit, NaN where n.m.
    passed: np.ndarray  # (W, Q) bool


def test(covenant: Covenant, value: np.ndarray) -> CovenantTest:
    """Test one covenant against its metric's values."""
    limit = covenant.threshold
    scale = abs(limit) if limit else 1.0
    headroom = (value - limit) / scale if covenant.is_minimum else (limit - value) / scale
    nm = np.isnan(value)
    passed = np.where(nm, covenant.metric in _NM_PASSES, headroom >= 0)
    return CovenantTest(covenant, value, headroom, passed)


def first_true(mask: np.ndarray) -> np.ndarray:
    """Index of the first True along the last axis, NEVER where none; int64, shape mask.shape[:-1]."""
    found = mask.any(axis=-1)
    return np.where(found, mask.argmax(axis=-1), NEVER)


def earliest(*quarters: np.ndarray) -> np.ndarray:
    """Element-wise earliest of event-quarter arrays, same shape each. An event that does not happen is NEVER,
    later than any quarter: the minimum ignores it, and is NEVER only where no event happens."""
    return np.min(quarters, axis=0)


def first_breach(tests: list[CovenantTest]) -> tuple[np.ndarray, np.ndarray]:
    """(quarter, covenant index) of each world's first breach, NEVER for both where none; (W,) each.

    When two covenants first break in the same quarter, the one listed first in the profile is named. A
    breach that never happens has no covenant: its index is NEVER too, which fails loudly if used to index
    the covenants.
    """
    if not tests:
        return np.array([], dtype=int), np.array([], dtype=int)
    firsts = np.stack([first_true(~t.passed) for t in tests], axis=1)  # (W, N)
    quarter = firsts.min(axis=1)
    return quarter, np.where(quarter == NEVER, NEVER, firsts.argmin(axis=1))


def verdicts(breach_q: np.ndarray, liquidity_default_q: np.ndarray, maturity_default_q: np.ndarray) -> list[Verdict]:
    defaulted = (liquidity_default_q != NEVER) | (maturity_default_q != NEVER)
    breached = breach_q != NEVER
    return [Verdict.DEFAULT if d else Verdict.BREACH if b else Verdict.PASS for d, b in zip(defaulted, breached, strict=True)]
