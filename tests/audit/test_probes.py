"""STARTTLS and MTA-STS fetches against real local servers, including bad ones."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from pathlib import Path

import pytest

from rempart.audit.checks.mail_checks import _starttls_findings
from rempart.net.dns import DnsClient, parse_nameserver
from rempart.net.https import fetch_https
from rempart.net.smtp import probe_starttls
from rempart.testing import LocalCA, LocalDNSServer, LocalHTTPSServer, LocalSMTPServer, Route


def test_outdated_tls_is_reported_not_mistaken_for_missing(tmp_path: Path) -> None:
    ca = LocalCA.create()
    ca_file = ca.write_ca(tmp_path / "ca.pem")
    cert = ca.issue(["old.mx.test"])
    with LocalSMTPServer("127.0.0.5", cert=cert, hostname="old.mx.test",
                         tls_max_version=ssl.TLSVersion.TLSv1_1) as server:  # fmt: skip
        result = probe_starttls("old.mx.test", "127.0.0.5", server.port, ca_file=str(ca_file))
    assert result.starttls and result.tls_version == "TLSv1.1" and result.cert_valid
    assert [o.check for o in _starttls_findings("old.mx.test", result)] == ["mail.starttls.old_tls"]


def test_expired_and_misnamed_certificates(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    ca = LocalCA.create()
    ca_file = str(ca.write_ca(tmp_path / "ca.pem"))
    past = datetime.now(UTC) - timedelta(days=3)
    expired = ca.issue(["mx.test"], not_after=past)
    with LocalSMTPServer("127.0.0.6", cert=expired, hostname="mx.test") as server:
        result = probe_starttls("mx.test", "127.0.0.6", server.port, ca_file=ca_file)
        misnamed = probe_starttls("other.test", "127.0.0.6", server.port, ca_file=ca_file)
    assert result.starttls and not result.cert_valid and "expired" in result.cert_error
    assert result.tls_version.startswith("TLSv1.")  # read on the second, unverified look
    assert "mismatch" in misnamed.cert_error.lower()
    checks = [o.check for o in _starttls_findings("mx.test", result)]
    assert checks == ["mail.starttls.cert_invalid"]


def test_unreachable_mx_is_an_error_not_a_finding() -> None:
    result = probe_starttls("mx.test", "127.0.0.7", 1, timeout=2)
    assert not result.connected and result.error.startswith("cannot connect")


def test_policy_fetch_is_bounded_and_never_redirects(tmp_path: Path) -> None:
    ca = LocalCA.create()
    ca_file = str(ca.write_ca(tmp_path / "ca.pem"))
    routes = {
        ("mta-sts.big.test", "/p"): Route(body=b"x" * 5_000_000),
        ("mta-sts.moved.test", "/p"): Route(status=301, headers=(("Location", "https://evil/"),)),
    }
    zone = ("$TTL 60\ntest. SOA ns.test. h.test. 1 7200 3600 1209600 60\n"
            "mta-sts.big.test. A 127.0.0.1\nmta-sts.moved.test. A 127.0.0.1\n")  # fmt: skip
    cert = ca.issue(["mta-sts.big.test", "mta-sts.moved.test"])
    with LocalDNSServer({"test.": zone}) as dns_server, LocalHTTPSServer(routes, cert=cert) as web:
        client = DnsClient(parse_nameserver("{}:{}".format(*dns_server.address)), timeout=1)
        big = fetch_https("mta-sts.big.test", "/p", dns=client, port=web.port, ca_file=ca_file)
        moved = fetch_https("mta-sts.moved.test", "/p", dns=client, port=web.port, ca_file=ca_file)
        untrusted = fetch_https("mta-sts.big.test", "/p", dns=client, port=web.port)
        nowhere = fetch_https("mta-sts.none.test", "/p", dns=client, port=web.port)
    assert big.status == 200 and big.truncated and len(big.body) == 64 * 1024
    assert moved.status == 301 and moved.body == b""
    assert untrusted.status == 0 and "certificate" in untrusted.error
    assert nowhere.status == 0 and "does not resolve" in nowhere.error


def _drip_server(payload: bytes, interval: float) -> tuple[socket.socket, threading.Event]:
    """A hostile server that sends ``payload`` forever, a bit at a time."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            while not stop.is_set():
                try:
                    conn.sendall(payload)
                except OSError:
                    return
                time.sleep(interval)

    threading.Thread(target=serve, daemon=True).start()
    return listener, stop


def test_endless_smtp_greeting_is_cut_at_the_deadline() -> None:
    listener, stop = _drip_server(b"220-still talking\r\n", 0.05)
    started = time.monotonic()
    try:
        result = probe_starttls("mx.test", "127.0.0.1", listener.getsockname()[1], timeout=1)
    finally:
        stop.set()
        listener.close()
    assert time.monotonic() - started < 10
    assert not result.starttls and result.error


def test_slow_policy_body_is_cut(tmp_path: Path) -> None:
    ca = LocalCA.create()
    ca_file = str(ca.write_ca(tmp_path / "ca.pem"))
    zone = (
        "$TTL 60\ntest. SOA ns.test. h.test. 1 7200 3600 1209600 60\n"
        "mta-sts.slow.test. A 127.0.0.1\n"
    )
    routes = {("mta-sts.slow.test", "/p"): Route(body=b"x" * 1000, delay=3.0)}
    cert = ca.issue(["mta-sts.slow.test"])
    with LocalDNSServer({"test.": zone}) as dns_server, LocalHTTPSServer(routes, cert=cert) as web:
        client = DnsClient(parse_nameserver("{}:{}".format(*dns_server.address)), timeout=1)
        started = time.monotonic()
        slow = fetch_https("mta-sts.slow.test", "/p", dns=client, port=web.port,
                           ca_file=ca_file, timeout=1)  # fmt: skip
    assert time.monotonic() - started < 5
    assert slow.status == 0
    assert "timed out" in slow.error.lower() or "took too long" in slow.error


def test_probe_never_asks_the_system_resolver_for_our_own_name(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def forbidden(*args: object) -> str:
        raise AssertionError("socket.getfqdn() would query the system resolver")

    monkeypatch.setattr(socket, "getfqdn", forbidden)
    ca = LocalCA.create()
    ca_file = str(ca.write_ca(tmp_path / "ca.pem"))
    with LocalSMTPServer("127.0.0.8", cert=ca.issue(["mx.test"]), hostname="mx.test") as server:
        result = probe_starttls("mx.test", "127.0.0.8", server.port, ca_file=ca_file)
    assert result.starttls and result.cert_valid
