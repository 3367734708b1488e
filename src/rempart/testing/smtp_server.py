"""A local SMTP server with optional STARTTLS, built on aiosmtpd, for offline tests.

The server accepts and discards every message; what matters to Rempart is the
EHLO/STARTTLS negotiation: whether STARTTLS is offered, which TLS versions are
allowed, and which certificate is presented.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from rempart.testing._service import Service
from rempart.testing.pki import IssuedCert, LocalCA

logger = logging.getLogger(__name__)


class _DiscardHandler:
    """An aiosmtpd handler that accepts every message and throws it away."""

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Accept the message without storing it."""
        logger.debug("discarding message from %s", envelope.mail_from)
        return "250 Message accepted for delivery"


class _SocketController(Controller):
    """An aiosmtpd Controller serving on a socket we bound ourselves (no port race)."""

    def __init__(self, sock: socket.socket, **kwargs: Any) -> None:
        """Serve on the already-bound, listening *sock*."""
        host, port = sock.getsockname()[:2]
        super().__init__(_DiscardHandler(), hostname=host, port=port, **kwargs)
        self._sock = sock

    def _create_server(self) -> Any:
        """Create the asyncio server on the pre-bound socket."""
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class LocalSMTPServer(Service):
    """An SMTP server on loopback that offers STARTTLS with a chosen certificate."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        cert: IssuedCert | None = None,
        starttls: bool = True,
        tls_min_version: ssl.TLSVersion | None = None,
        tls_max_version: ssl.TLSVersion | None = None,
        hostname: str = "mx.test",
    ) -> None:
        """Configure the server; with STARTTLS and no *cert*, a self-signed one is made."""
        self.host = host
        self._requested_port = port
        self._port = port
        self.hostname = hostname
        self.starttls = starttls
        self._tls_context = self._build_tls(cert, tls_min_version, tls_max_version)
        self._controller: _SocketController | None = None

    def start(self) -> LocalSMTPServer:
        """Bind, start the aiosmtpd thread and wait until the banner is served."""
        if self._controller is not None:
            raise RuntimeError("server already started")
        sock = _listening_socket(self.host, self._requested_port)
        self._port = sock.getsockname()[1]
        controller = _SocketController(
            sock,
            server_hostname=self.hostname,
            tls_context=self._tls_context,
            require_starttls=False,
            ready_timeout=10.0,
        )
        try:
            controller.start()
        except Exception:
            with contextlib.suppress(Exception):
                controller.stop(no_assert=True)
            sock.close()
            raise
        self._controller = controller
        logger.debug("SMTP server %s listening on %s:%d", self.hostname, self.host, self._port)
        return self

    def stop(self) -> None:
        """Stop the server thread and release the port."""
        if self._controller is None:
            return
        self._controller.stop()
        self._controller = None
        logger.debug("SMTP server on port %d stopped", self._port)

    def _build_tls(
        self,
        cert: IssuedCert | None,
        min_version: ssl.TLSVersion | None,
        max_version: ssl.TLSVersion | None,
    ) -> ssl.SSLContext | None:
        """The STARTTLS server context, or None when STARTTLS is disabled."""
        if not self.starttls:
            return None
        if cert is None:
            logger.debug("no certificate given: using a self-signed one for %s", self.hostname)
            cert = LocalCA.create().issue([self.hostname], sign_with_ca=False)
        return cert.server_context(min_version=min_version, max_version=max_version)


def _listening_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port); port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock
