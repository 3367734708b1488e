"""A DNS client that sends every query to one chosen resolver.

Users with an internal resolver, and every test, pass ``IP[:PORT]``; without
it the system's resolvers are used. Answers are :class:`DnsAnswer` values:
``nxdomain``, ``nodata``, ``servfail``, ``timeout`` and ``error`` are
statuses that checks reason about, never exceptions.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.rrset

from rempart.errors import InputError

log = logging.getLogger(__name__)

MAX_RECORDS = 200
"""At most this many records of one answer are kept (hostile zones can be huge)."""

CACHE_SIZE = 4_096
"""Answers kept per resolver: enough for the names many domains share (MX hosts, SPF
includes); more only feeds the garbage collector (50,000 gave 1 s pauses)."""

MAX_RECORD_TEXT = 16_384
"""A record's text form is cut past this many characters."""


@dataclass(frozen=True)
class Nameserver:
    """Where queries go: an IP address and a port."""

    address: str
    port: int = 53

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{host}:{self.port}"


def parse_nameserver(text: str) -> Nameserver:
    """Parse ``IP``, ``IP:PORT``, ``[IPv6]:PORT`` or a bare IPv6 address.

    Raises :class:`InputError` with a plain message when it is none of these.
    """
    text = text.strip()
    address, port = text, "53"
    if text.startswith("["):
        address, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        address, port = text.split(":")
    try:
        ipaddress.ip_address(address)
    except ValueError:
        raise InputError(
            f"--resolver {text!r}: not an IP address (expected IP or IP:PORT)"
        ) from None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--resolver {text!r}: port must be a number from 1 to 65535") from None
    return Nameserver(address, int(port))


@dataclass(frozen=True)
class DnsAnswer:
    """The outcome of one query, whatever happened."""

    name: str
    """The name asked, absolute, lowercase, without the final dot."""
    rdtype: str
    """The type asked (``TXT``, ``MX``…)."""
    status: str
    """``ok``, ``nodata``, ``nxdomain``, ``loop`` (CNAME loop), ``servfail``, ``refused``,
    ``timeout`` or ``error``."""
    records: tuple[str, ...] = ()
    """Text of each record of the asked type (TXT strings joined, unquoted)."""
    cname_chain: tuple[str, ...] = ()
    """CNAME targets followed on the way, in order."""
    authenticated: bool = False
    """The resolver set the AD flag (it validated DNSSEC)."""
    error: str = ""
    """For ``error``/``timeout``: what went wrong, in one line."""
    rrset: dns.rrset.RRset | None = field(default=None, compare=False, repr=False)
    """The raw answer rrset of the asked type, for checks that need rdata."""
    rrsigs: tuple[dns.rrset.RRset, ...] = field(default=(), compare=False, repr=False)
    """RRSIG rrsets covering the answer (only when asked with DNSSEC)."""

    @property
    def ok(self) -> bool:
        """There is at least one record of the asked type."""
        return self.status == "ok"

    @property
    def exists(self) -> bool:
        """The name exists (it has records, maybe of other types)."""
        return self.status in ("ok", "nodata")

    @property
    def failed(self) -> bool:
        """The question got no usable answer (timeout, SERVFAIL, garbage)."""
        return self.status in ("servfail", "refused", "timeout", "error")

    def describe(self) -> str:
        """One line for evidence and error messages."""
        if self.ok:
            return f"{self.name} {self.rdtype}: " + "; ".join(self.records[:5])
        detail = f" ({self.error})" if self.error else ""
        return f"{self.name} {self.rdtype}: {self.status}{detail}"


def normalise(name: str) -> str:
    """Lowercase, no final dot."""
    return name.strip().rstrip(".").lower()


def record_text(rdata: object) -> str:
    """A record's text: TXT strings joined without quotes, others as dig shows them."""
    strings = getattr(rdata, "strings", None)
    if strings is not None:
        text = b"".join(strings).decode("utf-8", "replace")
    else:
        text = rdata.to_text() if hasattr(rdata, "to_text") else str(rdata)
    return text[:MAX_RECORD_TEXT]


class DnsClient:
    """Queries one resolver (or the system's), with a timeout and a cache.

    Thread-safe; one client may serve every job of a process.
    """

    def __init__(self, nameserver: Nameserver | None = None, *, timeout: float = 3.0) -> None:
        self.nameserver = nameserver
        self.timeout = timeout
        self.resolver = self._make_resolver(dnssec=False)
        self._dnssec_resolver = self._make_resolver(dnssec=True)

    def _make_resolver(self, *, dnssec: bool) -> dns.resolver.Resolver:
        resolver = dns.resolver.Resolver(configure=self.nameserver is None)
        if self.nameserver is not None:
            ns = self.nameserver
            resolver.nameservers = [dns.nameserver.Do53Nameserver(ns.address, ns.port)]
        resolver.timeout = min(1.0, self.timeout)
        resolver.lifetime = self.timeout
        resolver.cache = dns.resolver.LRUCache(CACHE_SIZE)
        resolver.use_edns(0, dns.flags.DO if dnssec else 0, 1232)
        return resolver

    def query(self, name: str, rdtype: str, *, dnssec: bool = False) -> DnsAnswer:
        """Ask ``rdtype`` records of ``name``; never raises for DNS outcomes."""
        qname = normalise(name)
        resolver = self._dnssec_resolver if dnssec else self.resolver
        try:
            answer = resolver.resolve(qname + ".", rdtype, raise_on_no_answer=False)
        except dns.resolver.NXDOMAIN as exc:
            return DnsAnswer(qname, rdtype, "nxdomain", cname_chain=_chain_from_nx(exc, qname))
        except dns.resolver.LifetimeTimeout:
            return DnsAnswer(qname, rdtype, "timeout", error=f"no answer within {self.timeout:g} s")
        except dns.resolver.NoNameservers as exc:
            return DnsAnswer(qname, rdtype, _no_ns_status(exc), error=_one_line(exc))
        except (dns.exception.DNSException, OSError, ValueError) as exc:
            return DnsAnswer(qname, rdtype, "error", error=_one_line(exc))
        return _from_answer(qname, rdtype, answer)

    def exists(self, name: str) -> DnsAnswer:
        """Whether ``name`` resolves to an address (A, else AAAA)."""
        a = self.query(name, "A")
        return a if a.ok or a.failed else self.query(name, "AAAA")


def _from_answer(qname: str, rdtype: str, answer: dns.resolver.Answer) -> DnsAnswer:
    response = answer.response
    want = dns.rdatatype.from_text(rdtype)
    chain: list[str] = []
    rrset = None
    sigs: list[dns.rrset.RRset] = []
    for rr in response.answer:
        if rr.rdtype == dns.rdatatype.CNAME and want != dns.rdatatype.CNAME:
            chain.extend(normalise(r.target.to_text()) for r in rr)
        elif rr.rdtype == want and rrset is None:
            rrset = rr
        elif rr.rdtype == dns.rdatatype.RRSIG:
            sigs.append(rr)
    ad = bool(response.flags & dns.flags.AD)
    if rrset is None:
        return DnsAnswer(qname, rdtype, "nodata", cname_chain=tuple(chain), authenticated=ad)
    records = tuple(record_text(r) for r in list(rrset)[:MAX_RECORDS])
    return DnsAnswer(
        qname, rdtype, "ok", records, tuple(chain), ad, rrset=rrset, rrsigs=tuple(sigs)
    )


def _chain_from_nx(exc: dns.resolver.NXDOMAIN, qname: str) -> tuple[str, ...]:
    try:
        canonical = normalise(exc.canonical_name.to_text())
    except Exception:  # dnspython raises when it has no response
        return ()
    return () if canonical == qname else (canonical,)


def _no_ns_status(exc: dns.resolver.NoNameservers) -> str:
    text = str(exc)
    if "CNAME chain is too long" in text:
        return "loop"
    if "SERVFAIL" in text:
        return "servfail"
    if "REFUSED" in text:
        return "refused"
    return "error"


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


_clients: dict[tuple[Nameserver | None, float], DnsClient] = {}
_clients_lock = threading.Lock()


def shared_client(nameserver: Nameserver | None, timeout: float) -> DnsClient:
    """One client per (resolver, timeout) in this process, so its cache is shared."""
    key = (nameserver, timeout)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = DnsClient(nameserver, timeout=timeout)
        return client
