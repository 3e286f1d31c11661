"""Credit metrics over the projection, vectorised over (W, Q).

A ratio whose denominator is not positive is NaN here ("n.m." in reports,
null in JSON); reports never show inf or nan. LTM flows are the sum of the
last four quarters, annualised (x 4 / quarters available) in the first year.
"""

from __future__ import annotations

import numpy as np

#: Indicative rating scale, best first; "D" is reserved for a world in default.
RATING_SCALE = ("AA", "A", "BBB", "BB", "B", "CCC", "CC", "D")
#: Upper bounds of net debt / LTM EBITDA (x) for AA..CCC; above the last is CC.
LEVERAGE_BOUNDS = (1.0, 2.0, 3.0, 4.0, 6.0, 8.0)
#: Lower bounds of LTM EBITDA / interest (x) for AA..CCC; below the last is CC.
COVER_BOUNDS = (15.0, 10.0, 6.0, 4.0, 2.0, 1.0)


def ltm(flow: np.ndarray) -> np.ndarray:
    """Last-twelve-months sum of a quarterly flow (W, Q), annualised while under four quarters."""
    csum = np.cumsum(flow, axis=-1)
    out = csum.copy()
    out[..., 4:] = csum[..., 4:] - csum[..., :-4]
    n = np.minimum(np.arange(1, flow.shape[-1] + 1), 4)
    return out * 4.0 / n


def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator where the denominator is positive, else NaN ("n.m.")."""
    return np.divide(numerator, denominator, out=np.full(np.broadcast_shapes(numerator.shape, denominator.shape), np.nan),
                     where=denominator > 0)


def leverage(debt: np.ndarray, ebitda_ltm: np.ndarray) -> np.ndarray:
    """Debt / LTM EBITDA, x."""
    return ratio(debt, ebitda_ltm)


def net_leverage(debt: np.ndarray, cash: np.ndarray, ebitda_ltm: np.ndarray) -> np.ndarray:
    """(Debt - cash) / LTM EBITDA, x."""
    return ratio(debt - cash, ebitda_ltm)


def lease_adjusted_leverage(debt: np.ndarray, lease_liabilities: np.ndarray, ebitdar_ltm: np.ndarray) -> np.ndarray:
    """(Debt + lease liabilities) / LTM EBITDAR, x."""
    return ratio(debt + lease_liabilities, ebitdar_ltm)


def interest_cover(ebitda_ltm: np.ndarray, interest_ltm: np.ndarray) -> np.ndarray:
    """LTM EBITDA / LTM interest expense, x."""
    return ratio(ebitda_ltm, interest_ltm)


def dscr(ebitda_ltm: np.ndarray, tax_ltm: np.ndarray, interest_ltm: np.ndarray, principal_ltm: np.ndarray) -> np.ndarray:
    """(LTM EBITDA - cash taxes) / (LTM interest + scheduled principal), x. Maturities are excluded:
    they are refinancing risk, shown as maturity defaults."""
    return ratio(ebitda_ltm - tax_ltm, interest_ltm + principal_ltm)


def runway_quarters(liquidity: np.ndarray, cash_change_before_revolver_ltm: np.ndarray) -> np.ndarray:
    """Liquidity / average quarterly cash burn over the last year; NaN when the firm is not burning cash."""
    return ratio(liquidity, -cash_change_before_revolver_ltm / 4.0)


def rating_index(net_lev: np.ndarray, cover: np.ndarray, in_default: np.ndarray) -> np.ndarray:
    """Index into RATING_SCALE (W, Q): the worse of the leverage and coverage buckets; D in default.

    Net cash (negative net leverage) rates on coverage alone; n.m. leverage (EBITDA <= 0) is CC.
    """
    lev = np.where(np.isnan(net_lev), 6, np.searchsorted(np.array(LEVERAGE_BOUNDS), np.maximum(net_lev, 0.0), side="left"))
    cov = np.where(np.isnan(cover), 0, np.searchsorted(-np.array(COVER_BOUNDS), -cover, side="left"))
    return np.where(in_default, 7, np.maximum(lev, cov))
