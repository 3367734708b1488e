"""The timeline chart is drawn once per content and served from memory after that; events
whose markers would cover each other stay reachable from the chart."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from selectolax.lexbor import LexborHTMLParser as HTMLParser

from rempart.model.findings import Severity
from rempart.store import Store
from rempart.timeline import chart
from rempart.timeline.model import Timeline, TimelineEvent
from rempart.web import queries
from rempart.web.app import create_app
from tests.web.conftest import BASE, IMG, NOW, _event, campaign


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    queries.CHART_CACHE.clear()
    yield
    queries.CHART_CACHE.clear()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each call of chart.render: the language drawn in."""
    calls: list[str] = []
    real = chart.render

    def counted(*args: Any, **kw: Any) -> Path:
        calls.append(kw.get("lang", "en"))
        return real(*args, **kw)

    monkeypatch.setattr(chart, "render", counted)
    return calls


def _client(db: str) -> TestClient:
    return TestClient(create_app(db, campaign(), now=lambda: NOW), base_url=BASE)


def _chart(html: str) -> str:
    node = HTMLParser(html).css_first("figure.chart svg")
    assert node is not None
    return node.html or ""


def _markers(html: str) -> list[dict[str, str]]:
    tree = HTMLParser(html)
    return [dict(m.attributes) for m in tree.css("figure.chart use.marker")]  # type: ignore[arg-type]


def test_an_unchanged_timeline_is_not_drawn_again(db: str, renders: list[str]) -> None:
    with _client(db) as c:
        first = c.get("/timeline", params={"period": "7d"}).text
        second = c.get("/timeline", params={"period": "7d"}).text
        assert renders == ["en"]
        assert _chart(first) == _chart(second) and "data-event-id" in _chart(first)
        c.get("/timeline", params={"period": "all"})  # another period: another chart
        assert len(renders) == 2
        c.get("/timeline", params={"period": "7d"})
        c.get("/timeline", params={"period": "all"})
        assert len(renders) == 2
    assert len(queries.CHART_CACHE) == 2


def test_a_new_event_gives_a_new_chart_with_it(db: str, renders: list[str]) -> None:
    with _client(db) as c:
        before = c.get("/timeline", params={"period": "7d"}).text
        new = _event("mail.phishing", NOW - timedelta(hours=5), f"New lure {IMG}", Severity.HIGH)
        with Store.open(db) as store:
            store.add_events([new])
        after = c.get("/timeline", params={"period": "7d"}).text
    assert len(renders) == 2
    assert new.id not in {m["data-event-id"] for m in _markers(before)}
    assert new.id in {m["data-event-id"] for m in _markers(after)}


def test_the_language_is_part_of_the_key(db: str, renders: list[str]) -> None:
    with _client(db) as c:
        web = c.app.state.web  # type: ignore[attr-defined]
        timeline = queries.build_timeline(web.store, web.campaign, None, None)
    english = queries.chart_svg(timeline)
    french = queries.chart_svg(timeline, lang="fr")
    assert queries.chart_svg(timeline, lang="fr") == french
    assert renders == ["en", "fr"]
    assert "hameçonnage" in french and "hameçonnage" not in english


def test_the_digest_follows_what_is_drawn() -> None:
    event = TimelineEvent("e1", NOW, "mail.phishing", "lure", Severity.HIGH)
    base = Timeline("Parti", "Europe/Paris", (), (event,))
    digest = queries.timeline_digest(base)
    assert queries.timeline_digest(replace(base)) == digest
    changed = [
        replace(base, name="Parti 2"),
        replace(base, zone="UTC"),
        replace(base, events=(replace(event, summary="lure 2"),)),
        replace(base, events=(replace(event, severity=Severity.LOW),)),
        replace(base, events=(replace(event, time=NOW + timedelta(minutes=1)),)),
        replace(base, events=(replace(event, id="e2"),)),
        replace(base, events=(replace(event, kind="logs.flood.ip"),)),
        replace(base, window=(NOW - timedelta(days=7), NOW)),
    ]
    digests = {queries.timeline_digest(t) for t in changed}
    assert len(digests) == len(changed) and digest not in digests
    assert queries.timeline_digest(base, "fr") != digest


def test_the_cache_is_bounded_least_recently_served_first() -> None:
    cache = queries.ChartCache(3)
    for k in "abc":
        cache.put(k, k.upper())
    assert cache.get("a") == "A"  # a served again: b is now the oldest
    cache.put("d", "D")
    assert len(cache) == 3
    assert [cache.get(k) for k in "abcd"] == ["A", None, "C", "D"]


def test_the_dashboard_cache_never_exceeds_its_bound(renders: list[str]) -> None:
    event = TimelineEvent("e1", NOW, "mail.phishing", "lure", Severity.HIGH)
    for i in range(queries.CHART_CACHE_SIZE + 4):
        queries.chart_svg(Timeline(f"Parti {i}", "UTC", (), (event,)))
        assert len(queries.CHART_CACHE) == min(i + 1, queries.CHART_CACHE_SIZE)
    assert len(renders) == queries.CHART_CACHE_SIZE + 4
    queries.chart_svg(Timeline("Parti 0", "UTC", (), (event,)))  # the oldest went first
    queries.chart_svg(Timeline(f"Parti {queries.CHART_CACHE_SIZE + 3}", "UTC", (), (event,)))
    assert len(renders) == queries.CHART_CACHE_SIZE + 5


def test_requests_at_once_draw_one_chart(db: str, renders: list[str]) -> None:
    with _client(db) as c:
        web = c.app.state.web  # type: ignore[attr-defined]
        timeline = queries.build_timeline(web.store, web.campaign, None, None)
    with ThreadPoolExecutor(4) as pool:
        svgs = list(pool.map(lambda _: queries.chart_svg(timeline), range(8)))
    assert renders == ["en"]
    assert len(set(svgs)) == 1 and "data-event-id" in svgs[0]


# -- markers that would cover each other ------------------------------------------------


def _same_minute(db: str, kind: str, count: int, minutes_ago: int) -> list[str]:
    when = NOW - timedelta(minutes=minutes_ago)
    severities = (Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.LOW, Severity.INFO)
    events = [_event(kind, when, f"burst {i} {IMG}", severities[i % 5]) for i in range(count)]
    with Store.open(db) as store:
        store.add_events(events)
    return [e.id for e in events]


def test_three_events_at_the_same_minute_are_three_markers(db: str) -> None:
    ids = _same_minute(db, "mail.suspicious", 3, 300)
    with _client(db) as c:
        markers = _markers(c.get("/timeline", params={"period": "7d"}).text)
    mine = [m for m in markers if m["data-event-id"] in ids]
    assert sorted(m["data-event-id"] for m in mine) == sorted(ids)
    assert {m["data-count"] for m in mine} == {"1"}
    assert len({m["x"] for m in mine}) == 1 and len({m["y"] for m in mine}) == 3


def test_five_at_once_one_marker_lists_three(db: str) -> None:
    ids = _same_minute(db, "mail.suspicious", 5, 300)
    with _client(db) as c:
        markers = _markers(c.get("/timeline", params={"period": "7d"}).text)
        api = {e["id"]: e for e in c.get("/api/timeline", params={"period": "7d"}).json()["events"]}
    listed = [m["data-event-ids"].split() if "data-event-ids" in m else [m["data-event-id"]]
              for m in markers]  # fmt: skip
    assert sorted(i for group in listed for i in group) == sorted(api)  # each event once
    merged = [m for m in markers if m["data-count"] != "1"]
    assert len(merged) == 1
    members = merged[0]["data-event-ids"].split()
    # same minute and kind: in id order, on rows 0, 1, 2, then the 4th and 5th join row 0
    in_order = sorted(ids)
    expected = {in_order[0], in_order[3], in_order[4]}
    assert merged[0]["data-count"] == "3" and set(members) == expected and len(members) == 3
    assert merged[0]["data-event-id"] == members[0]
    rank = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
    worst_first = sorted(members, key=lambda i: rank[api[i]["severity"]], reverse=True)
    assert [api[i]["severity"] for i in members] == [api[i]["severity"] for i in worst_first]
    worst = api[members[0]]["severity"]
    assert merged[0]["aria-label"] == f"mail.suspicious ({worst}), 3 events"


def test_the_list_under_the_chart_is_paged_the_chart_draws_every_event(db: str) -> None:
    """600 events: the chart draws them all (aggregated above 400), the list shows the
    newest 500 then the last 100 on page 2; a page past the end shows the last one."""
    events = [
        _event("logs.scan.paths", NOW - timedelta(hours=k + 1), f"scan #{k} {IMG}", Severity.LOW)
        for k in range(600)
    ]
    with Store.open(db) as store:
        store.add_events(events)
        total = store.events_page(limit=0)[0]  # with the fixture's own events
    expected = [e.id for e in events]  # newest first
    client = _client(db)
    first = client.get("/timeline?period=all")
    second = client.get("/timeline?period=all&page=2")
    beyond = client.get("/timeline?period=all&page=99")
    for page in (first, second, beyond):
        assert page.status_code == 200
        assert IMG not in page.text
    first_ids, second_ids = _row_ids(first.text), _row_ids(second.text)
    mine = set(expected)
    assert [i for i in first_ids + second_ids if i in mine] == expected
    assert (len(first_ids), len(second_ids)) == (500, total - 500)
    assert _row_ids(beyond.text) == second_ids
    pager = HTMLParser(first.text).css_first("nav.pager")
    assert pager is not None and "page 1 of 2" in pager.text()
    counted = sum(int(m.get("data-count") or 1) for m in _markers(first.text))
    assert counted >= 600  # every event is behind a marker (the seeded ones, too)


def _row_ids(html: str) -> list[str]:
    rows = HTMLParser(html).css("#timeline-events tbody tr[data-event-id]")
    return [r.attributes["data-event-id"] or "" for r in rows]
