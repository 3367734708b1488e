"""Fixtures of the dashboard tests: a store seeded with hostile text, and the app on it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from rempart.model.campaign import Campaign
from rempart.model.findings import Event, Finding, ScopeOutcome, Severity, event_id, finding_id
from rempart.store import Store
from rempart.web.app import create_app
from rempart.web.auth import AuthConfig

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
"""The dashboard's 'now' in these tests."""
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
TEMPLATE = "{{7*7}}"
HOSTILE = (SCRIPT, IMG, TEMPLATE)
"""Attacker-written text fed through every page."""
EVIL_URL = "https://evil.example/login"
EVIL_MAIL = "ceo@evil.example"
EVIL_IP = "203.0.113.7"
PASSWORD = "correct horse battery staple"
BASE = "http://127.0.0.1:8765"


def finding(
    check: str, target: str, severity: Severity, title: str, evidence: str = "", scope: str = ""
) -> Finding:
    """An audit finding on ``scope`` (default: parti.example)."""
    scope = scope or "parti.example"
    return Finding(
        id=finding_id("audit", check, scope, target),
        analyzer="audit",
        check=check,
        scope=scope,
        target=target,
        severity=severity,
        title=title,
        evidence=evidence or f"saw {check}",
        remediation=f"fix {check} {TEMPLATE}",
        why="it matters",
    )


FINDINGS = (
    finding("mail.dmarc.missing", "parti.example", Severity.HIGH, f"No DMARC {SCRIPT}"),
    finding(
        "site.headers",
        "www.parti.example",
        Severity.MEDIUM,
        f"Headers {IMG}",
        evidence=f"redirects to {EVIL_URL} {SCRIPT}",
    ),
    finding("dns.dnssec", "parti.example", Severity.LOW, f"No DNSSEC {TEMPLATE}"),
    finding("site.export", "members.parti.example", Severity.CRITICAL, "Members export open"),
    finding("tls.old", "old.parti.example", Severity.INFO, "Old TLS version"),
)


def _event(
    kind: str, when: datetime, summary: str, severity: Severity, **kw: tuple[Any, ...]
) -> Event:
    source = kind.split(".", 1)[0]
    return Event(
        id=event_id(source, kind, when, summary),
        time=when,
        kind=kind,
        source=source,
        summary=summary,
        severity=severity,
        targets=kw.get("targets", ()),
        indicators=kw.get("indicators", ()),
        details=kw.get("details", ()),
    )


EVENTS = (
    _event("mail.phishing", NOW - timedelta(days=1), f"Lure {SCRIPT} from {EVIL_URL}",
           Severity.HIGH, targets=("presse@parti.example",), indicators=(EVIL_URL, EVIL_MAIL),
           details=(("Link asks for a password", f"{SCRIPT} {EVIL_URL}"),)),
    _event("mail.suspicious", NOW - timedelta(days=2), f"Odd {IMG}", Severity.MEDIUM,
           indicators=(EVIL_MAIL,)),
    _event("mail.spam", NOW - timedelta(days=30), "Old spam", Severity.LOW),
    _event("logs.flood.ip", NOW - timedelta(hours=3), f"Flood {TEMPLATE} {IMG}", Severity.HIGH,
           targets=("www.parti.example",), indicators=(EVIL_IP,),
           details=(("evidence", f"access.log:7: GET /{IMG} 200"), ("fix", TEMPLATE))),
    _event("logs.burst.errors", NOW - timedelta(hours=2), "Errors burst", Severity.MEDIUM,
           indicators=("198.51.100.9",)),
)  # fmt: skip


def seed(db: str) -> None:
    """Put :data:`FINDINGS` and :data:`EVENTS` in the store ``db``."""
    with Store.open(db) as store:
        run = store.start_run("audit", {})
        store.record_scope(run, "audit", ScopeOutcome("parti.example", FINDINGS[:4]), NOW)
        store.record_scope(
            run, "audit", ScopeOutcome("old.parti.example", (_rescoped(FINDINGS[4]),)), NOW
        )
        store.finish_run(run, "done")
        store.add_events(EVENTS)


def _rescoped(f: Finding) -> Finding:
    from dataclasses import replace

    return replace(f, scope="old.parti.example", id=finding_id("audit", f.check,
                   "old.parti.example", f.target))  # fmt: skip


def campaign() -> Campaign:
    """A campaign whose name is hostile and whose calendar has a round in 5 days."""
    return Campaign.model_validate(
        {
            "organisation": {"name": f"Parti {SCRIPT}"},
            "calendar": [
                {"name": f"Premier tour {IMG}", "kind": "round",
                 "start": (NOW + timedelta(days=5)).isoformat()},
                {"name": "Débat", "kind": "debate", "start": (NOW - timedelta(days=3)).isoformat()},
            ],
            "timeline": {"zone": "Europe/Paris"},
        }
    )  # fmt: skip


@pytest.fixture
def db(tmp_path: Path) -> str:
    """A seeded SQLite store."""
    path = str(tmp_path / "store.db")
    seed(path)
    return path


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    """The dashboard without login, on loopback."""
    app = create_app(db, campaign(), now=lambda: NOW)
    with TestClient(app, base_url=BASE) as c:
        yield c


@pytest.fixture(scope="session")
def password_hash() -> str:
    return PasswordHasher().hash(PASSWORD)


@pytest.fixture
def auth_app(db: str, password_hash: str):  # type: ignore[no-untyped-def]
    """The dashboard with a login."""
    return create_app(db, campaign(), auth=AuthConfig(password_hash), now=lambda: NOW)
