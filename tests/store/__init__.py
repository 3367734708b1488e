"""Tests of rempart.store, against SQLite and PostgreSQL."""
