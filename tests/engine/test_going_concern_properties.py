"""Going concern (issue 10): invariants for random firms with programmes, deferrals, equity and distributions.

Hypothesis draws a small firm (``firms``): owned cohorts; one to three build programmes, each with one or two
capex cohorts, funded by facilities (committed or planned, open now or later), equity raises (committed or
planned) and cash in random shares; contracts served by the programmes (committed, awarded or pipeline,
some with a slip tolerance); halls leased for them; distributions with and without a liquidity floor; other
debt (term loans, notes, convertibles accreting to a redemption amount), a revolver and notes issued in
full later. Worlds are shocked at random (``_strategies.random_worlds``: closed financing markets, capex
overruns and delays, price and rate paths ...) and each world is in the ``committed`` or ``plan`` case at
random.

The properties:

- the books balance and cash rolls forward by the net cash flow in every world and quarter (with equity
  rolling by net income + equity issued - distributions, debt by drawn + accreted - repaid);
- more financing never leaves less cash, in the form that is true for this engine (see
  ``test_more_financing_never_leaves_less_cash``);
- ``committed`` never shows more capex than ``plan``, in the form that is true for this engine (see
  ``test_committed_never_buys_more_than_plan``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stress.engine.compiled import compile_company
from stress.engine.programmes import BUILDING, CANCELLED, DELIVERED, STATUS_NAMES
from stress.engine.project import Projection, project
from stress.engine.worlds import Worlds, widen
from stress.model.checks import profile_problems
from stress.model.company import Company

from _strategies import AS_OFS, dates_in_quarter, money, quarter_end, random_worlds

CENT = 0.01
EPS = 1e-6
N_WORLDS = 6

#: ~40 examples per property keep the file well under 30 s; STRESS_PROPERTY_EXAMPLES=2000 for a long hunt.
SETTINGS = settings(max_examples=int(os.environ.get("STRESS_PROPERTY_EXAMPLES", "40")), deadline=None,
                    database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SPLITS = {1: [(1.0,)], 2: [(0.5, 0.5), (0.7, 0.3), (0.25, 0.75)], 3: [(0.5, 0.25, 0.25), (0.6, 0.3, 0.1)]}


@st.composite
def firms(draw: st.DrawFn, mode: str = "any") -> dict[str, Any]:
    """A random valid profile (plain data, so a test can change it before validating).

    ``mode``:
    - ``any``: programmes share facilities, equity raises and cash; anything may mature in the horizon.
    - ``dedicated``: each programme is paid only by facilities of its own (no cash, no equity share),
      and no facility funding a programme matures within the horizon.
    - ``more_cash``: as ``dedicated``, and besides: no distributions, no cohort paid from cash, nothing
      matures within the horizon, and a tranche "Extra" of fixed-rate (<= 15%) notes issued in full later.
    """
    as_of = draw(st.sampled_from(AS_OFS))
    horizon = draw(st.integers(4, 16))
    models = draw(st.lists(st.sampled_from(["H100", "B200"]), min_size=1, max_size=2, unique=True))
    isodate = dt.date.isoformat

    def beyond() -> str:
        return isodate(quarter_end(as_of, horizon + draw(st.integers(1, 8))))

    def maturity() -> str:
        return beyond() if mode == "more_cash" else isodate(draw(dates_in_quarter(as_of, draw(st.integers(1, horizon + 8)))))

    def cohort(name: str, k: int) -> dict[str, Any]:
        return {"name": name, "gpu": draw(st.sampled_from(models)), "units": draw(st.integers(10, 20_000)),
                "unit_cost": draw(st.integers(5_000, 60_000)), "in_service": isodate(draw(dates_in_quarter(as_of, k))),
                "useful_life_years": draw(st.sampled_from([1.0, 2.0, 4.0, 5.0])),
                "residual": draw(st.sampled_from([0.0, 0.1])), "kw_per_gpu": draw(st.floats(0.5, 2.0))}

    def facility(name: str, kind: str = "delayed_draw", funds_programme: bool = True) -> dict[str, Any]:
        status = draw(st.sampled_from(["committed", "planned"]))
        later = draw(st.booleans())
        fixed = st.floats(0.0, 0.15).map(lambda r: f"{r:.4%}")
        floating = st.floats(0.0, 0.06).map(lambda x: f"SOFR+{x * 1e4:.0f}bp")
        # the extra notes of ``more_cash`` firms: a fixed coupon of at most 15% (see the property)
        rate = draw(fixed if (mode == "more_cash" and not funds_programme) else st.one_of(fixed, floating))
        out = {"name": name, "kind": kind, "balance": 0.0, "limit": draw(money(1e6, 3e9)), "rate": rate,
               "maturity": beyond() if (funds_programme and mode != "any") else maturity(), "status": status}
        if status == "planned":
            out["evidence"] = "estimate: drawn by a test"
        if later:
            out["available_from"] = isodate(draw(dates_in_quarter(as_of, draw(st.integers(1, horizon)))))
        return out

    debt: list[dict[str, Any]] = []
    equity: list[dict[str, Any]] = []
    capex: list[dict[str, Any]] = []
    contracts: list[dict[str, Any]] = []
    leases: list[dict[str, Any]] = []
    programmes: list[dict[str, Any]] = []

    fleet = [{**cohort(f"F{i}", 0), "in_service": isodate(min(draw(dates_in_quarter(as_of, -draw(st.integers(0, 12)))), as_of))}
             for i in range(draw(st.integers(0, 2)))]

    shared = []
    if mode == "any":
        for i in range(draw(st.integers(0, 2))):
            debt.append(facility(f"Shared {i}"))
            shared.append(f"Shared {i}")
        for i in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(["committed", "planned"]))
            equity.append({"name": f"Raise {i}", "amount": draw(money(1e6, 3e9)), "status": status,
                           "date": isodate(draw(dates_in_quarter(as_of, draw(st.integers(1, horizon))))),
                           **({"evidence": "estimate: a test"} if status == "planned" else {})})
            shared.append(f"Raise {i}")
        shared.append("cash")

    for p in range(draw(st.integers(1, 3))):
        name = f"P{p}"
        ks = sorted(draw(st.lists(st.integers(1, horizon + 1), min_size=1, max_size=2)))
        for j, k in enumerate(ks):
            capex.append({**cohort(f"{name}-{j}", k), "programme": name})
        own = [f"{name} facility {j}" for j in range(draw(st.integers(1, 2) if mode != "any" else st.integers(0, 1)))]
        debt.extend(facility(n) for n in own)
        if mode == "any":
            sources = draw(st.lists(st.sampled_from(own + shared), min_size=1, max_size=3, unique=True))
        else:
            sources = own
        split = draw(st.sampled_from(SPLITS[len(sources)]))
        prog: dict[str, Any] = {"name": name, "funding": [{"source": s, "share": x} for s, x in zip(sources, split, strict=True)]}
        if draw(st.booleans()):
            prog["max_deferral_quarters"] = draw(st.integers(0, 4))
        programmes.append(prog)
        gpus = sorted({c["gpu"] for c in capex if c.get("programme") == name})
        for j in range(draw(st.integers(0, 2))):
            start_k = draw(st.integers(-2, horizon))
            end_k = max(start_k, ks[-1]) + draw(st.integers(1, 12))
            contract = {"name": f"{name} contract {j}", "customer": draw(st.sampled_from(["A", "B"])),
                        "gpu": draw(st.sampled_from(gpus)), "gpus": draw(st.integers(10, 20_000)),
                        "price_per_gpu_hour": draw(st.floats(0.5, 6.0)),
                        "start": isodate(draw(dates_in_quarter(as_of, start_k))),
                        "end": isodate(quarter_end(as_of, end_k)), "programme": name,
                        "status": draw(st.sampled_from(["committed", "awarded", "pipeline"]))}
            if draw(st.booleans()):
                contract["cancel_after_quarters"] = draw(st.integers(0, 3))
            contracts.append(contract)
        if draw(st.booleans()):
            start_k = draw(st.integers(-4, horizon + 1))
            leases.append({"name": f"{name} hall", "annual_payment": draw(money(0, 3e8)), "programme": name,
                           "escalator": draw(st.sampled_from([0.0, 0.03])),
                           "start": isodate(draw(dates_in_quarter(as_of, start_k))),
                           "end": isodate(quarter_end(as_of, max(start_k, 0) + draw(st.integers(1, 30)))),
                           "discount_rate": draw(st.sampled_from([0.05, 0.1]))})

    if mode == "any" and draw(st.booleans()):  # a cohort outside any programme: the legacy funded_by, or cash
        legacy = cohort("Legacy", draw(st.integers(1, horizon + 1)))
        pool = [d["name"] for d in debt if d["kind"] == "delayed_draw"]
        if pool and draw(st.booleans()):
            legacy |= {"funded_by": draw(st.sampled_from(pool)), "funded_share": draw(st.sampled_from([1.0, 0.6]))}
        capex.append(legacy)

    for i in range(draw(st.integers(0, 2))):  # debt outstanding at as_of
        kind = draw(st.sampled_from(["term_loan", "notes", "convertible"]))
        balance = draw(money(1e6, 3e9))
        t = {"name": f"Debt {i}", "kind": kind, "balance": balance, "rate": f"{draw(st.floats(0.0, 0.12)):.4%}",
             "maturity": maturity(), "amortisation": draw(st.sampled_from(["bullet", "straight_line", "annuity"]))}
        if kind == "convertible" and draw(st.booleans()):
            t |= {"redemption": balance * draw(st.sampled_from([1.0, 1.1, 1.5])), "amortisation": "bullet"}
        debt.append(t)
    if draw(st.booleans()):
        limit = draw(money(1e6, 2e9))
        debt.append({"name": "RCF", "kind": "revolver", "balance": limit * draw(st.sampled_from([0.0, 0.5])),
                     "limit": limit, "rate": f"{draw(st.floats(0.0, 0.1)):.4%}", "maturity": maturity()})
    if mode == "more_cash" or draw(st.booleans()):  # notes funding nothing: issued in full when available
        extra = facility("Extra", kind=draw(st.sampled_from(["notes", "convertible"])), funds_programme=False)
        extra.setdefault("available_from", isodate(draw(dates_in_quarter(as_of, draw(st.integers(1, horizon))))))
        if extra["kind"] == "convertible" and draw(st.booleans()):
            extra["redemption"] = extra["limit"] * 1.2
        debt.append(extra)
    if mode != "any":
        for i in range(draw(st.integers(0, 2))):
            status = draw(st.sampled_from(["committed", "planned"]))
            equity.append({"name": f"Raise {i}", "amount": draw(money(1e6, 3e9)), "status": status,
                           "date": isodate(draw(dates_in_quarter(as_of, draw(st.integers(1, horizon))))),
                           **({"evidence": "estimate: a test"} if status == "planned" else {})})

    distributions = []
    if mode != "more_cash":
        for i in range(draw(st.integers(0, 2))):
            start_k = draw(st.integers(-2, horizon - 1))
            d = {"name": f"Div {i}", "kind": draw(st.sampled_from(["dividend", "buyback"])),
                 "per_quarter": draw(money(1e5, 5e8)), "start": isodate(draw(dates_in_quarter(as_of, start_k)))}
            if draw(st.booleans()):
                d["end"] = isodate(quarter_end(as_of, max(start_k, 0) + draw(st.integers(1, 8))))
            if draw(st.booleans()):
                d["suspend_below_liquidity"] = draw(money(1e6, 2e9))
            distributions.append(d)

    return {
        "name": "Going Concern Co", "ticker": "GC", "as_of": as_of.isoformat(), "horizon_quarters": horizon,
        "opening": {"cash": draw(st.one_of(st.just(0.0), money(1e3, 5e9))), "receivables": draw(money(0, 5e8)),
                    "other_assets": draw(money(0, 1e9)), "other_liabilities": draw(money(0, 1e9)),
                    "tax_loss_carryforward": draw(money(0, 1e9))},
        "fleet": fleet, "capex_plan": capex, "contracts": contracts, "leases": leases, "debt": debt,
        "programmes": programmes, "equity": equity, "distributions": distributions,
        "plan_includes_pipeline": draw(st.booleans()),
        "market": {"gpu_hour_price": {g: {"start": draw(st.floats(0.5, 6.0)), "annual_change": draw(st.floats(-0.5, 0.1))}
                                      for g in models},
                   "spot_utilisation": draw(st.floats(0.0, 1.0)), "base_rate": {"start": draw(st.floats(0.0, 0.06))},
                   "power_price_per_kwh": draw(st.floats(0.0, 0.15))},
        "costs": {"pue": draw(st.floats(1.0, 1.5)), "other_cost_per_gpu_year": draw(st.floats(0, 3_000)),
                  "sga_per_quarter": draw(money(0, 1e8)), "sga_per_mw_year": draw(st.sampled_from([0.0, 1e5, 1e6])),
                  "sga_share_of_revenue": draw(st.sampled_from([0.0, 0.05, 0.2])), "tax_rate": draw(st.floats(0.0, 0.3))},
        "working_capital": {"receivable_days": draw(st.floats(0, 60))},
        "treasury": {"minimum_cash": draw(st.one_of(st.just(0.0), money(1e3, 1e8))),
                     "max_capex_deferral_quarters": draw(st.integers(0, 6))},
    }


def build(data: dict[str, Any]) -> Company:
    company = Company.model_validate(data)
    problems = profile_problems(company)
    assert not problems, problems
    return company


def worlds_for(company: Company, seed: int, plan: np.ndarray | None = None) -> Worlds:
    """``N_WORLDS`` randomly shocked worlds; each in the plan or committed case as ``plan`` says (random if None)."""
    cc = compile_company(company)
    w = random_worlds(cc, N_WORLDS, seed)
    if plan is None:
        plan = np.random.default_rng(seed + 1).random(N_WORLDS) < 0.5
    return dataclasses.replace(w, plan=plan)


def both_cases(w: Worlds) -> Worlds:
    """The same worlds twice: first all committed, then all plan."""
    n = w.n
    return Worlds.concat([dataclasses.replace(w, plan=np.zeros(n, dtype=bool)), dataclasses.replace(w, plan=np.ones(n, dtype=bool))])


# --------------------------------------------------------------------------------------------
# the books balance and the cash identity
# --------------------------------------------------------------------------------------------

def assert_books(p: Projection) -> None:
    L, t, o, cc = p.lines, p.tranches, p.cc.opening, p.cc
    for name, arr in {**L, **{f"tranche {k}": v for k, v in t.items()}}.items():
        assert np.isfinite(arr).all(), f"non-finite values in {name}"
    np.testing.assert_allclose(L["total_assets"] - L["total_liabilities"] - L["equity"], 0, atol=CENT, err_msg="balance")
    n_w = L["cash"].shape[0]

    def prev(line: str, opening: float) -> np.ndarray:
        return np.column_stack([np.full(n_w, opening), L[line][:, :-1]])

    np.testing.assert_allclose(L["cash"] - prev("cash", o.cash), L["net_cash_flow"], atol=CENT, err_msg="cash identity")
    np.testing.assert_allclose(L["net_cash_flow"], L["cfo"] - L["capex"] + L["asset_sales"] + L["debt_drawn"] - L["debt_repaid"]
                               + L["equity_issued"] - L["distributions"], atol=CENT, err_msg="net cash flow")
    np.testing.assert_allclose(L["equity"] - prev("equity", o.equity), L["net_income"] + L["equity_issued"] - L["distributions"],
                               atol=CENT, err_msg="equity roll-forward")
    np.testing.assert_allclose(t["closing"], t["opening"] + t["drawn"] + t["accreted"] - t["repaid"], atol=CENT, err_msg="tranche roll")
    np.testing.assert_allclose(t["opening"][:, :, 1:], t["closing"][:, :, :-1], atol=CENT)
    np.testing.assert_allclose(L["debt"], t["closing"].sum(axis=1), atol=CENT)
    np.testing.assert_allclose(L["debt"] - prev("debt", float(cc.tranche_balance.sum())),
                               L["debt_drawn"] + L["interest_accreted"] - L["debt_repaid"], atol=CENT, err_msg="debt roll")
    np.testing.assert_allclose(L["interest_expense"], L["interest_paid"] + L["interest_accreted"], atol=CENT)
    assert (t["closing"] >= -EPS).all() and (t["accreted"] >= -EPS).all()


def assert_going_concern(p: Projection) -> None:
    """What programmes, raises and distributions may do, world by world."""
    L, cc, fin = p.lines, p.cc, p.cc.financing
    for name in ("capex", "capex_deferred", "capex_cancelled", "funding_gap", "equity_issued", "distributions"):
        assert (L[name] >= -EPS).all(), f"negative {name}"
    # each capex cohort is bought once or cancelled once, at its cost in the world (overruns included)
    cost = (cc.cohort_units * cc.cohort_unit_cost * cc.cohort_is_capex)[None, :] * widen(p.worlds.capex_factor, len(cc.cohort_names))
    spent = L["capex"].sum(axis=1) + L["capex_cancelled"].sum(axis=1)
    assert (spent <= cost.sum(axis=1) + CENT).all(), "capex bought or cancelled more than once"
    # distributions never exceed what is scheduled; raises never more than once, planned ones only in plan
    assert (L["distributions"] <= fin.distribution_amount.sum(axis=0)[None, :] + CENT).all()
    committed_raises = fin.equity_amount[~fin.equity_planned].sum()
    plan = p.worlds.plan
    assert (L["equity_issued"].sum(axis=1)[~plan] <= committed_raises + CENT).all(), "a planned raise in committed"
    assert (L["equity_issued"].sum(axis=1) <= fin.equity_amount.sum() + CENT).all()
    # planned facilities are never drawn in committed worlds
    planned = fin.tranche_planned
    assert (np.abs(p.tranches["drawn"][~plan][:, planned]) <= CENT).all(), "a planned facility drawn in committed"
    # a cancelled programme stays cancelled; a delivered one stays delivered
    s = p.programme_status
    assert ((s >= 0) & (s < len(STATUS_NAMES))).all()
    for code in (CANCELLED, DELIVERED):
        was = np.maximum.accumulate(s == code, axis=2)
        assert (s[was] == code).all(), f"{STATUS_NAMES[code]} not final"


@SETTINGS
@given(data=firms(), seed=st.integers(0, 2**31 - 1))
def test_books_balance_and_cash_identity_with_programmes_equity_and_distributions(data, seed):
    company = build(data)
    p = project(compile_company(company), worlds_for(company, seed))
    assert_books(p)
    assert_going_concern(p)
    _events(p)


def _events(p: Projection) -> None:
    """What the example exercised (pytest --hypothesis-show-statistics)."""
    L = p.lines
    for name in ("capex", "capex_deferred", "capex_cancelled", "equity_issued", "distributions", "interest_accreted"):
        if (L[name] > CENT).any():
            event(f"some {name}")
    due = p.cc.financing.distribution_amount.sum(axis=0)[None, :]
    if ((due > CENT) & (L["distributions"] < due - CENT)).any():
        event("a distribution suspended")
    if (L["cash"] < -CENT).any():
        event("negative cash")


@SETTINGS
@given(data=firms(mode="dedicated"), seed=st.integers(0, 2**31 - 1))
def test_books_balance_with_dedicated_funding_in_both_cases(data, seed):
    company = build(data)
    p = project(compile_company(company), both_cases(worlds_for(company, seed)))
    assert_books(p)
    assert_going_concern(p)


# --------------------------------------------------------------------------------------------
# committed never buys more than plan
# --------------------------------------------------------------------------------------------

@SETTINGS
@given(data=firms(mode="dedicated"), seed=st.integers(0, 2**31 - 1))
def test_committed_never_buys_more_than_plan(data, seed):
    """Per world, cumulative capex in ``committed`` never exceeds ``plan``'s in the same world.

    Only when programmes do not compete for funding: each programme is paid by facilities of its own, with
    no cash or equity share, none maturing in the horizon. In general the property is false for this engine:
    within a quarter, programmes funded only by committed sources are decided first
    (test_going_concern.py::test_programmes_on_committed_funding_have_first_call_on_cash), but across
    quarters the plan may spend cash in one quarter on a programme with a planned share that the committed
    case cannot fund at all, and then lack it for a committed programme due in a later quarter. With
    dedicated funding the stronger statement holds: a programme paid only by committed facilities is bought
    exactly as in the plan case, and one with any planned source is never bought in committed.
    """
    company = build(data)
    cc = compile_company(company)
    w = worlds_for(company, seed)
    p = project(cc, both_cases(w))
    n = w.n
    committed, plan = slice(0, n), slice(n, 2 * n)
    cum = np.cumsum(p["capex"], axis=1)
    assert (cum[committed] <= cum[plan] + CENT).all()
    if (cum[committed] < cum[plan] - CENT).any():
        event("plan bought more")
    status = p.programme_status
    sources_planned = cc.programmes.funding[:, :-1] @ np.concatenate([cc.financing.tranche_planned,
                                                                       cc.financing.equity_planned]).astype(float)
    for j, name in enumerate(cc.programmes.names):
        cohorts = cc.programmes.cohort_programme == j
        if (sources_planned[cohorts] > 0).any():
            assert not np.isin(status[committed, j], [BUILDING, DELIVERED]).any(), f"{name}: bought in committed"
        else:
            np.testing.assert_array_equal(status[committed, j], status[plan, j], err_msg=name)


# --------------------------------------------------------------------------------------------
# more financing never leaves less cash
# --------------------------------------------------------------------------------------------

def _scaled(data: dict[str, Any], factor: float) -> dict[str, Any]:
    """``data`` with the "Extra" notes and every equity raise ``factor`` times larger."""
    out = {**data, "debt": [dict(t) for t in data["debt"]], "equity": [dict(e) for e in data["equity"]]}
    for t in out["debt"]:
        if t["name"] == "Extra":
            t["limit"] *= factor
            if "redemption" in t:
                t["redemption"] *= factor
    for e in out["equity"]:
        e["amount"] *= factor
    return out


@SETTINGS
@given(data=firms(mode="more_cash"), factor=st.sampled_from([1.5, 2.0, 10.0]), seed=st.integers(0, 2**31 - 1))
def test_more_financing_never_leaves_less_cash(data, factor, seed):
    """More notes issued in full and larger equity raises never leave less cash, nor less liquidity, in any
    world and quarter; nor does the plan case (planned notes and raises open) against the committed one.

    "Opening more financing never leaves less cash" is true for this engine only where extra cash cannot
    be spent by a rule that depends on cash, and where the extra debt costs less than it brought in within
    the horizon. Hence the ``more_cash`` firms: no distributions (more liquidity lets a suspended dividend be
    paid, which leaves less cash than not paying it), no cohort paid from cash or equity (more cash buys more
    capex), nothing maturing in the horizon (repaying the extra notes, or repaying from the extra cash what
    the poorer firm refinances, leaves less cash in that quarter), the extra notes at a fixed coupon of at
    most 15% over at most 16 quarters (60% of the principal at most, so the carrying cost never exceeds the
    cash raised), and for the cases, every contract committed and every programme facility committed (an
    awarded contract priced below spot takes GPUs off the spot market, and a planned facility buys capex
    whose costs may exceed its revenue).
    """
    small = build(data)
    large = build(_scaled(data, factor))
    w = worlds_for(small, seed)
    a, b = project(compile_company(small), w), project(compile_company(large), w)
    assert (b["cash"] >= a["cash"] - CENT).all(), "more notes and equity left less cash"
    if (b["cash"] > a["cash"] + 1.0).any():
        event("more cash somewhere")
    assert (b["cash"] + b["revolver_available"] >= a["cash"] + a["revolver_available"] - CENT).all()

    same = {**data, "contracts": [c | {"status": "committed"} for c in data["contracts"]],
            "debt": [t if t["name"] == "Extra" or t["name"].startswith("Debt") or t["name"] == "RCF"
                     else {k: v for k, v in t.items() if k != "evidence"} | {"status": "committed"} for t in data["debt"]]}
    company = build(same)
    p = project(compile_company(company), both_cases(worlds_for(company, seed)))
    n = N_WORLDS
    assert (p["cash"][n:] >= p["cash"][:n] - CENT).all(), "the plan case left less cash than committed"
