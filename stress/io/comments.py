"""The comments written beside a profile's values: each figure's source, or why it is an estimate.

Profiles cite their sources in YAML comments (``rate: 9.25%   # 10-Q note 7``); the workbook's Assumptions sheet
and the memo show them beside each value. Read once, when a profile is loaded (``LoadedProfile.comments``), so
no renderer opens the file again.
"""

from __future__ import annotations

import yaml

#: libyaml's composer when the build has it: the node graph of a large profile in a fraction of the time.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _comment_at(line: str) -> tuple[int, str] | None:
    """(column, text) of the YAML comment on ``line``, ignoring '#' inside quotes or not after a space."""
    quote: str | None = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, line[i + 1:].strip()
    return None


def _node_lines(node: yaml.Node, path: str, out: dict[str, int]) -> None:
    out.setdefault(path, node.start_mark.line)
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = f"{path}.{key.value}" if path else str(key.value)
            out[sub] = key.start_mark.line if isinstance(value, (yaml.MappingNode, yaml.SequenceNode)) else value.start_mark.line
            _node_lines(value, sub, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _node_lines(item, f"{path}[{i}]", out)


def source_comments(text: str) -> dict[str, str]:
    """Field path -> the comment on that field's line in a YAML profile, with the comment lines that continue it.

    A continuation is a comment-only, indented line directly below. Returns an empty mapping for text that is
    not YAML.
    """
    try:
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.YAMLError:
        return {}
    if root is None:
        return {}
    lines = text.splitlines()
    node_lines: dict[str, int] = {}
    _node_lines(root, "", node_lines)
    out = {}
    for path, n in node_lines.items():
        if not path or n >= len(lines):
            continue
        found = _comment_at(lines[n])
        if found is None:
            continue
        parts = [found[1]]
        for nxt in lines[n + 1:]:
            stripped = nxt.lstrip()
            if not stripped.startswith("#") or nxt.startswith("#"):
                break
            parts.append(stripped[1:].strip())
        out[path] = " ".join(p for p in parts if p)
    return out
