"""The default waterfall: what each claim recovers when a firm defaults, from its balance sheet then.

Secured tranches recover from the market value of their collateral (capped,
in total, at the fleet's value); a financing vehicle's tranches recover first
from the vehicle's own collateral and restricted cash, whatever their stated
rank, and their deficiency is a claim on the parent only when the parent owes
it (a guarantee or a cross-default: ``CompiledVehicles.parent_pays``). What is
left of the fleet (a vehicle's surplus included), receivables and positive
cash goes pro rata to senior unsecured claims (unsecured debt, secured and
owed vehicle deficiencies, lease rejection claims, other liabilities), then to
subordinated debt. The value of a vehicle's contracts is not counted beyond
the cash they have already paid in (a conservative simplification). Used by
the Monte Carlo and by the portfolio batch.
"""

from __future__ import annotations

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.covenants import first_true
from stress.engine.financing import CENT
from stress.engine.project import Projection
from stress.engine.timeline import NEVER
from stress.engine.vehicles import pro_rata
from stress.model.debt import Seniority


def lease_rejection_claim(cc: CompiledCompany) -> np.ndarray:
    """Lease rejection claim per quarter, USD: the greater of a year's rent and 15% of the liability,
    capped at three years' rent (after US Bankruptcy Code s502(b)(6))."""
    year = 4.0 * cc.lease_payment
    return np.minimum(np.maximum(year, 0.15 * cc.lease_liability), 3.0 * year)


def recovery_rates(cc: CompiledCompany, balance: np.ndarray, collateral: np.ndarray, fleet_value: np.ndarray,
                   other_value: np.ndarray, lease_claim: np.ndarray,
                   vehicle_cash: np.ndarray | None = None) -> tuple[np.ndarray, dict[Seniority, np.ndarray]]:
    """The default waterfall for W paths at their default quarters.

    ``balance``, ``collateral``: (W, T) USD; ``fleet_value``, ``other_value`` (receivables plus positive
    cash, the vehicles' restricted cash included), ``lease_claim``: (W,); ``vehicle_cash`` (W, V): each
    vehicle's restricted cash. Returns per-tranche recovery rates (W, T) and the rate of each class (W,).
    """
    cv = cc.vehicles
    in_vehicle = cv.tranche.any(axis=1) if cv.n else np.zeros(len(cc.tranche_names), dtype=bool)
    ranks = [cc.company.tranche(t).rank for t in cc.tranche_names]
    secured = np.array([r is Seniority.SECURED for r in ranks], dtype=bool) | in_vehicle  # bool even with no debt
    senior = np.array([r is Seniority.SENIOR_UNSECURED for r in ranks], dtype=bool) & ~in_vehicle
    junior = np.array([r is Seniority.SUBORDINATED for r in ranks], dtype=bool) & ~in_vehicle
    pledged = fleet_value  # what secured claims can recover from in all: the fleet, and the vehicles' cash
    if cv.n and vehicle_cash is not None:  # a vehicle's restricted cash backs its own debt, pro rata
        collateral = collateral + pro_rata(vehicle_cash, balance * in_vehicle, cv.tranche)
        pledged = fleet_value + vehicle_cash.sum(axis=1)
    sec_claim = balance * secured
    sec_rec = np.minimum(sec_claim, collateral * secured)
    total = sec_rec.sum(axis=1)
    sec_rec *= np.divide(pledged, total, out=np.ones_like(total), where=total > pledged)[:, None]
    residual = np.maximum(fleet_value + other_value - sec_rec.sum(axis=1), 0.0)
    owed = ~in_vehicle | (cv.parent_pays if cv.n else True)  # a non-recourse vehicle's deficiency is its lenders' loss
    deficiency = (sec_claim - sec_rec) * owed
    unsec_claims = (balance * senior).sum(axis=1) + deficiency.sum(axis=1) + lease_claim + cc.opening.other_liabilities
    rr_senior = np.minimum(1.0, np.divide(residual, unsec_claims, out=np.ones_like(residual), where=unsec_claims > 0))
    left = np.maximum(residual - unsec_claims, 0.0)
    sub_claims = (balance * junior).sum(axis=1)
    rr_junior = np.minimum(1.0, np.divide(left, sub_claims, out=np.ones_like(left), where=sub_claims > 0))
    recovered = np.where(secured, sec_rec + deficiency * rr_senior[:, None], balance * np.where(senior, rr_senior[:, None], rr_junior[:, None]))
    per_tranche = np.divide(recovered, balance, out=np.full_like(balance, np.nan), where=balance > CENT)
    sec_total = sec_claim.sum(axis=1)
    rr_secured = np.divide((recovered * secured).sum(axis=1), sec_total, out=rr_senior.copy(), where=sec_total > CENT)
    return per_tranche, {Seniority.SECURED: rr_secured, Seniority.SENIOR_UNSECURED: rr_senior, Seniority.SUBORDINATED: rr_junior}


def recoveries_at_default(cc: CompiledCompany, p: Projection, default_q: np.ndarray) -> tuple[np.ndarray, dict[Seniority, np.ndarray]]:
    """The waterfall of each world at its default quarter (the last quarter for worlds that do not default,
    NEVER: the caller ignores them). ``p`` needs the cash, receivables and fleet_value lines."""
    d = np.minimum(default_q, cc.n_quarters - 1)
    rows = np.arange(len(d))
    cash = p["cash"][rows, d]
    vehicle_cash = p.vehicles["restricted"][rows, :, d] if p.vehicles else None
    restricted = vehicle_cash.sum(axis=1) if vehicle_cash is not None else 0.0
    return recovery_rates(cc, p.tranches["closing"][rows, :, d], p.collateral_at(rows, d),
                          p["fleet_value"][rows, d], p["receivables"][rows, d] + np.maximum(cash, 0.0) + restricted,
                          lease_rejection_claim(cc)[d], vehicle_cash)


def exposure_recovery(cc: CompiledCompany, per_tranche: np.ndarray, by_class: dict[Seniority, np.ndarray],
                      tranche: str | None, seniority: Seniority | None) -> np.ndarray:
    """(W,) recovery rate of an exposure in ``tranche`` (its class's rate once the tranche is repaid), or at ``seniority``."""
    if tranche is None:
        return by_class[seniority or Seniority.SENIOR_UNSECURED]
    rr = per_tranche[:, cc.tranche_names.index(tranche)]
    return np.where(np.isnan(rr), by_class[cc.company.tranche(tranche).rank], rr)


def vehicle_default_quarters(p: Projection) -> np.ndarray:
    """(W, V) the quarter each vehicle is foreclosed, NEVER where it never is."""
    if not p.vehicles or "defaulted" not in p.vehicles:
        return np.zeros((p.worlds.n, 0), dtype=int)
    return first_true(p.vehicles["defaulted"] > 0)  # type: ignore[no-any-return]


def exposure_outcome(cc: CompiledCompany, p: Projection, default_q: np.ndarray, tranche: str | None,
                     seniority: Seniority | None) -> tuple[np.ndarray, np.ndarray]:
    """(W,) when an exposure defaults and (W,) what it recovers then (NaN where it never defaults).

    An exposure defaults with the firm (``default_q``), recovering through the firm's waterfall; lent to a
    vehicle the parent does not stand behind (non-recourse, or completion-guaranteed), it defaults too when
    that vehicle is foreclosed first, recovering the vehicle's recovery rate (its collateral and restricted
    cash over its debt). A guaranteed vehicle's deficiency is the parent's to pay: its lenders lose only if
    the parent defaults."""
    per_tranche, by_class = recoveries_at_default(cc, p, default_q)
    rr = exposure_recovery(cc, per_tranche, by_class, tranche, seniority)
    at = np.asarray(default_q)
    t = cc.tranche_names.index(tranche) if tranche in cc.tranche_names else None
    v = -1 if t is None else cc.vehicles.tranche_vehicle()[t]
    if v >= 0 and not cc.vehicles.parent_pays[t] and "recovery" in p.vehicles:
        vq = vehicle_default_quarters(p)[:, v]
        first = (vq != NEVER) & (vq <= at)
        rows = np.arange(len(vq))
        rr = np.where(first, p.vehicles["recovery"][rows, v, np.minimum(vq, cc.n_quarters - 1)], rr)
        at = np.where(first, vq, at)
    return at, np.where(at == NEVER, np.nan, rr)
