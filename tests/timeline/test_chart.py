"""The chart of a timeline: PNG, SVG and the self-contained HTML page."""

from __future__ import annotations

import html
import locale
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


# ---------------------------------------------------------------- languages

ENGLISH_LANES = {lane.name for lane in chart.LANES}
FRENCH_MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.")


def test_every_language_names_every_lane_severity_band_and_line() -> None:
    for lang in chart.LANGS:
        words = chart.WORDS[lang]
        assert set(words.lanes) == ENGLISH_LANES, lang
        assert set(words.severities) == set(Severity), lang
        assert set(words.bands) == set(chart.BAND_STYLES), lang
        assert set(words.lines) == {*chart.LINE_STYLES, "other"}, lang
    assert set(chart.WORDS) == set(chart.LANGS)
    french = chart.WORDS["fr"]
    assert not set(french.lanes.values()) & ENGLISH_LANES
    assert french.months is not None and len(french.months) == 12


def test_named_months_replaces_marked_months_and_days() -> None:
    months = chart.WORDS["fr"].months
    assert months is not None
    assert chart.named_months("\x0104", months) == "avr."
    assert chart.named_months("\x0203 \x0108 2017", months) == "3 août 2017"
    assert chart.named_months("\x0112 \x0201", months) == "déc. 1"
    assert chart.named_months("14:00", months) == "14:00"


def test_french_svg_has_french_lanes_legend_axis_and_months(tmp_path: Path) -> None:
    before = locale.setlocale(locale.LC_TIME)
    texts = svg_texts(chart.render(timeline(), tmp_path / "fr.svg", lang="fr"))
    assert locale.setlocale(locale.LC_TIME) == before  # the process locale is left alone
    for lane in ("fuites", "hameçonnage", "intrusions", "saturation / journaux web"):
        assert lane in texts, lane
    assert "constats d'audit" in texts
    assert not ENGLISH_LANES & set(texts)
    for entry in ("info", "faible", "moyenne", "élevée", "critique", "incertain"):
        assert entry in texts, entry
    for entry in ("campagne officielle", "période de réserve", "tours de scrutin", "débats"):
        assert entry in texts, entry
    for english in ("low", "medium", "high", "critical", "uncertain", "silence period", "rounds"):
        assert english not in texts, english
    assert "avr." in texts and "mai" in texts and "mai 2017" in texts
    assert not {"Mar", "Apr", "May", "2017-May"} & set(texts)
    assert "fuseau horaire : Europe/Paris (celui de la campagne)" in texts
    assert "2017-03-15 09:00 CET → 2017-05-07 08:00 CEST · 6 événements · 5 moments" in texts
    assert (
        "2 fait(s) incertain(s) (certitude L, ou connu(s) seulement au jour ou au mois), "
        "marqué(s) « incertain »"
    ) in texts
    # the data is shown as it is: moment names and summaries are not translated
    assert "official campaign" in texts and XSS in texts


def test_english_svg_keeps_its_english_texts(tmp_path: Path) -> None:
    default = chart.render(timeline(), tmp_path / "default.svg")
    english = chart.render(timeline(), tmp_path / "en.svg", lang="en")
    assert default.read_bytes() == english.read_bytes()
    texts = svg_texts(english)
    assert {"Apr", "May", "2017-May", "high", "uncertain", "silence period", "rounds"} <= set(texts)
    assert not {"fuites", "avr.", "mai", "incertain"} & set(texts)


def test_french_ticks_of_a_short_span_name_the_day(tmp_path: Path) -> None:
    two_days = Timeline(
        "short",
        zone=PARIS,
        events=(
            TimelineEvent("a", at(2, 20), "leak", "a"),
            TimelineEvent("b", at(4, 3), "news", "b"),
        ),
    )
    french = svg_texts(chart.render(two_days, tmp_path / "fr.svg", lang="fr"))
    assert {"3 avr.", "4 avr.", "4 avr. 2017", "fuites", "attribution / presse"} <= set(french)
    english = svg_texts(chart.render(two_days, tmp_path / "en.svg"))
    assert {"Apr-03", "Apr-04", "2017-Apr-04"} <= set(english)


def test_french_ticks_over_a_year(tmp_path: Path) -> None:
    year = Timeline(
        "year",
        zone=PARIS,
        events=(
            TimelineEvent("a", datetime(2017, 1, 2, tzinfo=UTC), "leak", "a"),
            TimelineEvent("b", datetime(2017, 9, 28, tzinfo=UTC), "leak", "b"),
        ),
    )
    texts = svg_texts(chart.render(year, tmp_path / "fr.svg", lang="fr"))
    assert [t for t in texts if t in FRENCH_MONTHS] == list(FRENCH_MONTHS[1:])
    assert "2017" in texts


def test_french_footnotes_empty_chart_and_aggregation(tmp_path: Path) -> None:
    nasty = (
        TimelineEvent("old", datetime(1, 1, 1, tzinfo=UTC), "leak", "year one"),
        TimelineEvent("n", at(12), "news", "x"),
    )
    bad = Timeline("t", zone="Nowhere/Land", moments=moments(), events=nasty)
    texts = svg_texts(chart.render(bad, tmp_path / "n.svg", lang="fr"))
    assert "fuseau horaire : UTC" in texts
    foot = next(t for t in texts if "écarté" in t)
    assert "1 élément(s) daté(s) d'avant 1900 ou d'après 2200, écarté(s)" in foot
    assert "fuseau horaire inconnu 'Nowhere/Land' : heures affichées en UTC" in foot
    empty = svg_texts(chart.render(Timeline("vide"), tmp_path / "e.svg", lang="fr"))
    assert "aucun événement de sécurité sur cette période" in empty
    big = Timeline("big", zone=PARIS, moments=moments(), events=many_events(1000))
    raw = chart.render(big, tmp_path / "big.svg", lang="fr").read_text(encoding="utf-8")
    assert "1000 événements regroupés : un repère par ligne toutes les 6,72 h" in raw
    assert "aggregated:" not in raw


def test_french_html_page(tmp_path: Path) -> None:
    page = chart.render_html(timeline(), tmp_path / "fr.html", lang="fr").read_text(
        encoding="utf-8"
    )
    assert '<html lang="fr">' in page
    for expected in (
        "<h2>Légende</h2>",
        "<h2>Événements</h2>",
        "<th>heure locale (Europe/Paris)</th><th>UTC</th><th>fin</th><th>moment</th>",
        "<th>type (ligne)</th><th>gravité</th><th>certitude</th><th>précision</th>"
        "<th>source</th><th>résumé</th>",
        "5 moments · 6 événements · heures en Europe/Paris et en UTC",
        "bande : période de réserve",
        "ligne : tours de scrutin",
        'étiquette <span class="tag">incertain</span> : certitude L',
        "Écrit par Rempart ; cette page ne charge rien depuis le réseau.",
    ):
        assert expected in page, expected
    rows = re.findall(r"<tr[^>]*>.*?</tr>", page, re.S)
    leak = next(r for r in rows if html.escape(XSS) in r)
    assert "<small>fuites</small>" in leak and ">critique</span>" in leak
    phish = next(r for r in rows if "phishing wave [bold]x" in r)
    assert '<span class="tag">incertain</span>' in phish
    for english in ("<th>severity</th>", "<h2>Legend</h2>", "Written by Rempart", "band: "):
        assert english not in page, english
    assert "<script" not in page.lower() and "Content-Security-Policy" in page


def test_unknown_language_is_an_input_error(tmp_path: Path) -> None:
    for lang in ("de", "FR", "", "english"):
        with pytest.raises(InputError, match="the chart is drawn in en or fr"):
            chart.render(timeline(), tmp_path / "x.svg", lang=lang)
        with pytest.raises(InputError, match="en or fr"):
            chart.render_html(timeline(), tmp_path / "x.html", lang=lang)
        with pytest.raises(InputError, match="en or fr"):
            chart.figure(timeline(), lang=lang)
    assert list(tmp_path.iterdir()) == []
