"""stress.io.profiles: finding, loading and validating company profiles.

Each bad variant is tiny.yaml with one edit, written to a temporary file; the
test checks the field path of the problem, that the message says what was
expected, and the bad value as written.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from stress.errors import Problem, ProfileError
from stress.io import profiles, search_path
from stress.io.profiles import load_company, load_profile, profile_dirs, resolve_profile
from stress.model import Company

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.yaml"
REPO = Path(__file__).resolve().parents[2]

Edit = tuple[str, str, Any]  # (op, dotted key path with list indices, value)


def _walk(data: Any, keys: list[str]) -> Any:
    for key in keys:
        data = data[int(key)] if isinstance(data, list) else data[key]
    return data


def apply(data: dict[str, Any], *edits: Edit) -> dict[str, Any]:
    """Apply ``("set", "debt.1.maturity", "2024-12-31")`` / ``("pop", "opening.cash", None)`` edits."""
    for op, dotted, value in edits:
        *parents, last = dotted.split(".")
        holder = _walk(data, parents)
        key: Any = int(last) if isinstance(holder, list) else last
        if op == "set":
            holder[key] = value
        elif op == "pop":
            holder.pop(key)
        else:  # pragma: no cover - a typo in the table
            raise AssertionError(op)
    return data


# (id, edits, field path, what the message must say, bad value shown or None)
ONE_PROBLEM: list[tuple[str, list[Edit], str, str, Any]] = [
    ("unknown key in a tranche", [("set", "debt.0.maturty", "2028-06-30")],
     "debt[0].maturty", "unknown key; did you mean 'maturity'?", None),
    ("unknown top-level key", [("set", "covenant", [])],
     "covenant", "unknown key; did you mean 'covenants'?", None),
    ("unknown key under a dict of models", [("set", "market.gpu_hour_price.H100.strat", 2.0)],
     "market.gpu_hour_price.H100.strat", "unknown key; did you mean 'start'?", None),
    ("unknown key with nothing close", [("set", "opening.zzzqqq", 1)],
     "opening.zzzqqq", "unknown key; valid keys: cash, other_assets, other_liabilities, receivables,", None),
    ("missing required key", [("pop", "opening.cash", None)],
     "opening.cash", "required key is missing", None),
    ("missing required top-level key", [("pop", "as_of", None)],
     "as_of", "required key is missing", None),
    ("negative balance", [("set", "debt.1.balance", "-50m")],
     "debt[1].balance", "expected a value of zero or more", "-50m"),
    ("zero units", [("set", "fleet.0.units", 0)],
     "fleet[0].units", "expected a value above zero", 0),
    ("maturity before as_of", [("set", "debt.1.maturity", "2024-12-31")],
     "debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2", "2024-12-31"),
    ("maturity on as_of", [("set", "debt.1.maturity", "2025-06-30")],
     "debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2", "2025-06-30"),
    ("maturity earlier in the as_of quarter", [("set", "debt.1.maturity", "2025-04-01")],
     "debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2", "2025-04-01"),
    ("maturity later in the as_of quarter", [("set", "as_of", "2025-06-27"), ("set", "debt.1.maturity", "2025-06-30")],
     "debt[1].maturity", "must fall in a quarter after as_of's quarter 2025Q2", "2025-06-30"),
    ("lease end before as_of", [("set", "leases.0.end", "2025-05-31")],
     "leases[0].end", "must fall in a quarter after as_of's quarter 2025Q2", "2025-05-31"),
    ("lease end later in the as_of quarter", [("set", "as_of", "2025-06-27"), ("set", "leases.0.end", "2025-06-30")],
     "leases[0].end", "must fall in a quarter after as_of's quarter 2025Q2", "2025-06-30"),
    ("contract end in the as_of quarter", [("set", "contracts.0.end", "2025-04-30")],
     "contracts[0].end", "must fall in a quarter after as_of's quarter 2025Q2", "2025-04-30"),
    ("lease end on start", [("set", "leases.0.start", "2026-03-31"), ("set", "leases.0.end", "2026-03-31")],
     "leases[0].end", "must fall after start (2026-03-31)", "2026-03-31"),
    ("contract end on start", [("set", "contracts.0.start", "2026-01-01"), ("set", "contracts.0.end", "2026-01-01")],
     "contracts[0].end", "must fall after start (2026-01-01)", "2026-01-01"),
    ("contract end before start", [("set", "contracts.0.start", "2026-01-01"), ("set", "contracts.0.end", "2025-12-31")],
     "contracts[0].end", "must fall after start (2026-01-01)", "2025-12-31"),
    ("lease discount rate at -100%", [("set", "leases.0.discount_rate", "-100%")],
     "leases[0].discount_rate", "expected a rate above -100%", "-100%"),
    ("funded_by names no facility", [("set", "capex_plan.0.funded_by", "DDTLX")],
     "capex_plan[0].funded_by", "names no debt facility; expected one of ['DDTL', 'Notes', 'Revolver', 'Term Loan']",
     "DDTLX"),
    ("secured_by names no cohort", [("set", "debt.0.secured_by", ["H200-2024"])],
     "debt[0].secured_by[0]", "names no fleet or capex_plan cohort; expected one of ['B200-2026', 'H100-2025']",
     "H200-2024"),
    ("applies_to names no tranche", [("set", "covenants.3.applies_to", "Nope")],
     "covenants[3].applies_to", "names no debt tranche; expected one of ['DDTL', 'Notes', 'Revolver', 'Term Loan']",
     "Nope"),
    ("ltv without applies_to", [("pop", "covenants.3.applies_to", None)],
     "covenants[3].applies_to", "an ltv covenant needs applies_to naming a secured tranche", None),
    ("ltv on an unsecured tranche", [("set", "covenants.3.applies_to", "Notes")],
     "covenants[3].applies_to", "an ltv covenant needs a tranche with secured_by collateral", "Notes"),
    ("drawn balance over limit", [("set", "debt.2.balance", "60m")],
     "debt[2].balance", "drawn balance 60,000,000 exceeds limit 50,000,000", 60e6),
    ("revolver without limit", [("pop", "debt.2.limit", None)],
     "debt[2].limit", "a revolver needs a limit (its commitment)", None),
    ("delayed draw without limit", [("pop", "debt.3.limit", None)],
     "debt[3].limit", "a delayed_draw needs a limit (its commitment)", None),
    ("covenant with both min and max", [("set", "covenants.0.max", "100m")],
     "covenants[0].max", "give exactly one of min or max; liquidity is tested against a minimum", 100e6),
    ("covenant with neither min nor max", [("pop", "covenants.0.min", None)],
     "covenants[0].min", "give exactly one of min or max; liquidity is tested against a minimum", None),
    ("leverage given a minimum", [("pop", "covenants.1.max", None), ("set", "covenants.1.min", 6.0)],
     "covenants[1].min", "net_leverage is tested against a maximum; use max:", 6.0),
    ("liquidity given a maximum", [("pop", "covenants.0.min", None), ("set", "covenants.0.max", "25m")],
     "covenants[0].max", "liquidity is tested against a minimum; use min:", 25e6),
    ("threshold not a number", [("set", "covenants.1.max", "lots")],
     "covenants[1].max", "expected a threshold such as 6.0, '6.0x', '75%' or '200m'", "lots"),
    ("rate abc", [("set", "debt.1.rate", "abc")],
     "debt[1].rate", "expected a fixed rate such as '9.25%' or a floating one such as 'SOFR+6.0%'", "abc"),
    ("share over 100%", [("set", "market.spot_utilisation", "120%")],
     "market.spot_utilisation", "expected a share between 0% and 100%", "120%"),
    ("residual over 100%", [("set", "fleet.0.residual", 1.5)],
     "fleet[0].residual", "expected a share between 0% and 100%", 1.5),
    ("money not a number", [("set", "opening.cash", "lots")],
     "opening.cash", "expected an amount in USD such as", "lots"),
    ("count not a number", [("set", "fleet.0.units", "many")],
     "fleet[0].units", "expected a count such as 200000 or '200k'", "many"),
    ("date not ISO", [("set", "as_of", "June 2025")],
     "as_of", "expected an ISO date such as 2025-06-30", "June 2025"),
    ("unknown debt kind", [("set", "debt.0.kind", "bond")],
     "debt[0].kind", "'term_loan'", "bond"),
    ("horizon too long", [("set", "horizon_quarters", 81)],
     "horizon_quarters", "less than or equal to 80", 81),
    ("funded_share without funded_by", [("pop", "capex_plan.0.funded_by", None), ("set", "capex_plan.0.funded_share", "50%")],
     "capex_plan[0].funded_share", "funded_share is set but funded_by names no facility", 0.5),
    ("planned GPU with no market price", [("pop", "market.gpu_hour_price.B200", None)],
     "capex_plan[0].gpu", "has no market.gpu_hour_price; priced models: ['H100']", "B200"),
    ("owned GPU with no market price", [("set", "fleet.0.gpu", "A100"), ("set", "contracts.0.gpu", "A100")],
     "fleet[0].gpu", "has no market.gpu_hour_price; priced models: ['B200', 'H100']", "A100"),
    ("contract GPU not in the fleet", [("set", "contracts.0.gpu", "A100")],
     "contracts[0].gpu", "no fleet or capex_plan cohort has this GPU model; owned: ['B200', 'H100']", "A100"),
    ("owned cohort in service after as_of", [("set", "fleet.0.in_service", "2025-09-30")],
     "fleet[0].in_service",
     "an owned cohort must be in service in or before as_of's quarter 2025Q2; put future cohorts in capex_plan",
     "2025-09-30"),
    ("planned cohort in service before as_of", [("set", "capex_plan.0.in_service", "2025-03-31")],
     "capex_plan[0].in_service", "must fall in a quarter after as_of's quarter 2025Q2", "2025-03-31"),
    ("planned cohort in service in the as_of quarter", [("set", "capex_plan.0.in_service", "2025-06-30")],
     "capex_plan[0].in_service",
     "must fall in a quarter after as_of's quarter 2025Q2; a cohort in service by then is already owned: put it in fleet",
     "2025-06-30"),
]


@pytest.mark.parametrize(("edits", "path", "expected", "value"), [c[1:] for c in ONE_PROBLEM],
                         ids=[c[0] for c in ONE_PROBLEM])
def test_each_problem_is_located_and_says_what_was_expected(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
    edits: list[Edit], path: str, expected: str, value: Any,
) -> None:
    found = problems_of(apply(tiny_data, *edits))
    assert [p.path for p in found] == [path]
    assert expected in found[0].message
    assert found[0].value == value


def test_renamed_key_reports_the_unknown_and_the_missing_one(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    tiny_data["debt"][0]["maturty"] = tiny_data["debt"][0].pop("maturity")
    found = {p.path: p.message for p in problems_of(tiny_data)}
    assert found == {"debt[0].maturity": "required key is missing",
                     "debt[0].maturty": "unknown key; did you mean 'maturity'?"}


@pytest.mark.parametrize(
    ("section", "edit", "paths"),
    [
        ("debt", ("set", "debt.1.name", "Term Loan"), ["debt[0].name", "debt[1].name"]),
        ("cohort", ("set", "capex_plan.0.name", "H100-2025"), ["fleet[0].name", "capex_plan[0].name"]),
    ],
)
def test_duplicate_names_flag_every_holder(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
    section: str, edit: Edit, paths: list[str],
) -> None:
    found = problems_of(apply(tiny_data, edit))
    assert [p.path for p in found] == paths
    assert all(p.message == f"duplicate {section} name; names must be unique" for p in found)


def test_duplicate_lease_names(tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]]) -> None:
    tiny_data["leases"].append(dict(tiny_data["leases"][0]))
    found = problems_of(tiny_data)
    assert [(p.path, p.value) for p in found] == [("leases[0].name", "DC"), ("leases[1].name", "DC")]
    assert all("names must be unique" in p.message for p in found)


# --- several problems at once ----------------------------------------------------------------

def test_every_field_problem_is_reported_at_once(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    apply(tiny_data, ("set", "debt.1.balance", "-50m"), ("set", "debt.0.rate", "abc"),
          ("set", "market.spot_utilisation", "170%"))
    tiny_data["opening"]["cahs"] = tiny_data["opening"].pop("cash")
    found = problems_of(tiny_data)
    assert len(found) == 5
    assert sorted(p.path for p in found) == sorted(
        ["opening.cash", "opening.cahs", "debt[0].rate", "debt[1].balance", "market.spot_utilisation"])


def test_every_cross_field_problem_is_reported_at_once(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    apply(tiny_data, ("set", "capex_plan.0.funded_by", "X"), ("set", "debt.1.maturity", "2024-12-31"),
          ("set", "fleet.0.in_service", "2025-09-30"), ("set", "covenants.3.applies_to", "Nope"))
    found = problems_of(tiny_data)
    assert len(found) == 4
    assert sorted(p.path for p in found) == sorted(
        ["capex_plan[0].funded_by", "debt[1].maturity", "fleet[0].in_service", "covenants[3].applies_to"])


def test_field_and_cross_field_problems_are_reported_together(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    apply(tiny_data, ("set", "debt.0.balance", "-50m"), ("set", "debt.1.maturity", "2024-12-31"))
    assert sorted(p.path for p in problems_of(tiny_data)) == ["debt[0].balance", "debt[1].maturity"]


def test_profile_error_text_lists_file_count_and_each_problem(
    tiny_data: dict[str, Any], write_profile: Callable[..., Path],
) -> None:
    path = write_profile(apply(tiny_data, ("set", "debt.1.balance", "-50m"), ("set", "debt.0.rate", "abc")))
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: invalid profile (2 problem(s))"
    written = path.read_text(encoding="utf-8").splitlines()  # where yaml.safe_dump put the bad values
    balance = next(i for i, t in enumerate(written) if t.endswith("balance: -50m")) + 1
    rate = next(i for i, t in enumerate(written) if t.endswith("rate: abc")) + 1
    column = written[balance - 1].index("-50m") + 1
    assert f"  - debt[1].balance line {balance}, column {column}: expected a value of zero or more (got '-50m')" in lines
    assert any(line.startswith(f"  - debt[0].rate line {rate}, column ") and "expected a fixed rate" in line
               and line.endswith("(got 'abc')") for line in lines)


# --- whole-file problems ----------------------------------------------------------------------

def _file_problem(path: Path) -> Problem:
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert info.value.file == path
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.path == ""
    return problem


def test_yaml_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\nticker: X\n", encoding="utf-8")
    problem = _file_problem(path)
    assert problem.message.startswith("is not valid YAML: ")
    # the flow sequence opened on line 1 meets 'ticker:' and fails at the colon: line 2, column 7
    assert (problem.line, problem.column) == (2, 7)
    assert "line 2, column 7" in str(problem)


def test_json_syntax_error_has_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"name": "X",\n "ticker": }\n', encoding="utf-8")
    problem = _file_problem(path)
    assert problem.message == "is not valid JSON: Expecting value"
    # the value of "ticker" is missing: the '}' on line 2, column 12
    assert (problem.line, problem.column) == (2, 12)
    assert "line 2, column 12" in str(problem)


def test_json_suffix_is_case_insensitive(tmp_path: Path) -> None:
    path = tmp_path / "BAD.JSON"
    path.write_text('{"name": ', encoding="utf-8")
    assert _file_problem(path).message.startswith("is not valid JSON: ")


@pytest.mark.parametrize(
    ("text", "got"),
    [("- a\n- b\n", "got a list"), ("just some words\n", "got a str"), ("", "got an empty file"),
     ("# only a comment\n", "got an empty file")],
    ids=["list", "scalar", "empty", "comment only"],
)
def test_file_not_a_mapping(tmp_path: Path, text: str, got: str) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert _file_problem(path).message == f"expected a mapping of keys such as 'name:' at the top level, {got}"


def test_missing_file(tmp_path: Path) -> None:
    assert _file_problem(tmp_path / "nope.yaml").message == "file does not exist"


def test_directory_is_not_a_profile(tmp_path: Path) -> None:
    (tmp_path / "dir.yaml").mkdir()
    assert _file_problem(tmp_path / "dir.yaml").message == "is a directory; expected a .yaml file"


def test_file_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin.yaml"
    path.write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert _file_problem(path).message.startswith("cannot be read as UTF-8 text")


# --- warnings -------------------------------------------------------------------------------

def test_tiny_loads_without_warnings() -> None:
    loaded = load_profile(TINY)
    assert loaded.path == TINY
    assert loaded.warnings == []
    assert loaded.company.name == "Tiny GPU Cloud"


def test_cash_without_suffix_warns_and_suggests_one(tiny_data: dict[str, Any], write_profile: Callable[..., Path]) -> None:
    # The largest amount in tiny is the H100 cohort, 10k x 30k = 300m; 1,150 is under 300m x 1e-5 = 3,000.
    # Suffixes are tried largest first: 1150bn > 10 x 300m, 1150m = 1.15bn <= 3bn, so '1150m'.
    tiny_data["opening"]["cash"] = 1150
    loaded = load_profile(write_profile(tiny_data))
    assert loaded.company.opening.cash == 1150.0  # a warning, not an error: the value is kept
    assert [(w.path, w.value) for w in loaded.warnings] == [("opening.cash", 1150.0)]
    assert loaded.warnings[0].message == (
        "1,150 dollars is tiny beside the profile's 300,000,000; did you mean '1150m'?")


def test_amount_just_above_the_warning_ratio_is_not_flagged(
    tiny_data: dict[str, Any], write_profile: Callable[..., Path],
) -> None:
    tiny_data["opening"]["cash"] = 3001  # 300m x 1e-5 = 3,000
    assert load_profile(write_profile(tiny_data)).warnings == []


# --- finding profiles by name ---------------------------------------------------------------

def _copy_tiny(folder: Path, stem: str, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    data["name"] = name
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_shipped_dir_is_the_repository_companies_folder() -> None:
    assert profiles.SHIPPED_DIR == REPO / "companies"
    assert profile_dirs()[-1] == REPO / "companies"


def test_bare_name_resolves_from_stress_companies_before_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir, work = tmp_path / "env", tmp_path / "work"
    env_path = _copy_tiny(env_dir, "mini", "from env")
    _copy_tiny(work / "companies", "mini", "from cwd")
    monkeypatch.setenv("STRESS_COMPANIES", str(env_dir))
    monkeypatch.chdir(work)
    assert resolve_profile("mini") == env_path
    assert load_company("mini").name == "from env"


def test_bare_name_resolves_from_cwd_companies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _copy_tiny(tmp_path / "companies", "mini", "from cwd")
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_profile("mini") == path
    assert load_profile("mini").company.name == "from cwd"


def test_bare_name_falls_back_to_the_shipped_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = tmp_path / "shipped"
    path = _copy_tiny(shipped, "mini", "shipped")
    monkeypatch.setattr(search_path, "SHIPPED_DIR", shipped)
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)  # no ./companies here
    assert load_profile("mini").path == path


def test_unknown_bare_name_lists_the_known_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy_tiny(tmp_path / "companies", "alpha", "a")
    _copy_tiny(tmp_path / "companies", "beta", "b")
    monkeypatch.setattr(search_path, "SHIPPED_DIR", tmp_path / "none")
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as info:
        load_profile("gamma")
    assert [(p.path, p.message) for p in info.value.problems] == [
        ("", "no such file, and no shipped profile of that name; known: alpha, beta")]


def test_coreweave_resolves_from_any_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shipped = REPO / "companies" / "coreweave.yaml"
    if not shipped.exists():
        pytest.skip("companies/coreweave.yaml is not written yet")
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    loaded = load_profile("coreweave")
    assert loaded.path.resolve() == shipped.resolve()
    assert loaded.company.ticker == "CRWV"


# --- JSON -----------------------------------------------------------------------------------

def test_json_profile_equals_the_yaml_one(tiny_data: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_data, default=str), encoding="utf-8")  # dates become ISO strings
    from_json = load_company(path)
    assert isinstance(from_json, Company)
    assert from_json == load_company(TINY)


def test_json_profile_is_validated_too(tiny_data: dict[str, Any], tmp_path: Path) -> None:
    tiny_data["debt"][1]["balance"] = "-50m"
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps(tiny_data, default=str), encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert [p.path for p in info.value.problems] == ["debt[1].balance"]


# --- cross-field checks on the parts that validate ---------------------------------------------

@pytest.mark.parametrize(
    ("edits", "paths"),
    [
        # a reference to an item that is itself invalid is not also reported as naming nothing
        ([("set", "debt.0.balance", "-50m")], ["debt[0].balance"]),  # covenants[3] applies_to Term Loan
        ([("set", "debt.3.rate", "abc")], ["debt[3].rate"]),  # capex_plan[0] funded_by DDTL
        ([("set", "fleet.0.units", 0)], ["fleet[0].units"]),  # debt[0] secured_by, contracts[0] gpu H100
        # an invalid as_of skips the date checks, not the reference checks
        ([("set", "as_of", "June 2025"), ("set", "capex_plan.0.funded_by", "X")], ["as_of", "capex_plan[0].funded_by"]),
        # an invalid market skips the price checks, not the contract GPU check
        ([("set", "market.spot_utilisation", "170%"), ("set", "contracts.0.gpu", "A100")],
         ["market.spot_utilisation", "contracts[0].gpu"]),
        # item checks run on the valid items beside the field errors
        ([("set", "debt.1.balance", "-50m"), ("set", "debt.2.balance", "60m"), ("pop", "covenants.0.min", None)],
         ["debt[1].balance", "debt[2].balance", "covenants[0].min"]),
        ([("set", "debt.1.balance", "-50m"), ("set", "debt.1.maturity", "2024-12-31"),
          ("set", "leases.0.end", "2025-05-31"), ("set", "covenants", "none")],
         ["debt[1].balance", "covenants", "leases[0].end"]),
    ],
    ids=["applies_to an invalid tranche", "funded_by an invalid facility", "secured_by and gpu of an invalid cohort",
         "invalid as_of", "invalid market", "item checks beside field errors", "dates of a valid item only"],
)
def test_cross_field_checks_run_on_the_parts_that_validate(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
    edits: list[Edit], paths: list[str],
) -> None:
    assert sorted(p.path for p in problems_of(apply(tiny_data, *edits))) == sorted(paths)


def test_field_and_cross_field_problems_keep_their_messages_and_values(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    apply(tiny_data, ("set", "opening.cash", "-1m"), ("set", "contracts.0.end", "2025-04-30"),
          ("set", "debt.0.secured_by", ["Nope"]))
    assert [(p.path, p.message, p.value) for p in problems_of(tiny_data)] == [
        ("opening.cash", "expected a value of zero or more", "-1m"),
        ("debt[0].secured_by[0]", "names no fleet or capex_plan cohort; expected one of ['B200-2026', 'H100-2025']",
         "Nope"),
        ("contracts[0].end", "must fall in a quarter after as_of's quarter 2025Q2", "2025-04-30"),
    ]


def test_duplicate_names_count_invalid_items_too(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    apply(tiny_data, ("set", "debt.1.name", "Term Loan"), ("set", "debt.1.balance", "-50m"))
    assert [p.path for p in problems_of(tiny_data)] == ["debt[1].balance", "debt[0].name", "debt[1].name"]


def test_a_contract_ending_before_its_start_and_as_of_reports_both(
    tiny_data: dict[str, Any], problems_of: Callable[[dict[str, Any]], list[Problem]],
) -> None:
    found = problems_of(apply(tiny_data, ("set", "contracts.0.end", "2024-12-31")))
    assert [(p.path, p.message) for p in found] == [
        ("contracts[0].end", "must fall after start (2025-01-01)"),
        ("contracts[0].end", "must fall in a quarter after as_of's quarter 2025Q2")]


@pytest.mark.parametrize(
    "edits",
    [
        [("set", "as_of", "2025-06-27"), ("set", "fleet.0.in_service", "2025-06-30")],  # later in as_of's quarter
        [("set", "capex_plan.0.in_service", "2025-07-01")],  # the first day of the next quarter
        [("set", "debt.1.maturity", "2025-07-01"), ("set", "leases.0.end", "2025-07-01"),
         ("set", "contracts.0.end", "2025-07-01")],
    ],
    ids=["owned cohort later in the as_of quarter", "planned cohort next quarter", "ends next quarter"],
)
def test_dates_are_compared_by_quarter(tiny_data: dict[str, Any], write_profile: Callable[..., Path],
                                       edits: list[Edit]) -> None:
    load_profile(write_profile(apply(tiny_data, *edits)))


# --- saving a profile and loading it back -------------------------------------------------------

@pytest.mark.parametrize("rates", [{}, {0: "SOFR+612.5bp", 1: "9.125%", 2: "SOFR-50bp", 3: "Term SOFR + 2.25%"}],
                         ids=["tiny", "odd rates"])
def test_a_saved_profile_loads_back_equal(tiny_data: dict[str, Any], tmp_path: Path, rates: dict[int, str]) -> None:
    for i, rate in rates.items():
        tiny_data["debt"][i]["rate"] = rate
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(tiny_data), encoding="utf-8")
    company = load_company(path)
    assert Company.model_validate_json(company.model_dump_json()) == company
    saved = tmp_path / "saved.json"
    saved.write_text(company.model_dump_json(), encoding="utf-8")
    assert load_company(saved) == company
    written = [t["rate"] for t in json.loads(company.model_dump_json())["debt"]]
    expected = {0: "SOFR+600bp", 1: "9.25%", 2: "SOFR+300bp", 3: "SOFR+400bp"}
    expected |= {0: "SOFR+612.5bp", 1: "9.125%", 2: "SOFR-50bp", 3: "TERM SOFR+225bp"} if rates else {}
    assert written == [expected[i] for i in range(4)]


def test_profile_problems_of_a_company(tiny_data: dict[str, Any]) -> None:
    from stress.model.checks import profile_problems
    assert profile_problems(load_company(TINY)) == []
    tiny_data["debt"][1]["maturity"] = "2025-04-01"  # valid field by field, so model_validate accepts it
    assert [p.path for p in profile_problems(Company.model_validate(tiny_data))] == ["debt[1].maturity"]


def test_unknown_bare_name_lists_yml_and_json_profiles_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "companies"
    _copy_tiny(folder, "alpha", "a").rename(folder / "alpha.yml")
    _copy_tiny(folder, "beta", "b").rename(folder / "beta.json")
    _copy_tiny(folder, "omega", "o").rename(folder / "omega.YAML")  # not found by name, so not listed
    _copy_tiny(folder, "gamma", "g")
    (folder / "notes.txt").write_text("not a profile", encoding="utf-8")
    monkeypatch.setattr(search_path, "SHIPPED_DIR", tmp_path / "none")
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ProfileError) as info:
        load_profile("delta")
    assert [p.message for p in info.value.problems] == [
        "no such file, and no shipped profile of that name; known: alpha, beta, gamma"]


def test_bare_name_finds_the_latest_then_the_dated_profile_in_history(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    latest = _copy_tiny(tmp_path / "companies", "mini", "latest")
    dated = _copy_tiny(tmp_path / "companies" / "history", "mini-2025-06-30", "as of June")
    _copy_tiny(tmp_path / "companies" / "history", "mini", "a dated copy under the bare name")
    monkeypatch.setattr(search_path, "SHIPPED_DIR", tmp_path / "none")
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    assert resolve_profile("mini") == latest  # the folder itself wins over its history
    assert resolve_profile("mini-2025-06-30") == dated
    with pytest.raises(ProfileError) as info:
        load_profile("gamma")
    assert info.value.problems[0].message.endswith("known: mini, mini-2025-06-30")


def test_shipped_history_profile_resolves_by_its_dated_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STRESS_COMPANIES", raising=False)
    monkeypatch.chdir(tmp_path)
    dated = load_profile("coreweave-2025-06-30")
    assert dated.path == REPO / "companies" / "history" / "coreweave-2025-06-30.yaml"
    assert str(dated.company.as_of) == "2025-06-30"
