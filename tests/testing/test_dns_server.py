"""Tests for the local DNS server, driven by real dnspython clients."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time
from collections.abc import Iterator

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.nameserver
import dns.query
import dns.rcode
import dns.rdatatype
import dns.resolver
import dns.zone
import pytest

from rempart.testing.dns_server import LocalDNSServer

BIG_TXT_STRINGS = 80  # 80 x 255 bytes: about 20 kB of TXT data

PARTY_ZONE = f"""
$TTL 300
@        IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@        IN NS  ns1
ns1      IN A   192.0.2.53
@        IN A   192.0.2.1
@        IN MX  10 mx
@        IN TXT "v=spf1 mx -all"
mx       IN A   192.0.2.25
_dmarc   IN TXT "v=DMARC1; p=reject"
sel._domainkey IN TXT "v=DKIM1; k=rsa; p=MIGf"
www      IN CNAME web
web      IN CNAME @
offsite  IN CNAME host.other.test.
dangling IN CNAME missing
loop1    IN CNAME loop2
loop2    IN CNAME loop1
*.wild   IN TXT "wildcard"
host.wild IN A  192.0.2.80
big      IN TXT {" ".join('"' + chr(97 + i % 26) * 255 + '"' for i in range(BIG_TXT_STRINGS))}
medium   IN TXT {" ".join('"' + "m" * 200 + '"' for _ in range(3))}
"""

OTHER_ZONE = """
$TTL 300
@    IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@    IN NS  ns1
ns1  IN A   198.51.100.53
host IN A   198.51.100.7
"""

LONG_CHAIN_ZONE = "$TTL 60\n@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n" + "".join(
    f"c{i} IN CNAME c{i + 1}\n" for i in range(20)
)

BEHAVIOURS = {
    "slow.test.": "timeout",
    "broken.test.": "servfail",
    "closed.test.": "refused",
    "noise.test.": "garbage",
    "cut.test.": "truncated-garbage",
    "spoof.test.": "wrong-id",
}


@pytest.fixture(scope="module")
def server() -> Iterator[LocalDNSServer]:
    zones = {"party.test.": PARTY_ZONE, "other.test.": OTHER_ZONE, "chain.test.": LONG_CHAIN_ZONE}
    with LocalDNSServer(zones, behaviours=BEHAVIOURS) as running:
        yield running


def make_resolver(server: LocalDNSServer, lifetime: float = 3.0) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=False)
    resolver.nameservers = [dns.nameserver.Do53Nameserver("127.0.0.1", server.port)]
    resolver.lifetime = lifetime
    resolver.timeout = lifetime
    return resolver


def ask(
    server: LocalDNSServer, name: str, rdtype: str, *, tcp: bool = False, **kwargs: object
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, **kwargs)  # type: ignore[arg-type]
    if tcp:
        return dns.query.tcp(query, "127.0.0.1", port=server.port, timeout=2)
    return dns.query.udp(query, "127.0.0.1", port=server.port, timeout=2)


# -- positive answers ----------------------------------------------------------------


def test_a_mx_txt_answers(server: LocalDNSServer) -> None:
    resolver = make_resolver(server)
    assert [r.address for r in resolver.resolve("party.test", "A")] == ["192.0.2.1"]
    mx = resolver.resolve("party.test", "MX")
    assert [(r.preference, r.exchange.to_text()) for r in mx] == [(10, "mx.party.test.")]
    txt = resolver.resolve("_dmarc.party.test", "TXT")
    assert [b"".join(r.strings) for r in txt] == [b"v=DMARC1; p=reject"]


def test_flags_id_and_question_are_set(server: LocalDNSServer) -> None:
    response = ask(server, "PARTY.test", "A")
    assert response.flags & dns.flags.AA
    assert response.flags & dns.flags.RA
    assert response.question[0].name.to_text() == "PARTY.test."


def test_edns_is_echoed_only_when_asked(server: LocalDNSServer) -> None:
    assert ask(server, "party.test", "A", use_edns=0).edns == 0
    assert ask(server, "party.test", "A").edns == -1


def test_tcp_is_served_on_the_same_port(server: LocalDNSServer) -> None:
    response = ask(server, "mx.party.test", "A", tcp=True)
    assert response.answer[0][0].address == "192.0.2.25"


# -- negative answers ----------------------------------------------------------------


def test_nodata_is_noerror_with_soa(server: LocalDNSServer) -> None:
    response = ask(server, "party.test", "AAAA")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert response.authority[0].rdtype == dns.rdatatype.SOA
    with pytest.raises(dns.resolver.NoAnswer):
        make_resolver(server).resolve("party.test", "AAAA")


def test_empty_non_terminal_is_nodata(server: LocalDNSServer) -> None:
    response = ask(server, "_domainkey.party.test", "TXT")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []
    assert response.authority[0].rdtype == dns.rdatatype.SOA


def test_nxdomain_has_soa(server: LocalDNSServer) -> None:
    response = ask(server, "nope.party.test", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.authority[0].rdtype == dns.rdatatype.SOA
    with pytest.raises(dns.resolver.NXDOMAIN):
        make_resolver(server).resolve("nope.party.test", "A")


def test_unknown_zone_defaults_to_nxdomain(server: LocalDNSServer) -> None:
    assert ask(server, "example.com", "A").rcode() == dns.rcode.NXDOMAIN


def test_unknown_zone_can_be_refused() -> None:
    with LocalDNSServer({"party.test.": PARTY_ZONE}, unknown="refused") as refusing:
        assert ask(refusing, "example.com", "A").rcode() == dns.rcode.REFUSED
        assert ask(refusing, "party.test", "A").rcode() == dns.rcode.NOERROR


# -- CNAME and wildcards -------------------------------------------------------------


def test_cname_chain_is_followed(server: LocalDNSServer) -> None:
    answer = make_resolver(server).resolve("www.party.test", "A")
    assert answer.canonical_name == dns.name.from_text("party.test.")
    assert [r.address for r in answer] == ["192.0.2.1"]
    assert len(answer.response.answer) == 3


def test_cname_is_followed_into_another_zone(server: LocalDNSServer) -> None:
    answer = make_resolver(server).resolve("offsite.party.test", "A")
    assert [r.address for r in answer] == ["198.51.100.7"]


def test_cname_query_returns_the_cname_itself(server: LocalDNSServer) -> None:
    response = ask(server, "www.party.test", "CNAME")
    assert len(response.answer) == 1
    assert response.answer[0][0].target.to_text() == "web.party.test."


def test_dangling_cname_is_nxdomain_with_chain(server: LocalDNSServer) -> None:
    response = ask(server, "dangling.party.test", "A")
    assert response.rcode() == dns.rcode.NXDOMAIN
    assert response.answer[0].rdtype == dns.rdatatype.CNAME


def test_cname_loop_returns_promptly(server: LocalDNSServer) -> None:
    started = time.monotonic()
    response = ask(server, "loop1.party.test", "A")
    assert time.monotonic() - started < 1.0
    assert response.rcode() == dns.rcode.NOERROR
    assert [rrset.rdtype for rrset in response.answer] == [dns.rdatatype.CNAME] * 2


def test_long_cname_chain_is_cut(server: LocalDNSServer) -> None:
    response = ask(server, "c0.chain.test", "A")
    assert response.rcode() == dns.rcode.NOERROR
    assert 8 <= len(response.answer) <= 9


def test_wildcard_is_synthesised(server: LocalDNSServer) -> None:
    answer = make_resolver(server).resolve("a.b.wild.party.test", "TXT")
    assert answer.rrset is not None
    assert answer.rrset.name == dns.name.from_text("a.b.wild.party.test.")
    assert [b"".join(r.strings) for r in answer] == [b"wildcard"]


def test_wildcard_does_not_cover_existing_names(server: LocalDNSServer) -> None:
    assert ask(server, "host.wild.party.test", "TXT").answer == []
    assert ask(server, "host.wild.party.test", "TXT").rcode() == dns.rcode.NOERROR
    # RFC 4592: the closest encloser of x.host.wild is host.wild, which has no '*' child.
    assert ask(server, "x.host.wild.party.test", "TXT").rcode() == dns.rcode.NXDOMAIN


def test_relativized_zone_objects_are_accepted() -> None:
    zone = dns.zone.from_text(OTHER_ZONE, origin="other.test.")
    with LocalDNSServer({"other.test.": zone}) as running:
        assert ask(running, "host.other.test", "A").answer[0][0].address == "198.51.100.7"


# -- size limits ---------------------------------------------------------------------


def test_large_txt_record_arrives_complete_via_tcp_fallback(server: LocalDNSServer) -> None:
    udp = ask(server, "big.party.test", "TXT", use_edns=0, payload=1232)
    assert udp.flags & dns.flags.TC
    answer = make_resolver(server).resolve("big.party.test", "TXT")
    strings = [s for rdata in answer for s in rdata.strings]
    assert len(strings) == BIG_TXT_STRINGS
    assert all(len(s) == 255 for s in strings)


def test_512_byte_limit_without_edns(server: LocalDNSServer) -> None:
    assert ask(server, "medium.party.test", "TXT").flags & dns.flags.TC
    full = ask(server, "medium.party.test", "TXT", use_edns=0, payload=1232)
    assert not full.flags & dns.flags.TC
    assert len(full.answer[0][0].strings) == 3


# -- hostile behaviours --------------------------------------------------------------


def test_timeout_behaviour(server: LocalDNSServer) -> None:
    started = time.monotonic()
    with pytest.raises(dns.resolver.LifetimeTimeout):
        make_resolver(server, lifetime=0.5).resolve("slow.test", "A")
    assert time.monotonic() - started < 2.0


def test_behaviour_applies_below_the_name(server: LocalDNSServer) -> None:
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(dns.message.make_query("a.b.slow.test", "A"), "127.0.0.1", 0.3, server.port)


def test_servfail_behaviour(server: LocalDNSServer) -> None:
    assert ask(server, "broken.test", "A").rcode() == dns.rcode.SERVFAIL
    with pytest.raises(dns.resolver.NoNameservers):
        make_resolver(server).resolve("broken.test", "A")


def test_refused_behaviour(server: LocalDNSServer) -> None:
    assert ask(server, "x.closed.test", "MX").rcode() == dns.rcode.REFUSED


@pytest.mark.parametrize("name", ["noise.test", "cut.test"])
def test_garbage_behaviours_do_not_parse(server: LocalDNSServer, name: str) -> None:
    with pytest.raises(dns.exception.DNSException):
        ask(server, name, "A")
    with pytest.raises((dns.resolver.LifetimeTimeout, dns.resolver.NoNameservers)):
        make_resolver(server, lifetime=0.5).resolve(name, "A")


def test_wrong_id_behaviour(server: LocalDNSServer) -> None:
    query = dns.message.make_query("spoof.test", "A")
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(2)
        sock.sendto(query.to_wire(), server.address)
        reply = dns.message.from_wire(sock.recv(65535))
    assert reply.id != query.id
    with pytest.raises(dns.resolver.LifetimeTimeout):
        make_resolver(server, lifetime=0.5).resolve("spoof.test", "A")


def test_garbage_queries_do_not_kill_the_server(server: LocalDNSServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        for size in (1, 5, 12, 40, 512):
            sock.sendto(os.urandom(size), server.address)
    with socket.create_connection(server.address, timeout=2) as conn:
        conn.sendall(struct.pack("!H", 30) + os.urandom(30))
        wire = dns.message.make_query("party.test", "A").to_wire()
        conn.sendall(struct.pack("!H", len(wire)) + wire)
        (length,) = struct.unpack("!H", conn.recv(2))
        assert dns.message.from_wire(conn.recv(length)).answer
    assert ask(server, "party.test", "A").answer


# -- bookkeeping and load ------------------------------------------------------------


def test_query_counter() -> None:
    with LocalDNSServer({"party.test.": PARTY_ZONE}) as running:
        ask(running, "Party.Test", "MX")
        ask(running, "party.test", "MX")
        assert running.queries[("party.test.", "MX")] == 2
        running.reset_counts()
        assert not running.queries


def test_concurrent_clients(server: LocalDNSServer) -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        resolver = make_resolver(server)
        try:
            for _ in range(100):
                resolver.resolve("mx.party.test", "A")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_start_stop_is_fast_and_releases_the_port() -> None:
    started = time.monotonic()
    running = LocalDNSServer({"party.test.": PARTY_ZONE}).start()
    port = running.port
    running.stop()
    assert time.monotonic() - started < 1.0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", port))
