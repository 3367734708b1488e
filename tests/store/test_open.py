"""Opening a store: migrations, reopening, and clear errors."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from rempart.errors import StoreError
from rempart.store import Store, resolve_db_url
from rempart.store.engine import create_store_engine
from rempart.store.migrate import head_revision
from rempart.store.schema import metadata

TABLES = {"runs", "findings", "finding_history", "scope_state", "events", "alembic_version",
          "checkpoints", "web_sessions"}  # fmt: skip
# the finding search index (migration 0007), which the metadata does not describe: on
# SQLite an FTS5 table and its shadow tables, on PostgreSQL GIN trigram indexes
FTS_TABLES = {"findings_fts", "findings_fts_data", "findings_fts_idx", "findings_fts_docsize",
              "findings_fts_config"}  # fmt: skip
SEARCH_INDEXES = {f"ix_findings_search_{c}" for c in ("title", "target", "check", "scope",
                                                       "evidence")}  # fmt: skip


def _revision(url: str) -> str | None:
    engine = create_store_engine(resolve_db_url(url))
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def test_open_migrates_then_reopen_is_idempotent(db_url: str) -> None:
    with Store.open(db_url) as store:
        run = store.start_run("audit", {"campaign": "c.toml"})
    assert _revision(db_url) == head_revision() == "0007_finding_search"
    with Store.open(db_url) as store:
        assert store.start_run("audit", {}) == run + 1
    assert _revision(db_url) == "0007_finding_search"


def _described(name: str | None, type_: str, _parent: object) -> bool:
    """Whether the comparison looks at an object: all but the search index's."""
    if type_ == "table":
        return name not in FTS_TABLES
    return not (type_ == "index" and name in SEARCH_INDEXES)


def test_tables_match_models(store: Store) -> None:
    engine = store._engine
    sqlite = engine.dialect.name == "sqlite"
    insp = inspect(engine)
    assert set(insp.get_table_names()) == TABLES | (FTS_TABLES if sqlite else set())
    indexes = {ix["name"] for ix in insp.get_indexes("findings")}
    assert indexes & SEARCH_INDEXES == (set() if sqlite else SEARCH_INDEXES)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_name": _described}
        context = MigrationContext.configure(conn, opts=opts)
        assert compare_metadata(context, metadata) == []


def test_sqlite_pragmas(tmp_path: Path) -> None:
    with Store.open(str(tmp_path / "p.db")) as store, store._engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_newer_schema_is_refused(db_url: str) -> None:
    with Store.open(db_url) as store, store._engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    with pytest.raises(StoreError, match=r"0099_future.*upgrade Rempart"):
        Store.open(db_url)


def test_text_file_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError) as info:
        Store.open(str(path))
    message = str(info.value)
    assert message.startswith(f"cannot open store sqlite:///{path}: ")
    assert "not a database" in message
    assert "\n" not in message


def test_directory_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"^cannot open store sqlite:///.*: unable to open"):
        Store.open(str(tmp_path))


def test_unreachable_postgres_hides_password() -> None:
    url = "postgresql://rempart:hunter2@127.0.0.1:1/nowhere"
    with pytest.raises(StoreError) as info:
        Store.open(url)
    message = str(info.value)
    assert message.startswith("cannot open store postgresql+psycopg://rempart:***@127.0.0.1:1/")
    assert "hunter2" not in message
    assert "\n" not in message


def test_bad_url_is_store_error() -> None:
    with pytest.raises(StoreError, match="unsupported --db value"):
        Store.open("oracle://scott:tiger@h/db")


def test_in_memory_store_is_shared_by_threads() -> None:
    with Store.open("sqlite://") as store:
        runs: list[int] = []
        worker = threading.Thread(target=lambda: runs.append(store.start_run("audit", {})))
        worker.start()
        worker.join()
        assert store.start_run("audit", {}) == runs[0] + 1
