"""CLI commands for the breaking-point analyses: breakeven, grid, tornado, montecarlo.

Thin like ``stress.cli``: parse options, call ``stress.analysis``, hand the result to a renderer.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from pydantic import ValidationError

from stress.analysis.breakeven import breakeven_table
from stress.analysis.drivers import DRIVERS
from stress.analysis.grid import GridMetric, grid, parse_axis
from stress.analysis.montecarlo import Exposure, run_montecarlo
from stress.analysis.tornado import tornado
from stress.engine.compiled import CompiledCompany, compile_company
from stress.cli_common import CaseOpt, bad_input, load_or_exit, option_error
from stress.errors import ProfileError, ReportError
from stress.io.yamlfile import read_mapping, validation_problems
from stress.model.capital import Case
from stress.model.debt import Seniority
from stress.model.montecarlo import MonteCarloParams
from stress.model.types import MAX_MONEY
from stress.report import analysis_view, console, jsonout
from stress.report.safe_write import write_atomic
from stress.report.workbook.analyses import analysis_workbook
from stress.units import parse_money

#: The most Monte Carlo paths one run takes. Each path keeps its cash in every quarter (8 bytes x up to 80
#: quarters), so this is about 0.6 GB and minutes of work; 10,000 (the default) give the PD to about +/-0.5pp.
MAX_PATHS = 1_000_000

ProfileArg = Annotated[str, typer.Argument(help="profile path or shipped name (e.g. coreweave)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print the figures as JSON on stdout")]
OutOpt = Annotated[Path | None, typer.Option("--out", help="also write the analysis as a workbook sheet (.xlsx)")]
ForceOpt = Annotated[bool, typer.Option("--force", help="replace an existing --out file")]


def _check_out(out: Path | None, force: bool) -> None:
    """Before any work: an --out that is not .xlsx, or exists without --force, is a bad option."""
    if out is not None and out.suffix.lower() != ".xlsx":
        raise option_error("--out", "expected an .xlsx file", str(out))
    if out is not None and out.exists() and not force:
        raise option_error("--out", "already exists; not overwriting it (use --force to replace it)", str(out))


def _emit(result: object, document: dict, out: Path | None, force: bool, as_json: bool, show: Callable[[], None],
          cc: CompiledCompany) -> None:
    """The JSON document or the console view on stdout, and the sheet when asked for."""
    if out is not None:
        try:
            path = write_atomic(out, analysis_workbook(result, cc).save, force)  # type: ignore[arg-type]
        except ReportError as err:
            raise option_error("--out", str(err), str(out)) from None
        console.stderr.print(f"wrote {escape(str(path))}")
    if as_json:
        typer.echo(jsonout.dumps_document(document))
    else:
        show()


def check_paths(paths: int) -> None:
    """Exit 2 on a --paths above ``MAX_PATHS`` (the option's own ``min=1`` refuses zero and below)."""
    if paths > MAX_PATHS:
        raise option_error("--paths", f"expected at most {MAX_PATHS:,} paths; 10,000 (the default) estimate a "
                                      "probability of default to within about half a point", paths)


def _compiled(profile: str, case: Case) -> CompiledCompany:
    return compile_company(load_or_exit(profile).company, case)


def breakeven(profile: ProfileArg,
              driver: Annotated[list[str], typer.Option("--driver", "-d", help=f"driver(s): {', '.join(DRIVERS)}; default all")] = [],  # noqa: B006
              case: CaseOpt = Case.PLAN, as_json: JsonOpt = False, out: OutOpt = None, force: ForceOpt = False) -> None:
    """Reverse stress: the size of each driver at which the firm first breaches a covenant and first defaults."""
    cc = _compiled(profile, case)
    unknown = [d for d in driver if d not in DRIVERS]
    if unknown:
        raise option_error("--driver", f"unknown driver; drivers: {', '.join(DRIVERS)}", unknown[0])
    _check_out(out, force)
    rows = breakeven_table(cc, driver or None)
    _emit(rows, jsonout.breakeven_document(cc, rows), out, force, as_json, lambda: analysis_view.print_breakeven(cc, rows), cc)


def grid_command(profile: ProfileArg,
                 x: Annotated[str, typer.Option("--x", help="DRIVER=START:STOP:COUNT, e.g. gpu_price=-80%:0%:9; COUNT at most 50")],
                 y: Annotated[str, typer.Option("--y", help="DRIVER=START:STOP:COUNT, e.g. rate=0:500bp:6")],
                 metric: Annotated[GridMetric, typer.Option("--metric", help="what each cell shows")] = GridMetric.MIN_LIQUIDITY,
                 case: CaseOpt = Case.PLAN, as_json: JsonOpt = False, out: OutOpt = None, force: ForceOpt = False) -> None:
    """Two-driver sensitivity grid: every pair of sizes in one engine call, as a coloured heatmap."""
    cc = _compiled(profile, case)
    axes = []
    for flag, spec in (("--x", x), ("--y", y)):
        try:
            axes.append(parse_axis(spec))
        except ValueError as exc:
            raise option_error(flag, str(exc), spec) from None
    _check_out(out, force)
    g = grid(cc, axes[0], axes[1], metric)
    _emit(g, jsonout.grid_document(cc, g), out, force, as_json, lambda: analysis_view.print_grid(cc, g), cc)


def tornado_command(profile: ProfileArg, case: CaseOpt = Case.PLAN, as_json: JsonOpt = False, out: OutOpt = None, force: ForceOpt = False) -> None:
    """Each driver alone at a standard adverse and favourable size: impact on minimum liquidity and trough DSCR."""
    cc = _compiled(profile, case)
    _check_out(out, force)
    t = tornado(cc)
    _emit(t, jsonout.tornado_document(cc, t), out, force, as_json, lambda: analysis_view.print_tornado(cc, t), cc)


def _params(cc: CompiledCompany, path: Path | None) -> MonteCarloParams:
    base = cc.company.montecarlo or MonteCarloParams()
    if path is None:
        return base
    data = read_mapping(path, kind="Monte Carlo parameters")
    try:
        return MonteCarloParams.model_validate({**base.model_dump(), **data})
    except ValidationError as exc:
        raise ProfileError(path, validation_problems(MonteCarloParams, exc), "Monte Carlo parameters") from exc


def montecarlo(profile: ProfileArg,
               paths: Annotated[int, typer.Option("--paths", min=1, help=f"number of simulated paths, at most {MAX_PATHS:,}")] = 10_000,
               seed: Annotated[int, typer.Option("--seed", min=0, help="random seed (0 or more); same seed, same answer")] = 7,
               params: Annotated[Path | None, typer.Option("--params", help="YAML file overriding the model parameters")] = None,
               exposure: Annotated[str, typer.Option("--exposure", help="lender's exposure, USD (e.g. 250m)")] = "100m",
               tranche: Annotated[str | None, typer.Option("--tranche", help="the exposure is in this tranche")] = None,
               seniority: Annotated[Seniority | None, typer.Option("--seniority", help="the exposure's rank when no tranche (default senior_unsecured)")] = None,
               case: CaseOpt = Case.PLAN, as_json: JsonOpt = False, out: OutOpt = None, force: ForceOpt = False) -> None:
    """Probability of default with its confidence interval, minimum-liquidity distribution, cash fan, LGD and expected loss."""
    check_paths(paths)
    cc = _compiled(profile, case)
    try:
        amount = parse_money(exposure)
    except ValueError as exc:
        raise option_error("--exposure", str(exc), exposure) from None
    if amount <= 0:
        raise option_error("--exposure", "expected an exposure above zero", exposure)
    if not amount <= MAX_MONEY:  # also NaN and infinity
        raise option_error("--exposure", "expected an exposure of at most 10tn USD", exposure)
    if tranche is not None and seniority is not None:
        raise option_error("--seniority", "give --tranche or --seniority, not both: a tranche has its own seniority", seniority.value)
    if tranche is not None and tranche not in cc.tranche_names:
        raise option_error("--tranche", f"names no tranche; tranches: {', '.join(cc.tranche_names)}", tranche)
    try:
        p = _params(cc, params)
    except ProfileError as err:
        raise bad_input(err) from None
    rank = cc.company.tranche(tranche).rank if tranche else seniority or Seniority.SENIOR_UNSECURED
    _check_out(out, force)
    r = run_montecarlo(cc, paths, seed, p, Exposure(amount, tranche, rank))
    _emit(r, jsonout.montecarlo_document(cc, r), out, force, as_json, lambda: analysis_view.print_montecarlo(cc, r), cc)


def register(app: typer.Typer) -> None:
    """Add the analysis commands to the main app."""
    app.command()(breakeven)
    app.command("grid")(grid_command)
    app.command("tornado")(tornado_command)
    app.command()(montecarlo)
