"""CLI commands for the breaking-point analyses: breakeven, grid, tornado, montecarlo.

Thin like ``stress.cli``: parse options, call ``stress.analysis``, hand the result to a renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stress.cli_common import CaseOpt, JsonOpt, Profile, SetOpt, examples, handled, head, load_or_exit, option_error, print_json, watching
from stress.vocabulary import DEFAULT_PATHS, DEFAULT_SEED, DRIVER_NAMES, Case, Engine, GridMetric, Seniority

if TYPE_CHECKING:
    from stress.engine.compiled import CompiledCompany
    from stress.io.profiles import LoadedProfile

# Only typer and stress.vocabulary load at start (``stress --help`` stays fast); each command imports the
# analysis it runs inside its body.

#: The most Monte Carlo paths one run takes: minutes of work on one machine. Each chunk of paths is reduced
#: where it ran: the local engine keeps 8 bytes a path (its minimum liquidity) and a sketch of the cash fan,
#: a Dask client nothing per path; 10,000 (the default) give the PD to about +/-0.5pp.
MAX_PATHS = 1_000_000

OutOpt = Annotated[Path | None, typer.Option("--out", help="also write the analysis as a workbook sheet (.xlsx)")]
ForceOpt = Annotated[bool, typer.Option("--force", help="replace an existing --out file")]
EngineOpt = Annotated[Engine | None, typer.Option(
    "--engine", help="where the work runs: local (this machine's process pool; the default) or dask (a Dask "
                     "cluster: --scheduler's, else one started on this machine). Same results either way")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="address of a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (implies --engine dask)")]
SchedulerFileOpt = Annotated[Path | None, typer.Option(
    "--scheduler-file", help="the file 'dask scheduler --scheduler-file' wrote (implies --engine dask)")]


def _emit(command: str, result: object, document: dict[str, Any], out: Path | None, force: bool, as_json: bool,
          show: Callable[[], None], cc: CompiledCompany) -> None:
    """The sheet when asked for (``stress.api.analysis_sheet``), then the JSON document or the console view."""
    from rich.markup import escape

    from stress import api
    from stress.report import console

    if out is not None:
        console.stderr.print(f"wrote {escape(str(api.analysis_sheet(result, cc, out, force)))}")
    if as_json:
        print_json(command, document)
    else:
        show()


def checked_paths(paths: int | None) -> int | None:
    """``--paths`` (an option callback, so before the command loads anything): exit 2 above ``MAX_PATHS``; the
    option's own ``min=1`` refuses zero and below."""
    if paths is not None and paths > MAX_PATHS:
        raise option_error("--paths", f"expected at most {MAX_PATHS:,} paths; 10,000 (the default) estimate a "
                                      "probability of default to within about half a point", paths)
    return paths


def _compiled(profile: str, case: Case, sets: list[str]) -> tuple[LoadedProfile, CompiledCompany]:
    from stress import api

    loaded = load_or_exit(profile, sets)
    return loaded, api.compiled(loaded, case)


@handled
def breakeven(profile: Profile,
              driver: Annotated[list[str], typer.Option("--driver", "-d", help=f"driver(s): {', '.join(DRIVER_NAMES)}; default all")] = [],  # noqa: B006
              case: CaseOpt = Case.PLAN, sets: SetOpt = [], as_json: JsonOpt = False,  # noqa: B006
              out: OutOpt = None, force: ForceOpt = False) -> None:
    """Reverse stress: the size of each driver at which the firm first breaches a covenant and first defaults."""
    from stress import api
    from stress.report import analysis_view, jsonout

    loaded, cc = _compiled(profile, case, sets)
    api.check_sheet_target(out, force)
    rows = api.breakeven(cc, driver)
    _emit("breakeven", rows, jsonout.breakeven_document(head("breakeven", loaded, sets=sets), rows), out, force, as_json,
          lambda: analysis_view.print_breakeven(cc, rows), cc)


@handled
def grid_command(profile: Profile,
                 x: Annotated[str, typer.Option("--x", help="DRIVER=START:STOP:COUNT, e.g. gpu_price=-80%:0%:9; COUNT at most 50")],
                 y: Annotated[str, typer.Option("--y", help="DRIVER=START:STOP:COUNT, e.g. rate=0:500bp:6")],
                 metric: Annotated[GridMetric, typer.Option("--metric", help="what each cell shows")] = GridMetric.MIN_LIQUIDITY,
                 case: CaseOpt = Case.PLAN, sets: SetOpt = [], as_json: JsonOpt = False,  # noqa: B006
                 out: OutOpt = None, force: ForceOpt = False) -> None:
    """Two-driver sensitivity grid: every pair of sizes in one engine call, as a coloured heatmap."""
    from stress import api
    from stress.report import analysis_view, jsonout
    from stress.report.progress import progress

    loaded, cc = _compiled(profile, case, sets)
    api.check_sheet_target(out, force)
    with progress("grid", None, enabled=watching(as_json)):
        g = api.grid(cc, x, y, metric)
    _emit("grid", g, jsonout.grid_document(head("grid", loaded, sets=sets), g), out, force, as_json,
          lambda: analysis_view.print_grid(cc, g), cc)


@handled
def tornado_command(profile: Profile, case: CaseOpt = Case.PLAN, sets: SetOpt = [],  # noqa: B006
                    as_json: JsonOpt = False, out: OutOpt = None, force: ForceOpt = False) -> None:
    """Each driver alone at a standard adverse and favourable size: impact on minimum liquidity and trough DSCR."""
    from stress import api
    from stress.report import analysis_view, jsonout

    loaded, cc = _compiled(profile, case, sets)
    api.check_sheet_target(out, force)
    t = api.tornado(cc)
    _emit("tornado", t, jsonout.tornado_document(head("tornado", loaded, sets=sets), t), out, force, as_json,
          lambda: analysis_view.print_tornado(cc, t), cc)


def _exposure(text: str) -> float:
    """``--exposure`` in USD: above zero and at most 10tn; exit 2 naming the option otherwise."""
    from stress.model.types import MAX_MONEY
    from stress.units import parse_money

    try:
        amount = parse_money(text)
    except ValueError as exc:
        raise option_error("--exposure", str(exc), text) from None
    if amount <= 0:
        raise option_error("--exposure", "expected an exposure above zero", text)
    if not amount <= MAX_MONEY:  # also NaN and infinity
        raise option_error("--exposure", "expected an exposure of at most 10tn USD", text)
    return amount


@handled
def montecarlo(profile: Profile,
               paths: Annotated[int, typer.Option("--paths", min=1, callback=checked_paths,
                                                  help=f"number of simulated paths, at most {MAX_PATHS:,}")] = DEFAULT_PATHS,
               seed: Annotated[int, typer.Option("--seed", min=0, help="random seed (0 or more); same seed, same answer")] = DEFAULT_SEED,
               params: Annotated[Path | None, typer.Option("--params", help="YAML file overriding the model parameters")] = None,
               exposure: Annotated[str, typer.Option("--exposure", help="lender's exposure, USD (e.g. 250m)")] = "100m",
               tranche: Annotated[str | None, typer.Option("--tranche", help="the exposure is in this tranche")] = None,
               seniority: Annotated[Seniority | None, typer.Option(
                   "--seniority", help="the exposure's rank when no tranche (default senior_unsecured)")] = None,
               case: CaseOpt = Case.PLAN, sets: SetOpt = [], as_json: JsonOpt = False,  # noqa: B006
               out: OutOpt = None, force: ForceOpt = False,
               engine: EngineOpt = None, scheduler: SchedulerOpt = None, scheduler_file: SchedulerFileOpt = None) -> None:
    """Probability of default with its confidence interval, minimum-liquidity distribution, cash fan, LGD and expected loss."""
    from stress import api
    from stress.report import analysis_view, jsonout
    from stress.report.envelope import input_file
    from stress.report.progress import progress

    loaded, cc = _compiled(profile, case, sets)
    lending = api.Lending(_exposure(exposure), tranche, seniority)
    api.check_sheet_target(out, force)
    with progress("paths", paths, enabled=watching(as_json)) as advance:
        r = api.montecarlo(cc, paths, seed, params, lending, advance=advance, engine=engine, scheduler=scheduler,
                           scheduler_file=scheduler_file)
    inputs = [] if params is None else [input_file("params", params)]
    _emit("montecarlo", r, jsonout.montecarlo_document(head("montecarlo", loaded, inputs, sets), cc, r), out, force, as_json,
          lambda: analysis_view.print_montecarlo(cc, r), cc)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the main app, each with an example or two in its help."""
    app.command(epilog=examples("stress breakeven coreweave", "stress breakeven coreweave -d gpu_price -d rate --json"))(breakeven)
    app.command("grid", epilog=examples("stress grid coreweave --x gpu_price=-80%:0%:9 --y rate=0:500bp:6",
                                        "stress grid coreweave --x utilisation=30%:90%:7 --y spread=0:600bp:7 --metric trough_dscr"))(grid_command)
    app.command("tornado", epilog=examples("stress tornado coreweave", "stress tornado oracle --case committed --out tornado.xlsx"))(tornado_command)
    app.command(epilog=examples("stress montecarlo coreweave --paths 100000 --seed 7",
                                "stress montecarlo coreweave --exposure 250m --tranche \"DDTL 2.0\" --json",
                                "stress montecarlo coreweave --paths 1000000 --scheduler tcp://10.0.0.5:8786"))(montecarlo)
