"""Does a mail server offer STARTTLS, with which protocol, and a valid certificate?

The connection goes to the address our own resolver gave for the MX name; the
certificate is checked against the MX name. Nothing is sent but EHLO,
STARTTLS and QUIT.
"""

from __future__ import annotations

import contextlib
import logging
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from rempart.net.tls import client_context

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StarttlsResult:
    """What one MX host offered."""

    host: str
    """The MX name."""
    address: str
    """The IP address connected to."""
    port: int
    """The port (25 in real life)."""
    connected: bool = False
    """An SMTP greeting was received."""
    starttls: bool = False
    """The server advertised STARTTLS and the handshake completed."""
    tls_version: str = ""
    """Negotiated protocol (``TLSv1.3``)."""
    cert_valid: bool = False
    """The certificate chains to a trusted CA and matches the MX name."""
    cert_error: str = ""
    """Why the certificate is not valid."""
    cert_not_after: datetime | None = None
    """Expiry of the server certificate, when it could be read."""
    error: str = ""
    """Why the probe could not complete (connection refused, timeout…)."""


class _PinnedSMTP(smtplib.SMTP):
    """smtplib that connects to a given address but names the MX host in TLS."""

    def __init__(self, host: str, address: str, timeout: float, helo: str) -> None:
        self._address = address
        # local_hostname given: without it smtplib calls socket.getfqdn(), a lookup
        # through the system resolver that the user did not choose.
        super().__init__(timeout=timeout, local_hostname=helo)
        self._host = host

    def open(self, port: int) -> None:
        """Connect and read the greeting; TLS will then check the MX name."""
        host = self._host
        self.connect(self._address, port)
        self._host = host  # connect() overwrites it

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((self._address, port), timeout)


DEADLINE_FACTOR = 3
"""A whole conversation may last this many times the per-read timeout."""


def probe_starttls(
    host: str,
    address: str,
    port: int = 25,
    *,
    timeout: float = 10.0,
    ca_file: str | None = None,
    helo: str = "rempart.invalid",
) -> StarttlsResult:
    """Probe one MX host; failures come back in the result, never raised."""
    base = StarttlsResult(host, address, port)
    first = _attempt(base, client_context(ca_file, legacy=True), timeout, helo)
    if first.cert_error:
        # The certificate failed; look again without verifying to see the protocol.
        second = _attempt(base, client_context(None, verify=False, legacy=True), timeout, helo)
        return StarttlsResult(
            host,
            address,
            port,
            connected=True,
            starttls=second.starttls,
            tls_version=second.tls_version,
            cert_valid=False,
            cert_error=first.cert_error,
            cert_not_after=second.cert_not_after,
            error=second.error,
        )
    return first


def _attempt(
    base: StarttlsResult, ctx: ssl.SSLContext, timeout: float, helo: str
) -> StarttlsResult:
    host, address, port = base.host, base.address, base.port
    smtp = _PinnedSMTP(host, address, timeout, helo)
    # smtplib bounds each line, not how many: a server dripping endless "250-" lines
    # would hold the probe forever. The watchdog cuts the connection at the deadline.
    watchdog = threading.Timer(timeout * DEADLINE_FACTOR, _cut, (smtp,))
    watchdog.daemon = True
    watchdog.start()
    try:
        try:
            smtp.open(port)
        except (OSError, smtplib.SMTPException) as exc:
            return StarttlsResult(host, address, port, error=f"cannot connect: {_reason(exc)}")
        return _negotiate(smtp, base, ctx, helo)
    finally:
        watchdog.cancel()
        _quit(smtp)


def _cut(smtp: _PinnedSMTP) -> None:
    sock = smtp.sock
    if sock is not None:
        log.warning("SMTP conversation with %s over its deadline: cut", smtp._host)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _negotiate(
    smtp: _PinnedSMTP, base: StarttlsResult, ctx: ssl.SSLContext, helo: str
) -> StarttlsResult:
    host, address, port = base.host, base.address, base.port
    try:
        smtp.ehlo(helo)
        if not smtp.has_extn("starttls"):
            return StarttlsResult(host, address, port, connected=True)
        smtp.starttls(context=ctx)
    except ssl.SSLCertVerificationError as exc:
        reason = exc.verify_message or _reason(exc)
        return StarttlsResult(host, address, port, connected=True, starttls=True, cert_error=reason)
    except (OSError, smtplib.SMTPException, ssl.SSLError) as exc:
        return StarttlsResult(
            host, address, port, connected=True, error=f"STARTTLS failed: {_reason(exc)}"
        )
    sock = smtp.sock
    version = sock.version() if isinstance(sock, ssl.SSLSocket) else ""
    not_after = _not_after(sock)
    verified = ctx.verify_mode == ssl.CERT_REQUIRED
    return StarttlsResult(
        host,
        address,
        port,
        connected=True,
        starttls=True,
        tls_version=version or "",
        cert_valid=verified,
        cert_not_after=not_after,
    )


def _not_after(sock: object) -> datetime | None:
    if not isinstance(sock, ssl.SSLSocket):
        return None
    der = sock.getpeercert(binary_form=True)
    if not der:
        return None
    from cryptography import x509

    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc.astimezone(UTC)
    except ValueError:
        return None


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]


class HostLimiter:
    """At most ``per_host`` simultaneous connections to one host, per process.

    Thousands of campaign domains share a handful of mail providers: being
    polite means not opening hundreds of connections to the same MX at once.
    """

    def __init__(self, per_host: int = 2) -> None:
        self.per_host = per_host
        self._lock = threading.Lock()
        self._sems: dict[str, threading.BoundedSemaphore] = {}

    def slot(self, host: str) -> threading.BoundedSemaphore:
        """The semaphore guarding ``host``; use as a context manager."""
        with self._lock:
            sem = self._sems.get(host)
            if sem is None:
                sem = self._sems[host] = threading.BoundedSemaphore(self.per_host)
            return sem
