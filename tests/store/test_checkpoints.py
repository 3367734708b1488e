"""Checkpoints (where a watcher stopped) and events that grow (replace_events)."""

from __future__ import annotations

from dataclasses import replace

from rempart.model.findings import Event, Severity, event_id
from rempart.store import Store

from ._helpers import T0


def test_checkpoint_round_trip_and_overwrite(store: Store) -> None:
    assert store.get("imap:a@h:993/INBOX") is None
    store.put("imap:a@h:993/INBOX", {"uidvalidity": 7, "last_uid": 12})
    store.put("other", {"x": "y"})
    assert store.get("imap:a@h:993/INBOX") == {"uidvalidity": 7, "last_uid": 12}
    store.put("imap:a@h:993/INBOX", {"uidvalidity": 7, "last_uid": 40})
    assert store.get("imap:a@h:993/INBOX") == {"uidvalidity": 7, "last_uid": 40}
    assert store.get("other") == {"x": "y"}


def test_checkpoint_survives_reopening(db_url: str) -> None:
    with Store.open(db_url) as first:
        first.put("k", {"last_uid": 3})
    with Store.open(db_url) as again:
        assert again.get("k") == {"last_uid": 3}


def test_replace_events_overwrites_a_growing_event(store: Store) -> None:
    wave = Event(
        id=event_id("mail", "mail.wave", T0, "evil.example"),
        time=T0, kind="mail.wave", source="mail", summary="Phishing wave: 3 messages",
        severity=Severity.HIGH, indicators=("evil.example",),
    )  # fmt: skip
    assert store.replace_events([wave]) == 1
    grown = replace(wave, summary="Phishing wave: 5 messages", severity=Severity.CRITICAL)
    assert store.replace_events([grown]) == 1
    stored = store.events(kinds=["mail.wave"])
    assert [(e.id, e.summary, e.severity) for e in stored] == [
        (wave.id, "Phishing wave: 5 messages", Severity.CRITICAL)
    ]
    assert store.replace_events([]) == 0
