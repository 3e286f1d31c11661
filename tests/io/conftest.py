"""Helpers for the loader tests: tiny.yaml as a dict, and writing variants of it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from stress.errors import Problem, ProfileError
from stress.io.profiles import load_profile

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"


@pytest.fixture
def tiny_data() -> dict[str, Any]:
    """A fresh, mutable copy of tests/fixtures/tiny.yaml as plain data."""
    return yaml.safe_load(TINY.read_text(encoding="utf-8"))


@pytest.fixture
def write_profile(tmp_path: Path) -> Callable[..., Path]:
    """Write ``data`` as YAML under tmp_path and return the file's path."""

    def write(data: dict[str, Any], name: str = "profile.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return path

    return write


@pytest.fixture
def problems_of(write_profile: Callable[..., Path]) -> Callable[[dict[str, Any]], list[Problem]]:
    """The problems load_profile reports for ``data``; fails the test if it loads."""

    def problems(data: dict[str, Any]) -> list[Problem]:
        path = write_profile(data)
        with pytest.raises(ProfileError) as info:
            load_profile(path)
        assert info.value.file == path
        return info.value.problems

    return problems
