"""The audit's one registry: every check id, its severity, words and fix.

Checks emit :class:`~rempart.model.Observation` values naming a check id from
this table; :func:`make_finding` turns them into findings. The CLI's check
list, the documentation and the tests are all derived from ``CHECKS``.
Remediation texts are ``str.format`` templates: ``{domain}`` is always given,
other fields come from the observation's ``params``.
"""

from __future__ import annotations

from rempart.audit.spec import CheckSpec
from rempart.model import Finding, Observation, Severity, finding_id

ANALYZER = "audit"

C, H, M, L, INFO = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)


RFC7208 = "RFC 7208 (SPF)"
RFC7489 = "RFC 7489 (DMARC)"
RFC8461 = "RFC 8461 (MTA-STS)"
NCSC_FR = "ANSSI, recommandations de sécurité relatives à un système de messagerie"

_SPECS = (
    # --- DNS -------------------------------------------------------------
    CheckSpec(
        "dns.resolve.failed",
        H,
        "The domain's DNS does not answer properly",
        "If the party's DNS fails, its website and mail fail with it, for everyone.",
        "Check the domain's name servers with your DNS provider; the answer seen was: {detail}.",
        ("RFC 1034",),
    ),
    CheckSpec(
        "dns.ns.missing",
        H,
        "No name servers are published for the domain",
        "Without name servers the domain does not exist on the internet.",
        "Ask your registrar to publish the NS records of your DNS provider for {domain}.",
        ("RFC 1034",),
    ),
    CheckSpec(
        "dns.ns.single",
        M,
        "The domain has a single name server",
        "If that one server fails or is flooded, the website and mail go dark.",
        "Add at least one more name server, ideally at another provider or network, "
        "and publish both NS records at the registrar.",
        ("RFC 2182",),
    ),
    CheckSpec(
        "dns.ns.same_network",
        L,
        "All name servers sit on the same network",
        "One network outage or denial-of-service attack takes every name server down.",
        "Add a name server on another network (another /24 for IPv4, another provider "
        "if you can). Seen: {addresses}.",
        ("RFC 2182",),
    ),
    CheckSpec(
        "dns.ns.unresolvable",
        H,
        "A name server of the domain does not resolve",
        "A name server whose name no longer exists can be registered by anyone, who "
        "then answers for your domain.",
        "Remove {ns} from the domain's NS records at the registrar, or fix its name.",
        ("RFC 1034",),
    ),
    CheckSpec(
        "dns.soa.missing",
        H,
        "The domain publishes no SOA record",
        "A zone without SOA is broken and resolvers may refuse it.",
        "Ask your DNS provider to fix the zone {domain}: it must start with an SOA record.",
        ("RFC 1035",),
    ),
    CheckSpec(
        "dns.soa.timers",
        L,
        "The SOA timers are outside recommended values",
        "Odd refresh, retry or expiry values make secondary servers serve stale or no data.",
        "Set the SOA timers within RFC 1912 ranges: refresh 1200–43200 s, retry below "
        "refresh, expire 1209600–2419200 s, minimum 300–86400 s. Problems: {problems}.",
        ("RFC 1912",),
    ),
    CheckSpec(
        "dns.dnssec.unsigned",
        M,
        "The domain is not signed with DNSSEC",
        "Without DNSSEC an attacker on the path can forge your DNS answers and send "
        "visitors and mail elsewhere.",
        "Turn on DNSSEC signing at your DNS provider, then publish the DS record it gives "
        "you at the registrar.",
        ("RFC 4033", "ANSSI, bonnes pratiques DNS"),
    ),
    CheckSpec(
        "dns.dnssec.no_ds",
        M,
        "DNSSEC keys exist but the parent zone has no DS record",
        "The signatures are there but no resolver can trust them: the chain is broken.",
        "Publish at the registrar the DS record of the key: {ds}",
        ("RFC 4035",),
    ),
    CheckSpec(
        "dns.dnssec.ds_mismatch",
        C,
        "The DS record at the parent matches no DNSSEC key",
        "Validating resolvers (a large share of users) reject the whole domain: website "
        "and mail stop working for them.",
        "Replace the DS record at the registrar with one matching the current key: {ds}",
        ("RFC 4035",),
    ),
    CheckSpec(
        "dns.dnssec.invalid",
        C,
        "DNSSEC signatures do not validate",
        "Validating resolvers reject the domain's answers: website and mail fail for them.",
        "Re-sign the zone at your DNS provider (expired or wrong signatures): {problem}.",
        ("RFC 4035",),
    ),
    CheckSpec(
        "dns.caa.missing",
        L,
        "No CAA record limits who may issue certificates",
        "Any certificate authority may issue a certificate for your domain to someone "
        "who tricks it.",
        "Publish a CAA record naming the authority you use, e.g. "
        '{domain}. CAA 0 issue "letsencrypt.org"',
        ("RFC 8659",),
    ),
    CheckSpec(
        "dns.cname.dangling",
        H,
        "A name points (CNAME) to a name that no longer exists",
        "Whoever registers the target (a cloud app, a hosting account) takes over "
        "{target} and can host phishing pages or steal cookies under your name.",
        "Delete the CNAME {target} → {cname} from the zone, or recreate the target.",
        ("OWASP: subdomain takeover",),
    ),
    CheckSpec(
        "dns.cname.loop",
        M,
        "CNAME records form a loop",
        "The name never resolves; the loop is usually a leftover misconfiguration.",
        "Fix the CNAME chain starting at {target}: {chain}",
        ("RFC 1034",),
    ),
    CheckSpec(
        "dns.wildcard",
        L,
        "The zone has a wildcard record",
        "Every made-up name under the domain answers, which hides dangling names and lets "
        "look-alike hostnames such as login.{domain} appear genuine.",
        "Remove the wildcard *.{domain} ({rdtype}) unless a service really needs it.",
        ("RFC 4592",),
    ),
    # --- Mail: MX ----------------------------------------------------------
    CheckSpec(
        "mail.mx.missing",
        M,
        "The mail domain has no MX record",
        "Mail to this domain falls back to its address or bounces.",
        "Publish MX records for {domain}, or if it sends and receives no mail, list it "
        "without the 'mail' role and publish a null MX: {domain}. MX 0 .",
        ("RFC 5321",),
    ),
    CheckSpec(
        "mail.mx.unresolvable",
        H,
        "An MX host does not resolve",
        "Mail to that host is lost, and a forgotten MX name can be taken over to receive "
        "the party's mail.",
        "Remove or fix the MX record pointing to {mx}.",
        ("RFC 5321",),
    ),
    # --- Mail: SPF --------------------------------------------------------
    CheckSpec(
        "mail.spf.missing",
        H,
        "No SPF record",
        "Nothing tells receivers which servers may send mail as the party: forged mail "
        "passes more often.",
        'Publish a TXT record: {domain}. TXT "v=spf1 mx -all" (add include: mechanisms '
        "for each mail service you use).",
        (RFC7208, NCSC_FR),
    ),
    CheckSpec(
        "mail.spf.multiple",
        H,
        "Several SPF records are published",
        "Receivers treat several SPF records as an error: SPF fails for all your mail.",
        "Merge them into one TXT record. Seen: {records}",
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.invalid",
        H,
        "The SPF record is not valid",
        "Receivers ignore an invalid SPF record, so forged mail is not rejected.",
        "Fix the SPF record: {error}",
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.too_many_lookups",
        H,
        "The SPF record needs more than 10 DNS lookups",
        "Receivers stop at 10 lookups and treat SPF as failed: your genuine mail may be "
        "rejected and forged mail is not.",
        "Reduce include:, a, mx, ptr and exists: mechanisms (flatten includes you control) "
        "to 10 lookups at most. Counted: {count}.",
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.void_lookups",
        M,
        "The SPF record has more than 2 void lookups",
        "Mechanisms pointing at names with no records make SPF fail at receivers.",
        "Remove mechanisms pointing at names that no longer exist. Counted: {count}.",
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.plus_all",
        C,
        "SPF allows the whole internet to send as the party (+all)",
        "Anyone, anywhere, may send mail that passes SPF as the party.",
        'Replace "+all" with "-all": {domain}. TXT "{fixed}"',
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.neutral_all",
        H,
        "SPF ends with ?all: forged mail is not judged",
        "Receivers are told to treat unknown senders neutrally, so forgeries pass.",
        'End the record with "-all": {domain}. TXT "{fixed}"',
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.softfail_all",
        L,
        "SPF ends with ~all (soft fail)",
        "Mail from unknown servers is only marked, not refused; with DMARC at reject this "
        "is acceptable, without it forgeries get through.",
        'Once all your senders are listed, end the record with "-all": {domain}. TXT "{fixed}"',
        (RFC7208,),
    ),
    CheckSpec(
        "mail.spf.no_all",
        M,
        "SPF has no 'all' mechanism",
        "Senders not listed get a neutral result instead of a failure.",
        'Add "-all" at the end: {domain}. TXT "{fixed}"',
        (RFC7208,),
    ),
    # --- Mail: DMARC ------------------------------------------------------
    CheckSpec(
        "mail.dmarc.missing",
        H,
        "No DMARC policy",
        "Anyone can send mail showing the party's address in From: and receivers are "
        "told nothing about refusing it — the root of most campaign phishing.",
        'Publish: _dmarc.{domain}. TXT "v=DMARC1; p=none; rua=mailto:dmarc@{domain}", '
        "read the reports for a few weeks, then move to p=quarantine and p=reject.",
        (RFC7489, NCSC_FR),
    ),
    CheckSpec(
        "mail.dmarc.invalid",
        H,
        "The DMARC record is not valid",
        "Receivers ignore an invalid DMARC record: no protection at all.",
        "Fix _dmarc.{domain}: {error}",
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.p_none",
        H,
        "DMARC policy is p=none: forged mail is delivered",
        "p=none only monitors; mail forged in the party's name still lands in inboxes.",
        'Once reports show your genuine mail passes, publish: _dmarc.{domain}. TXT "{fixed}"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.p_quarantine",
        L,
        "DMARC policy is quarantine, not reject",
        "Forged mail goes to spam folders, where people still find and open it.",
        'Move to reject: _dmarc.{domain}. TXT "{fixed}"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.pct",
        M,
        "DMARC applies to only part of the mail (pct < 100)",
        "The policy is applied to {pct}% of forged mail; the rest is delivered.",
        'Remove pct= (or set pct=100): _dmarc.{domain}. TXT "{fixed}"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.sp_weak",
        M,
        "Subdomains have a weaker DMARC policy (sp=)",
        "Attackers forge mail from made-up subdomains such as news.{domain}.",
        'Set sp=reject (or remove sp=): _dmarc.{domain}. TXT "{fixed}"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.no_rua",
        L,
        "No DMARC aggregate reports are requested",
        "You never learn who sends mail in the party's name, forged or not.",
        'Add rua=mailto:dmarc@{domain}: _dmarc.{domain}. TXT "{fixed}"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.rua_unauthorized",
        M,
        "DMARC reports go to another domain that has not agreed to receive them",
        "Receivers drop reports to an external address unless that domain publishes an "
        "authorisation: the reports never arrive.",
        "Ask the owner of {rua_domain} to publish: {domain}._report._dmarc.{rua_domain}. "
        'TXT "v=DMARC1"',
        (RFC7489,),
    ),
    CheckSpec(
        "mail.dmarc.inherited",
        INFO,
        "This domain relies on its parent's DMARC policy",
        "The organisational domain's record applies; it is fine if that policy is strict.",
        "Nothing required; publish _dmarc.{domain} if this domain needs its own policy.",
        (RFC7489,),
    ),
    # --- Mail: DKIM, MTA-STS, TLS-RPT, BIMI, STARTTLS ----------------------
    CheckSpec(
        "mail.dkim.missing",
        M,
        "No DKIM key found",
        "Without DKIM, DMARC rests on SPF alone and forwarded mail fails; no key was found "
        "at the selectors tried ({selectors}).",
        "Turn on DKIM signing in your mail service and publish its key as "
        "SELECTOR._domainkey.{domain} TXT; list your selectors in the campaign file "
        "(dkim_selectors) so Rempart checks them.",
        ("RFC 6376",),
    ),
    CheckSpec(
        "mail.dkim.weak_key",
        H,
        "A DKIM key is too short",
        "RSA keys under 1024 bits can be broken and used to sign forged mail.",
        "Generate a 2048-bit key for selector {selector} and publish it; revoke the old one.",
        ("RFC 8301",),
    ),
    CheckSpec(
        "mail.dkim.short_key",
        L,
        "A DKIM key is only 1024 bits",
        "1024-bit RSA is the minimum allowed; 2048 is today's advice.",
        "Rotate selector {selector} to a 2048-bit key.",
        ("RFC 8301",),
    ),
    CheckSpec(
        "mail.mta_sts.missing",
        L,
        "No MTA-STS policy",
        "Mail sent to the party can be silently downgraded to clear text by an attacker "
        "on the path.",
        'Publish _mta-sts.{domain}. TXT "v=STSv1; id=20250101" and serve '
        "https://mta-sts.{domain}/.well-known/mta-sts.txt with: version: STSv1, "
        "mode: testing, mx: <each MX>, max_age: 604800.",
        (RFC8461,),
    ),
    CheckSpec(
        "mail.mta_sts.invalid",
        M,
        "The MTA-STS record or policy is not valid",
        "Senders ignore a broken MTA-STS policy: no protection.",
        "Fix it: {error}",
        (RFC8461,),
    ),
    CheckSpec(
        "mail.mta_sts.policy_unreachable",
        M,
        "The MTA-STS policy cannot be fetched",
        "The record announces a policy that senders cannot download over valid HTTPS.",
        "Serve https://mta-sts.{domain}/.well-known/mta-sts.txt with a valid certificate "
        "(no redirect). Seen: {error}",
        (RFC8461,),
    ),
    CheckSpec(
        "mail.mta_sts.testing",
        L,
        "MTA-STS is in testing mode",
        "Testing mode only reports problems; downgrade attacks still work.",
        "After two weeks of clean TLS reports, set mode: enforce in the policy file.",
        (RFC8461,),
    ),
    CheckSpec(
        "mail.mta_sts.mx_mismatch",
        M,
        "An MX host is not covered by the MTA-STS policy",
        "In enforce mode, senders refuse to deliver to {mx}: mail is lost.",
        "Add 'mx: {mx}' to the MTA-STS policy, or fix the MX record.",
        (RFC8461,),
    ),
    CheckSpec(
        "mail.tlsrpt.missing",
        L,
        "No TLS reporting address (TLS-RPT)",
        "You are not told when mail to the party fails to arrive securely.",
        'Publish: _smtp._tls.{domain}. TXT "v=TLSRPTv1; rua=mailto:tlsrpt@{domain}"',
        ("RFC 8460",),
    ),
    CheckSpec(
        "mail.tlsrpt.invalid",
        L,
        "The TLS-RPT record is not valid",
        "Senders cannot send TLS failure reports.",
        "Fix _smtp._tls.{domain}: {error}",
        ("RFC 8460",),
    ),
    CheckSpec(
        "mail.starttls.missing",
        H,
        "A mail server does not offer encryption (STARTTLS)",
        "Mail to the party crosses the internet in clear text and can be read on the way.",
        "Enable STARTTLS on {mx} with a certificate for that name.",
        ("RFC 3207", NCSC_FR),
    ),
    CheckSpec(
        "mail.starttls.old_tls",
        M,
        "A mail server uses an outdated TLS version",
        "TLS 1.0 and 1.1 have known weaknesses and are deprecated.",
        "Enable TLS 1.2 and 1.3 on {mx} (negotiated: {version}).",
        ("RFC 8996",),
    ),
    CheckSpec(
        "mail.starttls.cert_invalid",
        M,
        "A mail server's certificate is not valid",
        "Senders that check certificates (MTA-STS, DANE) cannot deliver securely; others "
        "can be fooled by an impostor server.",
        "Install a certificate for {mx} from a public authority. Problem: {error}",
        ("RFC 8461",),
    ),
    CheckSpec(
        "mail.bimi.missing",
        INFO,
        "No BIMI record (informational)",
        "BIMI shows the party's logo next to authenticated mail in some inboxes; it needs "
        "DMARC at quarantine or reject first.",
        'Optional: publish default._bimi.{domain}. TXT "v=BIMI1; l=https://…/logo.svg"',
        ("BIMI draft",),
    ),
    CheckSpec(
        "mail.bimi.invalid",
        L,
        "The BIMI record is not valid",
        "Inboxes ignore a broken BIMI record.",
        "Fix default._bimi.{domain}: {error}",
        ("BIMI draft",),
    ),
    # --- Non-sending and defensive domains --------------------------------
    CheckSpec(
        "mail.nonsending.spf",
        H,
        "A domain that sends no mail does not say so in SPF",
        "Look-alike and unused domains are what attackers forge first: without "
        '"v=spf1 -all" their forgeries are not refused.',
        'Publish: {domain}. TXT "v=spf1 -all"',
        (RFC7208, "internet.nl"),
    ),
    CheckSpec(
        "mail.nonsending.dmarc",
        H,
        "A domain that sends no mail has no DMARC reject",
        "Mail forged from this domain is delivered unless DMARC says reject.",
        'Publish: _dmarc.{domain}. TXT "v=DMARC1; p=reject; sp=reject; adkim=s; aspf=s"',
        (RFC7489, "internet.nl"),
    ),
    CheckSpec(
        "mail.nonsending.null_mx",
        L,
        "A domain that receives no mail has no null MX",
        "A null MX tells every sender at once that this domain takes no mail.",
        "Publish: {domain}. MX 0 .",
        ("RFC 7505", "internet.nl"),
    ),
    CheckSpec(
        "mail.nonsending.receives",
        L,
        "A defensive domain receives mail",
        "A look-alike domain you own should not accept mail: replies to forgeries would "
        "reach whoever runs its MX ({mx}).",
        "Replace its MX records with a null MX: {domain}. MX 0 .",
        ("RFC 7505",),
    ),
)


def _all_specs() -> tuple[CheckSpec, ...]:
    from rempart.audit.site import exposure, headers, pii, tls_checks

    return (*_SPECS, *tls_checks.SPECS, *headers.SPECS, *exposure.SPECS, *pii.SPECS)


CHECKS: dict[str, CheckSpec] = {spec.id: spec for spec in _all_specs()}
"""Every check id of the audit, with its meaning."""


class _Params(dict[str, str]):
    """Template values; a missing one shows as ``<key?>`` rather than failing."""

    def __missing__(self, key: str) -> str:
        return f"<{key}?>"


def make_finding(obs: Observation, scope: str) -> Finding:
    """Turn a check's observation into a finding, with severity, words and fix."""
    spec = CHECKS[obs.check]
    params = _Params(obs.params)
    params.setdefault("domain", scope)
    params.setdefault("target", obs.target)
    return Finding(
        id=finding_id(ANALYZER, obs.check, scope, obs.target),
        analyzer=ANALYZER,
        check=obs.check,
        scope=scope,
        target=obs.target,
        severity=spec.severity,
        title=spec.title,
        evidence=obs.evidence,
        why=spec.why.format_map(params),
        remediation=spec.remediation.format_map(params),
        references=spec.references,
    )
