"""Fuzzing every command with mutated input files: never a traceback, never a hang, never a non-finite number.

Each test takes a valid file (the tiny fixture or a shipped profile, a portfolio, a scenario file, Monte
Carlo parameters), mutates it with ``tests/_mutations.py`` (types, dates, sizes, duplicates, aliases,
deletions, unicode, huge and tiny numbers, wrong nesting, YAML tags, truncation) and runs the commands that
read it through typer's CliRunner. Every command must either succeed (exit 0) with finite numbers (every
number of ``--json`` output finite or null, every number of a written workbook finite) or exit 2 with a
located message (a problems panel naming the file with at least one problem, or an ``error:`` line naming
the file, option, scenario or quarter); never exit 1, never a traceback, never longer than
``FUZZ_TIMEOUT`` seconds.

A short run is the default (20-40 s on 2 cores). ``STRESS_FUZZ=long`` runs many more examples per test
(about 15 minutes); ``STRESS_FUZZ_EXAMPLES=N`` sets the count outright. ``-m "not fuzz"`` leaves the file out.
"""

from __future__ import annotations

import json
import math
import os
import re
import signal
import tempfile
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stress.cli import app
from stress.errors import StressError
from stress.report import console

from _mutations import SHIPPED, TINY, documents, nudged_documents, params_seed, portfolio_seed, profile_seed, scenario_seed

pytestmark = pytest.mark.fuzz

LONG = os.environ.get("STRESS_FUZZ", "").strip().lower() == "long"
_SCALE = int(os.environ.get("STRESS_FUZZ_EXAMPLES", "0") or 0)
#: Seconds one command may take before it counts as a hang (generous: a slow CI machine, a big shipped profile).
FUZZ_TIMEOUT = float(os.environ.get("STRESS_FUZZ_TIMEOUT", "30"))


def examples(short: int, long: int) -> int:
    return _SCALE or (long if LONG else short)


def fuzz_settings(short: int, long: int) -> settings:
    return settings(max_examples=examples(short, long), deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


runner = CliRunner()


@pytest.fixture(autouse=True, scope="module")
def wide_consoles() -> Iterator[None]:
    """No wrapping, so a message's location is never split across lines."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(console.stdout, "width", 1000)
        mp.setattr(console.stderr, "width", 1000)
        yield


# --- running one command --------------------------------------------------------------------------


class Hang(Exception):
    """A command ran longer than ``FUZZ_TIMEOUT``."""


@contextmanager
def time_limit(seconds: float) -> Iterator[list[bool]]:
    fired: list[bool] = []

    def alarm(signum: int, frame: object) -> None:
        fired.append(True)
        raise Hang(f"over {seconds}s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield fired
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass
class Outcome:
    args: list[str]
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"stress {' '.join(self.args)} -> exit {self.code} in {self.seconds:.1f}s\n--- stdout\n{self.stdout[-3000:]}\n--- stderr\n{self.stderr[-3000:]}"


def invoke(args: list[str]) -> Outcome:
    """Run one command in-process. A ``StressError`` escaping the app is exit 2, as ``stress.cli.main`` makes it."""
    start = time.monotonic()
    with time_limit(FUZZ_TIMEOUT) as fired:
        res = runner.invoke(app, args)
    took = time.monotonic() - start
    assert not fired, f"hang: stress {' '.join(args)} ran over {FUZZ_TIMEOUT}s"
    exc = res.exception
    code, stderr = res.exit_code, res.stderr
    if isinstance(exc, StressError):
        code, stderr = 2, stderr + f"error: {exc}\n"
    elif exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        pytest.fail(f"traceback (exit {res.exit_code}) from stress {' '.join(args)}:\n{tb}")
    return Outcome(args, code, res.stdout, stderr, took)


# --- what every outcome must satisfy --------------------------------------------------------------

_PANEL = re.compile(r"invalid [\w -]+ — (\d+) problem\(s\)")
_NON_FINITE_WORD = re.compile(r"(?i)(?<![a-z])(nan|inf|infinity)(?![a-z])")


def non_finite_numbers(node: Any, here: str = "$") -> list[str]:
    """JSON paths of the numbers in ``node`` that are NaN or infinite."""
    if isinstance(node, float) and not math.isfinite(node):
        return [f"{here} = {node}"]
    if isinstance(node, dict):
        return [bad for k, v in node.items() for bad in non_finite_numbers(v, f"{here}.{k}")]
    if isinstance(node, list):
        return [bad for i, v in enumerate(node) for bad in non_finite_numbers(v, f"{here}[{i}]")]
    return []


def parse_json(out: Outcome) -> Any:
    """The JSON document on stdout, every number finite or null (``NaN``/``Infinity`` tokens included)."""
    tokens: list[str] = []
    try:
        doc = json.loads(out.stdout, parse_constant=lambda t: tokens.append(t) or 0.0)
    except ValueError as exc:
        pytest.fail(f"stdout is not JSON ({exc}):\n{out}")
    assert not tokens, f"non-finite JSON tokens {tokens}:\n{out}"
    bad = non_finite_numbers(doc)
    assert not bad, f"non-finite numbers in JSON: {bad[:5]}\n{out}"
    return doc


def workbook_non_finite(path: Path) -> list[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    bad = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                v = cell.value
                if isinstance(v, float) and not math.isfinite(v):
                    bad.append(f"{ws.title}!{cell.coordinate} = {v}")
                elif isinstance(v, str) and v.lower() in {"nan", "inf", "-inf", "#num!"}:
                    bad.append(f"{ws.title}!{cell.coordinate} = {v!r}")
    wb.close()
    return bad


def pdf_non_finite(path: Path, inputs: str) -> list[str]:
    """Words of a memo's text that read as non-finite numbers (unless the input itself contains such a word)."""
    from pypdf import PdfReader

    if _NON_FINITE_WORD.search(inputs):
        return []
    return _NON_FINITE_WORD.findall(" ".join(page.extract_text() for page in PdfReader(path).pages))


def assert_located(out: Outcome, anchors: list[str]) -> None:
    """Exit 2 with a message that says where: a panel of problems, or an error naming a file, option or place."""
    text = out.output
    assert text.strip(), f"exit 2 with no message:\n{out}"
    panels = _PANEL.findall(text)
    if panels:
        assert all(int(n) > 0 for n in panels), f"a problems panel with no problem:\n{out}"
        assert "• " in text, f"a problems panel with no problem line:\n{out}"
        return
    places = [*anchors, "--", "quarter", "scenario", "line "]
    assert "error" in text.lower() or "fail" in text.lower(), f"exit 2 without saying what failed:\n{out}"
    assert any(a in text for a in places), f"exit 2 without a location (looked for {anchors}):\n{out}"


def check(out: Outcome, anchors: list[str], inputs: str = "", *, json_out: bool = False) -> Any:
    """Exit 0 with finite numbers, or exit 2 with a located message; returns the JSON document if any."""
    assert "Traceback" not in out.output, str(out)
    assert out.code in (0, 2), f"exit {out.code}:\n{out}"
    doc = None
    if out.code == 0:
        if json_out:
            doc = parse_json(out)
        elif not _NON_FINITE_WORD.search(inputs):  # a name such as "nan" in the input may be printed as written
            words = _NON_FINITE_WORD.findall(out.stdout)
            assert not words, f"non-finite numbers printed: {words[:5]}\n{out}"
    else:
        assert_located(out, anchors)
        if json_out and out.stdout.strip():  # batch: the good members are still written
            doc = parse_json(out)
    return doc


@contextmanager
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as d:
        yield Path(d)


def write(where: Path, stem: str, doc: tuple[str, str]) -> Path:
    text, suffix = doc
    path = where / f"{stem}{suffix}"
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


# --- profiles -------------------------------------------------------------------------------------

PROFILE_SEEDS = ("tiny", "tiny", "tiny", *SHIPPED)
GOOD = "Tiny GPU Cloud"


@st.composite
def profile_cases(draw: st.DrawFn) -> tuple[str, tuple[str, str]]:
    seed = draw(st.sampled_from(PROFILE_SEEDS))
    data = profile_seed(seed)
    return seed, draw(st.one_of(documents(data), nudged_documents(data, 8)))


def projecting_commands(p: str, where: Path, report: bool) -> list[tuple[list[str], bool]]:
    """(args, prints JSON) of every command that reads a profile, with small sizes."""
    cmds = [
        (["show", p], False),
        (["run", p], False),
        (["run", p, "--json"], True),
        (["run", p, "--json", "--case", "committed", "--rate", "+300bp", "--gpu-price", "-40%"], True),
        (["breakeven", p, "--json"], True),
        (["tornado", p, "--json"], True),
        (["grid", p, "--x", "gpu_price=-60%:0%:3", "--y", "rate=0:400bp:3", "--json"], True),
        (["montecarlo", p, "--paths", "200", "--json"], True),
        (["montecarlo", p, "--paths", "200", "--seniority", "secured", "--exposure", "1m"], False),
    ]
    if report:  # the workbooks and the memo: slower, so only in some examples
        cmds += [(["memo", p, "--out", str(where / "m.pdf"), "-s", "baseline", "-s", "severe", "--paths", "100"], False),
                 (["report", p, "--out", str(where / "r.xlsx"), "-s", "baseline", "-s", "severe"], False),
                 (["report", p, "--out", str(where / "a.xlsx"), "-s", "severe", "--analyses", "--paths", "100"], False),
                 (["breakeven", p, "-d", "gpu_price", "-d", "rate", "--out", str(where / "be.xlsx")], False),
                 (["grid", p, "--x", "utilisation=20%:90%:3", "--y", "spread=0:600bp:2", "--out", str(where / "g.xlsx")], False),
                 (["tornado", p, "--out", str(where / "t.xlsx")], False),
                 (["montecarlo", p, "--paths", "100", "--out", str(where / "mc.xlsx")], False)]
    return cmds


@fuzz_settings(short=40, long=2500)
@given(case=profile_cases(), pick=st.integers(0, 10**6), report=st.integers(0, 4))
def test_mutated_profiles(case: tuple[str, tuple[str, str]], pick: int, report: int) -> None:
    """Every command on a mutated profile: exit 0 with finite numbers, or exit 2 located; a batch keeps the good firm."""
    seed, doc = case
    with folder() as where:
        path = write(where, "p", doc)
        p, anchors = str(path), [path.name]
        valid = invoke(["validate", p])
        check(valid, anchors, doc[0])
        cmds = projecting_commands(p, where, report == 0)
        if valid.code == 2:  # every command refuses it the same way; one of them, at random, says so
            args, js = cmds[pick % len(cmds)]
            out = invoke(args)
            assert out.code == 2, f"validate refused the profile but {args[0]} did not:\n{out}\n{valid}"
            check(out, anchors, doc[0], json_out=js)
            return
        for args, js in cmds:
            out = invoke(args)
            check(out, anchors, doc[0], json_out=js)
            if "--out" in args and out.code == 0:
                written = Path(args[args.index("--out") + 1])
                bad = pdf_non_finite(written, doc[0]) if written.suffix == ".pdf" else workbook_non_finite(written)
                assert not bad, f"non-finite figures in {written.name}: {bad[:5]}\n{out}"
        (where / "good.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
        book = where / "book.yaml"
        book.write_text(yaml.safe_dump(portfolio_seed(["good.yaml", path.name])), encoding="utf-8")
        joint = ["--paths", "50"] if report == 1 else []  # the joint Monte Carlo too, in some examples
        out = invoke(["batch", str(book), "--jobs", "1", "--json", *joint])
        doc_json = check(out, [*anchors, book.name], json_out=True)
        assert doc_json is not None, f"batch wrote nothing:\n{out}"
        firms = [r["company"]["name"] for r in doc_json["ranking"]]
        assert GOOD in firms, f"the good firm was lost when {path.name} is in the book:\n{out}"


# --- scenario files -------------------------------------------------------------------------------


@fuzz_settings(short=60, long=1000)
@given(doc=st.one_of(documents(scenario_seed()), nudged_documents(scenario_seed(), 6)), report=st.integers(0, 3),
       firm=st.sampled_from([str(TINY), str(TINY), "nebius", "cipher"]))
def test_mutated_scenario_files(doc: tuple[str, str], report: int, firm: str) -> None:
    with folder() as where:
        s = str(write(where, "s", doc))
        anchors = [Path(s).name]
        listed = invoke(["scenarios", "--scenarios-file", s])
        check(listed, anchors, doc[0])
        out = invoke(["run", firm, "--scenarios-file", s, "--json"])
        check(out, anchors, doc[0], json_out=True)
        if listed.code == 0:
            check(invoke(["run", firm, "--scenarios-file", s, "--detail"]), anchors, doc[0])
            out = invoke(["batch", firm, "--scenarios-file", s, "--jobs", "1", "--json"])
            check(out, anchors, doc[0], json_out=True)
        else:
            assert out.code == 2, f"`scenarios` refused the file but `run` did not:\n{listed}\n{out}"
        if report == 0:
            out = invoke(["report", firm, "--scenarios-file", s, "--out", str(where / "r.xlsx")])
            check(out, anchors, doc[0])
            if out.code == 0:
                bad = workbook_non_finite(where / "r.xlsx")
                assert not bad, f"non-finite cells in the workbook: {bad[:5]}\n{out}"


# --- portfolios -----------------------------------------------------------------------------------

BOOK = portfolio_seed(["good.yaml", "firm.yaml", "good.yaml"])


@fuzz_settings(short=60, long=1000)
@given(doc=st.one_of(documents(BOOK), nudged_documents(BOOK)), outputs=st.integers(0, 3),
       firm=st.sampled_from(["tiny", "cipher", "terawulf"]), joint=st.integers(0, 3))
def test_mutated_portfolios(doc: tuple[str, str], outputs: int, firm: str, joint: int) -> None:
    with folder() as where:
        (where / "good.yaml").write_text(TINY.read_text(encoding="utf-8"), encoding="utf-8")
        (where / "firm.yaml").write_text(yaml.safe_dump(profile_seed(firm)), encoding="utf-8")
        (where / "notes.txt").write_text("secret: do not echo\n", encoding="utf-8")
        book = write(where, "book", doc)
        args = ["batch", str(book), "--jobs", "1", "--json"]
        if outputs == 0:
            args += ["--out", str(where / "b.xlsx"), "--csv", str(where / "b.csv")]
        if joint == 0:  # the joint Monte Carlo of the book
            args += ["--paths", "100", "--seed", "3"]
        out = invoke(args)
        check(out, [book.name], doc[0], json_out=True)
        assert "do not echo" not in out.output, f"a non-profile file's content was echoed:\n{out}"
        if outputs == 0 and (where / "b.xlsx").exists():
            bad = workbook_non_finite(where / "b.xlsx")
            assert not bad, f"non-finite cells in the batch workbook: {bad[:5]}\n{out}"


# --- Monte Carlo parameters -----------------------------------------------------------------------


@fuzz_settings(short=40, long=800)
@given(doc=st.one_of(documents(params_seed()), nudged_documents(params_seed(), 8)), seed=st.integers(0, 2**32 - 1))
def test_mutated_montecarlo_params(doc: tuple[str, str], seed: int) -> None:
    with folder() as where:
        f = str(write(where, "params", doc))
        out = invoke(["montecarlo", str(TINY), "--paths", "200", "--seed", str(seed), "--params", f, "--json"])
        check(out, [Path(f).name], doc[0], json_out=True)


# --- options --------------------------------------------------------------------------------------

_numbers = st.one_of(st.sampled_from(["0", "-0", "nan", "inf", "-inf", "1e400", "1e-400", "-1e308", "", "+", "%", "bp",
                                      "1" + "0" * 5000, "٣", "５", "1_0", "0x10", "1e3%", "-100%", "-99.99%", "100%"]),
                     st.floats().map(repr), st.integers(-10**9, 10**9).map(str))
_with_unit = st.builds(lambda n, u: n + u, _numbers, st.sampled_from(["", "%", "bp", "m", "bn", "x", " ", "years"]))
_drivers = st.sampled_from(["gpu_price", "price_decline", "utilisation", "rate", "spread", "life", "customer_default",
                            "moon", "", "GPU_PRICE"])


@st.composite
def axis(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 5)) == 0:
        return draw(st.text(max_size=20))
    count = draw(st.one_of(st.integers(-2, 60).map(str), _numbers))
    return f"{draw(_drivers)}={draw(_with_unit)}:{draw(_with_unit)}:{count}"


@st.composite
def option_args(draw: st.DrawFn) -> tuple[list[str], bool]:
    t = str(TINY)
    kind = draw(st.sampled_from(["grid", "run", "montecarlo", "breakeven", "batch"]))
    if kind == "grid":
        return ["grid", t, "--x", draw(axis()), "--y", draw(axis()), "--json"], True
    if kind == "run":
        args = ["run", t, "--json", "-s", "baseline"]
        for flag in draw(st.lists(st.sampled_from(["--rate", "--spread", "--gpu-price", "--life", "--utilisation",
                                                   "--refi-closed"]), min_size=1, max_size=3, unique=True)):
            args += [flag, draw(_with_unit)]
        return args, True
    if kind == "montecarlo":
        return ["montecarlo", t, "--json", "--paths", draw(st.sampled_from(["1", "2", "200", "0", "-1", "1000001", "x"])),
                "--seed", draw(st.one_of(st.integers(-2**70, 2**70).map(str), _numbers)),
                "--exposure", draw(_with_unit)], True
    if kind == "batch":
        return ["batch", t, "--json", "--jobs", "1", "-s", "baseline", "--paths",
                draw(st.sampled_from(["1", "50", "0", "-5", "1000001", "1e3"])),
                "--seed", draw(st.one_of(st.integers(-2**70, 2**70).map(str), _numbers))], True
    return ["breakeven", t, "--json", "-d", draw(_drivers)], True


@fuzz_settings(short=100, long=1500)
@given(case=option_args())
def test_fuzzed_options(case: tuple[list[str], bool]) -> None:
    args, js = case
    check(invoke(args), [a for a in args if a.startswith("--") or a.startswith("-")], json_out=js)


# --- what the fuzzer found, kept as plain tests ---------------------------------------------------


@pytest.mark.parametrize("args", [
    ["montecarlo", str(TINY), "--paths", "10", "--seed", "-1", "--json"],
    ["report", str(TINY), "--analyses", "--paths", "10", "--seed", "-1", "-s", "baseline"],
    ["batch", str(TINY), "--jobs", "1", "--paths", "10", "--seed", "-1"],
])
def test_a_negative_seed_is_a_bad_option(args: list[str]) -> None:
    """numpy's SeedSequence takes no negative seed: once a ValueError traceback, now exit 2 naming --seed."""
    out = invoke(args)
    assert out.code == 2 and "--seed" in out.output, str(out)
