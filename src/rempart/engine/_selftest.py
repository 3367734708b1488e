"""Tiny job functions for the engine's own tests.

They live in the package (not in ``tests/``) so that Dask worker processes,
which import jobs by module name, can find them.
"""

from __future__ import annotations

import time


def square(x: int) -> int:
    """Return ``x * x``."""
    return x * x


def square_unless(x: int, bad: int) -> int:
    """Return ``x * x``, or raise ``ValueError`` when ``x == bad``."""
    if x == bad:
        raise ValueError(f"refusing {x}")
    return x * x


def nap(value: object, seconds: float = 0.01) -> object:
    """Sleep briefly, then return ``value``."""
    time.sleep(seconds)
    return value
