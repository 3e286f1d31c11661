"""Where bare profile names are looked up; the standard library only, so TAB completion stays fast."""

from __future__ import annotations

import os
from pathlib import Path

PROFILE_SUFFIXES = (".yaml", ".yml", ".json")
#: Profiles shipped with the project: ``companies/`` beside the package.
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "companies"
#: Dated profiles, ``history/NAME-YYYY-MM-DD.yaml`` beside the latest ``NAME.yaml``: a firm as it stood at an
#: earlier as_of, kept so its projection can be compared with what was reported next.
HISTORY = "history"


def profile_dirs() -> list[Path]:
    """Where bare names are looked up: ``$STRESS_COMPANIES``, ``./companies``, the shipped set."""
    dirs = [Path(d) for d in os.environ.get("STRESS_COMPANIES", "").split(os.pathsep) if d]
    return [*dirs, Path.cwd() / "companies", SHIPPED_DIR]


def lookup_dirs() -> list[Path]:
    """Each profile folder, then its ``history/``: the latest profile of a name wins over a dated one."""
    return [d for folder in profile_dirs() for d in (folder, folder / HISTORY)]


def profile_names(prefix: str = "") -> list[str]:
    """The bare names (latest and dated) that start with ``prefix``, for TAB completion."""
    names = {p.stem for d in lookup_dirs() if d.is_dir() for s in PROFILE_SUFFIXES for p in d.glob(f"*{s}")}
    return sorted(n for n in names if n.startswith(prefix) and n != "portfolio")
