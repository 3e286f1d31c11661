"""Reading an SEC XBRL "companyfacts" file and choosing the figures of one balance-sheet date.

``https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json`` holds every fact a firm has tagged in its
filings: ``{"cik", "entityName", "facts": {"us-gaap": {Concept: {"units": {"USD": [fact, ...]}}}, "dei": ...}}``,
each fact ``{"start"?, "end", "val", "accn", "fy", "fp", "form", "filed", "frame"?}``. ``stress draft`` turns
them into the known half of a profile. The file has traps, each handled here:

* **A value is repeated in later filings** (next year's 10-Q shows this quarter as a comparative, sometimes
  recast). The copy SEC assigned to the calendar ``frame`` wins, then the latest filed.
* **``fy``/``fp`` describe the filing, not the period**: a Q3 2025 10-Q tags Q3 2024 with ``fy=2025, fp=Q3``.
  Facts are chosen by their ``start``/``end`` dates only.
* **Income and cash-flow figures in 10-Qs are often year to date**: the quarter is the YTD figure ending on
  the balance-sheet date less the YTD figure from the same start ending one quarter earlier (9M - 6M; FY - 9M).
* **Concepts differ between firms**: each figure has concepts in priority order (``Revenues``, then
  ``RevenueFromContractWithCustomerExcludingAssessedTax``), matched by exact name only.
* **Units other than USD** (shares, EUR, USD/share) are ignored.

All amounts are US dollars as reported (``val``), never rescaled. Everything the user can get wrong (not
JSON, not companyfacts, no balance sheet near the as-of, a file over the size cap) is a
:class:`~stress.errors.ProfileError` of kind ``companyfacts`` (exit 2 in the CLI).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from stress.errors import Problem, ProfileError, clip
from stress.io.yamlfile import field_path, read_json

KIND = "companyfacts"
USD = "USD"
#: A balance sheet counts for the as-of if it is dated within this many days of it (52/53-week years end
#: on a weekday near the month end).
NEAR_DAYS = 10
#: A duration of this many days is one quarter (13 weeks is 91; a 14-week quarter 98).
QUARTER_DAYS = (80, 100)
#: Tables (maturity ladder, lease payments) are often tagged only in the annual report: the latest such
#: table up to this many days before the balance-sheet date is shown, dated.
TABLE_LOOKBACK_DAYS = 400

WHERE_FROM = "https://data.sec.gov/api/xbrl/companyfacts/CIK##########.json"


class Fact(BaseModel):
    """One tagged value. ``start`` is absent for a balance (an instant); ``fy``/``fp``/``form`` name the filing."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    start: dt.date | None = None
    end: dt.date
    val: float = Field(allow_inf_nan=False)
    accn: str = Field(min_length=1, max_length=40)
    fy: int | None = None
    fp: str | None = None
    form: str = ""
    filed: dt.date
    frame: str | None = None

    @property
    def days(self) -> int:
        """Length of the period in days (0 for a balance)."""
        return 0 if self.start is None else (self.end - self.start).days + 1

    @property
    def period(self) -> str:
        return self.end.isoformat() if self.start is None else f"{self.start.isoformat()}..{self.end.isoformat()}"


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore")

    cik: int = Field(ge=0, lt=10**10)
    entityName: str = Field(min_length=1, max_length=300)  # noqa: N815 - SEC's key
    facts: dict[str, dict[str, Any]]


_FACTS = TypeAdapter(list[Fact])


@dataclass(frozen=True)
class Figure:
    """A chosen figure: ``value`` in USD, the concept it came from, its period and the filings behind it.

    ``note`` says how a derived figure was made (a quarter as YTD less the earlier YTD).
    """

    concept: str
    value: float
    period: str
    accns: tuple[str, ...]
    note: str = ""

    def source(self) -> str:
        """``Concept period, accn X`` (or the derivation): the comment every drafted number carries."""
        base = f"{self.concept} {self.period}, accn {', '.join(self.accns)}"
        return f"{base} ({self.note})" if self.note else base


@dataclass(frozen=True)
class Filing:
    """A filing that supplied a chosen figure: form and date filed, for the draft's ``sources``."""

    accn: str
    form: str
    filed: dt.date
    cik: int

    @property
    def url(self) -> str:
        return f"https://www.sec.gov/Archives/edgar/data/{self.cik}/{self.accn.replace('-', '')}/"


@dataclass
class CompanyFacts:
    """A companyfacts file, read and checked; facts of a concept are validated when first asked for."""

    path: Path
    cik: int
    name: str
    taxonomies: dict[str, dict[str, Any]]
    _cache: dict[tuple[str, str], list[Fact]] = field(default_factory=dict)
    filings: dict[str, Filing] = field(default_factory=dict)

    def facts(self, concept: str, taxonomy: str = "us-gaap") -> list[Fact]:
        """The USD facts of ``concept`` (exact name), [] if it is not tagged; other units are ignored."""
        key = (taxonomy, concept)
        if key not in self._cache:
            self._cache[key] = self._read(taxonomy, concept)
        return self._cache[key]

    def _read(self, taxonomy: str, concept: str) -> list[Fact]:
        entry = self.taxonomies.get(taxonomy, {}).get(concept)
        if entry is None:
            return []
        where = ("facts", taxonomy, concept)
        units = entry.get("units") if isinstance(entry, dict) else None
        if not isinstance(units, dict):
            raise self._bad([Problem(field_path((*where, "units")), "expected a mapping of units such as 'USD'")])
        usd = units.get(USD)
        if usd is None:
            return []
        try:
            facts = _FACTS.validate_python(usd)
        except ValidationError as exc:
            problems = [Problem(field_path((*where, "units", USD, *e["loc"])), e["msg"]) for e in exc.errors(include_url=False)[:5]]
            raise self._bad(problems) from None
        return facts

    def _bad(self, problems: list[Problem]) -> ProfileError:
        return ProfileError(self.path, problems, KIND)

    def note_filing(self, fact: Fact) -> None:
        self.filings.setdefault(fact.accn, Filing(fact.accn, fact.form, fact.filed, self.cik))

    # --- choosing facts --------------------------------------------------------------------------

    def instant(self, concepts: tuple[str, ...], on: dt.date) -> Figure | None:
        """The balance of the first of ``concepts`` tagged at date ``on``, or None."""
        for concept in concepts:
            found = [f for f in self.facts(concept) if f.start is None and f.end == on]
            if found:
                fact = _best(found)
                self.note_filing(fact)
                return Figure(concept, fact.val, fact.period, (fact.accn,))
        return None

    def quarter(self, concepts: tuple[str, ...], end: dt.date) -> Figure | None:
        """The flow of the first of ``concepts`` over the quarter ending ``end``: tagged directly (a 3-month
        duration), or a year-to-date figure ending ``end`` less the one from the same start a quarter earlier."""
        for concept in concepts:
            ending = [f for f in self.facts(concept) if f.start is not None and f.end == end]
            direct = [f for f in ending if QUARTER_DAYS[0] <= f.days <= QUARTER_DAYS[1]]
            if direct:
                fact = _best(direct)
                self.note_filing(fact)
                return Figure(concept, fact.val, fact.period, (fact.accn,))
            derived = self._by_difference(concept, [f for f in ending if f.days > QUARTER_DAYS[1]])
            if derived is not None:
                return derived
        return None

    def _by_difference(self, concept: str, ytd: list[Fact]) -> Figure | None:
        for start in sorted({f.start for f in ytd if f.start is not None}, reverse=True):  # shortest YTD first
            longer = _best([f for f in ytd if f.start == start])
            earlier = [f for f in self.facts(concept) if f.start == start and f.end < longer.end
                       and QUARTER_DAYS[0] <= (longer.end - f.end).days <= QUARTER_DAYS[1]]
            if not earlier:
                continue
            shorter = _best(earlier)
            self.note_filing(longer)
            self.note_filing(shorter)
            first_day = shorter.end + dt.timedelta(days=1)
            note = f"year to date {longer.period} {_m(longer.val)} less {shorter.period} {_m(shorter.val)}"
            return Figure(concept, longer.val - shorter.val, f"{first_day.isoformat()}..{longer.end.isoformat()}",
                          (longer.accn, shorter.accn) if longer.accn != shorter.accn else (longer.accn,), note)
        return None

    def table_date(self, concepts: tuple[str, ...], on: dt.date) -> dt.date | None:
        """The latest date at most ``on`` (and within :data:`TABLE_LOOKBACK_DAYS`) at which any of ``concepts``
        is tagged as a balance: a maturity or lease table is often tagged only at the fiscal year end."""
        dates = {f.end for c in concepts for f in self.facts(c)
                 if f.start is None and f.end <= on and (on - f.end).days <= TABLE_LOOKBACK_DAYS}
        return max(dates, default=None)

    def balance_sheet_date(self, as_of: dt.date) -> dt.date:
        """The balance-sheet date nearest ``as_of`` within :data:`NEAR_DAYS` (the earlier on a tie); refuses
        the file, naming the nearest dates it does have, when there is none."""
        dates = {f.end for c in BALANCE_ANCHORS for f in self.facts(c) if f.start is None}
        near = sorted((d for d in dates if abs((d - as_of).days) <= NEAR_DAYS), key=lambda d: (abs((d - as_of).days), d))
        if near:
            return near[0]
        closest = sorted(dates, key=lambda d: abs((d - as_of).days))[:3]
        have = ", ".join(d.isoformat() for d in sorted(closest)) or "none"
        raise self._bad([Problem("as_of", f"no balance sheet within {NEAR_DAYS} days of {as_of.isoformat()} "
                                 f"(nearest balance-sheet dates in the file: {have}); choose one of those, or "
                                 "download a newer companyfacts file", as_of.isoformat())])

    def ticker(self) -> str | None:
        """The trading symbol if the file tags one (``dei:TradingSymbol``, rare in companyfacts), else None."""
        entry = self.taxonomies.get("dei", {}).get("TradingSymbol")
        units = entry.get("units") if isinstance(entry, dict) else None
        for facts in (units or {}).values():
            for fact in facts if isinstance(facts, list) else []:
                value = fact.get("val") if isinstance(fact, dict) else None
                if isinstance(value, str) and value.strip().isascii() and 0 < len(value.strip()) <= 10:
                    return value.strip().upper()
        return None


def _best(facts: list[Fact]) -> Fact:
    """Of copies of one period's value: the framed copy, then the latest filed, then the highest accession."""
    return max(facts, key=lambda f: (f.frame is not None, f.filed, f.accn))


def _m(usd: float) -> str:
    return f"{usd / 1e6:,.1f}m"


#: Concepts whose balances date a balance sheet.
BALANCE_ANCHORS = ("Assets", "LiabilitiesAndStockholdersEquity", "StockholdersEquity",
                   "CashAndCashEquivalentsAtCarryingValue")


def _json_kind(data: object) -> str:
    return {list: "array", str: "string", bool: "boolean", type(None): "null"}.get(type(data), "number")


def read_companyfacts(path: str | Path) -> CompanyFacts:
    """Read ``path`` as a companyfacts file: size-capped and bounded like every input (``read_json``), then
    its envelope checked; raises ProfileError (kind ``companyfacts``) with a one-screen message."""
    path = Path(path)
    data = read_json(path, KIND)
    shape = (f"expected an SEC XBRL companyfacts object ({{\"cik\", \"entityName\", \"facts\": {{\"us-gaap\": ...}}}}, "
             f"from {WHERE_FROM})")
    if not isinstance(data, dict) or "facts" not in data:
        got = "a JSON object without \"facts\"" if isinstance(data, dict) else f"a JSON {_json_kind(data)}"
        raise ProfileError(path, [Problem("", clip(f"is not a companyfacts file: {shape}; got {got}"))], KIND)
    try:
        envelope = _Envelope.model_validate(data)
    except ValidationError as exc:
        problems = [Problem(field_path(tuple(e["loc"])), e["msg"]) for e in exc.errors(include_url=False)[:5]]
        raise ProfileError(path, [Problem("", f"is not a companyfacts file: {shape}"), *problems], KIND) from None
    if not isinstance(envelope.facts.get("us-gaap"), dict) or not envelope.facts["us-gaap"]:
        raise ProfileError(path, [Problem("facts.us-gaap", "no US GAAP facts: the draft needs a firm that files "
                                                           "US GAAP financial statements with XBRL")], KIND)
    return CompanyFacts(path, envelope.cik, envelope.entityName, {k: v for k, v in envelope.facts.items() if isinstance(v, dict)})
