"""A Dask client for the run: connected to the cluster the options name, or to a LocalCluster started here.

Without an address a ``LocalCluster`` starts on this machine: ``jobs`` worker processes (default the core
count) of one thread each, scheduler and workers listening on 127.0.0.1 only, no dashboard, closed when the
run ends. With ``--scheduler``/``--scheduler-file`` the client connects to a running cluster and leaves it
running. Before any work the workers are asked for their ``stress`` version: a worker without the package, or
with another version (whose figures could differ), is refused with a message rather than failing every task.

Worker deaths are the scheduler's business: it reruns the tasks a dead worker held on another worker, and
gives up on a task (``KilledWorker``) only after ``distributed.scheduler.allowed-failures`` deaths (3 by
default) while running it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from stress.analysis.engines import CONNECT_TIMEOUT, WORKER_TIMEOUT, EngineChoice, EngineError

if TYPE_CHECKING:
    from distributed import Client

#: Dask starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (to hand freed memory back to the system). Set at
#: all, it also turns off glibc's sliding mmap threshold, so every array over 128 KB (a chunk's lines are
#: 330 KB) is a fresh mmap and a storm of page faults: a Monte Carlo chunk took 1.6x as long (0.31 s against
#: 0.19 s, 100,000 minor faults against 4,000). The LocalCluster started here leaves it unset; README says
#: how to do the same on a cluster's workers.
MALLOC_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"

INSTALL_HINT = 'install the dask extra: pip install -e ".[dask]" (or pip install "dask[distributed]")'


def stress_version() -> str:
    """The ``stress`` version where this runs (a worker): the preflight compares it with the client's."""
    from stress import __version__

    return __version__


def _import_distributed():  # type: ignore[no-untyped-def]
    try:
        import distributed
    except ImportError:
        raise EngineError(f"--engine dask needs Dask, which is not installed: {INSTALL_HINT}") from None
    return distributed


def _connect(distributed, choice: EngineChoice, timeout: float) -> Client:  # type: ignore[no-untyped-def]
    flag = "--scheduler" if choice.scheduler else "--scheduler-file"
    try:
        if choice.scheduler:
            return distributed.Client(choice.scheduler, timeout=timeout, set_as_default=False)
        return distributed.Client(scheduler_file=str(choice.scheduler_file), timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise EngineError(f"{flag}: cannot reach {choice.where}: {reason}") from None


def _preflight(client: Client, choice: EngineChoice) -> None:
    """At least one worker, and every worker runs this ``stress`` version."""
    from stress import __version__

    timeout = WORKER_TIMEOUT
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise EngineError(f"{choice.where} has no workers after {timeout:g} s: start some with "
                          f"dask worker <scheduler address>") from None
    try:
        versions = client.run(stress_version)
    except Exception as err:  # noqa: BLE001 - a worker that cannot even import stress
        raise EngineError(f"the workers of {choice.where} cannot run stress ({type(err).__name__}: {err}); "
                          "install this package, the same version, on every worker (pip install -e . in a "
                          "checkout of it)") from None
    other = {addr: v for addr, v in versions.items() if v != __version__}
    if other:
        addr, version = next(iter(other.items()))
        raise EngineError(f"{len(other)} worker(s) of {choice.where} run stress {version} (e.g. {addr}), this "
                          f"client {__version__}: install the same version on every worker")


@contextmanager
def dask_client(choice: EngineChoice, jobs: int | None = None, timeout: float = CONNECT_TIMEOUT) -> Iterator[Client]:
    """A client for the chosen cluster, closed on leaving (and the LocalCluster with it, if one was started)."""
    distributed = _import_distributed()
    import dask

    cluster = None
    if choice.scheduler or choice.scheduler_file:
        client = _connect(distributed, choice, timeout)
    else:
        try:
            with dask.config.set({MALLOC_TRIM: None}):  # see MALLOC_TRIM
                cluster = distributed.LocalCluster(n_workers=jobs or os.cpu_count() or 1, threads_per_worker=1,
                                                   processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                                   silence_logs=logging.CRITICAL)
        except (OSError, TimeoutError) as err:
            raise EngineError(f"--engine dask: could not start a local Dask cluster: {err}") from None
        client = distributed.Client(cluster, set_as_default=False)
    try:
        _preflight(client, choice)
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
