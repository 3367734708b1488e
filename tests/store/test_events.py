"""Events: dedupe, filters, and the events record_scope creates."""

from __future__ import annotations

from datetime import timedelta, timezone

from rempart.model.findings import Event, Severity, event_id
from rempart.store import Store

from ._helpers import HOUR, T0, make_finding, outcome


def _event(kind: str, when_hours: float, source: str = "mail", summary: str = "wave") -> Event:
    time = T0 + timedelta(hours=when_hours)
    return Event(
        id=event_id(source, kind, time, summary),
        time=time,
        kind=kind,
        source=source,
        summary=summary,
        severity=Severity.HIGH,
        targets=("example.org",),
        indicators=("http://evil.example/login",),
    )


def test_add_events_ignores_duplicates(store: Store) -> None:
    first = [_event("mail.phishing", 0), _event("logs.flood", 1)]
    assert store.add_events(first) == 2
    assert store.add_events([first[0], first[0], _event("mail.phishing", 2)]) == 1
    assert store.add_events([]) == 0
    assert [e.id for e in store.events()] == [
        first[0].id,
        first[1].id,
        _event("mail.phishing", 2).id,
    ]


def test_events_round_trip_and_filters(store: Store) -> None:
    evs = [_event("mail.phishing", 0), _event("logs.flood", 1, source="logs"), _event("x", 2)]
    store.add_events(reversed(evs))
    assert store.events() == evs  # same values, ordered by time, UTC-aware
    assert store.events(since=T0 + HOUR) == evs[1:]
    assert store.events(until=T0 + HOUR) == evs[:1]
    assert store.events(kinds=["logs.flood", "x"]) == evs[1:]
    assert store.events(source="logs") == [evs[1]]
    local = (T0 + HOUR).astimezone(timezone(timedelta(hours=-5)))
    assert store.events(since=local, until=local + HOUR) == [evs[1]]


def test_record_scope_adds_new_and_fixed_events(store: Store) -> None:
    high = make_finding("mail.dmarc.missing", title="No DMARC policy")
    low = make_finding("web.hsts.short", "www.example.org", severity=Severity.LOW)
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", outcome("example.org", high, low), T0)
    [new] = store.events()
    assert (new.kind, new.source, new.severity, new.targets, new.time) == (
        "finding.new",
        "audit",
        Severity.HIGH,
        ("example.org",),
        T0,
    )
    assert new.summary == "No DMARC policy — example.org"
    store.record_scope(run, "audit", outcome("example.org", high, low), T0 + HOUR)
    assert len(store.events()) == 1  # seen again: no event
    store.record_scope(run, "audit", outcome("example.org"), T0 + 2 * HOUR)
    fixed = store.events(kinds=["finding.fixed"])
    assert sorted((e.targets, e.severity, e.time) for e in fixed) == [
        (("example.org",), Severity.INFO, T0 + 2 * HOUR),
        (("www.example.org",), Severity.INFO, T0 + 2 * HOUR),
    ]


def test_event_details_round_trip_and_are_replaced(store: Store) -> None:
    from dataclasses import replace

    details = (("evidence", "access.log:1: GET /<script> 404"), ("fix", "Block it"))
    e = replace(_event("logs.scan.probing", 0, source="logs"), details=details)
    store.add_events([e, _event("mail.phishing", 1)])
    assert store.events() == [e, _event("mail.phishing", 1)]
    grown = replace(e, details=(*e.details, ("evidence", "access.log:2: GET /.env 404")))
    store.replace_events([grown])
    assert store.events()[0].details == grown.details


def test_event_heads_are_the_page_without_its_json_columns(store: Store) -> None:
    """What the timeline chart reads: the same events in the same order as events_page,
    with targets, indicators and details left empty."""
    from dataclasses import replace as _replace

    t0 = T0
    made = [
        Event(
            id=event_id("logs", "logs.flood.ip", t0 + timedelta(minutes=k), f"flood {k}"),
            time=t0 + timedelta(minutes=k % 7),  # equal times: the id decides
            kind="logs.flood.ip",
            source="logs",
            summary=f"flood {k} <script>",
            severity=Severity.HIGH,
            targets=("parti.example",),
            indicators=(f"203.0.113.{k}",),
            details=(("evidence", "GET /"),),
        )
        for k in range(20)
    ]
    store.add_events(made)
    since, until = t0 + timedelta(minutes=1), t0 + timedelta(minutes=6)
    full = store.events_page(since=since, until=until, limit=8)[1]
    heads = store.event_heads(since=since, until=until, limit=8)
    assert len(heads) == 8
    assert heads == [_replace(e, targets=(), indicators=(), details=()) for e in full]
