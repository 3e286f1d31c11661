"""Ctrl-C and SIGTERM: one line, exit 130, promptly, no traceback, no output and no temporary file left behind;
a temporary file left by a run killed outright (kill -9) is cleaned up by the next write."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stress.report import safe_write
from stress.report.safe_write import STALE_AFTER_SECONDS, discard_temporaries, remove_stale_temporaries, write_atomic

REPO = Path(__file__).resolve().parents[1]
COREWEAVE = REPO / "companies" / "coreweave.yaml"
MESSAGE = "interrupted; nothing written"

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(c) for c in text.split()]


def _start(args: list[str], folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "stress", *args], cwd=folder, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)


def _wait_until_working(proc: subprocess.Popen[str], timeout: float = 30.0) -> None:
    """Until the command is past start-up (Python importing the package): its worker processes exist."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        if _children(proc.pid):
            time.sleep(0.3)
            return
        time.sleep(0.05)
    if os.cpu_count() == 1:  # no pool on one core: the run is in-process; give start-up a generous margin
        return
    pytest.fail("the command never started its workers")


def _interrupt(proc: subprocess.Popen[str], sig: signal.Signals, group: bool) -> tuple[float, str, str]:
    start = time.monotonic()
    if group:
        os.killpg(proc.pid, sig)  # what a terminal's Ctrl-C does: the whole foreground process group
    else:
        proc.send_signal(sig)
    try:
        out, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"still running 10 s after {sig.name}")
    return time.monotonic() - start, out, err


def _assert_clean_exit(proc: subprocess.Popen[str], elapsed: float, err: str, folder: Path) -> None:
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == [MESSAGE], err
    assert "Traceback" not in err
    assert elapsed < 2.0, f"took {elapsed:.1f} s to stop"
    assert [p.name for p in folder.iterdir() if p.suffix in (".xlsx", ".part") or p.name.endswith(".part")] == []
    deadline = time.monotonic() + 5  # no worker outlives the run (once init has reaped the killed ones)
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail("a worker process outlived the run")


@pytest.mark.parametrize(("sig", "group"), [(signal.SIGINT, False), (signal.SIGTERM, False), (signal.SIGINT, True)],
                         ids=["sigint", "sigterm", "ctrl-c-to-the-group"])
def test_a_long_montecarlo_stops_at_once(tmp_path: Path, sig: signal.Signals, group: bool) -> None:
    proc = _start(["montecarlo", "coreweave", "--paths", "1000000", "--out", "X.xlsx"], tmp_path)
    _wait_until_working(proc)
    elapsed, _, err = _interrupt(proc, sig, group)
    _assert_clean_exit(proc, elapsed, err, tmp_path)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_pooled_batch_stops_at_once_without_running_the_queued_firms(tmp_path: Path, sig: signal.Signals) -> None:
    text = COREWEAVE.read_text(encoding="utf-8")
    names = []
    for i in range(40):  # far more work than two workers finish in the test's time
        (tmp_path / f"firm{i}.yaml").write_text(text, encoding="utf-8")
        names.append(f"firm{i}.yaml")
    proc = _start(["batch", *names, "-j", "2", "--out", "B.xlsx", "--csv", "B.csv"], tmp_path)
    _wait_until_working(proc)
    elapsed, _, err = _interrupt(proc, sig, group=sig is signal.SIGINT)
    _assert_clean_exit(proc, elapsed, err, tmp_path)
    assert not (tmp_path / "B.csv").exists()


# --- temporary files --------------------------------------------------------------------------------------------


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_a_write_killed_outright_leaves_a_part_file_that_the_next_write_removes(tmp_path: Path) -> None:
    target = tmp_path / "out.xlsx"
    script = ("import sys, time\nfrom stress.report.safe_write import write_atomic\n"
              "def save(p):\n    p.write_text('half', encoding='utf-8')\n    print('saving', flush=True)\n    time.sleep(60)\n"
              "write_atomic(sys.argv[1], save)\n")
    writer = subprocess.Popen([sys.executable, "-c", script, str(target)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline().strip() == "saving"
    writer.kill()  # kill -9: no handler runs
    writer.wait()
    left = _parts(tmp_path)
    assert len(left) == 1 and f"-{writer.pid}." in left[0] and not target.exists()
    write_atomic(tmp_path / "other.xlsx", lambda p: p.write_text("x", encoding="utf-8"))
    assert _parts(tmp_path) == []
    write_atomic(target, lambda p: p.write_text("whole", encoding="utf-8"))  # the target itself was never touched
    assert target.read_text(encoding="utf-8") == "whole"


def test_a_live_writers_part_file_is_kept_until_it_is_stale(tmp_path: Path) -> None:
    host = safe_write._HOST
    live = tmp_path / f".out.xlsx.{host}-{os.getppid()}.abc123.part"  # a running process: a concurrent writer
    other_host = tmp_path / f".out.xlsx.{'0' * 6 if host != '0' * 6 else '1' * 6}-1.abc123.part"
    unrelated = tmp_path / ".notes.part"  # not a name the tool makes
    for p in (live, other_host, unrelated):
        p.write_text("x", encoding="utf-8")
    assert remove_stale_temporaries(tmp_path) == []
    later = time.time() + STALE_AFTER_SECONDS + 60
    assert sorted(p.name for p in remove_stale_temporaries(tmp_path, now=later)) == sorted([live.name, other_host.name])
    assert unrelated.exists()


def test_temporary_names_stay_short_for_a_long_target_name(tmp_path: Path) -> None:
    seen: list[Path] = []
    target = tmp_path / ("x" * 200 + ".xlsx")
    write_atomic(target, lambda p: (seen.append(p), p.write_text("x", encoding="utf-8")))
    assert len(seen[0].name.encode()) < 255 and target.exists()


def test_discard_temporaries_removes_what_an_interrupted_process_still_has(tmp_path: Path) -> None:
    def save(p: Path) -> None:
        p.write_text("half", encoding="utf-8")
        discard_temporaries()  # what the CLI does on its way out
        assert not p.exists()
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(tmp_path / "out.xlsx", save)
    assert list(tmp_path.iterdir()) == []



@pytest.mark.parametrize("delay", [0.05, 0.25])
def test_interrupt_during_start_up_is_one_line_too(tmp_path: Path, delay: float) -> None:
    """Ctrl-C while Python is still importing numpy, pandas and the engine (the first ~0.6 s): the entry point
    (stress.entry) handles it before those imports, so there is no import traceback."""
    proc = _start(["run", str(COREWEAVE)], tmp_path)
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=10)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines() == [MESSAGE]
