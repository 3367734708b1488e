"""Tests for the local certificate authority."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509

from rempart.testing.pki import IssuedCert, LocalCA


def test_ca_certificate_is_a_ca(ca: LocalCA) -> None:
    cert = x509.load_pem_x509_certificate(ca.ca_pem)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert constraints.ca is True
    assert usage.key_cert_sign is True


def test_write_ca(ca: LocalCA, tmp_path: Path) -> None:
    path = ca.write_ca(tmp_path / "sub" / "ca.pem")
    assert path.read_bytes() == ca.ca_pem


def test_issue_sets_dns_and_ip_sans(ca: LocalCA) -> None:
    issued = ca.issue(["mx.party.test", "127.0.0.1"])
    san = issued.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert san.value.get_values_for_type(x509.DNSName) == ["mx.party.test"]
    assert san.value.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert issued.certificate.issuer == ca.certificate.subject


def test_default_validity_window(ca: LocalCA) -> None:
    cert = ca.issue(["a.test"]).certificate
    now = datetime.now(UTC)
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc
    assert cert.not_valid_after_utc - now > timedelta(days=360)


def test_expired_certificate(ca: LocalCA) -> None:
    past = datetime.now(UTC) - timedelta(days=3)
    cert = ca.issue(["old.test"], not_after=past).certificate
    assert cert.not_valid_after_utc < datetime.now(UTC)
    assert cert.not_valid_before_utc < cert.not_valid_after_utc


def test_self_signed_leaf(ca: LocalCA) -> None:
    cert = ca.issue(["rogue.test"], sign_with_ca=False).certificate
    assert cert.issuer == cert.subject
    assert cert.issuer != ca.certificate.subject


def test_write_issued_cert(ca: LocalCA, tmp_path: Path) -> None:
    issued = ca.issue(["w.test"])
    cert_path, key_path = issued.write(tmp_path, "w")
    assert cert_path.read_bytes() == issued.cert_pem
    assert key_path.read_bytes() == issued.key_pem
    assert isinstance(issued, IssuedCert)
