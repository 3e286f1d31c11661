"""Hypothesis strategies that mutate valid input files the way a hostile or careless user would.

``documents(seed)`` takes the plain data of a valid file (a profile, a portfolio, a scenario file, Monte
Carlo parameters), applies a few *data* mutations (a value of the wrong type, a date that does not exist, a
huge, tiny or non-finite number, unicode and control characters, a key deleted, renamed or added, a list
item duplicated, a value wrapped in or unwrapped from a list or mapping, two values swapped), writes it as
YAML or JSON, then applies a few *text* mutations (a line duplicated, so a key appears twice; an anchor and
an alias, a merge key, a small alias bomb; a YAML tag such as ``!!float abc`` or ``!!python/object``; a
whole number of 5,000 digits; deep nesting; bad indentation, a tab, a stray unicode character, a byte-order
mark, CRLF, truncation). It returns the file's text and its suffix.

Used by ``tests/test_fuzz.py``; importable from any test module because pyproject sets
``pythonpath = ["tests"]``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from stress.io.yamlfile import read_mapping
from stress.model.montecarlo import MonteCarloParams

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / "tests" / "fixtures" / "tiny.yaml"
SHIPPED = ("cipher", "terawulf", "applied_digital", "iren", "nebius", "oracle", "coreweave")

Path_ = tuple[Any, ...]

# --- seeds: valid files ----------------------------------------------------------------------------


@cache
def _profile(path: Path) -> dict[str, Any]:
    return read_mapping(path)  # the plain data exactly as the tool reads it: dates stay text


def profile_seed(name: str) -> dict[str, Any]:
    """The plain data of the tiny fixture (``"tiny"``) or of a shipped profile."""
    path = TINY if name == "tiny" else REPO / "companies" / f"{name}.yaml"
    return copy.deepcopy(_profile(path))


def scenario_seed() -> dict[str, Any]:
    """A valid scenario file for the tiny fixture with every kind of shock."""
    return {"scenarios": [
        {"name": "fuzz_glut", "description": "H100 prices halve; refinancing shut for a year.",
         "shocks": [{"kind": "gpu_price", "level": "-50%", "annual_change": "-10%", "models": ["H100"], "ramp_quarters": 3},
                    {"kind": "refinancing", "start": 2, "quarters": 4},
                    {"kind": "utilisation", "level": "55%"},
                    {"kind": "useful_life", "years": 3, "basis": "both", "assets": ["gpu"]}]},
        {"name": "fuzz_rates", "description": "Rates and spreads up, costs up, a customer lost.",
         "shocks": [{"kind": "rate", "bp": 300, "ramp_quarters": 2},
                    {"kind": "spread", "bp": "+400bp", "start": 1},
                    {"kind": "residual", "change": "-30%"},
                    {"kind": "customer_default", "customer": "largest", "start": 3},
                    {"kind": "power_price", "change": "25%"},
                    {"kind": "capex_overrun", "change": "20%"},
                    {"kind": "delay", "quarters": 2},
                    {"kind": "rate", "path": ["4%", "5%", "6%"]}]},
    ]}


def portfolio_seed(members: list[str]) -> dict[str, Any]:
    """A valid portfolio over profile files named ``members`` (the first is the tiny fixture)."""
    exposures = [{"amount": "50m", "tranche": "Term Loan"}, {"amount": "10m", "seniority": "secured"},
                 {"amount": "5m", "seniority": "subordinated"}]
    return {"name": "Fuzz book", "as_of": "2026-03-31",
            "scenario_weights": {"baseline": "60%", "rates_up": "25%", "severe": "15%"},
            "members": [{"profile": m, "exposure": exposures[i % len(exposures)]} for i, m in enumerate(members)]}


def params_seed() -> dict[str, Any]:
    """Valid Monte Carlo parameters: the defaults."""
    return MonteCarloParams().model_dump()


# --- values that should never validate, or only just ------------------------------------------------

ODD_NUMBERS = (0, -0.0, -1, 1, 2**31, 2**63, -(2**63), 10**400, 1e308, -1e308, 1.7976931348623157e308, 1e300,
               5e-324, 1e-300, -1e-300, float("nan"), float("inf"), float("-inf"), 0.5, 100, 400, 401, 10**20)
ODD_TEXT = (
    "", " ", "nan", "NaN", "inf", "-inf", ".nan", "-.inf", "1e400", "1e400%", "-1e400%", "SOFR+1e400bp", "SOFR-1e400bp",
    "SOFR+nan", "1e308bn", "-1e308bn", "1e-300%", "1e-320m", "NaN%", "inf bp", "+300bp", "-200%", "1000%", "75%", "6.0x",
    "nanx", "1.5bn", "650m", "$32,000", "10k", "-5m", "0x1F", "1_000", "1,000.5.5", "12e", "%", "bp", "m",
    "2025-02-30", "2025-06-31", "2025-13-01", "2025-00-10", "0000-01-01", "0001-01-01", "9999-12-31", "1900-01-01",
    "2100-01-01", "2025-06-30T00:00:00", "20250630", "30/06/2025", "2025-6-3", "yes", "no", "on", "off", "null",
    "~", "true", "True", "None", "=HYPERLINK(\"http://x\",\"y\")", "+1", "-x", "@SUM(A1)", "\tlead", "\rcr",
    "\x1b[31mRed\x1b[0m", "\x1b]0;title\x07", "\u202eevil\u202c", "\u200b", "💥🔥", "ä" * 3, "\x00nul", "x" * 5000,
    "y" * 200, "Term Loan", "DDTL", "Revolver", "H100", "B200", "BigCo", "largest", "gpu", "facility", "other",
    "secured", "senior_unsecured", "subordinated", "term_loan", "notes", "revolver", "delayed_draw", "bullet",
    "annuity", "straight_line", "accounting", "economic", "both", "committed", "plan", "baseline", "severe",
    "custom", "../../etc/passwd", "/etc/passwd", "/dev/zero", ".", "..", "tiny.yaml", "good.yaml", "nope.yaml",
    "sub/../good.yaml", "notes.txt", "coreweave", "no_such_firm",
)
ODD_DATES = (dt.date(1, 1, 1), dt.date(1970, 1, 1), dt.date(2024, 2, 29), dt.date(2025, 6, 30), dt.date(2025, 7, 1),
             dt.date(2099, 12, 31), dt.date(9999, 12, 31))

_scalar_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_unit_text = st.builds(lambda x, unit: f"{x!r}{unit}" if isinstance(x, float) else f"{x}{unit}",
                       st.one_of(st.floats(), st.integers(-10**6, 10**6)),
                       st.sampled_from(["", "m", "bn", "k", "%", "bp", "x", "tn"]))


def scalars() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from(ODD_NUMBERS), st.sampled_from(ODD_TEXT), st.sampled_from(ODD_DATES),
        st.none(), st.booleans(), st.integers(), st.floats(), st.dates(), _unit_text, _scalar_text,
    )


def values() -> st.SearchStrategy[Any]:
    """Any value, scalar or a small list or mapping of them (wrong nesting)."""
    return st.one_of(
        scalars(), scalars(),
        st.lists(scalars(), max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(["name", "start", "kind", "value", "x"]), _scalar_text),
                        scalars(), max_size=3),
    )


# --- mutating the data ----------------------------------------------------------------------------


def node_paths(data: Any, here: Path_ = ()) -> list[Path_]:
    """Every node's path, the root's ``()`` first."""
    out = [here]
    if isinstance(data, dict):
        for key, value in data.items():
            out += node_paths(value, (*here, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            out += node_paths(value, (*here, i))
    return out


def _get(data: Any, path: Path_) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: Any, path: Path_, value: Any) -> Any:
    if not path:
        return value
    _get(data, path[:-1])[path[-1]] = value
    return data


def _renamed(key: Any, how: int) -> Any:
    text = str(key)
    return [text + "s", text.upper(), text[:-1], text.replace("_", "-"), "ｎａｍｅ" if text == "name" else text + "\u200b",
            text + " ", 1, None, True][how]


@st.composite
def mutate_data(draw: st.DrawFn, data: Any) -> Any:
    """``data`` with one mutation at a random node."""
    paths = node_paths(data)
    path = draw(st.sampled_from(paths))
    node = _get(data, path)
    parent = _get(data, path[:-1]) if path else None
    ops = ["replace", "replace", "replace", "scale", "wrap", "empty", "swap"]
    if path:
        ops += ["delete", "delete"]
    if isinstance(node, dict):
        ops += ["add_key", "rename_key"] if node else ["add_key"]
    if isinstance(node, list | dict) and node:
        ops += ["unwrap"]
    if isinstance(node, list) and node:
        ops += ["duplicate_item", "duplicate_item"]
    op = draw(st.sampled_from(ops))
    if op == "replace":
        return _set(data, path, draw(values()))
    if op == "scale":
        factor = draw(st.sampled_from([1e300, 1e-300, -1.0, 0.0, 1e10, 1e-10, 1e308]))
        if isinstance(node, bool) or not isinstance(node, int | float):
            try:
                number = float(str(node).rstrip("%xmbnkt ").replace(",", "")) if node is not None else 1.0
            except ValueError:
                number = 1.0
        else:
            number = float(node) if abs(node) < 1e300 else 1e300
        return _set(data, path, number * factor)
    if op == "wrap":
        return _set(data, path, draw(st.sampled_from([[node], {"value": node}, [node, node]])))
    if op == "unwrap":
        return _set(data, path, node[0] if isinstance(node, list) else next(iter(node.values())))
    if op == "empty":
        return _set(data, path, draw(st.sampled_from([[], {}, "", None])))
    if op == "swap":
        other = draw(st.sampled_from(paths))
        if other == path or other[: len(path)] == path or path[: len(other)] == other:
            return data
        a, b = copy.deepcopy(node), copy.deepcopy(_get(data, other))
        _set(data, path, b)
        return _set(data, other, a)
    if op == "delete":
        del parent[path[-1]]
        return data
    if op == "add_key":
        key = draw(st.one_of(st.sampled_from(["name", "start", "end", "montecarlo", "members", "scenarios", "extra",
                                              "as_of", "debt", "shocks", "kind", "<<"]), _scalar_text))
        node[key] = draw(values())
        return data
    if op == "rename_key":
        key = draw(st.sampled_from(list(node)))
        new = _renamed(key, draw(st.integers(0, 8)))
        items = [(new if k == key else k, v) for k, v in node.items()]
        node.clear()
        node.update(items)
        return data
    if op == "duplicate_item":
        node.insert(draw(st.integers(0, len(node))), copy.deepcopy(draw(st.sampled_from(node))))
        return data
    raise AssertionError(op)  # pragma: no cover


# --- mutating the text ----------------------------------------------------------------------------

RAW_YAML = (
    "!!float abc", "!!int abc", "!!int 1_0", "!!binary aGk=", "!!set {a: null}", "!!omap [a: 1]", "!!timestamp 2025-02-30",
    "!!python/object/apply:os.system [\"true\"]", "!!python/name:os.system", "!!str 5", "!!bool maybe", "!!null x",
    "!custom x", "1" + "0" * 5000, "-" + "9" * 4400, "1e400", "-1e400", ".nan", "-.inf", "0x1F", "0o17", "010", "1:30",
    "1_000", "yes", "Off", "~", "2025-06-31", "2025-06-30", "'2025-02-29'", "\"\\u202e\\x1b[2J\"", "*undefined", "[",
    "{", "{a: 1, a: 2}", "[1, [2, [3]]]", "|\n  block\n  text", ">-\n  folded", "? complex\n: key", "&same 1", "\"unterminated",
    "[" * 70 + "]" * 70, "[" * 5000 + "]" * 5000, "{a: " * 65 + "1" + "}" * 65,
)
_KEY_LINE = re.compile(r"^(\s*(?:- )?)([^\s:#'\"][^:#]*):(\s.*)?$")


def _key_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if _KEY_LINE.match(line)]


@st.composite
def mutate_yaml_text(draw: st.DrawFn, text: str) -> str:
    """``text`` (block-style YAML) with one textual mutation."""
    lines = text.split("\n")
    keyed = _key_lines(lines)
    op = draw(st.sampled_from(["dup_line", "dup_line", "del_line", "indent", "raw_value", "raw_value", "alias", "alias",
                               "merge", "bomb", "unicode", "tab", "truncate", "bom", "crlf", "multidoc", "nul"]))
    if op in {"dup_line", "del_line", "indent", "unicode", "tab", "raw_value", "alias", "merge"} and not keyed:
        op = "truncate"
    if op == "dup_line":
        i = draw(st.sampled_from(keyed))
        lines.insert(i + draw(st.integers(1, 3)), lines[i])
    elif op == "del_line":
        del lines[draw(st.sampled_from(keyed))]
    elif op == "indent":
        i = draw(st.sampled_from(keyed))
        lines[i] = " " * draw(st.sampled_from([1, 2, 4])) + lines[i] if draw(st.booleans()) else lines[i].lstrip()
    elif op == "raw_value":
        i = draw(st.sampled_from(keyed))
        m = _KEY_LINE.match(lines[i])
        assert m
        raw = draw(st.sampled_from(RAW_YAML))
        indent = " " * (len(m.group(1)) + 2)
        lines[i] = f"{m.group(1)}{m.group(2)}: " + raw.replace("\n", "\n" + indent)
    elif op == "alias":  # an anchor on one value, an alias to it somewhere else (before it: undefined)
        i, j = draw(st.sampled_from(keyed)), draw(st.sampled_from(keyed))
        mi, mj = _KEY_LINE.match(lines[i]), _KEY_LINE.match(lines[j])
        assert mi and mj
        lines[i] = f"{mi.group(1)}{mi.group(2)}: &fz{(mi.group(3) or '')}"
        if i != j:
            lines[j] = f"{mj.group(1)}{mj.group(2)}: *fz"
    elif op == "merge":  # a block mapping anchored, merged into another mapping
        i, j = draw(st.sampled_from(keyed)), draw(st.sampled_from(keyed))
        mi, mj = _KEY_LINE.match(lines[i]), _KEY_LINE.match(lines[j])
        assert mi and mj
        lines[i] = f"{mi.group(1)}{mi.group(2)}: &fz{(mi.group(3) or '')}"
        lines.insert(j + 1, " " * len(mj.group(1)) + "<<: *fz")
    elif op == "bomb":  # a few-line "billion laughs": 9 ** depth values
        depth = draw(st.integers(1, 9))
        bomb = ["lol0: &l0 [a, a, a, a, a, a, a, a, a]"]
        bomb += [f"lol{k}: &l{k} [{', '.join([f'*l{k - 1}'] * 9)}]" for k in range(1, depth)]
        lines = bomb + lines
    elif op == "unicode":
        i = draw(st.sampled_from(keyed))
        ch = draw(st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                            st.sampled_from(["\u202e", "\ufeff", "\x85", "\u2028", "\x1b", "\x7f", "\u0301", "：", "﹕"])))
        at = draw(st.integers(0, len(lines[i])))
        lines[i] = lines[i][:at] + ch + lines[i][at:]
    elif op == "tab":
        i = draw(st.sampled_from(keyed))
        lines[i] = "\t" + lines[i].lstrip(" ")
    elif op == "truncate":
        text = "\n".join(lines)
        return text[: draw(st.integers(0, len(text)))]
    elif op == "bom":
        return "\ufeff" + "\n".join(lines)
    elif op == "crlf":
        return "\r\n".join(lines)
    elif op == "multidoc":
        lines += ["---", "name: second"]
    elif op == "nul":
        lines.insert(draw(st.integers(0, len(lines))), "\x00")
    return "\n".join(lines)


@st.composite
def mutate_json_text(draw: st.DrawFn, text: str) -> str:
    op = draw(st.sampled_from(["truncate", "deep", "dup_key", "bom", "nan", "huge_int"]))
    if op == "truncate":
        return text[: draw(st.integers(0, len(text)))]
    if op == "bom":
        return "\ufeff" + text
    at = text.find("{") + 1
    insert = {"deep": '"deep": ' + "[" * draw(st.sampled_from([63, 65, 5000])) + "]" * 0,
              "dup_key": f'"{draw(st.sampled_from(["name", "as_of", "members", "scenarios", "price_vol"]))}": 1, ',
              "nan": '"opening": NaN, ', "huge_int": '"x": ' + "9" * 5000 + ", "}[op]
    if op == "deep":
        depth = insert.count("[")
        insert += "]" * depth + ", "
    return text[:at] + insert + text[at:]


def dump(data: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(data, default=str, allow_nan=True, ensure_ascii=False)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=10**6)


@st.composite
def documents(draw: st.DrawFn, seed: dict[str, Any], max_data: int = 3, max_text: int = 2) -> tuple[str, str]:
    """(text, suffix) of a mutated copy of ``seed``; at least one mutation."""
    data: Any = copy.deepcopy(seed)
    n_data = draw(st.integers(0, max_data))
    n_text = draw(st.integers(0 if n_data else 1, max_text))
    for _ in range(n_data):
        data = draw(mutate_data(data))
    as_json = draw(st.integers(0, 5)) == 0
    text = dump(data, as_json)
    for _ in range(n_text):
        text = draw(mutate_json_text(text) if as_json else mutate_yaml_text(text))
    return text, ".json" if as_json else ".yaml"


# --- valid but extreme: numbers and dates pushed around, structure kept -----------------------------

_NUMBER_TEXT = re.compile(r"^(?P<pre>SOFR\s*[+-]\s*|\$)?(?P<num>[+-]?[\d,_]*\.?\d+(?:[eE][+-]?\d+)?)\s*(?P<suf>%|bp|x|k|m|bn|tn)?$")
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FACTORS = (0.0, -1.0, 1e-12, 1e-6, 1e-3, 0.5, 0.999, 1.001, 2.0, 10.0, 1e3, 1e6, 1e9, 1e12)
DATES = ("1990-01-01", "2000-02-29", "2020-12-31", "2024-02-29", "2025-01-01", "2025-03-31", "2025-06-30", "2025-07-01",
         "2025-09-30", "2025-12-31", "2026-06-30", "2027-12-31", "2030-01-01", "2045-06-30", "2099-12-31")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _scaled(value: Any, factor: float) -> Any:
    """``value`` (a number, or text such as '650m', '4.3%', 'SOFR+6.0%') times ``factor``, in the same form."""
    if _is_number(value):
        out = value * factor
        return int(out) if isinstance(value, int) and abs(out) < 2**62 and out == int(out) else out
    m = _NUMBER_TEXT.match(value.strip())
    assert m
    number = float(m.group("num").replace(",", "").replace("_", "")) * factor
    return f"{m.group('pre') or ''}{number:g}{m.group('suf') or ''}"


def _leaves(data: Any) -> tuple[list[Path_], list[Path_], list[Path_], list[Path_]]:
    """Paths of numeric leaves, date leaves, list items and optional-looking mapping keys."""
    numbers, dates, items, keys = [], [], [], []
    for path in node_paths(data):
        if not path:
            continue
        node = _get(data, path)
        if _is_number(node) or (isinstance(node, str) and _NUMBER_TEXT.match(node.strip())):
            numbers.append(path)
        elif isinstance(node, str) and _DATE_TEXT.match(node):
            dates.append(path)
        if isinstance(path[-1], int):
            items.append(path)
        elif path[-1] not in {"name", "ticker", "as_of", "opening", "market", "costs", "kind", "metric", "members",
                               "scenarios", "shocks", "gpu", "units", "unit_cost", "in_service", "balance", "rate",
                               "maturity", "customer", "start", "end", "amount", "exposure", "profile"}:
            keys.append(path)
    return numbers, dates, items, keys


@st.composite
def nudge(draw: st.DrawFn, data: Any) -> Any:
    """``data`` with one change that keeps its shape: a number scaled, a date moved, an item dropped or copied."""
    numbers, dates, items, keys = _leaves(data)
    ops = [op for op, pool in (("number", numbers), ("number", numbers), ("number", numbers), ("date", dates),
                               ("drop_item", items), ("copy_item", items), ("drop_key", keys)) if pool]
    if not ops:
        return data
    op = draw(st.sampled_from(ops))
    if op == "number":
        path = draw(st.sampled_from(numbers))
        node = _get(data, path)
        if draw(st.integers(0, 3)) == 0 and _is_number(node):
            return _set(data, path, draw(st.sampled_from([0, 1, 1e-9, 0.999999, 1e7, 1e8, 9.9e12, 1e13, -9.9e12, 50, 80, 99, 365, 400])))
        return _set(data, path, _scaled(node, draw(st.sampled_from(FACTORS))))
    if op == "date":
        return _set(data, draw(st.sampled_from(dates)), draw(st.sampled_from(DATES)))
    path = draw(st.sampled_from(items if op != "drop_key" else keys))
    parent = _get(data, path[:-1])
    if op == "copy_item":
        clone = copy.deepcopy(parent[path[-1]])
        if isinstance(clone, dict) and isinstance(clone.get("name"), str) and draw(st.booleans()):
            clone["name"] += " copy"  # else a duplicate name, which must be refused
        parent.insert(path[-1] + 1, clone)
        return data
    del parent[path[-1]]
    return data


@st.composite
def nudged_documents(draw: st.DrawFn, seed: dict[str, Any], max_changes: int = 4) -> tuple[str, str]:
    """(text, suffix) of ``seed`` with one to ``max_changes`` shape-keeping changes (``nudge``)."""
    data: Any = copy.deepcopy(seed)
    for _ in range(draw(st.integers(1, max_changes))):
        data = draw(nudge(data))
    as_json = draw(st.integers(0, 5)) == 0
    return dump(data, as_json), ".json" if as_json else ".yaml"
