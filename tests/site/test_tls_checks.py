"""Annotated samples for the HTTPS/TLS checks (pure functions over probe results)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rempart.audit.site.model import Fetched
from rempart.audit.site.tls_checks import SPECS, redirect_observations, tls_observations
from rempart.net.tlsprobe import TlsReport

URL = "https://party.example/"
GOOD = TlsReport(
    "party.example",
    "192.0.2.1",
    443,
    versions=("TLSv1.2", "TLSv1.3"),
    cert_valid=True,
    hostname_match=True,
    not_after=datetime.now(UTC) + timedelta(days=200),
    days_left=200,
    key_type="RSA",
    key_bits=2048,
    signature_algorithm="sha256WithRSAEncryption",
)


def _checks(report: TlsReport) -> set[tuple[str, str]]:
    return {(o.check, o.target) for o in tls_observations(URL, report)}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, set()),
        (
            {"versions": (), "error": "cannot connect: [Errno 111] Connection refused"},
            {("site.https.unavailable", URL)},
        ),
        (
            {"cert_valid": False, "cert_error": "certificate has expired"},
            {("site.tls.cert_invalid", "party.example")},
        ),
        (
            {"days_left": 9, "not_after": datetime.now(UTC) + timedelta(days=9)},
            {("site.tls.cert_expiring", "party.example")},
        ),
        ({"key_bits": 1024}, {("site.tls.weak_key", "party.example")}),
        ({"key_type": "EC", "key_bits": 256}, set()),
        (
            {"signature_algorithm": "sha1WithRSAEncryption"},
            {("site.tls.weak_signature", "party.example")},
        ),
        (
            {"versions": ("TLSv1", "TLSv1.1", "TLSv1.2")},
            {("site.tls.old_protocols", "party.example"), ("site.tls.no_tls13", "party.example")},
        ),
    ],
)
def test_tls_samples(changes: dict[str, object], expected: set[tuple[str, str]]) -> None:
    from dataclasses import replace

    assert _checks(replace(GOOD, **changes)) == expected  # type: ignore[arg-type]


def _plain(status: int, location: str | None = None) -> Fetched:
    headers = (("location", location),) if location else ()
    return Fetched("http://party.example/", status, headers)


@pytest.mark.parametrize(
    ("plain", "flagged"),
    [
        (_plain(301, "https://party.example/"), False),
        (_plain(308, "/"), True),  # relative: stays on http
        (_plain(302, "https://evil.example/"), True),  # off-host
        (_plain(200), True),  # serves the site in clear text
        (_plain(0), False),  # no plain-HTTP service at all
    ],
)
def test_redirect_samples(plain: Fetched, flagged: bool) -> None:
    found = redirect_observations(URL, plain)
    assert [(o.check, o.target) for o in found] == (
        [("site.https.no_redirect", "http://party.example/")] if flagged else []
    )


def test_every_spec_but_the_grade_has_a_sample_here() -> None:
    sampled = {
        "site.https.unavailable",
        "site.tls.cert_invalid",
        "site.tls.cert_expiring",
        "site.tls.weak_key",
        "site.tls.weak_signature",
        "site.tls.old_protocols",
        "site.tls.no_tls13",
        "site.https.no_redirect",
    }
    # sampled by the site world (tests/audit/test_sites.py)
    assert {s.id for s in SPECS} - sampled == {"site.grade", "site.dns.missing"}
