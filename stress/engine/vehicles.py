"""Financing vehicles, one quarter at a time, vectorised over worlds ``W`` and vehicles ``V``.

A vehicle's *contracted cash flow* (CFADS) is the revenue of its contracts less their direct costs (power
at full load and other GPU costs of the GPUs serving them) and the payments of its leases. Each quarter,
with the reserve and any trapped cash it holds, it pays, in order: interest, scheduled principal, the
reserve top-up (``reserve_quarters`` of this quarter's debt service), the sweep (a share of what is left
prepays its facilities, pro rata to their balances); what remains goes up to the parent while every
lock-up test passes, else it is trapped. Reserve and trapped cash are the consolidated balance sheet's
restricted cash, never parent liquidity.

Consolidation: the projection's income statement and cash flow already hold the vehicle's revenue,
costs and debt service; the vehicle step only moves cash between the parent's cash and restricted cash,
and, when the vehicle cannot pay, turns the unpaid interest into accrued interest (added to the balance)
and leaves the unpaid principal outstanding. A vehicle in default (payment shortfall, an
``event_of_default`` test failed, or a maturity it cannot meet) is foreclosed at the end of the quarter:
its lenders take its cohorts, contracts and restricted cash and its debt is extinguished; under a
guarantee the deficiency (debt less the collateral's market value and the restricted cash) stays as a
parent obligation due the next quarter; under a cross-default the parent defaults in that quarter.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from stress.engine.contracts import ContractTerm
from stress.engine.financing import CENT
from stress.engine.leases import LeaseSchedule
from stress.engine.rows import rowsum
from stress.model.company import Company
from stress.model.covenant import Consequence, CovenantKind, CovenantMetric
from stress.model.vehicle import Recourse

#: Codes of ``Recourse`` in ``CompiledVehicles.recourse``.
RECOURSE_CODES = {Recourse.NONE: 0, Recourse.GUARANTEE: 1, Recourse.CROSS_DEFAULT: 2, Recourse.COMPLETION: 3}


@dataclass(frozen=True)
class VehicleTest:
    """One maintenance or incurrence covenant of vehicle ``vehicle`` (index into the profile's covenants)."""

    index: int
    vehicle: int
    metric: CovenantMetric  # dscr or ltv
    threshold: float
    consequence: Consequence
    sweep_on_breach: float
    incurrence: bool
    from_q: int  # first quarter tested (earlier quarters pass)


@dataclass(frozen=True)
class CompiledVehicles:
    names: list[str]  # (V,)
    tranche: np.ndarray  # (T, V) 1.0 where tranche t is borrowed by vehicle v
    cohort: np.ndarray  # (K, V) 1.0 where cohort k is owned by vehicle v
    contract: np.ndarray  # (C, V) 1.0 where contract term c is collected by vehicle v (renewals follow their contract)
    lease_payment: np.ndarray  # (V, Q) USD the vehicle's leases cost each quarter
    reserve_quarters: np.ndarray  # (V,)
    sweep: np.ndarray  # (V,) share of excess cash flow
    recourse: np.ndarray  # (V,) int codes of RECOURSE_CODES
    tests: list[VehicleTest]
    base_cfads: np.ndarray  # (V, Q) USD: contracted cash flow as signed (own terms, baseline power), for sculpting

    @property
    def n(self) -> int:
        return len(self.names)

    @cached_property
    def parent_pays(self) -> np.ndarray:
        """(T,) bool: the parent meets this tranche's maturity from its own cash (its own, guaranteed or
        cross-defaulting debt); a non-recourse (or completion-guaranteed) vehicle's maturity is its alone."""
        if not self.n:
            return np.ones(self.tranche.shape[0], dtype=bool)
        alone = np.isin(self.recourse, [RECOURSE_CODES[Recourse.NONE], RECOURSE_CODES[Recourse.COMPLETION]])
        return ~((self.tranche @ alone) > 0)

    def tranche_vehicle(self) -> np.ndarray:
        """(T,) int index of each tranche's vehicle, -1 for the parent's."""
        if not self.n:
            return np.full(self.tranche.shape[0], -1)
        return np.where(self.tranche.any(axis=1), self.tranche.argmax(axis=1), -1)


def _default_programmes(company: Company, cohorts: list[str]) -> set[str]:
    """The programmes the vehicle's capex cohorts belong to: by default it collects their contracts.

    Matched on the contract's programme, not its name: a contract's name is an optional label (and not
    unique), so matching the programme's contracts by name dropped an unnamed one (the vehicle collected
    nothing, defaulted on its first interest and the firm lost the contract) and took in any other
    contract that happened to share a name."""
    return {k.programme for k in company.capex_plan if k.name in cohorts and k.programme}


def compile_vehicles(company: Company, terms: list[ContractTerm], coverage: np.ndarray, leases: list[LeaseSchedule],
                     hours: np.ndarray, first_q: list[int]) -> CompiledVehicles:
    """Flatten ``company.vehicles``; ``terms``, their ``coverage`` (C, Q) and ``leases`` as compiled;
    ``hours`` (Q,) hours in each quarter; ``first_q``: each covenant's first quarter tested."""
    n_quarters = len(hours)
    tranches = [t.name for t in company.debt]
    cohorts = [k.name for k in company.cohorts]
    n_v = len(company.vehicles)
    tranche = np.zeros((len(tranches), n_v))
    cohort = np.zeros((len(cohorts), n_v))
    contract = np.zeros((len(terms), n_v))
    lease_payment = np.zeros((n_v, n_quarters))
    for v, veh in enumerate(company.vehicles):
        owned = veh.cohorts or [k for t in company.debt if t.name in veh.facilities for k in t.secured_by]
        programmes = set() if veh.contracts else _default_programmes(company, owned)
        tranche[[tranches.index(t) for t in veh.facilities], v] = 1.0
        cohort[[cohorts.index(k) for k in dict.fromkeys(owned)], v] = 1.0
        contract[[c for c, t in enumerate(terms)  # a term an earlier vehicle collects is not collected twice
                  if (t.contract.name in veh.contracts or t.contract.programme in programmes) and not contract[c].any()], v] = 1.0
        for lease, sched in zip(company.leases, leases, strict=True):
            if lease.name in veh.leases:
                lease_payment[v] += sched.payment
    return CompiledVehicles(
        names=[v.name for v in company.vehicles], tranche=tranche, cohort=cohort, contract=contract,
        lease_payment=lease_payment,
        reserve_quarters=np.array([v.reserve_quarters for v in company.vehicles], dtype=float),
        sweep=np.array([v.sweep for v in company.vehicles], dtype=float),
        recourse=np.array([RECOURSE_CODES[v.recourse] for v in company.vehicles], dtype=int),
        tests=_tests(company, first_q),
        base_cfads=_base_cfads(company, terms, coverage, contract, lease_payment, hours),
    )


def _tests(company: Company, first_q: list[int]) -> list[VehicleTest]:
    names = [v.name for v in company.vehicles]
    return [VehicleTest(i, names.index(c.tested_at), c.metric, c.threshold, c.consequence, c.sweep_on_breach,
                        c.kind is CovenantKind.INCURRENCE, first_q[i])
            for i, c in enumerate(company.covenants) if not c.at_parent]


def _base_cfads(company: Company, terms: list[ContractTerm], coverage: np.ndarray, contract: np.ndarray,
                lease_payment: np.ndarray, hours: np.ndarray) -> np.ndarray:
    """(V, Q) the contracted cash flow as signed: each vehicle contract's own term at its price, less power
    at the profile's power price and the other GPU costs, less the vehicle's lease payments. The basis of a
    sculpted schedule, fixed when the debt is signed, whatever a world then does."""
    kw = {g: float(np.average([k.kw_per_gpu for k in company.cohorts if k.gpu == g],
                              weights=[k.units for k in company.cohorts if k.gpu == g]))
          for g in {k.gpu for k in company.cohorts}}  # the model's kW per GPU, weighted by units: order-free
    power = company.market.power_price_per_kwh * company.costs.pue
    other = company.costs.other_cost_per_gpu_year / 4.0
    flows = np.zeros((len(terms), len(hours)))
    for c, t in enumerate(terms):
        if t.is_renewal or not contract[c].any():
            continue
        share = coverage[c]
        per_gpu = hours * (t.price - kw.get(t.contract.gpu, 0.0) * power) - other
        flows[c] = t.contract.gpus * share * per_gpu
    return contract.T @ flows - lease_payment


@dataclass
class VehicleState:
    """What each vehicle carries between quarters: (W, V) each, USD unless noted."""

    reserve: np.ndarray
    trapped: np.ndarray
    defaulted: np.ndarray  # bool: foreclosed
    cfads_ltm: np.ndarray  # (4, W, V) ring of the last four quarters' contracted cash flow
    service_ltm: np.ndarray  # (4, W, V) ring of the last four quarters' scheduled debt service
    collateral: np.ndarray  # market value of its cohorts at the last quarter end
    recovery: np.ndarray  # its lenders' recovery rate at foreclosure (collateral and restricted cash / debt), NaN before

    @classmethod
    def opening(cls, cv: CompiledVehicles, n_worlds: int, opening_nbv: np.ndarray) -> VehicleState:
        zero = np.zeros((n_worlds, cv.n))
        return cls(zero.copy(), zero.copy(), np.zeros((n_worlds, cv.n), dtype=bool), np.zeros((4, n_worlds, cv.n)),
                   np.zeros((4, n_worlds, cv.n)), np.broadcast_to(opening_nbv @ cv.cohort, zero.shape).copy(),
                   np.full((n_worlds, cv.n), np.nan))

    @property
    def restricted(self) -> np.ndarray:
        return self.reserve + self.trapped


@dataclass(frozen=True)
class VehicleQuarter:
    """One quarter's waterfall; (W, V) unless noted."""

    cfads: np.ndarray
    service: np.ndarray  # interest + scheduled principal due
    dscr: np.ndarray  # LTM CFADS / LTM debt service, NaN when no service
    ltv: np.ndarray  # debt / collateral, NaN when no collateral
    unpaid_interest: np.ndarray | None  # (W, T) interest the vehicle could not pay: accrued to the balance (None: none)
    unpaid_principal: np.ndarray | None  # (W, T) scheduled principal it could not pay: left outstanding (None: none)
    swept: np.ndarray | None  # (W, T) prepaid from excess cash flow (None: no sweep)
    locked: np.ndarray  # bool: a lock-up test failed
    failed: np.ndarray  # bool: an event-of-default test failed, or the vehicle could not pay its debt service


def contract_cfads(cv: CompiledVehicles, served: np.ndarray, price: np.ndarray, kw_per_gpu: np.ndarray,
                   c_map: np.ndarray, hours: float, pue: float, power_price: np.ndarray, other_per_gpu: float,
                   lease_payment: np.ndarray) -> np.ndarray:
    """(W, V) contracted cash flow: ``served`` GPUs (W, C) at ``price`` (C,) or (W, C) less power at full load
    (``kw_per_gpu`` (W, G) of each contract's model via ``c_map`` (C, G)) and other costs, less leases (V,)."""
    kw = kw_per_gpu @ c_map.T  # (W, C)
    per_gpu = hours * (price - kw * pue * power_price[:, None]) - other_per_gpu
    return (served * per_gpu) @ cv.contract - lease_payment[None, :]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.broadcast_shapes(num.shape, den.shape), np.nan), where=den > CENT)


def pro_rata(amount: np.ndarray, weights: np.ndarray, member: np.ndarray) -> np.ndarray:
    """Share each vehicle's ``amount`` (W, V) among its tranches (``member`` (T, V)) by ``weights`` (W, T)."""
    total = weights @ member  # (W, V)
    share = np.divide(amount, total, out=np.zeros_like(amount), where=total > CENT)
    return weights * (share @ member.T)


def _fails(t: VehicleTest, dscr: np.ndarray, ltv: np.ndarray) -> np.ndarray:
    """(W,) bool: test ``t`` fails on its vehicle's LTM DSCR or LTV (W, V), as ``stress.engine.covenants`` reads
    n.m.: no debt service is nothing to cover (a DSCR pass), debt with no collateral an LTV breach."""
    if t.metric is CovenantMetric.DSCR:
        value = dscr[:, t.vehicle]
        return ~np.isnan(value) & (value < t.threshold)
    value = ltv[:, t.vehicle]
    return np.isnan(value) | (value > t.threshold)


def service(cv: CompiledVehicles, state: VehicleState, q: int, cfads: np.ndarray, interest: np.ndarray,
            scheduled: np.ndarray, balance: np.ndarray, supported: np.ndarray) -> VehicleQuarter:
    """Run each vehicle's waterfall for quarter ``q``; mutates ``state`` (reserve, trapped, LTM rings).

    ``interest``, ``scheduled``: (W, T) cash interest and scheduled principal due this quarter;
    ``balance`` (W, T) after this quarter's scheduled principal; ``supported`` (W, V) bool: the parent pays
    what the vehicle cannot (a payment guarantee, or a completion guarantee before completion), so a
    shortfall is the parent's cash, not the vehicle's default. A negative cash flow (costs above its
    contracts' revenue) is the parent's too: it runs the vehicle's GPUs."""
    alive = ~state.defaulted
    cfads = np.where(alive, cfads, 0.0)
    interest_v = interest @ cv.tranche
    due = interest_v + scheduled @ cv.tranche
    state.cfads_ltm[q % 4], state.service_ltm[q % 4] = cfads, due
    dscr = _ratio(state.cfads_ltm.sum(axis=0), state.service_ltm.sum(axis=0))
    debt_v = balance @ cv.tranche
    ltv = np.where(debt_v > CENT, _ratio(debt_v, state.collateral), 0.0)

    available = np.maximum(cfads, 0.0) + state.restricted
    own = alive & ~supported  # shortfalls the vehicle's lenders bear
    short = np.maximum(due - available, 0.0) * own
    failed = short > CENT
    unpaid_interest: np.ndarray | None
    unpaid_principal: np.ndarray | None
    if failed.any():
        short_interest = np.maximum(interest_v - available, 0.0) * own
        unpaid_interest = pro_rata(short_interest, interest, cv.tranche)
        unpaid_principal = pro_rata(short - short_interest, scheduled, cv.tranche)
    else:  # most quarters: every vehicle pays (a Monte Carlo's fast path)
        unpaid_interest = unpaid_principal = None
    excess = np.maximum(available - due, 0.0) * alive
    reserve = np.minimum(excess, cv.reserve_quarters[None, :] * due)
    rest = excess - reserve

    locked = np.zeros_like(alive)
    sweep = np.broadcast_to(cv.sweep, alive.shape).copy()
    for t in cv.tests:
        if t.incurrence or q < t.from_q:
            continue
        fails = _fails(t, dscr, ltv) & alive[:, t.vehicle]
        if t.consequence is Consequence.LOCK_UP:
            locked[:, t.vehicle] |= fails
        elif t.consequence is Consequence.SWEEP_STEP_UP:
            sweep[:, t.vehicle] = np.where(fails, np.maximum(sweep[:, t.vehicle], t.sweep_on_breach), sweep[:, t.vehicle])
        elif t.consequence is Consequence.EVENT_OF_DEFAULT:
            failed[:, t.vehicle] |= fails
    if sweep.any():
        swept = pro_rata(np.minimum(rest * sweep, debt_v), balance, cv.tranche)
        rest = rest - swept @ cv.tranche
    else:
        swept = None
    state.reserve = np.where(alive, reserve, state.reserve)
    state.trapped = np.where(alive & locked, rest, 0.0)
    return VehicleQuarter(cfads, due, dscr, ltv, unpaid_interest, unpaid_principal, swept, locked, failed & alive)


def incurrence_allows(cv: CompiledVehicles, quarter: VehicleQuarter) -> np.ndarray:
    """(W, V) bool: every incurrence test of the vehicle passes, so it may open new facilities."""
    ok = np.ones(quarter.cfads.shape, dtype=bool)
    for t in cv.tests:
        if t.incurrence:
            ok[:, t.vehicle] &= ~_fails(t, quarter.dscr, quarter.ltv)
    return ok


@dataclass(frozen=True)
class Foreclosure:
    """What leaves the consolidated books when vehicles are foreclosed at a quarter end, for the worlds
    ``rows`` (R,) where one is: (R,) unless noted."""

    rows: np.ndarray  # (R,) int world indices
    gain: np.ndarray  # debt extinguished less assets and restricted cash taken, USD (a loss when negative)
    cohorts: np.ndarray  # (R, K) bool: cohorts taken
    debt_left: np.ndarray  # (R, T) each tranche's balance after: 0 for a foreclosed vehicle's, or its deficiency
    tranches: np.ndarray  # (R, T) bool: tranches of the foreclosed vehicles
    cross_default: np.ndarray  # bool: a cross-defaulting vehicle was foreclosed


def foreclose(cv: CompiledVehicles, state: VehicleState, now: np.ndarray, balance: np.ndarray, nbv: np.ndarray,
              market_value: np.ndarray) -> Foreclosure:
    """Foreclose the vehicles defaulting ``now`` (W, V bool); mutates ``state``. ``balance`` (W, T) is the
    debt, ``nbv`` and ``market_value`` (W, K) the cohorts' book and market value. Under a guarantee the
    deficiency (debt less collateral and restricted cash) stays, pro rata; otherwise the debt is gone.
    Only the worlds with a foreclosure are computed (a few in a Monte Carlo quarter)."""
    rows = np.flatnonzero(now.any(axis=1))
    n = now[rows]
    taken = (n.astype(float) @ cv.cohort.T) > 0  # (R, K)
    in_now = (n.astype(float) @ cv.tranche.T) > 0  # (R, T)
    restricted = np.where(n, state.reserve[rows] + state.trapped[rows], 0.0)
    collateral = np.where(taken, market_value[rows], 0.0) @ cv.cohort  # (R, V)
    debt = np.where(in_now, balance[rows], 0.0)
    owed = np.isin(cv.recourse, [RECOURSE_CODES[Recourse.GUARANTEE], RECOURSE_CODES[Recourse.CROSS_DEFAULT]])
    guaranteed = n & owed[None, :]  # the deficiency stays a parent claim (a cross-default defaults the parent now)
    deficiency = np.where(guaranteed, np.maximum(debt @ cv.tranche - collateral - restricted, 0.0), 0.0)
    left = pro_rata(deficiency, debt, cv.tranche)
    gain = rowsum(debt - left) - rowsum(np.where(taken, nbv[rows], 0.0)) - rowsum(restricted)
    total = debt @ cv.tranche
    rate = np.minimum(np.divide(collateral + restricted, total, out=np.ones_like(total), where=total > CENT), 1.0)
    state.recovery[rows] = np.where(n, rate, state.recovery[rows])
    state.defaulted[rows] |= n
    state.reserve[rows] = np.where(n, 0.0, state.reserve[rows])
    state.trapped[rows] = np.where(n, 0.0, state.trapped[rows])
    cross = (n & (cv.recourse == RECOURSE_CODES[Recourse.CROSS_DEFAULT])[None, :]).any(axis=1)
    return Foreclosure(rows, gain, taken, np.where(in_now, left, balance[rows]), in_now, cross)


def lost_contracts(cv: CompiledVehicles, state: VehicleState) -> np.ndarray | None:
    """(W, C) bool: contract terms whose vehicle has been foreclosed: they no longer pay the firm; None when
    no vehicle has been."""
    if not state.defaulted.any():
        return None
    return (state.defaulted.astype(float) @ cv.contract.T) > 0


def sculpt_cfads(cv: CompiledVehicles, q: int, balance: np.ndarray, target_dscr: np.ndarray) -> np.ndarray | None:
    """(W, T) each sculpted tranche's share of its vehicle's contracted cash flow as signed in quarter ``q``,
    pro rata to the balances (W, T) of the vehicle's sculpted tranches; None when no tranche is sculpted."""
    sculpted = target_dscr > 0
    if not sculpted.any():
        return None
    weights = np.where(sculpted[None, :], balance, 0.0)
    return pro_rata(np.broadcast_to(cv.base_cfads[:, q], (len(balance), cv.n)).copy(), weights, cv.tranche)


def supported(cv: CompiledVehicles, pending: np.ndarray | None) -> np.ndarray:
    """(W, V) bool: the parent pays the vehicle's shortfalls now: always under a payment guarantee, and under
    a completion guarantee while any capex cohort the vehicle owns is ``pending`` (W, K: not bought, cancelled
    included: a cancelled build was never completed, so the guarantee stands; None: none is)."""
    guarantee = (cv.recourse == RECOURSE_CODES[Recourse.GUARANTEE])[None, :]
    completion = (cv.recourse == RECOURSE_CODES[Recourse.COMPLETION])[None, :]
    if pending is None or not completion.any():
        return np.broadcast_to(guarantee, (1 if pending is None else len(pending), cv.n))
    building = (pending.astype(float) @ cv.cohort) > 0
    return guarantee | (completion & building)
