"""Timings of the breaking-point analyses on the CoreWeave profile, each in a fresh process.

Run by hand: ``python bench/analyses.py [--only montecarlo]``. Targets on 2 cores (issue 7): Monte Carlo
100,000 paths x 20 quarters in <= 5 s and < 2 GB; breakeven for all drivers <= 3 s; a 20 x 20 grid <= 1 s.
Issue 15: 1,000,000 paths on the local pool and on Dask (a ``LocalCluster`` of 2 worker processes, its
start-up in the time) without more client memory than 100,000 paths needed before the reduction on the
workers (``BEFORE_100K_CLIENT_MB``, measured with this script at the commit before it).

Prints the median time, the ratio to the target (below 1.0 meets it), the client's peak resident memory
and the total peak (the client plus two workers at the largest worker's peak, an upper bound).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

#: Peak client memory of ``run_montecarlo(cc, 100_000, 7)`` before chunks were reduced on the workers (the
#: client concatenated every path's cash): measured with this script at commit 073be98 on the same machine.
BEFORE_100K_CLIENT_MB = 140.0

JOBS = {
    "montecarlo 100k, local": ("run_montecarlo(cc, 100_000, 7)", 5.0, 2),
    "montecarlo 1m, local": ("run_montecarlo(cc, 1_000_000, 7)", 50.0, 1),
    "montecarlo 1m, dask": ("run_montecarlo(cc, 1_000_000, 7, jobs=2, engine='dask')", 50.0, 1),
    "breakeven, all drivers": ("breakeven_table(cc)", 3.0, 5),
    "grid 20 x 20": ("grid(cc, parse_axis('gpu_price=-80%:0%:20'), parse_axis('rate=0:500bp:20'), GridMetric.MIN_LIQUIDITY)", 1.0, 5),
    "tornado": ("tornado(cc)", 1.0, 5),
}

CHILD = """
import json, resource, statistics, time
from stress import load_company
from stress.engine.compiled import compile_company
from stress.analysis.montecarlo import run_montecarlo
from stress.analysis.breakeven import breakeven_table
from stress.analysis.grid import grid, parse_axis, GridMetric
from stress.analysis.tornado import tornado
if __name__ == "__main__":  # Dask's worker processes start by spawning, which imports this module again
    cc = compile_company(load_company("coreweave"))
    times = []
    for _ in range({repeat}):
        start = time.perf_counter()
        {call}
        times.append(time.perf_counter() - start)
    client = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = client + 2 * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({{"seconds": statistics.median(times), "client_mb": client / 1024, "peak_mb": peak / 1024}}))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="run only the analyses whose name contains this")
    args = parser.parse_args()
    print(f"{'analysis':<26}{'median s':>10}{'target s':>10}{'ratio':>7}{'client MB':>11}{'peak MB':>9}")
    for name, (call, target, repeat) in JOBS.items():
        if args.only not in name:
            continue
        out = subprocess.run([sys.executable, "-c", CHILD.format(call=call, repeat=repeat)], capture_output=True,
                             text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{name:<26}{r['seconds']:>10.3f}{target:>10.1f}{r['seconds'] / target:>7.2f}{r['client_mb']:>11.0f}"
              f"{r['peak_mb']:>9.0f}")
    print(f"client memory for 100k paths before the reduction on the workers: {BEFORE_100K_CLIENT_MB:.0f} MB")


if __name__ == "__main__":
    main()
