"""Writing a drafted profile: the figures chosen from a filing as YAML in the shipped format, with TODOs.

Every number carries a comment with its concept, period and accession number (companies/README.md: every
number names its source). What filings do not tag is the sentinel ``"TODO: ..."`` (:mod:`stress.io.todo`),
which ``stress validate`` reports one by one as "to fill in: ..." and refuses until filled. Figures the
format has no key for (last quarter's revenue, interest, depreciation, capex; maturity and lease tables)
go in the header comment, for calibrating and filling in the rest. Amounts are written as whole US dollars.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from stress.io.companyfacts import Figure
from stress.io.draft_facts import DraftFacts, Line
from stress.report.safe_write import write_atomic

DRAFTS_DIR = Path("drafts")
_UNSAFE = re.compile(r"[^\x20-\x7e]")


def _text(value: object) -> str:
    """Text from the file made safe for a YAML comment: printable ASCII only (a newline could add a key)."""
    return _UNSAFE.sub("?", str(value))[:300]


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=True)  # a JSON string is a YAML double-quoted scalar


def _usd(value: float) -> str:
    """Whole dollars with ``_`` between thousands (YAML reads ``1_894_399_000`` as the integer)."""
    return f"{round(value):_d}"


def _m(value: float) -> str:
    return f"{value / 1e6:,.1f}m"


def default_draft_path(facts: DraftFacts, folder: Path = DRAFTS_DIR) -> Path:
    """``drafts/<entity-name>-<as_of>.yaml``, e.g. ``drafts/coreweave-inc-2025-09-30.yaml``."""
    slug = re.sub(r"[^a-z0-9]+", "-", facts.name.lower()).strip("-")[:60] or f"cik{facts.cik}"
    return folder / f"{slug}-{facts.as_of.isoformat()}.yaml"


def _todo(hint: str) -> str:
    return _quoted(f"TODO: {hint}")


def _line(key: str, line: Line, indent: str = "  ") -> list[str]:
    if line.value is None:
        return [f"{indent}{key}: {_todo(line.missing)}"]
    first, *rest = line.parts
    out = [f"{indent}{key}: {_usd(line.value)}  # {_text(first[2].source())}"]
    if rest or line.absent:
        pad = indent + " " * (len(key) + 2)
        out += [f"{pad}#   {'less' if sign < 0 else 'plus'} {_text(label)} {_m(fig.value)}: {_text(fig.source())}"
                for sign, label, fig in rest]
        out += [f"{pad}#   ({_text(label)}: not tagged, counted as zero)" for label in line.absent]
    return out


def _figure(key: str, fig: Figure | None, indent: str = "  ") -> list[str]:
    return [] if fig is None else [f"{indent}{key}: {_usd(fig.value)}  # {_text(fig.source())}"]


def _header(f: DraftFacts) -> list[str]:
    url = f"https://data.sec.gov/api/xbrl/companyfacts/CIK{f.cik:010d}.json"
    out = [f"# DRAFT profile of {_text(f.name)} (CIK {f.cik}), written by `stress draft` from SEC XBRL companyfacts",
           f"# ({url}) for as_of {f.as_of.isoformat()}; balance sheet dated {f.balance_date.isoformat()}.",
           "# Every number carries its XBRL concept, period and accession number. What filings do not tag is a",
           '# "TODO: ..." value: `stress validate` lists each one ("to fill in: ...") and refuses the draft until',
           "# all are filled. Fill them from the filing's notes, following companies/README.md (sources, estimates",
           "# marked, committed vs planned), then `stress validate`, `stress show` and `stress run`.",
           "#", "# calibration: the last reported quarter (the format has no keys for these; compare the first",
           "# projected quarter of `stress run` with them):"]
    for label, fig in f.calibration.items():
        shown = f"{_m(fig.value):>12}  {_text(fig.source())}" if fig else "           -  not tagged"
        out.append(f"#   {label:<30}{shown}")
    for table in f.tables:
        out += ["#", f"# {table.title}, as at {table.as_at.isoformat()}:"]
        out += [f"#   {label:<30}{_m(fig.value):>12}  {_text(fig.source())}" for label, fig in table.rows]
    return out


def _hints(f: DraftFacts) -> dict[str, str]:
    it = f.items

    def m(key: str) -> str:
        fig = it.get(key)
        return _m(fig.value) if fig else "not tagged"

    def pair(key: str) -> str:
        total = it.get(f"{key}_total")
        return f"{_m(total.value)} in all" if total else f"{m(f'{key}_current')} current + {m(f'{key}_noncurrent')} non-current"

    return {
        "fleet": f"GPU cohorts owned at as_of (name, gpu, units, unit_cost, in_service, useful_life_years, residual); "
                 f"PP&E net {m('ppe')} is left out of other_assets for them (construction in progress: capex_plan "
                 "paid_at_as_of)",
        "contracts": "take-or-pay contracts (customer, gpu, gpus, price_per_gpu_hour, start, end, status); compare with "
                     "reported_backlog",
        "market": "gpu_hour_price per GPU model (start, annual_change), spot_utilisation, base_rate (start), "
                  "power_price_per_kwh",
        "costs": "pue, other_cost_per_gpu_year, sga_per_quarter, tax_rate (calibrate to the header's last quarter)",
        "debt": f"tranches (name, kind, balance, rate, maturity, amortisation); tagged debt {pair('debt')}, left out "
                "of other_liabilities; see the maturity table in the header",
        "leases": f"leases (name, annual_payment, escalator, start, end, discount_rate, type); operating lease liabilities "
                  f"{pair('operating_lease')}, finance {pair('finance_lease')}, left out of other_liabilities",
    }


def render_draft(f: DraftFacts) -> str:
    """The draft profile's YAML text."""
    out = _header(f)
    ticker = _quoted(f.ticker) if f.ticker else _todo("the exchange ticker (companyfacts does not carry it)")
    out += [f"name: {_quoted(f.name)}", f"ticker: {ticker}", f"# CIK {f.cik}", f"as_of: {f.as_of.isoformat()}"]
    if f.balance_date != f.as_of:
        out.append(f"# the balance sheet is dated {f.balance_date.isoformat()}, within days of as_of")
    filings = f.facts.filings if f.facts is not None else {}
    out += ["sources:", f"  companyfacts: {_quoted(f'https://data.sec.gov/api/xbrl/companyfacts/CIK{f.cik:010d}.json')}"]
    for accn in sorted(filings):
        filing = filings[accn]
        out.append(f"  {_quoted(accn)}: {_quoted(filing.url)}  # {_text(filing.form)} filed {filing.filed.isoformat()}")
    if f.backlog is not None:
        out += _figure("reported_backlog", f.backlog, indent="")
    out.append("opening:")
    for key, line in f.opening.items():
        out += _line(key, line)
        if key == "other_assets" and line.value is not None:  # restricted cash stays here: the opening has no key for it
            out += [f"  #   (includes restricted cash {_m(fig.value)}: {_text(fig.source())})"
                    for k in ("restricted_cash_current", "restricted_cash_noncurrent") if (fig := f.items.get(k))]
    for key, fig in f.reported.items():
        out += _figure(key, fig)
    out += ["", "# ---- not tagged in filings: fill in each TODO (see the header and companies/README.md) ----"]
    out += [f"{key}: {_todo(hint)}" for key, hint in _hints(f).items()]
    return "\n".join(out) + "\n"


def write_draft(f: DraftFacts, out: Path | None, force: bool) -> Path:
    """Write the draft atomically to ``out`` (a file, or a folder for the default name) or ``drafts/`` under the
    current directory; never replaces a file unless ``force`` (TargetExistsError, exit 2). Returns the path."""
    if out is None:
        target = default_draft_path(f)
    elif out.is_dir():
        target = default_draft_path(f, out)
    else:
        target = out
    text = render_draft(f)
    return write_atomic(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), force)
