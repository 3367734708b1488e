"""Mail-authentication checks: MX, SPF, DMARC, DKIM, MTA-STS, TLS-RPT, BIMI, STARTTLS.

Records are fetched with our own DNS client (so a timeout is told apart from
a missing record) and parsed with checkdmarc. Non-sending and defensive
domains get the internet.nl expectations instead.
"""

from __future__ import annotations

import logging
import re

from checkdmarc.dmarc import DMARCError, parse_dmarc_record
from checkdmarc.mta_sts import MTASTSError, parse_mta_sts_policy, parse_mta_sts_record
from checkdmarc.smtp_tls_reporting import SMTPTLSReportingError, parse_smtp_tls_reporting_record
from checkdmarc.spf import (
    SPFError,
    SPFTooManyDNSLookups,
    SPFTooManyVoidDNSLookups,
    parse_spf_record,
)
from checkdmarc.utils import get_base_domain

from rempart.audit.config import Role
from rempart.audit.context import CheckUnavailable, DomainContext, is_null_mx, mx_hosts
from rempart.model import Observation
from rempart.net.smtp import StarttlsResult

log = logging.getLogger(__name__)

_DNS_FAILURE = re.compile(r"timed out|lifetime expired|SERVFAIL|NoNameservers|REFUSED", re.I)


def tags(record: str) -> dict[str, str]:
    """``tag=value`` pairs of a DMARC/BIMI/STS record, lowercase tags (last wins)."""
    pairs = (part.split("=", 1) for part in record.split(";") if "=" in part)
    return {k.strip().lower(): v.strip() for k, v in pairs}


def _p(**params: str | int) -> tuple[tuple[str, str], ...]:
    return tuple((k, str(v)) for k, v in params.items())


# --- MX ---------------------------------------------------------------------


def check_mx(ctx: DomainContext) -> list[Observation]:
    """A mail domain has MX records, and each MX host resolves."""
    answer = ctx.need(ctx.domain, "MX")
    if not answer.ok or is_null_mx(answer):
        return [Observation("mail.mx.missing", ctx.domain, answer.describe())]
    found = []
    for host in mx_hosts(answer):
        address = ctx.dns.exists(host)
        if address.status == "nxdomain":
            found.append(Observation("mail.mx.unresolvable", host, address.describe(), _p(mx=host)))
    return found


# --- SPF --------------------------------------------------------------------


def check_spf(ctx: DomainContext) -> list[Observation]:
    """One valid SPF record, within the lookup limits, ending in a strict ``all``."""
    records = ctx.txt(ctx.domain, "v=spf1")
    records = [r for r in records if r.lower() == "v=spf1" or r[6:7] == " "]
    if not records:
        return [Observation("mail.spf.missing", ctx.domain, f"{ctx.domain} TXT: no v=spf1")]
    if len(records) > 1:
        shown = " | ".join(records)
        return [Observation("mail.spf.multiple", ctx.domain, shown, _p(records=shown))]
    record = records[0]
    try:
        parsed = parse_spf_record(
            record, ctx.domain, resolver=ctx.dns.resolver, timeout=ctx.config.dns_timeout, retries=0
        )
    except SPFTooManyDNSLookups as exc:
        return [
            Observation(
                "mail.spf.too_many_lookups",
                ctx.domain,
                record,
                _p(count=getattr(exc, "dns_lookups", "> 10")),
            )
        ]
    except SPFTooManyVoidDNSLookups as exc:
        return [
            Observation(
                "mail.spf.void_lookups",
                ctx.domain,
                record,
                _p(count=getattr(exc, "dns_void_lookups", "> 2")),
            )
        ]
    except SPFError as exc:
        return _spf_error(ctx, record, exc)
    return _spf_all(ctx, record, str(parsed["parsed"].get("all", "neutral")))


def _spf_error(ctx: DomainContext, record: str, exc: Exception) -> list[Observation]:
    message = " ".join(str(exc).split())[:300]
    if _DNS_FAILURE.search(message):
        raise CheckUnavailable(f"SPF: {message}")
    return [Observation("mail.spf.invalid", ctx.domain, record, _p(error=message))]


_ALL = re.compile(r"\s[+?~-]?all\b.*$", re.I)


def _spf_all(ctx: DomainContext, record: str, qualifier: str) -> list[Observation]:
    has_all = re.search(r"(^|\s)[+?~-]?all(\s|$)", record, re.I) is not None
    if not has_all and "redirect=" in record.lower():
        # The policy is the redirect target's (often a provider's): appending "-all"
        # here would silently disable the redirect, so only +all is worth a word.
        if qualifier != "pass":
            return []
        fixed = record + '" — and ask the owner of the redirect= target to end it in "-all'
        return [Observation("mail.spf.plus_all", ctx.domain, record, _p(fixed=fixed))]
    fixed = _ALL.sub(" -all", record) if has_all else record + " -all"
    check = {
        "pass": "mail.spf.plus_all",
        "neutral": "mail.spf.neutral_all" if has_all else "mail.spf.no_all",
        "softfail": "mail.spf.softfail_all",
    }.get(qualifier)
    if check is None:
        return []
    return [Observation(check, ctx.domain, record, _p(fixed=fixed))]


# --- DMARC ------------------------------------------------------------------


def _dmarc_records(ctx: DomainContext, domain: str) -> list[str]:
    return ctx.txt(f"_dmarc.{domain}", "v=DMARC1")


def check_dmarc(ctx: DomainContext) -> list[Observation]:
    """A valid DMARC policy that refuses forged mail, with reports that arrive."""
    records = _dmarc_records(ctx, ctx.domain)
    if not records:
        return _dmarc_fallback(ctx)
    if len(records) > 1:
        return [
            Observation(
                "mail.dmarc.invalid",
                ctx.domain,
                " | ".join(records),
                _p(error="several DMARC records are published; keep one"),
            )
        ]
    record = records[0]
    try:
        parse_dmarc_record(
            record, ctx.domain, resolver=ctx.dns.resolver, timeout=ctx.config.dns_timeout, retries=0
        )
    except DMARCError as exc:
        message = " ".join(str(exc).split())[:300]
        if _DNS_FAILURE.search(message):
            raise CheckUnavailable(f"DMARC: {message}") from None
        return [Observation("mail.dmarc.invalid", ctx.domain, record, _p(error=message))]
    return _dmarc_policy(ctx, record) + _dmarc_reports(ctx, record)


def _dmarc_fallback(ctx: DomainContext) -> list[Observation]:
    org = get_base_domain(ctx.domain)
    if org and org != ctx.domain:
        inherited = _dmarc_records(ctx, org)
        if len(inherited) == 1:
            evidence = f"_dmarc.{ctx.domain}: none; _dmarc.{org}: {inherited[0]}"
            policy = tags(inherited[0]).get("sp") or tags(inherited[0]).get("p", "none")
            if policy.lower() in ("reject", "quarantine"):
                return [Observation("mail.dmarc.inherited", ctx.domain, evidence)]
            fixed = _fix_dmarc(ctx.domain, inherited[0], p="reject")
            return [Observation("mail.dmarc.p_none", ctx.domain, evidence, _p(fixed=fixed))]
    return [Observation("mail.dmarc.missing", ctx.domain, f"_dmarc.{ctx.domain} TXT: none")]


def _fix_dmarc(domain: str, record: str, **changes: str | None) -> str:
    t = tags(record)
    t.pop("v", None)
    for key, value in changes.items():
        if value is None:
            t.pop(key, None)
        else:
            t[key] = value
    t.setdefault("p", "reject")
    t.setdefault("rua", f"mailto:dmarc@{domain}")
    return "v=DMARC1; " + "; ".join(f"{k}={v}" for k, v in t.items())


def _dmarc_policy(ctx: DomainContext, record: str) -> list[Observation]:
    t = tags(record)
    p = t.get("p", "none").lower()
    found = []
    if p == "none":
        found.append(("mail.dmarc.p_none", _fix_dmarc(ctx.domain, record, p="reject")))
    elif p == "quarantine":
        found.append(("mail.dmarc.p_quarantine", _fix_dmarc(ctx.domain, record, p="reject")))
    pct = t.get("pct", "100")
    if pct.isdigit() and int(pct) < 100:
        found.append(("mail.dmarc.pct", _fix_dmarc(ctx.domain, record, pct=None)))
    sp = t.get("sp", p).lower()
    if (p in ("reject", "quarantine") and sp == "none") or (p == "reject" and sp == "quarantine"):
        found.append(("mail.dmarc.sp_weak", _fix_dmarc(ctx.domain, record, sp="reject")))
    return [Observation(c, ctx.domain, record, _p(fixed=f, pct=pct)) for c, f in found]


def _dmarc_reports(ctx: DomainContext, record: str) -> list[Observation]:
    rua = tags(record).get("rua", "")
    if not rua:
        fixed = _fix_dmarc(ctx.domain, record)
        return [Observation("mail.dmarc.no_rua", ctx.domain, record, _p(fixed=fixed))]
    found = []
    own = get_base_domain(ctx.domain)
    for uri in rua.split(",")[:10]:
        address = uri.strip().removeprefix("mailto:").split("!")[0]
        rua_domain = address.rpartition("@")[2].lower().rstrip(".")
        if not rua_domain or get_base_domain(rua_domain) == own:
            continue
        name = f"{ctx.domain}._report._dmarc.{rua_domain}"
        if not ctx.txt(name, "v=DMARC1"):
            found.append(
                Observation(
                    "mail.dmarc.rua_unauthorized",
                    ctx.domain,
                    f"rua={address}; {name} TXT: none",
                    _p(rua_domain=rua_domain),
                )
            )
    return found


# --- DKIM -------------------------------------------------------------------


def check_dkim(ctx: DomainContext) -> list[Observation]:
    """A DKIM key at a known selector, long enough."""
    selectors = list(dict.fromkeys((*ctx.target.dkim_selectors, *ctx.config.extra_selectors)))
    found: list[Observation] = []
    keys = 0
    for selector in selectors:
        name = f"{selector}._domainkey.{ctx.domain}"
        answer = ctx.q(name, "TXT")
        if answer.failed:
            continue
        for record in answer.records:
            if "p=" not in record:
                continue
            keys += 1
            found.extend(_dkim_key(name, selector, record))
    if keys == 0:
        shown = ", ".join(selectors[:12]) + ("…" if len(selectors) > 12 else "")
        found.append(
            Observation("mail.dkim.missing", ctx.domain, f"no key at: {shown}", _p(selectors=shown))
        )
    return found


def _dkim_key(name: str, selector: str, record: str) -> list[Observation]:
    t = tags(record)
    if t.get("k", "rsa").lower() != "rsa" or not t.get("p"):
        return []  # ed25519 keys are fine; an empty p= is a revoked key
    bits = _rsa_bits(t["p"])
    if bits is None:
        return []
    evidence = f"{name} TXT: RSA {bits} bits"
    if bits < 1024:
        return [Observation("mail.dkim.weak_key", name, evidence, _p(selector=selector))]
    if bits < 2048:
        return [Observation("mail.dkim.short_key", name, evidence, _p(selector=selector))]
    return []


def _rsa_bits(b64: str) -> int | None:
    import base64
    import binascii

    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    try:
        key = load_der_public_key(base64.b64decode("".join(b64.split())[:4096]))
    except (ValueError, binascii.Error, TypeError):
        return None
    return key.key_size if isinstance(key, rsa.RSAPublicKey) else None


# --- MTA-STS and TLS-RPT ------------------------------------------------------


def check_mta_sts(ctx: DomainContext) -> list[Observation]:
    """MTA-STS record, its policy over valid HTTPS, mode, and MX coverage."""
    records = ctx.txt(f"_mta-sts.{ctx.domain}", "v=STSv1")
    if not records:
        return [Observation("mail.mta_sts.missing", ctx.domain, f"_mta-sts.{ctx.domain} TXT: none")]
    try:
        parse_mta_sts_record(records[0])
    except MTASTSError as exc:
        return [_sts_invalid(ctx, records[0], exc)]
    host = f"mta-sts.{ctx.domain}"
    fetched = ctx.https_fetch(host, "/.well-known/mta-sts.txt")
    if fetched.error or fetched.status != 200:
        error = fetched.error or f"HTTP {fetched.status}"
        return [
            Observation(
                "mail.mta_sts.policy_unreachable",
                ctx.domain,
                f"{fetched.url}: {error}",
                _p(error=error),
            )
        ]
    text = fetched.body.decode("utf-8", "replace")
    try:
        policy = parse_mta_sts_policy(text)["policy"]
    except MTASTSError as exc:
        return [_sts_invalid(ctx, text[:300], exc)]
    return _sts_policy(ctx, policy, text)


def _sts_invalid(ctx: DomainContext, seen: str, exc: Exception) -> Observation:
    message = " ".join(str(exc).split())[:300]
    return Observation("mail.mta_sts.invalid", ctx.domain, seen, _p(error=message))


def _sts_policy(ctx: DomainContext, policy: dict, text: str) -> list[Observation]:
    found = []
    evidence = " / ".join(line.strip() for line in text.splitlines()[:8] if line.strip())
    if str(policy.get("mode")) == "testing":
        found.append(Observation("mail.mta_sts.testing", ctx.domain, evidence))
    patterns = [str(p).lower() for p in policy.get("mx", [])]
    for host in mx_hosts(ctx.q(ctx.domain, "MX")):
        if not any(_mx_matches(host, p) for p in patterns):
            found.append(Observation("mail.mta_sts.mx_mismatch", host, evidence, _p(mx=host)))
    return found


def _mx_matches(host: str, pattern: str) -> bool:
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host.count(".") == pattern.count(".")
    return host == pattern


def check_tlsrpt(ctx: DomainContext) -> list[Observation]:
    """A TLS-RPT record so that delivery failures are reported."""
    name = f"_smtp._tls.{ctx.domain}"
    records = ctx.txt(name, "v=TLSRPTv1")
    if not records:
        return [Observation("mail.tlsrpt.missing", ctx.domain, f"{name} TXT: none")]
    try:
        parse_smtp_tls_reporting_record(records[0])
    except SMTPTLSReportingError as exc:
        message = " ".join(str(exc).split())[:300]
        return [Observation("mail.tlsrpt.invalid", ctx.domain, records[0], _p(error=message))]
    return []


def check_bimi(ctx: DomainContext) -> list[Observation]:
    """BIMI (informational). The logo is never downloaded: only the record is read."""
    name = f"default._bimi.{ctx.domain}"
    records = ctx.txt(name, "v=BIMI1")
    if not records:
        return [Observation("mail.bimi.missing", ctx.domain, f"{name} TXT: none")]
    logo = tags(records[0]).get("l", "")
    if logo and not logo.lower().startswith("https://"):
        return [
            Observation(
                "mail.bimi.invalid",
                ctx.domain,
                records[0],
                _p(error="the logo (l=) must be an https:// URL"),
            )
        ]
    return []


# --- STARTTLS ---------------------------------------------------------------


def check_starttls(ctx: DomainContext) -> list[Observation]:
    """Each MX offers STARTTLS with TLS ≥ 1.2 and a valid certificate."""
    if not ctx.config.smtp:
        return []
    found: list[Observation] = []
    errors: list[str] = []
    for host in mx_hosts(ctx.need(ctx.domain, "MX"), limit=5):
        address = ctx.dns.exists(host)
        if not address.ok:
            continue  # reported by check_mx
        result = ctx.smtp_probe(host, address.records[0])
        if result.error and not result.connected:
            errors.append(f"{host}: {result.error}")
            continue
        found.extend(_starttls_findings(host, result))
    if errors and not found:
        raise CheckUnavailable("; ".join(errors) + " (is outgoing port 25 blocked here?)")
    return found


def _starttls_findings(host: str, result: StarttlsResult) -> list[Observation]:
    if not result.starttls:
        why = result.error or "STARTTLS not offered after EHLO"
        return [Observation("mail.starttls.missing", host, f"{host}: {why}", _p(mx=host))]
    found = []
    if result.tls_version in ("TLSv1", "TLSv1.1", "SSLv3"):
        found.append(
            Observation(
                "mail.starttls.old_tls",
                host,
                f"{host}: {result.tls_version}",
                _p(mx=host, version=result.tls_version),
            )
        )
    if result.cert_error:
        found.append(
            Observation(
                "mail.starttls.cert_invalid",
                host,
                f"{host}: {result.cert_error}",
                _p(mx=host, error=result.cert_error),
            )
        )
    return found


# --- Non-sending and defensive domains ---------------------------------------


def check_nonsending(ctx: DomainContext) -> list[Observation]:
    """A domain that sends no mail says so: SPF -all, DMARC reject, null MX."""
    found: list[Observation] = []
    spf = ctx.txt(ctx.domain, "v=spf1")
    if not any(re.fullmatch(r"v=spf1\s+-all", r.strip(), re.I) for r in spf) or len(spf) > 1:
        seen = " | ".join(spf) or f"{ctx.domain} TXT: no v=spf1"
        found.append(Observation("mail.nonsending.spf", ctx.domain, seen))
    dmarc = _dmarc_records(ctx, ctx.domain)
    if len(dmarc) != 1 or tags(dmarc[0]).get("p", "").lower() != "reject":
        seen = " | ".join(dmarc) or f"_dmarc.{ctx.domain} TXT: none"
        found.append(Observation("mail.nonsending.dmarc", ctx.domain, seen))
    mx = ctx.need(ctx.domain, "MX")
    if is_null_mx(mx):
        return found
    if mx.ok and ctx.role == Role.DEFENSIVE:
        hosts = ", ".join(mx_hosts(mx))
        found.append(
            Observation("mail.nonsending.receives", ctx.domain, mx.describe(), _p(mx=hosts))
        )
    elif not mx.ok:
        found.append(Observation("mail.nonsending.null_mx", ctx.domain, mx.describe()))
    return found
