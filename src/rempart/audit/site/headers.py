"""HTTP security headers, cookies, version disclosure, security.txt, and a grade.

Pure functions over :class:`~rempart.audit.site.model.Fetched` responses: no
network, no clock except where said. Everything read is attacker-controlled,
so sizes are bounded (header values over 8 KiB are ignored, at most 50
cookies and the first 256 KiB of HTML are read) and malformed input is
skipped, never raised on.

The grade is *similar in spirit* to the Mozilla HTTP Observatory scoring, not
identical to it: start at 100, each test gives at most one modifier from
:data:`MODIFIERS`, bonuses count only when the penalties leave the score at 90
or more, the score is floored at 0 and capped at 135, and the letters use
Observatory's bands (A+ from 100 down to F under 25). Differences: HSTS is
"short" under one year (Observatory: six months), "preload" means preload-ready
rather than on the browsers' list, cookie penalties are lighter, and version
disclosure costs points.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from types import MappingProxyType
from urllib.parse import urlsplit

from rempart.audit.site.model import Fetched
from rempart.audit.spec import CheckSpec
from rempart.model import Observation, Severity

M, L, INFO = Severity.MEDIUM, Severity.LOW, Severity.INFO

MAX_HEADER = 8 * 1024
"""Header values longer than this are ignored."""
MAX_COOKIES = 50
"""At most this many ``Set-Cookie`` headers are read."""
MAX_HTML = 256 * 1024
"""At most this many bytes of the page are read for ``<meta>`` tags."""
MAX_SECURITY_TXT = 32 * 1024
"""At most this many bytes of security.txt are read."""
ONE_YEAR = 31_536_000
"""HSTS max-age below this (seconds) is short; the preload list wants at least this."""

_MAX_PENDING = 64 * 1024  # unparsed HTML the parser may hold before we give up
_MAX_NAME = 256
_MAX_EVIDENCE = 400
_MAX_META = 32
_VERSION = re.compile(r"(?<![\d.])\d+\.\d+")
_SESSION = re.compile(r"sess|sid|auth|token|login|logged_in|jwt|remember", re.I)
_ANTI_CSRF = re.compile(r"csrf|xsrf", re.I)
_HASH_OR_NONCE = ("'nonce-", "'sha256-", "'sha384-", "'sha512-")
_BROAD = frozenset({"*", "http:", "https:", "data:"})
_STRICT_REFERRER = frozenset(
    {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}
)
_UNSAFE_REFERRER = frozenset({"unsafe-url", "no-referrer-when-downgrade"})
_REFERRER_POLICIES = _STRICT_REFERRER | _UNSAFE_REFERRER | {"origin", "origin-when-cross-origin"}
_DISCLOSING = ("Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Generator")
_CONTACT = re.compile(r"^contact:[ \t]*\S", re.I | re.M)
_EXPIRES = re.compile(r"^expires:[ \t]*(\S[^\r\n]*)", re.I | re.M)
_LETTERS = (
    (100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"),
    (50, "C"), (45, "C-"), (40, "D+"), (30, "D"), (25, "D-"),
)  # fmt: skip


# --- Grade -----------------------------------------------------------------


@dataclass(frozen=True)
class Modifier:
    """One scoring test's effect on the grade."""

    test: str
    """Test id, a key of :data:`MODIFIERS` (``csp-missing``)."""
    delta: int
    """Points added (bonus) or removed (penalty)."""
    reason: str
    """Plain words (``no Content-Security-Policy``)."""


def _table(*rows: tuple[str, int, str]) -> Mapping[str, Modifier]:
    return MappingProxyType({test: Modifier(test, delta, reason) for test, delta, reason in rows})


MODIFIERS: Mapping[str, Modifier] = _table(
    ("csp-missing", -25, "no Content-Security-Policy"),
    ("csp-unsafe-inline", -20, "CSP lets inline scripts run ('unsafe-inline' or no script-src)"),
    ("csp-unsafe-eval", -10, "CSP allows 'unsafe-eval'"),
    ("frame-missing", -20, "no clickjacking protection (frame-ancestors or X-Frame-Options)"),
    ("nosniff-missing", -5, "X-Content-Type-Options is not nosniff"),
    ("hsts-missing", -20, "no Strict-Transport-Security over HTTPS"),
    ("hsts-short", -10, "HSTS max-age under one year"),
    ("cookies-insecure", -20, "a cookie without Secure"),
    ("cookies-httponly", -10, "a session cookie without HttpOnly"),
    ("cookies-samesite", -5, "a cookie without SameSite (or SameSite=None without Secure)"),
    ("referrer-missing", 0, "no Referrer-Policy"),
    ("referrer-unsafe", -5, "unsafe Referrer-Policy (unsafe-url, no-referrer-when-downgrade)"),
    ("version-disclosure", -5, "software version disclosed"),
    ("csp-strict", 5, "strict CSP: no unsafe-inline, unsafe-eval or wildcard scripts"),
    ("frame-ancestors-csp", 5, "clickjacking protection through CSP frame-ancestors"),
    ("hsts-preload", 5, "HSTS preload-ready (one year, includeSubDomains, preload)"),
    ("referrer-strict", 5, "strict Referrer-Policy"),
)
"""Every grade modifier: test id → :class:`Modifier` (delta and reason).

Each test yields at most one of its modifiers; positive ones (bonuses) apply
only when the penalties leave the score at 90 or more, as in Observatory."""

BASE_SCORE = 100
BONUS_THRESHOLD = 90
SCORE_CAP = 135


@dataclass(frozen=True)
class Grade:
    """An Observatory-like score and letter with the modifiers that made it."""

    score: int
    """0 to 135; 100 with nothing right nor wrong."""
    letter: str
    """A+ to F (see :func:`letter`)."""
    modifiers: tuple[Modifier, ...]
    """The modifiers applied, penalties first."""

    def explain(self) -> list[str]:
        """One line per modifier: ``−25 no Content-Security-Policy``."""
        return [f"{_signed(m.delta)} {m.reason}" for m in self.modifiers]


def _signed(delta: int) -> str:
    if delta < 0:
        return f"−{-delta}"
    return f"+{delta}" if delta > 0 else "±0"


def letter(score: int) -> str:
    """The letter for a score: A+ ≥100, A ≥90, A- ≥85 … D- ≥25, F otherwise."""
    return next((mark for floor, mark in _LETTERS if score >= floor), "F")


# --- HSTS ------------------------------------------------------------------


@dataclass(frozen=True)
class HstsInfo:
    """What the page's Strict-Transport-Security header says (RFC 6797)."""

    present: bool = False
    """A valid header came over HTTPS (an invalid or plain-HTTP one is ignored)."""
    max_age: int | None = None
    """Seconds browsers remember HTTPS-only; None when absent."""
    include_subdomains: bool = False
    """``includeSubDomains`` is set."""
    preload: bool = False
    """``preload`` is set."""
    preload_ready: bool = False
    """max-age ≥ one year, includeSubDomains and preload: fit for the preload list."""


def _hsts_directives(value: str) -> dict[str, str | None] | None:
    """Directive → value; None when a directive repeats (invalid, RFC 6797 §6.1)."""
    seen: dict[str, str | None] = {}
    for part in value.split(";"):
        name, eq, raw = part.partition("=")
        name = name.strip().lower()
        if not name:
            continue
        if name in seen:
            return None
        seen[name] = raw.strip().strip('"') if eq else None
    return seen


def parse_hsts(value: str) -> HstsInfo | None:
    """Parse one Strict-Transport-Security value; None when invalid."""
    directives = _hsts_directives(value)
    raw = (directives or {}).get("max-age")
    if directives is None or raw is None or not re.fullmatch(r"[0-9]{1,64}", raw):
        return None
    max_age = int(raw)
    subdomains = "includesubdomains" in directives
    preload = "preload" in directives
    ready = max_age >= ONE_YEAR and subdomains and preload
    return HstsInfo(True, max_age, subdomains, preload, ready)


def hsts_info(page: Fetched) -> HstsInfo:
    """The HSTS policy the page sets; absent unless the page came over HTTPS.

    Browsers read only the first header and ignore HSTS sent over plain HTTP.
    """
    values = _values(page, "strict-transport-security")
    if not _is_https(page) or not values:
        return HstsInfo()
    return parse_hsts(values[0]) or HstsInfo()


# --- Reading headers and HTML ------------------------------------------------


def _is_https(page: Fetched) -> bool:
    return urlsplit(page.url).scheme.lower() == "https"


def _values(page: Fetched, name: str) -> list[str]:
    """Every value of a header, skipping absurdly long (over 8 KiB) ones."""
    return [v for v in page.header_values(name) if len(v) <= MAX_HEADER]


def _first(page: Fetched, name: str) -> str | None:
    values = _values(page, name)
    return values[0].strip() if values else None


def _clip(text: str, limit: int = _MAX_EVIDENCE) -> str:
    """Text safe to show: control characters replaced, length bounded."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in text[: limit + 1])
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class _MetaReader(HTMLParser):
    """Collects generator, referrer and CSP ``<meta>`` tags until ``<body>``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.generators: list[str] = []
        self.csp: list[str] = []
        self.referrer: list[str] = []
        self.in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Note the meta tags we care about; stop at the body."""
        self.in_body = self.in_body or tag == "body"
        if tag != "meta" or len(self.generators) + len(self.csp) + len(self.referrer) >= _MAX_META:
            return
        found = {k: (v or "").strip() for k, v in attrs}
        content = found.get("content", "")[:MAX_HEADER]
        name = found.get("name", "").lower()
        if name == "generator" and content:
            self.generators.append(content)
        elif name == "referrer" and content:
            self.referrer.append(content)
        if found.get("http-equiv", "").lower() == "content-security-policy":
            self.csp.append(content)


def _read_meta(page: Fetched) -> _MetaReader:
    """Meta tags of an HTML page, from its first 256 KiB; never raises.

    The text is fed in chunks and ``close()`` is never called: a construct
    left unfinished at the end is dropped, and once 64 KiB pile up unparsed
    (a crafted page) reading stops. That bounds html.parser's worst cases,
    which are quadratic on unfinished tags at end of input.
    """
    reader = _MetaReader()
    if page.content_type not in ("", "text/html", "application/xhtml+xml"):
        return reader
    text = replace(page, body=page.body[:MAX_HTML]).text
    try:
        for start in range(0, len(text), 4096):
            reader.feed(text[start : start + 4096])
            if reader.in_body or len(reader.rawdata) > _MAX_PENDING:
                break
    except Exception:  # html.parser on hostile input: keep what was read
        pass
    return reader


# --- Content-Security-Policy -------------------------------------------------

_Policy = dict[str, list[str]]


def _policies(values: Iterable[str], *, from_meta: bool = False) -> list[_Policy]:
    """Enforced policies: comma separates policies, ';' directives (first wins)."""
    policies: list[_Policy] = []
    for value in values:
        for text in value.split(","):
            policy: _Policy = {}
            for part in text.split(";"):
                tokens = part.split()
                if tokens and not (from_meta and tokens[0].lower() == "frame-ancestors"):
                    policy.setdefault(tokens[0].lower(), [t.lower() for t in tokens[1:]])
            if policy:
                policies.append(policy)
    return policies[:16]


@dataclass(frozen=True)
class _ScriptRule:
    directive: str
    inline: bool
    eval: bool
    strict: bool


def _script_rule(policy: _Policy) -> _ScriptRule:
    """How one policy treats scripts (script-src, else default-src)."""
    name = next((n for n in ("script-src", "default-src") if n in policy), "")
    if not name:
        return _ScriptRule("(no script-src or default-src)", True, True, False)
    sources = policy[name]
    neutralised = any(s.startswith(_HASH_OR_NONCE) for s in sources)
    inline = "'unsafe-inline'" in sources and not neutralised
    evals = "'unsafe-eval'" in sources
    broad = "'strict-dynamic'" not in sources and bool(_BROAD.intersection(sources))
    objects = policy.get("object-src", policy.get("default-src"))
    strict = not (inline or evals or broad) and objects is not None and not _BROAD & set(objects)
    return _ScriptRule(_clip(" ".join([name, *sources])), inline, evals, strict)


@dataclass(frozen=True)
class _Csp:
    present: bool
    report_only: bool
    script: _ScriptRule | None
    frame_ancestors: bool


def _csp(page: Fetched, meta: _MetaReader) -> _Csp:
    """The enforced CSP (headers and ``<meta http-equiv>``), Report-Only aside."""
    policies = _policies(_values(page, "content-security-policy"))
    policies += _policies(meta.csp, from_meta=True)
    report_only = bool(_values(page, "content-security-policy-report-only"))
    if not policies:
        return _Csp(False, report_only, None, False)
    rules = [_script_rule(p) for p in policies]
    # Several policies all apply: a script runs only if every policy allows it.
    worst = next((r for r in rules if r.inline or r.eval), rules[0])
    script = _ScriptRule(
        worst.directive,
        all(r.inline for r in rules),
        all(r.eval for r in rules),
        any(r.strict for r in rules),
    )
    frame = any("frame-ancestors" in p and not _BROAD & set(p["frame-ancestors"]) for p in policies)
    return _Csp(True, report_only, script, frame)


# --- Cookies -------------------------------------------------------------------


@dataclass(frozen=True)
class _Cookie:
    name: str
    attributes: str
    """The attributes as sent, never the value."""
    secure: bool
    httponly: bool
    samesite: str
    deleting: bool


def _is_deletion(attrs: dict[str, str]) -> bool:
    """Max-Age ≤ 0 or an Expires in the past: the server is removing the cookie."""
    if re.fullmatch(r"-?[0-9]{1,12}", attrs.get("max-age", "x")):
        return int(attrs["max-age"]) <= 0
    try:
        expires = parsedate_to_datetime(attrs["expires"])
    except (KeyError, TypeError, ValueError, IndexError, OverflowError):
        return False
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires < datetime.now(UTC)


def _split_cookie(raw: str) -> _Cookie | None:
    """RFC 6265 §5.2 parsing; None for a malformed header (no '=', bad name)."""
    pair, _, rest = raw.partition(";")
    name, eq, _value = pair.partition("=")
    name = name.strip()
    if not eq or not name or len(name) > _MAX_NAME or not name.isprintable():
        return None
    attrs: dict[str, str] = {}
    shown: list[str] = []
    for part in rest.split(";"):
        key, _, value = part.partition("=")
        if key.strip():
            attrs[key.strip().lower()] = value.strip()
            shown.append(part.strip())
    samesite = attrs.get("samesite", "")
    secure, httponly = "secure" in attrs, "httponly" in attrs
    return _Cookie(name, "; ".join(shown), secure, httponly, samesite, _is_deletion(attrs))


def _simple_flags(raw: str, name: str) -> tuple[bool, bool, str] | None:
    """Secure, HttpOnly and SameSite as SimpleCookie reads them, when it copes."""
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(raw)
    except Exception:  # SimpleCookie on hostile input: fall back to our parser
        return None
    if list(jar) != [name]:
        return None
    morsel = jar[name]
    return bool(morsel["secure"]), bool(morsel["httponly"]), str(morsel["samesite"] or "")


def _parse_cookie(raw: str) -> _Cookie | None:
    """One Set-Cookie header; SimpleCookie where it agrees on the name."""
    cookie = _split_cookie(raw)
    flags = _simple_flags(raw, cookie.name) if cookie else None
    if cookie is None or flags is None:
        return cookie
    return replace(cookie, secure=flags[0], httponly=flags[1], samesite=flags[2])


def _cookies(page: Fetched) -> list[_Cookie]:
    """The cookies the page sets (at most 50 headers), deletions left out."""
    parsed = (_parse_cookie(raw) for raw in _values(page, "set-cookie")[:MAX_COOKIES])
    return [c for c in parsed if c is not None and not c.deleting]


def _is_session(name: str) -> bool:
    return bool(_SESSION.search(name)) and not _ANTI_CSRF.search(name)


def _cookie_problems(cookie: _Cookie) -> list[str]:
    """The cookie check ids this cookie fails."""
    problems = [] if cookie.secure else ["site.cookies.insecure"]
    if _is_session(cookie.name) and not cookie.httponly:
        problems.append("site.cookies.httponly")
    samesite = cookie.samesite.lower()
    if samesite not in ("strict", "lax", "none") or (samesite == "none" and not cookie.secure):
        problems.append("site.cookies.samesite")
    return problems


# --- Facts: what one page shows, shared by findings and grade -------------------


@dataclass(frozen=True)
class _Facts:
    csp: _Csp
    frame_evidence: str | None
    """None when framing is restricted, else what was seen."""
    nosniff: str | None
    """The X-Content-Type-Options value, None when absent."""
    referrer: str | None
    """The Referrer-Policy in force, None when absent or invalid."""
    referrer_seen: str
    hsts: HstsInfo
    hsts_raw: str | None
    cookies: tuple[_Cookie, ...]
    disclosures: tuple[tuple[str, str], ...]
    """(target, software) pairs."""


def _frame_evidence(page: Fetched, csp: _Csp) -> str | None:
    if csp.frame_ancestors:
        return None
    xfo = _first(page, "x-frame-options")
    if xfo is None:
        return "no CSP frame-ancestors and no X-Frame-Options header"
    tokens = {t.strip().lower() for t in xfo.split(",")}
    if tokens and tokens <= {"deny", "sameorigin"}:
        return None
    return _clip(f"X-Frame-Options: {xfo} (only DENY or SAMEORIGIN protect)")


def _referrer(page: Fetched, meta: _MetaReader) -> tuple[str | None, str]:
    """The policy in force (last valid token wins, meta after header) and what was seen."""
    seen = [*_values(page, "referrer-policy"), *meta.referrer]
    tokens = [t.strip().lower() for value in seen for t in value.split(",")]
    valid = [t for t in tokens if t in _REFERRER_POLICIES]
    return (valid[-1] if valid else None), _clip(", ".join(seen))


def _disclosures(page: Fetched, meta: _MetaReader) -> tuple[tuple[str, str], ...]:
    found = []
    for header in _DISCLOSING:
        value = "; ".join(v.strip() for v in _values(page, header))
        if _VERSION.search(value):
            found.append((header, _clip(value, 200)))
    generators = [g for g in meta.generators if _VERSION.search(g)]
    if generators:
        found.append(("meta generator", _clip("; ".join(generators), 200)))
    return tuple(found)


def _facts(page: Fetched) -> _Facts:
    meta = _read_meta(page)
    csp = _csp(page, meta)
    referrer, referrer_seen = _referrer(page, meta)
    hsts_values = _values(page, "strict-transport-security")
    return _Facts(
        csp=csp,
        frame_evidence=_frame_evidence(page, csp),
        nosniff=_first(page, "x-content-type-options"),
        referrer=referrer,
        referrer_seen=referrer_seen,
        hsts=hsts_info(page),
        hsts_raw=hsts_values[0] if hsts_values else None,
        cookies=tuple(_cookies(page)),
        disclosures=_disclosures(page, meta),
    )


# --- Observations ------------------------------------------------------------


def _csp_observations(url: str, csp: _Csp) -> list[Observation]:
    if not csp.present or csp.script is None:
        note = " (a Content-Security-Policy-Report-Only header is present, but it only reports)"
        evidence = "no Content-Security-Policy header" + (note if csp.report_only else "")
        return [Observation("site.headers.csp_missing", url, evidence)]
    script = csp.script
    problems = [
        k for k, bad in (("'unsafe-inline'", script.inline), ("'unsafe-eval'", script.eval)) if bad
    ]
    if not problems:
        return []
    params = (("directive", script.directive), ("problems", " and ".join(problems)))
    return [Observation("site.headers.csp_unsafe", url, script.directive, params)]


def _simple_header_observations(url: str, facts: _Facts) -> list[Observation]:
    """Framing, nosniff and Referrer-Policy."""
    found = []
    if facts.frame_evidence:
        found.append(Observation("site.headers.frame_missing", url, facts.frame_evidence))
    if (facts.nosniff or "").lower() != "nosniff":
        seen = f"X-Content-Type-Options: {facts.nosniff}" if facts.nosniff is not None else ""
        evidence = _clip(seen) or "no X-Content-Type-Options header"
        found.append(Observation("site.headers.nosniff_missing", url, evidence))
    if facts.referrer is None or facts.referrer in _UNSAFE_REFERRER:
        seen = facts.referrer_seen
        evidence = f"Referrer-Policy: {seen}" if seen else "no Referrer-Policy header"
        params = (("policy", facts.referrer or "none"),)
        found.append(Observation("site.headers.referrer_missing", url, evidence, params))
    return found


def _hsts_observations(url: str, facts: _Facts) -> list[Observation]:
    info = facts.hsts
    if not info.present:
        raw = facts.hsts_raw
        evidence = "no Strict-Transport-Security header on the HTTPS response"
        if raw is not None:
            evidence = _clip(f"Strict-Transport-Security: {raw} (invalid, ignored by browsers)")
        return [Observation("site.hsts.missing", url, evidence)]
    shown = _clip(f"Strict-Transport-Security: {facts.hsts_raw}")
    found = []
    if (info.max_age or 0) < ONE_YEAR:
        params = (("max_age", str(info.max_age)),)
        found.append(Observation("site.hsts.short", url, shown, params))
    if not info.include_subdomains:
        found.append(Observation("site.hsts.no_subdomains", url, shown))
    return found


def _cookie_observations(cookies: Iterable[_Cookie]) -> list[Observation]:
    found = []
    for cookie in cookies:
        attributes = f"; {cookie.attributes}" if cookie.attributes else ""
        evidence = _clip(f"Set-Cookie: {cookie.name}=(value hidden){attributes}")
        params = (("cookie", cookie.name),)
        found += [Observation(c, cookie.name, evidence, params) for c in _cookie_problems(cookie)]
    return found


def _disclosure_observations(facts: _Facts) -> list[Observation]:
    return [
        Observation(
            "site.disclosure.version", target, f"{target}: {software}", (("software", software),)
        )
        for target, software in facts.disclosures
    ]


def _dedupe(observations: Iterable[Observation]) -> list[Observation]:
    """One observation per (check, target), the first seen."""
    kept: dict[tuple[str, str], Observation] = {}
    for obs in observations:
        kept.setdefault((obs.check, obs.target), obs)
    return list(kept.values())


def header_observations(page: Fetched) -> list[Observation]:
    """Security-header, cookie, disclosure and HSTS problems of the site's main page.

    ``page`` is the final HTML page after redirects. A response that never
    came (status 0) gives nothing; HSTS is judged only over HTTPS.
    """
    if page.status <= 0:
        return []
    facts = _facts(page)
    found = [
        *_csp_observations(page.url, facts.csp),
        *_simple_header_observations(page.url, facts),
        *_cookie_observations(facts.cookies),
        *_disclosure_observations(facts),
        *(_hsts_observations(page.url, facts) if _is_https(page) else []),
    ]
    return _dedupe(found)


# --- security.txt ----------------------------------------------------------------


def _security_txt_url(site_url: str) -> str:
    parts = urlsplit(site_url if "//" in site_url else f"https://{site_url}")
    return f"{parts.scheme or 'https'}://{parts.netloc}/.well-known/security.txt"


def _looks_html(fetched: Fetched, text: str) -> bool:
    head = text.lstrip()[:1024].lower()
    html_type = fetched.content_type in ("text/html", "application/xhtml+xml")
    return html_type or head.startswith(("<!doctype", "<html", "<head", "<body", "<?xml"))


def _security_txt_problem(fetched: Fetched | None) -> str | None:
    """Why there is no usable security.txt, None when there is one."""
    if fetched is None or fetched.status == 0:
        reason = fetched.error if fetched is not None and fetched.error else "not fetched"
        return f"no answer ({_clip(reason, 200)})"
    if fetched.status != 200:
        return f"HTTP status {fetched.status}"
    text = replace(fetched, body=fetched.body[:MAX_SECURITY_TXT]).text
    if _looks_html(fetched, text):
        return "the server answers with an HTML page, not a security.txt file"
    if not _CONTACT.search(text):
        return "the file has no Contact: line"
    return None


def _expiry(text: str) -> datetime | None:
    """The RFC 9116 ``Expires:`` date, None when absent or unreadable."""
    match = _EXPIRES.search(text)
    if not match:
        return None
    try:
        when = datetime.fromisoformat(match.group(1).strip()[:64])
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def security_txt_observations(
    site_url: str, fetched: Fetched | None, *, now: datetime | None = None
) -> list[Observation]:
    """Whether ``/.well-known/security.txt`` exists (RFC 9116) and is still valid.

    A 200 answer that is an HTML page (a catch-all home page) or lacks a
    ``Contact:`` line counts as missing. ``now`` defaults to the current time.
    """
    now = now or datetime.now(UTC)
    target = _security_txt_url(site_url)
    ahead = (now + timedelta(days=365)).strftime("%Y-%m-%dT00:00:00Z")
    params = (("url", target), ("expires", ahead))
    problem = _security_txt_problem(fetched)
    if problem is not None or fetched is None:
        return [Observation("site.securitytxt.missing", target, problem or "", params)]
    expires = _expiry(replace(fetched, body=fetched.body[:MAX_SECURITY_TXT]).text)
    if expires is not None and expires < now:
        evidence = f"Expires: {expires.isoformat()} is in the past"
        return [Observation("site.securitytxt.expired", target, evidence, params)]
    return []


# --- Grade computation -------------------------------------------------------------


def _csp_test(csp: _Csp) -> str | None:
    script = csp.script
    if not csp.present or script is None:
        return "csp-missing"
    if script.inline:
        return "csp-unsafe-inline"
    if script.eval:
        return "csp-unsafe-eval"
    return "csp-strict" if script.strict else None


def _hsts_test(info: HstsInfo) -> str | None:
    if not info.present:
        return "hsts-missing"
    if (info.max_age or 0) < ONE_YEAR:
        return "hsts-short"
    return "hsts-preload" if info.preload_ready else None


def _referrer_test(policy: str | None) -> str | None:
    if policy is None:
        return "referrer-missing"
    if policy in _UNSAFE_REFERRER:
        return "referrer-unsafe"
    return "referrer-strict" if policy in _STRICT_REFERRER else None


def _cookie_tests(cookies: Iterable[_Cookie]) -> list[str]:
    problems = {p for cookie in cookies for p in _cookie_problems(cookie)}
    return [
        test
        for check, test in (
            ("site.cookies.insecure", "cookies-insecure"),
            ("site.cookies.httponly", "cookies-httponly"),
            ("site.cookies.samesite", "cookies-samesite"),
        )
        if check in problems
    ]


def _tests(facts: _Facts) -> list[str]:
    """Test ids that apply to the page, at most one per test."""
    frame = None if facts.frame_evidence is None else "frame-missing"
    if facts.csp.frame_ancestors:
        frame = "frame-ancestors-csp"
    nosniff = None if (facts.nosniff or "").lower() == "nosniff" else "nosniff-missing"
    tests = [
        _csp_test(facts.csp),
        frame,
        nosniff,
        _hsts_test(facts.hsts),
        *_cookie_tests(facts.cookies),
        _referrer_test(facts.referrer),
        "version-disclosure" if facts.disclosures else None,
    ]
    return [t for t in tests if t is not None]


def grade(page: Fetched) -> Grade:
    """An Observatory-like grade of the page's headers (see :data:`MODIFIERS`).

    Penalties apply first; bonuses only when the score is then 90 or more;
    the result is floored at 0 and capped at 135.
    """
    applied = [MODIFIERS[t] for t in _tests(_facts(page))]
    penalties = [m for m in applied if m.delta <= 0]
    score = BASE_SCORE + sum(m.delta for m in penalties)
    bonuses = [m for m in applied if m.delta > 0] if score >= BONUS_THRESHOLD else []
    score = max(0, min(SCORE_CAP, score + sum(m.delta for m in bonuses)))
    return Grade(score, letter(score), tuple(penalties + bonuses))


# --- Check specifications -------------------------------------------------------------

OWASP = "OWASP Secure Headers Project"
MDN = "MDN Web Docs: HTTP headers"
OBSERVATORY = "Mozilla HTTP Observatory scoring"
RFC6797 = "RFC 6797 (HSTS)"
RFC6265 = "RFC 6265 (cookies)"
RFC9116 = "RFC 9116 (security.txt)"
W3C_CSP = "W3C Content Security Policy Level 3"

SPECS: tuple[CheckSpec, ...] = (
    CheckSpec(
        "site.headers.csp_missing",
        M,
        "The website sends no Content-Security-Policy",
        "Without a CSP, one injected script (a hacked plugin, a comment field) runs with "
        "full power on the party's site: fake donation forms, stolen logins, defacement.",
        "Send this header on every page: Content-Security-Policy: default-src 'self'; "
        "frame-ancestors 'self'; base-uri 'self'; form-action 'self' — try it first as "
        "Content-Security-Policy-Report-Only, then add the outside sources the site "
        "really uses (e.g. script-src 'self' https://cdn.example.org).",
        (OWASP, MDN, W3C_CSP, OBSERVATORY),
    ),
    CheckSpec(
        "site.headers.csp_unsafe",
        L,
        "The Content-Security-Policy lets injected scripts run",
        "With 'unsafe-inline' or 'unsafe-eval' the policy no longer stops injected "
        "scripts, which is what it is for.",
        "Remove {problems} from the policy ({directive}): move inline scripts into "
        "files or mark them with a nonce, e.g. Content-Security-Policy: default-src "
        "'self'; script-src 'self' 'nonce-RANDOM' 'strict-dynamic'; object-src 'none'; "
        "frame-ancestors 'self'; base-uri 'self'.",
        (OWASP, MDN, W3C_CSP, OBSERVATORY),
    ),
    CheckSpec(
        "site.headers.frame_missing",
        M,
        "Other sites can show the party's pages inside a frame",
        "A hostile page can frame the site invisibly and trick visitors into clicking "
        "(clickjacking), for instance on a donation or sign-up button.",
        "Send: Content-Security-Policy: frame-ancestors 'self' (in your CSP) and, for "
        "old browsers, X-Frame-Options: SAMEORIGIN",
        (OWASP, MDN, "RFC 7034 (X-Frame-Options)", OBSERVATORY),
    ),
    CheckSpec(
        "site.headers.nosniff_missing",
        L,
        "X-Content-Type-Options: nosniff is not sent",
        "Browsers may guess file types and run an uploaded file as a script.",
        "Send on every response: X-Content-Type-Options: nosniff",
        (OWASP, MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.headers.referrer_missing",
        L,
        "No safe Referrer-Policy",
        "Full page addresses (which can carry tokens or reveal what a visitor read) leak "
        "to every outside site the page links to or loads from.",
        "Send: Referrer-Policy: strict-origin-when-cross-origin (seen: {policy}).",
        (OWASP, MDN, "W3C Referrer Policy", OBSERVATORY),
    ),
    CheckSpec(
        "site.cookies.insecure",
        M,
        "A cookie is sent without the Secure flag",
        "The browser also sends it over plain HTTP, where anyone on the same Wi-Fi can "
        "read it and take over the session.",
        "Set the cookie {cookie} with these attributes: Secure; HttpOnly; SameSite=Lax "
        "(e.g. Set-Cookie: {cookie}=…; Path=/; Secure; HttpOnly; SameSite=Lax).",
        (RFC6265, OWASP, MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.cookies.httponly",
        L,
        "A session cookie can be read by scripts (no HttpOnly)",
        "One injected script can steal the session cookie and log in as the user.",
        "Set the cookie {cookie} with these attributes: Secure; HttpOnly; SameSite=Lax "
        "(PHP: session.cookie_httponly = 1, session.cookie_secure = 1, "
        "session.cookie_samesite = Lax).",
        (RFC6265, OWASP, MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.cookies.samesite",
        L,
        "A cookie has no safe SameSite attribute",
        "Without SameSite other sites can make the visitor's browser send the cookie "
        "with forged requests (CSRF).",
        "Set the cookie {cookie} with these attributes: Secure; HttpOnly; SameSite=Lax "
        "(SameSite=None only with Secure, for cookies that must work across sites).",
        (RFC6265, "RFC 6265bis draft (SameSite)", MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.disclosure.version",
        L,
        "The website reveals its software versions",
        "Exact versions tell attackers which known flaws to try first.",
        "Hide the version ({software}): Apache: ServerTokens Prod and ServerSignature "
        "Off; nginx: server_tokens off; PHP (php.ini): expose_php = Off; WordPress: "
        "remove the generator meta with remove_action('wp_head', 'wp_generator'); in "
        "the theme's functions.php; IIS/ASP.NET: <httpRuntime enableVersionHeader="
        '"false" /> and remove X-Powered-By. Then keep that software up to date.',
        (OWASP, "OWASP WSTG-INFO-02 (fingerprint web server)", OBSERVATORY),
    ),
    CheckSpec(
        "site.hsts.missing",
        M,
        "The website does not enforce HTTPS (no HSTS)",
        "A visitor's first plain-HTTP request can be intercepted and redirected to a "
        "fake copy of the site (SSL stripping), on hotel or event Wi-Fi for instance.",
        "Send on every HTTPS response: Strict-Transport-Security: max-age=63072000; "
        "includeSubDomains (add ; preload and submit {domain} at hstspreload.org once "
        "every subdomain serves HTTPS).",
        (RFC6797, OWASP, MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.hsts.short",
        L,
        "HSTS is remembered for less than a year",
        "Browsers forget the HTTPS-only rule quickly (max-age={max_age} s) and are "
        "exposed again to interception.",
        "Send: Strict-Transport-Security: max-age=63072000; includeSubDomains",
        (RFC6797, OWASP, MDN, OBSERVATORY),
    ),
    CheckSpec(
        "site.hsts.no_subdomains",
        INFO,
        "HSTS does not cover subdomains",
        "Subdomains can still be reached over plain HTTP and used to plant cookies for "
        "the main site.",
        "Once every subdomain of {domain} serves HTTPS, send: Strict-Transport-Security: "
        "max-age=63072000; includeSubDomains",
        (RFC6797, MDN),
    ),
    CheckSpec(
        "site.securitytxt.missing",
        INFO,
        "No security.txt tells researchers how to report a flaw",
        "Someone who finds a hole in the party's site has no clear way to warn you, "
        "so the report may never arrive or arrive in public.",
        "Serve {url} as text/plain with: Contact: mailto:security@{domain} and "
        "Expires: {expires} (one line each; renew before it expires).",
        (RFC9116, "securitytxt.org"),
    ),
    CheckSpec(
        "site.securitytxt.expired",
        L,
        "The security.txt file has expired",
        "Researchers are told to ignore an expired file and its contacts.",
        "Update {url}: Contact: mailto:security@{domain} and Expires: {expires}",
        (RFC9116,),
    ),
)
"""Every check id of this module with severity, words and exact fix."""
