"""One exception hierarchy: every failure a user can cause is a ``StressError``.

A leaf module: it imports nothing of ours. ``ProfileError`` carries every
problem found in a file at once, each with its field path, bad value and
what was expected, so the console can show them on one screen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or suspicious, for warnings) in an input file."""

    path: str  # field path such as "debt[2].maturity"; "" for the whole file
    message: str  # what is wrong and what was expected
    value: object = None  # the offending value as written, if any
    line: int | None = None  # 1-based, for YAML syntax errors
    column: int | None = None

    def __str__(self) -> str:
        where = self.path or "(file)"
        if self.line is not None:
            where += f" line {self.line}, column {self.column}"
        shown = "" if self.value is None else f" (got {self.value!r})"
        return f"{where}: {self.message}{shown}"


class StressError(Exception):
    """Base of every error the user can act on; the CLI exits 2 on these."""


@dataclass
class ProfileError(StressError):
    """A profile or scenario file could not be loaded; lists every problem."""

    file: Path | str
    problems: list[Problem] = field(default_factory=list)
    kind: str = "profile"

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        lines = [f"{self.file}: invalid {self.kind} ({len(self.problems)} problem(s))"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class ScenarioError(ProfileError):
    """A scenario definition (file or CLI flag) is invalid."""


class ReportError(StressError):
    """A report could not be written (target exists, disk full, ...)."""
