"""Calendars and events from files, the campaign file and the store.

Every reader returns a :class:`~rempart.timeline.model.Loaded`: the moments or
events it could read, one :class:`~rempart.timeline.model.Problem` per row it
could not (``calendar.csv:7: kind "meting" is not one of …``) and plain-words
notes (zones assumed, recurring events read once). Nothing here raises on bad
content; an unreadable or oversized file is a problem too.

Time zones are never guessed silently. A time written without a zone (a
floating iCalendar time, an all-day date, a CSV cell without offset and an
empty ``zone`` column) is read in the campaign's zone, the item is marked
``zone_assumed`` and a note says which rows were concerned.

Sizes are bounded: a file larger than :data:`MAX_FILE_BYTES` is refused, at
most :data:`MAX_ITEMS` moments are read from one file, and at most
:data:`MAX_PROBLEMS` problems are listed (then one line says how many more).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from icalendar import Calendar, Component
from icalendar.timezone import tzid_from_dt

from rempart.model.campaign import Campaign
from rempart.model.findings import Event
from rempart.timeline.model import (
    MOMENT_KINDS,
    Certainty,
    Loaded,
    Moment,
    Precision,
    Problem,
    TimelineEvent,
)

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A calendar file larger than this (20 MiB) is refused: a campaign calendar is kilobytes."""

MAX_ITEMS = 50_000
"""Moments read from one calendar file at most; the rest is reported and skipped."""

MAX_PROBLEMS = 1000
"""Problems listed for one file; beyond, one last problem says how many were left out."""

MAX_DESCRIPTION = 4000
"""Characters of an iCalendar DESCRIPTION kept."""

MAX_LISTED_ROWS = 10
"""Row numbers quoted in one note (``rows 3, 5, 9 and 12 more``)."""

KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("silence", ("silence", "reserve", "blackout")),
    ("campaign_end", ("fin de campagne", "fin de la campagne", "end of campaign",
                      "end of the campaign", "campaign ends")),
    ("campaign_start", ("campagne officielle", "official campaign", "ouverture de la campagne",
                        "campaign starts")),
    ("debate", ("debat", "debate")),
    ("primary", ("primaire", "primary", "primaries", "caucus", "caucuses")),
    ("convention", ("convention",)),
    ("round", ("tour", "round", "scrutin", "election day", "polling day", "jour du vote")),
    ("rally", ("rally", "meeting", "reunion publique")),
)  # fmt: skip
"""How an iCalendar event's kind is guessed from its title when no ``CATEGORIES`` value is
a moment kind: the first kind, in this order, one of whose words (or phrases) appears in
the title as whole words (accents and case ignored, a trailing ``s`` allowed). The order
matters: "Silence avant le second tour" is a silence, "Débat de l'entre-deux-tours" a
debate, "Campagne officielle du premier tour" an official campaign start. "Meeting" is the
French word for a campaign rally. Nothing found: ``other``."""

EXCLUSIVE_KINDS = ("campaign_start", "silence", "round")
"""Period kinds that cannot overlap another period of the same kind in one calendar (two
silence periods at once is a typing error); primaries, conventions and rallies of several
parties can overlap legitimately and are not checked."""

_MIN_YEAR, _MAX_YEAR = 1900, 2200


# --------------------------------------------------------------------------
# Zones and times (shared with the case files and the exchange formats)
# --------------------------------------------------------------------------


@lru_cache(maxsize=256)
def zone_info(name: str) -> ZoneInfo | None:
    """The IANA zone called ``name``, or None when there is no such zone."""
    if not name or len(name) > 64 or name != name.strip():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def localise(naive: datetime, zone: ZoneInfo) -> datetime:
    """``naive`` read as a local time in ``zone``; ValueError for a time the clocks skip."""
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise ValueError(f"{naive.isoformat()} does not exist in {zone.key} (clocks jump then)")
    return aware


@dataclass(frozen=True)
class ParsedTime:
    """A time read from text: the instant, and what the text said about it."""

    utc: datetime
    """Aware, UTC."""
    date_only: bool
    """The text was a date alone (midnight in the zone)."""
    had_offset: bool
    """The text carried its own UTC offset (``Z``, ``+02:00``)."""


def parse_time(text: str, zone: ZoneInfo) -> ParsedTime:
    """Read an ISO 8601 date or date-time; one without an offset is local time in ``zone``.

    Raises ValueError whose message is the plain reason, meant to follow the row.
    """
    value = text.strip()
    if not value:
        raise ValueError("the time is empty")
    if len(value) > 40:
        raise ValueError(f"{_quote(value)} is not a date or date-time")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        day = None
    if day is not None:
        return ParsedTime(_checked(localise(datetime(day.year, day.month, day.day), zone)),
                          date_only=True, had_offset=False)  # fmt: skip
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"{_quote(value)} is not a date or date-time (write 2017-05-05 or 2017-05-05T20:30)"
        ) from None
    if moment.tzinfo is not None and moment.utcoffset() is not None:
        return ParsedTime(_checked(moment), date_only=False, had_offset=True)
    return ParsedTime(_checked(localise(moment, zone)), date_only=False, had_offset=False)


def _checked(moment: datetime) -> datetime:
    if not _MIN_YEAR <= moment.year <= _MAX_YEAR:
        raise ValueError(f"year {moment.year} is outside {_MIN_YEAR}-{_MAX_YEAR}")
    return moment.astimezone(UTC)


def offset_mismatch(text: str, parsed: ParsedTime, zone: ZoneInfo) -> str | None:
    """A reason when ``text`` carries an offset that ``zone`` did not have at that time."""
    if not parsed.had_offset:
        return None
    stated = datetime.fromisoformat(text.strip()).utcoffset()
    expected = parsed.utc.astimezone(zone).utcoffset()
    if stated == expected:
        return None
    return (f"{_quote(text.strip())} has offset {_offset(stated)} but {zone.key} was at "
            f"{_offset(expected)} then")  # fmt: skip


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _quote(value: str, limit: int = 60) -> str:
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return '"' + shown.replace('"', "'") + '"'


def rows_phrase(rows: Sequence[int | str], noun: str = "row") -> str:
    """``rows 3, 5 and 9`` (at most :data:`MAX_LISTED_ROWS` quoted, then ``and N more``)."""
    shown = [str(r) for r in rows[:MAX_LISTED_ROWS]]
    rest = len(rows) - len(shown)
    word = noun if len(rows) == 1 else noun + "s"
    if rest:
        return f"{word} {', '.join(shown)} and {rest} more"
    if len(shown) == 1:
        return f"{word} {shown[0]}"
    return f"{word} {', '.join(shown[:-1])} and {shown[-1]}"


def capped(problems: Sequence[Problem], where: str) -> tuple[Problem, ...]:
    """The first :data:`MAX_PROBLEMS` problems, and one more saying how many were left out."""
    if len(problems) <= MAX_PROBLEMS:
        return tuple(problems)
    more = len(problems) - MAX_PROBLEMS
    return (*problems[:MAX_PROBLEMS], Problem(where, f"{more} more problems not listed"))


def assumed_zone_note(where: str, rows: Sequence[int | str], zone: str, noun: str = "row") -> str:
    """The note saying which rows had no zone and took ``zone``."""
    return (f"{where}: {rows_phrase(rows, noun)} gave times without a time zone; "
            f"they were read in {zone} (the campaign's zone)")  # fmt: skip


# --------------------------------------------------------------------------
# Reading files, bounded
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A file's text, or why there is none."""

    text: str | None
    problems: tuple[Problem, ...] = ()
    notes: tuple[str, ...] = ()


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> Text:
    """The UTF-8 text of ``path`` (a BOM dropped), at most ``limit`` bytes, never raising."""
    where = str(path)
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        return Text(None, (Problem(where, f"cannot read: {exc.strerror or exc}"),))
    if len(data) > limit:
        reason = f"is larger than {limit // (1024 * 1024)} MiB; is this the right file?"
        return Text(None, (Problem(where, reason),))
    try:
        return Text(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        note = f"{where}: not valid UTF-8 (first bad byte at offset {exc.start}); bad bytes "
        return Text(data.decode("utf-8-sig", errors="replace"), notes=(note + "replaced",))


# --------------------------------------------------------------------------
# The campaign file's calendar
# --------------------------------------------------------------------------


def calendar_from_campaign(campaign: Campaign) -> Loaded:
    """The campaign file's ``[[calendar]]`` entries as moments, each keeping its zone.

    The campaign file is validated when loaded (kinds, zones, end not before start), so
    this never finds a bad entry; overlapping periods are for :func:`check_calendar`.
    """
    moments = tuple(
        Moment(
            name=entry.name,
            kind=entry.kind,
            start=entry.start_utc(),
            end=entry.end_utc(),
            zone=entry.zone,
            source=f"campaign calendar[{index}]",
        )
        for index, entry in enumerate(campaign.calendar)
    )
    return Loaded(moments=moments)


# --------------------------------------------------------------------------
# Calendar CSV
# --------------------------------------------------------------------------

CALENDAR_COLUMNS = ("name", "kind", "start", "end", "zone")
"""Columns of a calendar CSV; ``name``, ``kind`` and ``start`` are required. Optional extra
columns ``precision`` and ``certainty`` are read when present; others are ignored."""


def read_calendar_csv(path: Path | str, default_zone: str) -> Loaded:
    """Moments from a CSV with columns ``name, kind, start, end, zone`` (header first).

    ``start``/``end`` are ISO dates or date-times; a date alone means midnight and gives
    precision ``day``. A time without offset is read in the row's ``zone``, or in
    ``default_zone`` (marked assumed, with a note) when that cell is empty.
    """
    path = Path(path)
    loaded = read_text(path)
    if loaded.text is None:
        return Loaded(problems=loaded.problems, notes=loaded.notes)
    return parse_calendar_csv(loaded.text, str(path), default_zone, loaded.notes)


def parse_calendar_csv(
    text: str, where: str, default_zone: str, notes: tuple[str, ...] = ()
) -> Loaded:
    """:func:`read_calendar_csv` on text already read; ``where`` names it in problems."""
    zone = zone_info(default_zone)
    if zone is None:
        return Loaded(problems=(Problem(where, f"unknown time zone {_quote(default_zone)}"),))
    moments: list[Moment] = []
    problems: list[Problem] = []
    assumed: list[int] = []
    header: list[str] | None = None
    for line, row in csv_rows(text, where, problems):
        if header is None:
            header = _header(row)
            missing = [c for c in ("name", "kind", "start") if c not in header]
            if missing:
                problems.append(Problem(f"{where}:{line}", f"missing column(s) "
                                        f"{', '.join(missing)}; expected "
                                        f"{', '.join(CALENDAR_COLUMNS)}"))  # fmt: skip
                break
            continue
        if len(moments) >= MAX_ITEMS:
            problems.append(Problem(f"{where}:{line}", f"more than {MAX_ITEMS} rows; rest skipped"))
            break
        cells = _cells(header, row)
        if not any(cells.values()):
            continue
        result = _calendar_row(cells, f"{where}:{line}", default_zone, zone)
        if isinstance(result, Problem):
            problems.append(result)
            continue
        moments.append(result)
        if result.zone_assumed:
            assumed.append(line)
    if assumed:
        notes = (*notes, assumed_zone_note(where, assumed, default_zone))
    return Loaded(moments=tuple(moments), problems=capped(problems, where), notes=notes)


def csv_rows(text: str, where: str, problems: list[Problem]) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` for each CSV record; a record the csv module refuses (an
    oversized field) becomes a problem and reading goes on."""
    reader = csv.reader(io.StringIO(text, newline=""))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            problems.append(Problem(f"{where}:{reader.line_num}", f"unreadable CSV: {exc}"))
            continue
        yield reader.line_num, row


def _header(row: list[str]) -> list[str]:
    return [cell.strip().lower() for cell in row]


def _cells(header: list[str], row: list[str]) -> dict[str, str]:
    return {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}


def _calendar_row(
    cells: dict[str, str], where: str, default_zone: str, default: ZoneInfo
) -> Moment | Problem:
    """One calendar CSV row as a moment, or the problem with it."""
    name, kind = cells.get("name", ""), cells.get("kind", "").lower()
    if not name:
        return Problem(where, "the name is empty")
    if kind not in MOMENT_KINDS:
        return Problem(where, f"kind {_quote(kind)} is not one of {', '.join(MOMENT_KINDS)}")
    span = read_span(cells, where, default_zone, default)
    if isinstance(span, Problem):
        return span
    precision = _enum(Precision, cells.get("precision", ""), span.precision)
    certainty = _enum(Certainty, cells.get("certainty", "").upper(), Certainty.HIGH)
    if precision is None or certainty is None:
        return Problem(where, "precision must be minute, hour, day or month and certainty H, M "
                              "or L")  # fmt: skip
    return Moment(name=name, kind=kind, start=span.start, end=span.end, zone=span.zone,
                  precision=precision, certainty=certainty, source=where,
                  zone_assumed=span.zone_assumed)  # fmt: skip


@dataclass(frozen=True)
class Span:
    """The start, end and zone read from a row's ``start``, ``end`` and ``zone`` cells."""

    start: datetime
    end: datetime | None
    zone: str
    zone_assumed: bool
    precision: Precision
    """``day`` when the start was a date alone, else ``minute``."""


def read_span(
    cells: dict[str, str], where: str, default_zone: str, default: ZoneInfo
) -> Span | Problem:
    """Read ``start``/``end`` in the row's ``zone`` (or ``default``, then assumed)."""
    zone_name = cells.get("zone", "")
    zone = zone_info(zone_name) if zone_name else default
    if zone is None:
        return Problem(where, f"unknown time zone {_quote(zone_name)} (use an IANA name like "
                              "Europe/Paris)")  # fmt: skip
    try:
        start = parse_time(cells.get("start", ""), zone)
        end = parse_time(cells["end"], zone) if cells.get("end") else None
    except ValueError as exc:
        return Problem(where, str(exc))
    if zone_name:
        for text, parsed in ((cells.get("start", ""), start), (cells.get("end", ""), end)):
            mismatch = offset_mismatch(text, parsed, zone) if parsed is not None else None
            if mismatch:
                return Problem(where, mismatch)
    if end is not None and end.utc < start.utc:
        return Problem(where, f"ends before it starts (start {cells['start']}, end {cells['end']})")
    assumed = not zone_name and not (start.had_offset and (end is None or end.had_offset))
    precision = Precision.DAY if start.date_only else Precision.MINUTE
    return Span(start.utc, end.utc if end else None, zone_name or default_zone, assumed,
                precision)  # fmt: skip


def _enum(kind: Any, text: str, default: Any) -> Any:
    """The member of enum ``kind`` whose value is ``text``; ``default`` when empty; None if bad."""
    if not text:
        return default
    try:
        return kind(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------

_BEGIN_VEVENT = re.compile(r"^BEGIN:VEVENT\s*$", re.IGNORECASE | re.MULTILINE)


def read_ics(path: Path | str, default_zone: str) -> Loaded:
    """Moments from an iCalendar file: one per ``VEVENT``.

    The kind is the first ``CATEGORIES`` value that is a moment kind, else guessed from
    the title (:data:`KIND_WORDS`), else ``other``. All-day events get precision ``day``;
    floating times and all-day dates are read in ``default_zone`` (assumed, with a note)
    unless the event carries ``X-REMPART-ZONE`` (written by Rempart's own export, with
    ``X-REMPART-PRECISION``, ``X-REMPART-CERTAINTY`` and ``X-REMPART-SOURCE``). A
    recurring event is read once, at its first occurrence; a cancelled one is skipped.
    """
    path = Path(path)
    loaded = read_text(path)
    if loaded.text is None:
        return Loaded(problems=loaded.problems, notes=loaded.notes)
    return parse_ics(loaded.text, str(path), default_zone, loaded.notes)


def parse_ics(text: str, where: str, default_zone: str, notes: tuple[str, ...] = ()) -> Loaded:
    """:func:`read_ics` on text already read; ``where`` names it in problems."""
    zone = zone_info(default_zone)
    if zone is None:
        return Loaded(problems=(Problem(where, f"unknown time zone {_quote(default_zone)}"),))
    problems: list[Problem] = []
    lines = _begin_lines(text)
    if len(lines) > MAX_ITEMS:
        cut = lines[MAX_ITEMS]
        problems.append(Problem(f"{where}:{cut}", f"more than {MAX_ITEMS} events; rest skipped"))
        text, lines = _cut_calendar(text, cut), lines[:MAX_ITEMS]
    reading = _IcsReading(where, default_zone, zone)
    for number, (line, component) in enumerate(_ics_components(text, where, lines, problems)):
        reading.add(component, f"{where}:{line}" if line else f"{where}:VEVENT#{number + 1}")
    problems += reading.problems
    return Loaded(moments=tuple(reading.moments), problems=capped(problems, where),
                  notes=(*notes, *reading.notes()))  # fmt: skip


def _begin_lines(text: str) -> list[int]:
    """The line numbers of every BEGIN:VEVENT, in one pass."""
    lines, line, at = [], 1, 0
    for match in _BEGIN_VEVENT.finditer(text):
        line += text.count("\n", at, match.start())
        at = match.start()
        lines.append(line)
    return lines


def _cut_calendar(text: str, line: int) -> str:
    """``text`` up to (not including) ``line``, closed again as a calendar."""
    kept = "\n".join(text.splitlines()[: line - 1])
    closed = kept.lstrip().upper().startswith("BEGIN:VCALENDAR")
    return kept + "\nEND:VCALENDAR\n" if closed else kept


def _ics_components(
    text: str, where: str, lines: list[int], problems: list[Problem]
) -> list[tuple[int | None, Component]]:
    """Every VEVENT with the line it begins at, in file order; when the file's structure is
    broken, the VEVENT blocks that are whole, each read on its own, and a problem naming
    the break. ``lines`` are the lines of the file's BEGIN:VEVENT, in order."""
    try:
        calendars = Calendar.from_ical(text, multiple=True)
    except ValueError as exc:
        problems.append(Problem(_structure_where(text, where, str(exc)), _structure_reason(exc)))
        return _blocks(text, where, problems)
    if not calendars:
        problems.append(Problem(where, "not an iCalendar file (no complete BEGIN:VCALENDAR … "
                                       "END:VCALENDAR); whole events are still read"))  # fmt: skip
        return _blocks(text, where, problems)
    events = [c for cal in calendars for c in cal.walk("VEVENT")]
    if len(events) != len(lines):
        return [(None, e) for e in events]
    return list(zip(lines, events, strict=True))


def _structure_where(text: str, where: str, message: str) -> str:
    """``where:line`` of the line an icalendar error message quotes, else ``where``."""
    quoted = re.search(r"'(.{1,80}?)'", message)
    if quoted:
        for number, line in enumerate(text.splitlines(), 1):
            if quoted.group(1) and line.startswith(quoted.group(1)):
                return f"{where}:{number}"
    return where


def _structure_reason(exc: ValueError) -> str:
    message = str(exc).split("\n")[0]
    if "could not be parsed" in message:
        return "not an iCalendar line (expected NAME:value); whole events are still read"
    return f"malformed iCalendar: {message[:120]}"


def _blocks(text: str, where: str, problems: list[Problem]) -> list[tuple[int | None, Component]]:
    """The complete BEGIN:VEVENT … END:VEVENT blocks, each parsed alone."""
    out: list[tuple[int | None, Component]] = []
    start: int | None = None
    block: list[str] = []
    for number, line in enumerate(text.splitlines(), 1):
        tag = line.strip().upper()
        if tag == "BEGIN:VEVENT":
            if start is not None:
                problems.append(Problem(f"{where}:{start}", "VEVENT without END:VEVENT"))
            start, block = number, []
        elif tag == "END:VEVENT" and start is not None:
            out += [(start, e) for e in _one_block(block, f"{where}:{start}", problems)]
            start = None
        elif start is not None:
            block.append(line)
    if start is not None:
        problems.append(Problem(f"{where}:{start}", "VEVENT without END:VEVENT"))
    return out


def _one_block(lines: list[str], where: str, problems: list[Problem]) -> list[Component]:
    source = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + "\r\n".join(lines)
    try:
        calendar = Calendar.from_ical(source + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    except ValueError as exc:
        problems.append(Problem(where, f"VEVENT unreadable: {str(exc).splitlines()[0][:120]}"))
        return []
    return list(calendar.walk("VEVENT"))


@dataclass
class _IcsReading:
    """Turns VEVENT components into moments, collecting problems and what to note."""

    where: str
    default_zone: str
    zone: ZoneInfo
    moments: list[Moment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    assumed: list[str] = field(default_factory=list)
    recurring: list[str] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    odd_zones: set[str] = field(default_factory=set)

    def add(self, event: Component, at: str) -> None:
        """Read one VEVENT found at ``at`` (``file:line``)."""
        label = f"VEVENT {_quote(_prop_text(event, 'SUMMARY'), 40)}"
        broken = {name for name, _ in event.errors if name}
        for name, message in event.errors:
            self.problems.append(Problem(at, f"{label}: {name or 'line'}: {message[:120]}"))
        if broken & _TIME_PROPS:
            return
        twice = [n for n in sorted(_TIME_PROPS) if isinstance(event.get(n), list)]
        if twice:
            self.problems.append(Problem(at, f"{label}: {twice[0]} is given more than once"))
            return
        if _prop_text(event, "STATUS").upper() == "CANCELLED":
            self.cancelled.append(at.rsplit(":", 1)[-1])
            return
        try:
            result = self._moment(event, at, label)
        except (ValueError, TypeError, AttributeError, LookupError, OverflowError) as exc:
            log.debug("unexpected VEVENT content at %s", at, exc_info=True)
            result = Problem(at, f"{label} cannot be read ({type(exc).__name__}: "
                                 f"{str(exc)[:80]})")  # fmt: skip
        if isinstance(result, Problem):
            self.problems.append(result)
            return
        self.moments.append(result)
        if result.zone_assumed:
            self.assumed.append(at.rsplit(":", 1)[-1])
        if event.get("RRULE") is not None or event.get("RDATE") is not None:
            self.recurring.append(at.rsplit(":", 1)[-1])

    def _moment(self, event: Component, at: str, label: str) -> Moment | Problem:
        marked = _prop_text(event, "X-REMPART-ZONE")
        zone_name = marked if zone_info(marked) else self.default_zone
        start = self._time(event, "DTSTART", zone_name, label, at)
        if isinstance(start, Problem):
            return start
        end = self._end(event, start, zone_name, label, at)
        if isinstance(end, Problem):
            return end
        precision = Precision.DAY if start.date_only else Precision.MINUTE
        precision = _enum(Precision, _prop_text(event, "X-REMPART-PRECISION"), precision)
        certainty = _enum(Certainty, _prop_text(event, "X-REMPART-CERTAINTY"), Certainty.HIGH)
        title = _prop_text(event, "SUMMARY").strip() or "(no title)"
        return Moment(
            name=title,
            kind=ics_kind(_categories(event), title),
            start=start.utc,
            end=end.utc if end else None,
            zone=start.zone,
            precision=precision or Precision.MINUTE,
            certainty=certainty or Certainty.HIGH,
            source=_prop_text(event, "X-REMPART-SOURCE") or at,
            zone_assumed=(start.assumed and not marked)
            or _prop_text(event, "X-REMPART-ZONE-ASSUMED").upper() == "TRUE",
            description=_prop_text(event, "DESCRIPTION").strip()[:MAX_DESCRIPTION],
        )

    def _time(
        self, event: Component, name: str, zone_name: str, label: str, at: str
    ) -> _IcsTime | Problem:
        prop = event.get(name)
        if prop is None:
            return Problem(at, f"{label} has no {name}")
        value = prop.dt
        zone = zone_info(zone_name) or self.zone
        try:
            if isinstance(value, datetime):
                return self._datetime(value, prop.params.get("TZID"), zone, zone_name)
            if isinstance(value, date):
                local = localise(datetime(value.year, value.month, value.day), zone)
                return _IcsTime(_checked(local), zone_name, assumed=True, date_only=True)
        except ValueError as exc:
            return Problem(at, f"{label}: {name}: {exc}")
        return Problem(at, f"{label}: {name} is not a date or date-time")

    def _datetime(
        self, value: datetime, tzid: str | None, zone: ZoneInfo, zone_name: str
    ) -> _IcsTime:
        if value.tzinfo is None:
            if tzid:
                raise ValueError(f"unknown time zone {_quote(tzid)}")
            return _IcsTime(_checked(localise(value, zone)), zone_name, assumed=True)
        name = tzid_from_dt(value) or ""
        if name in ("UTC", "Z") or zone_info(name) is None:
            if name not in ("UTC", "Z", ""):
                self.odd_zones.add(name)
            name = "UTC" if name in ("UTC", "Z", "") else zone_name
        return _IcsTime(_checked(value), name, assumed=False)

    def _end(
        self, event: Component, start: _IcsTime, zone_name: str, label: str, at: str
    ) -> _IcsTime | Problem | None:
        if event.get("DTEND") is not None:
            end = self._time(event, "DTEND", zone_name, label, at)
        elif event.get("DURATION") is not None:
            duration = event.get("DURATION").dt
            if not isinstance(duration, timedelta):
                return Problem(at, f"{label}: DURATION is not a duration")
            end = replace(start, utc=start.utc + duration)
        else:
            return None
        if isinstance(end, _IcsTime) and end.utc < start.utc:
            return Problem(at, f"{label} ends before it starts ({start.utc.isoformat()} > "
                               f"{end.utc.isoformat()})")  # fmt: skip
        return end

    def notes(self) -> list[str]:
        """What the reader assumed or left aside, one plain line each."""
        out = []
        if self.assumed:
            out.append(assumed_zone_note(self.where, _lines(self.assumed), self.default_zone,
                                         "line"))  # fmt: skip
        if self.recurring:
            out.append(f"{self.where}: recurring events at "
                       f"{rows_phrase(_lines(self.recurring), 'line')} were read at their "
                       "first occurrence only")  # fmt: skip
        if self.cancelled:
            out.append(
                f"{self.where}: cancelled events at "
                f"{rows_phrase(_lines(self.cancelled), 'line')} were skipped"
            )
        for name in sorted(self.odd_zones)[:MAX_LISTED_ROWS]:
            out.append(f"{self.where}: time zone {_quote(name)} is not an IANA name; its times "
                       f"are exact but shown in {self.default_zone}")  # fmt: skip
        return out


@dataclass(frozen=True)
class _IcsTime:
    utc: datetime
    zone: str
    assumed: bool
    date_only: bool = False


_TIME_PROPS = frozenset({"DTSTART", "DTEND", "DURATION"})


def _prop_text(event: Component, name: str) -> str:
    """The text of property ``name`` (its first value when given several times)."""
    value = event.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return "" if value is None else str(value)


def _lines(items: list[str]) -> list[int | str]:
    return [int(i) if i.isdigit() else i for i in items]


def _categories(event: Component) -> list[str]:
    """The CATEGORIES values of an event, whatever the number of CATEGORIES lines."""
    raw = event.get("CATEGORIES")
    if raw is None:
        return []
    props = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for prop in props:
        values = getattr(prop, "cats", None)
        out += [str(v) for v in values] if values is not None else str(prop).split(",")
    return [v.strip() for v in out if v.strip()]


def ics_kind(categories: Iterable[str], title: str) -> str:
    """The moment kind of a calendar entry: a category that is one, else guessed from words
    of the title (:data:`KIND_WORDS`), else ``other``."""
    for category in categories:
        if category.strip().lower() in MOMENT_KINDS:
            return category.strip().lower()
    return guess_kind(title)


def guess_kind(title: str) -> str:
    """The kind the words of ``title`` point to (:data:`KIND_WORDS`), else ``other``."""
    plain = _plain(title)
    for kind, words in KIND_WORDS:
        if any(re.search(rf"\b{re.escape(w)}s?\b", plain) for w in words):
            return kind
    return "other"


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# --------------------------------------------------------------------------
# Checks on a calendar
# --------------------------------------------------------------------------


def check_calendar(moments: Iterable[Moment]) -> list[Problem]:
    """Inverted periods, and periods that cannot overlap but do (:data:`EXCLUSIVE_KINDS` with
    themselves; a silence period with an official campaign period), each naming both."""
    items = list(moments)
    problems = [
        Problem(_where(m), f"{_quote(m.name)} ends before it starts ({m.start.isoformat()} > "
                           f"{m.end.isoformat()})")
        for m in items if m.end is not None and m.end < m.start
    ]  # fmt: skip
    periods = [m for m in items if m.end is not None and m.end > m.start]
    for kind in EXCLUSIVE_KINDS:
        problems += _overlaps([m for m in periods if m.kind == kind])
    problems += _cross_overlaps(
        [m for m in periods if m.kind == "silence"],
        [m for m in periods if m.kind == "campaign_start"],
    )
    return problems


def _overlaps(periods: list[Moment]) -> list[Problem]:
    """Each period starting before the furthest-reaching earlier one has ended."""
    problems = []
    reach: Moment | None = None
    for m in sorted(periods, key=lambda p: (p.start, p.until)):
        if reach is not None and m.start < reach.until:
            problems.append(Problem(_where(m), f"{m.kind} {_describe(m)} overlaps "
                                               f"{_describe(reach)}"))  # fmt: skip
        if reach is None or m.until > reach.until:
            reach = m
    return problems


def _cross_overlaps(silences: list[Moment], campaigns: list[Moment]) -> list[Problem]:
    """A silence period overlapping an official campaign period (campaigning in silence)."""
    problems = []
    ordered = sorted(campaigns, key=lambda c: c.start)
    for s in silences:
        for c in ordered:
            if c.start >= s.until:
                break
            if c.until > s.start:
                problems.append(Problem(_where(s), f"silence {_describe(s)} overlaps official "
                                                   f"campaign {_describe(c)}"))  # fmt: skip
                if len(problems) >= MAX_PROBLEMS:
                    return problems
    return problems


def _where(m: Moment) -> str:
    return m.source or m.name


def _describe(m: Moment) -> str:
    span = f"{m.start.isoformat()} → {m.until.isoformat()}"
    place = f", {m.source}" if m.source else ""
    return f"{_quote(m.name)} ({span}{place})"


# --------------------------------------------------------------------------
# The store
# --------------------------------------------------------------------------


class EventStore(Protocol):
    """What :func:`events_from_store` needs of a store (``rempart.store.Store`` has it)."""

    def events(
        self,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        kinds: Iterable[str] | None = None,
        source: str | None = None,
    ) -> list[Event]: ...


def events_from_store(
    store: EventStore,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] = (),
) -> tuple[TimelineEvent, ...]:
    """Stored events with ``since <= time < until``, oldest first, as timeline events.

    ``kinds`` keeps events whose kind is one of them or starts with one and a dot
    (``logs`` keeps ``logs.flood.ip``); empty keeps all.
    """
    wanted = tuple(kinds)
    events = store.events(since=since, until=until)
    return tuple(
        TimelineEvent.from_store(e)
        for e in events
        if not wanted or any(e.kind == k or e.kind.startswith(k + ".") for k in wanted)
    )
