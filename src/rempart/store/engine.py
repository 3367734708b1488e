"""Engines tuned for the store: SQLite pragmas and locking, PostgreSQL timeouts."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.pool import StaticPool

logger = logging.getLogger(__name__)

SQLITE_BEGIN = "rempart_sqlite_begin"
"""Execution option: how SQLite transactions begin (``IMMEDIATE`` or ``DEFERRED``).

Writers begin ``IMMEDIATE`` (take the write lock first, waiting up to the busy
timeout) so that a read-then-write transaction never fails half-way with
``database is locked``; readers pass ``DEFERRED``.
"""

BUSY_TIMEOUT_S = 30
PG_CONNECT_TIMEOUT_S = 10


def _json_dumps(value: object) -> str:
    """JSON for the JSON columns; values JSON does not know become strings."""
    return json.dumps(value, default=str, ensure_ascii=False)


def create_store_engine(url: str | URL) -> Engine:
    """An engine for ``url`` (SQLite or PostgreSQL), not yet connected."""
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        return _sqlite_engine(sa_url)
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in sa_url.query:
        connect_args["connect_timeout"] = PG_CONNECT_TIMEOUT_S
    return create_engine(
        sa_url, pool_pre_ping=True, json_serializer=_json_dumps, connect_args=connect_args
    )


def _sqlite_engine(url: URL) -> Engine:
    """A SQLite engine: WAL, busy timeout, foreign keys, explicit BEGIN.

    An in-memory database (``sqlite://``, for tests) is one connection shared
    by every thread, so that all of them see the same tables; it is not meant
    for concurrent use.
    """
    connect_args: dict[str, Any] = {"timeout": BUSY_TIMEOUT_S}
    extra: dict[str, Any] = {}
    if url.database in (None, "", ":memory:"):
        connect_args["check_same_thread"] = False
        extra["poolclass"] = StaticPool
    engine = create_engine(url, json_serializer=_json_dumps, connect_args=connect_args, **extra)
    _accept_index_hints(engine)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _accept_index_hints(engine: Engine) -> None:
    """Let this engine write ``select(...).with_hint(table, "INDEXED BY ix", "sqlite")``.

    SQLAlchemy's SQLite dialect drops table hints (it has no ``get_from_hint_text``);
    this engine's compiler writes them after the table name, as SQLite's ``INDEXED BY``
    wants. Only this engine's dialect is changed.
    """
    base: Any = engine.dialect.statement_compiler

    class _HintingCompiler(base):
        def get_from_hint_text(self, table: Any, text: str | None) -> str | None:
            return text

    engine.dialect.statement_compiler = _HintingCompiler


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    """Set the pragmas, and let SQLAlchemy (not ``sqlite3``) emit BEGIN.

    With ``isolation_level = None`` the driver no longer opens transactions by
    itself (it skips them for DDL and SELECT), so migrations are transactional
    and :func:`_sqlite_on_begin` chooses the locking mode.
    """
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")  # safe with WAL: no fsync per commit
        _enable_wal(cursor)
    finally:
        cursor.close()


def _enable_wal(cursor: Any) -> None:
    """Switch the database to WAL, retrying while another process holds a lock.

    The switch needs an exclusive lock and SQLite does not always call the
    busy handler for it (two processes creating the same new file at once),
    so waiting is done here, up to the busy timeout.
    """
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
        return
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL").fetchall()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _sqlite_on_begin(conn: Connection) -> None:
    """Begin a SQLite transaction, ``IMMEDIATE`` unless told ``DEFERRED``."""
    mode = conn.get_execution_options().get(SQLITE_BEGIN, "IMMEDIATE")
    conn.exec_driver_sql(f"BEGIN {'DEFERRED' if mode == 'DEFERRED' else 'IMMEDIATE'}")
