"""Progress on stderr for work that takes more than a second: Monte Carlo paths, a grid, the analyses.

A bar that flashes for a tenth of a second is noise, so it appears only once the work has run
:data:`DELAY_SECONDS`; it is transient (gone when the work ends), and never shown when stderr is not a
terminal or the command prints ``--json`` (the caller passes ``enabled``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from stress.report.console import stderr

#: Work shorter than this shows no progress at all.
DELAY_SECONDS = 1.0


@contextmanager
def progress(label: str, total: float | None, enabled: bool, delay: float = DELAY_SECONDS) -> Iterator[Callable[[float], None]]:
    """A callback ``advance(units)`` moving a bar of ``total`` units (None: no known total, a pulsing bar
    with the elapsed time) that appears after ``delay`` seconds; a no-op when not ``enabled``."""
    if not enabled:
        yield lambda units: None
        return
    bar = Progress(TextColumn(f"[bold]{label}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                   TextColumn("left"), TimeRemainingColumn(), console=stderr, transient=True)
    task = bar.add_task(label, total=total)
    timer = threading.Timer(delay, bar.start)  # rich's own refresh thread draws it from then on
    timer.daemon = True
    timer.start()
    try:
        yield lambda units: bar.advance(task, units)
    finally:
        timer.cancel()
        timer.join()
        bar.stop()  # harmless when it never started
