"""The public Python API: load a profile, run it under scenarios, read results as pandas.

    import stress
    res = stress.run("coreweave", scenarios=["baseline", "price_crash"])
    res.frame(1)           # quarters x lines and metrics under price_crash
    res.covenant_frame()   # headroom per covenant and quarter, baseline
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from stress.engine.compiled import compile_company
from stress.engine.finite import check_finite
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.worlds import Worlds, baseline_worlds
from stress.io.profiles import load_company
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.scenarios.build import build_worlds
from stress.scenarios.select import select


def run(company: Company | str | Path, scenarios: list[Scenario | str] | None = None, worlds: Worlds | None = None,
        case: Case | str = Case.PLAN) -> Results:
    """Project ``company`` (a Company, profile path or shipped name).

    ``scenarios``: Scenario objects or built-in names (``"all"`` alone for the
    whole library); default: the baseline only. ``worlds`` overrides both
    (sensitivity grids, Monte Carlo). ``case``: ``plan`` (default) counts planned
    financing and awarded contracts, ``committed`` only what was committed at as_of.

    Raises ``stress.engine.finite.NonFiniteError`` (a ``StressError``) naming the line item, scenario and
    quarter if any line of the projection turns NaN or infinite: no result is drawn from such figures.
    """
    case = Case(case)
    if not isinstance(company, Company):
        company = load_company(company)
    cc = compile_company(company, case)
    if worlds is None:
        worlds = build_worlds(cc, resolve(scenarios)) if scenarios else baseline_worlds(cc)
    with np.errstate(all="ignore"):  # an overflow is reported by the finite check, with its place
        projection = project(cc, worlds)
    return Results(check_finite(projection))


def resolve(scenarios: list[Scenario | str]) -> list[Scenario]:
    """Scenario objects from a mix of objects and built-in names; ``["all"]`` is the whole library."""
    if list(scenarios) == ["all"]:
        return select([])
    names = [s for s in scenarios if isinstance(s, str)]
    by_name = {s.name: s for s in select(names)} if names else {}
    return [by_name[s] if isinstance(s, str) else s for s in scenarios]
