"""The dashboard in a real headless browser (Debian's chromium driven by Playwright).

The app runs under uvicorn on a free loopback port in a thread. Each page is
loaded (a screenshot of each goes to ``tests/web/artifacts/``), findings are
filtered, one is marked accepted through the form (its CSRF token included),
an event is opened on the timeline from its list row and from its chart marker
(click and keyboard), and with a login configured the user logs in and out. No
script from the hostile samples may ever run (no dialog opens) and the content
policy is never violated.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rempart.model.findings import Severity, Status
from rempart.web.app import create_app
from rempart.web.auth import AuthConfig
from tests.web.conftest import EVENTS, FINDINGS, NOW, PASSWORD, campaign

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "artifacts"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent (apt-get install chromium)"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve_app() -> Iterator[Any]:
    """Start an app under uvicorn in a thread; yield a function app → base URL."""
    import uvicorn

    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: Any) -> str:
        port = _free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        for _ in range(500):  # bounded wait for the socket, not a timing assertion
            if server.started or not thread.is_alive():
                break
            time.sleep(0.02)
        assert server.started, "uvicorn did not start"
        servers.append((server, thread))
        return f"http://127.0.0.1:{port}"

    yield start
    for server, thread in servers:
        server.should_exit = True
        thread.join(10)


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield launched
        launched.close()


class Watch:
    """Dialogs (a script that ran) and content-policy violations seen by a page."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.console: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)

    def clean(self) -> bool:
        return not self.dialogs and not [c for c in self.console if "Content Security" in c]


def _shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_pages_filter_accept_and_timeline(db: str, serve_app: Any, browser: Any) -> None:
    app = create_app(db, campaign(), now=lambda: NOW)
    base = serve_app(app)
    page = browser.new_page()
    watch = Watch(page)
    for name, path in (("overview", "/"), ("findings", "/findings"), ("mail", "/mail"),
                       ("logs", "/logs"), ("timeline", "/timeline")):  # fmt: skip
        response = page.goto(base + path)
        assert response is not None and response.status == 200, path
        assert page.locator("h1").count() == 1
        _shot(page, name)
    # filter findings: high only
    page.goto(base + "/findings")
    page.select_option("#f-severity", "high")
    page.click("#f-apply")
    page.wait_for_url("**/findings?severity=high*")
    rows = page.locator("#findings tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-finding") == FINDINGS[0].id
    assert "<script>alert(1)</script>" in rows.first.inner_text()  # shown as text
    _shot(page, "findings-filtered")
    # mark the members export accepted through the form
    target = FINDINGS[3]
    page.goto(f"{base}/findings/{target.id}")
    page.select_option("#d-status", "accepted")
    page.fill("#d-by", "Alice")
    page.fill("#d-reason", "kept for the board until Friday")
    page.click("#d-save")
    page.wait_for_url(f"**/findings/{target.id}")
    assert page.inner_text("#current-status") == "accepted"
    assert "kept for the board until Friday" in page.inner_text("#history")
    _shot(page, "finding-accepted")
    stored = app.state.web.store.finding(target.id)
    assert stored is not None and stored.status is Status.ACCEPTED
    assert app.state.web.store.history(target.id)[-1].by == "Alice"
    # open an event on the timeline
    page.goto(base + "/timeline?period=7d")
    flood = EVENTS[3]
    page.click(f'tr[data-event-id="{flood.id}"]')
    page.wait_for_selector(f'#event-detail[data-shown="{flood.id}"]')
    assert page.inner_text('#event-detail [data-field="kind"]') == "logs.flood.ip"
    assert page.inner_text('#event-detail [data-field="indicators"]') == "203[.]0[.]113[.]7"
    summary = page.inner_text('#event-detail [data-field="summary"]')
    assert summary == flood.summary  # hostile text as text, nothing ran
    assert flood.severity is Severity.HIGH
    _shot(page, "timeline-event")
    assert watch.clean(), (watch.dialogs, watch.console)


def test_chart_marker_opens_its_event(db: str, serve_app: Any, browser: Any) -> None:
    base = serve_app(create_app(db, campaign(), now=lambda: NOW))
    page = browser.new_page()
    watch = Watch(page)
    page.goto(base + "/timeline?period=campaign")
    phishing = EVENTS[0]
    marker = page.locator(f'.chart use.marker[data-event-id="{phishing.id}"]')
    assert marker.count() == 1
    marker.click()
    page.wait_for_selector(f'#event-detail[data-shown="{phishing.id}"]')
    assert page.inner_text('#event-detail [data-field="kind"]') == "mail.phishing"
    assert page.inner_text('#event-detail [data-field="summary"]') == (
        "Lure <script>alert(1)</script> from hxxps://evil[.]example/login"
    )
    assert page.inner_text('#event-detail [data-field="time"]').startswith("2025-03-09 13:00 CET")
    # the marker and its list row are highlighted together
    row = page.locator(f'tr[data-event-id="{phishing.id}"]')
    assert "selected" in (row.get_attribute("class") or "")
    assert "selected" in (marker.get_attribute("class") or "")
    _shot(page, "timeline-marker")
    # the keyboard opens another marker
    flood = EVENTS[3]
    page.focus(f'.chart use.marker[data-event-id="{flood.id}"]')
    page.keyboard.press("Enter")
    page.wait_for_selector(f'#event-detail[data-shown="{flood.id}"]')
    assert page.inner_text('#event-detail [data-field="kind"]') == "logs.flood.ip"
    assert "selected" not in (row.get_attribute("class") or "")
    assert watch.clean(), (watch.dialogs, watch.console)


def test_login_and_logout(db: str, serve_app: Any, browser: Any, password_hash: str) -> None:
    app = create_app(db, campaign(), auth=AuthConfig(password_hash), now=lambda: NOW)
    base = serve_app(app)
    page = browser.new_page()
    watch = Watch(page)
    page.goto(base + "/")
    assert page.url == base + "/login"
    page.fill("#password", "wrong")
    page.click("#login")
    assert page.inner_text("#login-message") == "wrong password"
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url(base + "/")
    assert page.locator("#logout").count() == 1
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["rempart_session"]
    assert session["httpOnly"] and session["sameSite"] == "Strict"
    _shot(page, "logged-in")
    page.click("#logout")
    page.wait_for_url(base + "/login")
    _shot(page, "login")
    page.goto(base + "/findings")
    assert page.url == base + "/login"
    assert watch.clean(), (watch.dialogs, watch.console)


def test_markers_at_the_same_moment_each_open_their_event(
    db: str, serve_app: Any, browser: Any
) -> None:
    """Three events of one lane at the same minute: three markers, each clicked (the
    click lands on it: nothing covers it); four leaks at once: three markers, one of
    which lists its two events, the second opened from the list."""
    from datetime import timedelta

    from rempart.store import Store
    from tests.web.conftest import IMG, _event

    burst = [_event("mail.suspicious", NOW - timedelta(hours=5), f"burst {i} {IMG}",
                    Severity.MEDIUM) for i in range(3)]  # fmt: skip
    leaks = [_event("leak.documents", NOW - timedelta(hours=30), f"leak {i}", Severity.HIGH)
             for i in range(4)]  # fmt: skip
    with Store.open(db) as store:
        store.add_events([*burst, *leaks])
    base = serve_app(create_app(db, campaign(), now=lambda: NOW))
    page = browser.new_page()
    watch = Watch(page)
    page.goto(base + "/timeline?period=7d")
    boxes = []
    for event in burst:
        marker = page.locator(f'.chart use.marker[data-event-id="{event.id}"]')
        assert marker.count() == 1 and marker.get_attribute("data-count") == "1"
        boxes.append(marker.bounding_box())
        marker.click()
        page.wait_for_selector(f'#event-detail[data-shown="{event.id}"]')
        assert page.inner_text('#event-detail [data-field="summary"]') == event.summary
        assert page.locator('#event-detail [data-field="members"]').is_hidden()
    assert len({(round(b["x"]), round(b["y"])) for b in boxes}) == 3
    merged = page.locator('.chart use.marker[data-count="2"]')
    assert merged.count() == 1
    members = (merged.get_attribute("data-event-ids") or "").split()
    assert len(members) == 2 and set(members) <= {e.id for e in leaks}
    merged.click()
    page.wait_for_selector(f'#event-detail[data-shown="{members[0]}"]')
    listed = page.locator("#event-detail [data-member]")
    assert [listed.nth(i).get_attribute("data-member") for i in range(listed.count())] == members
    count = page.inner_text('#event-detail [data-field="count"]')
    assert count == "This marker stands for 2 events, worst first:"
    summaries = {e.id: e.summary for e in leaks}
    assert summaries[members[1]] in listed.nth(1).inner_text()
    listed.nth(1).click()
    page.wait_for_selector(f'#event-detail[data-shown="{members[1]}"]')
    assert page.inner_text('#event-detail [data-field="summary"]') == summaries[members[1]]
    assert listed.nth(1).get_attribute("aria-current") == "true"
    assert "selected" in (merged.get_attribute("class") or "")
    row = page.locator(f'tr[data-event-id="{members[1]}"]')
    assert "selected" in (row.get_attribute("class") or "")
    _shot(page, "timeline-merged-marker")
    assert watch.clean(), (watch.dialogs, watch.console)
