"""The Methodology sheet: what every metric means and the model's conventions.

Definitions come from the engine's own docstrings where they exist, so the
sheet says what the code does; the rest states conventions visible in the
workbook itself (units, signs, which cells are formulas).
"""

from __future__ import annotations

import inspect
import re
from types import ModuleType
from typing import Any

from openpyxl.worksheet.worksheet import Worksheet

from stress.engine import costs, covenants, debt, fleet, leases, metrics, opening, revenue, timeline
from stress.engine.compiled import REFINANCING_TERM_QUARTERS
from stress.report.workbook import styles as st

#: Sentences that talk about the code rather than the finance are left out.
_DEVELOPER_WORDS = ("vectorised", "loops here", "arrays", "broadcast", "never over worlds")


def _prose(text: str) -> str:
    """Docstring markup to plain prose: ``x`` -> x, *x* -> x, shapes such as (W, Q) dropped, lines joined."""
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"\*\*?([^*]+)\*\*?", r"\1", text)
    text = re.sub(r"\s*\((?:W|Q|K|T|G)(?:, ?[WQKTG])*\)", "", text)
    return " ".join(text.split())


def module_text(module: ModuleType) -> str:
    """A module docstring for readers: its sentences about the finance, without implementation notes."""
    body = (inspect.getdoc(module) or "").split("\n", 1)[-1]  # without the one-line summary
    sentences = re.split(r"(?<=[.:])\s+(?=[A-Z])", _prose(body))
    return " ".join(x for x in sentences if not any(w in x for w in _DEVELOPER_WORDS))


def doc(obj: Any) -> str:
    """A function's docstring as reader's prose ("n.m." where the code says NaN)."""
    return _prose(inspect.getdoc(obj) or "").replace("NaN", "n.m.")


def _bounds(values: tuple[float, ...]) -> str:
    return ", ".join(f"{a} {b:g}x" for a, b in zip(metrics.RATING_SCALE, values, strict=False))


def conventions() -> list[tuple[str, str]]:
    return [
        ("Units", "USD millions (USD m) unless a row says otherwise; ratios in x; shares and rates in per cent; "
                  "runway in quarters. Costs and cash outflows are negative and shown in parentheses; '–' is zero."),
        ("Formulas and values", "Subtotals (revenue, EBITDA, EBITDAR, EBIT, pre-tax and net income, cash from operations, "
                                "free and net cash flow, total assets and liabilities, debt and lease closing balances, the cumulative "
                                "funding gap), "
                                "LTM flows, ratios, LTV, covenant headroom and the checks are live formulas over the cells "
                                "they name; every other figure is the engine's value. Nothing in the workbook changes the "
                                "projection: editing a value does not re-run the model."),
        ("n.m.", "A ratio whose denominator is zero or negative is 'n.m.' (not meaningful), never an error, NaN or infinity."),
        ("Timing", module_text(timeline)),
        ("Opening balance sheet", module_text(opening)),
        ("Revenue and GPU costs", module_text(revenue)),
        ("Depreciation and retirement", module_text(fleet) + " A cohort earns until its economic life ends, then retires: "
                                        "its residual value, adjusted for the market price of its GPU model and the "
                                        "scenario's resale shock, comes in as cash and its book value leaves PP&E "
                                        "(the difference is the gain or loss on retirement)."),
        ("Collateral value", "Market value of the cohorts securing a tranche: cost x the larger of the residual share and the "
                             "share of economic life remaining x the GPU model's price index (scenario price / baseline price) "
                             "x the scenario's resale factor; cohorts not yet delivered or already retired count zero."),
        ("Working capital and tax", "Receivables = quarterly revenue x receivable days / days in the quarter. Cash taxes = tax "
                                    "rate x taxable income after loss carry-forwards; taxable income = EBITDA - tax depreciation "
                                    "(original lives) + tax gain on retirement - interest expense - finance-lease "
                                    "amortisation (capitalised interest is deducted through the tax value of the cohort)."),
        ("Leases", module_text(leases)),
        ("Debt", module_text(debt) + " Interest is charged on the opening balance at the quarter's rate. Amortisation: "
                 "straight_line pays balance / quarters left (re-spread after a draw); annuity a level instalment; bullet "
                 "all at maturity. Delayed-draw facilities fund their capex cohorts up to the undrawn limit. The revolver "
                 f"draws to keep cash at the minimum and repays from any surplus. A refinanced balance floats and "
                 f"falls due {REFINANCING_TERM_QUARTERS} quarters after it is rolled."),
        ("What interest costs", module_text(costs)),
        ("Reported EBITDA", "The memo line 'EBITDA as the firm defines it' follows the profile's reporting.ebitda: "
                            "company_adjusted = EBITDA after operating-lease cost, lease_adjusted = before it (EBITDAR). "
                            "Display only: covenants, ratings and metrics use the engine's EBITDA."),
        ("Build programmes", "A programme is one unit of growth: capex cohorts, the halls (leases) that house them, the "
                             "contracts they serve and the sources that pay for them, each with a share. A cohort is bought in "
                             "the quarter it is due only when every source can pay its share: a facility open and undrawn "
                             "enough, an equity raise received, cash above the minimum. Otherwise it is deferred; a cohort "
                             "still unbought after the programme's maximum deferral cancels the programme (its unbought "
                             "cohorts and its contracts). Contracts start when their capacity is delivered and the hall has "
                             "commenced, later by as long as delivery slipped, and are lost when it slips past their limit. "
                             "Signed leases are paid whether or not the hall is filled. A capex cohort outside any programme "
                             "is its own programme."),
        ("Cases", "Every scenario runs on a case. committed: only the facilities, equity raises and contracts committed at "
                  "as_of. plan: also planned financing and awarded contracts (pipeline contracts when the profile says so). "
                  "Planned financing opens only when the financing market is open, so a refinancing freeze closes it."),
        ("Funding gap", "Capex falling due that planned (not yet committed) financing is to pay for, by quarter; the "
                        "Summary gives its cumulative peak and when. It is what the plan still needs to raise."),
        ("Equity, distributions and convertibles", "Equity raises add cash and equity when received. Dividends and "
                  "buybacks are paid from cash and reduce equity; a payment that would leave liquidity below the "
                  "profile's floor is skipped. A convertible's carrying balance accretes to its redemption amount: the "
                  "accretion is interest expense and adds to debt but is not paid in cash (interest paid is the cash "
                  "coupon)."),
        ("Distress events", "Liquidity default: the first quarter cash ends below zero with the revolver exhausted (the projection "
                            "continues, so the depth of the gap shows). Maturity default: the first quarter a maturing balance "
                            "is neither repaid, refinanced nor covered by the revolver. First covenant breach: the first quarter "
                            "any covenant fails (the one listed first in the profile when two fail together)."),
        ("Verdict", "default when a liquidity or maturity default occurs within the horizon; else breach when any covenant "
                    "fails in any quarter; else pass. Verdicts use the profile's thresholds."),
    ]


def metric_definitions() -> list[tuple[str, str]]:
    return [
        ("LTM flow", doc(metrics.ltm) + " So the first quarter's LTM EBITDA is four times that quarter's EBITDA."),
        ("Liquidity", "Cash + undrawn, unexpired revolver commitment, USD m at quarter end."),
        ("Debt / LTM EBITDA", doc(metrics.leverage)),
        ("Net debt / LTM EBITDA", doc(metrics.net_leverage)),
        ("(Debt + lease liabilities) / LTM EBITDAR", doc(metrics.lease_adjusted_leverage)),
        ("LTM EBITDA / interest", doc(metrics.interest_cover)),
        ("DSCR", doc(metrics.dscr)),
        ("Runway", doc(metrics.runway_quarters) + " Cash flow before revolver = net cash flow - revolver drawn less repaid."),
        ("Free cash flow", "Cash from operations (after interest, lease payments and cash taxes) - capex."),
        ("LTV", "Secured tranche's closing balance / collateral value of the cohorts securing it; 0 when nothing is owed, "
                "n.m. when something is owed and the collateral is worth nothing."),
        ("Covenant headroom", module_text(covenants) + " Scale: the absolute value of the limit (1 for a zero limit). "
                              f"Amber when headroom is below {covenants.AMBER_HEADROOM:.0%} (the AmberHeadroom cell)."),
        ("Indicative rating", doc(metrics.rating_index).replace("Index into RATING_SCALE: the", "The")
                              + f" Net leverage up to: {_bounds(metrics.LEVERAGE_BOUNDS)}; "
                              f"interest cover at least: {_bounds(metrics.COVER_BOUNDS)}. Indicative only, not an agency rating."),
    ]


def workbook_notes() -> list[tuple[str, str]]:
    return [
        ("Named cells", "Each covenant limit is a defined name (Limit_...) and the amber band is AmberHeadroom, on the Covenants "
                        "sheet; headroom formulas and the flags read them, and so does the covenant line in the leverage chart."),
        ("Colours", "Blue: inputs. On the Covenants sheet: green at or above the amber band, amber below it, red a breach, "
                    "dark red the covenant's first breach in the scenario."),
        ("Checks", "The Checks sheet proves, every quarter of every scenario, that the balance sheet balances, cash, equity "
                   "(net income, equity issued, distributions) and debt (drawn, accreted, repaid) roll forward, and the "
                   "Debt and Leases schedules agree with the statements; its row 3 sums the absolute differences "
                   "(ChecksAbsSum)."),
        ("Programmes sheet", "When the profile has programmes or capex cohorts: each programme's status per scenario and "
                             "quarter (grey scheduled, amber deferred, blue building, green delivered, red cancelled), the "
                             "capex deferred and cancelled, the funding gap, and what each programme is."),
    ]


def write_methodology(ws: Worksheet) -> None:
    st.put(ws, 1, 1, "Methodology: definitions and conventions", st.TITLE)
    st.put(ws, 2, 1, "Taken from the model's own documentation so that it describes what the code does.", st.NOTE)
    row = 4
    for title, items in (("Conventions", conventions()), ("Metrics", metric_definitions()), ("This workbook", workbook_notes())):
        st.put(ws, row, 1, title, st.SECTION)
        st.put(ws, row, 2, "", st.SECTION)
        row += 1
        for term, text in items:
            st.put(ws, row, 1, term, st.TEXT_BOLD)
            st.put_text(ws, row, 2, text, st.WRAP)
            ws.row_dimensions[row].height = 13.5 * max(1, len(text) // 120 + 1)
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 34
    ws.column_dimensions["B"].width = 130
    ws.freeze_panes = "A4"
    st.print_setup(ws)
