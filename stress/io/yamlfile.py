"""Reading a YAML or JSON file into plain data, turning every failure into a ProfileError.

Every file the tool reads (profiles, portfolios, scenario files, ``--params``)
goes through :func:`read_mapping`, the one safe loader. It reads regular files
only, at most :func:`max_file_bytes` of them; it parses YAML with a safe loader
that bounds alias expansion (:data:`MAX_ALIAS_VALUES`) and nesting
(:data:`MAX_DEPTH`), rejects duplicate keys with both lines, never turns
``yes``/``on`` into booleans nor ``2025-06-30`` into a date (the models decide),
and turns every failure to build a value (``!!int abc``, an integer of 5,000
digits, ``!!set``, ``!!python/...``) into a located :class:`Problem`.
"""

from __future__ import annotations

import difflib
import errno
import hashlib
import json
import os
import re
import stat
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Protocol, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, MappingEndEvent, ScalarEvent, SequenceEndEvent, SequenceStartEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from stress.errors import Problem, ProfileError, clip, shown_value
from stress.model.types import public_fields

if TYPE_CHECKING:  # the shape of one pydantic error (pydantic's own core, installed with it)
    from pydantic_core import ErrorDetails

try:  # libyaml's parser when PyYAML was built with it (5x faster on a profile), else the pure-Python one.
    from yaml._yaml import CParser
    _PARSER: tuple[type[Any], ...] = (CParser,)  # classes, each started by SafeLoader.__init__
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner
    _PARSER = (Reader, Scanner, Parser)

#: Largest file read, in bytes, unless ``$STRESS_MAX_FILE_BYTES`` says otherwise.
DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_FILE_BYTES_ENV = "STRESS_MAX_FILE_BYTES"
#: Deepest nesting of lists and mappings accepted (a profile needs about 5).
MAX_DEPTH = 64
#: Values that YAML aliases (``*name``, ``<<: *name``) may add to a document, counted each time they are used.
MAX_ALIAS_VALUES = 100_000
#: Longest whole number read (Python's own limit on converting digits to an int).
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


def max_file_bytes() -> int:
    """The size cap in bytes: ``$STRESS_MAX_FILE_BYTES`` if set (a positive whole number), else 16 MB."""
    raw = os.environ.get(MAX_FILE_BYTES_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_FILE_BYTES
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        value = 0
    if value <= 0:
        raise ProfileError(f"${MAX_FILE_BYTES_ENV}", [Problem("", "expected a positive whole number of bytes", clip(raw))], "setting")
    return value


# --- the file ------------------------------------------------------------------------------------

_OS_MESSAGES = {
    errno.ENOENT: "file does not exist",
    errno.ELOOP: "is a symbolic link loop (too many levels of symbolic links)",
    errno.ENAMETOOLONG: "path is too long (a name over 255 bytes, or the whole path over the system's limit)",
    errno.ENOTDIR: "file does not exist (a folder in its path is a file)",
    errno.EACCES: "cannot be read: permission denied",
    errno.EPERM: "cannot be read: operation not permitted",
}


def _os_message(exc: OSError) -> str:
    return _OS_MESSAGES.get(exc.errno or 0) or f"cannot be read: {exc.strerror or type(exc).__name__}"


def _not_regular(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "is a directory; expected a .yaml file"
    what = ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "not a plain file")
    return f"is {what}; expected a regular .yaml or .json file"


def read_text(path: Path, kind: str) -> str:
    """The file's text: a regular file of at most ``max_file_bytes()``, UTF-8 (a BOM is dropped)."""
    return decode(path, kind, read_bytes(path, kind))


def decode(path: Path, kind: str, raw: bytes) -> str:
    """``raw`` (the bytes of ``path``) as UTF-8 text, a BOM dropped; a ProfileError if it is not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileError(path, [Problem("", f"cannot be read as UTF-8 text: {exc}")], kind) from exc


def read_bytes(path: Path, kind: str) -> bytes:
    """The file's bytes: a regular file of at most ``max_file_bytes()`` (no FIFO, device or directory)."""
    def refuse(message: str) -> ProfileError:
        return ProfileError(path, [Problem("", message)], kind)

    cap = max_file_bytes()
    try:
        info = os.stat(path)
    except ValueError as exc:  # a NUL character in the path
        raise refuse("path contains a NUL character") from exc
    except OSError as exc:
        if exc.errno == errno.ENOENT and os.path.islink(path):
            raise refuse("is a symbolic link to a file that does not exist") from exc
        raise refuse(_os_message(exc)) from exc
    if not stat.S_ISREG(info.st_mode):
        raise refuse(_not_regular(info.st_mode))
    too_big = f"is larger than the {cap:,}-byte limit (set ${MAX_FILE_BYTES_ENV} to raise it)"
    if info.st_size > cap:
        raise refuse(too_big)
    try:  # O_NONBLOCK: a file swapped for a FIFO after the stat above cannot hang the open
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise refuse(_not_regular(os.fstat(handle.fileno()).st_mode))
            raw = handle.read(cap + 1)
    except OSError as exc:
        raise refuse(_os_message(exc)) from exc
    if len(raw) > cap:
        raise refuse(too_big)
    return raw


# --- YAML ----------------------------------------------------------------------------------------

class _Refused(Exception):
    """A located problem found while reading; read_mapping turns it into a ProfileError."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class _Mark(Protocol):
    """Where a node or event starts: PyYAML's ``yaml.error.Mark`` or libyaml's ``yaml._yaml.Mark`` (0-based)."""

    line: int
    column: int


def _at(mark: _Mark | None) -> dict[str, int | None]:
    return {"line": mark.line + 1, "column": mark.column + 1} if mark is not None else {"line": None, "column": None}


def _short_tag(tag: str) -> str:
    return clip("!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag, 80)


class _Resolver(BaseResolver):
    """Implicit types of plain scalars: numbers, null, true/false, merge keys; everything else is a string.

    Unlike PyYAML's YAML 1.1 rules, ``yes``/``no``/``on``/``off`` stay strings (a ticker ``ON``), dates
    stay strings (``2025-06-31`` is the model's to reject, with its field), ``010`` is not octal and
    ``1:30`` is not sexagesimal.
    """


_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?
                    |[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+
                    |[-+]?\.(?:inf|Inf|INF)
                    |\.(?:nan|NaN|NAN))$""", re.X), list("-+0123456789."))
_Resolver.add_implicit_resolver(_MERGE_TAG, re.compile(r"^(?:<<)$"), ["<"])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])


@dataclass
class _Frame:
    """An open list or mapping while composing."""

    node: SequenceNode | MappingNode
    anchor: str | None
    start: int  # values counted before this collection
    height: int = 0  # levels of nesting below it
    key: Node | None = None  # a mapping's key awaiting its value
    keys: dict[tuple[str, str], _Mark] = field(default_factory=dict)  # a mapping's scalar keys -> first mark


def _key_text(node: Node) -> str:
    return node.value if isinstance(node, ScalarNode) else "?"


def _stack_path(stack: list[_Frame], last: str | None = None) -> str:
    parts: list[int | str] = []
    for f in stack:
        if isinstance(f.node, MappingNode):
            if f.key is not None:
                parts.append(_key_text(f.key))
        else:
            parts.append(len(f.node.value))
    if last is not None:
        parts.append(last)
    return field_path(tuple(parts))


class _Composer:
    """Builds the node graph from the parser's events without recursion, bounding depth and aliases.

    Every alias counts the values it stands for, so a "billion laughs" file is refused after
    :data:`MAX_ALIAS_VALUES` values instead of being expanded; an alias to a collection that
    contains it (a recursive structure) is refused too.
    """

    def get_single_node(self) -> Node | None:
        self.get_event()  # type: ignore[attr-defined]  # stream start
        document = None
        if not self.check_event(StreamEndEvent):  # type: ignore[attr-defined]
            self.get_event()  # type: ignore[attr-defined]  # document start
            document = self._compose_root()
            self.get_event()  # type: ignore[attr-defined]  # document end
        if not self.check_event(StreamEndEvent):  # type: ignore[attr-defined]
            event = self.get_event()  # type: ignore[attr-defined]
            raise _Refused(Problem("", "expected one YAML document, found a second one (a line '---')", **_at(event.start_mark)))
        self.get_event()  # type: ignore[attr-defined]
        return document

    def _compose_root(self) -> Node:  # noqa: C901 - one loop over the event kinds
        anchors: dict[str, tuple[Node, int, int]] = {}  # name -> (node, values, height)
        opened: dict[str, _Mark] = {}  # anchors of collections still open -> mark
        stack: list[_Frame] = []
        node: Node  # the node just completed: a scalar, an alias's target or a closed collection
        height: int  # its levels of nesting
        count = aliased = 0
        while True:
            event = self.get_event()  # type: ignore[attr-defined]
            if isinstance(event, (SequenceEndEvent, MappingEndEvent)):
                frame = stack.pop()
                frame.node.end_mark = event.end_mark
                node, height = frame.node, frame.height
                if frame.anchor is not None:
                    anchors[frame.anchor] = (node, count - frame.start, height)
                    opened.pop(frame.anchor, None)
            elif isinstance(event, AliasEvent):
                name = event.anchor
                assert name is not None  # the parser gives every alias the name it was written with
                if name in opened:
                    raise _Refused(Problem(_stack_path(stack), f"alias *{clip(name, 40)} is used inside the very list or mapping "
                                           "it names (a recursive structure)", **_at(event.start_mark)))
                if name not in anchors:
                    raise _Refused(Problem(_stack_path(stack), f"alias *{clip(name, 40)} names no anchor (&{clip(name, 40)}) "
                                           "defined above it", **_at(event.start_mark)))
                node, size, height = anchors[name]
                count += size
                aliased += size
                if aliased > MAX_ALIAS_VALUES:
                    raise _Refused(Problem(_stack_path(stack), f"aliases (*name) expand to more than {MAX_ALIAS_VALUES:,} values; "
                                           "write the data out instead", **_at(event.start_mark)))
                if len(stack) + height > MAX_DEPTH:
                    raise _Refused(Problem(_stack_path(stack), f"nested more than {MAX_DEPTH} levels deep", **_at(event.start_mark)))
            else:
                anchor = event.anchor
                if anchor is not None and (anchor in anchors or anchor in opened):
                    first = opened.get(anchor) or anchors[anchor][0].start_mark
                    raise _Refused(Problem(_stack_path(stack), f"anchor &{clip(anchor, 40)} is defined twice: first at line "
                                           f"{first.line + 1}, again here", **_at(event.start_mark)))
                count += 1
                tag = event.tag
                if isinstance(event, ScalarEvent):
                    if tag is None or tag == "!":
                        tag = self.resolve(ScalarNode, event.value, event.implicit)  # type: ignore[attr-defined]
                        is_key = bool(stack) and isinstance(stack[-1].node, MappingNode) and stack[-1].key is None
                        tag = _STR_TAG if is_key and tag != _MERGE_TAG else tag  # keys are names: `1:`, `no:` as written
                    # The stubs type a node's marks as yaml.error.Mark; libyaml's events carry yaml._yaml.Mark, with
                    # the same line and column, and PyYAML's own C composer stores those in its nodes too.
                    node = ScalarNode(tag, event.value, event.start_mark, event.end_mark,  # type: ignore[arg-type]
                                      style=event.style)
                    height = 0
                    if anchor is not None:
                        anchors[anchor] = (node, 1, 0)
                else:
                    kind = SequenceNode if isinstance(event, SequenceStartEvent) else MappingNode
                    if tag is None or tag == "!":
                        tag = self.resolve(kind, None, event.implicit)  # type: ignore[attr-defined]
                    if len(stack) >= MAX_DEPTH:
                        raise _Refused(Problem(_stack_path(stack), f"nested more than {MAX_DEPTH} levels deep", **_at(event.start_mark)))
                    stack.append(_Frame(kind(tag, [], event.start_mark, None, flow_style=event.flow_style), anchor, count - 1))
                    if anchor is not None:
                        opened[anchor] = event.start_mark
                    continue
            if not stack:
                return node
            parent = stack[-1]
            parent.height = max(parent.height, height + 1)
            if isinstance(parent.node, SequenceNode):
                parent.node.value.append(node)
            elif parent.key is None:
                if isinstance(node, ScalarNode) and node.tag != _MERGE_TAG:
                    where = event.start_mark if isinstance(event, AliasEvent) else node.start_mark
                    assert where is not None  # the parser marks every event, and each node here takes its event's marks
                    first = parent.keys.get((node.tag, node.value))
                    if first is not None:
                        raise _Refused(Problem(_stack_path(stack, node.value), f"duplicate key: first at line {first.line + 1}, "
                                               f"again at line {where.line + 1}; each key may appear once", **_at(where)))
                    parent.keys[(node.tag, node.value)] = where
                parent.key = node
            else:
                parent.node.value.append((parent.key, node))
                parent.key = None


def _path_to(root: Node, target: Node) -> str:
    """The field path of ``target`` in the node graph (only computed for an error)."""
    todo: list[tuple[Node, tuple[int | str, ...]]] = [(root, ())]
    seen: set[int] = set()
    while todo:
        node, loc = todo.pop()
        if node is target:
            return field_path(loc)
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, SequenceNode):
            todo.extend((child, (*loc, i)) for i, child in enumerate(node.value))
        elif isinstance(node, MappingNode):
            for k, v in node.value:
                todo.extend(((k, loc), (v, (*loc, _key_text(k)))))
    return ""


class _Constructor(SafeConstructor):
    """The safe constructor, with every failure to build a value raised as a located problem."""

    #: The document's root node while it is being constructed (to give a failure its field path), else None.
    _root: Node | None = None

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (_Refused, MemoryError):
            raise
        except ConstructorError as exc:  # an unhashable key, a bad merge: located, with the field path
            root = self._root
            where = _path_to(root, node) if root is not None else ""
            raise _Refused(Problem(where, clip(str(exc.problem), 200), **_at(exc.problem_mark))) from None
        except Exception as exc:  # noqa: BLE001 - ValueError, KeyError, ... from a value's constructor
            raise _Refused(self._problem(node, _value_failure(node, exc))) from exc

    def construct_undefined(self, node: Node) -> Any:
        raise _Refused(self._problem(node, f"the tag {_short_tag(node.tag)} is not supported; write plain YAML values"))

    def _unsupported(self, node: Node) -> Any:
        raise _Refused(self._problem(node, f"the tag {_short_tag(node.tag)} is not supported; write a plain list or mapping"))

    def _problem(self, node: Node, message: str) -> Problem:
        root = self._root
        value = clip(node.value, 81) if isinstance(node, ScalarNode) else None
        return Problem(_path_to(root, node) if root is not None else "", message, value, **_at(node.start_mark))

    #: Tag -> constructor: PyYAML's safe ones, with the collections a profile never needs refused, a timestamp
    #: kept as its text (the model parses dates) and any other tag (None) refused. This is the table
    #: ``add_constructor`` would build; its stubs accept only PyYAML's own loader classes, not this one.
    yaml_constructors = {
        **SafeConstructor.yaml_constructors,
        "tag:yaml.org,2002:set": _unsupported,
        "tag:yaml.org,2002:omap": _unsupported,
        "tag:yaml.org,2002:pairs": _unsupported,
        "tag:yaml.org,2002:binary": _unsupported,
        "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_str,
        None: construct_undefined,
    }


def _value_failure(node: Node, exc: Exception) -> str:
    tag = _short_tag(node.tag)
    if isinstance(node, ScalarNode) and node.tag.endswith(":int"):
        digits = sum(c.isdigit() for c in node.value)
        if digits > MAX_INT_DIGITS:
            return f"a whole number of {digits:,} digits is too long to read (the limit is {MAX_INT_DIGITS:,} digits)"
    return f"cannot be read as {tag}"


class SafeLoader(_Composer, *_PARSER, _Constructor, _Resolver):  # type: ignore[misc]
    """PyYAML's safe loading with this module's bounds; ``SafeLoader(text).load()`` or :func:`load_yaml`."""

    def __init__(self, stream: str) -> None:
        if len(_PARSER) == 1:
            _PARSER[0].__init__(self, stream)
        else:  # pragma: no cover - pure-Python PyYAML
            _PARSER[0].__init__(self, stream)
            _PARSER[1].__init__(self)
            _PARSER[2].__init__(self)
        _Constructor.__init__(self)
        _Resolver.__init__(self)

    def load(self) -> Any:
        return self.load_with_nodes()[0]

    def load_with_nodes(self) -> tuple[Any, Node | None]:
        """(data, root node): the node graph keeps each value's line and column, merge keys already flattened."""
        try:
            node = self.get_single_node()
            if node is None:
                return None, None
            self._root = node
            return self.construct_document(node), node
        finally:
            self._root = None
            dispose = getattr(self, "dispose", None)
            if dispose is not None:
                dispose()


def load_yaml(text: str) -> Any:
    """The data of one YAML document, safely; raises yaml.YAMLError or _Refused."""
    return SafeLoader(text).load()


def load_yaml_nodes(text: str) -> tuple[Any, Node | None]:
    """The data of one YAML document and its root node (for locating values), safely; raises as load_yaml."""
    return SafeLoader(text).load_with_nodes()


# --- JSON ----------------------------------------------------------------------------------------

class _Duplicate(Exception):
    pass


class _TooLong(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return out


def _bounded_int(digits: str) -> int:
    if len(digits) > MAX_INT_DIGITS:
        raise _TooLong(digits)
    return int(digits)


def _depth(data: Any) -> int:
    """Levels of lists and dicts in ``data``, without recursion (JSON data has no shared parts)."""
    deepest, todo = 0, [(data, 1)]
    while todo:
        item, level = todo.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            continue
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            break
        todo.extend((c, level + 1) for c in children)
    return deepest


def _line_col(text: str, offset: int) -> dict[str, int | None]:
    if offset < 0:
        return {"line": None, "column": None}
    line = text.count("\n", 0, offset) + 1
    return {"line": line, "column": offset - (text.rfind("\n", 0, offset) + 1) + 1}


def _located_by_yaml(text: str, fallback: Problem) -> Problem:
    """JSON is (nearly) YAML: re-read it as YAML to find the line of a problem json does not locate."""
    try:
        load_yaml(text)
    except _Refused as found:
        return found.problem
    except Exception:  # noqa: BLE001 - not YAML after all (tabs, escapes): keep the unlocated problem
        pass
    return fallback


def load_json(text: str) -> Any:
    """The data of a JSON text; raises json.JSONDecodeError or _Refused."""
    deep = Problem("", f"nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs, parse_int=_bounded_int)
    except _Duplicate as dup:
        fallback = Problem(field_path((str(dup.args[0]),)), "duplicate key in one object; each key may appear once")
        raise _Refused(_located_by_yaml(text, fallback)) from None
    except _TooLong as big:
        digits = big.args[0]
        raise _Refused(Problem("", f"a whole number of {len(digits):,} digits is too long to read (the limit is "
                               f"{MAX_INT_DIGITS:,} digits)", clip(digits, 81), **_line_col(text, text.find(digits)))) from None
    except RecursionError:
        raise _Refused(_located_by_yaml(text, deep)) from None
    if _depth(data) > MAX_DEPTH:
        raise _Refused(_located_by_yaml(text, deep))
    return data


# --- the one entry point -------------------------------------------------------------------------

def read_json(path: Path, kind: str) -> Any:
    """The data of a JSON file, read with :func:`read_text`'s checks (regular file, size cap, UTF-8) and
    :func:`load_json`'s bounds; every failure is a ProfileError of ``kind``. For JSON inputs that are not
    profiles (an SEC companyfacts file), whatever their suffix."""
    path = Path(path)
    text = read_text(path, kind)
    try:
        return load_json(text)
    except _Refused as exc:
        raise ProfileError(path, [exc.problem], kind) from None
    except json.JSONDecodeError as exc:
        raise ProfileError(path, [Problem("", f"is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)], kind) from None



def read_mapping(path: Path, kind: str = "profile") -> dict[str, Any]:
    """The top-level mapping of a YAML/JSON file, read safely; every failure is a ProfileError with its place."""
    return parse_mapping(path, kind).data


@dataclass(frozen=True)
class Parsed:
    """A file read once: its top-level mapping, its text, the YAML root node (None for JSON) and the sha256 of
    its bytes. The node graph is what :mod:`stress.io.located` finds lines and columns in (a JSON file's is
    built from its text only when a problem needs a place), and the comments are read beside it."""

    data: dict[str, Any]
    text: str
    root: Node | None
    sha256: str


def parse_mapping(path: Path, kind: str = "profile") -> Parsed:
    """The file at ``path`` read safely and parsed, as :func:`read_mapping` does."""
    path = Path(path)
    raw = read_bytes(path, kind)
    text = decode(path, kind, raw)
    is_json = path.suffix.lower() == ".json"
    root: Node | None = None
    try:
        if is_json:
            data = load_json(text)
        else:
            data, root = load_yaml_nodes(text)
    except _Refused as exc:
        raise ProfileError(path, [exc.problem], kind) from None
    except json.JSONDecodeError as exc:
        raise ProfileError(path, [Problem("", f"is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)], kind) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = clip(str(exc.problem), 200)
        message = f"nested more than {MAX_DEPTH} levels deep" if "nesting depth" in problem else f"is not valid YAML: {problem}"
        raise ProfileError(path, [Problem("", message, line=line, column=col)], kind) from None
    except yaml.YAMLError as exc:
        raise ProfileError(path, [Problem("", f"is not valid YAML: {clip(str(exc), 200)}")], kind) from None
    except RecursionError:  # pragma: no cover - the depth bound comes first
        raise ProfileError(path, [Problem("", f"nested more than {MAX_DEPTH} levels deep")], kind) from None
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ProfileError(path, [Problem("", f"expected a mapping of keys such as 'name:' at the top level, got {got}")], kind)
    return Parsed(data, text, root, hashlib.sha256(raw).hexdigest())


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('debt', 2, 'maturity')`` -> ``debt[2].maturity``; a key longer than 80 characters is cut."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{_part(part)}" if out else _part(part))
    return out


def _part(key: object) -> str:
    return clip(key, 80) if isinstance(key, str) else shown_value(key, 80)


def _step(tp: Any, part: int | str) -> Any:
    """The type found one key or index below ``tp``, or None."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _step(get_args(tp)[0], part)
    if origin in (Union, types.UnionType):
        found = (_step(a, part) for a in get_args(tp) if a is not type(None))
        return next((f for f in found if f is not None), None)
    if origin is list and isinstance(part, int):
        return get_args(tp)[0]
    if origin is dict and isinstance(part, str):
        return get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, BaseModel) and part in public_fields(tp):
        return public_fields(tp)[part].annotation
    return None


def _tagged_member(tp: Any, part: int | str) -> Any:
    """The member of a discriminated union (``kind: rate``) that ``part`` names, or None."""
    origin = get_origin(tp)
    if origin is Annotated:
        return _tagged_member(get_args(tp)[0], part)
    if origin not in (Union, types.UnionType) or not isinstance(part, str):
        return None
    members = [a for a in get_args(tp) if isinstance(a, type) and issubclass(a, BaseModel) and "kind" in a.model_fields]
    return next((a for a in members if a.model_fields["kind"].default == part), None)


def _walk(root: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[tuple[int | str, ...], Any]:
    """The location without discriminator tags, and the type found at its end (None if lost)."""
    tp: Any = root
    kept: list[int | str] = []
    for part in loc:
        member = _tagged_member(tp, part)
        if member is not None:  # pydantic puts the union tag in the path: shocks[0].rate.bp
            tp = member
            continue
        tp = _step(tp, part) if tp is not None else None
        kept.append(part)
    return tuple(kept), tp


def _model_at(root: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    _, tp = _walk(root, loc)
    candidates = [tp, *get_args(tp)]
    return next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)


def _problem(root: type[BaseModel], err: ErrorDetails) -> Problem:
    loc = tuple(err["loc"])
    path = field_path(_walk(root, loc)[0])
    kind = err["type"]
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        valid = sorted(public_fields(model)) if model else []
        close = difflib.get_close_matches(_part(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(valid)}"
        return Problem(path, f"unknown key; {hint}")
    if kind == "missing":
        return Problem(path, "required key is missing")
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = None if isinstance(value, (dict, list)) else value
    head, got, tail = message.rpartition(", got ")
    if got and isinstance(value, (dict, list)) and tail[:1] in "{[":  # a whole mapping or list is not echoed
        message = f"{head}, got a {'mapping' if isinstance(value, dict) else 'list'}"
    elif got and shown is not None:  # the value is shown once, cut short: drop the ", got <value>" the message ends with
        huge = isinstance(value, int) and value.bit_length() > 10_000  # its repr is slow, or refused
        message = head if not huge and tail == repr(value) else message
    return Problem(path, message, shown)


class Locator(Protocol):
    """Gives a problem the line and column of its field in the file (:class:`stress.io.located.Marks`)."""

    def place(self, problem: Problem, at_key: bool = False) -> Problem: ...


def validation_problems(root: type[BaseModel], exc: ValidationError, where: Locator | None = None) -> list[Problem]:
    """One Problem per pydantic error, with a 'did you mean' for unknown keys, each at its line and column
    in the file when ``where`` knows them (an unknown key at the key, any other problem at its value).

    A file none of whose keys the model knows (``/etc/passwd`` given as a profile) is one problem that
    does not echo its keys: its content is not ours to show.
    """
    errors = exc.errors(include_url=False)
    foreign = _foreign_file(root, errors)
    if foreign:
        return [foreign]
    problems = [_problem(root, err) for err in errors]
    if where is None:
        return problems
    return [where.place(p, at_key=err["type"] == "extra_forbidden") for p, err in zip(problems, errors, strict=True)]


def _foreign_file(root: type[BaseModel], errors: list[ErrorDetails]) -> Problem | None:
    required = {name for name, f in root.model_fields.items() if f.is_required()}
    top = [e for e in errors if len(e["loc"]) == 1]
    missing = {e["loc"][0] for e in top if e["type"] == "missing"}
    unknown = sum(e["type"] == "extra_forbidden" for e in top)
    if not required or missing != required or not unknown or len(top) != len(errors) or len(top) != len(missing) + unknown:
        return None
    expected = ", ".join(sorted(required)[:6])
    return Problem("", f"none of its {unknown:,} top-level key(s) is one this file uses (it needs {expected}); is it the right file?")
