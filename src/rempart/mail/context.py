"""What the mail signals know about the campaign: its domains, people and servers.

Built once per run from the campaign file (or empty without one) and handed to
every signal; signals never read files or the network themselves. Live DNS
checks (DKIM, SPF, DMARC) use the injected ``dns`` client, None when offline.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rempart.model.campaign import Campaign
    from rempart.net.dns import DnsClient

from rempart.mail.limits import DEFAULT_LIMITS, MailLimits


@dataclass(frozen=True)
class Person:
    """Someone attackers impersonate: their name and real addresses."""

    name: str
    role: str
    addresses: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailContext:
    """The campaign as mail analysis needs it. Frozen: shared by threads and workers."""

    own_domains: tuple[str, ...] = ()
    """Every domain the campaign owns (A-label, lowercase), any role."""
    mail_domains: tuple[str, ...] = ()
    """Those with the ``mail`` role: the only ones the party sends from."""
    people: tuple[Person, ...] = ()
    authserv_ids: tuple[str, ...] = ()
    """``Authentication-Results`` stamps to trust: those of the party's own
    receiving servers (RFC 8601 authserv-id, lowercase). Others are ignored,
    and one claiming these ids but placed above the party's own is forged."""
    relays: tuple[str, ...] = ()
    """Host names (lowercase) of the party's own receiving mail servers, as they
    appear in ``Received: … by HOST``; mail "from" a party domain must pass them."""
    organisation: str = ""
    limits: MailLimits = DEFAULT_LIMITS
    dns: DnsClient | None = None
    """Resolver for optional live SPF/DKIM/DMARC checks; None means offline."""
    extra: tuple[tuple[str, str], ...] = field(default=())
    """Free settings for tests and later options (key, value)."""

    @classmethod
    def from_campaign(
        cls,
        campaign: Campaign | None,
        *,
        limits: MailLimits = DEFAULT_LIMITS,
        dns: DnsClient | None = None,
    ) -> MailContext:
        """The context for ``campaign`` (an empty one for None)."""
        if campaign is None:
            return cls(limits=limits, dns=dns)
        mail = campaign.mail
        return cls(
            own_domains=tuple(d.name for d in campaign.domains),
            mail_domains=tuple(d.name for d in campaign.domains if d.has_role("mail")),
            people=tuple(
                Person(name=p.name, role=p.role, addresses=tuple(p.addresses))
                for p in campaign.people
            ),
            authserv_ids=tuple(mail.authserv_ids),
            relays=tuple(mail.relays),
            organisation=campaign.organisation.name,
            limits=limits,
            dns=dns,
        )

    def is_own(self, domain: str) -> bool:
        """True if ``domain`` is one of the campaign's domains or below one."""
        d = domain.lower().rstrip(".")
        return any(d == o or d.endswith("." + o) for o in self.own_domains)


class Deadline:
    """A per-message time budget, checked by the triage loop between signals."""

    def __init__(self, seconds: float) -> None:
        self._end = time.monotonic() + seconds
        self.seconds = seconds

    def expired(self) -> bool:
        return time.monotonic() > self._end
