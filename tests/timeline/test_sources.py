"""Calendars from the campaign file, CSV and iCalendar; events from the store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from rempart.model.campaign import load_campaign
from rempart.model.findings import Event, Severity
from rempart.store import Store
from rempart.timeline import sources
from rempart.timeline.model import Certainty, Moment, Precision, Problem
from rempart.timeline.sources import (
    calendar_from_campaign,
    check_calendar,
    events_from_store,
    guess_kind,
    ics_kind,
    parse_ics,
    read_calendar_csv,
    read_ics,
    read_text,
)

FIXTURES = Path(__file__).parent / "fixtures"
PARIS = "Europe/Paris"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def summary(m: Moment) -> tuple[object, ...]:
    return (m.name, m.kind, m.start, m.end, m.zone, m.precision, m.zone_assumed)


# -- calendar CSV ------------------------------------------------------------------------


def test_read_calendar_csv() -> None:
    path = FIXTURES / "calendar.csv"
    loaded = read_calendar_csv(path, PARIS)
    minute, day = Precision.MINUTE, Precision.DAY
    assert [summary(m) for m in loaded.moments] == [
        ("Débat de l'entre-deux-tours", "debate", utc(2027, 5, 5, 19), utc(2027, 5, 5, 21, 30),
         PARIS, minute, False),
        ("Silence (no zone)", "silence", utc(2027, 5, 7, 22), utc(2027, 5, 9, 18), PARIS, minute,
         True),
        ("Second round", "round", utc(2027, 5, 8, 22), None, PARIS, day, False),
        ("With offset", "rally", utc(2027, 5, 1, 16), None, PARIS, minute, False),
        ("With offset and no zone", "rally", utc(2027, 5, 2, 16), None, PARIS, minute, False),
        ("Campaign", "campaign_start", utc(2027, 4, 11, 22), utc(2027, 4, 23, 22), PARIS, day,
         True),
    ]  # fmt: skip
    assert [m.source for m in loaded.moments] == [f"{path}:{n}" for n in (2, 3, 4, 5, 6, 15)]
    assert [p.line() for p in loaded.problems] == [
        f'{path}:8: "2027-05-03T18:00+01:00" has offset +01:00 but Europe/Paris was at +02:00 then',
        f'{path}:9: kind "meting" is not one of round, campaign_start, campaign_end, silence, '
        "debate, primary, convention, rally, other",
        f'{path}:10: unknown time zone "Europe/Pariss" (use an IANA name like Europe/Paris)',
        f'{path}:11: "2027-05-33" is not a date or date-time (write 2017-05-05 or '
        "2017-05-05T20:30)",
        f"{path}:12: ends before it starts (start 2027-04-25T00:00, end 2027-04-24T20:00)",
        f"{path}:13: 2027-03-28T02:30:00 does not exist in Europe/Paris (clocks jump then)",
        f"{path}:14: the name is empty",
    ]
    assert loaded.notes == (
        f"{path}: rows 3 and 15 gave times without a time zone; they were read in Europe/Paris "
        "(the campaign's zone)",
    )


def test_calendar_csv_optional_columns_and_missing_header(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("Name,Kind,Start,Zone,Precision,Certainty,Extra\n"
                    "Vote,round,2027-04-25T08:00,Europe/Paris,hour,M,x\n"
                    "Vote 2,round,2027-05-09T08:00,Europe/Paris,second,M,x\n",
                    encoding="utf-8")  # fmt: skip
    loaded = read_calendar_csv(path, PARIS)
    assert [(m.name, m.precision, m.certainty) for m in loaded.moments] == [
        ("Vote", Precision.HOUR, Certainty.MEDIUM)]  # fmt: skip
    assert loaded.problems == (Problem(f"{path}:3", "precision must be minute, hour, day or month "
                                                    "and certainty H, M or L"),)  # fmt: skip
    path.write_text("title,when\nVote,2027-04-25\n", encoding="utf-8")
    assert read_calendar_csv(path, PARIS).problems == (
        Problem(f"{path}:1", "missing column(s) name, kind, start; expected name, kind, start, "
                             "end, zone"),)  # fmt: skip


def test_unreadable_and_oversized_files(tmp_path: Path) -> None:
    missing = tmp_path / "nope.csv"
    assert read_calendar_csv(missing, PARIS).problems == (
        Problem(str(missing), "cannot read: No such file or directory"),)  # fmt: skip
    assert read_ics(tmp_path, PARIS).problems == (
        Problem(str(tmp_path), "cannot read: Is a directory"),)  # fmt: skip
    big = tmp_path / "big.ics"
    with big.open("wb") as stream:
        stream.truncate(sources.MAX_FILE_BYTES + 1)
    assert read_ics(big, PARIS).problems == (
        Problem(str(big), "is larger than 20 MiB; is this the right file?"),)  # fmt: skip
    small = tmp_path / "small.txt"
    small.write_bytes(b"12345")
    assert read_text(small, limit=4).problems == (
        Problem(str(small), "is larger than 0 MiB; is this the right file?"),)  # fmt: skip


def test_invalid_utf8_is_replaced_and_noted(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,kind,start,zone\nDébat,debate,2027-05-05T21:00,UTC\n".encode("latin-1"))
    loaded = read_calendar_csv(path, PARIS)
    assert [m.name for m in loaded.moments] == ["D\ufffdbat"]
    assert loaded.notes == (f"{path}: not valid UTF-8 (first bad byte at offset 22); bad bytes "
                            "replaced",)  # fmt: skip


def test_unknown_default_zone() -> None:
    loaded = parse_ics("BEGIN:VCALENDAR\nEND:VCALENDAR\n", "x.ics", "Mars/Olympus")
    assert loaded.problems == (Problem("x.ics", 'unknown time zone "Mars/Olympus"'),)


# -- iCalendar -----------------------------------------------------------------------------


def test_read_ics() -> None:
    path = FIXTURES / "calendar.ics"
    loaded = read_ics(path, PARIS)
    minute, day = Precision.MINUTE, Precision.DAY
    assert [summary(m) for m in loaded.moments] == [
        ("Débat de l'entre-deux-tours", "debate", utc(2027, 5, 5, 19), utc(2027, 5, 5, 21, 30),
         PARIS, minute, False),
        ("Silence avant le second tour", "silence", utc(2027, 5, 7, 22), utc(2027, 5, 9, 18),
         PARIS, minute, True),
        ("Second tour", "round", utc(2027, 5, 8, 22), None, PARIS, day, True),
        ("Campagne officielle", "campaign_start", utc(2027, 4, 11, 22), utc(2027, 4, 23, 22),
         PARIS, day, True),
        ("Point presse hebdomadaire", "other", utc(2027, 5, 3, 8), utc(2027, 5, 3, 9), "UTC",
         minute, False),
        ("Garbage line inside", "other", utc(2027, 5, 6, 18), None, "UTC", minute, False),
    ]  # fmt: skip
    assert [m.source for m in loaded.moments] == [f"{path}:{n}" for n in (4, 10, 16, 22, 44, 58)]
    assert [p.line() for p in loaded.problems] == [
        f'{path}:28: VEVENT "Broken start": DTSTART: Wrong datetime format: 2027XX05T210000',
        f'{path}:33: VEVENT "Unknown zone": DTSTART: unknown time zone "Mars/Olympus"',
        f'{path}:38: VEVENT "Inverted" ends before it starts (2027-05-05T21:00:00+00:00 > '
        "2027-05-05T20:00:00+00:00)",
        f'{path}:58: VEVENT "Garbage line inside": line: Content line could not be parsed '
        "into parts: 'this line has no colon': Invalid content line",
        f'{path}:64: VEVENT "No start" has no DTSTART',
    ]
    assert loaded.notes == (
        f"{path}: lines 10, 16 and 22 gave times without a time zone; they were read in "
        "Europe/Paris (the campaign's zone)",
        f"{path}: recurring events at line 44 were read at their first occurrence only",
        f"{path}: cancelled events at line 52 were skipped",
    )


def test_ics_broken_structure_still_reads_whole_events() -> None:
    text = ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:Débat\nDTSTART:20270505T190000Z\n"
            "END:VEVENT\nBEGIN:VEVENT\nSUMMARY:Cut short\nDTSTART:20270506T190000Z\n")  # fmt: skip
    loaded = parse_ics(text, "cut.ics", PARIS)
    assert [(m.name, m.kind, m.start, m.source) for m in loaded.moments] == [
        ("Débat", "debate", utc(2027, 5, 5, 19), "cut.ics:2")]  # fmt: skip
    assert [p.line() for p in loaded.problems] == [
        "cut.ics: not an iCalendar file (no complete BEGIN:VCALENDAR … END:VCALENDAR); whole "
        "events are still read",
        "cut.ics:6: VEVENT without END:VEVENT",
    ]


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("", ["x.ics: not an iCalendar file (no complete BEGIN:VCALENDAR … END:VCALENDAR); "
              "whole events are still read"]),
        ("hello world\nsecond line\n", ["x.ics:1: not an iCalendar line (expected NAME:value); "
                                        "whole events are still read"]),
        ("BEGIN:VCALENDAR\nEND:VEVENT\nEND:VCALENDAR\n",
         ["x.ics: malformed iCalendar: END encountered without an accompanying BEGIN!"]),
        ("\x00\xff\ufffd" * 1000, ["x.ics: not an iCalendar line (expected NAME:value); whole "
                                   "events are still read"]),
    ],
)  # fmt: skip
def test_ics_that_is_no_calendar(text: str, problems: list[str]) -> None:
    loaded = parse_ics(text, "x.ics", PARIS)
    assert loaded.moments == ()
    assert [p.line() for p in loaded.problems] == problems


def test_ics_event_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sources, "MAX_ITEMS", 2)
    events = "".join(f"BEGIN:VEVENT\nSUMMARY:E{i}\nDTSTART:2027050{i}T190000Z\nEND:VEVENT\n"
                     for i in range(1, 5))  # fmt: skip
    loaded = parse_ics(f"BEGIN:VCALENDAR\n{events}END:VCALENDAR\n", "many.ics", PARIS)
    assert [m.name for m in loaded.moments] == ["E1", "E2"]
    assert loaded.problems == (Problem("many.ics:10", "more than 2 events; rest skipped"),)


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("Silence avant le second tour", "silence"),
        ("Période de réserve", "silence"),
        ("Débat de l'entre-deux-tours", "debate"),
        ("Presidential DEBATE", "debate"),
        ("Campagne officielle du premier tour", "campaign_start"),
        ("Fin de la campagne officielle", "campaign_end"),
        ("Primaire de la gauche, premier tour", "primary"),
        ("Second tour", "round"),
        ("Election day", "round"),
        ("Convention nationale", "convention"),
        ("Meeting à Lyon", "rally"),
        ("Tournée des marchés", "other"),
        ("Point presse", "other"),
    ],
)
def test_guess_kind(title: str, kind: str) -> None:
    assert guess_kind(title) == kind


def test_categories_win_over_words() -> None:
    assert ics_kind(["Vote", " Debate "], "Second tour") == "debate"
    assert ics_kind(["Vote"], "Second tour") == "round"


# -- checks --------------------------------------------------------------------------------


def test_check_calendar_names_both_periods() -> None:
    def m(name: str, kind: str, start: datetime, end: datetime | None, row: int) -> Moment:
        return Moment(name, kind, start, end, source=f"cal.csv:{row}")

    moments = [
        m("Silence 1", "silence", utc(2027, 4, 23, 22), utc(2027, 4, 25, 18), 2),
        m("Silence 1 again", "silence", utc(2027, 4, 24, 22), utc(2027, 4, 26, 18), 3),
        m("Silence 2", "silence", utc(2027, 5, 7, 22), utc(2027, 5, 9, 18), 4),
        m("Campaign 2", "campaign_start", utc(2027, 4, 30, 22), utc(2027, 5, 8, 0), 5),
        m("Campaign 1", "campaign_start", utc(2027, 4, 11, 22), utc(2027, 4, 23, 22), 6),
        m("Inverted", "convention", utc(2027, 3, 2), utc(2027, 3, 1), 7),
        m("Primary A", "primary", utc(2027, 1, 1), utc(2027, 2, 1), 8),
        m("Primary B", "primary", utc(2027, 1, 15), utc(2027, 2, 15), 9),
    ]
    assert [p.line() for p in check_calendar(moments)] == [
        'cal.csv:7: "Inverted" ends before it starts (2027-03-02T00:00:00+00:00 > '
        "2027-03-01T00:00:00+00:00)",
        'cal.csv:3: silence "Silence 1 again" (2027-04-24T22:00:00+00:00 → '
        '2027-04-26T18:00:00+00:00, cal.csv:3) overlaps "Silence 1" (2027-04-23T22:00:00+00:00 '
        "→ 2027-04-25T18:00:00+00:00, cal.csv:2)",
        'cal.csv:4: silence "Silence 2" (2027-05-07T22:00:00+00:00 → 2027-05-09T18:00:00+00:00, '
        'cal.csv:4) overlaps official campaign "Campaign 2" (2027-04-30T22:00:00+00:00 → '
        "2027-05-08T00:00:00+00:00, cal.csv:5)",
    ]


def test_touching_periods_do_not_overlap() -> None:
    moments = [
        Moment("Campaign", "campaign_start", utc(2027, 4, 11, 22), utc(2027, 4, 23, 22)),
        Moment("Silence", "silence", utc(2027, 4, 23, 22), utc(2027, 4, 25, 18)),
        Moment("Silence 2", "silence", utc(2027, 4, 25, 18), utc(2027, 4, 26, 18)),
    ]
    assert check_calendar(moments) == []


# -- campaign file and store ------------------------------------------------------------------


def test_calendar_from_campaign(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(
        '[organisation]\nname = "Mouvement Exemple"\n\n'
        '[[calendar]]\nname = "Silence"\nkind = "silence"\nzone = "Europe/Paris"\n'
        "start = 2027-04-24T00:00:00\nend = 2027-04-25T20:00:00\n\n"
        '[[calendar]]\nname = "Vote"\nkind = "round"\nstart = 2027-04-25T06:00:00Z\n',
        encoding="utf-8",
    )
    loaded = calendar_from_campaign(load_campaign(path))
    assert loaded.moments == (
        Moment("Silence", "silence", utc(2027, 4, 23, 22), utc(2027, 4, 25, 18), zone=PARIS,
               source="campaign calendar[0]"),
        Moment("Vote", "round", utc(2027, 4, 25, 6), None, zone="UTC",
               source="campaign calendar[1]"),
    )  # fmt: skip
    assert loaded.problems == ()


def test_events_from_store(tmp_path: Path) -> None:
    def ev(n: int, kind: str, day: int) -> Event:
        return Event(f"e{n}", utc(2027, 4, day, 12), kind, kind.split(".")[0], f"event {n}",
                     Severity.HIGH, targets=("site.example",))  # fmt: skip

    with Store.open(str(tmp_path / "store.db")) as store:
        store.add_events([ev(1, "logs.flood.ip", 1), ev(2, "mail.phishing", 2),
                          ev(3, "logs.scan", 3), ev(4, "logsx.other", 3),
                          ev(5, "logs", 5)])  # fmt: skip
        every = events_from_store(store)
        logs = events_from_store(store, kinds=("logs",))
        cut = events_from_store(store, since=utc(2027, 4, 2), until=utc(2027, 4, 5))
        exact = events_from_store(store, kinds=("mail.phishing", "logs.scan"))
    assert [e.id for e in every] == ["e1", "e2", "e3", "e4", "e5"]
    assert [e.id for e in logs] == ["e1", "e3", "e5"]
    assert [e.id for e in cut] == ["e2", "e3", "e4"]
    assert [e.id for e in exact] == ["e2", "e3"]
    first = every[0]
    assert (first.time, first.kind, first.summary, first.severity, first.targets, first.source) == (
        utc(2027, 4, 1, 12),
        "logs.flood.ip",
        "event 1",
        Severity.HIGH,
        ("site.example",),
        "logs",
    )
