"""Shared helpers for the engine tests."""

from __future__ import annotations

import sys
from pathlib import Path

try:  # the package is normally installed (`make test` runs `pip install -e .`)
    import rempart  # noqa: F401
except ImportError:  # pragma: no cover - running from a bare checkout
    # Dask spawns its workers with this process's sys.path, so they find it too.
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
