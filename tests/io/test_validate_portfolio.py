"""``stress validate`` on a portfolio file (top level ``members:``): its own fields, each member's path and
profile, and the tranche each exposure names; a ✓ or one problems panel, every problem at its line."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from stress.cli import app

ROOT = Path(__file__).resolve().parents[2]
BOOK = ROOT / "companies" / "portfolio.yaml"
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["validate", *args])
    assert "Traceback" not in res.output and (res.exception is None or isinstance(res.exception, SystemExit))
    return res.exit_code, res.output


def book(tmp_path: Path, members: str, head: str = "name: Book\n") -> Path:
    """A portfolio beside a copy of tiny.yaml (so member paths are inside the portfolio's folder)."""
    shutil.copy(TINY, tmp_path / "tiny.yaml")
    path = tmp_path / "book.yaml"
    path.write_text(head + "members:\n" + members, encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in t)


def test_the_shipped_book_is_valid():
    data = yaml.safe_load(BOOK.read_text(encoding="utf-8"))
    members, profiles = len(data["members"]), len({m["profile"] for m in data["members"]})
    code, out = run(str(BOOK))
    assert code == 0, out
    assert f"✓ {BOOK}: portfolio {data['name']} is valid ({members} member(s), {profiles} profile(s), each valid)" in out
    assert "invalid profile" not in out and "required key" not in out


def test_every_shipped_file_validates_together():
    code, out = run(*map(str, sorted((ROOT / "companies").glob("*.yaml"))))
    assert code == 0, out
    assert out.count("✓") == len(list((ROOT / "companies").glob("*.yaml")))


def test_a_bad_field_of_the_portfolio_is_located(tmp_path: Path):
    path = book(tmp_path, "  - profile: tiny.yaml\n    exposure: {amount: lots, seniority: secured}\n")
    code, out = run(str(path))
    assert code == 2 and "invalid portfolio" in out
    assert f"members[0].exposure.amount line {line_of(path, 'lots')}, column " in out


def test_a_tranche_the_profile_lacks_is_located(tmp_path: Path):
    path = book(tmp_path, "  - profile: tiny.yaml\n    exposure: {amount: 10m, tranche: Notes}\n"
                          "  - profile: tiny.yaml\n    exposure: {amount: 10m, tranche: Nots}\n")
    code, out = run(str(path))
    assert code == 2 and "1 problem(s)" in out
    assert f"members[1].exposure.tranche line {line_of(path, 'Nots')}, column" in out
    assert "Tiny GPU Cloud has no tranche of that name; its tranches: Term Loan, Notes, Revolver, DDTL" in out


def test_a_member_whose_profile_is_invalid_is_one_located_problem(tmp_path: Path):
    path = book(tmp_path, "  - profile: tiny.yaml\n  - profile: broken.yaml\n")
    broken = TINY.read_text(encoding="utf-8").replace("horizon_quarters: 8", "horizon_quarters: abc")
    (tmp_path / "broken.yaml").write_text(broken.replace("cash: 100m", "cash: lots"), encoding="utf-8")
    code, out = run(str(path))
    assert code == 2 and "1 problem(s)" in out
    assert f"members[1].profile line {line_of(path, 'broken.yaml')}, column 14: its profile does not load: " in out
    assert "horizon_quarters line 5, column 19" in out and "and 1 more problem(s)" in out


def test_a_member_outside_the_folder_is_refused_without_being_read(tmp_path: Path):
    path = book(tmp_path, "  - profile: ../../../etc/passwd\n")
    code, out = run(str(path))
    assert code == 2 and "refused: not a profile file" in out and "root:" not in out


def test_a_member_that_does_not_exist(tmp_path: Path):
    path = book(tmp_path, "  - profile: nowhere\n")
    code, out = run(str(path))
    assert code == 2 and f"members[0].profile line {line_of(path, 'nowhere')}" in out and "no such file" in out


def test_a_profile_and_a_portfolio_together_each_get_their_line(tmp_path: Path):
    path = book(tmp_path, "  - profile: tiny.yaml\n")
    code, out = run(str(TINY), str(path))
    assert code == 0 and f"✓ {TINY}: Tiny GPU Cloud" in out and f"✓ {path}: portfolio Book is valid" in out


def test_validate_json_names_each_file_kind(tmp_path: Path):
    import json

    bad = book(tmp_path, "  - profile: tiny.yaml\n    exposure: {amount: 10m, tranche: Nots}\n")
    res = runner.invoke(app, ["validate", str(TINY), str(BOOK), str(bad), "--json"])
    assert res.exit_code == 2
    doc = json.loads(res.stdout)
    assert [(f["kind"], f["valid"]) for f in doc["files"]] == [("profile", True), ("portfolio", True), ("portfolio", False)]
    (problem,) = doc["files"][2]["problems"]
    assert problem["field"] == "members[0].exposure.tranche" and problem["line"] == 4
    assert [i["role"] for i in doc["input"]] == ["profile", "portfolio", "portfolio"]


def test_validate_json_records_the_overrides():
    import json

    res = runner.invoke(app, ["validate", str(TINY), "--set", "market.spot_utilisation=60%", "--json"])
    assert res.exit_code == 0 and json.loads(res.stdout)["overrides"] == ["market.spot_utilisation=60%"]
