"""Timings of the breaking-point analyses on the CoreWeave profile, each in a fresh process.

Run by hand: ``python bench/analyses.py``. Targets on 2 cores (issue 7): Monte Carlo
100,000 paths x 20 quarters in <= 5 s and < 2 GB; breakeven for all drivers <= 3 s;
a 20 x 20 grid <= 1 s. Prints the median time, the peak resident memory (the process plus two
worker processes at the largest worker's peak, an upper bound) and the ratio
to the target (below 1.0 meets it). Monte Carlo uses both cores.
"""

from __future__ import annotations

import json
import subprocess
import sys

JOBS = {
    "montecarlo 100,000 paths": ("run_montecarlo(cc, 100_000, 7)", 5.0),
    "breakeven, all drivers": ("breakeven_table(cc)", 3.0),
    "grid 20 x 20": ("grid(cc, parse_axis('gpu_price=-80%:0%:20'), parse_axis('rate=0:500bp:20'), GridMetric.MIN_LIQUIDITY)", 1.0),
    "tornado": ("tornado(cc)", 1.0),
}

CHILD = """
import json, resource, statistics, time
from stress import load_company
from stress.engine.compiled import compile_company
from stress.analysis.montecarlo import run_montecarlo
from stress.analysis.breakeven import breakeven_table
from stress.analysis.grid import grid, parse_axis, GridMetric
from stress.analysis.tornado import tornado
cc = compile_company(load_company("coreweave"))
times = []
for _ in range({repeat}):
    start = time.perf_counter()
    {call}
    times.append(time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss + 2 * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({{"seconds": statistics.median(times), "peak_mb": peak / 1024}}))
"""


def main() -> None:
    print(f"{'analysis':<28}{'median s':>10}{'target s':>10}{'ratio':>8}{'peak MB':>10}")
    for name, (call, target) in JOBS.items():
        repeat = 2 if "montecarlo" in name else 5
        out = subprocess.run([sys.executable, "-c", CHILD.format(call=call, repeat=repeat)], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:<28}{r['seconds']:>10.3f}{target:>10.1f}{r['seconds'] / target:>8.2f}{r['peak_mb']:>10.0f}")


if __name__ == "__main__":
    main()
