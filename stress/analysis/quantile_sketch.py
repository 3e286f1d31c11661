"""Percentiles that merge across chunks of paths: log-spaced buckets with each bucket's least and greatest value.

The cash fan wants percentiles of every quarter's cash over all paths. Exact percentiles need every value at
once (paths x quarters floats: 160 MB for a million paths of 20 quarters), and no summary of two halves gives
the exact percentiles of the whole. A ``Sketch`` is that summary, small and exactly mergeable:

- each value goes to a bucket of relative width ``2 * ALPHA`` (bucket ``i`` holds magnitudes in
  ``(GAMMA^(i-1), GAMMA^i]``, ``GAMMA = (1 + ALPHA) / (1 - ALPHA)``, the DDSketch grid of Masson, Rim and Lee,
  VLDB 2019), on either side of zero; magnitudes below ``SMALL`` (USD 1) share one bucket;
- a bucket keeps its count and its least and greatest value. Counts add and extremes take min and max, so
  merging is exact, associative and commutative: any chunking, any order, any tree of merges gives the same
  bytes. That is what keeps the local engine and Dask identical.

A percentile is read as ``numpy.percentile``'s default (linear between the two order statistics around rank
``(n - 1) p / 100``), each order statistic placed by rank between its bucket's least and greatest value.
The exact order statistic lies in the same bucket, so the error is at most the bucket's width, ``2 ALPHA``
(0.1%) of the value; on CoreWeave's cash it is 0.002% at the median error and 0.07% at worst (USD 0.4 m). It is
exact when a bucket holds one value, or many equal ones (a cash floor that many paths sit on).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

ALPHA = 5e-4  # relative half-width of a bucket: an order statistic is read to within 2 ALPHA = 0.1%
GAMMA = (1.0 + ALPHA) / (1.0 - ALPHA)
SMALL = 1.0  # magnitudes below this (USD 1) share bucket 0
_SPAN = 1 << 20  # keys per series: a signed bucket index in +/- (2^19 - 1), i.e. |x| up to about 1e227 USD
_OFFSET = 1 << 19
_LAST = _OFFSET - 1  # the outermost bucket, which also holds anything larger (1.8e308 would need 709,800)
MAX_SERIES = (1 << 31) // _SPAN  # keys fit in int32: 2,047 series (quarters), a horizon is at most 80


@dataclass(frozen=True)
class Sketch:
    """Bucketed values of ``series`` independent series (the quarters), sparse: only buckets that hold values.

    ``keys`` (K,) int32 sorted ascending (series, then value order); ``counts`` (K,) int32 (a bucket counts up
    to 2^31 - 1 values); ``low``, ``high`` (K,) float64 the least and greatest value in the bucket. Size: K
    entries of 24 bytes, at most the number
    of values and at most about 2 ln(range) / (2 ALPHA) per series whatever the number of paths.
    """

    series: int
    keys: np.ndarray
    counts: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @property
    def nbytes(self) -> int:
        return int(self.keys.nbytes + self.counts.nbytes + self.low.nbytes + self.high.nbytes)


def _signed_bucket(values: np.ndarray) -> np.ndarray:
    """Bucket of each value as a signed index, monotone in the value: 0 for |x| < SMALL, +-(i + 1) beyond.

    Magnitudes past about 1e227 share the outermost bucket rather than spill into the next series' keys; its
    least and greatest values are still exact, and no balance sheet reaches it but a diverging path.
    """
    magnitude = np.abs(values)
    with np.errstate(divide="ignore"):
        index = np.ceil(np.log(np.maximum(magnitude, SMALL)) / np.log(GAMMA)).astype(np.int64) + 1
    index = np.minimum(index, _LAST)
    return np.where(magnitude < SMALL, 0, np.sign(values).astype(np.int64) * index)


def _collapse(keys: np.ndarray, counts: np.ndarray, low: np.ndarray, high: np.ndarray, series: int) -> Sketch:
    """Sum the counts and take the extremes of entries that share a key."""
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    if not keys.size:
        return Sketch(series, keys.astype(np.int32), counts.astype(np.int32), low.astype(float), high.astype(float))
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    return Sketch(series, keys[starts].astype(np.int32), np.add.reduceat(counts[order], starts).astype(np.int32),
                  np.minimum.reduceat(low[order], starts), np.maximum.reduceat(high[order], starts))


def sketch(values: np.ndarray) -> Sketch:
    """The sketch of ``values`` (n, S): S series of n values each; non-finite values must be removed first."""
    n, series = values.shape
    if series >= MAX_SERIES:
        raise ValueError(f"a sketch holds at most {MAX_SERIES - 1} series, got {series}")
    keys = (np.arange(series, dtype=np.int64)[None, :] * _SPAN + _OFFSET + _signed_bucket(values)).ravel()
    flat = values.ravel().astype(float)
    return _collapse(keys, np.ones(keys.size, dtype=np.int64), flat, flat, series)


def _merge_two(a: Sketch, b: Sketch) -> Sketch:
    """``a`` and ``b`` in one sketch, by inserting ``b``'s new buckets into ``a``'s sorted keys: memory for the
    result only (sorting their concatenation would need two more copies of both)."""
    if not b.keys.size:
        return a
    if not a.keys.size:
        return b
    at = np.searchsorted(a.keys, b.keys)
    shared = at < a.keys.size
    shared[shared] = a.keys[at[shared]] == b.keys[shared]
    fresh = ~shared
    where = at[fresh]
    keys, counts, low, high = (np.insert(getattr(a, f), where, getattr(b, f)[fresh])
                               for f in ("keys", "counts", "low", "high"))
    into = at[shared] + np.searchsorted(where, at[shared], side="right")  # a's buckets moved by the insertions
    counts[into] += b.counts[shared]
    low[into] = np.minimum(low[into], b.low[shared])
    high[into] = np.maximum(high[into], b.high[shared])
    return Sketch(a.series, keys, counts, low, high)


def merge(*sketches: Sketch) -> Sketch:
    """One sketch of all the values the given sketches hold (exact: the same as sketching them together)."""
    series = {s.series for s in sketches}
    if len(series) != 1:
        raise ValueError(f"sketches of different numbers of series: {sorted(series)}")
    out = sketches[0]
    for other in sketches[1:]:
        out = _merge_two(out, other)
    return out


def _order_statistics(s: Sketch, lo: int, hi: int, ranks: np.ndarray) -> np.ndarray:
    """Values at 0-based ``ranks`` among the entries ``lo:hi`` of one series, by rank within the bucket."""
    counts = s.counts[lo:hi]
    ends = np.cumsum(counts)
    at = np.searchsorted(ends, ranks, side="right")  # the bucket holding each rank
    within = ranks - (ends[at] - counts[at])
    spread = np.where(counts[at] > 1, within / np.maximum(counts[at] - 1, 1), 0.0)
    low, high = s.low[lo:hi][at], s.high[lo:hi][at]
    return np.where(within == 0, low, np.where(within == counts[at] - 1, high, low + (high - low) * spread))


def percentiles(s: Sketch, ps: tuple[float, ...]) -> np.ndarray:
    """(len(ps), series): the percentiles ``ps`` (0-100) of each series, read as ``numpy.percentile``'s default
    (linear) reads them, to the same formula, so equal order statistics give the same bits; NaN for an empty
    series."""
    out = np.full((len(ps), s.series), np.nan)
    series_of = s.keys // _SPAN
    bounds = np.searchsorted(series_of, np.arange(s.series + 1))
    for q in range(s.series):
        lo, hi = int(bounds[q]), int(bounds[q + 1])
        n = int(s.counts[lo:hi].sum())
        if n == 0:
            continue
        virtual = (np.asarray(ps, dtype=float) / 100.0) * (n - 1)
        below = np.floor(virtual)
        gamma = virtual - below
        a = _order_statistics(s, lo, hi, below.astype(np.int64))
        b = _order_statistics(s, lo, hi, np.minimum(below.astype(np.int64) + 1, n - 1))
        diff = b - a
        out[:, q] = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    return out
