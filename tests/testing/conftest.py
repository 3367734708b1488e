"""Shared fixtures for the tests of :mod:`rempart.testing`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

if importlib.util.find_spec("rempart") is None:  # not installed: use the src layout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from rempart.testing.pki import LocalCA


@pytest.fixture(scope="session")
def ca() -> LocalCA:
    """One local CA for the whole session (key generation is the slow part)."""
    return LocalCA.create()


@pytest.fixture(scope="session")
def ca_file(ca: LocalCA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CA certificate written to a file, as clients usually consume it."""
    return ca.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem")
