"""The findings search through its trigram index (migration 0007), on both backends.

The index only narrows the rows the exact match is checked on: every search must find
exactly what the plain scan finds (the query as plain text anywhere in title, target,
check, scope or evidence, ASCII case folded), computed here in Python.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, text
from sqlalchemy.engine import Engine

from rempart.errors import StoreError
from rempart.model import Finding, Status
from rempart.store import Store

from ._helpers import make_finding, migrate, outcome

SEARCHED = ("title", "target", "check", "scope", "evidence")
GIN_INDEXES = {f"ix_findings_search_{c}" for c in SEARCHED}
FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

TITLES = (
    "No DMARC record",
    "Élection — dmarc policy is none",
    "élection: 100% of mail_from spoofable",
    'The "quoted" title AND NEAR(a b) with * star',
    "path /admin/ and 50%_off or a/b%c_d",
    "Ünïcödé ß straße ÉCOLE école",
    "x" * 600 + " tail",
    "it's o'clock; DROP TABLE findings; --",
    "tab\there, newline\nthere",
)
QUERIES = (
    "dmarc", "DMARC", "DmArC", "élection", "Élection", "ÉLECTION", "école", "ÉCOLE", "é",
    "É", "e", "ß", "straße", "STRASSE", "100%", "%", "%%", "_", "mail_from", "mail%from",
    "/", "a/b", "/%", "b%c_d", "50%_", '"', '""', '"quoted"', "AND", "and near", "NEAR(",
    "NEAR(a b)", "*", "star*", "* star", "'", "o'clock", "DROP TABLE", "--", "x", "xx",
    "xxx", "x" * 599, "x" * 600 + " tail", "x" * 601, "h0", "h00", ".", "..", "...",
    "example.org", "EXAMPLE.ORG", "tab\there", "\n", "e\nthere", "zz-none-zz", "  ",
    "   ", "check.1", "CHECK.1 ", "saw check.2 on", "a" * 3000,
)  # fmt: skip


def _findings() -> list[Finding]:
    found = []
    for k, title in enumerate(TITLES):
        for j in range(3):
            scope = ("example.org", "Élection.EXAMPLE.org", "a%b_c.example.org")[j]
            target = f"h{k:02d}{j}.{scope}" if j != 1 else f"HOST_{k}.{scope}"
            found.append(make_finding(f"check.{k % 4}", target, scope=scope, title=title))
    return found


def _record(store: Store, found: list[Finding]) -> None:
    by_scope: dict[str, list[Finding]] = {}
    for f in found:
        by_scope.setdefault(f.scope, []).append(f)
    run = store.start_run("audit", {})
    for scope, fs in by_scope.items():
        store.record_scope(run, "audit", outcome(scope, *fs))


def _expected(found: list[Finding], query: str) -> set[str]:
    """The plain scan's result, in Python: ASCII case folded, everything else as is."""
    q = query.translate(FOLD)
    return {f.id for f in found if any(q in getattr(f, c).translate(FOLD) for c in SEARCHED)}


def _found(store: Store, query: str, **kw: Any) -> set[str]:
    window = store.findings_window(query=query, limit=10_000, **kw)
    assert window.exact
    return {f.id for f in window.items}


def _check(store: Store, found: list[Finding], query: str) -> None:
    expected = _expected(found, query)
    # the counted search (collected up to the count limit), and the uncapped page
    assert _found(store, query, count_limit=10_000) == expected, query
    assert _found(store, query, count_limit=10_000, status=Status.OPEN) == expected, query
    total, page = store.findings_page(query=query, sort="title", limit=10_000)
    assert (total, {f.id for f in page}) == (len(expected), expected), query
    if len(expected) > 3:  # past the count limit: the page is read in index order
        window = store.findings_window(query=query, count_limit=3, sort="newest", limit=10_000)
        assert (window.total, window.exact) == (3, False)
        assert {f.id for f in window.items} == expected, query


@pytest.fixture
def seeded(store: Store) -> tuple[Store, list[Finding]]:
    found = _findings()
    _record(store, found)
    assert store._search_indexed
    return store, found


def test_indexed_search_finds_what_the_scan_finds(seeded: tuple[Store, list[Finding]]) -> None:
    store, found = seeded
    assert any(_expected(found, q) for q in QUERIES)
    assert not all(_expected(found, q) for q in QUERIES)
    for query in QUERIES:
        _check(store, found, query)
    store._search_indexed = False  # the plain scan itself, for the same queries
    for query in QUERIES:
        _check(store, found, query)


_TEXT = st.text(
    alphabet=st.sampled_from("aAbBeEéÉßx %_/\"*()'.-:0NEAR"), min_size=1, max_size=8
) | st.sampled_from([t[i : i + n] for t in TITLES for i in (0, 3, 9) for n in (2, 3, 5, 12)])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=_TEXT)
def test_any_query_finds_what_the_scan_finds(
    seeded: tuple[Store, list[Finding]], query: str
) -> None:
    store, found = seeded
    _check(store, found, query)


def _delete(store: Store, finding_id: str) -> None:
    with store._engine.begin() as conn:
        params = {"id": finding_id}
        conn.execute(text("DELETE FROM finding_history WHERE finding_id = :id"), params)
        conn.execute(text("DELETE FROM findings WHERE id = :id"), params)


def test_inserted_upserted_and_deleted_rows_are_kept_in_the_index(store: Store) -> None:
    first = make_finding("mail.dmarc", "one.example.org", title="Quokka sighting")
    second = make_finding("mail.spf", "two.example.org", title="Wombat crossing")
    _record(store, [first, second])
    assert _found(store, "quokka", count_limit=100) == {first.id}
    # seen again with a changed title (the upsert's UPDATE)
    renamed = make_finding("mail.dmarc", "one.example.org", title="Platypus now")
    _record(store, [renamed, second])
    assert _found(store, "quokka", count_limit=100) == set()
    assert _found(store, "PLATYPUS", count_limit=100) == {first.id}
    # a status change alone leaves the indexed text as it was
    store.set_status(first.id, Status.ACCEPTED, by="test", reason="ok")
    assert _found(store, "platypus", count_limit=100) == {first.id}
    _delete(store, second.id)
    assert _found(store, "wombat", count_limit=100) == set()
    assert _found(store, "example.org", count_limit=100) == {first.id}
    if store._engine.dialect.name == "sqlite":  # the FTS index agrees with its content
        with store._engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO findings_fts(findings_fts) VALUES ('integrity-check')"
            )


@contextmanager
def _statements(store: Store) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "LIMIT" in statement:
            seen.append((statement, params))

    event.listen(store._engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(store._engine, "before_cursor_execute", keep)


def test_a_search_reads_the_index(seeded: tuple[Store, list[Finding]]) -> None:
    """SQLite: the counted search's statement reads the FTS5 table. PostgreSQL: the GIN
    indexes exist and serve it (once a sequential scan is ruled out: with 27 rows the
    planner rightly prefers one)."""
    store, _found_rows = seeded
    with _statements(store) as seen:
        store.findings_window(query="dmarc", count_limit=100, sort="title")
        indexed, seen[:] = list(seen), []
        store.findings_window(query="dm", count_limit=100, sort="title")
    statement, params = indexed[0]
    marker = "findings_fts" if store._engine.dialect.name == "sqlite" else "ILIKE"
    assert marker in statement
    assert marker not in seen[0][0]  # two characters: no trigram, a scan
    with store._engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
            assert "VIRTUAL TABLE INDEX" in " | ".join(str(row[-1]) for row in plan)
            return
        indexes = conn.exec_driver_sql(
            "SELECT indexname, indexdef FROM pg_indexes"
            " WHERE tablename = 'findings' AND schemaname = current_schema()"
        ).all()
        gin = {name for name, definition in indexes if "USING gin" in definition}
        assert gin == GIN_INDEXES
        assert all("gin_trgm_ops" in d for name, d in indexes if name in GIN_INDEXES)
        conn.exec_driver_sql("SET enable_seqscan = off")
        plan = conn.exec_driver_sql("EXPLAIN " + statement, params).scalars().all()
        assert {i for i in GIN_INDEXES if any(i in line for line in plan)} == GIN_INDEXES


def _search_objects(store: Store) -> set[str]:
    with store._engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            query, prefix = "SELECT name FROM sqlite_master", "findings_fts"
        else:
            query = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            prefix = "ix_findings_search_"
        return {n for n in conn.exec_driver_sql(query).scalars() if n.startswith(prefix)}


def test_downgrade_and_upgrade_again_with_rows_in_place(db_url: str) -> None:
    found = _findings()
    with Store.open(db_url) as store:
        _record(store, found)
        assert _search_objects(store)
        migrate(store, "0006_web_sessions", down=True)
        assert _search_objects(store) == set()
        late = make_finding("tls.old", "late.example.org", title="Echidna at 0006")
        _record(store, [late])  # written without the index's triggers
    with Store.open(db_url) as store:  # opening upgrades: the index is rebuilt
        assert store._search_indexed and _search_objects(store)
        for query in ("dmarc", "élection", "echidna", "a%b_c", '"quoted"'):
            assert _found(store, query, count_limit=100) == _expected([*found, late], query)


def test_sqlite_too_old_for_trigrams_is_a_clear_error(tmp_path: Any) -> None:
    def old_sqlite(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        if statement == "SELECT sqlite_version()":
            statement = "SELECT '3.31.1'"
        return statement, params

    event.listen(Engine, "before_cursor_execute", old_sqlite, retval=True)
    try:
        with pytest.raises(StoreError, match=r"SQLite 3\.31\.1 is too old .* 3\.34 or newer"):
            Store.open(str(tmp_path / "old.db"))
    finally:
        event.remove(Engine, "before_cursor_execute", old_sqlite)


@pytest.fixture
def no_pg_trgm() -> Iterator[None]:
    """CREATE EXTENSION pg_trgm fails, as on a server without contrib."""

    def refuse(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        if "CREATE EXTENSION IF NOT EXISTS pg_trgm" in statement:
            statement = "CREATE EXTENSION rempart_no_such_extension"
        return statement, params

    event.listen(Engine, "before_cursor_execute", refuse, retval=True)
    try:
        yield
    finally:
        event.remove(Engine, "before_cursor_execute", refuse)


def test_without_pg_trgm_search_scans_and_says_so(
    pg_url: str, no_pg_trgm: None, caplog: pytest.LogCaptureFixture
) -> None:
    """PostgreSQL only: SQLite's FTS5 is built in."""
    db_url = pg_url
    caplog.set_level(logging.WARNING)
    found = _findings()
    with Store.open(db_url) as store:
        assert not store._search_indexed and _search_objects(store) == set()
        _record(store, found)
        for query in ("dmarc", "élection", "a%b_c", "zz-none-zz"):
            assert _found(store, query, count_limit=100) == _expected(found, query)
        with _statements(store) as seen:
            store.findings_window(query="dmarc", count_limit=100)
        assert seen and not any("ILIKE" in s.upper() for s, _ in seen)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(m.startswith("no finding search index (search scans the table): ") for m in warnings)
    scans = [m for m in warnings if m.startswith("finding search scans the whole table: ")]
    assert len(scans) == 1, warnings
    assert "pg_trgm" in scans[0]


def test_search_index_made_at_open_once_pg_trgm_can_be_had(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Migrated where pg_trgm could not be created, the store makes the GIN indexes the
    first time it is opened with the extension available, and searches with them."""
    found = _findings()
    refuse = "CREATE EXTENSION IF NOT EXISTS pg_trgm"

    def fail(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> Any:
        return ("CREATE EXTENSION rempart_no_such_extension" if refuse in statement
                else statement), params  # fmt: skip

    event.listen(Engine, "before_cursor_execute", fail, retval=True)
    try:
        with Store.open(pg_url) as store:
            assert not store._search_indexed
            _record(store, found)
    finally:
        event.remove(Engine, "before_cursor_execute", fail)
    caplog.set_level(logging.WARNING)
    with Store.open(pg_url) as store:
        assert store._search_indexed
        assert _search_objects(store) == {f"ix_findings_search_{c}" for c in SEARCHED}
        for query in ("dmarc", "élection", "zz-none-zz"):
            assert _found(store, query, count_limit=100) == _expected(found, query)
    made = [r.getMessage() for r in caplog.records if "search index made now" in r.getMessage()]
    assert len(made) == 1
    with Store.open(pg_url) as store:  # made once: the next open finds them
        assert store._search_indexed
    assert len([r for r in caplog.records if "search index made now" in r.getMessage()]) == 1


def test_sqlite_vacuum_after_rows_were_deleted_keeps_the_index_right(tmp_path: Any) -> None:
    """The FTS table is tied to findings' implicit rowids. Rempart never deletes a
    finding (rowids stay 1..N), but a technician may clean rows by hand, then VACUUM:
    the rowids (with gaps) must stay what the index holds."""
    found = _findings()
    with Store.open(str(tmp_path / "vacuum.db")) as store:
        _record(store, found)
        gone = {f.id for f in found[::4]}
        with store._engine.begin() as conn:
            for finding_id in gone:
                conn.execute(text("DELETE FROM finding_history WHERE finding_id = :i"),
                             {"i": finding_id})  # fmt: skip
                conn.execute(text("DELETE FROM findings WHERE id = :i"), {"i": finding_id})
        raw = sqlite3.connect(tmp_path / "vacuum.db", isolation_level=None)
        try:
            before = dict(raw.execute("SELECT id, rowid FROM findings"))
            raw.execute("VACUUM")
            assert dict(raw.execute("SELECT id, rowid FROM findings")) == before
            raw.execute(
                "INSERT INTO findings_fts(findings_fts, rank) VALUES ('integrity-check', 1)"
            )
        finally:
            raw.close()
        kept = [f for f in found if f.id not in gone]
        for query in ("dmarc", "élection", "HOST_1", "zz-none-zz"):
            assert _found(store, query, count_limit=1000) == _expected(kept, query), query
