"""Every detector's thresholds: frozen dataclasses with documented defaults.

One class per detector, one field per threshold; :class:`Settings` holds one of
each, under the detector id with dots turned into underscores
(``scan.probing`` → ``Settings.scan_probing``). Durations are in seconds.

Leaky-bucket detectors (the CrowdSec scenarios) share :class:`BucketSettings`:
``capacity``, ``leakspeed`` and ``blackhole`` mean what they mean in CrowdSec's
hub, and their defaults are the hub's (see ``shared/anchors/logs``).
Window detectors (floods, bursts, stuffing) count requests in windows of
``window`` seconds that start every ``window / 2`` seconds (hopping windows), so
any burst that fits in half a window lies whole inside one of them.

Patterns are Rust-regex strings (polars), matched ignoring case, on the
percent-decoded text where a docstring says "decoded", unless it says otherwise. They run
in linear time, so hostile paths cannot make them backtrack.

Configure with :meth:`Settings.from_mapping` (e.g. from a TOML table keyed by
detector id); :func:`field_docs` gives each field's docstring for documentation.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from rempart.errors import InputError

logger = logging.getLogger(__name__)

STATIC_EXTENSIONS: tuple[str, ...] = (
    ".jpg", ".css", ".js", ".jpeg", ".png", ".svg", ".map", ".ico", ".otf", ".gif", ".mp3",
    ".mp4", ".woff", ".woff2", ".ttf", ".eot", ".webp", ".wav", ".gz", ".bmp", ".avif", ".mjs",
)  # fmt: skip
"""CrowdSec's static resources: requests for them are never probing or crawling."""

SCANNER_AGENTS: tuple[str, ...] = (
    "nikto", "sqlmap", "nmap", "masscan", "zgrab", "w3af", "acunetix", "netsparker", "nuclei",
    "wpscan", "dirbuster", "gobuster", "ffuf", "wfuzz", "feroxbuster", "openvas", "nessus",
    "arachni", "skipfish", "havij", "jorgee", "zmeu", "morfeus", "fimap", "whatweb",
    "nmap scripting engine", "commix", "xsstrike", "joomscan", "droopescan",
)  # fmt: skip
"""Known scanner user agents (case-insensitive substrings).

``curl``, ``wget``, ``python-requests``, ``Go-http-client`` and other generic
HTTP libraries are deliberately absent: monitoring probes, feed readers and the
party's own scripts use them. Add them in a site's settings if they mean abuse
there."""

LOGIN_PATHS = (
    r"(^|/)(wp-login\.php|xmlrpc\.php|login|log-in|signin|sign-in|sign_in|logon|auth|"
    r"authenticate|session|sessions|connexion|token|oauth/token)(/|\.php|\.aspx?|\.jsp|\.html?|$)"
)
"""Paths that take credentials (path, no query)."""


@dataclass(frozen=True)
class BucketSettings:
    """A leaky bucket per client IP, as in CrowdSec.

    Each counted request pours one unit; the bucket leaks one unit every
    ``leakspeed`` seconds; it overflows when a request finds it holding
    ``capacity`` units (the capacity+1-th request in a burst). Overflows of the
    same IP less than ``blackhole`` seconds apart make one incident."""

    capacity: int = 10
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 10.0
    """Seconds for one unit to leak out."""
    blackhole: float = 300.0
    """Overflows of one IP closer than this (seconds) are the same incident."""


@dataclass(frozen=True)
class ProbingSettings(BucketSettings):
    """``scan.probing`` (CrowdSec http-probing): errors on many distinct paths."""

    statuses: tuple[int, ...] = (404, 403, 400)
    """Answers that count as a failed probe."""
    static_extensions: tuple[str, ...] = STATIC_EXTENSIONS
    """Paths ending so are ignored (a missing image is not a probe)."""


@dataclass(frozen=True)
class CrawlSettings(BucketSettings):
    """``crawl.non_static`` (CrowdSec http-crawl-non_statics): fast page fetching."""

    capacity: int = 40
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 0.5
    """Seconds for one unit to leak out."""
    blackhole: float = 60.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    static_extensions: tuple[str, ...] = STATIC_EXTENSIONS
    """Paths ending so are ignored."""


@dataclass(frozen=True)
class WordpressBfSettings(BucketSettings):
    """``bruteforce.wordpress`` (CrowdSec http-bf-wordpress_bf)."""

    capacity: int = 5
    """Units the bucket holds before a request overflows it."""
    path_pattern: str = r"/wp-login\.php$"
    """Login path (path)."""
    statuses: tuple[int, ...] = (200,)
    """Answers to the POST that mean failure (WordPress re-shows the form with 200)."""


@dataclass(frozen=True)
class XmlrpcBfSettings(BucketSettings):
    """``bruteforce.xmlrpc`` (CrowdSec http-bf-wordpress_bf_xmlrpc)."""

    capacity: int = 5
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 120.0
    """Seconds for one unit to leak out."""
    path_pattern: str = r"/xmlrpc\.php$"
    """XML-RPC endpoint (path)."""


@dataclass(frozen=True)
class SensitiveFilesSettings(BucketSettings):
    """``scan.sensitive_files`` (CrowdSec http-sensitive-files)."""

    capacity: int = 4
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 5.0
    """Seconds for one unit to leak out."""
    pattern: str = (
        r"(\.(bak|old|orig|save|swp|sql|sqlite3?|db|mdb|env|ds_store|htaccess|htpasswd|"
        r"bash_history|npmrc|dockercfg|pem|key)|~|/\.(git|svn|hg)(/.*)?|/web\.config|"
        r"/id_[rd]sa|/\.aws/credentials|/\.ssh/.*|/docker-compose\.ya?ml|/phpinfo\.php|"
        r"/sftp-config\.json|/\.vscode/sftp\.json|/\.kube/config|/wp-config\.php\..*|"
        r"/(backup|backups|site|www|db|database|dump)\.(zip|tar|tar\.gz|tgz|rar|7z))$"
    )
    """Ends of a sensitive file name (decoded path)."""


@dataclass(frozen=True)
class TraversalSettings(BucketSettings):
    """``probe.path_traversal`` (CrowdSec http-path-traversal-probing)."""

    capacity: int = 3
    """Units the bucket holds before a request overflows it."""
    blackhole: float = 120.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    pattern: str = (
        r"\.\./|\.\.\\|\.\.;/|%c0%ae|%c0%af|%c1%9c|/etc/(passwd|shadow|hosts)|"
        r"win\.ini|boot\.ini|/proc/self/|c:\\windows"
    )
    """Traversal marks (decoded path and query)."""


@dataclass(frozen=True)
class InclusionSettings(BucketSettings):
    """``probe.inclusion``: remote/local file inclusion (no CrowdSec twin)."""

    capacity: int = 3
    """Units the bucket holds before a request overflows it."""
    blackhole: float = 120.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    pattern: str = (
        r"(^|[=&])(php|file|expect|phar|zip|glob|data|input)://|"
        r"(^|[=&])(https?|ftps?)://[^&]*(\?|%00|\.txt|\.php)(&|$)"
    )
    """Stream wrappers, or a remote URL ending in ``?``/``.txt`` as a parameter (decoded query)."""


@dataclass(frozen=True)
class SqliSettings(BucketSettings):
    """``probe.sqli`` (CrowdSec http-sqli-probing)."""

    leakspeed: float = 1.0
    """Seconds for one unit to leak out."""
    pattern: str = (
        r"'|\x22|`|/\*|--|#|\bunion\b.*\bselect\b|\bselect\b.*\bfrom\b|\bsleep\s*\(|"
        r"benchmark\s*\(|waitfor\s+delay|pg_sleep|information_schema|@@version|"
        r"\b(or|and)\s+\d+\s*=\s*\d+|load_file\s*\(|into\s+(out|dump)file|extractvalue\s*\(|"
        r"updatexml\s*\("
    )
    """SQL injection marks (decoded query)."""


@dataclass(frozen=True)
class XssSettings(BucketSettings):
    """``probe.xss`` (CrowdSec http-xss-probing)."""

    capacity: int = 5
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 1.0
    """Seconds for one unit to leak out."""
    pattern: str = (
        r"<\s*/?\s*(script|img|svg|iframe|body|object|embed|a|details|input|style|marquee)\b|"
        r"<\s*/?\s*-|javascript:|vbscript:|alert\s*\(|prompt\s*\(|confirm\s*\(|"
        r"\bon(error|load|mouseover|mouseenter|focus|blur|click|submit|toggle|begin|"
        r"animationstart|pointerover|start)\s*=|"
        r"document\.(cookie|domain|location)|fromcharcode"
    )
    """Cross-site scripting marks (decoded query)."""


@dataclass(frozen=True)
class BadAgentSettings(BucketSettings):
    """``scan.bad_user_agent`` (CrowdSec http-bad-user-agent)."""

    capacity: int = 1
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 60.0
    """Seconds for one unit to leak out."""
    blackhole: float = 120.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    agents: tuple[str, ...] = SCANNER_AGENTS
    """Case-insensitive substrings of scanner user agents (see ``SCANNER_AGENTS``)."""


@dataclass(frozen=True)
class AdminProbingSettings(BucketSettings):
    """``scan.admin_interface`` (CrowdSec http-admin-interface-probing)."""

    capacity: int = 2
    """Units the bucket holds before a request overflows it."""
    blackhole: float = 60.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    statuses: tuple[int, ...] = (404, 403)
    """Answers that count as a failed probe."""
    pattern: str = (
        r"^/([^/]+/)?(admin|administrator|admin\.php|admin\.asp|admin/login\.php|adminer|"
        r"adminer\.php|phpmyadmin|pma|myadmin|mysqladmin|dbadmin|sqladmin|manager/html|cpanel|"
        r"webadmin|siteadmin|admin-console|jmx-console|web-console|solr/admin|"
        r"axis2/axis2-admin|admincp|admin_area|panel|backend|webmin|plesk)(/|$)"
    )
    """Administration paths (path)."""


@dataclass(frozen=True)
class WordpressScanSettings(BucketSettings):
    """``scan.wordpress`` (CrowdSec http-wordpress-scan)."""

    capacity: int = 3
    """Units the bucket holds before a request overflows it."""
    statuses: tuple[int, ...] = (404, 403)
    """Answers that count as a failed probe."""
    pattern: str = (
        r"/wp-[a-z0-9_-]*\.php$|/wp-(admin|content|includes|json)(/|$)|"
        r"/(plugins|themes)/[^/]+/(readme|changelog)\.(txt|md|html)$|/xmlrpc\.php$|"
        r"/wlwmanifest\.xml$"
    )
    """WordPress paths (path)."""


@dataclass(frozen=True)
class GenericBfSettings(BucketSettings):
    """``bruteforce.generic`` (CrowdSec http-generic-bf, 401/403 variants)."""

    capacity: int = 5
    """Units the bucket holds before a request overflows it."""
    blackhole: float = 60.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    statuses: tuple[int, ...] = (401,)
    """Answers that mean a refused login, whatever the method."""
    post_statuses: tuple[int, ...] = (401, 403)
    """Answers to a POST that mean a refused login."""


@dataclass(frozen=True)
class SwitchingUaSettings(BucketSettings):
    """``dos.switching_ua`` (CrowdSec http-dos-switching-ua)."""

    leakspeed: float = 8.0
    """Seconds for one unit to leak out."""
    blackhole: float = 120.0
    """Overflows of one IP closer than this (seconds) are the same incident."""


@dataclass(frozen=True)
class BypassCacheSettings(BucketSettings):
    """``dos.bypass_cache`` (CrowdSec http-dos-bypass-cache)."""

    capacity: int = 30
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 1.0
    """Seconds for one unit to leak out."""
    blackhole: float = 60.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    pattern: str = r"^([a-z_][a-z0-9_.-]*=)?[0-9]{7,12}$"
    """A query that is one digit-only value of 7–12 digits (raw query)."""


@dataclass(frozen=True)
class RandomUriSettings(BucketSettings):
    """``dos.random_uri`` (CrowdSec http-dos-random-uri)."""

    capacity: int = 30
    """Units the bucket holds before a request overflows it."""
    leakspeed: float = 1.0
    """Seconds for one unit to leak out."""
    blackhole: float = 120.0
    """Overflows of one IP closer than this (seconds) are the same incident."""
    pattern: str = r"^/[A-Z]{6}$"
    """Random upper-case names (raw path, case-sensitive)."""


@dataclass(frozen=True)
class IpFloodSettings:
    """``flood.ip``: one IP far above the site's own per-IP rate."""

    window: float = 60.0
    """Window length, seconds (windows start every half window)."""
    quantile: float = 0.9
    """Baseline: this quantile of all (IP, window) request counts."""
    factor: float = 10.0
    """A window is a flood at ``factor`` × baseline requests…"""
    floor: int = 300
    """…and never below this many requests per window (5 a second)."""
    merge_gap: float = 300.0
    """Flooding windows of one IP closer than this (seconds) are one incident."""


@dataclass(frozen=True)
class DistributedFloodSettings:
    """``flood.distributed``: a site-wide surge carried by many new IPs."""

    window: float = 60.0
    """Window length, seconds (windows start every half window)."""
    factor: float = 5.0
    """A window is a surge at ``factor`` × the median window of the log…"""
    floor: int = 600
    """…and never below this many requests per window."""
    min_new_ips: int = 50
    """At least this many IPs first seen during the surge take part in it (below)."""
    min_new_share: float = 0.5
    """Requests of those new IPs: at least this share of the surge."""
    min_requests: int = 4
    """A new IP takes part in the surge only with at least this many requests in it (a
    visitor arriving then reads a page or two)…"""
    max_static_share: float = 0.2
    """…and when less than this share of them fetch static files (a browser showing pages
    loads their styles, scripts and images; flood bots hammer pages)."""
    static_extensions: tuple[str, ...] = STATIC_EXTENSIONS
    """What counts as a static file."""
    ipv4_prefix: int = 24
    """IPv4 networks the sources are grouped into."""
    ipv6_prefix: int = 64
    """IPv6 networks the sources are grouped into."""
    net_min_ips: int = 3
    """A network is named whole when this many of its addresses take part in the surge
    (1: always networks); the other addresses are named alone."""
    merge_gap: float = 300.0
    """Surge windows closer than this (seconds) are one incident."""


@dataclass(frozen=True)
class ErrorBurstSettings:
    """``burst.errors``: a burst of 5xx answers."""

    window: float = 60.0
    """Window length, seconds (windows start every half window)."""
    factor: float = 10.0
    """A window is a burst at ``factor`` × the median errors per window…"""
    floor: int = 30
    """…and never below this many 5xx answers per window."""
    min_share: float = 0.2
    """5xx answers: at least this share of the window's requests."""
    source_share: float = 0.1
    """IPs named as sources: those that received at least this share of the errors."""
    max_sources: int = 10
    """At most this many IPs named."""
    merge_gap: float = 300.0
    """Burst windows closer than this (seconds) are one incident."""


@dataclass(frozen=True)
class UrlFloodSettings:
    """``flood.url``: one path concentrating a spike."""

    window: float = 60.0
    """Window length, seconds (windows start every half window)."""
    factor: float = 10.0
    """The path's window holds ``factor`` × its median window (zeros included)…"""
    floor: int = 300
    """…and never fewer than this many requests…"""
    min_share: float = 0.5
    """…and at least this share of the whole site's requests in that window."""
    net_min_ips: int = 3
    """Sources: a network (/24, /64) with this many IPs is named whole."""
    merge_gap: float = 300.0
    """Spike windows of one path closer than this (seconds) are one incident."""


@dataclass(frozen=True)
class StuffingSettings:
    """``bruteforce.stuffing``: many IPs, each failing a few logins on one path."""

    window: float = 3600.0
    """Window length, seconds (windows start every half window)."""
    min_ips: int = 20
    """At least this many distinct IPs fail on the same login path in a window…"""
    max_attempts: int = 10
    """…each with at most this many failures there (more is plain brute force)."""
    path_pattern: str = LOGIN_PATHS
    """Login paths (path, no query)."""
    methods: tuple[str, ...] = ("POST",)
    """Methods that submit credentials."""
    failure_statuses: tuple[int, ...] = (200, 401, 403)
    """Answers that mean a failed login (a success usually redirects: 302/303)."""
    success_statuses: tuple[int, ...] = (301, 302, 303)
    """Answers that mean a successful login: an IP that also succeeds on the path in the
    window is a member who mistyped, not counted (an attacker's rare hit is then missed
    for that IP, never the wave)."""
    net_min_ips: int = 3
    """Sources: a network (/24, /64) with this many IPs is named whole."""
    merge_gap: float = 3600.0
    """Flagged windows of one path closer than this (seconds) are one incident."""


@dataclass(frozen=True)
class Settings:
    """Thresholds of every detector, by detector id (dots → underscores)."""

    scan_probing: ProbingSettings = field(default_factory=ProbingSettings)
    crawl_non_static: CrawlSettings = field(default_factory=CrawlSettings)
    bruteforce_wordpress: WordpressBfSettings = field(default_factory=WordpressBfSettings)
    bruteforce_xmlrpc: XmlrpcBfSettings = field(default_factory=XmlrpcBfSettings)
    scan_sensitive_files: SensitiveFilesSettings = field(default_factory=SensitiveFilesSettings)
    probe_path_traversal: TraversalSettings = field(default_factory=TraversalSettings)
    probe_inclusion: InclusionSettings = field(default_factory=InclusionSettings)
    probe_sqli: SqliSettings = field(default_factory=SqliSettings)
    probe_xss: XssSettings = field(default_factory=XssSettings)
    scan_bad_user_agent: BadAgentSettings = field(default_factory=BadAgentSettings)
    scan_admin_interface: AdminProbingSettings = field(default_factory=AdminProbingSettings)
    scan_wordpress: WordpressScanSettings = field(default_factory=WordpressScanSettings)
    bruteforce_generic: GenericBfSettings = field(default_factory=GenericBfSettings)
    dos_switching_ua: SwitchingUaSettings = field(default_factory=SwitchingUaSettings)
    dos_bypass_cache: BypassCacheSettings = field(default_factory=BypassCacheSettings)
    dos_random_uri: RandomUriSettings = field(default_factory=RandomUriSettings)
    flood_ip: IpFloodSettings = field(default_factory=IpFloodSettings)
    flood_distributed: DistributedFloodSettings = field(default_factory=DistributedFloodSettings)
    burst_errors: ErrorBurstSettings = field(default_factory=ErrorBurstSettings)
    flood_url: UrlFloodSettings = field(default_factory=UrlFloodSettings)
    bruteforce_stuffing: StuffingSettings = field(default_factory=StuffingSettings)
    disabled: tuple[str, ...] = ()
    """Detector ids not to run."""

    def of(self, detector_id: str) -> Any:
        """The settings of one detector, by id (``scan.probing``)."""
        return getattr(self, attribute(detector_id))

    def replace(self, detector_id: str, **changes: Any) -> Settings:
        """A copy with some thresholds of one detector changed."""
        new = dataclasses.replace(self.of(detector_id), **changes)
        return dataclasses.replace(self, **{attribute(detector_id): new})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "settings") -> Settings:
        """Settings from ``{"scan.probing": {"capacity": 20}, "disabled": [...]}``.

        Unknown ids, unknown fields and values of the wrong type are all
        reported at once as an :class:`~rempart.errors.InputError`."""
        problems: list[str] = []
        changes: dict[str, Any] = {}
        ids = detector_ids()
        for key, value in data.items():
            if key == "disabled":
                bad = [d for d in _as_list(value) if d not in ids]
                problems += [f"disabled: unknown detector {d!r}" for d in bad]
                changes["disabled"] = tuple(str(d) for d in _as_list(value))
            elif key not in ids:
                problems.append(f"unknown detector {key!r} (known: {', '.join(sorted(ids))})")
            elif not isinstance(value, Mapping):
                problems.append(f"{key}: expected a table of thresholds")
            else:
                current = cls().of(key)
                fields = _coerce(key, current, value, problems)
                changes[attribute(key)] = dataclasses.replace(current, **fields)
        if problems:
            raise InputError("\n".join(f"{where}: {p}" for p in problems))
        return dataclasses.replace(cls(), **changes)


MAX_SETTINGS_BYTES = 1 << 20
"""Largest thresholds file read (a real one is a few hundred bytes)."""


def load_settings(path: str, base: Mapping[str, Any] | None = None) -> Settings:
    """Settings from a TOML file of tables keyed by detector id, over ``base``.

    ``base`` is the same kind of mapping (the campaign's ``[logs.detectors]``);
    a detector's table in the file replaces the same table of ``base`` field
    by field. Raises :class:`InputError` naming the file and every problem."""
    import tomllib

    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_SETTINGS_BYTES + 1)
        if len(raw) > MAX_SETTINGS_BYTES:
            raise InputError(f"{path}: thresholds file larger than {MAX_SETTINGS_BYTES} bytes")
        data = tomllib.loads(raw.decode("utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read thresholds: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML: {exc}") from None
    merged: dict[str, Any] = {k: dict(v) if isinstance(v, Mapping) else v
                              for k, v in (base or {}).items()}  # fmt: skip
    for key, value in data.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return Settings.from_mapping(merged, where=path)


def attribute(detector_id: str) -> str:
    """The :class:`Settings` field holding a detector's thresholds."""
    return detector_id.replace(".", "_")


def detector_ids() -> set[str]:
    """Ids of every detector that has settings (``scan_probing`` → ``scan.probing``)."""
    return {f.name.replace("_", ".", 1) for f in dataclasses.fields(Settings)} - {"disabled"}


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _coerce(key: str, current: Any, given: Mapping[str, Any], problems: list[str]) -> dict:
    known = {f.name: getattr(current, f.name) for f in dataclasses.fields(current)}
    out: dict[str, Any] = {}
    for name, value in given.items():
        if name not in known:
            problems.append(f"{key}: unknown threshold {name!r} (known: {', '.join(known)})")
            continue
        default = known[name]
        ok, coerced = _coerce_value(default, value)
        if not ok:
            problems.append(f"{key}.{name}: expected {type(default).__name__}, got {value!r}")
        elif isinstance(coerced, int | float) and coerced < 0:
            problems.append(f"{key}.{name}: must not be negative, got {value!r}")
        else:
            out[name] = coerced
    return out


def _coerce_value(default: Any, value: Any) -> tuple[bool, Any]:
    if isinstance(default, bool):
        return isinstance(value, bool), value
    if isinstance(default, int):
        return isinstance(value, int) and not isinstance(value, bool), value
    if isinstance(default, float):
        good = isinstance(value, int | float) and not isinstance(value, bool)
        return good, float(value) if good else value
    if isinstance(default, str):
        return isinstance(value, str), value
    if isinstance(default, tuple):
        items = _as_list(value)
        kind = type(default[0]) if default else str
        good = all(isinstance(v, kind) and not isinstance(v, bool) for v in items)
        return good, tuple(items)
    return False, value


def field_docs(cls: type) -> dict[str, str]:
    """Each field's docstring (the string literal under it), including inherited ones."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        tree = ast.parse(inspect.getsource(klass))
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in itertools.pairwise(body):
            if (
                isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and isinstance(nxt, ast.Expr)
                and isinstance(nxt.value, ast.Constant)
                and isinstance(nxt.value.value, str)
            ):
                docs[stmt.target.id] = inspect.cleandoc(nxt.value.value)
    return docs


def thresholds(detector_id: str, settings: Settings | None = None) -> list[tuple[str, Any, str]]:
    """``(name, value, doc)`` for each threshold of a detector (defaults if no settings)."""
    current = (settings or Settings()).of(detector_id)
    docs = field_docs(type(current))
    return [
        (f.name, getattr(current, f.name), docs.get(f.name, ""))
        for f in dataclasses.fields(current)
    ]
