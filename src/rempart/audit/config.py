"""What an audit job needs to know, as plain picklable values."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

DEFAULT_DKIM_SELECTORS = (
    "default", "dkim", "mail", "selector1", "selector2", "google", "k1", "k2", "s1", "s2",
    "smtp", "mx", "key1", "mandrill", "everlytickey1", "sig1", "protonmail", "zoho",
)  # fmt: skip
"""Selectors tried on every mail domain (the big providers' and common ones)."""

PROBED_NAMES = (
    "www", "mail", "webmail", "smtp", "autodiscover", "blog", "shop", "boutique", "don",
    "dons", "donate", "vote", "adherer", "join", "news", "newsletter", "events", "app",
    "api", "admin", "intranet", "vpn", "cdn", "static", "media", "dev", "staging", "test",
)  # fmt: skip
"""Subdomains looked at for dangling CNAMEs (a zone cannot be listed from outside)."""


class Role(StrEnum):
    """What a domain is for, which decides the mail checks it gets."""

    MAIL = "mail"
    """Sends and receives mail: full SPF, DMARC, DKIM, MTA-STS… checks."""
    NONSENDING = "nonsending"
    """Sends no mail (a web-only domain): must say so (SPF -all, DMARC reject)."""
    DEFENSIVE = "defensive"
    """A look-alike the party registered: like non-sending, and must not receive mail."""
    AUTO = "auto"
    """Given on the command line: mail if it has MX records, else non-sending."""


@dataclass(frozen=True)
class AuditTarget:
    """One domain to audit."""

    domain: str
    """Normalised domain name (A-label, lowercase, no final dot)."""
    role: Role = Role.AUTO
    """What the domain is for."""
    dkim_selectors: tuple[str, ...] = ()
    """Selectors the campaign says it uses, tried before the common ones."""
    hostnames: tuple[str, ...] = ()
    """Known hostnames under the domain (from the campaign's websites)."""

    @property
    def scope(self) -> str:
        """The store's scope for this domain: its name."""
        return self.domain


@dataclass(frozen=True)
class SiteTarget:
    """One website to audit."""

    url: str
    """Canonical origin, ``https://host[:port]/`` (what findings name)."""
    host: str
    """Host name (A-label) or IP address."""
    port: int | None = None
    """Explicit port of the URL, None for the default ones."""

    @property
    def scope(self) -> str:
        """The store's scope for this site: its canonical URL."""
        return self.url


@dataclass(frozen=True)
class AuditConfig:
    """Network settings shared by every job of a run."""

    resolver: str | None = None
    """``IP[:PORT]`` of the resolver to use; None for the system's."""
    dns_timeout: float = 3.0
    """Seconds allowed for one DNS question."""
    smtp: bool = True
    """Probe STARTTLS on each MX (off where outgoing port 25 is blocked)."""
    smtp_port: int = 25
    """Port of the MX hosts (25; tests use a local port)."""
    smtp_timeout: float = 10.0
    """Seconds allowed for one SMTP conversation."""
    https_port: int = 443
    """Port for MTA-STS policies (443; tests use a local port)."""
    https_timeout: float = 10.0
    """Seconds allowed for one HTTPS fetch."""
    ca_file: str | None = None
    """Extra CA bundle to trust (an internal CA); None for the system's."""
    extra_selectors: tuple[str, ...] = DEFAULT_DKIM_SELECTORS
    """DKIM selectors tried on every mail domain."""
    http_port: int = 80
    """Port for plain-HTTP requests to sites given without a port (tests use a local port)."""
    max_pages: int = 30
    """Pages a website crawl may fetch beyond the guessed paths."""
    ignore_robots: bool = False
    """Crawl pages that robots.txt disallows."""
    site_budget_seconds: float = 120.0
    """Time one website's audit may spend fetching; what is left is reported unchecked."""
