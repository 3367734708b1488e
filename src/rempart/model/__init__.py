"""The shared vocabulary: findings, events, severities, the campaign model."""

from rempart.model.findings import (
    Event,
    Finding,
    Observation,
    ScopeOutcome,
    Severity,
    Status,
    event_id,
    finding_id,
)

__all__ = [
    "Event",
    "Finding",
    "Observation",
    "ScopeOutcome",
    "Severity",
    "Status",
    "event_id",
    "finding_id",
]
