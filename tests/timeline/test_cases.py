"""The bundled case studies, checked row by row against the fact sheet."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from importlib import resources
from zoneinfo import ZoneInfo

import pytest

from rempart.errors import InputError
from rempart.model.findings import Severity
from rempart.timeline.cases import (
    CASE_COLUMNS,
    CASES,
    load_case,
    parse_case_csv,
    read_case,
    strategic_moments,
)
from rempart.timeline.model import Certainty, Moment, Precision, Problem, TimelineEvent
from rempart.timeline.sources import check_calendar


def raw_rows(case: str) -> list[dict[str, str]]:
    text = resources.files("rempart.timeline").joinpath("data", "cases", f"{case}.csv")
    return list(csv.DictReader(io.StringIO(text.read_text(encoding="utf-8"))))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]


def event(case: str, summary_start: str) -> TimelineEvent:
    found = [e for e in load_case(case).events if e.summary.startswith(summary_start)]
    assert len(found) == 1, summary_start
    return found[0]


def moment(case: str, name_start: str) -> Moment:
    found = [m for m in load_case(case).moments if m.name.startswith(name_start)]
    assert len(found) == 1, name_start
    return found[0]


# -- every row -----------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_every_row_has_a_source_and_a_certainty(case: str) -> None:
    rows = raw_rows(case)
    assert list(rows[0]) == list(CASE_COLUMNS)
    assert [i for i, r in enumerate(rows, 2) if not r["source"].strip()] == []
    assert [i for i, r in enumerate(rows, 2) if r["certainty"] not in ("H", "M", "L")] == []


@pytest.mark.parametrize("case", CASES)
def test_every_row_is_read_without_problem(case: str) -> None:
    loaded = read_case(case)
    assert loaded.problems == ()
    rows = raw_rows(case)
    assert len(loaded.moments) == sum(r["type"] == "moment" for r in rows)
    assert len(loaded.events) == sum(r["type"] == "event" for r in rows)


@pytest.mark.parametrize("case", CASES)
def test_times_are_utc_with_the_zone_stored_as_given(case: str) -> None:
    rows = raw_rows(case)
    timeline = load_case(case)
    items = iter(timeline.moments), iter(timeline.events)
    for row in rows:
        item = next(items[0] if row["type"] == "moment" else items[1])
        start = item.start if isinstance(item, Moment) else item.time
        assert item.zone == row["zone"]
        assert start.tzinfo is UTC
        local = start.astimezone(ZoneInfo(row["zone"])).replace(tzinfo=None)
        assert local == datetime.fromisoformat(row["start"]), row["name"]
        if row["end"]:
            assert item.end is not None
            local_end = item.end.astimezone(ZoneInfo(row["zone"])).replace(tzinfo=None)
            assert local_end == datetime.fromisoformat(row["end"]), row["name"]
        assert item.precision == Precision(row["precision"])
        assert item.certainty == Certainty(row["certainty"])
        assert item.source == row["source"]
        if isinstance(item, Moment):
            assert item.description == row["note"]


@pytest.mark.parametrize("case", CASES)
def test_case_calendars_pass_the_calendar_checks(case: str) -> None:
    assert check_calendar(load_case(case).moments) == []


# -- facts of the sheet ------------------------------------------------------------


def test_dnc_leak_three_days_before_the_dnc_convention() -> None:
    leak = event("us-2016", "WikiLeaks publishes 19,252 DNC emails")
    convention = moment("us-2016", "Democratic National Convention")
    assert (leak.kind, leak.severity, leak.certainty) == ("leak", Severity.CRITICAL, Certainty.HIGH)
    assert leak.time == utc(2016, 7, 22, 4)  # midnight EDT: known to the day only
    assert leak.precision is Precision.DAY
    assert convention.start == utc(2016, 7, 25, 4)
    assert convention.end == utc(2016, 7, 29, 4)
    assert convention.start - leak.time == timedelta(days=3)


def test_podesta_release_1_within_the_hour_of_the_tape() -> None:
    release = event("us-2016", 'WikiLeaks: "RELEASE: The Podesta Emails"')
    tape = event("us-2016", "Washington Post publishes the Access Hollywood tape")
    attribution = event("us-2016", "DHS/ODNI joint statement")
    assert release.time == utc(2016, 10, 7, 20, 32)
    assert (release.precision, release.certainty, release.zone) == (
        Precision.MINUTE, Certainty.HIGH, "America/New_York")  # fmt: skip
    assert (tape.time, tape.precision, tape.certainty) == (
        utc(2016, 10, 7, 20), Precision.HOUR, Certainty.MEDIUM)  # fmt: skip
    assert attribution.time == utc(2016, 10, 7, 19, 30)
    assert timedelta(0) < release.time - tape.time < timedelta(hours=1)


def test_podesta_phishing_in_eastern_daylight_time() -> None:
    phishing = event("us-2016", 'Phishing mail "Someone has your password"')
    assert phishing.time == utc(2016, 3, 19, 8, 34)  # 04:34 EDT (DST began on Mar 13)
    assert (phishing.kind, phishing.certainty) == ("phishing", Certainty.MEDIUM)


def test_podesta_batch_anchors_and_election_eve() -> None:
    batches = [
        (e.summary.split(" (")[0].split(",")[0], e.time.astimezone(ZoneInfo("America/New_York")))
        for e in load_case("us-2016").events
        if e.summary.startswith("Podesta emails batch")
    ]
    assert [(name, local.date().isoformat()) for name, local in batches] == [
        ("Podesta emails batch 4", "2016-10-12"),
        ("Podesta emails batch 5", "2016-10-12"),
        ("Podesta emails batch 8", "2016-10-15"),
        ("Podesta emails batch 9", "2016-10-16"),
        ("Podesta emails batch 23", "2016-11-01"),
        ("Podesta emails batch 26", "2016-11-02"),
        ("Podesta emails batch 31", "2016-11-05"),
        ("Podesta emails batch 33", "2016-11-07"),
    ]


def test_us_debates_and_election_day() -> None:
    debates = [(m.name.split(",")[0], m.start, m.end) for m in load_case("us-2016").moments
               if m.kind == "debate"]  # fmt: skip
    assert debates == [
        ("1st presidential debate", utc(2016, 9, 27, 1), utc(2016, 9, 27, 2, 30)),
        ("Vice-presidential debate", utc(2016, 10, 5, 1), utc(2016, 10, 5, 2, 30)),
        ("2nd presidential debate", utc(2016, 10, 10, 1), utc(2016, 10, 10, 2, 30)),
        ("3rd presidential debate", utc(2016, 10, 20, 1), utc(2016, 10, 20, 2, 30)),
    ]
    election = moment("us-2016", "Election Day")
    assert (election.kind, election.start, election.end) == (
        "round", utc(2016, 11, 8, 12), utc(2016, 11, 9, 1))  # 07:00-20:00 EST  # fmt: skip
    primaries = moment("us-2016", "Primary season")
    assert (primaries.kind, primaries.start, primaries.end) == (
        "primary", utc(2016, 2, 1, 5), utc(2016, 6, 15, 4))  # fmt: skip


def test_emleaks_before_the_silence() -> None:
    leak = event("fr-2017", '"EMLEAKS"')
    silence = moment("fr-2017", "Pre-election silence, second round")
    assert leak.time == utc(2017, 5, 5, 18, 30)
    assert (leak.precision, leak.certainty, leak.zone) == (
        Precision.HOUR, Certainty.MEDIUM, "Europe/Paris")  # fmt: skip
    assert silence.start == utc(2017, 5, 5, 22)
    assert leak.time + timedelta(hours=1) < silence.start  # even at the end of its hour


def test_silence_period_in_paris_time() -> None:
    silence = moment("fr-2017", "Pre-election silence, second round")
    paris = ZoneInfo("Europe/Paris")
    assert silence.end is not None
    assert silence.start.astimezone(paris).replace(tzinfo=None) == datetime(2017, 5, 6, 0, 0)
    assert silence.end.astimezone(paris).replace(tzinfo=None) == datetime(2017, 5, 7, 20, 0)
    assert (silence.kind, silence.zone, silence.certainty) == ("silence", "Europe/Paris",
                                                               Certainty.HIGH)  # fmt: skip


def test_macronleaks_upload_is_utc_and_uncertain() -> None:
    upload = event("fr-2017", 'Mail archive "Macron_201705"')
    assert (upload.time, upload.zone, upload.certainty) == (
        utc(2017, 5, 5, 11, 17), "UTC", Certainty.LOW)  # fmt: skip


def test_windows() -> None:
    assert load_case("us-2016").window == (utc(2016, 3, 1, 5), utc(2016, 11, 9, 5))
    assert load_case("fr-2017").window == (utc(2017, 3, 31, 22), utc(2017, 5, 7, 22))
    assert (load_case("us-2016").zone, load_case("fr-2017").zone) == (
        "America/New_York", "Europe/Paris")  # fmt: skip


def test_notes_name_the_uncertain_facts() -> None:
    fr = load_case("fr-2017").notes
    assert [n.split(",")[0] for n in fr if n.startswith("uncertain (L)")] == [
        "uncertain (L): 2017-05-05 11:17 UTC",
        "uncertain (L): 2017-05-05 21:10 CEST",
        "uncertain (L): 2017-06-10 00:00 CEST",
        "uncertain (L): 2017-06-17 00:00 CEST",
    ]
    assert fr[0] == (
        'uncertain (L): 2017-05-05 11:17 UTC, Mail archive "Macron_201705" uploaded to the '
        "Internet Archive by frankmacher1@gmx.de (about 11:17 from archive.org metadata; UTC "
        "presumed); source: github serayamaouche/Presidentielles2017 AnalysisMacronLeaks.md"
    )
    us = load_case("us-2016").notes
    assert [n for n in us if n.startswith("uncertain")] == []
    assert us == ("15 facts are of medium certainty (M): one source, or the time of day or the "
                  "numbering is not sure",)  # fmt: skip


def test_strategic_moments() -> None:
    us = [(m.kind, m.name.split(",")[0]) for m in strategic_moments("us-2016")]
    assert us == [
        ("convention", "Republican National Convention"),
        ("convention", "Democratic National Convention"),
        ("debate", "1st presidential debate"),
        ("debate", "Vice-presidential debate"),
        ("debate", "2nd presidential debate"),
        ("debate", "3rd presidential debate"),
        ("round", "Election Day"),
    ]
    fr = strategic_moments("fr-2017")
    assert [(m.kind, m.name, m.start, m.end) for m in fr] == [
        ("debate", "TV debate with 11 candidates", utc(2017, 4, 4, 19), None),
        ("silence", "Start of pre-election silence, first round", utc(2017, 4, 21, 22), None),
        ("round", "First round", utc(2017, 4, 23, 6), utc(2017, 4, 23, 18)),
        ("debate", "Macron-Le Pen debate (TF1/France 2)", utc(2017, 5, 3, 19), None),
        ("silence", "Start of pre-election silence, second round", utc(2017, 5, 5, 22), None),
        ("round", "Second round", utc(2017, 5, 7, 6), utc(2017, 5, 7, 18)),
    ]


def test_unknown_case() -> None:
    with pytest.raises(InputError, match="unknown case 'us-2020'; the cases are us-2016, fr-2017"):
        load_case("us-2020")


# -- bad rows ------------------------------------------------------------------------

HEADER = ",".join(CASE_COLUMNS) + "\n"
GOOD = "event,leak,A leak,2017-05-05T20:30,,Europe/Paris,hour,M,high,a source,\n"


def test_bad_rows_are_named_and_skipped() -> None:
    text = HEADER + "".join([
        GOOD,                                                                   # 2
        "event,leek,Typo kind,2017-05-05,,Europe/Paris,day,H,high,src,\n",       # 3
        "moment,leak,Event kind on a moment,2017-05-05,,Europe/Paris,day,H,,src,\n",  # 4
        "event,leak,Bad zone,2017-05-05,,Europe/Pariss,day,H,high,src,\n",      # 5
        "event,leak,No zone,2017-05-05,,,day,H,high,src,\n",                    # 6
        "event,leak,No source,2017-05-05,,Europe/Paris,day,H,high,,\n",         # 7
        "event,leak,Bad certainty,2017-05-05,,Europe/Paris,day,X,high,src,\n",  # 8
        "fact,leak,Bad type,2017-05-05,,Europe/Paris,day,H,high,src,\n",        # 9
        "moment,silence,Inverted,2017-05-07,2017-05-06,Europe/Paris,day,H,,src,\n",  # 10
        "event,leak,Date with minute,2017-05-05,,Europe/Paris,minute,H,high,src,\n",  # 11
        "event,leak,Bad severity,2017-05-05,,Europe/Paris,day,H,severe,src,\n",  # 12
        "event,leak,Bad date,2017-05-32,,Europe/Paris,day,H,high,src,\n",       # 13
        "\n",
        "moment,silence,Good moment,2017-05-06T00:00,2017-05-07T20:00,Europe/Paris,minute,L,,s,n\n",
    ])  # fmt: skip
    loaded = parse_case_csv(text, "bad.csv", "test")
    assert [p.where for p in loaded.problems] == [f"bad.csv:{n}" for n in range(3, 14)]
    assert [p.reason for p in loaded.problems] == [
        "kind 'leek' is not one of leak, phishing, intrusion, attribution, news, dos, other",
        "kind 'leak' is not one of round, campaign_start, campaign_end, silence, debate, primary, "
        "convention, rally, other",
        "unknown time zone 'Europe/Pariss' (use an IANA name like Europe/Paris)",
        "the zone is empty (a case file gives every zone)",
        "no source",
        "certainty 'X' is not H, M or L",
        "type 'fact' is not moment or event",
        "ends before it starts (start 2017-05-07, end 2017-05-06)",
        "start 2017-05-05 is a date alone but precision is minute",
        "severity 'severe' is not one of info, low, medium, high, critical",
        '"2017-05-32" is not a date or date-time (write 2017-05-05 or 2017-05-05T20:30)',
    ]
    assert [e.summary for e in loaded.events] == ["A leak"]
    assert [m.name for m in loaded.moments] == ["Good moment"]
    assert loaded.notes == (
        "uncertain (L): 2017-05-06 00:00 CEST, Good moment (n); source: s",
        "1 fact is of medium certainty (M): one source, or the time of day or the numbering is "
        "not sure",
    )


def test_missing_column_is_named() -> None:
    text = "type,kind,name,start,end,zone,precision,severity,source,note\n" + GOOD
    loaded = parse_case_csv(text, "short.csv", "test")
    assert loaded.problems == (Problem("short.csv:1", "missing column(s) certainty"),)
    assert loaded.events == ()
