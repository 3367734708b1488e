"""Findings and events: what every analyzer produces and every view shows.

A *finding* is a standing problem on something the campaign owns (a domain, a
website, a mailbox): it is seen again on each run until fixed. An *event* is
something that happened at a moment (a phishing wave, a flood, a new finding)
and goes on the timeline.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum


class Severity(StrEnum):
    """How bad a finding or event is, from ``info`` to ``critical``."""

    INFO = "info"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """0 for info up to 4 for critical; used to compare severities."""
        return _RANK[self]

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank > other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_RANK = {s: i for i, s in enumerate(Severity)}


class Status(StrEnum):
    """Where a finding stands: still there, gone, or knowingly kept."""

    OPEN = "open"
    FIXED = "fixed"
    ACCEPTED = "accepted"


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p.encode("utf-8", "surrogateescape"))
        h.update(b"\x1f")
    return h.hexdigest()[:20]


def finding_id(analyzer: str, check: str, scope: str, target: str) -> str:
    """The stable id of a finding: the same problem on the same thing keeps it."""
    return _digest("finding", analyzer, check, scope.lower(), target.lower())


def event_id(source: str, kind: str, time: datetime, summary: str) -> str:
    """The stable id of an event, so importing the same event twice is harmless."""
    return _digest("event", source, kind, time.isoformat(), summary)


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC (what the store keeps)."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Observation:
    """What a check saw, before the registry gives it a severity and a fix.

    Checks return observations; they know nothing of severities, stores or
    runners. The registry turns each into a :class:`Finding`.
    """

    check: str
    """Check id, a key of the analyzer's registry (``mail.dmarc.missing``)."""
    target: str
    """The precise thing concerned: a domain, a name, an MX host."""
    evidence: str
    """What was seen, verbatim where possible (the DNS record, the reply)."""
    params: tuple[tuple[str, str], ...] = ()
    """Values the registry's remediation template needs (``("record", "...")``)."""


@dataclass(frozen=True)
class Finding:
    """A standing security problem on something the campaign owns."""

    id: str
    """Stable id (see :func:`finding_id`): same analyzer, check, scope, target."""
    analyzer: str
    """Which capability found it: ``audit``, ``mail``, ``logs``."""
    check: str
    """Check id in that analyzer's registry."""
    scope: str
    """The unit audited (a domain, a website): absent from a new run of that
    scope means fixed."""
    target: str
    """The precise thing concerned (may equal ``scope``)."""
    severity: Severity
    """How bad it is."""
    title: str
    """One line, plain words."""
    evidence: str
    """What was seen."""
    remediation: str
    """Exactly what to do, with the record to publish where there is one."""
    why: str = ""
    """Why it matters, one plain sentence."""
    references: tuple[str, ...] = ()
    """Standards and guides (RFCs, agency guidance)."""
    first_seen: datetime | None = None
    """First run that saw it (UTC); set by the store."""
    last_seen: datetime | None = None
    """Latest run that saw it (UTC); set by the store."""
    status: Status = Status.OPEN
    """Open, fixed, or accepted."""

    def seen_at(self, when: datetime) -> Finding:
        """The same finding, stamped as seen at ``when``."""
        return replace(self, first_seen=self.first_seen or when, last_seen=when)

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict (used by ``--format json`` and the store)."""
        return {
            "id": self.id,
            "analyzer": self.analyzer,
            "check": self.check,
            "scope": self.scope,
            "target": self.target,
            "severity": self.severity.value,
            "title": self.title,
            "evidence": self.evidence,
            "why": self.why,
            "remediation": self.remediation,
            "references": list(self.references),
            "first_seen": self.first_seen.isoformat() if self.first_seen else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class Event:
    """Something that happened at a moment: it goes on the timeline."""

    id: str
    """Stable id (see :func:`event_id`)."""
    time: datetime
    """When it happened, timezone-aware UTC."""
    kind: str
    """What kind: ``finding.new``, ``finding.fixed``, ``mail.phishing``, ``logs.flood``…"""
    source: str
    """Which analyzer or import produced it."""
    summary: str
    """One line, plain words."""
    severity: Severity = Severity.INFO
    """How bad it is."""
    targets: tuple[str, ...] = ()
    """Campaign assets concerned (domains, sites, mailboxes)."""
    indicators: tuple[str, ...] = ()
    """Indicators (URLs, IPs, addresses, hashes), never defanged in storage."""
    details: tuple[tuple[str, str], ...] = ()
    """Why, in a few labelled lines: a mail verdict's reasons, an incident's evidence
    lines and fix (at most :data:`MAX_DETAILS`, each cut to :data:`MAX_DETAIL_CHARS`)."""

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready dict."""
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "kind": self.kind,
            "source": self.source,
            "summary": self.summary,
            "severity": self.severity.value,
            "targets": list(self.targets),
            "indicators": list(self.indicators),
            "details": [list(d) for d in self.details],
        }


MAX_DETAILS = 20
"""Labelled lines an event keeps."""
MAX_DETAIL_CHARS = 500
"""Longest label or text of one detail line."""


def bounded_details(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """``pairs`` as event details: at most :data:`MAX_DETAILS`, each part cut."""
    out: list[tuple[str, str]] = []
    for label, text in pairs:
        if len(out) == MAX_DETAILS:
            break
        out.append((str(label)[:MAX_DETAIL_CHARS], str(text)[:MAX_DETAIL_CHARS]))
    return tuple(out)


@dataclass(frozen=True)
class ScopeOutcome:
    """How auditing one scope went: failures are data, not exceptions."""

    scope: str
    """The unit audited (a domain)."""
    findings: tuple[Finding, ...] = ()
    """What was found."""
    errors: tuple[str, ...] = field(default=())
    """One line each: a check that could not run and why (``dnssec: DNS timeout``)."""
    invalid: bool = False
    """True when the scope itself is unusable (malformed name): nothing was checked."""

    @property
    def complete(self) -> bool:
        """Every check ran: absence of a finding then really means fixed."""
        return not self.errors and not self.invalid
