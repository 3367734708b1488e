"""Block lists: expiry by severity, allow-list, verified crawlers, the three formats."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from rempart.logs.blocklist import build, parse_networks, render, verify_crawler
from rempart.logs.model import Incident
from rempart.model.findings import Severity
from rempart.net.dns import DnsClient, parse_nameserver
from rempart.testing import LocalDNSServer

T0 = datetime(2027, 4, 1, 20, 0, tzinfo=UTC)


def _inc(kind: str, sev: Severity, *sources: str, end_h: float = 0) -> Incident:
    end = T0 + timedelta(hours=end_h)
    return Incident(kind=kind, severity=sev, start=end - timedelta(minutes=5), end=end,
                    sources=sources, count=10)  # fmt: skip


INCIDENTS = [
    _inc("bruteforce.wordpress", Severity.HIGH, "203.0.113.7"),
    _inc("scan.probing", Severity.MEDIUM, "203.0.113.7", "198.51.100.9"),
    _inc("flood.distributed", Severity.HIGH, "192.0.2.0/24"),
    _inc("scan.bad_user_agent", Severity.LOW, "198.51.100.10"),
    _inc("crawl.non_static", Severity.INFO, "198.51.100.11"),  # info blocks nothing
    _inc("scan.probing", Severity.MEDIUM, "2001:db8::5"),
    _inc("scan.probing", Severity.MEDIUM, "10.0.0.8"),  # the party's own network
    _inc("scan.probing", Severity.MEDIUM, "66.249.66.1"),  # a verified crawler
    _inc("scan.probing", Severity.MEDIUM, "not-an-ip"),
    _inc("burst.errors", Severity.MEDIUM, "198.51.100.50"),  # who got the errors: victims
]


def test_entries_merge_reasons_keep_the_latest_expiry_and_respect_the_allow_list() -> None:
    allow, problems = parse_networks(["10.0.0.0/8", " 2001:db8:ffff::/48 "])
    assert problems == []
    entries = build(INCIDENTS, now=T0, allow=allow, verified=["66.249.66.1"])
    got = [(e.network, e.expires - T0, e.reasons) for e in entries]
    assert got == [
        ("192.0.2.0/24", timedelta(hours=24), ("flood.distributed",)),
        ("198.51.100.9/32", timedelta(hours=6), ("scan.probing",)),
        ("198.51.100.10/32", timedelta(hours=1), ("scan.bad_user_agent",)),
        ("203.0.113.7/32", timedelta(hours=24), ("bruteforce.wordpress", "scan.probing")),
        ("2001:db8::5/128", timedelta(hours=6), ("scan.probing",)),
    ]


def test_expired_entries_are_dropped() -> None:
    later = T0 + timedelta(hours=7)
    assert [e.network for e in build(INCIDENTS[:3], now=later)] == [
        "192.0.2.0/24", "203.0.113.7/32"
    ]  # fmt: skip
    assert build(INCIDENTS, now=T0 + timedelta(days=2)) == []


def test_allow_list_problems_are_named() -> None:
    nets, problems = parse_networks(["203.0.113.0/24", "monitoring.example", "300.1.1.1"])
    assert nets == [ipaddress.ip_network("203.0.113.0/24")]
    assert problems == [
        "'monitoring.example' is not an IP address or network (like 203.0.113.0/24)",
        "'300.1.1.1' is not an IP address or network (like 203.0.113.0/24)",
    ]


def test_formats() -> None:
    entries = build(INCIDENTS[:2] + INCIDENTS[5:6], now=T0)
    assert render(entries, "plain", now=T0) == "198.51.100.9/32\n203.0.113.7/32\n2001:db8::5/128\n"
    nginx = render(entries, "nginx", now=T0).splitlines()
    assert nginx[1:] == [
        "deny 198.51.100.9/32;  # until 2027-04-02 02:00 UTC: scan.probing",
        "deny 203.0.113.7/32;  # until 2027-04-02 20:00 UTC: bruteforce.wordpress, scan.probing",
        "deny 2001:db8::5/128;  # until 2027-04-02 02:00 UTC: scan.probing",
    ]
    ipset = render(entries, "ipset", now=T0).splitlines()
    assert ipset[2:] == [
        "add rempart-v4 198.51.100.9/32 timeout 21600 -exist",
        "add rempart-v4 203.0.113.7/32 timeout 86400 -exist",
        "add rempart-v6 2001:db8::5/128 timeout 21600 -exist",
    ]
    with pytest.raises(ValueError, match="unknown block-list format"):
        render(entries, "csv", now=T0)


CRAWLERS = {
    "249.66.in-addr.arpa.": """$TTL 60
249.66.in-addr.arpa. SOA ns.test. h.test. 1 7200 3600 1209600 60
1.66.249.66.in-addr.arpa. PTR crawl-66-249-66-1.googlebot.com.
2.66.249.66.in-addr.arpa. PTR crawl-66-249-66-2.googlebot.com.
3.66.249.66.in-addr.arpa. PTR fake.googlebot.com.evil.test.
""",
    "googlebot.com.": """$TTL 60
googlebot.com. SOA ns.test. h.test. 1 7200 3600 1209600 60
crawl-66-249-66-1.googlebot.com. A 66.249.66.1
crawl-66-249-66-2.googlebot.com. A 192.0.2.99
""",
}


def test_crawlers_are_verified_both_ways() -> None:
    with LocalDNSServer(CRAWLERS) as server:
        dns = DnsClient(parse_nameserver("{}:{}".format(*server.address)), timeout=1)
        assert verify_crawler("66.249.66.1", dns) == "crawl-66-249-66-1.googlebot.com"
        assert verify_crawler("66.249.66.2", dns) == ""  # the name points elsewhere
        assert verify_crawler("66.249.66.3", dns) == ""  # not a crawler domain
        assert verify_crawler("66.249.66.4", dns) == ""  # no PTR at all
        assert verify_crawler("garbage", dns) == ""


HOSTILE_SOURCES = (
    "fe80::1%x;\nallow all;#",  # ipaddress takes anything after an IPv6 scope's %
    "fe80::1%eth0",
    "203.0.113.5;",
    "203.0.113.5\n",
    " 203.0.113.6",
)


def test_sources_that_are_not_plain_addresses_never_reach_the_file() -> None:
    hostile = [_inc("scan.probing", Severity.MEDIUM, s) for s in HOSTILE_SOURCES]
    kept = _inc("scan.probing", Severity.MEDIUM, "203.0.113.9")
    entries = build([*hostile, kept], now=T0)
    assert [e.network for e in entries] == ["203.0.113.9/32"]
    for fmt in ("nginx", "ipset", "plain"):
        text = render(entries, fmt, now=T0)
        assert "allow" not in text and "%" not in text and "203.0.113.5" not in text, fmt


def test_allow_list_refuses_scoped_and_padded_addresses() -> None:
    nets, problems = parse_networks(["fe80::1%x;\nallow all;#", "10.0.0.0/8;"])
    assert nets == []
    assert problems == [
        "'fe80::1%x;\\nallow all;#' is not an IP address or network (like 203.0.113.0/24)",
        "'10.0.0.0/8;' is not an IP address or network (like 203.0.113.0/24)",
    ]
