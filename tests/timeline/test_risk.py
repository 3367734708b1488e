"""The risk calendar ahead: which windows, when, with which posture."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from rempart.model.findings import Severity
from rempart.timeline.model import MOMENT_KINDS, Certainty, Moment, Precision, Problem
from rempart.timeline.risk import (
    MAX_DAYS,
    RULES,
    RiskWindow,
    lines,
    risk_calendar,
    risk_windows,
    rule,
)

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def paris(*a: int) -> datetime:
    """A Paris wall-clock time, in UTC (as moments store it)."""
    return datetime(*a, tzinfo=PARIS).astimezone(UTC)


def u(*a: int) -> datetime:
    return datetime(*a, tzinfo=UTC)


def moment(name: str, kind: str, start: datetime, end: datetime | None = None) -> Moment:
    return Moment(name, kind, start, end, zone="Europe/Paris")


# The French 2017 presidential calendar (fact sheet §1b); the second silence and the
# second round are given without an end, to exercise the defaults.
CAMPAIGN_1 = moment("Official campaign, first round", "campaign_start", paris(2017, 4, 10),
                    paris(2017, 4, 22))  # fmt: skip
SILENCE_1 = moment("Silence, first round", "silence", paris(2017, 4, 22), paris(2017, 4, 23, 20))
ROUND_1 = moment("First round", "round", paris(2017, 4, 23, 8), paris(2017, 4, 23, 20))
CAMPAIGN_2 = moment("Official campaign, second round", "campaign_start", paris(2017, 4, 28),
                    paris(2017, 5, 6))  # fmt: skip
DEBATE = moment("Macron–Le Pen debate", "debate", paris(2017, 5, 3, 21), paris(2017, 5, 3, 23, 30))
SILENCE_2 = moment("Silence, second round", "silence", paris(2017, 5, 6))
ROUND_2 = moment("Second round", "round", paris(2017, 5, 7, 8))
CALENDAR = (CAMPAIGN_1, SILENCE_1, ROUND_1, CAMPAIGN_2, DEBATE, SILENCE_2, ROUND_2)
NOW = paris(2017, 4, 20, 12)

EXPECTED = [
    ("risk.silence_eve", u(2017, 4, 19, 22), u(2017, 4, 21, 22), "Silence, first round"),
    ("risk.round_eve", u(2017, 4, 20, 6), u(2017, 4, 23, 6), "First round"),
    ("risk.friday_afternoon", u(2017, 4, 21, 12), u(2017, 4, 21, 22),
     "Official campaign, first round"),
    ("risk.silence", u(2017, 4, 21, 22), u(2017, 4, 23, 18), "Silence, first round"),
    ("risk.results_night", u(2017, 4, 23, 6), u(2017, 4, 24, 6), "First round"),
    ("risk.campaign_open", u(2017, 4, 27, 22), u(2017, 4, 28, 22),
     "Official campaign, second round"),
    ("risk.friday_afternoon", u(2017, 4, 28, 12), u(2017, 4, 28, 22),
     "Official campaign, second round"),
    ("risk.debate", u(2017, 5, 3, 13), u(2017, 5, 4, 0, 30), "Macron–Le Pen debate"),
    ("risk.silence_eve", u(2017, 5, 3, 22), u(2017, 5, 5, 22), "Silence, second round"),
    ("risk.round_eve", u(2017, 5, 4, 6), u(2017, 5, 7, 6), "Second round"),
    ("risk.friday_afternoon", u(2017, 5, 5, 12), u(2017, 5, 5, 22),
     "Official campaign, second round"),
    ("risk.silence", u(2017, 5, 5, 22), u(2017, 5, 7, 18), "Silence, second round"),
    ("risk.results_night", u(2017, 5, 7, 6), u(2017, 5, 8, 6), "Second round"),
]  # fmt: skip


def rows(windows: list[RiskWindow]) -> list[tuple[str, datetime, datetime, str]]:
    return [(w.rule, w.start, w.end, w.moment) for w in windows]


def covering(windows: list[RiskWindow], t: datetime) -> list[str]:
    return [w.rule for w in windows if w.start <= t < w.end]


# --- the windows -----------------------------------------------------------------


def test_french_2017_calendar_gives_exactly_these_windows() -> None:
    windows = risk_windows(CALENDAR, NOW, days=30, zone="Europe/Paris")
    assert rows(windows) == EXPECTED
    assert {w.zone for w in windows} == {"Europe/Paris"}
    assert all(w.start.tzinfo is UTC and w.end.tzinfo is UTC for w in windows)
    levels = {w.rule: w.level for w in windows}
    assert levels["risk.silence_eve"] is Severity.CRITICAL
    assert levels["risk.debate"] is Severity.HIGH
    assert levels["risk.friday_afternoon"] is Severity.MEDIUM


def test_days_cut_the_look_ahead() -> None:
    # now + 5 days = 04-25 10:00 UTC: the first round's windows only.
    assert rows(risk_windows(CALENDAR, NOW, days=5)) == EXPECTED[:5]
    # now + 8 days = 04-28 10:00 UTC: the second campaign has opened, its first Friday not yet.
    assert rows(risk_windows(CALENDAR, NOW, days=8)) == EXPECTED[:6]
    # days=0: only what is in progress.
    assert [r[0] for r in rows(risk_windows(CALENDAR, NOW, days=0))] == [
        "risk.silence_eve", "risk.round_eve",
    ]  # fmt: skip


def test_window_in_progress_kept_and_past_ones_excluded() -> None:
    during_silence = paris(2017, 4, 22, 12)
    got = rows(risk_windows(CALENDAR, during_silence, days=3))
    assert got == [EXPECTED[1], EXPECTED[3], EXPECTED[4]]
    windows = risk_windows(CALENDAR, during_silence, days=3)
    assert [w.in_progress(during_silence) for w in windows] == [True, True, False]


def test_window_ending_exactly_now_is_over() -> None:
    at_silence = u(2017, 4, 21, 22)  # the silence_eve and the Friday window end here
    got = rows(risk_windows(CALENDAR, at_silence, days=1))
    assert got == [EXPECTED[1], EXPECTED[3]]


def test_after_the_last_round_nothing_is_left() -> None:
    assert risk_windows(CALENDAR, u(2017, 5, 8, 6), days=30) == []


def test_duplicate_moments_give_no_duplicate_windows() -> None:
    twice = risk_windows(CALENDAR + CALENDAR + (SILENCE_2,), NOW, days=30)
    assert rows(twice) == EXPECTED
    assert all(not any(n.startswith("Also from") for n in w.notes) for w in twice)


def test_same_window_from_two_named_moments_is_listed_once_with_a_note() -> None:
    imported = replace(SILENCE_1, name="Réserve électorale (ics)")
    windows = risk_windows((SILENCE_1, imported), NOW, days=30)
    assert rows(windows) == [EXPECTED[0], EXPECTED[3]]
    assert windows[0].notes == ("Also from 'Réserve électorale (ics)'.",)


def test_overlapping_windows_of_different_rules_stay_separate_and_sorted() -> None:
    windows = risk_windows(CALENDAR, NOW, days=30)
    at_dump = paris(2017, 5, 5, 20, 30)  # EMLEAKS posted (fact sheet, H/M)
    assert covering(windows, at_dump) == [
        "risk.silence_eve", "risk.round_eve", "risk.friday_afternoon",
    ]  # fmt: skip
    assert windows == sorted(windows, key=lambda w: (w.start, w.end))


# --- defaults and notes ----------------------------------------------------------


def test_silence_without_end_gets_44_hours_and_a_note() -> None:
    windows = risk_windows((SILENCE_2,), NOW, days=30)
    silence = [w for w in windows if w.rule == "risk.silence"]
    assert [(w.start, w.end) for w in silence] == [(u(2017, 5, 5, 22), u(2017, 5, 7, 18))]
    assert silence[0].notes == (
        "'Silence, second round' has no end: assumed to last 44 h "
        "(French rule: Friday midnight to Sunday 20:00).",
    )
    eve = [w for w in windows if w.rule == "risk.silence_eve"]
    assert eve[0].notes == ()


def test_round_without_end_closes_polls_at_20_local_with_a_note() -> None:
    (results,) = [w for w in risk_windows((ROUND_2,), NOW) if w.rule == "risk.results_night"]
    assert (results.start, results.end) == (u(2017, 5, 7, 6), u(2017, 5, 8, 6))
    assert results.notes == (
        "'Second round' has no end: polls assumed to close at 20:00 local time "
        "(Sun 07 May 2017 20:00 CEST).",
    )


def test_debate_and_convention_without_end_get_defaults() -> None:
    debate = replace(DEBATE, end=None)
    (w,) = risk_windows((debate,), NOW)
    assert (w.start, w.end) == (u(2017, 5, 3, 13), u(2017, 5, 4, 1))  # 21:00 + 3 h + 3 h
    assert w.notes == ("'Macron–Le Pen debate' has no end: assumed to last 3 h "
                       "(a French debate is 2 h 30).",)  # fmt: skip
    dnc = Moment("Democratic convention", "convention",
                 datetime(2016, 7, 25, tzinfo=NEW_YORK).astimezone(UTC),
                 zone="America/New_York", precision=Precision.DAY)  # fmt: skip
    got = risk_windows((dnc,), datetime(2016, 7, 1, tzinfo=UTC), days=60, zone="America/New_York")
    assert rows(got) == [
        ("risk.convention_eve", u(2016, 7, 21, 4), u(2016, 7, 25, 4), "Democratic convention"),
        ("risk.convention", u(2016, 7, 25, 4), u(2016, 7, 29, 4), "Democratic convention"),
    ]
    assert got[0].notes == ("'Democratic convention' is known only to the day: the hours are "
                            "rough.",)  # fmt: skip
    assert got[0].precision is Precision.DAY


def test_the_case_leaks_fall_in_the_windows_the_rules_draw() -> None:
    """The rules are checked against the fact sheet: each dated leak is inside a window."""
    dnc = Moment(
        "DNC",
        "convention",
        datetime(2016, 7, 25, tzinfo=NEW_YORK).astimezone(UTC),
        datetime(2016, 7, 29, tzinfo=NEW_YORK).astimezone(UTC),
        zone="America/New_York",
    )
    debate2 = Moment("Second debate", "debate",
                     datetime(2016, 10, 9, 21, tzinfo=NEW_YORK).astimezone(UTC),
                     zone="America/New_York")  # fmt: skip
    us = risk_windows((dnc, debate2), datetime(2016, 7, 1, tzinfo=UTC), days=120)
    dnc_leak = datetime(2016, 7, 22, 12, tzinfo=NEW_YORK)  # time n/a: any hour of the day
    assert covering(us, dnc_leak) == ["risk.convention_eve"]
    assert covering(us, datetime(2016, 7, 22, 0, 0, tzinfo=NEW_YORK)) == ["risk.convention_eve"]
    assert covering(us, datetime(2016, 7, 27, 12, tzinfo=NEW_YORK)) == ["risk.convention"]
    fr = risk_windows(CALENDAR, NOW, days=30)
    assert "risk.silence_eve" in covering(fr, paris(2017, 5, 5, 20, 30))
    assert covering(fr, paris(2017, 5, 3, 16)) == ["risk.debate"]  # rumour hours before


def test_dst_paris_end_of_march_gives_the_right_local_hours() -> None:
    """Clocks go forward on Sun 31 March 2024 at 02:00 (CET → CEST).

    "72 h before" is real elapsed time: the round at 08:00 CEST makes the window start at
    07:00 CET on the Thursday. Friday 14:00 and polls closing at 20:00 are local clock
    times; the default 44 h silence is counted on the local clock too (43 real hours).
    """
    cal = (
        moment("Campaign", "campaign_start", paris(2024, 3, 18), paris(2024, 4, 13)),
        moment("Silence", "silence", paris(2024, 3, 30)),
        moment("Round", "round", paris(2024, 3, 31, 8)),
    )
    windows = risk_windows(cal, paris(2024, 3, 26), days=14, zone="Europe/Paris")

    def local(w: RiskWindow) -> tuple[str, str, str]:
        return (w.rule, w.start.astimezone(PARIS).strftime("%a %d %H:%M %Z"),
                w.end.astimezone(PARIS).strftime("%a %d %H:%M %Z"))  # fmt: skip

    assert [local(w) for w in windows] == [
        ("risk.silence_eve", "Thu 28 00:00 CET", "Sat 30 00:00 CET"),
        ("risk.round_eve", "Thu 28 07:00 CET", "Sun 31 08:00 CEST"),
        ("risk.friday_afternoon", "Fri 29 14:00 CET", "Sat 30 00:00 CET"),
        ("risk.silence", "Sat 30 00:00 CET", "Sun 31 20:00 CEST"),
        ("risk.results_night", "Sun 31 08:00 CEST", "Mon 01 08:00 CEST"),
        ("risk.friday_afternoon", "Fri 05 14:00 CEST", "Sat 06 00:00 CEST"),
    ]  # fmt: skip
    by_rule = {w.rule: w for w in windows}
    assert by_rule["risk.round_eve"].end - by_rule["risk.round_eve"].start == timedelta(hours=72)
    assert by_rule["risk.silence"].end - by_rule["risk.silence"].start == timedelta(hours=43)
    assert [w.start for w in windows if w.rule == "risk.friday_afternoon"] == [
        u(2024, 3, 29, 13), u(2024, 4, 5, 12),
    ]  # fmt: skip
    assert lines(windows[3:4], now=paris(2024, 3, 26), posture=False) == [
        "CRITICAL  Sat 30 Mar 2024 00:00 CET → Sun 31 Mar 2024 20:00 CEST (in 4 days, for 43 h)"
        "  Pre-election silence: no public answer possible — from 'Silence'",
    ]


# --- the registry ----------------------------------------------------------------


def test_every_rule_is_documented_and_derives_a_window() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    required = ("risk.silence_eve", "risk.silence", "risk.debate", "risk.round_eve",
                "risk.campaign_open", "risk.convention_eve", "risk.results_night")  # fmt: skip
    assert set(required) <= set(ids)
    for r in RULES:
        assert r.id.startswith("risk.")
        assert r.level in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM), r.id
        assert r.kinds and set(r.kinds) <= set(MOMENT_KINDS), r.id
        assert r.title.strip(), r.id
        for text in (r.when, r.why, r.posture.on_call, r.posture.monitor, r.posture.statement):
            assert len(text.strip()) >= 40, f"{r.id}: {text!r} is too thin"
        assert any(ch.isdigit() for ch in r.why), f"{r.id}: why cites no dated case"
        assert rule(r.id) is r
        m = Moment("M", r.kinds[0], u(2030, 1, 1, 12), u(2030, 1, 10, 12))  # has a Friday
        got = risk_windows((m,), u(2029, 12, 20), days=30, rules=(r,))
        assert got and all(w.rule == r.id and w.why == r.why and w.posture == r.posture
                           for w in got), r.id  # fmt: skip
    assert rule("risk.nope") is None


def test_silence_posture_has_the_holding_statement_and_contacts() -> None:
    eve = rule("risk.silence_eve")
    assert eve is not None
    assert "mixed with fakes" in eve.posture.statement
    assert "CNCCEP" in eve.posture.statement and "ANSSI" in eve.posture.statement
    assert "every 15 min" in eve.posture.monitor
    assert "lawyer" in eve.posture.on_call


# --- exports and rendering -------------------------------------------------------


def test_as_moment_for_an_ics_export() -> None:
    w = risk_windows((SILENCE_2,), NOW)[0]
    m = w.as_moment()
    assert m == Moment(
        name="Risk: Hours before the pre-election silence (Silence, second round)",
        kind="other", start=u(2017, 5, 3, 22), end=u(2017, 5, 5, 22), zone="UTC",
        source="rempart timeline risk: risk.silence_eve", description=m.description,
    )  # fmt: skip
    assert m.description.startswith(w.why)
    assert f"On call: {w.posture.on_call}" in m.description
    assert f"Statement ready: {w.posture.statement}" in m.description
    assert w.as_dict()["rule"] == "risk.silence_eve"
    assert w.as_dict()["start"] == "2017-05-03T22:00:00+00:00"


def test_lines_in_local_time_with_posture() -> None:
    windows = risk_windows(CALENDAR, NOW, days=30, zone="Europe/Paris")
    out = lines(windows, now=NOW)
    assert out[0] == (
        "CRITICAL  Thu 20 Apr 2017 00:00 CEST → Sat 22 Apr 2017 00:00 CEST "
        "(in progress, ends in 36 h, for 48 h)  Hours before the pre-election silence"
        " — from 'Silence, first round'"
    )
    assert out[1].startswith("    why: In May 2017 a candidate's mail was dumped hours before")
    assert out[2].startswith("    on call: The technician and a deputy")
    assert out[3].startswith("    monitor: Mail triage every 15 min")
    assert out[4].startswith("    statement: The holding statement on a leak")
    headers = lines(windows, zone="UTC", now=NOW, posture=False)
    assert len(headers) == len(EXPECTED)
    assert headers[7] == (
        "HIGH      Wed 03 May 2017 13:00 UTC → Thu 04 May 2017 00:30 UTC "
        "(in 13 days 3 h, for 11 h 30 min)  Debate night — from 'Macron–Le Pen debate'"
    )
    notes = [line for line in lines(windows, now=NOW) if line.startswith("    note:")]
    assert notes == [
        "    note: 'Silence, second round' has no end: assumed to last 44 h (French rule: "
        "Friday midnight to Sunday 20:00).",
        "    note: 'Second round' has no end: polls assumed to close at 20:00 local time "
        "(Sun 07 May 2017 20:00 CEST).",
    ]


def test_lines_empty_and_unknown_zone() -> None:
    assert lines([], now=NOW) == ["No risk window ahead."]
    assert lines([], zone="Mars/Olympus", now=NOW) == [
        "Unknown zone 'Mars/Olympus': times shown in UTC.", "No risk window ahead.",
    ]  # fmt: skip


# --- bad input -------------------------------------------------------------------


def test_bad_moments_are_problems_naming_them_and_the_rest_goes_on() -> None:
    inverted = moment("Inverted silence", "silence", paris(2017, 5, 6), paris(2017, 5, 5))
    garbage = Moment("Garbage", "silence", "tomorrow", None)  # type: ignore[arg-type]
    ancient = Moment("Ancient", "round", datetime(1, 1, 1, tzinfo=UTC))
    bad = (inverted, garbage, "not a moment", ancient, SILENCE_2)
    cal = risk_calendar(bad, NOW, days=30)  # type: ignore[arg-type]
    assert [p.where for p in cal.problems] == [
        "moment 1 'Inverted silence'", "moment 2 'Garbage'", "moment 3 '?'", "moment 4 'Ancient'",
    ]  # fmt: skip
    assert cal.problems[0].reason.startswith("ends before it starts")
    assert cal.problems[1] == Problem("moment 2 'Garbage'", "its start is not a date and time")
    assert cal.problems[2].reason == "not a calendar moment"
    assert cal.problems[3].reason.startswith("its dates are out of range")
    assert [w.rule for w in cal.windows] == ["risk.silence_eve", "risk.silence"]


def test_zone_less_and_uncertain_moments_say_so() -> None:
    naive = Moment("Naive silence", "silence", datetime(2017, 5, 6), zone="Europe/Paris")
    assumed = replace(SILENCE_2, name="Assumed", zone_assumed=True, certainty=Certainty.MEDIUM)
    unknown = replace(SILENCE_2, name="Elsewhere", zone="Nowhere/City")
    eves = {}
    for m in (naive, assumed, unknown):  # one at a time: their windows are the same
        cal = risk_calendar((m,), NOW, days=30, zone="Europe/Paris")
        eves.update({w.moment: w for w in cal.windows if w.rule == "risk.silence_eve"})
    assert (eves["Naive silence"].start, eves["Naive silence"].notes) == (
        u(2017, 5, 3, 22), ("'Naive silence' came without a zone: read in Europe/Paris.",)
    )  # fmt: skip
    assert eves["Assumed"].notes == (
        "The times of 'Assumed' came without a zone and were read in Europe/Paris.",
        "'Assumed' is uncertain (certainty medium).",
    )
    assert eves["Assumed"].as_moment().certainty is Certainty.MEDIUM
    assert eves["Elsewhere"].notes == (
        "'Elsewhere' has an unknown zone 'Nowhere/City': read in Europe/Paris.",
    )


def test_look_ahead_zone_and_now_are_checked() -> None:
    cal = risk_calendar(CALENDAR, NOW, days=-3, zone="Mars/Olympus")
    assert cal.notes == ("Unknown zone 'Mars/Olympus': times shown in UTC.",
                         "Look-ahead of -3 days cut to 0.")  # fmt: skip
    assert [w.rule for w in cal.windows] == ["risk.silence_eve", "risk.round_eve"]
    assert {w.zone for w in cal.windows} == {"UTC"}
    big = risk_calendar(CALENDAR, NOW, days=10**9)
    assert big.notes == (f"Look-ahead of 1000000000 days cut to {MAX_DAYS}.",)
    assert rows(list(big.windows)) == EXPECTED
    naive_now = risk_calendar(CALENDAR, datetime(2017, 4, 20, 12), zone="Europe/Paris")
    assert naive_now.notes == ("The current time came without a zone: read in Europe/Paris.",)
    assert rows(list(naive_now.windows)) == EXPECTED
    assert risk_calendar(CALENDAR, "now").problems == (  # type: ignore[arg-type]
        Problem("now", "not a date and time"),
    )


def test_hostile_names_are_cleaned_and_bounded() -> None:
    evil = replace(SILENCE_2, name="\x1b[31mSilence\n" + "x" * 500)
    (w, _) = risk_windows((evil,), NOW, days=30)
    assert "\x1b" not in w.moment and "\n" not in w.moment
    assert w.moment.startswith("?[31mSilence?xxx") and len(w.moment) == 120
    assert all("\x1b" not in line for line in lines([w], now=NOW))


def test_ten_thousand_moments_are_read_and_bounded() -> None:
    many = [moment(f"Debate {i}", "debate", NOW + timedelta(hours=i)) for i in range(10_000)]
    windows = risk_windows(many, NOW, days=7)
    assert [w.moment for w in windows] == [f"Debate {i}" for i in range(7 * 24 + 6)]
    over = risk_calendar([*many, DEBATE], NOW, days=30)
    assert over.problems == (
        Problem("moment 10001", "and the rest: only the first 10000 moments are read"),
    )
