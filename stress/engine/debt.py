"""One quarter of debt: rates, interest, amortisation, draws, maturities, the revolver.

State arrays are (W, T) over worlds and tranches, USD. The loops here run
over *tranches* (a handful), never over worlds.

At maturity the balance is repaid from cash above the minimum; the rest is
refinanced at the world's market rate (base + the refinancing grid's spread for
the firm's indicative rating then, ``stress.engine.credit``, + the world's
spread add-on, as a 5-year bullet) when refinancing is open to the firm;
otherwise it is drawn from the revolver if there is headroom, and what is left
unpaid is a **maturity default**: the balance stays outstanding, past due, and
is demanded again every quarter. A non-recourse vehicle's maturity is not the
parent's to pay: what refinancing does not cover is the vehicle's default
(``stress.engine.vehicles``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stress.engine import financing
from stress.engine.amortisation import scheduled_principal, sculpted_principal
from stress.engine.compiled import REFINANCING_TERM_QUARTERS, CompiledCompany
from stress.engine.financing import CENT  # noqa: F401  (amounts below a cent are rounding, not a default)
from stress.engine.rows import rowsum
from stress.model.debt import Amortisation


@dataclass
class DebtState:
    balance: np.ndarray  # (W, T) drawn principal
    drawable: np.ndarray  # (W, T) undrawn commitment still available (delayed draws, revolvers)
    maturity_q: np.ndarray  # (W, T) int current maturity quarter
    refinanced: np.ndarray  # (W, T) bool
    matured: np.ndarray  # (W, T) bool: a revolver whose commitment has ended
    opened: np.ndarray  # (W, T) bool: the facility is available (committed and due, or planned and raised)
    refi_spread: np.ndarray  # (W, T) spread over base of a refinanced balance, set when it refinances
    step_up: np.ndarray  # (W, T) added to the rate of a loan whose maturity was amended and extended
    extended: np.ndarray  # (W, T) bool: its maturity has been extended once

    @classmethod
    def opening(cls, cc: CompiledCompany, n_worlds: int) -> DebtState:
        def tile(row: np.ndarray) -> np.ndarray:
            return np.broadcast_to(row, (n_worlds, len(row))).copy()

        opened = cc.financing.opened_at_start
        return cls(
            balance=tile(cc.tranche_balance),
            drawable=tile(np.where(opened, cc.tranche_limit - cc.tranche_balance, 0.0)),
            maturity_q=tile(cc.tranche_maturity_q),
            refinanced=np.zeros((n_worlds, len(cc.tranche_balance)), dtype=bool),
            matured=np.zeros((n_worlds, len(cc.tranche_balance)), dtype=bool),
            opened=tile(opened),
            refi_spread=tile(cc.tranche_spread),  # replaced by the grid's spread when it refinances
            step_up=np.zeros((n_worlds, len(cc.tranche_balance))),
            extended=np.zeros((n_worlds, len(cc.tranche_balance)), dtype=bool),
        )


def open_facilities(cc: CompiledCompany, state: DebtState, q: int, plan: np.ndarray, market_open: np.ndarray,
                    allowed: np.ndarray | None = None) -> np.ndarray:
    """Open the facilities that become available in ``q`` (see ``stress.engine.financing``); notes and loans
    that fund no capex are issued in full. ``allowed`` (W, T): the incurrence tests pass for a planned
    facility (a committed one is already incurred). Returns the amounts issued (W, T), cash in."""
    fin = cc.financing
    now = financing.opening_now(q, state.opened, fin.tranche_planned, fin.tranche_available_q, plan, market_open)
    if allowed is not None:
        now &= allowed | ~fin.tranche_planned[None, :]
    state.opened |= now
    state.drawable = np.where(now, cc.tranche_limit - state.balance, state.drawable)
    issued = np.where(now & fin.tranche_issue_in_full[None, :], state.drawable, 0.0)
    state.drawable -= issued
    state.balance += issued
    return issued


def capex_headroom(cc: CompiledCompany, state: DebtState, q: int) -> np.ndarray:
    """(W, T) undrawn commitment that capex may draw now: opened facilities within their drawing period
    (to ``draw_until``, at the latest the original maturity: refinancing a drawn balance extends the loan,
    not the commitment)."""
    live = state.opened & (q <= cc.financing.tranche_draw_end_q)[None, :] & (q < cc.tranche_maturity_q)[None, :]
    return np.where(live & ~state.matured, state.drawable, 0.0)


def accretion(cc: CompiledCompany, state: DebtState, q: int) -> np.ndarray:
    """Non-cash interest (W, T) that accretes an accreting tranche's balance to its redemption amount at
    maturity at a constant quarterly rate: ``balance x ((R / balance) ** (1 / quarters left) - 1)``."""
    out = np.zeros_like(state.balance)
    cols = np.flatnonzero(cc.financing.tranche_redemption > 0)  # the accreting tranches: a few at most
    if not cols.size:
        return out
    balance, redemption = state.balance[:, cols], cc.financing.tranche_redemption[cols][None, :]
    accreting = ~state.refinanced[:, cols] & (balance > CENT) & (balance < redemption)
    left = np.maximum(state.maturity_q[:, cols] - q + 1, 1)
    safe = np.where(accreting, balance, 1.0)
    out[:, cols] = np.where(accreting, safe * ((np.where(accreting, redemption, 1.0) / safe) ** (1.0 / left) - 1.0), 0.0)
    return out


def cash_interest(cc: CompiledCompany, state: DebtState, balance: np.ndarray, rates: np.ndarray) -> np.ndarray:
    """Interest paid in cash (W, T) on the quarter's opening ``balance``: an accreting tranche pays its coupon
    on the redemption amount (its face); every other on its balance."""
    if not cc.financing.tranche_redemption.any():
        return balance * rates / 4.0
    redemption = cc.financing.tranche_redemption[None, :]
    face = np.where((redemption > 0) & ~state.refinanced & (balance > CENT), redemption, balance)
    return face * rates / 4.0


def annual_rates(cc: CompiledCompany, state: DebtState, base: np.ndarray, spread_add: np.ndarray) -> np.ndarray:
    """All-in annual rate per tranche (W, T): coupon if fixed, max(base, floor) + spread + add-on if floating.

    ``state.refi_spread`` holds the tranche's own spread until the balance refinances, so it is the spread in
    force either way; the step-up is added only once some loan has been extended (before that it is all zero)."""
    floating = cc.tranche_floating | state.refinanced
    floating_rate = np.maximum(base[:, None], cc.tranche_floor) + state.refi_spread + spread_add[:, None]
    rates = np.where(floating, floating_rate, cc.tranche_spread)
    return rates + state.step_up if state.extended.any() else rates


def amortisation(cc: CompiledCompany, state: DebtState, q: int, rates: np.ndarray, interest: np.ndarray,
                 started: np.ndarray | None = None, sculpt_cfads: np.ndarray | None = None) -> np.ndarray:
    """Scheduled principal before maturity (W, T); maturities are handled by ``settle_maturities``.

    ``interest`` (W, T): this quarter's cash interest (a sculpted schedule pays what its cash flow leaves
    after it); ``started`` (W, T) bool: the tranche amortises from now (``amortise_from``), None for all;
    ``sculpt_cfads`` (W, T): each sculpted tranche's share of its vehicle's contracted cash flow as signed."""
    out = np.zeros_like(state.balance)
    for t, method in enumerate(cc.tranche_amortisation):
        left = int(cc.tranche_maturity_q[t]) - q + 1
        if method is Amortisation.BULLET or left < 2:
            continue
        balance = state.balance[:, t]
        if method is Amortisation.SCHEDULE:
            due = np.minimum(cc.tranche_schedule[t, q], balance)
        elif method is Amortisation.SCULPTED:
            due = sculpted_principal(balance, interest[:, t], sculpt_cfads[:, t], cc.tranche_target_dscr[t])  # type: ignore[index]
        else:
            due = scheduled_principal(balance, left, rates[:, t] / 4.0, method)
        if started is not None:
            due = np.where(started[:, t], due, 0.0)
        out[:, t] = np.where(state.refinanced[:, t], 0.0, due)
    return out


@dataclass(frozen=True)
class MaturityOutcome:
    repaid: np.ndarray  # (W, T) paid in cash (possibly funded by the revolver afterwards)
    refinanced: np.ndarray  # (W, T) rolled into new debt at the market rate
    unpaid: np.ndarray  # (W, T) due and not paid: maturity default


def settle_maturities(cc: CompiledCompany, state: DebtState, q: int, cash: np.ndarray, minimum_cash: float,
                      refi_open: np.ndarray, refi_spread: np.ndarray,
                      performing: np.ndarray | None = None) -> tuple[MaturityOutcome, np.ndarray]:
    """Repay, refinance or default each balance due in quarter ``q``; returns the outcome and new cash.

    ``refi_open`` (W,) bool: lenders refinance this firm now (the market is open and its rating above the
    grid's floor); ``refi_spread`` (W,): the spread they charge; ``performing`` (W,) bool: rated above the
    floor, so a loan not refinanced is amended and extended once (``cc.credit.extension_q``; None: never).
    A non-recourse vehicle's tranche (``cc.vehicles.parent_pays`` False) is refinanced, extended or left
    unpaid, never paid from the parent's cash."""
    out = MaturityOutcome(np.zeros_like(state.balance), np.zeros_like(state.balance), np.zeros_like(state.balance))
    cash = cash.copy()  # paid down in place, world by world, below
    promised = np.zeros_like(cash)  # revolver headroom already promised to earlier maturities this quarter
    # only tranches with something due in some world, and revolvers (renewed or ended), need the steps below
    due_now = ((q >= state.maturity_q) & (state.balance > CENT)).any(axis=0) | cc.tranche_is_revolver
    for t in np.flatnonzero(due_now).tolist():  # Python ints
        _renew_undrawn_revolver(cc, state, q, t, refi_open)
        due = np.where(q >= state.maturity_q[:, t], state.balance[:, t], 0.0)
        if np.any(due > CENT):
            rows = np.flatnonzero(due)  # a world with nothing due is left as it is: every step below adds zero
            _settle_tranche(cc, state, q, t, slice(None) if len(rows) == len(due) else rows, due, cash, minimum_cash,
                            refi_open, refi_spread, performing, promised, out)
        _end_revolver_commitment(cc, state, q, t)
    return out, cash


def _settle_tranche(cc: CompiledCompany, state: DebtState, q: int, t: int, rows: np.ndarray | slice, due: np.ndarray,
                    cash: np.ndarray, minimum_cash: float, refi_open: np.ndarray, refi_spread: np.ndarray,
                    performing: np.ndarray | None, promised: np.ndarray, out: MaturityOutcome) -> None:
    """Settle tranche ``t``'s maturity ``due`` (W,) in the worlds ``rows`` (index array or every world): from
    cash above the minimum (the parent's debt only), then refinancing, an extension, the other revolvers'
    headroom; the rest is unpaid. Mutates ``state``, ``cash`` (W,), ``promised`` (W,) and ``out`` (W, T).
    Working on the rows with something due keeps the many quarters where a few worlds are past due cheap."""
    parent = bool(cc.vehicles.parent_pays[t])
    due = due[rows]
    from_cash = np.minimum(due, np.maximum(cash[rows] - minimum_cash, 0.0)) if parent else np.zeros_like(due)
    rest = due - from_cash
    rolled = np.where(refi_open[rows], rest, 0.0)
    rest = rest - rolled
    if performing is not None and cc.credit.extension_q and cc.tranche_extendable[t]:
        extend = (rest > CENT) & performing[rows] & ~state.extended[rows, t]
        state.extended[rows, t] |= extend
        state.step_up[rows, t] += np.where(extend, cc.credit.step_up, 0.0)
        state.maturity_q[rows, t] = np.where(extend, q + cc.credit.extension_q, state.maturity_q[rows, t])
        rest = np.where(extend, 0.0, rest)
    revolvers = np.flatnonzero(cc.tranche_is_revolver)
    other = revolvers[revolvers != t]
    if parent and len(other):
        headroom = rowsum(np.where(state.matured[rows][:, other], 0.0, state.drawable[rows][:, other]))
        from_revolver = np.minimum(rest, np.maximum(headroom - promised[rows], 0.0))
    else:
        from_revolver = np.minimum(rest, 0.0) if parent else np.zeros_like(rest)  # no headroom: min(rest, 0)
    promised[rows] = promised[rows] + from_revolver
    paid = from_cash + from_revolver
    out.repaid[rows, t] = paid
    out.refinanced[rows, t] = rolled
    out.unpaid[rows, t] = np.where(rest - from_revolver > CENT, rest - from_revolver, 0.0)
    cash[rows] = cash[rows] - paid
    state.balance[rows, t] -= paid
    rolled_now = rolled > CENT
    state.refinanced[rows, t] |= rolled_now
    state.refi_spread[rows, t] = np.where(rolled_now, refi_spread[rows], state.refi_spread[rows, t])
    state.maturity_q[rows, t] = np.where(rolled_now, q + REFINANCING_TERM_QUARTERS, state.maturity_q[rows, t])


def _renew_undrawn_revolver(cc: CompiledCompany, state: DebtState, q: int, t: int, refi_open: np.ndarray) -> None:
    """An undrawn revolver reaching maturity while markets are open is renewed for another term,
    as a drawn one is by refinancing its balance."""
    if cc.tranche_is_revolver[t]:
        renew = (q >= state.maturity_q[:, t]) & refi_open & (state.balance[:, t] <= CENT) & ~state.matured[:, t]
        state.maturity_q[:, t] = np.where(renew, q + REFINANCING_TERM_QUARTERS, state.maturity_q[:, t])


def _end_revolver_commitment(cc: CompiledCompany, state: DebtState, q: int, t: int) -> None:
    """A revolver past its maturity that was not refinanced can no longer be drawn."""
    if cc.tranche_is_revolver[t]:
        ended = q >= state.maturity_q[:, t]
        state.matured[:, t] |= ended
        state.drawable[:, t] = np.where(state.matured[:, t], 0.0, state.drawable[:, t])


def _headroom(state: DebtState, revolvers: np.ndarray) -> np.ndarray:
    return np.where(state.matured[:, revolvers], 0.0, state.drawable[:, revolvers])


def revolver(cc: CompiledCompany, state: DebtState, cash: np.ndarray, minimum_cash: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw to bring cash up to the minimum, or repay from the surplus; returns (draws, repays, cash), (W, T)."""
    draws = np.zeros_like(state.balance)
    repays = np.zeros_like(state.balance)
    need = np.maximum(minimum_cash - cash, 0.0)
    surplus = np.maximum(cash - minimum_cash, 0.0)
    for t in np.flatnonzero(cc.tranche_is_revolver):
        draw = np.minimum(need, _headroom(state, np.array([t]))[:, 0])
        repay = np.minimum(surplus, state.balance[:, t])
        draws[:, t], repays[:, t] = draw, repay
        need, surplus = need - draw, surplus - repay
        state.balance[:, t] += draw - repay
        state.drawable[:, t] += np.where(state.matured[:, t], 0.0, repay - draw)
    cash = cash + rowsum(draws) - rowsum(repays)
    return draws, repays, cash


def available_revolver(cc: CompiledCompany, state: DebtState) -> np.ndarray:
    """Undrawn, unexpired revolver commitment (W,), USD."""
    revolvers = np.flatnonzero(cc.tranche_is_revolver)
    return rowsum(_headroom(state, revolvers)) if len(revolvers) else np.zeros(state.balance.shape[0])
