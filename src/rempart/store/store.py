"""The store: every analyzer's findings and events, with their history.

One :class:`Store` wraps one database (a SQLite file by default, PostgreSQL by
URL). Opening it migrates the schema. Writes happen in one transaction per
call; SQLite writers take the write lock up front (``BEGIN IMMEDIATE``) and
PostgreSQL writers of the same scope serialise on an advisory lock, so several
processes can record at the same time.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

from alembic.util.exc import CommandError
from sqlalchemy import case, column, insert, select, table, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, RowMapping
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.sql.expression import Select

from rempart.errors import StoreError
from rempart.model.findings import (
    Event,
    Finding,
    ScopeOutcome,
    Severity,
    Status,
    bounded_details,
    event_id,
    utcnow,
)
from rempart.store import schema as t
from rempart.store.engine import SQLITE_BEGIN, create_store_engine
from rempart.store.migrate import PG_MIGRATION_LOCK, upgrade
from rempart.store.urls import redact, resolve_db_url

logger = logging.getLogger(__name__)

RUN_STATUSES = frozenset({"running", "done", "interrupted", "failed"})
"""What ``runs.status`` may hold."""

NEW_EVENT_MIN_SEVERITY = Severity.MEDIUM
"""New findings at least this severe also go on the timeline as events."""

_REFRESHED = (
    "scope",
    "last_seen",
    "severity",
    "title",
    "evidence",
    "why",
    "remediation",
    "references",
)
"""Columns a finding seen again takes from the new run (``first_seen`` is kept)."""

_SEVERITY_RANK = case({s.value: s.rank for s in Severity}, value=t.findings.c.severity, else_=-1)


@dataclass(frozen=True)
class ScopeChange:
    """What recording one scope changed.

    Findings seen again while ``accepted`` are in none of the four tuples.
    """

    new: tuple[Finding, ...] = ()
    """Seen for the first time."""
    reopened: tuple[Finding, ...] = ()
    """Were fixed, seen again: open again."""
    still_open: tuple[Finding, ...] = ()
    """Were open, still there."""
    fixed: tuple[Finding, ...] = ()
    """Were open, absent from a complete outcome."""


@dataclass(frozen=True)
class HistoryEntry:
    """One status change of a finding (history is never deleted)."""

    finding_id: str
    at: datetime
    """When (UTC)."""
    old_status: Status | None
    """None when the finding was first seen."""
    new_status: Status
    run_id: int | None
    """The run that caused it; None for a person's decision."""
    by: str
    """Who: the analyzer for automatic changes, a person otherwise."""
    reason: str
    """Why, one line."""


class Store:
    """Findings, events, runs and history in one database.

    Use :meth:`open`, not the constructor; close it (or use ``with``).
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.url = engine.url.render_as_string(hide_password=True)
        """The database URL, password hidden."""
        self._search_indexed = _search_indexed(engine)
        """Whether the finding search index (migration 0007) is there to pre-filter."""

    # -- lifecycle ---------------------------------------------------------

    @classmethod
    def open(cls, db: str | None = None) -> Store:
        """Open (creating and migrating as needed) the store ``db`` points at.

        ``db`` is a ``--db`` value (see :func:`resolve_db_url`). Any failure
        becomes a one-line :class:`StoreError` naming the store.
        """
        url = resolve_db_url(db)
        shown = redact(url)
        try:
            engine = create_store_engine(url)
        except (SQLAlchemyError, ImportError) as exc:
            raise StoreError(f"cannot open store {shown}: {_reason(exc)}") from exc
        driver_error = engine.dialect.loaded_dbapi.Error
        try:
            upgrade(engine)
        except (StoreError, SQLAlchemyError, CommandError, OSError, driver_error) as exc:
            engine.dispose()
            raise StoreError(f"cannot open store {shown}: {_reason(exc)}") from exc
        logger.debug("store open: %s", shown)
        return cls(engine)

    def close(self) -> None:
        """Close every connection."""
        self._engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.url!r})"

    # -- runs --------------------------------------------------------------

    def start_run(self, analyzer: str, params: Mapping[str, object]) -> int:
        """Record that ``analyzer`` starts a run with ``params``; return its id."""
        values = {
            "analyzer": analyzer,
            "started_at": utcnow(),
            "status": "running",
            "params": dict(params),
        }
        with self._write() as conn:
            result = conn.execute(insert(t.runs).values(values).returning(t.runs.c.id))
            return int(result.scalar_one())

    def finish_run(self, run_id: int, status: str) -> None:
        """Mark run ``run_id`` finished with ``status`` (done, interrupted, failed)."""
        if status not in RUN_STATUSES:
            raise ValueError(f"run status {status!r} is not one of {sorted(RUN_STATUSES)}")
        stmt = (
            update(t.runs).where(t.runs.c.id == run_id).values(status=status, finished_at=utcnow())
        )
        with self._write() as conn:
            if conn.execute(stmt).rowcount == 0:
                raise StoreError(f"no run with id {run_id} in store {self.url}")

    # -- findings ------------------------------------------------------------

    def record_scope(
        self,
        run_id: int,
        analyzer: str,
        outcome: ScopeOutcome,
        now: datetime | None = None,
    ) -> ScopeChange:
        """Record what one run saw on one scope, in one transaction.

        Upserts every finding of the outcome (a fixed one seen again reopens,
        an accepted one stays accepted). Only a complete outcome marks the
        scope's open findings that it no longer contains as fixed. Status
        changes go to the history, new (≥ medium) and fixed findings become
        events, and the scope's state is kept for resuming.
        """
        at = _utc(now)
        key = t.scope_key(outcome.scope)
        seen = _dedupe(analyzer, key, outcome.findings)
        with self._write() as conn:
            self._lock_scope(conn, analyzer, key)
            before = _scope_findings(conn, analyzer, key, seen)
            change = _classify(seen.values(), before, at)
            self._upsert_findings(conn, seen.values(), at)
            if outcome.complete:
                change = replace(change, fixed=_mark_fixed(conn, before, seen))
            _add_history(conn, _history_rows(change, run_id, analyzer, at))
            self._add_events(conn, _change_events(change, analyzer, at))
            self._save_scope_state(conn, run_id, analyzer, outcome, at)
        logger.debug(
            "%s %s: %d new, %d reopened, %d still open, %d fixed",
            analyzer,
            outcome.scope,
            len(change.new),
            len(change.reopened),
            len(change.still_open),
            len(change.fixed),
        )
        return change

    def fresh_scopes(
        self,
        analyzer: str,
        scopes: Iterable[str],
        max_age: timedelta,
        now: datetime | None = None,
    ) -> set[str]:
        """The scopes whose latest record is complete and younger than ``max_age``.

        A resumed run skips them. A scope whose latest record is incomplete is
        never fresh, even if an older complete record exists.
        """
        wanted: dict[str, list[str]] = {}
        for scope in scopes:
            wanted.setdefault(t.scope_key(scope), []).append(scope)
        if not wanted:
            return set()
        c = t.scope_state.c
        stmt = select(c.scope_key).where(
            c.analyzer == analyzer,
            c.scope_key.in_(list(wanted)),
            c.complete.is_(True),
            c.last_done_at > _utc(now) - max_age,
        )
        with self._read() as conn:
            keys = conn.execute(stmt).scalars().all()
        return {scope for k in keys for scope in wanted[k]}

    def findings(
        self,
        *,
        analyzer: str | None = None,
        scope: str | None = None,
        scopes: Iterable[str] | None = None,
        status: Status | None = None,
        min_severity: Severity | None = None,
    ) -> list[Finding]:
        """Stored findings matching every filter given, most severe first.

        Then ordered by scope, check and target. Scopes match case-insensitively.
        """
        stmt = _findings_query(analyzer, scope, scopes, status, min_severity)
        with self._read() as conn:
            return [_finding(row) for row in conn.execute(stmt).mappings()]

    def set_status(
        self,
        finding_id: str,
        status: Status,
        *,
        by: str,
        reason: str,
        now: datetime | None = None,
    ) -> Finding:
        """A person's decision on a finding (accept, reopen…), kept in the history.

        The decision is recorded even when the status does not change (a new
        reason is still worth keeping). Unknown id → :class:`StoreError`.
        """
        at = _utc(now)
        new = Status(status)
        with self._write() as conn:
            row = (
                conn.execute(
                    select(t.findings).where(t.findings.c.id == finding_id).with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:
                raise StoreError(f"no finding with id {finding_id!r} in store {self.url}")
            old = _finding(row)
            conn.execute(
                update(t.findings).where(t.findings.c.id == finding_id).values(status=new.value)
            )
            entry = _history_row(finding_id, at, old.status, new, None, by, reason)
            _add_history(conn, [entry])
        logger.info("finding %s: %s → %s by %s", finding_id, old.status.value, new.value, by)
        return replace(old, status=new)

    def history(self, finding_id: str) -> list[HistoryEntry]:
        """Every status change of ``finding_id``, oldest first ([] if unknown)."""
        c = t.finding_history.c
        stmt = select(t.finding_history).where(c.finding_id == finding_id).order_by(c.at, c.id)
        with self._read() as conn:
            return [_history_entry(row) for row in conn.execute(stmt).mappings()]

    # -- events --------------------------------------------------------------

    def add_events(self, events: Iterable[Event]) -> int:
        """Store ``events``, skipping those already stored; return how many were new."""
        with self._write() as conn:
            return self._add_events(conn, events)

    def events(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        source: str | None = None,
    ) -> list[Event]:
        """Stored events with ``since <= time < until``, oldest first."""
        c = t.events.c
        stmt = select(t.events).order_by(c.time, c.id)
        if since is not None:
            stmt = stmt.where(c.time >= _utc(since))
        if until is not None:
            stmt = stmt.where(c.time < _utc(until))
        if kinds is not None:
            stmt = stmt.where(c.kind.in_(list(kinds)))
        if source is not None:
            stmt = stmt.where(c.source == source)
        with self._read() as conn:
            return [_event(row) for row in conn.execute(stmt).mappings()]

    def replace_events(self, events: Iterable[Event]) -> int:
        """Store ``events``, overwriting those with the same id (an event that grows,
        like a phishing wave gaining messages); return how many were written."""
        rows = list({e.id: _event_row(e) for e in events}.values())
        if not rows:
            return 0
        stmt = self._insert(t.events)
        set_ = {c: stmt.excluded[c] for c in ("time", "kind", "source", "summary", "severity",
                                             "targets", "indicators", "details")}  # fmt: skip
        with self._write() as conn:
            conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=set_), rows)
        return len(rows)

    # -- checkpoints ---------------------------------------------------------

    def get(self, key: str) -> dict[str, object] | None:
        """The checkpoint saved under ``key`` (a long-running reader's position), or None."""
        stmt = select(t.checkpoints.c.value).where(t.checkpoints.c.key == key)
        with self._read() as conn:
            value = conn.execute(stmt).scalar_one_or_none()
        return dict(value) if isinstance(value, dict) else None

    def put(self, key: str, value: Mapping[str, object]) -> None:
        """Save the checkpoint ``value`` under ``key`` (replacing the previous one)."""
        stmt = self._insert(t.checkpoints)
        row = {"key": key, "value": dict(value), "updated_at": utcnow()}
        upsert = stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "value": stmt.excluded.value,
                "updated_at": stmt.excluded.updated_at,
            },
        )
        with self._write() as conn:
            conn.execute(upsert, [row])

    # -- internals -----------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed on success."""
        try:
            with self._engine.begin() as conn:
                yield conn
        except DBAPIError as exc:
            raise StoreError(f"store {self.url}: {_reason(exc)}") from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """A connection for reading (SQLite: no write lock taken)."""
        try:
            with self._engine.connect() as conn:
                conn.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
                yield conn
        except DBAPIError as exc:
            raise StoreError(f"store {self.url}: {_reason(exc)}") from exc

    def _insert(self, table: Any) -> sqlite.Insert | postgresql.Insert:
        """An INSERT that supports ``ON CONFLICT`` on this backend."""
        if self._engine.dialect.name == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _lock_scope(self, conn: Connection, analyzer: str, key: str) -> None:
        """Serialise writers of one scope (SQLite's BEGIN IMMEDIATE already does)."""
        if conn.dialect.name != "postgresql":
            return
        digest = hashlib.sha256(f"rempart.scope\x1f{analyzer}\x1f{key}".encode()).digest()
        lock = int.from_bytes(digest[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock})

    def _upsert_findings(self, conn: Connection, seen: Iterable[Finding], at: datetime) -> None:
        """Insert new findings, refresh known ones; a fixed one becomes open."""
        rows = [_finding_row(f, at) for f in seen]
        if not rows:
            return
        stmt = self._insert(t.findings)
        set_: dict[str, Any] = {name: stmt.excluded[name] for name in _REFRESHED}
        set_["status"] = case(
            (t.findings.c.status == Status.FIXED.value, Status.OPEN.value),
            else_=t.findings.c.status,
        )
        conn.execute(stmt.on_conflict_do_update(index_elements=["id"], set_=set_), rows)

    def _add_events(self, conn: Connection, events: Iterable[Event]) -> int:
        """Insert ``events`` on ``conn``, ignoring known ids; return the count added."""
        rows = list({e.id: _event_row(e) for e in events}.values())
        if not rows:
            return 0
        stmt = self._insert(t.events).on_conflict_do_nothing(index_elements=["id"])
        return len(conn.execute(stmt.returning(t.events.c.id), rows).all())

    def _save_scope_state(
        self, conn: Connection, run_id: int, analyzer: str, outcome: ScopeOutcome, at: datetime
    ) -> None:
        """Remember how the scope's latest record went (for resuming)."""
        values = {
            "analyzer": analyzer,
            "scope_key": t.scope_key(outcome.scope),
            "scope": outcome.scope,
            "last_run_id": run_id,
            "last_done_at": at,
            "complete": outcome.complete,
            "errors": list(outcome.errors),
        }
        stmt = self._insert(t.scope_state).values(values)
        kept = ("scope", "last_run_id", "last_done_at", "complete", "errors")
        set_ = {name: stmt.excluded[name] for name in kept}
        conn.execute(
            stmt.on_conflict_do_update(index_elements=["analyzer", "scope_key"], set_=set_)
        )

    # -- dashboard queries -----------------------------------------------------
    # Read-only queries for ``rempart serve``: one page of rows and its total, and
    # counts, so that a store of 100,000 findings never goes whole into memory.

    FINDING_SORTS = ("severity", "newest", "oldest", "target", "title")
    """Orders :meth:`findings_page` knows (``severity``: worst first, then newest)."""

    def finding(self, finding_id: str) -> Finding | None:
        """The finding with id ``finding_id``, or None."""
        stmt = select(t.findings).where(t.findings.c.id == finding_id)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _finding(row)

    def findings_page(
        self,
        *,
        severity: Severity | None = None,
        status: Status | None = None,
        analyzer: str | None = None,
        query: str | None = None,
        sort: str = "severity",
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[int, list[Finding]]:
        """How many findings match, and the ``limit`` of them from ``offset`` in ``sort`` order.

        ``query`` matches (case-insensitively, as plain text) the title, target, check,
        scope or evidence. An unknown ``sort`` is a :class:`ValueError`. The count is
        exact; :meth:`findings_window` can bound it.
        """
        found = self.findings_window(
            severity=severity,
            status=status,
            analyzer=analyzer,
            query=query,
            sort=sort,
            limit=limit,
            offset=offset,
        )
        return found.total, list(found.items)

    def findings_window(
        self,
        *,
        severity: Severity | None = None,
        status: Status | None = None,
        analyzer: str | None = None,
        query: str | None = None,
        sort: str = "severity",
        limit: int = 50,
        offset: int = 0,
        count_limit: int | None = None,
    ) -> FindingsWindow:
        """Like :meth:`findings_page`, but a search stops counting past ``count_limit``.

        Every page is read in the order of an index (migration 0003), ids first and
        whole rows only for the page, so a deep page costs an index walk, not a sort
        of the table. A search (``query``) reads its candidates from the trigram index
        (migration 0007; a query under 3 characters scans the table): with ``count_limit``,
        up to that many matches are collected and sorted; beyond it the total is
        given as ``count_limit`` (``exact`` False) and the page read in order.
        """
        if sort not in self.FINDING_SORTS:
            raise ValueError(f"sort {sort!r} is not one of {', '.join(self.FINDING_SORTS)}")
        dialect = self._engine.dialect.name
        filters = _finding_filters(severity, status, analyzer)
        search = _search(query, dialect, self._search_indexed) if query else None
        where = filters + (search.clauses() if search else [])
        limit, offset = max(limit, 0), max(offset, 0)
        page = _Page(
            where,
            sort,
            limit,
            offset,
            severity=severity is not None,
            status=status is not None,
            analyzer=analyzer is not None,
            searched=bool(query),
        )
        with self._read() as conn:
            searched = None
            if search is not None and count_limit is not None:
                searched = _search_ids(conn, filters, search, sort, limit, offset, count_limit)
            if searched is not None:
                total, ids, exact = *searched, True
            elif search is not None and count_limit is not None:
                total, exact = count_limit, False
                ids = _uncounted_ids(conn, replace(page, where=[*filters, search.exact]))
            else:
                total, ids = _ordered_ids(conn, page)
                exact = True
            return FindingsWindow(total, exact, _findings_by_id(conn, ids))

    def finding_counts(self) -> dict[tuple[str, Status, Severity], int]:
        """How many findings there are per (analyzer, status, severity)."""
        from sqlalchemy import func

        c = t.findings.c
        stmt = select(c.analyzer, c.status, c.severity, func.count()).group_by(
            c.analyzer, c.status, c.severity
        )
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return {(a, Status(st), Severity(sev)): int(n) for a, st, sev, n in rows}

    def event(self, event_id: str) -> Event | None:
        """The event with id ``event_id``, or None."""
        stmt = select(t.events).where(t.events.c.id == event_id)
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else _event(row)

    def events_page(
        self,
        *,
        family: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[int, list[Event]]:
        """How many events match, and ``limit`` of them from ``offset``, newest first.

        ``family`` keeps the events whose kind is it or starts with it and a dot
        (``logs`` keeps ``logs.flood.ip``; ``mail.phishing`` keeps only that kind).
        """
        from sqlalchemy import func

        c = t.events.c
        where = self._event_filters(family, since, until)
        count = select(func.count()).select_from(t.events).where(*where)
        rows = select(t.events).where(*where).order_by(c.time.desc(), c.id)
        rows = rows.limit(max(limit, 0)).offset(max(offset, 0))
        with self._read() as conn:
            total = int(conn.execute(count).scalar_one())
            return total, [_event(row) for row in conn.execute(rows).mappings()]

    def event_heads(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 5000,
    ) -> list[Event]:
        """The newest ``limit`` events of ``[since, until)``, newest first, without their
        targets, indicators and details (left empty): what a chart draws, read without
        decoding three JSON columns per row (about half the time of :meth:`events_page`).
        """
        c = t.events.c
        stmt = select(c.id, c.time, c.kind, c.source, c.summary, c.severity)
        stmt = stmt.where(*self._event_filters(None, since, until))
        stmt = stmt.order_by(c.time.desc(), c.id).limit(max(limit, 0))
        with self._read() as conn:
            return [
                Event(
                    id=row.id,
                    time=row.time,
                    kind=row.kind,
                    source=row.source,
                    summary=row.summary,
                    severity=Severity(row.severity),
                )
                for row in conn.execute(stmt)
            ]

    def event_counts(
        self, *, family: str | None = None, since: datetime | None = None
    ) -> dict[str, int]:
        """How many events there are per kind (of ``family``, from ``since``)."""
        from sqlalchemy import func

        c = t.events.c
        stmt = select(c.kind, func.count()).where(*self._event_filters(family, since, None))
        with self._read() as conn:
            rows = conn.execute(stmt.group_by(c.kind)).all()
        return {kind: int(n) for kind, n in rows}

    def _event_filters(
        self, family: str | None, since: datetime | None, until: datetime | None
    ) -> list[Any]:
        """WHERE clauses of the dashboard's event queries (see :meth:`events_page`).

        On SQLite (binary collation) a family is a range of kinds, which the
        (kind, time) index seeks; PostgreSQL's collation may not order punctuation
        byte-wise, so it keeps the LIKE.
        """
        from sqlalchemy import and_, or_

        c = t.events.c
        where: list[Any] = []
        if family and self._engine.dialect.name == "sqlite":
            # "." + 1 == "/": every kind starting with family + "." sorts in between
            inside = and_(c.kind >= family + ".", c.kind < family + "/")
            where.append(or_(c.kind == family, inside))
        elif family:
            where.append(or_(c.kind == family, c.kind.startswith(family + ".", autoescape=True)))
        if since is not None:
            where.append(c.time >= _utc(since))
        if until is not None:
            where.append(c.time < _utc(until))
        return where

    # -- dashboard sessions ----------------------------------------------------
    # The logins of ``rempart serve``, kept across restarts. Rows are keyed by the
    # SHA-256 of the cookie token (the caller hashes it): never the token itself.

    def add_session(self, session: WebSession, *, now: datetime, keep: int) -> None:
        """Save ``session``, then prune as :meth:`prune_sessions` does."""
        with self._write() as conn:
            conn.execute(t.web_sessions.insert().values(_session_row(session)))
            self._prune_sessions(conn, now, keep)

    def session(self, token_hash: str, *, now: datetime) -> WebSession | None:
        """The session saved under ``token_hash`` if still live at ``now``, else None
        (one primary-key read)."""
        c = t.web_sessions.c
        stmt = select(t.web_sessions).where(c.token_hash == token_hash, c.expires_at > _utc(now))
        with self._read() as conn:
            row = conn.execute(stmt).mappings().first()
        return None if row is None else WebSession(**row)

    def drop_session(self, token_hash: str) -> None:
        """Delete the session saved under ``token_hash`` (logout)."""
        with self._write() as conn:
            conn.execute(t.web_sessions.delete().where(t.web_sessions.c.token_hash == token_hash))

    def prune_sessions(self, *, now: datetime, keep: int) -> int:
        """Delete the sessions expired at ``now``, and the oldest (nearest their expiry)
        beyond ``keep``; return how many went."""
        with self._write() as conn:
            return self._prune_sessions(conn, now, keep)

    def _prune_sessions(self, conn: Connection, now: datetime, keep: int) -> int:
        c = t.web_sessions.c
        expired = conn.execute(t.web_sessions.delete().where(c.expires_at <= _utc(now)))
        beyond = (
            select(c.token_hash)
            .order_by(c.expires_at.desc(), c.token_hash)
            .offset(max(keep, 0))
            .scalar_subquery()
        )
        extra = conn.execute(t.web_sessions.delete().where(c.token_hash.in_(beyond)))
        return int(expired.rowcount or 0) + int(extra.rowcount or 0)


@dataclass(frozen=True)
class WebSession:
    """One logged-in browser of the dashboard, as stored."""

    token_hash: str
    """SHA-256 (hex) of the cookie token."""
    user: str
    csrf: str
    """The session's own CSRF token."""
    created_at: datetime
    expires_at: datetime


def _session_row(session: WebSession) -> dict[str, Any]:
    return {
        "token_hash": session.token_hash,
        "user": session.user,
        "csrf": session.csrf,
        "created_at": _utc(session.created_at),
        "expires_at": _utc(session.expires_at),
    }


# -- dashboard query helpers ---------------------------------------------------


@dataclass(frozen=True)
class FindingsWindow:
    """One page of findings and how many match (see :meth:`Store.findings_window`)."""

    total: int
    """Findings matching; the count limit when ``exact`` is False."""
    exact: bool
    """False when more findings than the count limit match."""
    items: tuple[Finding, ...]
    """The page, in the order asked."""


_SEARCHED = ("title", "target", "check", "scope", "evidence")
"""Columns a dashboard search looks in (and migration 0007 indexes)."""

_TRIGRAM = 3
"""The shortest query the trigram index can answer; shorter ones scan."""

_PG_SEARCH_INDEXES = frozenset(f"ix_findings_search_{name}" for name in _SEARCHED)
"""PostgreSQL's GIN trigram indexes (migration 0007), one per searched column."""

_FTS = table("findings_fts", column("rowid"), column("findings_fts"))
"""SQLite's FTS5 trigram index of the searched columns (migration 0007)."""


def _finding_filters(
    severity: Severity | None, status: Status | None, analyzer: str | None
) -> list[Any]:
    """WHERE clauses of :meth:`Store.findings_window` for its filters (a search's are
    :func:`_search`'s)."""
    c = t.findings.c
    where: list[Any] = []
    if severity is not None:
        where.append(c.severity == Severity(severity).value)
    if status is not None:
        where.append(c.status == Status(status).value)
    if analyzer is not None:
        where.append(c.analyzer == analyzer)
    return where


@dataclass(frozen=True)
class _Search:
    """A search's WHERE clauses (see :func:`_search`)."""

    exact: Any
    """The exact match (LIKE): what the search finds."""
    candidates: Any | None = None
    """A superset of the matches that the trigram index answers; None: a scan."""
    phrase: str | None = None
    """SQLite: the FTS5 phrase the candidates are the rows of."""

    def clauses(self) -> list[Any]:
        """The clauses to AND: the index's candidates (if any), then the exact match."""
        return [self.exact] if self.candidates is None else [self.candidates, self.exact]


def _search(query: str, dialect: str, indexed: bool) -> _Search:
    """A search for ``query``: the exact match, after the index's candidates.

    The match is plain text (LIKE wildcards escaped) and ignores ASCII case only
    (letters outside ASCII match case-sensitively), on both backends: SQLite's LIKE
    does so by itself, three times cheaper than lowering every column; PostgreSQL
    lowers under the "C" collation, also about three times cheaper than a
    locale-aware ``lower`` or ILIKE.

    With the trigram index and a query of three characters or more, a pre-filter the
    index answers comes first: the FTS5 table matched with the query as one phrase
    (SQLite), ILIKE on each column (PostgreSQL's GIN indexes). Both fold case more
    widely than ASCII, so their candidates hold every match; the exact clause keeps
    the results what they were without the index.
    """
    from sqlalchemy import func, literal_column, or_

    c = t.findings.c
    cols = [c[name] for name in _SEARCHED]
    plain = query.replace("/", "//").replace("%", "/%").replace("_", "/_")
    if dialect == "sqlite":
        exact = or_(*(col.like(f"%{plain}%", escape="/") for col in cols))
    else:
        pattern = f"%{plain.translate(_ASCII_LOWER)}%"
        lowered = (func.lower(col.collate("C")) for col in cols)
        exact = or_(*(low.like(pattern, escape="/") for low in lowered))
    if not indexed or len(query) < _TRIGRAM:
        return _Search(exact)
    if dialect == "sqlite":
        phrase = '"' + query.replace('"', '""') + '"'
        matched = select(_FTS.c.rowid).where(_FTS.c.findings_fts.op("MATCH")(phrase))
        return _Search(exact, literal_column("findings.rowid").in_(matched), phrase)
    return _Search(exact, or_(*(col.ilike(f"%{plain}%", escape="/") for col in cols)))


def _search_indexed(engine: Engine) -> bool:
    """Whether the search index of migration 0007 is there; if not, say once why
    search scans the table (PostgreSQL without ``pg_trgm``)."""
    try:
        with engine.connect() as conn:
            conn.execution_options(**{SQLITE_BEGIN: "DEFERRED"})
            if conn.dialect.name == "sqlite":
                found = "SELECT name FROM sqlite_master WHERE name = 'findings_fts'"
                return conn.exec_driver_sql(found).first() is not None
            indexes = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
            if set(conn.exec_driver_sql(indexes).scalars()) >= _PG_SEARCH_INDEXES:
                return True
        why = _pg_repair_search_index(engine)
    except DBAPIError as exc:
        why = f"cannot tell whether the search index is there: {_reason(exc)}"
    if why is None:
        return True
    logger.warning("finding search scans the whole table: %s", why)
    return False


def _pg_repair_search_index(engine: Engine) -> str | None:
    """Make migration 0007's GIN indexes when they are missing (pg_trgm could not be had
    when the store was migrated) and the extension can be had now; None once they are
    there, else why not. Under the migrations' lock: two processes opening the store
    at once build them once."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_MIGRATION_LOCK})
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError:
            return _pg_no_search_index(conn)
        found = "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n"
        found += " ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        schema = str(conn.exec_driver_sql(found).scalar_one())
        opclass = f"{conn.dialect.identifier_preparer.quote_schema(schema)}.gin_trgm_ops"
        for name in _SEARCHED:
            conn.exec_driver_sql(
                f"CREATE INDEX IF NOT EXISTS ix_findings_search_{name} "
                f'ON findings USING gin ("{name}" {opclass})'
            )
    logger.warning("finding search index made now (pg_trgm was missing when migrated)")
    return None


def _pg_no_search_index(conn: Connection) -> str:
    """Why PostgreSQL has no search index (for the log)."""
    ext = "SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'"
    if conn.exec_driver_sql(ext).first() is not None:
        return "pg_trgm is installed but the indexes of migration 0007 are missing"
    offered = "SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'"
    if conn.exec_driver_sql(offered).first() is None:
        return "the pg_trgm extension is not available on this server (PostgreSQL contrib)"
    return "the pg_trgm extension is not installed and this role could not create it"


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _finding_order(cols: Any, sort: str) -> tuple[Any, ...]:
    """ORDER BY of ``sort`` over ``cols`` (the table's columns or a subquery's); each
    order is one of the indexes of migration 0005 (or 0003 for ``severity``)."""
    rank = case({s.value: s.rank for s in Severity}, value=cols.severity, else_=-1)
    orders: dict[str, tuple[Any, ...]] = {
        "severity": (rank.desc(), cols.last_seen.desc(), cols.id),
        "newest": (cols.last_seen.desc(), cols.id),
        "oldest": (cols.first_seen, cols.id),
        "target": (cols.target_key, cols.check, cols.id),
        "title": (cols.title_key, cols.target_key, cols.id),
    }
    return orders[sort]


_SORT_INDEX = {
    "newest": "ix_findings_last_seen",
    "oldest": "ix_findings_first_seen",
    "target": "ix_findings_target_key",
    "title": "ix_findings_title_key",
}
"""The index each order but ``severity`` is read from (each ends with the filter
columns, so a filtered page is a walk of the index alone)."""


@dataclass(frozen=True)
class _Page:
    """What one findings page asks for: its WHERE clauses and which filters they hold."""

    where: list[Any]
    sort: str
    limit: int
    offset: int
    severity: bool
    status: bool
    analyzer: bool
    searched: bool = False
    """A search (LIKE) is among the clauses."""

    def run_index(self) -> str:
        """The index a run of one severity is read from, newest first."""
        if self.status:
            return "ix_findings_status_severity_last_seen"
        return "ix_findings_severity_last_seen"

    def count_index(self) -> str:
        """The index the findings per severity are counted from (covering the filters)."""
        if self.analyzer:
            return "ix_findings_analyzer_status_severity"
        return self.run_index()


def _walk(stmt: Select[Any], index: str) -> Select[Any]:
    """``stmt`` read from ``index`` on SQLite (``INDEXED BY``); PostgreSQL's planner
    chooses well by itself, from the statistics it keeps.

    SQLite's does not: without statistics it takes any equality on an indexed column
    to be selective (a page of open findings by title then seeks the status index and
    sorts 70,000 rows: ~280 ms at 100,000 findings, instead of ~20 ms walking the title
    index), and with them (``ANALYZE``) it counts severities by reading the whole
    table (~120 ms). Each query's shape is fixed, so its index is named.
    """
    return stmt.with_hint(t.findings, f"INDEXED BY {index}", dialect_name="sqlite")


_WORST_FIRST = sorted(Severity, key=lambda s: s.rank, reverse=True)
"""The severities' runs in the order of a page sorted by severity."""


def _ordered_ids(conn: Connection, page: _Page) -> tuple[int, list[str]]:
    """The total and the page's ids, read in index order.

    By severity, the page is cut out of the per-severity runs (worst first), each read
    from the (status,) severity, last_seen index; other orders count, then walk their
    index (:data:`_SORT_INDEX`). A search counted to the end reads every row it matches
    anyway: the planner chooses its indexes (a filter's, then a sort of the matches).
    """
    from sqlalchemy import func

    c, where = t.findings.c, page.where
    walk = _walk if not page.searched else lambda stmt, _index: stmt
    count = select(func.count()).select_from(t.findings).where(*where)
    if page.sort != "severity":
        total = int(conn.execute(count).scalar_one())
        stmt = select(c.id).where(*where).order_by(*_finding_order(c, page.sort))
        stmt = walk(stmt, _SORT_INDEX[page.sort]).limit(page.limit).offset(page.offset)
        return total, list(conn.execute(stmt).scalars())
    per_level = select(c.severity, func.count()).where(*where).group_by(c.severity)
    counts = {sev: int(n) for sev, n in conn.execute(walk(per_level, page.count_index()))}
    ids: list[str] = []
    skip, want = page.offset, page.limit
    for level in _WORST_FIRST:
        n = counts.get(level.value, 0)
        if want <= 0:
            break
        if skip >= n:
            skip -= n
            continue
        stmt = select(c.id).where(*where, c.severity == level.value)
        stmt = stmt.order_by(c.last_seen.desc(), c.id).limit(want).offset(skip)
        got = list(conn.execute(walk(stmt, page.run_index())).scalars())
        ids += got
        skip, want = 0, want - len(got)
    return sum(counts.values()), ids


def _uncounted_ids(conn: Connection, page: _Page) -> list[str]:
    """The page's ids without counting every match (a search with too many of them).

    By severity, each severity's run is walked in index order and counted only as
    far as the offset needs; other orders read their index until the page is full.
    The search's clause here is the exact match alone, without the trigram index's
    candidates: a search past its count limit matches a large share of the rows, so
    the walk fills a page soon, while the candidates would all be collected first
    (measured at 100,000 findings: a first page in 5-20 ms rather than 10-110 ms).
    """
    from sqlalchemy import func

    c, where = t.findings.c, page.where
    if page.sort != "severity":
        stmt = select(c.id).where(*where).order_by(*_finding_order(c, page.sort))
        stmt = _walk(stmt, _SORT_INDEX[page.sort]).limit(page.limit).offset(page.offset)
        return list(conn.execute(stmt).scalars())
    ids: list[str] = []
    skip, want = page.offset, page.limit
    for level in _WORST_FIRST:
        if want <= 0:
            break
        run = _walk(select(c.id).where(*where, c.severity == level.value), page.run_index())
        stmt = run.order_by(c.last_seen.desc(), c.id).limit(want).offset(skip)
        got = list(conn.execute(stmt).scalars())
        if got:
            ids += got
            skip, want = 0, want - len(got)
        elif skip:  # this run holds at most ``skip`` matches: pass over them
            passed = select(func.count()).select_from(run.limit(skip).subquery())
            skip -= int(conn.execute(passed).scalar_one())
    return ids


def _search_ids(
    conn: Connection,
    filters: list[Any],
    search: _Search,
    sort: str,
    limit: int,
    offset: int,
    cap: int,
) -> tuple[int, list[str]] | None:
    """Total and page ids of a search, in one scan, or None past ``cap`` matches.

    Up to ``cap + 1`` matches (their sort keys) are collected unordered, then counted
    and sorted by the database (same collation as every other page). On SQLite the
    FTS5 table drives (a join, its rows streamed until the cap): as ``rowid IN (…)``
    every candidate would be collected first (~170 ms for a query every row holds).
    """
    from sqlalchemy import func, literal_column, over

    c = t.findings.c
    keys = (c.id, c.severity, c.last_seen, c.first_seen, c.target_key, c.check, c.title_key)
    if search.phrase is None:
        found_rows = select(*keys).where(*filters, *search.clauses())
    else:
        fts = _FTS.join(t.findings, literal_column("findings.rowid") == _FTS.c.rowid)
        match = _FTS.c.findings_fts.op("MATCH")(search.phrase)
        found_rows = select(*keys).select_from(fts).where(match, search.exact, *filters)
    found = found_rows.limit(cap + 1).subquery()
    total = over(func.count())
    stmt = select(found.c.id, total).order_by(*_finding_order(found.c, sort))
    rows = conn.execute(stmt.limit(limit).offset(offset)).all()
    if rows:
        n = int(rows[0][1])
    else:
        n = int(conn.execute(select(func.count()).select_from(found)).scalar_one())
    return None if n > cap else (n, [row[0] for row in rows])


def _findings_by_id(conn: Connection, ids: list[str]) -> tuple[Finding, ...]:
    """The findings ``ids`` name, in that order."""
    if not ids:
        return ()
    stmt = select(t.findings).where(t.findings.c.id.in_(ids))
    found = {row["id"]: _finding(row) for row in conn.execute(stmt).mappings()}
    return tuple(found[i] for i in ids if i in found)


# -- helpers ---------------------------------------------------------------


def _utc(value: datetime | None) -> datetime:
    """``value`` (default: now) in UTC; naive datetimes are refused."""
    if value is None:
        return utcnow()
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"naive datetime {value.isoformat()}: give a timezone-aware one")
    return t.to_utc(value)


def _reason(exc: BaseException) -> str:
    """The useful part of an error, on one line."""
    orig = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    message = " ".join(str(orig).split()) or type(orig).__name__
    return message


def _dedupe(analyzer: str, key: str, found: Sequence[Finding]) -> dict[str, Finding]:
    """The outcome's findings by id (last wins), checked to belong to the scope."""
    seen: dict[str, Finding] = {}
    for f in found:
        if f.analyzer != analyzer or t.scope_key(f.scope) != key:
            raise ValueError(
                f"finding {f.id} ({f.analyzer}, {f.scope}) does not belong to "
                f"analyzer {analyzer!r}, scope {key!r}"
            )
        seen[f.id] = f
    return seen


def _scope_findings(
    conn: Connection, analyzer: str, key: str, seen: Mapping[str, Finding]
) -> dict[str, Finding]:
    """The stored findings that matter: the scope's open ones and those seen now."""
    c = t.findings.c
    wanted = c.status == Status.OPEN.value
    if seen:
        wanted = wanted | c.id.in_(list(seen))
    stmt = select(t.findings).where(c.analyzer == analyzer, c.scope_key == key, wanted)
    return {row["id"]: _finding(row) for row in conn.execute(stmt).mappings()}


def _classify(seen: Iterable[Finding], before: Mapping[str, Finding], at: datetime) -> ScopeChange:
    """Sort the seen findings into new, reopened and still open (as they will be stored)."""
    new: list[Finding] = []
    reopened: list[Finding] = []
    still: list[Finding] = []
    for f in seen:
        old = before.get(f.id)
        if old is None:
            new.append(replace(f, first_seen=at, last_seen=at, status=Status.OPEN))
        elif old.status is not Status.ACCEPTED:
            now_open = replace(f, first_seen=old.first_seen, last_seen=at, status=Status.OPEN)
            (reopened if old.status is Status.FIXED else still).append(now_open)
    return ScopeChange(new=tuple(new), reopened=tuple(reopened), still_open=tuple(still))


def _mark_fixed(
    conn: Connection, before: Mapping[str, Finding], seen: Mapping[str, Finding]
) -> tuple[Finding, ...]:
    """Mark the scope's open findings absent from ``seen`` as fixed; return them."""
    gone = [f for f in before.values() if f.status is Status.OPEN and f.id not in seen]
    if not gone:
        return ()
    c = t.findings.c
    stmt = (
        update(t.findings)
        .where(c.id.in_([f.id for f in gone]), c.status == Status.OPEN.value)
        .values(status=Status.FIXED.value)
        .returning(c.id)
    )
    changed = set(conn.execute(stmt).scalars().all())
    gone.sort(key=lambda f: (f.check, f.target))
    return tuple(replace(f, status=Status.FIXED) for f in gone if f.id in changed)


def _history_row(
    finding_id: str,
    at: datetime,
    old: Status | None,
    new: Status,
    run_id: int | None,
    by: str,
    reason: str,
) -> dict[str, Any]:
    """One ``finding_history`` row."""
    return {
        "finding_id": finding_id,
        "at": at,
        "old_status": None if old is None else old.value,
        "new_status": new.value,
        "run_id": run_id,
        "by": by,
        "reason": reason,
    }


def _history_rows(
    change: ScopeChange, run_id: int, analyzer: str, at: datetime
) -> list[dict[str, Any]]:
    """The history rows for what a recorded scope changed."""
    open_, fixed = Status.OPEN, Status.FIXED
    rows = [_history_row(f.id, at, None, open_, run_id, analyzer, "first seen") for f in change.new]
    rows += [
        _history_row(f.id, at, fixed, open_, run_id, analyzer, "seen again after being fixed")
        for f in change.reopened
    ]
    rows += [
        _history_row(f.id, at, open_, fixed, run_id, analyzer, "no longer seen by a complete run")
        for f in change.fixed
    ]
    return rows


def _add_history(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Append ``rows`` to the history."""
    if rows:
        conn.execute(insert(t.finding_history), rows)


def _change_events(change: ScopeChange, analyzer: str, at: datetime) -> list[Event]:
    """Timeline events: new and reopened findings (≥ medium) and fixed ones."""
    new = [f for f in change.new if f.severity >= NEW_EVENT_MIN_SEVERITY]
    back = [f for f in change.reopened if f.severity >= NEW_EVENT_MIN_SEVERITY]
    made = [_finding_event(f, "finding.new", f.severity, analyzer, at) for f in new]
    made += [_finding_event(f, "finding.reopened", f.severity, analyzer, at) for f in back]
    made += [_finding_event(f, "finding.fixed", Severity.INFO, analyzer, at) for f in change.fixed]
    return made


def _finding_event(f: Finding, kind: str, severity: Severity, analyzer: str, at: datetime) -> Event:
    """The event telling that ``f`` appeared or was fixed."""
    summary = f"{f.title} — {f.target}"
    return Event(
        id=event_id(analyzer, kind, at, summary),
        time=at,
        kind=kind,
        source=analyzer,
        summary=summary,
        severity=severity,
        targets=(f.target,),
    )


def _findings_query(
    analyzer: str | None,
    scope: str | None,
    scopes: Iterable[str] | None,
    status: Status | None,
    min_severity: Severity | None,
) -> Select[Any]:
    """The SELECT behind :meth:`Store.findings`."""
    c = t.findings.c
    stmt = select(t.findings).order_by(_SEVERITY_RANK.desc(), c.scope_key, c.check, c.target)
    if analyzer is not None:
        stmt = stmt.where(c.analyzer == analyzer)
    if scope is not None:
        stmt = stmt.where(c.scope_key == t.scope_key(scope))
    if scopes is not None:
        stmt = stmt.where(c.scope_key.in_(sorted({t.scope_key(s) for s in scopes})))
    if status is not None:
        stmt = stmt.where(c.status == Status(status).value)
    if min_severity is not None:
        floor = Severity(min_severity)
        stmt = stmt.where(c.severity.in_([s.value for s in Severity if s >= floor]))
    return stmt


def _finding_row(f: Finding, at: datetime) -> dict[str, Any]:
    """The ``findings`` row for ``f`` as first seen at ``at``."""
    return {
        "id": f.id,
        "analyzer": f.analyzer,
        "check": f.check,
        "scope": f.scope,
        "scope_key": t.scope_key(f.scope),
        "target": f.target,
        "severity": Severity(f.severity).value,
        "title": f.title,
        "evidence": f.evidence,
        "why": f.why,
        "remediation": f.remediation,
        "references": list(f.references),
        "first_seen": at,
        "last_seen": at,
        "status": Status.OPEN.value,
    }


def _finding(row: RowMapping) -> Finding:
    """A :class:`Finding` from a ``findings`` row."""
    return Finding(
        id=row["id"],
        analyzer=row["analyzer"],
        check=row["check"],
        scope=row["scope"],
        target=row["target"],
        severity=Severity(row["severity"]),
        title=row["title"],
        evidence=row["evidence"],
        remediation=row["remediation"],
        why=row["why"],
        references=tuple(row["references"] or ()),
        first_seen=row["first_seen"],
        last_seen=row["last_seen"],
        status=Status(row["status"]),
    )


def _history_entry(row: RowMapping) -> HistoryEntry:
    """A :class:`HistoryEntry` from a ``finding_history`` row."""
    old = row["old_status"]
    return HistoryEntry(
        finding_id=row["finding_id"],
        at=row["at"],
        old_status=None if old is None else Status(old),
        new_status=Status(row["new_status"]),
        run_id=row["run_id"],
        by=row["by"],
        reason=row["reason"],
    )


def _event_row(e: Event) -> dict[str, Any]:
    """The ``events`` row for ``e``."""
    return {
        "id": e.id,
        "time": _utc(e.time),
        "kind": e.kind,
        "source": e.source,
        "summary": e.summary,
        "severity": Severity(e.severity).value,
        "targets": list(e.targets),
        "indicators": list(e.indicators),
        "details": [list(d) for d in bounded_details(e.details)],
    }


def _event(row: RowMapping) -> Event:
    """An :class:`Event` from an ``events`` row."""
    return Event(
        id=row["id"],
        time=row["time"],
        kind=row["kind"],
        source=row["source"],
        summary=row["summary"],
        severity=Severity(row["severity"]),
        targets=tuple(row["targets"] or ()),
        indicators=tuple(row["indicators"] or ()),
        details=tuple((str(a), str(b)) for a, b in (row.get("details") or ())),
    )
