"""The TLS probe against local servers: modern, outdated, expired, self-signed, weak."""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rempart.net.tlsprobe import TlsReport, probe_tls
from rempart.testing import IssuedCert, LocalCA, LocalHTTPSServer, Route

HOST = "tls.test"
ROUTES = {("*", "*"): Route(body=b"hello")}


@pytest.fixture(scope="module")
def ca() -> LocalCA:
    return LocalCA.create()


@pytest.fixture(scope="module")
def ca_file(ca: LocalCA, tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(ca.write_ca(tmp_path_factory.mktemp("ca") / "ca.pem"))


def _probe(cert: IssuedCert | None, ca_file: str, host: str = HOST, **server: object) -> TlsReport:
    with LocalHTTPSServer(ROUTES, cert=cert, **server) as site:  # type: ignore[arg-type]
        return probe_tls(host, "127.0.0.1", site.port, ca_file=ca_file, timeout=3)


@pytest.fixture(scope="module")
def modern(ca: LocalCA, ca_file: str) -> Iterator[TlsReport]:
    yield _probe(ca.issue([HOST, "www.tls.test"]), ca_file)


def test_modern_site_versions(modern: TlsReport) -> None:
    assert modern.versions == ("TLSv1.2", "TLSv1.3")
    assert modern.negotiated == "TLSv1.3" and modern.error == ""


def test_modern_site_certificate(modern: TlsReport) -> None:
    assert modern.cert_valid and modern.cert_error == "" and modern.hostname_match
    assert (modern.key_type, modern.key_bits) == ("RSA", 2048)
    assert modern.signature_algorithm == "ecdsa-with-SHA256"  # the local CA has an EC key
    assert modern.days_left in (364, 365)
    assert modern.not_after is not None and modern.not_after.tzinfo is not None
    assert modern.sans == (HOST, "www.tls.test")
    assert modern.subject == f"CN={HOST}" and modern.issuer == "CN=Rempart Test CA"


def test_sslv3_is_noted_not_guessed(modern: TlsReport) -> None:
    if ssl.HAS_SSLv3:  # pragma: no cover - not with any current OpenSSL build
        pytest.skip("this OpenSSL still speaks SSLv3")
    assert "SSLv3" not in modern.versions
    assert any(note.startswith("SSLv3 not testable") for note in modern.notes)


def test_outdated_site(ca: LocalCA, ca_file: str) -> None:
    old = _probe(ca.issue([HOST]), ca_file, tls_max_version=ssl.TLSVersion.TLSv1_1)
    assert old.versions == ("TLSv1", "TLSv1.1") and old.negotiated == "TLSv1.1"
    assert old.cert_valid  # an old protocol does not hide a good certificate


def test_only_tls13(ca: LocalCA, ca_file: str) -> None:
    report = _probe(ca.issue([HOST]), ca_file, tls_min_version=ssl.TLSVersion.TLSv1_3)
    assert report.versions == ("TLSv1.3",) and report.cert_valid


def test_expired_certificate(ca: LocalCA, ca_file: str) -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    report = _probe(ca.issue([HOST], not_after=past), ca_file)
    assert report.versions and not report.cert_valid
    assert "expired" in report.cert_error
    assert report.not_after is not None and report.not_after < datetime.now(UTC)
    assert report.days_left is not None and report.days_left < 0
    assert report.hostname_match  # the facts are still read from the unverified handshake


def test_self_signed_certificate(ca: LocalCA, ca_file: str) -> None:
    report = _probe(ca.issue([HOST], sign_with_ca=False), ca_file)
    assert not report.cert_valid and "self-signed" in report.cert_error
    assert report.signature_algorithm == "sha256WithRSAEncryption"
    assert report.issuer == report.subject == f"CN={HOST}"


def test_untrusted_without_the_ca_file(ca: LocalCA) -> None:
    with LocalHTTPSServer(ROUTES, cert=ca.issue([HOST])) as site:
        report = probe_tls(HOST, "127.0.0.1", site.port, timeout=3)
    assert not report.cert_valid and "local issuer" in report.cert_error


def test_hostname_mismatch(ca: LocalCA, ca_file: str) -> None:
    report = _probe(ca.issue(["other.test"]), ca_file)
    assert not report.cert_valid and not report.hostname_match
    assert "mismatch" in report.cert_error.lower()


def test_wildcard_matches_one_label(ca: LocalCA, ca_file: str) -> None:
    cert = ca.issue(["*.tls.test"])
    assert _probe(cert, ca_file, host="www.tls.test").hostname_match
    deep = _probe(cert, ca_file, host="a.b.tls.test")
    assert not deep.hostname_match and not deep.cert_valid


def test_weak_key(ca: LocalCA, ca_file: str) -> None:
    report = _probe(ca.issue([HOST], key_size=1024), ca_file)
    assert (report.key_type, report.key_bits) == ("RSA", 1024)
    assert report.cert_valid  # judged by key_bits, not hidden behind a verify error


def test_connection_refused() -> None:
    started = time.monotonic()
    report = probe_tls(HOST, "127.0.0.1", 1, timeout=2)
    assert report.error.startswith("cannot connect") and report.versions == ()
    assert not report.cert_valid and report.not_after is None
    assert time.monotonic() - started < 1


def test_not_tls_at_all(ca_file: str) -> None:
    report = _probe(None, ca_file)
    assert report.versions == () and report.error.startswith("no TLS handshake succeeded")


def test_system_cas_and_ca_file_both_trusted(
    ca: LocalCA, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_ca = LocalCA.create("System CA")
    monkeypatch.setenv("SSL_CERT_FILE", str(system_ca.write_ca(tmp_path / "system.pem")))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    assert _probe(system_ca.issue([HOST]), ca_file).cert_valid
    assert _probe(ca.issue([HOST]), ca_file).cert_valid


def test_silent_server_is_given_up_quickly() -> None:
    """A tarpit accepting connections and never answering costs two timeouts, not five."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as tarpit:
        started = time.monotonic()
        report = probe_tls(HOST, "127.0.0.1", tarpit.getsockname()[1], timeout=0.3)
        elapsed = time.monotonic() - started
    assert report.versions == () and "timed out" in report.error
    assert elapsed < 1.0
