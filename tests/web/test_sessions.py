"""Dashboard sessions kept in the store: they survive a restart, logout ends them, they
expire and are pruned, only the token's hash is stored, each has its own CSRF token,
and a store that cannot be read refuses the session instead of failing the request."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from rempart.errors import StoreError
from rempart.store import Store
from rempart.store import schema as t
from rempart.store.store import WebSession
from rempart.web.app import SESSION_COOKIE, create_app
from rempart.web.auth import SESSION_TTL, AuthConfig, MemorySessionStore, Sessions, token_hash
from tests.store.conftest import _pg_schema_url, pg_admin  # noqa: F401
from tests.web.conftest import BASE, FINDINGS, NOW, PASSWORD, campaign, seed

T0 = 1_741_608_000.0
"""2025-03-10 12:00 UTC, as the sessions' clock (seconds since the epoch)."""


@pytest.fixture(params=["sqlite", "postgresql"])
def web_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A seeded store, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        url = str(tmp_path / "store.db")
        seed(url)
        yield url
        return
    for url in _pg_schema_url(request.getfixturevalue("pg_admin")):
        seed(url)
        yield url


def _app(db: str, password_hash: str, clock: list[float] | None = None) -> FastAPI:
    app = create_app(db, campaign(), auth=AuthConfig(password_hash), now=lambda: NOW)
    if clock is not None:
        app.state.web.sessions.clock = lambda: clock[0]
    return app


def _login(c: TestClient) -> str:
    r = c.post("/login", data={"password": PASSWORD}, follow_redirects=False)
    assert (r.status_code, r.headers["location"]) == (303, "/")
    token = c.cookies.get(SESSION_COOKIE)
    assert token
    return token


def _rows(db: str) -> list[dict[str, object]]:
    with Store.open(db) as store, store._engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(t.web_sessions)).mappings()]


def _logged_in(c: TestClient) -> bool:
    r = c.get("/", follow_redirects=False)
    assert r.status_code in (200, 303)
    return r.status_code == 200


def test_session_survives_a_restart_then_logout_ends_it(web_db: str, password_hash: str) -> None:
    with TestClient(_app(web_db, password_hash), base_url=BASE) as first:
        token = _login(first)
        csrf = first.get("/api/session").json()["csrf"]
    # a new app on the same store: the server restarted
    with TestClient(_app(web_db, password_hash), base_url=BASE) as second:
        second.cookies.set(SESSION_COOKIE, token)
        assert _logged_in(second)
        assert second.get("/api/session").json() == {"user": "admin", "csrf": csrf}
        body = {"status": "accepted", "by": "x", "reason": "y"}
        ok = second.post(f"/api/findings/{FINDINGS[0].id}/status", json=body,
                         headers={"X-CSRF-Token": csrf})  # fmt: skip
        assert ok.status_code == 200
        out = second.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert _rows(web_db) == []
        second.cookies.set(SESSION_COOKIE, token)
        assert not _logged_in(second)
        assert second.get("/api/session").status_code == 401
    with TestClient(_app(web_db, password_hash), base_url=BASE) as third:
        third.cookies.set(SESSION_COOKIE, token)
        assert not _logged_in(third)


def test_store_holds_the_hash_not_the_token(web_db: str, password_hash: str) -> None:
    with TestClient(_app(web_db, password_hash, [T0]), base_url=BASE) as c:
        token = _login(c)
        csrf = c.get("/api/session").json()["csrf"]
    created = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert _rows(web_db) == [
        {
            "token_hash": hashlib.sha256(token.encode()).hexdigest(),
            "user": "admin",
            "csrf": csrf,
            "created_at": created,
            "expires_at": created + timedelta(seconds=SESSION_TTL),
        }
    ]
    # the hash itself is not a cookie that works
    with TestClient(_app(web_db, password_hash, [T0]), base_url=BASE) as c:
        c.cookies.set(SESSION_COOKIE, token_hash(token))
        assert not _logged_in(c)


def test_expired_session_is_refused_then_pruned(web_db: str, password_hash: str) -> None:
    clock = [T0]
    with TestClient(_app(web_db, password_hash, clock), base_url=BASE) as c:
        old = _login(c)
        clock[0] = T0 + SESSION_TTL - 1
        assert _logged_in(c)
        clock[0] = T0 + SESSION_TTL
        assert not _logged_in(c)
        assert [r["token_hash"] for r in _rows(web_db)] == [token_hash(old)]  # not yet pruned
        new = _login(c)  # each login prunes the expired
        assert [r["token_hash"] for r in _rows(web_db)] == [token_hash(new)]
        c.cookies.clear()
        c.cookies.set(SESSION_COOKIE, old)
        assert not _logged_in(c)


def test_csrf_token_is_per_session(web_db: str, password_hash: str) -> None:
    app = _app(web_db, password_hash)
    with TestClient(app, base_url=BASE) as a, TestClient(app, base_url=BASE) as b:
        _login(a)
        _login(b)
        csrf_a = a.get("/api/session").json()["csrf"]
        csrf_b = b.get("/api/session").json()["csrf"]
        assert csrf_a != csrf_b
        assert app.state.web.csrf not in (csrf_a, csrf_b)
        body = {"status": "accepted", "by": "x", "reason": "y"}
        url = f"/api/findings/{FINDINGS[0].id}/status"
        assert b.post(url, json=body, headers={"X-CSRF-Token": csrf_a}).status_code == 403
        assert b.post(url, json=body, headers={"X-CSRF-Token": csrf_b}).status_code == 200
        # logging out b leaves a logged in
        assert b.post("/logout", data={"csrf_token": csrf_b}).status_code == 200  # the login page
        assert _logged_in(a) and not _logged_in(b)


class _Unreachable:
    """A session store whose database is down."""

    def add_session(self, session: WebSession, *, now: datetime, keep: int) -> None:
        raise StoreError("store postgresql://rempart@db/rempart: connection refused")

    def session(self, token_hash: str, *, now: datetime) -> WebSession | None:
        raise StoreError("store postgresql://rempart@db/rempart: connection refused")

    def drop_session(self, token_hash: str) -> None:
        raise StoreError("store postgresql://rempart@db/rempart: connection refused")


def test_unreachable_store_refuses_the_session(
    db: str, password_hash: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = _app(db, password_hash)
    with TestClient(app, base_url=BASE) as c:
        token = _login(c)
        real = app.state.web.sessions.store
        app.state.web.sessions.store = _Unreachable()
        with caplog.at_level(logging.WARNING, logger="rempart.web.auth"):
            r = c.get("/", follow_redirects=False)
            assert (r.status_code, r.headers["location"]) == (303, "/login")
            assert c.get("/api/session").status_code == 401
        assert [m for m in caplog.messages if "session refused" in m] == [
            "dashboard: session refused, the store cannot be read: "
            "store postgresql://rempart@db/rempart: connection refused"
        ] * 2
        # a login that cannot be saved is one clear 503, not a crash
        r = c.post("/login", data={"password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 503
        assert "the store cannot be read" in r.text
        assert "set-cookie" not in r.headers
        app.state.web.sessions.store = real  # the database is back
        c.cookies.set(SESSION_COOKIE, token)
        assert _logged_in(c)


def test_oversized_cookie_is_refused_unread() -> None:
    class Counting(MemorySessionStore):
        reads = 0

        def session(self, token_hash: str, *, now: datetime) -> WebSession | None:
            Counting.reads += 1
            return super().session(token_hash, now=now)

    sessions = Sessions(Counting(), clock=lambda: T0)
    made = sessions.create("admin")
    assert sessions.get(made.token) == made
    assert sessions.get("x" * 129) is None
    assert Counting.reads == 1


def test_memory_store_keeps_the_newest() -> None:
    now = [T0]
    sessions = Sessions(clock=lambda: now[0])
    made = []
    for _ in range(3):
        made.append(sessions.create("admin"))
        now[0] += 1
    memory = sessions.store
    assert isinstance(memory, MemorySessionStore)
    memory.add_session(
        WebSession("h", "admin", "c", datetime.fromtimestamp(now[0], UTC),
                   datetime.fromtimestamp(now[0] + SESSION_TTL, UTC)),
        now=datetime.fromtimestamp(now[0], UTC), keep=2,
    )  # fmt: skip
    # the two nearest their expiry went
    assert [sessions.get(s.token) for s in made] == [None, None, made[2]]
