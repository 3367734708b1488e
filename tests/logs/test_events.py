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
