"""Finding search index: the dashboard's search no longer scans the whole table.

A search matches its query as plain text anywhere in five columns (title, target,
check, scope, evidence), ignoring ASCII case. Until now every search read every row
(~120-170 ms at 100,000 findings). This revision adds a trigram index that yields a
superset of the matches, which the store then checks with the exact LIKE clause:

- SQLite: an FTS5 table ``findings_fts`` (``tokenize='trigram'``, SQLite >= 3.34),
  external content (it stores only the index; the text stays in ``findings``, joined
  by rowid), kept in sync by three triggers and filled from the rows already there.
- PostgreSQL: one GIN ``gin_trgm_ops`` index per searched column (``pg_trgm``),
  which serves ``col ILIKE pattern``. The extension is created if the role may
  (trusted from PostgreSQL 13); if it cannot be, no index is made and search stays
  a scan (the store says so when opened).

Queries shorter than three characters have no trigram: they still scan.

Revision ID: 0007_finding_search
Revises: 0006_web_sessions
Create Date: 2026-11-28
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Sequence

from alembic import op
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

revision: str = "0007_finding_search"
down_revision: str | Sequence[str] | None = "0006_web_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

logger = logging.getLogger("rempart.store.migrations")

_COLUMNS = ("title", "target", "check", "scope", "evidence")  # frozen at this revision
_FTS_MIN_SQLITE = (3, 34, 0)  # the trigram tokenizer
_TRIGGERS = ("findings_fts_insert", "findings_fts_delete", "findings_fts_update")


def _pg_index(column: str) -> str:
    return f"ix_findings_search_{column}"


def upgrade() -> None:
    """Index the searched columns (FTS5 trigram table, or pg_trgm GIN indexes)."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        _sqlite_upgrade(conn)
    else:
        _pg_upgrade(conn)


def downgrade() -> None:
    """Drop the search index: search scans the table again."""
    conn = op.get_bind()
    if conn.dialect.name == "sqlite":
        for trigger in _TRIGGERS:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger}")
        conn.exec_driver_sql("DROP TABLE IF EXISTS findings_fts")
    else:
        for column in _COLUMNS:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {_pg_index(column)}")
        # pg_trgm stays: other schemas of the database may use it


def _sqlite_upgrade(conn: Connection) -> None:
    """The FTS5 table over ``findings``, its triggers, then the rows already there."""
    version = conn.exec_driver_sql("SELECT sqlite_version()").scalar_one()
    if tuple(int(p) for p in str(version).split(".")[:3]) < _FTS_MIN_SQLITE:
        raise sqlite3.NotSupportedError(
            f"SQLite {version} is too old for the finding search index (trigram "
            f"tokenizer): SQLite 3.34 or newer is needed (Python built with it)"
        )
    cols = ", ".join(f'"{c}"' for c in _COLUMNS)
    new = ", ".join(f'new."{c}"' for c in _COLUMNS)
    old = ", ".join(f'old."{c}"' for c in _COLUMNS)
    conn.exec_driver_sql(
        f"CREATE VIRTUAL TABLE findings_fts USING fts5({cols}, "
        "content='findings', content_rowid='rowid', tokenize='trigram')"
    )
    # external content: the index is told the old values to remove ('delete'), so
    # the UPDATE trigger fires only when a searched column is written (an upsert
    # sets title, scope and evidence: it fires; a status change does not)
    remove = (
        f"INSERT INTO findings_fts(findings_fts, rowid, {cols}) "
        f"VALUES ('delete', old.rowid, {old});"
    )
    add = f"INSERT INTO findings_fts(rowid, {cols}) VALUES (new.rowid, {new});"
    conn.exec_driver_sql(
        f"CREATE TRIGGER findings_fts_insert AFTER INSERT ON findings BEGIN {add} END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER findings_fts_delete AFTER DELETE ON findings BEGIN {remove} END"
    )
    conn.exec_driver_sql(
        f"CREATE TRIGGER findings_fts_update AFTER UPDATE OF {cols} ON findings "
        f"BEGIN {remove} {add} END"
    )
    conn.exec_driver_sql("INSERT INTO findings_fts(findings_fts) VALUES ('rebuild')")


def _pg_upgrade(conn: Connection) -> None:
    """pg_trgm (if it can be had), then one GIN trigram index per searched column."""
    schema = _pg_trgm_schema(conn)
    if schema is None:
        return
    opclass = f"{conn.dialect.identifier_preparer.quote_schema(schema)}.gin_trgm_ops"
    for column in _COLUMNS:
        conn.exec_driver_sql(
            f'CREATE INDEX {_pg_index(column)} ON findings USING gin ("{column}" {opclass})'
        )


def _pg_trgm_schema(conn: Connection) -> str | None:
    """The schema holding pg_trgm, created (in a savepoint) if missing; None if it
    cannot be (not installed on the server, or the role may not create it)."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig or exc).split())
        logger.warning("no finding search index (search scans the table): %s", reason)
        return None
    found = conn.exec_driver_sql(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'pg_trgm'"
    ).scalar_one()
    return str(found)
