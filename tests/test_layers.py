"""The architecture as a test: each layer imports only the layers below it, and only the CLI imports typer.

Layers, bottom up (README "Architecture"): units, errors, vocabulary -> model -> io -> engine -> scenarios ->
analysis -> report -> api -> cli. Imports inside functions count too: a lazy import upward is still upward.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "stress"
LAYERS = {"units": 0, "errors": 0, "vocabulary": 0, "model": 1, "io": 2, "engine": 3, "scenarios": 4,
          "analysis": 5, "report": 6, "api": 7, "cli": 8, "cli_common": 8, "cli_analyses": 8, "cli_tools": 8,
          "cli_memo": 8, "entry": 9, "__main__": 9, "__init__": 9}
MODULES = sorted(PACKAGE.rglob("*.py"))


def layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if parts[0] == "stress" and len(parts) > 1 else None


def imported(path: Path) -> list[str]:
    """Every module a file imports (``from stress import api`` counts as ``stress.api``)."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            out += [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names]
    return out


def name_of(path: Path) -> str:
    return ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)


def test_every_module_has_a_layer() -> None:
    assert all(layer(name_of(p)) is not None for p in MODULES), [name_of(p) for p in MODULES if layer(name_of(p)) is None]


@pytest.mark.parametrize("path", MODULES, ids=name_of)
def test_nothing_imports_upward(path: Path) -> None:
    me = layer(name_of(path))
    upward = [m for m in imported(path) if (other := layer(m)) is not None and me is not None and other > me]
    assert not upward, f"{name_of(path)} (layer {me}) imports {upward}"


def test_only_the_command_line_imports_typer() -> None:
    users = {name_of(p) for p in MODULES if any(m.split(".")[0] == "typer" for m in imported(p))}
    assert users <= {"stress.cli", "stress.cli_common", "stress.cli_analyses", "stress.cli_tools", "stress.cli_memo"}, users


#: What reads a profile's file: resolving, loading, reading its bytes or text, composing its comments.
_FILE_READERS = {"stress.io.profiles.load_profile", "stress.io.profiles.load_company", "stress.io.profiles.resolve_profile",
                 "stress.io.located.read_document", "stress.io.yamlfile.parse_mapping", "stress.io.yamlfile.read_mapping",
                 "stress.io.yamlfile.read_text", "stress.io.yamlfile.read_bytes", "stress.io.comments.source_comments"}


def test_no_renderer_opens_a_profile_file() -> None:
    """The report layer gets the profile as loaded (``Results.source``: path, sha256, comments), never the file."""
    readers = {name_of(p): sorted(set(imported(p)) & _FILE_READERS) for p in MODULES if name_of(p).startswith("stress.report")}
    assert not {m: r for m, r in readers.items() if r}


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    """The test can fail: an engine module importing the report layer is caught."""
    bad = tmp_path / "x.py"
    bad.write_text("def f():\n    from stress.report import console\n", encoding="utf-8")
    assert "stress.report.console" in imported(bad) and layer("stress.report.console") > layer("stress.engine.x")


def test_one_map_from_what_a_covenant_tests_to_the_metric() -> None:
    """Every covenant metric has its projection metric, and the results and the workbook read that one map."""
    from stress.model.covenant import TESTED, CovenantMetric
    from stress.report.workbook.covenants import METRIC_ROW
    from stress.vocabulary import Metric

    assert set(TESTED) == set(CovenantMetric) and set(TESTED.values()) <= set(Metric)
    assert {c: m.value for c, m in TESTED.items() if c is not CovenantMetric.LTV} == METRIC_ROW
