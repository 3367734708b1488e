"""Answer computation for :mod:`rempart.testing.dns_server` (no sockets in here).

The engine behaves like a recursive resolver that happens to know only a fixed set of
zones: it picks the closest loaded zone, follows CNAME chains across loaded zones,
distinguishes NODATA from NXDOMAIN (empty non-terminals included), synthesises
wildcard answers per RFC 4592 and, when the DO bit is set, attaches RRSIG and NSEC
records that live in signed zones.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.name
import dns.node
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdataset
import dns.rdatatype
import dns.rrset
import dns.zone

logger = logging.getLogger(__name__)

MAX_CNAME_HOPS = 8
_IN = dns.rdataclass.IN
RdataType = dns.rdatatype.RdataType
_WILD = dns.name.Name([b"*"])


def load_zone(origin: str | dns.name.Name, source: str | dns.zone.Zone) -> dns.zone.Zone:
    """Return an absolute (non-relativized) zone built from master-file text or a Zone."""
    origin_name = dns.name.from_text(str(origin)) if isinstance(origin, str) else origin
    if isinstance(source, str):
        return dns.zone.from_text(source, origin=origin_name, relativize=False, check_origin=False)
    if source.origin != origin_name:
        raise ValueError(f"zone origin {source.origin} does not match key {origin_name}")
    return absolute_copy(source) if source.relativize else source


def absolute_copy(zone: dns.zone.Zone) -> dns.zone.Zone:
    """Copy *zone* through its text form into a new, non-relativized zone."""
    text = zone.to_text(relativize=False)
    return dns.zone.from_text(text, origin=zone.origin, relativize=False, check_origin=False)


def ancestors(name: dns.name.Name) -> Iterator[dns.name.Name]:
    """Yield *name* and each of its parents, ending with the root."""
    while True:
        yield name
        if len(name) <= 1:
            return
        name = name.parent()


@dataclass
class Step:
    """The outcome of looking one name up in one zone."""

    rcode: dns.rcode.Rcode = dns.rcode.NOERROR
    answer: list[dns.rrset.RRset] = field(default_factory=list)
    authority: list[dns.rrset.RRset] = field(default_factory=list)
    cname_target: dns.name.Name | None = None


class ZoneIndex:
    """One loaded zone plus the indexes needed to answer quickly and correctly."""

    def __init__(self, zone: dns.zone.Zone) -> None:
        """Index *zone*: every existing name (including empty non-terminals) and NSECs."""
        if zone.origin is None:
            raise ValueError("zone has no origin")
        self.zone = zone
        self.origin: dns.name.Name = zone.origin
        self.names: set[dns.name.Name] = set()
        for name in zone.nodes:
            for parent in ancestors(name):
                self.names.add(parent)
                if parent == self.origin:
                    break
        self.nsec_names = sorted(
            name for name, node in zone.nodes.items() if node.get_rdataset(_IN, dns.rdatatype.NSEC)
        )
        self._nsec_set = set(self.nsec_names)
        self._rrsets: dict[tuple[dns.name.Name, RdataType, RdataType], dns.rrset.RRset] = {}

    def lookup(self, name: dns.name.Name, qtype: RdataType, dnssec: bool) -> Step:
        """Answer (*name*, *qtype*) from this zone alone."""
        node = self.zone.get_node(name)
        if node is not None:
            return self._from_node(node, name, qtype, dnssec)
        if name in self.names:  # empty non-terminal
            return self._nodata(name, dnssec)
        wildcard = self._wildcard_source(name)
        if wildcard is not None:
            return self._from_node(self.zone.nodes[wildcard], name, qtype, dnssec)
        return self._nxdomain(name, dnssec)

    def _from_node(
        self,
        node: dns.node.Node,
        owner: dns.name.Name,
        qtype: RdataType,
        dnssec: bool,
    ) -> Step:
        """Answer from an existing (or wildcard-synthesised) node owned by *owner*."""
        if qtype == dns.rdatatype.ANY:
            return Step(answer=[self._rrset(owner, rds) for rds in node.rdatasets])
        rdataset = node.get_rdataset(_IN, qtype)
        if rdataset is not None:
            return Step(answer=self._with_sigs(node, owner, rdataset, dnssec))
        cname = node.get_rdataset(_IN, dns.rdatatype.CNAME)
        if cname is not None and qtype != dns.rdatatype.CNAME:
            target = cname[0].target
            return Step(answer=self._with_sigs(node, owner, cname, dnssec), cname_target=target)
        return self._nodata(owner, dnssec, node)

    def _with_sigs(
        self,
        node: dns.node.Node,
        owner: dns.name.Name,
        rdataset: dns.rdataset.Rdataset,
        dnssec: bool,
    ) -> list[dns.rrset.RRset]:
        """The rrset for *rdataset*, followed by its covering RRSIGs when DO is set."""
        result = [self._rrset(owner, rdataset)]
        if dnssec:
            sigs = node.get_rdataset(_IN, dns.rdatatype.RRSIG, rdataset.rdtype)
            if sigs is not None:
                result.append(self._rrset(owner, sigs))
        return result

    def _rrset(self, owner: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
        """*rdataset* as an RRset owned by *owner*, cached unless wildcard-synthesised."""
        key = (owner, rdataset.rdtype, rdataset.covers)
        rrset = self._rrsets.get(key)
        if rrset is None:
            rrset = _rrset(owner, rdataset)
            if owner in self.zone.nodes:  # zones are static: safe to reuse
                self._rrsets[key] = rrset
        return rrset

    def _soa(self, dnssec: bool) -> list[dns.rrset.RRset]:
        """The apex SOA (and its RRSIG) for negative answers; empty if the zone has none."""
        apex = self.zone.get_node(self.origin)
        soa = apex.get_rdataset(_IN, dns.rdatatype.SOA) if apex is not None else None
        if apex is None or soa is None:
            return []
        return self._with_sigs(apex, self.origin, soa, dnssec)

    def _nodata(self, name: dns.name.Name, dnssec: bool, node: dns.node.Node | None = None) -> Step:
        """NOERROR with an empty answer and the SOA (plus NSEC proof) in authority."""
        authority = self._soa(dnssec)
        if dnssec:
            nsec_owner = name if node is not None and name in self._nsec_set else None
            authority += self._nsec(nsec_owner or self._covering(name))
        return Step(authority=authority)

    def _nxdomain(self, name: dns.name.Name, dnssec: bool) -> Step:
        """NXDOMAIN with the SOA (plus covering NSEC) in authority."""
        authority = self._soa(dnssec)
        if dnssec:
            authority += self._nsec(self._covering(name))
        return Step(rcode=dns.rcode.NXDOMAIN, authority=authority)

    def _wildcard_source(self, name: dns.name.Name) -> dns.name.Name | None:
        """RFC 4592: the ``*`` child of the closest encloser, if that node exists."""
        for encloser in ancestors(name.parent()):
            if encloser in self.names:
                source = _WILD.concatenate(encloser)
                return source if source in self.zone.nodes else None
            if encloser == self.origin:
                break
        return None

    def _covering(self, name: dns.name.Name) -> dns.name.Name | None:
        """The NSEC owner that precedes *name* in canonical order (wrapping around)."""
        if not self.nsec_names:
            return None
        index = bisect.bisect_right(self.nsec_names, name) - 1
        return self.nsec_names[index]

    def _nsec(self, owner: dns.name.Name | None) -> list[dns.rrset.RRset]:
        """The NSEC rrset at *owner* with its RRSIG, or nothing."""
        node = self.zone.get_node(owner) if owner is not None else None
        nsec = node.get_rdataset(_IN, dns.rdatatype.NSEC) if node is not None else None
        if owner is None or node is None or nsec is None:
            return []
        return self._with_sigs(node, owner, nsec, True)


def _rrset(owner: dns.name.Name, rdataset: dns.rdataset.Rdataset) -> dns.rrset.RRset:
    """Materialise *rdataset* as an RRset owned by *owner*."""
    rrset = dns.rrset.RRset(owner, rdataset.rdclass, rdataset.rdtype, rdataset.covers)
    rrset.update(rdataset)
    return rrset


class Engine:
    """Resolve queries against a set of :class:`ZoneIndex` objects."""

    def __init__(self, zones: Mapping[dns.name.Name, dns.zone.Zone], unknown: str) -> None:
        """Index every zone; *unknown* is ``"nxdomain"`` or ``"refused"``."""
        if unknown not in ("nxdomain", "refused"):
            raise ValueError(f"unknown must be 'nxdomain' or 'refused', not {unknown!r}")
        self.indexes = {origin: ZoneIndex(zone) for origin, zone in zones.items()}
        self.unknown_rcode = dns.rcode.NXDOMAIN if unknown == "nxdomain" else dns.rcode.REFUSED

    def respond(self, query: dns.message.Message) -> dns.message.Message:
        """Build the full response to a parsed, well-formed single-question query."""
        response = dns.message.make_response(query, recursion_available=True)
        if query.opcode() != dns.opcode.QUERY or len(query.question) != 1:
            response.set_rcode(dns.rcode.NOTIMP if len(query.question) == 1 else dns.rcode.FORMERR)
            return response
        dnssec = query.edns >= 0 and bool(query.ednsflags & dns.flags.DO)
        if dnssec:
            response.want_dnssec(True)
        question = query.question[0]
        self._resolve_into(response, question.name, question.rdtype, dnssec)
        return response

    def _resolve_into(
        self,
        response: dns.message.Message,
        qname: dns.name.Name,
        qtype: RdataType,
        dnssec: bool,
    ) -> None:
        """Fill *response* by following CNAMEs across loaded zones, at most 8 hops."""
        name, seen, authoritative = qname, {qname}, False
        rcode: dns.rcode.Rcode = self.unknown_rcode
        authority: list[dns.rrset.RRset] = []
        for _hop in range(MAX_CNAME_HOPS + 1):
            index = self._zone_for(name, qtype)
            if index is None:
                rcode, authority = self.unknown_rcode, []
                break
            authoritative = True
            step = index.lookup(name, qtype, dnssec)
            response.answer.extend(step.answer)
            rcode, authority = step.rcode, step.authority
            if step.cname_target is None or step.cname_target in seen:
                break
            name = step.cname_target
            seen.add(name)
        else:
            logger.debug("CNAME chain from %s exceeded %d hops", qname, MAX_CNAME_HOPS)
            rcode, authority = dns.rcode.NOERROR, []
        self._finish(response, rcode, authority, authoritative)

    @staticmethod
    def _finish(
        response: dns.message.Message,
        rcode: dns.rcode.Rcode,
        authority: list[dns.rrset.RRset],
        authoritative: bool,
    ) -> None:
        """Set rcode, AA flag and authority section on *response*."""
        response.set_rcode(rcode)
        response.authority.extend(authority)
        if authoritative:
            response.flags |= dns.flags.AA

    def _zone_for(self, name: dns.name.Name, qtype: RdataType) -> ZoneIndex | None:
        """The longest loaded origin containing *name* (DS at an apex: the parent zone)."""
        if qtype == dns.rdatatype.DS and name in self.indexes and len(name) > 1:
            parent = self._closest(name.parent())
            if parent is not None:
                return parent
        return self._closest(name)

    def _closest(self, name: dns.name.Name) -> ZoneIndex | None:
        """The index of the longest loaded origin that is *name* or one of its parents."""
        for candidate in ancestors(name):
            index = self.indexes.get(candidate)
            if index is not None:
                return index
        return None
