"""Where a batch or a Monte Carlo runs: this machine's process pool ("local") or a Dask cluster ("dask").

``engine_choice`` reads the three options (``--engine``, ``--scheduler``, ``--scheduler-file``) once, before
any work, and refuses a contradiction with a message naming the option. It imports nothing of Dask: the
Dask modules (``dask_cluster``, ``dask_batch``, ``dask_montecarlo``) load only when the Dask engine runs, and
Dask is an optional extra (``pip install -e ".[dask]"``).

Both engines give the same results for the same inputs and seed, to the bit: a firm's figures come from the
same ``run_firm``, and Monte Carlo chunks are drawn from the same seeds and reduced by the same exact merge.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from stress.errors import StressError
from stress.vocabulary import Engine

#: Seconds to wait for a scheduler to answer, and then for its cluster to have a worker, before giving up.
CONNECT_TIMEOUT = 10
WORKER_TIMEOUT = 30


class EngineError(StressError):
    """The engine options contradict each other, or the cluster cannot be reached or used."""


@dataclass(frozen=True)
class EngineChoice:
    """The engine and, for Dask, the cluster: ``scheduler`` (an address) or ``scheduler_file``; neither
    starts a ``LocalCluster`` on this machine, bound to 127.0.0.1."""

    engine: Engine = Engine.LOCAL
    scheduler: str | None = None
    scheduler_file: Path | None = None

    @property
    def dask(self) -> bool:
        return self.engine is Engine.DASK

    @property
    def where(self) -> str:
        """The cluster as a person would name it, for messages."""
        if self.scheduler:
            return f"the Dask scheduler at {self.scheduler}"
        if self.scheduler_file:
            return f"the Dask scheduler in {self.scheduler_file}"
        return "a local Dask cluster"


def engine_choice(engine: str | Engine | None = None, scheduler: str | None = None,
                  scheduler_file: str | os.PathLike[str] | None = None) -> EngineChoice:
    """The engine the options ask for; an address alone means Dask. Raises ``EngineError`` (exit 2) for
    an unknown engine, a local engine given an address, both an address and a file, or a missing file."""
    try:
        chosen = None if engine is None else Engine(engine)
    except ValueError:
        raise EngineError(f"--engine: expected one of {', '.join(e.value for e in Engine)}, got {engine!r}") from None
    if scheduler is not None and not scheduler.strip():
        raise EngineError("--scheduler: expected an address such as tcp://host:8786, got an empty one")
    if scheduler is not None and scheduler_file is not None:
        raise EngineError("--scheduler and --scheduler-file both name a cluster: give one of them")
    address = scheduler is not None or scheduler_file is not None
    if chosen is Engine.LOCAL and address:
        flag = "--scheduler" if scheduler is not None else "--scheduler-file"
        raise EngineError(f"{flag} names a Dask cluster, but --engine is local: use --engine dask or leave --engine out")
    path = None if scheduler_file is None else Path(scheduler_file)
    if path is not None and not path.is_file():
        raise EngineError(f"--scheduler-file: {str(path)!r} is not a file (dask scheduler --scheduler-file writes it)")
    return EngineChoice(Engine.DASK if address else chosen or Engine.LOCAL, scheduler.strip() if scheduler else None, path)
