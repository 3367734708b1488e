"""Tests for the local STARTTLS SMTP server, driven by smtplib."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from rempart.testing.pki import LocalCA
from rempart.testing.smtp_server import LocalSMTPServer

MX = "mx.party.test"


def client_context(ca_file: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


def connect(server: LocalSMTPServer, server_name: str = MX) -> smtplib.SMTP:
    client = smtplib.SMTP("127.0.0.1", server.port, timeout=5)
    # smtplib.starttls() verifies against the host it connected to; we connect by IP.
    client._host = server_name  # type: ignore[attr-defined]
    return client


@pytest.fixture(scope="module")
def server(ca: LocalCA) -> Iterator[LocalSMTPServer]:
    with LocalSMTPServer(cert=ca.issue([MX]), hostname=MX) as running:
        yield running


def test_ehlo_advertises_starttls(server: LocalSMTPServer) -> None:
    with connect(server) as client:
        code, banner = client.ehlo("auditor.test")
        assert code == 250
        assert banner.startswith(MX.encode())
        assert client.has_extn("starttls")


def test_starttls_verifies_against_the_ca(server: LocalSMTPServer, ca_file: Path) -> None:
    with connect(server) as client:
        client.ehlo()
        code, _ = client.starttls(context=client_context(ca_file))
        assert code == 220
        sock = client.sock
        assert isinstance(sock, ssl.SSLSocket)
        assert sock.version() in ("TLSv1.2", "TLSv1.3")
        peer = sock.getpeercert()
        assert peer is not None
        assert ("commonName", MX) in [rdn[0] for rdn in peer["subject"]]
        client.ehlo()
        assert client.sendmail("a@party.test", ["b@party.test"], "Subject: t\r\n\r\nhi") == {}


def test_wrong_hostname_fails_verification(server: LocalSMTPServer, ca_file: Path) -> None:
    with connect(server, "other.test") as client:
        client.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=client_context(ca_file))


def test_tls_version_can_be_capped(ca: LocalCA, ca_file: Path) -> None:
    cert = ca.issue([MX])
    capped = LocalSMTPServer(cert=cert, tls_max_version=ssl.TLSVersion.TLSv1_2)
    with capped, connect(capped) as client:
        client.ehlo()
        client.starttls(context=client_context(ca_file))
        assert isinstance(client.sock, ssl.SSLSocket)
        assert client.sock.version() == "TLSv1.2"


@pytest.mark.parametrize("kind", ["expired", "self-signed"])
def test_bad_certificates_fail_verification(ca: LocalCA, ca_file: Path, kind: str) -> None:
    if kind == "expired":
        cert = ca.issue([MX], not_after=datetime.now(UTC) - timedelta(days=1))
    else:
        cert = ca.issue([MX], sign_with_ca=False)
    with LocalSMTPServer(cert=cert, hostname=MX) as bad, connect(bad) as client:
        client.ehlo()
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=client_context(ca_file))


def test_starttls_can_be_disabled() -> None:
    with LocalSMTPServer(starttls=False) as plain, connect(plain) as client:
        client.ehlo()
        assert not client.has_extn("starttls")


def test_default_self_signed_certificate(ca_file: Path) -> None:
    with LocalSMTPServer(hostname=MX) as default, connect(default) as client:
        client.ehlo()
        assert client.has_extn("starttls")
        with pytest.raises(ssl.SSLCertVerificationError):
            client.starttls(context=client_context(ca_file))


def test_stop_releases_the_port(ca: LocalCA) -> None:
    server = LocalSMTPServer(starttls=False).start()
    port = server.port
    server.stop()
    with pytest.raises(OSError):
        smtplib.SMTP("127.0.0.1", port, timeout=1)
