"""The Dask engine (issue 15): same results as the local engine, nothing lost when workers die, clear errors.

One 2-worker ``LocalCluster`` (one thread each, worker processes) serves the module; the scheduler gives up
on a task after one worker death while running it (``allowed-failures`` 1, 3 by default) so the poison
test takes seconds. Tests that kill workers or start clusters of their own are marked ``slow``.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from stress import load_company
from stress.analysis import montecarlo as mc
from stress.analysis.batch import FirmOutcome, FirmTask, run_batch
from stress.analysis.engines import EngineChoice, EngineError, engine_choice
from stress.analysis.portfolio import plan
from stress.cli import app
from stress.engine.compiled import compile_company
from stress.io.portfolio import batch_input
from stress.scenarios.select import select
from stress.vocabulary import Engine

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

pytestmark = pytest.mark.dask

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def cluster():
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        c = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                     dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL)
    yield c
    c.close()


@pytest.fixture()
def address(cluster) -> str:
    """The module cluster's scheduler, once it has its two workers again (a test before may have killed one)."""
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        client.wait_for_workers(2, timeout=60)
    return cluster.scheduler_address


def _sample_tasks() -> list[FirmTask]:
    _, members, profiles, refusals = batch_input([str(ROOT / "companies" / "portfolio.yaml")], False)
    return plan(members, profiles, select([]), refusals=refusals).tasks


def _tiny(folder: Path, stem: str) -> Path:
    data = yaml.safe_load(TINY.read_text())
    data["name"], data["ticker"] = f"Tiny {stem}", stem.upper()[:8]
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# --- same results ------------------------------------------------------------------------------------------------

def test_the_sample_book_gives_the_local_engines_outcomes(address: str, tmp_path: Path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: [unclosed\n")
    tasks = [*_sample_tasks(), FirmTask(str(broken), select(["baseline"]), [None])]
    local = run_batch(tasks, jobs=1)
    seen: list[FirmOutcome] = []
    remote = run_batch(tasks, progress=seen.append, scheduler=address)
    assert remote == local  # every field of every firm: rows, recoveries, market view, the failure
    assert len(seen) == len(tasks)  # progress once per firm
    assert sum(o.ok for o in remote) == len(tasks) - 1
    assert remote[-1].stage == "profile" and "broken.yaml" in remote[-1].error


def test_a_monte_carlo_gives_the_same_bytes_as_the_local_engine(address: str):
    cc = compile_company(load_company("coreweave"))  # vehicles, tranches: every part of the summary
    local = mc.run_montecarlo(cc, 4_500, seed=3, chunk=512, jobs=1)
    seen: list[float] = []
    remote = mc.run_montecarlo(cc, 4_500, seed=3, chunk=512, advance=seen.append, scheduler=address)
    for field, value in local.__dict__.items():  # each field to the bit (arrays, floats, the fan's dict)
        assert pickle.dumps(remote.__dict__[field]) == pickle.dumps(value), field
    assert 0 < remote.probability_of_default < 1 and remote.vehicle_names
    assert sorted(seen) == sorted([512] * 8 + [404])  # progress per chunk of paths: 9 chunks, a tree of two levels


def test_the_commands_print_the_same_json_on_either_engine(address: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    for args in (["montecarlo", str(TINY), "--paths", "3000", "--seed", "11", "--json"],
                 ["batch", str(ROOT / "companies" / "portfolio.yaml"), "-s", "baseline", "-s", "severe", "--json"]):
        local = runner.invoke(app, args)
        remote = runner.invoke(app, [*args, "--scheduler", address])
        assert local.exit_code == remote.exit_code == 0, remote.output
        assert remote.stdout == local.stdout


# --- worker deaths -----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_worker_killed_mid_run_loses_no_firm(address: str, tmp_path: Path):
    scenarios = select(["baseline", "severe"])
    tasks = [FirmTask(str(_tiny(tmp_path, stem)), scenarios, [None]) for stem in
             ("a", "b", "c", "victim", "d", "e", "f", "g")]
    started, killed = tmp_path / "started", tmp_path / "killed"

    def firm(task: FirmTask) -> FirmOutcome:  # runs on a worker (a closure: shipped by value)
        import os
        import time
        from pathlib import Path

        from stress.analysis.batch import run_firm

        if Path(task.profile).stem == "victim" and not Path(killed).exists():
            Path(started).write_text(str(os.getpid()))
            while True:  # until the test kills this process
                time.sleep(0.05)
        return run_firm(task)

    def killer() -> None:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = int(started.read_text())
        killed.write_text(str(pid))
        os.kill(pid, 9)

    from stress.analysis.engines.dask_batch import run_batch_on_dask

    thread = threading.Thread(target=killer)
    thread.start()
    outcomes: dict[int, FirmOutcome] = {}
    run_batch_on_dask(engine_choice(scheduler=address), tasks, list(range(len(tasks))), None,
                      outcomes.__setitem__, firm=firm)
    thread.join()
    assert killed.exists() and int(killed.read_text()) != os.getpid()
    with pytest.raises(ProcessLookupError):
        os.kill(int(killed.read_text()), 0)  # that worker's process is gone
    assert [outcomes[i] for i in range(len(tasks))] == run_batch(tasks, jobs=1)  # every firm, all ok
    assert all(o.ok for o in outcomes.values())


@pytest.mark.slow
def test_a_poison_firm_fails_alone_and_every_other_is_ranked(address: str, tmp_path: Path):
    scenarios = select(["baseline"])
    tasks = [FirmTask(str(_tiny(tmp_path, stem)), scenarios, [None]) for stem in ("a", "b", "poison", "c", "d", "e")]

    def firm(task: FirmTask) -> FirmOutcome:
        import os
        import signal
        from pathlib import Path

        from stress.analysis.batch import run_firm

        if Path(task.profile).stem == "poison":  # the stem: the test's folder is named after it too
            os.kill(os.getpid(), signal.SIGKILL)
        return run_firm(task)

    from stress.analysis.engines.dask_batch import run_batch_on_dask

    outcomes: dict[int, FirmOutcome] = {}
    run_batch_on_dask(engine_choice(scheduler=address), tasks, list(range(len(tasks))), None,
                      outcomes.__setitem__, firm=firm)
    local = run_batch(tasks, jobs=1)
    assert [outcomes[i].ok for i in range(len(tasks))] == [i != 2 for i in range(len(tasks))]
    assert outcomes[2].stage == "run" and outcomes[2].error.startswith("worker died while running this firm")
    assert all(outcomes[i] == local[i] for i in range(len(tasks)) if i != 2)


# --- choosing and reaching the engine ----------------------------------------------------------------------------

@pytest.mark.parametrize(("engine", "scheduler", "scheduler_file", "message"), [
    ("local", "tcp://h:8786", None, "--scheduler names a Dask cluster, but --engine is local"),
    (None, "tcp://h:8786", "cluster.json", "give one of them"),
    (None, None, "missing.json", "is not a file"),
    (None, "  ", None, "expected an address"),
    ("spark", None, None, "expected one of local, dask"),
])
def test_contradictory_engine_options_are_refused(engine, scheduler, scheduler_file, message):
    with pytest.raises(EngineError, match=message):
        engine_choice(engine, scheduler, scheduler_file)


def test_an_address_alone_means_dask(tmp_path: Path):
    (tmp_path / "s.json").write_text("{}")
    assert engine_choice() == EngineChoice(Engine.LOCAL)
    assert engine_choice(scheduler="tcp://h:8786").dask
    assert engine_choice(scheduler_file=tmp_path / "s.json").scheduler_file == tmp_path / "s.json"


def test_bad_engine_options_exit_2_before_any_work():
    for args in (["montecarlo", str(TINY), "--engine", "local", "--scheduler", "tcp://h:1"],
                 ["batch", str(TINY), "--scheduler", "tcp://h:1", "--scheduler-file", "x.json"]):
        res = runner.invoke(app, args)
        assert res.exit_code == 2 and "Traceback" not in res.output
        assert res.output.count("\n") <= 3 and "error:" in res.output


def test_without_dask_installed_the_message_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed now raises ImportError
    cc = compile_company(load_company(str(TINY)))
    with pytest.raises(EngineError, match=r'pip install -e "\.\[dask\]"'):
        mc.run_montecarlo(cc, 100, seed=1, engine="dask")
    res = runner.invoke(app, ["batch", str(TINY), "--engine", "dask"])
    assert res.exit_code == 2 and "not installed" in res.output and "Traceback" not in res.output


def test_an_unreachable_scheduler_is_a_one_line_error():
    from stress.analysis.engines.dask_cluster import dask_client

    start = time.monotonic()
    with (pytest.raises(EngineError, match=r"--scheduler: cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"),
          dask_client(engine_choice(scheduler="tcp://127.0.0.1:9"), timeout=1)):
        pass
    assert time.monotonic() - start < 15


class _FakeClient:
    def __init__(self, versions: dict[str, str] | Exception) -> None:
        self.versions = versions

    def wait_for_workers(self, n: int, timeout: float) -> None:
        return None

    def run(self, function):  # noqa: ANN001
        if isinstance(self.versions, Exception):
            raise self.versions
        return self.versions


def test_workers_without_stress_or_with_another_version_are_refused():
    from stress import __version__
    from stress.analysis.engines.dask_cluster import _preflight

    choice = engine_choice(scheduler="tcp://h:8786")
    _preflight(_FakeClient({"tcp://w1": __version__, "tcp://w2": __version__}), choice)
    with pytest.raises(EngineError, match=r"1 worker\(s\) of the Dask scheduler at tcp://h:8786 run stress 0\.0\.1"):
        _preflight(_FakeClient({"tcp://w1": __version__, "tcp://w2": "0.0.1"}), choice)
    with pytest.raises(EngineError, match="cannot run stress .*ModuleNotFoundError"):
        _preflight(_FakeClient(ModuleNotFoundError("No module named 'stress'")), choice)


def test_group_sizes_by_hand():
    from stress.analysis.engines.dask_batch import group_size

    assert group_size(1_000, 2) == 63  # 1,000 / (8 tasks x 2 threads), rounded up
    assert group_size(7, 2) == 4  # a small book still uses both threads
    assert group_size(50, 2) == 10  # at least ten firms a task once there are enough firms
    assert group_size(1_000_000, 4) == 200  # at most two hundred
    assert group_size(5, 64) == 1


# --- a LocalCluster of our own -----------------------------------------------------------------------------------

@pytest.mark.slow
def test_engine_dask_alone_starts_a_loopback_cluster_and_closes_it(monkeypatch: pytest.MonkeyPatch):
    from stress.analysis.engines.dask_cluster import dask_client

    with dask_client(engine_choice("dask"), jobs=2) as client:
        workers = client.scheduler_info()["workers"]
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert len(workers) == 2 and all(a.startswith("tcp://127.0.0.1:") for a in workers)
        assert {w["nthreads"] for w in workers.values()} == {1}
    assert client.status == "closed"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    args = ["montecarlo", str(TINY), "--paths", "2500", "--json"]
    local, remote = runner.invoke(app, args), runner.invoke(app, [*args, "--engine", "dask"])
    assert local.exit_code == remote.exit_code == 0 and remote.stdout == local.stdout
    assert np.isfinite(float(remote.stdout.split('"expected_loss": ')[1].split(",")[0]))
