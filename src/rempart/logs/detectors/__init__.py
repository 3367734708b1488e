"""The detectors of ``rempart logs``: from the request table to incidents.

Each detector is ``detect(df, settings) -> list[Incident]``: ``df`` has the
columns of :data:`rempart.logs.model.SCHEMA`, rows in any order (file order,
never assumed sorted); ``settings`` is its dataclass from
:mod:`rempart.logs.settings`. :data:`DETECTORS` maps every id of the registry
(:data:`rempart.logs.registry.SPECS`) to its function.

:func:`detect_all` runs them all. A detector that raises does not stop the
others: its failure comes back as data, in the second half of the
:class:`Detection` it returns (``incidents, failures = detect_all(df)``),
and is logged with its traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

import polars as pl

from rempart.logs.detectors import _steps, floods, scenarios, stuffing
from rempart.logs.detectors._steps import (
    DetectorFailure,
    InMemory,
    Program,
    Shards,
    drive,
    run_in_memory,
)
from rempart.logs.model import SCHEMA, Incident
from rempart.logs.registry import SPECS
from rempart.logs.settings import Settings

logger = logging.getLogger(__name__)

Detector = Callable[[pl.DataFrame, Any], list[Incident]]
"""``detect(df, settings) -> incidents``."""

_per_ip = _steps.per_ip

PROGRAMS: dict[str, Callable[[Any], Program]] = {
    "scan.probing": _per_ip(scenarios.detect_probing),
    "crawl.non_static": _per_ip(scenarios.detect_crawl),
    "bruteforce.wordpress": _per_ip(scenarios.detect_wordpress_bf),
    "bruteforce.xmlrpc": _per_ip(scenarios.detect_xmlrpc_bf),
    "scan.sensitive_files": _per_ip(scenarios.detect_sensitive_files),
    "probe.path_traversal": _per_ip(scenarios.detect_path_traversal),
    "probe.inclusion": _per_ip(scenarios.detect_inclusion),
    "probe.sqli": _per_ip(scenarios.detect_sqli),
    "probe.xss": _per_ip(scenarios.detect_xss),
    "scan.bad_user_agent": _per_ip(scenarios.detect_bad_user_agent),
    "scan.admin_interface": _per_ip(scenarios.detect_admin_interface),
    "scan.wordpress": _per_ip(scenarios.detect_wordpress_scan),
    "bruteforce.generic": _per_ip(scenarios.detect_generic_bf),
    "dos.switching_ua": _per_ip(scenarios.detect_switching_ua),
    "dos.bypass_cache": _per_ip(scenarios.detect_bypass_cache),
    "dos.random_uri": _per_ip(scenarios.detect_random_uri),
    "flood.ip": floods.flood_ip,
    "flood.distributed": floods.distributed,
    "burst.errors": floods.error_burst,
    "flood.url": floods.url_flood,
    "bruteforce.stuffing": stuffing.stuffing,
}
"""Every detector as a map/reduce program (:mod:`._steps`), by registry id."""

DETECTORS: dict[str, Detector] = {
    name: partial(run_in_memory, program) for name, program in PROGRAMS.items()
}
"""Every detector as ``detect(df, settings)`` on one frame, by registry id."""


class Detection(NamedTuple):
    """What :func:`detect_all` found: incidents, and detectors that failed."""

    incidents: list[Incident]
    """Every incident, by start time then kind."""
    failures: list[DetectorFailure]
    """Detectors that raised (empty when all ran)."""


def conform(df: pl.DataFrame) -> pl.DataFrame:
    """``df`` with exactly the columns and types of :data:`SCHEMA`.

    ``ValueError`` names the missing columns."""
    missing = [c for c in SCHEMA if c not in df.columns]
    if missing:
        raise ValueError(f"request table lacks columns: {', '.join(missing)}")
    return df.select([pl.col(c).cast(t) for c, t in SCHEMA.items()])


def programs(settings: Settings) -> dict[str, Program]:
    """A fresh program for every registered detector not in ``settings.disabled``."""
    return {
        spec.id: PROGRAMS[spec.id](settings.of(spec.id))
        for spec in SPECS
        if spec.id not in settings.disabled
    }


def detect_on(shards: Shards, settings: Settings | None = None) -> Detection:
    """Run every enabled detector over ``shards`` (one frame, or shards of one log)."""
    incidents, failures = drive(programs(settings or Settings()), shards)
    incidents.sort(key=lambda i: (i.start, i.kind, i.sources))
    return Detection(incidents, failures)


def detect_all(df: pl.DataFrame, settings: Settings | None = None) -> Detection:
    """Run every registered detector not in ``settings.disabled`` on ``df``."""
    return detect_on(InMemory(conform(df)), settings)
