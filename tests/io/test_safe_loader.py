"""The one safe loader (``stress.io.yamlfile.read_mapping``): every hostile or careless file the tool reads
(profile, portfolio, scenario file, ``--params``) ends in exit 2, a located message and no traceback, in
bounded time; a valid profile reads exactly as before.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stress.cli import app
from stress.errors import Problem, ProfileError, shown_value
from stress.io.profiles import load_profile
from stress.io.yamlfile import MAX_ALIAS_VALUES, MAX_DEPTH, read_mapping
from stress.model.company import Company

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
TINY = ROOT / "tests" / "fixtures" / "tiny.yaml"
TINY_TEXT = TINY.read_text(encoding="utf-8")
TINY_LINES = TINY_TEXT.count("\n")

#: The classic "billion laughs": 9 levels of 9 aliases, a few hundred bytes, 9**9 values if expanded.
ALIAS_BOMB = "".join(
    [f'a: &a [{", ".join(["lol"] * 9)}]\n']
    + [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
)


def bad(args: list[str], *where: str) -> str:
    """Run the CLI; exit 2, every ``where`` in the output, no traceback. Returns the output."""
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert "Traceback" not in res.output
    for w in where:
        assert w in res.output, res.output
    return res.output


def timed_bad(args: list[str], *where: str, limit: float = 1.0) -> None:
    start = time.perf_counter()
    bad(args, *where)
    assert time.perf_counter() - start < limit


def write(tmp_path: Path, text: str, name: str = "p.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def problem_of(path: str | Path, kind: str = "profile") -> Problem:
    with pytest.raises(ProfileError) as info:
        read_mapping(Path(path), kind)
    assert len(info.value.problems) == 1
    return info.value.problems[0]


# --- YAML values the YAML library must not decide -----------------------------------------------

def test_impossible_date_is_the_models_to_reject_with_its_field(tmp_path: Path):
    f = write(tmp_path, TINY_TEXT.replace("as_of: 2025-06-30", "as_of: 2025-06-31"))
    bad(["validate", f], "as_of", "expected an ISO date")
    bad(["run", f], "as_of")


def test_impossible_date_in_a_portfolio(tmp_path: Path):
    f = write(tmp_path, f"name: Book\nas_of: 2025-02-30\nmembers:\n  - profile: {TINY}\n", "book.yaml")
    bad(["batch", f], "as_of")


@pytest.mark.parametrize("word", ["ON", "yes", "No", "off"])
def test_yes_and_on_stay_strings(tmp_path: Path, word: str):
    company = load_profile(write(tmp_path, TINY_TEXT.replace("ticker: TINY", f"ticker: {word}"))).company
    assert company.ticker == word


def test_yes_still_reads_as_true_in_a_yes_no_field(tmp_path: Path):
    assert "investment_grade: true" in TINY_TEXT
    company = load_profile(write(tmp_path, TINY_TEXT.replace("investment_grade: true", "investment_grade: yes"))).company
    assert company.contracts[0].investment_grade is True


def test_numbers_still_read_as_numbers(tmp_path: Path):
    data = read_mapping(Path(write(tmp_path, "a: 1\nb: -2.5\nc: 1_000\nd: 1.5e-3\ne: .inf\nf: 0x10\ng: ~\nh: true\n"
                                              "i: 010\nj: 1:30\nk: 9.25%\n")))
    assert data == {"a": 1, "b": -2.5, "c": 1000, "d": 0.0015, "e": float("inf"), "f": 16, "g": None, "h": True,
                    "i": "010", "j": "1:30", "k": "9.25%"}
    assert type(data["a"]) is int and type(data["b"]) is float


def test_keys_are_names_as_written(tmp_path: Path):
    assert read_mapping(Path(write(tmp_path, "1: a\nno: b\nnull: c\n"))) == {"1": "a", "no": "b", "null": "c"}


# --- values that cannot be built: located problems ------------------------------------------------

@pytest.mark.parametrize(("extra", "message"), [
    ("x: !!float abc\n", "cannot be read as !!float"),
    ("x: !!int abc\n", "cannot be read as !!int"),
    ("x: !!bool maybe\n", "cannot be read as !!bool"),
    ("x: " + "9" * 5000 + "\n", "4,300 digits"),
    ("x: !!set {a, b}\n", "!!set is not supported"),
    ("x: !!binary aGk=\n", "!!binary is not supported"),
    ("x: !!python/object/apply:os.system [echo hi]\n", "!!python/object/apply:os.system is not supported"),
    ("x: !!python/name:os.system\n", "not supported"),
    ("x: [1, *nowhere]\n", "names no anchor"),
    ("x: &a [1, *a]\n", "recursive"),
    ("y: 0\nx: &a 1\nx2: &a 2\n", "anchor &a is defined twice"),
], ids=["float", "int", "bool", "int-5000-digits", "set", "binary", "python-apply", "python-name", "undefined-alias",
        "recursive-alias", "duplicate-anchor"])
def test_constructor_errors_are_located(tmp_path: Path, extra: str, message: str):
    f = write(tmp_path, TINY_TEXT + extra)
    problem = problem_of(f)
    assert problem.path.startswith("x") and problem.line == TINY_LINES + extra.count("\n")
    bad(["validate", f], message, f"line {problem.line}")


def test_a_python_tag_never_runs(tmp_path: Path):
    marker = tmp_path / "ran"
    f = write(tmp_path, TINY_TEXT + f"x: !!python/object/apply:os.system ['touch {marker}']\n")
    bad(["validate", f], "not supported")
    assert not marker.exists()


def test_constructor_error_has_the_field_path(tmp_path: Path):
    f = write(tmp_path, TINY_TEXT.replace("horizon_quarters: 8", "horizon_quarters: !!int eight"))
    problem = problem_of(f)
    assert problem.path == "horizon_quarters"
    assert (problem.line, problem.value) == (5, "eight")


# --- duplicate keys ---------------------------------------------------------------------------------

def test_duplicate_key_names_both_lines(tmp_path: Path):
    f = write(tmp_path, TINY_TEXT + "name: Again\n")
    bad(["validate", f], "name", "first at line 2", f"again at line {TINY_LINES + 1}")


def test_duplicate_key_inside_a_list_item(tmp_path: Path):
    f = write(tmp_path, "scenarios:\n  - name: x\n    shocks: []\n    name: y\n", "s.yaml")
    problem = problem_of(f, "scenario file")
    assert problem.path == "scenarios[0].name"
    assert "first at line 2, again at line 4" in problem.message
    bad(["run", str(TINY), "--scenarios-file", f], "scenarios[0].name", "first at line 2")


def test_duplicate_members_in_a_portfolio_are_not_merged(tmp_path: Path):
    f = write(tmp_path, f"name: Book\nmembers:\n  - profile: {TINY}\nmembers:\n  - profile: {TINY}\n", "book.yaml")
    bad(["batch", f], "first at line 2", "again at line 4")


def test_duplicate_key_in_montecarlo_params(tmp_path: Path):
    f = write(tmp_path, "price_vol: 0.2\nprice_vol: 0.3\n", "params.yaml")
    bad(["montecarlo", str(TINY), "--params", f, "--paths", "10"], "price_vol", "first at line 1, again at line 2")


def test_duplicate_key_in_json_names_both_lines(tmp_path: Path):
    f = write(tmp_path, '{\n  "name": "a",\n  "ticker": "b",\n  "name": "c"\n}\n', "p.json")
    bad(["validate", f], "name", "first at line 2", "again at line 4")


def test_merge_keys_are_not_duplicates(tmp_path: Path):
    data = read_mapping(Path(write(tmp_path, "base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n")))
    assert data["other"] == {"x": 1, "y": 3}


# --- resource exhaustion -----------------------------------------------------------------------------

def test_alias_bomb_is_refused_fast(tmp_path: Path):
    assert len(ALIAS_BOMB) < 512
    f = write(tmp_path, ALIAS_BOMB)
    timed_bad(["validate", f], f"more than {MAX_ALIAS_VALUES:,} values")
    timed_bad(["run", str(TINY), "--scenarios-file", f], "aliases")
    timed_bad(["montecarlo", str(TINY), "--params", f], "aliases")


def test_alias_bomb_in_a_portfolio(tmp_path: Path):
    f = write(tmp_path, "name: Book\nmembers: []\n" + ALIAS_BOMB, "book.yaml")
    timed_bad(["batch", f], "aliases", limit=5.0)


def test_a_few_aliases_are_fine(tmp_path: Path):
    data = read_mapping(Path(write(tmp_path, "a: &a [1, 2]\nb: [*a, *a]\n")))
    assert data["b"] == [[1, 2], [1, 2]]


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path):
    f = tmp_path / "big.yaml"
    with f.open("wb") as handle:  # sparse: 17 MB of size, no 17 MB written
        handle.truncate(17 * 1024 * 1024)
    timed_bad(["validate", str(f)], "larger than the 16,777,216-byte limit", "STRESS_MAX_FILE_BYTES")


def test_the_size_cap_is_set_by_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("STRESS_MAX_FILE_BYTES", "100")
    bad(["validate", str(TINY)], "larger than the 100-byte limit")
    monkeypatch.setenv("STRESS_MAX_FILE_BYTES", str(len(TINY_TEXT.encode())))
    assert runner.invoke(app, ["validate", str(TINY)]).exit_code == 0
    monkeypatch.setenv("STRESS_MAX_FILE_BYTES", "lots")
    bad(["validate", str(TINY)], "STRESS_MAX_FILE_BYTES", "positive whole number")


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_deep_nesting_is_refused(tmp_path: Path, suffix: str):
    f = write(tmp_path, '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}", f"deep.{suffix}")
    timed_bad(["validate", f], "nested", limit=5.0)


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_nesting_just_past_the_bound(tmp_path: Path, suffix: str):
    f = write(tmp_path, '{"a": ' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}", f"deep.{suffix}")
    assert f"nested more than {MAX_DEPTH} levels deep" in problem_of(f).message
    ok = write(tmp_path, '{"a": ' + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "}", f"ok.{suffix}")
    assert "a" in read_mapping(Path(ok))


def test_aliases_cannot_nest_past_the_bound(tmp_path: Path):
    f = write(tmp_path, "a: &a " + "[" * 40 + "]" * 40 + "\nb: &b " + "[" * 30 + "*a" + "]" * 30 + "\n")
    assert "nested more than" in problem_of(f).message


def test_huge_integer_in_json(tmp_path: Path):
    f = write(tmp_path, '{"name": "x",\n "ticker": ' + "9" * 5000 + "}", "p.json")
    bad(["validate", f], "line 2", "4,300 digits")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_is_refused_without_hanging(tmp_path: Path):
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    timed_bad(["validate", str(fifo)], "named pipe", limit=5.0)
    timed_bad(["montecarlo", str(TINY), "--params", str(fifo)], "named pipe", limit=5.0)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_dev_zero_is_refused():
    timed_bad(["validate", "/dev/zero"], "device", limit=5.0)
    timed_bad(["run", str(TINY), "--scenarios-file", "/dev/zero"], "device", limit=5.0)


def test_directory_is_refused(tmp_path: Path):
    bad(["run", str(TINY), "--scenarios-file", str(tmp_path)], "is a directory")


# --- paths ---------------------------------------------------------------------------------------------

def test_symlink_loop_is_named_as_such(tmp_path: Path):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    bad(["validate", str(loop)], "symbolic link loop")
    bad(["montecarlo", str(TINY), "--params", str(loop)], "symbolic link loop")


def test_dangling_symlink(tmp_path: Path):
    link = tmp_path / "p.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    bad(["validate", str(link)], "symbolic link to a file that does not exist")


@pytest.mark.parametrize("name", ["a" * 300 + ".yaml", "a" * 300])
def test_path_too_long_is_a_clean_error(tmp_path: Path, name: str):
    for args in (["validate", str(tmp_path / name)], ["run", str(tmp_path / name)],
                 ["run", str(TINY), "--scenarios-file", str(tmp_path / name)],
                 ["montecarlo", str(TINY), "--params", str(tmp_path / name)]):
        bad(args, "path is too long")


def test_bare_name_too_long_is_a_clean_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.chdir(tmp_path)
    bad(["validate", "a" * 300], "path is too long")


# --- what messages show -----------------------------------------------------------------------------

def test_a_huge_bad_value_is_cut_short(tmp_path: Path):
    f = write(tmp_path, TINY_TEXT.replace("as_of: 2025-06-30", "as_of: " + "9" * 1_000_000 + "x"))
    start = time.perf_counter()
    out = bad(["validate", f], "as_of", "…")
    assert time.perf_counter() - start < 5.0
    assert len(out) < 2_000


def test_shown_value_is_bounded_and_cheap():
    start = time.perf_counter()
    assert len(shown_value("x" * 10_000_000)) <= 80
    assert "digits" in shown_value(10 ** 100_000)  # never converted to text (Python refuses past 4,300 digits)
    assert len(shown_value([10 ** 100_000, "y" * 10_000, {"k": list(range(10_000))}])) <= 80
    assert shown_value("short") == "'short'" and shown_value(1.5) == "1.5" and shown_value(None) == "None"
    assert time.perf_counter() - start < 1.0
    assert len(str(Problem("x", "bad", "y" * 1_000_000))) < 200


def test_a_file_that_is_not_a_profile_is_not_echoed(tmp_path: Path):
    f = write(tmp_path, "root: x:0:0:root:/root:/bin/bash\nsecret: hunter2\n", "passwd")
    out = bad(["validate", f], "is it the right file?")
    assert "secret" not in out and "root" not in out.replace(str(tmp_path), "")


# --- a valid profile reads exactly as before ----------------------------------------------------------

def _shipped() -> list[Path]:
    return [p for p in sorted((ROOT / "companies").glob("*.yaml")) if p.name != "portfolio.yaml"] + [TINY]


@pytest.mark.parametrize("path", _shipped(), ids=lambda p: p.name)
def test_shipped_profiles_read_as_pyyaml_safe_load_did(path: Path):
    before = Company.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    assert Company.model_validate(read_mapping(path)) == before


def test_valid_profile_round_trips_through_yaml_and_json(tmp_path: Path):
    company = load_profile(TINY).company
    dumped = company.model_dump(mode="json")
    as_yaml = write(tmp_path, yaml.safe_dump(dumped, sort_keys=False), "again.yaml")
    as_json = write(tmp_path, json.dumps(dumped, indent=1), "again.json")
    assert load_profile(as_yaml).company == company
    assert load_profile(as_json).company == company
    assert read_mapping(Path(as_json)) == read_mapping(Path(as_yaml)) == dumped


def test_a_byte_order_mark_is_accepted(tmp_path: Path):
    f = tmp_path / "bom.yaml"
    f.write_bytes(b"\xef\xbb\xbf" + TINY_TEXT.encode())
    assert load_profile(f).company == load_profile(TINY).company


def test_nothing_else_opens_input_files():
    """Every profile, portfolio, scenario and --params file is read by yamlfile.read_mapping alone."""
    readers = []
    for source in (ROOT / "stress").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        if any(s in text for s in ("yaml.load(", "yaml.safe_load(", "json.load(", "json.loads(")) and source.name != "yamlfile.py":
            readers.append(source.relative_to(ROOT).as_posix())
    assert readers == []
