"""DNS checks: name servers, SOA, DNSSEC, CAA, dangling CNAMEs, wildcards.

Each check takes a :class:`DomainContext` and returns observations; it knows
nothing of severities (the registry) or of where it runs (the engine).
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import UTC, datetime
from typing import Any

import dns.dnssec
import dns.name
import dns.rdatatype
import dns.rrset

from rempart.audit.config import PROBED_NAMES
from rempart.audit.context import CheckUnavailable, DomainContext
from rempart.model import Observation
from rempart.net.dns import DnsAnswer

log = logging.getLogger(__name__)

MAX_NS = 13
"""Name servers looked at (a delegation has at most 13 in practice)."""


def check_ns(ctx: DomainContext) -> list[Observation]:
    """Name servers: present, more than one, resolvable, on distinct networks."""
    if not ctx.is_apex:
        return []
    answer = ctx.need(ctx.domain, "NS")
    if not answer.ok:
        return [Observation("dns.ns.missing", ctx.domain, answer.describe())]
    names = sorted({r.rstrip(".").lower() for r in answer.records})[:MAX_NS]
    found: list[Observation] = []
    if len(names) == 1:
        found.append(Observation("dns.ns.single", ctx.domain, answer.describe()))
    addresses: list[str] = []
    resolved = 0
    for ns in names:
        address = ctx.dns.exists(ns)
        if address.status == "nxdomain":
            found.append(Observation("dns.ns.unresolvable", ns, address.describe(), (("ns", ns),)))
        if address.ok:
            resolved += 1
            addresses.extend(address.records)
    if resolved > 1 and _same_network(addresses):
        seen = ", ".join(addresses)
        found.append(Observation("dns.ns.same_network", ctx.domain, seen, (("addresses", seen),)))
    return found


def _same_network(addresses: list[str]) -> bool:
    nets = set()
    for text in addresses:
        ip = ipaddress.ip_address(text)
        prefix = 24 if ip.version == 4 else 48
        nets.add(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))
    return len(nets) == 1


def check_soa(ctx: DomainContext) -> list[Observation]:
    """SOA present (at the apex) and its timers sane."""
    answer = ctx.need(ctx.domain, "SOA")
    if not answer.ok:
        if ctx.q(ctx.domain, "NS").ok:  # delegated but no SOA: a broken zone
            return [Observation("dns.soa.missing", ctx.domain, answer.describe())]
        return []
    problems = _soa_problems(answer.records[0].split())
    if not problems:
        return []
    text = "; ".join(problems)
    return [Observation("dns.soa.timers", ctx.domain, answer.describe(), (("problems", text),))]


def _soa_problems(fields: list[str]) -> list[str]:
    if len(fields) != 7 or not all(f.isdigit() for f in fields[3:]):
        return [f"unreadable SOA ({' '.join(fields)[:100]})"]
    refresh, retry, expire, minimum = (int(f) for f in fields[3:])
    problems = []
    if retry >= refresh:
        problems.append(f"retry {retry} is not below refresh {refresh}")
    if expire <= refresh + retry:
        problems.append(f"expire {expire} is not above refresh + retry")
    if expire < 86_400:
        problems.append(f"expire {expire} is under one day")
    if minimum > 86_400:
        problems.append(f"negative-caching minimum {minimum} is over one day")
    return problems


def check_dnssec(ctx: DomainContext) -> list[Observation]:
    """DNSSEC: signed, DS at the parent matching a key, signatures valid now."""
    if not ctx.is_apex:
        return []
    keys = ctx.need(ctx.domain, "DNSKEY", dnssec=True)
    ds = ctx.need(ctx.domain, "DS")
    if not keys.ok:
        if ds.ok:
            return [
                Observation(
                    "dns.dnssec.ds_mismatch",
                    ctx.domain,
                    ds.describe() + " but no DNSKEY is published",
                    (("ds", "(remove the DS)"),),
                )
            ]
        return [Observation("dns.dnssec.unsigned", ctx.domain, keys.describe())]
    assert keys.rrset is not None
    problem = _validate(ctx, keys)
    if problem:
        return [Observation("dns.dnssec.invalid", ctx.domain, problem, (("problem", problem),))]
    expected = _ds_for(keys.rrset)
    if not ds.ok:
        return [Observation("dns.dnssec.no_ds", ctx.domain, ds.describe(), (("ds", expected),))]
    if not _ds_matches(keys.rrset, ds):
        evidence = f"{ds.describe()}; keys: {len(keys.rrset)}"
        return [Observation("dns.dnssec.ds_mismatch", ctx.domain, evidence, (("ds", expected),))]
    return []


def _validate(ctx: DomainContext, keys: DnsAnswer) -> str:
    """Check the DNSKEY and SOA signatures with the zone's keys; '' when valid."""
    assert keys.rrset is not None
    origin = dns.name.from_text(ctx.domain)
    keyring: dict[dns.name.Name, Any] = {origin: keys.rrset}
    soa = ctx.need(ctx.domain, "SOA", dnssec=True)
    for answer in (keys, soa):
        sigs = [s for s in answer.rrsigs if _covers(s, answer.rrset)]
        if answer.rrset is None:
            continue
        if not sigs:
            return f"{answer.name} {answer.rdtype} has no signature"
        try:
            dns.dnssec.validate(answer.rrset, sigs[0], keyring, now=datetime.now(UTC).timestamp())
        except dns.dnssec.ValidationFailure as exc:
            return f"{answer.name} {answer.rdtype}: {_sig_reason(exc, sigs[0])}"
    return ""


def _covers(sigs: dns.rrset.RRset, rrset: dns.rrset.RRset | None) -> bool:
    return rrset is not None and sigs.covers == rrset.rdtype and sigs.name == rrset.name


def _sig_reason(exc: Exception, sigs: dns.rrset.RRset) -> str:
    now = datetime.now(UTC).timestamp()
    expired = [s for s in sigs if s.expiration < now]
    if expired:
        when = datetime.fromtimestamp(expired[0].expiration, UTC).strftime("%Y-%m-%d %H:%M UTC")
        return f"signature expired on {when}"
    return f"signature does not validate ({exc})"


def _ds_for(keys: dns.rrset.RRset) -> str:
    ksks = [k for k in keys if k.flags & 0x0001] or list(keys)
    name = keys.name
    ds = dns.dnssec.make_ds(name, ksks[0], "SHA256")
    return f"{name.to_text()} DS {ds.to_text()}"


def _ds_matches(keys: dns.rrset.RRset, ds: DnsAnswer) -> bool:
    assert ds.rrset is not None
    for record in ds.rrset:
        for key in keys:
            try:
                if dns.dnssec.make_ds(keys.name, key, record.digest_type) == record:
                    return True
            except (dns.dnssec.UnsupportedAlgorithm, ValueError):
                continue
    return False


def check_caa(ctx: DomainContext) -> list[Observation]:
    """CAA: some record in the tree (RFC 8659 climbs to the parents)."""
    labels = ctx.domain.split(".")
    for i in range(len(labels) - 1):
        name = ".".join(labels[i:])
        if ctx.need(name, "CAA").ok:
            return []
    return [Observation("dns.caa.missing", ctx.domain, f"{ctx.domain} CAA: none up the tree")]


def check_cnames(ctx: DomainContext) -> list[Observation]:
    """Dangling CNAMEs and CNAME loops among known and common names."""
    wildcard = ctx.q(ctx.wildcard_name, "A")
    names = dict.fromkeys([*ctx.target.hostnames, *(f"{p}.{ctx.domain}" for p in PROBED_NAMES)])
    found: list[Observation] = []
    for name in names:
        answer = ctx.q(name, "A")
        if answer.status == "loop":
            found.append(Observation("dns.cname.loop", name, answer.error, (("chain", name),)))
            continue
        if answer.failed or not answer.cname_chain:
            continue
        if wildcard.cname_chain and answer.cname_chain == wildcard.cname_chain:
            continue  # synthesised by a wildcard, reported once by check_wildcard
        found.extend(_cname_problem(name, answer.cname_chain, answer.status))
    return found


def _cname_problem(name: str, chain: tuple[str, ...], status: str) -> list[Observation]:
    shown = " → ".join((name, *chain))
    if len(set(chain)) < len(chain) or name in chain or len(chain) >= 8:
        return [Observation("dns.cname.loop", name, shown, (("chain", shown),))]
    if status == "nxdomain":
        return [Observation("dns.cname.dangling", name, shown, (("cname", chain[-1]),))]
    return []


def check_wildcard(ctx: DomainContext) -> list[Observation]:
    """Wildcard records: a random name under the domain answers."""
    for rdtype in ("A", "AAAA", "TXT", "MX", "CNAME"):
        answer = ctx.q(ctx.wildcard_name, rdtype)
        if answer.failed:
            raise CheckUnavailable(answer.describe())
        if answer.ok or answer.cname_chain:
            found = rdtype if answer.ok else "CNAME"
            evidence = f"*.{ctx.domain} {found}: " + "; ".join(
                answer.records[:3] or answer.cname_chain[:3]
            )
            dangling = answer.status == "nxdomain"
            obs = [Observation("dns.wildcard", f"*.{ctx.domain}", evidence, (("rdtype", found),))]
            if dangling:
                obs.append(_wild_dangling(ctx, answer.cname_chain))
            return obs
        if answer.status == "nxdomain":
            return []
    return []


def _wild_dangling(ctx: DomainContext, chain: tuple[str, ...]) -> Observation:
    shown = " → ".join((f"*.{ctx.domain}", *chain))
    return Observation("dns.cname.dangling", f"*.{ctx.domain}", shown, (("cname", chain[-1]),))
