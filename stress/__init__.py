"""stress: what breaks a leveraged GPU cloud, when, and how badly.

Public API for notebooks::

    import stress
    company = stress.load_company("coreweave")
    results = stress.run(company)      # baseline projection
    results.frame()                    # quarters x lines and metrics (pandas)
"""

from stress.errors import ProfileError, StressError
from stress.api import run
from stress.io.profiles import load_company, load_profile

__version__ = "0.1.0"

__all__ = ["ProfileError", "StressError", "__version__", "load_company", "load_profile", "run"]
