"""The audit of one website: the picklable job the engine runs anywhere.

TLS and the HTTP redirect first, then the home page's headers and grade,
security.txt, guessed paths (exposed files, back-offices) judged against the
site's own "page not found", WordPress, a bounded crawl, and the personal-data
scan of everything fetched. Only GET and HEAD, never a form, never a payload.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from rempart.audit.config import AuditConfig, SiteTarget
from rempart.audit.registry import make_finding
from rempart.audit.site import exposure, headers, pii
from rempart.audit.site.crawl import crawl, robots_from
from rempart.audit.site.model import Fetched
from rempart.audit.site.tls_checks import redirect_observations, tls_observations
from rempart.model import Finding, Observation, ScopeOutcome
from rempart.net.dns import parse_nameserver, shared_client
from rempart.net.tlsprobe import probe_tls
from rempart.net.web import WebClient

log = logging.getLogger(__name__)

USER_AGENT = "Rempart-audit/0.1 (campaign self-audit; GET and HEAD only)"

PARALLEL_FETCHES = 4
"""Requests in flight to one site at a time."""


class _Site:
    """Where to connect for a site, and how to name what was found."""

    def __init__(self, target: SiteTarget, config: AuditConfig) -> None:
        self.target = target
        self.https_port = target.port or config.https_port
        self.http_port = config.http_port if target.port is None else None
        self.base = f"https://{target.host}:{self.https_port}"
        self.canonical = target.url.rstrip("/")
        self.plain_base = f"http://{target.host}:{self.http_port}"
        self.plain_canonical = f"http://{target.host}"

    def url(self, path: str) -> str:
        """The URL to fetch for ``path`` (with the port actually used)."""
        return self.base + path

    def use_plain_http(self) -> None:
        """Read the site over plain HTTP (it offers no HTTPS at all)."""
        self.base, self.canonical = self.plain_base, self.plain_canonical

    def canon(self, text: str) -> str:
        """``text`` with the fetch origins replaced by the site's canonical ones."""
        text = text.replace(self.base, self.canonical)
        if self.http_port is not None:
            text = text.replace(self.plain_base, self.plain_canonical)
        return text


def audit_site(target: SiteTarget, config: AuditConfig) -> ScopeOutcome:
    """Audit one website; never raises for anything the network or the site does."""
    site = _Site(target, config)
    dns = shared_client(
        parse_nameserver(config.resolver) if config.resolver else None, config.dns_timeout
    )
    address = dns.exists(target.host)
    if address.status in ("nxdomain", "nodata"):
        gone = Observation(
            "site.dns.missing",
            target.host,
            address.describe(),
            (("host", target.host), ("detail", address.describe())),
        )
        return _outcome(site, [gone], [])
    if not address.ok:
        return ScopeOutcome(target.scope, errors=(f"dns: {address.describe()}",))
    tls = probe_tls(
        target.host,
        address.records[0],
        site.https_port,
        ca_file=config.ca_file,
        timeout=config.https_timeout,
    )
    observations = tls_observations(site.canonical + "/", tls)
    errors: list[str] = []
    with WebClient(
        dns,
        ca_file=config.ca_file,
        timeout=config.https_timeout,
        user_agent=USER_AGENT,
        per_host=PARALLEL_FETCHES,
        budget_seconds=config.site_budget_seconds,
        verify=tls.cert_valid or not tls.versions,  # a bad certificate is reported, then read
    ) as web:
        observations += _plain_http(site, web)
        if not tls.versions and site.http_port is not None:
            site.use_plain_http()  # no HTTPS at all: the site is still read, over HTTP
        if tls.versions or site.http_port is not None:
            observations += _over_web(site, web, config, errors)
    return _outcome(site, observations, errors)


def _plain_http(site: _Site, web: WebClient) -> list[Observation]:
    if site.http_port is None:
        return []  # an explicit-port site has no plain-HTTP twin to check
    port = f":{site.http_port}" if site.http_port != 80 else ""
    plain = web.get(f"http://{site.target.host}{port}/")
    return redirect_observations(site.canonical + "/", plain)


def _over_web(
    site: _Site, web: WebClient, config: AuditConfig, errors: list[str]
) -> list[Observation]:
    home = web.get(site.url("/"), follow=5)
    if home.status == 0:
        errors.append(f"home page: {home.error}")
        return []
    found = headers.header_observations(home) + _grade(site, home)
    found += headers.security_txt_observations(
        site.canonical + "/", web.get(site.url("/.well-known/security.txt"), follow=2)
    )
    baseline = exposure.make_baseline(
        [web.get(site.url(f"/{secrets.token_hex(8)}")) for _ in range(2)]
    )
    responses = _fetch_all(site, web, exposure.PROBE_PATHS)
    errors.extend(_unfetched(responses))
    found += exposure.judge_all(responses, baseline)
    fetched = [home, *(r for r in responses.values() if not exposure.is_catch_all(r, baseline))]
    found += _wordpress(site, web, home)
    fetched += list(_crawl(site, web, home, config))
    found += _personal_data(site, fetched)
    return found


def _fetch_all(site: _Site, web: WebClient, paths: Sequence[str]) -> dict[str, Fetched]:
    """Guessed paths, a few at a time (the client's per-host limit keeps it polite)."""
    with ThreadPoolExecutor(PARALLEL_FETCHES) as pool:
        fetched = pool.map(lambda p: web.get(site.url(p), range_bytes=_range(p)), paths)
        return dict(zip(paths, fetched, strict=True))


def _unfetched(responses: dict[str, Fetched]) -> list[str]:
    """One error line when guessed paths could not be fetched: nothing can be said of them."""
    failed = [(path, r.error) for path, r in responses.items() if r.status == 0]
    if not failed:
        return []
    path, error = failed[0]
    return [
        f"exposure: {len(failed)} of {len(responses)} guessed paths not fetched "
        f"(e.g. {path}: {error})"
    ]


def _range(path: str) -> int | None:
    """One fetch per path: the largest range its probes ask, or the whole (capped) body."""
    ranges = [p.range_bytes for p in exposure.PROBES if p.path == path]
    return None if None in ranges else max(r for r in ranges if r is not None)


def _grade(site: _Site, home: Fetched) -> list[Observation]:
    """The headers grade, as an info finding whenever it costs points (A+ says nothing)."""
    grade = headers.grade(home)
    if grade.score >= headers.BASE_SCORE:
        return []
    explain = "; ".join(grade.explain())
    evidence = f"{grade.letter} ({grade.score}/100)"
    return [
        Observation(
            "site.grade",
            site.canonical + "/",
            evidence,
            (("url", site.canonical + "/"), ("explain", explain)),
        )
    ]


def _wordpress(site: _Site, web: WebClient, home: Fetched) -> list[Observation]:
    if not exposure.is_wordpress(home, {}):
        return []
    extra = {path: web.get(site.url(path)) for path in exposure.WORDPRESS_PATHS}
    return exposure.wordpress_observations(home, extra)


def _crawl(site: _Site, web: WebClient, home: Fetched, config: AuditConfig) -> Iterable[Fetched]:
    robots = robots_from(web.get(site.url("/robots.txt")))

    def allowed(url: str) -> bool:
        return config.ignore_robots or robots.can_fetch(USER_AGENT, url)

    return crawl(home, lambda url: web.get(url, follow=2), budget=config.max_pages, allowed=allowed)


def _personal_data(site: _Site, fetched: list[Fetched]) -> list[Observation]:
    found: list[Observation] = []
    for page in {f.url: f for f in fetched}.values():
        if page.status not in (200, 206) or _is_login_page(page):
            continue
        report = pii.scan(page.text)
        found += pii.observations(page.url, report, scope=site.canonical + "/")
    return found


def _is_login_page(page: Fetched) -> bool:
    return 'type="password"' in page.text[:65536].lower().replace("'", '"')


def _outcome(site: _Site, observations: list[Observation], errors: list[str]) -> ScopeOutcome:
    findings: dict[str, Finding] = {}
    scope = site.target.scope
    for obs in observations:
        clean = replace(
            obs,
            target=site.canon(obs.target),
            evidence=site.canon(obs.evidence),
            params=tuple((k, site.canon(v)) for k, v in obs.params),
        )
        finding = make_finding(clean, scope)
        findings.setdefault(finding.id, finding)
    return ScopeOutcome(scope, tuple(findings.values()), tuple(errors))
