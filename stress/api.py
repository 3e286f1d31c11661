"""The service layer: every job the tool does, as a function; the command line and notebooks both call it.

    import stress
    res = stress.run("coreweave", scenarios=["baseline", "price_crash"])
    res.frame(1)           # quarters x lines and metrics under price_crash
    res.covenant_frame()   # headroom per covenant and quarter, baseline

Each function takes what a user gives (a loaded profile, scenario names, sizes) and returns results; none
prints. Bad input raises an ``InputError`` (a ``ProfileError``, ``ScenarioError`` or ``OptionError``) and a file
that cannot be written a ``ReportError``; the command line maps them to exit 2 in one place
(``stress.cli_common.handled``). ``advance`` arguments take a progress callback (units done) for long work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.finite import check_finite
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.worlds import Worlds, baseline_worlds
from stress.io.profiles import LoadedProfile, load_profile
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.scenarios.build import build_worlds, with_other_baseline
from stress.scenarios.select import select
from stress.vocabulary import DEFAULT_PATHS, DEFAULT_SEED

if TYPE_CHECKING:
    from stress.analysis.breakeven import Breakeven
    from stress.analysis.grid import Grid
    from stress.analysis.montecarlo import MonteCarloResult
    from stress.analysis.portfolio import BatchReport
    from stress.analysis.tornado import Tornado
    from stress.engine.opening import OpeningBalance
    from stress.vocabulary import GridMetric, Seniority

Advance = Callable[[float], None]


def run(company: Company | LoadedProfile | str | Path, scenarios: Sequence[Scenario | str] | None = None,
        worlds: Worlds | None = None, case: Case | str = Case.PLAN) -> Results:
    """Project ``company`` (a Company, a loaded profile, a profile path or shipped name).

    ``scenarios``: Scenario objects or built-in names (``"all"`` alone for the
    whole library); default: the baseline only. ``worlds`` overrides both
    (sensitivity grids, Monte Carlo). ``case``: ``plan`` (default) counts planned
    financing and awarded contracts, ``committed`` only what was committed at as_of.

    Raises ``stress.engine.finite.NonFiniteError`` (a ``StressError``) naming the line item, scenario and
    quarter if any line of the projection turns NaN or infinite: no result is drawn from such figures.
    """
    case = Case(case)
    source: LoadedProfile | None
    if isinstance(company, Company):
        source, firm = None, company
    else:
        source = company if isinstance(company, LoadedProfile) else load_profile(company)
        firm = source.company
    cc = compile_company(firm, case)
    chosen = resolve(list(scenarios)) if scenarios else []
    if worlds is None:
        worlds = build_worlds(cc, chosen) if chosen else baseline_worlds(cc)
    with np.errstate(all="ignore"):  # an overflow is reported by the finite check, with its place
        projection = project(cc, worlds)
    return Results(check_finite(projection), chosen, source)


def resolve(scenarios: list[Scenario | str]) -> list[Scenario]:
    """Scenario objects from a mix of objects and built-in names; ``["all"]`` is the whole library."""
    if list(scenarios) == ["all"]:
        return select([])
    names = [s for s in scenarios if isinstance(s, str)]
    by_name = {s.name: s for s in select(names)} if names else {}
    return [by_name[s] if isinstance(s, str) else s for s in scenarios]


def load(profile: str | Path, sets: Sequence[str] = ()) -> LoadedProfile:
    """The validated profile (a path or shipped name) with ``--set`` overrides applied."""
    return load_profile(profile, sets)


def choose(loaded: LoadedProfile, names: Sequence[str] = (), scenarios_file: Path | None = None,
           flags: dict[str, object] | None = None, case: Case = Case.PLAN) -> list[Scenario]:
    """The scenarios a command runs.

    The built-ins or ``names``, a file's, the ad-hoc ``flags`` (``custom``), and the other case's baseline
    beside the baseline.
    """
    return with_other_baseline(select(list(names), scenarios_file, flags), case, loaded.company)


def opening(loaded: LoadedProfile) -> OpeningBalance:
    """``stress show``: the balance sheet at as_of derived from the schedules, beside what was reported."""
    from stress.engine.opening import opening_balance

    return opening_balance(loaded.company)


def compiled(loaded: LoadedProfile, case: Case = Case.PLAN) -> CompiledCompany:
    """The profile compiled for the engine, in ``case``."""
    return compile_company(loaded.company, case)


def report(loaded: LoadedProfile, scenarios: list[Scenario], case: Case = Case.PLAN, out: Path | None = None,
           force: bool = False, analyses: bool = False, paths: int = DEFAULT_PATHS, seed: int = DEFAULT_SEED,
           advance: Advance | None = None) -> Path:
    """``stress report``: the credit-review workbook written atomically; returns its path.

    With ``analyses``, the breakeven, grid, tornado and Monte Carlo sheets too (``advance`` moves by
    ``suite.STEPS`` in all).
    """
    from stress.analysis.suite import run_all
    from stress.report.envelope import run_time
    from stress.report.workbook import write_report
    from stress.report.workbook.write import report_target

    now = run_time()  # $SOURCE_DATE_EPOCH pins the time the workbook shows, as it does the JSON's and the memo's
    report_target(out, loaded.company, now, force)  # a refusal comes before minutes of analyses, not after
    extra = run_all(compiled(loaded, case), paths, seed, advance=advance) if analyses else None
    return write_report(run(loaded, scenarios, case=case), out=out, force=force, now=now, analyses=extra)


def breakeven(cc: CompiledCompany, drivers: Sequence[str] = ()) -> list[Breakeven]:
    """``stress breakeven``: per driver (default all), the size at which the firm first breaches and first defaults.

    An unknown driver is an OptionError naming ``--driver``.
    """
    from stress.analysis.breakeven import breakeven_table
    from stress.errors import OptionError, Problem
    from stress.scenarios.drivers import DRIVERS

    unknown = [d for d in drivers if d not in DRIVERS]
    if unknown:
        raise OptionError(problems=[Problem("--driver", f"unknown driver; drivers: {', '.join(DRIVERS)}", unknown[0])])
    return breakeven_table(cc, list(drivers) or None)


def grid(cc: CompiledCompany, x: str, y: str, metric: GridMetric) -> Grid:
    """``stress grid``: ``metric`` over every pair of sizes of the two axes (``DRIVER=START:STOP:COUNT``).

    A bad axis is an OptionError naming ``--x`` or ``--y``.
    """
    from stress.analysis.grid import grid as grid_of
    from stress.analysis.grid import parse_axis
    from stress.errors import OptionError, Problem

    axes = []
    for flag, spec in (("--x", x), ("--y", y)):
        try:
            axes.append(parse_axis(spec))
        except ValueError as exc:
            raise OptionError(problems=[Problem(flag, str(exc), spec)]) from None
    if axes[0].driver.name == axes[1].driver.name:
        raise OptionError(problems=[Problem("--y", f"the same driver as --x ({axes[0].driver.name}); a grid crosses "
                                                   "two drivers, and `stress breakeven` sweeps one", y)])
    return grid_of(cc, axes[0], axes[1], metric)


def tornado(cc: CompiledCompany) -> Tornado:
    """``stress tornado``: each driver alone at its standard adverse and favourable sizes."""
    from stress.analysis.tornado import tornado as tornado_of

    return tornado_of(cc)


def check_sheet_target(out: Path | None, force: bool) -> None:
    """Before any work: an analysis's ``--out`` that is not .xlsx, or exists without ``force``, is an OptionError."""
    from stress.errors import OptionError, Problem, ReportError
    from stress.report.safe_write import TargetExistsError, check_target

    if out is None:
        return
    try:
        check_target(out, ".xlsx", force)
    except TargetExistsError:
        raise OptionError(problems=[Problem("--out", "already exists; not overwriting it (use --force to replace it)",
                                            str(out))]) from None
    except ReportError:
        raise OptionError(problems=[Problem("--out", "expected an .xlsx file", str(out))]) from None


def analysis_sheet(result: Any, cc: CompiledCompany, out: Path, force: bool = False) -> Path:
    """An analysis as a one-sheet workbook, written atomically to ``out``; returns the path.

    ``result``: breakeven rows, a grid, a tornado or a Monte Carlo result. A file that cannot be written is an
    OptionError naming ``--out``.
    """
    from stress.errors import OptionError, Problem, ReportError
    from stress.report.safe_write import write_atomic
    from stress.report.workbook.analyses import analysis_workbook

    try:
        return write_atomic(out, analysis_workbook(result, cc).save, force)
    except ReportError as err:
        raise OptionError(problems=[Problem("--out", str(err), str(out))]) from None


@dataclass(frozen=True)
class Lending:
    """A lender's exposure for the Monte Carlo's LGD: ``amount`` USD in ``tranche``, or at ``seniority``."""

    amount: float = 100e6
    tranche: str | None = None
    seniority: Seniority | None = None


def montecarlo(cc: CompiledCompany, paths: int = DEFAULT_PATHS, seed: int = DEFAULT_SEED, params: Path | None = None,
               lending: Lending = Lending(), advance: Advance | None = None, **engine: Any) -> MonteCarloResult:
    """``stress montecarlo``: PD with its interval, by year and per vehicle, LGD and EL on ``lending``.

    ``params``: a file of Monte Carlo parameters over the profile's. ``engine``: how to run the paths
    (``stress.analysis.montecarlo.run_montecarlo``'s keyword arguments).
    """
    from stress.analysis.montecarlo import Claim, run_montecarlo
    from stress.errors import OptionError, Problem
    from stress.io.params import load_params
    from stress.model.montecarlo import MonteCarloParams
    from stress.vocabulary import Seniority

    if lending.tranche is not None and lending.seniority is not None:
        raise OptionError(problems=[Problem("--seniority", "give --tranche or --seniority, not both: a tranche has "
                                                           "its own seniority", lending.seniority.value)])
    if lending.tranche is not None and lending.tranche not in cc.tranche_names:
        raise OptionError(problems=[Problem("--tranche", f"names no tranche; tranches: {', '.join(cc.tranche_names)}",
                                            lending.tranche)])
    base = cc.company.montecarlo or MonteCarloParams()
    chosen = base if params is None else load_params(params, base)
    rank = cc.company.tranche(lending.tranche).rank if lending.tranche else lending.seniority or Seniority.SENIOR_UNSECURED
    return run_montecarlo(cc, paths, seed, chosen, Claim(lending.amount, lending.tranche, rank), advance=advance,
                          **engine)


@dataclass(frozen=True)
class BatchPlan:
    """A book ready to run: one task per distinct profile, the members' exposures, the joint plan if any."""

    portfolio: Any  # stress.model.portfolio.Portfolio, or None for profiles given directly
    members: list[Any]
    book: Any  # stress.analysis.portfolio.Book
    scenarios: list[Scenario]
    joint: Any = None  # stress.analysis.joint.JointPlan, with --paths

    @property
    def firms(self) -> int:
        """The number of firm tasks in the book (the progress bar's total)."""
        return len(self.book.tasks)


@dataclass(frozen=True)
class BatchRun:
    """``stress batch``: the book's report, and its joint Monte Carlo when asked for (or why it did not run)."""

    report: BatchReport
    joint: Any = None  # stress.analysis.joint.JointResult
    joint_error: str | None = None


def plan_batch(inputs: list[str], scenarios: list[Scenario], case: Case = Case.PLAN, allow_any_path: bool = False,
               joint: bool = False, detail: bool = False) -> BatchPlan:
    """The book of a portfolio file (or of profiles), before any work.

    A bad portfolio is an InputError, a cycle of customer links (with ``joint``) a ``JointCycleError``; a member
    that cannot be read fails later, alone.
    """
    from stress.analysis import joint as joint_mc
    from stress.analysis.portfolio import plan
    from stress.io.portfolio import batch_input

    portfolio, members, profiles, refusals = batch_input(inputs, allow_any_path)
    book = plan(members, profiles, scenarios, case, refusals, detail)
    return BatchPlan(portfolio, members, book, scenarios, joint_mc.plan_joint(book.tasks) if joint else None)


def batch(plan: BatchPlan, jobs: int | None = None, paths: int | None = None, seed: int = DEFAULT_SEED,
          progress: Callable[[Any], None] | None = None, before_joint: Callable[[str], Any] | None = None,
          **engine: Any) -> BatchRun:
    """Every firm x scenario of ``plan``, then with ``paths`` (and a joint plan) the joint Monte Carlo.

    A member that fails is in the report's failures, never raised. ``progress(outcome)`` after each firm;
    ``before_joint(label)`` returns a context manager wrapping the joint run (a spinner). ``engine``: how to
    run the firms (``stress.analysis.batch.run_batch``'s keyword arguments).
    """
    import contextlib

    from stress.analysis import joint
    from stress.analysis.batch import run_batch
    from stress.analysis.portfolio import assemble
    from stress.errors import StressError

    outcomes = run_batch(plan.book.tasks, jobs, progress, **engine)
    rep = assemble(plan.portfolio, plan.members, plan.book, outcomes, [s.name for s in plan.scenarios])
    if paths is None or plan.joint is None:
        return BatchRun(rep)
    label = f"joint Monte Carlo: {paths:,} paths x {len(plan.joint.firms)} firms"
    with before_joint(label) if before_joint else contextlib.nullcontext():
        try:
            return BatchRun(rep, joint.run_joint(plan.book.tasks, paths, seed, jobs=jobs, plan=plan.joint))
        except StressError as err:
            return BatchRun(rep, joint_error=str(err))


def batch_detail(run_: BatchRun) -> list[Results]:
    """Each firm that ran, as projected in the batch (planned with ``detail``), not projected again.

    ``batch --detail``'s statement sheets show each firm's first scenario.
    """
    return [o.results for o in run_.report.outcomes if o.results is not None]


def draft(companyfacts: Path, as_of: str, out: Path | None = None, force: bool = False) -> tuple[Any, Path]:
    """``stress draft``: a profile drafted from an SEC companyfacts file at the balance sheet of ``as_of``.

    ``as_of`` is an ISO date; the draft is written atomically; returns the facts gathered (``DraftFacts``) and
    the path.
    """
    import datetime as dt

    from stress.errors import OptionError, Problem
    from stress.io.companyfacts import read_companyfacts
    from stress.io.draft_facts import gather
    from stress.report.draft import write_draft

    try:
        date = dt.date.fromisoformat(as_of.strip())
    except ValueError:
        raise OptionError(problems=[Problem("--as-of", "expected a date such as 2025-09-30", as_of)]) from None
    if out is not None and not out.is_dir() and out.suffix.lower() not in (".yaml", ".yml"):
        raise OptionError(problems=[Problem("--out", "the draft must be written to a .yaml file (or a folder)", str(out))])
    facts = gather(read_companyfacts(companyfacts), date)
    return facts, write_draft(facts, out, force)


def schema(output: str | None = None, out: Path | None = None, force: bool = False) -> str:
    """``stress schema``: the JSON Schema of a profile, or with ``output`` of that command's ``--json`` document.

    With ``out`` it is also written there atomically, never over a file without ``force`` (a ReportError).
    """
    import json

    from stress.errors import OptionError, Problem
    from stress.report.documents import DOCUMENTS

    if output is not None and output not in DOCUMENTS:
        raise OptionError(problems=[Problem("--output", f"names no command with a --json document; commands: "
                                                        f"{', '.join(DOCUMENTS)}", output)])
    model = Company if output is None else DOCUMENTS[output]
    text = json.dumps(model.model_json_schema(mode="serialization" if output else "validation"), indent=2) + "\n"
    if out is not None:
        from stress.report.safe_write import write_atomic

        write_atomic(out, lambda tmp: tmp.write_text(text, encoding="utf-8"), force)
    return text


def memo(loaded: LoadedProfile, scenarios: list[Scenario], case: Case = Case.PLAN, paths: int = DEFAULT_PATHS, seed: int = DEFAULT_SEED,
         out: Path | None = None, force: bool = False) -> tuple[Path, int]:
    """``stress memo``: the credit memo as PDF, written atomically; returns its path and page count.

    The target is checked before any work (an existing file without ``force`` is a ReportError).
    """
    from stress.report.envelope import run_time
    from stress.report.memo import build_memo, gather
    from stress.report.memo import write as w

    company = loaded.company
    generated = run_time()
    w.target(out, force)  # before the work, not after it
    inputs = gather(run(loaded, scenarios, case=case), paths, seed, loaded.path, loaded.sha256, generated)
    data, pages = build_memo(inputs)
    return w.write_pdf(data, out, company, generated, force), pages


@dataclass(frozen=True)
class Checked:
    """One file ``stress validate`` checked: a profile or portfolio, and the loaded result or what is wrong."""

    path: str  # the file as resolved (as given when it could not be resolved)
    kind: Literal["profile", "portfolio"]
    result: Any  # LoadedProfile | CheckedPortfolio | InputError

    @property
    def valid(self) -> bool:
        """Whether the file loaded and passed every check."""
        from stress.errors import InputError

        return not isinstance(self.result, InputError)


def validate(paths: Sequence[str], sets: Sequence[str] = ()) -> list[Checked]:
    """``stress validate``: each path checked, in the order given.

    A path is a profile (with ``--set`` overrides) or, when its top level has ``members:``, a portfolio (its
    fields, member paths, member profiles and tranches). Nothing is raised for a file: each bad one is a
    ``Checked`` holding its InputError. A ``--set`` that leads nowhere in one profile is that profile's problem
    (a ProfileError naming the file), so a list of files says which ones it does not fit; a malformed ``--set``
    is one OptionError for all of them.
    """
    from stress.errors import InputError, OptionError, ProfileError
    from stress.io.overrides import parse_overrides
    from stress.io.portfolio import check_portfolio, is_portfolio_file
    from stress.io.profiles import resolve_profile

    try:
        parse_overrides(sets)
    except InputError as err:
        return [Checked(str(err.file), "profile", err)]
    checked = []
    for given in paths:
        path = Path(given)
        kind: Literal["profile", "portfolio"] = "profile"
        try:
            path = resolve_profile(given)
            kind = "portfolio" if is_portfolio_file(path) else "profile"
            result: Any = check_portfolio(path) if kind == "portfolio" else load_profile(path, sets)
        except OptionError as err:
            result = ProfileError(path, err.problems)
        except InputError as err:
            result = err
        checked.append(Checked(str(path), kind, result))
    return checked


@dataclass(frozen=True)
class Started:
    """A profile ``stress init`` wrote, and what it still needs before it validates."""

    path: Path
    todos: int  # TODO placeholders left to fill in
    other: int  # other problems (a copied profile's own)


def init(name: str, source: str | None = None, force: bool = False) -> Started:
    """``stress init``: a new profile to fill in, and what it still needs.

    A commented scaffold (or a copy of ``source`` with ``as_of`` to fill) written to ``companies/NAME.yaml`` or
    the path NAME; never replaces a file without ``force`` (a ReportError).
    """
    from stress.errors import InputError
    from stress.io.scaffold import copied_text, output_path, scaffold_text
    from stress.io.todo import TO_FILL
    from stress.report.safe_write import write_atomic

    target = output_path(name)
    label = target.stem if target == Path(name) else name  # a path given: its file name
    text = copied_text(source, target) if source else scaffold_text(label, target)
    write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force)
    try:
        load_profile(target)
    except InputError as err:
        todos = sum(p.message.startswith(TO_FILL) for p in err.problems)
        return Started(target, todos, len(err.problems) - todos)
    return Started(target, 0, 0)


def diff(a: str, b: str) -> Any:
    """``stress diff``: what moved between A and B (``stress.analysis.diff.Diff``).

    Two profiles, two ``run --json`` or two ``montecarlo --json`` results; an OptionError when A and B are not
    of one kind.
    """
    from stress.analysis.diff import diff as compare

    return compare(a, b)
