"""What every CLI command shares: exit codes, loading a profile or exiting 2, option errors.

Imports only typer and :mod:`stress.vocabulary` at module level: ``stress --help`` and TAB completion load
this module, and must not pay for numpy, pandas or the engine. Everything heavy is imported where it is used.
"""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
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
    """``stress batch --json``: the portfolio or profiles as inputs (each profile hashed as it was loaded)."""
    from stress.io.portfolio import is_portfolio_file
    from stress.report.envelope import input_file
    from stress.report.jsonout import batch_document

    book = [input_file("portfolio", inputs[0])] if len(inputs) == 1 and is_portfolio_file(Path(inputs[0])) else []
    files = [*book, *(input_file("profile", o.source, o.sha256) for o in rep.outcomes)]
    return batch_document(head("batch", inputs=[*files, *scenarios_input(scenarios_file)]), rep, joint)


#: ``-s`` and ``--scenarios-file``: which scenarios a run, report or batch projects.
ScenarioNames = Annotated[list[str], typer.Option("--scenario", "-s", help="built-in or file scenario to run (repeatable); "
                                                                             "default: all built-ins")]
ScenariosFile = Annotated[Path | None, typer.Option("--scenarios-file", help="YAML file of extra scenarios")]

#: The ad-hoc shock options of ``stress run`` and ``stress report``, one per ``stress.scenarios.drivers.FLAGS``
#: name (a test keeps them in step): together they make the ``custom`` scenario.
_ADHOC_PANEL = "Ad-hoc shocks (together, the 'custom' scenario)"
ADHOC_OPTIONS: tuple[tuple[str, Any], ...] = (
    ("rate", Annotated[str | None, typer.Option("--rate", help="base-rate shock, e.g. +300bp", rich_help_panel=_ADHOC_PANEL)]),
    ("spread", Annotated[str | None, typer.Option("--spread", help="spread shock, e.g. +400bp", rich_help_panel=_ADHOC_PANEL)]),
    ("gpu_price", Annotated[str | None, typer.Option("--gpu-price", help="GPU-hour price level change, e.g. -40%",
                                                     rich_help_panel=_ADHOC_PANEL)]),
    ("life", Annotated[float | None, typer.Option("--life", help="useful life in years (accounting and economic)",
                                                  rich_help_panel=_ADHOC_PANEL)]),
    ("utilisation", Annotated[str | None, typer.Option("--utilisation", help="spot utilisation, e.g. 55%",
                                                       rich_help_panel=_ADHOC_PANEL)]),
    ("refi_closed", Annotated[int | None, typer.Option("--refi-closed", help="quarters refinancing is closed",
                                                       rich_help_panel=_ADHOC_PANEL)]),
)


#: The profile argument of every command that reads one profile (completion offers the shipped names).
def _profile_names(incomplete: str) -> list[str]:
    from stress.io.search_path import profile_names

    return profile_names(incomplete)


Profile = Annotated[str, typer.Argument(help="profile path or shipped name (e.g. coreweave)", autocompletion=_profile_names)]


@dataclass(frozen=True)
class ScenarioJob:
    """One profile and the scenarios a command projects it under, as the shared options asked: the profile
    (loaded with ``--set``), ``-s`` / ``--scenarios-file`` / ad-hoc shocks chosen (``stress.api.choose``), ``--case``."""

    loaded: LoadedProfile
    scenarios: list[Any]  # stress.model.scenario.Scenario
    case: Case
    sets: list[str]
    scenarios_file: Path | None

    def head(self, command: str) -> dict[str, Any]:
        """The envelope of ``command``'s document: the profile, the scenario file if any, the overrides."""
        return head(command, self.loaded, scenarios_input(self.scenarios_file), self.sets)


def scenario_command(adhoc: bool) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command the options of one profile under scenarios, declared once, here: the PROFILE argument,
    ``-s``, ``--scenarios-file``, with ``adhoc`` the ad-hoc shocks, ``--set`` and ``--case``. The command receives
    them loaded and chosen, as one ``job`` (a :class:`ScenarioJob`); a bad profile or option exits 2 first.

    Typer reads a command's parameters from its signature: the wrapper's is PROFILE, the command's own options
    (without ``job``), then one keyword option per shared option.
    """
    shared = [("scenario", ScenarioNames, []), ("scenarios_file", ScenariosFile, None),
              *(((name, kind, None) for name, kind in ADHOC_OPTIONS) if adhoc else ()),
              ("sets", SetOpt, []), ("case", CaseOpt, Case.PLAN)]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        hints = typing.get_type_hints(command, include_extras=True)
        own = [p.replace(annotation=hints[p.name]) for p in inspect.signature(command).parameters.values()
               if p.name != "job"]
        profile = inspect.Parameter("profile", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Profile)
        added = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=kind)
                 for name, kind, default in shared]

        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> None:
            from stress import api

            given, names, file = kwargs.pop("profile"), kwargs.pop("scenario"), kwargs.pop("scenarios_file")
            flags = {name: kwargs.pop(name) for name, _ in ADHOC_OPTIONS} if adhoc else None
            sets, case = list(kwargs.pop("sets")), kwargs.pop("case")
            loaded = load_or_exit(given, sets)
            job = ScenarioJob(loaded, api.choose(loaded, names, file, flags, case), case, sets, file)
            command(*args, job=job, **kwargs)

        parameters = [profile, *own, *added]
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
        return wrapper

    return decorate
