"""The console-script entry point: Ctrl-C or SIGTERM during start-up (importing numpy, pandas, the engine
takes most of a second) exits 130 with one line, as it does once a command runs (``stress.cli.main``)."""

from __future__ import annotations

import os
import signal
import sys


def _early_interrupt(signum: int, frame: object) -> None:
    sys.stderr.write("interrupted; nothing written\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    previous = {sig: signal.signal(sig, _early_interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    from stress.cli import main as cli_main  # the heavy imports; main() installs its own handlers

    for sig, handler in previous.items():
        signal.signal(sig, handler)
    cli_main()
