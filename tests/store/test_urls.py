"""default_db_path and resolve_db_url: turning --db into a URL."""

from __future__ import annotations

from pathlib import Path

import pytest

from rempart.errors import StoreError
from rempart.store import default_db_path, resolve_db_url


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No REMPART_DB from the caller; the user data dir inside tmp_path."""
    monkeypatch.delenv("REMPART_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def test_default_path_is_in_user_data_dir(tmp_path: Path) -> None:
    assert default_db_path() == tmp_path / "xdg" / "rempart" / "rempart.db"


def test_none_resolves_to_default_file_and_creates_folder(tmp_path: Path) -> None:
    url = resolve_db_url(None)
    assert url == f"sqlite:///{tmp_path / 'xdg' / 'rempart' / 'rempart.db'}"
    assert (tmp_path / "xdg" / "rempart").is_dir()


def test_env_path_replaces_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("REMPART_DB", str(tmp_path / "env" / "r.db"))
    assert default_db_path() == tmp_path / "env" / "r.db"
    assert resolve_db_url(None) == f"sqlite:///{tmp_path / 'env' / 'r.db'}"


def test_env_url_is_used_as_db_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMPART_DB", "postgres://u@db/rempart")
    assert resolve_db_url(None) == "postgresql+psycopg://u@db/rempart"


def test_plain_path_becomes_absolute_sqlite_url(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_db_url("sub/dir/x.db") == f"sqlite:///{tmp_path / 'sub' / 'dir' / 'x.db'}"
    assert (tmp_path / "sub" / "dir").is_dir()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("sqlite:///rel.db", "sqlite:///rel.db"),
        ("postgresql://u:pw@h:5432/d", "postgresql+psycopg://u:pw@h:5432/d"),
        ("postgres://u@h/d", "postgresql+psycopg://u@h/d"),
        (
            "postgresql+psycopg://u@h/d?sslmode=require",
            "postgresql+psycopg://u@h/d?sslmode=require",
        ),
    ],
)
def test_urls(given: str, expected: str) -> None:
    assert resolve_db_url(given) == expected


@pytest.mark.parametrize("given", ["mysql://u:secret@h/d", "postgresql+asyncpg://u@h/d", "  "])
def test_unsupported_values_are_store_errors(given: str) -> None:
    with pytest.raises(StoreError) as info:
        resolve_db_url(given)
    message = str(info.value)
    assert "\n" not in message
    assert "secret" not in message
    assert "--db" in message
