"""Reading a batch's input: a portfolio file, or a list of profiles."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from stress.errors import Problem, ProfileError, StressError, clip
from stress.io.located import Marks, read_document
from stress.io.profiles import PROFILE_SUFFIXES, LoadedProfile, load_profile, profile_dirs, resolve_profile
from stress.io.yamlfile import read_mapping, read_text, validation_problems
from stress.model.portfolio import Member, Portfolio


def is_portfolio_file(path: Path) -> bool:
    """A YAML file whose top level has ``members:``; anything else is treated as a profile."""
    try:
        return path.is_file() and "members" in read_mapping(path, kind="portfolio")
    except ProfileError:  # unreadable as data: a portfolio still if it says so, to be reported as one
        return _says_members(path)
    except (OSError, ValueError):  # a name too long for the file system: left for the loader to report
        return False


def _says_members(path: Path) -> bool:
    """Whether a file that fails to load has a top-level ``members:`` line (YAML) or a ``"members":`` key (JSON)."""
    try:
        text = read_text(path, "portfolio")
    except ProfileError:
        return False
    return re.search(r'(?m)^(?:members|\s*"members")\s*:', text) is not None


def load_portfolio(path: Path) -> Portfolio:
    """The validated portfolio file; a ProfileError lists every problem, each at its line and column."""
    return read_portfolio(path)[0]


def read_portfolio(path: Path) -> tuple[Portfolio, Marks]:
    """The validated portfolio and where its values are written (to place problems found later)."""
    doc = read_document(path, kind="portfolio")
    try:
        return Portfolio.model_validate(doc.data), doc.marks
    except ValidationError as exc:
        raise ProfileError(path, validation_problems(Portfolio, exc, doc.marks), "portfolio") from exc


class PathRefused(StressError):
    """A member path outside the portfolio's folder and the profile search path, or not a profile file.

    The message states the rule broken; the file itself is never opened.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_bare_name(text: str) -> bool:
    """A shipped-profile name such as ``coreweave``: one part, no profile suffix."""
    path = Path(text)
    return len(path.parts) == 1 and path.suffix.lower() not in PROFILE_SUFFIXES and not path.is_absolute()


def _within(path: Path, folders: list[Path]) -> bool:
    for folder in folders:
        try:
            if path.is_relative_to(Path(os.path.realpath(folder))):
                return True
        except (OSError, ValueError):
            continue
    return False


def member_path(member: Member, portfolio_file: Path, allow_any_path: bool = False) -> str:
    """A member's profile as a path, by the path rule; raises ``PathRefused`` when the rule refuses it.

    Paths resolve relative to the portfolio file's folder (never the working directory); a bare name
    (``coreweave``) not found there is looked up in ``profile_dirs()``. The file reached, symlinks
    followed, must be a profile file (.yaml, .yml, .json) under the portfolio's folder or a folder of the
    profile search path, unless ``allow_any_path``. Returns the real path when the file exists.
    """
    given = member.profile
    candidate = portfolio_file.parent / given
    try:
        if _is_bare_name(given) and not candidate.is_file():
            candidate = resolve_profile(given)
        exists = candidate.exists()
        real = Path(os.path.realpath(candidate))
    except ProfileError:
        return given  # an unknown name: the worker reports it, with the names it knows
    except (OSError, ValueError) as exc:  # a name too long for the file system, a NUL byte, a symlink loop
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)[:60] or type(exc).__name__
        raise PathRefused(f"refused: not a usable path ({reason})") from None
    if allow_any_path:
        return str(real) if exists else str(candidate)
    if real.suffix.lower() not in PROFILE_SUFFIXES:
        raise PathRefused(f"refused: not a profile file (expected {', '.join(PROFILE_SUFFIXES)}); "
                                       "pass --allow-any-path to read it anyway")
    if not _within(real, [portfolio_file.parent, *profile_dirs()]):
        raise PathRefused("refused: outside the portfolio's folder and the profile search path; "
                                       "pass --allow-any-path to read it anyway")
    return str(real) if exists else str(candidate)


def batch_input(args: list[str], allow_any_path: bool = False
                ) -> tuple[Portfolio | None, list[Member], list[str], list[str | None]]:
    """(portfolio or None, members, each member's profile path, each member's path refusal or None).

    A portfolio's member paths follow the path rule (``member_path``); profiles named on the command line
    are the user's own choice and are taken as given.
    """
    if len(args) == 1 and is_portfolio_file(Path(args[0])):
        path = Path(args[0])
        portfolio = load_portfolio(path)
        paths: list[str] = []
        refusals: list[str | None] = []
        for m in portfolio.members:
            try:
                paths.append(member_path(m, path, allow_any_path))
                refusals.append(None)
            except PathRefused as err:
                paths.append(m.profile)
                refusals.append(err.message)
        return portfolio, list(portfolio.members), paths, refusals
    members = [Member(profile=a) for a in args]
    return None, members, list(args), [None] * len(args)


def customer_profile_path(given: str, profile_file: Path) -> str:
    """A contract's ``customer_profile`` as a real path, resolved like a member path: relative to the profile
    file's folder, a bare name not found there looked up in ``profile_dirs()``. The file is never opened (a
    joint batch only matches it against the book's members); the text as given when it reaches no file."""
    candidate = profile_file.parent / given
    try:
        if _is_bare_name(given) and not candidate.is_file():
            candidate = resolve_profile(given)
        return os.path.realpath(candidate) if candidate.is_file() else given
    except (ProfileError, OSError, ValueError):
        return given


@dataclass(frozen=True)
class CheckedPortfolio:
    """A portfolio file that validates: its own fields, each member's profile and the tranche it names."""

    portfolio: Portfolio
    path: Path
    profiles: dict[str, LoadedProfile]  # real path of each distinct member profile -> the loaded profile


def check_portfolio(path: Path, allow_any_path: bool = False) -> CheckedPortfolio:
    """Validate a portfolio file as ``stress batch`` would read it, without running anything.

    Checks its own fields, then for each member: the path rule (:func:`member_path`), that its profile
    loads (each distinct profile once) and that an exposure's ``tranche`` is one of that profile's. Raises
    one ProfileError (kind ``portfolio``) listing every problem at its member's line in the portfolio file;
    a member's invalid profile is one problem naming its first and how many more there are.
    """
    portfolio, marks = read_portfolio(path)
    problems: list[Problem] = []
    loaded: dict[str, LoadedProfile] = {}
    failed: dict[str, ProfileError] = {}
    for i, member in enumerate(portfolio.members):
        where = f"members[{i}].profile"
        try:
            target = member_path(member, path, allow_any_path)
        except PathRefused as err:
            problems.append(Problem(where, err.message, member.profile))
            continue
        if target not in loaded and target not in failed:
            try:
                loaded[target] = load_profile(target)
            except ProfileError as err:
                failed[target] = err
        if target in failed:
            problems.append(Problem(where, _member_failure(failed[target]), member.profile))
            continue
        exposure = member.exposure
        tranches = [t.name for t in loaded[target].company.debt]
        if exposure is not None and exposure.tranche is not None and exposure.tranche not in tranches:
            problems.append(Problem(f"members[{i}].exposure.tranche", f"{loaded[target].company.name} has no tranche of "
                                    f"that name; its tranches: {clip(', '.join(tranches) or 'none', 200)}", exposure.tranche))
    if problems:
        raise ProfileError(path, marks.place_all(problems), "portfolio")
    return CheckedPortfolio(portfolio, path, loaded)


def _member_failure(err: ProfileError) -> str:
    """One line for a member whose profile does not load: its first problem, and how many more."""
    first = err.problems[0] if err.problems else None
    more = len(err.problems) - 1
    text = f"its profile does not load: {first}" if first else "its profile does not load"
    if more > 0:
        text += f" (and {more} more problem(s): stress validate {err.file} lists them)"
    return clip(text, 300)
