"""Dashboard indexes: findings pages read in index order, counts from an index.

``rempart serve`` pages through 100,000 findings sorted by severity (then newest)
or by title, filtered by status and severity, and counts them per analyzer,
status and severity for the overview: each of these reads one index in order
instead of sorting the table. The title index keeps only the first 200
characters of title and target (a longer PostgreSQL index entry is refused).

Revision ID: 0003_dashboard_indexes
Revises: 0002_checkpoints
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_dashboard_indexes"
down_revision: str | Sequence[str] | None = "0002_checkpoints"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PREFIX = 200  # rempart.store.schema.SORT_PREFIX, frozen at this revision


def upgrade() -> None:
    """Create the four dashboard indexes on ``findings``."""
    op.create_index(
        "ix_findings_severity_last_seen",
        "findings",
        ["severity", sa.text("last_seen DESC"), "id"],
    )
    op.create_index(
        "ix_findings_status_severity_last_seen",
        "findings",
        ["status", "severity", sa.text("last_seen DESC"), "id"],
    )
    op.create_index(
        "ix_findings_title",
        "findings",
        [
            sa.func.substr(sa.column("title"), 1, _PREFIX),
            sa.func.substr(sa.column("target"), 1, _PREFIX),
            "id",
        ],
    )
    op.create_index(
        "ix_findings_analyzer_status_severity", "findings", ["analyzer", "status", "severity"]
    )


def downgrade() -> None:
    """Drop the dashboard indexes."""
    for name in (
        "ix_findings_analyzer_status_severity",
        "ix_findings_title",
        "ix_findings_status_severity_last_seen",
        "ix_findings_severity_last_seen",
    ):
        op.drop_index(name, table_name="findings")
