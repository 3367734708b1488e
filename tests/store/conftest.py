"""Fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests use ``REMPART_TEST_PG_URL`` (default: user ``postgres`` on
127.0.0.1:5432, database ``test``). Each test gets a fresh schema, selected
through ``options=-csearch_path=…`` in the URL, dropped afterwards. An
unreachable server fails the tests: CI guarantees one.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from rempart.store import Store

PG_URL = os.environ.get("REMPART_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """An autocommit engine on the test database, checked to be reachable."""
    engine = create_engine(
        PG_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except SQLAlchemyError as exc:
        engine.dispose()
        pytest.fail(f"PostgreSQL test server unreachable at {PG_URL}: {exc}", pytrace=False)
    yield engine
    engine.dispose()


def _pg_schema_url(admin: Engine) -> Iterator[str]:
    """Create a fresh schema, yield a URL that uses it, drop it afterwards."""
    schema = f"rempart_t_{secrets.token_hex(6)}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql("SET lock_timeout = '10s'")
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A ``--db`` value for an empty store: a SQLite file path, or a PG schema URL."""
    if request.param == "sqlite":
        yield str(tmp_path / "data" / "store.db")
        return
    yield from _pg_schema_url(request.getfixturevalue("pg_admin"))


@pytest.fixture
def pg_url(pg_admin: Engine) -> Iterator[str]:
    """A PostgreSQL-only ``--db`` value (a fresh schema), for what SQLite does not have."""
    yield from _pg_schema_url(pg_admin)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated, empty store."""
    with Store.open(db_url) as opened:
        yield opened
