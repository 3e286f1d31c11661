"""``stress init``: the text of a new profile, either a commented scaffold or a copy of an existing profile.

A scaffold has every top-level section of a profile, each with a comment on what goes there, and a
``"TODO: ..."`` placeholder (:mod:`stress.io.todo`) for every value only the analyst can supply, so
``stress validate`` on it lists exactly what is left to fill, each at its line, and nothing else. Optional
sections are present as empty lists or their defaults, with a commented example item to copy.

``--from PROFILE`` starts from an existing profile instead (a new quarter of the same firm, or a peer): its
text is kept as written, comments included, under a header saying where it came from, with ``as_of`` turned
into a TODO that remembers the old date, so the copy cannot be run until it is re-dated. A JSON profile is
written out as YAML (it has no comments to keep).

This module only builds text; writing it (atomically, never over a file without ``--force``) is the CLI's.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode

from stress.errors import OptionError
from stress.io.located import read_document
from stress.io.profiles import PROFILE_SUFFIXES, resolve_profile
from stress.io.yamlfile import load_yaml_nodes

#: Where ``stress init NAME`` writes by default: ``companies/NAME.yaml`` under the current directory, one of
#: the folders a bare profile name is looked up in, so ``stress run NAME`` finds it.
COMPANIES_DIR = Path("companies")
OUTPUT_SUFFIXES = (".yaml", ".yml")

_SLUG = re.compile(r"[^a-z0-9._-]+")

SCAFFOLD = '''\
# {name}: a company profile for `stress`, scaffolded by `stress init` on {today}.
#
# Fill in every TODO; `stress validate {path}` lists those left, each at its line, and accepts
# the file once none is. Conventions (companies/README.md has them in full):
#   - amounts are US dollars and may carry a scale: 650m, 1.5bn, 32k, "$1,500,000";
#   - rates and shares are "9.25%", "600bp" or 0.0925; a floating rate is "SOFR+6.0%";
#   - dates are ISO: 2025-09-30;
#   - every number names its source in a comment: a key of `sources:`, or "estimate: <the arithmetic>".
# `stress schema` prints the JSON Schema of this format, for an editor's completion and checks.
# Optional sections are left empty ([]) with a commented example item: copy it, uncomment, fill.

name: "TODO: the firm's name as it reports, e.g. Example GPU Cloud, Inc."
ticker: "TODO: the exchange ticker, e.g. EXGC"
as_of: "TODO: the balance-sheet date, a quarter end with a filed balance sheet, e.g. 2025-09-30"
horizon_quarters: 20              # quarters projected after as_of, 1 to 80
sources:                          # label -> URL or citation; comments below cite the labels
  filing: "TODO: the URL of the filing the balance sheet comes from"
# reported_backlog: 0             # remaining performance obligations (RPO), USD, if reported

reporting:
  ebitda: company_adjusted        # the firm's reported EBITDA: company_adjusted (after operating-lease cost)
                                  # or lease_adjusted (before it)
  fiscal_year_end: December       # the month its fiscal year ends

opening:                          # balance-sheet items at as_of not built from the schedules below
  cash: "TODO: cash and equivalents at as_of, USD"
  receivables: "TODO: accounts receivable, USD"
  other_assets: "TODO: assets not in the fleet: other PP&E, construction in progress, prepaids, goodwill"
  other_liabilities: "TODO: liabilities other than debt and leases: payables, deferred revenue, other"
  tax_loss_carryforward: 0        # NOLs usable against future profit
  # reported_equity: 0            # the reported totals, compared with the derived balance sheet only
  # reported_total_assets: 0
  # reported_total_liabilities: 0

fleet:                            # GPUs in service at as_of: one cohort per model and in-service date
  - name: "TODO: a name for the cohort, e.g. H100-2024"
    gpu: "TODO: the GPU model, as keyed in market.gpu_hour_price (H100 there)"
    units: "TODO: number of GPUs, e.g. 16k"
    unit_cost: "TODO: USD per GPU all-in (server and network share), e.g. 30k"
    in_service: "TODO: the date it entered service, e.g. 2024-06-30"
    useful_life_years: 6          # accounting life (straight line to residual)
    # economic_life_years: 6      # earning life, default the accounting life
    residual: 10%                 # value at the end of the accounting life, share of unit cost
    kw_per_gpu: 1.4               # IT power per GPU, kW
    # asset: gpu                  # gpu, facility (data halls on MW units) or other

capex_plan: []                    # GPUs still to buy, each bought in the quarter it is due if funded
#  - name: B200-2026
#    gpu: B200
#    units: 8k
#    unit_cost: 45k
#    in_service: 2026-06-30
#    useful_life_years: 6
#    funded_by: DDTL 1.0          # the facility that pays (or `programme:` with its funding)
#    paid_at_as_of: 0             # already spent by as_of (construction in progress)

programmes: []                    # builds tying capex, halls, contracts and funding together
#  - name: campus-1
#    capacity_mw: 100
#    funding: [{{source: DDTL 1.0, share: "80%"}}, {{source: cash, share: "20%"}}]

contracts:                        # take-or-pay capacity contracts with named customers
  - customer: "TODO: the customer, e.g. BigCo"
    gpu: "TODO: the GPU model it reserves"
    gpus: "TODO: number of GPUs reserved, e.g. 10k"
    price_per_gpu_hour: "TODO: USD per GPU-hour, e.g. 2.20"
    start: "TODO: start date"
    end: "TODO: end date"
    investment_grade: false
    status: committed             # committed (signed by as_of), awarded (signed later) or pipeline
    # renewal: {{probability: 60%, term_years: 3}}   # re-contracting at the end; default: to spot

market:
  gpu_hour_price:                 # spot price of a new GPU-hour, per model in fleet and capex_plan
    H100:
      start: "TODO: USD per GPU-hour at as_of, e.g. 2.10"
      annual_change: "TODO: the yearly change, e.g. -15%"
      vintage_decay: 0%           # discount a year of a cohort's age
  spot_utilisation: "TODO: share of uncontracted GPU-hours sold, e.g. 70%"
  base_rate:
    start: "TODO: 3M term SOFR at as_of, e.g. 4.30%"
    path: []                      # quarterly rates from the first projected quarter; the last holds
  power_price_per_kwh: "TODO: USD per kWh, e.g. 0.07"

costs:
  pue: 1.3                        # power usage effectiveness, 1.0 to 3.0
  other_cost_per_gpu_year: "TODO: site and support cost per GPU a year, e.g. 2.5k"
  sga_per_quarter: "TODO: the fixed part of SG&A a quarter, e.g. 20m"
  sga_per_mw_year: 0              # SG&A a year per MW earning
  sga_share_of_revenue: 0%        # SG&A that scales with revenue
  tax_rate: 21%

working_capital:
  receivable_days: "TODO: days of revenue outstanding, e.g. 60"

treasury:
  minimum_cash: "TODO: the cash the firm keeps on hand, e.g. 100m"
  max_capex_deferral_quarters: 4  # quarters unfunded capex waits before its programme is cancelled

debt:                             # every tranche: term loans, delayed draws, notes, converts, revolvers
  - name: "TODO: the tranche's name, e.g. Term Loan B"
    kind: "TODO: term_loan, delayed_draw, notes, convertible, revolver or vendor_financing"
    balance: "TODO: principal drawn at as_of, USD"
    rate: "TODO: a fixed rate such as 9.25% or a floating one such as SOFR+6.0%"
    maturity: "TODO: maturity date"
    amortisation: bullet          # bullet, straight_line, annuity, schedule or sculpted
    # limit: 0                    # the commitment of a revolver or delayed draw
    # floor: 0%                   # floor on the base rate of a floating tranche
    # secured_by: []              # fleet or capex cohort names
    status: committed             # committed (signed by as_of) or planned (then `evidence:`)

leases:                           # data-centre and office leases, commenced or signed
  - name: "TODO: the lease, e.g. Campus A"
    annual_payment: "TODO: USD a year in the first lease year"
    escalator: 2%                 # yearly rise in the payment
    start: "TODO: commencement date"
    end: "TODO: end date"
    discount_rate: "TODO: the incremental borrowing rate, e.g. 9%"
    type: operating               # operating or finance

vehicles: []                      # ring-fenced borrowers (special-purpose subsidiaries)
#  - name: Borrower SPV
#    facilities: [DDTL 1.0]       # debt tranches it borrows
#    recourse: none               # none, completion, guarantee or cross_default

covenants:                        # maintenance tests; a parent ltv names the tranche it `applies_to`
  - metric: liquidity
    min: "TODO: the minimum liquidity the credit agreement requires, e.g. 200m"
  # - {{metric: net_leverage, max: 6.0}}
  # - {{metric: dscr, min: 1.25}}

equity: []                        # equity raises, committed or planned
#  - {{name: ATM 2026, amount: 500m, date: 2026-03-31, status: planned, evidence: "estimate: ..."}}

distributions: []                 # dividends and buybacks
#  - {{name: Dividend, kind: dividend, per_quarter: 10m, start: 2026-03-31}}

refinancing:
  premium: 0%                     # the firm's spread over the index for its rating; say why
  extension_quarters: 4           # amend and extend: quarters a loan maturity is pushed out once

plan_includes_pipeline: false     # the plan case counts pipeline contracts too

market_signals: []                # dated ratings, bond spreads or yields, CDS: shown beside the model's PD
#  - {{kind: rating, agency: S&P, rating: B+, date: 2025-09-30, source: "https://..."}}

# montecarlo:                     # overrides of the Monte Carlo defaults (README, Breaking points)
#   price_vol: 35%
'''


def slug(name: str) -> str:
    """A file name for ``name``: lower case, runs of anything but letters, digits, ``.``, ``_``, ``-`` as ``-``."""
    return _SLUG.sub("-", name.strip().lower()).strip("-.")


def output_path(name: str) -> Path:
    """Where ``stress init NAME`` writes: NAME itself when it is a path (has a folder or a .yaml/.yml suffix),
    else ``companies/<slug>.yaml``.

    An OptionError when NAME gives no usable file name or another suffix; missing folders are created.
    """
    def refuse(message: str) -> OptionError:
        return OptionError.argument("NAME", message, name)

    given = Path(name)
    suffix = given.suffix.lower()
    if len(given.parts) > 1 or suffix in PROFILE_SUFFIXES:
        if suffix not in OUTPUT_SUFFIXES:
            raise refuse("the profile is written as YAML: give a name, or a path ending in .yaml")
        return given
    stem = slug(name)
    if not stem:
        raise refuse("expected a name with letters or digits, e.g. lambda")
    return COMPANIES_DIR / f"{stem}.yaml"


def scaffold_text(name: str, path: Path, today: dt.date | None = None) -> str:
    """The commented scaffold for a profile called ``name`` to be written at ``path``."""
    today = today or dt.date.today()
    return SCAFFOLD.format(name=_comment_safe(name), path=_comment_safe(str(path)), today=today.isoformat())


def copied_text(source: str | Path, path: Path, today: dt.date | None = None) -> str:
    """The text of profile ``source`` (a path or shipped name) as the start of a new one at ``path``: a header
    saying where it came from, then the source as written with ``as_of`` turned into a TODO naming the old
    date. The source must read as YAML or JSON; it need not validate (a draft with TODOs is a fine start)."""
    today = today or dt.date.today()
    src = resolve_profile(source)
    doc = read_document(src)
    is_json = src.suffix.lower() == ".json"
    text = yaml.safe_dump(doc.data, sort_keys=False, allow_unicode=True, width=120) if is_json else _source_text(src)
    body, old = _redate(text)
    header = [
        f"# Started by `stress init` on {today.isoformat()} from {_comment_safe(str(src))}"
        + (f" (as of {_comment_safe(old)})." if old else "."),
        "# Every value below is the source's: bring each one to the new as_of (or to the peer) and fill as_of.",
        f"#   stress validate {_comment_safe(str(path))}    lists what is left, each at its line",
        f"#   stress diff {_comment_safe(str(source))} {_comment_safe(str(path))}    lists what you changed",
        "# " + "-" * 100,
    ]
    return "\n".join(header) + "\n" + body


def _source_text(path: Path) -> str:
    from stress.io.yamlfile import read_text

    return read_text(path, "profile")


def _redate(text: str) -> tuple[str, str | None]:
    """``text`` with the top-level ``as_of`` value replaced by a TODO, and the old value (None if none)."""
    _, root = load_yaml_nodes(text)
    if not isinstance(root, MappingNode):
        return text, None
    entry = next(((k, v) for k, v in root.value if isinstance(k, ScalarNode) and k.value == "as_of"), None)
    if entry is None or not isinstance(entry[1], ScalarNode):
        return text, None
    value = entry[1]
    old = value.value
    todo = json.dumps(f"TODO: the new balance-sheet date (the source's is {old})", ensure_ascii=True)
    return text[:value.start_mark.index] + todo + text[value.end_mark.index:], old


def _comment_safe(text: str) -> str:
    """Text for a YAML comment: printable ASCII on one line (a newline could start a key)."""
    return re.sub(r"[^\x20-\x7e]", "?", text)[:200]
