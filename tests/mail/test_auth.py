"""Authentication signals: annotated samples, header parsing, trust, live checks.

Live checks talk to the project's real local DNS server (rempart.testing), never to
the internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from rempart.mail.context import MailContext
from rempart.mail.parse import parse_message
from rempart.mail.signals import auth
from rempart.net.dns import DnsClient, parse_nameserver
from rempart.testing import LocalDNSServer
from tests.mail.support import CTX, annotated_sample_tests, sample

GROUP = "auth"
LIVE_ONLY = {"authentication.no_dmarc"}  # raised by live checks only: see the live tests


(
    test_every_sample_is_annotated,
    test_sample,
    test_every_signal_has_a_sample,
) = annotated_sample_tests(GROUP, auth.detect, auth.SPECS, unsampled=LIVE_ONLY)


def test_specs_are_documented() -> None:
    for spec in auth.SPECS:
        assert spec.id.startswith("authentication.") and spec.category.value == "authentication"
        assert spec.title and spec.why and spec.advice and 0 < spec.prior_weight <= 4


def test_without_authserv_ids_nothing_is_trusted_and_nothing_raised() -> None:
    bare = replace(CTX, authserv_ids=(), relays=())
    assert not auth.detect(sample(GROUP, "spoofed_own_domain"), bare)
    assert not auth.detect(sample(GROUP, "received_spf_fail"), bare)
    # a pasted foreign "pass" is forged whatever the configuration
    signals = {h.signal for h in auth.detect(sample(GROUP, "forged_pasted_results"), bare)}
    assert signals == {"authentication.forged_results"}


def test_received_spf_naming_our_server_below_a_foreign_stamp_is_forged() -> None:
    raw = (
        b"Received: from a.example (a.example [203.0.113.5]) by mx.other.example with ESMTP\r\n"
        b"Received-SPF: Pass (mailfrom) identity=mailfrom; client-ip=203.0.113.5;\r\n"
        b" receiver=mx.parti-exemple.fr\r\n"
        b"From: x@a.example\r\nSubject: s\r\n\r\nbody\r\n"
    )
    hits = auth.detect(parse_message(raw, "spf"), CTX)
    assert [h.signal for h in hits] == ["authentication.forged_results"]
    assert "names our server mx.parti-exemple.fr" in hits[0].evidence


# --- parsing -------------------------------------------------------------------------


def test_parse_rfc8601_example() -> None:
    value = (
        "example.com 1; (a comment (nested; with = signs)) spf=pass (x) "
        'smtp.mailfrom="a;b@example.net"; dkim/1=fail reason="bad sig" header.d=example.net '
        "header.s=sel; dmarc=fail header.from=example.net"
    )
    aid, results = auth.parse_authentication_results(value)
    assert aid == "example.com"
    assert [(r.method, r.result) for r in results] == [
        ("spf", "pass"), ("dkim", "fail"), ("dmarc", "fail")
    ]  # fmt: skip
    assert results[0].prop("smtp.mailfrom") == "a;b@example.net"
    assert results[1].prop("reason") == "bad sig" and results[1].prop("header.d") == "example.net"


def test_parse_odd_writers() -> None:
    aid, results = auth.parse_authentication_results(
        "spf=pass (sender IP is 1.2.3.4) smtp.mailfrom=x.com; dkim=pass header.d=x.com;"
        "dmarc=pass action=none header.from=x.com;compauth=pass reason=100"
    )
    assert aid == "" and [r.method for r in results] == ["spf", "dkim", "dmarc", "compauth"]
    aid, results = auth.parse_authentication_results("mx.example; spf=pass dkim=pass")
    assert [(r.method, r.result) for r in results] == [("spf", "pass"), ("dkim", "pass")]
    assert auth.parse_authentication_results("mx.example 1; none") == ("mx.example", ())
    assert auth.parse_authentication_results("") == ("", ())


def test_parse_received_spf() -> None:
    result, props = auth.parse_received_spf(
        'Pass (mailfrom) identity=mailfrom; client-ip=192.0.2.1; envelope-from="a@b.c"; '
        "receiver=mx.parti-exemple.fr"
    )
    assert result == "pass" and dict(props)["envelope-from"] == "a@b.c"


def test_received_hosts_and_client_ip() -> None:
    value = (
        "from mail.example (rdns.example [198.51.100.7]) (using TLSv1.3 by us) "
        "by mx.parti-exemple.fr (Postfix) with ESMTPS id 1; Mon, 1 Jan 2026 00:00:00 +0000"
    )
    assert auth.received_hosts(value) == ("mail.example", "mx.parti-exemple.fr")
    assert auth.received_client_ip(value) == "198.51.100.7"
    v6 = "from h (h [IPv6:2001:db8::5]) by mx.parti-exemple.fr with ESMTP"
    assert auth.received_client_ip(v6) == "2001:db8::5"


def test_hostile_headers_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    deep = "(" * 50_000 + "spf=pass" + ")" * 50_000
    quotes = '"' * 30_001
    many = "; ".join(["dkim=fail header.d=x.example"] * 5000)
    raw = (
        f"Authentication-Results: mx.parti-exemple.fr; {deep}\r\n"
        f"Authentication-Results: mx.parti-exemple.fr; {quotes}\r\n"
        f"Authentication-Results: mx.parti-exemple.fr; {many}\r\n"
        + "Authentication-Results: mx.google.com; spf=pass\r\n" * 300
        + "Received-SPF: "
        + "x; " * 5000
        + "\r\n"
        + "Received: from a by "
        + "b" * 70_000
        + "\r\n"
        + "From: x@y.example\r\nSubject: s\r\n\r\nbody\r\n"
    ).encode()
    mail = parse_message(raw, "hostile")
    fields: list[str] = []
    stripped: list[int] = []
    real_ar, real_spf = auth.parse_authentication_results, auth.parse_received_spf
    real_strip = auth.strip_comments

    def ar(value: str) -> Any:
        fields.append(value)
        return real_ar(value)

    def spf(value: str) -> Any:
        fields.append(value)
        return real_spf(value)

    def strip(text: str) -> str:
        out = real_strip(text)
        stripped.append(len(out))
        return out

    monkeypatch.setattr(auth, "parse_authentication_results", ar)
    monkeypatch.setattr(auth, "parse_received_spf", spf)
    monkeypatch.setattr(auth, "strip_comments", strip)
    hits = auth.detect(mail, CTX)
    assert all(len(h.evidence) <= 300 for h in hits)
    # our trusted dkim=fail is read, the pasted foreign pass is caught, and the
    # "spf=pass" buried 50,000 parentheses deep is never taken for a result
    assert {h.signal for h in hits} == {
        "authentication.dkim_fail",
        "authentication.forged_results",
    }
    # 304 authentication fields, only MAX_FIELDS parsed, each read to MAX_VALUE at most
    assert len(fields) == auth.MAX_FIELDS
    assert stripped and max(stripped) <= auth.MAX_VALUE
    _, results = auth.parse_authentication_results("a; " + many)
    assert len(results) == auth.MAX_RESULTS


# --- live checks against the local DNS server ----------------------------------------------

ZONE = """$TTL 60
test. SOA ns.test. h.test. 1 7200 3600 1209600 60
strict.test. TXT "v=spf1 ip4:192.0.2.0/24 -all"
_dmarc.strict.test. TXT "v=DMARC1; p=reject"
soft.test. TXT "v=spf1 ip4:192.0.2.0/24 ~all"
incl.test. TXT "v=spf1 include:strict.test ip6:2001:db8::/32 -all"
_dmarc.incl.test. TXT "v=DMARC1; p=none"
redir.test. TXT "v=spf1 redirect=strict.test"
_dmarc.redir.test. TXT "v=DMARC1; p=none"
mxd.test. TXT "v=spf1 mx/24 a -all"
mxd.test. MX 10 mail.mxd.test.
_dmarc.mxd.test. TXT "v=DMARC1; p=none"
mail.mxd.test. A 203.0.113.1
loop.test. TXT "v=spf1 include:loop.test -all"
_dmarc.loop.test. TXT "v=DMARC1; p=none"
two.test. TXT "v=spf1 -all"
two.test. TXT "v=spf1 +all"
macro.test. TXT "v=spf1 exists:%{i}.spf.macro.test -all"
"""


@pytest.fixture(scope="module")
def live() -> Iterator[tuple[MailContext, LocalDNSServer]]:
    with LocalDNSServer({"test.": ZONE}, behaviours={"slow.test": "timeout"}) as server:
        client = DnsClient(parse_nameserver("{}:{}".format(*server.address)), timeout=1)
        yield replace(CTX, dns=client), server


def _relayed(domain: str, ip: str, *, results: str = "") -> bytes:
    ar = f"Authentication-Results: mx.parti-exemple.fr; {results}\r\n" if results else ""
    return (
        f"{ar}Received: from h.{domain} (h.{domain} [{ip}]) by mx.parti-exemple.fr (Postfix) "
        f"with ESMTP id 1; Mon, 2 Feb 2026 09:00:00 +0000\r\n"
        f"Return-Path: <bounce@{domain}>\r\nFrom: Someone <someone@{domain}>\r\n"
        "To: tresorier@parti-exemple.fr\r\nSubject: s\r\n\r\nbody\r\n"
    ).encode()


@pytest.mark.parametrize(
    ("domain", "ip", "signals"),
    [
        ("strict.test", "203.0.113.9", {"authentication.spf_fail"}),
        ("strict.test", "192.0.2.33", set()),
        ("soft.test", "203.0.113.9", {"authentication.spf_softfail", "authentication.no_dmarc"}),
        ("incl.test", "192.0.2.5", set()),  # pass through include
        ("incl.test", "2001:db8::7", set()),  # ip6
        ("incl.test", "203.0.113.9", {"authentication.spf_fail"}),
        ("redir.test", "203.0.113.9", {"authentication.spf_fail"}),  # redirect=
        ("mxd.test", "203.0.113.77", set()),  # mx/24
        ("mxd.test", "198.51.100.1", {"authentication.spf_fail"}),
        ("loop.test", "203.0.113.9", set()),  # include loop: permerror, never a fail
        ("two.test", "203.0.113.9", {"authentication.no_dmarc"}),  # two SPF records: permerror
        ("macro.test", "203.0.113.9", {"authentication.spf_fail", "authentication.no_dmarc"}),
        ("slow.test", "203.0.113.9", set()),  # timeouts: temperror, and no DMARC verdict
    ],
)
def test_live_spf_and_dmarc(
    live: tuple[MailContext, LocalDNSServer],
    domain: str,
    ip: str,
    signals: set[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx, _ = live
    assert ctx.dns is not None
    answers: list[Any] = []
    real_query = ctx.dns.query

    def query(name: str, rdtype: str, **kwargs: Any) -> Any:
        answer = real_query(name, rdtype, **kwargs)
        answers.append(answer)
        return answer

    monkeypatch.setattr(ctx.dns, "query", query)
    hits = auth.detect(parse_message(_relayed(domain, ip), "live"), ctx)
    assert {h.signal for h in hits} == signals
    # bounded look-ups: the SPF budget plus the DMARC ones (own domain, organisation);
    # a failed answer (timeout) ends its check, so at most one wait each for SPF and DMARC
    assert len(answers) <= auth.SPF_LOOKUPS + 2
    assert sum(answer.failed for answer in answers) <= 2
    for h in hits:
        assert h.evidence.startswith(("live SPF check:", "live DMARC check:"))


def test_live_checks_skip_when_our_server_already_judged(
    live: tuple[MailContext, LocalDNSServer],
) -> None:
    ctx, server = live
    server.reset_counts()
    raw = _relayed("strict.test", "203.0.113.9", results="spf=pass smtp.mailfrom=strict.test; "
                   "dmarc=pass header.from=strict.test")  # fmt: skip
    assert not auth.detect(parse_message(raw, "judged"), ctx)
    assert not server.queries


def test_live_spf_needs_our_relay_stamp(live: tuple[MailContext, LocalDNSServer]) -> None:
    ctx, _ = live
    raw = _relayed("strict.test", "203.0.113.9").replace(b"mx.parti-exemple.fr", b"mx.other.test")
    assert not auth.detect(parse_message(raw, "elsewhere"), ctx)


def test_spf_budget_is_bounded(live: tuple[MailContext, LocalDNSServer]) -> None:
    ctx, server = live
    assert ctx.dns is not None
    server.reset_counts()
    result, _ = auth.spf_check(ctx.dns, "203.0.113.9", "loop.test", auth._Budget(10, 3.0))
    assert result == "permerror"
    assert sum(server.queries.values()) <= 10


# -- live DKIM (dkimpy, keys served by the local DNS server) ---------------------------


def _dkim_world() -> tuple[bytes, str]:
    """A private key (PEM) and the zone publishing its public half at sel._domainkey."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())  # fmt: skip
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = key.public_key().public_bytes(serialization.Encoding.DER, spki)
    record = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
    chunks = " ".join(f'"{record[i : i + 200]}"' for i in range(0, len(record), 200))
    zone = ("$TTL 60\ntest. SOA ns.test. h.test. 1 7200 3600 1209600 60\n"
            f"sel._domainkey.signed.test. TXT {chunks}\n"
            '_dmarc.signed.test. TXT "v=DMARC1; p=reject"\n')  # fmt: skip
    return pem, zone


def _signed(pem: bytes, selector: bytes = b"sel", domain: bytes = b"signed.test") -> bytes:
    import dkim

    body = (b"From: Presse <presse@signed.test>\r\nTo: tresorier@parti-exemple.fr\r\n"
            b"Subject: Communique\r\n\r\nLe communique est en ligne.\r\n")  # fmt: skip
    sig = dkim.sign(body, selector, domain, pem,
                    include_headers=[b"from", b"to", b"subject"])  # fmt: skip
    return sig + body


@pytest.fixture(scope="module")
def dkim_live() -> Iterator[tuple[MailContext, bytes]]:
    pem, zone = _dkim_world()
    with LocalDNSServer(
        {"test.": zone}, behaviours={"sel._domainkey.down.test": "timeout"}
    ) as server:
        client = DnsClient(parse_nameserver("{}:{}".format(*server.address)), timeout=1)
        yield replace(CTX, dns=client), pem


def test_live_dkim_valid_signature_raises_nothing(dkim_live: tuple[MailContext, bytes]) -> None:
    ctx, pem = dkim_live
    assert auth.detect(parse_message(_signed(pem), "signed"), ctx) == []


def test_live_dkim_altered_body_fails(dkim_live: tuple[MailContext, bytes]) -> None:
    ctx, pem = dkim_live
    altered = _signed(pem).replace(b"est en ligne", b"IBAN FR76 ...")
    hits = auth.detect(parse_message(altered, "altered"), ctx)
    assert [(h.signal, h.evidence) for h in hits] == [(
        "authentication.dkim_fail",
        "live DKIM check: the d=signed.test s=sel signature does not match the message "
        "(altered or forged)",
    )]  # fmt: skip


def test_live_dkim_unknown_selector_fails(dkim_live: tuple[MailContext, bytes]) -> None:
    ctx, pem = dkim_live
    hits = auth.detect(parse_message(_signed(pem, b"nokey"), "nokey"), ctx)
    assert [h.signal for h in hits] == ["authentication.dkim_fail"]
    assert "no DKIM key published at nokey._domainkey.signed.test" in hits[0].evidence


def test_live_dkim_without_dns_answer_gives_no_verdict(
    dkim_live: tuple[MailContext, bytes],
) -> None:
    ctx, pem = dkim_live
    raw = _signed(pem, domain=b"down.test")  # its key lookup times out
    assert [h.signal for h in auth.detect(parse_message(raw, "down"), ctx)] == []


def test_garbage_dkim_signature_is_a_fail_not_a_crash(
    dkim_live: tuple[MailContext, bytes],
) -> None:
    ctx, _ = dkim_live
    raw = (
        b"DKIM-Signature: v=1; a=rsa-sha256; d=signed.test; s=sel; b=!!!; bh=???\r\n"
        b"From: a@signed.test\r\nTo: b@parti-exemple.fr\r\nSubject: x\r\n\r\nbody\r\n"
    )
    hits = auth.detect(parse_message(raw, "garbage"), ctx)
    assert [h.signal for h in hits] == ["authentication.dkim_fail"]
