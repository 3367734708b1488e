"""Verdicts and phishing waves as timeline events (which messages form which wave)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rempart.mail.events import WaveSettings, event_time, verdict_event, waves
from rempart.mail.model import Indicators, Triage, Verdict
from rempart.model.findings import Severity

from .support import CTX

T0 = datetime(2027, 4, 1, 8, 0, tzinfo=UTC)
NOW = datetime(2027, 4, 20, tzinfo=UTC)


def _t(n: int, verdict: Verdict = Verdict.PHISHING, hours: float = 0, *, url: str = "",
       sender: str = "x@attacker.example", sha: str = "", to: str = "tresorier@parti-exemple.fr"
       ) -> Triage:  # fmt: skip
    return Triage(
        source=f"m{n}.eml", verdict=verdict, score=90, subject=f"Lure {n}", sender=sender,
        received=T0 + timedelta(hours=hours), message_id=f"<m{n}@x>", recipients=(to,),
        indicators=Indicators(urls=(url,) if url else (), senders=(sender,),
                              sha256=(sha,) if sha else ()),
    )  # fmt: skip


def test_clean_and_error_make_no_event() -> None:
    assert verdict_event(_t(1, Verdict.CLEAN), CTX, NOW) is None
    assert verdict_event(_t(2, Verdict.ERROR), CTX, NOW) is None


def test_verdict_event_fields() -> None:
    e = verdict_event(_t(1, url="https://evil.example/a"), CTX, NOW)
    assert e is not None
    assert (e.kind, e.severity, e.time, e.source) == ("mail.phishing", Severity.HIGH, T0, "mail")
    assert e.targets == ("tresorier@parti-exemple.fr",)
    assert e.indicators == ("x@attacker.example", "https://evil.example/a")
    assert e.summary == "Phishing mail (score 90): \u201cLure 1\u201d from x@attacker.example"
    again = verdict_event(_t(1, url="https://evil.example/a"), CTX, NOW)
    assert again is not None and again.id == e.id  # re-triaging the same mail: same event
    outsider = verdict_event(_t(3, to="someone@elsewhere.example"), CTX, NOW)
    assert outsider is not None and outsider.targets == ()


def test_event_time_prefers_the_receiving_stamp_and_refuses_future_dates() -> None:
    t = _t(1)
    assert event_time(t, NOW) == T0
    future = Triage(source="f", verdict=Verdict.SPAM, score=60,
                    date=datetime(2099, 1, 1, tzinfo=UTC))  # fmt: skip
    assert event_time(future, NOW) == NOW
    dated = Triage(source="d", verdict=Verdict.SPAM, score=60, date=T0)
    assert event_time(dated, NOW) == T0


def _events(triages: list[Triage]):  # type: ignore[no-untyped-def]
    return [e for e in (verdict_event(t, CTX, NOW) for t in triages) if e is not None]


def test_waves_group_by_shared_indicator_within_the_window() -> None:
    triages = [
        _t(1, hours=0, url="https://login.evil.example/a", sender="a@one.example"),
        _t(2, hours=5, url="https://login.evil.example/b", sender="b@two.example"),
        _t(3, Verdict.SUSPICIOUS, hours=30, url="https://login.evil.example/c",
           sender="c@three.example"),
        # same host but 10 days later: a new wave would need 3 of its own
        _t(4, hours=240, url="https://login.evil.example/d", sender="d@four.example"),
        # spam never makes a phishing wave
        _t(5, Verdict.SPAM, hours=1, url="https://login.evil.example/e", sender="e@f.example"),
        # three messages from the same free-mail provider are not a wave
        _t(6, hours=1, sender="p@gmail.com"), _t(7, hours=2, sender="q@gmail.com"),
        _t(8, hours=3, sender="r@gmail.com"),
    ]  # fmt: skip
    found = waves(_events(triages), CTX)
    assert len(found) == 1
    wave = found[0]
    assert wave.kind == "mail.wave"
    assert wave.time == T0
    assert wave.indicators == ("login.evil.example",)
    assert wave.summary == (
        "Phishing wave: 3 messages (2 phishing) links to login.evil.example, "
        "2027-04-01 08:00 to 2027-04-02 14:00 UTC"
    )
    assert wave.severity is Severity.CRITICAL  # phishing aimed at the party's own people
    assert wave.targets == ("tresorier@parti-exemple.fr",)


def test_wave_prefers_the_most_specific_shared_indicator_and_keeps_its_id() -> None:
    sha = "ab" * 32
    base = [_t(i, hours=i, sha=sha, sender=f"s{i}@bulk.example", to="x@elsewhere.example")
            for i in range(3)]  # fmt: skip
    first = waves(_events(base), CTX)
    assert [w.indicators for w in first] == [(sha,)]
    assert first[0].severity is Severity.HIGH
    grown = waves(_events([*base, _t(9, hours=10, sha=sha, sender="s9@bulk.example")]), CTX)
    assert [w.id for w in grown] == [first[0].id]
    assert "4 messages" in grown[0].summary


def test_wave_settings() -> None:
    triages = [_t(i, hours=i * 10, url="https://h.example/") for i in range(2)]
    assert waves(_events(triages), CTX) == []
    assert len(waves(_events(triages), CTX, WaveSettings(min_messages=2))) == 1
    assert waves(_events(triages), CTX, WaveSettings(window=timedelta(hours=5),
                                                     min_messages=2)) == []  # fmt: skip


def test_verdict_event_keeps_the_reasons_that_raised_the_score() -> None:
    from rempart.mail.model import Reason

    reasons = (
        Reason("links.credential_words", 1.5, "login words in https://evil.example/a",
               title="Link asks for a password"),
        Reason("identity.known_contact", -0.8, "sender seen before", title="Known sender"),
        Reason("html.form", 2.0, "<form action=x>"),
    )  # fmt: skip
    t = Triage(source="m.eml", verdict=Verdict.PHISHING, score=95, reasons=reasons,
               received=T0, message_id="<r@x>")  # fmt: skip
    e = verdict_event(t, CTX, NOW)
    assert e is not None
    # what pushed toward phishing, as (title or signal, evidence); the lowering one left out
    assert e.details == (
        ("Link asks for a password", "login words in https://evil.example/a"),
        ("html.form", "<form action=x>"),
    )
