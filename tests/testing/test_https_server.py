"""Tests for the local HTTPS server, driven by httpx."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from rempart.testing.https_server import LocalHTTPSServer, Route
from rempart.testing.pki import LocalCA

HOST = "mta-sts.party.test"
POLICY = b"version: STSv1\nmode: enforce\nmx: mx.party.test\nmax_age: 86400\n"
POLICY_PATH = "/.well-known/mta-sts.txt"


def get(
    server: LocalHTTPSServer,
    path: str,
    verify: ssl.SSLContext | bool,
    host: str = HOST,
    timeout: float = 5.0,
    sni: str | None = None,
) -> httpx.Response:
    with httpx.Client(verify=verify, timeout=timeout) as client:
        return client.get(
            f"https://127.0.0.1:{server.port}{path}",
            headers={"Host": host},
            extensions={"sni_hostname": sni or host},
        )


@pytest.fixture
def verify(ca_file: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file))


@pytest.fixture(scope="module")
def server(ca: LocalCA) -> Iterator[LocalHTTPSServer]:
    routes = {
        (HOST, POLICY_PATH): Route(body=POLICY),
        (HOST, "/slow"): Route(body=b"late", delay=0.5),
        (HOST, "/moved"): Route(status=301, headers=(("Location", "/elsewhere"),)),
        ("*", "/any-host"): Route(body=b"any"),
    }
    with LocalHTTPSServer(routes, cert=ca.issue([HOST])) as running:
        yield running


def test_route_is_served_with_a_verified_certificate(
    server: LocalHTTPSServer, verify: ssl.SSLContext
) -> None:
    response = get(server, POLICY_PATH, verify)
    assert response.status_code == 200
    assert response.content == POLICY
    assert response.headers["content-type"] == "text/plain"


def test_unknown_path_and_host_are_404(server: LocalHTTPSServer, verify: ssl.SSLContext) -> None:
    assert get(server, "/nope", verify).status_code == 404
    assert get(server, POLICY_PATH, verify, host="other.party.test", sni=HOST).status_code == 404


def test_host_header_port_and_case_are_ignored(
    server: LocalHTTPSServer, verify: ssl.SSLContext
) -> None:
    response = get(server, POLICY_PATH, verify, host="MTA-STS.party.test:443", sni=HOST)
    assert response.status_code == 200


def test_wildcard_host_route(server: LocalHTTPSServer, verify: ssl.SSLContext) -> None:
    assert get(server, "/any-host", verify).content == b"any"


def test_status_and_headers(server: LocalHTTPSServer, verify: ssl.SSLContext) -> None:
    response = get(server, "/moved", verify)
    assert response.status_code == 301
    assert response.headers["location"] == "/elsewhere"


def test_delay_triggers_client_timeout(server: LocalHTTPSServer, verify: ssl.SSLContext) -> None:
    with pytest.raises(httpx.ReadTimeout):
        get(server, "/slow", verify, timeout=0.1)


def test_wrong_sni_name_fails_verification(
    server: LocalHTTPSServer, verify: ssl.SSLContext
) -> None:
    with pytest.raises(httpx.ConnectError):
        get(server, POLICY_PATH, verify, host="mta-sts.other.test")


def test_self_signed_certificate_is_rejected(ca: LocalCA, verify: ssl.SSLContext) -> None:
    routes = {(HOST, POLICY_PATH): Route(body=POLICY)}
    rogue = LocalHTTPSServer(routes, cert=ca.issue([HOST], sign_with_ca=False))
    with rogue, pytest.raises(httpx.ConnectError):
        get(rogue, POLICY_PATH, verify)


def test_plain_http_and_runtime_routes() -> None:
    with LocalHTTPSServer({}, cert=None) as plain:
        plain.set_route("Example.test", "/x", Route(body=b"late route"))
        response = httpx.get(plain.url("/x"), headers={"Host": "example.test"})
    assert plain.scheme == "http"
    assert response.content == b"late route"


def test_large_body(ca: LocalCA, verify: ssl.SSLContext) -> None:
    body = b"z" * (8 * 1024 * 1024)
    with LocalHTTPSServer({(HOST, "/big"): Route(body=body)}, cert=ca.issue([HOST])) as big:
        response = get(big, "/big", verify)
    assert len(response.content) == len(body)
