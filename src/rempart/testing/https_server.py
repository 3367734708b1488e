"""A local HTTPS (or plain HTTP) server with a fixed routing table, for offline tests.

Routes are keyed by (Host header without port, path) so one server on loopback can
impersonate many virtual hosts, e.g. ``mta-sts.party.test`` serving
``/.well-known/mta-sts.txt``. TLS handshakes happen in the per-connection threads,
so a slow or broken client never stalls the accept loop.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

from rempart.testing._service import Service
from rempart.testing.pki import IssuedCert

logger = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_HANDSHAKE_TIMEOUT = 10.0
_IDLE_TIMEOUT = 10.0
RouteKey = tuple[str, str]
_SEEN_MAX = 1_000


class SeenRequest(NamedTuple):
    """A request the server received (the last ``1000`` are kept, oldest first)."""

    method: str
    host: str
    """The Host header without port, lowercased."""
    path: str
    headers: tuple[tuple[str, str], ...]
    """Request headers in order, names lowercased."""


@dataclass(frozen=True)
class Route:
    """A canned HTTP response: status, body, headers and an optional delay (seconds).

    With ``ranges=True`` a GET carrying a single ``Range: bytes=…`` is answered
    ``206`` with ``Content-Range`` and the requested slice (``416`` when it is
    past the end), and ``Accept-Ranges: bytes`` is announced.
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/plain"),)
    delay: float = 0.0
    ranges: bool = False


NOT_FOUND = Route(status=404, body=b"not found\n")


class _Server(ThreadingHTTPServer):
    """A ThreadingHTTPServer that wraps each accepted connection in TLS (if configured)."""

    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        routes: dict[RouteKey, Route],
        tls: ssl.SSLContext | None,
    ) -> None:
        """Bind to *address*; *routes* is shared with the owning LocalHTTPSServer."""
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)
        self.routes = routes
        self.tls = tls
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        self.seen: collections.deque[SeenRequest] = collections.deque(maxlen=_SEEN_MAX)
        self.peak_connections = 0
        self.accepted_connections = 0

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse lookup (socket.getfqdn) of the address."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Do the TLS handshake in the connection thread, then handle requests."""
        conn = self._wrap(request)
        if conn is None:
            return
        with self.connections_lock:
            self.open_connections.add(conn)
            self.accepted_connections += 1
            self.peak_connections = max(self.peak_connections, len(self.open_connections))
        try:
            super().finish_request(conn, client_address)
        finally:
            with self.connections_lock:
                self.open_connections.discard(conn)
            if conn is not request:
                conn.close()  # the raw socket was detached by wrap_socket

    def _wrap(self, request: socket.socket) -> socket.socket | None:
        """The TLS-wrapped connection, or None when the handshake fails."""
        if self.tls is None:
            return request
        request.settimeout(_HANDSHAKE_TIMEOUT)
        try:
            return self.tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            logger.debug("TLS handshake failed: %s", exc)
            return None

    def close_connections(self) -> None:
        """Shut down every connection still open (keep-alive clients)."""
        with self.connections_lock:
            for conn in list(self.open_connections):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    """Serve GET/HEAD from the routing table of the owning server."""

    server: _Server
    protocol_version = "HTTP/1.1"
    # headers and body go out in two writes: without this every kept-alive request
    # waits ~40 ms on a delayed ACK (measured by the website benchmark)
    disable_nagle_algorithm = True
    timeout = _IDLE_TIMEOUT

    def do_GET(self) -> None:
        """Serve a route with its body."""
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        """Serve a route's status and headers only."""
        self._respond(with_body=False)

    server_header = "rempart-test"
    """What the ``Server`` header says unless the route sets its own (no version number)."""

    def version_string(self) -> str:
        """The ``Server`` header: the route's own, else a neutral name (not Python's)."""
        return self.server_header

    def log_message(self, format: str, *args: Any) -> None:
        """Route http.server's access log to debug logging."""
        logger.debug("%s - %s", self.address_string(), format % args)

    def _route(self) -> Route:
        """Find the route for (Host, path), falling back to path without query, then to
        the host's catch-all path ``"*"``, then the same for host ``"*"``, then 404."""
        host = _host_only(self.headers.get("Host", ""))
        bare_path = self.path.split("?", 1)[0]
        for name in (host, "*"):
            for path in (self.path, bare_path, "*"):
                route = self.server.routes.get((name, path))
                if route is not None:
                    return route
        return NOT_FOUND

    def _respond(self, *, with_body: bool) -> None:
        """Send the route's status line, headers and (optionally) body."""
        route = self._route()
        self.server.seen.append(
            SeenRequest(
                self.command,
                _host_only(self.headers.get("Host", "")),
                self.path,
                tuple((k.lower(), v) for k, v in self.headers.items()),
            )
        )
        if route.delay > 0:
            time.sleep(route.delay)
        status, body, extra = route.status, route.body, []
        if route.ranges:
            extra.append(("Accept-Ranges", "bytes"))
            wanted = _byte_range(self.headers.get("Range", ""), len(body))
            if wanted is not None and status == 200:
                status, body, content_range = _slice(body, wanted)
                extra.append(("Content-Range", content_range))
        own_server = [v for k, v in route.headers if k.lower() == "server"]
        self.server_header = own_server[0] if own_server else type(self).server_header
        try:
            self.send_response(status)
            for name, value in (*route.headers, *extra):
                if name.lower() != "server":
                    self.send_header(name, value)
            if not any(name.lower() == "content-length" for name, _ in route.headers):
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                _write_body(self.wfile, body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError) as exc:
            logger.debug("client went away during the response: %s", exc)
            self.close_connection = True


def _byte_range(header: str, size: int) -> tuple[int, int] | None:
    """The (first, last) of a single ``bytes=`` range; None when absent or unsupported.

    ``last`` may be past the end (clamped by :func:`_slice`); a first byte past the
    end gives ``(size, size)``, which :func:`_slice` turns into a 416.
    """
    unit, _, spec = header.strip().partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first, dash, last = spec.strip().partition("-")
    first, last = first.strip(), last.strip()
    if not dash or not (first or last) or not all(p.isdigit() for p in (first, last) if p):
        return None
    if not first:  # suffix range: the last N bytes
        count = int(last)
        return (max(size - count, 0), size - 1) if count else (size, size)
    start = int(first)
    if start >= size:
        return (size, size)
    end = int(last) if last.isdigit() else size - 1
    return (start, end) if end >= start else None


def _slice(body: bytes, wanted: tuple[int, int]) -> tuple[int, bytes, str]:
    """Status, body and Content-Range value answering a byte range of *body*."""
    start, end = wanted
    if start >= len(body):
        return 416, b"", f"bytes */{len(body)}"
    end = min(end, len(body) - 1)
    return 206, body[start : end + 1], f"bytes {start}-{end}/{len(body)}"


def _write_body(wfile: Any, body: bytes) -> None:
    """Write *body* in chunks through a memoryview (no copy of large bodies)."""
    view = memoryview(body)
    for start in range(0, len(view), _CHUNK):
        wfile.write(view[start : start + _CHUNK])


def _host_only(header: str) -> str:
    """The Host header without port, lowercased, brackets of IPv6 literals removed."""
    host = header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host.rstrip(".")


class LocalHTTPSServer(Service):
    """An HTTPS server (plain HTTP when ``cert`` is None) serving canned routes."""

    def __init__(
        self,
        routes: Mapping[tuple[str, str], Route],
        *,
        cert: IssuedCert | None,
        host: str = "127.0.0.1",
        port: int = 0,
        tls_min_version: ssl.TLSVersion | None = None,
        tls_max_version: ssl.TLSVersion | None = None,
    ) -> None:
        """Routes map (lowercase host without port, path) to a :class:`Route`.

        A host of ``"*"`` matches any Host header, a path of ``"*"`` any path (exact
        paths win, then the host's ``"*"``, then host ``"*"``). Unknown routes get a
        404. ``tls_min_version``/``tls_max_version`` bound the protocols offered: a
        maximum under TLS 1.2 makes an outdated server (TLS 1.0/1.1, weak ciphers).
        """
        self.host = host
        self._requested_port = port
        self._port = port
        self.routes: dict[RouteKey, Route] = {
            (h.lower().rstrip("."), p): r for (h, p), r in routes.items()
        }
        self._tls = (
            cert.server_context(min_version=tls_min_version, max_version=tls_max_version)
            if cert is not None
            else None
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counts = (0, 0)  # (peak, accepted) of the last run, kept after stop()
        self._seen: list[SeenRequest] = []  # requests of the last run, kept after stop()

    @property
    def scheme(self) -> str:
        """``"https"`` or ``"http"``."""
        return "http" if self._tls is None else "https"

    def url(self, path: str = "/") -> str:
        """A URL for *path* on this server, addressed by IP (send Host/SNI separately)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self._port}{path}"

    @property
    def peak_connections(self) -> int:
        """The most connections open at the same time since the last start."""
        server = self._server
        return server.peak_connections if server is not None else self._counts[0]

    @property
    def accepted_connections(self) -> int:
        """Connections accepted (past the TLS handshake) since the last start."""
        server = self._server
        return server.accepted_connections if server is not None else self._counts[1]

    @property
    def requests(self) -> list[SeenRequest]:
        """The requests received since the last start (the last 1000), oldest first."""
        return list(self._server.seen) if self._server is not None else list(self._seen)

    def set_route(self, host: str, path: str, route: Route) -> None:
        """Add or replace a route, also while the server is running."""
        self.routes[(host.lower().rstrip("."), path)] = route

    def start(self) -> LocalHTTPSServer:
        """Bind and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("server already started")
        server = _Server((self.host, self._requested_port), self.routes, self._tls)
        self._port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"https-{self._port}",
            daemon=True,
        )
        self._server = server
        self._thread.start()
        logger.debug("%s server listening on %s:%d", self.scheme, self.host, self._port)
        return self

    def stop(self) -> None:
        """Stop accepting, drop open connections and release the port."""
        if self._server is None or self._thread is None:
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._counts = (self._server.peak_connections, self._server.accepted_connections)
        self._seen = list(self._server.seen)
        self._thread.join(timeout=5)
        self._server = self._thread = None
        logger.debug("%s server on port %d stopped", self.scheme, self._port)
