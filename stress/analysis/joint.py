"""The joint Monte Carlo of a book: every firm in the same random worlds, tenants dragging their landlords.

``stress batch PORTFOLIO --paths N`` runs, after the scenario ranking, one simulation of the whole book,
not one per firm:

- **One market per path.** The common factors of ``stress.analysis.montecarlo`` (the GPU-hour price level
  with its crash jumps, the financing-market regime, the base rate's deviation from its path) are drawn
  once per chunk of paths, on the book's calendar (the first quarter of the earliest member to the last
  quarter of the latest), from the chunk's seed. Each firm takes the window of its own quarters
  (``Market.window``): the same crashes, closures and rate moves in the same calendar quarters, with the
  price level restarting at 1 at the firm's first quarter, since its curve is its view at its own as_of.
  The crash jumps also raise every firm's customer hazards together (the hazards' common factor).
- **Idiosyncratic draws per firm.** Utilisation, completion delays and overruns and the customers'
  exponential default thresholds come from a child seed per firm: the chunk's seed and the firm's position
  in the book sorted by the real path of its profile. Results depend neither on the worker count nor on
  the order of the members.
- **Customers that are members.** A contract with ``customer_profile: X`` (resolved like a member path:
  a shipped name or a path relative to the profile file) that reaches a member of the book by real path
  links that customer to X. Firms run in dependency order within each chunk (X before its landlord), and
  the customer stops paying in the calendar quarter X first defaults (liquidity or maturity) in that path,
  replacing its hazard draw: quarter 0 if X defaulted before the landlord's first quarter, never if X does
  not default inside the landlord's horizon. A cycle (A's customer is B, B's is A) is refused; a named
  profile that is not in the book, or cannot be run, leaves the customer on the hazard model, with a note.
- **Figures.** Per firm: the probability of default (within its own horizon) with its Wilson 95%
  interval; per exposure: loss given default from the default waterfall at the default quarter
  (``stress.analysis.recovery``, as in ``stress montecarlo``) and expected loss; for the book: the
  distribution of the number of firms defaulting per path, beside what independent defaults at the same
  probabilities would give; for each linked pair, the paths in which tenant, landlord and both default.

Each chunk is vectorised over its paths; chunks run in worker processes, each with its own child of the
seed, in chunk order. Same seed, same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from stress.analysis.batch import FirmTask
from stress.analysis.montecarlo import DefaultPaths, draw_market, first_default, keep_lines, stochastic_worlds
from stress.analysis.pools import worker_pool
from stress.analysis.portfolio import profile_identity
from stress.analysis.recovery import exposure_outcome
from stress.engine import finite
from stress.engine.compiled import CompiledCompany, compile_company
from stress.engine.project import DEFAULT_CHUNK, project
from stress.engine.timeline import NEVER
from stress.errors import StressError
from stress.io.portfolio import customer_profile_path
from stress.io.profiles import load_profile, resolve_profile
from stress.model.montecarlo import MonteCarloParams
from stress.model.portfolio import Exposure


class JointCycleError(StressError):
    """Firms whose contracts name each other as customers (directly or round a loop): no order to run them in."""


@dataclass(frozen=True)
class _Firm:
    """One member firm as the chunks run it."""

    profile: str  # the task's profile, as given
    identity: str  # real path
    cc: CompiledCompany
    params: MonteCarloParams
    position: int  # in the book sorted by identity: its seed
    start: int  # calendar quarter of its first quarter
    exposures: list[Exposure | None]  # one per task exposure slot; None: none held or not valuable on this firm
    links: list[tuple[int, int]]  # (customer index, index of the firm it is)


@dataclass(frozen=True)
class JointPlan:
    """The firms in run order (each after the firms its customers are), the calendar and the notes."""

    firms: list[_Firm]
    task_index: list[int]  # per firm, its task in the book
    calendar: list[str]
    params: MonteCarloParams
    notes: list[str] = field(default_factory=list)


def _cycle(order_left: dict[int, set[int]], names: list[str]) -> str:
    """A loop among the firms left unsorted, as 'A -> B -> A' (a firm's customer after it)."""
    node = min(order_left)
    seen: list[int] = []
    while node not in seen:
        seen.append(node)
        node = min(order_left[node] & order_left.keys())
    loop = seen[seen.index(node):] + [node]
    return " -> ".join(names[i] for i in loop)


def plan_joint(tasks: list[FirmTask], params: MonteCarloParams | None = None) -> JointPlan:
    """Load and compile each runnable task, link customers that are members, and order the firms.

    A task whose profile cannot be loaded (or whose path was refused) is left out with a note (the batch
    reports why); a cycle of customers raises ``JointCycleError``.
    """
    params = params or MonteCarloParams()
    notes: list[str] = []
    loaded: list[tuple[int, str, CompiledCompany, Path]] = []
    for t, task in enumerate(tasks):
        if task.refused is not None:
            continue
        try:
            cc = compile_company(load_profile(task.profile).company, task.case)
            path = Path(resolve_profile(task.profile))
        except StressError:
            notes.append(f"{task.profile}: not in the joint simulation (its profile could not be loaded; see the failures)")
            continue
        loaded.append((t, profile_identity(task.profile), cc, path))
    by_identity = sorted(range(len(loaded)), key=lambda i: loaded[i][1])
    position = {i: k for k, i in enumerate(by_identity)}
    where = {loaded[i][1]: i for i in range(len(loaded))}
    names = [cc.company.ticker or cc.company.name for _, _, cc, _ in loaded]

    links: list[list[tuple[int, int]]] = [[] for _ in loaded]
    for i, (_, _, cc, path) in enumerate(loaded):
        for u, customer in enumerate(cc.customers):
            named = list(dict.fromkeys(c.customer_profile for c in cc.company.contracts
                                       if c.customer == customer and c.customer_profile))
            if not named:
                continue
            if len(named) > 1:
                notes.append(f"{names[i]}: customer {customer!r} names several profiles ({', '.join(named)}); the first is used")
            j = where.get(customer_profile_path(named[0], path))
            if j is None:
                notes.append(f"{names[i]}: customer {customer!r} is profile {named[0]!r}, which is not in the book "
                             "(or could not be run): its defaults follow the hazard model")
                continue
            links[i].append((u, j))

    # dependency order: a firm runs after every firm that is one of its customers; ties by position
    needs = {i: {j for _, j in links[i]} for i in range(len(loaded))}
    order: list[int] = []
    left = dict(needs)
    while left:
        ready = sorted((i for i, deps in left.items() if not deps & left.keys()), key=position.__getitem__)
        if not ready:
            raise JointCycleError("customers that are profiles form a cycle (a firm's customer after it): "
                                  f"{_cycle(left, names)}; the joint simulation needs each tenant to run before "
                                  "its landlord. Remove a customer_profile from one of these contracts")
        for i in ready:
            order.append(i)
            del left[i]

    firsts = [cc.timeline.quarters[0] for _, _, cc, _ in loaded]
    lasts = [cc.timeline.quarters[-1] for _, _, cc, _ in loaded]
    calendar = [str(q) for q in pd.period_range(min(firsts), max(lasts), freq="Q")] if loaded else []
    run_index = {i: k for k, i in enumerate(order)}
    firms = []
    for i in order:
        t, identity, cc, _ = loaded[i]
        own = cc.company.montecarlo
        if own is not None and own != params:
            notes.append(f"{names[i]}: its profile's Monte Carlo parameters apply to its own draws; the common "
                         "market uses the book's")
        exposures = [e if e is not None and (e.tranche is None or e.tranche in cc.tranche_names) else None
                     for e in tasks[t].exposures]
        firms.append(_Firm(tasks[t].profile, identity, cc, own or params, position[i],
                           int((firsts[i] - min(firsts)).n), exposures, [(u, run_index[j]) for u, j in links[i]]))
    return JointPlan(firms, [loaded[i][0] for i in order], calendar, params, notes)


@dataclass(frozen=True)
class _Chunk:
    default_q: list[np.ndarray]  # per firm (run order), (n,) in its own quarters, NEVER if none
    recovery: list[list[np.ndarray | None]]  # per firm, per exposure slot, (n,) NaN where no default
    customer_q: list[list[np.ndarray]]  # per firm, per link, (n,) the quarter the linked customer stops paying, or NEVER
    problem: tuple[int, finite.NonFinite] | None  # the first non-finite cash figure (firm, where)


def _seeds(chunk_seed: np.random.SeedSequence, positions: list[int]) -> tuple[np.random.SeedSequence, list[np.random.SeedSequence]]:
    """The market's seed and each firm's: children of the chunk's seed, keyed 0 and 1 + the firm's position."""
    def child(k: int) -> np.random.SeedSequence:
        return np.random.SeedSequence(chunk_seed.entropy, spawn_key=(*chunk_seed.spawn_key, k))
    return child(0), [child(1 + p) for p in positions]


def _in_horizon(quarter: np.ndarray, q: int) -> np.ndarray:
    """(n,) quarters counted from a firm's first quarter, as quarters of its ``q``-quarter horizon: one before
    the first is 0 (it has already happened), one at or after the end is NEVER (as ``NEVER - start`` is)."""
    return np.where(quarter < q, np.maximum(quarter, 0), NEVER)


def simulate_chunk(plan: JointPlan, n: int, chunk_seed: np.random.SeedSequence) -> _Chunk:
    """``n`` paths of the whole book: one market, then each firm in run order, its linked customers following
    the firms they are."""
    market_seed, firm_seeds = _seeds(chunk_seed, [f.position for f in plan.firms])
    market = draw_market(np.random.default_rng(market_seed), plan.params, n, len(plan.calendar))
    calendar_default: list[np.ndarray] = []  # per firm run, (n,) calendar quarter of its default, NEVER if none
    out = _Chunk([], [], [], None)
    for k, (firm, seed) in enumerate(zip(plan.firms, firm_seeds, strict=True)):
        cc, q = firm.cc, firm.cc.n_quarters
        worlds = stochastic_worlds(cc, firm.params, n, np.random.default_rng(seed), market.window(firm.start, q))
        linked = []
        if firm.links:
            stops = worlds.default_q.copy()
            for u, j in firm.links:
                stops[:, u] = _in_horizon(calendar_default[j] - firm.start, q)
                linked.append(stops[:, u])
            worlds = replace(worlds, default_q=stops)
        with np.errstate(all="ignore"):
            p = project(cc, worlds, chunk=n, keep=keep_lines(cc))
            default_q = first_default(p)
            # an exposure defaults with the firm, or first with a non-recourse vehicle it lends to
            recovery = [None if e is None else exposure_outcome(cc, p, default_q, e.tranche, e.seniority)[1]
                        for e in firm.exposures]
        cash = p["cash"]
        bad = np.argwhere(~np.isfinite(cash))
        if bad.size and out.problem is None:
            path, quarter = (int(v) for v in bad[0])
            out = replace(out, problem=(k, finite.NonFinite("line 'cash'", f"path {path} of a chunk", cc.timeline.labels[quarter],
                                                            float(cash[path, quarter]))))
        calendar_default.append(np.where(default_q == NEVER, NEVER, default_q + firm.start))
        out.default_q.append(default_q)
        out.recovery.append(recovery)
        out.customer_q.append(linked)
    return out


#: A worker's copy of the plan, sent once per worker rather than once per chunk.
_PLAN: JointPlan | None = None


def _share(plan: JointPlan) -> None:
    global _PLAN
    _PLAN = plan


def _simulate_shared(n: int, seed: np.random.SeedSequence) -> _Chunk:
    return simulate_chunk(_PLAN, n, seed)  # type: ignore[arg-type]


@dataclass(frozen=True)
class JointFirm(DefaultPaths):
    """One member's figures in the joint simulation."""

    profile: str
    name: str
    ticker: str
    quarters: list[str]
    start: int  # calendar quarter of its first quarter
    default_q: np.ndarray  # (paths,) in its own quarters, NEVER if none
    exposures: list[Exposure | None]  # per task exposure slot (None: not held, or not valuable on this firm)
    recovery: list[np.ndarray | None]  # per slot, (paths,) NaN where the exposure does not default

    def exposure_pd(self, k: int) -> float | None:
        """Share of paths where exposure ``k`` defaults: with the firm, or first with the vehicle it lends to."""
        rr = self.recovery[k]
        return None if rr is None else float((~np.isnan(rr)).mean())

    def loss_given_default(self, k: int) -> float | None:
        """Mean LGD over the paths where the exposure defaults: with the firm, or with its vehicle first."""
        rr = self.recovery[k]
        hit = None if rr is None else ~np.isnan(rr)
        return None if rr is None or not hit.any() else float(1.0 - rr[hit].mean())  # type: ignore[union-attr]

    def expected_loss(self, k: int) -> float | None:
        """USD: the exposure x the mean over paths of (the exposure's default x LGD of that path)."""
        e, rr = self.exposures[k], self.recovery[k]
        if e is None or rr is None:
            return None
        return float(e.amount * np.where(np.isnan(rr), 0.0, 1.0 - np.nan_to_num(rr)).mean())


@dataclass(frozen=True)
class JointLink:
    """A landlord's customer that is another member (the tenant)."""

    landlord: int  # index in JointResult.firms
    tenant: int
    customer: str  # as the landlord's contracts name it
    customer_q: np.ndarray  # (paths,) quarter of the landlord's horizon the customer stops paying, NEVER if it does not


@dataclass(frozen=True)
class JointResult:
    paths: int
    seed: int
    params: MonteCarloParams
    calendar: list[str]
    firms: list[JointFirm]  # in book order
    links: list[JointLink]
    notes: list[str]

    def defaults_per_path(self) -> np.ndarray:
        """(paths,) how many firms default in each path (each within its own horizon)."""
        return np.sum([f.defaulted for f in self.firms], axis=0) if self.firms else np.zeros(self.paths, dtype=int)

    def count_distribution(self) -> list[float]:
        """P(k firms default), k = 0 .. number of firms."""
        return (np.bincount(self.defaults_per_path(), minlength=len(self.firms) + 1) / self.paths).tolist()

    def independent_distribution(self) -> list[float]:
        """The same, were the firms' defaults independent at their joint-simulation PDs (for comparison)."""
        dist = np.array([1.0])
        for f in self.firms:
            p = f.probability_of_default
            dist = np.concatenate([dist * (1 - p), [0.0]]) + np.concatenate([[0.0], dist * p])
        return dist.tolist()

    def expected_loss(self) -> float:
        """USD over every exposure that could be valued."""
        return float(sum(v for f in self.firms for k in range(len(f.exposures)) if (v := f.expected_loss(k)) is not None))

    def link_rows(self) -> list[dict]:
        rows = []
        for link in self.links:
            landlord, tenant = self.firms[link.landlord], self.firms[link.tenant]
            both = landlord.defaulted & tenant.defaulted
            rows.append({"landlord": landlord.ticker, "tenant": tenant.ticker, "customer": link.customer,
                         "tenant_defaults": int(tenant.defaulted.sum()),
                         "customer_stops_paying": int((link.customer_q != NEVER).sum()),
                         "landlord_defaults": int(landlord.defaulted.sum()), "joint_defaults": int(both.sum()),
                         "joint_if_independent": landlord.probability_of_default * tenant.probability_of_default * self.paths,
                         "landlord_pd_given_tenant_default": float(landlord.defaulted[tenant.defaulted].mean()) if tenant.defaulted.any() else None})
        return rows

    def firm_rows(self) -> list[dict]:
        rows = []
        for f in self.firms:
            lo, hi = f.pd_interval
            rows.append({"profile": f.profile, "firm": f.name, "ticker": f.ticker, "probability_of_default": f.probability_of_default,
                         "pd_low": lo, "pd_high": hi, "default_paths": int(f.defaulted.sum()),
                         "horizon": f"{f.quarters[0]}-{f.quarters[-1]}" if f.quarters else ""})
        return rows

    def exposure_rows(self) -> list[dict]:
        rows = []
        for f in self.firms:
            for k, e in enumerate(f.exposures):
                if e is None:
                    continue
                rows.append({"firm": f.name, "ticker": f.ticker, "amount": e.amount, "tranche": e.tranche,
                             "seniority": e.seniority.value if e.seniority else None,
                             "probability_of_default": f.exposure_pd(k),
                             "loss_given_default": f.loss_given_default(k), "expected_loss": f.expected_loss(k)})
        return rows

    def as_dict(self) -> dict:
        return {"paths": self.paths, "seed": self.seed, "calendar": [self.calendar[0], self.calendar[-1]] if self.calendar else [],
                "firms": self.firm_rows(), "exposures": self.exposure_rows(), "expected_loss": self.expected_loss(),
                "defaults_per_path": {str(k): p for k, p in enumerate(self.count_distribution())},
                "defaults_per_path_if_independent": {str(k): p for k, p in enumerate(self.independent_distribution())},
                "links": self.link_rows(), "notes": list(self.notes)}


def run_joint(tasks: list[FirmTask], paths: int, seed: int, params: MonteCarloParams | None = None,
              chunk: int = DEFAULT_CHUNK, jobs: int | None = None, plan: JointPlan | None = None) -> JointResult:
    """The joint Monte Carlo of the book's tasks: ``paths`` paths in chunks, each chunk from its own child of
    ``seed`` (so the answer does not depend on ``jobs``: worker processes, default the core count, 1 in-process)."""
    plan = plan or plan_joint(tasks, params)
    sizes = [min(chunk, paths - i) for i in range(0, paths, chunk)]
    children = np.random.SeedSequence(seed).spawn(len(sizes))
    jobs = min(jobs or os.cpu_count() or 1, len(sizes))
    if not plan.firms:
        parts: list[_Chunk] = []
    elif jobs == 1:
        parts = [simulate_chunk(plan, n, s) for n, s in zip(sizes, children, strict=True)]
    else:
        with worker_pool(max_workers=jobs, initializer=_share, initargs=(plan,)) as pool:
            parts = list(pool.map(_simulate_shared, sizes, children))
    for part in parts:
        if part.problem is not None:  # bounds keep inputs plausible; if a path still overflows, no PD is drawn
            k, where = part.problem
            raise finite.NonFiniteError(where, plan.firms[k].cc.company.name)
    order = sorted(range(len(plan.firms)), key=plan.task_index.__getitem__)  # book order
    shown = {k: i for i, k in enumerate(order)}
    firms, links = [], []
    for k in order:
        f = plan.firms[k]
        recovery = [None if e is None else np.concatenate([p.recovery[k][s] for p in parts])  # type: ignore[misc]
                    for s, e in enumerate(f.exposures)]
        firms.append(JointFirm(f.profile, f.cc.company.name, f.cc.company.ticker, f.cc.timeline.labels, f.start,
                               np.concatenate([p.default_q[k] for p in parts]), f.exposures, recovery))
        for m, (u, j) in enumerate(f.links):
            links.append(JointLink(shown[k], shown[j], f.cc.customers[u], np.concatenate([p.customer_q[k][m] for p in parts])))
    return JointResult(paths, seed, plan.params, plan.calendar, firms, links, plan.notes)
