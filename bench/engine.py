"""Engine throughput on the CoreWeave profile: worlds x quarters per second at several world counts.

Run by hand: ``python bench/engine.py``. Prints the time per call, world-quarters per second and the
ratio to the 8-world (scenario set) call, so a regression shows as a ratio, not an absolute time.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from stress import load_company
from stress.engine.compiled import compile_company
from stress.engine.project import project
from stress.engine.worlds import Worlds, baseline_worlds


def perturbed(cc, n: int, seed: int = 7) -> Worlds:
    """``n`` baseline worlds with random price levels and base rates, so no two are equal."""
    rng = np.random.default_rng(seed)
    w = baseline_worlds(cc, n)
    return Worlds(**{**w.__dict__,
                     "gpu_price": w.gpu_price * rng.uniform(0.3, 1.2, size=(n, 1, 1)),
                     "base_rate": w.base_rate + rng.uniform(-0.02, 0.04, size=(n, 1))})


def timed(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    cc = compile_company(load_company("coreweave"))
    q = cc.n_quarters
    print(f"CoreWeave, {q} quarters, {len(cc.cohort_names)} cohorts, {len(cc.tranche_names)} tranches")
    base = None
    for n in (8, 400, 5_000, 20_000):
        worlds = perturbed(cc, n)
        seconds = timed(lambda: project(cc, worlds), repeat=5 if n <= 400 else 2)  # noqa: B023 (timed calls it before the loop moves on)
        base = base or seconds / n
        print(f"W={n:>6}: {seconds * 1e3:8.1f} ms  {n * q / seconds:12,.0f} world-quarters/s  "
              f"per-world cost vs W=8: {seconds / n / base:5.2f}x")


if __name__ == "__main__":
    main()
