"""The audit's check groups: which function runs on which kind of domain.

Each group's check ids are listed so that a test can prove every id of the
registry is produced by some group, and every group only emits its own ids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rempart.audit.checks import dns_checks as d
from rempart.audit.checks import mail_checks as m
from rempart.audit.context import DomainContext
from rempart.model import Observation


@dataclass(frozen=True)
class CheckGroup:
    """One check function and where it applies."""

    name: str
    """Short name shown in errors (``dmarc: …``)."""
    run: Callable[[DomainContext], list[Observation]]
    """The check itself."""
    applies: str
    """``any`` domain, ``mail`` (sending) domains, or ``nonsending`` ones."""
    emits: tuple[str, ...]
    """Check ids it may emit."""


GROUPS: tuple[CheckGroup, ...] = (
    CheckGroup("ns", d.check_ns, "any",
               ("dns.ns.missing", "dns.ns.single", "dns.ns.same_network", "dns.ns.unresolvable")),
    CheckGroup("soa", d.check_soa, "any", ("dns.soa.missing", "dns.soa.timers")),
    CheckGroup("dnssec", d.check_dnssec, "any",
               ("dns.dnssec.unsigned", "dns.dnssec.no_ds", "dns.dnssec.ds_mismatch",
                "dns.dnssec.invalid")),
    CheckGroup("caa", d.check_caa, "any", ("dns.caa.missing",)),
    CheckGroup("cname", d.check_cnames, "any", ("dns.cname.dangling", "dns.cname.loop")),
    CheckGroup("wildcard", d.check_wildcard, "any", ("dns.wildcard", "dns.cname.dangling")),
    CheckGroup("mx", m.check_mx, "mail", ("mail.mx.missing", "mail.mx.unresolvable")),
    CheckGroup("spf", m.check_spf, "mail",
               ("mail.spf.missing", "mail.spf.multiple", "mail.spf.invalid",
                "mail.spf.too_many_lookups", "mail.spf.void_lookups", "mail.spf.plus_all",
                "mail.spf.neutral_all", "mail.spf.softfail_all", "mail.spf.no_all")),
    CheckGroup("dmarc", m.check_dmarc, "mail",
               ("mail.dmarc.missing", "mail.dmarc.invalid", "mail.dmarc.p_none",
                "mail.dmarc.p_quarantine", "mail.dmarc.pct", "mail.dmarc.sp_weak",
                "mail.dmarc.no_rua", "mail.dmarc.rua_unauthorized", "mail.dmarc.inherited")),
    CheckGroup("dkim", m.check_dkim, "mail",
               ("mail.dkim.missing", "mail.dkim.weak_key", "mail.dkim.short_key")),
    CheckGroup("mta-sts", m.check_mta_sts, "mail",
               ("mail.mta_sts.missing", "mail.mta_sts.invalid", "mail.mta_sts.policy_unreachable",
                "mail.mta_sts.testing", "mail.mta_sts.mx_mismatch")),
    CheckGroup("tls-rpt", m.check_tlsrpt, "mail", ("mail.tlsrpt.missing", "mail.tlsrpt.invalid")),
    CheckGroup("bimi", m.check_bimi, "mail", ("mail.bimi.missing", "mail.bimi.invalid")),
    CheckGroup("starttls", m.check_starttls, "mail",
               ("mail.starttls.missing", "mail.starttls.old_tls", "mail.starttls.cert_invalid")),
    CheckGroup("nonsending", m.check_nonsending, "nonsending",
               ("mail.nonsending.spf", "mail.nonsending.dmarc", "mail.nonsending.null_mx",
                "mail.nonsending.receives")),
)  # fmt: skip
"""Every check group, in the order they run."""
