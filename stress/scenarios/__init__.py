"""Shocks as pure transforms of worlds, the built-in scenario library, and world construction."""
