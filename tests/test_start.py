"""Start-up: ``stress --help``, ``--version``, each command's help and TAB completion load neither numpy,
pandas, openpyxl nor the engine (they cost most of a second); ``-h`` is ``--help``; every help has examples."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from stress.cli import app

#: pydantic is not here: typer itself imports it to coerce option values (about 50 ms).
HEAVY = ("numpy", "pandas", "openpyxl", "stress.engine", "stress.model", "stress.analysis")

PROBE = """
import os, sys
sys.argv = {argv!r}
os.environ.update({env!r})
try:
    from stress.entry import main
    main()
except SystemExit:
    pass
sys.stdout.flush()
print("LOADED:" + ",".join(sorted({{m.split(".")[0] if not m.startswith("stress.") else ".".join(m.split(".")[:2])
                                   for m in sys.modules}})), file=sys.stderr)
"""

runner = CliRunner()


def loaded_after(argv: list[str], env: dict[str, str] | None = None) -> tuple[set[str], str]:
    """The top-level modules (and stress subpackages) a fresh interpreter holds after running ``argv``."""
    proc = subprocess.run([sys.executable, "-c", PROBE.format(argv=["stress", *argv], env=env or {})],
                          capture_output=True, text=True, timeout=60)
    line = next(x for x in proc.stderr.splitlines() if x.startswith("LOADED:"))
    return set(line.removeprefix("LOADED:").split(",")), proc.stdout


@pytest.mark.parametrize("argv", [["--help"], ["-h"], ["--version"], ["run", "--help"], ["montecarlo", "-h"],
                                  ["batch", "--help"]])
def test_help_and_version_load_nothing_heavy(argv: list[str]) -> None:
    modules, out = loaded_after(argv)
    assert out.strip(), "printed nothing"
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_completion_of_a_profile_name_loads_nothing_heavy() -> None:
    modules, out = loaded_after([], {"_STRESS_COMPLETE": "complete_bash", "COMP_WORDS": "stress run corew",
                                     "COMP_CWORD": "2"})
    assert "coreweave" in out.split()
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_dash_h_is_help() -> None:
    assert runner.invoke(app, ["-h"]).stdout == runner.invoke(app, ["--help"]).stdout
    assert runner.invoke(app, ["run", "-h"]).stdout == runner.invoke(app, ["run", "--help"]).stdout


@pytest.mark.parametrize("command", sorted(c.name or c.callback.__name__ for c in app.registered_commands))
def test_every_command_help_ends_with_an_example_of_itself(command: str) -> None:
    out = runner.invoke(app, [command, "--help"], terminal_width=200).stdout
    assert "Examples:" in out and f"$ stress {command} " in out, out
