"""The projection: one loop over quarters, every step vectorised over worlds.

``project(cc, worlds)`` is a pure function: it reads the compiled company and
the worlds and returns a ``Projection`` of every line item shaped
``(n_worlds, n_quarters)``. Quarters depend on each other through cash,
debt, the fleet and tax losses, so they are a loop; worlds never are.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from stress.engine import construction, financing
from stress.engine import costs as cost_step
from stress.engine import debt as debt_step
from stress.engine import fleet as fleet_step
from stress.engine import programmes as prog_step
from stress.engine import revenue as revenue_step
from stress.engine import vehicles as veh
from stress.engine.compiled import CompiledCompany
from stress.engine.credit import CreditState, incurrence_allows
from stress.engine.financing import CENT
from stress.engine.lines import BALANCE_LINES, CASH_FLOW_LINES, INCOME_LINES, LEAN_VEHICLE_LINES, MEMO_LINES, TRANCHE_LINES, VEHICLE_LINES
from stress.engine.rows import rowsum
from stress.engine.timeline import NEVER
from stress.engine.worlds import Worlds, widen
from stress.model.reporting import EbitdaDefinition
from stress.model.vehicle import Recourse

#: Worlds projected at once: bounds memory, and keeps each (W, cohort) and (W, tranche) array within the
#: CPU's L2 cache. With programmes the CoreWeave profile has 15 cohorts and 16 tranches: 2,048 worlds
#: (2,048 x 16 x 8 bytes = 0.26 MB an array) ran 1.1x faster than 4,096 and 1.7x faster than 8,192
#: (32,768 Monte Carlo paths in one process: 3.1 s against 3.4 s and 5.1 s; 1,024: 2.9 s, but twice the
#: tasks to ship to workers).
DEFAULT_CHUNK = 2_048


@dataclass(frozen=True)
class Projection:
    """Every line item per world and quarter; see ``stress.engine.lines`` for names and units."""

    cc: CompiledCompany
    worlds: Worlds
    lines: dict[str, np.ndarray]  # name -> (W, Q)
    tranches: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (W, T, Q)
    collateral: np.ndarray | None = None  # (W, T, Q) market value of each tranche's collateral
    unpaid_maturity: np.ndarray | None = None  # (W, T, Q) due and not paid
    programme_status: np.ndarray | None = None  # (W, P, Q) int8 codes of stress.engine.programmes.STATUS_NAMES
    market_value: np.ndarray | None = None  # (W, K, Q) each cohort's collateral value: lean runs, instead of collateral
    vehicles: dict[str, np.ndarray] = field(default_factory=dict)  # name -> (W, V, Q): stress.engine.lines.VEHICLE_LINES
    cross_default: np.ndarray | None = None  # (W, Q) bool: a cross-defaulting vehicle was foreclosed this quarter

    def __getitem__(self, name: str) -> np.ndarray:
        return self.lines[name]

    def collateral_at(self, rows: np.ndarray, quarters: np.ndarray) -> np.ndarray:
        """Collateral value per tranche (len(rows), T) of world ``rows[i]`` at quarter ``quarters[i]``: stored in
        a full run; in a lean run (Monte Carlo) allocated only where it is asked for, from the cohorts' values."""
        if self.collateral is not None:
            return self.collateral[rows, :, quarters]
        return allocate_collateral(self.market_value[rows, :, quarters], self.cc.secured,  # type: ignore[index]
                                   self.tranches["closing"][rows, :, quarters])


def allocate_collateral(market_value: np.ndarray, secured: np.ndarray, balance: np.ndarray) -> np.ndarray:
    """Collateral value per tranche (W, T): each cohort's market value (W, K) is shared among the
    tranches it secures (``secured`` (K, T) of 0/1) in proportion to their balances (W, T), equally
    when none is drawn, so a cohort pledged to several tranches is counted once."""
    shared = secured.sum(axis=1) > 1
    out = market_value[:, ~shared] @ secured[~shared]  # a cohort pledged once goes to its tranche whole
    if shared.any():
        cols = np.flatnonzero(secured[shared].any(axis=0))  # only the tranches those cohorts secure
        pledged = secured[shared][:, cols]  # (S, T')
        claims = pledged[None, :, :] * balance[:, None, cols]  # (W, S, T')
        total = claims.sum(axis=2, keepdims=True)
        equal = pledged / pledged.sum(axis=1, keepdims=True)
        shares = np.where(total > 0, claims / np.where(total > 0, total, 1.0), equal[None, :, :])
        out[:, cols] += np.einsum("ws,wst->wt", market_value[:, shared], shares)
    return out


def project(cc: CompiledCompany, worlds: Worlds, chunk: int = DEFAULT_CHUNK, keep: Collection[str] | None = None) -> Projection:
    """Project every world; large W runs in chunks of ``chunk`` worlds and is concatenated.

    ``keep`` names the lines to store (default: all, with the per-tranche schedule);
    with ``keep`` given, only those lines and each tranche's closing balance are
    kept, which is what a Monte Carlo run needs and a fraction of the memory.
    """
    if worlds.n <= chunk:
        return _project_chunk(cc, worlds, keep)
    parts = [_project_chunk(cc, worlds.take(slice(i, i + chunk)), keep) for i in range(0, worlds.n, chunk)]
    return Projection(
        cc, worlds,
        {k: np.concatenate([p.lines[k] for p in parts]) for k in parts[0].lines},
        {k: np.concatenate([p.tranches[k] for p in parts]) for k in parts[0].tranches},
        None if parts[0].collateral is None else np.concatenate([p.collateral for p in parts]),
        np.concatenate([p.unpaid_maturity for p in parts]),
        np.concatenate([p.programme_status for p in parts]),
        None if parts[0].market_value is None else np.concatenate([p.market_value for p in parts]),
        {k: np.concatenate([p.vehicles[k] for p in parts]) for k in parts[0].vehicles},
        np.concatenate([p.cross_default for p in parts]),
    )


def _store(names: Collection[str], keep: Collection[str] | None, shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    """Quarter-major arrays for kept names; a one-quarter scratch array, reused every quarter, for the rest."""
    return {n: np.zeros(shape if keep is None or n in keep else (1, *shape[1:])) for n in names}


def _contract_prices(cc: CompiledCompany, w: Worlds, shift: np.ndarray) -> np.ndarray:
    """(W, C) USD per GPU-hour: each term's own price, or for a renewal priced at the market the world's spot
    price of its model (mid-quarter, as the curve) in the quarter it starts, after any shift (W, C) with its
    capacity, times its vintage and haircut factor."""
    market = np.flatnonzero(cc.contract_market_priced)
    if not market.size:
        return cc.contract_price
    prices = np.broadcast_to(cc.contract_price, (w.n, len(cc.contract_price))).copy()
    start = np.clip(cc.contract_start_q[market][None, :] + shift[:, market], 0, cc.n_quarters - 1)
    prices[:, market] = (w.gpu_price[np.arange(w.n)[:, None], cc.contract_gpu[market][None, :], start]
                         * cc.contract_price_factor[market][None, :])
    return prices


@dataclass(frozen=True)
class _Inputs:
    """One chunk's per-world inputs, laid out quarter-major where the loop reads them each quarter."""

    due_q: np.ndarray  # (W, K) quarter each cohort is due to be bought (owned: in service), delays included
    list_cost: np.ndarray  # (W, K) USD before overruns
    cost: np.ndarray  # (W, K) USD the cohort costs in all, overruns included: its book value when bought
    to_pay: np.ndarray  # (W, K) USD the purchase pays: cost less what was spent by as_of (construction in progress)
    residual_value: np.ndarray  # (W, K) USD: cost paid x the cohort's residual share, what it depreciates to
    life_change_q: np.ndarray  # (W, K)
    resale_factor: np.ndarray  # (W, Q)
    cohort_price_index: np.ndarray  # (Q, W, K) world price / baseline price of each cohort's model: the resale-market adjustment
    spot_price: np.ndarray  # (Q, W, G)
    g_map: np.ndarray  # (K, G) cohort -> GPU model
    c_map: np.ndarray  # (C, G) contract -> GPU model
    vintage_decay: np.ndarray  # (K,) discount a year of age on each cohort's spot price
    hall_q: np.ndarray  # (K,) quarter each cohort's hall commences (-1: none)
    lives_fixed: bool  # no world changes a life estimate after quarter 0: the shocked lives hold throughout
    in_case: np.ndarray  # (W, C) bool: the world's case (plan or committed) counts the contract term
    contract_default_q: np.ndarray  # (W, C) int quarter each contract term's customer stops paying

    def lives(self, q: int, w: Worlds, cc: CompiledCompany) -> tuple[np.ndarray, np.ndarray]:
        """Accounting and economic lives in force in quarter ``q``, (W, K) each."""
        if self.lives_fixed:
            return w.life_q, w.econ_q
        return (fleet_step.in_force(q, self.life_change_q, w.life_q, cc.cohort_life_q),
                fleet_step.in_force(q, self.life_change_q, w.econ_q, cc.cohort_econ_q))

    @classmethod
    def of(cls, cc: CompiledCompany, w: Worlds) -> _Inputs:
        n_w, n_k = w.n, len(cc.cohort_names)
        list_cost = np.broadcast_to(cc.cohort_units * cc.cohort_unit_cost, (n_w, n_k))
        cost = construction.cost_with_overrun(list_cost, cc.cohort_paid, np.where(cc.cohort_is_capex, widen(w.capex_factor, n_k), 1.0))
        spot_price = np.ascontiguousarray(w.gpu_price.transpose(2, 0, 1))  # (Q, W, G): the loop reads a quarter at a time
        return cls(
            due_q=cc.cohort_in_q[None, :] + np.where(cc.cohort_is_capex, widen(w.delay_q, n_k), 0),
            list_cost=list_cost,
            cost=cost,
            to_pay=cost - cc.cohort_paid,
            residual_value=cost * cc.cohort_residual,
            life_change_q=widen(w.life_change_q, n_k),
            resale_factor=widen(w.resale_factor, cc.n_quarters),
            cohort_price_index=spot_price[:, :, cc.cohort_gpu] / cc.baseline_price().T[:, None, cc.cohort_gpu],
            spot_price=spot_price,
            g_map=revenue_step.one_hot(cc.cohort_gpu, len(cc.gpu_models)),
            c_map=revenue_step.one_hot(cc.contract_gpu, len(cc.gpu_models)),
            vintage_decay=np.array([cc.company.market.gpu_hour_price[g].vintage_decay for g in cc.gpu_models])[cc.cohort_gpu],
            hall_q=cc.programmes.cohort_hall_q,
            lives_fixed=bool((w.life_change_q <= 0).all()),
            in_case=cc.programmes.contract_in_case[w.plan.astype(int)],
            contract_default_q=w.default_q[:, cc.contract_customer],
        )


@dataclass
class _Firm:
    """What carries from quarter to quarter besides the fleet and the debt: (W,) each, USD."""

    cash: np.ndarray
    receivables: np.ndarray
    tax_losses: np.ndarray
    equity: np.ndarray
    earmarked: np.ndarray  # (W, T + E) proceeds of issued tranches and equity raises not yet spent on programmes
    raised: np.ndarray  # (W, E) bool
    cip: np.ndarray  # (W, K) construction in progress (stress.engine.construction)


def _fleet_and_revenue(cc: CompiledCompany, w: Worlds, x: _Inputs, fleet: fleet_step.FleetState,
                       progs: prog_step.ProgrammeState, vstate: veh.VehicleState,
                       q: int) -> tuple[fleet_step.FleetQuarter, revenue_step.RevenueQuarter, np.ndarray]:
    """The fleet's quarter and its revenue; also each contract term's price (C,) or (W, C)."""
    life, econ = x.lives(q, w, cc)
    fq = fleet_step.step(fleet, q, progs.buy_q, life, econ, x.residual_value, cc.cohort_residual, x.cohort_price_index[q], x.resale_factor[:, q],
                         cc.cohort_life_q, x.list_cost)
    coverage, shift = prog_step.contract_coverage(cc.programmes, progs, q, x.due_q, cc.contract_coverage, x.in_case)
    housed = q > x.hall_q  # a programme's GPUs earn nothing, spot included, before their hall commences
    vintage = None
    if x.vintage_decay.any():  # mid-quarter age since the cohort began to earn (the quarter after it was bought)
        vintage = (1.0 - x.vintage_decay) ** np.maximum((q - progs.buy_q - 0.5) / 4.0, 0.0)
    paying = q < x.contract_default_q
    lost = veh.lost_contracts(cc.vehicles, vstate) if cc.vehicles.n else None
    if lost is not None:
        paying &= ~lost
    prices = _contract_prices(cc, w, shift)
    rq = revenue_step.step(fq.earning * housed * cc.cohort_units, x.g_map, cc.cohort_kw, cc.contract_gpus, x.c_map,
                           prices, paying, coverage * w.renewal, x.spot_price[q],
                           w.utilisation[:, q], w.power_price[:, q], cc.timeline.hours[q], cc.pue, cc.other_cost_per_gpu_quarter,
                           vintage)
    return fq, rq, prices


def _operating_lines(L: dict[str, np.ndarray], cc: CompiledCompany, q: int, fq: fleet_step.FleetQuarter,
                     rq: revenue_step.RevenueQuarter) -> None:
    """Revenue down to EBIT."""
    lease_cost = cc.operating_lease_cost[q]  # straight-line; finance leases are below EBITDA
    L["revenue_contracted"][:] = rq.contracted
    L["revenue_spot"][:] = rq.spot
    L["revenue"][:] = rq.contracted + rq.spot
    L["power_cost"][:] = rq.power
    L["other_cost"][:] = rq.other
    L["sga"][:] = cc.sga_per_quarter + cc.sga_per_mw_quarter * rq.it_mw + cc.sga_share_of_revenue * L["revenue"]
    L["lease_cost"][:] = lease_cost
    L["ebitda"][:] = L["revenue"] - rq.power - rq.other - L["sga"] - lease_cost
    L["ebitdar"][:] = L["ebitda"] + lease_cost
    L["ebitda_reported"][:] = L["ebitdar"] if cc.company.reporting.ebitda is EbitdaDefinition.LEASE_ADJUSTED else L["ebitda"]
    L["depreciation"][:] = rowsum(fq.depreciation)
    L["lease_amortisation"][:] = cc.finance_lease_amortisation[q]
    L["impairment"][:] = rowsum(fq.impairment)
    L["disposal_gain"][:] = rowsum(fq.proceeds - fq.disposed_nbv)
    L["ebit"][:] = L["ebitda"] - L["depreciation"] - L["lease_amortisation"] - L["impairment"] + L["disposal_gain"]


def _tax_lines(L: dict[str, np.ndarray], cc: CompiledCompany, fq: fleet_step.FleetQuarter, firm: _Firm) -> None:
    """Interest is already in; cash tax on taxable income (original lives) after loss carry-forward."""
    L["pretax_income"][:] = L["ebit"] - L["interest_expense"]
    L["taxable_income"][:] = (L["ebitda"] - rowsum(fq.tax_depreciation) + rowsum(fq.tax_disposal_gain)
                              - L["interest_expense"] - L["lease_amortisation"])
    profit = np.maximum(L["taxable_income"], 0.0)
    used = np.minimum(firm.tax_losses, profit)
    L["tax"][:] = (profit - used) * cc.tax_rate
    firm.tax_losses = firm.tax_losses - used + np.maximum(-L["taxable_income"], 0.0)
    L["net_income"][:] = L["pretax_income"] - L["tax"]


def _balance_lines(L: dict[str, np.ndarray], cc: CompiledCompany, q: int, firm: _Firm, fleet: fleet_step.FleetState,
                   debt: debt_step.DebtState, market_value: np.ndarray, rq: revenue_step.RevenueQuarter,
                   vstate: veh.VehicleState) -> None:
    """The quarter-end balance sheet and the memo lines the metrics read."""
    firm.equity = firm.equity + L["net_income"] + L["equity_issued"] - L["distributions"]
    L["cash"][:] = firm.cash
    L["restricted_cash"][:] = rowsum(vstate.restricted) if vstate.reserve.shape[1] else 0.0
    L["receivables"][:] = firm.receivables
    L["ppe"][:] = rowsum(fleet.nbv)
    L["construction_in_progress"][:] = rowsum(firm.cip)
    L["rou_assets"][:] = cc.rou_assets[q]
    L["other_assets"][:] = cc.opening.other_assets
    L["total_assets"][:] = (firm.cash + L["restricted_cash"] + firm.receivables + L["ppe"] + L["construction_in_progress"]
                            + cc.rou_assets[q] + cc.opening.other_assets)
    L["debt"][:] = rowsum(debt.balance)
    L["lease_liabilities"][:] = cc.lease_liability[q]
    L["other_liabilities"][:] = cc.opening.other_liabilities
    L["total_liabilities"][:] = L["debt"] + cc.lease_liability[q] + cc.opening.other_liabilities
    L["equity"][:] = firm.equity
    L["revolver_available"][:] = debt_step.available_revolver(cc, debt)
    L["gpus_earning"][:] = rq.fleet_gpus
    L["tax_losses"][:] = firm.tax_losses
    L["fleet_value"][:] = rowsum(market_value)


def _raise_equity(cc: CompiledCompany, w: Worlds, firm: _Firm, q: int) -> np.ndarray:
    """Equity raised this quarter (W,), USD; marks the raises received and earmarks them for programmes."""
    fin = cc.financing
    now = financing.opening_now(q, firm.raised, fin.equity_planned, fin.equity_q, w.plan, w.refi_open[:, q])
    firm.raised |= now
    amounts = np.where(now, fin.equity_amount[None, :], 0.0)
    firm.earmarked[:, len(cc.tranche_names):] += amounts * cc.programmes.source_earmarked[len(cc.tranche_names):]
    return rowsum(amounts)


def _interest(L: dict[str, np.ndarray], cc: CompiledCompany, w: Worlds, debt: debt_step.DebtState,
              q: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates, cash interest and accretion on the opening balances; accretion grows the balance.
    Returns (rates, opening balance, cash interest, accreted), (W, T) each."""
    rates = debt_step.annual_rates(cc, debt, w.base_rate[:, q], w.spread_add[:, q])
    opening = debt.balance.copy()
    paid = debt_step.cash_interest(cc, debt, opening, rates)
    accreted = debt_step.accretion(cc, debt, q)
    debt.balance += accreted
    L["interest_paid"][:] = rowsum(paid)
    L["interest_accreted"][:] = rowsum(accreted)
    L["interest_expense"][:] = L["interest_paid"] + L["interest_accreted"] + cc.finance_lease_interest[q]
    return rates, opening, paid, accreted


def _buy_capex(cc: CompiledCompany, x: _Inputs, fleet: fleet_step.FleetState, progs: prog_step.ProgrammeState,
               debt: debt_step.DebtState, firm: _Firm, q: int, cash: np.ndarray) -> tuple[np.ndarray, prog_step.Purchases, np.ndarray]:
    """Buy what is due and funded: funding pays what is still to pay, book value takes the whole cost; returns
    (capex paid (W, K), the purchases, cash after paying)."""
    bought = prog_step.buy(cc.programmes, progs, q, x.due_q, x.cost, cash - cc.minimum_cash,
                           debt_step.capex_headroom(cc, debt, q), firm.earmarked, x.to_pay)
    debt.balance += bought.draws
    debt.drawable -= bought.draws
    firm.earmarked -= bought.earmark_used
    fleet_step.purchase(fleet, bought.bought, x.cost)
    construction.release(firm.cip, bought.bought)
    return np.where(bought.bought, x.to_pay, 0.0), bought, cash - bought.cash_paid


def _write_off_cancelled(L: dict[str, np.ndarray], cc: CompiledCompany, progs: prog_step.ProgrammeState, firm: _Firm) -> None:
    """Construction in progress of cohorts whose programme is cancelled is written off this quarter (impairment)."""
    if not firm.cip.any():
        return
    written_off = construction.release(firm.cip, prog_step.cohort_cancelled(cc.programmes, progs))
    for name, sign in (("impairment", 1.0), ("ebit", -1.0), ("pretax_income", -1.0), ("net_income", -1.0)):
        L[name][:] += sign * written_off


def _pending(cc: CompiledCompany, progs: prog_step.ProgrammeState) -> np.ndarray:
    """(W, K) bool: capex cohorts still to be bought (neither bought nor cancelled): not yet complete."""
    cancelled = prog_step.cohort_cancelled(cc.programmes, progs)
    return cc.cohort_is_capex[None, :] & (progs.buy_q == NEVER) & ~cancelled


def _amortising(cc: CompiledCompany, progs: prog_step.ProgrammeState, q: int) -> np.ndarray | None:
    """(W, T) bool: the tranche's principal falls due from this quarter (``amortise_from`` a date, or the
    completion of every cohort it is secured on: none scheduled and still unbought); None when all do."""
    started = q >= cc.tranche_amortise_from_q  # (T,)
    if not cc.tranche_from_completion.any():
        return None if started.all() else np.broadcast_to(started, (progs.buy_q.shape[0], len(started)))
    completed = (_pending(cc, progs).astype(float) @ cc.secured) == 0  # (W, T)
    return started[None, :] & (completed | ~cc.tranche_from_completion[None, :])


def _service_vehicles(L: dict[str, np.ndarray], cc: CompiledCompany, w: Worlds, x: _Inputs, vstate: veh.VehicleState,
                      q: int, rq: revenue_step.RevenueQuarter, prices: np.ndarray, interest: np.ndarray,
                      scheduled: np.ndarray, debt: debt_step.DebtState,
                      progs: prog_step.ProgrammeState) -> veh.VehicleQuarter | None:
    """Each vehicle's waterfall; interest a vehicle cannot pay accrues to its balance (non-cash)."""
    cv = cc.vehicles
    if not cv.n:
        return None
    cfads = veh.contract_cfads(cv, rq.served, prices, rq.kw_per_gpu, x.c_map, cc.timeline.hours[q], cc.pue,
                               w.power_price[:, q], cc.other_cost_per_gpu_quarter, cv.lease_payment[:, q])
    completion = (cv.recourse == veh.RECOURSE_CODES[Recourse.COMPLETION]).any()
    unbought = cc.cohort_is_capex[None, :] & (progs.buy_q == NEVER)  # cancelled builds included
    supported = veh.supported(cv, unbought if completion else None)
    vq = veh.service(cv, vstate, q, cfads, interest, scheduled, debt.balance - scheduled, supported)
    if vq.unpaid_interest is not None:
        debt.balance += vq.unpaid_interest
        L["interest_paid"][:] -= rowsum(vq.unpaid_interest)
        L["interest_accreted"][:] += rowsum(vq.unpaid_interest)
    return vq


def _incurrence_allows(cc: CompiledCompany, credit: CreditState, vq: veh.VehicleQuarter | None, q: int,
                       debt: debt_step.DebtState, firm: _Firm) -> np.ndarray | None:
    """(W, T) bool: a planned facility may open: the parent's incurrence tests pass for a parent facility,
    its vehicle's for a vehicle's; None when there are no incurrence tests."""
    has_vehicle_tests = vq is not None and any(t.incurrence for t in cc.vehicles.tests)
    if not cc.credit.incurrence and not has_vehicle_tests:
        return None
    ok = incurrence_allows(cc.credit, credit, q, rowsum(debt.balance), firm.cash, cc.tranche_limit)
    if has_vehicle_tests:
        vehicle_ok = veh.incurrence_allows(cc.vehicles, vq) @ cc.vehicles.tranche.T > 0  # type: ignore[arg-type]
        in_vehicle = np.any(cc.vehicles.tranche, axis=1)[None, :]
        ok = np.where(in_vehicle, vehicle_ok, ok)
    return ok


def _vehicle_maturities(cc: CompiledCompany, vstate: veh.VehicleState, outcome: debt_step.MaturityOutcome,
                        debt: debt_step.DebtState) -> tuple[np.ndarray | None, np.ndarray | None]:
    """What refinancing and the parent did not cover of a vehicle's maturity is met from the vehicle's
    restricted cash; what is still unpaid is the vehicle's default when the vehicle alone owes it (non-recourse
    or completion-guaranteed), and stays the parent's maturity default when the parent owes it too.
    Returns (failed (W, V) bool, repaid from restricted cash (W, T)), None for both when nothing is unpaid."""
    cv = cc.vehicles
    if not cv.n or not (outcome.unpaid[:, cv.tranche.any(axis=1)] > CENT).any():  # only the vehicles' tranches
        return None, None
    in_vehicle = np.any(cv.tranche, axis=1)[None, :]
    unpaid = np.where(in_vehicle, outcome.unpaid, 0.0)
    unpaid_v = unpaid @ cv.tranche
    use = np.minimum(unpaid_v, vstate.restricted)
    from_reserve = np.minimum(use, vstate.reserve)
    vstate.reserve -= from_reserve
    vstate.trapped -= use - from_reserve
    paid = veh.pro_rata(use, unpaid, cv.tranche)
    debt.balance -= paid
    left = outcome.unpaid - paid
    own = ~cv.parent_pays[None, :]
    failed = (np.where(own, left, 0.0) @ cv.tranche) > CENT
    outcome.unpaid[:] = np.where(own, 0.0, np.where(left > CENT, left, 0.0))
    return failed, paid


def _foreclose(L: dict[str, np.ndarray], cc: CompiledCompany, vstate: veh.VehicleState, failed: np.ndarray,
               debt: debt_step.DebtState, fleet: fleet_step.FleetState, market_value: np.ndarray,
               q: int, due_q: np.ndarray, cip: np.ndarray, costs: cost_step.CostState) -> tuple[np.ndarray, np.ndarray | None]:
    """Foreclose the vehicles that failed this quarter (W, V); books the gain (loss) in this quarter's income.
    Capex cohorts the lenders took are never bought (``due_q`` (W, K) is set to NEVER for them), and their
    construction in progress ``cip`` (W, K) and the interest capitalised into them (``costs``) go with them.
    Returns (cross-default (W,) bool, cohorts taken (W, K) bool, or None when nothing was)."""
    now = failed & ~vstate.defaulted
    cross = np.zeros(len(failed), dtype=bool)
    if not now.any():
        return cross, None
    done = veh.foreclose(cc.vehicles, vstate, now, debt.balance, fleet.nbv, market_value)
    r = done.rows
    debt.balance[r] = done.debt_left
    debt.drawable[r] = np.where(done.tranches, 0.0, debt.drawable[r])
    debt.maturity_q[r] = np.where(done.tranches & (done.debt_left > CENT), q + 1, debt.maturity_q[r])  # a deficiency: due now
    fleet.nbv[r] = np.where(done.cohorts, 0.0, fleet.nbv[r])
    fleet.tax_nbv[r] = np.where(done.cohorts, 0.0, fleet.tax_nbv[r])
    fleet.retired[r] |= done.cohorts
    due = due_q[r]
    due_q[r] = np.where(done.cohorts & (due > q), NEVER, due)  # the lenders took what is still to buy
    spent = np.where(done.cohorts, cip[r] + costs.cip[r], 0.0)
    cip[r] = np.where(done.cohorts, 0.0, cip[r])
    costs.cip[r] = np.where(done.cohorts, 0.0, costs.cip[r])
    costs.taken[r] |= done.cohorts
    for name in ("foreclosure_gain", "pretax_income", "net_income"):
        L[name][r] += done.gain - spent.sum(axis=1)
    cross[r] = done.cross_default
    taken = np.zeros_like(fleet.retired)
    taken[r] = done.cohorts
    return cross, taken


def _project_chunk(cc: CompiledCompany, w: Worlds, keep: Collection[str] | None = None) -> Projection:
    n_w, n_q, n_t, n_k = w.n, cc.n_quarters, len(cc.tranche_names), len(cc.cohort_names)
    n_e, n_p = len(cc.financing.equity_names), len(cc.programmes.names)
    # quarter-major storage: each quarter writes contiguous rows; transposed to (W, Q) views at the end
    lines = _store((*INCOME_LINES, *CASH_FLOW_LINES, *BALANCE_LINES, *MEMO_LINES), keep, (n_q, n_w))
    tranches = _store(TRANCHE_LINES, None if keep is None else {"closing"}, (n_q, n_w, n_t))
    lean_tranches = [k for k, v in tranches.items() if len(v) == n_q] == ["closing"]
    collateral = np.zeros((n_q, n_w, n_t)) if keep is None else None
    values = None if keep is None else np.zeros((n_q, n_w, n_k))  # lean: cohort values, collateral on demand
    unpaid_maturity = np.zeros((n_q, n_w, n_t))
    programme_status = np.zeros((n_q, n_w, n_p), dtype=np.int8)
    x = _Inputs.of(cc, w)
    opening_nbv = np.broadcast_to(cc.cohort_opening_nbv, (n_w, n_k))
    fleet = fleet_step.FleetState(opening_nbv.copy(), np.broadcast_to(~cc.cohort_is_capex, (n_w, n_k)).copy(),
                                  np.zeros((n_w, n_k), dtype=bool), opening_nbv.copy())
    progs = prog_step.ProgrammeState.opening(x.due_q, cc.cohort_is_capex, n_p, len(cc.contract_gpus))
    debt = debt_step.DebtState.opening(cc, n_w)
    vstate = veh.VehicleState.opening(cc.vehicles, n_w, cc.cohort_opening_nbv)
    credit = CreditState.opening(n_w)
    # a lean run keeps only the vehicles' restricted cash (the recovery waterfall reads it) unless it keeps the
    # metrics' lines too (a covenant that can default the firm: its results need every vehicle line)
    stored_vehicle_lines = VEHICLE_LINES if keep is None or "ebitda" in keep else LEAN_VEHICLE_LINES
    vehicle_lines = {name: np.zeros((n_q, n_w, cc.vehicles.n)) for name in stored_vehicle_lines}
    cross_default = np.zeros((n_q, n_w), dtype=bool)
    costs, use_costs = cost_step.CostState.opening(cc.costs, n_w, n_k), cc.costs.any  # stress.engine.costs
    firm = _Firm(np.full(n_w, cc.opening.cash), np.full(n_w, cc.opening.receivables), np.full(n_w, cc.opening_tax_losses),
                 np.full(n_w, cc.opening.equity), np.zeros((n_w, n_t + n_e)), np.zeros((n_w, n_e), dtype=bool),
                 construction.opening(cc.cohort_paid, n_w))

    for q in range(n_q):
        L = {name: arr[min(q, len(arr) - 1)] for name, arr in lines.items()}  # views: L[x][:] fills quarter q
        fq, rq, prices = _fleet_and_revenue(cc, w, x, fleet, progs, vstate, q)
        _operating_lines(L, cc, q, fq, rq)
        rates, opening_balance, interest, accreted = _interest(L, cc, w, debt, q)
        capitalised = (cost_step.quarter_start(L, cc, costs, debt, progs, x.list_cost, q, rates, opening_balance, interest, accreted)
                       if use_costs else 0.0)
        _tax_lines(L, cc, fq, firm)
        credit.record(q, L["ebitda"], L["interest_expense"])
        scheduled = debt_step.amortisation(cc, debt, q, rates, interest, _amortising(cc, progs, q),
                                           veh.sculpt_cfads(cc.vehicles, q, debt.balance, cc.tranche_target_dscr))
        restricted_before = vstate.restricted
        vq = _service_vehicles(L, cc, w, x, vstate, q, rq, prices, interest, scheduled, debt, progs)
        if vq is not None and vq.unpaid_interest is not None:  # what a vehicle could not pay: interest accrues,
            interest, scheduled = interest - vq.unpaid_interest, scheduled - vq.unpaid_principal  # principal stays
            accreted = accreted + vq.unpaid_interest

        new_receivables = L["revenue"] * cc.receivable_days / (cc.timeline.hours[q] / 24.0)
        L["lease_payments"][:] = cc.operating_lease_payment[q] + cc.finance_lease_interest[q]  # the principal is financing
        L["lease_principal"][:] = cc.finance_lease_principal[q]
        L["cfo"][:] = (L["ebitda"] + L["lease_cost"] - L["lease_payments"] - (new_receivables - firm.receivables)
                       - L["interest_paid"] - L["tax"])
        firm.receivables = new_receivables
        L["asset_sales"][:] = rowsum(fq.proceeds)
        debt.balance -= scheduled
        swept = vq.swept if vq is not None and vq.swept is not None else None
        if swept is not None:
            debt.balance -= swept
        issued = debt_step.open_facilities(cc, debt, q, w.plan, w.refi_open[:, q], _incurrence_allows(cc, credit, vq, q, debt, firm))
        firm.earmarked[:, :n_t] += issued * cc.programmes.source_earmarked[:n_t]
        L["equity_issued"][:] = _raise_equity(cc, w, firm, q)
        moved = rowsum(restricted_before) - rowsum(vstate.restricted) if cc.vehicles.n else 0.0  # out of vehicles
        cash = (firm.cash + L["cfo"] + L["asset_sales"] - rowsum(scheduled) + rowsum(issued) - L["lease_principal"]
                + L["equity_issued"] + moved - (rowsum(swept) if swept is not None else 0.0))
        rating = credit.rating(q, rowsum(debt.balance), cash)
        performing = rating < cc.credit.closed_from
        outcome, cash = debt_step.settle_maturities(cc, debt, q, cash, cc.minimum_cash, w.refi_open[:, q] & performing,
                                                    cc.credit.spreads[rating], performing)
        maturity_failed, from_restricted = _vehicle_maturities(cc, vstate, outcome, debt)
        capex, bought, cash = _buy_capex(cc, x, fleet, progs, debt, firm, q, cash)
        _write_off_cancelled(L, cc, progs, firm)
        if use_costs:
            cash = cash - capitalised - cost_step.after_purchases(L, cc, costs, fleet, issued + bought.draws, bought.bought)
        paid, cash = financing.pay_distributions(cc.financing, q, cash, debt_step.available_revolver(cc, debt))
        rev_draws, rev_repays, firm.cash = debt_step.revolver(cc, debt, cash, cc.minimum_cash)

        drawn = issued + bought.draws + rev_draws
        repaid = scheduled + outcome.repaid + rev_repays
        for extra in (swept, from_restricted):
            if extra is not None:
                repaid = repaid + extra
        L["capex"][:] = rowsum(capex)
        L["distributions"][:] = rowsum(paid)
        L["debt_drawn"][:] = rowsum(drawn)
        L["debt_repaid"][:] = rowsum(repaid)
        L["cash_restricted"][:] = rowsum(restricted_before) - rowsum(vstate.restricted) if cc.vehicles.n else 0.0
        L["fcf"][:] = L["cfo"] - L["capex"]
        L["net_cash_flow"][:] = (L["fcf"] + L["asset_sales"] + L["debt_drawn"] - L["debt_repaid"] - L["lease_principal"]
                                 + L["equity_issued"] - L["distributions"] + L["cash_restricted"])
        if use_costs:
            cost_step.cash_flow_lines(L, cast(np.ndarray, capitalised))  # an array whenever use_costs
        L["scheduled_principal"][:] = rowsum(scheduled)
        L["vehicle_sweep"][:] = rowsum(swept) if swept is not None else 0.0
        L["revolver_net"][:] = rowsum(rev_draws) - rowsum(rev_repays)
        scheduled_capex = np.where((x.due_q == q) & cc.cohort_is_capex, x.to_pay, 0.0)  # (W, K) due this quarter
        L["capex_scheduled"][:] = rowsum(scheduled_capex)
        L["funding_gap"][:] = rowsum(scheduled_capex * cc.programmes.planned_share)
        L["capex_deferred"][:] = bought.deferred
        L["capex_cancelled"][:] = bought.cancelled
        market_value = fleet_step.market_value(fleet, q, progs.buy_q, x.lives(q, w, cc)[1],
                                               cc.cohort_residual, x.list_cost, x.cohort_price_index[q], x.resale_factor[:, q])
        extinguished = None  # (W, T) debt taken off the books by foreclosures this quarter; None when there are none
        L["foreclosure_gain"][:] = 0.0
        if vq is not None:
            failed = vq.failed if maturity_failed is None else vq.failed | maturity_failed
            before_foreclosure = debt.balance.copy()
            cross_default[q], taken = _foreclose(L, cc, vstate, failed, debt, fleet, market_value, q, x.due_q, firm.cip,
                                                 costs)
            if taken is not None:
                market_value = np.where(taken, 0.0, market_value)
                extinguished = before_foreclosure - debt.balance
            vstate.collateral = market_value @ cc.vehicles.cohort
        L["debt_extinguished"][:] = rowsum(extinguished) if extinguished is not None else 0.0
        _balance_lines(L, cc, q, firm, fleet, debt, market_value, rq, vstate)
        if use_costs:
            cost_step.balance_lines(L, costs)

        if lean_tranches:  # a lean run stores only the closing balances: the rest would go to scratch unread
            tranches["closing"][q] = debt.balance
        else:
            for name, arr in (("opening", opening_balance), ("drawn", drawn), ("interest", interest + accreted), ("accreted", accreted),
                              ("repaid", repaid), ("extinguished", np.zeros_like(debt.balance) if extinguished is None else extinguished),
                              ("refinanced", outcome.refinanced), ("closing", debt.balance)):
                tranches[name][min(q, len(tranches[name]) - 1)] = arr
        if vq is not None:
            for name, arr in (("cfads", vq.cfads), ("debt_service", vq.service), ("dscr", vq.dscr), ("ltv", vq.ltv),
                              ("restricted", vstate.restricted), ("locked", vq.locked), ("defaulted", vstate.defaulted),
                              ("recovery", vstate.recovery)):
                if name in vehicle_lines:
                    vehicle_lines[name][q] = arr
        unpaid_maturity[q] = outcome.unpaid
        if collateral is not None:
            collateral[q] = allocate_collateral(market_value, cc.secured, debt.balance)
        else:
            values[q] = market_value  # type: ignore[index]
        if keep is None:  # a lean run (Monte Carlo) reads no statuses
            programme_status[q] = prog_step.status(cc.programmes, progs, q, x.due_q)

    def stored(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        return {k: v for k, v in arrays.items() if len(v) == n_q}

    return Projection(cc, w, {k: v.T for k, v in stored(lines).items()}, {k: v.transpose(1, 2, 0) for k, v in stored(tranches).items()},
                      None if collateral is None else collateral.transpose(1, 2, 0), unpaid_maturity.transpose(1, 2, 0),
                      programme_status.transpose(1, 2, 0), None if values is None else values.transpose(1, 2, 0),
                      {k: v.transpose(1, 2, 0) for k, v in vehicle_lines.items()}, cross_default.T)
