"""Shared helpers for the batch tests, handed out as fixtures (test modules cannot import each other)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from stress.cli import app

#: (the command's result, the workbook written, the CSV written)
Run = tuple[Result, Path, Path]


def _run_with_two_failures(book: Path, tmp_path: Path) -> Run:
    """``stress batch BOOK`` under baseline and severe on 2 workers, writing a workbook and a CSV; the book has
    two members that fail: exit 2, no traceback, and both reported."""
    out, table = tmp_path / "book.xlsx", tmp_path / "book.csv"
    res = CliRunner().invoke(app, ["batch", str(book), "-s", "baseline", "-s", "severe", "--jobs", "2",
                                   "--out", str(out), "--csv", str(table)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "Failures: 2 member(s)" in res.output
    return res, out, table


@pytest.fixture(scope="session")
def batch_with_two_failures() -> Callable[[Path, Path], Run]:
    return _run_with_two_failures
