"""The market's view beside the model: the PD that a firm's dated market signals imply.

A display for the analyst, never an input to the projection or the Monte Carlo.

Method (README, "Market view"):

* A spread ``s`` (a CDS spread, a bond's spread over Treasuries, or a bond's yield less the
  Treasury yield of the same tenor) gives a flat risk-neutral default intensity
  ``h = s / (1 - R)``, with ``R`` the recovery on default: 40% unless the signal says otherwise
  (the ISDA standard for senior unsecured CDS). Over the Monte Carlo's horizon ``T`` years the
  risk-neutral PD is ``1 - exp(-h T)``.
* Risk-neutral intensities overstate real-world default: investors are paid for bearing default
  risk. The real-world intensity is ``h / ratio``, with the ratio of risk-neutral to real-world
  seven-year default intensity for the firm's rating category reported by Hull, Predescu and
  White (2005), Table 1 (``RN_TO_RW``). The category comes from the firm's ratings on or before
  the signal's date (Basel II's rule for several agencies); for an unrated firm, it is the
  category whose average risk-neutral intensity in the same table is nearest the signal's own
  (in log terms), and the view says so.
* A rating alone maps to S&P's average cumulative default rate for its category over ``T``
  years (``CUMULATIVE_DEFAULT``).

A signal "disagrees" with the model when one PD is more than twice the other.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from enum import Enum
from typing import overload

from stress.model.company import Company
from stress.model.signals import Agency, BondSpreadSignal, BondYieldSignal, CdsSignal, RatingSignal

#: Recovery on default assumed for a spread signal that does not give its own: 40%, the ISDA standard
#: for senior unsecured CDS, close to the long-run average recovery on defaulted bonds (~36-42% of par,
#: Moody's; shared/reference/financial-facts.md section 3.6).
DEFAULT_RECOVERY = 0.40
#: Model and market PDs "disagree" when one is more than this many times the other.
DISAGREEMENT_FACTOR = 2.0

HPW_SOURCE = ("Hull, Predescu & White (2005), 'Bond prices, default probabilities and risk premiums', Journal of "
              "Credit Risk 1(2), Table 1 (Moody's 1970-2003 real-world vs Merrill Lynch bond-index risk-neutral "
              "7-year default intensities): https://papers.ssrn.com/sol3/papers.cfm?abstract_id=2173148")
SP_SOURCE = ("S&P Global Ratings, global corporate average cumulative default rates by rating (annual default study), "
             "years 1-6 as tabulated at https://frm.midhafin.com/part-1/external-and-internal-credit-ratings; the "
             "study series: https://www.spglobal.com/ratings/en/research/articles/250327-default-transition-and-"
             "recovery-2024-annual-global-corporate-default-and-rating-transition-study-13452126")
BASEL_SOURCE = "BCBS, Basel II (June 2006) paragraphs 96-98, multiple assessments: https://www.bis.org/publ/bcbs128.pdf"


class Bucket(Enum):
    """Broad rating categories, safest first: S&P/Fitch letters and Moody's equivalents."""

    AAA = "AAA/Aaa"
    AA = "AA/Aa"
    A = "A/A"
    BBB = "BBB/Baa"
    BB = "BB/Ba"
    B = "B/B"
    CCC = "CCC-C/Caa-C"
    D = "D (in default)"

    @property
    def rank(self) -> int:
        return list(Bucket).index(self)


#: Hull, Predescu & White (2005) Table 1, % a year: (real-world intensity, risk-neutral intensity, ratio).
HPW_TABLE: dict[Bucket, tuple[float, float, float]] = {
    Bucket.AAA: (0.04, 0.67, 16.8),
    Bucket.AA: (0.06, 0.78, 13.0),
    Bucket.A: (0.13, 1.28, 9.8),
    Bucket.BBB: (0.47, 2.38, 5.1),
    Bucket.BB: (2.40, 5.07, 2.1),
    Bucket.B: (7.49, 9.02, 1.2),
    Bucket.CCC: (16.90, 21.30, 1.3),
}
#: Ratio of risk-neutral to real-world default intensity by category (HPW 2005).
RN_TO_RW = {b: row[2] for b, row in HPW_TABLE.items()}

#: S&P average cumulative default rates (%), years 1 to 6, by category (see SP_SOURCE).
CUMULATIVE_DEFAULT: dict[Bucket, tuple[float, ...]] = {
    Bucket.AAA: (0.00, 0.03, 0.13, 0.24, 0.35, 0.46),
    Bucket.AA: (0.02, 0.06, 0.13, 0.23, 0.33, 0.44),
    Bucket.A: (0.06, 0.15, 0.25, 0.38, 0.53, 0.69),
    Bucket.BBB: (0.18, 0.51, 0.88, 1.33, 1.78, 2.24),
    Bucket.BB: (0.72, 2.24, 4.02, 5.80, 7.45, 8.97),
    Bucket.B: (3.76, 8.56, 12.66, 15.87, 18.32, 20.32),
    Bucket.CCC: (26.78, 35.88, 40.96, 44.06, 46.42, 47.38),
}

_MOODYS = {"Aaa": Bucket.AAA, "Aa": Bucket.AA, "A": Bucket.A, "Baa": Bucket.BBB, "Ba": Bucket.BB, "B": Bucket.B,
           "Caa": Bucket.CCC, "Ca": Bucket.CCC, "C": Bucket.CCC}
_LETTERS = {"AAA": Bucket.AAA, "AA": Bucket.AA, "A": Bucket.A, "BBB": Bucket.BBB, "BB": Bucket.BB, "B": Bucket.B,
            "CCC": Bucket.CCC, "CC": Bucket.CCC, "C": Bucket.CCC, "D": Bucket.D, "SD": Bucket.D, "RD": Bucket.D}


def bucket_of(agency: Agency, rating: str) -> Bucket:
    """The broad category of a rating: notches (+/-, 1/2/3) dropped; Moody's mapped to the letter scale."""
    r = rating.strip()
    if agency is Agency.MOODYS:
        return _MOODYS[r.rstrip("123")]
    return _LETTERS[r.rstrip("+-")]


def combined_bucket(buckets: list[Bucket]) -> Bucket:
    """Basel II's rule for several agencies: two ratings, the worse; three or more, the worse of the two best."""
    ordered = sorted(buckets, key=lambda b: b.rank)
    return ordered[0] if len(ordered) == 1 else ordered[1]


def hazard_from_spread(spread: float, recovery: float = DEFAULT_RECOVERY) -> float:
    """Flat risk-neutral default intensity per year, ``s / (1 - R)``."""
    return spread / (1.0 - recovery)


def pd_from_hazard(hazard: float, years: float) -> float:
    """Cumulative PD over ``years`` at a flat intensity: ``1 - exp(-h T)``."""
    return 1.0 - math.exp(-hazard * years)


def cumulative_default(bucket: Bucket, years: float) -> float:
    """S&P average cumulative default rate of ``bucket`` over ``years``, a fraction.

    Between whole years the log-survival is interpolated linearly (a flat intensity within each year);
    beyond year 6 the sixth year's intensity goes on.
    """
    if bucket is Bucket.D:
        return 1.0
    if years <= 0:
        return 0.0
    log_s = [0.0, *(math.log(1.0 - p / 100.0) for p in CUMULATIVE_DEFAULT[bucket])]
    n = len(log_s) - 1
    if years >= n:
        out = log_s[n] + (years - n) * (log_s[n] - log_s[n - 1])
    else:
        i = int(years)
        out = log_s[i] + (years - i) * (log_s[i + 1] - log_s[i])
    return 1.0 - math.exp(out)


def spread_bucket(hazard: float) -> Bucket:
    """The category whose average risk-neutral intensity (HPW 2005) is nearest ``hazard`` in log terms."""
    return min(RN_TO_RW, key=lambda b: abs(math.log(hazard * 100.0 / HPW_TABLE[b][1])))


def times_apart(a: float, b: float) -> float:
    """How many times the larger PD is of the smaller: 1 when equal, inf when exactly one is zero."""
    lo, hi = sorted((a, b))
    if hi == 0.0:
        return 1.0
    return math.inf if lo == 0.0 else hi / lo


def disagree(model_pd: float, market_pd: float, factor: float = DISAGREEMENT_FACTOR) -> bool:
    """Whether one PD is more than ``factor`` times the other."""
    return times_apart(model_pd, market_pd) > factor


@dataclass(frozen=True)
class SignalView:
    """One signal, or the firm's ratings combined, and the PD it implies over the horizon."""

    kind: str  # rating, bond_spread, bond_yield, cds, or ratings (the agencies combined)
    label: str  # "CDS 5y", "S&P rating", "bond spread", "bond yield", "ratings"
    quote: str  # "368bp", "B+", "10.00% - UST 3.70% = 630bp"
    date: dt.date
    after_as_of: bool
    instrument: str
    source: str
    bucket: Bucket
    bucket_basis: str  # "ratings" (the firm's, on or before the date) or "spread" (nearest HPW intensity)
    pd: float  # real-world PD over the horizon, fraction
    method: str
    spread: float | None = None  # fraction a year
    recovery: float | None = None
    hazard: float | None = None  # risk-neutral intensity a year
    ratio: float | None = None  # RN / RW intensity ratio applied
    risk_neutral_pd: float | None = None
    vehicle: str | None = None  # the financing vehicle whose instrument it is; None: the firm's

    @property
    def is_spread(self) -> bool:
        return self.spread is not None


@dataclass(frozen=True)
class MarketView:
    as_of: dt.date
    horizon_years: float
    signals: list[SignalView]
    headline: SignalView | None  # the market-implied PD the model is compared with

    @property
    def pd(self) -> float | None:
        return None if self.headline is None else self.headline.pd


def _ratings_on(ratings: list[RatingSignal], date: dt.date) -> list[RatingSignal]:
    """Each agency's latest rating dated on or before ``date``."""
    latest: dict[Agency, RatingSignal] = {}
    for r in sorted(ratings, key=lambda r: r.date):
        if r.date <= date:
            latest[r.agency] = r
    return list(latest.values())


def _bucket_for(ratings: list[RatingSignal], date: dt.date, hazard: float) -> tuple[Bucket, str]:
    held = _ratings_on(ratings, date) or _ratings_on(ratings, dt.date.max)
    if held:
        return combined_bucket([bucket_of(r.agency, r.rating) for r in held]), "ratings"
    return spread_bucket(hazard), "spread"


def _pct(x: float) -> str:
    """A rate as written: up to three decimals, no trailing zeros (7.125%, 10%)."""
    return f"{x * 100:.3f}".rstrip("0").rstrip(".") + "%"


def _spread_view(s: BondSpreadSignal | BondYieldSignal | CdsSignal, ratings: list[RatingSignal], as_of: dt.date,
                 years: float) -> SignalView:
    recovery = DEFAULT_RECOVERY if s.recovery is None else s.recovery
    hazard = hazard_from_spread(s.spread, recovery)
    bucket, basis = _bucket_for(ratings, s.date, hazard)
    if bucket is Bucket.D:
        ratio, pd = None, 1.0
        real = "rated in default: PD 100%"
    else:
        ratio = RN_TO_RW[bucket]
        pd = pd_from_hazard(hazard / ratio, years)
        whence = "the firm's ratings" if basis == "ratings" else "implied by the spread: unrated"
        real = f"real-world h = h / {ratio:g} ({bucket.value}, {whence}; HPW 2005)"
    bp = f"{s.spread * 1e4:,.0f}bp"
    if isinstance(s, CdsSignal):
        label, quote = f"CDS {s.tenor_years:g}y", bp
    elif isinstance(s, BondYieldSignal):
        label, quote = "bond yield", f"{_pct(s.yield_to_maturity)} - UST {_pct(s.treasury_yield)} = {bp}"
    else:
        label, quote = "bond spread", bp
    method = (f"h = {bp} / (1 - {recovery:.0%}) = {hazard:.2%}/yr; RN PD = 1 - exp(-h x {years:g}y); {real}")
    return SignalView(s.kind, label, quote, s.date, s.date > as_of, s.instrument, s.source, bucket, basis, pd, method,
                      s.spread, recovery, hazard, ratio, pd_from_hazard(hazard, years))


def _rating_view(r: RatingSignal, as_of: dt.date, years: float) -> SignalView:
    bucket = bucket_of(r.agency, r.rating)
    method = f"S&P average cumulative default rate, {bucket.value}, over {years:g}y"
    return SignalView("rating", f"{r.agency.value} rating", r.rating, r.date, r.date > as_of, r.instrument, r.source,
                      bucket, "ratings", cumulative_default(bucket, years), method)


def _combined_view(held: list[RatingSignal], as_of: dt.date, years: float) -> SignalView:
    bucket = combined_bucket([bucket_of(r.agency, r.rating) for r in held])
    date = max(r.date for r in held)
    quote = ", ".join(f"{r.agency.value} {r.rating}" for r in sorted(held, key=lambda r: r.agency.value))
    rule = "" if len(held) == 1 else "; agencies combined by Basel II's rule"
    method = f"S&P average cumulative default rate, {bucket.value}, over {years:g}y{rule}"
    return SignalView("ratings", "ratings", quote, date, date > as_of, "", "; ".join(r.source for r in held), bucket,
                      "ratings", cumulative_default(bucket, years), method)


def _headline(views: list[SignalView], ratings: list[RatingSignal], as_of: dt.date, years: float) -> SignalView | None:
    """The latest spread signal on or before as_of; else the ratings held at as_of; else the same after as_of."""
    for before in (True, False):
        spreads = [v for v in views if v.is_spread and (v.date <= as_of) == before]
        if spreads:
            return max(spreads, key=lambda v: (v.date, v.pd))
        held = [r for r in ratings if (r.date <= as_of) == before]
        if held:
            return _combined_view(_ratings_on(held, dt.date.max), as_of, years)
    return None


def market_view(company: Company, horizon_years: float | None = None) -> MarketView | None:
    """The PD each of the profile's signals implies over ``horizon_years`` (default: the profile's horizon);
    None when the profile has no signals."""
    signals = company.market_signals
    if not signals:
        return None
    years = company.horizon_quarters / 4.0 if horizon_years is None else horizon_years
    ratings = [s for s in signals if isinstance(s, RatingSignal)]
    views = [dataclasses.replace(_rating_view(s, company.as_of, years) if isinstance(s, RatingSignal)
                                 else _spread_view(s, ratings, company.as_of, years), vehicle=s.vehicle) for s in signals]
    views.sort(key=lambda v: (v.date, v.kind))
    return MarketView(company.as_of, years, views, _headline(views, ratings, company.as_of, years))


def headline_summary(view: MarketView | None) -> dict[str, object] | None:
    """The headline as plain data (picklable, JSON-ready): pd, basis, date, after_as_of."""
    if view is None or view.headline is None:
        return None
    h = view.headline
    late = ", after as_of" if h.after_as_of else ""
    return {"pd": h.pd, "basis": f"{h.label} {h.quote} ({h.date}{late})", "date": h.date.isoformat(),
            "after_as_of": h.after_as_of,
            "horizon_years": view.horizon_years}


@overload
def model_pd_for(v: SignalView, model_pd: float, vehicle_pd: dict[str, float] | None) -> float: ...
@overload
def model_pd_for(v: SignalView, model_pd: float | None, vehicle_pd: dict[str, float] | None) -> float | None: ...
def model_pd_for(v: SignalView, model_pd: float | None, vehicle_pd: dict[str, float] | None) -> float | None:
    """The model's PD a signal is compared with: its vehicle's probability of foreclosure for a vehicle's
    instrument (when the Monte Carlo gives one), else the firm's PD."""
    if v.vehicle is not None and vehicle_pd is not None and v.vehicle in vehicle_pd:
        return vehicle_pd[v.vehicle]
    return model_pd


def signal_document(v: SignalView, model_pd: float | None) -> dict[str, object]:
    """One signal's row for JSON: the quote, its date and method, both PDs and the disagreement flag; ``model_pd``
    is the one it is compared with (``model_pd_for``)."""
    return {"kind": v.kind, "label": v.label, "quote": v.quote, "date": v.date.isoformat(),
            "after_as_of": v.after_as_of, "instrument": v.instrument, "source": v.source,
            "rating_category": v.bucket.value, "category_from": v.bucket_basis,
            "spread": v.spread, "recovery": v.recovery, "risk_neutral_hazard": v.hazard, "rn_to_rw_ratio": v.ratio,
            "risk_neutral_pd": v.risk_neutral_pd, "market_pd": v.pd, "method": v.method,
            "vehicle": v.vehicle, "model_pd": model_pd,
            "disagrees": None if model_pd is None else disagree(model_pd, v.pd)}


def view_document(view: MarketView | None, model_pd: float | None,
                  vehicle_pd: dict[str, float] | None = None) -> dict[str, object] | None:
    """The whole market view for JSON, or None without signals; each signal is compared with ``model_pd_for``."""
    if view is None:
        return None
    h = view.headline
    head_pd = None if h is None else model_pd_for(h, model_pd, vehicle_pd)
    return {"horizon_years": view.horizon_years, "as_of": view.as_of.isoformat(),
            "model_pd": model_pd, "market_pd": view.pd,
            "headline": None if h is None else signal_document(h, head_pd),
            "disagrees": None if h is None or head_pd is None else disagree(head_pd, h.pd),
            "disagreement_factor": DISAGREEMENT_FACTOR, "default_recovery": DEFAULT_RECOVERY,
            "signals": [signal_document(v, model_pd_for(v, model_pd, vehicle_pd)) for v in view.signals],
            "sources": {"rn_to_rw_ratio": HPW_SOURCE, "cumulative_default": SP_SOURCE, "several_agencies": BASEL_SOURCE},
            "note": "a display for the analyst, never an input to the model"}
