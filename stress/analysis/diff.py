"""``stress diff A B``: what moved between two profiles, two ``stress run --json`` results or two
``stress montecarlo --json`` results (the quarterly refresh: last quarter's file against this quarter's).

Profiles are compared as the model reads them: ``9.25%`` and ``0.0925`` are the same rate, a key left at its
default is the same as the default written out, and comments do not count. When either does not validate (a
new quarter's profile still being filled in), both are compared as written instead, and the result says so. Each
change is a field path in the ``--set`` syntax (``debt[DDTL 2.0].rate``): list items that have a ``name``
are matched by it, so a tranche inserted in the middle changes one path, not every later index; other
lists are aligned item by item (``difflib``), and a list of plain values is one field. Values are shown
as written in each file where the file has them.

Results are compared per scenario (matched by name and case): verdict, first covenant breach, first default
(liquidity, maturity, an event-of-default covenant or a cross-default, the earliest), minimum liquidity and
trough DSCR; Monte Carlo results by probability of default (with its 95% interval and by year), loss given
default, expected loss, each vehicle's probability of foreclosure and the minimum-liquidity percentiles.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from stress.errors import OptionError, Problem, ProfileError
from stress.io.profiles import load_profile, resolve_profile
from stress.io.yamlfile import read_mapping
from stress.model.company import Company

Kind = Literal["profile", "run", "montecarlo"]
#: Where a profile diff's field is: changed in both, or only in one file (None there).
ChangeKind = Literal["changed", "added", "removed"]
_DEFAULT_EVENTS = (("liquidity_default", "liquidity"), ("maturity_default", "maturity"),
                   ("covenant_default", "covenant"), ("cross_default", "cross-default"))


# --- reading the two sides -------------------------------------------------------------------------

@dataclass(frozen=True)
class Side:
    """One of the two things compared: a validated profile (``data`` its model dump, ``raw`` as written)
    or a result document (``data``)."""

    label: str
    kind: Kind
    data: dict[str, Any]
    raw: dict[str, Any] = field(default_factory=dict)
    problems: int = 0  # a profile that does not validate: how many problems (its data is then as written)


def document_kind(data: dict[str, Any]) -> tuple[Kind, dict[str, Any]] | None:
    """(kind, the result document) for a ``--json`` result, looked for at the top level and one level down
    (a result inside an envelope); None for anything else (a profile)."""
    for doc in (data, *(v for v in data.values() if isinstance(v, dict))):
        if isinstance(doc.get("scenarios"), list) and isinstance(doc.get("company"), dict):
            return "run", doc
        if "probability_of_default" in doc and "paths" in doc:
            return "montecarlo", doc
    return None


def read_side(arg: str, which: str) -> Side:
    """A profile (path or shipped name; it must validate) or a ``--json`` result file; ProfileError if neither."""
    path = resolve_profile(arg)
    raw = read_mapping(path, kind="profile or result")
    found = document_kind(raw)
    if found is not None:
        return Side(str(path), found[0], found[1])
    if "schema_version" in raw:
        raise ProfileError(path, [Problem("", f"{which} is a stress JSON document diff does not compare: give two "
                                          "profiles, two `stress run --json` or two `stress montecarlo --json` results")],
                           "input")
    try:
        company = load_profile(path).company
    except ProfileError as err:  # a profile being written (TODOs left): compared as written
        if not set(raw) & set(Company.model_fields):  # not a profile at all: nothing to compare
            raise
        return Side(str(path), "profile", raw, raw, problems=max(1, len(err.problems)))
    return Side(str(path), "profile", company.model_dump(mode="json"), raw)


def read_pair(a: str, b: str) -> tuple[Side, Side]:
    """Both sides, of one kind; OptionError (exit 2) when they are not. When either profile does not
    validate, both are compared as written (each side's ``data`` is its raw mapping)."""
    left, right = read_side(a, "A"), read_side(b, "B")
    if left.kind != right.kind:
        raise OptionError.argument("B", f"A is {_what(left.kind)} and B is {_what(right.kind)}: diff compares two "
                                   "of a kind", right.label)
    if left.kind == "profile" and (left.problems or right.problems):
        left, right = (replace(s, data=s.raw) for s in (left, right))
    return left, right


def _what(kind: Kind) -> str:
    return {"profile": "a profile", "run": "a `stress run --json` result",
            "montecarlo": "a `stress montecarlo --json` result"}[kind]


# --- profiles --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """One field that differs: ``a`` and ``b`` as written in each file (the model's value where the file
    leaves it to a default), None on the side where it is absent."""

    path: str
    kind: ChangeKind
    a: Any
    b: Any

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "change": self.kind, "a": self.a, "b": self.b}


def profile_diff(a: Side, b: Side) -> list[Change]:
    """Every field that differs between two validated profiles, in file order."""
    out: list[Change] = []
    _diff(a.data, b.data, a.raw, b.raw, "", out)
    return out


def _key(loc: str, key: str) -> str:
    return f"{loc}.{key}" if loc else key


def _child(raw: Any, key: Any) -> Any:
    if isinstance(raw, dict):
        return raw.get(key)
    if isinstance(raw, list) and isinstance(key, int) and key < len(raw):
        return raw[key]
    return None


def _shown(value: Any, raw: Any) -> Any:
    """The value as the file writes it where it has a plain value there, else the model's."""
    if raw is not None and not isinstance(value, (dict, list)) and not isinstance(raw, (dict, list)):
        return raw
    return raw if raw is not None and type(raw) is type(value) else value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool) \
            and not isinstance(b, bool) and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


def _change(loc: str, a: Any, b: Any, ra: Any, rb: Any) -> Change:
    if a is None:
        return Change(loc, "added", None, _shown(b, rb))
    if b is None:
        return Change(loc, "removed", _shown(a, ra), None)
    return Change(loc, "changed", _shown(a, ra), _shown(b, rb))


def _diff(a: Any, b: Any, ra: Any, rb: Any, loc: str, out: list[Change]) -> None:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in [*a, *(k for k in b if k not in a)]:
            _diff(a.get(key), b.get(key), _child(ra, key), _child(rb, key), _key(loc, str(key)), out)
    elif isinstance(a, list) and isinstance(b, list) and not (_plain(a) and _plain(b)):
        _diff_list(a, b, ra, rb, loc, out)
    elif not _same(a, b):
        out.append(_change(loc, a, b, ra, rb))


def _plain(items: list[Any]) -> bool:
    return all(not isinstance(x, (dict, list)) for x in items)


def _names(items: list[Any]) -> list[str] | None:
    """Each item's ``name`` when every item has a distinct one, else None."""
    names = [x.get("name") if isinstance(x, dict) else None for x in items]
    if all(isinstance(n, str) and n for n in names) and len(set(names)) == len(names):
        return names  # type: ignore[return-value]
    return None


def _diff_list(a: list[Any], b: list[Any], ra: Any, rb: Any, loc: str, out: list[Change]) -> None:
    na, nb = _names(a), _names(b)
    if na is not None and nb is not None:
        where_b = {n: j for j, n in enumerate(nb)}
        for i, name in enumerate(na):
            j = where_b.get(name)
            _diff(a[i], None if j is None else b[j], _child(ra, i), None if j is None else _child(rb, j), f"{loc}[{name}]", out)
        for j, name in enumerate(nb):
            if name not in set(na):
                _diff(None, b[j], None, _child(rb, j), f"{loc}[{name}]", out)
        return
    canon = [[json.dumps(x, sort_keys=True, default=str) for x in side] for side in (a, b)]
    matcher = difflib.SequenceMatcher(None, canon[0], canon[1], autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1)
        for k in range(pairs):
            _diff(a[i1 + k], b[j1 + k], _child(ra, i1 + k), _child(rb, j1 + k), f"{loc}[{j1 + k}]", out)
        for i in range(i1 + pairs, i2):
            out.append(Change(f"{loc}[{i}]", "removed", _shown(a[i], _child(ra, i)), None))
        for j in range(j1 + pairs, j2):
            out.append(Change(f"{loc}[{j}]", "added", None, _shown(b[j], _child(rb, j))))


# --- results ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Moved:
    """A figure in A and in B (None where that side has none)."""

    a: Any
    b: Any

    @property
    def changed(self) -> bool:
        return not _same(self.a, self.b)

    @property
    def change(self) -> float | None:
        """B less A, for numbers on both sides."""
        if isinstance(self.a, (int, float)) and isinstance(self.b, (int, float)):
            return float(self.b) - float(self.a)
        return None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"a": self.a, "b": self.b}
        if self.change is not None:
            out["change"] = self.change
        return out


@dataclass(frozen=True)
class ScenarioMove:
    """One scenario (and case) in A, B or both: each headline figure in both."""

    scenario: str
    case: str
    present: Literal["both", "a", "b"]
    verdict: Moved
    first_breach: Moved  # "2026Q3 (dscr)"
    default: Moved  # "2027Q1 (liquidity)"
    min_liquidity: Moved  # USD
    trough_dscr: Moved  # x

    @property
    def figures(self) -> dict[str, Moved]:
        return {"verdict": self.verdict, "first_breach": self.first_breach, "default": self.default,
                "min_liquidity": self.min_liquidity, "trough_dscr": self.trough_dscr}

    @property
    def changed(self) -> bool:
        return self.present != "both" or any(m.changed for m in self.figures.values())

    def as_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "case": self.case, "in": self.present,
                **{k: m.as_dict() for k, m in self.figures.items()}}


def _numbers(values: Any) -> list[float]:
    return [v for v in map(_number, values) if v is not None] if isinstance(values, list) else []


def scenario_figures(s: dict[str, Any]) -> dict[str, Any]:
    """The headline figures of one scenario of a ``stress run --json`` document: as the comparison table
    computes them (minimum liquidity over the horizon; trough DSCR over the quarters it is meaningful)."""
    events: dict[str, Any] = s["events"] if isinstance(s.get("events"), dict) else {}
    metrics: dict[str, Any] = s["metrics"] if isinstance(s.get("metrics"), dict) else {}
    breach, covenant = (v if isinstance(v := events.get(k), str) else None for k in ("first_breach", "first_breach_covenant"))
    defaults = sorted((q, what) for key, what in _DEFAULT_EVENTS if isinstance(q := events.get(key), str))
    liquidity, dscr = _numbers(metrics.get("liquidity")), _numbers(metrics.get("dscr"))
    verdict = s.get("verdict")
    return {
        "verdict": verdict if isinstance(verdict, str) else None,
        "first_breach": f"{breach} ({covenant})" if breach and covenant else breach,
        "default": f"{defaults[0][0]} ({defaults[0][1]})" if defaults else None,
        "min_liquidity": min(liquidity) if liquidity else None,
        "trough_dscr": min(dscr) if dscr else None,
    }


def _scenarios(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for s in doc.get("scenarios", []):
        if isinstance(s, dict):
            out[(str(s.get("name")), str(s.get("case")))] = scenario_figures(s)
    return out


def run_diff(a: Side, b: Side) -> list[ScenarioMove]:
    """Per scenario (by name and case, A's order then B's new ones), the headline figures in A and B."""
    sa, sb = _scenarios(a.data), _scenarios(b.data)
    none = dict.fromkeys(("verdict", "first_breach", "default", "min_liquidity", "trough_dscr"))
    moves = []
    for key in [*sa, *(k for k in sb if k not in sa)]:
        fa, fb = sa.get(key, none), sb.get(key, none)
        present: Literal["both", "a", "b"] = "both" if key in sa and key in sb else "a" if key in sa else "b"
        moves.append(ScenarioMove(key[0], key[1], present, *(Moved(fa[k], fb[k]) for k in none)))
    return moves


def company_line(doc: dict[str, Any]) -> str:
    """``CoreWeave, Inc. as of 2025-09-30`` from a result's company object (an older document's bare name)."""
    company = doc.get("company")
    if isinstance(company, dict):
        return f"{company.get('name')} as of {company.get('as_of')}"
    return str(company)


def overrides(doc: dict[str, Any]) -> list[str]:
    """The ``--set`` overrides a result was run with, from its envelope (none in an older document)."""
    found = doc.get("overrides")
    return [str(x) for x in found] if isinstance(found, list) else []


@dataclass(frozen=True)
class MonteCarloMove:
    """What moved between two Monte Carlo results."""

    probability_of_default: Moved
    pd_interval_95: Moved
    loss_given_default: Moved
    expected_loss: Moved
    pd_by_year: dict[str, Moved]
    vehicle_pd: dict[str, Moved]
    min_liquidity_percentiles: dict[str, Moved]
    paths: Moved
    seed: Moved

    def as_dict(self) -> dict[str, Any]:
        return {"probability_of_default": self.probability_of_default.as_dict(),
                "pd_interval_95": self.pd_interval_95.as_dict(),
                "loss_given_default": self.loss_given_default.as_dict(), "expected_loss": self.expected_loss.as_dict(),
                "pd_by_year": {k: m.as_dict() for k, m in self.pd_by_year.items()},
                "vehicle_pd": {k: m.as_dict() for k, m in self.vehicle_pd.items()},
                "min_liquidity_percentiles": {k: m.as_dict() for k, m in self.min_liquidity_percentiles.items()},
                "paths": self.paths.as_dict(), "seed": self.seed.as_dict()}


def _by_key(a: Any, b: Any) -> dict[str, Moved]:
    da, db = (x if isinstance(x, dict) else {} for x in (a, b))
    return {str(k): Moved(da.get(k), db.get(k)) for k in [*da, *(k for k in db if k not in da)]}


def _number(value: Any) -> float | None:
    """A finite number from a result file, else None (a file is input: it may hold anything)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _interval(value: Any) -> list[float] | None:
    pair = [_number(v) for v in value] if isinstance(value, list) and len(value) == 2 else []
    return pair if len(pair) == 2 and None not in pair else None  # type: ignore[return-value]


def _numbers_by_key(value: Any) -> dict[str, float | None]:
    return {str(k): _number(v) for k, v in value.items()} if isinstance(value, dict) else {}


def montecarlo_diff(a: Side, b: Side) -> MonteCarloMove:
    """Each figure of two Monte Carlo results side by side (non-numbers read as missing)."""
    da, db = a.data, b.data

    def moved(key: str) -> Moved:
        return Moved(_number(da.get(key)), _number(db.get(key)))

    def by_key(key: str) -> dict[str, Moved]:
        return _by_key(_numbers_by_key(da.get(key)), _numbers_by_key(db.get(key)))

    return MonteCarloMove(moved("probability_of_default"), Moved(_interval(da.get("pd_interval_95")),
                                                                 _interval(db.get("pd_interval_95"))),
                          moved("loss_given_default"), moved("expected_loss"), by_key("pd_by_year"),
                          by_key("vehicle_pd"), by_key("min_liquidity_percentiles"), moved("paths"), moved("seed"))


# --- the one entry point ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Diff:
    """The comparison of A and B, of whichever kind they are."""

    a: Side
    b: Side
    changes: list[Change] = field(default_factory=list)  # profiles
    scenarios: list[ScenarioMove] = field(default_factory=list)  # run results
    montecarlo: MonteCarloMove | None = None  # Monte Carlo results

    @property
    def kind(self) -> Kind:
        return self.a.kind

    @property
    def as_written(self) -> bool:
        """Profiles compared as written, not as the model reads them (one of them does not validate)."""
        return self.kind == "profile" and bool(self.a.problems or self.b.problems)

    def as_dict(self) -> dict[str, Any]:
        """The plain-data result of ``stress diff --json``."""
        out: dict[str, Any] = {"kind": self.kind, "a": self.a.label, "b": self.b.label}
        if self.kind == "profile":
            out["compared"] = "as written" if self.as_written else "as the model reads them"
            out["problems"] = {"a": self.a.problems, "b": self.b.problems}
            out["changes"] = [c.as_dict() for c in self.changes]
        elif self.kind == "run":
            out["companies"] = {"a": company_line(self.a.data), "b": company_line(self.b.data)}
            out["scenarios"] = [s.as_dict() for s in self.scenarios]
        elif self.montecarlo is not None:
            out["companies"] = {"a": company_line(self.a.data), "b": company_line(self.b.data)}
            out["montecarlo"] = self.montecarlo.as_dict()
        if self.kind != "profile":
            out["compared_overrides"] = {"a": overrides(self.a.data), "b": overrides(self.b.data)}
        return out


def diff(a: str | Path, b: str | Path) -> Diff:
    """Compare A and B (profiles, run results or Monte Carlo results); ProfileError (exit 2) when either
    cannot be read, a profile does not validate, or they are not of one kind."""
    left, right = read_pair(str(a), str(b))
    if left.kind == "profile":
        return Diff(left, right, changes=profile_diff(left, right))
    if left.kind == "run":
        return Diff(left, right, scenarios=run_diff(left, right))
    return Diff(left, right, montecarlo=montecarlo_diff(left, right))
