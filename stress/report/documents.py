"""The ``--json`` documents of every command, as pydantic models: one envelope, one company shape.

Each command's ``--json`` prints one document: the envelope (what made it, from which inputs) and the
command's result. ``stress schema --output NAME`` publishes each document's JSON Schema, generated from
these models, so a consumer can validate what it reads. Every builder in :mod:`stress.report.jsonout`
passes its dict through the model here before printing, so the schema and the output cannot drift.

Numbers are USD, ratios in x and shares as fractions (``Company.units``); a figure that is not meaningful
(a ratio over a denominator that is not positive) is null, never NaN or infinity.
"""

from __future__ import annotations

from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

#: Version of the documents' shape: 2.0 put every command in one envelope (``tool_version``, ``command``,
#: ``generated``, ``input``) with one ``company`` object; 1.x was ``stress run`` and the analyses only.
SCHEMA_VERSION: Final = "2.0"

UNITS = "USD; ratios in x; shares as fractions"

#: The roles an input file plays in a command.
Role = Literal["profile", "scenarios", "portfolio", "params", "companyfacts", "document"]


class Doc(BaseModel):
    """Every document part: unknown keys are refused, so the published schema is the whole truth."""

    model_config = ConfigDict(extra="forbid")


class InputFile(Doc):
    """A file the command read: its path as the command resolved it and the sha256 of its bytes."""

    role: Role
    path: str
    sha256: str | None = Field(description="sha256 of the file's bytes; null when it could not be read")


class Company(Doc):
    """A firm, the same shape in every document."""

    name: str
    ticker: str
    as_of: str = Field(description="ISO date of the balance sheet the projection starts from")
    horizon_quarters: int
    fiscal_year_end: int = Field(description="month its fiscal year ends, 1-12")
    profile: str | None = Field(description="path of the profile file")
    sha256: str | None = Field(description="sha256 of the profile file's bytes")
    units: str = UNITS


class Envelope(Doc):
    """What every document starts with."""

    schema_version: Literal["2.0"] = SCHEMA_VERSION
    tool_version: str
    command: str
    generated: str | None = Field(
        default=None, description="UTC time the document was made (ISO 8601); SOURCE_DATE_EPOCH pins it")
    input: list[InputFile] = Field(default_factory=list)
    overrides: list[str] = Field(default_factory=list, description="--set PATH=VALUE overrides applied to the profile")


class ProblemDoc(Doc):
    """One thing wrong (or suspicious) in an input file, located."""

    field: str = Field(description="field path such as debt[2].maturity; empty for the whole file")
    message: str
    value: str | None = None
    line: int | None = None
    column: int | None = None


class ValidatedFile(Doc):
    path: str
    kind: Literal["profile", "portfolio"]
    valid: bool
    company: Company | None = None
    problems: list[ProblemDoc] = Field(default_factory=list)
    warnings: list[ProblemDoc] = Field(default_factory=list)


class ValidateDocument(Envelope):
    files: list[ValidatedFile]


Table = list[dict[str, Any]]


class ShowDocument(Envelope):
    """``stress show``: the profile at as_of, each table as rows of records (USD, fractions, ISO dates)."""

    company: Company
    tables: dict[str, Table]
    undrawn_committed: float | None = None


class Covenant(Doc):
    name: str
    metric: str
    kind: Literal["min", "max"]
    limit: float
    applies_to: str | None
    tested_at: str | None
    test: str
    on_breach: str
    values: list[float | None]
    headroom: list[float | None]
    passed: list[bool]


class Events(Doc):
    first_breach: str | None
    first_breach_covenant: str | None
    liquidity_default: str | None
    maturity_default: str | None
    maturity_default_tranche: str | None
    covenant_default: str | None = Field(description="a parent covenant whose breach is an event of default")
    cross_default: str | None
    vehicle_defaults: dict[str, str] = Field(description="vehicle -> quarter its lenders foreclosed it")
    lock_ups: dict[str, str] = Field(description="vehicle -> first quarter its cash was trapped")


class FundingGap(Doc):
    peak: float
    quarter: str | None
    by_quarter: list[float | None]


Series = list[float | None]


class ScenarioResult(Doc):
    """One scenario's projection: every line and metric by quarter, the tests, events and verdict."""

    name: str
    case: str
    quarters: list[str]
    lines: dict[str, Series]
    metrics: dict[str, Any] = Field(description="each ratio by quarter; ltv per tranche; rating by quarter")
    debt: dict[str, dict[str, Series]]
    covenants: list[Covenant]
    events: Events
    vehicles: dict[str, dict[str, Series]]
    verdict: Literal["pass", "breach", "default"]
    funding_gap: FundingGap
    programmes: dict[str, list[str]]
    annual: dict[str, dict[str, Any]]


class RunDocument(Envelope):
    company: Company
    scenarios: list[ScenarioResult]


class ReportDocument(Envelope):
    """``stress report``: the workbook written."""

    company: Company
    written: str
    scenarios: list[str]


class ScenariosDocument(Envelope):
    """``stress scenarios``: the library (and a file's scenarios), each with its shocks."""

    scenarios: list[dict[str, Any]]


class BatchRanking(Doc):
    company: Company
    first_default: str | None
    first_default_scenario: str | None
    defaulting_scenarios: int
    min_liquidity: float | None
    min_liquidity_scenario: str | None
    liquidity_headroom: float | None
    trough_dscr: float | None
    market_pd: float | None
    market_basis: str | None
    verdicts: dict[str, str | None] = Field(description="scenario -> pass, breach or default")


class BatchDocument(Envelope):
    portfolio: str
    ranking: list[BatchRanking]
    results: Table = Field(description="one row per firm x scenario (the firm by its ticker)")
    exposure: Table
    expected_loss: float | None
    failures: Table
    joint: dict[str, Any] | None


class BreakevenDocument(Envelope):
    company: Company
    breakeven: Table


class GridDocument(Envelope):
    company: Company
    metric: str
    x: dict[str, Any]
    y: dict[str, Any]
    values: list[list[float | None]]
    quarters: list[str]


class TornadoDocument(Envelope):
    company: Company
    baseline: dict[str, float | None]
    bars: Table


class MonteCarloDocument(Envelope):
    company: Company
    paths: int
    seed: int
    fiscal_year_end: int
    params: dict[str, Any]
    probability_of_default: float
    pd_interval_95: list[float]
    pd_by_year: dict[str, float]
    min_liquidity_percentiles: dict[str, float | None]
    cash_fan: dict[str, Any]
    exposure: dict[str, Any]
    loss_given_default: float | None
    expected_loss: float | None
    vehicle_pd: dict[str, float]
    market_view: dict[str, Any] | None


class DraftDocument(Envelope):
    """``stress draft``: the profile drafted from a filing."""

    written: str
    name: str
    as_of: str


class MemoDocument(Envelope):
    """``stress memo``: the PDF written (the profile's sha256 is the company's, as in its footer)."""

    company: Company
    written: str
    pages: int


class DiffDocument(Envelope):
    """``stress diff``: what moved between two profiles (fields), two run results or two Monte Carlo results."""

    kind: Literal["profile", "run", "montecarlo"]
    a: str
    b: str
    compared: str | None = Field(None, description="profiles: as the model reads them, or as written")
    problems: dict[str, int] | None = Field(None, description="profiles: problems in each (compared as written)")
    changes: Table | None = Field(None, description="profiles: each field changed, added or removed, as a --set path")
    companies: dict[str, str] | None = None
    scenarios: Table | None = Field(None, description="run results: per scenario each headline figure in A and B")
    montecarlo: dict[str, Any] | None = Field(None, description="Monte Carlo results: PD, by year, per vehicle, LGD, EL")
    compared_overrides: dict[str, list[str]] | None = Field(None, description="the --set overrides each result ran with")


#: ``stress schema --output NAME``: each command's document.
DOCUMENTS: dict[str, type[Envelope]] = {
    "validate": ValidateDocument, "show": ShowDocument, "run": RunDocument, "report": ReportDocument,
    "scenarios": ScenariosDocument, "batch": BatchDocument, "breakeven": BreakevenDocument, "grid": GridDocument,
    "tornado": TornadoDocument, "montecarlo": MonteCarloDocument, "draft": DraftDocument, "diff": DiffDocument,
    "memo": MemoDocument,
}
