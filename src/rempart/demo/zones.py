"""The bundled example campaign's little internet: its zones, mail servers, policies.

The defects are the ones campaign technicians really leave behind: DMARC
left at ``p=none``, SPF ``~all``, no DNSSEC, a donation site whose CNAME
points at a deleted cloud app, a secondary MX without encryption, a
look-alike domain bought for protection but left receiving mail. The
newsletter domain shows what a clean configuration looks like.
"""

from __future__ import annotations

import base64
from functools import cache

import dns.zone
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from rempart.testing.dns_server import ds_record_text, sign_zone
from rempart.testing.https_server import Route
from rempart.testing.world import MailHost

MAIN = "mouvement-exemple.example"
NEWS = "mouvement-exemple.test"
CANDIDATE = "exemple2027.example"
LOOKALIKE = "mouvernent-exemple.example"
PARKED = "mouvementexemple.example"
PROVIDER = "mail-provider.example"

MAIL_HOSTS = (
    MailHost("127.0.0.2", (f"mx1.{PROVIDER}", f"mx2.{PROVIDER}")),
    MailHost("127.0.0.3", (f"relay.{MAIN}",), starttls=False),
)


@cache
def _dkim() -> str:
    key = rsa.generate_private_key(65537, 2048).public_key()
    der = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def _txt(value: str) -> str:
    return " ".join(f'"{value[i : i + 255]}"' for i in range(0, len(value), 255))


def _head(domain: str) -> str:
    return (
        f"$TTL 3600\n{domain}. SOA ns1.dns-host.example. hostmaster.{domain}. "
        f"2026112601 7200 3600 1209600 3600\n"
        f"{domain}. NS ns1.dns-host.example.\n{domain}. NS ns2.dns-host.net.\n"
    )


def main_zone(dmarc: str) -> str:
    """The party's main domain; ``dmarc`` is its DMARC record (before/after the fix)."""
    d = MAIN
    return (
        _head(d)
        + f"""{d}. A 127.0.0.30
www.{d}. CNAME {d}.
{d}. MX 10 mx1.{PROVIDER}.
{d}. MX 20 relay.{d}.
relay.{d}. A 127.0.0.3
{d}. TXT "v=spf1 include:_spf.{PROVIDER} mx ~all"
_dmarc.{d}. TXT "{dmarc}"
s1._domainkey.{d}. TXT {_txt("v=DKIM1; k=rsa; p=" + _dkim())}
dons.{d}. CNAME mouvement-exemple-dons.cloudapp.example.
adherer.{d}. A 192.0.2.81
{NEWS}._report._dmarc.{d}. TXT "v=DMARC1"
"""
    )


DMARC_BEFORE = "v=DMARC1; p=none"
DMARC_AFTER = f"v=DMARC1; p=reject; rua=mailto:dmarc@{MAIN}"


def _news_zone() -> str:
    d = NEWS
    return (
        _head(d)
        + f"""{d}. CAA 0 issue "letsencrypt.org"
{d}. MX 10 mx1.{PROVIDER}.
{d}. MX 20 mx2.{PROVIDER}.
{d}. TXT "v=spf1 include:_spf.{PROVIDER} -all"
_dmarc.{d}. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{MAIN}"
newsletter._domainkey.{d}. TXT {_txt("v=DKIM1; k=rsa; p=" + _dkim())}
_mta-sts.{d}. TXT "v=STSv1; id=2026110101"
mta-sts.{d}. A 127.0.0.1
_smtp._tls.{d}. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{MAIN}"
default._bimi.{d}. TXT "v=BIMI1; l=https://{MAIN}/logo.svg"
"""
    )


def _candidate_zone() -> str:
    d = CANDIDATE
    return (
        _head(d)
        + f"""{d}. A 127.0.0.31
www.{d}. A 127.0.0.31
{d}. TXT "google-site-verification=3x4mpl3"
"""
    )


def _lookalike_zone() -> str:
    d = LOOKALIKE
    return (
        _head(d)
        + f"""{d}. A 192.0.2.200
{d}. MX 10 mx1.{PROVIDER}.
{d}. TXT "v=spf1 -all"
"""
    )


def _parked_zone() -> str:
    d = PARKED
    return (
        _head(d)
        + f"""{d}. CAA 0 issue ";"
{d}. MX 0 .
{d}. TXT "v=spf1 -all"
_dmarc.{d}. TXT "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s"
"""
    )


def _support_zones() -> dict[str, str]:
    return {
        f"{PROVIDER}.": _head(PROVIDER)
        + f"""mx1.{PROVIDER}. A 127.0.0.2
mx2.{PROVIDER}. A 127.0.0.2
_spf.{PROVIDER}. TXT "v=spf1 ip4:192.0.2.0/26 ip4:198.51.100.0/26 -all"
""",
        "dns-host.example.": _head("dns-host.example") + "ns1.dns-host.example. A 192.0.2.53\n",
        "dns-host.net.": _head("dns-host.net") + "ns2.dns-host.net. A 198.51.100.53\n",
    }


def zones(dmarc: str = DMARC_BEFORE) -> dict[str, str | dns.zone.Zone]:
    """Every zone of the demo world, the newsletter domain signed with DNSSEC."""
    news = dns.zone.from_text(_news_zone(), origin=NEWS + ".", relativize=False)
    signed = sign_zone(news)
    parents = {
        "example.": [],
        "test.": [ds_record_text(NEWS, signed.ds)],
    }
    out: dict[str, str | dns.zone.Zone] = {
        f"{MAIN}.": main_zone(dmarc),
        f"{NEWS}.": signed.zone,
        f"{CANDIDATE}.": _candidate_zone(),
        f"{LOOKALIKE}.": _lookalike_zone(),
        f"{PARKED}.": _parked_zone(),
        **_support_zones(),
    }
    for tld, lines in parents.items():
        delegations = [f"{name[:-1]}. NS ns1.dns-host.example." for name in out
                       if name.endswith("." + tld) and name.count(".") == 2]  # fmt: skip
        out[tld] = (f"$TTL 3600\n{tld} SOA a.nic.{tld} h.nic.{tld} 1 7200 3600 1209600 3600\n"
                    + "\n".join(delegations + lines) + "\n")  # fmt: skip
    return out


def routes() -> dict[tuple[str, str], Route]:
    """The MTA-STS policy of the newsletter domain."""
    policy = f"version: STSv1\nmode: enforce\nmx: *.{PROVIDER}\nmax_age: 1209600\n"
    return {(f"mta-sts.{NEWS}", "/.well-known/mta-sts.txt"): Route(body=policy.encode())}
