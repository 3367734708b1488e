"""What a campaign timeline is made of: calendar moments and dated security events.

A :class:`Timeline` holds the election calendar (:class:`Moment`: rounds,
silence periods, debates, official campaign…) and the events put on it
(:class:`TimelineEvent`: phishing waves, floods, leaks, intrusions, news).
Everything is stored in UTC *with* the zone it was given in, how precise the
time is (a leak known to the minute, another only to the day) and where the
fact comes from with a certainty — so that charts say which facts are
uncertain and statistics use only the times that are precise enough.

Sources of timelines (each a module of this package) build these values; views
(terminal, chart, exports, statistics, risk calendar) read them. None of them
knows the others.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import get_args

from rempart.model.campaign import EventKind
from rempart.model.findings import Event, Severity, event_id

MOMENT_KINDS: tuple[str, ...] = get_args(EventKind)
"""Kinds of calendar moments (the same as the campaign file's ``[[calendar]]`` kinds)."""

PERIOD_KINDS = ("campaign_start", "silence", "primary", "convention")
"""Kinds usually drawn as bands (they have an end); the others are markers."""


class Certainty(StrEnum):
    """How sure a dated fact is (the case files' H/M/L)."""

    HIGH = "H"
    """Two or more consistent sources, or an official one; or our own logs."""
    MEDIUM = "M"
    """One reputable source, or a small ambiguity (time of day, numbering)."""
    LOW = "L"
    """A weak or secondary source, or an inference."""


class Precision(StrEnum):
    """How precisely the time of a fact is known."""

    MINUTE = "minute"
    HOUR = "hour"
    """Known to about an hour ("afternoon", "~20:30")."""
    DAY = "day"
    """The date only: the time stored is midnight in the original zone."""
    MONTH = "month"
    """The month only ("late April"): the time stored is the 1st (or the stated day)."""

    def at_least(self, other: Precision) -> bool:
        """True when this is as precise as ``other`` or more."""
        order = list(Precision)
        return order.index(self) <= order.index(other)


@dataclass(frozen=True)
class Moment:
    """One entry of the election calendar: a moment or a period."""

    name: str
    kind: str
    """One of :data:`MOMENT_KINDS`."""
    start: datetime
    """Aware, UTC."""
    end: datetime | None = None
    """Aware, UTC, never before ``start``; None for a moment without duration."""
    zone: str = "UTC"
    """IANA zone the times were given in (for display in local time)."""
    precision: Precision = Precision.MINUTE
    certainty: Certainty = Certainty.HIGH
    source: str = ""
    """Where the fact comes from (citations for case studies, a file:row for imports)."""
    zone_assumed: bool = False
    """The times came without a zone and took the campaign's (the output says so)."""
    description: str = ""
    """Longer plain-words text (a risk window's why and posture; an .ics DESCRIPTION)."""

    @property
    def until(self) -> datetime:
        """``end``, or ``start`` for a moment without duration."""
        return self.end or self.start


@dataclass(frozen=True)
class TimelineEvent:
    """A dated security fact: an attack, a leak, an intrusion, or news about one."""

    id: str
    time: datetime
    """Aware, UTC."""
    kind: str
    """``leak``, ``phishing``, ``intrusion``, ``attribution``, ``news``, ``dos`` for case
    studies; the store's kinds (``mail.phishing``, ``logs.flood.ip``…) for a campaign."""
    summary: str
    severity: Severity = Severity.INFO
    end: datetime | None = None
    zone: str = "UTC"
    precision: Precision = Precision.MINUTE
    certainty: Certainty = Certainty.HIGH
    source: str = ""
    """Analyzer (``mail``, ``logs``, ``audit``), import file, or citations."""
    tags: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    zone_assumed: bool = False

    @classmethod
    def from_store(cls, event: Event, summary: str | None = None) -> TimelineEvent:
        """An event the analyzers stored (times are exact, facts are our own); ``summary``
        replaces the stored one (a view's cleaned, defanged text)."""
        return cls(
            id=event.id,
            time=event.time.astimezone(UTC),
            kind=event.kind,
            summary=event.summary if summary is None else summary,
            severity=event.severity,
            source=event.source,
            targets=event.targets,
            indicators=event.indicators,
        )

    def to_store(self) -> Event:
        """This event as the store keeps it (zone, precision, certainty are not kept there)."""
        return Event(
            id=self.id or event_id(self.source, self.kind, self.time, self.summary),
            time=self.time,
            kind=self.kind,
            source=self.source or "timeline",
            summary=self.summary,
            severity=self.severity,
            targets=self.targets,
            indicators=self.indicators,
        )

    @property
    def family(self) -> str:
        """The first part of ``kind`` (``logs`` for ``logs.flood.ip``), for grouping."""
        return self.kind.split(".", 1)[0]


@dataclass(frozen=True)
class Timeline:
    """A calendar and the events on it, with what was assumed while building it."""

    name: str
    zone: str = "UTC"
    """The campaign's zone: local times are shown in it."""
    moments: tuple[Moment, ...] = ()
    events: tuple[TimelineEvent, ...] = ()
    notes: tuple[str, ...] = ()
    """Plain-words remarks for the output: assumed zones, uncertain facts, skipped rows."""
    window: tuple[datetime, datetime] | None = None
    """The period the timeline covers (the campaign window for statistics); None: from
    the first to the last item."""

    def span(self) -> tuple[datetime, datetime]:
        """The period covered: ``window``, else first to last moment or event (a day if one)."""
        if self.window is not None:
            return self.window
        times = [m.start for m in self.moments] + [m.until for m in self.moments]
        times += [e.time for e in self.events] + [e.end for e in self.events if e.end]
        if not times:
            now = datetime.now(UTC)
            return now, now + timedelta(days=1)
        first, last = min(times), max(times)
        return first, max(last, first + timedelta(days=1))

    def between(
        self, start: datetime | None = None, end: datetime | None = None,
        kinds: tuple[str, ...] = (),
    ) -> Timeline:  # fmt: skip
        """The same timeline cut to ``[start, end)`` and to events whose kind starts with one
        of ``kinds`` (all kinds when empty); moments overlapping the period are kept."""

        def keep_time(a: datetime, b: datetime) -> bool:
            return (start is None or b >= start) and (end is None or a < end)

        def keep_kind(kind: str) -> bool:
            return not kinds or any(kind == k or kind.startswith(k + ".") for k in kinds)

        moments = tuple(m for m in self.moments if keep_time(m.start, m.until))
        events = tuple(e for e in self.events
                       if keep_time(e.time, e.end or e.time) and keep_kind(e.kind))  # fmt: skip
        window = None
        if start is not None and end is not None:
            window = (start, end)
        return Timeline(self.name, self.zone, moments, events, self.notes, window or self.window)


@dataclass(frozen=True)
class Problem:
    """A row or item that could not be read: where, and why, in one line."""

    where: str
    """``calendar.ics:42`` or ``events.csv:7``."""
    reason: str

    def line(self) -> str:
        return f"{self.where}: {self.reason}"


@dataclass(frozen=True)
class Loaded:
    """What reading a file gave: the items read and the problems, never an exception."""

    moments: tuple[Moment, ...] = ()
    events: tuple[TimelineEvent, ...] = ()
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = field(default=())
