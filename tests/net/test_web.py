"""The website fetcher against real local servers: DNS, HTTPS, plain HTTP, hostile ones."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from rempart.net.dns import DnsClient, parse_nameserver
from rempart.net.web import DEFAULT_USER_AGENT, WebClient
from rempart.testing import LocalCA, LocalDNSServer, LocalHTTPSServer, Route

NAMES = ("site.test", "other.test", "mismatch.test", "drip.test", "busy.test", "alt.test")
BIG = b"x" * (5 * 1024 * 1024)
SLICE = bytes(range(256)) * 40


def _zone() -> str:
    lines = ["$TTL 60", "test. SOA ns.test. h.test. 1 7200 3600 1209600 60"]
    lines += [f"{name}. A 127.0.0.1" for name in NAMES]
    return "\n".join(lines) + "\n"


@dataclass
class Site:
    dns: DnsClient
    ca_file: str
    https: LocalHTTPSServer
    http: LocalHTTPSServer

    def url(self, path: str, host: str = "site.test") -> str:
        return f"https://{host}:{self.https.port}{path}"

    def plain(self, path: str, host: str = "site.test") -> str:
        return f"http://{host}:{self.http.port}{path}"

    def client(self, **kwargs: object) -> WebClient:
        options: dict[str, object] = {"ca_file": self.ca_file, "timeout": 2.0} | kwargs
        return WebClient(self.dns, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    return LocalCA.create()


@pytest.fixture(scope="module")
def site(ca: LocalCA, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    ca_file = str(ca.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem"))
    cert = ca.issue(["site.test", "other.test"])
    with (
        LocalDNSServer({"test.": _zone()}) as dns_server,
        LocalHTTPSServer({}, cert=cert) as https,
        LocalHTTPSServer({}, cert=None) as http,
    ):
        home = f"https://site.test:{https.port}"
        html = (("Content-Type", "text/html; charset=utf-8"),)
        routes = {
            "/": Route(body=b"<p>home</p>", headers=html),
            "/a": Route(status=301, headers=(("Location", "/b"),)),
            "/b": Route(status=302, headers=(("Location", f"{home}/c"),)),
            "/c": Route(body=b"final"),
            "/off": Route(status=301, headers=(("Location", f"https://other.test:{https.port}/"),)),
            "/down": Route(status=301, headers=(("Location", f"http://site.test:{http.port}/"),)),
            "/loop1": Route(status=301, headers=(("Location", "/loop2"),)),
            "/loop2": Route(status=302, headers=(("Location", "/loop1#again"),)),
            "/big": Route(body=BIG),
            "/range": Route(body=SLICE, ranges=True),
            "/norange": Route(body=SLICE),
            "/stall": Route(body=b"late", delay=3.0),
            "/cookie": Route(headers=(("Set-Cookie", "sid=1; Secure"), ("Set-Cookie", "b=2"))),
        }
        for path, route in routes.items():
            https.set_route("site.test", path, route)
        https.set_route("other.test", "/", Route(body=b"other"))
        http.set_route("site.test", "/", Route(status=301, headers=(("Location", home + "/"),)))
        http.set_route("site.test", "/plain", Route(body=b"plain"))
        dns = DnsClient(parse_nameserver("{}:{}".format(*dns_server.address)), timeout=1)
        yield Site(dns, ca_file, https, http)


def test_get_uses_host_and_sni_and_verifies(site: Site) -> None:
    with site.client() as client:
        page = client.get(site.url("/"))
    assert page.error == "" and page.status == 200 and page.body == b"<p>home</p>"
    assert page.url == site.url("/") and not page.truncated
    assert page.content_type == "text/html" and page.header("Content-Type") is not None
    seen = site.https.requests[-1]
    headers = dict(seen.headers)
    assert seen.host == "site.test" and seen.path == "/"
    assert headers["host"] == f"site.test:{site.https.port}"
    assert headers["user-agent"] == DEFAULT_USER_AGENT
    assert headers["accept-encoding"] == "identity"
    assert "range" not in headers


def test_head_has_no_body(site: Site) -> None:
    with site.client() as client:
        page = client.get(site.url("/"), method="HEAD")
    assert page.status == 200 and page.body == b"" and page.header("content-length") == "11"
    assert site.https.requests[-1].method == "HEAD"


def test_only_get_and_head(site: Site) -> None:
    with site.client() as client, pytest.raises(ValueError, match="POST"):
        client.get(site.url("/"), method="POST")


def test_wrong_name_in_certificate(site: Site) -> None:
    with site.client() as client:
        page = client.get(site.url("/", host="mismatch.test"))
    assert page.status == 0
    assert page.error.startswith("certificate not valid: hostname mismatch")


def test_untrusted_without_ca_file(site: Site) -> None:
    with WebClient(site.dns, timeout=2) as client:
        page = client.get(site.url("/"))
    assert page.status == 0 and page.error.startswith("certificate not valid:")
    assert "\n" not in page.error


def test_dns_and_connection_failures(site: Site) -> None:
    with site.client() as client:
        nowhere = client.get("https://none.test/")
        refused = client.get("http://site.test:1/")
        bad = client.get("ftp://site.test/")
    assert nowhere.error == "none.test does not resolve (nxdomain)"
    assert refused.status == 0 and refused.error.startswith("cannot connect")
    assert bad.error.startswith("unsupported URL")


def test_same_host_redirects_are_followed(site: Site) -> None:
    with site.client() as client:
        final = client.get(site.url("/a"), follow=5)
        limited = client.get(site.url("/a"), follow=1)
        unfollowed = client.get(site.url("/a"))
    assert (final.status, final.body, final.url) == (200, b"final", site.url("/c"))
    assert limited.status == 302 and limited.url == site.url("/b")
    assert unfollowed.status == 301 and unfollowed.header("location") == "/b"


def test_http_to_https_on_same_host_is_followed(site: Site) -> None:
    with site.client() as client:
        page = client.get(site.plain("/"), follow=3)
        plain = client.get(site.plain("/plain"))
    assert page.status == 200 and page.body == b"<p>home</p>" and page.url == site.url("/")
    assert plain.status == 200 and plain.body == b"plain"


def test_off_host_redirect_and_downgrade_are_not_followed(site: Site) -> None:
    with site.client() as client:
        off = client.get(site.url("/off"), follow=5)
        down = client.get(site.url("/down"), follow=5)
    assert off.status == 301 and off.url == site.url("/off")
    assert off.header("location") == f"https://other.test:{site.https.port}/"
    assert down.status == 301 and down.url == site.url("/down")


def test_redirect_loop_stops(site: Site) -> None:
    before = len(site.https.requests)
    with site.client() as client:
        page = client.get(site.url("/loop1"), follow=20)
    assert page.status == 302 and page.url == site.url("/loop2")
    assert len(site.https.requests) - before == 2


def test_range_request(site: Site) -> None:
    with site.client() as client:
        part = client.get(site.url("/range"), range_bytes=100)
        ignored = client.get(site.url("/norange"), range_bytes=100)
    assert part.status == 206 and part.body == SLICE[:100] and not part.truncated
    assert part.header("content-range") == f"bytes 0-99/{len(SLICE)}"
    assert dict(site.https.requests[-2].headers)["range"] == "bytes=0-99"
    # A server ignoring Range: still only N bytes kept.
    assert ignored.status == 200 and ignored.body == SLICE[:100] and ignored.truncated


def test_big_body_is_cut(site: Site) -> None:
    with site.client(max_body=64 * 1024) as client:
        page = client.get(site.url("/big"))
        small = client.get(site.url("/big"), max_body=1000)
    assert page.status == 200 and page.truncated and page.body == BIG[: 64 * 1024]
    assert small.truncated and len(small.body) == 1000
    assert client.bytes_used < 2 * 1024 * 1024  # the 5 MB were not read


def test_stalled_answer_times_out(site: Site) -> None:
    started = time.monotonic()
    with site.client(timeout=0.5) as client:
        page = client.get(site.url("/stall"))
    assert page.status == 0 and page.error.startswith(("timed out", "too slow"))
    assert time.monotonic() - started < 2.5


def _drip_server(
    stop: threading.Event, head: bytes, interval: float, *, drip_head: bool
) -> socket.socket:
    """A hostile plain-HTTP server sending a byte per ``interval`` (body, or even headers)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                if not drip_head:
                    conn.sendall(head)
                payload = head * 1000 if drip_head else b"x" * 100_000
                for byte in payload:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(interval)
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener


@pytest.mark.parametrize("drip_head", [False, True], ids=["body", "headers"])
def test_slow_drip_is_cut_by_the_deadline(site: Site, drip_head: bool) -> None:
    stop = threading.Event()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\nX-Pad: " + b"p" * 20 + b"\r\n"
    listener = _drip_server(stop, head if drip_head else head + b"\r\n", 0.05, drip_head=drip_head)
    port = listener.getsockname()[1]
    try:
        started = time.monotonic()
        with site.client(timeout=0.5) as client:  # each byte is in time: only the deadline cuts
            page = client.get(f"http://drip.test:{port}/")
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        listener.close()
    assert page.status == 0 and page.error.startswith("too slow")
    assert 0.9 < elapsed < 2.0


def test_per_host_limit_is_shared_by_threads(ca: LocalCA, site: Site) -> None:
    routes = {("busy.test", "/"): Route(body=b"ok", delay=0.2)}
    with LocalHTTPSServer(routes, cert=ca.issue(["busy.test"])) as busy:
        results = []
        with site.client(per_host=3) as client:

            def fetch() -> None:
                results.append(client.get(f"https://busy.test:{busy.port}/"))

            threads = [threading.Thread(target=fetch) for _ in range(10)]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
        peak, accepted = busy.peak_connections, busy.accepted_connections
    assert [r.status for r in results] == [200] * 10
    assert peak <= 3 and accepted <= 3  # never more at once, and connections were reused
    assert elapsed >= 4 * 0.2 - 0.05  # ten requests, three at a time: four rounds


def test_keep_alive_reuses_the_connection(ca: LocalCA, site: Site) -> None:
    routes = {("alt.test", "*"): Route(body=b"same page for every path")}
    with LocalHTTPSServer(routes, cert=ca.issue(["alt.test"])) as alt:
        with site.client() as client:
            pages = [client.get(f"https://alt.test:{alt.port}/p{i}") for i in range(5)]
        assert alt.accepted_connections == 1
    assert {p.body for p in pages} == {b"same page for every path"}


def test_budgets(site: Site) -> None:
    with site.client(budget_bytes=100_000) as client:
        first = client.get(site.url("/big"), max_body=200_000)
        before = len(site.https.requests)
        second = client.get(site.url("/"))
    assert first.status == 200 and first.truncated
    assert second.status == 0 and second.error.startswith("budget exhausted")
    assert len(site.https.requests) == before  # no connection was made
    with site.client(budget_seconds=0) as client:
        assert client.get(site.url("/")).error.startswith("budget exhausted")


def test_cookies_are_never_sent_back(site: Site) -> None:
    with site.client() as client:
        first = client.get(site.url("/cookie"))
        client.get(site.url("/cookie"))
    assert first.header_values("set-cookie") == ["sid=1; Secure", "b=2"]
    assert "cookie" not in dict(site.https.requests[-1].headers)


def test_ca_file_adds_to_the_system_cas(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A server of the "system" CA (SSL_CERT_FILE) and one of ``--ca-file`` are both trusted."""
    system_ca = LocalCA.create("System CA")
    monkeypatch.setenv("SSL_CERT_FILE", str(system_ca.write_ca(tmp_path / "system.pem")))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    routes = {("other.test", "/"): Route(body=b"public")}
    with LocalHTTPSServer(routes, cert=system_ca.issue(["other.test"])) as public:
        with site.client() as client:
            ours = client.get(site.url("/"))
            theirs = client.get(f"https://other.test:{public.port}/")
        with WebClient(site.dns, timeout=2) as system_only:
            assert system_only.get(f"https://other.test:{public.port}/").status == 200
            assert system_only.get(site.url("/")).error.startswith("certificate not valid")
    assert ours.status == 200 and theirs.status == 200 and theirs.body == b"public"


def test_old_tls_sites_are_still_read_with_their_certificate_checked(
    ca: LocalCA, site: Site
) -> None:
    """The auditor must look at a TLS 1.1-only site (the probe reports the old protocol),
    but never trusts a certificate it should not."""
    routes = {("alt.test", "/"): Route(body=b"old")}
    old_tls = ssl.TLSVersion.TLSv1_1
    cert = ca.issue(["alt.test"])
    with LocalHTTPSServer(routes, cert=cert, tls_max_version=old_tls) as old, site.client() as c:
        page = c.get(f"https://alt.test:{old.port}/")
    assert (page.status, page.body) == (200, b"old")
    rogue = ca.issue(["alt.test"], sign_with_ca=False)
    with LocalHTTPSServer(routes, cert=rogue, tls_max_version=old_tls) as old, site.client() as c:
        page = c.get(f"https://alt.test:{old.port}/")
    assert page.status == 0 and page.error.startswith("certificate not valid")


def test_per_host_limit_spans_schemes_and_ports(ca: LocalCA, site: Site) -> None:
    """The limit is per host name, not per connection pool: http and https share it."""
    route = Route(body=b"ok", delay=0.25)
    with (
        LocalHTTPSServer({("busy.test", "/"): route}, cert=ca.issue(["busy.test"])) as secure,
        LocalHTTPSServer({("busy.test", "/"): route}, cert=None) as plain,
    ):
        urls = [f"https://busy.test:{secure.port}/", f"http://busy.test:{plain.port}/"] * 4
        with site.client(per_host=2) as client:
            threads = [threading.Thread(target=client.get, args=(url,)) for url in urls]
            started = time.monotonic()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
    assert len(secure.requests) == len(plain.requests) == 4
    assert elapsed >= 4 * 0.25 - 0.05  # eight requests, two at a time


def test_local_server_range_forms(ca: LocalCA) -> None:
    """The test server's Range support (Route.ranges): suffix, open end, past the end."""
    import httpx

    body = b"0123456789"
    routes = {("r.test", "/"): Route(body=body, ranges=True), ("r.test", "/no"): Route(body=body)}
    with LocalHTTPSServer(routes, cert=None) as server:

        def fetch(path: str, value: str) -> httpx.Response:
            return httpx.get(server.url(path), headers={"Host": "r.test", "Range": value})

        suffix, open_end, past = (
            fetch("/", "bytes=-3"),
            fetch("/", "bytes=4-"),
            fetch("/", "bytes=10-"),
        )
        clamped, ignored, multi = (
            fetch("/", "bytes=8-99"),
            fetch("/no", "bytes=0-1"),
            fetch("/", "bytes=0-1,3-4"),
        )
    assert (suffix.status_code, suffix.content) == (206, b"789")
    assert suffix.headers["content-range"] == "bytes 7-9/10"
    assert (open_end.status_code, open_end.content) == (206, b"456789")
    assert (past.status_code, past.headers["content-range"]) == (416, "bytes */10")
    assert (clamped.content, clamped.headers["content-range"]) == (b"89", "bytes 8-9/10")
    assert (ignored.status_code, ignored.content) == (200, body)
    assert "accept-ranges" not in ignored.headers
    assert (multi.status_code, multi.content) == (200, body)  # several ranges: whole body
