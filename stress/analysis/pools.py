"""A process pool that leaves at once on an interrupt.

``ProcessPoolExecutor``'s own exit waits for its workers; after Ctrl-C to the process group (which reaches
the workers too) that wait can hang on Python 3.11, as it did once in the interrupt tests under load. Left on
any exception, this pool kills its workers and cancels queued work without waiting, then re-raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Any


@contextmanager
def worker_pool(**kwargs: Any) -> Iterator[ProcessPoolExecutor]:
    """``ProcessPoolExecutor(**kwargs)``, shut down normally on success and killed on any exception."""
    pool = ProcessPoolExecutor(**kwargs)
    try:
        yield pool
    except BaseException:
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
