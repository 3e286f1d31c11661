"""The joint Monte Carlo of the shipped book: every profile in companies/portfolio.yaml x 20,000 paths.

Run by hand: ``python bench/joint.py [--paths 20000] [--jobs 2] [--seed 7]``. Target on 2 cores (issue 12):
30 s or less for the joint simulation (planning: loading and compiling the profiles, then every chunk).
Prints the seconds, firm-paths per second and the ratio to the target, then the joint PDs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "companies" / "portfolio.yaml"
TARGET_SECONDS = 30.0


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from stress.analysis.joint import plan_joint, run_joint
    from stress.analysis.portfolio import plan
    from stress.io.portfolio import batch_input

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=20_000)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    portfolio, members, paths, refusals = batch_input([str(BOOK)])
    book = plan(members, paths, [], refusals=refusals)
    start = time.perf_counter()
    joint_plan = plan_joint(book.tasks)
    result = run_joint(book.tasks, args.paths, args.seed, jobs=args.jobs, plan=joint_plan)
    seconds = time.perf_counter() - start
    firms = len(result.firms)
    print(f"joint book: {firms} firms x {args.paths:,} paths, {args.jobs} worker(s): {seconds:.2f} s "
          f"({firms * args.paths / seconds:,.0f} firm-paths/s); target {TARGET_SECONDS:.0f} s, ratio {seconds / TARGET_SECONDS:.2f}")
    for r in result.firm_rows():
        print(f"  {r['ticker']:<5} PD {r['probability_of_default']:.2%} [{r['pd_low']:.2%}, {r['pd_high']:.2%}]")
    dist = result.count_distribution()
    print("  firms defaulting per path: " + ", ".join(f"P({k})={p:.2%}" for k, p in enumerate(dist) if p > 0))
    for link in result.link_rows():
        print(f"  {link['landlord']} <- {link['tenant']}: both default in {link['joint_defaults']:,} paths "
              f"({link['joint_if_independent']:,.0f} if independent)")
    return 0 if seconds <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
