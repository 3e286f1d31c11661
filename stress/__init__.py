"""stress: what breaks a leveraged GPU cloud, when, and how badly.

Public API for notebooks::

    import stress
    company = stress.load_company("coreweave")
    results = stress.run(company)      # baseline projection
    results.frame()                    # quarters x lines and metrics (pandas)

The API is imported on first use (PEP 562), so ``import stress`` stays light: the command line's entry
point (``stress.entry``) installs its interrupt handler before numpy, pandas and the engine load.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["ProfileError", "StressError", "__version__", "load_company", "load_profile", "run"]

_LAZY = {"ProfileError": "stress.errors", "StressError": "stress.errors", "run": "stress.api",
         "load_company": "stress.io.profiles", "load_profile": "stress.io.profiles"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'stress' has no attribute {name!r}")
