"""The names of every projected line: the JSON keys, Excel labels and column names.

All money lines are USD per quarter (flows) or at quarter end (balances).
"""

from __future__ import annotations

INCOME_LINES = (
    "revenue_contracted", "revenue_spot", "revenue", "power_cost", "other_cost", "sga", "lease_cost",
    "ebitda", "ebitdar", "depreciation", "lease_amortisation", "impairment", "disposal_gain", "ebit", "interest_expense",
    "foreclosure_gain", "pretax_income", "tax", "net_income",
)
CASH_FLOW_LINES = (
    "cfo", "capex", "debt_drawn", "debt_repaid", "interest_paid", "lease_payments", "asset_sales", "fcf",
    "lease_principal", "debt_issue_costs", "equity_issued", "distributions", "cash_restricted", "net_cash_flow",
)
BALANCE_LINES = (
    "cash", "restricted_cash", "receivables", "ppe", "construction_in_progress", "capitalised_interest", "rou_assets",
    "other_assets", "total_assets",
    "debt", "debt_discount", "lease_liabilities", "other_liabilities", "total_liabilities", "equity",
)
#: Lines the metrics need that are not on the face of the statements.
MEMO_LINES = ("ebitda_reported", "taxable_income", "scheduled_principal", "revolver_net", "revolver_available", "gpus_earning",
              "tax_losses", "fleet_value", "interest_accreted", "capex_scheduled", "funding_gap", "capex_deferred",
              "capex_cancelled", "discount_amortised", "commitment_fees", "interest_capitalised", "vehicle_sweep",
              "debt_extinguished")
#: Per-tranche debt schedule, (W, T, Q) each.
TRANCHE_LINES = ("opening", "drawn", "interest", "accreted", "repaid", "extinguished", "refinanced", "closing")
#: Per financing vehicle, (W, V, Q) each: contracted cash flow and debt service (USD), LTM DSCR and LTV (x,
#: NaN where n.m.), restricted cash (USD), locked up and foreclosed (0/1), and from its foreclosure its lenders'
#: recovery rate (its collateral's market value and restricted cash over its debt, at most 1; NaN before).
VEHICLE_LINES = ("cfads", "debt_service", "dscr", "ltv", "restricted", "locked", "defaulted", "recovery")
#: The vehicle lines a lean (Monte Carlo) run keeps: what recovery and the vehicles' default rates read.
LEAN_VEHICLE_LINES = ("restricted", "defaulted", "recovery")

LABELS: dict[str, str] = {
    "revenue_contracted": "Contracted revenue", "revenue_spot": "Spot revenue", "revenue": "Revenue",
    "power_cost": "Power", "other_cost": "Other GPU costs", "sga": "SG&A", "lease_cost": "Lease cost",
    "ebitda": "EBITDA", "ebitdar": "EBITDAR", "depreciation": "Depreciation", "impairment": "Impairment",
    "disposal_gain": "Gain (loss) on retirement", "ebit": "EBIT", "interest_expense": "Interest expense",
    "pretax_income": "Pre-tax income", "tax": "Tax", "net_income": "Net income",
    "cfo": "Cash from operations", "capex": "Capex", "debt_drawn": "Debt drawn", "debt_repaid": "Debt repaid",
    "interest_paid": "Interest paid (in CFO)",
    "lease_payments": "Lease payments in CFO (operating leases; finance-lease interest)",
    "lease_amortisation": "Finance-lease ROU amortisation", "lease_principal": "Finance-lease principal repaid",
    "ebitda_reported": "EBITDA as the firm defines it (reporting.ebitda)",
    "debt_issue_costs": "Discount and fees paid on debt issued or drawn", "capitalised_interest": "Interest capitalised in construction",
    "debt_discount": "Unamortised debt discount and fees (against debt)",
    "discount_amortised": "Discount and fees amortised (in interest expense, non-cash)",
    "commitment_fees": "Commitment fees (in interest expense)",
    "interest_capitalised": "Interest capitalised (out of interest expense)",
    "asset_sales": "Retirement proceeds", "fcf": "Free cash flow", "net_cash_flow": "Net cash flow",
    "cash": "Cash", "receivables": "Receivables", "ppe": "GPU PP&E", "rou_assets": "Right-of-use assets",
    "other_assets": "Other assets", "construction_in_progress": "Construction in progress (capex paid ahead)",
    "total_assets": "Total assets", "debt": "Debt",
    "lease_liabilities": "Lease liabilities", "other_liabilities": "Other liabilities",
    "total_liabilities": "Total liabilities", "equity": "Equity",
    "taxable_income": "Taxable income (original lives)", "scheduled_principal": "Scheduled principal",
    "revolver_net": "Revolver drawn less repaid", "revolver_available": "Undrawn revolver",
    "gpus_earning": "GPUs earning", "tax_losses": "Tax losses carried forward",
    "fleet_value": "Fleet market value (collateral basis)",
    "equity_issued": "Equity issued", "distributions": "Dividends and buybacks",
    "interest_accreted": "Interest accreted (non-cash)", "capex_scheduled": "Capex scheduled (due this quarter, delays and overruns included)",
    "funding_gap": "Funding gap: due capex paid by planned financing",
    "capex_deferred": "Capex due and deferred (unfunded)", "capex_cancelled": "Capex cancelled",
    "foreclosure_gain": "Gain (loss) on vehicles foreclosed", "restricted_cash": "Restricted cash (vehicles)",
    "cash_restricted": "Cash released from (put into) vehicles", "vehicle_sweep": "Vehicle cash sweeps (in debt repaid)",
    "debt_extinguished": "Debt extinguished in foreclosures",
}
