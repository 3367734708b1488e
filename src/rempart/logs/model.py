"""What log analysis reads and produces: the request table and incidents.

Parsing turns log lines into a polars DataFrame with the columns of
:data:`SCHEMA` (one row per request, in file order, never sorted by the
parser). Detectors read such a frame and return :class:`Incident` values;
they know nothing of files, stores or output.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import polars as pl

from rempart.model.findings import Severity

# source   file the line came from (as given)
# line     1-based line number in that file
# ts       request time, UTC (the log's own offset applied)
# ip       client address as logged (IPv4 or IPv6 text)
# path     path without the query string, as logged (not decoded)
# query    query string without the "?" ("" when none)
# bytes    response size (0 for "-")
# ua       user agent ("" when absent, as in the common format)
# host     virtual host when the format has one, else ""
SCHEMA: dict[str, pl.DataType] = {
    "source": pl.String(),
    "line": pl.Int64(),
    "ts": pl.Datetime("us", "UTC"),
    "ip": pl.String(),
    "method": pl.String(),
    "path": pl.String(),
    "query": pl.String(),
    "status": pl.Int32(),
    "bytes": pl.Int64(),
    "referer": pl.String(),
    "ua": pl.String(),
    "host": pl.String(),
}
"""Columns and types of the request table every detector reads."""


@dataclass(frozen=True)
class BadLines:
    """Lines that could not be read, reported rather than lost."""

    count: int = 0
    examples: tuple[str, ...] = ()
    """Up to a few one-line reasons naming file and line (``access.log:12: no timestamp``)."""


@dataclass(frozen=True)
class Incident:
    """Something an attacker did, as one detector saw it."""

    kind: str
    """Detector id, e.g. ``bruteforce.wordpress`` or ``scan.probing``."""
    severity: Severity
    start: datetime
    end: datetime
    sources: tuple[str, ...]
    """IPs or networks (CIDR) responsible."""
    count: int
    """Requests involved."""
    evidence: tuple[str, ...] = ()
    """A few sample lines, as logged (``file:line: text``), bounded."""
    summary: str = ""
    """One line, plain words."""
    details: tuple[tuple[str, str], ...] = field(default=())
    """Extra facts (``("paths", "37")``)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "severity": self.severity.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "sources": list(self.sources),
            "count": self.count,
            "summary": self.summary,
            "evidence": list(self.evidence),
            "details": dict(self.details),
        }
