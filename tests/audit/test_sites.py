"""Each fixture website yields exactly its annotated findings, against real servers."""

from __future__ import annotations

import json

import pytest

from rempart.audit.site import exposure
from rempart.audit.site.job import audit_site
from rempart.audit.targets import parse_site
from rempart.model import ScopeOutcome
from rempart.testing.world import AuditWorld
from tests.audit import site_fixtures as sf

W = "https://weak.site.test"

EXPECTED: dict[str, set[tuple[str, str]]] = {
    sf.WEAK: {
        ("site.tls.old_protocols", "weak.site.test"),  # TLS 1.0 and 1.1 offered
        ("site.tls.no_tls13", "weak.site.test"),  # and nothing newer
        ("site.https.no_redirect", "http://weak.site.test/"),  # plain HTTP serves the site
        ("site.headers.csp_missing", f"{W}/"),
        ("site.headers.frame_missing", f"{W}/"),
        ("site.headers.nosniff_missing", f"{W}/"),
        ("site.headers.referrer_missing", f"{W}/"),
        ("site.hsts.missing", f"{W}/"),
        ("site.cookies.insecure", "PHPSESSID"),  # no Secure
        ("site.cookies.httponly", "PHPSESSID"),  # a session cookie without HttpOnly
        ("site.cookies.samesite", "PHPSESSID"),  # no SameSite
        ("site.disclosure.version", "Server"),  # Apache/2.4.29 (Ubuntu)
        ("site.disclosure.version", "X-Powered-By"),  # PHP/7.2.24
        ("site.disclosure.version", "meta generator"),  # WordPress 5.8.1
        ("site.grade", f"{W}/"),  # F
        ("site.securitytxt.missing", f"{W}/.well-known/security.txt"),
        ("site.exposed.vcs", f"{W}/.git/HEAD"),
        ("site.exposed.vcs", f"{W}/.git/config"),
        ("site.exposed.config_backup", f"{W}/wp-config.php.bak"),
        ("site.exposed.listing", f"{W}/wp-content/uploads/"),
        ("site.backoffice.open", f"{W}/adherents.csv"),  # the members export, no login
        ("site.pii.exposed", f"{W}/adherents.csv"),  # 300 members' personal data
        ("site.pii.exposed", f"{W}/membres/"),  # found by the crawl: 40 members listed
        ("site.wp.version_old", f"{W}/"),  # 5.8.1, from the generator and readme.html
        ("site.wp.user_enum", f"{W}/"),  # camille (author redirect) and admin (REST API)
        ("site.wp.xmlrpc", f"{W}/xmlrpc.php"),
    },
    sf.CLEAN: set(),  # a well-kept site: nothing to say
    # an expired certificate is reported, then the site is still read (GET only)
    sf.EXPIRED: {
        ("site.tls.cert_invalid", "expired.site.test"),
        ("site.exposed.vcs", "https://expired.site.test/.git/config"),
    },
    # no HTTPS at all: said once, then the site is still read over plain HTTP
    sf.PLAIN: {
        ("site.https.unavailable", "https://plain.site.test/"),
        ("site.https.no_redirect", "http://plain.site.test/"),
        ("site.headers.csp_missing", "http://plain.site.test/"),
        ("site.headers.frame_missing", "http://plain.site.test/"),
        ("site.headers.nosniff_missing", "http://plain.site.test/"),
        ("site.headers.referrer_missing", "http://plain.site.test/"),
        ("site.grade", "http://plain.site.test/"),
        ("site.securitytxt.missing", "http://plain.site.test/.well-known/security.txt"),
        ("site.exposed.env", "http://plain.site.test/.env"),  # key names only, never values
    },
    # every path answers 200 with the home page: no exposure may be inferred from that;
    # its "security.txt" is that HTML page, so it really has none
    sf.CATCHALL: {
        ("site.securitytxt.missing", "https://catchall.site.test/.well-known/security.txt")
    },
}


@pytest.fixture(scope="module")
def outcomes(site_world: AuditWorld) -> dict[str, ScopeOutcome]:
    config = site_world.config(max_pages=20)
    hosts = (sf.WEAK, sf.CLEAN, sf.CATCHALL, sf.PLAIN, sf.EXPIRED)
    return {h: audit_site(parse_site(f"https://{h}/", "test"), config) for h in hosts}


@pytest.mark.parametrize("host", sorted(EXPECTED))
def test_site_yields_exactly_its_findings(host: str, outcomes: dict[str, ScopeOutcome]) -> None:
    outcome = outcomes[host]
    assert {(f.check, f.target) for f in outcome.findings} == EXPECTED[host]
    assert outcome.errors == () and outcome.complete


GONE = ("site.dns.missing", "gone.site.test")
"""What a campaign website whose name no longer resolves yields."""


def test_a_site_whose_name_is_gone(site_world: AuditWorld) -> None:
    outcome = audit_site(parse_site("https://gone.site.test/", "t"), site_world.config())
    assert [(f.check, f.target) for f in outcome.findings] == [GONE]
    assert outcome.complete


def test_no_member_data_is_ever_kept(outcomes: dict[str, ScopeOutcome]) -> None:
    text = json.dumps([f.as_dict() for o in outcomes.values() for f in o.findings])
    for _name, email, phone, born, _ in sf.members(300) + sf.members(40, 9):
        assert email not in text and phone not in text and born not in text
    assert "Tr0ub4dor" not in text and "s3cr3tsessionvalue" not in text
    assert "hunter2" not in text and "c2VjcmV0" not in text


def test_grade_and_remediation_are_concrete(outcomes: dict[str, ScopeOutcome]) -> None:
    by_check = {f.check: f for f in outcomes[sf.WEAK].findings}
    assert by_check["site.grade"].evidence.startswith("F ")
    assert "Strict-Transport-Security: max-age=" in by_check["site.hsts.missing"].remediation
    assert "GDPR" in by_check["site.pii.exposed"].remediation
    assert (
        "300" in by_check["site.pii.exposed"].evidence
        or "40" in by_check["site.pii.exposed"].evidence
    )


def test_cli_audits_a_website_url(site_world: AuditWorld, tmp_path: object) -> None:
    from typer.testing import CliRunner

    from rempart.cli.app import app

    config = site_world.config()
    result = CliRunner().invoke(
        app,
        [
            "audit",
            f"https://{sf.CLEAN}/",
            f"https://{sf.CATCHALL}/",
            "--format",
            "json",
            "--resolver",
            site_world.resolver,
            "--https-port",
            str(config.https_port),
            "--http-port",
            str(config.http_port),
            "--ca-file",
            str(site_world.ca_file),
            "--db",
            f"{tmp_path}/s.db",
        ],
    )
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(r["scope"], r["check"]) for r in rows] == [
        ("https://catchall.site.test/", "site.securitytxt.missing")
    ]


def test_sites_give_the_same_results_on_dask(site_world: AuditWorld, tmp_path: object) -> None:
    from rempart.audit.run import run_audit
    from rempart.engine import DaskRunner, LocalRunner
    from rempart.store import Store

    targets = [parse_site(f"https://{h}/", "t") for h in EXPECTED]
    config = site_world.config(max_pages=20)
    seen = []
    with DaskRunner("local", n_workers=2, threads_per_worker=2) as dask:
        for i, runner in enumerate((LocalRunner(4), dask)):
            with Store.open(f"{tmp_path}/s{i}.db") as store:
                report = run_audit(targets, config, store, runner)
            seen.append({(f.scope, f.check, f.target) for f in report.findings})
    assert seen[0] == seen[1]
    assert {(c, t) for _, c, t in seen[0]} == set().union(*EXPECTED.values())


@pytest.mark.timeout(120)
def test_a_hostile_site_cannot_stall_the_audit() -> None:
    from rempart.testing.https_server import Route
    from rempart.testing.world import SiteHost

    host = "www.hostile.test"
    nasty = (b"<!doctype html><html><head>" + b"<meta name='generator' content='" * 20_000
             + b"<a href='/x'<<<<<" + b"<div " * 60_000 + b'<a b="' * 20_000)  # fmt: skip
    routes = {
        (host, "/"): Route(body=nasty, headers=(("Content-Type", "text/html"),)),
        (host, "*"): Route(body=b"slow", delay=30.0),  # every guessed path drips
    }
    zone = (
        "$TTL 60\nhostile.test. SOA ns.hostile.test. h.hostile.test. 1 7200 3600 1209600 60\n"
        f"{host}. A 127.0.0.24\n"
    )
    site = SiteHost("127.0.0.24", (host,), routes)
    with AuditWorld({"hostile.test.": zone}, sites=[site]) as world:
        config = world.config(https_timeout=1.0, max_pages=5, site_budget_seconds=8.0)
        outcome = audit_site(parse_site(f"https://{host}/", "t"), config)
    checks = {f.check for f in outcome.findings}
    assert "site.headers.csp_missing" in checks  # the home page was still judged
    assert not any(c.startswith("site.exposed") for c in checks)  # timeouts prove nothing
    # the unfetched paths make the outcome incomplete: nothing will be marked fixed
    paths = len(exposure.PROBE_PATHS)
    assert [e.split(" guessed")[0] for e in outcome.errors] == [f"exposure: {paths} of {paths}"]
