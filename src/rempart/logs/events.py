"""Log incidents as timeline events (``logs.<detector id>``)."""

from __future__ import annotations

from rempart.logs.model import Incident
from rempart.model.findings import Event, bounded_details, event_id

SOURCE = "logs"
MAX_INDICATORS = 60


def incident_event(incident: Incident, site: str = "") -> Event:
    """The event of one incident; the same incident found again keeps its id."""
    sources = tuple(incident.sources[:MAX_INDICATORS])
    return Event(
        id=event_id(SOURCE, f"logs.{incident.kind}", incident.start, " ".join(sources)),
        time=incident.start,
        kind=f"logs.{incident.kind}",
        source=SOURCE,
        summary=(incident.summary or incident.kind)[:300],
        severity=incident.severity,
        targets=(site,) if site else (),
        indicators=sources,
        details=bounded_details(
            [*(("evidence", line) for line in incident.evidence), *incident.details]
        ),
    )
