"""A whole little internet on loopback: DNS, mail servers, HTTPS, and a CA.

Tests, the benchmark and the demo all audit domains served by an
:class:`AuditWorld`: zones say where things are (``mx1.party.test A
127.0.0.2``) and the world starts one real SMTP server per mail address and
one HTTPS server, all on loopback, with certificates from its own CA.
"""

from __future__ import annotations

import logging
import socket
import ssl
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dns.zone

from rempart.audit.config import AuditConfig
from rempart.testing._service import Service
from rempart.testing.dns_server import LocalDNSServer
from rempart.testing.https_server import LocalHTTPSServer, Route
from rempart.testing.pki import IssuedCert, LocalCA
from rempart.testing.smtp_server import LocalSMTPServer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MailHost:
    """One SMTP server of the world, listening on its own loopback address."""

    address: str
    """Loopback address it listens on (``127.0.0.2``); the zones point MX names at it."""
    names: tuple[str, ...]
    """MX names its certificate covers."""
    starttls: bool = True
    """Offer STARTTLS."""
    cert: str = "valid"
    """``valid``, ``self-signed`` or ``expired``."""
    tls_max: ssl.TLSVersion | None = None
    """Highest TLS version offered (``TLSv1_1`` makes an outdated server)."""


@dataclass(frozen=True)
class SiteHost:
    """One web server of the world (HTTPS, and plain HTTP when it has HTTP routes)."""

    address: str
    """Loopback address it listens on; the zones point the site names at it."""
    names: tuple[str, ...]
    """Host names its certificate covers."""
    routes: Mapping[tuple[str, str], Route]
    """HTTPS routes, keyed by (host, path); path ``*`` answers every path."""
    http_routes: Mapping[tuple[str, str], Route] = field(default_factory=dict)
    """Plain-HTTP routes (a redirect to HTTPS, or the site itself)."""
    tls_max: ssl.TLSVersion | None = None
    """Highest TLS version offered (``TLSv1_1`` makes an outdated site)."""
    cert: str = "valid"
    """``valid``, ``self-signed`` or ``expired``."""
    https: bool = True
    """Listen for HTTPS (False: a site served over plain HTTP only)."""


@dataclass
class AuditWorld(Service):
    """DNS + SMTP + HTTPS servers on loopback, and the config to audit them."""

    zones: Mapping[str, str | dns.zone.Zone]
    mail_hosts: Sequence[MailHost] = ()
    https_routes: Mapping[tuple[str, str], Route] = field(default_factory=dict)
    behaviours: Mapping[str, str] = field(default_factory=dict)
    sites: Sequence[SiteHost] = ()

    def __post_init__(self) -> None:
        self.ca = LocalCA.create("Rempart Local CA")
        self._dir = tempfile.TemporaryDirectory(prefix="rempart-world-")
        self.ca_file = self.ca.write_ca(Path(self._dir.name) / "ca.pem")
        self.dns = LocalDNSServer(self.zones, behaviours=self.behaviours)
        self.smtp: list[LocalSMTPServer] = []
        self.web: list[LocalHTTPSServer] = []
        self.smtp_port = 0
        self.https_port = 0
        self.http_port = 0

    def start(self) -> AuditWorld:
        """Start every server."""
        self.dns.start()
        if self.mail_hosts:
            self.smtp_port = _free_port([h.address for h in self.mail_hosts])
            for host in self.mail_hosts:
                server = LocalSMTPServer(
                    host.address,
                    self.smtp_port,
                    cert=self._cert(host),
                    starttls=host.starttls,
                    tls_max_version=host.tls_max,
                    hostname=host.names[0],
                )
                self.smtp.append(server.start())
        self._start_web()
        return self

    def _web_hosts(self) -> list[SiteHost]:
        hosts = list(self.sites)
        if self.https_routes:  # MTA-STS policies and the like, on 127.0.0.1
            names = tuple(sorted({h for h, _ in self.https_routes}))
            hosts.append(SiteHost("127.0.0.1", names, self.https_routes))
        return hosts

    def _start_web(self) -> None:
        hosts = self._web_hosts()
        if not hosts:
            return
        self.https_port = _free_port([h.address for h in hosts])
        plain = [h for h in hosts if h.http_routes]
        self.http_port = _free_port([h.address for h in plain]) if plain else 0
        for host in hosts:
            if host.https:
                server = LocalHTTPSServer(
                    host.routes,
                    cert=self._cert(host),
                    host=host.address,
                    port=self.https_port,
                    tls_max_version=host.tls_max,
                )
                self.web.append(server.start())
            if host.http_routes:
                self.web.append(
                    LocalHTTPSServer(
                        host.http_routes, cert=None, host=host.address, port=self.http_port
                    ).start()
                )

    def _cert(self, host: MailHost | SiteHost) -> IssuedCert:
        if host.cert == "self-signed":
            return self.ca.issue(list(host.names), sign_with_ca=False)
        if host.cert == "expired":
            past = datetime.now(UTC) - timedelta(days=10)
            return self.ca.issue(
                list(host.names), not_before=past - timedelta(days=90), not_after=past
            )
        return self.ca.issue(list(host.names))

    def stop(self) -> None:
        """Stop every server and remove the CA file."""
        for server in self.smtp:
            server.stop()
        for web in self.web:
            web.stop()
        self.dns.stop()
        self._dir.cleanup()

    @property
    def resolver(self) -> str:
        """``IP:PORT`` of the world's DNS server (for ``--resolver``)."""
        host, port = self.dns.address
        return f"{host}:{port}"

    def config(self, **overrides: object) -> AuditConfig:
        """An audit configuration pointing every client at this world."""
        settings: dict[str, object] = {
            "resolver": self.resolver,
            "dns_timeout": 1.0,
            "smtp": bool(self.mail_hosts),
            "smtp_port": self.smtp_port or 25,
            "smtp_timeout": 5.0,
            "https_port": self.https_port or 443,
            "http_port": self.http_port or 80,
            "https_timeout": 5.0,
            "ca_file": str(self.ca_file),
        }
        settings.update(overrides)
        return AuditConfig(**settings)  # type: ignore[arg-type]


def _free_port(addresses: Sequence[str], attempts: int = 50) -> int:
    """A port free on every one of ``addresses``."""
    for _ in range(attempts):
        with socket.socket() as probe:
            probe.bind((addresses[0], 0))
            port = probe.getsockname()[1]
        if all(_bindable(a, port) for a in addresses):
            return int(port)
    raise OSError(f"no common free port on {', '.join(addresses)}")


def _bindable(address: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True
