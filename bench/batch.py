"""The batch at book scale: 1,000 synthetic firms (variations of the shipped profiles) x 8 scenarios,
written to a portfolio workbook, end to end through the CLI, on each engine.

Run by hand: ``python bench/batch.py [--firms 1000] [--jobs 2] [--engines local,dask]``. Targets on 2 cores
(issue 6): 20 s or less end to end and 1.5 GB peak memory or less (client plus the largest worker, times the
workers). ``dask`` is a ``LocalCluster`` of ``--jobs`` worker processes started by the command (its start-up is
in the time). Each engine runs in a fresh process, so each peak is its own. Prints the time, firm-scenarios per
second, peak client memory, peak total memory and the ratios to the targets.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
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


def child(book: Path, engine: str, jobs: int) -> None:
    """One run of ``stress batch`` in this process; prints its time, output and peak memory as JSON."""
    from typer.testing import CliRunner

    from stress.cli import app

    out = book.parent / f"book-{engine}.xlsx"
    start = time.perf_counter()
    result = CliRunner().invoke(app, ["batch", str(book), "--jobs", str(jobs), "--engine", engine, "--out", str(out), "--json"])
    seconds = time.perf_counter() - start
    if result.exit_code != 0:
        print(result.output[-2000:], file=sys.stderr)
        raise SystemExit(result.exit_code)
    client = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "client_mb": client, "worker_mb": worker, "workbook_mb": out.stat().st_size / 1e6,
                      "stdout": result.stdout}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--firms", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engines", default="local,dask")
    parser.add_argument("--child", nargs=2, metavar=("BOOK", "ENGINE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], args.jobs)
        return
    n = args.firms * 8
    documents = {}
    with tempfile.TemporaryDirectory() as tmp:
        book = write_book(Path(tmp), args.firms)
        print(f"{args.firms} firms x 8 scenarios, {args.jobs} workers")
        print(f"{'engine':<8}{'seconds':>9}{'vs 20 s':>9}{'firm-scen/s':>13}{'client MB':>11}{'peak MB':>9}{'vs 1.5 GB':>11}")
        for engine in args.engines.split(","):
            run = subprocess.run([sys.executable, __file__, "--jobs", str(args.jobs), "--child", str(book), engine],
                                 capture_output=True, text=True, check=True)
            r = json.loads(run.stdout.strip().splitlines()[-1])
            documents[engine] = json.loads(r.pop("stdout"))
            peak = r["client_mb"] + r["worker_mb"] * args.jobs
            print(f"{engine:<8}{r['seconds']:>9.2f}{r['seconds'] / TARGET_SECONDS:>9.2f}{n / r['seconds']:>13,.0f}"
                  f"{r['client_mb']:>11.0f}{peak:>9.0f}{peak / TARGET_MB:>11.2f}")
    if len(documents) > 1:
        rest = [{k: v for k, v in d.items() if k != "generated"} for d in documents.values()]
        print("same results on every engine:", all(r == rest[0] for r in rest))


if __name__ == "__main__":
    main()
