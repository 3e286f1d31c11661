"""The batch at book scale: 1,000 synthetic firms (variations of the shipped profiles) x 8 scenarios,
written to a portfolio workbook, end to end through the CLI.

Run by hand: ``python bench/batch.py [--firms 1000] [--jobs 2]``. Targets on 2 cores (issue 6):
20 s or less end to end and 1.5 GB peak memory or less (parent plus the largest worker).
Prints the time, firm-scenarios per second, peak memory and the ratios to the targets.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROFILES = sorted(p for p in (ROOT / "companies").glob("*.yaml") if p.name != "portfolio.yaml")
TARGET_SECONDS, TARGET_MB = 20.0, 1500.0


def variation(base: dict, i: int, rng: random.Random) -> dict:
    """A plausible sibling of a shipped profile: cash, prices and utilisation moved, renamed."""
    firm = yaml.safe_load(yaml.safe_dump(base))
    firm["name"] = f"{base['name']} variant {i}"
    firm["ticker"] = f"{base['ticker']}{i}"
    firm["opening"]["cash"] = float(_usd(firm["opening"]["cash"]) * rng.uniform(0.5, 1.5))
    for curve in firm["market"]["gpu_hour_price"].values():
        curve["start"] = float(_usd(curve["start"]) * rng.uniform(0.7, 1.3))
    firm["market"]["spot_utilisation"] = round(rng.uniform(0.4, 0.9), 3)
    return firm


def _usd(value: object) -> float:
    from stress.units import parse_money

    return parse_money(value)


def write_book(folder: Path, firms: int) -> Path:
    rng = random.Random(7)
    bases = [yaml.safe_load(p.read_text()) for p in PROFILES]
    members = []
    for i in range(firms):
        path = folder / f"firm{i:04d}.yaml"
        path.write_text(yaml.safe_dump(variation(bases[i % len(bases)], i, rng), sort_keys=False))
        members.append({"profile": path.name, "exposure": {"amount": "50m", "seniority": "senior_unsecured"}})
    book = folder / "book.yaml"
    weights = {"baseline": "45%", "rates_up": "10%", "price_crash": "12%", "short_life": "8%", "customer_default": "8%",
               "refi_freeze": "7%", "severe": "6%", "telecom_2001": "4%"}
    book.write_text(yaml.safe_dump({"name": f"Synthetic book of {firms}", "scenario_weights": weights, "members": members}))
    return book


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    from typer.testing import CliRunner

    from stress.cli import app

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        book = write_book(folder, args.firms)
        start = time.perf_counter()
        result = CliRunner().invoke(app, ["batch", str(book), "--jobs", str(args.jobs), "--out", str(folder / "book.xlsx"), "--json"])
        seconds = time.perf_counter() - start
        if result.exit_code != 0:
            print(result.output[-2000:], file=sys.stderr)
            raise SystemExit(result.exit_code)
        size_mb = (folder / "book.xlsx").stat().st_size / 1e6
    parent = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    peak = parent + worker * args.jobs
    n = args.firms * 8
    print(f"{args.firms} firms x 8 scenarios, {args.jobs} jobs: {seconds:.2f} s end to end "
          f"({n / seconds:,.0f} firm-scenarios/s); workbook {size_mb:.1f} MB")
    print(f"time vs target {TARGET_SECONDS:.0f} s: {seconds / TARGET_SECONDS:.2f}x")
    print(f"peak memory: parent {parent:.0f} MB + {args.jobs} workers x {worker:.0f} MB = {peak:.0f} MB "
          f"(vs target {TARGET_MB:.0f} MB: {peak / TARGET_MB:.2f}x)")


if __name__ == "__main__":
    main()
