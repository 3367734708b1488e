"""Event details: a verdict's reasons, an incident's evidence lines, kept with the event.

Revision ID: 0004_event_details
Revises: 0003_dashboard_indexes
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_event_details"
down_revision: str | Sequence[str] | None = "0003_dashboard_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add the nullable ``details`` column to ``events``."""
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))


def downgrade() -> None:
    """Drop ``events.details``."""
    with op.batch_alter_table("events") as batch:
        batch.drop_column("details")
