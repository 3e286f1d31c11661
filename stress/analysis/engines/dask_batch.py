"""A batch on a Dask cluster: firms in groups, profiles shipped as validated data, failures kept per firm.

- **Profiles travel as data.** A remote worker cannot read the client's files, so each profile is loaded and
  validated here and its ``LoadedProfile`` (the pydantic ``Company``, about 12 KB pickled) travels in the task.
  A profile that fails to load never leaves: its failure is recorded here, as the local engine records it.
- **Tasks of tens to hundreds of firms.** A Dask task costs about a millisecond of scheduling; a firm ~50 ms
  of work. Groups aim at ``GROUPS_PER_THREAD`` tasks per worker thread (for balance and a moving progress
  bar), at least ``MIN_GROUP`` and at most ``MAX_GROUP`` firms, and never fewer tasks than threads.
- **Compact results.** A group returns its firms' ``FirmOutcome`` (one comparison row per scenario and
  the recovery rates: about 2 KB a firm).
- **Worker deaths.** The scheduler reruns a dead worker's tasks elsewhere and gives up on a task after
  ``distributed.scheduler.allowed-failures`` deaths (``KilledWorker``). A death counts against every task
  the worker held, queued ones too, so a group it gives up on may be innocent: once every group is back, the
  firms of those groups run again alone, one at a time, with the same retries, so only a firm that kills its
  worker every time is reported failed ("worker died ...").
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from dataclasses import replace
from typing import TYPE_CHECKING

from stress.analysis.batch import FirmOutcome, FirmTask, describe_error, run_firm
from stress.analysis.engines import EngineChoice, EngineError
from stress.analysis.engines.dask_cluster import dask_client
from stress.io.profiles import load_profile

if TYPE_CHECKING:
    from distributed import Client, Future

MIN_GROUP, MAX_GROUP, GROUPS_PER_THREAD = 10, 200, 8


def group_size(firms: int, threads: int) -> int:
    """Firms per task: ``firms / (GROUPS_PER_THREAD x threads)`` within [MIN_GROUP, MAX_GROUP], but small
    enough that every thread gets a task."""
    threads = max(threads, 1)
    wanted = max(MIN_GROUP, math.ceil(firms / (GROUPS_PER_THREAD * threads)))
    return max(1, min(MAX_GROUP, wanted, math.ceil(firms / threads)))


def run_group(tasks: list[FirmTask], firm: Callable[[FirmTask], FirmOutcome] = run_firm) -> list[FirmOutcome]:
    """On a worker: each firm of the group in turn (``run_firm`` catches each firm's own failures)."""
    return [firm(t) for t in tasks]


def shipped(task: FirmTask) -> FirmTask | FirmOutcome:
    """The task with its profile loaded and validated here, ready to travel; or, when it cannot load, the
    firm's failure, recorded by ``run_firm`` itself so it reads as on the local engine."""
    try:
        return replace(task, loaded=load_profile(task.profile))
    except Exception:  # noqa: BLE001 - any failure to load is this firm's, described by run_firm
        return run_firm(task)


def _failure(task: FirmTask, err: BaseException) -> FirmOutcome:
    from distributed import KilledWorker

    if isinstance(err, KilledWorker):
        return FirmOutcome(task.profile, error="worker died while running this firm, each time the Dask scheduler "
                                               "tried it (distributed.scheduler.allowed-failures)", stage="run")
    return FirmOutcome(task.profile, error=f"worker failed: {describe_error(err)}", stage="run")


class _Groups:
    """The groups in flight, and what to do with each as it finishes."""

    def __init__(self, client: Client, tasks: list[FirmTask], done: Callable[[int, FirmOutcome], None],
                 firm: Callable[[FirmTask], FirmOutcome]) -> None:
        from distributed import as_completed

        self.client, self.tasks, self.done, self.firm = client, tasks, done, firm
        self.members: dict[Hashable, list[int]] = {}  # by the future's key
        self.finished = as_completed(loop=client.loop)
        self.suspects: list[int] = []  # firms of groups the scheduler gave up on

    def submit(self, indices: list[int], ready: list[FirmTask]) -> None:
        """Send the shipped tasks ``ready`` of firms ``indices`` as one task (the client keeps no copy)."""
        future = self.client.submit(run_group, ready, self.firm, pure=False)
        self.members[future.key] = indices
        self.finished.add(future)

    def collect(self, future: Future) -> None:
        indices = self.members.pop(future.key)
        if future.status == "finished":
            for i, outcome in zip(indices, future.result(), strict=True):
                self.done(i, outcome)
        elif self.client.status != "running":
            raise EngineError("lost the connection to the Dask scheduler during the batch")
        else:
            self.suspects += indices
        future.release()

    def collect_ready(self) -> None:
        for future in self.finished.next_batch(block=False) if self.finished.has_ready() else []:
            self.collect(future)

    def run_suspects_alone(self) -> None:
        """Each firm of a group the scheduler gave up on, alone and one at a time, with the scheduler's retries.

        A worker's death counts against every task it held, queued ones too, so a firm that shared a worker
        with one that kills it can be given up on as well; run alone, with nothing else of ours on the
        cluster, a firm is reported failed only for deaths of its own.
        """
        for i in self.suspects:
            ready = shipped(self.tasks[i])
            if isinstance(ready, FirmOutcome):
                self.done(i, ready)
                continue
            future = self.client.submit(run_group, [ready], self.firm, pure=False)
            try:
                self.done(i, future.result()[0])
            except Exception as err:  # noqa: BLE001 - the firm's own failure: KilledWorker, or one of the task
                if self.client.status != "running":
                    raise EngineError("lost the connection to the Dask scheduler during the batch") from None
                self.done(i, _failure(self.tasks[i], err))
            future.release()


def run_batch_on_dask(choice: EngineChoice, tasks: list[FirmTask], indices: list[int], jobs: int | None,
                      done: Callable[[int, FirmOutcome], None],
                      firm: Callable[[FirmTask], FirmOutcome] = run_firm) -> None:
    """Run ``tasks[i]`` for each of ``indices`` on the cluster; ``done(i, outcome)`` once per firm, as it finishes.

    ``firm`` is what a worker runs per firm (``run_firm``; tests hand in one that kills its worker). Profiles
    load here while the first groups already run.
    """
    with dask_client(choice, jobs) as client:
        size = group_size(len(indices), sum(client.nthreads().values()))
        groups = _Groups(client, tasks, done, firm)
        group: list[int] = []
        ready: list[FirmTask] = []
        for i in indices:
            task = shipped(tasks[i])
            if isinstance(task, FirmOutcome):
                done(i, task)
                continue
            group.append(i)
            ready.append(task)
            if len(group) == size:
                groups.submit(group, ready)
                group, ready = [], []
                groups.collect_ready()
        if group:
            groups.submit(group, ready)
        for future in groups.finished:
            groups.collect(future)
        groups.run_suspects_alone()
