"""Exposed files and back-offices: what a volunteer-run party site leaves in the open.

Forgotten ``.git/`` folders, ``.env`` files, config backups, SQL dumps, debug
logs, ``phpinfo()`` pages, open directory listings, installers, phpMyAdmin or
Adminer, admin and member-export pages — plus WordPress version, user
enumeration and XML-RPC. The anchors are nuclei's exposure templates, WPScan and
OWASP WSTG-CONF-04/05.

Everything here is a pure function over :class:`Fetched` responses; the job
does the fetching. Two defenses against false findings, in this order:

1. **Content confirmation.** Each :class:`Probe` has a ``confirm`` function
   that returns evidence only when the body *proves* the exposure (a git ref,
   ``KEY=value`` lines, a dump header, archive magic, product-specific form
   fields…). A status code alone never makes a finding.
2. **Catch-all baseline.** The job first fetches two random non-existent paths
   (:func:`make_baseline`); :func:`judge` discards any response that looks like
   those pages (length within 10 % *and* word-set Jaccard similarity ≥ 0.9,
   tokens of the requested paths ignored), so a site answering 200 with the same
   page for every path produces nothing.

Several probes may share one path (phpMyAdmin and Adminer paths have a *login*
and an *open* probe whose confirmations exclude each other): fetch each path
of :data:`PROBE_PATHS` once and judge every probe of that path on it
(:func:`judge_all` does exactly that).

Choices documented here:

* Directory listings have two ids: ``site.exposed.listing`` (high: uploads and
  backup folders, where documents and dumps live) and
  ``site.exposed.listing_minor`` (medium: other folders such as plugins).
* A login page at ``/admin/`` (or any admin path) is *not* a finding: a login
  form is what should be there.
* The WordPress version is ``site.wp.version`` (info), or
  ``site.wp.version_old`` (low) when its branch is below :data:`WP_OLD_BELOW`;
  no "latest release" is hardcoded.

Everything read is attacker-controlled: at most :data:`MAX_READ` bytes of a body
are ever decoded or searched, every pattern is bounded, nothing raises on
garbage, and evidence never quotes secret values (only key names, markers,
column names, counts).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from rempart.audit.site.model import Fetched
from rempart.audit.spec import CheckSpec
from rempart.model import Observation, Severity

MAX_READ = 64 * 1024
"""Bytes of a body ever looked at: enough to confirm any exposure."""
DUMP_RANGE = 4096
"""``Range: bytes=0-4096`` for dumps and archives: only their first bytes are read."""
LOG_RANGE = MAX_READ
"""Range for debug logs, which can weigh gigabytes."""
SIMILAR_LENGTH = 0.10
"""Two bodies whose lengths differ by at most this fraction may be the same page."""
SIMILAR_TOKENS = 0.90
"""Word-set Jaccard similarity from which a response is the catch-all page."""
WP_OLD_BELOW: tuple[int, ...] = (6, 0)
"""WordPress branches below this are *clearly* old (6.0 shipped in May 2022)."""

Confirm = Callable[[Fetched], str | None]


# --- Probes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Probe:
    """One path to request and how to tell, from the content, that it is exposed."""

    path: str
    """Path requested, starting with ``/``."""
    check: str
    """Check id reported when confirmed (a key of :data:`SPECS`)."""
    confirm: Confirm
    """Returns the evidence string when the content proves the exposure, else None."""
    range_bytes: int | None = None
    """When set, the fetcher sends ``Range: bytes=0-N`` and reads only the first bytes."""
    method: str = "GET"
    """``GET`` or ``HEAD``, nothing else ever."""

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"probe path must start with '/': {self.path!r}")
        if self.method not in ("GET", "HEAD"):
            raise ValueError(f"probe method must be GET or HEAD: {self.method!r}")
        if self.range_bytes is not None and self.range_bytes <= 0:
            raise ValueError("range_bytes must be positive")


# --- Bounded reading helpers -------------------------------------------------------------

_CHARSET = re.compile(r"charset=([\w.:-]{1,40})", re.I)
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
_HTML_START = re.compile(r"<!doctype\s+html|<html[\s>]|<head[\s>]|<body[\s>]|<title[\s>]", re.I)
_TITLE = re.compile(r"<title[^>]{0,200}>([^<]{0,300})</title", re.I)
_PASSWORD_FIELD = re.compile(
    r"""<input\b[^>]{0,600}?\btype\s*=\s*["']?password\b"""
    r"""|\bname\s*=\s*["']?(?:pwd|password|passwd|pass|motdepasse|mot_de_passe)["'\s>]""",
    re.I,
)


def _text(fetched: Fetched, limit: int = MAX_READ) -> str:
    """The first ``limit`` bytes decoded with the declared charset; never raises."""
    match = _CHARSET.search(fetched.header("content-type") or "")
    data = fetched.body[:limit]
    try:
        return data.decode(match.group(1) if match else "utf-8", "replace")
    except (LookupError, ValueError, TypeError):
        return data.decode("utf-8", "replace")


def _clean(value: str, limit: int = 80) -> str:
    """Attacker-supplied text made safe for evidence: printable, one line, short."""
    flat = " ".join("".join(c if c.isprintable() else " " for c in value[:1000]).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _looks_html(text: str) -> bool:
    """True when the text is an HTML document (checked on its first KiB)."""
    return bool(_HTML_START.search(text[:1024]))


def _is_html(fetched: Fetched, text: str) -> bool:
    """Declared or evidently HTML."""
    return fetched.content_type in _HTML_TYPES or _looks_html(text)


def _has_login_form(text: str) -> bool:
    """A password field: the page asks who you are."""
    return bool(_PASSWORD_FIELD.search(text))


def _title(text: str) -> str:
    """The page title, cleaned ('' when absent)."""
    match = _TITLE.search(text)
    return _clean(match.group(1)) if match else ""


def _names(items: Iterable[str], limit: int = 6) -> str:
    """``a, b, c (+4 more)``: a bounded list for evidence."""
    seen = list(dict.fromkeys(items))
    shown = ", ".join(seen[:limit])
    return shown + (f" (+{len(seen) - limit} more)" if len(seen) > limit else "")


# --- Version control ------------------------------------------------------------------

_GIT_REF = re.compile(r"ref: refs/\S{1,200}")
_SHA = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_GIT_CORE = re.compile(r"(?m)^\s*\[core\]\s*$")
_GIT_CORE_KEY = re.compile(
    r"(?m)^\s*(?:repositoryformatversion|filemode|bare|logallrefupdates)\s*="
)
_GIT_REMOTE_URL = re.compile(r"(?m)^\s*url\s*=\s*(\S{1,300})")
_REMOTE_HOST = re.compile(r"(?:[a-z][\w+.-]{0,20}://)?(?:[^/@\s]{1,200}@)?([\w.-]{1,200})", re.I)
_CREDENTIAL_URL = re.compile(r"^[a-z][\w+.-]{0,20}://[^/@\s]{1,200}@", re.I)
_SVN_FORMAT = re.compile(r"[0-9]{1,2}")
_HG_TOKEN = re.compile(r"[a-z0-9][a-z0-9._-]{0,60}")


def confirm_git_head(fetched: Fetched) -> str | None:
    """``.git/HEAD``: a symbolic ref or a bare commit id, and nothing else."""
    if len(fetched.body) > 512:
        return None
    text = _text(fetched, 512).strip()
    if _GIT_REF.fullmatch(text):
        return f"git HEAD file readable: {_clean(text)}"
    if _SHA.fullmatch(text):
        return f"git HEAD file readable (detached at {text[:12]})"
    return None


def confirm_git_config(fetched: Fetched) -> str | None:
    """``.git/config``: a ``[core]`` section with git's own keys."""
    text = _text(fetched)
    if _looks_html(text) or not (_GIT_CORE.search(text) and _GIT_CORE_KEY.search(text)):
        return None
    urls = _GIT_REMOTE_URL.findall(text)
    hosts = [_clean(m.group(1), 60) for u in urls if (m := _REMOTE_HOST.match(u))]
    evidence = "git config file readable ([core] section)"
    if hosts:
        evidence += f"; remotes on {_names(hosts, 3)}"
    if any(_CREDENTIAL_URL.match(u) for u in urls):
        evidence += "; a remote URL embeds a user name and password or token (not shown)"
    return evidence


def confirm_svn_entries(fetched: Fetched) -> str | None:
    """``.svn/entries``: a format number line (12 alone, or ≤ 10 then ``dir``)."""
    text = _text(fetched, 4096)
    first, _, rest = text.partition("\n")
    number = first.strip()
    if _looks_html(text) or not _SVN_FORMAT.fullmatch(number) or int(number) < 4:
        return None
    if text.strip() == number or rest[:40].lstrip("\n").startswith("dir\n"):
        return f"Subversion entries file readable (format {number})"
    return None


def confirm_sqlite(fetched: Fetched) -> str | None:
    """``.svn/wc.db``: the SQLite file magic."""
    if fetched.body.startswith(b"SQLite format 3\x00"):
        return "Subversion wc.db SQLite database readable (lists every file, pristine copies)"
    return None


def confirm_hg_requires(fetched: Fetched) -> str | None:
    """``.hg/requires``: only requirement tokens, including ``revlogv1`` or ``store``."""
    if len(fetched.body) > 2048:
        return None
    tokens = [line.strip() for line in _text(fetched, 2048).splitlines() if line.strip()]
    if not tokens or not all(_HG_TOKEN.fullmatch(t) for t in tokens):
        return None
    if "revlogv1" in tokens or "store" in tokens:
        return f"Mercurial requires file readable: {_names(tokens, 5)}"
    return None


# --- .env -------------------------------------------------------------------------------

_ENV_LINE = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]{0,63})\s*=")
_SECRET_KEY = re.compile(
    r"PASS|SECRET|KEY|TOKEN|SALT|PRIVATE|CREDENTIAL|AUTH|DATABASE_URL|REDIS_URL|DSN|^AWS_", re.I
)


def confirm_env(fetched: Fetched) -> str | None:
    """A dotenv file: mostly ``KEY=value`` lines, with at least one secret-bearing key."""
    text = _text(fetched)
    if _looks_html(text):
        return None
    keys: list[str] = []
    other = 0
    for raw in text.splitlines()[:2000]:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _ENV_LINE.match(line)
        if match:
            keys.append(match.group(1))
        else:
            other += 1
    secret = [k for k in keys if _SECRET_KEY.search(k)]
    if len(keys) < 2 or other > len(keys) or not secret:
        return None
    return (
        f".env file readable: {len(keys)} variables; secret-bearing keys: "
        f"{_names(secret, 8)} (values not shown)"
    )


# --- Config backups ---------------------------------------------------------------------

_PHP_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("<?php", r"<\?php"),
        ("define(", r"\bdefine\s*\("),
        ("DB_PASSWORD", r"\bDB_PASSWORD\b"),
        ("DB_USER", r"\bDB_USER\b"),
        ("DB_NAME", r"\bDB_NAME\b"),
        ("AUTH_KEY", r"\bAUTH_KEY\b"),
        ("$password", r"\$password\b"),
        ("class JConfig", r"\bclass\s+JConfig\b"),
    )
)


def confirm_config_backup(fetched: Fetched) -> str | None:
    """A PHP config copy served as text (≥ 2 config markers), or a vim swap file of one."""
    swap = fetched.body.startswith(b"b0VIM")
    text = fetched.body[:MAX_READ].decode("latin-1") if swap else _text(fetched)
    if not swap and _looks_html(text):
        return None
    found = [name for name, pattern in _PHP_MARKERS if pattern.search(text)]
    if swap:
        detail = f"; markers: {', '.join(found)}" if found else ""
        return f"vim swap file of the config readable (b0VIM){detail} (values not shown)"
    if len(found) < 2:
        return None
    return f"PHP config source readable; markers: {', '.join(found)} (values not shown)"


# --- Dumps and archives -----------------------------------------------------------------

_SQL_HEADERS = (
    "-- MySQL dump",
    "-- MariaDB dump",
    "-- PostgreSQL database dump",
    "-- phpMyAdmin SQL Dump",
    "-- Adminer",
)
_SQL_STATEMENT = re.compile(
    r"(?mi)^[ \t]*(?:CREATE TABLE|INSERT INTO|DROP TABLE)(?:[ \t]+IF(?:[ \t]+NOT)?[ \t]+EXISTS)?"
    r"[ \t]+[`\"\[]?([\w.$-]{1,64})"
)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive (empty)"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"BZh", "bzip2 archive"),
)
_DUMP_NAME = re.compile(r"\.(?:sql|sql\.gz|gz|zip|tar|tgz|7z|rar|bz2|xz|bak|dump)$", re.I)


def _archive_detail(body: bytes) -> str:
    """The first file name a ZIP or gzip header carries, when present."""
    if body.startswith(b"PK\x03\x04") and len(body) >= 30:
        size = int.from_bytes(body[26:28], "little")
        name = body[30 : 30 + min(size, 200)].decode("utf-8", "replace")
        return f", first file: {_clean(name, 60)}" if name else ""
    if body.startswith(b"\x1f\x8b") and len(body) > 10 and body[3] & 0x08 and not body[3] & 0x04:
        name = body[10 : 10 + 200].split(b"\x00", 1)[0].decode("latin-1")
        return f", original file: {_clean(name, 60)}" if name else ""
    return ""


def _sql_evidence(head: str) -> str | None:
    """What shows a SQL dump: its tool header, or table statements."""
    stripped = head.lstrip("\ufeff \t\r\n")
    first_line = stripped.split("\n", 1)[0]
    tables = [m.group(1) for m in _SQL_STATEMENT.finditer(head)]
    if any(stripped.startswith(h) for h in _SQL_HEADERS):
        extra = f"; tables: {_names(tables, 4)}" if tables else ""
        return f"SQL dump readable: {_clean(first_line, 60)}{extra}"
    if tables:
        return f"SQL dump readable: statements for tables {_names(tables, 4)}"
    return None


def confirm_dump(fetched: Fetched) -> str | None:
    """A SQL dump or an archive: dump markers or file magic, never served as HTML."""
    if fetched.content_type in _HTML_TYPES:
        return None
    head = fetched.body[: DUMP_RANGE + 1]
    for magic, label in _MAGIC:
        if head.startswith(magic):
            if magic == b"BZh" and head[4:10] != b"1AY&SY":
                continue
            return f"{label} downloadable{_archive_detail(head)}"
    if len(head) > 262 and head[257:262] == b"ustar":
        return "tar archive downloadable"
    text = head.decode("utf-8", "replace")
    return None if _looks_html(text) else _sql_evidence(text)


# --- Directory listings -----------------------------------------------------------------

_LISTING = re.compile(
    r"<title>\s*(?:Index of /|Directory listing for /)|<h1>\s*Index of /|\[To Parent Directory\]",
    re.I,
)
_HREF = re.compile(r"""<a\s[^>]{0,200}?href\s*=\s*["']([^"'?#]{1,200})["']""", re.I)


def _listing_entries(text: str) -> list[str] | None:
    """The entries of an autoindex page, or None when it is not one."""
    if not _LISTING.search(text):
        return None
    entries = []
    for href in _HREF.findall(text):
        if href.startswith(("/", "..", "http:", "https:")) or href in ("./", ""):
            continue
        entries.append(_clean(unquote(href), 60))
    return entries[:500]


def confirm_listing(fetched: Fetched) -> str | None:
    """An Apache/nginx/IIS/Python directory index."""
    entries = _listing_entries(_text(fetched))
    if entries is None:
        return None
    shown = f": {_names(entries, 6)}" if entries else ""
    return f"directory listing open, {len(entries)} entries{shown}"


def confirm_backup_listing(fetched: Fetched) -> str | None:
    """A directory listing holding dump or archive files."""
    entries = _listing_entries(_text(fetched))
    dumps = [e for e in entries or [] if _DUMP_NAME.search(e)]
    if not dumps:
        return None
    return f"backup folder listed with {len(dumps)} dump/archive files: {_names(dumps, 5)}"


# --- Debug logs, phpinfo ----------------------------------------------------------------

_LOG_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "PHP error lines",
        re.compile(
            r"(?m)^(?:\[[^\]\n]{1,80}\][ \t]*){0,5}PHP (?:Fatal error|Parse error|Warning|"
            r"Notice|Deprecated|Stack trace|Catchable fatal error)"
        ),
    ),
    ("stack traces", re.compile(r"(?m)^(?:\[[^\]\n]{1,80}\][ \t]*){0,5}(?:PHP )?Stack trace:")),
    (
        "Laravel/Monolog entries",
        re.compile(
            r"(?m)^\[20\d\d-\d\d-\d\d[ T][\d:.]{5,15}[^\]\n]{0,20}\] [\w-]{1,30}\."
            r"(?:EMERGENCY|ALERT|CRITICAL|ERROR|WARNING|NOTICE|INFO|DEBUG)\b"
        ),
    ),
    (
        "Apache error entries",
        re.compile(
            r"(?m)^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d [\d:.]{8,15} 20\d\d\] \[[\w:]{1,30}\]"
        ),
    ),
)
_PHP_VERSION = re.compile(r"PHP Version\s*([0-9][0-9A-Za-z.+-]{0,30})")
_PHPINFO_SYSTEM = re.compile(r"""<td class=["']?e["']?>\s*System\s*<""", re.I)


def confirm_debug_log(fetched: Fetched) -> str | None:
    """PHP, Laravel or Apache log lines (counted, never quoted: they leak paths and data)."""
    text = _text(fetched)
    if _looks_html(text):
        return None
    counts = [(label, len(pattern.findall(text))) for label, pattern in _LOG_KINDS]
    seen = [f"{n} {label}" for label, n in counts if n]
    if not seen:
        return None
    return f"log file readable: {', '.join(seen)} in the first 64 KiB (lines not shown)"


def confirm_phpinfo(fetched: Fetched) -> str | None:
    """``phpinfo()`` output: its title, or the version heading plus the System row."""
    text = _text(fetched)
    version = _PHP_VERSION.search(text)
    titled = "<title>phpinfo()</title>" in text.lower()
    if not titled and not (version and _PHPINFO_SYSTEM.search(text)):
        return None
    shown = f" (PHP Version {_clean(version.group(1), 30)})" if version else ""
    return f"phpinfo() output readable{shown}"


# --- Installers -------------------------------------------------------------------------

_ALREADY_INSTALLED = re.compile(
    r"already installed|already exists|d(?:é|e|&eacute;)j(?:à|a|&agrave;) install", re.I
)
_INSTALL_WORD = re.compile(r"\binstall(?:ation|er)?\b|\bsetup\b|\bstep ?1\b", re.I)
_DB_WORD = re.compile(
    r"\bdatabase\b|\bdb_?(?:name|host|user)\b|\bdbname\b|base de donn(?:é|e|&eacute;)es", re.I
)


def _installer(product: str, text: str, markers: Sequence[str]) -> str | None:
    """Evidence when the page names ``product`` and shows one of its form markers."""
    low = text.lower()
    if product.lower() not in low or _ALREADY_INSTALLED.search(text):
        return None
    found = [m for m in markers if m.lower() in low]
    return f"{product} installer form open ({', '.join(found)})" if found else None


def confirm_wp_install(fetched: Fetched) -> str | None:
    """``wp-admin/install.php`` showing its form, not "already installed"."""
    markers = ("weblog_title", 'id="setup"', "install.php?step=")
    return _installer("WordPress", _text(fetched), markers)


def confirm_wp_setup_config(fetched: Fetched) -> str | None:
    """``wp-admin/setup-config.php`` offering to write a new wp-config.php."""
    markers = ('name="dbname"', "setup-config.php?step=", 'id="setup"')
    return _installer("WordPress", _text(fetched), markers)


def confirm_joomla_installer(fetched: Fetched) -> str | None:
    """Joomla's ``installation/`` folder still serving its web installer."""
    markers = ("jform_", "installation/template", 'id="adminForm"', 'id="languageForm"')
    return _installer("Joomla", _text(fetched), markers)


def confirm_generic_installer(fetched: Fetched) -> str | None:
    """An install/setup form asking for database settings."""
    text = _text(fetched)
    if "<form" not in text.lower() or _ALREADY_INSTALLED.search(text):
        return None
    if not (_INSTALL_WORD.search(text) and _DB_WORD.search(text)):
        return None
    title = _title(text)
    return f"installer form open asking for database settings (title: {title or 'none'})"


# --- Database tools ---------------------------------------------------------------------

_PMA_LOGIN = ("pma_username", "pma_password", 'id="input_username"')
_PMA_OPEN = (
    "pma_navigation",
    "server_databases",
    "route=/server/databases",
    "route=/database/structure",
    "db_structure.php",
)
_ADMINER_LOGIN = ("auth[username]", "auth[password]", "auth[driver]")
_ADMINER_OPEN = ('name="logout"', 'id="dbs"', ">select database<", "&amp;db=", "&db=")
_PMA_VERSION = re.compile(
    r"phpMyAdmin\s+(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)|[?&]v=(\d{1,2}\.\d{1,2}\.\d{1,2})"
)
_ADMINER_VERSION = re.compile(r"""class=["']?version["']?>\s*(\d{1,2}\.\d{1,2}(?:\.\d{1,2})?)""")


def _dbtool(text: str) -> tuple[str, str] | None:
    """``(product, version-suffix)`` for phpMyAdmin or Adminer pages."""
    low = text.lower()
    if "phpmyadmin" in low:
        match = _PMA_VERSION.search(text)
        version = (match.group(1) or match.group(2)) if match else ""
        return "phpMyAdmin", f" (version {version})" if version else ""
    if "adminer" in low:
        match = _ADMINER_VERSION.search(text)
        return "Adminer", f" (version {match.group(1)})" if match else ""
    return None


def confirm_dbtool_login(fetched: Fetched) -> str | None:
    """The login page of phpMyAdmin or Adminer (product name plus its own login fields)."""
    text = _text(fetched)
    tool = _dbtool(text)
    if tool is None:
        return None
    markers = _PMA_LOGIN if tool[0] == "phpMyAdmin" else _ADMINER_LOGIN
    if not any(m in text for m in markers):
        return None
    return f"{tool[0]} login page reachable from the internet{tool[1]}"


def confirm_dbtool_open(fetched: Fetched) -> str | None:
    """phpMyAdmin or Adminer usable without login: its database views, no password field."""
    text = _text(fetched)
    tool = _dbtool(text)
    if tool is None or _has_login_form(text):
        return None
    login, markers = (
        (_PMA_LOGIN, _PMA_OPEN) if tool[0] == "phpMyAdmin" else (_ADMINER_LOGIN, _ADMINER_OPEN)
    )
    low = text.lower()
    found = [m for m in markers if m.lower() in low]
    if any(m in text for m in login) or not found:
        return None
    return f"{tool[0]} usable WITHOUT login{tool[1]}: {', '.join(found[:3])} shown"


# --- Admin and export pages --------------------------------------------------------------

_ADMIN_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.I))
    for name, pattern in (
        ("Dashboard", r"\bdashboard\b"),
        ("Tableau de bord", r"\btableau de bord\b"),
        ("Export", r"\bexport(?:er|s)?\b"),
        ("Members", r"\bmembers?\b|\bmembres\b"),
        ("Adhérents", r"\badh(?:é|e|&eacute;|&#233;)rents?\b"),
        ("Administration", r"\badministration\b|\bback-?office\b"),
        ("Users", r"\busers\b|\butilisateurs\b"),
        ("Settings", r"\bsettings\b|\bparam(?:è|e|&egrave;)tres\b"),
        ("Donations", r"\bdonations\b|\bdonateurs\b|\bcotisations\b"),
    )
)
_LOGOUT = re.compile(
    r"\blog ?out\b|\bsign ?out\b|\blogoff\b"
    r"|d(?:é|e|&eacute;)connexion|se d(?:é|e|&eacute;)connecter",
    re.I,
)
_ADMIN_TITLE = re.compile(
    r"admin|dashboard|tableau de bord|back-?office|gestion|export|adh(?:é|e)rents|members", re.I
)
_DATA_TABLE = re.compile(r"<th[^>]{0,100}>\s*(?:e-?mail|nom|name|t(?:é|e)l(?:é|e)phone)", re.I)
_HEADER_CELL = re.compile(r"[^\W\d][\w .'’()/#-]{0,39}")
_PERSONAL = re.compile(
    r"mail|nom|name|pr(?:é|e)nom|phone|t(?:é|e)l|adress|address|ville|city|naissance|birth|"
    r"cotisation|iban|code.?postal|zip",
    re.I,
)


def _csv_evidence(fetched: Fetched, text: str) -> str | None:
    """A CSV export: a header line of names, then rows of the same width."""
    if _is_html(fetched, text):
        return None
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    if len(lines) < 2:
        return None
    sep = max(",;\t", key=lines[0].count)
    if not lines[0].count(sep):
        return None
    try:
        rows = list(csv.reader(lines, delimiter=sep))
    except csv.Error:
        return None
    header = [cell.strip() for cell in rows[0]]
    data = rows[1:]
    if not all(_HEADER_CELL.fullmatch(c) for c in header):
        return None
    if sum(len(r) == len(header) for r in data) * 2 < len(data):
        return None
    personal = [_clean(c, 30) for c in header if _PERSONAL.search(c)]
    flagged = f"; personal-data columns: {_names(personal, 6)}" if personal else ""
    more = "+" if fetched.truncated or len(fetched.body) > MAX_READ else ""
    return (
        f"CSV export readable without login: {len(header)} columns "
        f"({_names([_clean(c, 30) for c in header], 6)}), {len(data)}{more} rows"
        f"{flagged} (values not shown)"
    )


def _admin_html_evidence(text: str) -> str | None:
    """An admin screen: admin words, a logout link/admin title/data table, no login form."""
    if _has_login_form(text):
        return None
    words = [name for name, pattern in _ADMIN_WORDS if pattern.search(text)]
    title = _title(text)
    strong = []
    if _LOGOUT.search(text):
        strong.append("logout link")
    if title and _ADMIN_TITLE.search(title):
        strong.append(f"title '{title}'")
    if _DATA_TABLE.search(text):
        strong.append("table of people")
    if len(words) < 2 or not strong:
        return None
    return f"admin area open without login: {', '.join(strong)}; words: {', '.join(words)}"


def confirm_admin(fetched: Fetched) -> str | None:
    """An admin page or member export reachable without authentication (login pages: None)."""
    text = _text(fetched)
    return _csv_evidence(fetched, text) or (
        _admin_html_evidence(text) if _is_html(fetched, text) else None
    )


# --- The probe table ----------------------------------------------------------------------


def _many(
    check: str, confirm: Confirm, paths: Iterable[str], rng: int | None = None
) -> list[Probe]:
    return [Probe(p, check, confirm, rng) for p in paths]


_DBTOOL_PATHS = ("/phpmyadmin/", "/pma/", "/phpMyAdmin/", "/adminer.php", "/adminer/")

PROBES: tuple[Probe, ...] = (
    Probe("/.git/HEAD", "site.exposed.vcs", confirm_git_head),
    Probe("/.git/config", "site.exposed.vcs", confirm_git_config),
    Probe("/.svn/entries", "site.exposed.vcs", confirm_svn_entries),
    Probe("/.svn/wc.db", "site.exposed.vcs", confirm_sqlite, DUMP_RANGE),
    Probe("/.hg/requires", "site.exposed.vcs", confirm_hg_requires),
    *_many("site.exposed.env", confirm_env, ("/.env", "/.env.local", "/.env.production")),
    *_many(
        "site.exposed.config_backup",
        confirm_config_backup,
        (
            "/wp-config.php.bak",
            "/wp-config.php~",
            "/wp-config.php.old",
            "/wp-config.php.save",
            "/wp-config.php.orig",
            "/.wp-config.php.swp",
            "/config.php.bak",
            "/configuration.php.bak",
        ),
    ),
    *_many(
        "site.exposed.dump",
        confirm_dump,
        (
            "/backup.sql",
            "/dump.sql",
            "/database.sql",
            "/db.sql",
            "/wordpress.sql",
            "/wp-content/uploads/backup.sql",
            "/backup.zip",
            "/backup.tar.gz",
            "/site.zip",
            "/www.zip",
        ),
        DUMP_RANGE,
    ),
    Probe("/wp-content/backup-db/", "site.exposed.dump", confirm_backup_listing),
    *_many(
        "site.exposed.debug_log",
        confirm_debug_log,
        (
            "/wp-content/debug.log",
            "/debug.log",
            "/error_log",
            "/logs/error.log",
            "/storage/logs/laravel.log",
        ),
        LOG_RANGE,
    ),
    *_many("site.exposed.phpinfo", confirm_phpinfo, ("/phpinfo.php", "/info.php", "/test.php")),
    *_many(
        "site.exposed.listing",
        confirm_listing,
        ("/wp-content/uploads/", "/uploads/", "/backup/"),
    ),
    *_many("site.exposed.listing_minor", confirm_listing, ("/files/", "/wp-content/plugins/")),
    Probe("/wp-admin/install.php", "site.exposed.installer", confirm_wp_install),
    Probe("/wp-admin/setup-config.php", "site.exposed.installer", confirm_wp_setup_config),
    Probe("/installation/", "site.exposed.installer", confirm_joomla_installer),
    *_many("site.exposed.installer", confirm_generic_installer, ("/install.php", "/setup.php")),
    *_many("site.backoffice.dbtool_open", confirm_dbtool_open, _DBTOOL_PATHS),
    *_many("site.backoffice.dbtool_login", confirm_dbtool_login, _DBTOOL_PATHS),
    *_many(
        "site.backoffice.open",
        confirm_admin,
        (
            "/admin/",
            "/administration/",
            "/backoffice/",
            "/admin/export",
            "/admin/members",
            "/admin/adherents",
            "/export/adherents",
            "/export.csv",
            "/members.csv",
            "/adherents.csv",
        ),
    ),
)
"""Every exposure probe; one path may carry several mutually exclusive probes."""

PROBE_PATHS: tuple[str, ...] = tuple(dict.fromkeys(p.path for p in PROBES))
"""Distinct paths to fetch, in probe order (fetch each once, see :func:`judge_all`)."""


# --- Catch-all baseline -------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class PageSignature:
    """What is kept of one baseline response to recognise the catch-all page."""

    status: int
    """Its status (a catch-all often answers 200)."""
    length: int
    """Body length as received."""
    head: bytes
    """The first :data:`MAX_READ` bytes of the body."""
    path: str
    """The random path (and query) requested, whose words the page may echo."""


@dataclass(frozen=True)
class Baseline:
    """How the site answers paths that do not exist (built by :func:`make_baseline`)."""

    samples: tuple[PageSignature, ...] = ()


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def make_baseline(fetched_random_paths: Sequence[Fetched]) -> Baseline:
    """The baseline from responses to random non-existent paths (errors are skipped)."""
    samples = tuple(
        PageSignature(f.status, len(f.body), f.body[:MAX_READ], _path_of(f.url))
        for f in fetched_random_paths
        if f.status and not f.error
    )
    return Baseline(samples)


def _tokens(data: bytes) -> set[str]:
    return set(_TOKEN.findall(data.decode("utf-8", "replace").lower()))


def _same_page(body: bytes, path: str, sample: PageSignature, partial: bool) -> bool:
    """Length within 10 % and word-set Jaccard ≥ 0.9 (echoed path words ignored)."""
    head = body[:MAX_READ]
    ref = sample.head[: len(head)] if partial else sample.head
    length_a, length_b = (len(head), len(ref)) if partial else (len(body), sample.length)
    if abs(length_a - length_b) > SIMILAR_LENGTH * max(length_a, length_b):
        return False
    echoed = _tokens(path.encode()) | _tokens(sample.path.encode())
    mine, theirs = _tokens(head) - echoed, _tokens(ref) - echoed
    union = mine | theirs
    return not union or len(mine & theirs) / len(union) >= SIMILAR_TOKENS


def is_catch_all(fetched: Fetched, baseline: Baseline) -> bool:
    """True when ``fetched`` is the page the site gives for any unknown path."""
    partial = fetched.status == 206
    path = _path_of(fetched.url)
    return any(_same_page(fetched.body, path, s, partial) for s in baseline.samples)


# --- Judging ------------------------------------------------------------------------------


def _status_ok(probe: Probe, status: int) -> bool:
    """200, or 206 for a range probe (200 too: servers may ignore Range)."""
    return status == 200 or (status == 206 and probe.range_bytes is not None)


def judge(probe: Probe, fetched: Fetched, baseline: Baseline) -> Observation | None:
    """An observation when status fits, the content confirms, and it is not the catch-all."""
    if fetched.error or not _status_ok(probe, fetched.status):
        return None
    evidence = probe.confirm(fetched)
    if evidence is None or is_catch_all(fetched, baseline):
        return None
    params = (("url", fetched.url), ("path", probe.path))
    return Observation(probe.check, fetched.url, evidence, params)


def judge_all(responses: Mapping[str, Fetched], baseline: Baseline) -> list[Observation]:
    """Judge every probe whose path was fetched (``responses`` maps path → response)."""
    found: dict[tuple[str, str], Observation] = {}
    for probe in PROBES:
        fetched = responses.get(probe.path)
        obs = judge(probe, fetched, baseline) if fetched is not None else None
        if obs is not None:
            found.setdefault((obs.check, obs.target), obs)
    return list(found.values())


# --- WordPress ----------------------------------------------------------------------------

WORDPRESS_PATHS: tuple[str, ...] = (
    "/readme.html",
    "/feed/",
    "/wp-json/wp/v2/users",
    "/?author=1",
    "/xmlrpc.php",
    "/wp-login.php",
)
"""Fetched (redirects NOT followed) for :func:`wordpress_observations`."""

_WP_VERSION = r"(\d{1,2}\.\d{1,2}(?:\.\d{1,3})?)"
_WP_GENERATOR = re.compile(
    r"""<meta[^>]{0,200}?name=["']generator["'][^>]{0,200}?content=["']WordPress """ + _WP_VERSION,
    re.I,
)
_WP_FEED = re.compile(r"<generator>\s*https?://wordpress\.org/\?v=" + _WP_VERSION, re.I)
_WP_README = re.compile(r"\bVersion\s+" + _WP_VERSION)
_WP_LOGIN_VER = re.compile(r"load-styles\.php\?[^\"'>\s]{0,600}?\bver=" + _WP_VERSION)
_WP_SLUG = re.compile(r'"slug"\s*:\s*"([^"\\]{1,100})"')
_WP_AUTHOR_PATH = re.compile(r"/author/([^/?#\s]{1,100})")
_WP_AUTHOR_BODY = re.compile(r"\barchive author author-([a-z0-9%_-]{1,100}) author-\d+\b")
_XMLRPC_MESSAGE = "XML-RPC server accepts POST requests only."


def _ok(extra: Mapping[str, Fetched], path: str) -> Fetched | None:
    """The response for ``path`` when it answered 200."""
    fetched = extra.get(path)
    return fetched if fetched is not None and fetched.status == 200 and not fetched.error else None


def is_wordpress(home: Fetched, extra: Mapping[str, Fetched]) -> bool:
    """The site runs WordPress: its paths or generator in the home page, its API link, …"""
    text = _text(home) if home.status == 200 else ""
    links = " ".join(home.header_values("link"))
    if "/wp-content/" in text or "/wp-includes/" in text or _WP_GENERATOR.search(text):
        return True
    if "api.w.org" in links:
        return True
    login = _ok(extra, "/wp-login.php")
    if login is not None and "wp-submit" in (t := _text(login)) and "user_login" in t:
        return True
    feed = _ok(extra, "/feed/")
    return feed is not None and bool(_WP_FEED.search(_text(feed)))


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def _versions_seen(home: Fetched, extra: Mapping[str, Fetched]) -> list[tuple[str, str]]:
    """``(version, where)`` pairs from the generator tag, feed, readme and login page."""
    sources: list[tuple[Fetched | None, re.Pattern[str], str]] = [
        (home if home.status == 200 else None, _WP_GENERATOR, "generator tag of the home page"),
        (_ok(extra, "/feed/"), _WP_FEED, "/feed/ generator"),
        (_ok(extra, "/wp-login.php"), _WP_LOGIN_VER, "/wp-login.php stylesheet"),
    ]
    readme = _ok(extra, "/readme.html")
    if readme is not None and "wordpress" in _text(readme, 4096).lower():
        sources.append((readme, _WP_README, "/readme.html"))
    seen = []
    for fetched, pattern, where in sources:
        match = pattern.search(_text(fetched)) if fetched is not None else None
        if match:
            seen.append((match.group(1), where))
    return seen


def _wp_version(
    home: Fetched, extra: Mapping[str, Fetched], old_below: tuple[int, ...]
) -> Observation | None:
    seen = _versions_seen(home, extra)
    if not seen:
        return None
    version = max((v for v, _ in seen), key=_version_key)
    where = "; ".join(f"{v} in {w}" for v, w in seen)
    old = _version_key(version) < old_below
    check = "site.wp.version_old" if old else "site.wp.version"
    evidence = f"WordPress {version} ({where})"
    params = (("url", home.url), ("version", version), ("sources", where))
    return Observation(check, home.url, evidence, params)


def _author_slugs(extra: Mapping[str, Fetched]) -> list[str]:
    """Slugs from a ``?author=1`` redirect, or from the author archive page itself."""
    fetched = extra.get("/?author=1")
    if fetched is None or fetched.error:
        return []
    if fetched.status in (301, 302, 303, 307, 308):
        match = _WP_AUTHOR_PATH.search(fetched.header("location") or "")
        return [match.group(1)] if match else []
    if fetched.status == 200:
        return _WP_AUTHOR_BODY.findall(_text(fetched))[:1]
    return []


def _users(home: Fetched, extra: Mapping[str, Fetched]) -> Observation | None:
    slugs: list[str] = []
    where = []
    api = _ok(extra, "/wp-json/wp/v2/users")
    if api is not None and api.body.lstrip()[:1] == b"[":
        found = _WP_SLUG.findall(_text(api))
        slugs += found
        where += ["/wp-json/wp/v2/users"] if found else []
    authors = _author_slugs(extra)
    slugs += authors
    where += ["/?author=1"] if authors else []
    names = list(dict.fromkeys(_clean(unquote(s), 40) for s in slugs))
    if not names:
        return None
    evidence = f"{len(names)} user name(s) readable via {' and '.join(where)}: {_names(names, 5)}"
    params = (("url", home.url), ("count", str(len(names))), ("users", _names(names, 5)))
    return Observation("site.wp.user_enum", home.url, evidence, params)


def _xmlrpc(extra: Mapping[str, Fetched]) -> Observation | None:
    fetched = extra.get("/xmlrpc.php")
    if fetched is None or fetched.error or fetched.status not in (200, 405):
        return None
    if _XMLRPC_MESSAGE not in _text(fetched, 2048):
        return None
    evidence = f"GET answers {fetched.status}: {_XMLRPC_MESSAGE}"
    return Observation("site.wp.xmlrpc", fetched.url, evidence, (("url", fetched.url),))


def wordpress_observations(
    home: Fetched,
    extra: Mapping[str, Fetched],
    *,
    old_below: tuple[int, ...] = WP_OLD_BELOW,
) -> list[Observation]:
    """Version, user enumeration and XML-RPC of a WordPress site ([] when not WordPress).

    ``extra`` maps paths of :data:`WORDPRESS_PATHS` to their responses.
    """
    if not is_wordpress(home, extra):
        return []
    found = (_wp_version(home, extra, old_below), _users(home, extra), _xmlrpc(extra))
    return [obs for obs in found if obs is not None]


# --- Registry entries ---------------------------------------------------------------------

_C, _H, _M, _L, _I = (
    Severity.CRITICAL,
    Severity.HIGH,
    Severity.MEDIUM,
    Severity.LOW,
    Severity.INFO,
)
WSTG_04 = "OWASP WSTG-CONF-04 (old, backup and unreferenced files)"
WSTG_05 = "OWASP WSTG-CONF-05 (admin interfaces)"
WSTG_02 = "OWASP WSTG-CONF-02 (application platform configuration)"
NUCLEI = "nuclei-templates: http/exposures"
WPSCAN = "WPScan (version, user and XML-RPC enumeration)"
CNIL_2016 = (
    "CNIL, public warning to a political party whose website exposed its members' data "
    "without authentication (October 2016)"
)
GDPR_33 = "GDPR art. 33 (breach notification within 72 h), art. 9 (political opinions)"
NGINX_DOTFILES = "location ~ /\\.(?!well-known) {{ deny all; }}"
APACHE_DOTFILES = "RedirectMatch 404 /\\..*$"
_BLOCK_DOTFILES = (
    f"block every hidden file and folder in the web server config — nginx: "
    f"`{NGINX_DOTFILES}`; Apache: `{APACHE_DOTFILES}`"
)
_LISTING_FIX = (
    "Turn off directory listings: Apache `Options -Indexes` (vhost or .htaccess), nginx "
    "`autoindex off;`, or drop an empty index.html in the folder; then go through the files "
    "listed at {url} and delete those that should not be public."
)
_WP_UPDATE = (
    "Update WordPress (Dashboard → Updates) with its plugins and themes, keep automatic "
    "updates on, delete /readme.html and stop advertising the version with "
    "`remove_action('wp_head', 'wp_generator');`. Seen: {sources}."
)

SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "site.exposed.vcs",
        _C,
        "The website's version-control folder (.git, .svn, .hg) is downloadable",
        "Anyone can rebuild the site's whole source code from it, with the passwords and "
        "keys ever committed.",
        "Delete the folder behind {url} from the web root (deploy with `git archive` or "
        f"`rsync --exclude .git`, not a working copy), {_BLOCK_DOTFILES}; then change every "
        "password and key the code ever held (database, mail, API keys, WordPress salts).",
        (WSTG_04, NUCLEI, "CWE-527"),
    ),
    CheckSpec(
        "site.exposed.env",
        _C,
        "An environment file (.env) with secrets is downloadable",
        "It holds the database, mail and API passwords in clear text for anyone who asks.",
        "Delete {url} from the web root (keep .env one level above the public folder), "
        f"{_BLOCK_DOTFILES}; then change every secret whose key the evidence lists "
        "(database, mail, application key, API tokens).",
        (WSTG_04, NUCLEI, "CWE-538"),
    ),
    CheckSpec(
        "site.exposed.config_backup",
        _C,
        "A backup copy of the site's configuration file is readable",
        "A .bak, .old, ~ or .swp copy is served as text: the database password and "
        "secret keys are in it.",
        "Delete {url} (and every other .bak, .old, .orig, .save, ~ or .swp copy) from the "
        "server, change the database password and the WordPress keys and salts it held, and "
        "deny such files — nginx: `location ~* (\\.(bak|old|orig|save|swp)|~)$ {{ deny all; }}`"
        "; Apache: `RedirectMatch 404 (\\.(bak|old|orig|save|swp)|~)$`.",
        (WSTG_04, NUCLEI, "CWE-530"),
    ),
    CheckSpec(
        "site.exposed.dump",
        _C,
        "A database dump or site archive is downloadable",
        "It can hold the whole database — members, donors, password hashes — for anyone "
        "who guesses the name.",
        "Delete {url} from the web server now, keep backups outside the web root (encrypted, "
        "off the server), read the access logs for who downloaded it, change the passwords "
        "it contained; if it held personal data, notify the CNIL within 72 hours.",
        (WSTG_04, NUCLEI, GDPR_33, CNIL_2016),
    ),
    CheckSpec(
        "site.exposed.debug_log",
        _H,
        "A debug or error log is readable",
        "Logs reveal file paths, database queries, plugin versions and sometimes "
        "passwords or visitors' data.",
        "Delete {url}, stop writing logs inside the web root (WordPress: "
        "`define('WP_DEBUG_LOG', false);` and `define('WP_DEBUG_DISPLAY', false);`; "
        "Laravel: `APP_DEBUG=false`), and deny log files — nginx: "
        "`location ~* \\.log$ {{ deny all; }}`; Apache: `RedirectMatch 404 \\.log$`.",
        (WSTG_02, NUCLEI, "CWE-532"),
    ),
    CheckSpec(
        "site.exposed.phpinfo",
        _H,
        "A phpinfo() page is public",
        "It shows the server's exact software versions, paths and environment variables, "
        "sometimes with secrets: a map for attackers.",
        "Delete {url} from the web root; it was only ever meant for a quick test.",
        (WSTG_02, NUCLEI, "CWE-200"),
    ),
    CheckSpec(
        "site.exposed.listing",
        _H,
        "An uploads or backup folder lists its files",
        "Anyone can browse every document put there — internal notes, member lists, "
        "backups — even those never linked from the site.",
        _LISTING_FIX,
        (WSTG_04, NUCLEI, "CWE-548"),
    ),
    CheckSpec(
        "site.exposed.listing_minor",
        _M,
        "A folder of the site lists its files",
        "The listing shows which plugins and files the site has, helping attackers pick "
        "a known vulnerability.",
        _LISTING_FIX,
        (WSTG_04, NUCLEI, "CWE-548"),
    ),
    CheckSpec(
        "site.exposed.installer",
        _H,
        "An installer or setup page is still reachable",
        "Whoever runs it first can point the site at their own database or create the "
        "admin account: a complete takeover.",
        "Delete or block {url} now: finish or remove the installation (Joomla: delete the "
        "installation/ folder; WordPress: make sure wp-config.php exists and the install "
        "completed; other tools: delete install.php/setup.php).",
        (WSTG_05, NUCLEI),
    ),
    CheckSpec(
        "site.backoffice.dbtool_login",
        _H,
        "A database tool's login page (phpMyAdmin, Adminer) is open to the internet",
        "It is attacked with guessed and leaked passwords all day; one success gives the "
        "whole database.",
        "Restrict {url} to the office IP or a VPN (nginx: `allow 203.0.113.10; deny all;` in "
        "its location; Apache: `Require ip 203.0.113.10`), or remove it and use the hosting "
        "panel's tool; keep it updated and the database password long and unique.",
        (WSTG_05, NUCLEI),
    ),
    CheckSpec(
        "site.backoffice.dbtool_open",
        _C,
        "A database tool is usable without any login",
        "Anyone can read, export or change the whole database, members' data included.",
        "Take {url} offline now (delete it or deny all), change the database passwords, look "
        "for admin users or content you did not add, and only bring it back behind a VPN or "
        "office-IP restriction with login (phpMyAdmin: auth_type 'cookie').",
        (WSTG_05, NUCLEI, GDPR_33),
    ),
    CheckSpec(
        "site.backoffice.open",
        _C,
        "An admin or member-export page is reachable without login",
        "Member and donor lists reveal people's political opinions: anyone with the address "
        "can read them.",
        "Put {url} behind a login now (the application's own, or at least HTTP basic "
        "authentication over HTTPS: Apache `AuthType Basic` + `Require valid-user`, nginx "
        "`auth_basic`), delete export files from the web root, read the access logs for who "
        "fetched it, and if personal data was exposed notify the CNIL within 72 hours.",
        (WSTG_05, CNIL_2016, GDPR_33),
    ),
    CheckSpec(
        "site.wp.version",
        _I,
        "The WordPress version is visible",
        "Attackers match the advertised version against known vulnerabilities.",
        _WP_UPDATE,
        (WPSCAN,),
    ),
    CheckSpec(
        "site.wp.version_old",
        _L,
        "WordPress is several major versions old",
        "Old WordPress branches carry publicly known vulnerabilities and many plugins no "
        "longer support them.",
        "Back up the site and its database first (WordPress {version} is several major "
        "versions behind), then: " + _WP_UPDATE,
        (WPSCAN,),
    ),
    CheckSpec(
        "site.wp.user_enum",
        _M,
        "WordPress lists its user names",
        "Login names are half of what attackers guess: these accounts get brute-forced.",
        "Block user listing — a security plugin's 'disable user enumeration' option, or in "
        "the theme's functions.php: `add_filter('rest_endpoints', function ($e) {{ "
        "unset($e['/wp/v2/users'], $e['/wp/v2/users/(?P<id>[\\d]+)']); return $e; }});` and "
        "redirect ?author=N requests; give these accounts ({users}) long unique passwords and "
        "two-factor login.",
        (WPSCAN, "OWASP WSTG-IDNT-04 (account enumeration)"),
    ),
    CheckSpec(
        "site.wp.xmlrpc",
        _M,
        "WordPress XML-RPC is enabled",
        "xmlrpc.php lets attackers try hundreds of passwords per request and use the site "
        "in pingback floods.",
        "Unless an app (Jetpack, the mobile app) needs it, block {url} — nginx: "
        "`location = /xmlrpc.php {{ deny all; }}`; Apache: `<Files xmlrpc.php> Require all "
        "denied </Files>` — or at least add `add_filter('xmlrpc_enabled', '__return_false');`.",
        (WPSCAN, NUCLEI),
    ),
)
"""Registry entries for every check id this module emits."""
