"""Where each value of an input file is written, so every problem can say ``line 7, column 19``.

:func:`read_document` reads a file as :func:`stress.io.yamlfile.read_mapping` does and keeps, beside the
data, the YAML node graph (each node carries its start mark). :class:`Marks` turns a problem's field path
(``debt[2].rate``, ``market.gpu_hour_price.H100.start``) back into a place in the file by walking that graph:
a bad value is placed at the value, an unknown key at the key, a missing key at the mapping that lacks it.
Nothing is computed until a problem needs a place, so a valid file costs nothing more. A JSON file is
(nearly) YAML: its node graph is built from its text, once, the first time a problem needs it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from stress.errors import Problem
from stress.io.yamlfile import load_yaml_nodes, parse_mapping

_INDEX = re.compile(r"\[(\d+)\]")
#: A (key node or None for a list item, value node) step down the graph.
Step = tuple[Node | None, Node]


class Marks:
    """Lines and columns of a file's values, by field path (1-based, as editors count)."""

    def __init__(self, root: Node | None = None, json_text: str | None = None) -> None:
        self._root = root
        self._json_text = json_text

    @cached_property
    def root(self) -> Node | None:
        """The root node: the YAML loader's, or a JSON text's read as YAML (None if it cannot be)."""
        if self._root is not None or self._json_text is None:
            return self._root
        try:
            return load_yaml_nodes(self._json_text)[1]
        except Exception:  # noqa: BLE001 - JSON that YAML does not read (tabs, escapes): no places, no failure
            return None

    def steps(self, path: str) -> tuple[list[Step], bool]:
        """The steps down the graph along ``path`` and whether all of it was found (False: a missing key)."""
        node, rest = self.root, path
        steps: list[Step] = []
        while rest and node is not None:
            if isinstance(node, SequenceNode):
                m = _INDEX.match(rest)
                if m is None or int(m.group(1)) >= len(node.value):
                    break
                node = node.value[int(m.group(1))]
                steps.append((None, node))
                rest = rest[m.end():]
            elif isinstance(node, MappingNode):
                text = rest[1:] if steps and rest.startswith(".") else rest
                found = _longest_key(node, text)
                if found is None:
                    break
                steps.append(found)
                node, rest = found[1], text[len(found[0].value):]
            else:
                break
        return steps, not rest

    def at(self, path: str, at_key: bool = False) -> tuple[int, int] | None:
        """(line, column) of the field at ``path``: its key for ``at_key`` (an unknown key) or when its value
        is a block list or mapping (which starts on the next line), else its value; for a path not in the
        file (a missing key), the key of the deepest part that is. None for the whole file."""
        steps, whole = self.steps(path)
        if not steps:
            return None
        key, value = steps[-1]
        block = isinstance(value, (MappingNode, SequenceNode)) and not value.flow_style
        node = key if key is not None and (at_key or block or not whole) else value
        mark = node.start_mark
        return (mark.line + 1, mark.column + 1) if mark is not None else None

    def place(self, problem: Problem, at_key: bool = False) -> Problem:
        """``problem`` with the line and column of its field, unless it has a line already or none is found."""
        if problem.line is not None:
            return problem
        found = self.at(problem.path, at_key)
        return problem if found is None else replace(problem, line=found[0], column=found[1])

    def place_all(self, problems: list[Problem]) -> list[Problem]:
        return [self.place(p) for p in problems]


def _longest_key(node: MappingNode, text: str) -> tuple[ScalarNode, Node] | None:
    """The entry whose key begins ``text`` (then ends it, or a ``.`` or ``[`` follows); the longest such key,
    so a key with a dot in it (``1.5``) wins over a shorter one. The last entry wins a tie, as in the data."""
    best: tuple[ScalarNode, Node] | None = None
    for k, v in node.value:
        if not isinstance(k, ScalarNode):
            continue
        name = k.value
        names_it = text == name or text.startswith(name + ".") or text.startswith(name + "[")
        if names_it and (best is None or len(name) >= len(best[0].value)):
            best = (k, v)
    return best


@dataclass(frozen=True)
class Document:
    """A file's top-level mapping and the places of its values, with what else the one read gives: its text
    and the sha256 of its bytes."""

    path: Path
    data: dict[str, Any]
    marks: Marks
    text: str
    sha256: str


def read_document(path: Path, kind: str = "profile") -> Document:
    """The file at ``path`` read safely (:func:`stress.io.yamlfile.parse_mapping`), with its :class:`Marks`."""
    path = Path(path)
    parsed = parse_mapping(path, kind)
    marks = Marks(parsed.root) if parsed.root is not None else Marks(json_text=parsed.text)
    return Document(path, parsed.data, marks, parsed.text, parsed.sha256)
