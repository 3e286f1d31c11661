"""What interest really costs: issue discounts and fees, commitment fees, interest capitalised during construction.

- **Discounts and fees.** A tranche issued or drawn after ``as_of`` at ``issue_price`` with upfront ``fees``
  raises ``face x (issue_price - fees)``; face is the debt, the difference a discount (a contra-liability,
  ``debt_discount``) paid for in cash when drawn (``debt_issue_costs``, financing). ``unamortised_discount`` is
  the discount left at ``as_of``. The discount is amortised into interest expense (non-cash) by the
  effective-interest method: each quarter the yield ``y`` that prices the remaining scheduled flows (coupon in
  force on the face outstanding, principal by the tranche's amortisation method, to its maturity) at the
  carrying amount (face - discount) is solved, and ``y x carrying - coupon x face`` is amortised. For a
  fixed-rate tranche paid as scheduled ``y`` is the yield at issue, so this is the effective-interest method;
  for a floating one it is the prospective method. What is left when the face is repaid is written off.
- **Commitment fees**: ``commitment_fee / 4`` of the undrawn commitment of an opened facility in its drawing
  period (a revolver: until its commitment ends), paid in cash, in interest expense.
- **Capitalised interest**: a ``capitalise_interest`` tranche's interest (cash coupon, accretion and discount
  amortisation; not commitment fees) times the share, by list cost, of its ``secured_by`` cohorts still to be
  bought leaves interest expense and is added to those cohorts' construction in progress
  (``capitalised_interest``, an asset); when a cohort is bought its share moves into its book value (and tax
  value) and is depreciated with it; a cancelled cohort's share is written off (impairment) the next quarter.
  The cash part is shown in capex (investing), not in interest paid (CFO).

Kept apart from ``stress.engine.debt`` (which moves face amounts), the state arrays are (W, T) over worlds and
tranches or (W, K) over cohorts; the projection calls three steps a quarter and skips them all when no tranche
uses a feature; the loops run over the few tranches that use one, never over worlds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from stress.engine.financing import CENT
from stress.engine.programmes import cohort_cancelled
from stress.engine.rows import rowsum
from stress.engine.timeline import NEVER
from stress.model.company import Company
from stress.model.debt import Amortisation

if TYPE_CHECKING:
    from stress.engine.compiled import CompiledCompany
    from stress.engine.debt import DebtState
    from stress.engine.fleet import FleetState
    from stress.engine.programmes import ProgrammeState

#: Newton iterations for the effective quarterly yield from its start (the coupon plus the discount spread over
#: the remaining life): it converges to machine precision in four or five (Newton's error squares each step).
#: A yield is solved only when a discount is new; it then rolls forward (see ``amortise_discount``).
NEWTON_STEPS = 12


@dataclass(frozen=True)
class CompiledCosts:
    """Per tranche (T,)."""

    proceeds_share: np.ndarray  # issue_price - fees: cash per unit of face issued or drawn after as_of
    opening_discount: np.ndarray  # USD unamortised at as_of
    commitment_fee: np.ndarray  # annual share of the undrawn commitment
    capitalise: np.ndarray  # bool

    @property
    def any_discount(self) -> bool:
        return bool((self.proceeds_share < 1.0).any() or (self.opening_discount > 0).any())

    @property
    def any_commitment_fee(self) -> bool:
        return bool((self.commitment_fee > 0).any())

    @property
    def any_capitalised(self) -> bool:
        return bool(self.capitalise.any())

    @property
    def any(self) -> bool:
        return self.any_discount or self.any_commitment_fee or self.any_capitalised


def compile_costs(company: Company) -> CompiledCosts:
    return CompiledCosts(
        proceeds_share=np.array([t.issue_price - t.fees for t in company.debt], dtype=float).reshape(-1),
        opening_discount=np.array([t.unamortised_discount for t in company.debt], dtype=float).reshape(-1),
        commitment_fee=np.array([t.commitment_fee for t in company.debt], dtype=float).reshape(-1),
        capitalise=np.array([t.capitalise_interest for t in company.debt], dtype=bool).reshape(-1),
    )


@dataclass
class CostState:
    discount: np.ndarray  # (W, T) unamortised discount, USD
    cip: np.ndarray  # (W, K) interest capitalised into cohorts not yet bought, USD
    yield_q: np.ndarray  # (W, T) last effective quarterly yield solved; NaN: none yet, or a new discount since
    coupon_q: np.ndarray  # (W, T) the quarterly coupon that yield was solved with
    taken: np.ndarray  # (W, K) bool: cohorts a foreclosed vehicle's lenders took: never built, capitalise nothing

    @classmethod
    def opening(cls, costs: CompiledCosts, n_worlds: int, n_cohorts: int) -> CostState:
        n_t = len(costs.opening_discount)
        return cls(np.broadcast_to(costs.opening_discount, (n_worlds, n_t)).copy(), np.zeros((n_worlds, n_cohorts)),
                   np.full((n_worlds, n_t), np.nan), np.full((n_worlds, n_t), np.nan),
                   np.zeros((n_worlds, n_cohorts), dtype=bool))


def remaining_flows(face: np.ndarray, coupon_q: np.ndarray, left: np.ndarray, method: Amortisation,
                    horizon: int) -> np.ndarray:
    """Scheduled debt service (W, N) at the end of each of the next N = ``horizon`` quarters on ``face`` (W,)
    at the quarterly coupon ``coupon_q`` (W,) over ``left`` (W,) quarters: interest on the face outstanding
    plus principal by ``method``; nothing after the last quarter."""
    k = np.arange(horizon)[None, :]
    n = np.maximum(left, 1)[:, None].astype(float)
    inside = k < n
    c = coupon_q[:, None]
    if method is Amortisation.STRAIGHT_LINE:
        outstanding = face[:, None] * (1.0 - k / n)
        principal = face[:, None] / n
    elif method is Amortisation.ANNUITY:
        growth = (1.0 + c) ** n
        level = np.abs(c) > 1e-12
        denom = np.where(level, growth - 1.0, 1.0)
        outstanding = np.where(level, face[:, None] * (growth - (1.0 + c) ** k) / denom, face[:, None] * (1.0 - k / n))
        principal = outstanding - np.where(level, face[:, None] * (growth - (1.0 + c) ** (k + 1)) / denom,
                                           face[:, None] * (1.0 - (k + 1) / n))
    else:
        outstanding = np.broadcast_to(face[:, None], (len(face), horizon))
        principal = np.where(k == n - 1, face[:, None], 0.0)
    return np.where(inside, outstanding * c + principal, 0.0)


def effective_yield(carrying: np.ndarray, flows: np.ndarray, guess: np.ndarray, steps: int = NEWTON_STEPS) -> np.ndarray:
    """Quarterly yield (W,) at which the flows (W, N), at the end of quarters 1..N, are worth ``carrying``.

    Each world iterates until its own step is below 1e-15 (then it is frozen) or ``steps`` run out, so a
    world's yield never depends on which other worlds share the batch (a warm-started one stops in two steps,
    a cold one in five or so; the loop ends when every world has)."""
    t = np.arange(1, flows.shape[1] + 1, dtype=float)[None, :]
    y = guess.copy()
    rows = np.arange(len(y))  # the worlds still iterating; the work shrinks as they converge
    for _ in range(steps):
        yr, fl = y[rows], flows[rows]
        fv = fl * np.exp(-t * np.log1p(yr)[:, None])  # each flow's present value
        f = fv.sum(axis=1) - carrying[rows]
        df = -(fv * t).sum(axis=1) / (1.0 + yr)
        step = np.where(df < 0, f / np.where(df < 0, df, -1.0), 0.0)
        y[rows] = np.clip(yr - step, -0.5, 5.0)
        rows = rows[np.abs(step) >= 1e-15]  # converged: Newton's error squares each step
        if not len(rows):
            break
    return y


def amortise_discount(costs: CompiledCosts, state: CostState, methods: list[Amortisation], face: np.ndarray,
                      rates: np.ndarray, maturity_q: np.ndarray, q: int) -> np.ndarray:
    """Discount amortised this quarter (W, T) on the opening ``face`` (W, T) at the annual ``rates`` (W, T) in
    force; reduces ``state.discount``. All of it goes when the face is (nearly) repaid or at maturity."""
    out = np.zeros_like(state.discount)
    for t in np.flatnonzero((state.discount > CENT).any(axis=0)):
        d, f = state.discount[:, t], face[:, t]
        left = np.maximum(maturity_q[:, t] - q + 1, 1)
        last = (left <= 1) | (f <= CENT)
        coupon = rates[:, t] / 4.0
        live = (d > CENT) & ~last
        amort = np.where(last, d, 0.0)
        # the yield is solved when a discount is new; after that it holds its spread over the coupon, so a
        # floating coupon's reset moves it one for one (an approximation of re-solving, far cheaper over 100k
        # paths, README "Issue discounts and fees"); whatever is left goes at maturity
        known = np.isfinite(state.yield_q[:, t])
        reset = live & known & (state.coupon_q[:, t] != coupon)
        state.yield_q[:, t] = np.where(reset, state.yield_q[:, t] + coupon - state.coupon_q[:, t], state.yield_q[:, t])
        state.coupon_q[:, t] = np.where(reset, coupon, state.coupon_q[:, t])
        solve = live & ~known
        if solve.any():
            rows = np.flatnonzero(solve)
            flows = remaining_flows(f[rows], coupon[rows], left[rows], methods[t], int(left[rows].max()))
            guess = coupon[rows] + d[rows] / np.maximum(f[rows] * left[rows], CENT)
            state.yield_q[rows, t] = effective_yield(f[rows] - d[rows], flows, guess)
            state.coupon_q[rows, t] = coupon[rows]
        y = state.yield_q[:, t]
        amort = np.where(live, np.clip(np.where(live, y, 0.0) * (f - d) - coupon * f, 0.0, d), amort)
        out[:, t] = amort
    state.discount -= out
    return out


def commitment_fees(costs: CompiledCosts, drawable: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Fees (W, T) on the undrawn commitment ``drawable`` (W, T) where ``live`` (W, T) bool, this quarter."""
    return np.where(live, drawable, 0.0) * costs.commitment_fee[None, :] / 4.0


def issue_discount(costs: CompiledCosts, state: CostState, drawn: np.ndarray) -> np.ndarray:
    """Discount and fees (W, T) on face ``drawn`` (W, T) this quarter: added to ``state.discount``, paid in cash."""
    new = drawn * (1.0 - costs.proceeds_share)[None, :]
    state.discount += new
    state.yield_q[new > 0] = np.nan  # a new discount: the yield is solved afresh
    return new


def pending_weights(secured: np.ndarray, list_cost: np.ndarray, pending: np.ndarray, t: int) -> tuple[np.ndarray, np.ndarray]:
    """For tranche ``t``: the list cost of its secured cohorts still to be bought (W, K), and the share (W,) of
    all its secured cohorts' list cost that is."""
    pledged = list_cost * secured[:, t][None, :]
    waiting = np.where(pending, pledged, 0.0)
    total = pledged.sum(axis=1)
    return waiting, np.where(total > 0, waiting.sum(axis=1) / np.where(total > 0, total, 1.0), 0.0)


def capitalise(costs: CompiledCosts, state: CostState, secured: np.ndarray, list_cost: np.ndarray, pending: np.ndarray,
               cash_interest: np.ndarray, noncash_interest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Interest capitalised this quarter: (cash part (W,), total (W,)); adds it to ``state.cip`` of the pending
    cohorts (W, K bool), pro rata to list cost."""
    cash = np.zeros(pending.shape[0])
    total = np.zeros(pending.shape[0])
    for t in np.flatnonzero(costs.capitalise).tolist():  # Python ints
        waiting, share = pending_weights(secured, list_cost, pending, t)
        if not (share > 0).any():
            continue
        part_cash, part = share * cash_interest[:, t], share * (cash_interest[:, t] + noncash_interest[:, t])
        base = waiting.sum(axis=1, keepdims=True)
        state.cip += np.where(base > 0, waiting / np.where(base > 0, base, 1.0), 0.0) * part[:, None]
        cash += part_cash
        total += part
    return cash, total


def release_cip(state: CostState, bought: np.ndarray) -> np.ndarray:
    """Construction in progress (W, K) of the cohorts bought this quarter, moved out of ``state.cip``."""
    moved = np.where(bought, state.cip, 0.0)
    state.cip -= moved
    return moved


def write_off_cip(state: CostState, cancelled: np.ndarray) -> np.ndarray:
    """Construction in progress (W,) of cancelled cohorts (W, K bool), written off."""
    gone = np.where(cancelled, state.cip, 0.0)
    state.cip -= gone
    return rowsum(gone)


# --- the projection's hooks: each a few lines in stress.engine.project ---------------------------------------

def interest_lines(L: dict[str, np.ndarray], costs: CompiledCosts, state: CostState, methods: list[Amortisation],
                   opening_face: np.ndarray, rates: np.ndarray, maturity_q: np.ndarray, q: int, cash_interest: np.ndarray,
                   accreted: np.ndarray, undrawn: np.ndarray | None, secured: np.ndarray, list_cost: np.ndarray,
                   pending: np.ndarray | None) -> np.ndarray:
    """After the coupon: discount amortisation and commitment fees into interest, then capitalisation out of it;
    adjusts ``interest_paid`` and ``interest_expense`` in ``L``. ``undrawn`` (W, T): commitment fees' base;
    ``pending`` (W, K): cohorts still to be bought. Returns the cash interest capitalised (W,): investing."""
    amortised = np.zeros_like(opening_face)
    if costs.any_discount:
        amortised = amortise_discount(costs, state, methods, opening_face, rates, maturity_q, q)
        L["discount_amortised"][:] = rowsum(amortised)
        L["interest_expense"] += L["discount_amortised"]
    if costs.any_commitment_fee:
        L["commitment_fees"][:] = rowsum(commitment_fees(costs, undrawn, undrawn > 0))  # type: ignore[arg-type,operator]
        L["interest_paid"] += L["commitment_fees"]
        L["interest_expense"] += L["commitment_fees"]
    cash = np.zeros(len(opening_face))
    if costs.any_capitalised:
        cash, total = capitalise(costs, state, secured, list_cost, pending, cash_interest, accreted + amortised)  # type: ignore[arg-type]
        L["interest_capitalised"][:] = total
        L["interest_paid"] -= cash
        L["interest_expense"] -= total
    return cash


def balance_lines(L: dict[str, np.ndarray], state: CostState) -> None:
    """The discount against debt (a contra-liability) and construction-in-progress interest in the totals."""
    L["debt_discount"][:] = rowsum(state.discount)
    L["capitalised_interest"][:] = rowsum(state.cip)
    L["total_liabilities"] -= L["debt_discount"]
    L["total_assets"] += L["capitalised_interest"]


def quarter_start(L: dict[str, np.ndarray], cc: CompiledCompany, state: CostState, debt: DebtState,
                  progs: ProgrammeState, list_cost: np.ndarray, q: int, rates: np.ndarray,
                  opening_face: np.ndarray, cash_interest: np.ndarray, accreted: np.ndarray) -> np.ndarray:
    """The interest-cost lines of quarter ``q`` (after the coupon, before tax); ``progs`` says which cohorts are
    bought or cancelled. Returns the cash interest capitalised (W,)."""
    costs = cc.costs
    if costs.any_capitalised:  # last quarter's cancellations: their construction in progress is written off
        cancelled = cohort_cancelled(cc.programmes, progs)
        gone = write_off_cip(state, cancelled)
        L["impairment"] += gone
        L["ebit"] -= gone
    undrawn = pending = None
    if costs.any_commitment_fee:
        revolver = cc.tranche_is_revolver[None, :]
        live = debt.opened & ~debt.matured & (revolver | (q <= cc.financing.tranche_draw_end_q)[None, :])
        undrawn = np.where(live, debt.drawable, 0.0)
    if costs.any_capitalised:
        pending = cc.cohort_is_capex[None, :] & (progs.buy_q == NEVER) & ~cancelled & ~state.taken
    return interest_lines(L, costs, state, cc.tranche_amortisation, opening_face, rates, debt.maturity_q, q, cash_interest,
                          accreted, undrawn, cc.secured, list_cost, pending)


def after_purchases(L: dict[str, np.ndarray], cc: CompiledCompany, state: CostState, fleet: FleetState,
                    drawn: np.ndarray, bought: np.ndarray) -> np.ndarray:
    """Discount and fees on face ``drawn`` (W, T) this quarter (issued and capex draws; revolver draws carry
    none); the construction in progress of cohorts ``bought`` (W, K) into their book and tax values.
    Returns the cash paid in fees (W,)."""
    if cc.costs.any_discount:
        L["debt_issue_costs"][:] = rowsum(issue_discount(cc.costs, state, drawn))
    if cc.costs.any_capitalised:
        moved = release_cip(state, bought)
        fleet.nbv = fleet.nbv + moved
        fleet.tax_nbv = fleet.tax_nbv + moved
    return L["debt_issue_costs"]


def cash_flow_lines(L: dict[str, np.ndarray], capitalised_cash: np.ndarray) -> None:
    """Capitalised cash interest is investing (capex), not CFO; fees paid on issue are financing."""
    L["capex"] += capitalised_cash
    L["fcf"] -= capitalised_cash
    L["net_cash_flow"] -= capitalised_cash + L["debt_issue_costs"]
