"""Reading a batch's input: a portfolio file, or a list of profiles."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from stress.errors import ProfileError
from stress.io.profiles import resolve_profile
from stress.io.yamlfile import read_mapping, validation_problems
from stress.model.portfolio import Member, Portfolio


def is_portfolio_file(path: Path) -> bool:
    """A YAML file whose top level has ``members:``; anything else is treated as a profile."""
    try:
        return path.is_file() and "members" in read_mapping(path, kind="portfolio")
    except ProfileError:
        return False


def load_portfolio(path: Path) -> Portfolio:
    data = read_mapping(path, kind="portfolio")
    try:
        return Portfolio.model_validate(data)
    except ValidationError as exc:
        raise ProfileError(path, validation_problems(Portfolio, exc), "portfolio") from exc


def member_path(member: Member, portfolio_file: Path) -> str:
    """A member's profile as a path: relative paths resolve against the portfolio file's folder."""
    relative = portfolio_file.parent / member.profile
    if relative.exists():
        return str(relative)
    try:
        return str(resolve_profile(member.profile))
    except ProfileError:
        return member.profile  # left for the worker to report as this member's failure


def batch_input(args: list[str]) -> tuple[Portfolio | None, list[Member], list[str]]:
    """(portfolio or None, members, each member's profile path) from the command line's arguments."""
    if len(args) == 1 and is_portfolio_file(Path(args[0])):
        path = Path(args[0])
        portfolio = load_portfolio(path)
        return portfolio, list(portfolio.members), [member_path(m, path) for m in portfolio.members]
    members = [Member(profile=a) for a in args]
    return None, members, list(args)
