"""``TODO`` placeholders: the values a drafted profile leaves for the analyst to fill in.

``stress draft`` writes a profile from a filing's XBRL facts; what filings do not tag (the fleet, contracts,
market, costs, debt tranches, leases, sometimes the ticker) is written as the sentinel string ``TODO`` or
``"TODO: what to put here"``. The loader finds every such value before validating, reports each one as a
single problem ("to fill in: ...") at its field, and drops the type errors the placeholders themselves cause,
so ``stress validate`` on a draft lists exactly what is left to do and refuses it until it is done.
"""

from __future__ import annotations

from typing import Any

from stress.errors import Problem, clip
from stress.io.yamlfile import field_path

#: The sentinel: a value that is exactly this word, or starts with it and a colon (``TODO: the fleet``).
TODO = "TODO"
#: How each placeholder's problem begins (``todo_problems``), so a count of what is left can find them.
TO_FILL = "to fill in"


def is_todo(value: object) -> bool:
    """Whether ``value`` is a placeholder: ``TODO`` or ``TODO: ...`` (case as written, surrounding space ignored)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return text == TODO or text.startswith(TODO + ":")


def todo_hint(value: str) -> str:
    """The text after ``TODO:``, or "" for a bare ``TODO``."""
    return value.strip()[len(TODO):].lstrip(":").strip()


def todo_problems(data: Any) -> list[Problem]:
    """One problem per placeholder in ``data`` (a profile's raw mapping), in file order, without recursion."""
    found: list[Problem] = []
    todo: list[tuple[Any, tuple[int | str, ...]]] = [(data, ())]
    while todo:
        item, loc = todo.pop()
        if isinstance(item, dict):
            todo.extend((v, (*loc, str(k))) for k, v in reversed(list(item.items())))
        elif isinstance(item, list):
            todo.extend((v, (*loc, i)) for i, v in reversed(list(enumerate(item))))
        elif is_todo(item):
            path = field_path(loc)
            hint = todo_hint(item) or f"the value of '{path or 'the file'}'"
            found.append(Problem(path, clip(f"{TO_FILL}: {hint}", 300)))
    return found


def outside_todos(problems: list[Problem], todos: list[Problem]) -> list[Problem]:
    """``problems`` without those at or below a placeholder (``fleet: TODO`` is not also "expected a list")."""
    places = [t.path for t in todos]

    def covered(path: str) -> bool:
        return any(path == p or path.startswith(p + ".") or path.startswith(p + "[") for p in places)

    return [p for p in problems if not covered(p.path)]
