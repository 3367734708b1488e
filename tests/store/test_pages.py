"""The dashboard's pages of findings: every order, filter and depth, on both backends.

Each page is compared with the same order computed here in Python, so that the
indexes (migration 0005) and the SQLite ``INDEXED BY`` hints change how a page is
read, never what it holds. On SQLite the query plans are checked too: a page is a
walk of the order's index, never a sort of the table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, inspect, text

from rempart.model import Finding, Severity, Status
from rempart.store import Store
from rempart.store.schema import SORT_PREFIX

from ._helpers import HOUR, T0, make_finding, migrate, outcome

ANALYZERS = ("audit", "mail", "site")
# titles sharing their first SORT_PREFIX characters: the order goes by the key, then id
LONG = "x" * SORT_PREFIX


def _title(rng: random.Random, k: int) -> str:
    pick = rng.randrange(6)
    if pick == 0:
        return LONG + f"-tail-{rng.randrange(1000)}"
    if pick == 1:
        return f"<script>alert({k})</script> on host"
    if pick == 2:
        return f"Élection {k % 7} — DMARC"
    return f"{'ABCDEFGH'[k % 8]}{rng.randrange(100):02d} problem"


def _seed(store: Store) -> list[Finding]:
    """~240 findings over 3 analyzers and 12 scopes, seen at different times; some fixed
    by a later complete run, some accepted."""
    rng = random.Random(5)
    for i in range(12):
        analyzer = ANALYZERS[i % 3]
        scope = f"s{i:02d}.example.org"
        found = [
            make_finding(
                f"check.{k % 5}",
                f"{LONG if k % 9 == 0 else ''}h{k:02d}.{scope}",
                scope=scope,
                analyzer=analyzer,
                severity=rng.choice(list(Severity)),
                title=_title(rng, k),
            )
            for k in range(20)
        ]
        run = store.start_run(analyzer, {})
        first = T0 + timedelta(minutes=rng.randrange(10_000))
        store.record_scope(run, analyzer, outcome(scope, *found), first)
        if i % 2:
            kept = tuple(f for f in found if rng.random() < 0.6)
            store.record_scope(run, analyzer, outcome(scope, *kept), first + 3 * HOUR)
    everything = store.findings_page(limit=10_000)[1]
    for f in everything[::10]:
        if f.status is Status.OPEN:
            store.set_status(f.id, Status.ACCEPTED, by="test", reason="accepted risk")
    return store.findings_page(limit=10_000)[1]


def _key(sort: str) -> Callable[[Finding], Any]:
    newest = lambda f: -f.last_seen.timestamp()  # noqa: E731
    keys: dict[str, Callable[[Finding], Any]] = {
        "severity": lambda f: (-f.severity.rank, newest(f), f.id),
        "newest": lambda f: (newest(f), f.id),
        "oldest": lambda f: (f.first_seen, f.id),
        "target": lambda f: (f.target[:SORT_PREFIX], f.check, f.id),
        "title": lambda f: (f.title[:SORT_PREFIX], f.target[:SORT_PREFIX], f.id),
    }
    return keys[sort]


FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "open": {"status": Status.OPEN},
    "accepted": {"status": Status.ACCEPTED},
    "high": {"severity": Severity.HIGH},
    "open+high": {"status": Status.OPEN, "severity": Severity.HIGH},
    "mail": {"analyzer": "mail"},
    "fixed+site": {"status": Status.FIXED, "analyzer": "site"},
    "all three": {"status": Status.OPEN, "severity": Severity.LOW, "analyzer": "audit"},
}


def _matches(f: Finding, flt: dict[str, Any]) -> bool:
    return all(
        (name != "status" or f.status is v)
        and (name != "severity" or f.severity is v)
        and (name != "analyzer" or f.analyzer == v)
        for name, v in flt.items()
    )


def test_every_order_filter_and_depth_matches_python(store: Store) -> None:
    everything = _seed(store)
    assert len(everything) == 240
    assert {f.status for f in everything} == set(Status)
    for sort in Store.FINDING_SORTS:
        for name, flt in FILTERS.items():
            expected = sorted((f for f in everything if _matches(f, flt)), key=_key(sort))
            assert expected, name
            for offset in (0, 7, len(expected) // 2, len(expected) - 3, len(expected) + 5):
                total, page = store.findings_page(sort=sort, limit=10, offset=offset, **flt)
                where = f"{sort} / {name} / offset {offset}"
                assert total == len(expected), where
                assert [f.id for f in page] == [f.id for f in expected[offset : offset + 10]], where


def test_a_search_past_its_count_limit_pages_in_order(store: Store) -> None:
    everything = _seed(store)
    for sort in Store.FINDING_SORTS:
        expected = sorted((f for f in everything if "h0" in f.target), key=_key(sort))
        assert len(expected) > 20
        window = store.findings_window(query="h0", sort=sort, limit=5, offset=9, count_limit=10)
        assert (window.total, window.exact) == (10, False)
        assert [f.id for f in window.items] == [f.id for f in expected[9:14]], sort


def test_sort_keys_are_computed_by_the_database(store: Store) -> None:
    _seed(store)
    with store._engine.connect() as conn:
        rows = conn.execute(text("SELECT title, title_key, target, target_key FROM findings"))
        for title, title_key, target, target_key in rows:
            assert (title_key, target_key) == (title[:SORT_PREFIX], target[:SORT_PREFIX])


PLANS = [
    ("title", {"status": Status.OPEN}, "ix_findings_title_key"),
    ("title", {}, "ix_findings_title_key"),
    ("target", {"severity": Severity.HIGH}, "ix_findings_target_key"),
    ("newest", {"analyzer": "mail"}, "ix_findings_last_seen"),
    ("oldest", {"status": Status.OPEN, "analyzer": "mail"}, "ix_findings_first_seen"),
    ("severity", {"status": Status.OPEN}, "ix_findings_status_severity_last_seen"),
    ("severity", {}, "ix_findings_severity_last_seen"),
    ("severity", {"analyzer": "audit"}, "ix_findings_severity_last_seen"),
]


@pytest.mark.parametrize("analyzed", [False, True], ids=["no statistics", "analyzed"])
@pytest.mark.parametrize(("sort", "flt", "index"), PLANS)
def test_sqlite_pages_walk_their_index(
    tmp_path: Any, analyzed: bool, sort: str, flt: dict[str, Any], index: str
) -> None:
    """Whether or not ANALYZE ran, each page statement reads the order's index and never
    sorts (SQLite's planner alone would seek a filter's index and sort the matches)."""
    with Store.open(str(tmp_path / "plans.db")) as store:
        _seed(store)
        if analyzed:
            with store._engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        statements: list[tuple[str, Any]] = []

        def keep(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
            if statement.lstrip().upper().startswith("SELECT") and "LIMIT" in statement:
                statements.append((statement, params))

        event.listen(store._engine, "before_cursor_execute", keep)
        store.findings_page(sort=sort, limit=10, offset=30, **flt)
        event.remove(store._engine, "before_cursor_execute", keep)
        assert statements, "no page statement seen"
        with store._engine.connect() as conn:
            for statement, params in statements:
                plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
                details = " | ".join(str(row[-1]) for row in plan)
                assert index in details, details
                assert "TEMP B-TREE" not in details, details


def _index_names(conn: Any) -> set[str]:
    """The findings table's indexes (reflection skips SQLite's expression indexes)."""
    if conn.dialect.name == "sqlite":
        query = "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'findings'"
    else:
        query = "SELECT indexname FROM pg_indexes WHERE tablename = 'findings'"
        query += " AND schemaname = current_schema()"
    return set(conn.exec_driver_sql(query).scalars())


def test_migration_0005_goes_down_and_keys_the_rows_already_there(db_url: str) -> None:
    """0005 goes down to 0004 (columns gone, the title expression index back); going up
    again, the database computes the keys of the rows already in the table."""
    long_title = "é" * (SORT_PREFIX + 50)
    found = make_finding("check.old", title=long_title, scope="old.example.org")
    with Store.open(db_url) as store:
        store.record_scope(store.start_run("audit", {}), "audit", outcome("old.example.org", found))
        migrate(store, "0004_event_details", down=True)
        with store._engine.connect() as conn:
            columns = {c["name"] for c in inspect(conn).get_columns("findings")}
            indexes = _index_names(conn)
            titles = conn.execute(text("SELECT title FROM findings")).scalars().all()
        assert not {"title_key", "target_key"} & columns
        assert "ix_findings_title" in indexes and "ix_findings_title_key" not in indexes
        assert titles == [long_title]
    with Store.open(db_url) as store:  # opening upgrades to the head
        with store._engine.connect() as conn:
            row = conn.execute(text("SELECT title_key, target_key FROM findings")).one()
            indexes = _index_names(conn)
        assert tuple(row) == ("é" * SORT_PREFIX, "old.example.org")
        assert "ix_findings_title" not in indexes and "ix_findings_title_key" in indexes
        assert [f.id for f in store.findings_page(sort="title")[1]] == [found.id]


def test_a_search_counted_to_the_end_leaves_the_indexes_to_the_planner(tmp_path: Any) -> None:
    """A search reads every row it matches: walking the sort's index (and reading each
    row behind it) would cost more than a filter's index and a sort of the matches, so
    only unsearched pages and searches past their count limit name their index."""
    with Store.open(str(tmp_path / "search.db")) as store:
        _seed(store)
        seen: list[str] = []

        def keep(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            if "LIMIT" in statement:
                seen.append(statement)

        event.listen(store._engine, "before_cursor_execute", keep)
        store.findings_page(query="h0", status=Status.OPEN, sort="target", limit=5)
        searched, seen[:] = list(seen), []
        store.findings_window(query="h0", sort="target", limit=5, count_limit=3)
        past_limit, seen[:] = list(seen), []
        store.findings_page(status=Status.OPEN, sort="target", limit=5)
        event.remove(store._engine, "before_cursor_execute", keep)
        assert searched and not any("INDEXED BY" in s for s in searched)
        assert any("INDEXED BY ix_findings_target_key" in s for s in past_limit)
        assert any("INDEXED BY ix_findings_target_key" in s for s in seen)
