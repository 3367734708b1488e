"""Events in and out: Timesketch JSONL and CSV, iCalendar."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rempart.errors import InputError
from rempart.model.findings import Severity
from rempart.timeline import exchange
from rempart.timeline.cases import load_case
from rempart.timeline.exchange import (
    FIELDS,
    event_record,
    ics_bytes,
    parse_csv,
    parse_jsonl,
    read_csv,
    read_events,
    read_jsonl,
    write_csv,
    write_events,
    write_ics,
    write_jsonl,
)
from rempart.timeline.model import Certainty, Moment, Precision, Problem, TimelineEvent
from rempart.timeline.sources import parse_ics, read_ics

PARIS = "Europe/Paris"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


EVENTS = (
    TimelineEvent(
        id="a1", time=utc(2027, 5, 7, 18, 30, 15, 123456), kind="mail.phishing",
        summary='Wave "Votre colis" — 14 messages\nsecond line', severity=Severity.HIGH,
        end=utc(2027, 5, 7, 19, 45), zone=PARIS, source="mail",
        tags=("wave", "colis, urgent"), targets=("press@mouvement.example",),
        indicators=("https://evil.example/a?b=1,2", "203.0.113.7"),
    ),
    TimelineEvent(
        id="b2", time=utc(2016, 7, 22, 4), kind="leak", summary="=HYPERLINK(\"http://x\")",
        severity=Severity.CRITICAL, zone="America/New_York", precision=Precision.DAY,
        certainty=Certainty.LOW, source="-wikileaks; +snopes", zone_assumed=True,
    ),
    TimelineEvent(id="c3", time=utc(1969, 12, 31, 23, 59), kind="other", summary="@before 1970"),
)  # fmt: skip


# -- round trips -----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"events{suffix}"
    assert write_events(EVENTS, path) == 3
    loaded = read_events(path, "UTC")
    assert loaded.problems == ()
    assert loaded.notes == ()
    assert loaded.events == EVENTS


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_case_events_round_trip(tmp_path: Path, suffix: str) -> None:
    events = load_case("us-2016").events + load_case("fr-2017").events
    path = tmp_path / f"cases{suffix}"
    write_events(events, path)
    assert read_events(path, PARIS).events == events


def test_streams(tmp_path: Path) -> None:
    out = io.StringIO()
    assert write_jsonl(EVENTS, out) == 3
    assert parse_jsonl(out.getvalue(), "s", "UTC").events == EVENTS
    out = io.StringIO()
    assert write_csv(EVENTS, out) == 3
    assert parse_csv(out.getvalue(), "s", "UTC").events == EVENTS


# -- Timesketch's fields -------------------------------------------------------------------------


def test_jsonl_has_timesketch_fields(tmp_path: Path) -> None:
    release = next(e for e in load_case("us-2016").events if "RELEASE" in e.summary)
    path = tmp_path / "t.jsonl"
    write_jsonl([release, EVENTS[0]], path)
    first, second = (json.loads(line) for line in path.read_text().splitlines())
    assert list(first) == list(FIELDS)
    assert first["message"] == release.summary
    assert first["datetime"] == "2016-10-07T20:32:00+00:00"
    assert first["timestamp"] == 1475872320000000
    assert first["timestamp_desc"] == "Publication time"
    assert (first["tag"], first["kind"], first["certainty"], first["precision"], first["zone"]) == (
        [], "leak", "H", "minute", "America/New_York")  # fmt: skip
    assert second["datetime"] == "2027-05-07T18:30:15.123456+00:00"
    assert second["timestamp"] == 1809714615123456
    assert second["timestamp_desc"] == "Sent time"
    assert second["tag"] == ["wave", "colis, urgent"]
    assert second["end"] == "2027-05-07T19:45:00+00:00"


def test_csv_lists_as_json_and_formulas_escaped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    write_csv(EVENTS, path)
    rows = list(csv.DictReader(path.open(encoding="utf-8", newline="")))
    assert list(rows[0]) == list(FIELDS)
    assert rows[0]["tag"] == '["wave", "colis, urgent"]'
    assert rows[0]["indicators"] == '["https://evil.example/a?b=1,2", "203.0.113.7"]'
    assert rows[0]["zone_assumed"] == "false"
    assert rows[1]["message"] == '\'=HYPERLINK("http://x")'
    assert rows[1]["source"] == "'-wikileaks; +snopes"
    assert rows[2]["message"] == "'@before 1970"
    assert rows[2]["timestamp"] == "-60000000"


def test_reads_timesketch_documentation_examples() -> None:
    jsonl = (
        '{"message": "A message","timestamp": 123456789,"datetime": "2015-07-24T19:01:01+00:00",'
        '"timestamp_desc": "Write time","extra_field_1": "foo"}\n'
        '{"message": "Tagged","datetime": "2015-07-24T19:01:02+00:00","timestamp_desc": "Write '
        'time","tag": ["a", "b"],"_index": "x","__ts_timeline_id": 3,"nested": {"k": 1}}\n'
    )
    loaded = parse_jsonl(jsonl, "ts.jsonl", PARIS)
    assert loaded.problems == ()
    first, second = loaded.events
    assert (first.time, first.summary, first.kind, first.zone, first.zone_assumed) == (
        utc(2015, 7, 24, 19, 1, 1), "A message", "imported", PARIS, False)  # fmt: skip
    assert first.tags == ("timestamp_desc:Write time", "extra_field_1:foo")
    assert first.source == "ts.jsonl"
    assert second.tags == ("a", "b", "timestamp_desc:Write time")
    assert loaded.notes == (
        "ts.jsonl: line 1: timestamp and datetime disagree; datetime used",
        "ts.jsonl: line 2: fields too long or too many to keep as tags were left out",
    )
    text = ("message,timestamp,datetime,timestamp_desc,tag,extra_field_1\n"
            "A message,1331698658276340,2012-03-14T04:17:38.276340+00:00,Write time,\"x,y\",foo\n"
            "Other,1331698658276340,,Write time,-,\n")  # fmt: skip
    loaded = parse_csv(text, "ts.csv", PARIS)
    assert loaded.problems == ()
    assert [(e.time, e.tags) for e in loaded.events] == [
        (utc(2012, 3, 14, 4, 17, 38, 276340), ("x", "y", "timestamp_desc:Write time",
                                               "extra_field_1:foo")),
        (utc(2012, 3, 14, 4, 17, 38, 276340), ("timestamp_desc:Write time",)),
    ]  # fmt: skip


# -- zones ----------------------------------------------------------------------------------------


def test_zone_less_rows_take_the_campaign_zone_and_say_so() -> None:
    jsonl = "\n".join([
        '{"message": "no zone", "datetime": "2017-05-05T20:30:00", "timestamp_desc": "t"}',
        '{"message": "row zone", "datetime": "2016-10-07T16:32", "zone": "America/New_York"}',
        '{"message": "timestamp", "datetime": "2017-05-05T20:30", "timestamp": 1494009000000000}',
        '{"message": "date only", "datetime": "2017-05-05"}',
        '{"message": "offset", "datetime": "2017-05-05T20:30+02:00"}',
    ])  # fmt: skip
    loaded = parse_jsonl(jsonl, "z.jsonl", PARIS)
    assert loaded.problems == ()
    assert [(e.summary, e.time, e.zone, e.zone_assumed, e.precision) for e in loaded.events] == [
        ("no zone", utc(2017, 5, 5, 18, 30), PARIS, True, Precision.MINUTE),
        ("row zone", utc(2016, 10, 7, 20, 32), "America/New_York", False, Precision.MINUTE),
        ("timestamp", utc(2017, 5, 5, 18, 30), PARIS, False, Precision.MINUTE),
        ("date only", utc(2017, 5, 4, 22), PARIS, True, Precision.DAY),
        ("offset", utc(2017, 5, 5, 18, 30), PARIS, False, Precision.MINUTE),
    ]
    assert loaded.notes == (
        "z.jsonl: lines 1 and 4 gave times without a time zone; they were read in Europe/Paris "
        "(the campaign's zone)",
    )


# -- broken rows --------------------------------------------------------------------------------


def test_broken_jsonl_lines_are_named(tmp_path: Path) -> None:
    good = '{"message": "ok", "datetime": "2027-05-05T20:30:00Z"}'
    lines = [
        good,                                                             # 1
        '{"message": "cut',                                               # 2
        '["a", "list"]',                                                  # 3
        '{"datetime": "2027-05-05T20:30:00Z"}',                           # 4
        '{"message": "bad time", "datetime": "yesterday"}',               # 5
        '{"message": "m", "datetime": "2027-05-05", "severity": "huge"}',  # 6
        '{"message": "m", "timestamp": "abc"}',                           # 7
        '{"message": "m", "datetime": "2027-05-05T20:30Z", "end": "2027-05-05T20:00Z"}',  # 8
        '{"message": "m", "datetime": "2027-05-05T20:30", "zone": "Mars/Olympus"}',  # 9
        "",                                                               # 10
        '{"message": "m", "timestamp": 99999999999999999999}',            # 11
        '{"message": "m"}',                                               # 12
        "[" * 100_000,                                                    # 13
        '{"message": "m", "datetime": "2027-03-28T02:30"}',               # 14
        good.replace("ok", "ok 2"),                                       # 15
    ]  # fmt: skip
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = read_jsonl(path, PARIS)
    assert [e.summary for e in loaded.events] == ["ok", "ok 2"]
    assert [p.where for p in loaded.problems] == [
        f"{path}:{n}" for n in (2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14)]  # fmt: skip
    assert [p.reason for p in loaded.problems] == [
        "not JSON: Unterminated string starting at: line 1 column 13 (char 12)",
        "a JSON list, not an object (one event per line)",
        "no message",
        'datetime: "yesterday" is not a date or date-time (write 2017-05-05 or 2017-05-05T20:30)',
        "severity 'huge', certainty '' or precision '' is not known (info…critical; H, M, L; "
        "minute, hour, day, month)",
        "timestamp 'abc' is not a number",
        "ends before it starts (end 2027-05-05T20:00Z)",
        "unknown time zone 'Mars/Olympus'",
        "timestamp 99999999999999999999 is not microseconds since 1970 for a date between 1900 "
        "and 2200",
        "no datetime or timestamp",
        "not JSON",
        "datetime: 2027-03-28T02:30:00 does not exist in Europe/Paris (clocks jump then)",
    ]


def test_broken_csv_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(
        "message,datetime,severity\n"
        "ok,2027-05-05T20:30:00Z,high\n"
        ",2027-05-05T20:30:00Z,high\n"
        "too,2027-05-05T20:30:00Z,high,many\n"
        "bad,2027-13-05,low\n"
        '"' + "x" * 200_000 + '",2027-05-05,low\n'
        "\n"
        "ok 2,2027-05-06,low\n",
        encoding="utf-8",
    )
    loaded = read_csv(path, PARIS)
    assert [(e.summary, e.severity) for e in loaded.events] == [
        ("ok", Severity.HIGH), ("ok 2", Severity.LOW)]  # fmt: skip
    assert [p.line() for p in loaded.problems] == [
        f"{path}:6: unreadable CSV: field larger than field limit (131072)",
        f"{path}:3: no message",
        f"{path}:4: 4 cells for 3 columns",
        f'{path}:5: datetime: "2027-13-05" is not a date or date-time (write 2017-05-05 or '
        "2017-05-05T20:30)",
    ]
    path.write_text("when,what\n2027-05-05,x\n", encoding="utf-8")
    assert read_csv(path, PARIS).problems == (
        Problem(f"{path}:1", "the header needs message and datetime (or timestamp) columns; "
                             "found when, what"),)  # fmt: skip


def test_unreadable_oversized_and_unknown_format(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "nope.jsonl"
    assert read_events(missing, PARIS).problems == (
        Problem(str(missing), "cannot read: No such file or directory"),)  # fmt: skip
    monkeypatch.setattr(exchange, "MAX_FILE_BYTES", 1024 * 1024)
    big = tmp_path / "big.csv"
    big.write_bytes(b"message,datetime\n" + b"x,2027-05-05\n" * 90_000)
    assert read_events(big, PARIS).problems == (
        Problem(str(big), "is larger than 1 MiB; is this the right file?"),)  # fmt: skip
    with pytest.raises(InputError, match=r"t\.xml: unknown format '\.xml'; use \.jsonl, \.csv"):
        write_events(EVENTS, tmp_path / "t.xml")
    with pytest.raises(InputError, match=r"cannot write .*: No such file or directory"):
        write_events(EVENTS, tmp_path / "no" / "dir" / "t.csv")


def test_event_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange, "MAX_EVENTS", 2)
    text = "\n".join(f'{{"message": "e{i}", "datetime": "2027-05-0{i}"}}' for i in range(1, 5))
    loaded = parse_jsonl(text, "m.jsonl", PARIS)
    assert [e.summary for e in loaded.events] == ["e1", "e2"]
    assert loaded.problems == (Problem("m.jsonl:3", "more than 2 events; the rest is skipped"),)


def test_sniffs_jsonl_without_suffix(tmp_path: Path) -> None:
    path = tmp_path / "events.txt"
    write_jsonl(EVENTS, path)
    assert read_events(path, "UTC").events == EVENTS
    write_csv(EVENTS, path)
    assert read_events(path, "UTC").events == EVENTS


# -- ten thousand events -------------------------------------------------------------------------


def many(n: int) -> list[TimelineEvent]:
    start = utc(2027, 3, 1)
    kinds = ("mail.phishing", "logs.flood.ip", "leak", "audit.finding")
    return [
        TimelineEvent(id=f"ev{i:05d}", time=start + timedelta(minutes=7 * i, microseconds=i),
                      kind=kinds[i % 4], summary=f"event {i}, «{i % 13}»",
                      severity=list(Severity)[i % 5], zone=(PARIS, "UTC")[i % 2],
                      tags=(f"t{i % 7}",), indicators=(f"198.51.100.{i % 250}",))
        for i in range(n)
    ]  # fmt: skip


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_ten_thousand_events(tmp_path: Path, suffix: str) -> None:
    events = many(10_000)
    path = tmp_path / f"big{suffix}"
    assert write_events(events, path) == 10_000
    loaded = read_events(path, PARIS)
    assert loaded.problems == ()
    assert loaded.events == tuple(events)


def test_ten_thousand_lines_with_broken_ones_named(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    write_jsonl(many(10_000), path)
    lines = path.read_text(encoding="utf-8").splitlines()
    broken = list(range(1000, 10_001, 1000))
    for n in broken:
        lines[n - 1] = lines[n - 1].replace('"datetime": "', '"datetime": "x')
    path.write_text("\n".join(lines), encoding="utf-8")
    loaded = read_jsonl(path, PARIS)
    assert len(loaded.events) == 9_990
    assert [p.where for p in loaded.problems] == [f"{path}:{n}" for n in broken]
    assert all(p.reason.startswith('datetime: "x2027-') for p in loaded.problems)


# -- iCalendar -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["us-2016", "fr-2017"])
def test_ics_round_trip_of_case_moments(tmp_path: Path, case: str) -> None:
    moments = load_case(case).moments
    path = tmp_path / "cal.ics"
    assert write_ics(moments, path, stamp=utc(2027, 1, 1)) == len(moments)
    loaded = read_ics(path, "UTC")
    assert loaded.problems == ()
    assert loaded.notes == ()
    assert loaded.moments == moments


def test_ics_text() -> None:
    timeline = load_case("fr-2017")
    silence = next(m for m in timeline.moments if m.name == "Pre-election silence, second round")
    leak = next(e for e in timeline.events if e.summary.startswith('"EMLEAKS"'))
    dnc = next(e for e in load_case("us-2016").events if "19,252" in e.summary)
    text = ics_bytes([silence, leak, dnc], stamp=utc(2027, 1, 1)).decode()
    lines = text.replace("\r\n ", "").splitlines()
    assert lines[:3] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Rempart//timeline//EN"]
    for expected in [
        "DTSTART;TZID=Europe/Paris:20170506T000000",
        "DTEND;TZID=Europe/Paris:20170507T200000",
        "CATEGORIES:silence",
        "DTSTART;TZID=Europe/Paris:20170505T203000",
        "CATEGORIES:leak",
        "X-REMPART-PRECISION:hour",
        "X-REMPART-SEVERITY:critical",
        f"UID:{leak.id}@rempart",
        "DTSTART;VALUE=DATE:20160722",
        "DTSTAMP:20270101T000000Z",
        "TZID:Europe/Paris",
    ]:
        assert expected in lines, expected
    assert text.count("BEGIN:VEVENT") == 3
    assert text.count("BEGIN:VTIMEZONE") == 1  # the DNC leak is an all-day event


def test_ics_risk_window_with_description_and_streams() -> None:
    window = Moment(
        name="Risk: hours before the silence", kind="other", start=utc(2027, 5, 7, 10),
        end=utc(2027, 5, 7, 22), zone=PARIS, precision=Precision.DAY, certainty=Certainty.MEDIUM,
        source="rempart timeline risk: silence-eve",
        description="Leaks land here.\nOn call: press\nStatement ready: yes",
    )  # fmt: skip
    text_out = io.StringIO()
    assert write_ics([window], text_out) == 1
    bytes_out = io.BytesIO()
    assert write_ics([window], bytes_out) == 1
    assert bytes_out.getvalue().decode() == text_out.getvalue()
    assert "DTSTART;TZID=Europe/Paris:20270507T120000" in text_out.getvalue()
    back = parse_ics(text_out.getvalue(), "w.ics", "UTC")
    assert back.moments == (window,)


def test_ics_zone_assumed_and_all_day_periods(tmp_path: Path) -> None:
    moments = (
        Moment("Campaign", "campaign_start", utc(2027, 4, 11, 22), utc(2027, 4, 23, 22),
               zone=PARIS, precision=Precision.DAY, source="c.csv:2", zone_assumed=True),
        Moment("Month", "other", utc(2027, 3, 31, 22), None, zone=PARIS,
               precision=Precision.MONTH, certainty=Certainty.LOW, source="c.csv:3"),
    )  # fmt: skip
    text = ics_bytes(moments).decode()
    assert "DTSTART;VALUE=DATE:20270412" in text
    assert "DTEND;VALUE=DATE:20270424" in text
    assert "DTSTART;VALUE=DATE:20270401" in text
    back = parse_ics(text, "a.ics", "UTC")
    assert back.moments == moments
    assert write_events([replace(EVENTS[0], zone="UTC")], tmp_path / "e.ics") == 1
    assert "CATEGORIES:mail.phishing" in (tmp_path / "e.ics").read_text()


def test_event_record_is_plain_json() -> None:
    record = event_record(EVENTS[1])
    assert json.loads(json.dumps(record)) == record
    assert record["zone_assumed"] is True and record["end"] is None
