"""``stress validate``'s lines: a ✓ per valid profile or portfolio, a problems panel per invalid file."""

from __future__ import annotations

from rich.markup import escape

from stress.errors import InputError
from stress.io.portfolio import CheckedPortfolio
from stress.io.profiles import LoadedProfile
from stress.report import console


def print_checked(results: list[LoadedProfile | CheckedPortfolio | InputError]) -> None:
    """Each file's result in the order given: problems (and warnings) on stderr, each ✓ on stdout."""
    for r in results:
        if isinstance(r, InputError):
            console.print_validation([], [r])
        elif isinstance(r, LoadedProfile):
            console.print_validation([r], [])
        else:
            members = len(r.portfolio.members)
            console.stdout.print(f"[green]✓[/] {escape(str(r.path))}: portfolio {escape(r.portfolio.name)} is valid "
                                 f"({members} member(s), {len(r.profiles)} profile(s), each valid)")
