"""The console-script entry point: Ctrl-C or SIGTERM during start-up exits 130 with one line, as it does once
a command runs (``stress.cli.main``, which installs its own handlers and restores these when it ends)."""

from __future__ import annotations

import os
import signal
import sys


def _early_interrupt(signum: int, frame: object) -> None:
    sys.stderr.write("interrupted; nothing written\n")
    sys.stderr.flush()
    os._exit(130)


def main() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _early_interrupt)
    from stress.cli import main as cli_main  # main() replaces these handlers once it has what it needs

    cli_main()
