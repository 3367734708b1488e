"""The timeline in the terminal: a compact calendar, the events day by day, then the notes.

The calendar has one row per month and two characters per day: a glyph for
the moment of that day (a round, a debate, the silence period, the official
campaign…) and the number of security events that day, coloured by the worst
severity. Below it, the moments with their local and UTC times, then the
events grouped by day with kind, severity, local and UTC time and what makes
them uncertain. The notes at the end say which zones were assumed and how many
facts are uncertain.

Event summaries and moment names come from outside (an attacker writes a
phishing subject), so every such text goes into Rich ``Text`` objects, which are
never parsed as markup, after :func:`rempart.timeline.chart.clean_text` has
removed control characters: ``[bold]`` in a summary is shown as typed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from rich.console import Console
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from rempart.model.findings import Severity
from rempart.timeline.chart import (
    aware,
    clean_text,
    display_zone,
    drawable,
    format_time,
    is_uncertain,
    lane_of,
    view_notes,
    zone_of,
)
from rempart.timeline.model import Moment, Precision, Timeline, TimelineEvent

log = logging.getLogger(__name__)

MAX_MONTHS = 24
"""The calendar shows at most this many months (those with something on them first)."""
MAX_LISTED = 500
"""At most this many events are listed one by one (the first by time)."""
MAX_SUMMARY = 160
"""Summaries are cut to this many characters."""
MAX_MOMENTS = 200
"""At most this many moments are listed."""

SEVERITY_STYLES = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}
"""Rich style of each severity."""

MOMENT_GLYPHS: dict[str, tuple[str, str, str]] = {
    "round": ("R", "bold black on white", "round"),
    "debate": ("D", "bold blue", "debate"),
    "campaign_end": ("E", "green", "end of campaign"),
    "rally": ("r", "magenta", "rally"),
    "other": ("*", "white", "other moment"),
    "silence": ("█", "bold red", "silence period"),
    "convention": ("▓", "blue", "convention"),
    "primary": ("░", "magenta", "primary"),
    "campaign_start": ("▒", "green", "official campaign"),
}
"""Moment kind → (glyph, style, legend); earlier kinds win when a day has several."""
_PLAIN_DAY = ("·", "dim")


@dataclass(frozen=True)
class DayCell:
    """What the calendar shows for one day."""

    glyph: str
    style: str
    events: int = 0
    worst: Severity | None = None
    uncertain: bool = False
    """Every event of that day is uncertain."""

    def text(self) -> Text:
        """Two characters: the moment glyph, then the event count (``+`` for ten or more)."""
        cell = Text(self.glyph, style=self.style)
        if not self.events:
            return cell.append(" ")
        mark = "?" if self.uncertain else (str(self.events) if self.events < 10 else "+")
        return cell.append(mark, style=SEVERITY_STYLES.get(self.worst or Severity.INFO, ""))


def _safe(text: object, limit: int = MAX_SUMMARY) -> Text:
    """Outside text as a Rich ``Text``: cleaned, cut, never read as markup."""
    return Text(clean_text(text, limit))


def event_day(event: TimelineEvent, zone: tzinfo) -> date:
    """The day an event falls on: in ``zone``, except a date known only to the day or
    month, which is true in the zone it was given in."""
    if event.precision in (Precision.DAY, Precision.MONTH):
        return aware(event.time).astimezone(zone_of(event.zone) or zone).date()
    return aware(event.time).astimezone(zone).date()


def _moment_days(moment: Moment, zone: tzinfo, first: date, last: date) -> Iterable[date]:
    """The days a moment covers in ``zone``, cut to ``[first, last]``."""
    start = aware(moment.start).astimezone(zone).date()
    until = aware(moment.until).astimezone(zone)
    end = until.date()
    if moment.end is not None and until.time() == datetime.min.time():
        end = max(start, end - timedelta(days=1))  # ending at midnight: ends the day before
    day = max(start, first)
    while day <= min(end, last):
        yield day
        day += timedelta(days=1)


def _glyph_rank(kind: str) -> int:
    kinds = list(MOMENT_GLYPHS)
    return kinds.index(kind) if kind in kinds else len(kinds)


def calendar_cells(timeline: Timeline, zone: tzinfo) -> dict[date, DayCell]:
    """The calendar's content: for each day with a moment or an event, its cell."""
    first, last = (aware(t).astimezone(zone).date() for t in timeline.span())
    glyphs: dict[date, str] = {}
    for moment in timeline.moments:
        for day in _moment_days(moment, zone, first, last):
            kind = glyphs.get(day)
            if kind is None or _glyph_rank(moment.kind) < _glyph_rank(kind):
                glyphs[day] = moment.kind
    per_day: dict[date, list[TimelineEvent]] = {}
    for event in timeline.events:
        per_day.setdefault(event_day(event, zone), []).append(event)
    cells = {}
    for day in sorted(set(glyphs) | set(per_day)):
        glyph, style = _PLAIN_DAY
        if day in glyphs:
            glyph, style, _ = MOMENT_GLYPHS.get(glyphs[day], MOMENT_GLYPHS["other"])
        events = per_day.get(day, [])
        worst = max((e.severity for e in events), key=lambda s: s.rank) if events else None
        uncertain = bool(events) and all(is_uncertain(e) for e in events)
        cells[day] = DayCell(glyph, style, len(events), worst, uncertain)
    return cells


def _months(first: date, last: date) -> list[tuple[int, int]]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _month_length(year: int, month: int) -> int:
    nxt = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return (nxt - date(year, month, 1)).days


def _calendar(timeline: Timeline, zone: tzinfo) -> tuple[list[Text], list[str]]:
    """The calendar lines, and notes about months left out."""
    cells = calendar_cells(timeline, zone)
    first, last = (aware(t).astimezone(zone).date() for t in timeline.span())
    if cells:
        first, last = min(first, min(cells)), max(last, max(cells))
    months = _months(first, last)
    notes = []
    if len(months) > MAX_MONTHS:
        busy = sorted({(d.year, d.month) for d in cells})
        notes.append(
            f"the calendar shows {min(len(busy), MAX_MONTHS)} of {len(months)} months "
            "(those with moments or events)"
        )
        months = busy[:MAX_MONTHS]
    header = Text(" " * 9, style="dim")
    for d in range(1, 32):
        header.append(f"{d:<2}" if d in (1, 5, 10, 15, 20, 25, 30) else "  ", style="dim")
    lines = [header]
    for year, month in months:
        line = Text(f"{year:04d}-{month:02d}  ", style="bold")
        for d in range(1, _month_length(year, month) + 1):
            day = date(year, month, d)
            cell = cells.get(day)
            if cell is not None:
                line.append_text(cell.text())
            elif first <= day <= last:
                line.append(_PLAIN_DAY[0] + " ", style=_PLAIN_DAY[1])
            else:
                line.append("  ")
        lines.append(line)
    return lines, notes


def _legend() -> Text:
    legend = Text("  ")
    for glyph, style, label in MOMENT_GLYPHS.values():
        legend.append(glyph, style=style).append(f" {label}  ")
    legend.append("· day  ", style="dim").append("n", style="bold").append(" events (")
    for severity, style in SEVERITY_STYLES.items():
        legend.append(severity.value, style=style).append(" ")
    return legend.append("= worst), + ten or more, ? only uncertain events")


def _flags(item: Moment | TimelineEvent) -> Text:
    parts = []
    if item.certainty.value != "H":
        parts.append(f"certainty {item.certainty.value}")
    if item.precision is not Precision.MINUTE:
        parts.append(f"to the {item.precision.value}")
    if item.zone_assumed:
        parts.append("zone assumed")
    if not parts:
        return Text("")
    mark = "? uncertain: " if is_uncertain(item) else ""
    return Text(f"[{mark}{', '.join(parts)}]", style="italic yellow" if mark else "italic dim")


def _clock(when: datetime, zone: tzinfo, precision: Precision) -> str:
    """The time of day in ``zone`` as precisely as it is known."""
    if precision in (Precision.DAY, Precision.MONTH):
        return f"(the {precision.value})"
    local = aware(when).astimezone(zone)
    rough = "~" if precision is Precision.HOUR else ""
    return f"{rough}{local:%H:%M} {local.tzname() or ''}".rstrip()


def _short(when: datetime, zone: tzinfo, precision: Precision, given_in: str) -> str:
    """A time without year or zone name (next to a full one): ``04-09 22:00``."""
    if precision in (Precision.DAY, Precision.MONTH):
        return format_time(when, zone, precision, given_in)
    local = aware(when).astimezone(zone)
    return f"{local:%m-%d} {'~' if precision is Precision.HOUR else ''}{local:%H:%M}"


def _moments_table(timeline: Timeline, zone: tzinfo, zone_name: str) -> Table:
    table = Table(
        title="Moments",
        title_justify="left",
        box=None,
        pad_edge=False,
        show_edge=False,
        header_style="bold",
    )
    for column in (f"local ({zone_name})", "UTC", "until (local)"):
        table.add_column(Text(column), no_wrap=True)
    table.add_column("moment", overflow="fold", ratio=1)
    table.add_column("notes", overflow="fold")
    ordered = sorted(timeline.moments, key=lambda m: (aware(m.start), m.name))
    for m in ordered[:MAX_MOMENTS]:
        glyph, style, _ = MOMENT_GLYPHS.get(m.kind, MOMENT_GLYPHS["other"])
        until = _short(m.end, zone, m.precision, m.zone) if m.end else ""
        name = Text(glyph + " ", style=style).append_text(_safe(m.name, 80))
        name.append(f" ({clean_text(m.kind, 20)})", style="dim")
        table.add_row(
            Text(format_time(m.start, zone, m.precision, m.zone)),
            Text(_short(m.start, UTC, m.precision, m.zone)),
            Text(until),
            name,
            _flags(m),
        )
    return table


def _event_cells(event: TimelineEvent, zone: tzinfo) -> tuple[Text, ...]:
    """One row of a day's grid: local time, UTC time, kind, severity, summary and flags."""
    imprecise = event.precision in (Precision.DAY, Precision.MONTH)
    utc = "" if imprecise else f"({_clock(event.time, UTC, event.precision)})"
    about = _safe(event.summary)
    flags = _flags(event)
    if flags.plain:
        about.append(" ").append_text(flags)
    source = clean_text(event.source, 40)
    if source:
        about.append(f" — {source}", style="dim")
    return (
        Text(_clock(event.time, zone, event.precision), style="bold"),
        Text(utc, style="dim"),
        _safe(event.kind, 24),
        Text(event.severity.value, style=SEVERITY_STYLES.get(event.severity, "")),
        about,
    )


def _day_grid() -> Table:
    grid = Table.grid(padding=(0, 1), pad_edge=True)
    grid.add_column(justify="right", no_wrap=True, width=14)
    grid.add_column(no_wrap=True, width=11)
    grid.add_column(no_wrap=True, width=16, overflow="ellipsis")
    grid.add_column(no_wrap=True, width=8)
    grid.add_column(ratio=1, overflow="fold")
    return grid


def _heading(event: TimelineEvent, day: date) -> str:
    if event.precision is Precision.MONTH:
        return f"{day:%b %Y} (known to the month)"
    return f"{day:%a %Y-%m-%d}"


def _events(timeline: Timeline, zone: tzinfo) -> tuple[list[Text | Table], list[str]]:
    """A heading and a grid per day (the first :data:`MAX_LISTED` events), and a note when
    some are not listed."""
    events = sorted(timeline.events, key=lambda e: (event_day(e, zone), aware(e.time), e.kind))
    blocks: list[Text | Table] = []
    current: str | None = None
    grid = _day_grid()
    for event in events[:MAX_LISTED]:
        heading = _heading(event, event_day(event, zone))
        if heading != current:
            current, grid = heading, _day_grid()
            blocks += [Text(heading, style="bold underline"), grid]
        grid.add_row(*_event_cells(event, zone))
    notes = []
    if len(events) > MAX_LISTED:
        notes.append(
            f"{len(events) - MAX_LISTED} more events not listed (the first "
            f"{MAX_LISTED} by time are): narrow with --from, --to or --kind"
        )
    return blocks, notes


def _summary(timeline: Timeline) -> Text:
    lanes = Counter(lane_of(e.kind) for e in timeline.events)
    severities = Counter(e.severity for e in timeline.events)
    text = Text(f"{len(timeline.moments)} moments, {len(timeline.events)} events")
    if lanes:
        text.append(": " + ", ".join(f"{n} {lane}" for lane, n in lanes.most_common()))
    for severity in reversed(list(SEVERITY_STYLES)):
        if severities.get(severity):
            text.append(" · ").append(
                f"{severities[severity]} {severity.value}", style=SEVERITY_STYLES[severity]
            )
    return text


def _header(timeline: Timeline, zone: tzinfo, zone_name: str) -> list[Text | Rule]:
    start, end = timeline.span()
    where = "UTC" if zone_name == "UTC" else f"{zone_name} and UTC"
    period = f"{format_time(start, zone)} → {format_time(end, zone)} · times in {where}"
    return [Rule(_safe(timeline.name or "timeline", 80)), Text(period, style="dim")]


def render_terminal(timeline: Timeline, console: Console, *, local: bool = True) -> None:
    """Print the calendar, the moments, the events by day and the notes on ``console``."""
    timeline = drawable(timeline)
    zone, zone_name, _ = display_zone(timeline, local)
    for head in _header(timeline, zone, zone_name):
        console.print(head)
    console.print(_summary(timeline))
    calendar, notes = _calendar(timeline, zone)
    for line in calendar:
        console.print(line, no_wrap=True, overflow="crop")
    console.print(_legend(), style="dim")
    if timeline.moments:
        console.print()
        console.print(_moments_table(timeline, zone, zone_name))
    blocks, more = _events(timeline, zone)
    console.print()
    console.print(Text("Events", style="bold") if blocks else Text("No security events.", "dim"))
    for block in blocks:
        console.print(block)
    notes = view_notes(timeline, local) + notes + more
    if len(timeline.moments) > MAX_MOMENTS:
        notes.append(f"only the first {MAX_MOMENTS} of {len(timeline.moments)} moments listed")
    if notes:
        console.print()
        console.print(Text("Notes", style="bold"))
        for note in notes:
            console.print(Text("  • ").append_text(_safe(note, 300)))
