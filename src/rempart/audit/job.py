"""The audit of one domain: the picklable job the engine runs anywhere.

``audit_domain(target, config)`` builds its own clients from plain settings,
runs every applicable check group, and returns a :class:`ScopeOutcome`. A
check that fails is recorded as an error line; the others go on.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from rempart.audit.checks import GROUPS, CheckGroup
from rempart.audit.config import AuditConfig, AuditTarget
from rempart.audit.context import CheckUnavailable, DomainContext
from rempart.audit.registry import make_finding
from rempart.model import Finding, Observation, ScopeOutcome
from rempart.net.dns import DnsClient, parse_nameserver, shared_client
from rempart.net.https import HttpsResult, fetch_https
from rempart.net.smtp import HostLimiter, StarttlsResult, probe_starttls

log = logging.getLogger(__name__)

_limiter = HostLimiter(per_host=2)
_probes: dict[tuple[str, str, int], StarttlsResult] = {}
_probes_lock = threading.Lock()


def audit_domain(target: AuditTarget, config: AuditConfig) -> ScopeOutcome:
    """Audit one domain; never raises for anything the network or the zone does."""
    ctx = make_context(target, config)
    observations, errors = preflight(ctx)
    if errors:
        return _outcome(target.domain, observations, errors)
    for group in GROUPS:
        if _applies(group, ctx):
            observations.extend(_run_group(group, ctx, errors))
    return _outcome(target.domain, observations, errors)


def make_context(target: AuditTarget, config: AuditConfig) -> DomainContext:
    """A context with real clients built from the config (the default wiring)."""
    nameserver = parse_nameserver(config.resolver) if config.resolver else None
    dns = shared_client(nameserver, config.dns_timeout)
    return DomainContext(
        target,
        config,
        dns,
        smtp_probe=partial(_probe_once, config),
        https_fetch=partial(_fetch, dns, config),
    )


def preflight(ctx: DomainContext) -> tuple[list[Observation], list[str]]:
    """Does the domain answer at all? If not, say why and check nothing else."""
    soa = ctx.q(ctx.domain, "SOA")
    if soa.status in ("timeout", "error"):
        return [], [f"dns: {soa.describe()}"]
    if soa.status in ("servfail", "refused", "nxdomain"):
        detail = {
            "nxdomain": "the domain does not exist (NXDOMAIN) — has its registration expired?",
            "servfail": "the resolver answers SERVFAIL (broken delegation or DNSSEC)",
            "refused": "the resolver refuses to answer (REFUSED)",
        }[soa.status]
        obs = Observation("dns.resolve.failed", ctx.domain, soa.describe(), (("detail", detail),))
        return [obs], [f"dns: {detail}; other checks skipped"]
    return [], []


def _applies(group: CheckGroup, ctx: DomainContext) -> bool:
    if group.applies == "any":
        return True
    sends = ctx.sends_mail
    return sends if group.applies == "mail" else not sends


def _run_group(group: CheckGroup, ctx: DomainContext, errors: list[str]) -> list[Observation]:
    try:
        found = group.run(ctx)
    except CheckUnavailable as exc:
        errors.append(f"{group.name}: {exc}")
        return []
    except Exception as exc:  # one broken check never stops the batch
        log.exception("check %s crashed on %s", group.name, ctx.domain)
        errors.append(f"{group.name}: internal error ({type(exc).__name__}: {exc})"[:300])
        return []
    return found


def _outcome(scope: str, observations: list[Observation], errors: list[str]) -> ScopeOutcome:
    findings: dict[str, Finding] = {}
    for obs in observations:
        finding = make_finding(obs, scope)
        findings.setdefault(finding.id, finding)
    return ScopeOutcome(scope, tuple(findings.values()), tuple(errors))


def _probe_once(config: AuditConfig, host: str, address: str) -> StarttlsResult:
    """STARTTLS probe, once per (host, address) per process, 2 at a time per host."""
    key = (host, address, config.smtp_port)
    with _probes_lock:
        cached = _probes.get(key)
    if cached is not None:
        return cached
    with _limiter.slot(host):
        with _probes_lock:
            cached = _probes.get(key)
        if cached is not None:
            return cached
        result = probe_starttls(
            host, address, config.smtp_port, timeout=config.smtp_timeout, ca_file=config.ca_file
        )
    with _probes_lock:
        _probes[key] = result
    return result


def _fetch(dns: DnsClient, config: AuditConfig, host: str, path: str) -> HttpsResult:
    return fetch_https(
        host, path, dns=dns, port=config.https_port, ca_file=config.ca_file,
        timeout=config.https_timeout,
    )  # fmt: skip


def clear_caches() -> None:
    """Forget STARTTLS results (tests reuse host names across servers)."""
    with _probes_lock:
        _probes.clear()
