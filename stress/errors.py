"""One exception hierarchy: every failure a user can cause is a ``StressError``.

A leaf module: it imports nothing of ours. ``ProfileError`` carries every
problem found in a file at once, each with its field path, bad value and
what was expected, so the console can show them on one screen.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path

#: Characters of a bad value shown in a message; the rest is cut (a 1 MB value is never echoed whole).
MAX_VALUE_CHARS = 80
#: Characters of a problem's message or field path shown.
MAX_MESSAGE_CHARS = 400


def clip(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters, ending in "…" when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _int_text(value: int, limit: int) -> str:
    bits = value.bit_length()
    if bits > 4 * limit:  # over ~limit digits: never convert (slow, and refused past 4,300 digits)
        return f"<a whole number of about {int(bits * 0.30103) + 1:,} digits>"
    return repr(value)


class _ShortRepr(reprlib.Repr):
    """reprlib with every piece bounded, whole numbers included."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxtuple, self.maxdict, self.maxset = 2, 4, 4, 4, 4
        self.maxfrozenset = self.maxdeque = self.maxarray = 4
        self.maxstring = self.maxother = self.maxlong = limit
        self.limit = limit

    def repr_int(self, x: int, level: int) -> str:
        return _int_text(x, self.limit)

    def repr_str(self, x: str, level: int) -> str:
        return super().repr_str(x[: self.limit + 1], level)


def shown_value(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    """The repr of a bad value in at most ``limit`` characters, built without the repr of a huge value.

    The one place a Problem's value becomes text: the console and ``str(Problem)`` both use it.
    """
    if isinstance(value, str):
        text = repr(value[: limit + 1])
    elif isinstance(value, bool) or value is None or isinstance(value, float):
        text = repr(value)
    elif isinstance(value, int):
        text = _int_text(value, limit)
    else:
        text = _ShortRepr(limit).repr(value)
    return clip(text, limit)


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious, for warnings) in an input file."""

    path: str  # field path such as "debt[2].maturity"; "" for the whole file
    message: str  # what is wrong and what was expected
    value: object = None  # the offending value as written, if any
    line: int | None = None  # 1-based, for YAML syntax errors
    column: int | None = None

    def __str__(self) -> str:
        where = clip(self.path) or "(file)"
        if self.line is not None:
            where += f" line {self.line}, column {self.column}"
        shown = "" if self.value is None else f" (got {shown_value(self.value)})"
        return f"{where}: {clip(self.message)}{shown}"


class StressError(Exception):
    """Base of every error the user can act on; the CLI exits 2 on these."""


@dataclass
class InputError(StressError):
    """Something the user gave (a file, a scenario, an option) is wrong; lists every problem at once, each
    located, so the console shows them on one screen. ``file`` names the input, ``kind`` says what it is
    ("profile", "scenario file", "option", ...)."""

    file: Path | str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "input"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}: invalid {self.kind} ({len(self.problems)} problem(s))"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


@dataclass
class ProfileError(InputError):
    """A profile (or another input file: portfolio, parameters, a filing) could not be loaded."""

    kind: str = "profile"


@dataclass
class ScenarioError(InputError):
    """A scenario definition (a file's, a built-in's) is invalid or does not fit the firm."""

    kind: str = "scenario"


@dataclass
class OptionError(InputError):
    """A command-line option is wrong: an ad-hoc flag, ``--set``, ``--scenario``, ``--paths`` and the like."""

    file: Path | str = "command-line options"
    kind: str = "option"

    @classmethod
    def argument(cls, name: str, message: str, value: object = None) -> OptionError:
        """A positional argument (``NAME``, ``B``) that is wrong, named as the help names it."""
        return cls("command-line arguments", [Problem(name, message, value)], "argument")


class ReportError(StressError):
    """A report could not be written (target exists, disk full, ...)."""
