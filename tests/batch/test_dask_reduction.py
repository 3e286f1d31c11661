"""The Monte Carlo reduction both engines share (issue 15, part 2): exact counts, an exact merge, a bounded fan.

No Dask needed: these are the properties that make the local pool and a Dask cluster agree to the bit (the
merge does not care how chunks are grouped or ordered) and keep the client's memory flat (a sketch whose size
does not grow with the paths).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from stress.analysis import quantile_sketch as qs
from stress.analysis.path_summary import Merger, merge, reduce_paths
from stress.engine.timeline import NEVER

P = (5, 25, 50, 75, 95)


def _same(a: object, b: object) -> bool:
    return pickle.dumps(a) == pickle.dumps(b)


def _values(seed: int, n: int, series: int = 3) -> np.ndarray:
    """Cash-like values: log-normal around USD 1bn, a quarter of them negative, some exactly on a floor."""
    rng = np.random.default_rng(seed)
    v = np.exp(rng.normal(np.log(1e9), 1.0, (n, series))) * np.where(rng.random((n, series)) < 0.25, -1, 1)
    v[rng.random((n, series)) < 0.1] = 5e8  # a cash floor many paths sit on
    return v


def test_merging_sketches_is_sketching_the_values_together_in_any_grouping():
    parts = [_values(s, 500 + 37 * s) for s in range(6)]
    whole = qs.sketch(np.concatenate(parts))
    for merged in (qs.merge(*map(qs.sketch, parts)),
                   qs.merge(qs.merge(*map(qs.sketch, parts[:2])), qs.merge(*map(qs.sketch, parts[2:]))),
                   qs.merge(*map(qs.sketch, reversed(parts)))):
        assert _same(merged, whole)


def test_percentiles_are_within_a_bucket_width_of_numpy():
    values = _values(1, 20_000)
    exact = np.percentile(values, P, axis=0)
    read = qs.percentiles(qs.sketch(values), P)
    # the exact order statistic lies in the same bucket: at most its width, 2 ALPHA of the value, away
    assert (np.abs(read - exact) <= 2 * qs.ALPHA * np.abs(exact) + 1e-6).all()
    assert not np.array_equal(read, exact)  # an approximation, so the bound above is what is tested


def test_few_distinct_values_read_exactly_as_numpy_does():
    # each value alone in its bucket: every order statistic exact, and the interpolation is numpy's formula
    values = np.array([[-3e9], [0.0], [0.0], [1.0], [7.5e8], [7.5e8], [2e9], [4e10], [4e10], [-3e9], [12.0]])
    np.testing.assert_array_equal(qs.percentiles(qs.sketch(values), (0, 5, 25, 33, 50, 75, 95, 100)),
                                  np.percentile(values, (0, 5, 25, 33, 50, 75, 95, 100), axis=0))


def test_percentiles_by_hand():
    # 1..5: p50 = 3; p25 at rank 1 = 2; p10 at rank 0.4 = 1 + 0.4 x (2 - 1) = 1.4
    s = qs.sketch(np.arange(1.0, 6.0)[:, None])
    np.testing.assert_allclose(qs.percentiles(s, (10, 25, 50))[:, 0], [1.4, 2.0, 3.0], rtol=1e-15)


def test_huge_magnitudes_stay_in_their_own_quarter_and_keep_their_order():
    """Values up to the largest float: each quarter's sketch keeps exactly its own values (without the clamp of
    the outermost bucket, 1e300 would be keyed into the next quarter); the extremes read back exactly."""
    big = np.array([[-1.7e308, 1.0], [-1e250, 2.0], [0.0, 3.0], [1e230, 4.0], [1e300, 5.0]])
    s = qs.sketch(big)
    np.testing.assert_array_equal(qs.percentiles(s, (0, 50, 100)), [[-1.7e308, 1.0], [0.0, 3.0], [1e300, 5.0]])
    assert s.counts.sum() == big.size


def test_a_sketch_does_not_grow_with_the_values():
    rng = np.random.default_rng(0)
    small = qs.sketch(np.exp(rng.normal(20, 1, (10_000, 1))))
    large = qs.sketch(np.exp(rng.normal(20, 1, (400_000, 1))))
    # magnitudes within e^(20 +- 6): at most 12 / ln(GAMMA) buckets, however many values
    assert large.keys.size <= 12 / np.log(qs.GAMMA) + 1
    assert large.keys.size < 2 * small.keys.size and large.nbytes < 1e6


def _chunk(seed: int, n: int, quarters: int = 6, vehicles: int = 2) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    default_q = np.where(rng.random(n) < 0.3, rng.integers(0, quarters, n), NEVER)
    vehicle_q = np.where(rng.random((n, vehicles)) < 0.2, rng.integers(0, quarters, (n, vehicles)), NEVER)
    exposure_q = np.where(default_q != NEVER, default_q, vehicle_q[:, 0])
    recovery = np.where(exposure_q != NEVER, rng.random(n), np.nan)
    recovery[rng.random(n) < 0.05] = np.nan  # a default with no rate (the tranche was repaid)
    return {"default_q": default_q, "min_liquidity": rng.normal(0, 1e9, n), "cash": _values(seed, n, quarters),
            "recovery": recovery, "exposure_default_q": exposure_q, "vehicle_default_q": vehicle_q}


def test_a_chunk_summary_counts_by_hand():
    # three paths, two quarters: path 0 defaults in q1 recovering 40%, path 1 never, path 2 in q0 with no rate
    s = reduce_paths(np.array([1, NEVER, 0]), np.array([5.0, 7.0, -1.0]), np.ones((3, 2)),
                     np.array([0.4, np.nan, np.nan]), vehicle_default_q=np.array([[NEVER], [1], [0]]))
    np.testing.assert_array_equal(s.defaults, [1, 1])
    assert s.exposure_defaults == 2 and s.rated == 1 and s.recovered_total() == 0.4
    assert s.lost_total() == pytest.approx(0.6)  # no rate: nothing counted lost (as before the reduction)
    np.testing.assert_array_equal(s.vehicle_defaults, [2])
    np.testing.assert_array_equal(s.min_liquidity, [5.0, 7.0, -1.0])


def test_summaries_merge_the_same_in_any_grouping_and_keep_path_order():
    chunks = [_chunk(s, 100 + s) for s in range(9)]
    offsets = np.cumsum([0] + [len(c["default_q"]) for c in chunks])
    parts = [reduce_paths(**c, offset=int(o)) for c, o in zip(chunks, offsets, strict=False)]
    flat = merge(*parts)
    streamed = Merger()
    for p in parts:
        streamed.add(p)
    tree = merge(merge(*parts[:8]), parts[8])  # the Dask engine's 8-way tree of 9 chunks
    assert _same(streamed.result(), flat) and _same(tree, flat)
    whole = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    one = reduce_paths(**whole)
    np.testing.assert_array_equal(flat.defaults, one.defaults)
    np.testing.assert_array_equal(flat.vehicle_defaults, one.vehicle_defaults)
    np.testing.assert_array_equal(flat.min_liquidity, whole["min_liquidity"])
    assert (flat.exposure_defaults, flat.rated) == (one.exposure_defaults, one.rated)
    assert flat.lost_total() == pytest.approx(one.lost_total(), rel=1e-14)
    assert _same(flat.cash, one.cash)


def test_the_first_non_finite_cash_is_found_whichever_chunk_arrives_first():
    a, b = _chunk(1, 50), _chunk(2, 50)
    a["cash"][40, 3] = np.inf
    b["cash"][2, 1] = np.nan
    first, second = reduce_paths(**a, offset=0), reduce_paths(**b, offset=50)
    for merged in (merge(first, second), merge(second, first)):
        assert (merged.non_finite.path, merged.non_finite.quarter, merged.non_finite.value) == (40, 3, np.inf)
    assert merge(second).non_finite.path == 52


def test_a_path_whose_cash_overflows_stops_the_run_with_its_place(monkeypatch: pytest.MonkeyPatch):
    import stress
    from stress.analysis import montecarlo as mc
    from stress.engine import finite
    from stress.engine.compiled import compile_company

    cc = compile_company(stress.load_company("tests/fixtures/tiny.yaml"))
    original = mc.summarise_chunk
    calls = iter(range(100))

    def overflowing(cc, worlds, exposure):  # noqa: ANN001
        out = original(cc, worlds, exposure)
        if next(calls) == 1:  # the second chunk: paths 64-127
            out.cash[5, 3] = np.inf
        return out

    monkeypatch.setattr(mc, "summarise_chunk", overflowing)
    with pytest.raises(finite.NonFiniteError, match=r"path 69.*" + cc.timeline.labels[3]):
        mc.run_montecarlo(cc, 200, seed=1, chunk=64, jobs=1)
