"""``stress init``: a scaffold with every section whose only problems are its TODOs, each at its line; filled in,
it validates and runs; ``--from`` keeps a profile as written (comments too) with ``as_of`` to fill."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stress import api
from stress.cli import app
from stress.errors import ProfileError
from stress.io.profiles import load_profile
from stress.model.company import Company
from stress.scenarios.select import select

ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
runner = CliRunner()

#: A value for every TODO of the scaffold (a small firm, numbers of the size of tests/fixtures/tiny.yaml).
FILLED = {
    "name": "Example GPU Cloud", "ticker": "EXGC", "as_of": "2025-09-30", "sources.filing": "https://example.com/10-Q",
    "opening.cash": "100m", "opening.receivables": "20m", "opening.other_assets": "30m", "opening.other_liabilities": "10m",
    "fleet[0].name": "H100-2025", "fleet[0].gpu": "H100", "fleet[0].units": "10k", "fleet[0].unit_cost": "30k",
    "fleet[0].in_service": "2025-03-31",
    "contracts[0].customer": "BigCo", "contracts[0].gpu": "H100", "contracts[0].gpus": "6k",
    "contracts[0].price_per_gpu_hour": "2.50", "contracts[0].start": "2025-01-01", "contracts[0].end": "2027-12-31",
    "market.gpu_hour_price.H100.start": "2.00", "market.gpu_hour_price.H100.annual_change": "-15%",
    "market.spot_utilisation": "70%", "market.base_rate.start": "4.30%", "market.power_price_per_kwh": "0.08",
    "costs.other_cost_per_gpu_year": "2.5k", "costs.sga_per_quarter": "5m", "working_capital.receivable_days": "60",
    "treasury.minimum_cash": "10m",
    "debt[0].name": "Term Loan", "debt[0].kind": "term_loan", "debt[0].balance": "200m", "debt[0].rate": "SOFR+6.0%",
    "debt[0].maturity": "2028-06-30",
    "leases[0].name": "DC", "leases[0].annual_payment": "20m", "leases[0].start": "2025-03-31",
    "leases[0].end": "2035-03-31", "leases[0].discount_rate": "10%",
    "covenants[0].min": "25m",
}


def invoke(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, list(args))
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit)), res.output
    return res.exit_code, res.output


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def problems_of(path: Path, sets: list[str] | None = None) -> list:
    with pytest.raises(ProfileError) as info:
        load_profile(path, sets or [])
    return info.value.problems


def test_init_writes_companies_name_yaml(here: Path):
    code, out = invoke("init", "lambda")
    assert code == 0 and out.splitlines()[0] == str(Path("companies") / "lambda.yaml")
    assert (here / "companies" / "lambda.yaml").is_file()
    assert f"{len(FILLED)} TODO(s) to fill in" in out


def test_the_scaffold_has_every_section():
    from stress.io.scaffold import scaffold_text

    text = scaffold_text("x", Path("companies/x.yaml"))
    keys = set(re.findall(r"^#? ?([a-z_]+):", text, re.M))
    assert set(Company.model_fields) <= keys, set(Company.model_fields) - keys


def test_a_fresh_scaffold_has_only_todos_each_at_its_line(here: Path):
    invoke("init", "lambda")
    path = here / "companies" / "lambda.yaml"
    lines = path.read_text(encoding="utf-8").splitlines()
    found = problems_of(path)
    assert all(p.message.startswith("to fill in: ") for p in found), [p for p in found if "to fill in" not in p.message]
    assert {p.path for p in found} == set(FILLED)
    written = [i for i, t in enumerate(lines, 1) if re.search(r': "TODO: ', t)]  # one quoted TODO per line
    assert sorted(p.line for p in found) == written
    for p in found:
        assert lines[p.line - 1][p.column - 1:].startswith('"TODO: ')


def test_validate_lists_the_todos(here: Path):
    invoke("init", "lambda")
    code, out = invoke("validate", "lambda")  # found by its bare name in ./companies
    assert code == 2 and f"{len(FILLED)} problem(s)" in out and "ticker line 13, column 9: to fill in: the exchange ticker" in out


def test_filling_some_todos_leaves_exactly_the_others(here: Path):
    invoke("init", "lambda")
    path = here / "companies" / "lambda.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace('"TODO: the exchange ticker, e.g. EXGC"', "EXGC")
    text = text.replace('"TODO: cash and equivalents at as_of, USD"', "100m")
    path.write_text(text, encoding="utf-8")
    assert {p.path for p in problems_of(path)} == set(FILLED) - {"ticker", "opening.cash"}


def test_filled_in_it_validates_and_runs(here: Path):
    invoke("init", "lambda")
    path = here / "companies" / "lambda.yaml"
    company = load_profile(path, [f"{k}={v}" for k, v in FILLED.items()]).company
    assert company.market.gpu_hour_price["H100"].start == 2.0 and company.debt[0].balance == 200e6
    results = api.run(company, select(["baseline"], None, {}))
    assert results.verdicts[0].value in ("pass", "breach", "default")


def test_init_never_overwrites_without_force(here: Path):
    invoke("init", "lambda")
    path = here / "companies" / "lambda.yaml"
    path.write_text("# mine\n", encoding="utf-8")
    code, out = invoke("init", "lambda")
    assert code == 2 and "already exists" in out and path.read_text(encoding="utf-8") == "# mine\n"
    assert invoke("init", "lambda", "--force")[0] == 0 and "TODO" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "says"), [("x.json", "written as YAML"), ("!!!", "expected a name"),
                                            ("sub/x.txt", "written as YAML")])
def test_bad_names_are_refused(here: Path, name: str, says: str):
    code, out = invoke("init", name)
    assert code == 2 and says in out and not (here / "companies").exists()


def test_a_path_is_written_where_it_says(here: Path):
    code, out = invoke("init", "drafts/new.yaml")
    assert code == 0 and (here / "drafts" / "new.yaml").is_file()


def test_a_name_with_spaces_becomes_a_file_name(here: Path):
    assert invoke("init", "Lambda Labs")[0] == 0 and (here / "companies" / "lambda-labs.yaml").is_file()


# --- --from -----------------------------------------------------------------------------------------------

def test_from_keeps_the_profile_as_written_with_as_of_to_fill(here: Path):
    code, _ = invoke("init", "next", "--from", str(TINY))
    assert code == 0
    path = here / "companies" / "next.yaml"
    copy, source = path.read_text(encoding="utf-8"), TINY.read_text(encoding="utf-8")
    kept = [t for t in source.splitlines() if not t.startswith("as_of:")]
    assert all(t in copy.splitlines() for t in kept)  # every other line, comments included, as written
    (p,) = problems_of(path)
    assert (p.path, p.line) == ("as_of", next(i for i, t in enumerate(copy.splitlines(), 1) if t.startswith("as_of:")))
    assert "the source's is 2025-06-30" in p.message
    assert load_profile(path, ["as_of=2025-06-30"]).company == load_profile(TINY).company


def test_from_a_shipped_name(here: Path):
    assert invoke("init", "cw", "--from", "coreweave")[0] == 0
    assert [p.path for p in problems_of(here / "companies" / "cw.yaml")] == ["as_of"]


def test_from_a_json_profile_writes_yaml(here: Path):
    source = here / "tiny.json"
    source.write_text(json.dumps(yaml.safe_load(TINY.read_text(encoding="utf-8")), default=str), encoding="utf-8")
    assert invoke("init", "fromjson", "--from", str(source))[0] == 0
    path = here / "companies" / "fromjson.yaml"
    assert load_profile(path, ["as_of=2025-06-30"]).company == load_profile(TINY).company


def test_from_a_file_that_is_not_there(here: Path):
    code, out = invoke("init", "x", "--from", "nowhere-at-all")
    assert code == 2 and "no such file" in out and not (here / "companies").exists()
