"""``rempart timeline show / import / export / analyze / risk`` through the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from rempart.cli.app import app
from rempart.model.campaign import load_campaign
from rempart.model.findings import Event, Severity, event_id
from rempart.store import Store

runner = CliRunner()
EXAMPLE = Path(__file__).parents[2] / "examples" / "campaign.toml"
FIXTURES = Path(__file__).parent / "fixtures"


def run(*args: str):  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["timeline", *args], env={"COLUMNS": "240"})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def stored(db: str, *events: tuple[datetime, str, str, Severity]) -> None:
    with Store.open(db) as store:
        store.add_events(
            Event(event_id("test", kind, when, summary), when, kind, "test", summary, severity)
            for when, kind, summary, severity in events
        )


PARIS_EVE = datetime(2027, 4, 23, 19, 0, tzinfo=UTC)  # Friday 21:00 in Paris, before silence


def test_show_a_case_writes_the_three_charts(tmp_path: Path) -> None:
    outs = [tmp_path / "fr.png", tmp_path / "fr.svg", tmp_path / "fr.html"]
    args = [part for out in outs for part in ("--out", str(out))]
    result = run("show", "--case", "fr-2017", *args)
    assert result.exit_code == 0, result.stderr
    assert "Pre-election silence, second round" in result.stdout
    assert "EMLEAKS" in result.stdout
    with Image.open(outs[0]) as image:
        assert image.width > 1000
    svg = outs[1].read_text(encoding="utf-8")
    assert "Pre-election silence, second round" in svg
    html = outs[2].read_text(encoding="utf-8")
    assert "EMLEAKS" in html and "<script" not in html.lower()
    for out in outs:
        assert f"chart written to {out}" in " ".join(result.stderr.split())


def test_show_the_campaign_with_stored_events_and_filters(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    stored(db, (PARIS_EVE, "logs.flood.ip", "flood from 203.0.113.7 <b>x</b>", Severity.HIGH),
           (PARIS_EVE + timedelta(hours=2), "mail.phishing", "fake password reset",
            Severity.HIGH))  # fmt: skip
    result = run("show", "-c", str(EXAMPLE), "--db", db)
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "First round" in text and "flood from 203.0.113.7 <b>x</b>" in text
    assert "fake password reset" in text
    only_logs = run("show", "-c", str(EXAMPLE), "--db", db, "--kind", "logs")
    assert "fake password reset" not in only_logs.stdout
    assert "flood from 203.0.113.7" in " ".join(only_logs.stdout.split())
    later = run("show", "-c", str(EXAMPLE), "--db", db, "--from", "2027-04-24T00:00:00")
    assert "flood from" not in later.stdout
    assert "has no zone: read in Europe/Paris" in " ".join(later.stderr.split())


def test_a_bad_calendar_is_named_and_the_rest_is_shown(tmp_path: Path) -> None:
    result = run("show", "--calendar", str(FIXTURES / "calendar.ics"), "--db",
                 str(tmp_path / "s.db"))  # fmt: skip
    assert result.exit_code == 2
    assert "Débat de l'entre-deux-tours" in result.stdout
    assert f"input: {FIXTURES / 'calendar.ics'}" in " ".join(result.stderr.split())


def test_import_export_round_trip_through_the_store(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    source = tmp_path / "in.jsonl"
    rows = [
        {"message": "Phishing wave against the press office",
         "datetime": "2027-04-20T09:15:00+02:00", "timestamp_desc": "Event Recorded",
         "kind": "mail.wave", "severity": "high"},
        {"message": "Defacement of the donation page", "datetime": "2027-04-21T23:40:00",
         "timestamp_desc": "Event Recorded"},
        {"message": "no time here"},
    ]  # fmt: skip
    source.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    imported = run("import", str(source), "--db", db, "-c", str(EXAMPLE))
    assert imported.exit_code == 2  # the third row has no time: named, the others imported
    err = " ".join(imported.stderr.split())
    assert f"{source}:3" in err and "2 events imported; 1 row(s) not read" in err
    with Store.open(db) as store:
        times = {e.summary: e.time for e in store.events()}
    assert times["Phishing wave against the press office"] == datetime(2027, 4, 20, 7, 15,
                                                                        tzinfo=UTC)  # fmt: skip
    # a zone-less time is read in the campaign's zone (Europe/Paris, UTC+2 in April)
    assert times["Defacement of the donation page"] == datetime(2027, 4, 21, 21, 40, tzinfo=UTC)

    for suffix in ("jsonl", "csv", "ics"):
        out = tmp_path / f"out.{suffix}"
        exported = run("export", str(out), "--db", db, "-c", str(EXAMPLE))
        assert exported.exit_code == 0, exported.stderr
        assert out.exists()
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert {x["message"] for x in lines} == set(times)
    assert {"message", "datetime", "timestamp", "timestamp_desc"} <= set(lines[0])
    ics = (tmp_path / "out.ics").read_text()
    calendar_entries = len(load_campaign(EXAMPLE).calendar)
    assert ics.count("BEGIN:VEVENT") == calendar_entries + 2

    again = str(tmp_path / "again.db")
    assert run("import", str(tmp_path / "out.csv"), "--db", again).exit_code == 0
    with Store.open(again) as store:
        assert {e.summary: e.time for e in store.events()} == times


def test_import_an_ics_gives_campaign_calendar_blocks(tmp_path: Path) -> None:
    ics = tmp_path / "cal.ics"
    ics.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\n"
        "BEGIN:VEVENT\r\nUID:a@t\r\nSUMMARY:Débat télévisé\r\n"
        "DTSTART;TZID=Europe/Paris:20270505T210000\r\nDTEND;TZID=Europe/Paris:20270505T233000\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n",
        encoding="utf-8",
    )
    result = run("import", str(ics))
    assert result.exit_code == 0, result.stderr
    campaign = tmp_path / "campaign.toml"
    campaign.write_text('[organisation]\nname = "Parti Exemple"\n\n' + result.stdout)
    entry = load_campaign(campaign).calendar[0]
    assert (entry.name, entry.kind, entry.zone) == ("Débat télévisé", "debate", "Europe/Paris")
    assert entry.start_utc() == datetime(2027, 5, 5, 19, 0, tzinfo=UTC)


def test_analyze_a_case_says_what_the_data_supports() -> None:
    result = run("analyze", "--case", "fr-2017", "--events", "leak", "--window", "6h before")
    assert result.exit_code == 0, result.stderr
    text = " ".join(result.stdout.split())
    assert "3 h 30 min before 'Start of pre-election silence, second round'" in text
    assert "Too few events to say anything" in text
    assert "time known only to the day" in text  # the imprecise leak is set aside, said why


def test_analyze_planted_events_as_json(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    campaign = load_campaign(EXAMPLE)
    moments = [c.start_utc() for c in campaign.calendar if c.kind in ("debate", "round")]
    planted = [(m - timedelta(hours=3), "logs.flood.ip", f"flood {i}", Severity.HIGH)
               for i, m in enumerate(moments)]  # fmt: skip
    stored(db, *planted)
    result = run("analyze", "-c", str(EXAMPLE), "--db", db, "--events", "logs", "--window",
                 "6h before", "--moments", "debate", "--moments", "round", "-f", "json",
                 "--randomisations", "999")  # fmt: skip
    assert result.exit_code == 0, result.stderr
    answer = json.loads(result.stdout)
    (window,) = answer["windows"]
    assert window["observed"] == len(moments) >= 3
    assert window["p_rotation"] < 0.05 and window["p_corrected"] < 0.05
    assert window["too_few"] is None


def test_risk_ahead_with_an_ics(tmp_path: Path) -> None:
    out = tmp_path / "risk.ics"
    result = run("risk", "-c", str(EXAMPLE), "--now", "2027-04-20T12:00:00+02:00", "--days", "7",
                 "--ics", str(out))  # fmt: skip
    assert result.exit_code == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("CRITICAL  Thu 22 Apr 2027 00:00 CEST → Sat 24 Apr 2027 00:00 CEST")
    assert "Hours before the pre-election silence" in first
    headers = [x for x in result.stdout.splitlines() if not x.startswith(" ")]
    assert out.read_text().count("BEGIN:VEVENT") == len(headers)
    as_json = run("risk", "-c", str(EXAMPLE), "--now", "2027-04-20T12:00:00+02:00", "--days",
                  "7", "-f", "json")  # fmt: skip
    rules = [json.loads(x)["rule"] for x in as_json.stdout.splitlines()]
    assert rules[0] == "risk.silence_eve" and len(rules) == len(headers)
    nothing = run("risk", "-c", str(EXAMPLE), "--now", "2028-01-01T00:00:00+01:00")
    assert "No risk window in the next 30 day(s)." in nothing.stdout


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("show", "--case", "us-2020").exit_code == 2
    bad_from = run("show", "--case", "fr-2017", "--from", "yesterday")
    assert bad_from.exit_code == 2 and "not an ISO 8601" in bad_from.stderr
    assert run("show", "--case", "fr-2017", "--zone", "Mars/Olympus").exit_code == 2
    assert run("analyze", "--case", "fr-2017", "--events", "leak", "-f", "xml").exit_code == 2
    bad_window = run("analyze", "--case", "fr-2017", "--events", "leak", "--window", "soon")
    assert bad_window.exit_code == 2
    assert run("export", str(tmp_path / "x.pdf"), "--case", "fr-2017").exit_code == 2
