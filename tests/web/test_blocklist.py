"""The dashboard's block list: the campaign's allow-list applied, the file to deploy
offered in the formats of ``rempart logs blocklist``, hostile sources never written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rempart.model.campaign import Campaign
from rempart.model.findings import Event, Severity, event_id
from rempart.store import Store
from rempart.web.app import create_app
from rempart.web.auth import AuthConfig
from tests.web.conftest import BASE, NOW, SCRIPT

ALLOWED = "203.0.113.9"
"""In the campaign's ``[logs] allow`` (203.0.113.0/24)."""
HOSTILE_SOURCES = (
    SCRIPT,
    "198.51.100.8\ndeny all;",
    "fe80::1%x;\nallow all;#",  # an IPv6 scope: ipaddress accepts anything after the %
    " 192.0.2.1",
)
"""Indicators of log events that are not plain IP addresses or networks."""


def _event(kind: str, hours_ago: float, severity: Severity, *sources: str) -> Event:
    when = NOW - timedelta(hours=hours_ago)
    return Event(
        id=event_id("logs", kind, when, " ".join(sources)),
        time=when,
        kind=kind,
        source="logs",
        summary=f"{kind} from {len(sources)} sources",
        severity=severity,
        indicators=sources,
    )


EVENTS = (
    _event("logs.flood.ip", 1, Severity.HIGH, ALLOWED, "198.51.100.7"),
    _event("logs.scan.probing", 2, Severity.MEDIUM, "198.51.100.7", "2001:db8::/48"),
    _event("logs.probe.xss", 0.5, Severity.HIGH, *HOSTILE_SOURCES),
    _event("logs.x\nallow all;#", 3, Severity.HIGH, "192.0.2.66"),  # a kind not to write
    _event("logs.burst.errors", 1, Severity.MEDIUM, "192.0.2.200"),  # victims: never listed
    _event("logs.flood.ip", 30, Severity.HIGH, "192.0.2.99"),  # its block expired
)


def _campaign(allow: list[str]) -> Campaign:
    return Campaign.model_validate({"organisation": {"name": "Parti"}, "logs": {"allow": allow}})


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "store.db")
    with Store.open(path) as store:
        store.add_events(EVENTS)
    return path


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    app = create_app(db, _campaign(["203.0.113.0/24"]), now=lambda: NOW)
    with TestClient(app, base_url=BASE) as c:
        yield c


NGINX = """\
# rempart: generated 2025-03-10 12:00 UTC; include it in a server block
deny 192.0.2.66/32;  # until 2025-03-11 09:00 UTC: other
deny 198.51.100.7/32;  # until 2025-03-11 11:00 UTC: flood.ip, scan.probing
deny 2001:db8::/48;  # until 2025-03-10 16:00 UTC: scan.probing
"""
IPSET = """\
create rempart-v4 hash:net family inet timeout 3600 -exist
create rempart-v6 hash:net family inet6 timeout 3600 -exist
add rempart-v4 192.0.2.66/32 timeout 75600 -exist
add rempart-v4 198.51.100.7/32 timeout 82800 -exist
add rempart-v6 2001:db8::/48 timeout 14400 -exist
"""
PLAIN = "192.0.2.66/32\n198.51.100.7/32\n2001:db8::/48\n"
FILES = {
    "nginx": (NGINX, "rempart-blocklist.conf"),
    "ipset": (IPSET, "rempart-blocklist.ipset"),
    "plain": (PLAIN, "rempart-blocklist.txt"),
}


def test_api_block_list_leaves_out_the_allowed(client: TestClient) -> None:
    data = client.get("/api/logs").json()
    assert data["block_list"] == [
        {"source": "192[.]0[.]2[.]66", "expires": "2025-03-11T09:00:00+00:00",
         "expires_local": "2025-03-11 09:00 UTC", "reasons": ["other"]},
        {"source": "198[.]51[.]100[.]7", "expires": "2025-03-11T11:00:00+00:00",
         "expires_local": "2025-03-11 11:00 UTC", "reasons": ["flood.ip", "scan.probing"]},
        {"source": "2001:db8::/48", "expires": "2025-03-10T16:00:00+00:00",
         "expires_local": "2025-03-10 16:00 UTC", "reasons": ["scan.probing"]},
    ]  # fmt: skip
    assert data["block_list_left_out"] == {"allowed": 1, "not_addresses": len(HOSTILE_SOURCES)}


def _block_table(page: str) -> str:
    found = re.search(r'<table class="rows" id="block-list">.*?</table>', page, re.S)
    assert found is not None
    return found.group(0)


def test_logs_page_says_what_was_left_out(client: TestClient) -> None:
    page = client.get("/logs").text
    table = _block_table(page)
    assert re.findall(r"<code>([^<]*)</code>", table) == [
        "192[.]0[.]2[.]66",
        "198[.]51[.]100[.]7",
        "2001:db8::/48",
    ]
    assert "203[.]0[.]113[.]9" not in table
    assert "1 left out: in the campaign's allow-list" in page
    assert "4 left out: not an IP address or network." in page
    assert "only <code>rempart logs blocklist --verify-crawlers</code> leaves them out" in page
    links = re.findall(r'<a href="(/logs/blocklist\.txt\?format=\w+)" download>', page)
    assert links == [f"/logs/blocklist.txt?format={f}" for f in ("nginx", "ipset", "plain")]
    assert "comes from <code>rempart logs</code>" not in page


def test_without_campaign_nothing_is_allowed(db: str) -> None:
    with TestClient(create_app(db, None, now=lambda: NOW), base_url=BASE) as c:
        data = c.get("/api/logs").json()
        assert [b["source"] for b in data["block_list"]][:2] == ["192[.]0[.]2[.]66",
                                                                 "198[.]51[.]100[.]7"]  # fmt: skip
        assert "203[.]0[.]113[.]9" in [b["source"] for b in data["block_list"]]
        assert data["block_list_left_out"]["allowed"] == 0
        assert "0 left out: in the campaign" in c.get("/logs").text


@pytest.mark.parametrize("fmt", FILES)
@pytest.mark.parametrize("path", ["/logs/blocklist.txt", "/api/logs/blocklist"])
def test_download_each_format(client: TestClient, path: str, fmt: str) -> None:
    text, name = FILES[fmt]
    r = client.get(path, params={"format": fmt})
    assert r.status_code == 200
    assert r.text == text
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert r.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert r.headers["x-content-type-options"] == "nosniff"


def test_default_format_is_nginx(client: TestClient) -> None:
    assert client.get("/logs/blocklist.txt").text == NGINX


def test_hostile_sources_never_reach_the_file(client: TestClient) -> None:
    for fmt in FILES:
        text = client.get("/logs/blocklist.txt", params={"format": fmt}).text
        assert "allow" not in text and "%" not in text and "<" not in text, fmt
        assert "198.51.100.8" not in text and "192.0.2.1/" not in text, fmt
        assert ALLOWED not in text, fmt
        # every line is a comment, a header, or names one valid network
        for line in text.splitlines():
            assert re.fullmatch(r"(#|create |(deny |add rempart-v[46] )?[0-9a-f.:]+/\d+)[^\n]*",
                                line), (fmt, line)  # fmt: skip


def test_unknown_format_is_refused(client: TestClient) -> None:
    r = client.get("/logs/blocklist.txt", params={"format": "xml"})
    assert (r.status_code, r.text) == (400, "unknown format 'xml': use nginx, ipset, plain\n")
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    assert "content-disposition" not in r.headers
    api = client.get("/api/logs/blocklist", params={"format": "xml"})
    assert (api.status_code, api.json()) == (
        400,
        {"detail": "unknown format 'xml': use nginx, ipset, plain"},
    )
    hostile = client.get("/logs/blocklist.txt", params={"format": f"{SCRIPT}\nx"})
    assert hostile.status_code == 400
    assert (
        hostile.text == "unknown format '<script>alert(1)</script>\\nx': use nginx, ipset, plain\n"
    )


def test_download_needs_the_login(db: str, password_hash: str) -> None:
    app = create_app(db, _campaign([]), auth=AuthConfig(password_hash), now=lambda: NOW)
    with TestClient(app, base_url=BASE) as c:
        r = c.get("/logs/blocklist.txt", follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/login")
        assert c.get("/api/logs/blocklist").status_code == 401
