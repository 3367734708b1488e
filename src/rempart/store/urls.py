"""Where the store lives: the default file, and turning ``--db`` into a URL."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from platformdirs import user_data_dir
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from rempart.errors import StoreError

logger = logging.getLogger(__name__)

ENV_VAR = "REMPART_DB"
"""Environment variable that replaces the default ``--db`` value."""

_PG_PREFIXES = ("postgresql://", "postgres://")
_PG_DRIVER = "postgresql+psycopg://"


def _env_db() -> str | None:
    """The ``REMPART_DB`` value, or None when unset or blank."""
    value = os.environ.get(ENV_VAR, "").strip()
    return value or None


def default_db_path() -> Path:
    """The default store file: ``<user data dir>/rempart/rempart.db``.

    When ``REMPART_DB`` holds a plain path, that path is the default instead.
    (When it holds a URL, :func:`resolve_db_url` uses it, and this function
    still answers the per-user file, since a URL is not a path.)
    """
    env = _env_db()
    if env is not None and "://" not in env:
        return Path(env).expanduser()
    return Path(user_data_dir("rempart")) / "rempart.db"


def redact(url: str) -> str:
    """``url`` with any password replaced by ``***``, safe to show or log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_url_for(path: Path) -> str:
    """A ``sqlite:///ABS`` URL for ``path``, creating its parent folders."""
    path = path.expanduser().resolve()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the folder {path.parent}: {exc.strerror or exc}") from exc
    return f"sqlite:///{path}"


def resolve_db_url(db: str | None) -> str:
    """Turn a ``--db`` value into an SQLAlchemy URL.

    None means ``REMPART_DB`` if set, else :func:`default_db_path`. A plain
    path becomes ``sqlite:///ABS``; ``sqlite://`` URLs are kept;
    ``postgresql://`` and ``postgres://`` get the psycopg 3 driver.
    """
    if db is None:
        env = _env_db()
        return resolve_db_url(env) if env is not None else _sqlite_url_for(default_db_path())
    value = db.strip()
    if not value:
        raise StoreError("empty --db value: give a file path, sqlite:///PATH or postgresql://…")
    if "://" not in value:
        return _sqlite_url_for(Path(value))
    if value.startswith(("sqlite://", _PG_DRIVER)):
        return value
    for prefix in _PG_PREFIXES:
        if value.startswith(prefix):
            return _PG_DRIVER + value[len(prefix) :]
    raise StoreError(
        f"unsupported --db value {redact(value)!r}: "
        "give a file path, sqlite:///PATH or postgresql://USER@HOST/DB"
    )
