"""The chart of a timeline: PNG, SVG and the self-contained HTML page."""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from rempart.errors import InputError
from rempart.model.findings import Severity
from rempart.timeline import chart
from rempart.timeline.model import Certainty, Moment, Precision, Timeline, TimelineEvent

PARIS = "Europe/Paris"
XSS = "$x$ <script>alert(1)</script>"
LURE = "lure at https://evil.example/login"
SVG_NS = "{http://www.w3.org/2000/svg}"


def at(day: int, hour: int = 0, minute: int = 0, month: int = 4) -> datetime:
    return datetime(2017, month, day, hour, minute, tzinfo=UTC)


def moments() -> tuple[Moment, ...]:
    return (
        Moment("official campaign", "campaign_start", at(9, 22), at(21, 22), zone=PARIS),
        Moment("silence, 1st round", "silence", at(21, 22), at(23, 18), zone=PARIS),
        Moment("1st round", "round", at(23, 6), zone=PARIS),
        Moment("TV debate", "debate", at(3, 19, month=5), at(3, 21, 30, month=5), zone=PARIS),
        Moment("2nd round", "round", at(7, 6, month=5), zone=PARIS),
    )


def events() -> tuple[TimelineEvent, ...]:
    return (
        TimelineEvent("leak", at(5, 18, 57, month=5), "leak", XSS, Severity.CRITICAL, zone=PARIS),
        TimelineEvent(
            "phish",
            at(15, 8, month=3),
            "phishing",
            "phishing wave [bold]x",
            Severity.HIGH,
            certainty=Certainty.LOW,
            source="press",
        ),
        TimelineEvent(
            "flood",
            at(25, 9),
            "logs.flood.ip",
            "flood from 203.0.113.7",
            Severity.MEDIUM,
            source="logs",
        ),
        TimelineEvent(
            "dmarc", at(26, 9), "finding.new", "DMARC missing", Severity.MEDIUM, source="audit"
        ),
        TimelineEvent("lure", at(27, 9), "mail.phishing", LURE, Severity.HIGH, source="mail"),
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


def timeline(**kw: object) -> Timeline:
    return Timeline("fr-2017 test", zone=PARIS, moments=moments(), events=events(), **kw)  # type: ignore[arg-type]


def many_events(n: int = 10_000) -> tuple[TimelineEvent, ...]:
    kinds = ("leak", "phishing", "logs.flood.ip", "mail.spam", "finding.new", "news")
    return tuple(
        TimelineEvent(
            f"e{i}",
            at(1, month=3) + timedelta(minutes=13 * i),
            kinds[i % 6],
            f"event {i}",
            list(Severity)[i % 5],
        )
        for i in range(n)
    )


def svg_texts(path: Path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


# ---------------------------------------------------------------- pure parts


def test_lane_of_each_family() -> None:
    got = {
        k: chart.lane_of(k)
        for k in (
            "leak",
            "LEAK",
            "phishing",
            "mail.phishing",
            "mail.wave",
            "mail.spam",
            "intrusion",
            "dos",
            "logs.flood.ip",
            "finding.new",
            "audit.x",
            "attribution",
            "news",
            "leakage",
            "weird",
        )
    }
    assert got == {
        "leak": "leaks",
        "LEAK": "leaks",
        "phishing": "phishing",
        "mail.phishing": "phishing",
        "mail.wave": "phishing",
        "mail.spam": "mail",
        "intrusion": "intrusion",
        "dos": "dos / web logs",
        "logs.flood.ip": "dos / web logs",
        "finding.new": "audit findings",
        "audit.x": "audit findings",
        "attribution": "attribution / news",
        "news": "attribution / news",
        "leakage": "other",
        "weird": "other",
    }


def test_plan_of_a_small_timeline() -> None:
    p = chart.plan(timeline())
    assert p.lanes == ("leaks", "phishing", "intrusion", "dos / web logs", "audit findings")
    assert [m.name for m in p.bands] == ["official campaign", "silence, 1st round"]
    assert [m.name for m in p.lines] == ["1st round", "TV debate", "2nd round"]
    assert (p.aggregated, p.bin, p.drawn, p.outside) == (False, None, 6, 0)
    by_label = {m.label: m for m in p.marks}
    assert by_label[XSS].severity is Severity.CRITICAL and not by_label[XSS].uncertain
    assert by_label["phishing wave [bold]x"].uncertain
    day = by_label["intrusion found"]  # known to the day: a bar over the day, marker at noon
    assert day.uncertain and (day.start, day.end) == (at(2, 22), at(3, 22))
    assert day.time == at(3, 10)
    assert by_label[LURE].lane == "phishing"


def test_plan_leaves_out_events_outside_the_window() -> None:
    p = chart.plan(timeline(window=(at(20), at(30))))
    assert sorted(m.label for m in p.marks) == ["DMARC missing", "flood from 203.0.113.7", LURE]
    assert (p.drawn, p.outside) == (3, 3)


def test_stagger_puts_overlapping_labels_on_other_rows() -> None:
    assert chart.stagger([0.0, 0.05, 0.5, 0.52], [0.1, 0.1, 0.1, 0.1], 3) == [0, 1, 0, 1]
    # every row taken: the row that frees first
    assert chart.stagger([0.0, 0.01, 0.02], [0.5, 0.3, 0.4], 2) == [0, 1, 1]
    assert chart.stagger([], [], 3) == []


def test_fit_labels_leaves_out_what_cannot_fit() -> None:
    lefts, widths = [0.0, 0.05, 0.1, 0.5], [0.2, 0.2, 0.2, 0.1]
    # the third is the most important: placed first; the second finds no free row
    assert chart.fit_labels(lefts, widths, 2, [2, 0, 1, 3]) == [1, None, 0, 0]


def test_format_time_never_more_precise_than_known() -> None:
    ny_midnight = datetime(2016, 7, 22, 4, 0, tzinfo=UTC)  # 2016-07-22 00:00 EDT
    tokyo = ZoneInfo("Asia/Tokyo")
    assert chart.format_time(ny_midnight, tokyo, Precision.DAY, "America/New_York") == (
        "2016-07-22"
    )
    assert chart.format_time(ny_midnight, tokyo, Precision.MONTH, "America/New_York") == "2016-07"
    assert chart.format_time(ny_midnight, tokyo, Precision.HOUR) == "2016-07-22 ~13:00 JST"
    assert chart.format_time(ny_midnight, UTC) == "2016-07-22 04:00 UTC"


def test_extent_of_a_date_known_to_the_month_ends_with_that_month() -> None:
    e = TimelineEvent(
        "x",
        datetime(2016, 4, 19, 22, tzinfo=UTC),
        "intrusion",
        "late April",
        precision=Precision.MONTH,
        zone=PARIS,
    )
    assert chart.extent(e) == (e.time, datetime(2016, 4, 30, 22, tzinfo=UTC))
    december = TimelineEvent(
        "y", datetime(2015, 12, 1, tzinfo=UTC), "leak", "late 2015", precision=Precision.MONTH
    )
    assert chart.extent(december)[1] == datetime(2016, 1, 1, tzinfo=UTC)


def test_clean_text_removes_controls_and_cuts() -> None:
    assert chart.clean_text("a\x1b[31mb\u202ec\nd\ud800", 100) == "a?[31mb?c d?"
    assert chart.clean_text("x" * 50, 10) == "x" * 9 + "…"


# ---------------------------------------------------------------- files


def test_png_file(tmp_path: Path) -> None:
    out = chart.render(timeline(), tmp_path / "chart.PNG")
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
    with Image.open(out) as image:
        width, height = image.size
    assert width == int(chart.WIDTH_IN * chart.DPI)
    assert 500 < height < 1500


def test_svg_file_has_moments_lanes_and_escaped_text(tmp_path: Path) -> None:
    out = chart.render(timeline(), tmp_path / "chart.svg", title="Campagne $1 <b>")
    texts = svg_texts(out)
    for name in ("official campaign", "silence, 1st round", "1st round", "TV debate", "2nd round"):
        assert name in texts
    for lane in ("leaks", "phishing", "intrusion", "dos / web logs", "audit findings"):
        assert lane in texts
    assert "mail" not in texts  # lanes without events are not drawn
    assert XSS in texts and "Campagne $1 <b>" in texts
    raw = out.read_text(encoding="utf-8")
    assert "<script" not in raw and "&lt;script&gt;" in raw
    assert 'id="events-certain-' in raw and 'id="events-uncertain-' in raw
    assert "aggregated" not in raw


def test_same_input_same_svg_bytes(tmp_path: Path) -> None:
    a = chart.render(timeline(), tmp_path / "a.svg").read_bytes()
    b = chart.render(timeline(), tmp_path / "b.svg").read_bytes()
    assert a == b


def test_axis_in_campaign_zone_or_utc(tmp_path: Path) -> None:
    local = svg_texts(chart.render(timeline(), tmp_path / "l.svg"))
    utc = svg_texts(chart.render(timeline(), tmp_path / "u.svg", local=False))
    assert "time in Europe/Paris (the campaign's zone)" in local
    assert "time in UTC" in utc


def test_html_is_self_contained_and_escaped(tmp_path: Path) -> None:
    page = chart.render_html(timeline(), tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower()
    for e in events():
        assert html.escape(e.summary) in page, e.summary
    # URLs only inside escaped data, never as a reference
    refs = re.findall(r"""\b(?:src|href|action|xlink:href)\s*=\s*["']?([^"'\s>]*)""", page, re.I)
    assert refs and all(r.startswith("#") for r in refs)
    assert "url(" not in page.replace("url(#", "")
    assert "http://" not in page
    assert page.count("https://") == page.count(LURE) == 2  # table cell and chart label
    assert "<svg " in page and "xmlns" not in page and "<!DOCTYPE svg" not in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_html_tables_times_and_uncertain_marks(tmp_path: Path) -> None:
    page = chart.render_html(timeline(), tmp_path / "t.html").read_text(encoding="utf-8")
    rows = {r for r in re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)}
    leak = next(r for r in rows if html.escape(XSS) in r)
    assert "2017-05-05 20:57 CEST" in leak and "2017-05-05 18:57 UTC" in leak
    assert "critical" in leak and "uncertain" not in leak
    phish = next(r for r in rows if "phishing wave [bold]x" in r)
    assert phish.startswith('<tr class="uncertain">') and '<span class="tag">uncertain' in phish
    day = next(r for r in rows if "intrusion found" in r)
    assert "2017-04-03" in day and "uncertain" in day  # the date in Paris, not 04-02 UTC
    silence = next(r for r in rows if "silence, 1st round" in r)
    assert "2017-04-22 00:00 CEST" in silence and "2017-04-21 22:00 UTC" in silence
    assert "1 fact(s) are uncertain" not in page and "2 fact(s) are uncertain" in page


def test_ten_thousand_events_are_aggregated(tmp_path: Path) -> None:
    big = Timeline("big", zone=PARIS, moments=moments(), events=many_events())
    p = chart.plan(big)
    assert p.aggregated and p.drawn == 10_000 and p.outside == 0
    assert sum(m.count for m in p.marks) == 10_000
    assert len(p.marks) <= len(p.lanes) * chart.BINS
    assert all(m.label == "" for m in p.marks)
    svg = chart.render(big, tmp_path / "big.svg")
    raw = svg.read_text(encoding="utf-8")
    assert 'id="aggregated-certain-' in raw and 'id="events-' not in raw
    assert "10000 events aggregated" in raw
    assert svg.stat().st_size < 2_000_000
    page = chart.render_html(big, tmp_path / "big.html").read_text(encoding="utf-8")
    assert page.count('<span class="sev"') == chart.MAX_TABLE_EVENTS
    assert "8000 more on the chart" in page


def test_hostile_values_render(tmp_path: Path) -> None:
    nasty = (
        TimelineEvent(
            "m", at(10), "leak", r"$\undefinedmacro{$ \x" + "\x00\x1b[2J\u202e", Severity.HIGH
        ),
        TimelineEvent("long", at(11), "x" * 500, "y" * 100_000, Severity.LOW),
        TimelineEvent("sur", at(12), "news", "bad \ud800 surrogate", zone="Nowhere/Land"),
        TimelineEvent("old", datetime(1, 1, 1, tzinfo=UTC), "leak", "year one"),
        TimelineEvent("late", datetime(9999, 12, 31, 23, tzinfo=UTC), "leak", "year 9999"),
    )
    bad = Timeline("t $ \x07", zone="Nowhere/Land", moments=moments(), events=nasty)
    chart.render(bad, tmp_path / "n.png")
    texts = svg_texts(chart.render(bad, tmp_path / "n.svg"))
    assert "time in UTC" in texts
    page = chart.render_html(bad, tmp_path / "n.html").read_text(encoding="utf-8")
    assert "unknown time zone &#x27;Nowhere/Land&#x27;: times are shown in UTC" in page
    assert "2 item(s) dated before 1900 or after 2200 left out" in page
    assert "year one" not in page and "\x1b" not in page and "\ud800" not in page


def test_empty_timeline_renders(tmp_path: Path) -> None:
    texts = svg_texts(chart.render(Timeline("empty"), tmp_path / "e.svg"))
    assert "no security events in this period" in texts


def test_bad_suffix_and_unwritable_path_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"chart\.pdf"):
        chart.render(timeline(), tmp_path / "chart.pdf")
    with pytest.raises(InputError, match="cannot write"):
        chart.render(timeline(), tmp_path / "missing" / "chart.png")
