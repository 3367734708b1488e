"""The dashboard's defences: escaping, defanging, no external URL, headers, CSRF, Host
checks, login, sessions, rate limiting, and refusing an open address without a login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from rempart.cli.serve_cmd import serve as serve_cmd
from rempart.errors import InputError
from rempart.web.app import SECURITY_HEADERS, create_app
from rempart.web.auth import (
    HASH_ENV,
    AuthConfig,
    LoginLimiter,
    Sessions,
    is_loopback,
    load_auth,
    verify_password,
)
from rempart.web.server import ServeError, address, check_bind
from tests.web.conftest import (
    BASE,
    EVENTS,
    FINDINGS,
    IMG,
    NOW,
    PASSWORD,
    SCRIPT,
    campaign,
)

PAGES = ("/", "/findings", "/mail", "/logs", "/timeline", "/timeline?period=7d")
_EXTERNAL = re.compile(r"""(?i)\b(?:src|href|action|xlink:href)\s*=\s*["']?\s*(?:https?:)?//""")


def _all_pages(client: TestClient) -> dict[str, str]:
    out = {}
    ids = [f["id"] for f in client.get("/api/findings").json()["items"]]
    assert len(ids) == len(FINDINGS)
    for path in (*PAGES, *(f"/findings/{i}" for i in ids)):
        r = client.get(path)
        assert r.status_code == 200, path
        out[path] = r.text
    return out


# -- what is shown -------------------------------------------------------------


def test_hostile_text_is_escaped_on_every_page(client: TestClient) -> None:
    pages = _all_pages(client)
    for path, text in pages.items():
        assert "<script>alert" not in text, path
        assert "<img src=x" not in text, path
        assert "onerror=alert(1)>" not in text.replace("onerror=alert(1)&gt;", ""), path
    # the hostile text is shown, escaped (not dropped)
    assert "No DMARC &lt;script&gt;alert(1)&lt;/script&gt;" in pages["/findings"]
    assert "Headers &#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in pages["/findings"]
    assert "No DNSSEC {{7*7}}" in pages["/findings"]  # shown as written, never evaluated
    assert "No DNSSEC 49" not in pages["/findings"]
    assert "Parti &lt;script&gt;alert(1)&lt;/script&gt;" in pages["/"]
    assert "Premier tour &#34;&gt;&lt;img" in pages["/"]
    assert "Flood {{7*7}} &#34;&gt;&lt;img" in client.get("/logs").text
    assert "Odd &#34;&gt;&lt;img" in client.get("/mail").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["/timeline"]  # the chart's text


def test_chart_labels_are_defanged(client: TestClient) -> None:
    from rempart.web import queries

    web = client.app.state.web  # type: ignore[attr-defined]
    timeline = queries.build_timeline(web.store, web.campaign, None, None)
    lure = next(e for e in timeline.events if e.kind == "mail.phishing")
    assert lure.summary == f"Lure {SCRIPT} from hxxps://evil[.]example/login"


def test_indicators_are_defanged(client: TestClient) -> None:
    mail, logs = client.get("/mail").text, client.get("/logs").text
    assert "<code>hxxps://evil[.]example/login</code>" in mail
    assert "<code>ceo[@]evil[.]example</code>" in mail
    assert "<code>203[.]0[.]113[.]7</code>" in logs
    detail = client.get(f"/findings/{FINDINGS[1].id}").text
    assert "redirects to hxxps://evil[.]example/login" in detail
    for text in (mail, logs, detail, client.get("/api/mail").text, client.get("/api/logs").text):
        assert "evil.example" not in text
        assert "203.0.113.7" not in text


def test_no_page_refers_to_another_site(client: TestClient) -> None:
    for path, text in _all_pages(client).items():
        assert _EXTERNAL.findall(text) == [], path
        assert re.findall(r"(?i)https?://", text) == [], path
    css = client.get("/static/rempart.css").text
    js = client.get("/static/rempart.js").text
    assert "url(" not in css and "@import" not in css
    assert re.findall(r"(?i)https?://", css + js) == []


@pytest.mark.parametrize("path", ["/", "/api/overview", "/static/rempart.js", "/nope",
                                  "/api/findings/nope", "/openapi.json"])  # fmt: skip
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    r = client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value, (path, name)
    policy = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "script-src 'self';" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]


def test_pages_have_no_inline_script(client: TestClient) -> None:
    for path, text in _all_pages(client).items():
        scripts = re.findall(r"<script\b[^>]*>", text)
        assert scripts == ['<script src="/static/rempart.js" defer>'], path
        # no event-handler attribute in any tag (escaped text has no "<" to open one)
        assert not re.search(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", text), path
        assert "javascript:" not in text.lower(), path


def test_interactive_docs_are_off(client: TestClient) -> None:
    assert client.get("/docs").status_code == 404  # they load scripts from a CDN
    assert client.get("/redoc").status_code == 404


# -- state changes -------------------------------------------------------------


def _history(client: TestClient, fid: str) -> list[dict[str, object]]:
    return client.get(f"/api/findings/{fid}").json()["history"]


def test_status_change_needs_csrf(client: TestClient) -> None:
    fid = FINDINGS[0].id
    body = {"status": "accepted", "by": "Mallory", "reason": "csrf"}
    assert client.post(f"/api/findings/{fid}/status", json=body).status_code == 403
    wrong = client.post(f"/api/findings/{fid}/status", json=body, headers={"X-CSRF-Token": "guess"})
    assert wrong.status_code == 403
    form = client.post(f"/findings/{fid}/status", data={**body, "csrf_token": ""})
    assert form.status_code == 403
    assert "missing or wrong CSRF token" in form.text
    assert len(_history(client, fid)) == 1
    assert client.get(f"/api/findings/{fid}").json()["status"] == "open"


def test_every_state_change_route_checks_csrf(client: TestClient) -> None:
    from rempart.web.app import api, pages

    posts = sorted(
        route.path  # type: ignore[attr-defined]
        for route in [*api.routes, *pages.routes]
        if "POST" in getattr(route, "methods", ()) and route.path != "/login"  # type: ignore[attr-defined]
    )
    assert posts == ["/api/findings/{finding_id}/status", "/findings/{finding_id}/status",
                     "/logout"]  # fmt: skip
    for path in posts:
        concrete = path.replace("{finding_id}", FINDINGS[0].id)
        r = client.post(concrete, data={"status": "fixed", "by": "m", "reason": "r"})
        assert r.status_code in (403, 422), path
        if r.status_code == 422:  # JSON body expected first: send a valid one
            r = client.post(concrete, json={"status": "fixed", "by": "m", "reason": "r"})
            assert r.status_code == 403, path


def test_cross_origin_and_oversized_posts_are_refused(client: TestClient) -> None:
    fid = FINDINGS[0].id
    token = client.get("/api/session").json()["csrf"]
    body = {"status": "fixed", "by": "a", "reason": "b"}
    headers = {"X-CSRF-Token": token, "Origin": "http://evil.example"}
    r = client.post(f"/api/findings/{fid}/status", json=body, headers=headers)
    assert (r.status_code, r.json()) == (403, {"detail": "cross-origin request refused"})
    null = client.post(f"/api/findings/{fid}/status", json=body, headers={"Origin": "null"})
    assert (null.status_code, null.json()) == (403, {"detail": "missing or wrong CSRF token"})
    big = client.post(f"/findings/{fid}/status", content=b"x" * 70_000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413

    def chunks():  # type: ignore[no-untyped-def]
        yield b"status=fixed"

    assert client.post(f"/findings/{fid}/status", content=chunks()).status_code == 411
    assert len(_history(client, fid)) == 1


def test_foreign_host_is_refused_without_login(client: TestClient) -> None:
    # DNS rebinding: a page of evil.example resolved to 127.0.0.1 sends Host: evil.example
    r = client.get("/api/overview", headers={"Host": "evil.example:8765"})
    assert r.status_code == 400
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8765"}).status_code == 200


# -- login ---------------------------------------------------------------------


def _login(c: TestClient, password: str = PASSWORD) -> object:
    return c.post("/login", data={"password": password}, follow_redirects=False)


def test_login_required_everywhere_but_login(auth_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(auth_app, base_url=BASE) as c:
        for path in ("/", "/findings", f"/findings/{FINDINGS[0].id}", "/timeline"):
            r = c.get(path, follow_redirects=False)
            assert (r.status_code, r.headers["location"]) == (303, "/login"), path
        for path in ("/api/overview", "/api/findings", "/openapi.json", "/api/session"):
            assert c.get(path).status_code == 401, path
        assert c.get("/login").status_code == 200
        assert c.get("/static/rempart.css").status_code == 200


def test_login_session_cookie_and_logout(auth_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(auth_app, base_url=BASE) as c:
        r = _login(c)
        assert (r.status_code, r.headers["location"]) == (303, "/")  # type: ignore[attr-defined]
        cookie = r.headers["set-cookie"]  # type: ignore[attr-defined]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        assert "Secure" not in cookie  # loopback over plain HTTP
        page = c.get("/").text
        assert 'id="logout"' in page and '<span class="who">admin</span>' in page
        session_token = c.get("/api/session").json()["csrf"]
        server_token = auth_app.state.web.csrf
        assert session_token != server_token
        fid = FINDINGS[0].id
        body = {"status": "accepted", "by": "x", "reason": "y"}
        refused = c.post(f"/api/findings/{fid}/status", json=body,
                         headers={"X-CSRF-Token": server_token})  # fmt: skip
        assert refused.status_code == 403
        ok = c.post(f"/api/findings/{fid}/status", json=body,
                    headers={"X-CSRF-Token": session_token})  # fmt: skip
        assert ok.status_code == 200
        old = c.cookies.get("rempart_session")
        assert c.post("/logout", data={"csrf_token": "bad"}).status_code == 403
        out = c.post("/logout", data={"csrf_token": session_token}, follow_redirects=False)
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert 'rempart_session=""' in out.headers["set-cookie"]
        c.cookies.set("rempart_session", old or "")
        assert c.get("/", follow_redirects=False).status_code == 303  # the session is gone


def test_cookie_is_secure_off_loopback(auth_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(auth_app, base_url="http://192.0.2.10:8765") as c:
        assert c.get("/", follow_redirects=False).status_code == 303  # any Host, but login
        r = _login(c)
        assert "Secure" in r.headers["set-cookie"]  # type: ignore[attr-defined]


def test_login_is_rate_limited(auth_app) -> None:  # type: ignore[no-untyped-def]
    with TestClient(auth_app, base_url=BASE) as c:
        for _ in range(5):
            r = c.post("/login", data={"password": "wrong"})
            assert r.status_code == 401
            assert "wrong password" in r.text
        r = c.post("/login", data={"password": PASSWORD}, follow_redirects=False)
        assert r.status_code == 429
        assert "too many failed logins" in r.text
        assert "set-cookie" not in r.headers


def test_limiter_window_and_sessions_expire() -> None:
    now = [1000.0]
    limiter = LoginLimiter(clock=lambda: now[0], failures=2, window=60)
    limiter.fail("a")
    limiter.fail("a")
    assert limiter.blocked("a") and not limiter.blocked("b")
    now[0] += 61
    assert not limiter.blocked("a")
    sessions = Sessions(clock=lambda: now[0], ttl=10)
    s = sessions.create("admin")
    assert sessions.get(s.token) == s
    assert sessions.get("other") is None and sessions.get(None) is None
    now[0] += 11
    assert sessions.get(s.token) is None


def test_password_hashes(tmp_path: Path, password_hash: str) -> None:
    config = AuthConfig(password_hash)
    assert verify_password(config, PASSWORD)
    assert not verify_password(config, "nope")
    assert not verify_password(config, "")
    assert not verify_password(config, "x" * 5000)
    assert not verify_password(AuthConfig("$argon2id$broken"), PASSWORD)
    assert load_auth(None, env={}) is None
    assert load_auth(None, env={HASH_ENV: password_hash}) == config
    file = tmp_path / "hash"
    file.write_text(password_hash + "\n")
    assert load_auth(file, env={}) == config
    file.write_text(PASSWORD)
    with pytest.raises(InputError, match=r"hash: not an argon2 hash"):
        load_auth(file, env={})
    with pytest.raises(InputError, match=r"missing: cannot read the password file"):
        load_auth(tmp_path / "missing", env={})
    with pytest.raises(InputError, match=f"{HASH_ENV}: not an argon2 hash"):
        load_auth(None, env={HASH_ENV: "plain"})


# -- binding -------------------------------------------------------------------


def test_loopback_names() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.0.2.1", "evil.example", "", None))
    assert address("::1", 8765) == "http://[::1]:8765/"
    assert address("127.0.0.1", 443, tls=True) == "https://127.0.0.1:443/"


def test_open_address_needs_login(db: str, auth_app) -> None:  # type: ignore[no-untyped-def]
    bare = create_app(db, campaign(), now=lambda: NOW)
    check_bind(bare, "127.0.0.1", 8765)
    for host in ("0.0.0.0", "192.0.2.1", "::"):
        with pytest.raises(ServeError, match=f"--host {re.escape(host)}: .*--password-file"):
            check_bind(bare, host, 8765)
    check_bind(auth_app, "0.0.0.0", 8765)
    with pytest.raises(ServeError, match="--port 0"):
        check_bind(bare, "127.0.0.1", 0)


def test_cli_refuses_open_address_without_login(db: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv(HASH_ENV, raising=False)
    app = typer.Typer()
    app.command()(serve_cmd)
    result = CliRunner().invoke(app, ["--host", "0.0.0.0", "--db", db])
    assert result.exit_code == 2
    assert "--host 0.0.0.0: the dashboard listens on another address" in result.output


def test_event_detail_api_is_escaped_json(client: TestClient) -> None:
    data = client.get(f"/api/events/{EVENTS[0].id}").json()
    assert data["summary"] == f"Lure {SCRIPT} from hxxps://evil[.]example/login"
    assert client.get(f"/api/events/{EVENTS[1].id}").json()["summary"] == f"Odd {IMG}"
