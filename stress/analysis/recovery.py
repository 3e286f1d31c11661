"""The default waterfall: what each claim recovers when a firm defaults, from its balance sheet then.

Secured tranches recover from the market value of their collateral (capped,
in total, at the fleet's value); what is left of the fleet, receivables and
positive cash goes pro rata to senior unsecured claims (unsecured debt,
secured deficiencies, lease rejection claims, other liabilities), then to
subordinated debt. Used by the Monte Carlo and by the portfolio batch.
"""

from __future__ import annotations

import numpy as np

from stress.engine.compiled import CompiledCompany
from stress.engine.debt import CENT
from stress.engine.project import Projection
from stress.model.debt import Seniority


def lease_rejection_claim(cc: CompiledCompany) -> np.ndarray:
    """Lease rejection claim per quarter, USD: the greater of a year's rent and 15% of the liability,
    capped at three years' rent (after US Bankruptcy Code s502(b)(6))."""
    year = 4.0 * cc.lease_payment
    return np.minimum(np.maximum(year, 0.15 * cc.lease_liability), 3.0 * year)


def recovery_rates(cc: CompiledCompany, balance: np.ndarray, collateral: np.ndarray, fleet_value: np.ndarray,
                   other_value: np.ndarray, lease_claim: np.ndarray) -> tuple[np.ndarray, dict[Seniority, np.ndarray]]:
    """The default waterfall for W paths at their default quarters.

    ``balance``, ``collateral``: (W, T) USD; ``fleet_value``, ``other_value`` (receivables plus positive
    cash), ``lease_claim``: (W,). Returns per-tranche recovery rates (W, T) and the rate of each class (W,).
    """
    ranks = [cc.company.tranche(t).rank for t in cc.tranche_names]
    secured = np.array([r is Seniority.SECURED for r in ranks])
    senior = np.array([r is Seniority.SENIOR_UNSECURED for r in ranks])
    junior = np.array([r is Seniority.SUBORDINATED for r in ranks])
    sec_claim = balance * secured
    sec_rec = np.minimum(sec_claim, collateral * secured)
    total = sec_rec.sum(axis=1)
    sec_rec *= np.divide(fleet_value, total, out=np.ones_like(total), where=total > fleet_value)[:, None]
    residual = np.maximum(fleet_value + other_value - sec_rec.sum(axis=1), 0.0)
    deficiency = sec_claim - sec_rec
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
    """The waterfall of each world at its default quarter (any quarter for worlds that do not default:
    the caller ignores them). ``p`` needs the cash, receivables and fleet_value lines."""
    d = np.clip(default_q, 0, cc.n_quarters - 1)
    rows = np.arange(len(d))
    cash = p["cash"][rows, d]
    return recovery_rates(cc, p.tranches["closing"][rows, :, d], p.collateral_at(rows, d),
                          p["fleet_value"][rows, d], p["receivables"][rows, d] + np.maximum(cash, 0.0),
                          lease_rejection_claim(cc)[d])


def exposure_recovery(cc: CompiledCompany, per_tranche: np.ndarray, by_class: dict[Seniority, np.ndarray],
                      tranche: str | None, seniority: Seniority | None) -> np.ndarray:
    """(W,) recovery rate of an exposure in ``tranche`` (its class's rate once the tranche is repaid), or at ``seniority``."""
    if tranche is None:
        return by_class[seniority or Seniority.SENIOR_UNSECURED]
    rr = per_tranche[:, cc.tranche_names.index(tranche)]
    return np.where(np.isnan(rr), by_class[cc.company.tranche(tranche).rank], rr)
