"""The names the command line offers before anything heavy is imported.

``stress --help`` and TAB completion must start in well under a second, so the choices its options list
(the case, a seniority, a grid metric, the analysis drivers) live here, in a module that imports only the
standard library. The models and analyses re-export them: one name per concept, defined once.
"""

from __future__ import annotations

from enum import StrEnum


class Case(StrEnum):
    """Which financing and contracts a projection counts.

    ``committed``: committed facilities, equity and contracts only. ``plan``: also planned financing and
    awarded contracts (and pipeline contracts when the profile says ``plan_includes_pipeline``).
    """

    COMMITTED = "committed"
    PLAN = "plan"


class Seniority(StrEnum):
    """A claim's rank in the default waterfall."""

    SECURED = "secured"
    SENIOR_UNSECURED = "senior_unsecured"
    SUBORDINATED = "subordinated"


class GridMetric(StrEnum):
    """What each cell of a sensitivity grid shows."""

    MIN_LIQUIDITY = "min_liquidity"  # USD, lowest cash + undrawn revolver over the horizon
    FIRST_DEFAULT = "first_default"  # quarter index of the first liquidity or maturity default; NaN = none
    TROUGH_DSCR = "trough_dscr"  # x, lowest DSCR over the horizon (NaN when never meaningful)


class Metric(StrEnum):
    """A credit metric of a projection, by quarter: the one name results, JSON, console and workbook use.

    A covenant names what it tests in the profile's words (``CovenantMetric``: ``net_leverage``); the one map
    from those to these is ``stress.model.covenant.TESTED``. Aggregates over the horizon are named for what
    they take of a metric (``peak_net_leverage`` is the peak of ``net_debt_to_ebitda``).
    """

    EBITDA_LTM = "ebitda_ltm"  # USD, last four quarters
    DEBT_TO_EBITDA = "debt_to_ebitda"  # x
    NET_DEBT_TO_EBITDA = "net_debt_to_ebitda"  # x
    LEASE_ADJUSTED_LEVERAGE = "lease_adjusted_leverage"  # (debt + lease liabilities) / LTM EBITDAR, x
    INTEREST_COVER = "interest_cover"  # LTM EBITDA / LTM interest, x
    DSCR = "dscr"  # x
    LIQUIDITY = "liquidity"  # cash + undrawn revolver, USD
    RUNWAY_QUARTERS = "runway_quarters"  # quarters of liquidity at the LTM burn
    LTV = "ltv"  # secured balance / collateral value, per tranche


#: The breaking-point drivers, in the order the analyses show them (``stress.scenarios.drivers.DRIVERS``
#: defines each; a test keeps the two in step).
DRIVER_NAMES: tuple[str, ...] = ("gpu_price", "price_decline", "utilisation", "rate", "spread", "life", "customer_default")


class Engine(StrEnum):
    """Where ``stress batch`` and ``stress montecarlo`` run their work.

    ``local``: this machine's process pool. ``dask``: a Dask distributed cluster (the optional ``dask``
    extra), one at ``--scheduler``/``--scheduler-file`` or else a ``LocalCluster`` started on this machine.
    """

    LOCAL = "local"
    DASK = "dask"


#: Monte Carlo paths when a command is not told how many: a PD to about +/-0.5 points at 10%, in about 0.5 s
#: on 2 cores (``python bench/analyses.py``); ``stress montecarlo``, ``report --analyses`` and ``memo`` share it.
DEFAULT_PATHS = 10_000
#: The Monte Carlo seed when none is given: same seed, same answer, on either engine.
DEFAULT_SEED = 7
