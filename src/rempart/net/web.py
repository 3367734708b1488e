"""The website audit's fetcher: bounded, polite, resolving names with our resolver.

:class:`WebClient` GETs (or HEADs) a URL the way :mod:`rempart.net.https` fetches
MTA-STS policies: the host is resolved with the injected :class:`DnsClient`, the
connection goes to that address with the real name in ``Host`` and SNI, and the
certificate is checked against the system CAs plus ``ca_file``. On top of that:

* every request has a total deadline (:data:`DEADLINE_FACTOR` × ``timeout``) that
  bounds connecting, the TLS handshake, the headers *and* the body, so a server
  dripping a byte at a time is cut off (the deadline is enforced inside every
  socket operation, not only between body chunks);
* bodies are read raw (``Accept-Encoding: identity``, never decompressed) and
  cut at ``max_body`` bytes;
* redirects are followed only on the same host (``http`` → ``https`` allowed);
* at most ``per_host`` requests run at once against one host name, whatever the
  number of threads sharing the client;
* the client has a byte and a time budget; once spent, :meth:`WebClient.get`
  answers ``budget exhausted`` without connecting;
* connections are kept alive: one ``httpx.Client`` per (scheme, IP, port, SNI
  name), closed by :meth:`WebClient.close`;
* cookies are never stored nor sent back (each answer is seen as a first visit).

Network, TLS and DNS problems never raise: they come back as
:attr:`Fetched.error`, one line.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import ipaddress
import logging
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import httpcore
import httpx

from rempart.audit.site.model import Fetched
from rempart.net.dns import DnsClient
from rempart.net.smtp import HostLimiter
from rempart.net.tls import client_context

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = "Rempart-audit/0.1 (+https://rempart.invalid; campaign self-audit)"
"""What the audit calls itself: honest, so a site owner reading logs knows who came."""

DEADLINE_FACTOR = 2.0
"""A whole request (connect, TLS, headers, body) may last this many times ``timeout``."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
"""Statuses whose ``Location`` is followed (when asked and on the same host)."""

MAX_KEPT_CLIENTS = 32
"""Keep-alive clients kept per WebClient; past this, requests use a one-shot client."""

KEEPALIVE_EXPIRY = 5.0
"""Seconds an idle kept-alive connection may be reused."""

METHODS = ("GET", "HEAD")
"""The only methods sent: the audit reads, it never submits anything."""


class WebClient:
    """Fetches pages of one audited site (or a few); thread-safe.

    ``timeout`` bounds each network operation and, times :data:`DEADLINE_FACTOR`,
    each whole request. ``budget_bytes`` (body bytes received) and
    ``budget_seconds`` (since the client was created) bound the whole client:
    create one per site audit. Use as a context manager, or call :meth:`close`.
    """

    def __init__(
        self,
        dns: DnsClient,
        *,
        ca_file: str | None = None,
        timeout: float = 10.0,
        max_body: int = 512 * 1024,
        per_host: int = 4,
        user_agent: str = DEFAULT_USER_AGENT,
        budget_bytes: int = 20 * 1024 * 1024,
        budget_seconds: float = 120.0,
        verify: bool = True,
    ) -> None:
        """``verify=False`` reads a site whose certificate already failed (and was reported):
        its pages are still examined, nothing from it is trusted."""
        if per_host < 1:
            raise ValueError("per_host must be at least 1")
        self.dns = dns
        self.ca_file = ca_file
        self.timeout = timeout
        self.deadline = DEADLINE_FACTOR * timeout
        """Seconds a whole request (one hop) may last."""
        self.max_body = max_body
        self.per_host = per_host
        self.user_agent = user_agent
        self.budget_bytes = budget_bytes
        self.budget_seconds = budget_seconds
        self._ssl = (
            verify_context(ca_file) if verify else client_context(None, verify=False, legacy=True)
        )
        self._limiter = HostLimiter(per_host)
        self._lock = threading.Lock()
        self._clients: dict[tuple[str, str, int, str], httpx.Client] = {}
        self._started = time.monotonic()
        self._bytes = 0
        self._closed = False

    # -- budget ------------------------------------------------------------------------

    @property
    def bytes_used(self) -> int:
        """Body bytes received so far by every request of this client."""
        with self._lock:
            return self._bytes

    @property
    def seconds_used(self) -> float:
        """Seconds since the client was created."""
        return time.monotonic() - self._started

    def _budget_problem(self) -> str:
        """Why no further request may be made, or ''."""
        used = self.bytes_used
        if used >= self.budget_bytes:
            return f"budget exhausted: {used} bytes received (limit {self.budget_bytes})"
        spent = self.seconds_used
        if spent >= self.budget_seconds:
            return f"budget exhausted: {spent:.0f} s spent (limit {self.budget_seconds:g} s)"
        return ""

    def _spend(self, size: int) -> None:
        with self._lock:
            self._bytes += size

    # -- fetching ----------------------------------------------------------------------

    def get(
        self,
        url: str,
        *,
        range_bytes: int | None = None,
        follow: int = 0,
        method: str = "GET",
        max_body: int | None = None,
    ) -> Fetched:
        """Fetch ``url``; problems come back in :attr:`Fetched.error`, never raised.

        ``range_bytes=N`` asks for the first N bytes (``Range: bytes=0-(N-1)``) and
        keeps at most N even when the server ignores it. ``follow=N`` follows at
        most N redirects on the same host (``http`` → ``https`` allowed); an
        off-host redirect, a downgrade to ``http``, a URL seen twice or the N+1th
        redirect stop there and that 3xx answer is returned as is. ``Fetched.url``
        is the URL that gave the returned answer. ``max_body`` overrides the
        client's limit for this call. Only GET and HEAD exist (ValueError else).
        """
        method = method.upper()
        if method not in METHODS:
            raise ValueError(f"method {method!r} not allowed: the audit only sends GET and HEAD")
        if range_bytes is not None and range_bytes < 1:
            raise ValueError("range_bytes must be at least 1")
        if follow < 0:
            raise ValueError("follow must be 0 or more")
        if self._closed:
            raise RuntimeError("WebClient used after close()")
        limit = self.max_body if max_body is None else max_body
        if range_bytes is not None:
            limit = min(limit, range_bytes)
        current = url
        seen = {urldefrag(url)[0]}
        for hop in range(follow + 1):
            fetched = self._fetch_one(current, method, range_bytes, limit)
            if fetched.status not in REDIRECT_STATUSES or hop == follow:
                return fetched
            target = _redirect_target(current, fetched)
            if target is None or urldefrag(target)[0] in seen:
                return fetched
            seen.add(urldefrag(target)[0])
            log.debug("following redirect %s -> %s", current, target)
            current = target
        raise AssertionError("unreachable")  # pragma: no cover

    def _fetch_one(self, url: str, method: str, range_bytes: int | None, limit: int) -> Fetched:
        target = _Target.parse(url)
        if isinstance(target, str):
            return Fetched(url, error=target)
        problem = self._budget_problem()
        if problem:
            return Fetched(url, error=problem)
        ip, problem = self._resolve(target)
        if problem:
            return Fetched(url, error=problem)
        with self._limiter.slot(target.host):
            problem = self._budget_problem()  # waiting for the slot may have taken long
            if problem:
                return Fetched(url, error=problem)
            return self._send(url, target, ip, method, range_bytes, limit)

    def _resolve(self, target: _Target) -> tuple[str, str]:
        """(address to connect to, ''), or ('', why the host has no address)."""
        if target.is_ip:
            return target.host, ""
        answer = self.dns.exists(target.host)
        if not answer.ok or not answer.records:
            detail = f": {answer.error}" if answer.error else ""
            return "", f"{target.host} does not resolve ({answer.status}{detail})"
        return answer.records[0], ""

    def _send(
        self,
        url: str,
        target: _Target,
        ip: str,
        method: str,
        range_bytes: int | None,
        limit: int,
    ) -> Fetched:
        key = (target.scheme, ip, target.port, target.host)
        client, one_shot = self._client_for(key)
        headers = {
            "Host": target.host_header,
            "User-Agent": self.user_agent,
            "Accept-Encoding": "identity",
            "Accept": "*/*",
        }
        if range_bytes is not None:
            headers["Range"] = f"bytes=0-{range_bytes - 1}"
        extensions: dict[str, Any] = {}
        if target.scheme == "https" and not target.is_ip:
            extensions["sni_hostname"] = target.host
        netloc = f"[{ip}]" if ":" in ip else ip
        started = time.monotonic()
        deadline = started + self.deadline
        _deadline.at = deadline
        try:
            request = client.build_request(
                method,
                f"{target.scheme}://{netloc}:{target.port}{target.path}",
                headers=headers,
                extensions=extensions,
            )
            response = client.send(request, stream=True, follow_redirects=False)
            try:
                body, truncated = self._read(response, method, limit, deadline)
            finally:
                response.close()
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            too_slow = time.monotonic() >= deadline - 0.01
            reason = _reason(exc, too_slow=too_slow, deadline=self.deadline)
            log.debug("GET %s failed: %s", url, reason)
            return Fetched(url, error=reason)
        finally:
            _deadline.at = None
            if one_shot:
                client.close()
        return Fetched(
            url,
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
            body=body,
            truncated=truncated,
        )

    def _read(
        self, response: httpx.Response, method: str, limit: int, deadline: float
    ) -> tuple[bytes, bool]:
        """At most ``limit`` raw bytes of the body (never decompressed), before ``deadline``."""
        if method == "HEAD":
            return b"", False
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_raw():
            chunks.append(chunk)
            size += len(chunk)
            self._spend(len(chunk))
            if size > limit:
                return b"".join(chunks)[:limit], True
            if time.monotonic() >= deadline:
                raise httpx.ReadTimeout("the body took too long to arrive")
        return b"".join(chunks), False

    def _client_for(self, key: tuple[str, str, int, str]) -> tuple[httpx.Client, bool]:
        """The kept-alive client for ``key`` (created on first use), or a one-shot one."""
        with self._lock:
            if self._closed:
                raise RuntimeError("WebClient used after close()")
            client = self._clients.get(key)
            if client is not None:
                return client, False
            if len(self._clients) < MAX_KEPT_CLIENTS:
                client = self._clients[key] = self._new_client()
                return client, False
        return self._new_client(), True

    def _new_client(self) -> httpx.Client:
        client = httpx.Client(
            transport=_DeadlineTransport(self._ssl, self.per_host),
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            trust_env=False,
        )
        # No domain allowed: cookies are neither stored nor sent back.
        client.cookies.jar.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
        return client

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        """Close every kept-alive connection; the client cannot be used afterwards."""
        with self._lock:
            self._closed = True
            clients = list(self._clients.values())
            self._clients.clear()
        for client in clients:
            with contextlib.suppress(Exception):
                client.close()

    def __enter__(self) -> WebClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def verify_context(ca_file: str | None) -> ssl.SSLContext:
    """A verifying client context trusting the system CAs *and* ``ca_file``.

    (``ssl.create_default_context(cafile=…)`` would trust only the file.) The
    certificate is always verified, but TLS 1.0/1.1 and legacy ciphers are
    accepted: an auditor must still look at the neglected site that only speaks
    them (:mod:`rempart.net.tlsprobe` reports the old protocols as findings).
    Nothing but GET and HEAD is ever sent.
    """
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    return context


@dataclass(frozen=True)
class _Target:
    """The parts of a URL a request needs."""

    scheme: str
    host: str
    port: int
    path: str
    is_ip: bool

    @classmethod
    def parse(cls, url: str) -> _Target | str:
        """The target, or why the URL cannot be fetched."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as exc:
            return f"invalid URL {url[:200]!r}: {exc}"
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            return f"unsupported URL {url[:200]!r}: only http and https are fetched"
        host = (parts.hostname or "").rstrip(".")
        if not host:
            return f"invalid URL {url[:200]!r}: no host"
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError:
            return f"invalid URL {url[:200]!r}: bad host name"
        is_ip = True
        try:
            ipaddress.ip_address(host)
        except ValueError:
            is_ip = False
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        default = 443 if scheme == "https" else 80
        return cls(scheme, host, port or default, path, is_ip)

    @property
    def host_header(self) -> str:
        """The Host header: the name, with the port when not the scheme's default."""
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def _redirect_target(current: str, fetched: Fetched) -> str | None:
    """The absolute URL a redirect points to, if it may be followed from ``current``."""
    location = (fetched.header("location") or "").strip()
    if not location:
        return None
    target = urljoin(current, location)
    here, there = urlsplit(current), urlsplit(target)
    try:
        same_host = (here.hostname or "").rstrip(".") == (there.hostname or "").rstrip(".")
    except ValueError:
        return None
    allowed = there.scheme == here.scheme or (here.scheme, there.scheme) == ("http", "https")
    return target if same_host and allowed and there.scheme in ("http", "https") else None


def _reason(exc: BaseException, *, too_slow: bool, deadline: float) -> str:
    """One line saying why a request failed."""
    if too_slow:
        return f"too slow: no complete answer within {deadline:g} s"
    cert_error = _cause(exc, ssl.SSLCertVerificationError)
    if cert_error is not None:
        message = cert_error.verify_message or _one_line(cert_error)
        return "certificate not valid: " + message[:1].lower() + message[1:]
    if isinstance(exc, httpx.ConnectTimeout):
        return "timed out connecting"
    if isinstance(exc, httpx.TimeoutException):
        return "timed out waiting for the answer"
    tls_error = _cause(exc, ssl.SSLError)
    if tls_error is not None:
        reason = (tls_error.reason or "").lower().replace("_", " ")
        return "TLS handshake failed: " + (reason or _one_line(tls_error))
    if isinstance(exc, httpx.ConnectError):
        return "cannot connect: " + _one_line(exc)
    if isinstance(exc, httpx.ProtocolError):
        return "invalid HTTP answer: " + _one_line(exc)
    return _one_line(exc)


def _cause(exc: BaseException, kind: type[Any]) -> Any:
    """The first exception of type ``kind`` in the cause/context chain of ``exc``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


# -- a total deadline enforced inside every socket operation ---------------------------

_deadline = threading.local()
"""``at``: the monotonic time the current thread's request must end by (or None)."""


def _left(timeout: float | None, error: type[Exception]) -> float | None:
    """``timeout`` clamped to what is left before this thread's deadline."""
    at: float | None = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A network stream whose every read, write and handshake ends by the deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, left))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's synchronous backend, with :class:`_DeadlineStream` streams."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = _left(timeout, httpcore.ConnectTimeout)
        stream = self._inner.connect_tcp(host, port, left, local_address, socket_options)
        return _DeadlineStream(stream)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Any = None
    ) -> httpcore.NetworkStream:
        raise httpcore.UnsupportedProtocol("unix sockets are not used")

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


@contextlib.contextmanager
def _httpx_errors() -> Iterator[None]:
    """Re-raise httpcore's exceptions as httpx's namesakes (as httpx's transport does)."""
    try:
        yield
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        httpcore.UnsupportedProtocol,
        httpcore.ProxyError,
    ) as exc:
        kind = getattr(httpx, type(exc).__name__, None)
        if not (isinstance(kind, type) and issubclass(kind, httpx.TransportError)):
            kind = httpx.TransportError
        raise kind(str(exc)) from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def __iter__(self) -> Iterator[bytes]:
        with _httpx_errors():
            yield from self._stream

    def close(self) -> None:
        closer = getattr(self._stream, "close", None)
        if closer is not None:
            with _httpx_errors():
                closer()


class _DeadlineTransport(httpx.BaseTransport):
    """httpx's default transport, rebuilt over a :class:`_DeadlineBackend` pool.

    (``httpx.HTTPTransport`` does not let one choose the network backend.)
    """

    def __init__(self, ssl_context: ssl.SSLContext, max_connections: int) -> None:
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_EXPIRY,
            network_backend=_DeadlineBackend(),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        with _httpx_errors():
            response = self._pool.handle_request(core_request)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._pool.close()
