"""Everything a check may ask about one domain, with every answer memoised.

Checks receive a :class:`DomainContext`; they never build clients or read
settings themselves. A DNS failure that makes a check meaningless raises
:class:`CheckUnavailable`, which the job records as an error on that domain.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from rempart.audit.config import AuditConfig, AuditTarget, Role
from rempart.net.dns import DnsAnswer, DnsClient
from rempart.net.https import HttpsResult
from rempart.net.smtp import StarttlsResult


class CheckUnavailable(Exception):
    """A check cannot conclude (the DNS answer needed did not come)."""


SmtpProbe = Callable[[str, str], StarttlsResult]
"""(MX host, IP address) → what the server offered."""

HttpsFetch = Callable[[str, str], HttpsResult]
"""(host, path) → what the server answered."""


@dataclass
class DomainContext:
    """One domain under audit, and the clients to look at it with."""

    target: AuditTarget
    config: AuditConfig
    dns: DnsClient
    smtp_probe: SmtpProbe
    https_fetch: HttpsFetch

    def __post_init__(self) -> None:
        self._memo: dict[tuple[str, str, bool], DnsAnswer] = {}
        self._wildcard_label = "rempart-" + secrets.token_hex(6)
        self.role = self.target.role

    @property
    def domain(self) -> str:
        """The domain audited."""
        return self.target.domain

    def q(self, name: str, rdtype: str, *, dnssec: bool = False) -> DnsAnswer:
        """Ask once; later identical questions reuse the answer."""
        key = (name.lower().rstrip("."), rdtype, dnssec)
        answer = self._memo.get(key)
        if answer is None:
            answer = self._memo[key] = self.dns.query(name, rdtype, dnssec=dnssec)
        return answer

    def need(self, name: str, rdtype: str, *, dnssec: bool = False) -> DnsAnswer:
        """Like :meth:`q`, but a failed answer makes the calling check unavailable."""
        answer = self.q(name, rdtype, dnssec=dnssec)
        if answer.failed:
            raise CheckUnavailable(answer.describe())
        return answer

    def txt(self, name: str, prefix: str) -> list[str]:
        """TXT records of ``name`` starting with ``prefix`` (case-insensitive)."""
        answer = self.need(name, "TXT")
        low = prefix.lower()
        return [r for r in answer.records if r.lower().startswith(low)]

    @property
    def wildcard_name(self) -> str:
        """A random name under the domain: if it resolves, the zone has a wildcard."""
        return f"{self._wildcard_label}.{self.domain}"

    @property
    def is_apex(self) -> bool:
        """The domain is a zone of its own (it has an SOA record)."""
        return self.q(self.domain, "SOA").ok

    @property
    def sends_mail(self) -> bool:
        """Mail checks apply (declared, or MX records found for ``auto``)."""
        if self.role == Role.MAIL:
            return True
        if self.role != Role.AUTO:
            return False
        mx = self.q(self.domain, "MX")
        return mx.ok and not is_null_mx(mx)


def is_null_mx(answer: DnsAnswer) -> bool:
    """RFC 7505 null MX: a single ``0 .`` record."""
    return answer.ok and len(answer.records) == 1 and answer.records[0].split()[-1] == "."


def mx_hosts(answer: DnsAnswer, limit: int = 10) -> list[str]:
    """MX host names by preference, at most ``limit`` (hostile zones list hundreds)."""
    pairs = []
    for record in answer.records:
        parts = record.split()
        if len(parts) == 2 and parts[0].isdigit() and parts[1] != ".":
            pairs.append((int(parts[0]), parts[1].rstrip(".").lower()))
    return [host for _, host in sorted(pairs)][:limit]
