"""``stress memo`` on CoreWeave as a reader sees it: the PDF's text against the other commands' JSON.

The memo is written once (2,000 paths, seed 7, a pinned date) and its text extracted with pypdf. Every figure
checked here is taken from another command's ``--json`` (``run``, ``breakeven``, ``montecarlo``) and formatted
by the rule the README states (USD m, one decimal, negatives in parentheses; ratios with two decimals and x),
written out again below rather than imported, so a memo that recomputed or reformatted a figure would fail.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from stress.cli import app

runner = CliRunner()
EPOCH = "1767225600"  # 2026-01-01 00:00:00 UTC
PATHS, SEED = "2000", "7"


def flat(text: str) -> str:
    """Whitespace (line breaks inside wrapped cells) as single spaces."""
    return re.sub(r"\s+", " ", text).strip()


def money(usd: float) -> str:
    m = usd / 1e6
    if abs(m) < 0.05:
        return "–"
    return f"({-m:,.1f})" if m < 0 else f"{m:,.1f}"


def ratio(x: float | None) -> str:
    return "n.m." if x is None else f"{x:.2f}x"


def share(p: float) -> str:
    return f"{p:.1%}"


def invoke_json(*args: str) -> dict:
    res = runner.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def memo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str]:
    """(the PDF, its --json dict, its whole text flattened)."""
    out = tmp_path_factory.mktemp("memo") / "crwv.pdf"
    res = runner.invoke(app, ["memo", "coreweave", "--paths", PATHS, "--seed", SEED, "--out", str(out), "--json"],
                        env={"SOURCE_DATE_EPOCH": EPOCH})
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    text = flat(" ".join(page.extract_text() for page in PdfReader(out).pages))
    return out, doc, text


@pytest.fixture(scope="module")
def run_doc() -> dict:
    return invoke_json("run", "coreweave")


def test_json_names_the_file_its_pages_and_the_profile_hash(memo: tuple[Path, dict, str]) -> None:
    out, doc, text = memo
    shipped = Path(__file__).resolve().parents[2] / "companies" / "coreweave.yaml"
    assert doc["command"] == "memo" and doc["written"] == str(out) and doc["pages"] == len(PdfReader(out).pages)
    assert doc["company"]["sha256"] == hashlib.sha256(shipped.read_bytes()).hexdigest()
    assert 1 <= doc["pages"] <= 2
    assert f"profile sha256 {doc['company']['sha256']}" in text  # the footer traces the memo to its input
    from stress import __version__
    assert f"stress {__version__}" in text


def test_header_names_firm_as_of_case_sources_and_the_pinned_date(memo: tuple[Path, dict, str]) -> None:
    _, _, text = memo
    assert "Credit memo: CoreWeave, Inc. (CRWV)" in text
    assert "As of 2025-09-30" in text
    assert "plan case: committed and planned financing" in text
    assert "coreweave.yaml, 54 sources named" in text  # companies/coreweave.yaml names 54 sources
    assert "Generated 2026-01-01 00:00 UTC" in text


def test_pdf_dates_are_the_pinned_run_date_and_charts_are_vectors(memo: tuple[Path, dict, str], run_doc: dict) -> None:
    out, _, _ = memo
    reader = PdfReader(out)
    assert reader.metadata["/CreationDate"].startswith("D:20260101000000")
    assert b"/Subtype /Image" not in out.read_bytes()  # the charts are drawn, not pasted as pictures
    # page 1 draws each scenario's liquidity and leverage as line segments between its quarters
    segments = len(re.findall(rb"[\d.]+ [\d.]+ l\b", reader.pages[0].get_contents().get_data()))
    worlds, quarters = len(run_doc["scenarios"]), len(run_doc["scenarios"][0]["quarters"])
    assert segments >= 2 * worlds * (quarters - 1)


def _first(*quarters: str | None) -> str | None:
    dated = [q for q in quarters if q]
    return min(dated) if dated else None


def test_scenario_rows_equal_stress_run_json(memo: tuple[Path, dict, str], run_doc: dict) -> None:
    """Each scenario's row: verdict, minimum liquidity and its quarter, first breach, default quarter, peak
    net leverage (n.m. when any quarter is), trough DSCR, rating at the end, all from ``stress run --json``."""
    _, _, text = memo
    for s in run_doc["scenarios"]:
        m, e = s["metrics"], s["events"]
        liquidity = m["liquidity"]
        low = min(range(len(liquidity)), key=lambda i: (liquidity[i], i))
        lev = m["net_debt_to_ebitda"]
        dscr = [x for x in m["dscr"] if x is not None]
        # covenant labels as words: lease_adjusted_leverage -> lease adjusted leverage
        breach = f"{e['first_breach']} {e['first_breach_covenant'].replace('_', ' ')}" if e["first_breach"] else "–"
        default = _first(e["liquidity_default"], e["maturity_default"], e["covenant_default"], e["cross_default"])
        cells = [s["name"], s["verdict"].upper(), money(min(liquidity)), s["quarters"][low], breach]
        assert " ".join(cells) in text, s["name"]
        tail = [ratio(None if None in lev else max(lev)), ratio(min(dscr) if dscr else None), m["rating"][-1]]
        row = text[text.index(" ".join(cells)):]
        assert (default or "–") in row.split(tail[0])[0], s["name"]  # the default sits before peak leverage
        assert " ".join(tail) in row[:200], s["name"]


def test_one_line_answer_is_the_run_answer(memo: tuple[Path, dict, str], run_doc: dict) -> None:
    _, _, text = memo
    verdicts = {s["name"]: s["verdict"] for s in run_doc["scenarios"]}
    survives = [n for n, v in verdicts.items() if v == "pass"]
    assert f"Survives {', '.join(survives)}." in text
    defaults = [n for n, v in verdicts.items() if v == "default"]
    assert f"Defaults under {', '.join(defaults)}." in text


def test_probability_of_default_equals_stress_montecarlo(memo: tuple[Path, dict, str]) -> None:
    _, _, text = memo
    mc = invoke_json("montecarlo", "coreweave", "--paths", PATHS, "--seed", SEED)
    lo, hi = mc["pd_interval_95"]
    assert (f"Probability of default within the horizon: {share(mc['probability_of_default'])} "
            f"(95% interval {share(lo)}–{share(hi)}); 2,000 paths, seed 7") in text
    view = mc["market_view"]
    assert f"Market-implied PD over 5y: {share(view['market_pd'])}" in text
    assert f"against the model PD {share(mc['probability_of_default'])}" in text
    years = ", ".join(f"{y} {share(p)}" for y, p in mc["pd_by_year"].items())
    assert f"Cumulative PD by year end: {years}" in text


def test_breakevens_equal_stress_breakeven(memo: tuple[Path, dict, str]) -> None:
    """Each driver's breaking size (the part of ``stress breakeven``'s text before the arrow) and its quarter."""
    _, _, text = memo
    rows = invoke_json("breakeven", "coreweave")["breakeven"]
    assert rows
    section = text[text.index("Breaking points"):text.index("Capital structure")]
    for r in rows:
        if r["size"] is not None and not r["at_baseline"]:
            assert flat(r["text"].split(" → ")[0]) in section, r["text"]
            assert r["quarter"] in section
        elif r["size"] is None:
            assert "none, even at " + flat(r["text"].split("even at ")[1]) in section, r["text"]


def test_capital_structure_and_wall(memo: tuple[Path, dict, str]) -> None:
    """Tranche rows from the profile as written: DDTL 2.0 drew 4,766.5m at SOFR+625bp to 2029-05-31."""
    _, _, text = memo
    section = text[text.index("Capital structure"):text.index("Key assumptions")]
    assert "DDTL 2.0 4,766.5 4,766.5 SOFR+625bp 2029-05-31" in section
    assert "2030 Senior Notes 2,000.0 2,000.0 9.25% fixed 2030-06-01" in section
    assert "DDTL 4.0 (Meta)* – 7,500.0" in section  # planned: marked, nothing drawn at as_of
    assert "Lease payments" in section and "Liquidity at start (baseline)" in section


def test_assumptions_and_estimates_quote_the_profile(memo: tuple[Path, dict, str]) -> None:
    _, _, text = memo
    section = text[text.index("Key assumptions"):]
    assert "Spot utilisation 70% estimate: share of uncontracted GPU-hours sold" in section
    assert "Minimum cash USD 500.0 m" in section
    # the largest estimate: 181k GB300 at USD 80k, "estimate: 14.5bn ..." in companies/coreweave.yaml
    assert "GB300-Unsold: 181,000 x USD 80,000 14,480.0 estimate: 14.5bn" in section


def test_charts_carry_their_limits_and_the_pd(memo: tuple[Path, dict, str]) -> None:
    """Chart text is text: CoreWeave's covenants (companies/coreweave.yaml: leverage at most 6.0x, liquidity at
    least 250m) draw as limit lines, the leverage axis is cut at 4 x 6 = 24x, and the fan's title has both PDs."""
    _, _, text = memo
    mc = invoke_json("montecarlo", "coreweave", "--paths", PATHS, "--seed", SEED)
    assert "Debt / LTM EBITDA, x (axis cut at 24x)" in text
    assert "leverage covenant: max 6x" in text and "liquidity covenant: min USD 250 m" in text
    assert (f"Cash, USD m, 2,000 paths: PD {share(mc['probability_of_default'])}; "
            f"market-implied {share(mc['market_view']['market_pd'])}") in text
