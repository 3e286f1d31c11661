"""A cluster as a user starts one (issue 15): ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1,
used through ``--scheduler`` and ``--scheduler-file``; the commands print what the local engine prints."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stress.cli import app

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.dask, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"


def _dask(*args: str, log: Path) -> subprocess.Popen[bytes]:
    """``dask ARGS`` from this interpreter's environment, its output to ``log``; in its own process group."""
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, "-m", "dask", *args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=log.parent, start_new_session=True)


@pytest.fixture(scope="module")
def scheduler_file(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("cluster")
    file = folder / "scheduler.json"
    loopback = ("--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0")  # nothing listens beyond this machine
    scheduler = _dask("scheduler", *loopback, "--port", "0", "--no-dashboard",
                      "--scheduler-file", str(file), log=folder / "scheduler.log")
    processes = [scheduler]
    try:
        deadline = time.monotonic() + 60
        while not file.exists() and time.monotonic() < deadline:
            assert scheduler.poll() is None, (folder / "scheduler.log").read_text()
            time.sleep(0.1)
        processes += [_dask("worker", "--scheduler-file", str(file), *loopback, "--nworkers", "1",
                            "--nthreads", "1", "--no-dashboard", "--name", f"w{i}", log=folder / f"worker{i}.log")
                      for i in range(2)]
        with distributed.Client(scheduler_file=str(file), set_as_default=False, timeout=30) as client:
            client.wait_for_workers(2, timeout=90)
        yield file
    finally:
        for p in reversed(processes):  # ours only, by the handle we started them with
            p.terminate()
        for p in processes:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, 9)
                p.wait()


def test_batch_and_montecarlo_through_scheduler_and_scheduler_file(scheduler_file: Path,
                                                                   monkeypatch: pytest.MonkeyPatch):
    import json

    address = json.loads(scheduler_file.read_text())["address"]
    assert address.startswith("tcp://127.0.0.1:")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    runner = CliRunner()
    book = ["batch", str(ROOT / "companies" / "portfolio.yaml"), "-s", "baseline", "-s", "price_crash", "--json"]
    paths = ["montecarlo", "coreweave", "--paths", "3000", "--seed", "5", "--json"]
    for args, where in ((book, ["--scheduler", address]), (paths, ["--scheduler-file", str(scheduler_file)])):
        local = runner.invoke(app, args)
        remote = runner.invoke(app, [*args, *where])
        assert local.exit_code == remote.exit_code == 0, remote.output
        assert remote.stdout == local.stdout
    with distributed.Client(address, set_as_default=False) as client:  # the cluster is left running, as found
        assert len(client.scheduler_info()["workers"]) == 2
