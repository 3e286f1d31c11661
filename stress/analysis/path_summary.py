"""What a Monte Carlo keeps of its paths: a summary each chunk reduces to where it ran, merged exactly.

A chunk's per-path figures (``ChunkSummary``: default quarter, minimum liquidity, cash in every quarter,
recovery, vehicle foreclosures) are reduced on the worker that simulated it to a ``PathSummary``:

- counts (exact): first defaults per quarter (the PD and the PD by year), the exposure's defaults, each
  vehicle's foreclosures;
- sums for the loss given default and expected loss, one per chunk, added at the end with ``math.fsum`` (so the
  order chunks arrive in cannot change a bit);
- minimum liquidity per path (8 bytes a path: its percentiles stay exact), one array in path order;
- the cash fan as a mergeable sketch (``stress.analysis.quantile_sketch``: within 0.1% of the exact
  percentile), instead of paths x quarters floats;
- the first non-finite cash figure, if any, so no probability is drawn from a path that overflowed.

``merge`` is exact and associative: chunks merged in any grouping give the same bytes, which is why the
local process pool and a Dask cluster (merging in a tree on its workers) give the same answer. The client
holds, at the end, 8 bytes a path plus a sketch of bounded size, whatever the number of paths.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stress.analysis import quantile_sketch
from stress.engine.timeline import NEVER


@dataclass(frozen=True)
class NonFiniteCash:
    """The first path (by index over the whole run) whose cash is not finite, its quarter index and value."""

    path: int
    quarter: int
    value: float


@dataclass(frozen=True)
class PathSummary:
    """A mergeable summary of ``paths`` paths of ``quarters`` quarters (shapes in the field comments)."""

    paths: int
    defaults: np.ndarray  # (Q,) int64: paths whose first default is in each quarter
    exposure_defaults: int  # paths where the exposure defaults (the firm's default, or first its vehicle's)
    vehicle_defaults: np.ndarray  # (V,) int64: paths where each vehicle is foreclosed
    recovered: tuple[float, ...]  # per chunk: sum of the exposure's recovery rates where it defaults with a rate
    rated: int  # paths where the exposure defaults and has a recovery rate
    lost: tuple[float, ...]  # per chunk: sum over paths of (exposure defaults) x (1 - recovery rate)
    min_liquidity: np.ndarray  # (paths,) USD, in path order
    cash: quantile_sketch.Sketch  # the cash of every path in every quarter, USD
    non_finite: NonFiniteCash | None = None

    @property
    def nbytes(self) -> int:
        """Bytes of arrays held: what a worker ships back and the client keeps."""
        return (self.defaults.nbytes + self.vehicle_defaults.nbytes + self.min_liquidity.nbytes
                + self.cash.nbytes + 8 * (len(self.recovered) + len(self.lost)))

    def recovered_total(self) -> float:
        return math.fsum(self.recovered)

    def lost_total(self) -> float:
        return math.fsum(self.lost)


def _first_non_finite(cash: np.ndarray, offset: int) -> NonFiniteCash | None:
    bad = np.argwhere(~np.isfinite(cash))
    if not bad.size:
        return None
    path, quarter = (int(v) for v in bad[0])
    return NonFiniteCash(offset + path, quarter, float(cash[path, quarter]))


def reduce_paths(default_q: np.ndarray, min_liquidity: np.ndarray, cash: np.ndarray, recovery: np.ndarray,
                 exposure_default_q: np.ndarray | None = None, vehicle_default_q: np.ndarray | None = None,
                 offset: int = 0) -> PathSummary:
    """One chunk's per-path figures, W paths x Q quarters, reduced; ``offset`` is its first path's index.

    ``default_q`` (W,) first default quarter or NEVER; ``min_liquidity`` (W,) USD; ``cash`` (W, Q) USD;
    ``recovery`` (W,) the exposure's recovery rate at its default (NaN where none); ``exposure_default_q``
    (W,) the exposure's default quarter (default: the firm's); ``vehicle_default_q`` (W, V).
    """
    paths, quarters = cash.shape
    defaulted = default_q != NEVER
    exposure_hit = defaulted if exposure_default_q is None else exposure_default_q != NEVER
    vehicles = np.zeros((paths, 0), dtype=np.int64) if vehicle_default_q is None else vehicle_default_q
    rated = exposure_hit & np.isfinite(recovery)
    loss = np.where(exposure_hit, 1.0 - np.nan_to_num(recovery, nan=1.0), 0.0)  # no rate: nothing lost
    finite = np.isfinite(cash).all(axis=1)
    return PathSummary(
        paths=paths,
        defaults=np.bincount(default_q[defaulted], minlength=quarters).astype(np.int64),
        exposure_defaults=int(exposure_hit.sum()),
        vehicle_defaults=(vehicles != NEVER).sum(axis=0).astype(np.int64),
        recovered=(math.fsum(recovery[rated]),),
        rated=int(rated.sum()),
        lost=(math.fsum(loss),),
        min_liquidity=np.asarray(min_liquidity, dtype=float),
        cash=quantile_sketch.sketch(cash[finite]),
        non_finite=_first_non_finite(cash, offset),
    )


def _first(*found: NonFiniteCash | None) -> NonFiniteCash | None:
    present = [f for f in found if f is not None]
    return min(present, key=lambda f: (f.path, f.quarter)) if present else None


def merge(*parts: PathSummary) -> PathSummary:
    """The summary of all the paths of ``parts``, taken in the order given (the order of the paths)."""
    if len(parts) == 1:
        return parts[0]
    return PathSummary(
        paths=sum(p.paths for p in parts),
        defaults=np.sum([p.defaults for p in parts], axis=0),
        exposure_defaults=sum(p.exposure_defaults for p in parts),
        vehicle_defaults=np.sum([p.vehicle_defaults for p in parts], axis=0),
        recovered=tuple(r for p in parts for r in p.recovered),
        rated=sum(p.rated for p in parts),
        lost=tuple(x for p in parts for x in p.lost),
        min_liquidity=np.concatenate([p.min_liquidity for p in parts]),  # one array: none to join at the end
        cash=quantile_sketch.merge(*(p.cash for p in parts)),
        non_finite=_first(*(p.non_finite for p in parts)),
    )


class Merger:
    """Merges summaries as they arrive, in path order, holding O(log n) of them: a binary counter of merged
    runs, so merging n chunks costs n log n rather than the n^2 of folding each into a growing total."""

    def __init__(self) -> None:
        self._stack: list[tuple[int, PathSummary]] = []  # (level, summary), levels strictly decreasing

    def add(self, part: PathSummary) -> None:
        level = 0
        while self._stack and self._stack[-1][0] == level:
            _, before = self._stack.pop()
            part, level = merge(before, part), level + 1
        self._stack.append((level, part))

    def result(self) -> PathSummary:
        if not self._stack:
            raise ValueError("no paths were summarised")
        return merge(*(s for _, s in self._stack))
