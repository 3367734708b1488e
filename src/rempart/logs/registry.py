"""The one registry of log detectors: id → what it means, how bad, how to fix.

Every incident's ``kind`` is a detector id from :data:`SPECS`; its severity,
advice and summary wording come from here. The detector functions live in
:mod:`rempart.logs.detectors` (``DETECTORS``, keyed by the same ids) and their
thresholds in :mod:`rempart.logs.settings` (``Settings.of(id)``); the tests fail
when an id lacks any of the three, or an annotated sample.

``summary`` is a ``str.format`` template. Every detector gives ``{source}``
(the sources in short), ``{count}`` (requests involved) and ``{span}`` (how
long); the other fields are the detector's own facts, also found in the
incident's ``details``.
"""

from __future__ import annotations

from dataclasses import dataclass

from rempart.logs import settings as st
from rempart.model.findings import Severity

H, M, L, INFO = Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO

_BLOCK = "Add the source to the block list (`rempart logs blocklist`) or to CrowdSec/fail2ban."
_LIMIT = (
    "Rate-limit per client in nginx: `limit_req_zone $binary_remote_addr zone=perip:10m "
    "rate=10r/s;` and `limit_req zone=perip burst=20 nodelay;` in the server block."
)
_WP = (
    "Protect wp-login.php: an allow-list or HTTP basic auth in front of it "
    "(`location = /wp-login.php { limit_req zone=login burst=3; auth_basic ...; }`), "
    "two-factor logins, and a login limiter plugin."
)


@dataclass(frozen=True)
class DetectorSpec:
    """What one detector id means."""

    id: str
    """Stable id, also the incident's ``kind`` (``scan.probing``)."""
    severity: Severity
    """Severity of its incidents."""
    title: str
    """One line, plain words."""
    why: str
    """Why it matters, one plain sentence."""
    fix: str
    """What to do about it."""
    summary: str
    """``str.format`` template of the incident's one-line summary."""
    settings: type
    """Its thresholds' dataclass in :mod:`rempart.logs.settings`."""
    anchor: str = ""
    """The CrowdSec hub scenario it matches, if any."""


SPECS: tuple[DetectorSpec, ...] = (
    # --- scanners and probes (CrowdSec scenarios) --------------------------------
    DetectorSpec(
        "scan.probing",
        M,
        "Probing: many distinct paths answered 404/403/400",
        "Scanners look for forgotten pages, backups and vulnerable software before attacking.",
        _BLOCK + " Keep software up to date and remove unused applications.",
        "{source} had {count} requests refused or not found ({distinct} distinct paths) in {span}",
        st.ProbingSettings,
        "crowdsecurity/http-probing",
    ),
    DetectorSpec(
        "crawl.non_static",
        INFO,
        "Fast crawl of pages (not images or scripts)",
        "Crawlers are usually harmless, but an aggressive one loads the site like a small flood.",
        "Nothing if it is a known search engine; otherwise " + _LIMIT,
        "{source} fetched {count} pages ({distinct} distinct) in {span}",
        st.CrawlSettings,
        "crowdsecurity/http-crawl-non_statics",
    ),
    DetectorSpec(
        "bruteforce.wordpress",
        H,
        "WordPress login brute force (wp-login.php)",
        "Guessed administrator passwords hand the whole site to the attacker.",
        _WP + " " + _BLOCK,
        "{source} failed {count} WordPress logins in {span}",
        st.WordpressBfSettings,
        "crowdsecurity/http-bf-wordpress_bf",
    ),
    DetectorSpec(
        "bruteforce.xmlrpc",
        H,
        "WordPress XML-RPC brute force (xmlrpc.php)",
        "xmlrpc.php lets one request try hundreds of passwords (system.multicall).",
        "Block xmlrpc.php if nothing uses it (`location = /xmlrpc.php { deny all; }`). " + _BLOCK,
        "{source} sent {count} POST requests to xmlrpc.php in {span}",
        st.XmlrpcBfSettings,
        "crowdsecurity/http-bf-wordpress_bf_xmlrpc",
    ),
    DetectorSpec(
        "scan.sensitive_files",
        M,
        "Requests for sensitive files (.env, .git, backups, keys)",
        "A served .env, .git or backup file leaks passwords and keys.",
        "Check that none of these files is served (`served` in the details counts answers "
        "200); deny dot-files "
        "(`location ~ /\\. { deny all; }`) and keep backups outside the web root. " + _BLOCK,
        "{source} asked for {count} sensitive files ({distinct} distinct, {served} served) "
        "in {span}",
        st.SensitiveFilesSettings,
        "crowdsecurity/http-sensitive-files",
    ),
    DetectorSpec(
        "probe.path_traversal",
        M,
        "Path traversal attempts (../, /etc/passwd)",
        "A traversal flaw lets an attacker read any file on the server.",
        "Keep the application up to date; " + _BLOCK,
        "{source} sent {count} path traversal attempts ({distinct} distinct) in {span}",
        st.TraversalSettings,
        "crowdsecurity/http-path-traversal-probing",
    ),
    DetectorSpec(
        "probe.inclusion",
        M,
        "File inclusion attempts (php://, remote URLs as parameters)",
        "A file inclusion flaw runs the attacker's code on the server.",
        "Set `allow_url_include=Off` in PHP, keep the application up to date; " + _BLOCK,
        "{source} sent {count} file inclusion attempts ({distinct} distinct) in {span}",
        st.InclusionSettings,
    ),
    DetectorSpec(
        "probe.sqli",
        M,
        "SQL injection probing in query strings",
        "An injectable parameter exposes the whole database (members, donors).",
        "Keep the application and its plugins up to date, put a WAF rule set "
        "(ModSecurity CRS) in front of it; " + _BLOCK,
        "{source} sent {count} requests with SQL injection marks ({distinct} distinct) in {span}",
        st.SqliSettings,
        "crowdsecurity/http-sqli-probing",
    ),
    DetectorSpec(
        "probe.xss",
        M,
        "Cross-site scripting probing in query strings",
        "A reflected XSS lets attackers act as a logged-in staff member.",
        "Keep the application up to date, send a Content-Security-Policy header; " + _BLOCK,
        "{source} sent {count} requests with script injection marks ({distinct} distinct) "
        "in {span}",
        st.XssSettings,
        "crowdsecurity/http-xss-probing",
    ),
    DetectorSpec(
        "scan.bad_user_agent",
        L,
        "Known scanner user agent",
        "Vulnerability scanners announce themselves; someone is mapping the site's weaknesses.",
        "If the scan is not yours, " + _BLOCK[0].lower() + _BLOCK[1:],
        "{source} sent {count} requests as a known scanner ({agent}) in {span}",
        st.BadAgentSettings,
        "crowdsecurity/http-bad-user-agent",
    ),
    DetectorSpec(
        "scan.admin_interface",
        M,
        "Probing for administration interfaces",
        "Exposed admin panels (phpMyAdmin, Tomcat manager) are taken over with default passwords.",
        "Serve admin interfaces only on a VPN or an allow-list; " + _BLOCK,
        "{source} looked for {count} admin interfaces ({distinct} distinct) in {span}",
        st.AdminProbingSettings,
        "crowdsecurity/http-admin-interface-probing",
    ),
    DetectorSpec(
        "scan.wordpress",
        M,
        "WordPress scan (wp-* paths and plugin files not found)",
        "Scanners list WordPress plugins to find one with a known flaw.",
        "Keep WordPress and its plugins updated, remove unused plugins; " + _BLOCK,
        "{source} probed {count} WordPress paths ({distinct} distinct) in {span}",
        st.WordpressScanSettings,
        "crowdsecurity/http-wordpress-scan",
    ),
    DetectorSpec(
        "bruteforce.generic",
        H,
        "Login brute force (answers 401/403)",
        "Guessed passwords give access to private areas and staff accounts.",
        "Put the login behind a limiter (`limit_req` on the login location), use two-factor "
        "logins; " + _BLOCK,
        "{source} had {count} logins refused (401/403) in {span}",
        st.GenericBfSettings,
        "crowdsecurity/http-generic-bf",
    ),
    DetectorSpec(
        "dos.switching_ua",
        M,
        "One IP switching user agents quickly",
        "Flood tools rotate user agents to slip past simple filters.",
        _LIMIT + " " + _BLOCK,
        "{source} used {distinct} user agents in {count} requests in {span}",
        st.SwitchingUaSettings,
        "crowdsecurity/http-dos-switching-ua",
    ),
    DetectorSpec(
        "dos.bypass_cache",
        H,
        "Cache-busting flood (random digit-only query strings)",
        "Random query strings bypass the cache, so every request hits the application.",
        "Ignore unknown query strings in the cache key, " + _LIMIT[0].lower() + _LIMIT[1:],
        "{source} sent {count} cache-busting requests ({distinct} distinct) in {span}",
        st.BypassCacheSettings,
        "crowdsecurity/http-dos-bypass-cache",
    ),
    DetectorSpec(
        "dos.random_uri",
        H,
        "Random-path flood (random upper-case names)",
        "Random paths miss every cache and make the application render error pages.",
        _LIMIT + " " + _BLOCK,
        "{source} requested {count} random paths in {span}",
        st.RandomUriSettings,
        "crowdsecurity/http-dos-random-uri",
    ),
    # --- floods and bursts -----------------------------------------------------
    DetectorSpec(
        "flood.ip",
        H,
        "Request flood from one IP",
        "One client sending far more than anyone else can take the site down.",
        _LIMIT + " " + _BLOCK,
        "{source} sent {count} requests in {span}, peak {peak} per {window} "
        "(site baseline {baseline})",
        st.IpFloodSettings,
    ),
    DetectorSpec(
        "flood.distributed",
        H,
        "Distributed flood: a surge carried by many new IPs",
        "A botnet spreads a flood over many addresses, so per-IP limits alone do not stop it.",
        "Ask the host or CDN for DDoS protection, cache pages, block the listed sources "
        "for a while (`rempart logs blocklist`); " + _LIMIT[0].lower() + _LIMIT[1:],
        "{ips} new IPs in {networks} networks sent {count} requests in {span}, peak {peak} "
        "per {window} (log baseline {baseline})",
        st.DistributedFloodSettings,
    ),
    DetectorSpec(
        "burst.errors",
        M,
        "Burst of server errors (5xx)",
        "A wave of 5xx answers means the site is failing, often under load or attack.",
        "Look at the application's error log for this period; if it was load, cache pages "
        "and " + _LIMIT[0].lower() + _LIMIT[1:],
        "{count} server errors in {span}, peak {peak} per {window}; most on {paths}",
        st.ErrorBurstSettings,
    ),
    DetectorSpec(
        "flood.url",
        H,
        "Flood on one URL",
        "Hammering one expensive page (search, login, a PDF) exhausts the server.",
        "Cache or rate-limit that URL (`limit_req` in its own `location`), "
        + _BLOCK[0].lower()
        + _BLOCK[1:],
        "{path} got {count} requests in {span} from {ips} IPs, peak {peak} per {window} "
        "({share} of the site)",
        st.UrlFloodSettings,
    ),
    DetectorSpec(
        "bruteforce.stuffing",
        H,
        "Credential stuffing: many IPs each failing a few logins",
        "Stolen passwords from other sites are tried slowly from many addresses to dodge "
        "per-IP limits.",
        "Require two-factor logins for staff, check accounts against leaked-password lists, "
        "add a CAPTCHA after failures; " + _BLOCK[0].lower() + _BLOCK[1:],
        "{ips} IPs failed {count} logins on {path} in {span}",
        st.StuffingSettings,
    ),
)
"""Every detector, in the order :func:`~rempart.logs.detectors.detect_all` runs them."""

BY_ID: dict[str, DetectorSpec] = {s.id: s for s in SPECS}
"""The registry by id."""


def spec(detector_id: str) -> DetectorSpec:
    """The spec of one detector; ``KeyError`` names the unknown id."""
    return BY_ID[detector_id]
