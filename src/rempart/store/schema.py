"""The store's tables, as SQLAlchemy Core metadata.

The migrations in ``migrations/versions`` create exactly these tables; a test
checks that the two never drift apart. Every datetime column holds UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Computed,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    PostgreSQL keeps the offset (``timestamptz``); SQLite keeps none, so values
    are converted to UTC before writing and marked UTC again on reading.
    Naive values are taken as UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert to UTC (and drop the offset on SQLite, which cannot keep it)."""
        if value is None:
            return None
        aware = to_utc(value)
        return aware.replace(tzinfo=None) if dialect.name == "sqlite" else aware

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return a timezone-aware UTC datetime."""
        return None if value is None else to_utc(value)


def to_utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime; a naive value is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("analyzer", String(), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False),
    Column("params", JSON, nullable=False),
)

SORT_PREFIX = 200
"""Characters of title and target the ``title`` and ``target`` sorts look at (the
``title_key``/``target_key`` columns): a PostgreSQL index entry over ~2,700 bytes would
refuse the insert."""

findings = Table(
    "findings",
    metadata,
    Column("id", String(), primary_key=True),
    Column("analyzer", String(), nullable=False),
    Column("check", String(), nullable=False),
    Column("scope", Text, nullable=False),
    Column("scope_key", Text, nullable=False),
    Column("target", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("title", Text, nullable=False),
    Column("evidence", Text, nullable=False),
    Column("why", Text, nullable=False),
    Column("remediation", Text, nullable=False),
    Column("references", JSON, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    # the sort keys (migration 0005): computed by the database, never written (STORED on
    # PostgreSQL, VIRTUAL on SQLite: the migration decides)
    Column("title_key", Text, Computed(f"substr(title, 1, {SORT_PREFIX})"), nullable=True),
    Column("target_key", Text, Computed(f"substr(target, 1, {SORT_PREFIX})"), nullable=True),
    Index("ix_findings_analyzer_scope_status", "analyzer", "scope_key", "status"),
)
# The dashboard's indexes (migrations 0003 and 0005): each page of findings is read
# from one of them in order, so that neither a filter nor a deep page sorts the whole
# table. The sort orders' indexes end with the filter columns: a filtered page is an
# index-only walk too.
_FILTERS = (findings.c.status, findings.c.severity, findings.c.analyzer)
Index(
    "ix_findings_severity_last_seen",
    findings.c.severity,
    findings.c.last_seen.desc(),
    findings.c.id,
)
Index(
    "ix_findings_status_severity_last_seen",
    findings.c.status,
    findings.c.severity,
    findings.c.last_seen.desc(),
    findings.c.id,
)
Index(
    "ix_findings_analyzer_status_severity",
    findings.c.analyzer,
    findings.c.status,
    findings.c.severity,
)
Index(
    "ix_findings_title_key",
    findings.c.title_key,
    findings.c.target_key,
    findings.c.id,
    *_FILTERS,
)
Index(
    "ix_findings_target_key",
    findings.c.target_key,
    findings.c.check,
    findings.c.id,
    *_FILTERS,
)
Index("ix_findings_last_seen", findings.c.last_seen.desc(), findings.c.id, *_FILTERS)
Index("ix_findings_first_seen", findings.c.first_seen, findings.c.id, *_FILTERS)

finding_history = Table(
    "finding_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("finding_id", String(), ForeignKey("findings.id"), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("old_status", String(16), nullable=True),
    Column("new_status", String(16), nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=True),
    Column("by", String(), nullable=False),
    Column("reason", Text, nullable=False),
    Index("ix_finding_history_finding_id", "finding_id"),
)

scope_state = Table(
    "scope_state",
    metadata,
    Column("analyzer", String(), primary_key=True),
    Column("scope_key", Text, primary_key=True),
    Column("scope", Text, nullable=False),
    Column("last_run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("last_done_at", UTCDateTime, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("errors", JSON, nullable=False),
)

events = Table(
    "events",
    metadata,
    Column("id", String(), primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Column("kind", String(), nullable=False),
    Column("source", String(), nullable=False),
    Column("summary", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("targets", JSON, nullable=False),
    Column("indicators", JSON, nullable=False),
    Column("details", JSON, nullable=True),
    Index("ix_events_time", "time"),
    Index("ix_events_kind_time", "kind", "time"),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("key", String(), primary_key=True),
    Column("value", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


def scope_key(scope: str) -> str:
    """How scopes are compared: case-insensitively, like :func:`finding_id`."""
    return scope.lower()


web_sessions = Table(
    "web_sessions",
    metadata,
    # the SHA-256 (hex) of the session cookie's token: the token itself is never stored,
    # so reading the database gives no live session
    Column("token_hash", String(), primary_key=True),
    Column("user", String(), nullable=False),
    Column("csrf", String(), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_web_sessions_expires_at", "expires_at"),
)
"""The dashboard's logins (``rempart serve``), kept across restarts."""
