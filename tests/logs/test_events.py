"""Incidents as timeline events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rempart.logs.events import incident_event
from rempart.logs.model import Incident
from rempart.model.findings import Severity

T0 = datetime(2027, 4, 1, 20, 0, tzinfo=UTC)


def test_incident_event_fields_and_stable_id() -> None:
    inc = Incident(kind="bruteforce.wordpress", severity=Severity.HIGH, start=T0,
                   end=T0 + timedelta(minutes=3), sources=("203.0.113.7",), count=40,
                   summary="203.0.113.7 tried 40 WordPress logins in 3 min")  # fmt: skip
    e = incident_event(inc, site="Main site")
    assert (e.kind, e.source, e.time, e.severity) == (
        "logs.bruteforce.wordpress", "logs", T0, Severity.HIGH
    )  # fmt: skip
    assert e.targets == ("Main site",)
    assert e.indicators == ("203.0.113.7",)
    assert e.summary == "203.0.113.7 tried 40 WordPress logins in 3 min"
    assert incident_event(inc, site="Main site").id == e.id
    other = Incident(kind="bruteforce.wordpress", severity=Severity.HIGH, start=T0, end=T0,
                     sources=("203.0.113.8",), count=40)  # fmt: skip
    assert incident_event(other).id != e.id
    assert incident_event(other).summary == "bruteforce.wordpress"


def test_incident_event_keeps_evidence_lines_and_the_fix() -> None:
    inc = Incident(kind="scan.probing", severity=Severity.MEDIUM, start=T0, end=T0,
                   sources=("198.51.100.9",), count=30,
                   evidence=("access.log:12: GET /old/backup1.zip 404",
                             "access.log:13: GET /<script>x 404"),
                   details=(("distinct", "30"), ("fix", "Block the source.")))  # fmt: skip
    e = incident_event(inc)
    assert e.details == (
        ("evidence", "access.log:12: GET /old/backup1.zip 404"),
        ("evidence", "access.log:13: GET /<script>x 404"),
        ("distinct", "30"),
        ("fix", "Block the source."),
    )
    many = Incident(kind="scan.probing", severity=Severity.MEDIUM, start=T0, end=T0,
                    sources=("198.51.100.9",), count=1,
                    evidence=tuple("x" * 9000 for _ in range(40)))  # fmt: skip
    bounded = incident_event(many).details
    assert len(bounded) == 20 and all(len(text) == 500 for _, text in bounded)
