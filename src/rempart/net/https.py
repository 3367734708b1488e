"""Fetch one small document over HTTPS, resolving the host with our resolver.

Used for MTA-STS policies (RFC 8461: no redirects, a valid certificate for the
``mta-sts`` name). The body is read up to a limit and never interpreted here.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import httpx

from rempart.net.dns import DnsClient
from rempart.net.tls import client_context

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024
"""RFC 8461 policies are tiny; anything bigger is cut here."""


@dataclass(frozen=True)
class HttpsResult:
    """What the server answered, or why nothing could be fetched."""

    url: str
    """The URL as the user would write it (with the real host name)."""
    status: int = 0
    """HTTP status, 0 when no answer."""
    body: bytes = b""
    """At most ``MAX_BODY`` bytes of the body."""
    content_type: str = ""
    """The Content-Type header."""
    truncated: bool = False
    """The body was longer than the limit."""
    error: str = ""
    """Why nothing could be fetched (DNS, connection, certificate, timeout)."""


def fetch_https(
    host: str,
    path: str,
    *,
    dns: DnsClient,
    port: int = 443,
    ca_file: str | None = None,
    timeout: float = 10.0,
    max_body: int = MAX_BODY,
) -> HttpsResult:
    """GET ``https://host{path}`` without following redirects."""
    url = f"https://{host}{path}" if port == 443 else f"https://{host}:{port}{path}"
    address = dns.exists(host)
    if not address.ok:
        return HttpsResult(url, error=f"{host} does not resolve ({address.status})")
    ip = address.records[0]
    netloc = f"[{ip}]" if ":" in ip else ip
    try:
        with httpx.Client(verify=client_context(ca_file), timeout=timeout, trust_env=False) as c:
            request = c.build_request(
                "GET",
                f"https://{netloc}:{port}{path}",
                headers={
                    "Host": host,
                    "User-Agent": "rempart-audit",
                    "Accept-Encoding": "identity",
                },
                extensions={"sni_hostname": host},
            )
            response = c.send(request, stream=True, follow_redirects=False)
            try:
                deadline = time.monotonic() + 2 * timeout
                body, truncated = _read_bounded(response, max_body, deadline)
            finally:
                response.close()
            return HttpsResult(
                url,
                status=response.status_code,
                body=body,
                content_type=response.headers.get("content-type", ""),
                truncated=truncated,
            )
    except httpx.HTTPError as exc:
        return HttpsResult(url, error=_reason(exc))


def _read_bounded(response: httpx.Response, limit: int, deadline: float) -> tuple[bytes, bool]:
    """At most ``limit`` raw bytes (never decompressed), read before ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks)[:limit], True
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the body took too long to arrive")
    return b"".join(chunks), False


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in text:
        text = "certificate not valid: " + text.split("CERTIFICATE_VERIFY_FAILED")[-1].strip(
            " ()]:"
        )
    return text[:200]
