"""Fixtures shared by every test package: the store on SQLite and PostgreSQL."""

from tests.store.conftest import db_url, pg_admin

__all__ = ["db_url", "pg_admin"]
