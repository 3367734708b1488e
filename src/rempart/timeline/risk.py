"""The risk calendar ahead: the hours when an attack or a leak would hurt most.

The 2016 US and 2017 French elections showed that leaks are timed: the DNC
mail three days before the convention, the Podesta mail within the hour of
damaging news on a Friday afternoon, a candidate's mail dumped hours before
the legal pre-election silence, when no one could answer. This module reads
the election calendar (:class:`~rempart.timeline.model.Moment` values) and
lists the windows ahead where the team must be ready, each with the posture to
hold: who is on call, what is watched more often, what statement is ready.

One documented :class:`RiskRule` per kind of window, in the registry
:data:`RULES`; each turns a calendar moment into zero or more windows.
Offsets such as "48 h before" are *real elapsed hours*: across a clock change
the window starts an hour earlier or later on the wall clock (what matters is
how long the team is exposed). Clock times such as "Friday 14:00" or "polls
close at 20:00" are *local* times in the moment's zone, so they stay at the
right local hour across a clock change; so are the default lengths given to a
period without end, which stand for local rules (a silence from Friday
midnight to Sunday 20:00 is 43 real hours on the night the clocks go forward).

Bad input never raises: a moment that cannot be used is a :class:`Problem`
naming it, an assumption (a silence without end, a time without zone) is a
note on the windows it produced.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from rempart.model.findings import Severity
from rempart.timeline.model import Certainty, Moment, Precision, Problem

log = logging.getLogger(__name__)

__all__ = [
    "MAX_DAYS",
    "MAX_MOMENTS",
    "RULES",
    "Posture",
    "RiskCalendar",
    "RiskRule",
    "RiskWindow",
    "Span",
    "lines",
    "risk_calendar",
    "risk_windows",
    "rule",
]

MAX_DAYS = 400
"""The longest look ahead (``days`` is cut to this): a campaign fits in it."""
MAX_MOMENTS = 10_000
"""Moments read at most; the rest are reported as one problem."""
MAX_NAME = 120
"""Characters of a moment's name kept in windows and output."""
MAX_ALSO = 5
"""At most this many "also from" notes on a window shared by several moments."""

SILENCE_EVE = timedelta(hours=48)
"""Before a silence period: the May 2017 dump came about 3.5 h before it; 48 h
covers the last two evenings of campaigning."""
SILENCE_DEFAULT = timedelta(hours=44)
"""A silence without end: the French rule, midnight before the eve of the vote
(Friday 24:00) to the close of polls (Sunday 20:00)."""
DEBATE_BEFORE = timedelta(hours=6)
"""Before a debate: the 2017 "offshore account" rumour spread hours before it."""
DEBATE_AFTER = timedelta(hours=3)
"""After a debate: the commentary and the fact-checks of the night."""
DEBATE_DEFAULT = timedelta(hours=3)
"""A debate without end: 2 h 30 (France 2017) rounded up; US debates last 90 min."""
ROUND_EVE = timedelta(hours=72)
"""Before a vote: the last three days, when a leak leaves least time to answer."""
POLLS_CLOSE = time(20, 0)
"""A round without end: polls assumed to close at 20:00 local (France's big cities)."""
RESULTS_AFTER = timedelta(hours=12)
"""After the polls close: the results night, until the next morning."""
CAMPAIGN_OPEN = timedelta(hours=24)
"""The first day of the official campaign."""
CAMPAIGN_DEFAULT = timedelta(days=14)
"""An official campaign without end: two weeks (the French presidential first round)."""
CONVENTION_EVE = timedelta(days=4)
"""Before a convention: the DNC mail came on the Friday, three days before the
Monday opening; four days take in that whole Friday whatever its hour."""
CONVENTION_DEFAULT = timedelta(days=4)
"""A convention without end: four days (both 2016 US conventions)."""
FRIDAY_FROM = time(14, 0)
"""Friday windows start at 14:00 local (Podesta 16:32 EDT; Macron ~20:30 CEST)."""


# --------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Posture:
    """What the team holds during a window, in plain words."""

    on_call: str
    """Who is on call, by role, and how they are reached."""
    monitor: str
    """What is watched more often than usual, and how often."""
    statement: str
    """What is ready to publish (validated in advance) and who to call."""


@dataclass(frozen=True)
class Span:
    """One window a rule derived from a moment, before the look-ahead cut."""

    start: datetime
    """Aware, UTC."""
    end: datetime
    """Aware, UTC, after ``start``."""
    notes: tuple[str, ...] = ()
    """Assumptions made (a default length for a period without end)."""


Plan = Callable[[Moment, tzinfo, datetime, datetime], tuple[Span, ...]]
"""How a rule derives windows: (moment in UTC, the moment's zone, look-ahead start,
look-ahead end) → spans. The look-ahead only bounds repeated windows (Fridays)."""


@dataclass(frozen=True)
class RiskRule:
    """One kind of risk window: when it is, why it matters, the posture to hold."""

    id: str
    """Stable id (``risk.silence_eve``), used in output, exports and tests."""
    title: str
    """One line, plain words."""
    level: Severity
    """How much harm an attack or a leak in the window would do (critical/high/medium)."""
    kinds: tuple[str, ...]
    """The calendar kinds (:data:`~rempart.timeline.model.MOMENT_KINDS`) it applies to."""
    when: str
    """The window in plain words (from when to when, and the default without an end)."""
    why: str
    """Why it matters, citing the case that shows it."""
    posture: Posture
    plan: Plan
    """Derives the windows from one moment."""


@dataclass(frozen=True)
class RiskWindow:
    """A period ahead where an attack or a leak would hurt most, and what to hold."""

    rule: str
    """The :class:`RiskRule` id."""
    level: Severity
    title: str
    start: datetime
    """Aware, UTC."""
    end: datetime
    """Aware, UTC."""
    moment: str
    """The name of the calendar moment it derives from."""
    zone: str
    """IANA zone to show local times in (the campaign's)."""
    why: str
    posture: Posture
    notes: tuple[str, ...] = ()
    """Assumptions and doubts: defaults for missing ends, assumed zones, uncertain dates."""
    certainty: Certainty = Certainty.HIGH
    """The certainty of the moment it derives from."""
    precision: Precision = Precision.MINUTE
    """How precisely the moment's time is known (a day-only date: approximate hours)."""

    def in_progress(self, now: datetime) -> bool:
        """True when the window has begun and is not over at ``now``."""
        return self.start <= now < self.end

    def as_moment(self) -> Moment:
        """This window as a calendar moment (kind ``other``), e.g. for an ``.ics`` export."""
        return Moment(
            name=f"Risk: {self.title} ({self.moment})",
            kind="other",
            start=self.start,
            end=self.end,
            zone=self.zone,
            precision=self.precision,
            certainty=self.certainty,
            source=f"rempart timeline risk: {self.rule}",
            description=(
                f"{self.why}\nOn call: {self.posture.on_call}\nMonitor: {self.posture.monitor}"
                f"\nStatement ready: {self.posture.statement}"
            ),
        )

    def as_dict(self) -> dict[str, object]:
        """Plain values for JSON output."""
        return {
            "rule": self.rule,
            "level": self.level.value,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "moment": self.moment,
            "zone": self.zone,
            "why": self.why,
            "on_call": self.posture.on_call,
            "monitor": self.posture.monitor,
            "statement": self.posture.statement,
            "notes": list(self.notes),
            "certainty": self.certainty.value,
            "precision": self.precision.value,
        }


@dataclass(frozen=True)
class RiskCalendar:
    """The windows ahead, and what could not be used or had to be assumed."""

    windows: tuple[RiskWindow, ...] = ()
    """Sorted by start, then end, then level (worst first), rule id and moment."""
    problems: tuple[Problem, ...] = ()
    """Moments that could not be used, one line each, naming the moment."""
    notes: tuple[str, ...] = ()
    """Remarks on the whole calendar (look-ahead cut, unknown display zone)."""


# --------------------------------------------------------------------------
# How windows are derived (plans)
# --------------------------------------------------------------------------


def _end_or(
    m: Moment, tz: tzinfo, default: timedelta, reason: str,
) -> tuple[datetime, tuple[str, ...]]:  # fmt: skip
    """The moment's end, or ``start + default`` on the local clock and a note saying so.

    Defaults stand for local rules ("Friday midnight to Sunday 20:00"), so they are added
    to the wall clock: a 44 h silence from midnight ends at 20:00 local even when the
    clocks change in between (it then lasts 43 or 45 real hours).
    """
    if m.end is not None and m.end > m.start:
        return m.end, ()
    end = (m.start.astimezone(tz) + default).astimezone(UTC)
    note = f"'{m.name}' has no end: assumed to last {_amount(default)} ({reason})."
    return end, (note,)


def _before(length: timedelta) -> Plan:
    """From ``length`` (real elapsed time) before the moment starts until it starts."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        return (Span(m.start - length, m.start),)

    return plan


def _during(default: timedelta, reason: str) -> Plan:
    """The period itself; ``default`` long (with a note) when it has no end."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        end, notes = _end_or(m, tz, default, reason)
        return (Span(m.start, end, notes),)

    return plan


def _opening(length: timedelta) -> Plan:
    """The first ``length`` of a period (its end does not matter)."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        return (Span(m.start, m.start + length),)

    return plan


def _around(before: timedelta, after: timedelta, default: timedelta, reason: str) -> Plan:
    """From ``before`` the start to ``after`` the end (``default`` long without an end)."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        end, notes = _end_or(m, tz, default, reason)
        return (Span(m.start - before, end + after, notes),)

    return plan


def _local(day: date, clock: time, tz: tzinfo) -> datetime:
    """``clock`` on ``day`` in ``tz``, in UTC (a time skipped by a clock change moves)."""
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def _polling(close: time, after: timedelta) -> Plan:
    """From the start of the polling day to ``after`` the close of polls (the round's end;
    without one, ``close`` local time on the day it starts, with a note)."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        if m.end is not None and m.end > m.start:
            return (Span(m.start, m.end + after),)
        shut = max(_local(m.start.astimezone(tz).date(), close, tz), m.start)
        note = (
            f"'{m.name}' has no end: polls assumed to close at {close:%H:%M} local time "
            f"({_clock(shut, tz)})."
        )
        return (Span(m.start, shut + after, (note,)),)

    return plan


def _fridays(start_clock: time, default: timedelta, reason: str) -> Plan:
    """Every Friday from ``start_clock`` to midnight (local) whose start falls inside the
    period; only the Fridays near the look-ahead are listed (bounded)."""

    def plan(m: Moment, tz: tzinfo, since: datetime, until: datetime) -> tuple[Span, ...]:
        end, notes = _end_or(m, tz, default, reason)
        first = max(m.start, since - timedelta(days=1)).astimezone(tz).date()
        last = min(end, until).astimezone(tz).date()
        day = first + timedelta(days=(4 - first.weekday()) % 7)
        spans = []
        while day <= last:
            s = _local(day, start_clock, tz)
            if m.start <= s < end:
                spans.append(Span(s, _local(day + timedelta(days=1), time(0), tz), notes))
            day += timedelta(days=7)
        return tuple(spans)

    return plan


# --------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------

_CALL_TECH = "The technician and a deputy, both reachable by phone at any hour"
_HOLDING = (
    "The holding statement on a leak, approved in advance by the campaign director and the "
    "lawyer, modelled on En Marche!'s of 5 May 2017 (a 'massive and coordinated' hack, with "
    "fakes mixed in): 'We were hacked. The documents being published may be mixed with "
    "fakes; we will not comment on them one by one.'"
)
_CONTACTS = (
    "Contacts checked to answer: the national cyber agency's incident line (ANSSI / CERT-FR "
    "in France), the campaign oversight commission (CNCCEP for a French presidential "
    "election), the web host, the registrar, the platforms' election teams."
)
_FOLLOW = "`rempart logs follow` on the sites"

RULES: tuple[RiskRule, ...] = (
    RiskRule(
        id="risk.campaign_open",
        title="First hours of the official campaign",
        level=Severity.MEDIUM,
        kinds=("campaign_start",),
        when="The first 24 hours of each official campaign period.",
        why=(
            "The official campaign opens with the most visited pages and the most mail so far: "
            "sites are relaunched, lists mailed, new volunteers given accounts, and any outage "
            "or defacement is seen by everyone. Phishing of campaign staff starts early: the "
            "Clinton campaign was phished from March 2016, eight months before the vote."
        ),
        posture=Posture(
            on_call=(
                "The technician all day, with the web host's support number at hand; the "
                "communications lead, to answer about an outage."
            ),
            monitor=(
                "`rempart audit` the day before (DNS, TLS, mail security); "
                + _FOLLOW
                + " during the launch; mail triage every hour (`rempart mail`); every new "
                "account has two-factor login before it is used."
            ),
            statement=(
                "An outage notice ready ('Our site is temporarily unavailable; our programme "
                "is also at …'), a copy of the site to restore from, and the host's and "
                "registrar's emergency contacts printed."
            ),
        ),
        plan=_opening(CAMPAIGN_OPEN),
    ),
    RiskRule(
        id="risk.friday_afternoon",
        title="Friday afternoon and evening during the campaign",
        level=Severity.MEDIUM,
        kinds=("campaign_start",),
        when=(
            "Every Friday from 14:00 to midnight, local time, inside each official campaign "
            "period (14 days when the period has no end)."
        ),
        why=(
            "The three best-known releases came on a Friday: the DNC mail (22 July 2016), the "
            "Podesta mail (7 October 2016, 16:32 EDT, within the hour of the Access Hollywood "
            "tape) and a candidate's mail (5 May 2017, about 20:30). The team is leaving for the "
            "weekend, newsrooms are thin, and answers wait until Monday."
        ),
        posture=Posture(
            on_call=(
                "The technician reachable by phone until midnight; the communications lead "
                "able to publish a statement on Friday evening; who approves it at the "
                "weekend, named."
            ),
            monitor=(
                "Mail triage every 30 min until the evening; "
                + _FOLLOW
                + "; paste sites and social media searched for the party's name and the "
                "staff's addresses at the end of the afternoon."
            ),
            statement=_HOLDING + " " + _CONTACTS,
        ),
        plan=_fridays(FRIDAY_FROM, CAMPAIGN_DEFAULT, "two weeks, like a French first round"),
    ),
    RiskRule(
        id="risk.debate",
        title="Debate night",
        level=Severity.HIGH,
        kinds=("debate",),
        when=(
            "From 6 h before the debate starts to 3 h after it ends (a debate without end is "
            "assumed to last 3 h)."
        ),
        why=(
            "Hours before the Macron–Le Pen debate of 3 May 2017 a fake 'offshore account' "
            "rumour spread from 4chan, for the debate to carry. A leak is timed within the "
            "hour of damaging news: the Podesta mail came about 30 minutes after the Access "
            "Hollywood tape. Debate nights have the largest audience, and the candidate cannot "
            "check a document live."
        ),
        posture=Posture(
            on_call=(
                "The technician and the communications lead from the afternoon until an hour "
                "after the debate; a fact-checker with the debate team, holding the real "
                "documents a forgery could imitate (bank, tax, contracts)."
            ),
            monitor=(
                "Mentions of the candidate on social media and paste sites every 15 min; mail "
                "triage every 30 min; "
                + _FOLLOW
                + " (the debate brings a traffic peak: check that no flood hides in it)."
            ),
            statement=(
                "A denial template for a forged document ('This document is a fake; here is "
                "the original'), the originals ready to publish, and the holding statement "
                "on a leak. " + _CONTACTS
            ),
        ),
        plan=_around(DEBATE_BEFORE, DEBATE_AFTER, DEBATE_DEFAULT, "a French debate is 2 h 30"),
    ),
    RiskRule(
        id="risk.convention_eve",
        title="Days before a convention",
        level=Severity.HIGH,
        kinds=("convention",),
        when="From 4 days (96 h) before the convention opens until it opens.",
        why=(
            "WikiLeaks published 19,252 DNC emails on Friday 22 July 2016, three days before "
            "the Democratic convention; the party chair gave up convening it and resigned. A "
            "leak in the days before a convention sets the agenda of the whole week."
        ),
        posture=Posture(
            on_call=(
                _CALL_TECH + "; the party's director and the convention's communications lead, "
                "reachable in the evening."
            ),
            monitor=(
                "`rempart audit` at the start of the window; mail triage every 30 min; "
                + _FOLLOW
                + "; the logins of the leaders' and staff's accounts reviewed daily (new "
                "devices, forwarding rules)."
            ),
            statement=_HOLDING + " The list of who may speak for the party. " + _CONTACTS,
        ),
        plan=_before(CONVENTION_EVE),
    ),
    RiskRule(
        id="risk.convention",
        title="During a convention",
        level=Severity.MEDIUM,
        kinds=("convention",),
        when="The convention itself (4 days when it has no end).",
        why=(
            "The DNC voicemail tranche came out during the convention (27 July 2016): a leak "
            "during the convention competes with its speeches for the headlines, and the "
            "convention's sites and streams are the most visited of the year."
        ),
        posture=Posture(
            on_call=(
                "The technician on site or reachable at any hour; the convention's "
                "communications lead."
            ),
            monitor=(
                _FOLLOW + " and the streaming pages; mail triage every hour; the social "
                "accounts' logins and posts twice a day."
            ),
            statement=_HOLDING + " An outage notice for the stream and the sites. " + _CONTACTS,
        ),
        plan=_during(CONVENTION_DEFAULT, "both 2016 US conventions lasted four days"),
    ),
    RiskRule(
        id="risk.round_eve",
        title="Days before the vote",
        level=Severity.HIGH,
        kinds=("round", "primary"),
        when="From 72 h before the round (or primary) starts until it starts.",
        why=(
            "The last days before a vote are when a leak does most harm and leaves least time "
            "to answer: the Podesta mail came in daily batches until the eve of the US vote "
            "(7 November 2016); a candidate's mail was dumped on the Friday before the French "
            "second round (5 May 2017). The head of the French agency (ANSSI) put it: 'if "
            "something were to happen, it would be a few hours before the vote'."
        ),
        posture=Posture(
            on_call=(
                "The technician every day with a deputy as backup; the campaign director and "
                "the communications lead reachable in the evening and at the weekend."
            ),
            monitor=(
                "`rempart audit` at the start of the window (DNS, TLS, mail); mail triage "
                "every 30 min; "
                + _FOLLOW
                + "; the candidate's and staff's account logins reviewed daily (new devices, "
                "forwarding rules)."
            ),
            statement=_HOLDING + " The list of who may speak for the campaign. " + _CONTACTS,
        ),
        plan=_before(ROUND_EVE),
    ),
    RiskRule(
        id="risk.silence_eve",
        title="Hours before the pre-election silence",
        level=Severity.CRITICAL,
        kinds=("silence",),
        when=(
            "From 48 h before the silence period starts until it starts (real elapsed hours: "
            "across a clock change the local start moves by an hour)."
        ),
        why=(
            "In May 2017 a candidate's mail was dumped hours before the legal pre-election "
            "silence (Friday 5 May, about 20:30; silence at midnight): the campaign had time "
            "for one statement before it could no longer speak, and the documents circulated "
            "unanswered until the vote."
        ),
        posture=Posture(
            on_call=(
                _CALL_TECH + "; the campaign director, to approve a statement "
                "within the hour; a lawyer, for what may still be said before the silence."
            ),
            monitor=(
                "Mail triage every 15 min (`rempart mail`); "
                + _FOLLOW
                + "; `rempart audit` of DNS, TLS and mail the day before; paste sites, 4chan "
                "and social media searched for the party's name and the staff's addresses "
                "every 30 min."
            ),
            statement=_HOLDING + " " + _CONTACTS,
        ),
        plan=_before(SILENCE_EVE),
    ),
    RiskRule(
        id="risk.silence",
        title="Pre-election silence: no public answer possible",
        level=Severity.CRITICAL,
        kinds=("silence",),
        when=(
            "The silence period itself (44 h when it has no end: French rule, Friday midnight "
            "to the close of polls on Sunday 20:00)."
        ),
        why=(
            "During the silence the campaign cannot answer publicly: the law forbids "
            "campaigning, and in May 2017 the oversight commission asked the media not to "
            "relay the leaked documents. A leak or a forgery stays unanswered until the polls "
            "close."
        ),
        posture=Posture(
            on_call=(
                _CALL_TECH + "; the campaign director; a lawyer, who decides what may be said "
                "and to whom (regulator, prosecutor, platforms)."
            ),
            monitor=(
                "Mail triage every 15 min; "
                + _FOLLOW
                + "; the sites' pages compared with a saved copy every hour (a defacement "
                "cannot be explained in public); the social accounts' logins and posts."
            ),
            statement=(
                "No public statement: a complaint to the oversight commission (CNCCEP) and to "
                "the prosecutor drafted in advance, a takedown request template for the "
                "platforms, and the agency's incident line (ANSSI / CERT-FR)."
            ),
        ),
        plan=_during(SILENCE_DEFAULT, "French rule: Friday midnight to Sunday 20:00"),
    ),
    RiskRule(
        id="risk.results_night",
        title="Polling day and results night",
        level=Severity.HIGH,
        kinds=("round",),
        when=(
            "From the start of the round to 12 h after the polls close (the round's end; "
            "without one, 20:00 local time on its first day)."
        ),
        why=(
            "Polling day and the results night bring the most visitors to the sites and the "
            "largest audience for a stunt: TV5Monde's channels were cut on an evening in 2015, "
            "and a flood of the results page, a defacement or a fake 'results' post reaches "
            "everyone while the team is busy with the count."
        ),
        posture=Posture(
            on_call=(
                _CALL_TECH + ", until the results are in and the sites are quiet; the web "
                "host's support on standby; the communications lead."
            ),
            monitor=(
                _FOLLOW + " (floods on the results page); the social accounts' logins and "
                "posts every 30 min; mail triage every hour."
            ),
            statement=(
                "An outage notice ('Our site is slowed by heavy traffic; the official results "
                "are at …'), a denial template for fake results, the official results source "
                "to point to. " + _CONTACTS
            ),
        ),
        plan=_polling(POLLS_CLOSE, RESULTS_AFTER),
    ),
)
"""Every kind of risk window; ids are stable."""

_BY_ID = {r.id: r for r in RULES}


def rule(rule_id: str) -> RiskRule | None:
    """The rule with this id, or None."""
    return _BY_ID.get(rule_id)


# --------------------------------------------------------------------------
# Building the calendar
# --------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _clean(text: object) -> str:
    """Outside text made safe for a terminal line, and bounded."""
    out = _CONTROL.sub("?", str(text))
    return out if len(out) <= MAX_NAME else out[: MAX_NAME - 1] + "…"


def _zone(name: object) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when unknown or malformed."""
    if not isinstance(name, str) or not name or len(name) > 64:
        return None
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return None


def _aware(value: object, tz: tzinfo) -> tuple[datetime | None, bool]:
    """``value`` in UTC and whether a zone had to be assumed; None if not a datetime."""
    if not isinstance(value, datetime):
        return None, False
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=tz).astimezone(UTC), True
    return value.astimezone(UTC), False


@dataclass(frozen=True)
class _Read:
    """One moment made usable: UTC times, its zone, notes for its windows."""

    moment: Moment
    tz: tzinfo
    notes: tuple[str, ...]


def _read(m: object, where: str, display: tzinfo, display_name: str) -> _Read | Problem:
    """Check one moment; a Problem naming it when it cannot be used."""
    if not isinstance(m, Moment):
        return Problem(where, "not a calendar moment")
    name = _clean(m.name)
    notes: list[str] = []
    tz: tzinfo | None = _zone(m.zone)
    if tz is None:
        tz = display
        notes.append(f"'{name}' has an unknown zone {_clean(m.zone)!r}: read in {display_name}.")
    start, naive_start = _aware(m.start, tz)
    if start is None:
        return Problem(where, "its start is not a date and time")
    end, naive_end = _aware(m.end, tz) if m.end is not None else (None, False)
    if m.end is not None and end is None:
        return Problem(where, "its end is not a date and time")
    if end is not None and end < start:
        return Problem(where, f"ends before it starts ({end.isoformat()} < {start.isoformat()})")
    if naive_start or naive_end:
        notes.append(f"'{name}' came without a zone: read in {tz}.")
    elif m.zone_assumed:
        notes.append(f"The times of '{name}' came without a zone and were read in {m.zone}.")
    if isinstance(m.certainty, Certainty) and m.certainty is not Certainty.HIGH:
        notes.append(f"'{name}' is uncertain (certainty {m.certainty.name.lower()}).")
    if isinstance(m.precision, Precision) and not m.precision.at_least(Precision.HOUR):
        notes.append(f"'{name}' is known only to the {m.precision.value}: the hours are rough.")
    return _Read(replace(m, name=name, start=start, end=end), tz, tuple(notes))


def _window(r: RiskRule, read: _Read, span: Span, zone: str) -> RiskWindow:
    m = read.moment
    return RiskWindow(
        rule=r.id,
        level=r.level,
        title=r.title,
        start=span.start,
        end=span.end,
        moment=m.name,
        zone=zone,
        why=r.why,
        posture=r.posture,
        notes=span.notes + read.notes,
        certainty=m.certainty if isinstance(m.certainty, Certainty) else Certainty.LOW,
        precision=m.precision if isinstance(m.precision, Precision) else Precision.DAY,
    )


def _windows_of(
    m: object, where: str, rules: Sequence[RiskRule], horizon: tuple[datetime, datetime],
    display: tzinfo, zone: str,
) -> list[RiskWindow] | Problem:  # fmt: skip
    """The windows one moment gives inside the look-ahead, or why it cannot be used."""
    try:
        read = _read(m, where, display, zone)
        if isinstance(read, Problem):
            return read
        since, until = horizon
        out: list[RiskWindow] = []
        for r in rules:
            if read.moment.kind in r.kinds:
                spans = r.plan(read.moment, read.tz, since, until)
                out += [_window(r, read, s, zone) for s in spans
                        if s.end > since and s.start < until]  # fmt: skip
        return out
    except (OverflowError, ValueError) as exc:
        return Problem(where, f"its dates are out of range ({exc})")


def _sort_key(w: RiskWindow) -> tuple[datetime, datetime, int, str, str]:
    return (w.start, w.end, -w.level.rank, w.rule, w.moment)


def _dedupe(windows: list[RiskWindow]) -> tuple[RiskWindow, ...]:
    """One window per (rule, start, end); other moments giving it are named in a note."""
    kept: dict[tuple[str, datetime, datetime], RiskWindow] = {}
    for w in windows:
        key = (w.rule, w.start, w.end)
        first = kept.get(key)
        if first is None:
            kept[key] = w
            continue
        also = f"Also from '{w.moment}'."
        n_also = sum(1 for n in first.notes if n.startswith("Also from "))
        if w.moment != first.moment and also not in first.notes and n_also < MAX_ALSO:
            kept[key] = replace(first, notes=(*first.notes, also))
    return tuple(sorted(kept.values(), key=_sort_key))


def risk_calendar(
    moments: Sequence[Moment], now: datetime, days: int = 30, zone: str = "UTC",
    rules: Sequence[RiskRule] = RULES,
) -> RiskCalendar:  # fmt: skip
    """The risk windows from ``now`` for ``days`` days, with problems and notes.

    A window is listed when it is not over at ``now`` (one in progress is kept) and starts
    before ``now + days``. ``zone`` is the campaign's zone, for display and for moments
    whose own zone is unknown. ``days`` is cut to 0…:data:`MAX_DAYS`.
    """
    notes: list[str] = []
    display = _zone(zone)
    if display is None:
        notes.append(f"Unknown zone {_clean(zone)!r}: times shown in UTC.")
        zone, display = "UTC", ZoneInfo("UTC")
    start, naive = _aware(now, display)
    if start is None:
        return RiskCalendar(problems=(Problem("now", "not a date and time"),), notes=tuple(notes))
    if naive:
        notes.append(f"The current time came without a zone: read in {zone}.")
    span = min(max(days, 0), MAX_DAYS) if isinstance(days, int) else MAX_DAYS
    if span != days:
        notes.append(f"Look-ahead of {days!r} days cut to {span}.")
    try:
        horizon = (start, start + timedelta(days=span))
    except OverflowError:
        return RiskCalendar(problems=(Problem("now", "too close to the end of time"),))
    windows: list[RiskWindow] = []
    problems: list[Problem] = []
    for i, m in enumerate(moments[:MAX_MOMENTS]):
        where = f"moment {i + 1} '{_clean(getattr(m, 'name', '?'))}'"
        found = _windows_of(m, where, rules, horizon, display, zone)
        if isinstance(found, Problem):
            problems.append(found)
        else:
            windows += found
    if len(moments) > MAX_MOMENTS:
        problems.append(Problem(f"moment {MAX_MOMENTS + 1}", f"and the rest: only the first "
                                f"{MAX_MOMENTS} moments are read"))  # fmt: skip
    log.debug("risk calendar: %d windows, %d problems", len(windows), len(problems))
    return RiskCalendar(_dedupe(windows), tuple(problems), tuple(notes))


def risk_windows(
    moments: Sequence[Moment], now: datetime, days: int = 30, zone: str = "UTC",
    rules: Sequence[RiskRule] = RULES,
) -> list[RiskWindow]:  # fmt: skip
    """The windows ahead where an attack or a leak would hurt most (see :func:`risk_calendar`,
    which also returns the moments that could not be used)."""
    return list(risk_calendar(moments, now, days, zone, rules).windows)


# --------------------------------------------------------------------------
# Plain-words rendering
# --------------------------------------------------------------------------

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _amount(delta: timedelta) -> str:
    """A duration in words: ``40 min``, ``5 h``, ``5 h 30 min``, ``3 days``, ``3 days 4 h``."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    hours, mins = divmod(minutes, 60)
    if hours == 0:
        return f"{mins} min"
    if hours <= 48:
        return f"{hours} h" + (f" {mins} min" if mins else "")
    days, hours = divmod(hours, 24)
    return f"{days} days" + (f" {hours} h" if hours else "")


def _clock(t: datetime, tz: tzinfo) -> str:
    """``Fri 05 May 2017 20:30 CEST``: day names in English whatever the locale."""
    local = t.astimezone(tz)
    day, month = _DAYS[local.weekday()], _MONTHS[local.month - 1]
    return f"{day} {local.day:02d} {month} {local.year} {local:%H:%M} {local.tzname()}"


def _when(w: RiskWindow, now: datetime) -> str:
    if w.end <= now:
        return "over"
    if w.start <= now:
        return f"in progress, ends in {_amount(w.end - now)}"
    return f"in {_amount(w.start - now)}"


def lines(
    windows: Sequence[RiskWindow], zone: str | None = None, now: datetime | None = None,
    posture: bool = True,
) -> list[str]:  # fmt: skip
    """The windows in plain words, local times in ``zone`` (each window's own when None).

    One header line per window (level, local start → end, how soon, how long, title and
    moment), then, when ``posture``, why, who is on call, what is monitored, the statement
    ready and the notes, indented.
    """
    now = (now or datetime.now(UTC)).astimezone(UTC)
    out: list[str] = []
    shown = _zone(zone) if zone is not None else None
    if zone is not None and shown is None:
        out.append(f"Unknown zone {_clean(zone)!r}: times shown in UTC.")
        shown = ZoneInfo("UTC")
    if not windows:
        return [*out, "No risk window ahead."]
    for w in windows:
        tz = shown or _zone(w.zone) or ZoneInfo("UTC")
        out.append(
            f"{w.level.value.upper():<8}  {_clock(w.start, tz)} → {_clock(w.end, tz)} "
            f"({_when(w, now)}, for {_amount(w.end - w.start)})  {w.title} — from '{w.moment}'"
        )
        if posture:
            out += [f"    why: {w.why}", f"    on call: {w.posture.on_call}",
                    f"    monitor: {w.posture.monitor}",
                    f"    statement: {w.posture.statement}"]  # fmt: skip
            out += [f"    note: {n}" for n in w.notes]
    return out
