"""What every CLI command shares: exit codes, loading a profile or exiting 2, option errors."""

from __future__ import annotations

from typing import Annotated

import typer

from stress.errors import Problem, ProfileError
from stress.io.profiles import LoadedProfile, load_profile
from stress.model.capital import Case
from stress.report import console

#: ``--case`` on every command that projects: which financing and contracts count.
CaseOpt = Annotated[Case, typer.Option("--case", help="plan: planned financing and awarded contracts count too; "
                                                      "committed: only what was committed at as_of")]

EXIT_BAD_INPUT = 2
EXIT_BREACH = 3


def bad_input(err: ProfileError) -> typer.Exit:
    """Show every problem on stderr; the caller raises the returned Exit (code 2)."""
    console.stderr.print(console.problems_panel(err))
    return typer.Exit(EXIT_BAD_INPUT)


def option_error(flag: str, message: str, value: object) -> typer.Exit:
    """A bad command-line option, named, with its value shown once."""
    return bad_input(ProfileError("command-line options", [Problem(flag, message.removesuffix(f", got {value!r}"), value)], "option"))


def load_or_exit(profile: str) -> LoadedProfile:
    """The validated profile, its warnings on stderr; exit 2 with every problem if it is invalid."""
    try:
        loaded = load_profile(profile)
    except ProfileError as err:
        raise bad_input(err) from None
    if loaded.warnings:
        console.stderr.print(console.warnings_panel(loaded))
    return loaded
