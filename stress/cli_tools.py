"""Commands for profile authors: ``stress init`` (a new profile to fill in), ``stress diff`` (what moved
between two profiles or two results), and the body of ``stress validate`` (profiles and portfolio files).

Only typer is imported here at module level: each command imports what it needs when it runs, so
``stress --help`` does not pay for pandas, numpy or the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from stress.cli_common import EXIT_BAD_INPUT, examples, handled

if TYPE_CHECKING:
    from stress.report.envelope import Role

Name = Annotated[str, typer.Argument(help="the new profile's name (written to companies/NAME.yaml) or a path "
                                          "ending in .yaml")]
FromProfile = Annotated[str | None, typer.Option("--from", metavar="PROFILE",
                                                 help="start from this profile (path or shipped name), re-dated, "
                                                      "instead of the commented scaffold")]
Force = Annotated[bool, typer.Option("--force", help="replace an existing file")]
DiffSide = Annotated[str, typer.Argument(help="a profile (path or shipped name), or a `stress run --json` or "
                                              "`stress montecarlo --json` output file")]


def validate_paths(paths: list[str], sets: list[str] | None = None, as_json: bool = False) -> int:
    """``stress validate``: a ✓ or a problems panel for each file in order (``stress.api.validate``), or with
    ``as_json`` one document. Returns the exit code: 0 when all are valid, else 2."""
    from stress import api
    from stress.report import validate_view

    checked = api.validate(paths, sets or [])
    if as_json:
        from stress.cli_common import print_json
        from stress.errors import OptionError
        from stress.report.envelope import envelope, input_file
        from stress.report.jsonout import validate_document

        inputs = [input_file(c.kind, c.path, getattr(c.result, "sha256", None)) for c in checked
                  if not isinstance(c.result, OptionError)]  # a malformed --set is no file
        print_json("validate", validate_document(envelope("validate", inputs, sets or []), checked))
    else:
        validate_view.print_checked([c.result for c in checked])
    return 0 if all(c.valid for c in checked) else EXIT_BAD_INPUT


@handled
def init(name: Name, source: FromProfile = None, force: Force = False) -> None:
    """Start a new profile to fill in: a commented scaffold, or a copy of a profile (--from).

    The scaffold has every section and a TODO for each value only you can supply.
    `stress validate` lists the TODOs left, each at its line.
    --from copies a profile as written, comments included, with as_of to fill.
    Writes companies/NAME.yaml (or NAME, a .yaml path) and prints the path; never replaces a file without --force.
    """
    from rich.markup import escape

    from stress import api
    from stress.io.todo import TODO
    from stress.report import console

    started = api.init(name, source, force)
    typer.echo(str(started.path))
    command = f"[bold]stress validate {escape(str(started.path))}[/]"
    if started.todos or started.other:
        left = f"{started.todos} {TODO}(s) to fill in" + (f" and {started.other} other problem(s)" if started.other else "")
        console.stderr.print(f"{left}: {command} lists them, each at its line")
    else:
        console.stderr.print(f"valid as it stands: {command}")


@handled
def diff(a: DiffSide, b: DiffSide,
         as_json: Annotated[bool, typer.Option("--json", help="print the comparison as JSON on stdout")] = False) -> None:
    """What moved between two profiles, two `run --json` results or two `montecarlo --json` results.

    Profiles: each field changed, added or removed, as a --set path (debt[DDTL 2.0].rate).
    Run results: per scenario the verdict, first breach, first default, minimum liquidity, trough DSCR.
    Monte Carlo results: the probability of default, by year and per vehicle, LGD and expected loss.
    """
    from stress import api
    from stress.report import diff_view

    result = api.diff(a, b)
    if as_json:
        from stress.cli_common import print_json
        from stress.report.envelope import envelope, input_file
        from stress.report.jsonout import diff_document

        role: Role = "profile" if result.kind == "profile" else "document"
        inputs = [input_file(role, result.a.label), input_file(role, result.b.label)]
        print_json("diff", diff_document(envelope("diff", inputs), result))
    else:
        diff_view.print_diff(result)


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``diff`` to the CLI (``validate`` calls :func:`validate_paths`)."""
    app.command("init", epilog=examples("stress init lambda", "stress init coreweave-q4 --from coreweave"))(init)
    app.command("diff", epilog=examples("stress diff coreweave-2025-06-30 coreweave",
                                         "stress diff last-quarter.json this-quarter.json"))(diff)

