"""The public Python API: load a profile, run it, read results as pandas.

    import stress
    res = stress.run("coreweave")
    res.frame()            # quarters x lines and metrics, baseline world
    res.covenant_frame()   # headroom per covenant and quarter
"""

from __future__ import annotations

from pathlib import Path

from stress.engine.compiled import compile_company
from stress.engine.project import project
from stress.engine.results import Results
from stress.engine.worlds import Worlds, baseline_worlds
from stress.io.profiles import load_company
from stress.model.company import Company


def run(company: Company | str | Path, worlds: Worlds | None = None) -> Results:
    """Project ``company`` (a Company, profile path or shipped name) over ``worlds`` (default: its baseline)."""
    if not isinstance(company, Company):
        company = load_company(company)
    cc = compile_company(company)
    return Results(project(cc, worlds if worlds is not None else baseline_worlds(cc)))
