"""The opening balance sheet derived from the profile's schedules, and its reconciliation.

Assets: cash, receivables, fleet PP&E at net book value, construction in
progress (what capex cohorts had cost by as_of), right-of-use assets of
commenced leases, other assets. Liabilities: drawn debt (face) less its unamortised discount, lease
liabilities (PV of remaining payments), other liabilities. Equity is the
difference; comparing it with the reported figure tests the profile.
"""

from __future__ import annotations

from dataclasses import dataclass

from stress.engine.depreciation import book_value_at
from stress.engine.leases import schedule
from stress.engine.timeline import Timeline
from stress.model.company import Company


@dataclass(frozen=True)
class OpeningBalance:
    """USD at ``as_of``; ``*_gap`` is derived minus reported (None when not reported)."""

    cash: float
    receivables: float
    ppe: float
    rou_assets: float
    other_assets: float
    debt: float
    lease_liabilities: float
    other_liabilities: float
    reported_equity: float | None
    reported_total_assets: float | None
    reported_total_liabilities: float | None
    debt_discount: float = 0.0  # unamortised discount and fees, against debt (stress.engine.costs)
    construction_in_progress: float = 0.0  # capex_plan[].paid_at_as_of, summed

    @property
    def total_assets(self) -> float:
        return self.cash + self.receivables + self.ppe + self.construction_in_progress + self.rou_assets + self.other_assets

    @property
    def total_liabilities(self) -> float:
        return self.debt - self.debt_discount + self.lease_liabilities + self.other_liabilities

    @property
    def equity(self) -> float:
        return self.total_assets - self.total_liabilities

    @staticmethod
    def _gap(derived: float, reported: float | None) -> float | None:
        return None if reported is None else derived - reported

    @property
    def equity_gap(self) -> float | None:
        return self._gap(self.equity, self.reported_equity)

    @property
    def total_assets_gap(self) -> float | None:
        return self._gap(self.total_assets, self.reported_total_assets)

    @property
    def total_liabilities_gap(self) -> float | None:
        return self._gap(self.total_liabilities, self.reported_total_liabilities)


def opening_balance(company: Company) -> OpeningBalance:
    """Derive the balance sheet at ``as_of`` from the schedules in ``company``."""
    timeline = Timeline.build(company.as_of, 1)
    leases = [schedule(lease, timeline) for lease in company.leases]
    o = company.opening
    return OpeningBalance(
        cash=o.cash,
        receivables=o.receivables,
        ppe=sum(book_value_at(k, company.as_of) for k in company.fleet),
        rou_assets=sum(s.opening_rou for s in leases),
        other_assets=o.other_assets,
        debt=sum(t.balance for t in company.debt),
        lease_liabilities=sum(s.opening_liability for s in leases),
        other_liabilities=o.other_liabilities,
        reported_equity=o.reported_equity,
        reported_total_assets=o.reported_total_assets,
        reported_total_liabilities=o.reported_total_liabilities,
        debt_discount=sum(t.unamortised_discount for t in company.debt),
        construction_in_progress=sum(k.paid_at_as_of for k in company.capex_plan),
    )
