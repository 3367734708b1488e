"""Events in and out: Timesketch JSONL and CSV, and iCalendar for calendars.

**Timesketch.** A Timesketch timeline is JSONL (one JSON object per line) or CSV whose
mandatory fields are ``message`` (what happened), ``datetime`` (ISO 8601) and
``timestamp_desc`` (which time it is: "Publication time"); ``timestamp`` is microseconds
since the epoch and ``tag`` a list of labels. Rempart writes those fields, then its own:
``kind``, ``severity``, ``source``, ``certainty``, ``precision``, ``zone``,
``zone_assumed``, ``end``, ``targets``, ``indicators`` and ``id``
(:data:`FIELDS`), so that a Timesketch user can load the timeline and Rempart can read
it back unchanged. In CSV, list fields are JSON arrays (Timesketch reads ``tag`` so).

Reading accepts any Timesketch file: ``datetime`` or ``timestamp`` (microseconds); a
``datetime`` without offset is read in the row's ``zone``, or else the campaign's zone
(marked ``zone_assumed``, with a note naming the rows). Fields Rempart does not know are
kept as ``name:value`` tags when they are short plain values (``timestamp_desc`` too,
when the row has no ``kind``); fields starting with ``_`` (Timesketch's internal ones)
are dropped. A bad row is a problem naming ``file:row``; reading goes on.

Text cells a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``)
are written to CSV behind a ``'`` and read back without it: event summaries come from
attackers (phishing subjects), and a CSV export is opened in spreadsheets.

**iCalendar.** :func:`write_ics` writes moments (or anything shaped like one: risk
windows) and events as ``VEVENT``\\ s in their own zone, with ``CATEGORIES`` = kind and
``X-REMPART-*`` properties that :func:`rempart.timeline.sources.read_ics` reads back.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as IcsEvent

from rempart.errors import InputError
from rempart.model.findings import Severity, event_id
from rempart.timeline.model import Certainty, Loaded, Precision, Problem, TimelineEvent
from rempart.timeline.sources import (
    ParsedTime,
    assumed_zone_note,
    capped,
    csv_rows,
    parse_time,
    read_text,
    rows_phrase,
    zone_info,
)

log = logging.getLogger(__name__)

FIELDS = (
    "message", "datetime", "timestamp", "timestamp_desc", "tag",
    "kind", "severity", "source", "certainty", "precision", "zone", "zone_assumed",
    "end", "targets", "indicators", "id",
)  # fmt: skip
"""Columns written, Timesketch's first (the same in JSONL and CSV)."""

TIMESTAMP_DESC = {
    "leak": "Publication time",
    "news": "Publication time",
    "attribution": "Publication time",
    "phishing": "Sent time",
    "intrusion": "Intrusion time",
    "dos": "Attack time",
    "flood": "Attack time",
}
"""Timesketch's ``timestamp_desc`` by the first part of the kind found here
(``mail.phishing``: ``Sent time``); any other kind: ``Event time``."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""An event file larger than this (64 MiB) is refused."""

MAX_EVENTS = 100_000
"""Events read from one file at most; the rest is reported and skipped."""

MAX_MESSAGE = 10_000
"""Longest message read (characters); a longer one is a bad row."""

MAX_TAGS = 50
"""Tags (and targets, indicators) kept per event; more are left out with a note."""

MAX_TAG_VALUE = 200
"""Longest extra field value kept as a tag."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NOT_ESCAPED = ("datetime", "timestamp", "end")
_MICRO = 1_000_000
_TS_RANGE = (
    int(datetime(1900, 1, 1, tzinfo=UTC).timestamp()) * _MICRO,
    int(datetime(2200, 1, 1, tzinfo=UTC).timestamp()) * _MICRO,
)


# --------------------------------------------------------------------------
# Writing events
# --------------------------------------------------------------------------


def event_record(event: TimelineEvent) -> dict[str, Any]:
    """``event`` as a Timesketch-compatible record (the keys of :data:`FIELDS`)."""
    return {
        "message": event.summary,
        "datetime": event.time.astimezone(UTC).isoformat(),
        "timestamp": _micros(event.time),
        "timestamp_desc": _timestamp_desc(event.kind),
        "tag": list(event.tags),
        "kind": event.kind,
        "severity": event.severity.value,
        "source": event.source,
        "certainty": event.certainty.value,
        "precision": event.precision.value,
        "zone": event.zone,
        "zone_assumed": event.zone_assumed,
        "end": event.end.astimezone(UTC).isoformat() if event.end else None,
        "targets": list(event.targets),
        "indicators": list(event.indicators),
        "id": event.id,
    }


def _timestamp_desc(kind: str) -> str:
    found = (TIMESTAMP_DESC[p] for p in kind.split(".") if p in TIMESTAMP_DESC)
    return next(found, "Event time")


def _micros(when: datetime) -> int:
    delta = when.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * _MICRO + delta.microseconds


def write_jsonl(events: Iterable[TimelineEvent], out: Path | str | IO[str]) -> int:
    """Write ``events`` as Timesketch JSONL to a path or text stream; return how many."""
    lines = (json.dumps(event_record(e), ensure_ascii=False) + "\n" for e in events)
    return _write_lines(lines, out)


def write_csv(events: Iterable[TimelineEvent], out: Path | str | IO[str]) -> int:
    """Write ``events`` as Timesketch CSV (header first) to a path or text stream."""

    def rows() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(FIELDS)
        yield _take(buffer)
        for event in events:
            record = event_record(event)
            writer.writerow([_csv_cell(name, record[name]) for name in FIELDS])
            yield _take(buffer)

    return _write_lines(rows(), out) - 1


def _take(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _csv_cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, ensure_ascii=False)
    text = str(value)
    if name not in _NOT_ESCAPED and text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _write_lines(lines: Iterable[str], out: Path | str | IO[str]) -> int:
    """Write ``lines`` to ``out``; return how many. Raises InputError naming the path."""
    if not isinstance(out, (str, Path)):
        return _write_to(lines, out)
    try:
        with Path(out).open("w", encoding="utf-8", newline="") as stream:
            return _write_to(lines, stream)
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc


def _write_to(lines: Iterable[str], stream: IO[str]) -> int:
    count = 0
    for line in lines:
        stream.write(line)
        count += 1
    return count


def write_events(events: Iterable[TimelineEvent], path: Path | str) -> int:
    """Write ``events`` to ``path`` in the format its suffix names (``.jsonl``/``.ndjson``/
    ``.json``: JSONL; ``.csv``; ``.ics``); return how many."""
    suffix = Path(path).suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return write_jsonl(events, path)
    if suffix == ".csv":
        return write_csv(events, path)
    if suffix == ".ics":
        return write_ics(events, path)
    raise InputError(f"{path}: unknown format {suffix!r}; use .jsonl, .csv or .ics")


# --------------------------------------------------------------------------
# Reading events
# --------------------------------------------------------------------------


def read_events(path: Path | str, default_zone: str) -> Loaded:
    """Events from a Timesketch JSONL or CSV file (by suffix; else by the first character:
    ``{`` is JSONL)."""
    path = Path(path)
    loaded = read_text(path, MAX_FILE_BYTES)
    if loaded.text is None:
        return Loaded(problems=loaded.problems, notes=loaded.notes)
    suffix = path.suffix.lower()
    jsonl = suffix in (".jsonl", ".ndjson", ".json") or (
        suffix != ".csv" and loaded.text.lstrip().startswith("{")
    )
    parse = parse_jsonl if jsonl else parse_csv
    result = parse(loaded.text, str(path), default_zone)
    return Loaded(events=result.events, problems=result.problems,
                  notes=(*loaded.notes, *result.notes))  # fmt: skip


def read_jsonl(path: Path | str, default_zone: str) -> Loaded:
    """Events from a Timesketch JSONL file."""
    loaded = read_text(Path(path), MAX_FILE_BYTES)
    if loaded.text is None:
        return Loaded(problems=loaded.problems, notes=loaded.notes)
    result = parse_jsonl(loaded.text, str(path), default_zone)
    return Loaded(events=result.events, problems=result.problems,
                  notes=(*loaded.notes, *result.notes))  # fmt: skip


def read_csv(path: Path | str, default_zone: str) -> Loaded:
    """Events from a Timesketch CSV file."""
    loaded = read_text(Path(path), MAX_FILE_BYTES)
    if loaded.text is None:
        return Loaded(problems=loaded.problems, notes=loaded.notes)
    result = parse_csv(loaded.text, str(path), default_zone)
    return Loaded(events=result.events, problems=result.problems,
                  notes=(*loaded.notes, *result.notes))  # fmt: skip


def parse_jsonl(text: str, where: str, default_zone: str) -> Loaded:
    """Events from JSONL text; ``where`` names the file in problems."""
    reading = _Reading(where, default_zone, "line")
    if reading.zone is None:
        return reading.loaded()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if reading.full(number):
            break
        record = _json_object(line)
        if isinstance(record, str):
            reading.problem(number, record)
        else:
            reading.add(record, number)
    return reading.loaded()


def _json_object(line: str) -> dict[str, Any] | str:
    """The JSON object on ``line``, or why there is none."""
    try:
        value = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return f"not JSON: {str(exc)[:80]}" if isinstance(exc, ValueError) else "not JSON"
    if not isinstance(value, dict):
        return f"a JSON {type(value).__name__}, not an object (one event per line)"
    return value


def parse_csv(text: str, where: str, default_zone: str) -> Loaded:
    """Events from Timesketch CSV text (header first); ``where`` names the file."""
    reading = _Reading(where, default_zone, "row")
    if reading.zone is None:
        return reading.loaded()
    problems: list[Problem] = []
    header: list[str] | None = None
    for number, row in csv_rows(text, where, problems):
        if header is None:
            header = [c.strip() for c in row]
            if "message" not in header or not {"datetime", "timestamp"} & set(header):
                reading.problem(number, "the header needs message and datetime (or timestamp)"
                                        f" columns; found {', '.join(header)[:120]}")  # fmt: skip
                break
            continue
        if not any(cell.strip() for cell in row):
            continue
        if reading.full(number):
            break
        if len(row) > len(header):
            reading.problem(number, f"{len(row)} cells for {len(header)} columns")
            continue
        cells = {k: _uncell(v) for k, v in zip(header, row, strict=False)}
        reading.add(cells, number)
    reading.problems[:0] = problems
    return reading.loaded()


def _uncell(text: str) -> str:
    """A CSV cell as written before :func:`_csv_cell` escaped a formula start."""
    if text.startswith("'") and text[1:].startswith(_FORMULA_START):
        return text[1:]
    return text


@dataclass
class _Reading:
    """Turns records into events, collecting problems and what to note."""

    where: str
    default_zone: str
    noun: str
    """``line`` (JSONL) or ``row`` (CSV), for notes."""
    events: list[TimelineEvent] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    assumed: list[int] = field(default_factory=list)
    trimmed: list[int] = field(default_factory=list)
    disagree: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.zone = zone_info(self.default_zone)
        if self.zone is None:
            self.problems.append(Problem(self.where, f"unknown time zone {self.default_zone!r}"))

    def full(self, number: int) -> bool:
        """True (and a problem) once :data:`MAX_EVENTS` events were read."""
        if len(self.events) < MAX_EVENTS:
            return False
        self.problem(number, f"more than {MAX_EVENTS} events; the rest is skipped")
        return True

    def problem(self, number: int, reason: str) -> None:
        self.problems.append(Problem(f"{self.where}:{number}", reason))

    def add(self, record: Mapping[str, Any], number: int) -> None:
        assert self.zone is not None
        result = record_event(record, self.where, self.zone, self.default_zone)
        if isinstance(result, str):
            self.problem(number, result)
            return
        self.events.append(result.event)
        if result.assumed:
            self.assumed.append(number)
        if result.trimmed:
            self.trimmed.append(number)
        if result.disagree:
            self.disagree.append(number)

    def loaded(self) -> Loaded:
        notes = []
        if self.assumed:
            notes.append(assumed_zone_note(self.where, self.assumed, self.default_zone, self.noun))
        if self.disagree:
            notes.append(f"{self.where}: {rows_phrase(self.disagree, self.noun)}: timestamp "
                         "and datetime disagree; datetime used")  # fmt: skip
        if self.trimmed:
            notes.append(f"{self.where}: {rows_phrase(self.trimmed, self.noun)}: fields too "
                         "long or too many to keep as tags were left out")  # fmt: skip
        return Loaded(events=tuple(self.events), problems=capped(self.problems, self.where),
                      notes=tuple(notes))  # fmt: skip


@dataclass(frozen=True)
class RecordEvent:
    """An event read from a record, and what reading it assumed."""

    event: TimelineEvent
    assumed: bool
    """Its time had no zone and took the campaign's."""
    trimmed: bool
    """Some extra fields, tags or indicators were left out (too long, too many)."""
    disagree: bool = False
    """``timestamp`` and ``datetime`` (with offset) differ by more than a second; the
    ``datetime`` was used (Timesketch's own examples carry such pairs)."""


def record_event(
    record: Mapping[str, Any], where: str, default: ZoneInfo, default_zone: str
) -> RecordEvent | str:
    """The event a Timesketch record describes, or the plain reason it cannot be read.

    ``where`` is the file (the ``source`` of events that name none).
    """
    message = _text(record.get("message"))
    if not message:
        return "no message"
    if len(message) > MAX_MESSAGE:
        return f"message longer than {MAX_MESSAGE} characters"
    enums = _enums(record)
    if isinstance(enums, str):
        return enums
    severity, certainty, precision = enums
    zone_name = _text(record.get("zone"))
    zone = zone_info(zone_name) if zone_name else default
    if zone is None:
        return f"unknown time zone {zone_name[:60]!r}"
    when = _when(record, zone)
    if isinstance(when, str):
        return when
    time, date_only, assumed, disagree = when
    assumed = assumed and not zone_name
    end = _end(record, zone, time)
    if isinstance(end, str):
        return end
    kind = _text(record.get("kind")) or "imported"
    tags, trimmed = _tags(record)
    targets, cut_t = _list(record.get("targets"))
    indicators, cut_i = _list(record.get("indicators"))
    source = _text(record["source"]) if "source" in record else where
    event = TimelineEvent(
        id=_text(record.get("id"))[:128] or event_id(source, kind, time, message),
        time=time,
        kind=kind,
        summary=message,
        severity=severity,
        end=end,
        zone=zone_name or default_zone,
        precision=precision or (Precision.DAY if date_only else Precision.MINUTE),
        certainty=certainty,
        source=source,
        tags=tags,
        targets=targets,
        indicators=indicators,
        zone_assumed=assumed or _flag(record.get("zone_assumed")),
    )
    return RecordEvent(event, assumed, trimmed or cut_t or cut_i, disagree)


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _enums(record: Mapping[str, Any]) -> tuple[Severity, Certainty, Precision | None] | str:
    """Severity (default info), certainty (default H) and precision (None: from the time)."""
    severity, certainty, precision = (_text(record.get(k)) for k in
                                      ("severity", "certainty", "precision"))  # fmt: skip
    try:
        return (
            Severity(severity.lower()) if severity else Severity.INFO,
            Certainty(certainty.upper()) if certainty else Certainty.HIGH,
            Precision(precision.lower()) if precision else None,
        )
    except ValueError:
        return (f"severity {severity!r}, certainty {certainty!r} or precision {precision!r} is "
                "not known (info…critical; H, M, L; minute, hour, day, month)")  # fmt: skip


def _when(record: Mapping[str, Any], zone: ZoneInfo) -> tuple[datetime, bool, bool, bool] | str:
    """(UTC time, date alone, zone assumed, timestamp disagrees) from ``datetime`` and/or
    ``timestamp``: a ``datetime`` with offset wins, then ``timestamp``, then a ``datetime``
    without offset read in ``zone``."""
    stamp = _timestamp(record.get("timestamp"))
    if isinstance(stamp, str):
        return stamp
    text = _text(record.get("datetime"))
    if not text:
        if stamp is None:
            return "no datetime or timestamp"
        return stamp, False, False, False
    try:
        parsed = parse_time(text, zone)
    except ValueError as exc:
        return f"datetime: {exc}"
    if stamp is not None and not parsed.had_offset:
        return stamp, parsed.date_only, False, False
    disagree = stamp is not None and abs(parsed.utc - stamp) > timedelta(seconds=1)
    return parsed.utc, parsed.date_only, not parsed.had_offset, disagree


def _timestamp(value: Any) -> datetime | str | None:
    """A ``timestamp`` (microseconds since the epoch) as a UTC time; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return f"timestamp {value!r} is not a number"
    text = str(value).strip()
    try:
        if isinstance(value, int):
            micros = value
        elif isinstance(value, float):
            micros = round(value)
        else:
            micros = int(text) if text.lstrip("-").isdigit() else round(float(text[:40]))
    except (ValueError, OverflowError):
        return f"timestamp {text[:40]!r} is not a number"
    if not _TS_RANGE[0] <= micros <= _TS_RANGE[1]:
        return (f"timestamp {micros} is not microseconds since 1970 for a date between 1900 and "
                "2200")  # fmt: skip
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=micros)


def _end(record: Mapping[str, Any], zone: ZoneInfo, start: datetime) -> datetime | str | None:
    text = _text(record.get("end"))
    if not text:
        return None
    try:
        end: ParsedTime = parse_time(text, zone)
    except ValueError as exc:
        return f"end: {exc}"
    if end.utc < start:
        return f"ends before it starts (end {text[:40]})"
    return end.utc


def _flag(value: Any) -> bool:
    return value is True or _text(value).lower() in ("true", "1", "yes")


def _tags(record: Mapping[str, Any]) -> tuple[tuple[str, ...], bool]:
    """The ``tag`` list, then ``name:value`` for each short plain extra field."""
    tags, trimmed = _list(record.get("tag"), split_commas=True)
    extra = []
    for name in sorted(k for k in record if k not in FIELDS and not str(k).startswith("_")):
        value = record[name]
        if isinstance(value, (dict, list)) or len(_text(value)) > MAX_TAG_VALUE:
            trimmed = True
        elif _text(value):
            extra.append(f"{name}:{_text(value)}")
    desc = _text(record.get("timestamp_desc"))
    if desc and not _text(record.get("kind")):
        extra.insert(0, f"timestamp_desc:{desc}")
    kept = [*tags, *(t for t in extra if t not in tags)]
    return tuple(kept[:MAX_TAGS]), trimmed or len(kept) > MAX_TAGS


def _list(value: Any, split_commas: bool = False) -> tuple[tuple[str, ...], bool]:
    """A list field: a JSON list (or its text), ``-`` for none, else one value (or, for tags
    as Timesketch reads them, comma-separated values). Returns (values, some left out)."""
    items: list[Any]
    if isinstance(value, (list, tuple)):
        items = list(value)
    else:
        text = _text(value)
        if not text or text == "-":
            return (), False
        items = [text]
        if text.startswith("[") and text.endswith("]"):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):
                decoded = None
            items = decoded if isinstance(decoded, list) else items
        elif split_commas and "," in text:
            items = text.split(",")
    values = [_text(v) for v in items if _text(v) and len(_text(v)) <= 2048]
    return tuple(values[:MAX_TAGS]), len(values) != len(items) or len(values) > MAX_TAGS


# --------------------------------------------------------------------------
# iCalendar
# --------------------------------------------------------------------------


class CalendarEntry(Protocol):
    """What :func:`write_ics` needs of an entry: a :class:`Moment` has it, so will a risk
    window. ``precision``, ``certainty``, ``source`` and ``description`` are read when
    present."""

    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def start(self) -> datetime: ...
    @property
    def end(self) -> datetime | None: ...
    @property
    def zone(self) -> str: ...


@dataclass(frozen=True)
class _Entry:
    """One VEVENT to write, whatever it came from."""

    uid: str
    name: str
    kind: str
    start: datetime
    end: datetime | None
    zone: str
    precision: Precision
    extra: dict[str, str]
    description: str


def write_ics(
    items: Iterable[CalendarEntry | TimelineEvent],
    out: Path | str | IO[str] | IO[bytes],
    *,
    name: str = "Rempart timeline",
    stamp: datetime | None = None,
) -> int:
    """Write moments (or risk windows) and events as an iCalendar file; return how many.

    Times keep their zone (``DTSTART;TZID=Europe/Paris``, with the VTIMEZONE); items known
    to the day or month are all-day events on their local dates. ``stamp`` is the
    ``DTSTAMP`` (now by default). Raises InputError when the path cannot be written.
    """
    data = ics_bytes(items, name=name, stamp=stamp)
    count = data.count(b"BEGIN:VEVENT")
    if isinstance(out, (str, Path)):
        try:
            Path(out).write_bytes(data)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc.strerror or exc}") from exc
    elif isinstance(out, io.TextIOBase):
        out.write(data.decode("utf-8"))
    else:
        out.write(data)  # type: ignore[arg-type]
    return count


def ics_bytes(
    items: Iterable[CalendarEntry | TimelineEvent],
    *,
    name: str = "Rempart timeline",
    stamp: datetime | None = None,
) -> bytes:
    """The iCalendar text of :func:`write_ics`."""
    entries = [_entry(item) for item in items]
    calendar = Calendar()
    calendar.add("prodid", "-//Rempart//timeline//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    when = (stamp or datetime.now(UTC)).astimezone(UTC)
    for entry in entries:
        calendar.add_component(_vevent(entry, when))
    if entries:
        first = min(e.start for e in entries).date() - timedelta(days=366)
        last = max((e.end or e.start) for e in entries).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)
    return bytes(calendar.to_ical())


def _entry(item: CalendarEntry | TimelineEvent) -> _Entry:
    if isinstance(item, TimelineEvent):
        extra = {"X-REMPART-SEVERITY": item.severity.value, "X-REMPART-ID": item.id}
        about = f"Severity: {item.severity.value}\nCertainty: {item.certainty.value}"
        about += f"\nSource: {item.source}" if item.source else ""
        return _Entry(item.id, item.summary, item.kind, item.time, item.end, item.zone,
                      item.precision, {**_common(item), **extra}, about)  # fmt: skip
    precision = getattr(item, "precision", Precision.MINUTE)
    key = f"{item.kind}\x1f{item.name}\x1f{item.start.isoformat()}"
    uid = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return _Entry(uid, item.name, item.kind, item.start, item.end, item.zone, precision,
                  _common(item), str(getattr(item, "description", "") or ""))  # fmt: skip


def _common(item: Any) -> dict[str, str]:
    """The ``X-REMPART-*`` properties :func:`~rempart.timeline.sources.read_ics` reads."""
    out = {"X-REMPART-ZONE": item.zone}
    for key, attr in (("PRECISION", "precision"), ("CERTAINTY", "certainty"),
                      ("SOURCE", "source")):  # fmt: skip
        value = getattr(item, attr, None)
        if value:
            out[f"X-REMPART-{key}"] = str(getattr(value, "value", value))
    if getattr(item, "zone_assumed", False):
        out["X-REMPART-ZONE-ASSUMED"] = "TRUE"
    return out


def _vevent(entry: _Entry, stamp: datetime) -> IcsEvent:
    event = IcsEvent()
    event.add("uid", f"{entry.uid}@rempart")
    event.add("dtstamp", stamp)
    event.add("summary", entry.name)
    event.add("categories", [entry.kind])
    start, end = _ics_times(entry)
    event.add("dtstart", start)
    if end is not None:
        event.add("dtend", end)
    if entry.description:
        event.add("description", entry.description)
    for key, value in entry.extra.items():
        event.add(key, value)
    return event


def _ics_times(entry: _Entry) -> tuple[datetime | date, datetime | date | None]:
    """DTSTART and DTEND: local dates for an item known to the day or month that starts and
    ends at local midnight (an all-day event), else times in the item's zone."""
    zone = zone_info(entry.zone) or ZoneInfo("UTC")
    start = entry.start.astimezone(zone)
    end = entry.end.astimezone(zone) if entry.end else None
    midnight = datetime.min.time()
    all_day = entry.precision in (Precision.DAY, Precision.MONTH) and all(
        t.time() == midnight for t in (start, end) if t is not None
    )
    if not all_day:
        return start, end
    if end is None:
        return start.date(), None
    return start.date(), max(end.date(), start.date() + timedelta(days=1))
