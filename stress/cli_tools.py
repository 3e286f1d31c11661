"""Commands for profile authors: ``stress init`` (a new profile to fill in), ``stress diff`` (what moved
between two profiles or two results), and the body of ``stress validate`` (profiles and portfolio files).

Only typer is imported here at module level: each command imports what it needs when it runs, so
``stress --help`` does not pay for pandas, numpy or the model.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import typer

from stress.cli_common import examples

EXIT_BAD_INPUT = 2

Name = Annotated[str, typer.Argument(help="the new profile's name (written to companies/NAME.yaml) or a path "
                                          "ending in .yaml")]
FromProfile = Annotated[str | None, typer.Option("--from", metavar="PROFILE",
                                                 help="start from this profile (path or shipped name), re-dated, "
                                                      "instead of the commented scaffold")]
Force = Annotated[bool, typer.Option("--force", help="replace an existing file")]
DiffSide = Annotated[str, typer.Argument(help="a profile (path or shipped name), or a `stress run --json` or "
                                              "`stress montecarlo --json` output file")]


def validate_paths(paths: list[str], sets: list[str] | None = None, as_json: bool = False) -> int:
    """``stress validate``: each path a profile (with ``--set`` overrides) or, when its top level has
    ``members:``, a portfolio (its fields, member paths, member profiles and tranches); prints a ✓ or a
    problems panel for each, in order, or with ``as_json`` one document. Returns the exit code: 0 when all
    are valid, else 2."""
    from pathlib import Path

    from stress.errors import InputError
    from stress.io.overrides import parse_overrides
    from stress.io.portfolio import CheckedPortfolio, check_portfolio, is_portfolio_file
    from stress.io.profiles import LoadedProfile, load_profile, resolve_profile
    from stress.report import validate_view

    results: list[tuple[str, LoadedProfile | CheckedPortfolio | InputError]] = []
    try:
        parse_overrides(sets or [])  # a malformed --set is one error, not one per file
    except InputError as err:
        results.append(("profile", err))
        paths = []
    for given in paths:
        kind = "profile"
        try:
            path = resolve_profile(given)
            kind = "portfolio" if is_portfolio_file(Path(path)) else "profile"
            results.append((kind, check_portfolio(Path(path)) if kind == "portfolio" else load_profile(path, sets or [])))
        except InputError as err:
            results.append((kind, err))
    if as_json:
        from stress.cli_common import print_json

        print_json("validate", validate_document(results, sets or []))
    else:
        validate_view.print_checked([r for _, r in results])
    return EXIT_BAD_INPUT if any(isinstance(r, InputError) for _, r in results) else 0


def validate_document(results: list[tuple[str, Any]], sets: list[str]) -> dict[str, Any]:
    """``stress validate --json``: each file, profile or portfolio, valid (a profile with its company and
    warnings) or with its problems, in the order given; ``--set`` overrides in the envelope."""
    from stress.errors import InputError
    from stress.io.profiles import LoadedProfile
    from stress.report.envelope import company_ref, envelope, input_file
    from stress.report.jsonout import problem_document

    files: list[dict[str, Any]] = []
    for kind, r in results:
        if isinstance(r, InputError):
            files.append({"path": str(r.file), "kind": kind, "valid": False,
                          "problems": [problem_document(p) for p in r.problems]})
        elif isinstance(r, LoadedProfile):
            files.append({"path": str(r.path), "kind": kind, "valid": True, "company": company_ref(r.company, r.path),
                          "warnings": [problem_document(p) for p in r.warnings]})
        else:
            files.append({"path": str(r.path), "kind": kind, "valid": True})
    inputs = [input_file(f["kind"], f["path"]) for f in files if f["path"] != "command-line options"]
    return {**envelope("validate", inputs, sets), "files": files}


def init(name: Name, source: FromProfile = None, force: Force = False) -> None:
    """Start a new profile to fill in: a commented scaffold, or a copy of a profile (--from).

    The scaffold has every section and a TODO for each value only you can supply.
    `stress validate` lists the TODOs left, each at its line.
    --from copies a profile as written, comments included, with as_of to fill.
    Writes companies/NAME.yaml (or NAME, a .yaml path) and prints the path; never replaces a file without --force.
    """
    from pathlib import Path

    from stress.cli_common import bad_input
    from stress.errors import InputError, ReportError
    from stress.io.scaffold import copied_text, output_path, scaffold_text
    from stress.report.safe_write import write_atomic

    try:
        target = output_path(name)
        label = target.stem if target == Path(name) else name  # a path given: its file name
        text = copied_text(source, target) if source else scaffold_text(label, target)
        write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force)
    except InputError as err:
        raise bad_input(err) from None
    except ReportError as err:
        _error(str(err))
    typer.echo(str(target))
    _say_what_is_left(target)


def _say_what_is_left(target: Any) -> None:
    """On stderr: how many values the new file still needs, and the command that lists them."""
    from rich.markup import escape

    from stress.errors import InputError
    from stress.io.profiles import load_profile
    from stress.io.todo import TODO
    from stress.report import console

    try:
        load_profile(target)
    except InputError as err:
        todos = sum(p.message.startswith("to fill in") for p in err.problems)
        other = len(err.problems) - todos
        left = f"{todos} {TODO}(s) to fill in" + (f" and {other} other problem(s)" if other else "")
        console.stderr.print(f"{left}: [bold]stress validate {escape(str(target))}[/] lists them, each at its line")
        return
    console.stderr.print(f"valid as it stands: [bold]stress validate {escape(str(target))}[/]")


def diff(a: DiffSide, b: DiffSide,
         as_json: Annotated[bool, typer.Option("--json", help="print the comparison as JSON on stdout")] = False) -> None:
    """What moved between two profiles, two `run --json` results or two `montecarlo --json` results.

    Profiles: each field changed, added or removed, as a --set path (debt[DDTL 2.0].rate).
    Run results: per scenario the verdict, first breach, first default, minimum liquidity, trough DSCR.
    Monte Carlo results: the probability of default, by year and per vehicle, LGD and expected loss.
    """
    from stress.analysis.diff import diff as compare
    from stress.cli_common import bad_input
    from stress.errors import InputError
    from stress.report import diff_view

    try:
        result = compare(a, b)
    except InputError as err:
        raise bad_input(err) from None
    if as_json:
        from stress.cli_common import print_json
        from stress.report.envelope import envelope, input_file

        role = "profile" if result.kind == "profile" else "document"
        inputs = [input_file(role, result.a.label), input_file(role, result.b.label)]
        print_json("diff", {**envelope("diff", inputs), **_finite(result.as_dict())})
    else:
        diff_view.print_diff(result)


def _finite(value: Any) -> Any:
    """``value`` with every non-finite float as None (JSON has no NaN), without recursion."""
    root: list[Any] = [value]
    todo: list[tuple[Any, Any]] = [(root, 0)]
    while todo:
        holder, key = todo.pop()
        item = holder[key]
        if isinstance(item, float) and not math.isfinite(item):
            holder[key] = None
        elif isinstance(item, dict):
            holder[key] = item = dict(item)
            todo.extend((item, k) for k in item)
        elif isinstance(item, list):
            holder[key] = item = list(item)
            todo.extend((item, i) for i in range(len(item)))
    return root[0]


def _error(message: str) -> None:
    from rich.markup import escape

    from stress.report import console

    console.stderr.print(f"[red]error:[/] {escape(message)}")
    raise typer.Exit(EXIT_BAD_INPUT)


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``diff`` to the CLI (``validate`` calls :func:`validate_paths`)."""
    app.command("init", epilog=examples("stress init lambda", "stress init coreweave-q4 --from coreweave"))(init)
    app.command("diff", epilog=examples("stress diff coreweave-2025-06-30 coreweave",
                                         "stress diff last-quarter.json this-quarter.json"))(diff)

