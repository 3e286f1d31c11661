"""Build programmes: capex bought only when funded, deferred, then cancelled; contracts that move with
their capacity. Compiled once per company; ``buy`` runs once a quarter, vectorised over worlds.

Funding sources ``S`` are the tranches (``T``), then the equity raises (``E``), then cash: column ``S - 1``.
Each capex cohort ``k`` has a row of shares over them (``CompiledProgrammes.funding``). Sources are of two
sorts: *facilities* drawn as the cohort is bought (delayed-draw, revolver, vendor financing, and a legacy
``funded_by``), and *proceeds* raised in full when they open and earmarked for the programme (notes,
convertibles and term loans undrawn at as_of, equity raises). A cohort due in a world is bought only if
*every* source can pay its share in that world and quarter: an open facility, before the end of its
drawing period, with that much undrawn; proceeds received with that much unspent; and cash above the
minimum for the cash and proceeds shares (proceeds are cash the firm holds). Otherwise it waits; a cohort
still unbought ``max_deferral`` quarters after it was due cancels its programme (its unbought cohorts and
contracts). Cohorts are decided in a fixed priority: those funded only by committed sources first (what
the firm has signed for comes before what it hopes to raise), then by scheduled quarter, then profile
order.
A cohort outside any programme is its own programme; one with ``funded_by`` draws its share on that
facility up to the facility's headroom and pays the rest from cash, as profiles written before programmes
expect.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stress.engine.contracts import ContractTerm, contract_terms
from stress.engine.financing import CENT
from stress.engine.rows import rowsum
from stress.engine.timeline import NEVER, Timeline
from stress.model.capital import Case
from stress.model.company import Company
from stress.model.programme import CASH

#: A capex cohort outside any programme is its own programme, named after it with this suffix.
COHORT_SUFFIX = " (cohort)"

#: Programme status codes per world and quarter (``Projection.programme_status``).
STATUS_NAMES = ("scheduled", "deferred", "building", "delivered", "cancelled")
SCHEDULED, DEFERRED, BUILDING, DELIVERED, CANCELLED = range(5)


@dataclass(frozen=True)
class CompiledProgrammes:
    """Capex cohorts are indexed as in CompiledCompany (fleet rows have no funding); ``P`` programmes."""

    names: list[str]  # (P,) the profile's programmes, then one per capex cohort outside any
    cohort_programme: np.ndarray  # (K,) int, -1 for owned cohorts
    funding: np.ndarray  # (K, S) share of cost from each source
    sources: list[np.ndarray]  # (K,) the source columns (< S - 1) each cohort draws on, empty for owned ones
    topped_up: np.ndarray  # (K,) int: a ``funded_by`` facility whose shortfall cash makes up; -1 for none
    source_is_proceeds: np.ndarray  # (S - 1,) bool: raised in full (notes, converts, term loans, equity)
    source_earmarked: np.ndarray  # (S - 1,) bool: proceeds a programme names: kept for it, not for other cash uses
    planned_share: np.ndarray  # (K,) share of cost from sources that are planned (the funding gap)
    order: np.ndarray  # capex cohort indices in purchase priority
    membership: np.ndarray  # (K, P) 1.0 where cohort k belongs to programme p
    schedule_q: np.ndarray  # (K,) int quarter each cohort is scheduled to be bought, as the profile has it
    max_deferral: np.ndarray  # (P,) int quarters
    hall_ready_q: np.ndarray  # (P,) int: quarter from which its halls are commenced (-1 when none or already)
    contract_programme: np.ndarray  # (C,) int, -1 when none
    contract_cancel_after: np.ndarray  # (C,) int quarters of slip tolerated; NEVER: never lost to lateness
    contract_slack: np.ndarray  # (C,) int quarters between its capacity's scheduled delivery and its own start
    contract_in_case: np.ndarray  # (2, C) bool: counted in the committed case (row 0) and the plan case (row 1)

    @cached_property
    def linked(self) -> _Linked:
        """The contracts tied to programmes and those programmes' cohorts, laid out once (``_Linked``)."""
        return _Linked.of(self)

    @property
    def cohort_hall_q(self) -> np.ndarray:
        """(K,) quarter from which each cohort's hall is commenced (-1: none, or owned)."""
        return np.where(self.cohort_programme >= 0, self.hall_ready_q[np.maximum(self.cohort_programme, 0)], -1) \
            if len(self.names) else np.full(len(self.cohort_programme), -1)


def compile_programmes(company: Company, tl: Timeline, source_names: list[str], source_planned: np.ndarray,
                       source_is_proceeds: np.ndarray) -> CompiledProgrammes:
    """``source_names``: tranche then equity names (S - 1); ``source_planned``, ``source_is_proceeds`` (S - 1,)."""
    n_fleet, n_s = len(company.fleet), len(source_names) + 1
    names = [p.name for p in company.programmes]
    names += [f"{k.name}{COHORT_SUFFIX}" for k in company.capex_plan if k.programme is None]
    by_name = {p.name: p for p in company.programmes}
    funding = np.zeros((len(company.cohorts), n_s))
    prog = np.full(len(company.cohorts), -1, dtype=int)
    topped_up = np.full(len(company.cohorts), -1, dtype=int)
    for i, k in enumerate(company.capex_plan):
        row = n_fleet + i
        if k.programme is not None:
            prog[row] = names.index(k.programme)
            for f in by_name[k.programme].funding:
                funding[row, n_s - 1 if f.source == CASH else source_names.index(f.source)] += f.share
        else:
            prog[row] = names.index(f"{k.name}{COHORT_SUFFIX}")
            if k.funded_by is not None:
                topped_up[row] = source_names.index(k.funded_by)
                funding[row, topped_up[row]] = k.funded_share
            funding[row, n_s - 1] += 1.0 - (k.funded_share if k.funded_by is not None else 0.0)
    planned_share = funding[:, :-1] @ source_planned.astype(float)
    capex = np.flatnonzero(prog >= 0)
    in_q = np.array([tl.index_of(k.in_service) for k in company.cohorts], dtype=int)
    order = np.array(sorted(capex, key=lambda k: (planned_share[k] > 0, in_q[k], k)), dtype=int)
    membership = np.zeros((len(prog), len(names)))
    membership[capex, prog[capex]] = 1.0
    default = company.treasury.max_capex_deferral_quarters
    terms = contract_terms(company)
    contracts = [t.contract for t in terms]  # renewal terms follow their contract's programme
    ready_q = {p: max(in_q[k] for k in capex if prog[k] == p) + 1 for p in set(prog[capex])}  # scheduled delivery
    hall_q = np.full(len(names), -1, dtype=int)
    for x in company.leases:
        if x.programme is not None:
            p = names.index(x.programme)
            hall_q[p] = max(hall_q[p], tl.index_of(x.start))
    return CompiledProgrammes(
        names=names,
        cohort_programme=prog,
        funding=funding,
        sources=[np.flatnonzero(funding[k, :-1] > 0) for k in range(len(prog))],
        topped_up=topped_up,
        source_is_proceeds=source_is_proceeds,
        source_earmarked=source_is_proceeds & (funding[:, :-1] > 0).any(axis=0),
        planned_share=planned_share,
        order=order,
        membership=membership,
        schedule_q=in_q,
        max_deferral=np.array([by_name[n].max_deferral_quarters if n in by_name and by_name[n].max_deferral_quarters
                               is not None else default for n in names], dtype=int),
        hall_ready_q=hall_q,
        contract_programme=np.array([names.index(c.programme) if c.programme else -1 for c in contracts], dtype=int),
        contract_cancel_after=np.array([NEVER if c.cancel_after_quarters is None else c.cancel_after_quarters
                                        for c in contracts], dtype=int),
        contract_slack=_slack(terms, tl, names, ready_q),
        contract_in_case=np.array([[company.counts_contract(c.status, case) for c in contracts]
                                   for case in (Case.COMMITTED, Case.PLAN)], dtype=bool).reshape(2, len(contracts)),
    )


def _slack(terms: list[ContractTerm], tl: Timeline, names: list[str], ready_q: dict[int, int]) -> np.ndarray:
    """(C,) quarters between each term's capacity's scheduled delivery and the start of its contract: a
    renewal term moves with the contract it renews, so it has that contract's slack."""
    own = [max(tl.index_of(t.contract.start) - ready_q.get(names.index(t.contract.programme), 0), 0)
           if t.contract.programme else 0 for t in terms]
    return np.array([own[t.renews] if t.is_renewal else own[i] for i, t in enumerate(terms)], dtype=int)


@dataclass
class ProgrammeState:
    """Per world: when each cohort was bought, what is cancelled, which contracts are lost."""

    buy_q: np.ndarray  # (W, K) int purchase quarter (owned cohorts: their in-service quarter); NEVER if not bought
    cancelled: np.ndarray  # (W, P) bool
    lost: np.ndarray  # (W, C) bool: contracts lost to late delivery or cancellation
    settled: np.ndarray  # (K,) bool: bought or cancelled in every world of the chunk

    @classmethod
    def opening(cls, in_q: np.ndarray, is_capex: np.ndarray, n_programmes: int, n_contracts: int) -> ProgrammeState:
        n_w = in_q.shape[0]
        return cls(np.where(is_capex[None, :], NEVER, in_q), np.zeros((n_w, n_programmes), dtype=bool),
                   np.zeros((n_w, n_contracts), dtype=bool), np.zeros(in_q.shape[1], dtype=bool))


def cohort_cancelled(cp: CompiledProgrammes, st: ProgrammeState) -> np.ndarray:
    """(W, K) bool: the cohort's programme is cancelled (owned cohorts never are)."""
    if not len(cp.names):
        return np.zeros(st.buy_q.shape, dtype=bool)
    return st.cancelled[:, np.maximum(cp.cohort_programme, 0)] & (cp.cohort_programme >= 0)[None, :]


@dataclass(frozen=True)
class Purchases:
    bought: np.ndarray  # (W, K) bool bought this quarter
    draws: np.ndarray  # (W, T) facility draws for them
    earmark_used: np.ndarray  # (W, T + E) proceeds spent on them
    cash_paid: np.ndarray  # (W,) from cash (cash and proceeds shares)
    deferred: np.ndarray  # (W,) USD of capex due and not bought this quarter
    cancelled: np.ndarray  # (W,) USD of capex cancelled this quarter


@dataclass
class _Funds:
    """What this quarter's purchases may still use, (W, S - 1) and (W,): made only once some cohort is due."""

    room: np.ndarray  # what each source can pay: a facility's headroom, or its proceeds received and unspent
    start: np.ndarray  # ``room`` before any purchase
    held: np.ndarray  # cash above the minimum, earmarked proceeds included
    free: np.ndarray  # what the cash shares may use: not others' proceeds

    @classmethod
    def of(cls, cp: CompiledProgrammes, cash_free: np.ndarray, headroom: np.ndarray, earmarked: np.ndarray) -> _Funds:
        n_w, n_t = headroom.shape
        padded = np.concatenate([headroom, np.zeros((n_w, earmarked.shape[1] - n_t))], axis=1)
        room = np.where(cp.source_is_proceeds[None, :], earmarked, padded)
        return cls(room, room.copy(), cash_free.copy(), np.maximum(cash_free - rowsum(earmarked), 0.0))


def buy(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray, cost: np.ndarray, cash_free: np.ndarray,
        headroom: np.ndarray, earmarked: np.ndarray, to_pay: np.ndarray | None = None) -> Purchases:
    """Decide this quarter's purchases, cohort by cohort in priority order (loops over cohorts, never worlds).

    ``due_q`` (W, K) scheduled purchase quarter (delays included); ``cost`` (W, K) USD; ``to_pay`` (W, K) what
    is still to pay (``cost`` less construction in progress; default ``cost``), what the sources must cover (a
    facility may lend against the rest, see ``_decide``); ``cash_free`` (W,)
    cash above the minimum; ``headroom`` (W, T) what each facility may still draw now; ``earmarked``
    (W, T + E) proceeds received and unspent. Mutates ``st``; the caller applies draws and payments.
    A quarter in which nothing is bought, waits or is cancelled (most, late in a run) returns zeros at once.
    """
    n_w, n_t = headroom.shape
    to_pay = cost if to_pay is None else to_pay
    bought = np.zeros(due_q.shape, dtype=bool)
    funds, waited, was_cancelled = None, False, None
    first_due = due_q.min(axis=0, initial=NEVER) if len(cp.order) else None  # (K,): none due before this quarter
    for k in cp.order:
        if q < first_due[k] or st.settled[k]:  # type: ignore[index]
            continue
        p = cp.cohort_programme[k]
        pending = (st.buy_q[:, k] == NEVER) & ~st.cancelled[:, p]
        if not pending.any():  # bought or cancelled in every world: nothing left to decide, ever
            st.settled[k] = True
            continue
        due = pending & (q >= due_q[:, k])
        if not due.any():
            continue
        if funds is None:
            funds = _Funds.of(cp, cash_free, headroom, earmarked)
        ok = _decide(cp, k, funds, due, cost, to_pay)
        bought[:, k] = ok
        st.buy_q[:, k] = np.where(ok, q, st.buy_q[:, k])
        late = due & ~ok
        if late.any():
            waited = True
            cancel = late & (q - due_q[:, k] >= cp.max_deferral[p])
            if cancel.any():
                was_cancelled = st.cancelled.copy() if was_cancelled is None else was_cancelled
                st.cancelled[:, p] |= cancel
    return _purchases(cp, st, q, due_q, to_pay, cash_free, headroom, earmarked, bought, funds, waited, was_cancelled)


def _decide(cp: CompiledProgrammes, k: int, funds: _Funds, due: np.ndarray, cost: np.ndarray,
            to_pay: np.ndarray) -> np.ndarray:
    """(W,) bool: cohort ``k`` is bought where it is ``due`` and every source can pay its share of what is still
    ``to_pay``; takes what it uses from ``funds``.

    A facility then also lends, as far as its room allows, its share of what was spent before as_of
    (``cost - to_pay``, construction in progress): a lender advances against delivered equipment, and the
    draw gives that cash back. A cohort already paid for needs nothing, so it is bought even where its
    facility never opens."""
    room, free, held = funds.room, funds.free, funds.held
    cols = cp.sources[k]
    shares = cp.funding[k, cols][None, :]
    need = to_pay[:, k, None] * shares  # (W, n sources)
    from_cash = to_pay[:, k] * cp.funding[k, -1]
    if cp.topped_up[k] >= 0:  # a funded_by facility pays what its headroom allows, cash the rest
        short = np.maximum(need[:, 0] - room[:, cp.topped_up[k]], 0.0)
        need[:, 0] -= short
        from_cash = from_cash + short
    from_proceeds = rowsum(need * cp.source_is_proceeds[cols][None, :])  # proceeds are held as cash
    spend = from_cash + from_proceeds
    ok = (due & np.all(room[:, cols] >= need - CENT, axis=1) & ((from_cash <= CENT) | (free >= from_cash - CENT))
          & ((spend <= CENT) | (held >= spend - CENT)))
    lends = ~cp.source_is_proceeds[cols][None, :]
    advance = np.where(ok[:, None] & lends,
                       np.clip(np.minimum((cost[:, k] - to_pay[:, k])[:, None] * shares, room[:, cols] - need), 0.0, None), 0.0)
    room[:, cols] -= np.where(ok[:, None], need, 0.0) + advance
    back = rowsum(advance)  # cash spent before as_of, lent back against the cohort
    free -= np.where(ok, from_cash, 0.0) - back
    held -= np.where(ok, spend, 0.0) - back
    return ok


def _purchases(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray, cost: np.ndarray,
               cash_free: np.ndarray, headroom: np.ndarray, earmarked: np.ndarray, bought: np.ndarray,
               funds: _Funds | None, waited: bool, was_cancelled: np.ndarray | None) -> Purchases:
    """The quarter's ``Purchases``; each total is worked out only when it can be other than zero (something
    bought, some cohort waiting, some programme cancelled: ``was_cancelled`` (W, P) is the state before), since
    the zeros it would add up are exact."""
    n_w, n_t = headroom.shape
    zeros = np.zeros(n_w)
    if funds is not None and bought.any():
        used = funds.start - funds.room
        draws = np.where(cp.source_is_proceeds[None, :n_t], 0.0, used[:, :n_t])
        earmark_used, cash_paid = np.where(cp.source_is_proceeds[None, :], used, 0.0), cash_free - funds.held
    else:
        draws, earmark_used, cash_paid = np.zeros_like(headroom), np.zeros_like(earmarked), zeros
    deferred = cancelled = zeros
    if waited or was_cancelled is not None:
        cancelled_k = st.cancelled[:, np.maximum(cp.cohort_programme, 0)]  # (W, K) the cohort's programme is cancelled
        unbought = (st.buy_q == NEVER) & (cp.cohort_programme >= 0)[None, :]
        if waited:
            deferred = rowsum(np.where(unbought & (q >= due_q) & ~cancelled_k, cost, 0.0))
        if was_cancelled is not None:
            newly = unbought & cancelled_k & ~was_cancelled[:, np.maximum(cp.cohort_programme, 0)]
            cancelled = rowsum(np.where(newly, cost, 0.0))
    return Purchases(bought, draws, earmark_used, cash_paid, deferred, cancelled)


@dataclass(frozen=True)
class _Linked:
    """Where the contracts tied to a programme sit, fixed per company: worked out once, read every quarter.

    ``contracts`` (CL,) the linked contract terms; ``programmes`` (PL,) the programmes they name, sorted;
    ``col`` (CL,) each contract's column in ``programmes``; ``programme`` (CL,) its programme index;
    ``cohorts`` (PL, N) each programme's cohorts, padded to the largest programme's N with its first, and
    ``real`` (PL, N, 1) bool marking the cohorts that are not padding."""

    contracts: np.ndarray
    programmes: np.ndarray
    col: np.ndarray
    programme: np.ndarray
    cohorts: np.ndarray
    real: np.ndarray

    @classmethod
    def of(cls, cp: CompiledProgrammes) -> _Linked:
        linked = np.flatnonzero(cp.contract_programme >= 0)
        used = np.unique(cp.contract_programme[linked])
        groups = [np.flatnonzero(cp.cohort_programme == p) for p in used]
        width = max((len(g) for g in groups), default=0)
        cohorts = np.array([[*g, *[g[0]] * (width - len(g))] for g in groups], dtype=np.intp).reshape(len(groups), width)
        real = np.array([[i < len(g) for i in range(width)] for g in groups], dtype=bool).reshape(len(groups), width, 1)
        return cls(linked, used, np.searchsorted(used, cp.contract_programme[linked]), cp.contract_programme[linked],
                   cohorts, real)


def delivery(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray,
             programmes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each of ``programmes`` (indices) stands at the start of quarter ``q``, (W, len) each:
    ``delivered`` (some of it earns and none that was due is missing), ``slip`` (quarters its purchases ran
    late against the profile's schedule, the most of any cohort: a delay shock or unfunded waiting alike) and
    ``lateness`` (slip including cohorts still waiting). Every programme has at least one cohort."""
    groups = [np.flatnonzero(cp.cohort_programme == p) for p in programmes]
    width = max(len(g) for g in groups)
    cohorts = np.array([[*g, *[g[0]] * (width - len(g))] for g in groups], dtype=np.intp)
    real = np.array([[i < len(g) for i in range(width)] for g in groups], dtype=bool)[:, :, None]
    return _delivery(cp, st, q, due_q, cohorts, real)


def _delivery(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray, cohorts: np.ndarray,
              real: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``delivery`` for the programmes whose cohorts are the rows of ``cohorts`` (P, N), padded where ``real``
    (P, N, 1) is False: every cohort's test in one pass over (P, N, W), each programme reduced over its N at
    once. Padding is never in service nor missing, and its slip and lateness are 0, below any real one's
    (both are >= 0), so it changes no result. Returns (W, P) views."""
    bq, dq, sq = st.buy_q.T[cohorts], due_q.T[cohorts], cp.schedule_q[cohorts][:, :, None]  # (P, N, W), (P, N, 1)
    in_service = (bq <= q - 1) & real
    missing = (dq <= q - 1) & ~in_service & real
    slip_k = np.where(in_service, np.maximum(bq - sq, 0), 0)
    lateness_k = np.where(~in_service & (q > sq) & real, q - sq, slip_k)
    delivered = in_service.any(axis=1) & ~missing.any(axis=1)
    return delivered.T, slip_k.max(axis=1).T, lateness_k.max(axis=1).T


def contract_coverage(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray, coverage: np.ndarray,
                      in_case: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Share of quarter ``q`` each contract term earns, (W, C), and how many quarters it has shifted, (W, C).

    A term's dates shift by the part of its programme's slip that its own start does not absorb (capacity
    due a year before the term starts may be up to a year late for free): revenue starts at the latest of
    the term's start, its capacity's delivery and its hall's commencement, and the term keeps its length. It
    earns only once the capacity is delivered and the hall commenced, never once lost (programme cancelled,
    or late beyond ``cancel_after_quarters``), and nothing when the world's case does not count it.
    ``coverage`` (C, Q) as signed; ``in_case`` (W, C) bool: the world's case counts the term
    (``contract_in_case`` of its plan flag, fixed for a run). Mutates ``st.lost``."""
    out = coverage[None, :, q] * in_case
    shift = np.zeros(out.shape, dtype=int)
    lk = cp.linked
    linked = lk.contracts
    if not linked.size:
        return out, shift
    delivered, slip, lateness = _delivery(cp, st, q, due_q, lk.cohorts, lk.real)
    col, p = lk.col, lk.programme
    slack = cp.contract_slack[linked][None, :]
    st.lost[:, linked] |= st.cancelled[:, p] | (lateness[:, col] - slack > cp.contract_cancel_after[linked][None, :])
    shift[:, linked] = np.maximum(slip[:, col] - slack, 0)
    idx = q - shift[:, linked]
    cov = np.where(idx >= 0, coverage[linked[None, :], np.clip(idx, 0, coverage.shape[1] - 1)], 0.0)
    ready = delivered[:, col] & (q > cp.hall_ready_q[p])[None, :]
    out[:, linked] = cov * (ready & ~st.lost[:, linked] & in_case[:, linked])
    return out, shift


def status(cp: CompiledProgrammes, st: ProgrammeState, q: int, due_q: np.ndarray) -> np.ndarray:
    """(W, P) int code from STATUS_NAMES at the end of quarter ``q``."""
    m = cp.membership
    member = (cp.cohort_programme >= 0)[None, :]
    bought = (st.buy_q <= q) & member
    waiting = (st.buy_q == NEVER) & (due_q <= q) & member
    n_bought, n_all = bought @ m, member.astype(float) @ m
    code = np.where((waiting @ m) > 0, DEFERRED, np.where(n_bought >= n_all, DELIVERED,
                                                           np.where(n_bought > 0, BUILDING, SCHEDULED)))
    return np.where(st.cancelled, CANCELLED, code).astype(np.int8)
