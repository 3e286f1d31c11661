"""Time to build and write the CoreWeave credit-review workbook: all built-in scenarios, 20 quarters.

Run by hand: ``python bench/report.py [--repeat N]``. Prints the median of N runs
for the projection, the workbook build and the save, the total against the
3-second target, and the file size. The save includes computing every
formula's result and storing it beside the formula (``ValuedWorkbook.save``).
Writes to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from stress import load_profile, run
from stress.report.safe_write import write_atomic
from stress.report.workbook import build_workbook
from stress.scenarios.select import select

TARGET_SECONDS = 3.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    loaded = load_profile("coreweave")
    company = loaded.company
    scenarios = select([])
    timings: dict[str, list[float]] = {"project": [], "build": [], "save": [], "total": []}
    with tempfile.TemporaryDirectory() as folder:
        for i in range(args.repeat):
            path = Path(folder) / f"crwv-{i}.xlsx"
            t0 = time.perf_counter()
            results = run(company, scenarios)
            t1 = time.perf_counter()
            wb = build_workbook(results, scenarios, loaded.path)
            t2 = time.perf_counter()
            write_atomic(path, wb.save)
            t3 = time.perf_counter()
            for key, seconds in (("project", t1 - t0), ("build", t2 - t1), ("save", t3 - t2), ("total", t3 - t0)):
                timings[key].append(seconds)
        size = path.stat().st_size
    median = {k: statistics.median(v) for k, v in timings.items()}
    print(f"CoreWeave, {company.horizon_quarters} quarters, {len(scenarios)} scenarios, median of {args.repeat} runs "
          f"on {os.cpu_count()} CPUs")
    print(f"  project {median['project']:6.2f} s   build {median['build']:6.2f} s   save {median['save']:6.2f} s")
    verdict = "within" if median["total"] <= TARGET_SECONDS else "OVER"
    print(f"  total   {median['total']:6.2f} s   ({verdict} the {TARGET_SECONDS:.0f} s target)   file {size / 1024:,.0f} KiB")


if __name__ == "__main__":
    main()
