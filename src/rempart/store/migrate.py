"""Programmatic Alembic: bring a store's schema up to date when it is opened."""

from __future__ import annotations

import logging
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from rempart.errors import StoreError
from rempart.store.engine import SQLITE_BEGIN

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

PG_MIGRATION_LOCK = 0x52454D50  # "REMP": serialises concurrent migrations on PostgreSQL


def alembic_config() -> Config:
    """An Alembic config pointing at the packaged migrations (no ini file)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return config


def head_revision() -> str | None:
    """The newest revision shipped with this version of Rempart."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision the database is at (None for an empty database)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate the database to the head revision, once, even with rivals.

    A read-only look first: an up-to-date store is not locked at all. Otherwise
    the upgrade runs in one transaction that holds the write lock (SQLite
    ``BEGIN IMMEDIATE``) or an advisory lock (PostgreSQL), so two processes
    opening a new store at once do not both create the tables.
    """
    head = head_revision()
    with engine.connect() as conn:
        conn.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
        if current_revision(conn) == head:
            return
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        _check_known(conn)
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    logger.info("store migrated to revision %s", head)


def _check_known(conn: Connection) -> None:
    """Refuse a database written by a newer Rempart (an unknown revision)."""
    current = current_revision(conn)
    if current is None:
        return
    script = ScriptDirectory.from_config(alembic_config())
    if current not in {rev.revision for rev in script.walk_revisions()}:
        raise StoreError(
            f"the store is at schema revision {current!r}, unknown to this Rempart "
            f"(newest known: {script.get_current_head()!r}): upgrade Rempart"
        )
