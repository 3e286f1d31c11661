"""Time ``stress memo coreweave`` end to end, as a user runs it: a fresh process each time.

Run by hand: ``python bench/memo.py [--repeat N] [--paths N]``. Prints the median wall time of N runs of the
command (imports, projection of every built-in scenario, breakeven search, Monte Carlo, charts, PDF, atomic
write) against the 5-second target of issue 17 on 2 cores, then the median of the stages, timed in-process.
Writes to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 5.0


def _stages(paths: int) -> dict[str, float]:
    """Seconds of each stage in this process (imports already paid by the first call)."""
    import datetime as dt

    from stress import api
    from stress.analysis.breakeven import breakeven_table
    from stress.analysis.montecarlo import run_montecarlo
    from stress.io.profiles import load_profile
    from stress.model.capital import Case
    from stress.report.memo import MemoInputs, build_memo
    from stress.scenarios.build import with_other_baseline
    from stress.scenarios.select import select

    t0 = time.perf_counter()
    loaded = load_profile("coreweave")
    results = api.run(loaded, with_other_baseline(select([]), Case.PLAN, loaded.company))  # with its comments
    t1 = time.perf_counter()
    rows = breakeven_table(results.cc)
    t2 = time.perf_counter()
    mc = run_montecarlo(results.cc, paths, 7)
    t3 = time.perf_counter()
    from stress.analysis.market_view import market_view

    inputs = MemoInputs(results, rows, mc, market_view(loaded.company, len(mc.quarters) / 4), loaded.path, "0" * 64,
                        dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    build_memo(inputs)
    t4 = time.perf_counter()
    return {"project": t1 - t0, "breakeven": t2 - t1, "montecarlo": t3 - t2, "charts + pdf": t4 - t3}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--paths", type=int, default=10_000)
    args = parser.parse_args()
    walls = []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.repeat):
            out = Path(folder) / f"memo-{i}.pdf"
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "stress", "memo", "coreweave", "--paths", str(args.paths),
                            "--out", str(out)], check=True, capture_output=True)
            walls.append(time.perf_counter() - start)
        size = out.stat().st_size
    stages = [_stages(args.paths) for _ in range(args.repeat)]
    median = statistics.median(walls)
    verdict = "within" if median <= TARGET_SECONDS else "OVER"
    print(f"stress memo coreweave --paths {args.paths:,}: median {median:.2f} s of {args.repeat} runs on "
          f"{os.cpu_count()} CPUs ({verdict} the {TARGET_SECONDS:.0f} s target); file {size / 1024:,.0f} KiB")
    print("  " + "   ".join(f"{k} {statistics.median(s[k] for s in stages):.2f} s" for k in stages[0]))


if __name__ == "__main__":
    main()
