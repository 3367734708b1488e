"""The timeline in the terminal: calendar, moments, events by day, notes."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from rich.console import Console

from rempart.model.findings import Severity
from rempart.timeline.model import Certainty, Moment, Precision, Timeline, TimelineEvent
from rempart.timeline.terminal import MAX_LISTED, calendar_cells, event_day, render_terminal

PARIS = "Europe/Paris"
XSS = "$x$ <script>alert(1)</script>"


def at(day: int, hour: int = 0, minute: int = 0, month: int = 4) -> datetime:
    return datetime(2017, month, day, hour, minute, tzinfo=UTC)


def timeline(events: tuple[TimelineEvent, ...] | None = None, zone: str = PARIS) -> Timeline:
    moments = (
        Moment("official campaign", "campaign_start", at(9, 22), at(21, 22), zone=PARIS),
        Moment("silence, 1st round", "silence", at(21, 22), at(23, 18), zone=PARIS),
        Moment("1st round", "round", at(23, 6), zone=PARIS),
        Moment("TV debate", "debate", at(3, 19, month=5), at(3, 21, 30, month=5), zone=PARIS),
        Moment("2nd round", "round", at(7, 6, month=5), zone=PARIS),
    )
    if events is None:
        events = (
            TimelineEvent("leak", at(5, 18, 57, month=5), "leak", XSS, Severity.CRITICAL),
            TimelineEvent(
                "late", at(5, 23, 30, month=5), "leak", "after midnight in Paris", Severity.HIGH
            ),
            TimelineEvent(
                "phish",
                at(15, 8, month=3),
                "phishing",
                "wave [bold]x[/bold] :smile:",
                Severity.HIGH,
                certainty=Certainty.LOW,
            ),
            TimelineEvent(
                "flood",
                at(25, 9),
                "logs.flood.ip",
                "flood \x1b[31mred",
                Severity.MEDIUM,
                source="logs",
                zone_assumed=True,
            ),
            TimelineEvent(
                "intr",
                at(2, 22),
                "intrusion",
                "intrusion found",
                Severity.HIGH,
                precision=Precision.DAY,
                zone=PARIS,
            ),
        )
    return Timeline("fr-2017 [red]test[/red]", zone=zone, moments=moments, events=events)


def shown(tl: Timeline, *, local: bool = True) -> str:
    console = Console(record=True, width=100, file=io.StringIO())
    render_terminal(tl, console, local=local)
    return console.export_text()


def test_moments_events_and_times_are_shown() -> None:
    text = shown(timeline())
    for name in ("official campaign", "silence, 1st round", "1st round", "TV debate", "2nd round"):
        assert name in text
    assert "2017-04-22 00:00 CEST  04-21 22:00  04-23 20:00" in text  # the silence row
    lines = text.splitlines()
    leak = next(line for line in lines if XSS in line)
    assert "20:57 CEST (18:57 UTC)" in leak and "critical" in leak
    # 23:30 UTC on May 5 is May 6 in Paris: it is listed under that day
    late = lines.index(next(line for line in lines if "after midnight in Paris" in line))
    assert lines[late - 1] == "Sat 2017-05-06"
    assert "01:30 CEST (23:30 UTC)" in lines[late]
    day = next(line for line in lines if "intrusion found" in line)
    assert "(the day)" in day and "[? uncertain: to the day]" in day
    assert lines[lines.index(day) - 1] == "Mon 2017-04-03"


def test_attacker_text_is_shown_literally() -> None:
    text = shown(timeline())
    assert "wave [bold]x[/bold] :smile:" in text
    assert "wave [bold]x[/bold] :smile: [? uncertain: certainty L]" in " ".join(text.split())
    assert "fr-2017 [red]test[/red]" in text
    assert "flood ?[31mred" in text and "\x1b" not in text
    assert XSS in text


def test_notes_say_what_was_assumed_and_uncertain() -> None:
    text = shown(timeline())
    notes = text[text.index("\nNotes\n") :]
    assert "1 time(s) came without a time zone and were taken in the campaign's zone" in notes
    assert "2 fact(s) are uncertain" in notes
    flood = next(line for line in text.splitlines() if "flood ?[31mred" in line)
    assert "[zone assumed]" in flood


def test_calendar_cells() -> None:
    cells = calendar_cells(timeline(), ZoneInfo(PARIS))
    assert cells[date(2017, 4, 23)].glyph == "R"
    assert cells[date(2017, 4, 22)].glyph == "█"
    assert cells[date(2017, 4, 21)].glyph == "▒"  # the campaign ends at midnight: not the 22nd
    assert cells[date(2017, 4, 10)].glyph == "▒" and date(2017, 4, 9) not in cells
    assert cells[date(2017, 5, 3)].glyph == "D"
    may5 = cells[date(2017, 5, 5)]
    assert (may5.events, may5.worst, may5.uncertain) == (1, Severity.CRITICAL, False)
    assert cells[date(2017, 5, 6)].events == 1
    assert cells[date(2017, 3, 15)].uncertain and cells[date(2017, 3, 15)].text().plain == "·?"
    assert cells[date(2017, 4, 25)].text().plain == "·1"


def test_calendar_rows_in_the_terminal() -> None:
    lines = shown(timeline()).splitlines()
    april = next(line for line in lines if line.startswith("2017-04  "))
    cells = april[9:]
    assert cells[2 * 22 : 2 * 22 + 2] == "R "  # the 23rd
    assert cells[2 * 21 : 2 * 21 + 2] == "█ "
    assert cells[2 * 24 : 2 * 24 + 2] == "·1"  # the 25th: the flood
    assert any(line.startswith("2017-03  ") for line in lines)
    assert any(line.startswith("2017-05  ") for line in lines)


def test_event_day_of_a_date_known_to_the_day_is_its_own_zone() -> None:
    e = TimelineEvent(
        "x",
        datetime(2016, 7, 22, 4, tzinfo=UTC),
        "leak",
        "DNC mail",
        precision=Precision.DAY,
        zone="America/New_York",
    )
    assert event_day(e, ZoneInfo("Asia/Tokyo")) == date(2016, 7, 22)
    exact = TimelineEvent("y", datetime(2016, 7, 22, 20, tzinfo=UTC), "leak", "exact")
    assert event_day(exact, ZoneInfo("Asia/Tokyo")) == date(2016, 7, 23)


def test_utc_view_and_unknown_zone() -> None:
    utc = shown(timeline(), local=False)
    assert "2017-03-15 08:00 UTC → 2017-05-07 06:00 UTC · times in UTC\n" in utc
    assert "18:57 UTC (18:57 UTC)" in utc
    text = shown(timeline(zone="Mars/Olympus"))
    assert "unknown time zone 'Mars/Olympus': times are shown in UTC" in text
    assert "18:57 UTC (18:57 UTC)" in text


def test_many_events_are_listed_up_to_the_bound() -> None:
    start = at(1, month=3)
    many = tuple(
        TimelineEvent(
            f"e{i}",
            start + timedelta(minutes=11 * i),
            "logs.flood.ip",
            f"event number {i}",
            Severity.LOW,
        )
        for i in range(10_000)
    )
    text = shown(timeline(many))
    assert f"event number {MAX_LISTED - 1}" in text and f"event number {MAX_LISTED}" not in text
    assert f"{10_000 - MAX_LISTED} more events not listed" in text
    assert "10000 events: 10000 dos / web logs" in text
    assert "2017-03  ·+·+" in text


def test_empty_timeline() -> None:
    text = shown(Timeline("empty"))
    assert "0 moments, 0 events" in text and "No security events." in text
