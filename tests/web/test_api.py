"""The dashboard's store queries (SQLite and PostgreSQL), JSON API and pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from rempart.model.findings import Severity, Status
from rempart.store import Store
from tests.web.conftest import EVENTS, FINDINGS, NOW, seed

DMARC, HEADERS, DNSSEC, EXPORT, OLD_TLS = FINDINGS


def _ids(items: list[dict[str, object]]) -> list[object]:
    return [i["id"] for i in items]


# -- store queries (both backends) ---------------------------------------------


@pytest.fixture
def seeded(db_url: str) -> Store:
    seed(db_url)
    with Store.open(db_url) as store:
        yield store  # type: ignore[misc]


def test_findings_page_filters_and_counts(seeded: Store) -> None:
    total, rows = seeded.findings_page(severity=Severity.HIGH)
    assert (total, [f.id for f in rows]) == (1, [DMARC.id])
    total, rows = seeded.findings_page(query="dmarc")
    assert (total, [f.id for f in rows]) == (1, [DMARC.id])
    total, rows = seeded.findings_page(query="EVIL.example")  # in the evidence, any case
    assert [f.id for f in rows] == [HEADERS.id]
    assert seeded.findings_page(query="%")[0] == 0  # LIKE wildcards are plain text
    assert seeded.findings_page(query="_")[0] == 0
    assert seeded.findings_page(status=Status.FIXED) == (0, [])


def test_findings_page_sorts_and_pages(seeded: Store) -> None:
    total, rows = seeded.findings_page(sort="severity")
    assert total == 5
    assert [f.severity for f in rows] == [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM,
                                          Severity.LOW, Severity.INFO]  # fmt: skip
    titles = [f.title for f in seeded.findings_page(sort="title")[1]]
    assert titles == sorted(titles)
    total, page2 = seeded.findings_page(sort="title", limit=2, offset=2)
    assert (total, [f.title for f in page2]) == (5, titles[2:4])
    with pytest.raises(ValueError, match="sort 'nope'"):
        seeded.findings_page(sort="nope")


def test_a_search_stops_counting_past_its_limit(seeded: Store) -> None:
    everything = seeded.findings_page(sort="title")[1]
    # "example" is in every seeded finding's scope: five matches, counted up to two
    window = seeded.findings_window(query="example", sort="title", count_limit=2, limit=3)
    assert (window.total, window.exact) == (2, False)
    assert [f.id for f in window.items] == [f.id for f in everything[:3]]  # the page is whole
    exact = seeded.findings_window(query="example", sort="title", count_limit=10)
    assert (exact.total, exact.exact) == (5, True)
    assert [f.id for f in exact.items] == [f.id for f in everything]


def test_finding_counts_and_lookups(seeded: Store) -> None:
    counts = seeded.finding_counts()
    assert counts == {("audit", Status.OPEN, s): 1 for s in Severity}
    assert seeded.finding(DMARC.id) is not None
    assert seeded.finding("nope") is None
    assert seeded.event(EVENTS[0].id) == EVENTS[0]
    assert seeded.event("nope") is None


def test_events_page_by_family_and_since(seeded: Store) -> None:
    total, rows = seeded.events_page(family="logs")
    assert (total, [e.kind for e in rows]) == (2, ["logs.burst.errors", "logs.flood.ip"])
    assert seeded.events_page(family="log")[0] == 0  # a family is a whole dotted prefix
    total, rows = seeded.events_page(family="mail.phishing")
    assert [e.id for e in rows] == [EVENTS[0].id]
    total, rows = seeded.events_page(family="mail", since=NOW - timedelta(days=7))
    assert [e.kind for e in rows] == ["mail.phishing", "mail.suspicious"]
    counts = seeded.event_counts(family="mail")
    assert counts == {"mail.phishing": 1, "mail.suspicious": 1, "mail.spam": 1}
    assert seeded.event_counts(family="logs", since=NOW - timedelta(hours=2, minutes=30)) == {
        "logs.burst.errors": 1
    }


# -- JSON API ------------------------------------------------------------------


def test_api_findings_filter_search_sort(client: TestClient) -> None:
    data = client.get("/api/findings", params={"severity": "high"}).json()
    assert (data["total"], _ids(data["items"])) == (1, [DMARC.id])
    data = client.get("/api/findings", params={"q": "dnssec", "status": "open"}).json()
    assert _ids(data["items"]) == [DNSSEC.id]
    data = client.get("/api/findings", params={"severity": "huge", "sort": "x", "page": "0"}).json()
    assert data["total"] == 5
    assert data["notes"] == [
        "sort 'x' is not one of severity, newest, oldest, target, title",
        "severity 'huge' is not one of info, low, medium, high, critical",
        "page 0 is out of 1…100000",
    ]


def test_api_finding_detail_and_status_change_keep_history(client: TestClient) -> None:
    assert client.get("/api/findings/nope").status_code == 404
    token = client.get("/api/session").json()["csrf"]
    r = client.post(
        f"/api/findings/{EXPORT.id}/status",
        json={"status": "accepted", "by": "Alice", "reason": "page kept for the board"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200
    assert r.json()["status"] == "accepted"
    history = client.get(f"/api/findings/{EXPORT.id}").json()["history"]
    assert [(h["old_status"], h["new_status"], h["by"], h["reason"]) for h in history] == [
        (None, "open", "audit", "first seen"),
        ("open", "accepted", "Alice", "page kept for the board"),
    ]
    assert history[1]["at"] == NOW.isoformat()
    bad = client.post(
        f"/api/findings/{EXPORT.id}/status",
        json={"status": "gone", "by": "", "reason": "x"},
        headers={"X-CSRF-Token": token},
    )
    assert bad.status_code == 422
    missing = client.post(
        "/api/findings/nope/status",
        json={"status": "fixed", "by": "A", "reason": "b"},
        headers={"X-CSRF-Token": token},
    )
    assert missing.status_code == 404


def test_api_events_mail_logs(client: TestClient) -> None:
    logs = client.get("/api/events", params={"kind": "logs"}).json()
    assert _ids(logs["items"]) == [EVENTS[4].id, EVENTS[3].id]
    week = client.get("/api/mail", params={"since": "7d"}).json()
    assert _ids(week["items"]) == [EVENTS[0].id, EVENTS[1].id]
    assert week["counts"] == {"mail.phishing": 1, "mail.suspicious": 1}
    assert client.get("/api/mail", params={"since": "yesterday"}).status_code == 400
    one = client.get(f"/api/events/{EVENTS[0].id}").json()
    assert one["indicators"] == ["hxxps://evil[.]example/login", "ceo[@]evil[.]example"]
    assert client.get("/api/events/nope").status_code == 404
    data = client.get("/api/logs").json()
    # the flood's source is blocked until 24 h after it; the error burst's victims never
    assert data["block_list"] == [
        {
            "source": "203[.]0[.]113[.]7",
            "expires": (EVENTS[3].time + timedelta(hours=24)).isoformat(),
            "expires_local": "2025-03-11 10:00 CET",  # the campaign's zone
            "reasons": ["flood.ip"],
        }
    ]


def test_api_overview_and_timeline(client: TestClient) -> None:
    data = client.get("/api/overview").json()
    assert data["open_findings"] == {"audit": {s.value: 1 for s in Severity}}
    assert data["mail_week"] == {"mail.phishing": 1, "mail.suspicious": 1, "mail.spam": 0,
                                 "mail.wave": 0}  # fmt: skip
    assert data["log_incidents_week"] == 2
    assert data["next_risk"]["rule"] == "risk.round_eve"
    week = client.get("/api/timeline", params={"period": "7d"}).json()
    assert week["period"] == "7d"
    assert [m["kind"] for m in week["moments"]] == ["debate", "round"]
    kinds = [e["kind"] for e in week["events"]]
    assert "mail.spam" not in kinds  # 30 days old
    assert {"mail.phishing", "logs.flood.ip", "finding.new"} <= set(kinds)
    assert client.get("/api/timeline", params={"period": "bogus"}).json()["period"] == "all"


def test_openapi_lists_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {
        "/api/overview",
        "/api/findings",
        "/api/findings/{finding_id}",
        "/api/findings/{finding_id}/status",
        "/api/events",
        "/api/events/{event_id}",
        "/api/mail",
        "/api/logs",
        "/api/logs/blocklist",
        "/api/timeline",
        "/api/session",
    }
    assert "post" in paths["/api/findings/{finding_id}/status"]


# -- pages ---------------------------------------------------------------------


PAGES = ("/", "/findings", "/mail", "/logs", "/timeline", "/timeline?period=7d")


@pytest.mark.parametrize("path", PAGES)
def test_every_page_answers(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")


def test_findings_page_filters(client: TestClient) -> None:
    text = client.get("/findings", params={"severity": "low"}).text
    assert f"/findings/{DNSSEC.id}" in text
    assert all(f"/findings/{f.id}" not in text for f in (DMARC, HEADERS, EXPORT))
    assert "Findings <small>(1)</small>" in text


def test_form_status_change_shows_history(client: TestClient) -> None:
    page = client.get(f"/findings/{DMARC.id}").text
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        f"/findings/{DMARC.id}/status",
        data={"status": "fixed", "by": "Bob", "reason": "record published", "csrf_token": token},
        follow_redirects=False,
    )
    assert (r.status_code, r.headers["location"]) == (303, f"/findings/{DMARC.id}")
    page = client.get(f"/findings/{DMARC.id}").text
    assert '<span class="status status-fixed" id="current-status">fixed</span>' in page
    assert "<td>Bob</td>" in page and "record published" in page
    empty = client.post(
        f"/findings/{DMARC.id}/status",
        data={"status": "open", "by": "", "reason": "", "csrf_token": token},
    )
    assert empty.status_code == 400
    assert "missing or invalid: by, reason" in empty.text


def test_pages_paginate(tmp_path, client: TestClient) -> None:  # type: ignore[no-untyped-def]
    from rempart.model.findings import ScopeOutcome
    from tests.web.conftest import finding

    store: Store = client.app.state.web.store  # type: ignore[attr-defined]
    many = tuple(finding(f"c{i:03d}", f"h{i:03d}.parti.example", Severity.LOW, f"T{i:03d}",
                         scope="many.example") for i in range(120))  # fmt: skip
    run = store.start_run("audit", {})
    store.record_scope(run, "audit", ScopeOutcome("many.example", many), NOW)
    data = client.get("/api/findings", params={"sort": "title", "page": "3"}).json()
    assert (data["total"], data["pages"], data["page"]) == (125, 3, 3)
    assert [i["title"] for i in data["items"]][:2] == [
        "T095",
        "T096",
    ]  # five other titles sort first
    page = client.get("/findings", params={"sort": "title", "page": "2"}).text
    assert 'href="?sort=title&amp;page=1" rel="prev"' in page
    assert 'href="?sort=title&amp;page=3" rel="next"' in page


def test_mail_reasons_and_log_evidence_are_shown_escaped(client: TestClient) -> None:
    one = client.get(f"/api/events/{EVENTS[0].id}").json()
    assert one["details"] == [
        {"label": "Link asks for a password",
         "text": "<script>alert(1)</script> hxxps://evil[.]example/login"},
    ]  # fmt: skip
    mail = client.get("/mail").text
    assert "Link asks for a password" in mail
    assert "&lt;script&gt;alert(1)&lt;/script&gt; hxxps://evil[.]example/login" in mail
    logs = client.get("/logs").text
    assert "access.log:7: GET /&#34;&gt;&lt;img src=x onerror=alert(1)&gt; 200" in logs
    assert "<dt>fix</dt><dd><code>{{7*7}}</code></dd>" in logs  # shown, never evaluated


def test_mail_and_log_times_are_shown_in_the_campaign_zone(client: TestClient) -> None:
    """Every page reads times in the campaign's zone (Europe/Paris here), the UTC time
    in the cell's title; the API gives both."""
    from datetime import UTC as _UTC
    from zoneinfo import ZoneInfo

    from selectolax.lexbor import LexborHTMLParser

    paris = ZoneInfo("Europe/Paris")
    for area in ("mail", "logs"):
        page = client.get(f"/{area}").text
        assert "times in Europe/Paris" in page
        api = client.get(f"/api/{area}").json()["items"]
        cells = LexborHTMLParser(page).css("table.rows tbody td.when")
        shown = {c.attributes["title"]: c.text() for c in cells}
        assert api, area
        for item in api:
            when = datetime.fromisoformat(item["time"]).astimezone(_UTC).astimezone(paris)
            expected = f"{when:%Y-%m-%d %H:%M %Z}"
            assert item["local"] == expected
            assert shown[item["time"]] == expected


def test_finding_times_are_shown_in_the_campaign_zone(client: TestClient) -> None:
    from selectolax.lexbor import LexborHTMLParser

    api = client.get("/api/findings").json()["items"]
    page = LexborHTMLParser(client.get("/findings").text)
    shown = {c.attributes["title"]: c.text() for c in page.css("table.rows tbody td.when")}
    first = api[0]
    local = datetime.fromisoformat(first["last_seen"]).astimezone(ZoneInfo("Europe/Paris"))
    assert shown[first["last_seen"]] == first["last_seen_local"] == f"{local:%Y-%m-%d %H:%M %Z}"
    detail = LexborHTMLParser(client.get(f"/findings/{first['id']}").text)
    history = [c.text() for c in detail.css("td.when")]
    assert history and all(text.endswith((" CET", " CEST")) for text in history)
