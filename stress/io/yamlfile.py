"""Reading a YAML or JSON file into plain data, turning every failure into a ProfileError."""

from __future__ import annotations

import difflib
import json
import types
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from stress.errors import Problem, ProfileError

#: libyaml's loader when PyYAML was built with it (5x faster on a profile), else the pure-Python one.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_mapping(path: Path, kind: str = "profile") -> dict[str, Any]:
    """The top-level mapping of a YAML/JSON file; syntax errors carry line and column."""
    if not path.exists():
        raise ProfileError(path, [Problem("", "file does not exist")], kind)
    if path.is_dir():
        raise ProfileError(path, [Problem("", "is a directory; expected a .yaml file")], kind)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(path, [Problem("", f"cannot be read as UTF-8 text: {exc}")], kind) from exc
    is_json = path.suffix.lower() == ".json"
    try:
        data = json.loads(text) if is_json else yaml.load(text, Loader=_LOADER)
    except json.JSONDecodeError as exc:
        raise ProfileError(path, [Problem("", f"is not valid JSON: {exc.msg}", line=exc.lineno, column=exc.colno)], kind) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        raise ProfileError(path, [Problem("", f"is not valid YAML: {exc.problem}", line=line, column=col)], kind) from exc
    except yaml.YAMLError as exc:
        raise ProfileError(path, [Problem("", f"is not valid YAML: {exc}")], kind) from exc
    if not isinstance(data, dict):
        got = "an empty file" if data is None else f"a {type(data).__name__}"
        raise ProfileError(path, [Problem("", f"expected a mapping of keys such as 'name:' at the top level, got {got}")], kind)
    return data


def field_path(loc: tuple[int | str, ...]) -> str:
    """``('debt', 2, 'maturity')`` -> ``debt[2].maturity``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


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
    if isinstance(tp, type) and issubclass(tp, BaseModel) and part in tp.model_fields:
        return tp.model_fields[part].annotation
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


def _problem(root: type[BaseModel], err: dict[str, Any]) -> Problem:
    loc = tuple(err["loc"])
    path = field_path(_walk(root, loc)[0])
    kind = err["type"]
    if kind == "extra_forbidden":
        model = _model_at(root, loc[:-1])
        valid = sorted(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else f"valid keys: {', '.join(valid)}"
        return Problem(path, f"unknown key; {hint}")
    if kind == "missing":
        return Problem(path, "required key is missing")
    message = err["msg"].removeprefix("Value error, ")
    value = err.get("input")
    shown = None if isinstance(value, (dict, list)) else value
    return Problem(path, message.removesuffix(f", got {value!r}"), shown)


def validation_problems(root: type[BaseModel], exc: ValidationError) -> list[Problem]:
    """One Problem per pydantic error, with a 'did you mean' for unknown keys."""
    return [_problem(root, err) for err in exc.errors(include_url=False)]
