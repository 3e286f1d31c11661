"""``--set PATH=VALUE``: change one field of a profile for one run, without editing the file.

``PATH`` is a field path as problems print it: keys joined by dots, list items by index or, for items that
have a ``name``, by that name: ``market.spot_utilisation``, ``debt[2].rate``, ``debt[DDTL 2.0].rate``,
``market.gpu_hour_price.H100.start``. ``VALUE`` is read as the text of a YAML value, with the loader's own
rules (:mod:`stress.io.yamlfile`), so ``60%``, ``+300bp``, ``250m`` and ``2027-01-01`` mean what they mean in
the file; a flow list or mapping (``[H100-2025]``, ``{start: 4%}``) works too.

Overrides are applied, in order, to the raw mapping before validation, so the model checks an overridden
value exactly as it checks the file; a problem at or below an overridden field is reported as
``--set PATH`` (with no line: it is not in the file). A path that does not lead anywhere (an index past the
end, a name no item has, a key below a plain value) is refused before anything runs, naming it.
A missing key is added (the model says whether it is one it knows), and so is a missing mapping above it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import yaml

from stress.errors import OptionError, Problem, clip
from stress.io.yamlfile import _Refused, field_path, load_yaml

#: What a bad override's OptionError is about (as for other command-line options).
OPTIONS = "command-line options"
FLAG = "--set"
EXAMPLE = "market.spot_utilisation=60%"


@dataclass(frozen=True)
class ByName:
    """A list item chosen by its ``name`` (``debt[DDTL 2.0]``)."""

    name: str


Part = str | int | ByName


@dataclass(frozen=True)
class Override:
    """One ``--set``: the path as written, its parts, and the value read from YAML text."""

    text: str
    parts: tuple[Part, ...]
    value: Any


@dataclass(frozen=True)
class Touched:
    """A field an override set or created, as a problem path (``debt[3].rate``), and the override's label."""

    path: str
    label: str


_KEY = re.compile(r"[^.\[\]]+")


def refuse(path_text: str, message: str, value: object = None) -> OptionError:
    """A bad override, located as ``--set PATH`` (exit 2 at the CLI)."""
    where = f"{FLAG} {clip(path_text, 120)}".rstrip()
    return OptionError(OPTIONS, [Problem(where, message, value)])


def parse_path(text: str) -> tuple[Part, ...]:
    """``debt[DDTL 2.0].rate`` -> ``('debt', ByName('DDTL 2.0'), 'rate')``; ValueError says what is wrong."""
    parts: list[Part] = []
    i = 0
    while i < len(text):
        if text[i] == "[":
            end = text.find("]", i)
            inner = text[i + 1:end].strip() if end > 0 else ""
            if end < 0 or not inner:
                raise ValueError("a '[' without an index or name and its ']'")
            parts.append(int(inner) if inner.isdigit() else ByName(inner))
            i = end + 1
            continue
        if parts:
            if text[i] != ".":
                raise ValueError(f"expected '.' or '[' after {field_path(_shown(parts))!r}")
            i += 1
        m = _KEY.match(text, i)
        if m is None:
            raise ValueError("an empty key (two dots, or a dot at an end)")
        parts.append(m.group().strip())
        i = m.end()
    if not parts or not isinstance(parts[0], str):
        raise ValueError("a path starts with a key, e.g. market or debt[0]")
    return tuple(parts)


def parse_override(item: str) -> Override:
    """``PATH=VALUE`` as an Override; an OptionError located as ``--set PATH`` when it cannot be read."""
    path_text, eq, value_text = item.partition("=")
    path_text = path_text.strip()
    if not eq or not path_text:
        raise refuse(path_text, f"expected PATH=VALUE, e.g. {FLAG} {EXAMPLE}", clip(item, 81))
    try:
        parts = parse_path(path_text)
    except ValueError as exc:
        raise refuse(path_text, f"not a field path: {exc}; e.g. market.spot_utilisation or debt[Notes].rate") from None
    try:
        value = load_yaml(value_text)
    except _Refused as exc:
        raise refuse(path_text, f"the value {exc.problem.message}", clip(value_text, 81)) from None
    except yaml.YAMLError as exc:
        reason = clip(str(getattr(exc, "problem", None) or exc), 120)
        raise refuse(path_text, f"the value is not a YAML value ({reason}); quote it if it is text",
                     clip(value_text, 81)) from None
    return Override(path_text, parts, value)


def parse_overrides(items: Sequence[str]) -> list[Override]:
    """Every ``--set`` item parsed; the first bad one raises."""
    return [parse_override(item) for item in items]


def _shown(parts: Sequence[Part]) -> tuple[int | str, ...]:
    return tuple(p.name if isinstance(p, ByName) else p for p in parts)


def _whole_names(names: list[str], width: int = 200) -> str:
    """As many names as fit in about ``width`` characters, each whole, then how many more there are: a name
    cut in the middle ("1.…") reads as another name."""
    shown: list[str] = []
    for n in names:
        if shown and len(", ".join([*shown, n])) > width:
            break
        shown.append(clip(n, width))
    rest = len(names) - len(shown)
    return ", ".join(shown) + (f" and {rest} more" if rest else "")


def _index_by_name(items: list[Any], name: str, where: str) -> int:
    found = [i for i, item in enumerate(items) if isinstance(item, dict) and item.get("name") == name]
    if len(found) == 1:
        return found[0]
    if found:
        raise ValueError(f"{len(found)} items of {where} are named {name!r}; choose one by index: "
                         + ", ".join(f"[{i}]" for i in found))
    names = [str(item["name"]) for item in items if isinstance(item, dict) and isinstance(item.get("name"), str)]
    known = f"names: {_whole_names(names)}" if names else f"its items have no names; use an index [0] to [{len(items) - 1}]"
    raise ValueError(f"no item of {where} is named {name!r}; {known}")


def _child(holder: Any, part: Part, loc: tuple[int | str, ...]) -> tuple[int | str, bool]:
    """The key or index ``part`` names in ``holder``, and whether it is there already; ValueError if it cannot be."""
    where = field_path(loc) or "the file"
    if isinstance(holder, dict):
        if not isinstance(part, str):
            raise ValueError(f"{where} is a mapping of keys, not a list: use .key, not [...]")
        return part, part in holder
    if isinstance(holder, list):
        if isinstance(part, str):
            raise ValueError(f"{where} is a list: choose an item by index [0] or name [NAME]")
        if isinstance(part, ByName):
            return _index_by_name(holder, part.name, where), True
        if part >= len(holder):
            span = f"[0] to [{len(holder) - 1}]" if holder else "none"
            raise ValueError(f"{where} has {len(holder)} item(s) ({span}); there is no [{part}]")
        return part, True
    raise ValueError(f"{where} is a single value ({clip(repr(holder), 40)}), with no fields below it")


def apply_override(data: dict[str, Any], override: Override) -> tuple[dict[str, Any], list[Touched]]:
    """``data`` with one override applied, and the fields it set or created.

    Copy on write: each mapping or list on the path is copied before it is changed, so the caller's data
    and any part of it that YAML aliases share elsewhere are never changed.
    """
    root: dict[str, Any] = dict(data)
    holder: Any = root
    loc: tuple[int | str, ...] = ()
    touched: list[Touched] = []
    label = f"{FLAG} {override.text}"
    *middle, last = override.parts
    try:
        for part in middle:
            key, present = _child(holder, part, loc)
            loc = (*loc, key)
            if not present:  # a missing mapping on the way: created, and the model says if it is one it knows
                holder[key] = {}
                touched.append(Touched(field_path(loc), label))
            else:
                child = holder[key]
                holder[key] = dict(child) if isinstance(child, dict) else list(child) if isinstance(child, list) else child
            holder = holder[key]
        key, _ = _child(holder, last, loc)
    except ValueError as exc:
        raise refuse(override.text, str(exc)) from None
    holder[key] = override.value
    touched.append(Touched(field_path((*loc, key)), label))
    return root, touched


def apply_overrides(data: dict[str, Any], overrides: Sequence[Override]) -> tuple[dict[str, Any], list[Touched]]:
    """``data`` with every override applied in order (a later one on the same field wins), and what they touched."""
    touched: list[Touched] = []
    for override in overrides:
        data, more = apply_override(data, override)
        touched = [t for t in touched if t.path not in {m.path for m in more}] + more
    return data, touched


def relabel(problems: list[Problem], touched: Sequence[Touched]) -> list[Problem]:
    """Problems at or below a field an override set, located as that override (``--set debt[Notes].rate``),
    with no line; the rest unchanged."""
    if not touched:
        return problems
    out = []
    for p in problems:
        hit = _covering(p.path, touched)
        if hit is None:
            out.append(p)
        else:
            suffix = p.path[len(hit.path):]
            out.append(replace(p, path=hit.label + suffix, line=None, column=None))
    return out


def _covering(path: str, touched: Sequence[Touched]) -> Touched | None:
    hits = [t for t in touched if path == t.path or path.startswith(t.path + ".") or path.startswith(t.path + "[")]
    return max(hits, key=lambda t: len(t.path)) if hits else None
