"""Dashboard sessions: logins to ``rempart serve`` survive a restart of the server.

Each row is one logged-in browser, known by the SHA-256 of its cookie token (the
token itself is never stored), with its user, its CSRF token and its expiry.

Revision ID: 0006_web_sessions
Revises: 0005_finding_sort_keys
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_web_sessions"
down_revision: str | Sequence[str] | None = "0005_finding_sort_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the web_sessions table and its expiry index."""
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(), primary_key=True),
        sa.Column("user", sa.String(), nullable=False),
        sa.Column("csrf", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_web_sessions_expires_at", "web_sessions", ["expires_at"])


def downgrade() -> None:
    """Drop the web_sessions table (everyone logged in must log in again)."""
    op.drop_index("ix_web_sessions_expires_at", table_name="web_sessions")
    op.drop_table("web_sessions")
