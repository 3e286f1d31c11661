"""Batch resilience (issue 14, part 3): every good member kept, whatever the others do.

A member whose figures turn non-finite, whose run raises, or which kills its worker process lands in the
failures table; the others are ranked and written; exit 2. Member paths follow the path rule and are never
echoed; one profile reached by several paths is one firm; CSV text cells are defused against formulas.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from stress.analysis import batch as batch_mod
from stress.analysis.batch import FirmOutcome, FirmTask, run_batch, run_firm
from stress.analysis.portfolio import Book, exposure_lines, ranking
from stress.cli import app
from stress.model.portfolio import Exposure, Member, Portfolio
from stress.report.batch_outputs import csv_safe, csv_safe_frame
from stress.scenarios.select import select

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
SECRET = "hunter2-do-not-echo"
runner = CliRunner()

needs_fork = pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                                reason="the worker-killing hook is installed by monkeypatching, which needs fork")


def _tiny(folder: Path, stem: str, **changes: object) -> Path:
    """A copy of the tiny fixture as ``stem``.yaml, its firm renamed, with top-level ``changes``."""
    data = yaml.safe_load(TINY.read_text())
    data["name"], data["ticker"] = f"Tiny {stem}", stem.upper()[:8]
    data.update(changes)
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _kill_worker_for(monkeypatch: pytest.MonkeyPatch, marker: str) -> None:
    """Firms whose profile path contains ``marker`` SIGKILL the worker process that runs them."""
    original, parent = batch_mod.run_firm, os.getpid()

    def run_or_die(task: FirmTask) -> FirmOutcome:
        if marker in task.profile:
            if os.getpid() == parent:  # never kill the test process itself
                raise RuntimeError("the killer firm ran in-process")
            os.kill(os.getpid(), signal.SIGKILL)
        return original(task)

    monkeypatch.setattr(batch_mod, "run_firm", run_or_die)


def _failures(wb: openpyxl.Workbook) -> dict[str, tuple[str, str]]:
    rows = [r for r in wb["Failures"].iter_rows(min_row=4, values_only=True) if r[0]]
    return {Path(str(r[0])).name: (str(r[1]), str(r[2])) for r in rows}


# --- (a)+(b): non-finite and worker death in one book --------------------------------------------------------------

@needs_fork
def test_a_non_finite_member_and_a_worker_killer_lose_only_themselves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     batch_with_two_failures):
    good = [_tiny(tmp_path, f"good{i}") for i in range(6)]
    _tiny(tmp_path, "nonfinite", fleet=[{**yaml.safe_load(TINY.read_text())["fleet"][0], "units": 1.0e308}])
    _tiny(tmp_path, "killer")
    # the killer sits in the middle, so firms are still queued when its worker dies
    names = [g.name for g in good[:3]] + ["killer.yaml", "nonfinite.yaml"] + [g.name for g in good[3:]]
    book = tmp_path / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "Hostile book", "members": [
        {"profile": n, "exposure": {"amount": "10m", "tranche": "Term Loan"}} for n in names]}))
    _kill_worker_for(monkeypatch, "killer")
    res, out, table = batch_with_two_failures(book, tmp_path)
    wb = openpyxl.load_workbook(out)
    ranked = {r[1] for r in wb["Ranking"].iter_rows(min_row=4, values_only=True) if r[0]}
    assert len(ranked) == 6  # every good member ranked
    with table.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert sorted({Path(r["profile"]).name for r in rows}) == sorted(g.name for g in good)
    assert len(rows) == 6 * 2
    failed = _failures(wb)
    assert set(failed) == {"killer.yaml", "nonfinite.yaml"}
    assert "worker died" in failed["killer.yaml"][1] and "SIGKILL" in failed["killer.yaml"][1]
    # non-finite: refused at validation (bounds) or caught after the projection, never a verdict
    assert "non-finite" in failed["nonfinite.yaml"][1] or failed["nonfinite.yaml"][0] == "profile"


@needs_fork
def test_pool_break_resubmits_the_queue_and_retries_in_flight_firms_alone(monkeypatch: pytest.MonkeyPatch):
    scenarios = select(["baseline"])
    tasks = [FirmTask(str(TINY), scenarios, [None]) for _ in range(9)]
    tasks[2] = FirmTask(f"{TINY}#killer", scenarios, [None])
    _kill_worker_for(monkeypatch, "#killer")
    seen: list[FirmOutcome] = []
    outcomes = run_batch(tasks, jobs=2, progress=seen.append)
    assert len(seen) == len(tasks)  # progress once per firm, also for the retried ones
    assert [o.ok for o in outcomes] == [i != 2 for i in range(9)]
    assert outcomes[2].error.startswith("worker died (killed by signal SIGKILL)")
    assert all(o.rows == outcomes[0].rows for i, o in enumerate(outcomes) if i != 2)


@needs_fork
def test_two_killers_and_a_pool_that_breaks_twice(monkeypatch: pytest.MonkeyPatch):
    scenarios = select(["baseline"])
    tasks = [FirmTask(str(TINY) if i not in (1, 5) else f"{TINY}#killer{i}", scenarios, [None]) for i in range(8)]
    original = batch_mod.run_firm
    parent = os.getpid()

    def hook(task: FirmTask) -> FirmOutcome:
        if "#killer" in task.profile:
            assert os.getpid() != parent
            os._exit(3)
        return original(task)

    monkeypatch.setattr(batch_mod, "run_firm", hook)
    outcomes = run_batch(tasks, jobs=2)
    assert [o.ok for o in outcomes] == [i not in (1, 5) for i in range(8)]
    assert "exited with code 3" in outcomes[1].error and "exited with code 3" in outcomes[5].error


def test_a_run_that_raises_anything_fails_that_firm_only(monkeypatch: pytest.MonkeyPatch):
    original = batch_mod.project

    def flaky(cc, worlds, *a, **k):
        if cc.company.ticker == "BOOM":
            raise ZeroDivisionError("deep inside")
        return original(cc, worlds, *a, **k)

    monkeypatch.setattr(batch_mod, "project", flaky)
    scenarios = select(["baseline"])
    boom = FirmTask("boom", scenarios, [None])
    monkeypatch.setattr(batch_mod, "load_profile", _renaming_loader(batch_mod.load_profile))
    outcomes = run_batch([FirmTask(str(TINY), scenarios, [None]), boom], jobs=1)
    assert outcomes[0].ok
    assert not outcomes[1].ok and outcomes[1].stage == "run" and "ZeroDivisionError: deep inside" in outcomes[1].error


def _renaming_loader(load):
    """``boom`` loads the tiny fixture with ticker BOOM."""
    def loader(name):
        if name != "boom":
            return load(name)
        loaded = load(TINY)
        company = loaded.company.model_copy(update={"ticker": "BOOM"})
        return type(loaded)(company, loaded.path, loaded.warnings)
    return loader


def test_figures_that_turn_non_finite_are_a_located_failure(monkeypatch: pytest.MonkeyPatch):
    original = batch_mod.project

    def poisoned(cc, worlds, *a, **k):
        projection = original(cc, worlds, *a, **k)
        projection.lines["revenue"][0, 3] = np.nan
        return projection

    monkeypatch.setattr(batch_mod, "project", poisoned)
    out = run_firm(FirmTask(str(TINY), select(["baseline"]), [None]))
    assert not out.ok and out.stage == "run"
    assert "non-finite" in out.error and "'revenue'" in out.error and "'baseline'" in out.error
    assert out.rows == [] and out.recovery == []


def test_ranking_and_sums_tolerate_missing_values():
    def outcome(name, min_liq, dscr, verdict="pass", recovery=None):
        rows = [{"scenario": "s", "verdict": verdict, "min_liquidity": min_liq, "trough_dscr": dscr,
                 "liquidity_default": "2026Q1" if verdict == "default" else None, "maturity_default": None}]
        return FirmOutcome(name, name=name, ticker=name, rows=rows, recovery=[[recovery]], liquidity_floor=5.0)

    outcomes = [outcome("none", None, None), outcome("nan", float("nan"), float("nan")), outcome("ok", 3.0, 1.2),
                outcome("d", 1.0, 0.5, "default", float("nan"))]
    frame = ranking(outcomes, ["s"])
    assert frame["firm"].tolist() == ["d", "ok", "none", "nan"]  # missing liquidity sorts last, never raises
    assert np.isnan(frame.loc[frame.firm == "none", "liquidity_headroom"]).all()
    members = [Member(profile=o.name, exposure=Exposure(amount=10e6, seniority="secured")) for o in outcomes]
    portfolio = Portfolio(name="p", scenario_weights={"s": 1.0}, members=members)
    lines = exposure_lines(portfolio, members, Book([], [(i, 0) for i in range(4)]), outcomes, ["s"])
    assert np.isfinite(lines.loc["s", ["exposure", "loss", "exposure_defaulting"]].astype(float)).all()


# --- (c) path rule ---------------------------------------------------------------------------------------------------

def test_member_paths_outside_the_folder_are_refused_without_echoing_content(tmp_path: Path):
    folder = tmp_path / "book"
    folder.mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"password: {SECRET}\napi_key: {SECRET}\n")
    (tmp_path / "outside.yaml").write_text(TINY.read_text())
    (folder / "notes.txt").write_text(f"token: {SECRET}\n")
    (folder / "link.yaml").symlink_to(secret)  # a profile-looking name inside the folder, pointing out of it
    _tiny(folder, "inside")
    members = ["inside.yaml", "../secret.yaml", str(secret), "link.yaml", "notes.txt", "../outside.yaml",
               "../" * 12 + "etc/passwd", "/etc/passwd"]
    book = folder / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "Nosy book", "members": [{"profile": m} for m in members]}))
    out = tmp_path / "nosy.xlsx"
    res = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "1", "--out", str(out)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert SECRET not in res.output and "root:" not in res.output
    wb = openpyxl.load_workbook(out)
    cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for c in row if c)
    assert SECRET not in cells and "root:" not in cells
    failures = [r for r in wb["Failures"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(failures) == len(members) - 1
    assert all(r[1] == "path" and "refused" in r[2] and "--allow-any-path" in r[2] for r in failures)
    ranked = [r[1] for r in wb["Ranking"].iter_rows(min_row=4, values_only=True) if r[0]]
    assert ranked == ["INSIDE"]
    js = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "1", "--json"])
    assert js.exit_code == 2 and SECRET not in js.output
    assert len(json.loads(js.stdout)["failures"]) == len(members) - 1


def test_allow_any_path_reads_members_anywhere(tmp_path: Path):
    folder = tmp_path / "book"
    folder.mkdir()
    _tiny(tmp_path, "outside")
    book = folder / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "Wide book", "members": [{"profile": "../outside.yaml"}]}))
    refused = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "1"])
    assert refused.exit_code == 2 and "refused" in refused.output
    allowed = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "1", "--allow-any-path"])
    assert allowed.exit_code == 0, allowed.output
    assert "OUTSIDE" in allowed.output


def test_member_paths_resolve_against_the_portfolio_not_the_working_directory(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "book"
    folder.mkdir()
    _tiny(folder, "here")
    _tiny(tmp_path, "cwdonly")
    book = folder / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "b", "members": [{"profile": "here.yaml"}, {"profile": "cwdonly.yaml"},
                                                             {"profile": "coreweave"}]}))
    monkeypatch.chdir(tmp_path)  # cwdonly.yaml exists here, but not beside the portfolio
    res = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "1", "--json"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert sorted(r["company"]["ticker"] for r in doc["ranking"]) == ["CRWV", "HERE"]  # a shipped name: the search path
    assert len(doc["failures"]) == 1 and "does not exist" in json.dumps(doc["failures"])


# --- (d) one profile, several paths ----------------------------------------------------------------------------------

def test_one_profile_by_relative_absolute_dotted_and_symlinked_paths_is_one_firm(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    profile = _tiny(tmp_path, "same")
    (tmp_path / "alias.yaml").symlink_to(profile)
    paths = ["same.yaml", str(profile), "./sub/../same.yaml", "alias.yaml"]
    book = tmp_path / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "Twice", "scenario_weights": {"baseline": 1.0}, "members": [
        {"profile": p, "exposure": {"amount": "10m", "tranche": "Term Loan"}} for p in paths]}))
    res = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--jobs", "2", "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert [r["company"]["ticker"] for r in doc["ranking"]] == ["SAME"]
    assert len(doc["results"]) == 1
    assert doc["exposure"][0]["exposure"] == pytest.approx(40e6)  # every member's exposure still counted
    assert doc["failures"] == []


def test_profiles_on_the_command_line_by_two_paths_are_one_firm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.chdir(ROOT)
    res = runner.invoke(app, ["batch", "tests/fixtures/tiny.yaml", str(TINY), "tests/../tests/fixtures/tiny.yaml",
                              "-s", "baseline", "--jobs", "1", "--json"])
    assert res.exit_code == 0, res.output
    assert len(json.loads(res.stdout)["ranking"]) == 1


# --- (e) CSV injection -----------------------------------------------------------------------------------------------

def test_csv_safe_escapes_formula_text_and_leaves_numbers():
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"):
        assert csv_safe(text) == "'" + text
    for value in ("plain", "", "1-2", -1.5, -3, 0.0, None, float("nan")):
        assert csv_safe(value) is value or (isinstance(value, float) and np.isnan(csv_safe(value)))
    frame = pd.DataFrame({"name": ["=evil", "fine"], "n": [-1.5, 2.0], "i": [-3, 4]})
    safe = csv_safe_frame(frame)
    assert safe["name"].tolist() == ["'=evil", "fine"]
    assert safe["n"].tolist() == [-1.5, 2.0] and safe["i"].tolist() == [-3, 4]
    assert frame["name"].tolist() == ["=evil", "fine"]  # the report's own table is not changed


def test_batch_csv_has_no_live_formula_and_keeps_negative_numbers(tmp_path: Path):
    _tiny(tmp_path, "evil", name="=cmd|' /C calc'!A0", ticker="@SUM(1+1)")
    scenarios = tmp_path / "scen.yaml"
    scenarios.write_text(yaml.safe_dump({"scenarios": [
        {"name": '=HYPERLINK("http://evil.example","x")', "shocks": [{"kind": "rate", "bp": "+300bp"}]},
        {"name": "-crash", "shocks": [{"kind": "gpu_price", "level": "-60%"}]}]}))
    table = tmp_path / "out.csv"
    res = runner.invoke(app, ["batch", str(tmp_path / "evil.yaml"), "-s", "severe", "-s", '=HYPERLINK("http://evil.example","x")',
                              "-s", "-crash", "--scenarios-file", str(scenarios), "--jobs", "1", "--csv", str(table)])
    assert res.exit_code == 0, res.output
    with table.open(newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    assert len(body) == 3
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "@", "\t", "\r")), cell
            if cell.startswith("-"):
                float(cell)  # a leading minus only on a real number
    col = {name: header.index(name) for name in ("firm", "ticker", "scenario", "min_liquidity", "equity_end")}
    assert {r[col["firm"]] for r in body} == {"'=cmd|' /C calc'!A0"}
    assert {r[col["ticker"]] for r in body} == {"'@SUM(1+1)"}
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in {r[col["scenario"]] for r in body}
    assert "'-crash" in {r[col["scenario"]] for r in body}
    assert any(float(r[col["min_liquidity"]]) < 0 for r in body)  # negatives still numbers (tiny defaults in severe)
