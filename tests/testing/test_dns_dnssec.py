"""DNSSEC tests: signed zones served with RRSIGs on DO, DS in the parent zone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import dns.dnssec
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
import pytest

from rempart.testing.dns_server import LocalDNSServer, SignedZone, ds_record_text, sign_zone

ORIGIN = dns.name.from_text("party.test.")
IN = dns.rdataclass.IN

PARTY_ZONE = """
$TTL 300
@     IN SOA ns1 hostmaster 2024010101 7200 3600 1209600 300
@     IN NS  ns1
ns1   IN A   192.0.2.53
@     IN A   192.0.2.1
@     IN MX  10 mx
mx    IN A   192.0.2.25
www   IN CNAME @
sel._domainkey IN TXT "v=DKIM1; p=MIGf"
"""

PARENT_ZONE = """
$TTL 300
@     IN SOA ns1 hostmaster 1 7200 3600 1209600 300
@     IN NS  ns1
ns1   IN A   192.0.2.10
party IN NS  ns1.party
{ds}
"""


def party_zone(origin: str = "party.test.") -> dns.zone.Zone:
    return dns.zone.from_text(PARTY_ZONE, origin=origin)


@pytest.fixture(scope="module")
def signed() -> SignedZone:
    return sign_zone(party_zone())


@pytest.fixture(scope="module")
def expired() -> SignedZone:
    past = datetime.now(UTC) - timedelta(days=2)
    return sign_zone(party_zone("stale.example."), expiration=past)


@pytest.fixture(scope="module")
def server(signed: SignedZone, expired: SignedZone) -> Iterator[LocalDNSServer]:
    parent = PARENT_ZONE.format(ds=ds_record_text("party.test.", signed.ds))
    zones: dict[str, str | dns.zone.Zone] = {
        "party.test.": signed.zone,
        "test.": parent,
        "stale.example.": expired.zone,
    }
    with LocalDNSServer(zones) as running:
        yield running


def ask(
    server: LocalDNSServer, name: str, rdtype: str, *, dnssec: bool = True
) -> dns.message.Message:
    query = dns.message.make_query(name, rdtype, want_dnssec=dnssec)
    return dns.query.tcp(query, "127.0.0.1", port=server.port, timeout=2)


def rrset_and_sig(
    response: dns.message.Message, name: dns.name.Name, rdtype: dns.rdatatype.RdataType
) -> tuple[dns.rrset.RRset, dns.rrset.RRset]:
    rrset = response.find_rrset(response.answer, name, IN, rdtype)
    sig = response.find_rrset(response.answer, name, IN, dns.rdatatype.RRSIG, rdtype)
    return rrset, sig


def test_input_zone_is_not_modified() -> None:
    zone = party_zone()
    sign_zone(zone)
    assert zone.get_rdataset("@", "DNSKEY") is None


def test_dnskey_is_self_signed(server: LocalDNSServer, signed: SignedZone) -> None:
    response = ask(server, "party.test", "DNSKEY")
    assert response.ednsflags & dns.flags.DO
    dnskey, sig = rrset_and_sig(response, ORIGIN, dns.rdatatype.DNSKEY)
    assert signed.dnskey in dnskey
    dns.dnssec.validate(dnskey, sig, {ORIGIN: dnskey})


def test_answers_validate(server: LocalDNSServer) -> None:
    dnskey, _ = rrset_and_sig(ask(server, "party.test", "DNSKEY"), ORIGIN, dns.rdatatype.DNSKEY)
    name = dns.name.from_text("mx.party.test.")
    a_rrset, a_sig = rrset_and_sig(ask(server, "mx.party.test", "A"), name, dns.rdatatype.A)
    dns.dnssec.validate(a_rrset, a_sig, {ORIGIN: dnskey})


def test_cname_chain_carries_signatures(server: LocalDNSServer) -> None:
    response = ask(server, "www.party.test", "A")
    types = sorted((rrset.rdtype, rrset.covers) for rrset in response.answer)
    assert types == sorted(
        [
            (dns.rdatatype.CNAME, dns.rdatatype.NONE),
            (dns.rdatatype.RRSIG, dns.rdatatype.CNAME),
            (dns.rdatatype.A, dns.rdatatype.NONE),
            (dns.rdatatype.RRSIG, dns.rdatatype.A),
        ]
    )


def test_no_signatures_without_do_bit(server: LocalDNSServer) -> None:
    response = ask(server, "party.test", "A", dnssec=False)
    assert [rrset.rdtype for rrset in response.answer] == [dns.rdatatype.A]


def test_negative_answers_carry_nsec(server: LocalDNSServer) -> None:
    nodata = ask(server, "party.test", "AAAA")
    nxdomain = ask(server, "nope.party.test", "A")
    assert nxdomain.rcode() == dns.rcode.NXDOMAIN
    for response in (nodata, nxdomain):
        assert dns.rdatatype.NSEC in {rrset.rdtype for rrset in response.authority}
    nsec = next(r for r in nxdomain.authority if r.rdtype == dns.rdatatype.NSEC)
    assert nsec.name < dns.name.from_text("nope.party.test.") < nsec[0].next


def test_ds_is_served_from_the_parent_and_matches(
    server: LocalDNSServer, signed: SignedZone
) -> None:
    response = ask(server, "party.test", "DS")
    ds_rrset = response.find_rrset(response.answer, ORIGIN, IN, dns.rdatatype.DS)
    dnskey, _ = rrset_and_sig(ask(server, "party.test", "DNSKEY"), ORIGIN, dns.rdatatype.DNSKEY)
    ksk = next(key for key in dnskey if key.flags & dns.dnssec.Flag.SEP)
    assert dns.dnssec.make_ds(ORIGIN, ksk, "SHA256") == ds_rrset[0] == signed.ds


def test_ds_without_loaded_parent_is_nodata(server: LocalDNSServer) -> None:
    response = ask(server, "stale.example", "DS")
    assert response.rcode() == dns.rcode.NOERROR
    assert response.answer == []


def test_ds_record_text_parses(signed: SignedZone) -> None:
    line = ds_record_text("party.test", signed.ds)
    assert line.startswith("party.test. 3600 IN DS ")
    zone = dns.zone.from_text(line, origin="test.", relativize=False, check_origin=False)
    ds_rdataset = zone.get_rdataset("party.test.", "DS")
    assert ds_rdataset is not None
    assert signed.ds in ds_rdataset


def test_expired_signatures_fail_validation(server: LocalDNSServer) -> None:
    origin = dns.name.from_text("stale.example.")
    dnskey, sig = rrset_and_sig(
        ask(server, "stale.example", "DNSKEY"), origin, dns.rdatatype.DNSKEY
    )
    with pytest.raises(dns.dnssec.ValidationFailure):
        dns.dnssec.validate(dnskey, sig, {origin: dnskey})


def test_other_algorithms() -> None:
    rsa_signed = sign_zone(party_zone(), ksk_algorithm=dns.dnssec.Algorithm.RSASHA256)
    ed_signed = sign_zone(party_zone(), ksk_algorithm=dns.dnssec.Algorithm.ED25519)
    assert rsa_signed.dnskey.algorithm == dns.dnssec.Algorithm.RSASHA256
    assert ed_signed.ds.digest_type == 2
