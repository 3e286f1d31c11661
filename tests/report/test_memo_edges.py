"""``stress memo`` at its edges: every shipped profile on two pages, thin profiles, odd characters, the same
bytes twice, and the file rules (default name, no overwrite without --force, bad options exit 2)."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader
from typer.testing import CliRunner

import stress
from stress.cli import app
from stress.io.profiles import load_profile
from stress.model.capital import Case
from stress.report.memo import build_memo, gather
from stress.scenarios.build import with_other_baseline
from stress.scenarios.select import select

from .conftest import REPO, TINY
from _companies import base_company_data

runner = CliRunner()
EPOCH = "1767225600"  # 2026-01-01 00:00:00 UTC
SHIPPED = sorted(p.stem for p in (REPO / "companies").glob("*.yaml") if p.stem != "portfolio") + ["coreweave-2025-06-30"]


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def text_of(path: Path) -> str:
    return flat(" ".join(page.extract_text() for page in PdfReader(path).pages))


def memo(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["memo", *args], env={"SOURCE_DATE_EPOCH": EPOCH, **(env or {})})


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED)
def test_every_shipped_profile_fits_two_pages(name: str) -> None:
    """All built-in scenarios and the other case's baseline, as ``stress memo NAME`` runs them."""
    loaded = load_profile(name)
    chosen = with_other_baseline(select([]), Case.PLAN, loaded.company)
    inputs = gather(stress.run(loaded.company, chosen), 300, 7, loaded.path, "0" * 64,
                    dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    data, pages = build_memo(inputs)
    assert 1 <= pages <= 2
    assert data.startswith(b"%PDF-") and data.count(b"/Type /Page\n") == pages


def _write_profile(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _tiny(**changes: object) -> dict:
    data = yaml.safe_load(TINY.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


BAD_TOKENS = re.compile(r"\b(nan|NaN|None|inf|Infinity|Traceback)\b")


def _clean_memo(tmp_path: Path, profile: Path) -> str:
    out = tmp_path / "memo.pdf"
    res = memo(str(profile), "--paths", "300", "--out", str(out))
    assert res.exit_code == 0, res.output
    assert res.stdout.strip() == str(out)
    assert 1 <= len(PdfReader(out).pages) <= 2
    text = text_of(out)
    assert not BAD_TOKENS.search(text), BAD_TOKENS.search(text)
    return text


def test_no_covenants_no_leases_no_signals(tmp_path: Path) -> None:
    text = _clean_memo(tmp_path, _write_profile(tmp_path / "bare.yaml", _tiny(covenants=None, leases=None)))
    assert "Market-implied PD: none; the profile has no market signals" in text
    assert "Net debt / LTM EBITDA, x (no leverage covenant)" in text
    assert "minimum cash (treasury): USD 10 m" in text  # tiny.yaml's floor, drawn where no covenant sets one
    assert "Lease payments" not in text  # no leases: no lease row in the wall
    assert "First covenant breach" in text and "2025Q3" in text
    # without covenants nothing can be breached: every scenario row shows '–' for the breach
    assert "Verdict by scenario" in text and "BREACH" not in text


def test_a_firm_with_nothing_but_cash(tmp_path: Path) -> None:
    """No fleet, contracts, debt, leases, covenants or signals: every section still says something true."""
    data = base_company_data(horizon_quarters=8)
    data["opening"] = {"cash": 50_000_000}
    text = _clean_memo(tmp_path, _write_profile(tmp_path / "cash.yaml", data))
    assert "The profile has no debt and no leases." in text and "Total; principal due" not in text
    assert "Minimum cash none" in text
    assert "loss given default n.m. (no default), expected loss nil" in text
    assert "Probability of default within the horizon: 0.0%" in text  # cash, no costs, no debt: it cannot default
    assert "Largest estimates: none marked" in text


def test_characters_beyond_latin_1(tmp_path: Path) -> None:
    """An en dash, a '≥' and accents print as written, in the text and the charts; a character DejaVu Sans
    lacks prints as '?', with no warning on stderr."""
    data = _tiny(name="Zürich – Cloud ≥ 1 GW 雲", sources={"filing – Q2 ≥": "https://example.com/x"})
    data["covenants"][1] = {"metric": "leverage", "max": 6.0, "name": "lev ≥ 雲"}
    profile = _write_profile(tmp_path / "odd.yaml", data)
    scenarios = tmp_path / "odd_scenarios.yaml"
    scenarios.write_text(yaml.safe_dump({"scenarios": [{"name": "glut–≥雲", "description": "prices halve",
                                                        "shocks": [{"kind": "gpu_price", "level": "-50%"}]}]},
                                        allow_unicode=True), encoding="utf-8")
    out = tmp_path / "odd.pdf"
    res = memo(str(profile), "--scenarios-file", str(scenarios), "-s", "baseline", "-s", "glut–≥雲", "--paths", "300",
               "--out", str(out))
    assert res.exit_code == 0, res.output
    assert res.stderr == ""
    text = text_of(out)
    assert "Credit memo: Zürich – Cloud ≥ 1 GW ? (TINY)" in text
    assert "glut–≥? PASS" in text or "glut–≥? BREACH" in text or "glut–≥? DEFAULT" in text  # its table row
    assert "lev ≥ ? covenant: max 6x" in text  # the chart's legend


def _subprocess_memo(out: Path, hash_seed: str) -> bytes:
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, "-m", "stress", "memo", str(TINY), "--paths", "300", "--seed", "3",
                           "--out", str(out)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return out.read_bytes()


@pytest.mark.slow
def test_same_input_and_seed_give_the_same_bytes(tmp_path: Path) -> None:
    """Two processes (different string-hash seeds) with one SOURCE_DATE_EPOCH write identical files."""
    first = _subprocess_memo(tmp_path / "a.pdf", "1")
    assert first == _subprocess_memo(tmp_path / "b.pdf", "2")


def test_the_date_shown_is_the_runs(tmp_path: Path) -> None:
    """Another epoch, another date on the page and in the file: the memo is not pinned by accident."""
    out = tmp_path / "memo.pdf"
    res = memo(str(TINY), "--paths", "200", "--out", str(out), env={"SOURCE_DATE_EPOCH": "1767312000"})
    assert res.exit_code == 0, res.output
    assert "Generated 2026-01-02 00:00 UTC" in text_of(out)
    assert PdfReader(out).metadata["/CreationDate"].startswith("D:20260102000000")


def test_default_name_under_reports_and_no_overwrite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    first = memo(str(TINY), "--paths", "200", "-s", "baseline")
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == "reports/TINY-2025-06-30-20260101-000000.pdf"
    again = memo(str(TINY), "--paths", "200", "-s", "baseline")  # the same second: a new name, nothing replaced
    assert again.stdout.strip() == "reports/TINY-2025-06-30-20260101-000000-2.pdf"
    target = tmp_path / "reports" / "TINY-2025-06-30-20260101-000000.pdf"
    before = target.read_bytes()
    refused = memo(str(TINY), "--paths", "200", "--out", str(target))
    assert refused.exit_code == 2 and "already exists" in refused.stderr
    assert target.read_bytes() == before
    forced = memo(str(TINY), "--paths", "200", "--seed", "9", "--out", str(target), "--force")
    assert forced.exit_code == 0 and target.read_bytes() != before
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [  # no temporary file left behind
        "TINY-2025-06-30-20260101-000000-2.pdf", "TINY-2025-06-30-20260101-000000.pdf"]


@pytest.mark.parametrize("args, env, message", [
    (["--out", "memo.txt"], {}, "must be written to a .pdf file"),
    (["--paths", "0"], {}, "--paths"),
    (["--paths", "2000000"], {}, "at most 1,000,000"),
    (["-s", "no_such_scenario"], {}, "no_such_scenario"),
    ([], {"SOURCE_DATE_EPOCH": "yesterday"}, "SOURCE_DATE_EPOCH"),
    (["--case", "hoped"], {}, "--case"),
])
def test_bad_options_exit_2_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                           env: dict[str, str], message: str) -> None:
    monkeypatch.chdir(tmp_path)
    res = memo(str(TINY), *args, env=env)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "reports").exists()  # nothing written


def test_a_bad_profile_exits_2(tmp_path: Path) -> None:
    bad = _write_profile(tmp_path / "bad.yaml", _tiny(horizon_quarters=0))
    res = memo(str(bad))
    assert res.exit_code == 2 and "horizon_quarters" in res.output


def test_out_folder_and_committed_case(tmp_path: Path) -> None:
    """--out FOLDER takes the default name inside it; --case committed is said in the header and the table."""
    res = memo(str(TINY), "--paths", "200", "-s", "baseline", "--case", "committed", "--out", str(tmp_path))
    assert res.exit_code == 0, res.output
    written = tmp_path / "TINY-2025-06-30-20260101-000000.pdf"
    assert res.stdout.strip() == str(written) and written.is_file()
    text = text_of(written)
    assert "Case committed case: only financing and contracts committed at as_of" in text
    assert "(committed case)" in text  # the breaking points say which case they searched
