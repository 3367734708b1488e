"""The audit's annotated fixture world.

Every audited domain is the clean template with one deliberate defect, and
``EXPECTED`` says exactly which findings (check id, target) it must yield —
the annotated samples of every audit rule. ``CLEAN`` domains yield none.
"""

from __future__ import annotations

import base64
import ssl
from datetime import UTC, datetime, timedelta
from functools import cache

import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rempart.audit.config import AuditTarget, Role
from rempart.testing import sign_zone
from rempart.testing.dns_server import ds_record_text
from rempart.testing.https_server import Route
from rempart.testing.world import MailHost

MX_OK = "mx1.mailhost.test"
MX_PLAIN = "plain.mailhost.test"
MX_SELF = "selfsigned.mailhost.test"
MX_OLD = "old.mailhost.test"

MAIL_HOSTS = (
    MailHost("127.0.0.2", (MX_OK,)),
    MailHost("127.0.0.3", (MX_PLAIN,), starttls=False),
    MailHost("127.0.0.4", (MX_SELF,), cert="self-signed"),
    MailHost("127.0.0.5", (MX_OLD,), tls_max=ssl.TLSVersion.TLSv1_1),
)


def _spki(public_key: rsa.RSAPublicKey) -> str:
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@cache
def dkim_key(bits: int) -> str:
    """A DKIM ``p=`` value for an RSA key of ``bits`` (512 built from numbers)."""
    if bits < 1024:
        return _spki(rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0x1234567).public_key())
    return _spki(rsa.generate_private_key(65537, bits).public_key())


def txt(value: str) -> str:
    """A TXT rdata, split into 255-byte strings."""
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def mail_parts(d: str) -> dict[str, str | None]:
    """Record lines of a clean sending domain ``d``, by part name."""
    return {
        "ns": f"{d}. NS ns1.{d}.\n{d}. NS ns2.{d}.\n"
        f"ns1.{d}. A 192.0.2.10\nns2.{d}. A 198.51.100.10",
        "caa": f'{d}. CAA 0 issue "letsencrypt.org"',
        "mx": f"{d}. MX 10 {MX_OK}.",
        "spf": f'{d}. TXT "v=spf1 mx -all"',
        "dmarc": f'_dmarc.{d}. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{d}"',
        "dkim": f"s1._domainkey.{d}. TXT {txt('v=DKIM1; k=rsa; p=' + dkim_key(2048))}",
        "sts": f'_mta-sts.{d}. TXT "v=STSv1; id=20250101"\nmta-sts.{d}. A 127.0.0.1',
        "tlsrpt": f'_smtp._tls.{d}. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{d}"',
        "bimi": f'default._bimi.{d}. TXT "v=BIMI1; l=https://{d}/logo.svg"',
        "www": f"www.{d}. A 192.0.2.80",
    }


def nonsending_parts(d: str) -> dict[str, str | None]:
    """Record lines of a clean domain that sends no mail."""
    parts = mail_parts(d)
    for key in ("dkim", "sts", "tlsrpt", "bimi"):
        parts[key] = None
    parts["mx"] = f"{d}. MX 0 ."
    parts["spf"] = f'{d}. TXT "v=spf1 -all"'
    parts["dmarc"] = f'_dmarc.{d}. TXT "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s"'
    return parts


STS_POLICY = f"version: STSv1\nmode: enforce\nmx: {MX_OK}\nmax_age: 604800\n"

# domain -> (role, changes to the template, extra lines, STS policy or None, signing)
# signing: "signed" (DS in parent), "unsigned", "no-ds", "bad-ds", "expired"
Variant = tuple[Role, dict[str, str | None], str, str | None, str]


def _v(role: Role = Role.MAIL, sign: str = "signed", policy: str | None = STS_POLICY,
       extra: str = "", **changes: str | None) -> Variant:  # fmt: skip
    return (role, changes, extra, policy, sign)


def variants() -> dict[str, Variant]:
    """Every fixture domain, as a variation of the clean template."""
    lookups = " ".join(f"include:_i{n}.spflookups.test" for n in range(11))
    incl = "\n".join(f'_i{n}.spflookups.test. TXT "v=spf1 ip4:192.0.2.{n} -all"' for n in range(11))
    return {
        "clean.test": _v(),
        "authrua.test": _v(
            dmarc='_dmarc.authrua.test. TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc-vendor.test"'
        ),
        "web.test": _v(Role.NONSENDING, policy=None, **nonsending_parts("web.test")),  # type: ignore[arg-type]
        # --- DMARC
        "nodmarc.test": _v(dmarc=None),
        "pnone.test": _v(
            dmarc='_dmarc.pnone.test. TXT "v=DMARC1; p=none; rua=mailto:d@pnone.test"'
        ),
        "weakdmarc.test": _v(
            dmarc='_dmarc.weakdmarc.test. TXT "v=DMARC1; p=quarantine; pct=50; '
            'sp=none; rua=mailto:d@weakdmarc.test"'
        ),
        "norua.test": _v(dmarc='_dmarc.norua.test. TXT "v=DMARC1; p=reject"'),
        "extrua.test": _v(
            dmarc='_dmarc.extrua.test. TXT "v=DMARC1; p=reject; rua=mailto:r@dmarc-vendor.test"'
        ),
        "dmarcbad.test": _v(dmarc='_dmarc.dmarcbad.test. TXT "v=DMARC1; p=bogus"'),
        # --- SPF
        "nospf.test": _v(spf=None),
        "spf2.test": _v(extra='spf2.test. TXT "v=spf1 ip4:192.0.2.1 -all"'),
        "spfplus.test": _v(spf='spfplus.test. TXT "v=spf1 mx +all"'),
        "spfneutral.test": _v(spf='spfneutral.test. TXT "v=spf1 mx ?all"'),
        "spfsoft.test": _v(spf='spfsoft.test. TXT "v=spf1 mx ~all"'),
        "spfnoall.test": _v(spf='spfnoall.test. TXT "v=spf1 mx"'),
        "spfredirect.test": _v(
            spf='spfredirect.test. TXT "v=spf1 redirect=_spf.spfredirect.test"',
            extra='_spf.spfredirect.test. TXT "v=spf1 mx ~all"',
        ),
        "spfbad.test": _v(spf='spfbad.test. TXT "v=spf1 mx foo:bar -all"'),
        "spflookups.test": _v(
            spf=f"spflookups.test. TXT {txt(f'v=spf1 {lookups} -all')}", extra=incl
        ),
        "spfvoid.test": _v(
            spf='spfvoid.test. TXT "v=spf1 a:g1.spfvoid.test a:g2.spfvoid.test '
            'a:g3.spfvoid.test mx -all"'
        ),
        # --- DKIM
        "nodkim.test": _v(dkim=None),
        "dkimweak.test": _v(
            dkim=f"s1._domainkey.dkimweak.test. TXT {txt('v=DKIM1; k=rsa; p=' + dkim_key(512))}"
        ),
        "dkim1024.test": _v(
            dkim=f"s1._domainkey.dkim1024.test. TXT {txt('v=DKIM1; k=rsa; p=' + dkim_key(1024))}"
        ),
        # --- MTA-STS, TLS-RPT, BIMI
        "nosts.test": _v(sts=None, policy=None),
        "stsunreach.test": _v(policy=None),
        "ststesting.test": _v(policy=STS_POLICY.replace("enforce", "testing")),
        "stsmx.test": _v(policy=STS_POLICY.replace(MX_OK, "other.mailhost.test")),
        "stsbad.test": _v(policy="this is not a policy\n"),
        "notlsrpt.test": _v(tlsrpt=None),
        "tlsrptbad.test": _v(tlsrpt='_smtp._tls.tlsrptbad.test. TXT "v=TLSRPTv1; rua=bogus"'),
        "nobimi.test": _v(bimi=None),
        "bimibad.test": _v(bimi='default._bimi.bimibad.test. TXT "v=BIMI1; l=http://x.test/l.svg"'),
        # --- MX and STARTTLS
        "nomx.test": _v(mx=None, policy=STS_POLICY),
        "mxgone.test": _v(
            mx=f"mxgone.test. MX 10 gone.mxgone.test.\nmxgone.test. MX 20 {MX_OK}.",
            policy=STS_POLICY.replace("max_age", "mx: gone.mxgone.test\nmax_age"),
        ),
        "plaintls.test": _v(
            mx=f"plaintls.test. MX 10 {MX_PLAIN}.", policy=STS_POLICY.replace(MX_OK, MX_PLAIN)
        ),
        "oldtls.test": _v(
            mx=f"oldtls.test. MX 10 {MX_OLD}.", policy=STS_POLICY.replace(MX_OK, MX_OLD)
        ),
        "selfsigned.test": _v(
            mx=f"selfsigned.test. MX 10 {MX_SELF}.", policy=STS_POLICY.replace(MX_OK, MX_SELF)
        ),
        # --- DNS
        "nons.test": _v(ns=None),
        "onens.test": _v(ns="onens.test. NS ns1.onens.test.\nns1.onens.test. A 192.0.2.10"),
        "samenet.test": _v(
            ns="samenet.test. NS ns1.samenet.test.\n"
            "samenet.test. NS ns2.samenet.test.\n"
            "ns1.samenet.test. A 192.0.2.10\nns2.samenet.test. A 192.0.2.11"
        ),
        "nsgone.test": _v(
            ns="nsgone.test. NS ns1.nsgone.test.\nnsgone.test. NS ns.nowhere.test.\n"
            "ns1.nsgone.test. A 192.0.2.10"
        ),
        "soabad.test": _v(extra="SOA 1 3600 7200 1209600 3600"),
        "unsigned.test": _v(sign="unsigned"),
        "nods.test": _v(sign="no-ds"),
        "badds.test": _v(sign="bad-ds"),
        "expiredsig.test": _v(sign="expired"),
        "nocaa.test": _v(caa=None),
        "dangling.test": _v(extra="dons.dangling.test. CNAME app.gone-cloud.test."),
        "loop.test": _v(
            extra="shop.loop.test. CNAME shop2.loop.test.\nshop2.loop.test. CNAME shop.loop.test."
        ),
        "wild.test": _v(extra="*.wild.test. A 192.0.2.99"),
        # --- Non-sending and defensive
        "webbad.test": _v(
            Role.NONSENDING,
            policy=None,
            **{
                **nonsending_parts("webbad.test"),  # type: ignore[arg-type]
                "mx": None,
                "dmarc": None,
                "spf": 'webbad.test. TXT "v=spf1 mx ~all"',
            },
        ),
        "lookalike.test": _v(
            Role.DEFENSIVE,
            policy=None,
            **{
                **nonsending_parts("lookalike.test"),  # type: ignore[arg-type]
                "mx": f"lookalike.test. MX 10 {MX_OK}.",
            },
        ),
        # --- Hostile and broken
        "hugetxt.test": _v(
            extra="\n".join(f"hugetxt.test. TXT {txt('x' * 2000 + str(i))}" for i in range(20))
        ),
        "partial.test": _v(),
        # attacker-written text: Rich markup and a terminal escape (ESC = \\027) in a record
        "hostile.test": _v(spf='hostile.test. TXT "v=spf1 [bold]pwn[/bold] \\027[2J ~all"'),
    }


SOA_DEFAULT = "1 7200 3600 1209600 3600"


def _zone_text(domain: str, variant: Variant) -> str:
    role, changes, extra, _policy, _sign = variant
    base = nonsending_parts(domain) if role != Role.MAIL else mail_parts(domain)
    parts = {**base, **changes}
    soa = SOA_DEFAULT
    if extra.startswith("SOA "):
        soa, extra = extra.removeprefix("SOA "), ""
    head = f"{domain}. SOA ns1.{domain}. hostmaster.{domain}. {soa}"
    lines = [head, *(p for p in parts.values() if p), extra]
    return "$TTL 300\n" + "\n".join(line for line in lines if line) + "\n"


INHERIT = """$TTL 300
inherit.test. SOA ns1.inherit.test. hostmaster.inherit.test. 1 7200 3600 1209600 3600
inherit.test. NS ns1.inherit.test.
inherit.test. NS ns2.inherit.test.
ns1.inherit.test. A 192.0.2.10
ns2.inherit.test. A 198.51.100.10
inherit.test. CAA 0 issue "letsencrypt.org"
_dmarc.inherit.test. TXT "v=DMARC1; p=reject; rua=mailto:d@inherit.test"
news.inherit.test. MX 10 mx1.mailhost.test.
news.inherit.test. TXT "v=spf1 mx -all"
s1._domainkey.news.inherit.test. TXT {dkim}
_mta-sts.news.inherit.test. TXT "v=STSv1; id=1"
mta-sts.news.inherit.test. A 127.0.0.1
_smtp._tls.news.inherit.test. TXT "v=TLSRPTv1; rua=mailto:t@inherit.test"
default._bimi.news.inherit.test. TXT "v=BIMI1; l=https://inherit.test/logo.svg"
"""

SUPPORT = {
    "mailhost.test": f"""$TTL 300
mailhost.test. SOA ns1.mailhost.test. h.mailhost.test. 1 7200 3600 1209600 3600
mailhost.test. NS ns1.mailhost.test.
ns1.mailhost.test. A 192.0.2.53
{MX_OK}. A 127.0.0.2
{MX_PLAIN}. A 127.0.0.3
{MX_SELF}. A 127.0.0.4
{MX_OLD}. A 127.0.0.5
""",
    "dmarc-vendor.test": """$TTL 300
dmarc-vendor.test. SOA ns1.dmarc-vendor.test. h.dmarc-vendor.test. 1 7200 3600 1209600 3600
dmarc-vendor.test. MX 10 mx1.mailhost.test.
authrua.test._report._dmarc.dmarc-vendor.test. TXT "v=DMARC1"
""",
}

BEHAVIOURS = {
    "timeout.test.": "timeout",
    "servfail.test.": "servfail",
    "garbage.test.": "garbage",
    "truncated.test.": "truncated-garbage",
    "wrongid.test.": "wrong-id",
    "_dmarc.partial.test.": "timeout",
}

EXPECTED: dict[str, set[tuple[str, str]]] = {
    "clean.test": set(),
    "authrua.test": set(),
    "web.test": set(),
    "news.inherit.test": {("mail.dmarc.inherited", "news.inherit.test")},
    "nodmarc.test": {("mail.dmarc.missing", "nodmarc.test")},
    "pnone.test": {("mail.dmarc.p_none", "pnone.test")},
    "weakdmarc.test": {("mail.dmarc.p_quarantine", "weakdmarc.test"),
                       ("mail.dmarc.pct", "weakdmarc.test"),
                       ("mail.dmarc.sp_weak", "weakdmarc.test")},
    "norua.test": {("mail.dmarc.no_rua", "norua.test")},
    "extrua.test": {("mail.dmarc.rua_unauthorized", "extrua.test")},
    "dmarcbad.test": {("mail.dmarc.invalid", "dmarcbad.test")},
    "nospf.test": {("mail.spf.missing", "nospf.test")},
    "spf2.test": {("mail.spf.multiple", "spf2.test")},
    "spfplus.test": {("mail.spf.plus_all", "spfplus.test")},
    "spfneutral.test": {("mail.spf.neutral_all", "spfneutral.test")},
    "spfsoft.test": {("mail.spf.softfail_all", "spfsoft.test")},
    "spfnoall.test": {("mail.spf.no_all", "spfnoall.test")},
    "spfbad.test": {("mail.spf.invalid", "spfbad.test")},
    "spfredirect.test": set(),  # ~all lives in the redirect target: no local fix to give
    "spflookups.test": {("mail.spf.too_many_lookups", "spflookups.test")},
    "spfvoid.test": {("mail.spf.void_lookups", "spfvoid.test")},
    "nodkim.test": {("mail.dkim.missing", "nodkim.test")},
    "dkimweak.test": {("mail.dkim.weak_key", "s1._domainkey.dkimweak.test")},
    "dkim1024.test": {("mail.dkim.short_key", "s1._domainkey.dkim1024.test")},
    "nosts.test": {("mail.mta_sts.missing", "nosts.test")},
    "stsunreach.test": {("mail.mta_sts.policy_unreachable", "stsunreach.test")},
    "ststesting.test": {("mail.mta_sts.testing", "ststesting.test")},
    "stsmx.test": {("mail.mta_sts.mx_mismatch", MX_OK)},
    "stsbad.test": {("mail.mta_sts.invalid", "stsbad.test")},
    "notlsrpt.test": {("mail.tlsrpt.missing", "notlsrpt.test")},
    "tlsrptbad.test": {("mail.tlsrpt.invalid", "tlsrptbad.test")},
    "nobimi.test": {("mail.bimi.missing", "nobimi.test")},
    "bimibad.test": {("mail.bimi.invalid", "bimibad.test")},
    "nomx.test": {("mail.mx.missing", "nomx.test")},
    "mxgone.test": {("mail.mx.unresolvable", "gone.mxgone.test")},
    "plaintls.test": {("mail.starttls.missing", MX_PLAIN)},
    "selfsigned.test": {("mail.starttls.cert_invalid", MX_SELF)},
    "oldtls.test": {("mail.starttls.old_tls", MX_OLD)},
    "nons.test": {("dns.ns.missing", "nons.test")},
    "onens.test": {("dns.ns.single", "onens.test")},
    "lame.test": {("dns.soa.missing", "lame.test"), ("dns.caa.missing", "lame.test"),
                  ("mail.nonsending.spf", "lame.test"), ("mail.nonsending.dmarc", "lame.test"),
                  ("mail.nonsending.null_mx", "lame.test")},
    "samenet.test": {("dns.ns.same_network", "samenet.test")},
    "nsgone.test": {("dns.ns.unresolvable", "ns.nowhere.test")},
    "soabad.test": {("dns.soa.timers", "soabad.test")},
    "unsigned.test": {("dns.dnssec.unsigned", "unsigned.test")},
    "nods.test": {("dns.dnssec.no_ds", "nods.test")},
    "badds.test": {("dns.dnssec.ds_mismatch", "badds.test")},
    "expiredsig.test": {("dns.dnssec.invalid", "expiredsig.test")},
    "nocaa.test": {("dns.caa.missing", "nocaa.test")},
    "dangling.test": {("dns.cname.dangling", "dons.dangling.test")},
    "loop.test": {("dns.cname.loop", "shop.loop.test")},
    "wild.test": {("dns.wildcard", "*.wild.test")},
    "webbad.test": {("mail.nonsending.spf", "webbad.test"),
                    ("mail.nonsending.dmarc", "webbad.test"),
                    ("mail.nonsending.null_mx", "webbad.test")},
    "lookalike.test": {("mail.nonsending.receives", "lookalike.test")},
    "hugetxt.test": set(),
    "hostile.test": {("mail.spf.invalid", "hostile.test")},
    # broken: findings and the errors that make the outcome incomplete
    "servfail.test": {("dns.resolve.failed", "servfail.test")},
    "doesnotexist.test": {("dns.resolve.failed", "doesnotexist.test")},
    "timeout.test": set(),
    "garbage.test": set(),
    "truncated.test": set(),
    "wrongid.test": set(),
    "partial.test": set(),
}  # fmt: skip

ERRORS = {"servfail.test": "dns:", "doesnotexist.test": "dns:", "timeout.test": "dns:",
          "garbage.test": "dns:",
    "truncated.test": "dns:",
    "wrongid.test": "dns:", "partial.test": "dmarc:"}  # fmt: skip
"""Domains whose outcome must carry an error line starting with this check name."""


def _sign(origin: str, text: str, how: str, parent: list[str]) -> dns.zone.Zone | str:
    if how == "unsigned":
        return text
    zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False)
    expiration = datetime.now(UTC) - timedelta(days=1) if how == "expired" else None
    inception = datetime.now(UTC) - timedelta(days=40) if how == "expired" else None
    signed = sign_zone(zone, inception=inception, expiration=expiration)
    if how == "bad-ds":
        other = sign_zone(zone)  # a DS for a key the zone does not use
        parent.append(ds_record_text(origin, other.ds))
    elif how != "no-ds":
        parent.append(ds_record_text(origin, signed.ds))
    return signed.zone


@cache
def build() -> tuple[dict[str, str | dns.zone.Zone], dict[tuple[str, str], Route]]:
    """All zones (the ``test.`` parent holding the DS records) and HTTPS routes."""
    zones: dict[str, str | dns.zone.Zone] = {}
    routes: dict[tuple[str, str], Route] = {}
    parent: list[str] = []
    for domain, variant in variants().items():
        zones[domain + "."] = _sign(domain + ".", _zone_text(domain, variant), variant[4], parent)
        parent.append(f"{domain}. NS ns1.{domain}.")  # the delegation, as real parents have
        if variant[3] is not None:
            routes[(f"mta-sts.{domain}", "/.well-known/mta-sts.txt")] = Route(
                body=variant[3].encode()
            )
    zones["inherit.test."] = INHERIT.replace("{dkim}", txt("v=DKIM1; k=rsa; p=" + dkim_key(2048)))
    routes[("mta-sts.news.inherit.test", "/.well-known/mta-sts.txt")] = Route(
        body=STS_POLICY.encode()
    )
    for name, text in SUPPORT.items():
        zones[name + "."] = text
    parent.append("lame.test. NS ns1.gone-dns.test.")  # delegated, but no zone is served
    zones["test."] = (
        "$TTL 300\ntest. SOA ns.test. h.test. 1 7200 3600 1209600 3600\n"
        "test. NS ns.test.\nns.test. A 192.0.2.1\n" + "\n".join(parent) + "\n"
    )
    return zones, routes  # fmt: skip


def targets() -> list[AuditTarget]:
    """Every audited domain with its role."""
    out = [AuditTarget(d, v[0]) for d, v in variants().items()]
    out.append(AuditTarget("news.inherit.test", Role.MAIL))
    out.append(AuditTarget("lame.test", Role.NONSENDING))
    broken = ("servfail.test", "doesnotexist.test", "timeout.test", "garbage.test",
              "truncated.test", "wrongid.test")  # fmt: skip
    out += [AuditTarget(d, Role.MAIL) for d in broken]
    return out
