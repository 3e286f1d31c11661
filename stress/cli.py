"""The ``stress`` command line: parse options, call the API, hand results to a renderer.

Exit codes: 0 ok; 1 internal error; 2 bad input (usage, profile, scenario);
3 only with ``--fail-on-breach`` when a breach is found.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stress import __version__, cli_analyses
from stress.cli_common import (EXIT_BAD_INPUT, EXIT_BREACH, CaseOpt, JsonOpt, bad_input, batch_json, error_exit, head,
                               load_or_exit, print_json, scenarios_input, validate_document)
from stress.vocabulary import Case

if TYPE_CHECKING:
    from stress.engine.results import Results
    from stress.io.profiles import LoadedProfile
    from stress.model.scenario import Scenario

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


def _profile_names(incomplete: str) -> list[str]:
    from stress.io.search_path import profile_names

    return profile_names(incomplete)


Profile = Annotated[str, typer.Argument(help="profile path or shipped name (e.g. coreweave)", autocompletion=_profile_names)]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"stress {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="print the version")] = False,
) -> None:
    """Balance-sheet stress tester for leveraged GPU clouds."""


def examples(*lines: str) -> str:
    """A command's help epilog: one or two commands to copy, each on its own line."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


@app.command(epilog=examples("stress validate companies/*.yaml", "stress validate my-firm.yaml --json"))
def validate(paths: Annotated[list[str], typer.Argument(help="profile files or shipped names")],
             as_json: JsonOpt = False) -> None:
    """Check profiles; exit 2 if any is invalid, listing every problem in each."""
    from stress.errors import ProfileError
    from stress.io.profiles import load_profile
    from stress.report import console

    loaded, failed = [], []
    for path in paths:
        try:
            loaded.append(load_profile(path))
        except ProfileError as err:
            failed.append(err)
    if as_json:
        print_json("validate", validate_document(loaded, failed))
    else:
        console.print_validation(loaded, failed)
    if failed:
        raise typer.Exit(EXIT_BAD_INPUT)


@app.command(epilog=examples("stress show coreweave", "stress show coreweave --json"))
def show(profile: Profile, as_json: JsonOpt = False) -> None:
    """The profile at as_of: capital structure, maturity ladder, leases, fleet, contracts, reconciliation."""
    from stress.engine.opening import opening_balance
    from stress.report import console, jsonout

    loaded = load_or_exit(profile)
    opening = opening_balance(loaded.company)
    if as_json:
        print_json("show", jsonout.show_document(head("show", loaded), loaded.company, opening))
    else:
        console.print_profile(loaded, opening)


ScenarioNames = Annotated[list[str], typer.Option("--scenario", "-s", help="built-in or file scenario to run (repeatable); default: all built-ins")]
ScenariosFile = Annotated[Path | None, typer.Option("--scenarios-file", help="YAML file of extra scenarios")]

Rate = Annotated[str | None, typer.Option("--rate", help="ad hoc: base-rate shock, e.g. +300bp")]
Spread = Annotated[str | None, typer.Option("--spread", help="ad hoc: spread shock, e.g. +400bp")]
GpuPrice = Annotated[str | None, typer.Option("--gpu-price", help="ad hoc: GPU-hour price level change, e.g. -40%")]
Life = Annotated[float | None, typer.Option("--life", help="ad hoc: useful life in years (accounting and economic)")]
Utilisation = Annotated[str | None, typer.Option("--utilisation", help="ad hoc: spot utilisation, e.g. 55%")]
RefiClosed = Annotated[int | None, typer.Option("--refi-closed", help="ad hoc: quarters refinancing is closed")]


def _chosen(loaded: LoadedProfile, scenario: list[str], scenarios_file: Path | None, flags: dict[str, object],
            case: Case) -> list[Scenario]:
    """The scenarios to run, with the other case's baseline beside the baseline; exit 2 on a bad one."""
    from stress.errors import ProfileError
    from stress.scenarios.build import with_other_baseline
    from stress.scenarios.select import select

    try:
        return with_other_baseline(select(scenario, scenarios_file, flags), case, loaded.company)
    except ProfileError as err:
        raise bad_input(err) from None


def _project(loaded: LoadedProfile, chosen: list[Scenario], case: Case) -> Results:
    """The projection; exit 2 when a scenario does not fit the firm or the figures turn non-finite."""
    from stress import api
    from stress.errors import ProfileError

    try:
        return api.run(loaded.company, chosen, case=case)
    except ProfileError as err:
        raise bad_input(err) from None


@app.command(epilog=examples("stress run coreweave", "stress run coreweave -s price_crash --rate +300bp --json"))
def run(
    profile: Profile,
    scenario: ScenarioNames = [],  # noqa: B006 - typer reads the default, never mutates it
    scenarios_file: ScenariosFile = None,
    rate: Rate = None, spread: Spread = None, gpu_price: GpuPrice = None, life: Life = None,
    utilisation: Utilisation = None, refi_closed: RefiClosed = None,
    detail: Annotated[bool, typer.Option("--detail", help="full report for every scenario, not only the first")] = False,
    quarterly: Annotated[bool, typer.Option("--quarterly", help="show every quarter")] = False,
    as_json: JsonOpt = False,
    case: CaseOpt = Case.PLAN,
) -> None:
    """Project the firm under scenarios: comparison, summary, covenant headroom, maturity wall, events, verdict."""
    from stress.report import jsonout, run_view

    loaded = load_or_exit(profile)
    flags = {"rate": rate, "spread": spread, "gpu_price": gpu_price, "life": life, "utilisation": utilisation,
             "refi_closed": refi_closed}
    chosen = _chosen(loaded, scenario, scenarios_file, flags, case)
    results = _project(loaded, chosen, case)
    if as_json:
        print_json("run", jsonout.run_document(head("run", loaded, scenarios_input(scenarios_file)), results))
    else:
        run_view.print_run(results, str(loaded.path), quarterly=quarterly, detail=detail)


@app.command(epilog=examples("stress report coreweave", "stress report coreweave --analyses --out review.xlsx"))
def report(
    profile: Profile,
    scenario: ScenarioNames = [],  # noqa: B006 - typer reads the default, never mutates it
    scenarios_file: ScenariosFile = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="the .xlsx to write (or a folder); default reports/<ticker>-<as_of>-<timestamp>.xlsx")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    rate: Rate = None, spread: Spread = None, gpu_price: GpuPrice = None, life: Life = None,
    utilisation: Utilisation = None, refi_closed: RefiClosed = None,
    analyses: Annotated[bool, typer.Option("--analyses", help="add breakeven, grid, tornado and Monte Carlo sheets")] = False,
    paths: Annotated[int, typer.Option("--paths", min=1, help="Monte Carlo paths for --analyses")] = 10_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Monte Carlo seed for --analyses")] = 7,
    as_json: JsonOpt = False,
    case: CaseOpt = Case.PLAN,
) -> None:
    """Write the credit-review Excel workbook: statements, schedules, covenants, checks; prints its path."""
    from stress.analysis.suite import STEPS, run_all
    from stress.engine.compiled import compile_company
    from stress.errors import ReportError
    from stress.report import console
    from stress.report.progress import progress
    from stress.report.workbook import write_report

    loaded = load_or_exit(profile)
    flags = {"rate": rate, "spread": spread, "gpu_price": gpu_price, "life": life, "utilisation": utilisation,
             "refi_closed": refi_closed}
    chosen = _chosen(loaded, scenario, scenarios_file, flags, case)
    extra = None
    if analyses:
        cli_analyses.check_paths(paths)
        with progress("analyses", STEPS, enabled=not as_json and console.stderr.is_terminal) as advance:
            extra = run_all(compile_company(loaded.company, case), paths, seed, advance=advance)
    try:
        path = write_report(_project(loaded, chosen, case), chosen, out, force, loaded.path, analyses=extra)
    except ReportError as err:
        raise error_exit(str(err)) from None
    if as_json:
        print_json("report", {**head("report", loaded, scenarios_input(scenarios_file)), "written": str(path),
                              "scenarios": [s.name for s in chosen]})
    else:
        typer.echo(str(path))


@app.command(epilog=examples("stress draft CIK0001769628.json --as-of 2025-09-30",
                             "stress draft facts.json --as-of 2025-09-30 --out companies/newco.yaml"))
def draft(
    companyfacts: Annotated[Path, typer.Argument(help="an SEC XBRL companyfacts JSON file (data.sec.gov/api/xbrl/companyfacts)")],
    as_of: Annotated[str, typer.Option("--as-of", help="the balance-sheet date, e.g. 2025-09-30 (a filing's within 10 days is used)")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="the .yaml to write (or a folder); default drafts/<name>-<as_of>.yaml")] = None,
    force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Draft a profile from a filing's XBRL facts: the tagged balance sheet, each number sourced; TODOs for the rest."""
    import datetime as dt

    from stress.cli_common import option_error
    from stress.errors import ProfileError, ReportError
    from stress.io.companyfacts import read_companyfacts
    from stress.io.draft_facts import gather
    from stress.report.draft import write_draft

    try:
        date = dt.date.fromisoformat(as_of.strip())
    except ValueError:
        raise option_error("--as-of", "expected a date such as 2025-09-30", as_of) from None
    if out is not None and not out.is_dir() and out.suffix.lower() not in (".yaml", ".yml"):
        raise option_error("--out", "the draft must be written to a .yaml file (or a folder)", str(out))
    try:
        facts = gather(read_companyfacts(companyfacts), date)
        path = write_draft(facts, out, force)
    except ProfileError as err:
        raise bad_input(err) from None
    except ReportError as err:
        raise error_exit(str(err)) from None
    if as_json:
        from stress.report.envelope import input_file

        print_json("draft", {**head("draft", inputs=[input_file("companyfacts", companyfacts)]), "written": str(path),
                             "name": facts.name, "as_of": date.isoformat()})
    else:
        typer.echo(str(path))


@app.command("scenarios", epilog=examples("stress scenarios", "stress scenarios --scenarios-file my-scenarios.yaml --json"))
def list_scenarios(scenarios_file: Annotated[Path | None, typer.Option("--scenarios-file", help="also list this file's scenarios")] = None,
                   as_json: JsonOpt = False) -> None:
    """List the scenario library with each scenario's shocks and calibration."""
    from stress.errors import ProfileError
    from stress.report import jsonout, run_view
    from stress.scenarios.select import library

    try:
        chosen = library(scenarios_file)
    except ProfileError as err:
        raise bad_input(err) from None
    if as_json:
        print_json("scenarios", jsonout.scenarios_document(head("scenarios", inputs=scenarios_input(scenarios_file)), chosen))
    else:
        run_view.print_scenarios(chosen)


@app.command(epilog=examples("stress schema --out profile.schema.json", "stress schema --output run"))
def schema(output: Annotated[str | None, typer.Option("--output", help="the JSON Schema of this command's --json document instead of the profile's, e.g. run, batch, montecarlo")] = None,
           out: Annotated[Path | None, typer.Option("--out", help="write to this file instead of stdout")] = None,
           force: Annotated[bool, typer.Option("--force", help="replace an existing file")] = False) -> None:
    """Print the JSON Schema of a company profile (for editors), or of a command's --json output (--output)."""
    import json

    from stress.cli_common import option_error
    from stress.errors import ReportError
    from stress.model.company import Company
    from stress.report.documents import DOCUMENTS
    from stress.report.safe_write import write_atomic

    if output is not None and output not in DOCUMENTS:
        raise option_error("--output", f"names no command with a --json document; commands: {', '.join(DOCUMENTS)}", output)
    model = Company if output is None else DOCUMENTS[output]
    text = json.dumps(model.model_json_schema(mode="serialization" if output else "validation"), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), force)
    except ReportError as err:
        raise error_exit(str(err)) from None


@app.command(epilog=examples("stress batch companies/portfolio.yaml", "stress batch companies/portfolio.yaml --paths 20000 --out book.xlsx",
                             "stress batch companies/portfolio.yaml --scheduler tcp://10.0.0.5:8786"))
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
        "--paths", min=1, help="also run a joint Monte Carlo of the book with this many paths: one market per path "
                               "for every firm, a customer that is a member defaulting when it does")] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="random seed of the joint Monte Carlo; same seed, same answer")] = 7,
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
    from stress.analysis import joint
    from stress.analysis.batch import run_batch
    from stress.analysis.portfolio import assemble, plan
    from stress.errors import ProfileError, ReportError, StressError
    from stress.io.portfolio import batch_input
    from stress.report import batch_view, console
    from stress.report import batch_outputs as outputs
    from stress.scenarios.select import select

    try:
        chosen = select(scenario, scenarios_file)
        portfolio, members, profiles, refusals = batch_input(inputs, allow_any_path)
    except ProfileError as err:
        raise bad_input(err) from None
    try:
        outputs.check_targets(out, csv, force)  # before the work, not after it
    except ReportError as err:
        raise error_exit(str(err)) from None
    book = plan(members, profiles, chosen, case, refusals)
    names = [s.name for s in chosen]
    joint_plan = None
    if paths is not None:
        cli_analyses.check_paths(paths)
        try:
            joint_plan = joint.plan_joint(book.tasks)  # a cycle of customers is refused before any work
        except joint.JointCycleError as err:
            raise error_exit(str(err)) from None
    with batch_view.progress_bar(len(book.tasks), enabled=not as_json and console.stderr.is_terminal) as advance:
        try:
            outcomes = run_batch(book.tasks, jobs, advance, engine=engine, scheduler=scheduler, scheduler_file=scheduler_file)
        except StressError as err:
            raise error_exit(str(err)) from None
    rep = assemble(portfolio, members, book, outcomes, names)
    joint_result, joint_error = None, None
    if joint_plan is not None:
        with batch_view.spinner(f"joint Monte Carlo: {paths:,} paths x {len(joint_plan.firms)} firms",
                                enabled=not as_json and console.stderr.is_terminal):
            try:
                joint_result = joint.run_joint(book.tasks, paths, seed, jobs=jobs, plan=joint_plan)
            except StressError as err:
                joint_error = str(err)
    try:
        firms = [api.run(o.profile, scenarios=chosen[:1], case=case) for o in rep.outcomes if o.ok] if detail and out else []
        for path in outputs.write_batch_outputs(rep, out, csv, force, firms):
            console.stderr.print(f"wrote {escape(str(path))}")
    except ReportError as err:
        raise error_exit(str(err)) from None
    if as_json:
        print_json("batch", batch_json(inputs, scenarios_file, rep, joint_result))
    else:
        batch_view.print_ranking(rep.ranking, names, rep.title)
        batch_view.print_exposure(rep.lines, rep.expected_loss, rep.missing_weights)
        if joint_result is not None:
            batch_view.print_joint(joint_result)
    batch_view.print_failures(rep.failures)
    if joint_error is not None:
        console.stderr.print(f"[red]error:[/] joint Monte Carlo not run: {escape(joint_error)}")
    if not rep.failures.empty or joint_error is not None:
        raise typer.Exit(EXIT_BAD_INPUT)
    if fail_on_breach and rep.any_breach:
        raise typer.Exit(EXIT_BREACH)


cli_analyses.register(app)


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
