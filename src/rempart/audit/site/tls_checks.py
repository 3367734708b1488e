"""HTTPS checks: available, HTTP redirects to it, certificate, protocol versions.

Pure functions over a :class:`~rempart.net.tlsprobe.TlsReport` and the answer
to a plain-HTTP request; the job does the connecting.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rempart.audit.site.model import Fetched
from rempart.audit.spec import CheckSpec
from rempart.model import Observation, Severity
from rempart.net.tlsprobe import TlsReport

EXPIRY_WARNING_DAYS = 21
"""Certificates expiring sooner than this are flagged."""

OLD_PROTOCOLS = ("SSLv3", "TLSv1", "TLSv1.1")

_H, _M, _L, _I = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO
_MOZ = "Mozilla, Server Side TLS guidelines"
_ANSSI = "ANSSI, recommandations de sécurité relatives à TLS"

SPECS = (
    CheckSpec(
        "site.dns.missing",
        _H,
        "The website's name does not resolve",
        "Visitors get an error instead of the site, and a name left pointing at a "
        "deleted service can be taken over by someone else.",
        "Check the DNS records of {host} (seen: {detail}); if the site moved, update the "
        "campaign file; if it is gone, delete its records.",
        ("RFC 1034",),
    ),
    CheckSpec(
        "site.https.unavailable",
        _H,
        "The site cannot be reached over HTTPS",
        "Visitors, donors and members send their data in clear text, readable and "
        "alterable by anyone on the way.",
        "Enable HTTPS on {url} with a free certificate (Let's Encrypt, e.g. certbot), "
        "then redirect all HTTP to it. Seen: {error}",
        (_ANSSI,),
    ),
    CheckSpec(
        "site.https.no_redirect",
        _M,
        "Plain HTTP does not redirect to HTTPS",
        "Whoever types the address lands on the unencrypted site, where an attacker on "
        "the same Wi-Fi can change what they see.",
        "Answer every http:// request with a 301 to the same https:// address, e.g. nginx "
        "`return 301 https://$host$request_uri;` or Apache `Redirect permanent / "
        "https://{host}/`. Seen: {seen}",
        ("RFC 6797",),
    ),
    CheckSpec(
        "site.tls.cert_invalid",
        _H,
        "The site's certificate is not valid",
        "Browsers show a full-page warning; people who click through can be fooled by "
        "an impostor site.",
        "Install a certificate for {host} from a public authority, with its full chain. "
        "Problem: {error}",
        (_MOZ,),
    ),
    CheckSpec(
        "site.tls.cert_expiring",
        _M,
        "The site's certificate expires soon",
        "When it expires, browsers block the site — possibly in the middle of the campaign.",
        "Renew the certificate of {host} (expires {when}, in {days} days) and automate "
        "renewal (certbot renew runs from a timer).",
        (_MOZ,),
    ),
    CheckSpec(
        "site.tls.weak_key",
        _M,
        "The certificate's key is too short",
        "RSA keys under 2048 bits are within reach of well-funded attackers.",
        "Issue a new certificate with an RSA 2048+ or ECDSA P-256 key ({key}).",
        (_ANSSI,),
    ),
    CheckSpec(
        "site.tls.weak_signature",
        _M,
        "The certificate is signed with a weak algorithm",
        "SHA-1 and MD5 signatures can be forged.",
        "Issue a new certificate signed with SHA-256 or better (seen: {algorithm}).",
        (_MOZ,),
    ),
    CheckSpec(
        "site.tls.old_protocols",
        _M,
        "The site still accepts outdated TLS versions",
        "TLS 1.0 and 1.1 have known weaknesses and are forbidden by current guidance.",
        "Allow only TLS 1.2 and 1.3: nginx `ssl_protocols TLSv1.2 TLSv1.3;`, Apache "
        "`SSLProtocol -all +TLSv1.2 +TLSv1.3`. Offered: {versions}.",
        ("RFC 8996", _ANSSI),
    ),
    CheckSpec(
        "site.tls.no_tls13",
        _I,
        "The site does not offer TLS 1.3",
        "TLS 1.3 is faster and removes legacy weaknesses; it is informational.",
        "Enable TLS 1.3 in the web server (nginx `ssl_protocols TLSv1.2 TLSv1.3;`).",
        ("RFC 8446",),
    ),
    CheckSpec(
        "site.grade",
        _I,
        "Security headers grade",
        "A summary of the site's HTTP security headers on an Observatory-like scale "
        "(100 points, each missing protection costs points).",
        "Fix the header findings of {url}; the grade was computed as: {explain}",
        ("Mozilla HTTP Observatory scoring",),
    ),
)


def _p(**params: object) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in params.items())


def tls_observations(url: str, tls: TlsReport) -> list[Observation]:
    """Certificate and protocol findings for the HTTPS endpoint of ``url``."""
    host = urlsplit(url).hostname or url
    if tls.error and not tls.versions:
        return [
            Observation(
                "site.https.unavailable", url, f"{url}: {tls.error}", _p(url=url, error=tls.error)
            )
        ]
    found: list[Observation] = []
    if not tls.cert_valid:
        found.append(
            Observation(
                "site.tls.cert_invalid",
                host,
                f"{host}: {tls.cert_error}",
                _p(host=host, error=tls.cert_error),
            )
        )
    elif tls.days_left is not None and tls.days_left < EXPIRY_WARNING_DAYS:
        when = tls.not_after.date().isoformat() if tls.not_after else "?"
        found.append(
            Observation(
                "site.tls.cert_expiring",
                host,
                f"{host}: expires {when}",
                _p(host=host, when=when, days=tls.days_left),
            )
        )
    found.extend(_key_and_signature(host, tls))
    found.extend(_protocols(host, tls))
    return found


def _key_and_signature(host: str, tls: TlsReport) -> list[Observation]:
    found = []
    if tls.key_type == "RSA" and tls.key_bits is not None and tls.key_bits < 2048:
        key = f"RSA {tls.key_bits} bits"
        found.append(Observation("site.tls.weak_key", host, f"{host}: {key}", _p(key=key)))
    algorithm = tls.signature_algorithm.lower()
    if "sha1" in algorithm or "md5" in algorithm:
        found.append(
            Observation(
                "site.tls.weak_signature",
                host,
                f"{host}: {algorithm}",
                _p(algorithm=tls.signature_algorithm),
            )
        )
    return found


def _protocols(host: str, tls: TlsReport) -> list[Observation]:
    found = []
    old = [v for v in tls.versions if v in OLD_PROTOCOLS]
    if old:
        offered = ", ".join(tls.versions)
        found.append(
            Observation("site.tls.old_protocols", host, f"{host}: {offered}", _p(versions=offered))
        )
    if tls.versions and "TLSv1.3" not in tls.versions:
        found.append(Observation("site.tls.no_tls13", host, f"{host}: " + ", ".join(tls.versions)))
    return found


def redirect_observations(url: str, plain: Fetched) -> list[Observation]:
    """Does ``http://host/`` send people to ``https://`` on the same host?"""
    if plain.status == 0:
        return []  # no plain-HTTP service at all: nothing to redirect
    host = urlsplit(url).hostname or ""
    location = plain.header("location") or ""
    target = urlsplit(location)
    if (
        plain.status in (301, 302, 303, 307, 308)
        and target.scheme == "https"
        and (target.hostname in (host, None))
    ):
        return []
    seen = f"HTTP {plain.status}" + (f" → {location}" if location else "")
    return [
        Observation(
            "site.https.no_redirect", plain.url, f"{plain.url}: {seen}", _p(host=host, seen=seen)
        )
    ]
