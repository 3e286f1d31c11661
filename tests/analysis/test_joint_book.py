"""The joint Monte Carlo of a book: a tenant's default drags its landlord in the same paths and only those,
same seed same bytes whatever the worker count or member order, cycles refused, one firm alone unchanged."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from stress.analysis import joint
from stress.analysis import montecarlo as mc
from stress.analysis.batch import FirmTask
from stress.cli import app
from stress.engine.compiled import compile_company
from stress.engine.timeline import NEVER
from stress.engine.worlds import baseline_worlds
from stress.io.profiles import load_profile
from stress.model.montecarlo import MonteCarloParams
from stress.model.portfolio import Exposure

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.yaml"
runner = CliRunner()


def _tiny() -> dict:
    return yaml.safe_load(TINY.read_text())


def tenant_data(as_of: str = "2025-06-30") -> dict:
    """Tiny, thin on cash, with notes it must refinance in 2026Q2: it defaults in about a fifth of paths."""
    d = _tiny()
    d.update(name="Tenant Co", ticker="TEN", as_of=as_of)
    d["opening"]["cash"] = "5m"
    d["debt"][1].update(balance="100m", maturity="2026-06-30")
    return d


def landlord_data(tenant_ref: str = "tenant.yaml", as_of: str = "2025-06-30") -> dict:
    """Tiny whose only customer is the tenant, on all its GPUs, with thin cash: it lives on the tenant's rent."""
    d = _tiny()
    d.update(name="Landlord Co", ticker="LAND", as_of=as_of)
    d["opening"]["cash"] = "5m"
    d["contracts"] = [{"customer": "Tenant Co", "gpu": "H100", "gpus": "10k", "price_per_gpu_hour": 2.5,
                       "start": "2025-01-01", "end": "2027-12-31", "customer_profile": tenant_ref}]
    return d


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def pair(tmp_path: Path) -> tuple[Path, Path]:
    return write(tmp_path / "tenant.yaml", tenant_data()), write(tmp_path / "landlord.yaml", landlord_data())


def tasks(*profiles: Path, exposures: list | None = None) -> list[FirmTask]:
    return [FirmTask(str(p), [], [exposures[i] if exposures else None]) for i, p in enumerate(profiles)]


def by_ticker(result: joint.JointResult) -> dict[str, joint.JointFirm]:
    return {f.ticker: f for f in result.firms}


def test_the_landlords_customer_defaults_exactly_when_the_tenant_does(pair):
    tenant_file, landlord_file = pair
    r = joint.run_joint(tasks(landlord_file, tenant_file), 3000, seed=4, chunk=512, jobs=1)
    firms = by_ticker(r)
    tenant, landlord = firms["TEN"], firms["LAND"]
    assert 0.05 < tenant.probability_of_default < 0.6  # the test means something: some paths default, most do not
    (link,) = r.links
    assert (r.firms[link.tenant].ticker, r.firms[link.landlord].ticker, link.customer) == ("TEN", "LAND", "Tenant Co")
    q = len(landlord.quarters)
    # same timeline: the customer stops paying in the tenant's default quarter, in its default paths ...
    np.testing.assert_array_equal(link.customer_q, np.where(tenant.defaulted, tenant.default_q, NEVER))
    # ... and never in the others
    assert (link.customer_q[~tenant.defaulted] == NEVER).all()
    assert (link.customer_q[tenant.defaulted] < q).all()
    # the landlord, which lives on that rent, is dragged in: it defaults in tenant-default paths only, after the tenant
    assert landlord.defaulted.any()
    assert not (landlord.defaulted & ~tenant.defaulted).any()
    assert (landlord.default_q[landlord.defaulted] >= tenant.default_q[landlord.defaulted]).all()
    assert r.link_rows()[0]["joint_defaults"] == int(landlord.defaulted.sum())
    assert r.notes == []


def test_a_tenant_with_an_earlier_as_of_is_mapped_by_calendar_quarter(tmp_path):
    tenant_file = write(tmp_path / "tenant.yaml", tenant_data(as_of="2025-06-30"))  # first quarter 2025Q3
    landlord_file = write(tmp_path / "landlord.yaml", landlord_data(as_of="2025-09-30"))  # first quarter 2025Q4
    r = joint.run_joint(tasks(tenant_file, landlord_file), 1500, seed=2, chunk=512, jobs=1)
    tenant, landlord = by_ticker(r)["TEN"], by_ticker(r)["LAND"]
    assert r.calendar[0] == "2025Q3" and (tenant.start, landlord.start) == (0, 1)
    q = len(landlord.quarters)
    assert (tenant.default_q[tenant.defaulted] - 1 < q).all()  # every tenant default falls inside the landlord's horizon
    expected = np.where(tenant.defaulted, np.maximum(tenant.default_q - 1, 0), NEVER)
    np.testing.assert_array_equal(r.links[0].customer_q, expected)


def test_the_market_is_common_and_the_rest_is_each_firms_own(pair):
    """Two firms in one chunk see the same price level, crashes, closures and rate moves, not the same customers."""
    tenant_file, landlord_file = pair
    plan = joint.plan_joint(tasks(tenant_file, landlord_file))
    seed = np.random.SeedSequence(5)
    market_seed, firm_seeds = joint._seeds(seed, [f.position for f in plan.firms])
    market = mc.draw_market(np.random.default_rng(market_seed), plan.params, 64, len(plan.calendar))
    worlds = [mc.stochastic_worlds(f.cc, f.params, 64, np.random.default_rng(s), market.window(f.start, f.cc.n_quarters))
              for f, s in zip(plan.firms, firm_seeds, strict=True)]
    np.testing.assert_array_equal(worlds[0].refi_open, worlds[1].refi_open)
    np.testing.assert_array_equal(worlds[0].spread_add, worlds[1].spread_add)
    ratio = [w.gpu_price / baseline_worlds(f.cc, 64).gpu_price for w, f in zip(worlds, plan.firms, strict=True)]
    np.testing.assert_allclose(ratio[0], ratio[1])
    assert not np.array_equal(worlds[0].capex_factor, worlds[1].capex_factor)


def test_a_later_window_restarts_the_price_level():
    market = mc.draw_market(np.random.default_rng(0), MonteCarloParams(), 8, 6)
    w = market.window(2, 4)
    np.testing.assert_allclose(w.level, market.level[:, 2:6] / market.level[:, 1:2])
    np.testing.assert_array_equal(w.jumps, market.jumps[:, 2:6])
    with pytest.raises(ValueError):
        market.window(3, 4)


def test_same_seed_same_bytes_whatever_the_worker_count_and_the_member_order(pair):
    tenant_file, landlord_file = pair
    held = [None, Exposure(amount=10e6, tranche="Notes")]
    one = joint.run_joint(tasks(tenant_file, landlord_file, exposures=held), 900, seed=8, chunk=200, jobs=1)
    two = joint.run_joint(tasks(tenant_file, landlord_file, exposures=held), 900, seed=8, chunk=200, jobs=2)
    flipped = joint.run_joint(tasks(landlord_file, tenant_file, exposures=held[::-1]), 900, seed=8, chunk=200, jobs=2)
    assert json.dumps(one.as_dict()) == json.dumps(two.as_dict())
    for a, b in zip(one.firms, two.firms, strict=True):
        np.testing.assert_array_equal(a.default_q, b.default_q)
    for ticker in ("TEN", "LAND"):
        np.testing.assert_array_equal(by_ticker(one)[ticker].default_q, by_ticker(flipped)[ticker].default_q)
    np.testing.assert_array_equal(by_ticker(one)["LAND"].recovery[0], by_ticker(flipped)["LAND"].recovery[0])
    other = joint.run_joint(tasks(tenant_file, landlord_file), 900, seed=9, chunk=200, jobs=1)
    assert not np.array_equal(by_ticker(one)["TEN"].default_q, by_ticker(other)["TEN"].default_q)


def test_cli_batch_json_is_the_same_bytes_with_one_or_two_workers(pair, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")  # the envelope's time, pinned
    book = tmp_path / "book.yaml"
    book.write_text(yaml.safe_dump({"name": "Pair", "members": [
        {"profile": "tenant.yaml", "exposure": {"amount": "20m", "tranche": "Term Loan"}},
        {"profile": "landlord.yaml", "exposure": {"amount": "10m", "seniority": "senior_unsecured"}}]}))
    out = []
    for jobs in ("1", "2"):
        res = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--paths", "4500", "--seed", "3", "--jobs", jobs, "--json"])
        assert res.exit_code == 0, res.output
        out.append(res.stdout)
    assert out[0] == out[1]
    doc = json.loads(out[0])["joint"]
    assert doc["paths"] == 4500 and doc["seed"] == 3
    assert [f["ticker"] for f in doc["firms"]] == ["TEN", "LAND"]
    (link,) = doc["links"]
    assert link["customer_stops_paying"] == link["tenant_defaults"] == doc["firms"][0]["default_paths"]
    assert sum(doc["defaults_per_path"].values()) == pytest.approx(1.0)
    text = runner.invoke(app, ["batch", str(book), "-s", "baseline", "--paths", "500", "--jobs", "1"])
    assert text.exit_code == 0 and "Joint Monte Carlo" in text.stdout and "Linked pairs" in text.stdout


def test_a_cycle_is_refused(tmp_path):
    a = write(tmp_path / "tenant.yaml", landlord_data(tenant_ref="landlord.yaml") | {"name": "Tenant Co", "ticker": "TEN"})
    b = write(tmp_path / "landlord.yaml", landlord_data(tenant_ref="tenant.yaml"))
    with pytest.raises(joint.JointCycleError, match="cycle"):
        joint.plan_joint(tasks(a, b))
    selfish = write(tmp_path / "self.yaml", landlord_data(tenant_ref="self.yaml"))
    with pytest.raises(joint.JointCycleError, match="cycle"):
        joint.plan_joint(tasks(selfish))
    res = runner.invoke(app, ["batch", str(a), str(b), "-s", "baseline", "--paths", "100", "--jobs", "1"])
    assert res.exit_code == 2 and "cycle" in res.output


def test_a_customer_profile_outside_the_book_falls_back_to_the_hazard_model(pair):
    _, landlord_file = pair
    r = joint.run_joint(tasks(landlord_file), 400, seed=1, chunk=200, jobs=1)
    assert r.links == [] and len(r.notes) == 1 and "not in the book" in r.notes[0] and "hazard" in r.notes[0]


def test_shipped_applied_digital_names_coreweave_as_its_tenant():
    company = load_profile("applied_digital").company
    named = {c.customer_profile for c in company.contracts if c.customer == "CoreWeave"}
    assert named == {"coreweave"}
    plan = joint.plan_joint([FirmTask("applied_digital", [], [None]), FirmTask("coreweave", [], [None])])
    (landlord,) = [f for f in plan.firms if f.links]
    assert landlord.cc.company.ticker == "APLD" and plan.firms[landlord.links[0][1]].cc.company.ticker == "CRWV"


# --- the refactor of stochastic_worlds leaves one firm alone unchanged ------------------------------------------

def test_single_firm_worlds_are_the_same_draws_as_before_the_refactor():
    cc = compile_company(load_profile(str(TINY)).company)
    w = mc.stochastic_worlds(cc, MonteCarloParams(), 64, np.random.default_rng(123))
    b = baseline_worlds(cc, 64)
    h = hashlib.sha256()
    pinned_default_q = np.where(w.default_q == NEVER, cc.n_quarters, w.default_q)  # pinned when "never" was Q
    for a in (w.gpu_price / b.gpu_price, w.spread_add, w.refi_open, w.base_rate - b.base_rate, w.utilisation,
              pinned_default_q, w.delay_q, w.capex_factor):
        h.update(np.ascontiguousarray(a).tobytes())
    assert h.hexdigest() == "c15e697d9ded4bda732c1710d3506b2f24977f8bc96387c14f981054745947c5"  # pinned before the refactor


def test_single_firm_monte_carlo_is_unchanged_by_the_refactor():
    cc = compile_company(load_profile(str(TINY)).company)
    r = mc.run_montecarlo(cc, 3000, seed=5, chunk=512, jobs=1)
    # a regression pin, re-taken twice: when operating leases took ASC 842's straight-line cost (the tiny firm's
    # lease cost, hence its cash taxes, moved) and when refinancing became priced on credit (paths rated CC
    # cannot refinance); the paths themselves (the hash above) are unchanged
    assert int(r.defaults.sum()) == 20
    np.testing.assert_array_equal(r.defaults, [0, 0, 0, 0, 0, 3, 3, 14] + [0] * (len(r.quarters) - 8))
    assert r.expected_loss == pytest.approx(370030.43771676556, rel=1e-12)


def test_explicit_market_equals_drawing_it_from_the_same_generator():
    cc = compile_company(load_profile(str(TINY)).company)
    p = MonteCarloParams()
    alone = mc.stochastic_worlds(cc, p, 32, np.random.default_rng(77))
    rng = np.random.default_rng(77)
    given = mc.stochastic_worlds(cc, p, 32, rng, mc.draw_market(rng, p, 32, cc.n_quarters))
    for field in ("gpu_price", "spread_add", "refi_open", "base_rate", "utilisation", "default_q", "delay_q", "capex_factor"):
        np.testing.assert_array_equal(getattr(alone, field), getattr(given, field), err_msg=field)


def test_a_tenants_default_as_a_quarter_of_the_landlords_horizon_by_hand() -> None:
    """Counted from the landlord's first quarter (8 of them): before it is 0 (already defaulted), within it is
    itself, at or after its end is NEVER, as is a tenant that never defaults (NEVER minus a start)."""
    from stress.analysis.joint import _in_horizon
    from stress.engine.timeline import NEVER

    quarters = np.array([-3, 0, 5, 7, 8, 12, NEVER - 4], dtype=np.int64)
    np.testing.assert_array_equal(_in_horizon(quarters, 8), [0, 0, 5, 7, NEVER, NEVER, NEVER])
