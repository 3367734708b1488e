"""Finding sort keys: every findings page, deep or filtered, read in index order.

Migration 0003 indexed ``substr(title, 1, 200)``, but PostgreSQL never answers from
an expression index alone, so a deep page sorted by title (offset 75,000 of 100,000)
sorted the table (~190 ms); sorts by target, newest and oldest had no index at all.
This revision adds the sort keys as generated columns (``title_key``, ``target_key``:
the first 200 characters; STORED on PostgreSQL, VIRTUAL on SQLite, both computed by
the database) and one index per sort order, each ending with the filter columns
(status, severity, analyzer) so that a filtered page is an index-only walk as well.

Revision ID: 0005_finding_sort_keys
Revises: 0004_event_details
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_finding_sort_keys"
down_revision: str | Sequence[str] | None = "0004_event_details"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PREFIX = 200  # rempart.store.schema.SORT_PREFIX, frozen at this revision
_FILTERS = ["status", "severity", "analyzer"]
_INDEXES: dict[str, list[Any]] = {
    "ix_findings_title_key": ["title_key", "target_key", "id", *_FILTERS],
    "ix_findings_target_key": ["target_key", "check", "id", *_FILTERS],
    "ix_findings_last_seen": [sa.text("last_seen DESC"), "id", *_FILTERS],
    "ix_findings_first_seen": ["first_seen", "id", *_FILTERS],
}


def upgrade() -> None:
    """Add the two generated sort keys, replace the title expression index, index
    every sort order."""
    # SQLite adds only VIRTUAL generated columns to a table; PostgreSQL indexes only
    # STORED ones (and defaults to VIRTUAL from version 18)
    persisted = None if op.get_bind().dialect.name == "sqlite" else True
    for name, source in (("title_key", "title"), ("target_key", "target")):
        computed = sa.Computed(f"substr({source}, 1, {_PREFIX})", persisted=persisted)
        op.add_column("findings", sa.Column(name, sa.Text(), computed, nullable=True))
    op.drop_index("ix_findings_title", table_name="findings")
    for name, columns in _INDEXES.items():
        op.create_index(name, "findings", columns)


def downgrade() -> None:
    """Back to revision 0004's indexes and columns."""
    for name in reversed(_INDEXES):
        op.drop_index(name, table_name="findings")
    op.create_index(
        "ix_findings_title",
        "findings",
        [
            sa.func.substr(sa.column("title"), 1, _PREFIX),
            sa.func.substr(sa.column("target"), 1, _PREFIX),
            "id",
        ],
    )
    for name in ("target_key", "title_key"):
        op.drop_column("findings", name)
