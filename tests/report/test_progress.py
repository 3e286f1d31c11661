"""Progress on stderr: appears only after a second of work, only when enabled, and counts the whole work."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from rich.console import Console

from stress.analysis.montecarlo import run_montecarlo
from stress.analysis.suite import STEPS, run_all
from stress.engine.compiled import compile_company
from stress.io.profiles import load_company
from stress.report import progress as progress_module
from stress.report.progress import progress


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal writing into a buffer."""
    buffer = io.StringIO()
    monkeypatch.setattr(progress_module, "stderr", Console(file=buffer, force_terminal=True, width=80))
    return buffer


def test_work_shorter_than_the_delay_shows_nothing(terminal: io.StringIO) -> None:
    with progress("paths", 10, enabled=True, delay=5.0) as advance:
        advance(10)
    assert terminal.getvalue() == ""


def test_longer_work_shows_the_bar(terminal: io.StringIO) -> None:
    with progress("paths", 10, enabled=True, delay=0.0) as advance:
        time.sleep(0.3)
        advance(4)
        time.sleep(0.3)
    assert "paths" in terminal.getvalue()


def test_disabled_shows_nothing_however_long(terminal: io.StringIO) -> None:
    with progress("paths", 10, enabled=False, delay=0.0) as advance:
        time.sleep(0.2)
        advance(4)
    assert terminal.getvalue() == ""


def test_monte_carlo_advances_by_every_path_once() -> None:
    cc = compile_company(load_company("coreweave"), "plan")
    seen: list[float] = []
    run_montecarlo(cc, 5000, 7, chunk=2048, jobs=1, advance=seen.append)
    assert seen == [2048, 2048, 904]


def test_the_analyses_advance_by_their_steps_in_all() -> None:
    cc = compile_company(load_company(Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"), "plan")
    seen: list[float] = []
    run_all(cc, paths=3000, seed=7, advance=seen.append)
    assert sum(seen) == pytest.approx(STEPS) and seen[:3] == [1, 1, 1]
