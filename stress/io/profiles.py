"""Finding and loading company profiles: names, paths, validation, warnings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from stress.errors import Problem, ProfileError
from stress.io.comments import source_comments
from stress.io.located import read_document
from stress.io.overrides import apply_overrides, parse_overrides, relabel
from stress.io.search_path import HISTORY, PROFILE_SUFFIXES, SHIPPED_DIR, lookup_dirs, profile_dirs
from stress.io.todo import outside_todos, todo_problems
from stress.io.yamlfile import validation_problems
from stress.model.checks import Parts, going_concern_warnings, profile_problems, scale_warnings
from stress.model.company import Company

__all__ = ["HISTORY", "PROFILE_SUFFIXES", "SHIPPED_DIR", "LoadedProfile", "load_company", "load_profile", "profile_dirs",
           "resolve_profile"]


@dataclass(frozen=True)
class LoadedProfile:
    """A validated profile with where it came from: what every renderer needs of the file, read here once.

    ``sha256`` is of the file's bytes as read (the ``--set`` overrides are recorded beside it, not in it);
    ``text`` is the text as read, which ``comments`` is taken from when a renderer first asks (a batch or a
    Monte Carlo never does, so loading does not pay for it).
    """

    company: Company
    path: Path
    warnings: list[Problem] = field(default_factory=list)
    sha256: str = ""
    text: str = field(default="", repr=False)

    @cached_property
    def comments(self) -> dict[str, str]:
        """Field path -> the comment written beside it (its source, or why it is an estimate); {} for JSON."""
        return source_comments(self.text) if self.path.suffix.lower() in (".yaml", ".yml") else {}


def resolve_profile(name_or_path: str | Path) -> Path:
    """A path as given if it exists, else a bare name looked up in ``profile_dirs()`` and their ``history/``:
    ``coreweave`` is the latest profile, ``coreweave-2025-06-30`` the dated one."""
    path = Path(name_or_path)
    if _present(path) or path.suffix.lower() in PROFILE_SUFFIXES or len(path.parts) > 1:
        return path  # read_mapping says what is wrong with it, if anything
    for folder in lookup_dirs():
        for suffix in PROFILE_SUFFIXES:
            candidate = folder / f"{name_or_path}{suffix}"
            if _present(candidate):
                return candidate
    raise ProfileError(path, [Problem("", f"no such file, and no shipped profile of that name; known: {', '.join(_known_names()) or 'none'}")])


def _present(path: Path) -> bool:
    """Whether something is at ``path``: a file, a broken or looping symlink, or a path the system refuses."""
    try:
        return path.exists() or path.is_symlink()
    except (OSError, ValueError):  # a name too long, a NUL byte: a path, for read_mapping to refuse cleanly
        return True


def _known_names() -> list[str]:
    known: set[str] = set()
    for folder in lookup_dirs():
        try:
            known.update(p.stem for p in folder.iterdir() if p.suffix in PROFILE_SUFFIXES)
        except (OSError, ValueError):
            continue
    return sorted(known)


def load_profile(name_or_path: str | Path, sets: Sequence[str] = ()) -> LoadedProfile:
    """Load and validate a profile; raises ProfileError listing every problem in it, each at its line and
    column in the file.

    A ``TODO`` placeholder (a drafted profile's unfilled value, :mod:`stress.io.todo`) is one problem,
    "to fill in: ...", and a profile with any is refused.

    ``sets`` are ``--set PATH=VALUE`` overrides (:mod:`stress.io.overrides`), applied to the file's data
    before validation; a problem they cause is located as ``--set PATH``, and a path that leads nowhere is a
    ProfileError about the command-line options.

    The cross-field checks run on whatever parts of the file validate, so a
    file with both field and cross-field problems reports them all at once.
    """
    overrides = parse_overrides(sets)  # a malformed --set is refused before the file is read
    path = resolve_profile(name_or_path)
    doc = read_document(path)
    data, touched = apply_overrides(doc.data, overrides)

    def placed(problems: list[Problem]) -> list[Problem]:
        return doc.marks.place_all(relabel(problems, touched))

    todos = todo_problems(data)  # a draft's placeholders: each one problem, "to fill in: ..."
    problems = profile_problems(Parts.of_data(data))
    try:
        company = Company.model_validate(data)
    except ValidationError as exc:
        every = [*todos, *outside_todos([*validation_problems(Company, exc, doc.marks), *problems], todos)]
        raise ProfileError(path, placed(list(dict.fromkeys(every)))) from exc
    if todos or problems:
        raise ProfileError(path, placed([*todos, *outside_todos(problems, todos)]))
    warnings = placed([*scale_warnings(company), *going_concern_warnings(company)])
    return LoadedProfile(company, path, warnings, doc.sha256, doc.text)


def load_company(name_or_path: str | Path) -> Company:
    """The validated Company of a profile name or path (the notebook entry point)."""
    return load_profile(name_or_path).company
