"""The ``stress memo`` command: a one- or two-page credit memo as PDF.

Thin like ``stress.cli``: parse options, run the projection and the analyses, hand them to
``stress.report.memo``. The heavy imports (the engine, fpdf2, matplotlib) happen inside the command, so
``stress --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stress.cli_analyses import checked_paths
from stress.cli_common import JsonOpt, ScenarioJob, examples, handled, print_json, scenario_command
from stress.vocabulary import DEFAULT_PATHS, DEFAULT_SEED


@handled
@scenario_command(adhoc=False)
def memo(
    job: ScenarioJob,  # the profile and scenarios the shared options chose
    paths: Annotated[int, typer.Option("--paths", min=1, callback=checked_paths,
                                       help="Monte Carlo paths for the PD and the cash fan")] = DEFAULT_PATHS,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Monte Carlo seed; same seed, same memo")] = DEFAULT_SEED,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="the .pdf to write (or a folder); default reports/<ticker>-<as_of>-<timestamp>.pdf")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Write the credit memo (PDF): verdicts, charts, PD, breaking points, debt and assumptions; prints its path.

    The date shown is the run's; SOURCE_DATE_EPOCH pins it: same profile, options and epoch, same bytes.
    """
    from stress import api

    path, pages = api.memo(job.loaded, job.scenarios, job.case, paths, seed, out, force)
    if as_json:
        print_json("memo", {**job.head("memo"), "written": str(path), "pages": pages})
    else:
        typer.echo(str(path))


def register(app: typer.Typer) -> None:
    """Add ``memo`` to the main app, with its examples."""
    app.command(epilog=examples("stress memo coreweave", "stress memo coreweave --case committed -s baseline -s severe "
                                                          "--out committee.pdf"))(memo)
