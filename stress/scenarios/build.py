"""From scenarios to Worlds: one world per scenario, shocks applied in order."""

from __future__ import annotations

from stress.engine.compiled import CompiledCompany
from stress.engine.worlds import Worlds, baseline_worlds
from stress.errors import Problem, ScenarioError
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.scenario import Scenario
from stress.scenarios.transforms import apply


def reference_problems(cc: CompiledCompany, scenarios: list[Scenario]) -> list[Problem]:
    """Shocks that name a customer, GPU model or cohort the company does not have."""
    problems = []
    for sc in scenarios:
        for j, shock in enumerate(sc.shocks):
            where = f"{sc.name}.shocks[{j}]"
            if shock.kind == "customer_default" and shock.customer != "largest" and shock.customer not in cc.customers:
                problems.append(Problem(f"{where}.customer", f"no contract with this customer; customers: {cc.customers}", shock.customer))
            for g in getattr(shock, "models", []):
                if g not in cc.gpu_models:
                    problems.append(Problem(f"{where}.models", f"no such GPU model; models: {cc.gpu_models}", g))
            for k in getattr(shock, "cohorts", []):
                if k not in cc.cohort_names:
                    problems.append(Problem(f"{where}.cohorts", f"no such cohort; cohorts: {cc.cohort_names}", k))
    return problems


def scenario_world(cc: CompiledCompany, scenario: Scenario, case: Case | None = None) -> Worlds:
    """The single world of one scenario: the baseline of its case (``scenario.case``, else ``case``) with its
    shocks applied in order."""
    w = baseline_worlds(cc, 1, [scenario.name], scenario.case or case)
    for shock in scenario.shocks:
        w = apply(w, cc, shock)
    return w


def build_worlds(cc: CompiledCompany, scenarios: list[Scenario], case: Case | None = None) -> Worlds:
    """One world per scenario, in order, under ``case`` (default ``cc.case``) unless a scenario names its own;
    ScenarioError if a shock names what the company lacks."""
    problems = reference_problems(cc, scenarios)
    if problems:
        raise ScenarioError(f"scenarios for {cc.company.name}", problems, "scenario")
    return Worlds.concat([scenario_world(cc, sc, case) for sc in scenarios])


def with_other_baseline(scenarios: list[Scenario], case: Case, company: Company) -> list[Scenario]:
    """The scenarios with the baseline of the other case right after ``baseline``, so that every run shows
    what the firm does on committed financing alone beside what its plan needs; unchanged when there is no
    baseline or when the two cases count the same financing and contracts."""
    if not company.cases_differ:
        return scenarios
    other = Case.COMMITTED if case is Case.PLAN else Case.PLAN
    out: list[Scenario] = []
    for sc in scenarios:
        out.append(sc)
        if sc.name == "baseline" and not sc.shocks and sc.case is None:
            out.append(Scenario(name=f"baseline ({other.value})", description=f"the baseline on the {other.value} case",
                                case=other))
    return out
