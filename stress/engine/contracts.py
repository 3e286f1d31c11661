"""Contract terms: each signed (or awarded) term, then the renewal terms that follow the contracts that have a
renewal rule. The engine treats them alike (``C`` terms); a renewal term differs in that it runs for a
world's share of its capacity (``Worlds.renewal``) and may be priced at the market when it starts.

A renewal term starts the day after its contract ends and runs ``term_years``; it keeps the contract's
customer, GPUs, programme (so it slips with it) and status. Priced at the market, its price is the world's
spot price of its GPU model in the quarter it starts, times ``(1 - vintage_decay) ** age`` for GPUs that
have served the whole first term (``age`` = that term in years), less the ``haircut``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from stress.model.company import Company
from stress.model.contract import Contract, RenewalPrice


@dataclass(frozen=True)
class ContractTerm:
    contract: Contract
    start: dt.date
    end: dt.date
    renews: int  # index of the contract it renews; -1 for a contract's own term

    @property
    def is_renewal(self) -> bool:
        return self.renews >= 0

    @property
    def market_priced(self) -> bool:
        r = self.contract.renewal
        return self.is_renewal and r is not None and r.price is RenewalPrice.MARKET

    @property
    def price(self) -> float:
        """USD per GPU-hour: the contract's, a fixed renewal price, or for a market-priced renewal the
        contract's price as a placeholder (the engine prices it per world)."""
        r = self.contract.renewal
        if self.is_renewal and r is not None and r.price is RenewalPrice.FIXED and r.fixed_price is not None:
            return r.fixed_price
        return self.contract.price_per_gpu_hour

    @property
    def age_years(self) -> float:
        """Age of its GPUs when a renewal starts: the first term's length, years (0 for a contract's own term)."""
        if not self.is_renewal:
            return 0.0
        return (self.start - self.contract.start).days / 365.25

    @property
    def probability(self) -> float:
        r = self.contract.renewal
        return r.probability if self.is_renewal and r is not None else 1.0


def contract_terms(company: Company) -> list[ContractTerm]:
    """The contracts' own terms, in profile order, then one renewal term per contract with a renewal rule."""
    own = [ContractTerm(c, c.start, c.end, -1) for c in company.contracts]
    renewals = []
    for i, c in enumerate(company.contracts):
        if c.renewal is not None:
            start = c.end + dt.timedelta(days=1)
            end = (pd.Timestamp(start) + pd.DateOffset(days=round(c.renewal.term_years * 365.25) - 1)).date()
            renewals.append(ContractTerm(c, start, end, i))
    return own + renewals
