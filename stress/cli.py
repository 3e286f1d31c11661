"""The ``stress`` command line: parse options, call the API, hand results to a renderer.

Exit codes: 0 ok; 1 internal error; 2 bad input (usage, profile, scenario);
3 only with ``--fail-on-breach`` when a breach is found.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer

from stress import __version__, cli_analyses, cli_memo, cli_tools
from stress.cli_common import (
    EXIT_BAD_INPUT,
    EXIT_BREACH,
    CaseOpt,
    JsonOpt,
    Profile,
    ScenarioJob,
    ScenarioNames,
    ScenariosFile,
    SetOpt,
    batch_json,
    error_exit,
    examples,
    handled,
    head,
    load_or_exit,
    print_json,
    scenario_command,
    scenarios_input,
    watching,
)
from stress.vocabulary import DEFAULT_PATHS, DEFAULT_SEED, Case

# Only typer and the light modules above load at start: ``stress --help``, ``--version`` and TAB completion
# stay fast. Each command imports the engine, pandas and openpyxl it needs inside its body.


app = typer.Typer(
    name="stress",
    help="Balance-sheet stress tester for leveraged GPU clouds: what breaks the firm, when, and how badly.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stress {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")] = False,
) -> None:
    """Balance-sheet stress tester for leveraged GPU clouds."""


@app.command(epilog=examples("stress validate companies/*.yaml", "stress validate my-firm.yaml --json"))
def validate(paths: Annotated[list[str], typer.Argument(help="profile or portfolio files, or shipped names")],
             sets: SetOpt = [], as_json: JsonOpt = False) -> None:  # noqa: B006 - typer reads the default
    """Check profiles and portfolios (a file with members:); exit 2 if any is invalid, listing every problem in each."""
    raise typer.Exit(cli_tools.validate_paths(paths, sets, as_json))


@app.command(epilog=examples("stress show coreweave", "stress show coreweave --json"))
@handled
def show(profile: Profile, sets: SetOpt = [], as_json: JsonOpt = False) -> None:  # noqa: B006
    """The profile at as_of: capital structure, maturity ladder, leases, fleet, contracts, reconciliation."""
    from stress import api
    from stress.report import console, jsonout

    loaded = load_or_exit(profile, sets)
    opening = api.opening(loaded)
    if as_json:
        print_json("show", jsonout.show_document(head("show", loaded, sets=sets), loaded.company, opening))
    else:
        console.print_profile(loaded, opening)



@app.command(epilog=examples("stress run coreweave", "stress run coreweave -s price_crash --rate +300bp --json"))
@handled
@scenario_command(adhoc=True)
def run(
    job: ScenarioJob,  # the profile and scenarios the shared options chose
    detail: Annotated[bool, typer.Option("--detail", help="full report for every scenario, not only the first")] = False,
    quarterly: Annotated[bool, typer.Option("--quarterly", help="show every quarter")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Project the firm under scenarios: comparison, summary, covenant headroom, maturity wall, events, verdict."""
    from stress import api
    from stress.report import jsonout, run_view

    results = api.run(job.loaded, job.scenarios, case=job.case)
    if as_json:
        print_json("run", jsonout.run_document(job.head("run"), results))
    else:
        run_view.print_run(results, quarterly=quarterly, detail=detail)


@app.command(epilog=examples("stress report coreweave", "stress report coreweave --analyses --out review.xlsx"))
@handled
@scenario_command(adhoc=True)
def report(
    job: ScenarioJob,  # the profile and scenarios the shared options chose
    out: Annotated[Path | None, typer.Option("--out", "-o", help="the .xlsx to write (or a folder); default reports/<ticker>-<as_of>-<timestamp>.xlsx")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    analyses: Annotated[bool, typer.Option("--analyses", help="add breakeven, grid, tornado and Monte Carlo sheets")] = False,
    paths: Annotated[int, typer.Option("--paths", min=1, callback=cli_analyses.checked_paths,
                                       help="Monte Carlo paths for --analyses")] = DEFAULT_PATHS,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Monte Carlo seed for --analyses")] = DEFAULT_SEED,
    as_json: JsonOpt = False,
) -> None:
    """Write the credit-review Excel workbook: statements, schedules, covenants, checks; prints its path."""
    from stress import api
    from stress.analysis.suite import STEPS
    from stress.report.progress import progress

    with progress("analyses", STEPS, enabled=analyses and watching(as_json)) as advance:
        path = api.report(job.loaded, job.scenarios, job.case, out, force, analyses, paths, seed, advance)
    if as_json:
        print_json("report", {**job.head("report"), "written": str(path), "scenarios": [s.name for s in job.scenarios]})
    else:
        typer.echo(str(path))


@app.command(epilog=examples("stress draft CIK0001769628.json --as-of 2025-09-30",
                             "stress draft facts.json --as-of 2025-09-30 --out companies/newco.yaml"))
@handled
def draft(
    companyfacts: Annotated[Path, typer.Argument(help="an SEC XBRL companyfacts JSON file (data.sec.gov/api/xbrl/companyfacts)")],
    as_of: Annotated[str, typer.Option("--as-of", help="the balance-sheet date, e.g. 2025-09-30 (a filing's within 10 days is used)")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="the .yaml to write (or a folder); default drafts/<name>-<as_of>.yaml")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft a profile from a filing's XBRL facts: the tagged balance sheet, each number sourced; TODOs for the rest."""
    from stress import api
    from stress.report.envelope import input_file

    facts, path = api.draft(companyfacts, as_of, out, force)
    if as_json:
        print_json("draft", {**head("draft", inputs=[input_file("companyfacts", companyfacts)]), "written": str(path),
                             "name": facts.name, "as_of": facts.as_of.isoformat()})
    else:
        typer.echo(str(path))


@app.command("scenarios", epilog=examples("stress scenarios", "stress scenarios --scenarios-file my-scenarios.yaml --json"))
@handled
def list_scenarios(scenarios_file: Annotated[Path | None, typer.Option("--scenarios-file", help="also list this file's scenarios")] = None,
                   as_json: JsonOpt = False) -> None:
    """List the scenario library with each scenario's shocks and calibration."""
    from stress.report import jsonout, run_view
    from stress.scenarios.select import library

    chosen = library(scenarios_file)
    if as_json:
        print_json("scenarios", jsonout.scenarios_document(head("scenarios", inputs=scenarios_input(scenarios_file)), chosen))
    else:
        run_view.print_scenarios(chosen)


@app.command(epilog=examples("stress schema --out profile.schema.json", "stress schema --output run"))
@handled
def schema(output: Annotated[str | None, typer.Option(
               "--output", help="the JSON Schema of this command's --json document instead of the profile's, e.g. run, batch, montecarlo")] = None,
           out: Annotated[Path | None, typer.Option("--out", help="write to this file instead of stdout")] = None,
           force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False) -> None:
    """Print the JSON Schema of a company profile (for editors), or of a command's --json output (--output)."""
    from stress import api

    text = api.schema(output, out, force)
    if out is None:
        typer.echo(text, nl=False)


@app.command(epilog=examples("stress batch companies/portfolio.yaml", "stress batch companies/portfolio.yaml --paths 20000 --out book.xlsx",
                             "stress batch companies/portfolio.yaml --scheduler tcp://10.0.0.5:8786"))
@handled
def batch(
    inputs: Annotated[list[str], typer.Argument(help="a portfolio file, or profile paths / shipped names")],
    scenario: ScenarioNames = [],  # noqa: B006
    scenarios_file: ScenariosFile = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, help="worker processes (default: the core count)")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="write the portfolio workbook (.xlsx) here")] = None,
    detail: Annotated[bool, typer.Option("--detail", help="add each firm's first-scenario statements to the workbook")] = False,
    csv: Annotated[Path | None, typer.Option("--csv", help="write one row per firm x scenario to this CSV file")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace existing output files")] = False,
    fail_on_breach: Annotated[bool, typer.Option("--fail-on-breach", help="exit 3 if any firm breaches or defaults")] = False,
    as_json: JsonOpt = False,
    case: CaseOpt = Case.PLAN,
    allow_any_path: Annotated[bool, typer.Option(
        "--allow-any-path", help="let portfolio members name any file, not only profiles under the portfolio's "
                                 "folder or the profile search path")] = False,
    paths: Annotated[int | None, typer.Option(
        "--paths", min=1, callback=cli_analyses.checked_paths, help="also run a joint Monte Carlo of the book with this many paths: one market per path "
                               "for every firm, a customer that is a member defaulting when it does")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the joint Monte Carlo; same seed, same answer")] = DEFAULT_SEED,
    engine: cli_analyses.EngineOpt = None,
    scheduler: cli_analyses.SchedulerOpt = None,
    scheduler_file: cli_analyses.SchedulerFileOpt = None,
) -> None:
    """Many firms x scenarios in a process pool: ranking, portfolio exposure and expected loss, failures.

    With --paths, a joint Monte Carlo of the whole book follows: PDs with intervals, expected loss per
    exposure, the number of firms defaulting per path, and linked tenant-landlord pairs.
    A member that cannot be run (invalid, refused path, non-finite figures, an error, its worker dying)
    is reported at the end and the rest go on; exit 2 when any failed.

    --engine dask runs the firms on a Dask cluster (the joint Monte Carlo stays here).
    """
    from rich.markup import escape

    from stress import api
    from stress.report import batch_outputs as outputs
    from stress.report import batch_view, console
    from stress.scenarios.select import select

    chosen = select(scenario, scenarios_file)
    outputs.check_targets(out, csv, force)  # before the work, not after it
    book = api.plan_batch(inputs, chosen, case, allow_any_path, joint=paths is not None, detail=detail and out is not None)

    def spin(label: str) -> AbstractContextManager[object]:
        return batch_view.spinner(label, enabled=watching(as_json))

    with batch_view.progress_bar(book.firms, enabled=watching(as_json)) as advance:
        done = api.batch(book, jobs, paths, seed, progress=advance, before_joint=spin,
                         engine=engine, scheduler=scheduler, scheduler_file=scheduler_file)
    rep = done.report
    firms = api.batch_detail(done)
    for path in outputs.write_batch_outputs(rep, out, csv, force, firms):
        console.stderr.print(f"wrote {escape(str(path))}")
    if as_json:
        print_json("batch", batch_json(inputs, scenarios_file, rep, done.joint))
    else:
        batch_view.print_ranking(rep.ranking, [s.name for s in chosen], rep.title)
        batch_view.print_exposure(rep.lines, rep.expected_loss, rep.missing_weights)
        if done.joint is not None:
            batch_view.print_joint(done.joint)
    batch_view.print_failures(rep.failures)
    if done.joint_error is not None:
        console.stderr.print(f"[red]error:[/] joint Monte Carlo not run: {escape(done.joint_error)}")
    if not rep.failures.empty or done.joint_error is not None:
        raise typer.Exit(EXIT_BAD_INPUT)
    if fail_on_breach and rep.any_breach:
        raise typer.Exit(EXIT_BREACH)


cli_analyses.register(app)
cli_tools.register(app)
cli_memo.register(app)


def main() -> None:
    """Console-script entry point: user errors exit 2 with a message, never a traceback.

    Ctrl-C (SIGINT) and SIGTERM stop the run wherever it is: batch workers are stopped, temporary files
    removed, one line goes to stderr ("interrupted; nothing written", or what was written before the
    interrupt) and the exit status is 130.
    """
    import contextlib
    import multiprocessing
    import os
    import signal
    import sys
    import threading

    from stress.errors import StressError
    from stress.report import safe_write  # light: the standard library only

    exit_interrupted = 130  # 128 + SIGINT, as shells report it
    main_pid = os.getpid()
    signals = (signal.SIGINT, signal.SIGTERM)

    def interrupt(signum: int, frame: object) -> None:
        if os.getpid() != main_pid:  # a forked worker inherits this: it stops quietly, the parent reports
            os._exit(128 + signum)
        children = multiprocessing.active_children()
        if children:  # pool workers stop now, not after their current task; their pool's threads may complain
            threading.excepthook = lambda args: None
            for child in children:
                child.kill()
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in signals}
    already = len(safe_write.WRITTEN)
    try:
        try:
            app()
        except StressError as err:  # one the command did not catch: still one line, exit 2
            error_exit(str(err))
            raise SystemExit(EXIT_BAD_INPUT) from None
    except (KeyboardInterrupt, SystemExit) as exc:  # typer turns Ctrl-C into SystemExit(130)
        if isinstance(exc, SystemExit) and exc.code != exit_interrupted:
            raise
        for sig in signals:  # a second Ctrl-C must not interrupt the cleanup with a traceback
            signal.signal(sig, signal.SIG_IGN)
        previous.clear()  # and stays ignored until the process is gone
        safe_write.discard_temporaries()
        written = safe_write.WRITTEN[already:]
        sys.stderr.write("interrupted; " + (f"wrote only {', '.join(map(str, written))}" if written else "nothing written") + "\n")
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        # not SystemExit: the exit handlers would join a killed process pool's threads, which can hang (3.11);
        # the output files and temporary files are already settled above
        os._exit(exit_interrupted)
    finally:
        safe_write.discard_temporaries()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
