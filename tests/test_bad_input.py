"""Every kind of bad input a user can type ends in exit 2, a located message, and no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stress.cli import app

runner = CliRunner()
TINY = "tests/fixtures/tiny.yaml"


def bad(args: list[str], where: str) -> None:
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert where in res.output, res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize(("args", "where"), [
    (["grid", TINY, "--x", "gpu_price=-200%:0%:3", "--y", "rate=0:1%:2"], "--x"),
    (["grid", TINY, "--x", "utilisation=0:200%:3", "--y", "rate=0:1%:2"], "--x"),
    (["grid", TINY, "--x", "gpu_price=-50%:0%:3", "--y", "life=-1:4:3"], "--y"),
    (["grid", TINY, "--x", "gpu_price=a:b:c", "--y", "rate=0:1%:2"], "--x"),
    (["montecarlo", TINY, "--exposure", "-100m"], "--exposure"),
    (["montecarlo", TINY, "--tranche", "Term Loan", "--seniority", "secured"], "--seniority"),
    (["run", TINY, "--rate", "300"], "--rate"),
    (["run", TINY, "--life", "nan"], "--life"),
    (["run", TINY, "--refi-closed", "100000"], "--refi-closed"),
    (["run", TINY, "-s", "moon"], "--scenario"),
])
def test_bad_options(args, where):
    bad(args, where)


@pytest.mark.parametrize(("path", "value"), [
    (("opening", "cash"), float("nan")), (("opening", "cash"), float("inf")),
    (("market", "spot_utilisation"), float("nan")), (("fleet", 0, "useful_life_years"), float("nan")),
])
def test_nan_and_infinity_in_a_profile_are_rejected(tmp_path: Path, path, value):
    data = yaml.safe_load(Path(TINY).read_text())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    f = tmp_path / "p.yaml"
    f.write_text(yaml.safe_dump(data))
    where = ".".join(str(p) for p in path).replace(".0.", "[0].")
    bad(["validate", str(f)], where)
    bad(["run", str(f)], where)


@pytest.mark.parametrize("shock", ["{kind: delay, quarters: 100000000000000000000}", "{kind: rate, bp: .inf}",
                                   "{kind: useful_life, years: .nan}"])
def test_out_of_range_shocks_in_a_scenario_file(tmp_path: Path, shock: str):
    f = tmp_path / "s.yaml"
    f.write_text(f"scenarios:\n  - {{name: x, shocks: [{shock}]}}\n")
    bad(["run", TINY, "--scenarios-file", str(f)], "scenarios[0].shocks[0]")


def test_montecarlo_params_with_nan(tmp_path: Path):
    f = tmp_path / "p.yaml"
    f.write_text("price_vol: .nan\n")
    bad(["montecarlo", TINY, "--params", str(f)], "price_vol")


def test_schema_out_is_not_overwritten_without_force(tmp_path: Path):
    out = tmp_path / "schema.json"
    out.write_text("mine")
    bad(["schema", "--out", str(out)], "already exists")
    assert out.read_text() == "mine"
    assert runner.invoke(app, ["schema", "--out", str(out), "--force"]).exit_code == 0
    assert '"properties"' in out.read_text()


def test_batch_refuses_an_existing_output_before_running(tmp_path: Path, monkeypatch):
    out = tmp_path / "b.xlsx"
    out.write_text("mine")
    import stress.analysis.batch as batch_module

    monkeypatch.setattr(batch_module, "run_batch", lambda *a, **k: pytest.fail("the batch ran before the output was checked"))
    bad(["batch", TINY, "--out", str(out)], "already exists")
    assert out.read_text() == "mine"


@pytest.mark.parametrize("name", ["r.xlsx", "r.csv"])
def test_report_refuses_its_target_before_running_the_analyses(tmp_path: Path, monkeypatch, name: str):
    """An existing workbook (without --force) or a file that is not .xlsx is refused before --analyses spends minutes."""
    out = tmp_path / name
    out.write_text("mine")
    import stress.analysis.suite as suite

    monkeypatch.setattr(suite, "run_all", lambda *a, **k: pytest.fail("the analyses ran before the target was checked"))
    bad(["report", TINY, "--analyses", "--out", str(out)], "already exists" if name.endswith(".xlsx") else ".xlsx")
    assert out.read_text() == "mine"


def test_one_error_hierarchy_for_what_the_user_gives() -> None:
    """Profiles, scenarios and options are each their own kind of bad input, all caught as one."""
    from stress.errors import InputError, OptionError, ProfileError, ScenarioError, StressError

    for kind in (ProfileError, ScenarioError, OptionError):
        assert issubclass(kind, InputError) and issubclass(kind, StressError)
    assert not issubclass(ScenarioError, ProfileError) and not issubclass(OptionError, ProfileError)
    assert OptionError(problems=[]).file == "command-line options" and OptionError(problems=[]).kind == "option"


def test_a_grid_of_one_driver_against_itself_is_refused() -> None:
    bad(["grid", TINY, "--x", "rate=0:300bp:3", "--y", "rate=0:100bp:2"], "the same driver as --x")
