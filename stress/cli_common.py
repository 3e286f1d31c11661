"""What every CLI command shares: exit codes, loading a profile or exiting 2, option errors.

Imports only typer and :mod:`stress.vocabulary` at module level: ``stress --help`` and TAB completion load
this module, and must not pay for numpy, pandas or the engine. Everything heavy is imported where it is used.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stress.vocabulary import Case

if TYPE_CHECKING:
    from stress.errors import InputError
    from stress.io.profiles import LoadedProfile

#: ``--case`` on every command that projects: which financing and contracts count.
CaseOpt = Annotated[Case, typer.Option("--case", help="plan: planned financing and awarded contracts count too; "
                                                      "committed: only what was committed at as_of")]

EXIT_BAD_INPUT = 2
EXIT_BREACH = 3


def handled(command: Callable[..., None]) -> Callable[..., None]:
    """The one place errors become exit codes: bad input (an ``InputError``: profile, scenario, option) is a
    panel of located problems, any other ``StressError`` (a file that cannot be written, a cycle of customers)
    one line; both exit 2. Typer reads the command's signature through the wrapper."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        from stress.errors import InputError, StressError

        try:
            command(*args, **kwargs)
        except InputError as err:
            raise bad_input(err) from None
        except StressError as err:
            raise error_exit(str(err)) from None

    return run


def watching(as_json: bool) -> bool:
    """Progress on stderr only for a person watching: stderr a terminal, and no ``--json`` on stdout."""
    from stress.report import console

    return not as_json and console.stderr.is_terminal


def examples(*lines: str) -> str:
    """A command's help epilog: one or two commands to copy, each on its own line."""
    return "Examples:\n\n" + "\n\n".join(f"  $ {line}" for line in lines)


def bad_input(err: InputError) -> typer.Exit:
    """Show every problem on stderr; the caller raises the returned Exit (code 2)."""
    from stress.report import console

    console.stderr.print(console.problems_panel(err))
    return typer.Exit(EXIT_BAD_INPUT)


def error_exit(message: str) -> typer.Exit:
    """A one-line error on stderr (markup escaped); the caller raises the returned Exit (code 2)."""
    from rich.markup import escape

    from stress.report import console

    console.stderr.print(f"[red]error:[/] {escape(message)}")
    return typer.Exit(EXIT_BAD_INPUT)


def option_error(flag: str, message: str, value: object) -> typer.Exit:
    """A bad command-line option, named, with its value shown once."""
    from stress.errors import OptionError, Problem

    return bad_input(OptionError(problems=[Problem(flag, message.removesuffix(f", got {value!r}"), value)]))


#: ``--set PATH=VALUE`` on every command that loads a profile: one field overridden for this run.
SetOpt = Annotated[list[str], typer.Option("--set", metavar="PATH=VALUE", help="override a profile field for this run, "
                                                                             "e.g. market.spot_utilisation=60% (repeatable)")]


def load_or_exit(profile: str, sets: Sequence[str] = ()) -> LoadedProfile:
    """The validated profile with ``sets`` (``--set PATH=VALUE``) applied, its warnings on stderr; exit 2 with
    every problem if it is invalid or an override names no field."""
    from stress.errors import InputError
    from stress.io.profiles import load_profile
    from stress.report import console

    try:
        loaded = load_profile(profile, sets)
    except InputError as err:
        raise bad_input(err) from None
    if loaded.warnings:
        console.stderr.print(console.warnings_panel(loaded))
    return loaded


#: ``--json`` on every command: one document on stdout, in the envelope of ``stress.report.documents``.
JsonOpt = Annotated[bool, typer.Option("--json", help="print the result as one JSON document on stdout "
                                                      "(its schema: stress schema --output COMMAND)")]


def head(command: str, loaded: LoadedProfile | None = None, inputs: Iterable[dict[str, Any]] = (),
         sets: Sequence[str] = ()) -> dict[str, Any]:
    """The envelope of a command's document; with ``loaded``, its profile is the first input and the company;
    ``sets`` are the ``--set`` overrides applied to it."""
    from stress.report.envelope import company_ref, envelope, input_file

    files = [input_file("profile", loaded.path, loaded.sha256)] if loaded is not None else []
    doc = envelope(command, [*files, *inputs], sets)
    if loaded is not None:
        doc["company"] = company_ref(loaded.company, loaded.path, loaded.sha256)
    return doc


def scenarios_input(scenarios_file: Path | None) -> list[dict[str, Any]]:
    """The scenario file as an input of the document, when one was given."""
    from stress.report.envelope import input_file

    return [] if scenarios_file is None else [input_file("scenarios", scenarios_file)]


def print_json(command: str, document: dict[str, Any]) -> None:
    """Check ``document`` against the command's published model and print it as one line on stdout."""
    from stress.report.documents import DOCUMENTS
    from stress.report.envelope import dumps

    typer.echo(dumps(DOCUMENTS[command], document))



def batch_json(inputs: list[str], scenarios_file: Path | None, rep: Any, joint: Any) -> dict[str, Any]:
    """``stress batch --json``: the portfolio or profiles as inputs, each ranked firm as a company object."""
    from stress.io.portfolio import is_portfolio_file
    from stress.report.documents import UNITS
    from stress.report.envelope import input_file, sha256_of
    from stress.report.jsonout import batch_document

    companies = {o.source: {"name": o.name, "ticker": o.ticker, "as_of": o.as_of, "horizon_quarters": o.horizon_quarters,
                            "fiscal_year_end": o.fiscal_year_end, "profile": o.path, "sha256": o.sha256 or sha256_of(o.path),
                            "units": UNITS} for o in rep.outcomes if o.ok}
    book = [input_file("portfolio", inputs[0])] if len(inputs) == 1 and is_portfolio_file(Path(inputs[0])) else []
    files = [*book, *(input_file("profile", o.path or o.profile) for o in rep.outcomes)]
    return batch_document(head("batch", inputs=[*files, *scenarios_input(scenarios_file)]), rep, companies, joint)
