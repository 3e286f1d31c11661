"""Every command's console output, piped, at ``COLUMNS=80``, 120 and a wide 250: no line wider than that and
no table cell cut ("2,6…"); the figures found whole in their rows match the JSON output.

The commands run as a user runs them (the installed ``stress`` script, output to a pipe), a few at a time.
By default every command runs at 80 and two at 120 and 250 (about 20 s of CPU); ``STRESS_WIDTHS=all`` runs
every command at every width (about 45 s). ``-m "not console_width"`` leaves the file out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stress.report.format import pct, times, usd_m

pytestmark = pytest.mark.console_width

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("stress")
BOX = re.compile("[│┃]")

#: name -> arguments; several shipped profiles, every command of the issue.
COMMANDS: dict[str, list[str]] = {
    "validate": ["validate", "coreweave", "oracle", "iren"],
    "show coreweave": ["show", "coreweave"],
    "show oracle": ["show", "oracle"],
    "show iren": ["show", "iren"],
    "run coreweave --detail": ["run", "coreweave", "--detail"],
    "run oracle --quarterly": ["run", "oracle", "--quarterly"],
    "run iren ad hoc": ["run", "iren", "--rate", "+300bp", "--gpu-price", "-30%"],
    "scenarios": ["scenarios"],
    "batch": ["batch", "companies/portfolio.yaml"],
    "batch --paths 500": ["batch", "companies/portfolio.yaml", "--paths", "500"],
    "breakeven": ["breakeven", "coreweave"],
    "grid": ["grid", "coreweave", "--x", "gpu_price=-80%:0%:17", "--y", "rate=0:500bp:6"],
    "tornado": ["tornado", "oracle"],
    "montecarlo --paths 2000": ["montecarlo", "coreweave", "--paths", "2000"],
    "diff profiles": ["diff", "coreweave-2025-06-30", "coreweave"],
}
#: What also runs at the other widths by default: the most tables of figures, and of text.
SAMPLE = ("run coreweave --detail", "batch --paths 500")
WIDTHS = (80, 120, 250)
EVERY = os.environ.get("STRESS_WIDTHS", "").strip().lower() == "all"
CASES = [(name, w) for w in WIDTHS for name in COMMANDS if w == 80 or EVERY or name in SAMPLE]
JSON = {"run oracle baseline": ["run", "oracle", "--scenario", "baseline", "--json"],
        "batch": ["batch", "companies/portfolio.yaml", "--json"]}


def _stress(args: list[str], columns: int | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([str(SCRIPT), *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def outputs() -> dict[tuple[str, int | None], subprocess.CompletedProcess[str]]:
    """Every case's run, and the JSON runs (width None), three at a time."""
    if not SCRIPT.exists():
        pytest.skip("the stress console script is not installed beside this Python")
    jobs = [*((name, w, COMMANDS[name]) for name, w in CASES), *((name, None, args) for name, args in JSON.items())]
    with ThreadPoolExecutor(max_workers=3) as pool:
        done = list(pool.map(lambda job: _stress(job[2], job[1]), jobs))
    return {(name, w): res for (name, w, _), res in zip(jobs, done, strict=True)}


def cells(text: str) -> list[list[str]]:
    """The stripped cells of every table line."""
    return [[c.strip() for c in BOX.split(line)[1:-1]] for line in text.splitlines() if BOX.search(line)]


def row_cells(text: str, key: int = 0) -> dict[str, set[str]]:
    """Each row label (cell ``key``) -> every cell of the lines it labels, over all the blocks."""
    rows: dict[str, set[str]] = {}
    for row in cells(text):
        if len(row) > key and row[key]:
            rows.setdefault(row[key], set()).update(row)
    return rows


@pytest.mark.parametrize(("name", "width"), CASES, ids=[f"{n}@{w}" for n, w in CASES])
def test_fits_the_width_and_cuts_no_cell(outputs: dict, name: str, width: int) -> None:
    res = outputs[(name, width)]
    assert res.returncode == 0, res.stderr
    text = res.stdout + res.stderr
    too_wide = [line for line in text.splitlines() if len(line) > width]
    assert not too_wide, f"{len(too_wide)} line(s) wider than {width}, e.g. {too_wide[0]!r}"
    cut = [c for row in cells(text) for c in row if c.endswith("…")]
    assert not cut, f"cells cut to fit: {cut[:5]}"
    assert len(cells(text)) > 0 or name in ("validate", "scenarios")


def test_piped_output_without_columns_is_160_wide() -> None:
    res = _stress(["scenarios"], None)
    assert max(len(line) for line in res.stdout.splitlines()) == 160  # the panels span the width


def test_quarterly_figures_are_whole_at_80(outputs: dict) -> None:
    """Each quarter's revenue, EBITDA, net income, FCF, cash and debt (from --json) is a cell of that
    quarter's row, whole, at 80 columns, though the table is split into blocks."""
    doc = json.loads(outputs[("run oracle baseline", None)].stdout)
    lines = doc["scenarios"][0]["lines"]
    text = outputs[("run oracle --quarterly", 80)].stdout
    assert "Quarterly — baseline" in text and "Quarterly — baseline (continued)" in text
    rows = row_cells(text)
    for i, q in enumerate(doc["scenarios"][0]["quarters"]):
        for key in ("revenue", "ebitda", "net_income", "fcf", "cash", "debt"):
            assert usd_m(lines[key][i]) in rows[q], (q, key, usd_m(lines[key][i]))


def test_ranking_figures_are_whole_at_80(outputs: dict) -> None:
    """Each firm's minimum liquidity, headroom, trough DSCR and market PD (from --json) are whole cells of its
    row ("(11,178.…" was the bug), and its verdict letters too."""
    ranking = json.loads(outputs[("batch", None)].stdout)["ranking"]
    rows = row_cells(outputs[("batch", 80)].stdout, key=1)
    for r in ranking:
        ticker = r["ticker"] if "ticker" in r else r["company"]["ticker"]  # the JSON before and after schema 2.0
        verdicts = r.get("verdicts") or {k: v for k, v in r.items() if k.startswith("verdict:")}
        row = rows[ticker]
        assert {usd_m(r["min_liquidity"]), pct(r["liquidity_headroom"]), times(r["trough_dscr"])} <= row, ticker
        assert r["market_pd"] is None or pct(r["market_pd"]) in row
        assert verdicts and {v[0].upper() for v in verdicts.values()} <= row, ticker


def test_an_ad_hoc_run_details_the_scenario_asked_for(outputs: dict) -> None:
    text = outputs[("run iren ad hoc", 80)].stdout
    assert "Detail below for custom;" in text
    assert "Annual summary — custom" in text and "Verdict — custom" in text
    assert "Annual summary — baseline" not in text
