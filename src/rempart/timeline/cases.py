"""The case studies that ship with the timeline: the 2016 US and 2017 French elections.

Each case is one CSV file in ``data/cases/`` built from the fact sheet
(``shared/cases/elections-2016-2017.md``), one row per dated fact:

``type``
    ``moment`` (the election calendar) or ``event`` (a security fact).
``kind``
    a moment kind (:data:`~rempart.timeline.model.MOMENT_KINDS`) or an event kind
    (:data:`EVENT_KINDS`).
``name``
    what happened, in plain words.
``start``, ``end``
    local ISO times in ``zone`` (a date alone when only the date is known: midnight);
    ``end`` is empty for a fact without duration. A period given by days ends at the
    midnight after its last day.
``zone``
    the IANA zone the times are written in, stored as given (never assumed).
``precision``, ``certainty``
    how precisely the time is known (minute, hour, day, month) and how sure the fact is
    (H, M, L), as the fact sheet says; a split such as "H (date), M (time)" keeps the
    weaker letter and says so in ``note``.
``severity``
    for events, how bad it was for the campaign hit (info … critical); empty for moments.
``source``, ``note``
    the citations as given, and what was presumed ("Eastern time presumed"). A moment
    keeps the note as its ``description``; an event has no such field yet, so the notes
    of uncertain (L) facts go to the timeline's ``notes``.

Every row needs a source and a certainty. A bad row is a problem naming
``file:row`` and is left out; :func:`load_case` turns problems into notes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from importlib import resources

from rempart.errors import InputError
from rempart.model.findings import Severity, event_id
from rempart.timeline.model import (
    MOMENT_KINDS,
    Certainty,
    Loaded,
    Moment,
    Precision,
    Problem,
    Timeline,
    TimelineEvent,
)
from rempart.timeline.sources import Span, capped, csv_rows, localise, read_span, zone_info

log = logging.getLogger(__name__)

CASES = ("us-2016", "fr-2017")
"""The bundled case studies, by name."""

EVENT_KINDS = ("leak", "phishing", "intrusion", "attribution", "news", "dos", "other")
"""Kinds of the security events in the case files."""

CASE_COLUMNS = (
    "type", "kind", "name", "start", "end", "zone",
    "precision", "certainty", "severity", "source", "note",
)  # fmt: skip
"""The columns of a case file, in order."""

STRATEGIC_KINDS = ("debate", "convention", "round")
"""Moment kinds declared strategic for every case (with the start of each silence period)."""


@dataclass(frozen=True)
class CaseInfo:
    """What the data file does not say about a case: its title, zone and campaign window."""

    title: str
    zone: str
    """The campaign's IANA zone (local times are shown in it)."""
    window: tuple[str, str]
    """First and last local midnight of the campaign window the statistics use."""


CASE_INFO = {
    "us-2016": CaseInfo("2016 US election", "America/New_York", ("2016-03-01", "2016-11-09")),
    "fr-2017": CaseInfo("2017 French presidential election", "Europe/Paris",
                        ("2017-04-01", "2017-05-08")),
}  # fmt: skip
"""The window runs from the first phishing wave (US) or the last weeks before the official
campaign (France) to the day after the (last) round; the files also hold context before
and after it."""


def load_case(name: str) -> Timeline:
    """The case study ``name`` (one of :data:`CASES`) as a timeline.

    Times are UTC with their original zone, precision, certainty and sources. ``window``
    is the campaign window of :data:`CASE_INFO`; ``notes`` name the facts of low
    certainty (L), count those of medium certainty, and list any unreadable row.
    Raises :class:`~rempart.errors.InputError` for an unknown case name.
    """
    return _load(_known(name))


def read_case(name: str) -> Loaded:
    """The rows of case ``name`` as moments and events, with the problems of bad rows."""
    name = _known(name)
    filename = f"{name}.csv"
    text = resources.files("rempart.timeline").joinpath("data", "cases", filename)
    return parse_case_csv(text.read_text(encoding="utf-8"), filename, name)


def strategic_moments(name: str) -> tuple[Moment, ...]:
    """The moments declared strategic in advance for case ``name``, oldest first.

    Debates, conventions and rounds (:data:`STRATEGIC_KINDS`) as they are, and the
    start of each silence period as a moment without duration; only those touching the
    case's campaign window. Declared from the calendar alone, never from the events.
    """
    timeline = load_case(name)
    first, last = timeline.span()
    chosen: list[Moment] = []
    for m in timeline.moments:
        if m.kind == "silence":
            chosen.append(replace(m, name=f"Start of {m.name[:1].lower()}{m.name[1:]}", end=None))
        elif m.kind in STRATEGIC_KINDS:
            chosen.append(m)
    return tuple(sorted((m for m in chosen if m.until >= first and m.start < last),
                        key=lambda m: m.start))  # fmt: skip


@cache
def _load(name: str) -> Timeline:
    loaded = read_case(name)
    info = CASE_INFO[name]
    zone = zone_info(info.zone)
    assert zone is not None
    start, end = (localise(datetime.fromisoformat(d), zone).astimezone(UTC) for d in info.window)
    notes = (*loaded.notes, *(f"row skipped: {p.line()}" for p in loaded.problems))
    if loaded.problems:
        log.warning("case %s: %d rows skipped", name, len(loaded.problems))
    return Timeline(name=name, zone=info.zone, moments=loaded.moments, events=loaded.events,
                    notes=notes, window=(start, end))  # fmt: skip


def _known(name: str) -> str:
    if name not in CASES:
        raise InputError(f"unknown case {name!r}; the cases are {', '.join(CASES)}")
    return name


# --------------------------------------------------------------------------
# Reading a case file
# --------------------------------------------------------------------------


def parse_case_csv(text: str, filename: str, case: str) -> Loaded:
    """The rows of a case file: moments, events, a problem per bad row (``file:row``) and
    notes naming the uncertain (L) facts; ``case`` makes the event ids."""
    moments: list[Moment] = []
    events: list[TimelineEvent] = []
    problems: list[Problem] = []
    uncertain: list[str] = []
    medium = 0
    header: list[str] | None = None
    for line, row in csv_rows(text, filename, problems):
        if header is None:
            header = [c.strip().lower() for c in row]
            missing = [c for c in CASE_COLUMNS if c not in header]
            if missing:
                problems.append(Problem(f"{filename}:{line}",
                                        f"missing column(s) {', '.join(missing)}"))  # fmt: skip
                break
            continue
        cells = {k: (row[i].strip() if i < len(row) else "") for i, k in enumerate(header)}
        if not any(cells.values()):
            continue
        fact = _fact(cells, f"{filename}:{line}", case)
        if isinstance(fact, Problem):
            problems.append(fact)
            continue
        if isinstance(fact, Moment):
            moments.append(fact)
        else:
            events.append(fact)
        medium += fact.certainty is Certainty.MEDIUM
        if fact.certainty is Certainty.LOW:
            uncertain.append(_uncertain_note(fact, cells["note"]))
    notes = [*uncertain]
    if medium:
        facts = "1 fact is" if medium == 1 else f"{medium} facts are"
        notes.append(f"{facts} of medium certainty (M): one source, or the time of day or the "
                     "numbering is not sure")  # fmt: skip
    return Loaded(moments=tuple(moments), events=tuple(events),
                  problems=capped(problems, filename), notes=tuple(notes))  # fmt: skip


def _fact(cells: dict[str, str], where: str, case: str) -> Moment | TimelineEvent | Problem:
    """One row as a moment or an event, or the first problem with it."""
    reason = _row_problem(cells)
    if reason:
        return Problem(where, reason)
    zone = zone_info(cells["zone"])
    if zone is None:
        return Problem(where, f"unknown time zone {cells['zone']!r} (use an IANA name like "
                              "Europe/Paris)")  # fmt: skip
    span = read_span(cells, where, cells["zone"], zone)
    if isinstance(span, Problem):
        return span
    precision, certainty = Precision(cells["precision"]), Certainty(cells["certainty"])
    if span.precision is Precision.DAY and precision.at_least(Precision.HOUR):
        return Problem(where, f"start {cells['start']} is a date alone but precision is "
                              f"{precision.value}")  # fmt: skip
    if cells["type"] == "moment":
        return Moment(name=cells["name"], kind=cells["kind"], start=span.start, end=span.end,
                      zone=span.zone, precision=precision, certainty=certainty,
                      source=cells["source"], description=cells["note"])  # fmt: skip
    return _event(cells, span, precision, certainty, case)


def _row_problem(cells: dict[str, str]) -> str | None:
    """What is wrong with a row's type, kind, name, zone, precision, certainty or source."""
    kind, type_ = cells["kind"], cells["type"]
    kinds = {"moment": MOMENT_KINDS, "event": EVENT_KINDS}.get(type_)
    checks = (
        (kinds is None, f"type {type_!r} is not moment or event"),
        (kinds is not None and kind not in kinds,
         f"kind {kind!r} is not one of {', '.join(kinds or ())}"),
        (not cells["name"], "the name is empty"),
        (not cells["zone"], "the zone is empty (a case file gives every zone)"),
        (cells["precision"] not in {p.value for p in Precision},
         f"precision {cells['precision']!r} is not minute, hour, day or month"),
        (cells["certainty"] not in {c.value for c in Certainty},
         f"certainty {cells['certainty']!r} is not H, M or L"),
        (not cells["source"], "no source"),
        (type_ == "event" and cells["severity"] not in {s.value for s in Severity},
         f"severity {cells['severity']!r} is not one of {', '.join(s.value for s in Severity)}"),
    )  # fmt: skip
    return next((reason for bad, reason in checks if bad), None)


def _event(
    cells: dict[str, str], span: Span, precision: Precision, certainty: Certainty, case: str
) -> TimelineEvent:
    source = f"case {case}"
    return TimelineEvent(
        id=event_id(source, cells["kind"], span.start, cells["name"]),
        time=span.start,
        kind=cells["kind"],
        summary=cells["name"],
        severity=Severity(cells["severity"]),
        end=span.end,
        zone=span.zone,
        precision=precision,
        certainty=certainty,
        source=cells["source"],
    )


def _uncertain_note(fact: Moment | TimelineEvent, note: str) -> str:
    """``uncertain (L): 2017-05-05 11:17 UTC, Mail archive … (about 11:17 …)``."""
    name = fact.name if isinstance(fact, Moment) else fact.summary
    when = fact.start if isinstance(fact, Moment) else fact.time
    shown = local_time(when, fact.zone, fact.precision)
    detail = f" ({note})" if note else ""
    return f"uncertain (L): {shown}, {name}{detail}; source: {fact.source}"


def local_time(when: datetime, zone: str, precision: Precision) -> str:
    """``when`` in ``zone`` as precisely as it is known: ``2016-04``, ``2016-07-22``,
    ``2017-05-05 20:30 CEST``."""
    tz = zone_info(zone)
    local = when.astimezone(tz) if tz is not None else when
    if precision is Precision.MONTH:
        return local.strftime("%Y-%m")
    if precision is Precision.DAY:
        return local.strftime("%Y-%m-%d")
    return local.strftime("%Y-%m-%d %H:%M %Z")
