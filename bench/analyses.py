"""Timings of the breaking-point analyses on the CoreWeave profile, each in a fresh process.

Run by hand: ``python bench/analyses.py [--only montecarlo]``. Targets on 2 cores (issue 7): Monte Carlo
100,000 paths x 20 quarters in <= 5 s and < 2 GB; breakeven for all drivers <= 3 s; a 20 x 20 grid <= 1 s.
Issue 15: 1,000,000 paths on the local pool and on Dask without more client memory than 100,000 paths needed
before the reduction on the workers (``BEFORE_100K_CLIENT_MB``, measured with this script at the commit before
it). Dask twice: ``--engine dask`` (a ``LocalCluster`` of 2 worker processes, its start-up in the time and its
scheduler in the client's process), and ``--scheduler`` (a ``dask scheduler`` and two ``dask worker`` processes
started here beforehand, as a user's cluster would be: the client holds only the client).

Prints the median time, the ratio to the target (below 1.0 meets it), the client's peak resident memory
and the total peak (the client plus two workers at the largest worker's peak, an upper bound).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

#: Peak client memory of ``run_montecarlo(cc, 100_000, 7)`` before chunks were reduced on the workers (the
#: client concatenated every path's cash): measured with this script at commit 073be98 on the same machine.
BEFORE_100K_CLIENT_MB = 140.0

JOBS = {
    "montecarlo 100k, local": ("run_montecarlo(cc, 100_000, 7)", 5.0, 2),
    "montecarlo 1m, local": ("run_montecarlo(cc, 1_000_000, 7)", 50.0, 1),
    "montecarlo 1m, dask": ("run_montecarlo(cc, 1_000_000, 7, jobs=2, engine='dask')", 50.0, 1),
    "montecarlo 1m, --scheduler": ("run_montecarlo(cc, 1_000_000, 7, scheduler='{address}')", 50.0, 1),
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


#: Dask's workers without MALLOC_TRIM_THRESHOLD_ (README, Scale-out with Dask), as the LocalCluster of --engine dask.
DASK_CONFIG = "distributed:\n  nanny:\n    pre-spawn-environ:\n      MALLOC_TRIM_THRESHOLD_: null\n"


@contextmanager
def dask_cluster(workers: int = 2):  # type: ignore[no-untyped-def]
    """``dask scheduler`` and ``workers`` ``dask worker`` processes on 127.0.0.1; yields the scheduler's address."""
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "stress.yaml").write_text(DASK_CONFIG)
        env = {**os.environ, "DASK_CONFIG": tmp}
        file = Path(tmp) / "scheduler.json"
        loopback = ["--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0", "--no-dashboard"]
        dask = [sys.executable, "-m", "dask"]
        procs = [subprocess.Popen([*dask, "scheduler", *loopback, "--port", "0", "--scheduler-file", str(file)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
        try:
            while not file.exists():
                time.sleep(0.1)
            procs += [subprocess.Popen([*dask, "worker", "--scheduler-file", str(file), *loopback, "--nthreads", "1"],
                                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                      for _ in range(workers)]
            from distributed import Client

            with Client(scheduler_file=str(file), set_as_default=False) as client:
                client.wait_for_workers(workers, timeout=120)
            yield json.loads(file.read_text())["address"]
        finally:
            for p in reversed(procs):
                p.terminate()
                p.wait(timeout=30)


def run(call: str, repeat: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD.format(call=call, repeat=repeat)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="", help="run only the analyses whose name contains this")
    args = parser.parse_args()
    print(f"{'analysis':<28}{'median s':>10}{'target s':>10}{'ratio':>7}{'client MB':>11}{'peak MB':>9}")
    for name, (call, target, repeat) in JOBS.items():
        if args.only not in name:
            continue
        if "{address}" in call:
            with dask_cluster() as address:
                r = run(call.replace("{address}", address), repeat)
        else:
            r = run(call, repeat)
        print(f"{name:<28}{r['seconds']:>10.3f}{target:>10.1f}{r['seconds'] / target:>7.2f}{r['client_mb']:>11.0f}"
              f"{r['peak_mb']:>9.0f}")
    print(f"client memory for 100k paths before the reduction on the workers: {BEFORE_100K_CLIENT_MB:.0f} MB")


if __name__ == "__main__":
    main()
