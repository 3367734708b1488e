"""A local HTTPS (or plain HTTP) server with a fixed routing table, for offline tests.

Routes are keyed by (Host header without port, path) so one server on loopback can
impersonate many virtual hosts, e.g. ``mta-sts.party.test`` serving
``/.well-known/mta-sts.txt``. TLS handshakes happen in the per-connection threads,
so a slow or broken client never stalls the accept loop.
"""

from __future__ import annotations

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
from typing import Any

from rempart.testing._service import Service
from rempart.testing.pki import IssuedCert

logger = logging.getLogger(__name__)

_CHUNK = 256 * 1024
_HANDSHAKE_TIMEOUT = 10.0
_IDLE_TIMEOUT = 10.0
RouteKey = tuple[str, str]


@dataclass(frozen=True)
class Route:
    """A canned HTTP response: status, body, headers and an optional delay (seconds)."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "text/plain"),)
    delay: float = 0.0


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
    timeout = _IDLE_TIMEOUT

    def do_GET(self) -> None:
        """Serve a route with its body."""
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        """Serve a route's status and headers only."""
        self._respond(with_body=False)

    def log_message(self, format: str, *args: Any) -> None:
        """Route http.server's access log to debug logging."""
        logger.debug("%s - %s", self.address_string(), format % args)

    def _route(self) -> Route:
        """Find the route for (Host, path), falling back to path without query, then 404."""
        host = _host_only(self.headers.get("Host", ""))
        bare_path = self.path.split("?", 1)[0]
        for key in ((host, self.path), (host, bare_path), ("*", self.path), ("*", bare_path)):
            route = self.server.routes.get(key)
            if route is not None:
                return route
        return NOT_FOUND

    def _respond(self, *, with_body: bool) -> None:
        """Send the route's status line, headers and (optionally) body."""
        route = self._route()
        if route.delay > 0:
            time.sleep(route.delay)
        try:
            self.send_response(route.status)
            for name, value in route.headers:
                self.send_header(name, value)
            if not any(name.lower() == "content-length" for name, _ in route.headers):
                self.send_header("Content-Length", str(len(route.body)))
            self.end_headers()
            if with_body:
                _write_body(self.wfile, route.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, TimeoutError) as exc:
            logger.debug("client went away during the response: %s", exc)
            self.close_connection = True


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
    ) -> None:
        """Routes map (lowercase host without port, path) to a :class:`Route`.

        A host of ``"*"`` matches any Host header. Unknown routes get a 404.
        """
        self.host = host
        self._requested_port = port
        self._port = port
        self.routes: dict[RouteKey, Route] = {
            (h.lower().rstrip("."), p): r for (h, p), r in routes.items()
        }
        self._tls = cert.server_context() if cert is not None else None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The TCP port (real once started)."""
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) the server listens on."""
        return self.host, self._port

    @property
    def scheme(self) -> str:
        """``"https"`` or ``"http"``."""
        return "http" if self._tls is None else "https"

    def url(self, path: str = "/") -> str:
        """A URL for *path* on this server, addressed by IP (send Host/SNI separately)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self._port}{path}"

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
        self._thread.join(timeout=5)
        self._server = self._thread = None
        logger.debug("%s server on port %d stopped", self.scheme, self._port)
