"""Dashboard sessions in the store: saved, read back live only, pruned, capped, dropped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlalchemy import select

from rempart.store import Store
from rempart.store import schema as t
from rempart.store.store import WebSession

T0 = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _session(name: str, created: datetime, ttl: timedelta = HOUR) -> WebSession:
    return WebSession(f"hash-{name}", "admin", f"csrf-{name}", created, created + ttl)


def _hashes(store: Store) -> list[str]:
    c = t.web_sessions.c
    with store._engine.connect() as conn:
        return list(conn.execute(select(c.token_hash).order_by(c.token_hash)).scalars())


def test_session_read_back_until_it_expires(store: Store) -> None:
    a = _session("a", T0)
    store.add_session(a, now=T0, keep=10)
    assert store.session("hash-a", now=T0) == a
    assert store.session("hash-a", now=T0 + HOUR - timedelta(seconds=1)) == a
    assert store.session("hash-b", now=T0) is None
    # expired: never returned (the row stays until pruned)
    assert store.session("hash-a", now=T0 + HOUR) is None
    assert _hashes(store) == ["hash-a"]
    assert store.prune_sessions(now=T0 + HOUR, keep=10) == 1
    assert _hashes(store) == []


def test_adding_prunes_expired_and_keeps_the_newest(store: Store) -> None:
    store.add_session(_session("old", T0 - 2 * HOUR), now=T0 - 2 * HOUR, keep=3)
    for i, name in enumerate(("a", "b", "c")):
        store.add_session(_session(name, T0 + i * timedelta(minutes=1)), now=T0, keep=3)
    # "old" expired an hour ago: gone at the first add at T0
    assert _hashes(store) == ["hash-a", "hash-b", "hash-c"]
    store.add_session(_session("d", T0 + timedelta(minutes=5)), now=T0, keep=3)
    # the oldest ("a") went to keep three
    assert _hashes(store) == ["hash-b", "hash-c", "hash-d"]
    assert store.session("hash-a", now=T0) is None
    assert store.session("hash-d", now=T0) == _session("d", T0 + timedelta(minutes=5))


def test_drop_session(store: Store) -> None:
    store.add_session(_session("a", T0), now=T0, keep=10)
    store.add_session(_session("b", T0), now=T0, keep=10)
    store.drop_session("hash-a")
    store.drop_session("hash-nope")
    assert store.session("hash-a", now=T0) is None
    assert _hashes(store) == ["hash-b"]


def test_times_come_back_utc(store: Store) -> None:
    paris = datetime(2025, 3, 10, 13, 0, tzinfo=timezone(timedelta(hours=1)))  # T0
    store.add_session(_session("a", paris), now=T0, keep=10)
    found = store.session("hash-a", now=T0)
    assert found is not None
    assert (found.created_at, found.expires_at) == (T0, T0 + HOUR)
    assert found.created_at.tzinfo is UTC and found.expires_at.tzinfo is UTC
