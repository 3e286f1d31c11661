"""stress: what breaks a leveraged GPU cloud, when, and how badly.

Public API for notebooks::

    import stress
    company = stress.load_company("coreweave")
"""

from stress.errors import ProfileError, StressError
from stress.io.profiles import load_company, load_profile

__version__ = "0.1.0"

__all__ = ["ProfileError", "StressError", "__version__", "load_company", "load_profile"]
