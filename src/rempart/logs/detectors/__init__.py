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
from dataclasses import dataclass
from typing import Any, NamedTuple

import polars as pl

from rempart.logs.detectors import floods, scenarios, stuffing
from rempart.logs.model import SCHEMA, Incident
from rempart.logs.registry import SPECS
from rempart.logs.settings import Settings

logger = logging.getLogger(__name__)

Detector = Callable[[pl.DataFrame, Any], list[Incident]]
"""``detect(df, settings) -> incidents``."""

DETECTORS: dict[str, Detector] = {
    "scan.probing": scenarios.detect_probing,
    "crawl.non_static": scenarios.detect_crawl,
    "bruteforce.wordpress": scenarios.detect_wordpress_bf,
    "bruteforce.xmlrpc": scenarios.detect_xmlrpc_bf,
    "scan.sensitive_files": scenarios.detect_sensitive_files,
    "probe.path_traversal": scenarios.detect_path_traversal,
    "probe.inclusion": scenarios.detect_inclusion,
    "probe.sqli": scenarios.detect_sqli,
    "probe.xss": scenarios.detect_xss,
    "scan.bad_user_agent": scenarios.detect_bad_user_agent,
    "scan.admin_interface": scenarios.detect_admin_interface,
    "scan.wordpress": scenarios.detect_wordpress_scan,
    "bruteforce.generic": scenarios.detect_generic_bf,
    "dos.switching_ua": scenarios.detect_switching_ua,
    "dos.bypass_cache": scenarios.detect_bypass_cache,
    "dos.random_uri": scenarios.detect_random_uri,
    "flood.ip": floods.detect_flood_ip,
    "flood.distributed": floods.detect_distributed,
    "burst.errors": floods.detect_error_burst,
    "flood.url": floods.detect_url_flood,
    "bruteforce.stuffing": stuffing.detect_stuffing,
}
"""Every detector function, by registry id."""


@dataclass(frozen=True)
class DetectorFailure:
    """A detector that raised instead of answering: its incidents are missing."""

    detector: str
    """Registry id of the detector."""
    error: str
    """Exception type and message, one line."""

    def line(self) -> str:
        """``detector scan.probing failed: ValueError: …``."""
        return f"detector {self.detector} failed: {self.error}"


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


def detect_all(df: pl.DataFrame, settings: Settings | None = None) -> Detection:
    """Run every registered detector not in ``settings.disabled`` on ``df``."""
    settings = settings or Settings()
    df = conform(df)
    incidents: list[Incident] = []
    failures: list[DetectorFailure] = []
    for spec in SPECS:
        if spec.id in settings.disabled:
            continue
        try:
            incidents += DETECTORS[spec.id](df, settings.of(spec.id))
        except Exception as exc:  # one broken detector must not lose the others
            logger.exception("detector %s failed", spec.id)
            message = " ".join(str(exc).split())[:300]
            failures.append(DetectorFailure(spec.id, f"{type(exc).__name__}: {message}"))
    incidents.sort(key=lambda i: (i.start, i.kind, i.sources))
    return Detection(incidents, failures)
