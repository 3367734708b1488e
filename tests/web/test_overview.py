"""The overview's posture per area and the timeline's clickable chart, through the ASGI client.

The store is the shared hostile seed plus a site's headers grade (an audit
``site.grade`` finding), five open high findings of a ``mail`` area and two low
ones of a ``dns`` area, so that each row of the severity table has its own
counts and posture letter. The HTML is parsed: every count must sit under its
own severity's column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from rempart.model.campaign import Campaign
from rempart.model.findings import ScopeOutcome, Severity, finding_id
from rempart.store import Store
from rempart.web import queries
from rempart.web.app import create_app
from tests.web.conftest import BASE, EVENTS, IMG, NOW, SCRIPT, _event, campaign, finding

GRADE = replace(
    finding("site.grade", "https://www.parti.example/", Severity.INFO, "Security headers grade",
            evidence="C (55/100)", scope="www.parti.example"),
)  # fmt: skip
GARBLED = finding("site.grade", f"https://{SCRIPT}.example/", Severity.INFO,
                  "Security headers grade", evidence=f"{SCRIPT} (x/100)",
                  scope="bad.example")  # fmt: skip

HOSTILE_HOST = "<script>alert(1)<"
"""The host part of the garbled grade's URL (the ``/`` of ``</script>`` ends it)."""


def _area(analyzer: str, severity: Severity, n: int) -> tuple[Any, ...]:
    return tuple(
        replace(
            finding(f"{analyzer}.check{i}", f"t{i}.parti.example", severity, f"{analyzer} {i}"),
            analyzer=analyzer,
            id=finding_id(analyzer, f"{analyzer}.check{i}", "parti.example", f"t{i}.parti.example"),
        )
        for i in range(n)
    )


def _seed_more(db: str) -> None:
    with Store.open(db) as store:
        run = store.start_run("audit", {})
        store.record_scope(run, "audit", ScopeOutcome("www.parti.example", (GRADE,)), NOW)
        store.record_scope(run, "audit", ScopeOutcome("bad.example", (GARBLED,)), NOW)
        for analyzer, severity, n in (("mail", Severity.HIGH, 5), ("dns", Severity.LOW, 2)):
            area_run = store.start_run(analyzer, {})
            outcome = ScopeOutcome("parti.example", _area(analyzer, severity, n))
            store.record_scope(area_run, analyzer, outcome, NOW)
            store.finish_run(area_run, "done")
        store.finish_run(run, "done")


def _client(db: str, camp: Campaign | None) -> Iterator[TestClient]:
    with TestClient(create_app(db, camp, now=lambda: NOW), base_url=BASE) as c:
        yield c


@pytest.fixture
def rich(db: str) -> Iterator[TestClient]:
    """The dashboard on the seed plus grades and two more areas."""
    _seed_more(db)
    yield from _client(db, campaign())


# -- posture -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "letter", "worst"),
    [
        ({}, "A", None),
        ({"info": 40}, "A", "info"),
        ({"low": 1, "info": 3}, "B", "low"),
        ({"low": 5}, "C", "low"),
        ({"medium": 4, "low": 9}, "C", "medium"),
        ({"medium": 5}, "D", "medium"),
        ({"high": 1, "medium": 20}, "D", "high"),
        ({"high": 5}, "F", "high"),
        ({"critical": 1}, "F", "critical"),
        ({"critical": 9}, "F", "critical"),
        ({"critical": 0, "high": 0, "low": 2}, "B", "low"),
    ],
)
def test_posture_letter(counts: dict[str, int], letter: str, worst: str | None) -> None:
    got = queries.posture(counts)
    assert (got["letter"], got["worst"]) == (letter, worst)


def test_overview_api_posture_and_grades(rich: TestClient) -> None:
    data = rich.get("/api/overview").json()
    assert data["open_findings"] == {
        "audit": {"critical": 1, "high": 1, "medium": 1, "low": 1, "info": 3},
        "dns": {"critical": 0, "high": 0, "medium": 0, "low": 2, "info": 0},
        "mail": {"critical": 0, "high": 5, "medium": 0, "low": 0, "info": 0},
    }
    assert {a: p["letter"] for a, p in data["posture"].items()} == {
        "audit": "F",
        "dns": "B",
        "mail": "F",  # five high: D lowered one letter
    }
    assert data["posture"]["mail"]["reason"] == "worst open: 5 high (5 or more: one letter lower)"
    assert "not the Observatory grade" in data["posture_rule"]
    grades = {g["site"]: (g["letter"], g["score"], g["status"]) for g in data["site_grades"]}
    assert grades == {
        "www.parti.example": ("C", 55, "open"),
        HOSTILE_HOST: ("?", None, "open"),  # garbled evidence: no letter made up
    }


def test_grade_parse() -> None:
    assert queries.parse_grade("B+ (82/100)") == ("B+", 82)
    assert queries.parse_grade("A+ (100/100)") == ("A+", 100)
    assert queries.parse_grade("F (0/100)") == ("F", 0)
    assert queries.parse_grade("G (10/100)") is None
    assert queries.parse_grade(f"{SCRIPT} (x/100)") is None


def _table(html: str) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The severity table: its column headers, and each row's cells keyed by the header
    of the column they sit in (by position)."""
    tree = HTMLParser(html)
    table = tree.css_first("#severity-table")
    assert table is not None
    headers = [th.text(strip=True) for th in table.css("thead tr th")]
    rows = {}
    for tr in table.css("tbody tr"):
        cells = [c for c in tr.iter() if c.tag in ("th", "td")]
        assert len(cells) == len(headers), tr.html
        rows[cells[0].text(strip=True)] = {
            h: c.text(strip=True) for h, c in zip(headers[1:], cells[1:], strict=True)
        }
    return headers, rows


def test_severity_table_cells_sit_under_their_severity(rich: TestClient) -> None:
    headers, rows = _table(rich.get("/").text)
    assert headers == ["area", "posture", "critical", "high", "medium", "low", "info"]
    counts = {
        area: {s: v for s, v in cells.items() if s != "posture"} for area, cells in rows.items()
    }
    assert counts == {
        "audit": {"critical": "1", "high": "1", "medium": "1", "low": "1", "info": "3"},
        "dns": {"critical": "0", "high": "0", "medium": "0", "low": "2", "info": "0"},
        "mail": {"critical": "0", "high": "5", "medium": "0", "low": "0", "info": "0"},
    }
    assert [rows[a]["posture"][:1] for a in ("audit", "dns", "mail")] == ["F", "B", "F"]
    # each count links to exactly its own filter
    tree = HTMLParser(rich.get("/").text)
    link = tree.css_first('tr[data-area="mail"] td[data-severity="high"] a')
    assert link is not None
    assert link.attributes["href"] == "/findings?analyzer=mail&status=open&severity=high"


def test_grades_card_escapes_and_links(rich: TestClient) -> None:
    html = rich.get("/").text
    tree = HTMLParser(html)
    sites = [tr.attributes["data-site"] for tr in tree.css("#site-grades tbody tr")]
    assert sites == [HOSTILE_HOST, "www.parti.example"]
    assert "<script>alert" not in html
    grade_id = finding_id("audit", "site.grade", "www.parti.example", GRADE.target)
    row = tree.css_first('#site-grades tr[data-site="www.parti.example"]')
    assert row is not None
    assert " ".join(row.text(separator=" ").split()) == "www.parti.example C 55/100 open"
    assert f'href="/findings/{grade_id}"' in row.html


def test_no_grade_says_what_it_means(client: TestClient) -> None:
    card = HTMLParser(client.get("/").text).css_first("#site-grades")
    assert card is not None and card.css("tbody tr") == []
    text = " ".join(card.text().split())
    assert "none recorded, so every audited site scored 100 or more, or no site was audited" in text


# -- risk window in the campaign's zone ------------------------------------------------


def test_risk_window_in_campaign_zone(client: TestClient) -> None:
    # the round is at NOW + 5 days, 12:00 UTC; its eve window starts three days before
    tree = HTMLParser(client.get("/").text)
    assert tree.css_first("#risk-start").text() == "2025-03-12 13:00 CET"
    assert tree.css_first("#risk-end").text() == "2025-03-15 13:00 CET"
    assert tree.css_first("#risk-start").attributes["title"] == "2025-03-12T12:00:00+00:00"
    assert "times in Europe/Paris" in tree.css_first("#next-risk").text()
    risk = client.get("/api/overview").json()["next_risk"]
    assert (risk["start_local"], risk["end_local"]) == (
        "2025-03-12 13:00 CET",
        "2025-03-15 13:00 CET",
    )


def test_risk_window_follows_another_zone(db: str) -> None:
    data = campaign().model_dump()
    data["timeline"]["zone"] = "America/New_York"  # daylight saving from 9 March 2025
    for c in _client(db, Campaign.model_validate(data)):
        tree = HTMLParser(c.get("/").text)
        assert tree.css_first("#risk-start").text() == "2025-03-12 08:00 EDT"
        assert tree.css_first("#risk-end").text() == "2025-03-15 08:00 EDT"


# -- timeline: periods and clickable markers ---------------------------------------------


def test_campaign_period_from_calendar_or_window() -> None:
    camp = campaign()  # no [timeline] start/end: the calendar's span
    assert "campaign" in queries.periods(camp)
    debate, round1 = NOW - timedelta(days=3), NOW + timedelta(days=5)
    assert queries.period_bounds("campaign", camp, NOW) == (debate, round1 + timedelta(days=1))
    data = camp.model_dump()
    data["timeline"].update(start="2025-02-01T00:00:00+01:00", end="2025-04-01T00:00:00+02:00")
    bounded = Campaign.model_validate(data)
    since, until = queries.period_bounds("campaign", bounded, NOW)
    assert (since.isoformat(), until.isoformat()) == (  # type: ignore[union-attr]
        "2025-01-31T23:00:00+00:00", "2025-03-31T22:00:00+00:00")  # fmt: skip
    assert "campaign" not in queries.periods(None)
    assert queries.period_bounds("campaign", None, NOW) == (None, None)


def _markers(html: str) -> list[dict[str, str]]:
    tree = HTMLParser(html)
    return [dict(m.attributes) for m in tree.css("figure.chart use.marker")]  # type: ignore[arg-type]


@pytest.mark.parametrize("period", ["7d", "campaign", "all"])
def test_every_event_has_its_marker(client: TestClient, period: str) -> None:
    html = client.get("/timeline", params={"period": period}).text
    listed = [r.attributes["data-event-id"] for r in HTMLParser(html).css("tr[data-event-id]")]
    markers = _markers(html)
    assert sorted(m["data-event-id"] for m in markers) == sorted(listed)
    assert {m["data-count"] for m in markers} == {"1"}
    assert all(m["tabindex"] == "0" and m["role"] == "button" for m in markers)
    spam = EVENTS[2].id  # 30 days old
    assert (spam in listed) is (period == "all")


def test_marker_sits_where_its_event_is(client: TestClient) -> None:
    """Markers ordered left to right are the events ordered by time; the phishing
    marker's label is its kind and severity."""
    html = client.get("/timeline", params={"period": "all"}).text
    api = {e["id"]: e for e in client.get("/api/timeline").json()["events"]}
    markers = sorted(_markers(html), key=lambda m: float(m["x"]))
    times = [api[m["data-event-id"]]["time"] for m in markers]
    assert times == sorted(times)
    lure = next(m for m in markers if m["data-event-id"] == EVENTS[0].id)
    assert lure["aria-label"] == "mail.phishing (high)"
    assert lure["style"].startswith("fill: #e4572e")  # drawn in the high colour


def test_aggregated_markers_stand_for_every_event(db: str) -> None:
    with Store.open(db) as store:
        store.add_events(
            _event("logs.flood.ip", NOW - timedelta(minutes=17 * i), f"flood {i} {IMG}",
                   (Severity.LOW, Severity.HIGH)[i % 2])
            for i in range(450)
        )  # fmt: skip
    for c in _client(db, campaign()):
        html = c.get("/timeline", params={"period": "all"}).text
        markers = _markers(html)
        total = len(HTMLParser(html).css("tr[data-event-id]"))
        assert total == 458
        assert sum(int(m["data-count"]) for m in markers) == total
        assert any(int(m["data-count"]) > 1 for m in markers)
        # a bin opens its worst event
        for m in markers:
            shown = c.get(f"/api/events/{m['data-event-id']}").json()
            if shown["kind"] == "logs.flood.ip" and int(m["data-count"]) > 1:
                assert shown["severity"] == "high"


def test_chart_left_unclickable_when_it_does_not_match(client: TestClient) -> None:
    web = client.app.state.web  # type: ignore[attr-defined]
    timeline = queries.build_timeline(web.store, web.campaign, None, None)
    svg = queries.chart_svg(timeline)
    plain = re.sub(r'<use class="marker"[^>]*?aria-label="[^"]*"', "<use", svg)
    assert "data-event-id" not in plain
    one_less = re.sub(r'(<g id="events-certain-56">.*?)<use\b[^>]*/>', r"\1", plain, count=1,
                      flags=re.S)  # fmt: skip
    assert one_less != plain
    assert queries.chart_markers(one_less, timeline) is None
    assert queries.clickable_chart(one_less, timeline) == one_less
    assert queries.clickable_chart(plain, timeline) == svg
