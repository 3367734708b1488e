"""Block lists the web server or the firewall reads directly, from incidents.

Each incident's sources become entries that expire (a blocked address is often a
home connection or a cloud instance that changes hands): the time to live grows
with the severity. An allow-list always wins: the party's own addresses, its
monitoring, and search-engine crawlers *verified* by forward-confirmed reverse
DNS (a user agent saying "Googlebot" proves nothing).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from rempart.logs.model import Incident
from rempart.model.findings import Severity

if TYPE_CHECKING:
    from rempart.net.dns import DnsClient

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

TTL: dict[Severity, timedelta] = {
    Severity.CRITICAL: timedelta(days=7),
    Severity.HIGH: timedelta(hours=24),
    Severity.MEDIUM: timedelta(hours=6),
    Severity.LOW: timedelta(hours=1),
}
"""How long a source stays blocked after its incident ended; info incidents block nothing."""

CRAWLER_DOMAINS = (
    "googlebot.com", "google.com", "googleusercontent.com", "search.msn.com",
    "crawl.yahoo.net", "yandex.ru", "yandex.net", "yandex.com", "applebot.apple.com",
    "duckduckgo.com", "qwant.com",
)  # fmt: skip
"""Reverse-DNS endings of the search engines' published crawler hosts."""

FORMATS = ("nginx", "ipset", "plain")

NOT_BLOCKED = frozenset({"burst.errors"})
"""Incident kinds whose sources may be victims rather than attackers (the clients that
received a burst of server errors): never put on a block list."""


@dataclass(frozen=True)
class Entry:
    """One blocked address or network."""

    network: str
    """``203.0.113.7/32`` or ``198.51.100.0/24``."""
    expires: datetime
    reasons: tuple[str, ...]
    """Incident kinds that put it there."""


_NETWORK_TEXT = re.compile(r"[0-9A-Fa-f.:/]{2,49}")
"""The characters an IP address or network is written with."""


def network(text: str) -> Network | None:
    """``text`` as an IP network (an address is a /32 or /128), or None when it is not one.

    Only digits, hexadecimal letters, dots, colons and one slash pass: :mod:`ipaddress`
    accepts an IPv6 scope (``fe80::1%eth0``) with anything after the ``%``, newlines and
    semicolons included, which written into an nginx include would be a directive
    (``fe80::1%x;\nallow all;#``). Log lines are written by attackers.
    """
    if not _NETWORK_TEXT.fullmatch(text):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def parse_networks(items: Iterable[str]) -> tuple[list[Network], list[str]]:
    """Allow-list items as networks, and one line per item that is not an address."""
    nets: list[Network] = []
    problems: list[str] = []
    for item in items:
        net = network(item.strip())
        if net is None:
            problems.append(f"{item!r} is not an IP address or network (like 203.0.113.0/24)")
        else:
            nets.append(net)
    return nets, problems


def build(
    incidents: Iterable[Incident],
    *,
    now: datetime,
    allow: Sequence[Network] = (),
    verified: Iterable[str] = (),
) -> list[Entry]:
    """The entries still in force at ``now``: one per network, the latest expiry and all
    reasons kept, allowed addresses and verified crawlers left out, sorted by address."""
    skip = set(verified)
    found: dict[Network, tuple[datetime, set[str]]] = {}
    for incident in incidents:
        ttl = TTL.get(incident.severity)
        if ttl is None or incident.kind in NOT_BLOCKED:
            continue
        expires = incident.end + ttl
        if expires <= now:
            continue
        for source in incident.sources:
            net = network(source)
            if net is None:
                continue
            if source in skip or allowed(net, allow):
                continue
            until, kinds = found.get(net, (expires, set()))
            found[net] = (max(until, expires), kinds | {incident.kind})
    return [
        Entry(str(net), until, tuple(sorted(kinds)))
        for net, (until, kinds) in sorted(found.items(), key=lambda kv: _sort_key(kv[0]))
    ]


def allowed(net: Network, allow: Sequence[Network]) -> bool:
    """Whether ``net`` is inside, or holds, one of the ``allow`` networks."""
    return any(
        net.version == a.version and (net.subnet_of(a) or a.subnet_of(net))  # type: ignore[arg-type]
        for a in allow
    )


def _sort_key(net: Network) -> tuple[int, int, int]:
    return (net.version, int(net.network_address), net.prefixlen)


def render(entries: Sequence[Entry], fmt: str, *, now: datetime, name: str = "rempart") -> str:
    """The block list in ``fmt``: an nginx ``deny`` include, ``ipset restore`` input with
    per-entry timeouts, or one network per line."""
    if fmt == "nginx":
        lines = [f"# {name}: generated {now:%Y-%m-%d %H:%M} UTC; include it in a server block"]
        lines += [f"deny {e.network};  # until {e.expires:%Y-%m-%d %H:%M} UTC: "
                  f"{', '.join(e.reasons)}" for e in entries]  # fmt: skip
        return "\n".join(lines) + "\n"
    if fmt == "ipset":
        lines = [f"create {name}-v4 hash:net family inet timeout 3600 -exist",
                 f"create {name}-v6 hash:net family inet6 timeout 3600 -exist"]  # fmt: skip
        for e in entries:
            family = "v6" if ":" in e.network else "v4"
            seconds = max(1, int((e.expires - now).total_seconds()))
            lines.append(f"add {name}-{family} {e.network} timeout {seconds} -exist")
        return "\n".join(lines) + "\n"
    if fmt == "plain":
        return "".join(f"{e.network}\n" for e in entries)
    raise ValueError(f"unknown block-list format {fmt!r} (use {', '.join(FORMATS)})")


def verify_crawler(ip: str, dns: DnsClient) -> str:
    """The crawler host name when ``ip`` is a search engine's, confirmed both ways
    (its PTR ends in a crawler domain and that name resolves back to ``ip``), else ``""``."""
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    answer = dns.query(addr.reverse_pointer, "PTR")
    for name in answer.records[:5]:
        host = name.rstrip(".").lower()
        if not any(host == d or host.endswith("." + d) for d in CRAWLER_DOMAINS):
            continue
        forward = dns.query(host, "AAAA" if addr.version == 6 else "A")
        if any(_same(r, addr) for r in forward.records):
            return host
    return ""


def _same(text: str, addr: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    try:
        return ipaddress.ip_address(text) == addr
    except ValueError:
        return False
