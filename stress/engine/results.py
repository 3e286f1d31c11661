"""Results: the projection plus metrics, covenant tests, events and verdicts.

The boundary where numpy meets pandas: reports and notebooks read results
through the accessors here (``frame``, ``covenant_frame``, ``events``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, cast

import numpy as np
import pandas as pd

from stress.engine import covenants as cov
from stress.engine import metrics as m
from stress.engine.compiled import covenant_first_q
from stress.engine.covenants import CovenantTest, Verdict
from stress.engine.financing import CENT
from stress.engine.project import Projection
from stress.engine.timeline import NEVER
from stress.model.covenant import TESTED, Consequence, Covenant, CovenantKind, CovenantMetric
from stress.vocabulary import Metric

#: Lines the metrics read (a lean projection keeps them when a covenant can default the firm).
METRIC_LINES = ("ebitda", "ebitdar", "interest_expense", "debt", "lease_liabilities", "tax", "scheduled_principal",
                "net_cash_flow", "revolver_net")
METRIC_NAMES = tuple(m.value for m in Metric if m is not Metric.LTV)  # ltv is per tranche: Results.ltv


@dataclass(frozen=True)
class Events:
    """One world's distress events; quarters are labels such as '2027Q2', None when it never happens.

    ``first_breach`` is the parent's first maintenance breach; a vehicle's tests trap or sweep its cash
    (``lock_ups``) or foreclose it (``vehicle_defaults``), which defaults the firm only through a
    cross-default (``cross_default``) or a guarantee it cannot pay (a maturity default)."""

    first_breach: str | None
    first_breach_covenant: str | None
    liquidity_default: str | None
    maturity_default: str | None
    maturity_default_tranche: str | None
    covenant_default: str | None = None  # a parent covenant whose breach is an event of default
    cross_default: str | None = None
    vehicle_defaults: dict[str, str] = field(default_factory=dict)  # vehicle -> quarter foreclosed
    lock_ups: dict[str, str] = field(default_factory=dict)  # vehicle -> first quarter its cash was trapped



def _unpaid_maturity(p: Projection) -> np.ndarray:
    """(W, T, Q) due and not paid: ``project`` always fills it (None only on a Projection built by hand)."""
    return cast(np.ndarray, p.unpaid_maturity)

def _from_quarter(t: CovenantTest, q: int) -> CovenantTest:
    """The test as it stands when first tested in quarter ``q``: before then no value (NaN: null in JSON),
    no headroom, and a pass."""
    before = np.arange(t.passed.shape[-1]) < q
    return CovenantTest(t.covenant, np.where(before, np.nan, t.value), np.where(before, np.nan, t.headroom), t.passed | before)


def first_default(p: Projection, covenant_default: np.ndarray | None = None) -> np.ndarray:
    """(W,) each world's first default quarter, NEVER if none: cash below zero, a maturity unpaid, a
    cross-defaulting vehicle foreclosed, or (given) a parent covenant whose breach is an event of default."""
    events = [cov.first_true(p["cash"] < -CENT), cov.first_true(_unpaid_maturity(p).sum(axis=1) > CENT)]
    if p.cross_default is not None and p.cross_default.size:
        events.append(cov.first_true(p.cross_default))
    if covenant_default is not None:
        events.append(covenant_default)
    return cov.earliest(*events)


class Results:
    """Metrics and tests over a Projection; every array is (W, Q) unless noted."""

    def __init__(self, projection: Projection, scenarios: Sequence[Any] = (), source: Any = None) -> None:
        """``scenarios``: the Scenario objects the worlds were built from (their descriptions and shocks, for
        the reports); ``source``: the loaded profile (``stress.io.profiles.LoadedProfile``: path, hash,
        comments), None for a Company built in memory. Both travel with the results so that no renderer
        re-reads a file."""
        self.projection = projection
        self.cc = projection.cc
        self.company = projection.cc.company
        self.quarters = projection.cc.timeline.labels
        self.scenarios = list(scenarios)
        self.source = source

    @property
    def periods(self) -> pd.PeriodIndex:
        """The projection quarters as periods (``quarters`` are their labels)."""
        return self.cc.timeline.quarters

    @property
    def world_names(self) -> list[str]:
        """Each world's name (a scenario's, or a path's); ``projection.worlds`` is the worlds themselves."""
        return self.projection.worlds.names

    @property
    def cases(self) -> list[str]:
        """Each world's case: ``plan`` or ``committed``."""
        return ["plan" if p else "committed" for p in self.projection.worlds.plan]

    def funding_gap(self, world: int = 0) -> tuple[float, str | None]:
        """Peak cumulative funding gap (USD) and the quarter it peaks, None when there is none."""
        cumulative = np.cumsum(self.projection["funding_gap"][world])
        if not cumulative.size or cumulative.max() <= CENT:
            return 0.0, None
        return float(cumulative.max()), self.quarters[int(cumulative.argmax())]

    @cached_property
    def metrics(self) -> dict[str, np.ndarray]:
        p = self.projection
        ebitda_ltm = m.ltm(p["ebitda"])
        ebitdar_ltm = m.ltm(p["ebitdar"])
        interest_ltm = m.ltm(p["interest_expense"])
        liquidity = p["cash"] + p["revolver_available"]
        before_revolver = p["net_cash_flow"] - p["revolver_net"]
        return {
            Metric.EBITDA_LTM: ebitda_ltm,
            Metric.DEBT_TO_EBITDA: m.leverage(p["debt"], ebitda_ltm),
            Metric.NET_DEBT_TO_EBITDA: m.net_leverage(p["debt"], p["cash"], ebitda_ltm),
            Metric.LEASE_ADJUSTED_LEVERAGE: m.lease_adjusted_leverage(p["debt"], p["lease_liabilities"], ebitdar_ltm),
            Metric.INTEREST_COVER: m.interest_cover(ebitda_ltm, interest_ltm),
            Metric.DSCR: m.dscr(ebitda_ltm, m.ltm(p["tax"]), interest_ltm, m.ltm(p["scheduled_principal"])),
            Metric.LIQUIDITY: liquidity,
            Metric.RUNWAY_QUARTERS: m.runway_quarters(liquidity, m.ltm(before_revolver)),
        }

    @cached_property
    def ltv(self) -> dict[str, np.ndarray]:
        """Secured balance / collateral market value per secured tranche, (W, Q) each."""
        p = self.projection
        out = {}
        for t, name in enumerate(self.cc.tranche_names):
            if self.company.tranche(name).secured_by:
                balance = p.tranches["closing"][:, t, :]
                out[name] = np.where(balance > CENT, m.ratio(balance, p.collateral[:, t, :]), 0.0)  # type: ignore[index]
        return out

    def covenant_value(self, c: Covenant) -> np.ndarray:
        """(W, Q) the metric a covenant tests, where it is tested: a vehicle's from the engine's waterfall."""
        if c.at_parent:
            return self.metric(c.metric, c.applies_to)
        v = self.cc.vehicles.names.index(c.tested_at)
        return self.projection.vehicles["dscr" if c.metric is CovenantMetric.DSCR else "ltv"][:, v, :]

    def metric(self, metric: CovenantMetric, applies_to: str | None = None) -> np.ndarray:
        """The metric a parent covenant tests, (W, Q); an LTV test's is its tranche's (``applies_to``)."""
        if metric is CovenantMetric.LTV:
            return self.ltv[applies_to]  # type: ignore[index]
        return self.metrics[TESTED[metric]]

    @cached_property
    def covenant_tests(self) -> list[CovenantTest]:
        first = covenant_first_q(self.company, self.cc.timeline)
        tests = [cov.test(c, self.covenant_value(c)) for c in self.company.covenants]
        return [t if q == 0 else _from_quarter(t, q) for t, q in zip(tests, first, strict=True)]

    def _breaches(self, consequence: Consequence | None = None) -> list[CovenantTest]:
        """The tests as the parent's maintenance breaches see them: every other test passes throughout
        (a vehicle's has its own consequence; an incurrence test only blocks new debt). With
        ``consequence``, only the parent's tests with that consequence."""
        out = []
        for t in self.covenant_tests:
            c = t.covenant
            counts = c.at_parent and c.kind is CovenantKind.MAINTENANCE and consequence in (None, c.consequence)
            out.append(t if counts else cov.CovenantTest(c, t.value, t.headroom, np.ones_like(t.passed)))
        return out

    @cached_property
    def event_quarters(self) -> dict[str, np.ndarray]:
        """Per world, (W,) int arrays: the quarter of each event and which covenant or tranche; NEVER for both
        where the event does not happen."""
        p = self.projection
        unpaid = _unpaid_maturity(p).sum(axis=1) > CENT
        maturity_q = cov.first_true(unpaid)
        tranche_first = cov.first_true(_unpaid_maturity(p) > CENT)  # (W, T)
        breach_q, breach_i = cov.first_breach(self._breaches())
        eod_q, _ = cov.first_breach(self._breaches(Consequence.EVENT_OF_DEFAULT))
        n = len(self.world_names)
        v = p.vehicles
        return {
            "covenant_default": eod_q if eod_q.size else np.full(n, NEVER),
            "cross_default": cov.first_true(p.cross_default) if p.cross_default is not None and p.cross_default.size else np.full(n, NEVER),
            "vehicle_default": cov.first_true(v["defaulted"] > 0) if v else np.full((n, 0), NEVER),  # (W, V)
            "lock_up": cov.first_true(v["locked"] > 0) if v else np.full((n, 0), NEVER),  # (W, V)
            "liquidity_default": cov.first_true(p["cash"] < -CENT),
            "maturity_default": maturity_q,
            "maturity_tranche": np.where(maturity_q == NEVER, NEVER, tranche_first.argmin(axis=1)) if tranche_first.size else np.full(n, NEVER),
            "first_breach": breach_q if breach_q.size else np.full(n, NEVER),
            "first_breach_covenant": breach_i if breach_i.size else np.full(n, NEVER),
        }

    @cached_property
    def default_quarter(self) -> np.ndarray:
        """(W,) the first default (liquidity, maturity, cross-default or covenant event of default), NEVER where
        the world never defaults."""
        e = self.event_quarters
        return cov.earliest(e["liquidity_default"], e["maturity_default"], e["cross_default"], e["covenant_default"])

    @cached_property
    def in_default(self) -> np.ndarray:
        """(W, Q) bool: at or after the first liquidity or maturity default."""
        return np.arange(len(self.quarters))[None, :] >= self.default_quarter[:, None]

    @cached_property
    def rating(self) -> np.ndarray:
        """Indicative rating per world and quarter as strings from RATING_SCALE, (W, Q)."""
        idx = m.rating_index(self.metrics["net_debt_to_ebitda"], self.metrics["interest_cover"], self.in_default)
        return np.asarray(m.RATING_SCALE, dtype=object)[idx]

    def _label(self, q: int) -> str | None:
        return None if q == NEVER else self.quarters[q]

    def events(self, world: int = 0) -> Events:
        quarters = self.event_quarters
        e = {k: int(v[world]) for k, v in quarters.items() if v.ndim == 1}
        labels = [c.label for c in self.company.covenants]
        names = self.cc.vehicles.names

        def by_vehicle(key: str) -> dict[str, str]:
            return {n: self.quarters[int(q)] for n, q in zip(names, quarters[key][world], strict=True) if q != NEVER}

        return Events(
            first_breach=self._label(e["first_breach"]),
            first_breach_covenant=None if e["first_breach_covenant"] == NEVER else labels[e["first_breach_covenant"]],
            liquidity_default=self._label(e["liquidity_default"]),
            maturity_default=self._label(e["maturity_default"]),
            maturity_default_tranche=None if e["maturity_tranche"] == NEVER else self.cc.tranche_names[e["maturity_tranche"]],
            covenant_default=self._label(e["covenant_default"]),
            cross_default=self._label(e["cross_default"]),
            vehicle_defaults=by_vehicle("vehicle_default"),
            lock_ups=by_vehicle("lock_up"),
        )

    @cached_property
    def verdicts(self) -> list[Verdict]:
        e = self.event_quarters
        return cov.verdicts(e["first_breach"], self.default_quarter, np.full(len(self.world_names), NEVER))

    def frame(self, world: int = 0) -> pd.DataFrame:
        """Quarters (rows) x every line and metric (columns) for one world; USD and x."""
        data = {name: arr[world] for name, arr in self.projection.lines.items()}
        data |= {name: arr[world] for name, arr in self.metrics.items()}
        data |= {f"ltv[{name}]": arr[world] for name, arr in self.ltv.items()}
        frame = pd.DataFrame(data, index=pd.Index(self.quarters, name="quarter"))
        frame["rating"] = self.rating[world]
        return frame

    def covenant_frame(self, world: int = 0) -> pd.DataFrame:
        """One row per covenant x quarter: value, limit, headroom, pass."""
        rows = [
            {"covenant": t.covenant.label, "quarter": q, "value": t.value[world, i], "limit": t.covenant.threshold,
             "kind": "min" if t.covenant.is_minimum else "max", "headroom": t.headroom[world, i], "passed": bool(t.passed[world, i])}
            for t in self.covenant_tests for i, q in enumerate(self.quarters)
        ]
        return pd.DataFrame(rows)

    def tranche_frame(self, world: int = 0) -> pd.DataFrame:
        """Debt schedule: one row per tranche x quarter with opening, drawn, interest, repaid, refinanced, closing."""
        t = self.projection.tranches
        rows = [
            {"tranche": name, "quarter": q, **{k: float(t[k][world, j, i]) for k in t}}
            for j, name in enumerate(self.cc.tranche_names) for i, q in enumerate(self.quarters)
        ]
        return pd.DataFrame(rows)
